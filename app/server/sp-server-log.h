/* sp-server-log.h — one structured line per request on stderr
 *
 * Only what operations need: time, method, path, status, duration and the
 * user name. Never a body, a query string, a token, a password or a
 * patient detail; the path is escaped so nobody can forge a line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void sp_server_log_request (const char *method,
                            const char *path,
                            guint       status,
                            gint64      duration_us,
                            const char *user,
                            const char *peer);
void sp_server_log_event   (const char *event,
                            const char *peer,
                            const char *detail);

G_END_DECLS
