/* sp-server-sqlite.c — the server's store in one SQLite file
 *
 * Not a desk store: the server keeps its own schema. Each entity has a
 * table with the same columns as on a desk plus `seq`; beside them are the
 * practices, users (argon2id hashes), grants, sessions (token digests),
 * login failures, the stored answer of every batch, and `changes`, one
 * entry per row giving the seq of its latest write and its practice, which
 * GET /v1/changes pages through.
 *
 * One connection, one mutex: every call holds the lock from start to end,
 * and every write runs in BEGIN IMMEDIATE, so writers are serialized and
 * seq is assigned inside the writing transaction — a reader can never see
 * seq N+1 before seq N has committed (see sp-server-backend.h).
 *
 * `server_info` holds the store's identity, a UUID made with the file.
 * Patients have the desk's unique key, one live record per NHS number in a
 * practice, as a partial unique index; a write it refuses is answered as a
 * `duplicate` rejection of that op.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-store-private.h"
#include "sp-validate.h"
#include "sp-server-db.h"
#include "sp-server-error.h"
#include "sp-server-log.h"
#include "sp-server-sqlite.h"

/* "SPSV": marks a SQLite file as a Signpost server's. */
#define SERVER_APPLICATION_ID 0x53505356
/* 2: server_info (the server id) and the patients' unique NHS number. An
 * older signpost-server refuses to open it: its INSERT OR REPLACE would
 * have deleted a patient on a clash. */
/* 3: each change entry kept as the text a page sends (changes.entry). */
#define SERVER_SCHEMA_VERSION 3
#define BATCH_KEEP_SECONDS (90 * 24 * 60 * 60)
#define LOGIN_FAILURE_KEEP_SECONDS (24 * 60 * 60)

static const char * const header_names[] = {
  "id", "practice", "rev", "deleted", "updated_at", "updated_by",
};

/* The SQL and columns of one entity's table, made once at open. */
typedef struct
{
  const SpEntityInfo  *info;
  GPtrArray           *columns;  /* const SpColumn *: header, then the entity's own */
  char                *select_sql;
  char                *write_sql;
} EntityTable;

struct _SpServerSqlite
{
  GObject      parent_instance;

  GMutex       lock;
  SpServerDb  *db;
  GHashTable  *tables;  /* const SpEntityInfo * → EntityTable */
  char        *server_id;
};

static void sp_server_sqlite_backend_init (SpServerBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpServerSqlite, sp_server_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SP_TYPE_SERVER_BACKEND,
                                                      sp_server_sqlite_backend_init))

static const char schema_sql[] =
  "CREATE TABLE practices ("
  "  ods TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);"
  "CREATE TABLE users ("
  "  username TEXT PRIMARY KEY, display_name TEXT NOT NULL,"
  "  role TEXT NOT NULL CHECK (role IN ('link_worker', 'gp', 'admin')),"
  "  password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
  "  created_at TEXT NOT NULL);"
  "CREATE TABLE grants ("
  "  username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,"
  "  practice TEXT NOT NULL REFERENCES practices (ods),"
  "  PRIMARY KEY (username, practice));"
  "CREATE TABLE sessions ("
  "  token_hash TEXT PRIMARY KEY,"
  "  username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,"
  "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
  "CREATE INDEX sessions_user ON sessions (username);"
  "CREATE TABLE login_failures ("
  "  username TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
  "  last_failure INTEGER NOT NULL, locked_until INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE batches ("
  "  batch_id TEXT PRIMARY KEY, username TEXT NOT NULL,"
  "  response TEXT NOT NULL, created_at INTEGER NOT NULL);"
  "CREATE TABLE changes ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL,"
  "  row_id TEXT NOT NULL, practice TEXT, entry TEXT, UNIQUE (entity, row_id));"
  "CREATE TABLE server_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* What version 1 lacks; the patients' index comes with the entity tables. */
static const char upgrade_2_sql[] =
  "CREATE TABLE IF NOT EXISTS server_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* What version 2 lacks (unless a newer server added it and the file
 * was then marked older); fill_entries() writes the entries. */
static const char upgrade_3_sql[] =
  "ALTER TABLE changes ADD COLUMN entry TEXT;";
static const char has_entry_sql[] =
  "SELECT count(*) FROM pragma_table_info ('changes') WHERE name = 'entry'";

/* Unique keys beyond the id, as on a desk (sp-schema-1.sql), and how to
 * find the record that holds a key a write was refused for. */
typedef struct
{
  const SpEntityInfo *info;
  const char         *index_sql;
  const char         *holder_sql;  /* ?1.. the key columns of the refused row, then its id */
  const char         *columns[3];
} UniqueKey;

static const UniqueKey unique_keys[] = {
  {
    &sp_entity_patient,
    "CREATE UNIQUE INDEX IF NOT EXISTS patient_nhs_number ON patient (practice, nhs_number) WHERE deleted = 0",
    "SELECT id FROM patient WHERE practice = ?1 AND nhs_number = ?2 AND deleted = 0 AND id <> ?3 LIMIT 1",
    { "practice", "nhs_number", NULL },
  },
};

/* ---- Tables -------------------------------------------------------------- */

static void
entity_table_free (gpointer data)
{
  EntityTable *table = data;

  g_ptr_array_unref (table->columns);
  g_free (table->select_sql);
  g_free (table->write_sql);
  g_free (table);
}

static const char *
column_sql_type (SpColumnType type)
{
  switch (type)
    {
    case SP_COL_INT:
    case SP_COL_BOOL:
      return "INTEGER";
    case SP_COL_REAL:
      return "REAL";
    case SP_COL_TEXT:
    case SP_COL_STRV:
    case SP_COL_JSON:
    default:
      return "TEXT";
    }
}

static EntityTable *
entity_table_new (const SpEntityInfo *info)
{
  EntityTable *table = g_new0 (EntityTable, 1);
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GString) params = g_string_new (NULL);
  g_autoptr(GString) updates = g_string_new (NULL);

  table->info = info;
  table->columns = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (header_names); i++)
    g_ptr_array_add (table->columns, (gpointer) sp_entity_find_column (info, header_names[i]));
  for (guint i = 0; i < info->n_columns; i++)
    g_ptr_array_add (table->columns, (gpointer) &info->columns[i]);

  for (guint i = 0; i < table->columns->len; i++)
    {
      const SpColumn *c = g_ptr_array_index (table->columns, i);

      g_string_append_printf (names, "\"%s\", ", c->name);
      g_string_append_printf (params, "?%u, ", i + 1);
      if (i > 0)
        g_string_append_printf (updates, "\"%s\" = excluded.\"%s\", ", c->name, c->name);
    }
  g_string_append (names, "seq");
  g_string_append_printf (params, "?%u", table->columns->len + 1);
  g_string_append (updates, "seq = excluded.seq");

  table->select_sql = g_strdup_printf ("SELECT %s FROM \"%s\" WHERE id = ?1", names->str, info->table);
  /* Not INSERT OR REPLACE: that would settle a clash on another unique key
   * by deleting the row that holds it. */
  table->write_sql = g_strdup_printf ("INSERT INTO \"%s\" (%s) VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s",
                                      info->table, names->str, params->str, updates->str);
  return table;
}

/* Creates the entity's table, or adds the columns a newer core has given
 * it: the column tables in sp-entity.c are the one description. */
static gboolean
ensure_entity_table (SpServerSqlite  *self,
                     EntityTable     *table,
                     GError         **error)
{
  const SpEntityInfo *info = table->info;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GHashTable) existing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *pragma = NULL;
  g_autofree char *index_sql = NULL;
  sqlite3_stmt *stmt = NULL;

  g_string_append_printf (sql,
                          "CREATE TABLE IF NOT EXISTS \"%s\" ("
                          "id TEXT PRIMARY KEY, practice TEXT, rev INTEGER NOT NULL DEFAULT 0, "
                          "deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT, updated_by TEXT, "
                          "seq INTEGER NOT NULL DEFAULT 0",
                          info->table);
  for (guint i = 0; i < info->n_columns; i++)
    g_string_append_printf (sql, ", \"%s\" %s", info->columns[i].name,
                            column_sql_type (info->columns[i].type));
  g_string_append (sql, ")");
  if (!sp_server_db_exec (self->db, sql->str, error))
    return FALSE;

  index_sql = g_strdup_printf ("CREATE INDEX IF NOT EXISTS \"%s_practice\" ON \"%s\" (practice)",
                               info->table, info->table);
  if (!sp_server_db_exec (self->db, index_sql, error))
    return FALSE;

  /* Columns added since the table was made. */
  pragma = g_strdup_printf ("PRAGMA table_info (\"%s\")", info->table);
  stmt = sp_server_db_prepare (self->db, pragma, error);
  if (stmt == NULL)
    return FALSE;
  while (sp_server_db_step (self->db, stmt, NULL) == SQLITE_ROW)
    g_hash_table_add (existing, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sp_server_stmt_release (stmt);

  for (guint i = 0; i < info->n_columns; i++)
    {
      const SpColumn *c = &info->columns[i];
      g_autofree char *alter = NULL;

      if (g_hash_table_contains (existing, c->name))
        continue;
      alter = g_strdup_printf ("ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s",
                               info->table, c->name, column_sql_type (c->type));
      if (!sp_server_db_exec (self->db, alter, error))
        return FALSE;
    }
  return TRUE;
}

/* The unique indexes, made at every open (IF NOT EXISTS). A database that
 * an earlier version let collect two live patients with one NHS number in
 * a practice cannot have the index yet: it still opens, the operator is
 * told, and the index is made at the first open after the desks have
 * merged them (removing one makes it a tombstone, which the index skips). */
static gboolean
ensure_unique_keys (SpServerSqlite  *self,
                    GError         **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (unique_keys); i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *count = NULL;
      g_autofree char *count_sql = NULL;
      gint64 n;

      if (sp_server_db_exec (self->db, unique_keys[i].index_sql, &local_error))
        continue;
      if (!g_error_matches (local_error, SP_SERVER_ERROR, SP_SERVER_ERROR_DUPLICATE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      count_sql = g_strdup_printf ("SELECT count(*) FROM (SELECT 1 FROM \"%s\" WHERE deleted = 0 "
                                   "GROUP BY %s, %s HAVING count(*) > 1)",
                                   unique_keys[i].info->table, unique_keys[i].columns[0], unique_keys[i].columns[1]);
      n = sp_server_db_query_int (self->db, count_sql, error);
      if (n < 0)
        return FALSE;
      count = g_strdup_printf ("%s:%" G_GINT64_FORMAT, unique_keys[i].info->name, n);
      sp_server_log_event ("duplicates_unguarded", NULL, count);
    }
  return TRUE;
}

/* Reads the store's id, making it the first time. */
static gboolean
ensure_server_id (SpServerSqlite  *self,
                  GError         **error)
{
  g_autoptr(SpServerStmt) add = NULL;
  g_autoptr(SpServerStmt) read = NULL;
  g_autofree char *fresh = sp_uuid_new ();
  int rc;

  add = sp_server_db_prepare (self->db, "INSERT OR IGNORE INTO server_info (key, value) VALUES ('server_id', ?1)",
                              error);
  if (add == NULL)
    return FALSE;
  sqlite3_bind_text (add, 1, fresh, -1, SQLITE_TRANSIENT);
  if (!sp_server_db_step_done (self->db, add, error))
    return FALSE;

  read = sp_server_db_prepare (self->db, "SELECT value FROM server_info WHERE key = 'server_id'", error);
  if (read == NULL)
    return FALSE;
  rc = sp_server_db_step (self->db, read, error);
  if (rc < 0)
    return FALSE;
  if (rc != SQLITE_ROW)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                           _("The server database has no server id."));
      return FALSE;
    }
  g_free (self->server_id);
  self->server_id = g_strdup ((const char *) sqlite3_column_text (read, 0));
  return TRUE;
}

static gboolean fill_entries (SpServerSqlite  *self,
                              GError         **error);

static gboolean
prepare_schema (SpServerSqlite  *self,
                GError         **error)
{
  gint64 application_id;
  gint64 version;
  gint64 n_tables;
  guint n_entities;
  const SpEntityInfo * const *entities = sp_entity_all (&n_entities);
  g_autofree char *purge = NULL;

  if (!sp_server_db_begin (self->db, TRUE, error))
    return FALSE;

  application_id = sp_server_db_query_int (self->db, "PRAGMA application_id", error);
  version = sp_server_db_query_int (self->db, "PRAGMA user_version", error);
  n_tables = sp_server_db_query_int (self->db, "SELECT count(*) FROM sqlite_master", error);
  if (application_id < 0 || version < 0 || n_tables < 0)
    goto fail;

  if (application_id == 0 && n_tables == 0)
    {
      g_autofree char *set_id = g_strdup_printf ("PRAGMA application_id = %d", SERVER_APPLICATION_ID);
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", SERVER_SCHEMA_VERSION);

      if (!sp_server_db_exec (self->db, schema_sql, error) ||
          !sp_server_db_exec (self->db, set_id, error) ||
          !sp_server_db_exec (self->db, set_version, error))
        goto fail;
    }
  else if (application_id != SERVER_APPLICATION_ID)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                           _("This file is not a Signpost server database (a desk's database cannot be served)."));
      goto fail;
    }
  else if (version > SERVER_SCHEMA_VERSION)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                           _("This server database was made by a newer signpost-server; run that version."));
      goto fail;
    }
  else if (version < SERVER_SCHEMA_VERSION)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", SERVER_SCHEMA_VERSION);

      if ((version < 2 && !sp_server_db_exec (self->db, upgrade_2_sql, error)) ||
          (version < 3 && sp_server_db_query_int (self->db, has_entry_sql, NULL) == 0 &&
           !sp_server_db_exec (self->db, upgrade_3_sql, error)) ||
          !sp_server_db_exec (self->db, set_version, error))
        goto fail;
    }

  for (guint i = 0; i < n_entities; i++)
    {
      EntityTable *table = entity_table_new (entities[i]);

      g_hash_table_insert (self->tables, (gpointer) entities[i], table);
      if (!ensure_entity_table (self, table, error))
        goto fail;
    }
  if (!ensure_unique_keys (self, error) || !ensure_server_id (self, error))
    goto fail;
  if (version > 0 && version < 3 && !fill_entries (self, error))
    goto fail;

  /* Answers to batches kept long enough for any retry; older ones go. */
  purge = g_strdup_printf ("DELETE FROM batches WHERE created_at < %" G_GINT64_FORMAT,
                           g_get_real_time () / G_USEC_PER_SEC - BATCH_KEEP_SECONDS);
  if (!sp_server_db_exec (self->db, purge, error))
    goto fail;

  return sp_server_db_commit (self->db, error);

fail:
  sp_server_db_rollback (self->db);
  return FALSE;
}

/* ---- Rows ---------------------------------------------------------------- */

static void
bind_node (sqlite3_stmt   *stmt,
           int             i,
           const SpColumn *c,
           JsonNode       *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      sqlite3_bind_null (stmt, i);
      return;
    }

  switch (c->type)
    {
    case SP_COL_TEXT:
      sqlite3_bind_text (stmt, i, json_node_get_string (node), -1, SQLITE_TRANSIENT);
      break;
    case SP_COL_INT:
      sqlite3_bind_int64 (stmt, i, json_node_get_int (node));
      break;
    case SP_COL_BOOL:
      sqlite3_bind_int (stmt, i, json_node_get_boolean (node) ? 1 : 0);
      break;
    case SP_COL_REAL:
      sqlite3_bind_double (stmt, i, json_node_get_double (node));
      break;
    case SP_COL_STRV:
    case SP_COL_JSON:
    default:
      {
        g_autofree char *text = json_to_string (node, FALSE);
        sqlite3_bind_text (stmt, i, text, -1, SQLITE_TRANSIENT);
      }
      break;
    }
}

/* The stored row as canonical record JSON, or NULL (without an error) when
 * there is none. The columns are in the desk's order (header, then the
 * entity's own), so the core's reader makes the record straight from the
 * statement: lists of codes without a JSON parser, and no JSON object
 * made only to be decoded again. Every stored row was canonical when it
 * was written, so its record's JSON is canonical too. */
static JsonObject *
read_row (SpServerSqlite      *self,
          const SpEntityInfo  *info,
          const char          *id,
          gint64              *seq,
          GError             **error)
{
  EntityTable *table = g_hash_table_lookup (self->tables, info);
  g_autoptr(SpServerStmt) stmt = sp_server_db_prepare (self->db, table->select_sql, error);
  gpointer rec;
  JsonObject *row;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  rc = sp_server_db_step (self->db, stmt, error);
  if (rc != SQLITE_ROW)
    return NULL;

  rec = sp_store_record_from_stmt (info, stmt, 0);
  row = sp_record_to_json (info, rec);
  sp_record_free (info, rec);
  if (seq != NULL)
    *seq = sqlite3_column_int64 (stmt, (int) table->columns->len);
  return row;
}

static gboolean
write_row (SpServerSqlite      *self,
           const SpEntityInfo  *info,
           JsonObject          *row,
           gint64               seq,
           GError             **error)
{
  EntityTable *table = g_hash_table_lookup (self->tables, info);
  g_autoptr(SpServerStmt) stmt = sp_server_db_prepare (self->db, table->write_sql, error);

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < table->columns->len; i++)
    {
      const SpColumn *c = g_ptr_array_index (table->columns, i);
      bind_node (stmt, (int) i + 1, c, json_object_get_member (row, c->name));
    }
  sqlite3_bind_int64 (stmt, (int) table->columns->len + 1, seq);
  return sp_server_db_step_done (self->db, stmt, error);
}

/* The row's new place in the change sequence. Called inside the write
 * transaction: AUTOINCREMENT never hands out a number twice, and with one
 * writer at a time numbers commit in order. */
static gint64
next_seq (SpServerSqlite  *self,
          const char      *entity,
          const char      *id,
          const char      *practice,
          GError         **error)
{
  g_autoptr(SpServerStmt) drop = NULL;
  g_autoptr(SpServerStmt) add = NULL;

  drop = sp_server_db_prepare (self->db, "DELETE FROM changes WHERE entity = ?1 AND row_id = ?2", error);
  if (drop == NULL)
    return -1;
  sqlite3_bind_text (drop, 1, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (drop, 2, id, -1, SQLITE_TRANSIENT);
  if (!sp_server_db_step_done (self->db, drop, error))
    return -1;

  add = sp_server_db_prepare (self->db,
                              "INSERT INTO changes (entity, row_id, practice) VALUES (?1, ?2, ?3)", error);
  if (add == NULL)
    return -1;
  sqlite3_bind_text (add, 1, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text (add, 2, id, -1, SQLITE_TRANSIENT);
  if (practice != NULL)
    sqlite3_bind_text (add, 3, practice, -1, SQLITE_TRANSIENT);
  if (!sp_server_db_step_done (self->db, add, error))
    return -1;
  return sp_server_db_last_rowid (self->db);
}

/* ---- Users --------------------------------------------------------------- */

static GStrv
load_grants (SpServerSqlite  *self,
             const char      *username,
             GError         **error)
{
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  int rc;

  stmt = sp_server_db_prepare (self->db,
                               "SELECT practice FROM grants WHERE username = ?1 ORDER BY practice", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
  while ((rc = sp_server_db_step (self->db, stmt, error)) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  if (rc < 0)
    return NULL;
  return g_strv_builder_end (builder);
}

static SpServerUser *
load_user (SpServerSqlite  *self,
           const char      *username,
           GError         **error)
{
  g_autoptr(SpServerStmt) stmt = NULL;
  int rc;

  stmt = sp_server_db_prepare (self->db,
                               "SELECT username, display_name, role, disabled FROM users WHERE username = ?1",
                               error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
  rc = sp_server_db_step (self->db, stmt, error);
  if (rc < 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_NOT_FOUND,
                   _("There is no user called “%s”."), username);
      return NULL;
    }
  /* Read the row before the grants query reuses the connection. */
  {
    g_autofree char *name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    g_autofree char *display = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    g_autofree char *role_text = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    gboolean disabled = sqlite3_column_int (stmt, 3) != 0;
    SpServerRole role = SP_SERVER_ROLE_LINK_WORKER;
    GStrv grants;
    SpServerUser *user;

    sp_server_stmt_release (g_steal_pointer (&stmt));
    sp_server_role_from_string (role_text, &role);
    grants = load_grants (self, name, error);
    if (grants == NULL)
      return NULL;
    user = sp_server_user_new (name, display, role, grants);
    user->disabled = disabled;
    return user;
  }
}

/* ---- Sessions ------------------------------------------------------------ */

static gboolean
sqlite_get_login_state (SpServerBackend     *backend,
                        const char          *username,
                        SpServerLoginState  *state,
                        GError             **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) user = NULL;
  g_autoptr(SpServerStmt) failures = NULL;
  int rc;

  memset (state, 0, sizeof *state);

  user = sp_server_db_prepare (self->db,
                               "SELECT password_hash, disabled FROM users WHERE username = ?1", error);
  if (user == NULL)
    return FALSE;
  sqlite3_bind_text (user, 1, username, -1, SQLITE_TRANSIENT);
  rc = sp_server_db_step (self->db, user, error);
  if (rc < 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    {
      state->password_hash = g_strdup ((const char *) sqlite3_column_text (user, 0));
      state->disabled = sqlite3_column_int (user, 1) != 0;
    }

  failures = sp_server_db_prepare (self->db,
                                   "SELECT failures, last_failure, locked_until FROM login_failures "
                                   "WHERE username = ?1", error);
  if (failures == NULL)
    return FALSE;
  sqlite3_bind_text (failures, 1, username, -1, SQLITE_TRANSIENT);
  rc = sp_server_db_step (self->db, failures, error);
  if (rc < 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    {
      state->failures = (guint) CLAMP (sqlite3_column_int64 (failures, 0), 0, G_MAXUINT);
      state->last_failure = sqlite3_column_int64 (failures, 1);
      state->locked_until = sqlite3_column_int64 (failures, 2);
    }
  return TRUE;
}

static gboolean
sqlite_set_login_state (SpServerBackend  *backend,
                        const char       *username,
                        guint             failures,
                        gint64            last_failure,
                        gint64            locked_until,
                        GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autoptr(SpServerStmt) purge = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (failures == 0 && locked_until == 0)
    {
      stmt = sp_server_db_prepare (self->db, "DELETE FROM login_failures WHERE username = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
      return sp_server_db_step_done (self->db, stmt, error);
    }

  stmt = sp_server_db_prepare (self->db,
                               "INSERT OR REPLACE INTO login_failures (username, failures, last_failure, locked_until) "
                               "VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, failures);
  sqlite3_bind_int64 (stmt, 3, last_failure);
  sqlite3_bind_int64 (stmt, 4, locked_until);
  if (!sp_server_db_step_done (self->db, stmt, error))
    return FALSE;

  /* Failures are counted for any name tried, known or not: forget old ones
   * so guessing names cannot grow the table without end. */
  purge = sp_server_db_prepare (self->db,
                                "DELETE FROM login_failures WHERE last_failure < ?1 AND locked_until < ?2", error);
  if (purge == NULL)
    return FALSE;
  sqlite3_bind_int64 (purge, 1, now - LOGIN_FAILURE_KEEP_SECONDS);
  sqlite3_bind_int64 (purge, 2, now);
  return sp_server_db_step_done (self->db, purge, error);
}

static SpServerUser *
sqlite_create_session (SpServerBackend  *backend,
                       const char       *username,
                       const char       *token_digest,
                       gint64            expires_at,
                       GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) purge = NULL;
  g_autoptr(SpServerStmt) stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!sp_server_db_begin (self->db, TRUE, error))
    return NULL;

  purge = sp_server_db_prepare (self->db, "DELETE FROM sessions WHERE expires_at <= ?1", error);
  if (purge == NULL)
    goto fail;
  sqlite3_bind_int64 (purge, 1, now);
  if (!sp_server_db_step_done (self->db, purge, error))
    goto fail;

  stmt = sp_server_db_prepare (self->db,
                               "INSERT INTO sessions (token_hash, username, created_at, expires_at) "
                               "VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, token_digest, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, expires_at);
  if (!sp_server_db_step_done (self->db, stmt, error))
    goto fail;

  if (!sp_server_db_commit (self->db, error))
    return NULL;
  return load_user (self, username, error);

fail:
  sp_server_db_rollback (self->db);
  return NULL;
}

static SpServerUser *
sqlite_find_session (SpServerBackend  *backend,
                     const char       *token_digest,
                     gint64            now,
                     GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autofree char *username = NULL;
  int rc;

  stmt = sp_server_db_prepare (self->db,
                               "SELECT s.username FROM sessions s JOIN users u ON u.username = s.username "
                               "WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                               error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, token_digest, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, now);
  rc = sp_server_db_step (self->db, stmt, error);
  if (rc != SQLITE_ROW)
    return NULL;
  username = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sp_server_stmt_release (g_steal_pointer (&stmt));
  return load_user (self, username, error);
}

static gboolean
sqlite_delete_session (SpServerBackend  *backend,
                       const char       *token_digest,
                       GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;

  stmt = sp_server_db_prepare (self->db, "DELETE FROM sessions WHERE token_hash = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, token_digest, -1, SQLITE_TRANSIENT);
  return sp_server_db_step_done (self->db, stmt, error);
}

static GStrv
sqlite_get_grants (SpServerBackend  *backend,
                   const char       *username,
                   GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  return load_grants (self, username, error);
}

/* ---- Sync ---------------------------------------------------------------- */

/* The change entry ({entity, id, rev, seq, deleted, data}) of the stored
 * row @id, at @seq, as a page sends it; NULL (without an error) when there
 * is no such row. The one way every entry is made. */
static char *
read_entry_text (SpServerSqlite      *self,
                 const SpEntityInfo  *info,
                 const char          *id,
                 gint64               seq,
                 GError             **error)
{
  g_autoptr(JsonObject) row = read_row (self, info, id, NULL, error);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *change;

  if (row == NULL)
    return NULL;
  change = json_object_new ();
  json_object_set_string_member (change, "entity", info->name);
  json_object_set_string_member (change, "id", json_object_get_string_member (row, "id"));
  json_object_set_int_member (change, "rev", json_object_get_int_member (row, "rev"));
  json_object_set_int_member (change, "seq", seq);
  json_object_set_boolean_member (change, "deleted", json_object_get_boolean_member (row, "deleted"));
  json_object_set_object_member (change, "data", json_object_ref (row));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, change);
  return json_to_string (node, FALSE);
}

/* Keeps the text of the change at @seq with it. Inside the write
 * transaction that wrote the row. */
static gboolean
store_entry (SpServerSqlite  *self,
             gint64           seq,
             const char      *text,
             GError         **error)
{
  g_autoptr(SpServerStmt) stmt = sp_server_db_prepare (self->db,
                                                       "UPDATE changes SET entry = ?2 WHERE seq = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
  return sp_server_db_step_done (self->db, stmt, error);
}

/* A store from before entries were kept (version 2) gets one for every
 * change, once, when this version first opens it. Inside the transaction
 * that upgrades it; a thousand changes at a time, so a regional store's
 * millions are never all in memory. */
static gboolean
fill_entries (SpServerSqlite  *self,
              GError         **error)
{
  gint64 after = 0;
  guint filled = 0;

  for (;;)
    {
      g_autoptr(SpServerStmt) stmt = NULL;
      g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
      int rc;

      stmt = sp_server_db_prepare (self->db,
                                   "SELECT seq, entity, row_id FROM changes "
                                   "WHERE seq > ?1 AND entry IS NULL ORDER BY seq LIMIT 1000", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, after);
      while ((rc = sp_server_db_step (self->db, stmt, error)) == SQLITE_ROW)
        {
          gint64 seq = sqlite3_column_int64 (stmt, 0);

          g_array_append_val (seqs, seq);
          g_ptr_array_add (keys, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
          g_ptr_array_add (keys, g_strdup ((const char *) sqlite3_column_text (stmt, 2)));
        }
      if (rc < 0)
        return FALSE;
      sp_server_stmt_release (g_steal_pointer (&stmt));
      if (seqs->len == 0)
        break;

      for (guint i = 0; i < seqs->len; i++)
        {
          const SpEntityInfo *info = sp_entity_lookup (g_ptr_array_index (keys, 2 * i));
          gint64 seq = g_array_index (seqs, gint64, i);
          g_autofree char *text = NULL;
          g_autoptr(GError) local_error = NULL;

          after = seq;
          if (info == NULL)
            continue;  /* an entity this build does not know: never sent */
          text = read_entry_text (self, info, g_ptr_array_index (keys, 2 * i + 1), seq, &local_error);
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (text != NULL && !store_entry (self, seq, text, error))
            return FALSE;
          filled++;
        }
    }
  if (filled > 0)
    g_message ("Wrote the change entries of %u rows, once, for this version of the server", filled);
  return TRUE;
}

/* The page is read from the change log alone: each entry was written as
 * text with its row, so there is no row to look up and no JSON to make. */
static GPtrArray *
sqlite_changes_since (SpServerBackend     *backend,
                      const SpServerUser  *user,
                      gint64               since,
                      guint                limit,
                      gint64              *max_seq,
                      GError             **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_server_change_free);
  int rc;

  /* One read transaction: the page and max_seq are one snapshot. */
  if (!sp_server_db_begin (self->db, FALSE, error))
    return NULL;

  /* A row's entry is replaced at each write, never dropped, so the highest
   * entry is the highest seq handed out. */
  *max_seq = sp_server_db_query_int (self->db, "SELECT coalesce (max (seq), 0) FROM changes", error);
  if (*max_seq < 0)
    goto fail;

  /* The catalogue and the rows of practices granted now — grants are
   * read here, not trusted from the session. */
  stmt = sp_server_db_prepare (self->db,
                               "SELECT seq, entity, row_id, entry FROM changes "
                               "WHERE seq > ?1 AND (practice IS NULL OR practice IN "
                               "  (SELECT practice FROM grants WHERE username = ?2)) "
                               "ORDER BY seq LIMIT ?3", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, since);
  sqlite3_bind_text (stmt, 2, user->username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, limit);
  while ((rc = sp_server_db_step (self->db, stmt, error)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *text = (const char *) sqlite3_column_text (stmt, 3);

      if (sp_entity_lookup ((const char *) sqlite3_column_text (stmt, 1)) == NULL)
        continue;  /* an entity this build no longer knows */
      if (text == NULL)
        {
          g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                       _("The change log has no entry for change %" PRId64 "; the database is damaged."),
                       seq);
          goto fail;
        }
      g_ptr_array_add (changes, sp_server_change_new (seq, g_strdup (text)));
    }
  if (rc < 0)
    goto fail;
  sp_server_stmt_release (g_steal_pointer (&stmt));

  if (!sp_server_db_commit (self->db, error))
    return NULL;
  return g_steal_pointer (&changes);

fail:
  sp_server_db_rollback (self->db);
  return NULL;
}

/* Looks for a batch answered before. TRUE with *@response set (or NULL when
 * the batch is new); FALSE on error. */
static gboolean
find_batch (SpServerSqlite      *self,
            const SpServerUser  *user,
            const char          *batch_id,
            char               **response,
            GError             **error)
{
  g_autoptr(SpServerStmt) stmt = NULL;
  int rc;

  *response = NULL;
  stmt = sp_server_db_prepare (self->db, "SELECT username, response FROM batches WHERE batch_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, batch_id, -1, SQLITE_TRANSIENT);
  rc = sp_server_db_step (self->db, stmt, error);
  if (rc < 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    return TRUE;
  if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), user->username) != 0)
    {
      /* Never hand one account the answer given to another. */
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("This batch id has already been used. Send the changes again under a new batch id."));
      return FALSE;
    }
  *response = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  return TRUE;
}

/* The id of the live row that holds the unique key @row was refused for. */
static char *
find_key_holder (SpServerSqlite      *self,
                 const SpEntityInfo  *info,
                 JsonObject          *row,
                 GError             **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (unique_keys); i++)
    {
      g_autoptr(SpServerStmt) stmt = NULL;
      guint n = 0;
      int rc;

      if (unique_keys[i].info != info)
        continue;
      stmt = sp_server_db_prepare (self->db, unique_keys[i].holder_sql, error);
      if (stmt == NULL)
        return NULL;
      for (; unique_keys[i].columns[n] != NULL; n++)
        sqlite3_bind_text (stmt, (int) n + 1, json_object_get_string_member (row, unique_keys[i].columns[n]),
                           -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, (int) n + 1, json_object_get_string_member (row, "id"), -1, SQLITE_TRANSIENT);
      rc = sp_server_db_step (self->db, stmt, error);
      if (rc < 0)
        return NULL;
      if (rc == SQLITE_ROW)
        return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
               _("A %s record was refused for a clash that cannot be found."), info->name);
  return NULL;
}

static gboolean
apply_op (SpServerSqlite      *self,
          const SpServerUser  *user,
          const SpServerOp    *op,
          const char          *now,
          JsonArray           *results,
          GError             **error)
{
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(SpServerDecision) decision = { 0 };
  g_autofree char *entry = NULL;
  gint64 stored_seq = 0;
  gint64 rev;
  gint64 seq;

  stored = read_row (self, op->info, op->id, &stored_seq, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  sp_server_decide (op, user, stored, &decision);
  switch (decision.kind)
    {
    case SP_SERVER_DECISION_WRITE:
      rev = (stored != NULL ? json_object_get_int_member (stored, "rev") : 0) + 1;
      json_object_set_int_member (decision.row, "rev", rev);
      json_object_set_string_member (decision.row, "updated_at", now);
      json_object_set_string_member (decision.row, "updated_by", user->username);
      /* In a savepoint: a write a unique key refuses takes its seq back
       * with it, and the batch goes on. */
      if (!sp_server_db_exec (self->db, "SAVEPOINT op", error))
        return FALSE;
      seq = next_seq (self, op->info->name, op->id,
                      json_object_get_string_member (decision.row, "practice"), error);
      if (seq >= 0 && !write_row (self, op->info, decision.row, seq, &local_error))
        {
          g_autofree char *holder = NULL;

          sp_server_db_exec (self->db, "ROLLBACK TO op", NULL);
          sp_server_db_exec (self->db, "RELEASE op", NULL);
          if (!g_error_matches (local_error, SP_SERVER_ERROR, SP_SERVER_ERROR_DUPLICATE))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          holder = find_key_holder (self, op->info, decision.row, error);
          if (holder == NULL)
            return FALSE;
          json_array_add_object_element (results, sp_server_result_duplicate (op, holder));
          break;
        }
      if (seq < 0)
        return FALSE;
      /* Made from the row as stored. */
      entry = read_entry_text (self, op->info, op->id, seq, &local_error);
      if (entry == NULL)
        {
          if (local_error == NULL)
            g_set_error_literal (&local_error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                                 _("A record just stored could not be read back; the database is damaged."));
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!store_entry (self, seq, entry, error) ||
          !sp_server_db_exec (self->db, "RELEASE op", error))
        return FALSE;
      json_array_add_object_element (results, sp_server_result_applied (op, rev, seq));
      break;

    case SP_SERVER_DECISION_UNCHANGED:
      json_array_add_object_element (results,
                                     sp_server_result_applied (op, json_object_get_int_member (stored, "rev"),
                                                               stored_seq));
      break;

    case SP_SERVER_DECISION_CONFLICT:
      json_array_add_object_element (results, sp_server_result_conflict (op, decision.fields, stored));
      break;

    case SP_SERVER_DECISION_REJECT:
      json_array_add_object_element (results, sp_server_result_rejected (op, decision.code, decision.reason));
      break;

    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static char *
sqlite_apply_batch (SpServerBackend     *backend,
                    const SpServerUser  *user,
                    const char          *batch_id,
                    SpServerBatch       *batch,
                    GError             **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *response = NULL;
  g_autofree char *now = sp_now_utc ();
  JsonArray *results = json_array_new ();

  json_object_set_array_member (answer, "results", results);

  /* The ops, their rows, their seqs and the stored answer commit together
   * or not at all: a retried batch is either answered from its record or
   * applied for the first time, never twice. */
  if (!sp_server_db_begin (self->db, TRUE, error))
    return NULL;

  if (!find_batch (self, user, batch_id, &response, error))
    goto fail;
  if (response != NULL)
    {
      sp_server_db_rollback (self->db);
      return g_steal_pointer (&response);
    }

  for (guint i = 0; i < batch->ops->len; i++)
    if (!apply_op (self, user, g_ptr_array_index (batch->ops, i), now, results, error))
      goto fail;

  node = json_node_init_object (json_node_alloc (), answer);
  response = json_to_string (node, FALSE);

  stmt = sp_server_db_prepare (self->db,
                               "INSERT INTO batches (batch_id, username, response, created_at) "
                               "VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, batch_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user->username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, response, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
  if (!sp_server_db_step_done (self->db, stmt, error))
    goto fail;

  if (!sp_server_db_commit (self->db, error))
    return NULL;
  return g_steal_pointer (&response);

fail:
  sp_server_db_rollback (self->db);
  return NULL;
}

static const char *
sqlite_get_server_id (SpServerBackend *backend)
{
  /* Read once at open and never changed: no lock needed. */
  return SP_SERVER_SQLITE (backend)->server_id;
}

static char *
sqlite_renew_server_id (SpServerBackend  *backend,
                        GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autofree char *fresh = sp_uuid_new ();

  stmt = sp_server_db_prepare (self->db, "UPDATE server_info SET value = ?1 WHERE key = 'server_id'", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, fresh, -1, SQLITE_TRANSIENT);
  if (!sp_server_db_step_done (self->db, stmt, error))
    return NULL;
  return g_steal_pointer (&fresh);
}

static gboolean
sqlite_health (SpServerBackend  *backend,
               GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  return sp_server_db_query_int (self->db, "SELECT count(*) FROM practices", error) >= 0;
}

/* ---- Administration ------------------------------------------------------ */

static gboolean
row_exists (SpServerSqlite  *self,
            const char      *sql,
            const char      *key,
            gboolean        *exists,
            GError         **error)
{
  g_autoptr(SpServerStmt) stmt = sp_server_db_prepare (self->db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = sp_server_db_step (self->db, stmt, error);
  *exists = rc == SQLITE_ROW;
  return rc >= 0;
}

static gboolean
sqlite_add_practice (SpServerBackend  *backend,
                     const char       *ods,
                     const char       *name,
                     GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autofree char *now = sp_now_utc ();
  gboolean exists = FALSE;

  if (!sp_server_db_begin (self->db, TRUE, error))
    return FALSE;
  if (!row_exists (self, "SELECT 1 FROM practices WHERE ods = ?1", ods, &exists, error))
    goto fail;
  if (exists)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_EXISTS,
                   _("There is already a practice %s."), ods);
      goto fail;
    }
  stmt = sp_server_db_prepare (self->db,
                               "INSERT INTO practices (ods, name, created_at) VALUES (?1, ?2, ?3)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, ods, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_TRANSIENT);
  if (!sp_server_db_step_done (self->db, stmt, error))
    goto fail;
  return sp_server_db_commit (self->db, error);

fail:
  sp_server_db_rollback (self->db);
  return FALSE;
}

static gboolean
sqlite_add_user (SpServerBackend     *backend,
                 const SpServerUser  *user,
                 const char          *password_hash,
                 GError             **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autofree char *now = sp_now_utc ();
  gboolean exists = FALSE;

  if (!sp_server_db_begin (self->db, TRUE, error))
    return FALSE;
  if (!row_exists (self, "SELECT 1 FROM users WHERE username = ?1", user->username, &exists, error))
    goto fail;
  if (exists)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_EXISTS,
                   _("There is already a user called “%s”."), user->username);
      goto fail;
    }
  for (guint i = 0; user->practices[i] != NULL; i++)
    {
      if (!row_exists (self, "SELECT 1 FROM practices WHERE ods = ?1", user->practices[i], &exists, error))
        goto fail;
      if (!exists)
        {
          g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_NOT_FOUND,
                       _("There is no practice %s here yet: add it first with “practice add %s NAME”."),
                       user->practices[i], user->practices[i]);
          goto fail;
        }
    }

  stmt = sp_server_db_prepare (self->db,
                               "INSERT INTO users (username, display_name, role, password_hash, disabled, created_at) "
                               "VALUES (?1, ?2, ?3, ?4, 0, ?5)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, user->username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user->display_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, sp_server_role_to_string (user->role), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, password_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, now, -1, SQLITE_TRANSIENT);
  if (!sp_server_db_step_done (self->db, stmt, error))
    goto fail;

  for (guint i = 0; user->practices[i] != NULL; i++)
    {
      g_autoptr(SpServerStmt) grant = NULL;

      grant = sp_server_db_prepare (self->db, "INSERT INTO grants (username, practice) VALUES (?1, ?2)", error);
      if (grant == NULL)
        goto fail;
      sqlite3_bind_text (grant, 1, user->username, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (grant, 2, user->practices[i], -1, SQLITE_TRANSIENT);
      if (!sp_server_db_step_done (self->db, grant, error))
        goto fail;
    }
  return sp_server_db_commit (self->db, error);

fail:
  sp_server_db_rollback (self->db);
  return FALSE;
}

/* Runs @update (binding ?1 = username, ?2 = @value when given) on a user
 * and ends that user's sessions, in one transaction. */
static gboolean
update_user (SpServerSqlite  *self,
             const char      *update,
             const char      *username,
             const char      *value,
             GError         **error)
{
  static const char * const cleanup[] = {
    "DELETE FROM sessions WHERE username = ?1",
    "DELETE FROM login_failures WHERE username = ?1",
  };
  g_autoptr(SpServerStmt) stmt = NULL;

  if (!sp_server_db_begin (self->db, TRUE, error))
    return FALSE;
  stmt = sp_server_db_prepare (self->db, update, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
  if (value != NULL)
    sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  if (!sp_server_db_step_done (self->db, stmt, error))
    goto fail;
  if (sp_server_db_changes (self->db) == 0)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_NOT_FOUND,
                   _("There is no user called “%s”."), username);
      goto fail;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cleanup); i++)
    {
      g_autoptr(SpServerStmt) more = sp_server_db_prepare (self->db, cleanup[i], error);

      if (more == NULL)
        goto fail;
      sqlite3_bind_text (more, 1, username, -1, SQLITE_TRANSIENT);
      if (!sp_server_db_step_done (self->db, more, error))
        goto fail;
    }
  return sp_server_db_commit (self->db, error);

fail:
  sp_server_db_rollback (self->db);
  return FALSE;
}

static gboolean
sqlite_set_password (SpServerBackend  *backend,
                     const char       *username,
                     const char       *password_hash,
                     GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  return update_user (self, "UPDATE users SET password_hash = ?2 WHERE username = ?1",
                      username, password_hash, error);
}

static gboolean
sqlite_disable_user (SpServerBackend  *backend,
                     const char       *username,
                     GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  return update_user (self, "UPDATE users SET disabled = 1 WHERE username = ?1", username, NULL, error);
}

static GPtrArray *
sqlite_list_users (SpServerBackend  *backend,
                   GError          **error)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (backend);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(SpServerStmt) stmt = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_server_user_free);
  int rc;

  stmt = sp_server_db_prepare (self->db, "SELECT username FROM users ORDER BY username", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sp_server_db_step (self->db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc < 0)
    return NULL;
  sp_server_stmt_release (g_steal_pointer (&stmt));

  for (guint i = 0; i < names->len; i++)
    {
      SpServerUser *user = load_user (self, g_ptr_array_index (names, i), error);

      if (user == NULL)
        return NULL;
      g_ptr_array_add (users, user);
    }
  return g_steal_pointer (&users);
}

/* ---- Object -------------------------------------------------------------- */

static void
sp_server_sqlite_finalize (GObject *object)
{
  SpServerSqlite *self = SP_SERVER_SQLITE (object);

  g_clear_pointer (&self->db, sp_server_db_close);
  g_clear_pointer (&self->tables, g_hash_table_unref);
  g_free (self->server_id);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (sp_server_sqlite_parent_class)->finalize (object);
}

static void
sp_server_sqlite_class_init (SpServerSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sp_server_sqlite_finalize;
}

static void
sp_server_sqlite_init (SpServerSqlite *self)
{
  g_mutex_init (&self->lock);
  self->tables = g_hash_table_new_full (NULL, NULL, NULL, entity_table_free);
}

static void
sp_server_sqlite_backend_init (SpServerBackendInterface *iface)
{
  iface->get_login_state = sqlite_get_login_state;
  iface->set_login_state = sqlite_set_login_state;
  iface->create_session = sqlite_create_session;
  iface->find_session = sqlite_find_session;
  iface->delete_session = sqlite_delete_session;
  iface->get_grants = sqlite_get_grants;
  iface->changes_since = sqlite_changes_since;
  iface->apply_batch = sqlite_apply_batch;
  iface->health = sqlite_health;
  iface->get_server_id = sqlite_get_server_id;
  iface->renew_server_id = sqlite_renew_server_id;
  iface->add_practice = sqlite_add_practice;
  iface->add_user = sqlite_add_user;
  iface->set_password = sqlite_set_password;
  iface->disable_user = sqlite_disable_user;
  iface->list_users = sqlite_list_users;
}

/* Opens the server database at @path, creating it (mode 0600) if need be. */
SpServerSqlite *
sp_server_sqlite_open (const char  *path,
                       GError     **error)
{
  g_autoptr(SpServerSqlite) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SP_TYPE_SERVER_SQLITE, NULL);
  self->db = sp_server_db_open (path, error);
  if (self->db == NULL || !prepare_schema (self, error))
    return NULL;
  return g_steal_pointer (&self);
}
