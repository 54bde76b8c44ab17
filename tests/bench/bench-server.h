/* bench-server.h — a signpost-server database loaded in-process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The schema version (PRAGMA user_version) of the server database at
 * @path; -1 when it cannot be read. */
gint64 bench_server_schema_version (const char *path);

/* Every row of the generated store @source pushed into the server database
 * @server_db by @username, through the server's own store code; returns
 * the number of creates applied. */
gint64 bench_server_push_store     (const char *server_db,
                                    const char *source,
                                    const char *username);

G_END_DECLS
