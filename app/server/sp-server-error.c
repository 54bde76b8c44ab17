/* sp-server-error.c — protocol error codes and their HTTP statuses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include "sp-server-error.h"

G_DEFINE_QUARK (sp-server-error-quark, sp_server_error)

const char *
sp_server_error_code (SpServerError code)
{
  switch (code)
    {
    case SP_SERVER_ERROR_MALFORMED_JSON:
      return "malformed_json";
    case SP_SERVER_ERROR_INVALID:
    case SP_SERVER_ERROR_METHOD:
    case SP_SERVER_ERROR_EXISTS:
      return "invalid";
    case SP_SERVER_ERROR_UNAUTHENTICATED:
      return "unauthenticated";
    case SP_SERVER_ERROR_BAD_CREDENTIALS:
      return "bad_credentials";
    case SP_SERVER_ERROR_FORBIDDEN:
      return "forbidden";
    case SP_SERVER_ERROR_NOT_FOUND:
      return "not_found";
    case SP_SERVER_ERROR_TIMEOUT:
      return "timeout";
    case SP_SERVER_ERROR_TOO_LARGE:
      return "too_large";
    case SP_SERVER_ERROR_LOCKED_OUT:
      return "locked_out";
    case SP_SERVER_ERROR_DUPLICATE:
      return "duplicate";
    case SP_SERVER_ERROR_FAILED:
    default:
      return "server_error";
    }
}

guint
sp_server_error_status (SpServerError code)
{
  switch (code)
    {
    case SP_SERVER_ERROR_MALFORMED_JSON:
    case SP_SERVER_ERROR_INVALID:
    case SP_SERVER_ERROR_EXISTS:
      return 400;
    case SP_SERVER_ERROR_UNAUTHENTICATED:
    case SP_SERVER_ERROR_BAD_CREDENTIALS:
      return 401;
    case SP_SERVER_ERROR_FORBIDDEN:
      return 403;
    case SP_SERVER_ERROR_NOT_FOUND:
      return 404;
    case SP_SERVER_ERROR_METHOD:
      return 405;
    case SP_SERVER_ERROR_TIMEOUT:
      return 408;
    case SP_SERVER_ERROR_TOO_LARGE:
      return 413;
    case SP_SERVER_ERROR_LOCKED_OUT:
      return 429;
    case SP_SERVER_ERROR_DUPLICATE:
      return 409;
    case SP_SERVER_ERROR_FAILED:
    default:
      return 500;
    }
}
