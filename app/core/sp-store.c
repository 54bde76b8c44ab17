/* sp-store.c — the local SQLite store of one desk
 *
 * One connection, WAL, foreign keys, synchronous=FULL. Every local change
 * and its outbox entry are written in one transaction, so a crash, a full
 * disk or a refused constraint leaves the file exactly as it was.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-store"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sp-core-resources.h"
#include "sp-error.h"
#include "sp-store-private.h"
#include "sp-validate.h"

/* "SPNT": marks a SQLite file as Signpost's own. */
#define DEFAULT_BUSY_TIMEOUT_MS 5000

struct _SpStore
{
  GObject      parent_instance;

  sqlite3     *db;
  char        *path;
  GHashTable  *statements;   /* SQL text → sqlite3_stmt */
  guint        depth;        /* transaction nesting: 0 none, >1 savepoints */
  guint        busy_timeout_ms;

  char        *user;
  SpRoles      roles;
  GStrv        practices;
  char        *clock;        /* fixed "now" for seeding and tests, or NULL */
};

G_DEFINE_FINAL_TYPE (SpStore, sp_store, G_TYPE_OBJECT)

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
sp_store_finalize (GObject *object)
{
  SpStore *self = SP_STORE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->path);
  g_free (self->user);
  g_strfreev (self->practices);
  g_free (self->clock);

  G_OBJECT_CLASS (sp_store_parent_class)->finalize (object);
}

static void
sp_store_class_init (SpStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sp_store_finalize;

  /* A static library's resource constructor can be dropped by the linker:
   * register explicitly. */
  g_resources_register (sp_core_get_resource ());
}

static void
sp_store_init (SpStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            finalize_statement);
  self->user = g_strdup (g_get_user_name ());
  self->roles = SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN;
  self->busy_timeout_ms = DEFAULT_BUSY_TIMEOUT_MS;
}

/* Turns a SQLite result code into words a link worker can act on. Every
 * failure path that reaches here has already rolled back. */
void
sp_store_set_error (SpStore  *self,
                    int       rc,
                    GError  **error)
{
  const char *detail = self && self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_LOCKED,
                           _("Another program is using the Signpost database, so the change could not be made. "
                             "Close any other copy of Signpost on this computer and try again; nothing was changed."));
      break;
    case SQLITE_FULL:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_DISK_FULL,
                           _("The disk is full, so the change was not saved. "
                             "Free some space and try again; everything saved before is safe."));
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_READ_ONLY,
                           _("The Signpost database cannot be written: the file or its folder is read-only. "
                             "Nothing was changed."));
      break;
    case SQLITE_CORRUPT:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_CORRUPT,
                           _("The Signpost database is damaged. Restore it from a backup or ask your IT support for help."));
      break;
    case SQLITE_NOTADB:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_NOT_SIGNPOST,
                           _("This file is not a Signpost database."));
      break;
    case SQLITE_CONSTRAINT:
      g_set_error (error, SP_ERROR, SP_ERROR_CONSTRAINT,
                   _("The change was refused because it does not fit the records already saved (%s). Nothing was changed."),
                   detail);
      break;
    case SQLITE_IOERR:
      if (errno == ENOSPC)
        {
          sp_store_set_error (self, SQLITE_FULL, error);
          break;
        }
      G_GNUC_FALLTHROUGH;
    default:
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED,
                   _("The Signpost database could not be read or written (%s)."), detail);
      break;
    }
}

sqlite3 *
sp_store_get_handle (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);
  return self->db;
}

SpStmt *
sp_store_prepare (SpStore     *self,
                  const char  *sql,
                  GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sp_store_set_error (self, rc, error);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* Steps a statement that returns no rows. */
gboolean
sp_store_step_done (SpStore  *self,
                    SpStmt   *stmt,
                    GError  **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  sp_store_set_error (self, rc, error);
  return FALSE;
}

static gboolean
exec (SpStore     *self,
      const char  *sql,
      GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      sp_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
pragma_int (SpStore     *self,
            const char  *sql,
            gint64      *value,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *value = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    {
      sp_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

/* ---- Transactions ---------------------------------------------------- */

gboolean
sp_store_begin (SpStore  *self,
                GError  **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (SP_IS_STORE (self), FALSE);

  /* IMMEDIATE takes the write lock up front, so a busy database is
   * reported before any work rather than at commit. */
  sql = self->depth == 0 ? g_strdup ("BEGIN IMMEDIATE")
                         : g_strdup_printf ("SAVEPOINT sp_%u", self->depth);
  if (!exec (self, sql, error))
    return FALSE;
  self->depth++;
  return TRUE;
}

gboolean
sp_store_commit (SpStore  *self,
                 GError  **error)
{
  g_autofree char *sql = NULL;

  g_return_val_if_fail (SP_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth > 0, FALSE);

  sql = self->depth == 1 ? g_strdup ("COMMIT")
                         : g_strdup_printf ("RELEASE sp_%u", self->depth - 1);
  if (!exec (self, sql, error))
    {
      sp_store_rollback (self);
      return FALSE;
    }
  self->depth--;
  return TRUE;
}

void
sp_store_rollback (SpStore *self)
{
  g_autofree char *sql = NULL;

  g_return_if_fail (SP_IS_STORE (self));
  g_return_if_fail (self->depth > 0);

  self->depth--;
  if (self->depth == 0)
    sql = g_strdup ("ROLLBACK");
  else
    sql = g_strdup_printf ("ROLLBACK TO sp_%u; RELEASE sp_%u", self->depth, self->depth);
  /* A failed ROLLBACK means SQLite already rolled back (e.g. after a full disk). */
  sqlite3_exec (self->db, sql, NULL, NULL, NULL);
}

/* ---- Opening and migrating --------------------------------------------- */

static gboolean
migrate (SpStore  *self,
         gint64    from_version,
         GError  **error)
{
  g_autoptr(GBytes) schema = NULL;
  g_autofree char *set_version = NULL;
  g_autofree char *set_app_id = NULL;

  if (from_version == SP_SCHEMA_VERSION)
    return TRUE;

  if (!sp_store_begin (self, error))
    return FALSE;

  /* Migrations in order; each brings the schema up one version. */
  for (gint64 v = from_version + 1; v <= SP_SCHEMA_VERSION; v++)
    {
      g_autofree char *path = g_strdup_printf ("/org/signpost/core/sp-schema-%" G_GINT64_FORMAT ".sql", v);

      schema = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (schema != NULL);
      if (!exec (self, g_bytes_get_data (schema, NULL), error))
        {
          sp_store_rollback (self);
          return FALSE;
        }
      g_clear_pointer (&schema, g_bytes_unref);
    }

  set_version = g_strdup_printf ("PRAGMA user_version = %d", SP_SCHEMA_VERSION);
  set_app_id = g_strdup_printf ("PRAGMA application_id = %d", SP_APPLICATION_ID);
  if (!exec (self, set_version, error) || !exec (self, set_app_id, error))
    {
      sp_store_rollback (self);
      return FALSE;
    }
  return sp_store_commit (self, error);
}

char *
sp_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "signpost", "signpost.db", NULL);
}

static gboolean
check_location (const char  *path,
                GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_NO_DIRECTORY,
                   _("The folder “%s” does not exist, so the Signpost database cannot be opened there."),
                   dir);
      return FALSE;
    }

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, SP_ERROR, SP_ERROR_NOT_SIGNPOST,
                       _("“%s” is not a Signpost database: it is not a file."), path);
          return FALSE;
        }
      if (g_access (path, R_OK | W_OK) != 0)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_READ_ONLY,
                       _("The Signpost database “%s” cannot be written: the file is read-only. "
                         "Ask your IT support to give you write access."), path);
          return FALSE;
        }
    }

  /* SQLite needs to create the file and, in WAL mode, its -wal and -shm
   * companions next to it. */
  if (g_access (dir, W_OK | X_OK) != 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_READ_ONLY,
                   _("Signpost cannot write in the folder “%s”: it is read-only. "
                     "Choose another folder or ask your IT support for access."), dir);
      return FALSE;
    }

  return TRUE;
}

/* Opens self->path on self->db, checks it is ours and of a schema this
 * version reads, and brings it up to date. */
static gboolean
open_connection (SpStore  *self,
                 GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 app_id = 0;
  gint64 version = 0;
  gint64 n_objects = 0;
  int rc;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      sp_store_set_error (self, rc, error);
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, FALSE);
  sqlite3_busy_timeout (self->db, (int) self->busy_timeout_ms);

  if (!pragma_int (self, "PRAGMA application_id", &app_id, &local_error) ||
      !pragma_int (self, "PRAGMA user_version", &version, &local_error) ||
      !pragma_int (self, "SELECT count(*) FROM sqlite_schema", &n_objects, &local_error))
    {
      if (g_error_matches (local_error, SP_ERROR, SP_ERROR_NOT_SIGNPOST))
        g_set_error (error, SP_ERROR, SP_ERROR_NOT_SIGNPOST,
                     _("“%s” is not a Signpost database, so it was not opened. It was left as it was."),
                     self->path);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (app_id != SP_APPLICATION_ID && (app_id != 0 || n_objects > 0 || version != 0))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_NOT_SIGNPOST,
                   _("“%s” is a database, but not one made by Signpost, so it was not opened. It was left as it was."),
                   self->path);
      return FALSE;
    }

  if (version > SP_SCHEMA_VERSION)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_NEWER_SCHEMA,
                   _("This database was made by a newer Signpost (schema version %" PRId64
                     "; this version reads up to %d). Update Signpost to open it; the file was left as it was."),
                   version, SP_SCHEMA_VERSION);
      return FALSE;
    }

  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !migrate (self, version, error))
    return FALSE;

  return TRUE;
}

/* Opens (creating it if need be) a Signpost database and brings its schema
 * up to date. A file that is not ours, or is newer than this version, is
 * refused before anything is written to it. */
SpStore *
sp_store_open (const char  *path,
               GError     **error)
{
  g_autoptr(SpStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_location (path, error))
    return NULL;

  self = g_object_new (SP_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  if (!open_connection (self, error))
    return NULL;

  /* In local mode the desk works for the one practice it was set up with. */
  {
    g_autofree char *practice = sp_store_get_meta (self, "local_practice");
    if (practice != NULL)
      {
        const char * const practices[] = { practice, NULL };
        sp_store_set_actor (self, self->user, self->roles, practices);
      }
  }

  return g_steal_pointer (&self);
}

/* Closes the connection and opens the file at the store's path again:
 * after another file was put in its place (a new desk's first sync takes
 * the server's snapshot as its database). Every statement is prepared
 * again; the actor and the clock stay. Not inside a transaction. */
gboolean
sp_store_reopen (SpStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (SP_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth == 0, FALSE);

  g_hash_table_remove_all (self->statements);
  sqlite3_close_v2 (self->db);
  self->db = NULL;
  return open_connection (self, error);
}

gboolean
sp_store_in_transaction (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), FALSE);
  return self->depth > 0;
}

const char *
sp_store_get_path (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);
  return self->path;
}

void
sp_store_set_busy_timeout (SpStore *self,
                           guint    milliseconds)
{
  g_return_if_fail (SP_IS_STORE (self));
  self->busy_timeout_ms = milliseconds;
  sqlite3_busy_timeout (self->db, (int) milliseconds);
}

guint
sp_store_get_busy_timeout (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), 0);
  return self->busy_timeout_ms;
}

/* ---- The clock --------------------------------------------------------- */

/* Seeding demo history and tests need "now" to be a given moment; everything
 * else reads the real UTC clock. */
void
sp_store_set_clock (SpStore    *self,
                    const char *utc_time)
{
  g_return_if_fail (SP_IS_STORE (self));

  g_free (self->clock);
  self->clock = g_strdup (utc_time);
}

char *
sp_store_now (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);

  return self->clock != NULL ? g_strdup (self->clock) : sp_now_utc ();
}

char *
sp_store_today (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);

  return self->clock != NULL ? g_strndup (self->clock, 10) : sp_today_utc ();
}

/* ---- Who is working ---------------------------------------------------- */

void
sp_store_set_actor (SpStore            *self,
                    const char         *user,
                    SpRoles             roles,
                    const char * const *practices)
{
  /* Copy first: callers may pass back our own user or practices. */
  char *new_user;
  GStrv new_practices;

  g_return_if_fail (SP_IS_STORE (self));
  g_return_if_fail (user != NULL);

  new_user = g_strdup (user);
  new_practices = g_strdupv ((char **) practices);
  g_free (self->user);
  self->user = new_user;
  self->roles = roles;
  g_strfreev (self->practices);
  self->practices = new_practices;
}

const char *
sp_store_get_user (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);
  return self->user;
}

SpRoles
sp_store_get_roles (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), 0);
  return self->roles;
}

const char * const *
sp_store_get_practices (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);
  return (const char * const *) self->practices;
}

/* The practice new patients are recorded in. */
const char *
sp_store_get_practice (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);
  return self->practices != NULL ? self->practices[0] : NULL;
}

const char *
sp_store_get_role_name (SpStore *self)
{
  g_return_val_if_fail (SP_IS_STORE (self), NULL);

  if (self->roles & SP_ROLE_LINK_WORKER)
    return "link_worker";
  if (self->roles & SP_ROLE_ADMIN)
    return "admin";
  return "gp";
}

gboolean
sp_store_check_role (SpStore  *self,
                     SpRoles   role,
                     GError  **error)
{
  g_return_val_if_fail (SP_IS_STORE (self), FALSE);

  if (self->roles & role)
    return TRUE;

  if (role == SP_ROLE_ADMIN)
    g_set_error_literal (error, SP_ERROR, SP_ERROR_PERMISSION,
                         _("Only a catalogue admin can change the catalogue. You can suggest the change to your admin."));
  else
    g_set_error_literal (error, SP_ERROR, SP_ERROR_PERMISSION,
                         _("Your account can read patient records but not change them."));
  return FALSE;
}

static gboolean
check_practice (SpStore     *self,
                const char  *practice,
                GError     **error)
{
  if (practice == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("This record has no practice. Set up the practice first."));
      return FALSE;
    }
  if (!sp_strv_contains (self->practices, practice))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_PERMISSION,
                   _("You are not granted practice %s, so you cannot change its records."),
                   practice);
      return FALSE;
    }
  return TRUE;
}

/* ---- Generic record reading ---------------------------------------------- */

/* SQL built only from the constant column tables, never from user text. */
static const char *
cached_sql (const SpEntityInfo *info,
            guint               which)
{
  static GHashTable *cache[2];
  static GMutex lock;
  const char *sql;

  g_mutex_lock (&lock);
  if (cache[which] == NULL)
    cache[which] = g_hash_table_new (g_direct_hash, g_direct_equal);
  sql = g_hash_table_lookup (cache[which], info);
  if (sql == NULL)
    {
      GString *s = g_string_new (NULL);
      guint n = 0;
      const char * const common[] = { "id", "practice", "rev", "deleted", "updated_at", "updated_by" };
      g_autoptr(GPtrArray) names = g_ptr_array_new ();

      for (guint i = 0; i < G_N_ELEMENTS (common); i++)
        g_ptr_array_add (names, (gpointer) common[i]);
      for (guint i = 0; i < info->n_columns; i++)
        g_ptr_array_add (names, (gpointer) info->columns[i].name);
      n = names->len;

      if (which == 0)
        {
          g_string_append (s, "SELECT ");
          for (guint i = 0; i < n; i++)
            g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) names->pdata[i]);
          g_string_append_printf (s, " FROM %s ", info->table);
        }
      else
        {
          g_string_append_printf (s, "INSERT INTO %s (", info->table);
          for (guint i = 0; i < n; i++)
            g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) names->pdata[i]);
          g_string_append (s, ") VALUES (");
          for (guint i = 0; i < n; i++)
            g_string_append_printf (s, "%s?%u", i ? ", " : "", i + 1);
          g_string_append (s, ") ON CONFLICT (id) DO UPDATE SET ");
          for (guint i = 1; i < n; i++)
            g_string_append_printf (s, "%s%s = excluded.%s", i > 1 ? ", " : "",
                                    (char *) names->pdata[i], (char *) names->pdata[i]);
        }
      sql = g_string_free (s, FALSE);
      g_hash_table_insert (cache[which], (gpointer) info, (gpointer) sql);
    }
  g_mutex_unlock (&lock);
  return sql;
}

const char *
sp_store_select_sql (const SpEntityInfo *info)
{
  return cached_sql (info, 0);
}

#define FIELD(rec, c, type) (*(type *) ((guint8 *) (rec) + (c)->offset))

static JsonNode *
parse_json_text (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* A JSON array of plain strings, as the store writes code lists: ["a","b"].
 * Read by hand, because a JsonParser for each of them is most of the cost of
 * loading a catalogue of 10,000 offerings. Anything else (an escape, a
 * number, odd spacing in a hand-edited file) returns NULL, and the caller
 * takes the JSON parser's way. */
static char **
strv_from_simple_json (const char *text)
{
  g_autoptr(GPtrArray) strings = NULL;
  const char *p = text;

  if (p == NULL || *p != '[')
    return NULL;
  strings = g_ptr_array_new_with_free_func (g_free);
  p++;
  if (*p != ']')
    for (;;)
      {
        const char *start;

        if (*p != '"')
          return NULL;
        start = ++p;
        while (*p != '"' && *p != '\\' && *p != '\0' && (guchar) *p >= 0x20)
          p++;
        if (*p != '"')
          return NULL;
        g_ptr_array_add (strings, g_strndup (start, p - start));
        p++;
        if (*p == ']')
          break;
        if (*p != ',')
          return NULL;
        p++;
      }
  if (p[1] != '\0')
    return NULL;
  g_ptr_array_set_free_func (strings, NULL);
  g_ptr_array_add (strings, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&strings), FALSE);
}

static void
column_from_stmt (gpointer        rec,
                  const SpColumn *c,
                  SpStmt         *stmt,
                  int             i)
{
  gboolean is_null = sqlite3_column_type (stmt, i) == SQLITE_NULL;
  const char *text;

  switch (c->type)
    {
    case SP_COL_TEXT:
      if (!is_null)
        FIELD (rec, c, char *) = g_strdup ((const char *) sqlite3_column_text (stmt, i));
      break;
    case SP_COL_INT:
      FIELD (rec, c, gint64) = is_null ? (c->nullable ? SP_UNSET : 0) : sqlite3_column_int64 (stmt, i);
      break;
    case SP_COL_BOOL:
      FIELD (rec, c, gboolean) = !is_null && sqlite3_column_int (stmt, i) != 0;
      break;
    case SP_COL_REAL:
      FIELD (rec, c, gdouble) = is_null ? NAN : sqlite3_column_double (stmt, i);
      break;
    case SP_COL_STRV:
      {
        g_autoptr(JsonNode) node = NULL;
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

        text = (const char *) sqlite3_column_text (stmt, i);
        if ((FIELD (rec, c, char **) = strv_from_simple_json (text)) != NULL)
          break;
        node = parse_json_text (text);
        if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
          {
            JsonArray *array = json_node_get_array (node);
            for (guint k = 0; k < json_array_get_length (array); k++)
              {
                const char *s = json_node_get_string (json_array_get_element (array, k));
                if (s != NULL)
                  g_strv_builder_add (builder, s);
              }
          }
        FIELD (rec, c, char **) = g_strv_builder_end (builder);
        break;
      }
    case SP_COL_JSON:
      if (!is_null)
        FIELD (rec, c, JsonNode *) = parse_json_text ((const char *) sqlite3_column_text (stmt, i));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Reads a record from a row whose columns are in sp_store_select_sql() order. */
gpointer
sp_store_record_from_stmt (const SpEntityInfo *info,
                           SpStmt             *stmt,
                           int                 first)
{
  gpointer rec = g_malloc0 (info->size);
  SpRecord *r = rec;

  r->id = g_strdup ((const char *) sqlite3_column_text (stmt, first + 0));
  r->practice = g_strdup ((const char *) sqlite3_column_text (stmt, first + 1));
  r->rev = sqlite3_column_int64 (stmt, first + 2);
  r->deleted = sqlite3_column_int (stmt, first + 3) != 0;
  r->updated_at = g_strdup ((const char *) sqlite3_column_text (stmt, first + 4));
  r->updated_by = g_strdup ((const char *) sqlite3_column_text (stmt, first + 5));
  for (guint i = 0; i < info->n_columns; i++)
    column_from_stmt (rec, &info->columns[i], stmt, first + 6 + (int) i);
  return rec;
}

static gpointer
load_any (SpStore             *self,
          const SpEntityInfo  *info,
          const char          *id,
          GError             **error)
{
  g_autofree char *sql = g_strconcat (sp_store_select_sql (info), "WHERE id = ?1", NULL);
  g_autoptr(SpStmt) stmt = sp_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sp_store_record_from_stmt (info, stmt, 0);
  if (rc != SQLITE_DONE)
    sp_store_set_error (self, rc, error);
  return NULL;
}

/* A live record by id; deleted ones and other practices' are "not found". */
gpointer
sp_store_load (SpStore             *self,
               const SpEntityInfo  *info,
               const char          *id,
               GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  gpointer rec;

  g_return_val_if_fail (SP_IS_STORE (self), NULL);
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rec = id ? load_any (self, info, id, &local_error) : NULL;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (rec != NULL && !((SpRecord *) rec)->deleted &&
      (!(info->flags & SP_ENTITY_PATIENT) || sp_strv_contains (self->practices, ((SpRecord *) rec)->practice)))
    return rec;

  sp_record_free (info, rec);
  g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
               _("No %s with the id “%s” was found."), info->name, id ? id : "");
  return NULL;
}

/* Records matching a fixed clause written in our code (e.g. "WHERE
 * patient_id = ?1 AND deleted = 0 ORDER BY since"), with at most one
 * bound text parameter. */
GPtrArray *
sp_store_list (SpStore             *self,
               const SpEntityInfo  *info,
               const char          *clause,
               const char          *param,
               GError             **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_return_val_if_fail (SP_IS_STORE (self), NULL);
  g_return_val_if_fail (info != NULL, NULL);

  sql = g_strconcat (sp_store_select_sql (info), clause ? clause : "WHERE deleted = 0", NULL);
  stmt = sp_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);

  rows = g_ptr_array_new_with_free_func (info->free_func);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      /* Patient data never crosses to a practice the user is not granted. */
      if ((info->flags & SP_ENTITY_PATIENT) &&
          !sp_strv_contains (self->practices, (const char *) sqlite3_column_text (stmt, 1)))
        continue;
      g_ptr_array_add (rows, sp_store_record_from_stmt (info, stmt, 0));
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

gint64
sp_store_count (SpStore             *self,
                const SpEntityInfo  *info,
                const char          *clause,
                const char          *param)
{
  g_autofree char *sql = NULL;
  g_autoptr(SpStmt) stmt = NULL;

  g_return_val_if_fail (SP_IS_STORE (self), -1);

  sql = g_strdup_printf ("SELECT count(*) FROM %s %s", info->table, clause ? clause : "WHERE deleted = 0");
  stmt = sp_store_prepare (self, sql, NULL);
  if (stmt == NULL)
    return -1;
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

gint64
sp_store_outbox_count (SpStore *self)
{
  g_autoptr(SpStmt) stmt = NULL;

  g_return_val_if_fail (SP_IS_STORE (self), -1);

  stmt = sp_store_prepare (self, "SELECT count(*) FROM outbox", NULL);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* ---- Generic record writing ---------------------------------------------- */

static void
bind_node (SpStmt   *stmt,
           int       i,
           JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    sqlite3_bind_null (stmt, i);
  else if (JSON_NODE_HOLDS_VALUE (node))
    {
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          sqlite3_bind_int64 (stmt, i, json_node_get_int (node));
          break;
        case G_TYPE_BOOLEAN:
          sqlite3_bind_int (stmt, i, json_node_get_boolean (node));
          break;
        case G_TYPE_DOUBLE:
          sqlite3_bind_double (stmt, i, json_node_get_double (node));
          break;
        default:
          sqlite3_bind_text (stmt, i, json_node_get_string (node), -1, SQLITE_TRANSIENT);
          break;
        }
    }
  else
    {
      g_autofree char *text = json_to_string (node, FALSE);
      sqlite3_bind_text (stmt, i, text, -1, SQLITE_TRANSIENT);
    }
}

/* Writes a whole row as it is, with no outbox entry and no audit: for rows
 * that come from the server, which already has them. */
gboolean
sp_store_write_row (SpStore             *self,
           const SpEntityInfo  *info,
           JsonObject          *row,
           GError             **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (self, cached_sql (info, 1), error);
  const char * const common[] = { "id", "practice", "rev", "deleted", "updated_at", "updated_by" };
  int i = 1;

  if (stmt == NULL)
    return FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (common); k++)
    bind_node (stmt, i++, json_object_get_member (row, common[k]));
  for (guint k = 0; k < info->n_columns; k++)
    bind_node (stmt, i++, json_object_get_member (row, info->columns[k].name));
  return sp_store_step_done (self, stmt, error);
}

static void
bind_field (SpStmt             *stmt,
            int                 i,
            const SpEntityInfo *info,
            gconstpointer       rec,
            const SpColumn     *c)
{
  switch (c->type)
    {
    case SP_COL_TEXT:
      sqlite3_bind_text (stmt, i, FIELD (rec, c, char *), -1, SQLITE_STATIC);
      break;
    case SP_COL_INT:
      if (c->nullable && FIELD (rec, c, gint64) == SP_UNSET)
        sqlite3_bind_null (stmt, i);
      else
        sqlite3_bind_int64 (stmt, i, FIELD (rec, c, gint64));
      break;
    case SP_COL_BOOL:
      sqlite3_bind_int (stmt, i, FIELD (rec, c, gboolean) ? 1 : 0);
      break;
    case SP_COL_REAL:
      if (isnan (FIELD (rec, c, gdouble)))
        sqlite3_bind_null (stmt, i);
      else
        sqlite3_bind_double (stmt, i, FIELD (rec, c, gdouble));
      break;
    case SP_COL_STRV:
    case SP_COL_JSON:
    default:
      {
        /* As sp_store_write_row stores them: the field's JSON, compact. */
        g_autoptr(JsonNode) node = sp_record_get_node (info, rec, c);

        if (JSON_NODE_HOLDS_NULL (node))
          sqlite3_bind_null (stmt, i);
        else
          sqlite3_bind_text (stmt, i, json_to_string (node, FALSE), -1, g_free);
      }
      break;
    }
}

/* Writes a whole record as it is, like sp_store_write_row, from its fields:
 * no JSON object is made for it, only the text of its lists. */
gboolean
sp_store_write_record (SpStore             *self,
                       const SpEntityInfo  *info,
                       gconstpointer        record,
                       GError             **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (self, cached_sql (info, 1), error);
  const SpRecord *r = record;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, r->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, r->practice, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, r->rev);
  sqlite3_bind_int (stmt, 4, r->deleted ? 1 : 0);
  sqlite3_bind_text (stmt, 5, r->updated_at, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, r->updated_by, -1, SQLITE_STATIC);
  for (guint k = 0; k < info->n_columns; k++)
    bind_field (stmt, 7 + (int) k, info, record, &info->columns[k]);
  return sp_store_step_done (self, stmt, error);
}

static gboolean
write_outbox (SpStore     *self,
              const char  *entity,
              const char  *row_id,
              const char  *op,
              gint64       base_rev,
              JsonObject  *changed,
              JsonObject  *old,
              const char  *now,
              GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(JsonNode) changed_node = json_node_init_object (json_node_alloc (), changed);
  g_autoptr(JsonNode) old_node = json_node_init_object (json_node_alloc (), old);
  g_autofree char *changed_text = json_to_string (changed_node, FALSE);
  g_autofree char *old_text = json_to_string (old_node, FALSE);
  g_autofree char *op_id = sp_uuid_new ();

  stmt = sp_store_prepare (self,
                           "INSERT INTO outbox (op_id, entity, row_id, op, base_rev, changed, old, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, row_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, op, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, base_rev);
  sqlite3_bind_text (stmt, 6, changed_text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, old_text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, now, -1, SQLITE_TRANSIENT);
  return sp_store_step_done (self, stmt, error);
}

static gboolean
append_audit (SpStore     *self,
              const char  *entity,
              const char  *entity_id,
              const char  *practice,
              const char  *action,
              GError     **error)
{
  g_autoptr(SpAuditEvent) event = sp_audit_event_new ();

  event->record.id = sp_uuid_new ();
  event->record.practice = g_strdup (practice);
  event->user = g_strdup (self->user);
  event->role = g_strdup (sp_store_get_role_name (self));
  event->entity = g_strdup (entity);
  event->entity_id = g_strdup (entity_id);
  event->action = g_strdup (action);
  event->at = sp_store_now (self);
  return sp_store_save (self, &sp_entity_audit_event, event, error);
}

/* May the current user write this record? Asked before anything else is
 * looked up, so a refusal reveals nothing about other practices. */
gboolean
sp_store_check_write (SpStore             *self,
                      const SpEntityInfo  *info,
                      gconstpointer        record,
                      GError             **error)
{
  const SpRecord *rec = record;

  if (info->flags & SP_ENTITY_CATALOGUE)
    return sp_store_check_role (self, SP_ROLE_ADMIN, error);

  /* Audit events are written on behalf of whoever acted, GPs included. */
  if (info != &sp_entity_audit_event && !sp_store_check_role (self, SP_ROLE_LINK_WORKER, error))
    return FALSE;
  return check_practice (self, rec->practice, error);
}

static gboolean
save_in_transaction (SpStore             *self,
                     const SpEntityInfo  *info,
                     gpointer             record,
                     gboolean             removing,
                     GError             **error)
{
  SpRecord *rec = record;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *now = sp_store_now (self);
  gpointer old_rec;
  g_autoptr(JsonObject) new_json = NULL;
  g_autoptr(JsonObject) old_json = NULL;
  g_autoptr(JsonObject) changed = json_object_new ();
  g_autoptr(JsonObject) old_values = json_object_new ();
  const char *op;
  gint64 base_rev = 0;

  old_rec = load_any (self, info, rec->id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (old_rec != NULL)
    {
      SpRecord *o = old_rec;

      if (info->flags & SP_ENTITY_APPEND_ONLY)
        {
          sp_record_free (info, old_rec);
          if (info == &sp_entity_payment)
            g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                                 _("A payment is never changed or deleted once recorded. Record a reversal instead."));
          else
            g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                                 _("This entry is part of a permanent record and is never changed or deleted."));
          return FALSE;
        }
      if (g_strcmp0 (o->practice, rec->practice) != 0 && !(info->flags & SP_ENTITY_CATALOGUE))
        {
          sp_record_free (info, old_rec);
          g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                               _("A record cannot be moved to another practice."));
          return FALSE;
        }
      base_rev = o->rev;
      old_json = sp_record_to_json (info, old_rec);
      sp_record_free (info, old_rec);
    }

  /* The server's revision is the server's to set; a local write keeps the
   * revision it was based on. */
  rec->rev = base_rev;
  rec->deleted = removing;
  g_free (rec->updated_at);
  rec->updated_at = g_strdup (now);
  g_free (rec->updated_by);
  rec->updated_by = g_strdup (self->user);
  new_json = sp_record_to_json (info, rec);

  for (guint i = 0; i < info->n_columns + 1; i++)
    {
      const char *name = i == 0 ? "deleted" : info->columns[i - 1].name;
      JsonNode *now_node = json_object_get_member (new_json, name);
      JsonNode *was_node = old_json ? json_object_get_member (old_json, name) : NULL;

      if (was_node != NULL && json_node_equal (now_node, was_node))
        continue;
      if (old_json == NULL && i == 0)
        continue;
      json_object_set_member (changed, name, json_node_copy (now_node));
      if (was_node != NULL)
        json_object_set_member (old_values, name, json_node_copy (was_node));
    }

  if (json_object_get_size (changed) == 0)
    return TRUE;  /* nothing to save, nothing to sync */

  op = old_json == NULL ? "create" : removing ? "delete" : "update";
  if (old_json != NULL && !removing)
    {
      JsonNode *d = json_object_get_member (old_json, "deleted");
      if (d != NULL && json_node_get_boolean (d))
        op = "update";
    }

  if (!sp_store_write_row (self, info, new_json, error) ||
      !write_outbox (self, info->name, rec->id, op, base_rev, changed, old_values, now, error))
    return FALSE;

  if ((info->flags & SP_ENTITY_PATIENT) && info != &sp_entity_audit_event)
    return append_audit (self, info->name, rec->id, rec->practice, op, error);
  return TRUE;
}

static gboolean
store_write (SpStore             *self,
             const SpEntityInfo  *info,
             gpointer             record,
             gboolean             removing,
             GError             **error)
{
  SpRecord *rec = record;

  g_return_val_if_fail (SP_IS_STORE (self), FALSE);
  g_return_val_if_fail (info != NULL && record != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sp_uuid_is_valid (rec->id))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("A %s record needs a UUID as its id."), info->name);
      return FALSE;
    }
  if (!sp_store_check_write (self, info, rec, error))
    return FALSE;

  if (!sp_store_begin (self, error))
    return FALSE;
  if (!save_in_transaction (self, info, record, removing, error))
    {
      sp_store_rollback (self);
      return FALSE;
    }
  return sp_store_commit (self, error);
}

/* Creates or updates a record and queues it for sync, in one transaction.
 * Only the fields that changed go to the outbox, with their old values, so
 * the server can merge edits to different fields. */
gboolean
sp_store_save (SpStore             *self,
               const SpEntityInfo  *info,
               gpointer             record,
               GError             **error)
{
  return store_write (self, info, record, FALSE, error);
}

/* Marks a record deleted (a tombstone, so the deletion syncs). */
gboolean
sp_store_remove (SpStore             *self,
                 const SpEntityInfo  *info,
                 const char          *id,
                 GError             **error)
{
  gpointer rec;
  gboolean ok;

  g_return_val_if_fail (SP_IS_STORE (self), FALSE);

  rec = sp_store_load (self, info, id, error);
  if (rec == NULL)
    return FALSE;
  ok = store_write (self, info, rec, TRUE, error);
  sp_record_free (info, rec);
  return ok;
}

/* Records that someone viewed, exported or printed a patient-linked record. */
gboolean
sp_store_audit (SpStore     *self,
                const char  *entity,
                const char  *entity_id,
                const char  *practice,
                const char  *action,
                GError     **error)
{
  g_return_val_if_fail (SP_IS_STORE (self), FALSE);

  if (!sp_store_begin (self, error))
    return FALSE;
  if (!append_audit (self, entity, entity_id, practice, action, error))
    {
      sp_store_rollback (self);
      return FALSE;
    }
  return sp_store_commit (self, error);
}

/* Local mode: one user, link worker and catalogue admin, for one practice. */
gboolean
sp_store_set_local_practice (SpStore     *self,
                             const char  *ods,
                             const char  *name,
                             GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  const char * const practices[] = { ods, NULL };

  g_return_val_if_fail (SP_IS_STORE (self), FALSE);

  if (!sp_ods_code_is_valid (ods))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not an ODS practice code. A GP practice code looks like A81001."),
                   ods ? ods : "");
      return FALSE;
    }

  if (!sp_store_begin (self, error))
    return FALSE;
  stmt = sp_store_prepare (self,
                           "INSERT INTO practice (ods, name) VALUES (?1, ?2) "
                           "ON CONFLICT (ods) DO UPDATE SET name = excluded.name", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, ods, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, name ? name : ods, -1, SQLITE_TRANSIENT);
  if (!sp_store_step_done (self, stmt, error) ||
      !sp_store_set_meta (self, "local_practice", ods, error))
    goto fail;
  if (!sp_store_commit (self, error))
    return FALSE;

  sp_store_set_actor (self, self->user, SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN, practices);
  return TRUE;

fail:
  sp_store_rollback (self);
  return FALSE;
}

/* The name of the practice this desk was set up for, or NULL. */
char *
sp_store_get_practice_name (SpStore    *self,
                            const char *ods)
{
  g_autoptr(SpStmt) stmt = NULL;

  g_return_val_if_fail (SP_IS_STORE (self), NULL);

  stmt = sp_store_prepare (self, "SELECT name FROM practice WHERE ods = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, ods, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

gboolean
sp_store_is_empty (SpStore *self)
{
  return sp_store_count (self, &sp_entity_offering, "", NULL) == 0 &&
         sp_store_count (self, &sp_entity_patient, "", NULL) == 0;
}

/* ---- Local settings of this desk --------------------------------------- */

char *
sp_store_get_meta (SpStore    *self,
                   const char *key)
{
  g_autoptr(SpStmt) stmt = NULL;

  g_return_val_if_fail (SP_IS_STORE (self), NULL);

  stmt = sp_store_prepare (self, "SELECT value FROM meta WHERE key = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

gboolean
sp_store_set_meta (SpStore     *self,
                   const char  *key,
                   const char  *value,
                   GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;

  g_return_val_if_fail (SP_IS_STORE (self), FALSE);

  stmt = sp_store_prepare (self,
                           "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  return sp_store_step_done (self, stmt, error);
}
