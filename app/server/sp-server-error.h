/* sp-server-error.h — the errors signpost-server answers with
 *
 * One GError domain whose codes are the protocol's error codes
 * (docs/sync-protocol.md): each has its HTTP status and its code string.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SP_SERVER_ERROR (sp_server_error_quark ())

typedef enum
{
  SP_SERVER_ERROR_FAILED,           /* server_error, 500 */
  SP_SERVER_ERROR_MALFORMED_JSON,   /* 400 */
  SP_SERVER_ERROR_INVALID,          /* 400: wrong types, unknown entity or field */
  SP_SERVER_ERROR_UNAUTHENTICATED,  /* 401: no, bad or expired token */
  SP_SERVER_ERROR_BAD_CREDENTIALS,  /* 401 */
  SP_SERVER_ERROR_FORBIDDEN,        /* 403 */
  SP_SERVER_ERROR_NOT_FOUND,        /* 404, also for another practice's ids */
  SP_SERVER_ERROR_METHOD,           /* 405, code "invalid" */
  SP_SERVER_ERROR_TIMEOUT,          /* 408 */
  SP_SERVER_ERROR_TOO_LARGE,        /* 413 */
  SP_SERVER_ERROR_LOCKED_OUT,       /* 429, with retry_after */
  SP_SERVER_ERROR_EXISTS,           /* an admin command: the name is taken */
  SP_SERVER_ERROR_DUPLICATE,        /* a unique key is taken; only ever in an op's result */
} SpServerError;

GQuark      sp_server_error_quark  (void);
const char *sp_server_error_code   (SpServerError code);
guint       sp_server_error_status (SpServerError code);

G_END_DECLS
