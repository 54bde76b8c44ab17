/* sp-server-sqlite.h — the server's store in one SQLite file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "sp-server-backend.h"

G_BEGIN_DECLS

#define SP_TYPE_SERVER_SQLITE (sp_server_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (SpServerSqlite, sp_server_sqlite, SP, SERVER_SQLITE, GObject)

SpServerSqlite *sp_server_sqlite_open (const char  *path,
                                       GError     **error);

G_END_DECLS
