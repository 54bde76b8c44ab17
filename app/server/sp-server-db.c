/* sp-server-db.c — the server's SQLite connection
 *
 * Durability by group commit. With synchronous=FULL every COMMIT waits for
 * its own fdatasync of the write-ahead log, inside the store's lock: one
 * flush (4–8 ms on a virtual disk) per batch, one batch at a time, and
 * every reader queued behind it. Instead connections run with
 * synchronous=NORMAL, so a COMMIT only writes the log, and a commit hook
 * notes on the committing thread that it has something to flush. Before
 * the answer goes out the thread calls sp_server_db_flush_commits(): one
 * fdatasync of the log, outside any lock, covers every commit made before
 * it started, so writers waiting together share one flush. Once answered,
 * a commit survives a crash or a power cut, as with FULL. Checkpoints keep
 * their own syncs (NORMAL syncs the log before one and the database file
 * after it).
 *
 * Checkpoints mostly off the request path. SQLite copies the log into the
 * database (a checkpoint, with two syncs) inside whichever COMMIT passes
 * 1,000 pages of log, and the store's lock is held meanwhile. Here a
 * commit that passes that mark only wakes a thread of the database's own,
 * which checkpoints on a connection of its own (PASSIVE: it never waits
 * for readers or the writer). That copies most of the log, but cannot
 * finish it while writes go on and readers hold older snapshots, and only
 * a finished checkpoint lets the next write start the log again from the
 * beginning; so a commit that finds the log past 10,000 pages (40 MB)
 * checkpoints itself, with only what the thread has not yet copied left
 * to do, and waits a moment (RESTART, for at most RESTART_WAIT_MS) for
 * the reads still on the old log to end, so that the next write starts it
 * again; if they do not end in time, a commit 1,000 pages later tries
 * again (not every commit: each try syncs the database file). The log
 * file is cut back to 64 MB when it starts again (journal_size_limit):
 * its size stays bounded however long the server runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sp-server-db.h"
#include "sp-server-error.h"

#define BUSY_TIMEOUT_MS 5000
#define CHECKPOINT_PAGES 1000          /* SQLite's own default: the thread's turn */
#define CHECKPOINT_INLINE_PAGES 10000  /* the committing connection's */
#define RESTART_WAIT_MS 20

/* Flushing one database's write-ahead log to disk, shared by every
 * connection to it in the process. */
typedef struct
{
  gatomicrefcount  ref;
  char            *db_path;
  char            *wal_path;
  int              fd;         /* the log, opened at the first flush */
  GMutex           lock;
  GCond            flushed;
  gboolean         flushing;   /* a flush is under way */
  guint64          requested;  /* tickets handed out, one per wait */
  guint64          done;       /* every ticket up to this one is on disk */

  GThread         *checkpointer;  /* started at the first full log */
  GCond            checkpoint;
  gboolean         checkpoint_wanted;
  gboolean         closing;
  int              restart_tried_at;  /* log pages at the last inline checkpoint */
} WalFlush;

struct _SpServerDb
{
  sqlite3    *handle;
  GHashTable *statements;  /* SQL text → sqlite3_stmt */
  WalFlush   *flush;
};

/* ---- Group commit -------------------------------------------------------- */

static GMutex flushes_lock;
static GHashTable *flushes;  /* WAL path → WalFlush (unowned) */

/* The thread's commits not flushed yet: the WalFlush of each database it
 * wrote to (owned). */
static void pending_free (gpointer data);
static GPrivate pending_flushes = G_PRIVATE_INIT (pending_free);

static WalFlush *
wal_flush_ref (WalFlush *flush)
{
  g_atomic_ref_count_inc (&flush->ref);
  return flush;
}

static void
wal_flush_unref (WalFlush *flush)
{
  g_mutex_lock (&flushes_lock);
  if (!g_atomic_ref_count_dec (&flush->ref))
    {
      g_mutex_unlock (&flushes_lock);
      return;
    }
  g_hash_table_remove (flushes, flush->wal_path);
  g_mutex_unlock (&flushes_lock);

  if (flush->checkpointer != NULL)
    {
      g_mutex_lock (&flush->lock);
      flush->closing = TRUE;
      g_cond_signal (&flush->checkpoint);
      g_mutex_unlock (&flush->lock);
      g_thread_join (flush->checkpointer);
    }
  if (flush->fd >= 0)
    close (flush->fd);
  g_mutex_clear (&flush->lock);
  g_cond_clear (&flush->flushed);
  g_cond_clear (&flush->checkpoint);
  g_free (flush->db_path);
  g_free (flush->wal_path);
  g_free (flush);
}

static WalFlush *
wal_flush_for (const char *db_path)
{
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);
  WalFlush *flush;

  g_mutex_lock (&flushes_lock);
  if (flushes == NULL)
    flushes = g_hash_table_new (g_str_hash, g_str_equal);
  flush = g_hash_table_lookup (flushes, wal_path);
  if (flush != NULL)
    wal_flush_ref (flush);
  else
    {
      flush = g_new0 (WalFlush, 1);
      g_atomic_ref_count_init (&flush->ref);
      flush->db_path = g_strdup (db_path);
      flush->wal_path = g_steal_pointer (&wal_path);
      flush->fd = -1;
      g_mutex_init (&flush->lock);
      g_cond_init (&flush->flushed);
      g_cond_init (&flush->checkpoint);
      g_hash_table_insert (flushes, flush->wal_path, flush);
    }
  g_mutex_unlock (&flushes_lock);
  return flush;
}

static void
pending_free (gpointer data)
{
  g_ptr_array_unref (data);
}

/* A write transaction is committing on this thread (SQLite calls this only
 * for transactions that wrote). */
static int
on_commit (gpointer data)
{
  WalFlush *flush = data;
  GPtrArray *pending = g_private_get (&pending_flushes);

  if (pending == NULL)
    {
      pending = g_ptr_array_new_with_free_func ((GDestroyNotify) wal_flush_unref);
      g_private_set (&pending_flushes, pending);
    }
  if (!g_ptr_array_find (pending, flush, NULL))
    g_ptr_array_add (pending, wal_flush_ref (flush));
  return 0;
}

/* The database's checkpointer: a PASSIVE checkpoint each time a commit
 * finds the log past CHECKPOINT_PAGES, until the last connection goes. */
static gpointer
checkpoint_thread (gpointer data)
{
  WalFlush *flush = data;
  sqlite3 *handle = NULL;

  if (sqlite3_open_v2 (flush->db_path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    g_warning ("The checkpointer could not open the server database: %s",
               handle != NULL ? sqlite3_errmsg (handle) : "out of memory");
  else
    sqlite3_busy_timeout (handle, BUSY_TIMEOUT_MS);

  g_mutex_lock (&flush->lock);
  for (;;)
    {
      while (!flush->checkpoint_wanted && !flush->closing)
        g_cond_wait (&flush->checkpoint, &flush->lock);
      if (flush->closing)
        break;
      flush->checkpoint_wanted = FALSE;
      g_mutex_unlock (&flush->lock);
      if (handle != NULL)
        {
          int rc = sqlite3_wal_checkpoint_v2 (handle, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

          if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            g_warning ("Checkpoint of the server database failed: %s", sqlite3_errmsg (handle));
        }
      g_mutex_lock (&flush->lock);
    }
  g_mutex_unlock (&flush->lock);
  sqlite3_close_v2 (handle);
  return NULL;
}

/* After a commit, its lock released (SQLite calls this instead of its own
 * automatic checkpoint): past CHECKPOINT_PAGES, the checkpointer's turn;
 * past CHECKPOINT_INLINE_PAGES, this connection's too. */
static int
on_wal_commit (gpointer    data,
               sqlite3    *handle,
               const char *db_name,
               int         n_pages)
{
  WalFlush *flush = data;
  gboolean restart;

  if (n_pages < CHECKPOINT_PAGES)
    return SQLITE_OK;

  g_mutex_lock (&flush->lock);
  /* A log that started again is below the last try: a fresh start. */
  if (n_pages < flush->restart_tried_at)
    flush->restart_tried_at = 0;
  restart = n_pages >= CHECKPOINT_INLINE_PAGES && n_pages >= flush->restart_tried_at + CHECKPOINT_PAGES;
  if (restart)
    flush->restart_tried_at = n_pages;
  g_mutex_unlock (&flush->lock);
  if (restart)
    {
      /* The writer waits (its store's lock held), not for long. */
      sqlite3_busy_timeout (handle, RESTART_WAIT_MS);
      sqlite3_wal_checkpoint_v2 (handle, db_name, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
      sqlite3_busy_timeout (handle, BUSY_TIMEOUT_MS);
    }

  g_mutex_lock (&flush->lock);
  if (flush->checkpointer == NULL)
    flush->checkpointer = g_thread_new ("sp-checkpoint", checkpoint_thread, flush);
  flush->checkpoint_wanted = TRUE;
  g_cond_signal (&flush->checkpoint);
  g_mutex_unlock (&flush->lock);
  return SQLITE_OK;
}

/* Waits until every commit made before the call is on disk, flushing the
 * log itself unless a flush that started after those commits is already
 * under way. */
static gboolean
wal_flush_wait (WalFlush  *flush,
                GError   **error)
{
  guint64 ticket;

  g_mutex_lock (&flush->lock);
  ticket = ++flush->requested;
  while (flush->done < ticket)
    {
      guint64 target;
      int rc = 0;
      int saved_errno = 0;

      if (flush->flushing)
        {
          g_cond_wait (&flush->flushed, &flush->lock);
          continue;
        }
      flush->flushing = TRUE;
      target = flush->requested;
      g_mutex_unlock (&flush->lock);

      if (flush->fd < 0)
        flush->fd = g_open (flush->wal_path, O_RDONLY | O_CLOEXEC, 0);
      if (flush->fd < 0)
        rc = -1;
      else
        {
          do
            rc = fdatasync (flush->fd);
          while (rc != 0 && errno == EINTR);
        }
      saved_errno = errno;

      g_mutex_lock (&flush->lock);
      flush->flushing = FALSE;
      g_cond_broadcast (&flush->flushed);
      if (rc != 0)
        {
          g_mutex_unlock (&flush->lock);
          g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                       _("The server could not write its database to disk (%s)."), g_strerror (saved_errno));
          return FALSE;
        }
      flush->done = MAX (flush->done, target);
    }
  g_mutex_unlock (&flush->lock);
  return TRUE;
}

/* Makes every commit this thread has made durable (see the top of the
 * file); call it before answering a request that may have written.
 * Nothing to do, and TRUE, when the thread has committed nothing since. */
gboolean
sp_server_db_flush_commits (GError **error)
{
  g_autoptr(GPtrArray) pending = g_private_get (&pending_flushes);

  if (pending == NULL)
    return TRUE;
  g_private_set (&pending_flushes, NULL);  /* without freeing: ours now */
  for (guint i = 0; i < pending->len; i++)
    if (!wal_flush_wait (pending->pdata[i], error))
      return FALSE;
  return TRUE;
}

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
 * records and password hashes) with WAL and synchronous=NORMAL; commits are
 * made durable by sp_server_db_flush_commits(), before a request that wrote
 * is answered, and when the connection closes. */
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
      !sp_server_db_exec (db, "PRAGMA synchronous = NORMAL", error) ||
      !sp_server_db_exec (db, "PRAGMA journal_size_limit = 67108864", error) ||
      !sp_server_db_exec (db, "PRAGMA foreign_keys = ON", error))
    return NULL;

  db->flush = wal_flush_for (path);
  sqlite3_commit_hook (db->handle, on_commit, db->flush);
  sqlite3_wal_hook (db->handle, on_wal_commit, db->flush);

  return g_steal_pointer (&db);
}

void
sp_server_db_close (SpServerDb *db)
{
  if (db == NULL)
    return;
  /* An admin command's writes, or the last ones of a stopping server:
   * flushed while the log is certainly there. */
  if (db->flush != NULL && !sp_server_db_flush_commits (NULL))
    g_warning ("The server database could not be written to disk before closing.");
  g_clear_pointer (&db->statements, g_hash_table_unref);
  if (db->handle != NULL)
    sqlite3_close_v2 (db->handle);
  g_clear_pointer (&db->flush, wal_flush_unref);
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
