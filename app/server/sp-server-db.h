/* sp-server-db.h — the server's SQLite connection: cached statements, errors
 *
 * A thin typed wrapper: statements are prepared once and cached by their
 * SQL text; a g_autoptr(SpServerStmt) is reset and unbound when it goes out
 * of scope, so no statement keeps a read open by accident. Not thread-safe
 * by itself: the owner serializes access.
 *
 * A commit reaches the disk when the committing thread calls
 * sp_server_db_flush_commits() (group commit: see sp-server-db.c); it
 * needs no lock, and flushes for every thread waiting with it at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _SpServerDb SpServerDb;
typedef sqlite3_stmt SpServerStmt;

SpServerDb   *sp_server_db_open       (const char   *path,
                                       GError      **error);
void          sp_server_db_close      (SpServerDb   *db);

gboolean      sp_server_db_exec       (SpServerDb   *db,
                                       const char   *sql,
                                       GError      **error);
SpServerStmt *sp_server_db_prepare    (SpServerDb   *db,
                                       const char   *sql,
                                       GError      **error);
int           sp_server_db_step       (SpServerDb   *db,
                                       SpServerStmt *stmt,
                                       GError      **error);
gboolean      sp_server_db_step_done  (SpServerDb   *db,
                                       SpServerStmt *stmt,
                                       GError      **error);
gint64        sp_server_db_query_int  (SpServerDb   *db,
                                       const char   *sql,
                                       GError      **error);
gint64        sp_server_db_last_rowid (SpServerDb   *db);
int           sp_server_db_changes    (SpServerDb   *db);

gboolean      sp_server_db_begin      (SpServerDb   *db,
                                       gboolean      write,
                                       GError      **error);
gboolean      sp_server_db_commit     (SpServerDb   *db,
                                       GError      **error);
void          sp_server_db_rollback   (SpServerDb   *db);

void          sp_server_db_set_error  (SpServerDb   *db,
                                       int           rc,
                                       GError      **error);

void          sp_server_stmt_release  (SpServerStmt *stmt);

gboolean      sp_server_db_flush_commits (GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerStmt, sp_server_stmt_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerDb, sp_server_db_close)

G_END_DECLS
