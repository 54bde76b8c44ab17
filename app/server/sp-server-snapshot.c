/* sp-server-snapshot.c — a new desk's first sync as one file
 *
 * Made by SQLite alone: an empty desk store from the core, its indexes
 * dropped, the server database attached, one INSERT … SELECT a table in
 * one read transaction (so the rows and the seq are one moment of the
 * server), then the indexes made again over the full tables. Served
 * memory-mapped, never read into memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sp-entity.h"
#include "sp-store.h"
#include "sp-server-error.h"
#include "sp-server-log.h"
#include "sp-server-snapshot.h"

/* The columns every entity table starts with (sp-schema-1.sql). */
static const char * const header_names[] = {
  "id", "practice", "rev", "deleted", "updated_at", "updated_by",
};

typedef struct
{
  char        *path;
  gint64       seq;
  GMappedFile *file;
} Snapshot;

struct _SpServerSnapshots
{
  GMutex      lock;       /* held while one is looked up or made */
  char       *db_path;
  char       *folder;
  gint64      max_behind;
  sqlite3    *db;         /* the server database, read-only: max(seq) */
  GHashTable *snapshots;  /* practices, comma-joined → Snapshot */
};

static void
snapshot_free (gpointer data)
{
  Snapshot *snapshot = data;

  g_clear_pointer (&snapshot->file, g_mapped_file_unref);
  /* A desk still downloading it keeps its mapping: the data stays. */
  g_unlink (snapshot->path);
  g_free (snapshot->path);
  g_free (snapshot);
}

static void
set_failed (GError     **error,
            const char  *why)
{
  g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
               _("The server could not prepare the records for this desk (%s). Try again later."), why);
}

static void
set_sqlite_failed (GError  **error,
                   sqlite3  *db)
{
  set_failed (error, db != NULL ? sqlite3_errmsg (db) : "out of memory");
}

static void
empty_folder (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".part") ||
        g_str_has_suffix (name, ".part-journal"))
      {
        g_autofree char *path = g_build_filename (folder, name, NULL);
        g_unlink (path);
      }
}

SpServerSnapshots *
sp_server_snapshots_new (const char  *db_path,
                         gint64       max_behind,
                         GError     **error)
{
  SpServerSnapshots *self;
  g_autofree char *folder = NULL;
  sqlite3 *db = NULL;

  g_return_val_if_fail (db_path != NULL, NULL);

  folder = g_strconcat (db_path, "-snapshots", NULL);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                   _("Could not make the folder for new desks’ snapshots, “%s”: %s"),
                   folder, g_strerror (saved));
      return NULL;
    }
  /* Made by an earlier run, perhaps of another version: never served. */
  empty_folder (folder);

  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      set_sqlite_failed (error, db);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);

  self = g_new0 (SpServerSnapshots, 1);
  g_mutex_init (&self->lock);
  self->db_path = g_strdup (db_path);
  self->folder = g_steal_pointer (&folder);
  self->max_behind = MAX (max_behind, 0);
  self->db = db;
  self->snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, snapshot_free);
  return self;
}

void
sp_server_snapshots_free (SpServerSnapshots *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->snapshots);
  sqlite3_close (self->db);
  g_free (self->db_path);
  g_free (self->folder);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ---- Making one ---------------------------------------------------------- */

static gboolean
exec (sqlite3     *db,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  set_sqlite_failed (error, db);
  return FALSE;
}

static gint64
query_int (sqlite3     *db,
           const char  *sql,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  else
    set_sqlite_failed (error, db);
  sqlite3_finalize (stmt);
  return value;
}

static char *
query_text (sqlite3     *db,
            const char  *sql,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW &&
      sqlite3_column_text (stmt, 0) != NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else
    set_sqlite_failed (error, db);
  sqlite3_finalize (stmt);
  return value;
}

/* The desk's indexes, dropped while the tables fill and made again after:
 * each is then built once from sorted keys rather than grown row by row. */
static GPtrArray *
take_indexes (sqlite3  *db,
              GError  **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sqls = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_failed (error, db);
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (sqls, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_finalize (stmt);

  for (guint i = 0; i < names->len; i++)
    {
      char *drop = sqlite3_mprintf ("DROP INDEX \"%w\"", (const char *) names->pdata[i]);
      gboolean ok = exec (db, drop, error);

      sqlite3_free (drop);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&sqls);
}

/* "practice IS NULL OR practice IN ('A81001', …)": the catalogue and the
 * granted practices, as a page of changes has them. */
static char *
rows_clause (const char * const *practices)
{
  GString *clause = g_string_new ("practice IS NULL");

  if (practices != NULL && practices[0] != NULL)
    {
      g_string_append (clause, " OR practice IN (");
      for (guint i = 0; practices[i] != NULL; i++)
        {
          char *quoted = sqlite3_mprintf ("%s%Q", i > 0 ? ", " : "", practices[i]);
          g_string_append (clause, quoted);
          sqlite3_free (quoted);
        }
      g_string_append_c (clause, ')');
    }
  return g_string_free (clause, FALSE);
}

static gboolean
copy_table (sqlite3             *db,
            const SpEntityInfo  *info,
            const char          *clause,
            GError             **error)
{
  g_autoptr(GString) columns = g_string_new (NULL);
  char *sql;
  gboolean ok;

  for (guint i = 0; i < G_N_ELEMENTS (header_names); i++)
    g_string_append_printf (columns, "%s\"%s\"", i > 0 ? ", " : "", header_names[i]);
  for (guint i = 0; i < info->n_columns; i++)
    g_string_append_printf (columns, ", \"%s\"", info->columns[i].name);

  /* In id order, so the desk's own index on the id only ever appends. */
  sql = sqlite3_mprintf ("INSERT INTO main.\"%w\" (%s) SELECT %s FROM srv.\"%w\" WHERE %s ORDER BY id",
                         info->table, columns->str, columns->str, info->table, clause);
  ok = exec (db, sql, error);
  sqlite3_free (sql);
  return ok;
}

static gboolean
fill (sqlite3             *db,
      const char          *db_path,
      const char          *key,
      const char * const  *practices,
      gint64              *seq,
      GError             **error)
{
  g_autoptr(GPtrArray) indexes = NULL;
  g_autofree char *clause = rows_clause (practices);
  g_autofree char *server_id = NULL;
  char *meta = NULL;
  const SpEntityInfo * const *entities;
  guint n_entities = 0;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  /* One file (no write-ahead log), nothing synced: a snapshot that fails
   * part-way is thrown away. */
  if (!exec (db, "PRAGMA journal_mode = DELETE", error) ||
      !exec (db, "PRAGMA synchronous = OFF", error) ||
      !exec (db, "PRAGMA cache_size = -65536", error) ||
      !exec (db, "PRAGMA foreign_keys = OFF", error))
    return FALSE;
  indexes = take_indexes (db, error);
  if (indexes == NULL)
    return FALSE;

  if (sqlite3_prepare_v2 (db, "ATTACH ?1 AS srv", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_failed (error, db);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, db_path, -1, SQLITE_STATIC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  if (!ok)
    {
      set_sqlite_failed (error, db);
      return FALSE;
    }

  /* One read transaction over the server database: the rows and the seq
   * they stand at are one moment (a write's seq is given inside its own
   * transaction). */
  if (!exec (db, "BEGIN", error))
    return FALSE;
  *seq = query_int (db, "SELECT coalesce (max (seq), 0) FROM srv.changes", error);
  if (*seq < 0)
    goto fail;
  server_id = query_text (db, "SELECT value FROM srv.server_info WHERE key = 'server_id'", error);
  if (server_id == NULL)
    goto fail;

  entities = sp_entity_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    if (!copy_table (db, entities[i], clause, error))
      goto fail;

  meta = sqlite3_mprintf ("INSERT OR REPLACE INTO main.meta (key, value) VALUES "
                          "('snapshot_seq', '%lld'), ('snapshot_server_id', %Q), "
                          "('snapshot_practices', %Q)",
                          (long long) *seq, server_id, key);
  ok = exec (db, meta, error);
  sqlite3_free (meta);
  if (!ok || !exec (db, "COMMIT", error))
    goto fail;
  if (!exec (db, "DETACH srv", error))
    return FALSE;

  for (guint i = 0; i < indexes->len; i++)
    if (!exec (db, indexes->pdata[i], error))
      return FALSE;
  return TRUE;

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static Snapshot *
make (SpServerSnapshots   *self,
      const char          *key,
      const char * const  *practices,
      GError             **error)
{
  g_autofree char *part = g_build_filename (self->folder, "new-XXXXXX.part", NULL);
  g_autofree char *digest = NULL;
  g_autofree char *name = NULL;
  g_autoptr(SpStore) store = NULL;
  Snapshot *snapshot;
  sqlite3 *db = NULL;
  gint64 seq = 0;
  gint64 started = g_get_monotonic_time ();
  int fd;
  gboolean ok;

  fd = g_mkstemp_full (part, O_RDWR, 0600);
  if (fd < 0)
    {
      set_failed (error, g_strerror (errno));
      return NULL;
    }
  close (fd);

  /* The desk's schema, exactly, from the core that desks of this version
   * run: made and closed (so its write-ahead log is gone), then filled. */
  store = sp_store_open (part, error);
  if (store == NULL)
    {
      g_unlink (part);
      return NULL;
    }
  g_clear_object (&store);

  if (sqlite3_open_v2 (part, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      set_sqlite_failed (error, db);
      ok = FALSE;
    }
  else
    ok = fill (db, self->db_path, key, practices, &seq, error);
  sqlite3_close (db);
  if (!ok)
    {
      g_unlink (part);
      return NULL;
    }

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  digest[16] = '\0';
  name = g_strdup_printf ("snapshot-%s-%" G_GINT64_FORMAT ".db", digest, seq);
  snapshot = g_new0 (Snapshot, 1);
  snapshot->path = g_build_filename (self->folder, name, NULL);
  snapshot->seq = seq;
  if (g_rename (part, snapshot->path) != 0)
    {
      set_failed (error, g_strerror (errno));
      g_unlink (part);
      snapshot_free (snapshot);
      return NULL;
    }
  snapshot->file = g_mapped_file_new (snapshot->path, FALSE, error);
  if (snapshot->file == NULL)
    {
      snapshot_free (snapshot);
      return NULL;
    }

  {
    g_autofree char *detail = g_strdup_printf ("practices:%s;seq:%" G_GINT64_FORMAT ";bytes:%" G_GSIZE_FORMAT ";ms:%" G_GINT64_FORMAT,
                                               *key != '\0' ? key : "-", seq,
                                               g_mapped_file_get_length (snapshot->file),
                                               (g_get_monotonic_time () - started) / 1000);
    sp_server_log_event ("snapshot_made", NULL, detail);
  }
  return snapshot;
}

/* The snapshot for @practices (sorted, as grants are), made now if there
 * is none or the one there is lies more than max_behind changes behind.
 * Desks asking for the same practices while it is made wait for it. */
GBytes *
sp_server_snapshots_get (SpServerSnapshots   *self,
                         const char * const  *practices,
                         gint64              *seq,
                         GError             **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *key = g_strjoinv (",", (char **) practices);
  Snapshot *snapshot;
  gint64 max_seq;

  max_seq = query_int (self->db, "SELECT coalesce (max (seq), 0) FROM changes", error);
  if (max_seq < 0)
    return NULL;

  snapshot = g_hash_table_lookup (self->snapshots, key);
  if (snapshot == NULL || max_seq - snapshot->seq > self->max_behind)
    {
      snapshot = make (self, key, practices, error);
      if (snapshot == NULL)
        return NULL;
      g_hash_table_replace (self->snapshots, g_strdup (key), snapshot);
    }
  *seq = snapshot->seq;
  return g_mapped_file_get_bytes (snapshot->file);
}
