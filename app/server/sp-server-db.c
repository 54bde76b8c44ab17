/* sp-server-db.c — the server's SQLite connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sp-server-db.h"
#include "sp-server-error.h"

#define BUSY_TIMEOUT_MS 5000

struct _SpServerDb
{
  sqlite3    *handle;
  GHashTable *statements;  /* SQL text → sqlite3_stmt */
};

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

void
sp_server_db_set_error (SpServerDb  *db,
                        int          rc,
                        GError     **error)
{
  const char *detail = db != NULL && db->handle != NULL ? sqlite3_errmsg (db->handle) : sqlite3_errstr (rc);

  /* A unique index said no: the caller can tell the user which record
   * holds the key (see apply_op in sp-server-sqlite.c). */
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_DUPLICATE,
                           _("A record with the same details is already stored."));
      return;
    }

  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                   _("The server database is busy; try again in a moment (%s)."), detail);
      break;
    case SQLITE_FULL:
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                           _("The server's disk is full, so nothing was saved."));
      break;
    case SQLITE_NOTADB:
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                           _("The file is not a Signpost server database."));
      break;
    default:
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                   _("The server database could not be read or written (%s)."), detail);
      break;
    }
}

/* Opens (creating if needed, readable by its owner only: it holds patient
 * records and password hashes) with WAL and synchronous=FULL, so a commit
 * survives a crash or a power cut once it has been answered. */
SpServerDb *
sp_server_db_open (const char  *path,
                   GError     **error)
{
  g_autoptr(SpServerDb) db = g_new0 (SpServerDb, 1);
  int rc;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      int fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd < 0 && errno != EEXIST)
        {
          int saved_errno = errno;
          g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                       _("The server database %s could not be created: %s"),
                       path, g_strerror (saved_errno));
          return NULL;
        }
      if (fd >= 0)
        close (fd);
    }

  db->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
  rc = sqlite3_open_v2 (path, &db->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                   _("The server database %s could not be opened: %s"),
                   path, db->handle != NULL ? sqlite3_errmsg (db->handle) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_busy_timeout (db->handle, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes (db->handle, 1);

  if (!sp_server_db_exec (db, "PRAGMA journal_mode = WAL", error) ||
      !sp_server_db_exec (db, "PRAGMA synchronous = FULL", error) ||
      !sp_server_db_exec (db, "PRAGMA foreign_keys = ON", error))
    return NULL;

  return g_steal_pointer (&db);
}

void
sp_server_db_close (SpServerDb *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&db->statements, g_hash_table_unref);
  if (db->handle != NULL)
    sqlite3_close_v2 (db->handle);
  g_free (db);
}

gboolean
sp_server_db_exec (SpServerDb  *db,
                   const char  *sql,
                   GError     **error)
{
  int rc = sqlite3_exec (db->handle, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      sp_server_db_set_error (db, rc, error);
      return FALSE;
    }
  return TRUE;
}

SpServerStmt *
sp_server_db_prepare (SpServerDb  *db,
                      const char  *sql,
                      GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (db->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sp_server_db_set_error (db, rc, error);
      return NULL;
    }
  g_hash_table_insert (db->statements, g_strdup (sql), stmt);
  return stmt;
}

/* SQLITE_ROW or SQLITE_DONE; -1 with @error set on failure. */
int
sp_server_db_step (SpServerDb    *db,
                   SpServerStmt  *stmt,
                   GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  sp_server_db_set_error (db, rc, error);
  sqlite3_reset (stmt);
  return -1;
}

gboolean
sp_server_db_step_done (SpServerDb    *db,
                        SpServerStmt  *stmt,
                        GError       **error)
{
  int rc = sp_server_db_step (db, stmt, error);

  if (rc == SQLITE_ROW)
    rc = SQLITE_DONE;  /* a statement that returns rows was used for its effect */
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}

/* The first column of the first row, or -1 on failure or no row. */
gint64
sp_server_db_query_int (SpServerDb  *db,
                        const char  *sql,
                        GError     **error)
{
  g_autoptr(SpServerStmt) stmt = sp_server_db_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  rc = sp_server_db_step (db, stmt, error);
  if (rc != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

gint64
sp_server_db_last_rowid (SpServerDb *db)
{
  return sqlite3_last_insert_rowid (db->handle);
}

int
sp_server_db_changes (SpServerDb *db)
{
  return sqlite3_changes (db->handle);
}

/* A write transaction takes the database's write lock at once (BEGIN
 * IMMEDIATE), so every writer runs alone, start to end. */
gboolean
sp_server_db_begin (SpServerDb  *db,
                    gboolean     write,
                    GError     **error)
{
  return sp_server_db_exec (db, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", error);
}

gboolean
sp_server_db_commit (SpServerDb  *db,
                     GError     **error)
{
  if (!sp_server_db_exec (db, "COMMIT", error))
    {
      sp_server_db_rollback (db);
      return FALSE;
    }
  return TRUE;
}

void
sp_server_db_rollback (SpServerDb *db)
{
  if (!sqlite3_get_autocommit (db->handle))
    sqlite3_exec (db->handle, "ROLLBACK", NULL, NULL, NULL);
}

void
sp_server_stmt_release (SpServerStmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}
