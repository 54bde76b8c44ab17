/* sp-sync-store.c — the desk's side of sync, kept in the local store
 *
 * Everything here is plain SQLite work on one SpStore and knows nothing of
 * HTTP: the sync client calls it from its worker thread on a store of its
 * own, and the app calls the conflict functions on its main store. Each
 * function that changes something does it in one transaction, so a crash or
 * a killed server leaves either the old state or the new, never half.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-sync-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sp-error.h"
#include "sp-store-private.h"
#include "sp-json.h"
#include "sp-sync-store.h"
#include "sp-validate.h"

#define META_SERVER_URL   "sync.server_url"
#define META_USERNAME     "sync.username"
#define META_DISPLAY_NAME "sync.display_name"
#define META_ROLE         "sync.role"
#define META_PRACTICES    "sync.practices"
#define META_CURSOR       "sync.cursor"
#define META_SERVER_ID    "sync.server_id"
#define META_LAST_SYNCED  "sync.last_synced_at"
#define META_LAST_ERROR   "sync.last_error"
#define META_REPLACED     "sync.catalogue_replaced"

/* Nesting deeper than this in a server's answer is refused before
 * json-glib (which recurses) sees it; the server allows the same in
 * requests (SP_SERVER_JSON_MAX_DEPTH). */
#define ANSWER_MAX_DEPTH 32

/* ---- Small helpers ------------------------------------------------------- */

/* Parses an answer from the server: UTF-8 (so an error message quoting it
 * is readable), one value, bounded nesting, valid JSON; SP_ERROR_INVALID
 * otherwise, saying which. */
JsonNode *
sp_sync_json_parse (const char  *data,
                    gsize        length,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > G_MAXSSIZE || !g_utf8_validate_len (data != NULL ? data : "", length, NULL))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID, _("not UTF-8 text"));
      return NULL;
    }
  switch (sp_json_text_shape (data, length, ANSWER_MAX_DEPTH))
    {
    case SP_JSON_SHAPE_TOO_DEEP:
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID, _("lists or objects nested more than %d deep"),
                   ANSWER_MAX_DEPTH);
      return NULL;
    case SP_JSON_SHAPE_SEVERAL:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID, _("more follows the end of its first JSON value"));
      return NULL;
    case SP_JSON_SHAPE_OK:
    default:
      break;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) length, &local_error))
    {
      /* json-glib quotes the text it stopped at, maybe part of a character. */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID, message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID, _("nothing"));
      return NULL;
    }
  return json_parser_steal_root (parser);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) || json_parser_get_root (parser) == NULL)
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = parse_json (text);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static char *
object_to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static char *
strv_to_json_text (const char * const *strv)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  node = json_node_init_array (json_node_alloc (), array);
  return json_to_string (node, FALSE);
}

/* A JSON array of strings, or NULL if it is anything else. */
static GStrv
strv_from_node (JsonNode *node)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        return NULL;
      g_strv_builder_add (builder, json_node_get_string (e));
    }
  return g_strv_builder_end (builder);
}

static GStrv
strv_from_text (const char *text)
{
  g_autoptr(JsonNode) node = parse_json (text);
  GStrv strv = strv_from_node (node);

  return strv != NULL ? strv : g_new0 (char *, 1);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
member_int (JsonObject *object,
            const char *name,
            gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static gboolean
exec_text (SpStore     *store,
           const char  *sql,
           const char  *a,
           const char  *b,
           GError     **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (a != NULL)
    sqlite3_bind_text (stmt, 1, a, -1, SQLITE_TRANSIENT);
  if (b != NULL)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  return sp_store_step_done (store, stmt, error);
}

static gint64
query_count (SpStore    *store,
             const char *sql)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

static gint64 local_rev (SpStore            *store,
                         const SpEntityInfo *info,
                         const char         *id);

static gboolean
row_visible (SpStore            *store,
             const SpEntityInfo *info,
             const char         *practice)
{
  if (!(info->flags & SP_ENTITY_PATIENT))
    return TRUE;
  return sp_strv_contains ((char **) sp_store_get_practices (store), practice);
}

/* ---- The account --------------------------------------------------------- */

SpSyncAccount *
sp_sync_account_new (void)
{
  return g_new0 (SpSyncAccount, 1);
}

void
sp_sync_account_free (SpSyncAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->username);
  g_free (account->display_name);
  g_strfreev (account->practices);
  g_free (account);
}

SpRoles
sp_sync_role_from_name (const char *name)
{
  if (g_strcmp0 (name, "link_worker") == 0)
    return SP_ROLE_LINK_WORKER;
  if (g_strcmp0 (name, "gp") == 0)
    return SP_ROLE_GP;
  if (g_strcmp0 (name, "admin") == 0)
    return SP_ROLE_ADMIN;
  return 0;
}

static const char *
role_name (SpRoles roles)
{
  if (roles & SP_ROLE_LINK_WORKER)
    return "link_worker";
  if (roles & SP_ROLE_ADMIN)
    return "admin";
  return "gp";
}

/* The "user" of a POST /v1/session answer. */
SpSyncAccount *
sp_sync_account_from_json (JsonObject  *user,
                           GError     **error)
{
  g_autoptr(SpSyncAccount) account = sp_sync_account_new ();
  const char *role;

  g_return_val_if_fail (user != NULL, NULL);

  account->username = g_strdup (member_string (user, "username"));
  account->display_name = g_strdup (member_string (user, "display_name"));
  role = member_string (user, "role");
  account->roles = sp_sync_role_from_name (role);
  account->practices = strv_from_node (json_object_get_member (user, "practices"));
  if (account->username == NULL || account->roles == 0 || account->practices == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The server’s answer about your account could not be read."));
      return NULL;
    }
  for (guint i = 0; account->practices[i] != NULL; i++)
    if (!sp_ods_code_is_valid (account->practices[i]))
      {
        g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                     _("The server granted a practice code that is not valid (“%s”)."),
                     account->practices[i]);
        return NULL;
      }
  return g_steal_pointer (&account);
}

/* The catalogue rows this desk made itself and never synced (rev 0), with
 * their outbox entries, are deleted, so the server's catalogue takes their
 * place — except those a referral here still points to (the offering, its
 * provider and its funders), which stay with their outbox entries: no
 * patient's referral loses its offering, and the server refuses them with
 * its reason when they are pushed. Inside the caller's transaction;
 * *@n_replaced is the number of rows deleted. */
static const char * const replace_catalogue_sql[][2] = {
  { "offering",
    "rev = 0 AND id NOT IN (SELECT offering_id FROM referral)" },
  { "provider",
    "rev = 0 AND id NOT IN (SELECT provider_id FROM offering)" },
  { "funder",
    "rev = 0 AND id NOT IN (SELECT j.value FROM offering o, json_each (o.funder_ids) j "
    "                       WHERE o.funder_ids IS NOT NULL AND json_valid (o.funder_ids)) "
    "AND id NOT IN (SELECT funder_id FROM referral WHERE funder_id IS NOT NULL) "
    "AND id NOT IN (SELECT funder_id FROM payment WHERE funder_id IS NOT NULL)" },
};

static gboolean
replace_local_catalogue (SpStore  *store,
                         guint    *n_replaced,
                         GError  **error)
{
  *n_replaced = 0;
  /* Offerings first: a provider or funder is kept while a kept offering
   * still names it. */
  for (gsize i = 0; i < G_N_ELEMENTS (replace_catalogue_sql); i++)
    {
      const char *table = replace_catalogue_sql[i][0];
      const char *where = replace_catalogue_sql[i][1];
      g_autofree char *outbox_sql = g_strdup_printf ("DELETE FROM outbox WHERE entity = ?1 AND row_id IN "
                                                     "(SELECT id FROM %s WHERE %s)", table, where);
      g_autofree char *rows_sql = g_strdup_printf ("DELETE FROM %s WHERE %s", table, where);

      if (!exec_text (store, outbox_sql, table, NULL, error) ||
          !exec_text (store, rows_sql, NULL, NULL, error))
        return FALSE;
      *n_replaced += (guint) sqlite3_changes (sp_store_get_handle (store));
    }
  return TRUE;
}

/* Remembers who this desk syncs as, and makes them the store's actor. A
 * different server, user or set of practices starts the cursor again from
 * 0: what one may see is not what another may, and the rows of a newly
 * granted practice lie behind the old cursor.
 *
 * Signing in to a server for the first time (none before, another one, or
 * signed out before ever syncing) as anyone but a catalogue admin replaces
 * the desk's own never-synced catalogue with the server's
 * (replace_local_catalogue); the number replaced is kept for the next sync
 * to report (SpSyncCounts.replaced) and given in *@n_replaced (may be
 * NULL). An admin's catalogue is kept: it is pushed as their curation. */
gboolean
sp_sync_store_remember_account (SpStore             *store,
                                const char          *server_url,
                                const SpSyncAccount *account,
                                guint               *n_replaced,
                                GError             **error)
{
  g_autofree char *old_url = NULL;
  g_autofree char *old_user = NULL;
  g_autofree char *old_practices = NULL;
  g_autofree char *old_server_id = NULL;
  g_autofree char *practices = NULL;
  gboolean first_sign_in;
  guint replaced = 0;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (server_url != NULL && account != NULL, FALSE);

  if (n_replaced != NULL)
    *n_replaced = 0;
  old_url = sp_store_get_meta (store, META_SERVER_URL);
  old_user = sp_store_get_meta (store, META_USERNAME);
  old_practices = sp_store_get_meta (store, META_PRACTICES);
  old_server_id = sp_store_get_meta (store, META_SERVER_ID);
  practices = strv_to_json_text ((const char * const *) account->practices);
  first_sign_in = old_url == NULL || g_strcmp0 (old_url, server_url) != 0 ||
                  (old_user == NULL && old_server_id == NULL);

  if (!sp_store_begin (store, error))
    return FALSE;
  if ((g_strcmp0 (old_url, server_url) != 0 || g_strcmp0 (old_user, account->username) != 0 ||
       g_strcmp0 (old_practices, practices) != 0) &&
      (!sp_store_set_meta (store, META_CURSOR, "0", error) ||
       !exec_text (store, "DELETE FROM meta WHERE key = ?1", META_SERVER_ID, NULL, error)))
    goto fail;
  if (first_sign_in && (account->roles & SP_ROLE_ADMIN) == 0)
    {
      if (!replace_local_catalogue (store, &replaced, error))
        goto fail;
      if (replaced > 0)
        {
          g_autofree char *text = g_strdup_printf ("%u", replaced);

          if (!sp_store_set_meta (store, META_REPLACED, text, error))
            goto fail;
        }
    }
  if (!sp_store_set_meta (store, META_SERVER_URL, server_url, error) ||
      !sp_store_set_meta (store, META_USERNAME, account->username, error) ||
      !sp_store_set_meta (store, META_DISPLAY_NAME, account->display_name, error) ||
      !sp_store_set_meta (store, META_ROLE, role_name (account->roles), error) ||
      !sp_store_set_meta (store, META_PRACTICES, practices, error))
    goto fail;
  if (!sp_store_commit (store, error))
    return FALSE;

  if (replaced > 0)
    g_debug ("Signed in to %s for the first time: %u local catalogue entries replaced by the server's",
             server_url, replaced);
  if (n_replaced != NULL)
    *n_replaced = replaced;
  sp_store_set_actor (store, account->username, account->roles,
                      (const char * const *) account->practices);
  return TRUE;

fail:
  sp_store_rollback (store);
  return FALSE;
}

/* Signing out: the records stay, the account is forgotten. */
gboolean
sp_sync_store_forget_account (SpStore  *store,
                              GError  **error)
{
  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  return exec_text (store, "DELETE FROM meta WHERE key IN (?1, 'sync.display_name', 'sync.role', 'sync.practices')",
                    META_USERNAME, NULL, error);
}

SpSyncAccount *
sp_sync_store_get_account (SpStore *store)
{
  g_autoptr(SpSyncAccount) account = sp_sync_account_new ();
  g_autofree char *role = NULL;
  g_autofree char *practices = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  account->username = sp_store_get_meta (store, META_USERNAME);
  if (account->username == NULL)
    return NULL;
  account->display_name = sp_store_get_meta (store, META_DISPLAY_NAME);
  role = sp_store_get_meta (store, META_ROLE);
  account->roles = sp_sync_role_from_name (role);
  practices = sp_store_get_meta (store, META_PRACTICES);
  account->practices = strv_from_text (practices);
  return g_steal_pointer (&account);
}

/* After opening the store of a desk that signed in: work as that user,
 * with their role and practices. FALSE (and nothing changed) in local mode. */
gboolean
sp_sync_store_restore_actor (SpStore *store)
{
  g_autoptr(SpSyncAccount) account = sp_sync_store_get_account (store);

  if (account == NULL || account->roles == 0)
    return FALSE;
  sp_store_set_actor (store, account->username, account->roles,
                      (const char * const *) account->practices);
  return TRUE;
}

char *
sp_sync_store_get_server_url (SpStore *store)
{
  return sp_store_get_meta (store, META_SERVER_URL);
}

gint64
sp_sync_store_get_cursor (SpStore *store)
{
  g_autofree char *text = sp_store_get_meta (store, META_CURSOR);
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return 0;
  return (gint64) value;
}

/* The id of the server the cursor belongs to; NULL before the first page
 * from a server that says. */
char *
sp_sync_store_get_server_id (SpStore *store)
{
  return sp_store_get_meta (store, META_SERVER_ID);
}

/* Checks the server a page of changes came from against the one this
 * desk's cursor belongs to. Another id (a new or reset database), or a
 * highest seq below the cursor (a database restored from a backup), means
 * the server may hold rows the cursor has already passed, which this desk
 * would never see: the cursor goes back to 0 and *@reset says to pull
 * everything again (rows with changes pending here are still left alone,
 * sp_sync_store_apply_page). The id is remembered with the cursor, in one
 * transaction. A NULL @server_id or a negative @max_seq (a server that
 * does not say) skips that check. */
gboolean
sp_sync_store_check_server (SpStore     *store,
                            const char  *server_id,
                            gint64       max_seq,
                            gboolean    *reset,
                            GError     **error)
{
  g_autofree char *known = NULL;
  gint64 cursor;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (reset != NULL, FALSE);

  known = sp_store_get_meta (store, META_SERVER_ID);
  cursor = sp_sync_store_get_cursor (store);
  *reset = cursor > 0 &&
           ((server_id != NULL && known != NULL && g_strcmp0 (known, server_id) != 0) ||
            (max_seq >= 0 && cursor > max_seq));
  if (!*reset && (server_id == NULL || g_strcmp0 (known, server_id) == 0))
    return TRUE;

  if (!sp_store_begin (store, error))
    return FALSE;
  if ((*reset && !sp_store_set_meta (store, META_CURSOR, "0", error)) ||
      (server_id != NULL && !sp_store_set_meta (store, META_SERVER_ID, server_id, error)))
    {
      sp_store_rollback (store);
      return FALSE;
    }
  if (*reset)
    g_debug ("The server is not the one the cursor %" G_GINT64_FORMAT " was for (%s, highest seq %" G_GINT64_FORMAT
             "): pulling everything again", cursor, known != NULL && g_strcmp0 (known, server_id) != 0
             ? "another id" : "the same id", max_seq);
  return sp_store_commit (store, error);
}

char *
sp_sync_store_get_last_synced (SpStore *store)
{
  return sp_store_get_meta (store, META_LAST_SYNCED);
}

char *
sp_sync_store_get_last_error (SpStore *store)
{
  g_autofree char *text = sp_store_get_meta (store, META_LAST_ERROR);

  return text != NULL && text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

/* After a sync: when it last completed (NULL keeps the old time) and what
 * went wrong (NULL: nothing). */
/* How many of this desk's own catalogue entries signing in replaced with
 * the server's (sp_sync_store_remember_account), until a sync completes
 * (sp_sync_store_set_last_result with no error forgets it). */
guint
sp_sync_store_get_catalogue_replaced (SpStore *store)
{
  g_autofree char *text = NULL;
  guint64 value = 0;

  g_return_val_if_fail (SP_IS_STORE (store), 0);

  text = sp_store_get_meta (store, META_REPLACED);
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    return 0;
  return (guint) value;
}

gboolean
sp_sync_store_set_last_result (SpStore     *store,
                               const char  *synced_at,
                               const char  *error_message,
                               GError     **error)
{
  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_begin (store, error))
    return FALSE;
  if ((synced_at != NULL && !sp_store_set_meta (store, META_LAST_SYNCED, synced_at, error)) ||
      !sp_store_set_meta (store, META_LAST_ERROR, error_message ? error_message : "", error) ||
      (synced_at != NULL && error_message == NULL &&
       !exec_text (store, "DELETE FROM meta WHERE key = ?1", META_REPLACED, NULL, error)))
    {
      sp_store_rollback (store);
      return FALSE;
    }
  return sp_store_commit (store, error);
}

/* ---- Pushing ------------------------------------------------------------- */

void
sp_sync_batch_free (SpSyncBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->batch_id);
  g_clear_pointer (&batch->body, json_node_unref);
  g_free (batch);
}

typedef struct
{
  gint64  seq;
  char   *op_id;
  char   *entity;
  char   *row_id;
  char   *op;
  gint64  base_rev;
  char   *changed;
  char   *old;
} OutboxRow;

static void
outbox_row_free (OutboxRow *row)
{
  g_free (row->op_id);
  g_free (row->entity);
  g_free (row->row_id);
  g_free (row->op);
  g_free (row->changed);
  g_free (row->old);
  g_free (row);
}

#define OUTBOX_COLUMNS "seq, op_id, entity, row_id, op, base_rev, changed, old"

static OutboxRow *
outbox_row_from_stmt (SpStmt *stmt)
{
  OutboxRow *row = g_new0 (OutboxRow, 1);

  row->seq = sqlite3_column_int64 (stmt, 0);
  row->op_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  row->entity = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  row->row_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  row->op = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  row->base_rev = sqlite3_column_int64 (stmt, 5);
  row->changed = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  row->old = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  return row;
}

/* The rows of one frozen batch, in the order they were written. */
static GPtrArray *
batch_rows (SpStore     *store,
            const char  *batch_id,
            GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outbox_row_free);
  int rc;

  stmt = sp_store_prepare (store, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE batch_id = ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, batch_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, outbox_row_from_stmt (stmt));
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

static char *
row_practice (SpStore            *store,
              const SpEntityInfo *info,
              const char         *row_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT practice FROM %s WHERE id = ?1", info->table);
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, NULL);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, row_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

/* One op as the protocol sends it. A create names the row's practice, which
 * the store keeps in the row rather than in the outbox. */
static JsonNode *
op_node (SpStore   *store,
         OutboxRow *row)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonObject) changed = parse_object (row->changed);
  g_autoptr(JsonObject) old = parse_object (row->old);
  const SpEntityInfo *info = sp_entity_lookup (row->entity);

  if (changed == NULL)
    changed = json_object_new ();
  if (old == NULL)
    old = json_object_new ();
  if (info != NULL && g_str_equal (row->op, "create") && !(info->flags & SP_ENTITY_CATALOGUE) &&
      !json_object_has_member (changed, "practice"))
    {
      g_autofree char *practice = row_practice (store, info, row->row_id);

      if (practice != NULL)
        json_object_set_string_member (changed, "practice", practice);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "op_id");
  json_builder_add_string_value (builder, row->op_id);
  json_builder_set_member_name (builder, "entity");
  json_builder_add_string_value (builder, row->entity);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, row->row_id);
  json_builder_set_member_name (builder, "base_rev");
  json_builder_add_int_value (builder, row->base_rev);
  json_builder_set_member_name (builder, "op");
  json_builder_add_string_value (builder, row->op);
  json_builder_set_member_name (builder, "changed");
  json_builder_add_value (builder, json_node_init_object (json_node_alloc (), changed));
  json_builder_set_member_name (builder, "old");
  json_builder_add_value (builder, json_node_init_object (json_node_alloc (), old));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static SpSyncBatch *
batch_from_rows (SpStore    *store,
                 const char *batch_id,
                 GPtrArray  *rows,
                 gboolean    resumed)
{
  SpSyncBatch *batch = g_new0 (SpSyncBatch, 1);
  g_autoptr(JsonArray) ops = json_array_new ();
  g_autoptr(JsonObject) body = json_object_new ();

  for (guint i = 0; i < rows->len; i++)
    json_array_add_element (ops, op_node (store, rows->pdata[i]));
  json_object_set_array_member (body, "ops", g_steal_pointer (&ops));
  batch->batch_id = g_strdup (batch_id);
  batch->body = json_node_init_object (json_node_alloc (), body);
  batch->n_ops = rows->len;
  batch->resumed = resumed;
  return batch;
}

/* The next batch to send, or NULL (with no error) when nothing waits. A
 * batch frozen by an earlier attempt comes first and is resent exactly as
 * it was, under the same id, so the server can answer it from its record.
 * Otherwise up to @max_ops of the oldest unsent rows (and about @max_bytes
 * of JSON, but at least one row) get a new batch id in one transaction,
 * before anything is sent. */
SpSyncBatch *
sp_sync_store_next_batch (SpStore  *store,
                          guint     max_ops,
                          gsize     max_bytes,
                          GError  **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *batch_id = NULL;
  gboolean resumed = FALSE;
  SpSyncBatch *batch;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (max_ops > 0, NULL);

  if (!sp_store_begin (store, error))
    return NULL;

  {
    g_autoptr(SpStmt) stmt = sp_store_prepare (store,
                                               "SELECT batch_id FROM outbox WHERE batch_id IS NOT NULL "
                                               "ORDER BY seq LIMIT 1", error);
    if (stmt == NULL)
      goto fail;
    if (sqlite3_step (stmt) == SQLITE_ROW)
      {
        batch_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
        resumed = TRUE;
      }
  }

  if (batch_id != NULL)
    {
      rows = batch_rows (store, batch_id, error);
      if (rows == NULL)
        goto fail;
    }
  else
    {
      g_autoptr(SpStmt) stmt = NULL;
      gsize bytes = 0;

      rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outbox_row_free);
      stmt = sp_store_prepare (store, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE batch_id IS NULL ORDER BY seq", error);
      if (stmt == NULL)
        goto fail;
      while (rows->len < max_ops && sqlite3_step (stmt) == SQLITE_ROW)
        {
          OutboxRow *row = outbox_row_from_stmt (stmt);
          gsize size = strlen (row->changed) + strlen (row->old) + 256;

          if (rows->len > 0 && bytes + size > max_bytes)
            {
              outbox_row_free (row);
              break;
            }
          bytes += size;
          g_ptr_array_add (rows, row);
        }
      g_clear_pointer (&stmt, sp_stmt_release);

      if (rows->len == 0)
        {
          sp_store_rollback (store);
          return NULL;
        }

      batch_id = sp_uuid_new ();
      for (guint i = 0; i < rows->len; i++)
        {
          OutboxRow *row = rows->pdata[i];
          g_autoptr(SpStmt) update = sp_store_prepare (store, "UPDATE outbox SET batch_id = ?1 WHERE seq = ?2", error);

          if (update == NULL)
            goto fail;
          sqlite3_bind_text (update, 1, batch_id, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (update, 2, row->seq);
          if (!sp_store_step_done (store, update, error))
            goto fail;
        }
    }

  batch = batch_from_rows (store, batch_id, rows, resumed);
  if (!sp_store_commit (store, error))
    {
      sp_sync_batch_free (batch);
      return NULL;
    }
  return batch;

fail:
  sp_store_rollback (store);
  return NULL;
}

gint64
sp_sync_store_count_unsent (SpStore *store)
{
  g_return_val_if_fail (SP_IS_STORE (store), -1);
  return query_count (store, "SELECT count(*) FROM outbox");
}

static gboolean record_rejected (SpStore     *store,
                                 OutboxRow   *row,
                                 const char  *reason,
                                 GError     **error);

/* Keeps the changes this account may not send as refused, with the reason,
 * rather than sending them to be refused: a GP's desk sends only the audit
 * events that record what the GP looked at (the core lets a GP write
 * nothing else, so anything else here was written around it). A frozen
 * batch that held such a change is unfrozen, to go again without it: the
 * server never recorded it, as it refuses a GP's batch whole when it holds
 * anything but audit events. *@n_held_back says how many were kept back. */
gboolean
sp_sync_store_hold_back_unsendable (SpStore       *store,
                                    guint         *n_held_back,
                                    SpSyncCounts  *counts,
                                    GError       **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outbox_row_free);
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func (g_free);
  const char *reason = _("A GP account can look records up but cannot change them, so this change was not sent "
                         "to the server. Only the record of who looked at which records is sent.");
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (n_held_back != NULL, FALSE);

  *n_held_back = 0;
  if (sp_store_get_roles (store) & (SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN))
    return TRUE;

  if (!sp_store_begin (store, error))
    return FALSE;
  stmt = sp_store_prepare (store,
                           "SELECT DISTINCT batch_id FROM outbox WHERE batch_id IS NOT NULL "
                           "AND NOT (entity = 'audit_event' AND op = 'create')", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (batches, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      goto fail;
    }
  g_clear_pointer (&stmt, sp_stmt_release);

  stmt = sp_store_prepare (store,
                           "SELECT " OUTBOX_COLUMNS " FROM outbox "
                           "WHERE NOT (entity = 'audit_event' AND op = 'create') ORDER BY seq", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, outbox_row_from_stmt (stmt));
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      goto fail;
    }
  g_clear_pointer (&stmt, sp_stmt_release);

  for (guint i = 0; i < rows->len; i++)
    if (!record_rejected (store, rows->pdata[i], reason, error))
      goto fail;
  for (guint i = 0; i < batches->len; i++)
    if (!exec_text (store, "UPDATE outbox SET batch_id = NULL WHERE batch_id = ?1", batches->pdata[i], NULL, error))
      goto fail;
  if (!sp_store_commit (store, error))
    return FALSE;

  *n_held_back = rows->len;
  if (counts != NULL)
    counts->rejected += rows->len;
  return TRUE;

fail:
  sp_store_rollback (store);
  return FALSE;
}

/* A record whose creation the server refused, and which has since been
 * removed here (the duplicate of a patient, merged into the record the
 * server has), was never on the server: there is nothing to send about
 * it. Its removal and any other unsent change to it leave the outbox, and
 * its refused creation leaves the list of refused changes, together; the
 * audit events that record them still go. */
gboolean
sp_sync_store_settle_never_sent (SpStore  *store,
                                 GError  **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_begin (store, error))
    return FALSE;
  stmt = sp_store_prepare (store,
                           "SELECT DISTINCT o.entity, o.row_id FROM outbox o JOIN rejected_change r "
                           "ON r.entity = o.entity AND r.row_id = o.row_id AND r.op = 'create' "
                           "WHERE o.op = 'delete' AND o.batch_id IS NULL", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (found, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (found, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      goto fail;
    }
  g_clear_pointer (&stmt, sp_stmt_release);

  for (guint i = 0; i < found->len; i += 2)
    {
      const char *entity = found->pdata[i];
      const char *row_id = found->pdata[i + 1];
      const SpEntityInfo *info = sp_entity_lookup (entity);

      /* A revision from the server: it has the row after all. */
      if (info == NULL || local_rev (store, info, row_id) != 0)
        continue;
      g_debug ("Nothing to send about a %s the server never had", entity);
      if (!exec_text (store, "DELETE FROM outbox WHERE entity = ?1 AND row_id = ?2 AND batch_id IS NULL",
                      entity, row_id, error) ||
          !exec_text (store, "DELETE FROM rejected_change WHERE entity = ?1 AND row_id = ?2", entity, row_id, error))
        goto fail;
    }
  return sp_store_commit (store, error);

fail:
  sp_store_rollback (store);
  return FALSE;
}

static gboolean
delete_outbox_row (SpStore  *store,
                   gint64    seq,
                   GError  **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, "DELETE FROM outbox WHERE seq = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  return sp_store_step_done (store, stmt, error);
}

static gboolean
record_rejected (SpStore     *store,
                 OutboxRow   *row,
                 const char  *reason,
                 GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree char *now = sp_store_now (store);

  stmt = sp_store_prepare (store,
                           "INSERT INTO rejected_change (op_id, entity, row_id, op, base_rev, changed, old, reason, rejected_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                           "ON CONFLICT (op_id) DO UPDATE SET reason = excluded.reason, rejected_at = excluded.rejected_at",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, row->op_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row->entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, row->row_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, row->op, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, row->base_rev);
  sqlite3_bind_text (stmt, 6, row->changed, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, row->old, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 9, now, -1, SQLITE_TRANSIENT);
  return sp_store_step_done (store, stmt, error) && delete_outbox_row (store, row->seq, error);
}

/* Keeps a conflict for the user, merged with one already open on the same
 * row: the fields add up, my later values win, theirs is the newest. */
static gboolean
record_conflict (SpStore     *store,
                 const char  *entity,
                 const char  *row_id,
                 JsonObject  *mine,
                 GStrv        fields,
                 JsonObject  *theirs,
                 gint64       server_rev,
                 const char  *reason,
                 GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(JsonObject) all_mine = json_object_new ();
  g_autoptr(GStrvBuilder) all_fields = g_strv_builder_new ();
  g_auto(GStrv) fields_out = NULL;
  g_autofree char *mine_text = NULL;
  g_autofree char *fields_text = NULL;
  g_autofree char *theirs_text = NULL;
  g_autofree char *now = sp_store_now (store);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) old_theirs = NULL;
  gint64 old_server_rev = -1;
  GStrv old_fields = NULL;

  stmt = sp_store_prepare (store, "SELECT fields, mine, theirs, server_rev FROM conflict WHERE entity = ?1 AND row_id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(JsonObject) old_mine = parse_object ((const char *) sqlite3_column_text (stmt, 1));

      old_fields = strv_from_text ((const char *) sqlite3_column_text (stmt, 0));
      old_theirs = parse_object ((const char *) sqlite3_column_text (stmt, 2));
      old_server_rev = sqlite3_column_int64 (stmt, 3);
      if (old_mine != NULL)
        {
          JsonObjectIter iter;
          const char *name;
          JsonNode *node;

          json_object_iter_init (&iter, old_mine);
          while (json_object_iter_next (&iter, &name, &node))
            json_object_set_member (all_mine, name, json_node_copy (node));
        }
    }
  g_clear_pointer (&stmt, sp_stmt_release);

  if (mine != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;

      json_object_iter_init (&iter, mine);
      while (json_object_iter_next (&iter, &name, &node))
        json_object_set_member (all_mine, name, json_node_copy (node));
    }
  for (guint pass = 0; pass < 2; pass++)
    {
      GStrv list = pass == 0 ? old_fields : fields;

      for (guint i = 0; list != NULL && list[i] != NULL; i++)
        if (g_hash_table_add (seen, list[i]))
          g_strv_builder_add (all_fields, list[i]);
    }
  fields_out = g_strv_builder_end (all_fields);
  fields_text = strv_to_json_text ((const char * const *) fields_out);
  g_strfreev (old_fields);

  /* Theirs only ever moves forward. */
  if (old_theirs != NULL && (theirs == NULL || old_server_rev > server_rev))
    {
      theirs = old_theirs;
      server_rev = old_server_rev;
    }
  mine_text = object_to_text (all_mine);
  theirs_text = theirs != NULL ? object_to_text (theirs) : NULL;

  stmt = sp_store_prepare (store,
                           "INSERT INTO conflict (entity, row_id, fields, mine, theirs, server_rev, reason, detected_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                           "ON CONFLICT (entity, row_id) DO UPDATE SET fields = excluded.fields, mine = excluded.mine, "
                           "theirs = excluded.theirs, server_rev = excluded.server_rev, reason = excluded.reason, "
                           "detected_at = excluded.detected_at", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, fields_text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, mine_text, -1, SQLITE_TRANSIENT);
  if (theirs_text != NULL)
    sqlite3_bind_text (stmt, 5, theirs_text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, server_rev);
  if (reason != NULL)
    sqlite3_bind_text (stmt, 7, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, now, -1, SQLITE_TRANSIENT);
  return sp_store_step_done (store, stmt, error);
}

static gboolean
set_row_rev (SpStore             *store,
             const SpEntityInfo  *info,
             const char          *row_id,
             gint64               rev,
             GError             **error)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE %s SET rev = ?1 WHERE id = ?2 AND rev < ?1", info->table);
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rev);
  sqlite3_bind_text (stmt, 2, row_id, -1, SQLITE_TRANSIENT);
  return sp_store_step_done (store, stmt, error);
}

static gboolean
apply_applied (SpStore     *store,
               OutboxRow   *row,
               JsonObject  *result,
               GError     **error)
{
  const SpEntityInfo *info = sp_entity_lookup (row->entity);
  gint64 rev = 0;

  /* The server applied my op on exactly the row I had (rev = base + 1):
   * the local row is now that revision, and my later unsent changes to it
   * build on it. Otherwise the server merged others' changes in, which this
   * desk has not seen yet: the rev stays until the pull brings the whole
   * row, so a change made meanwhile is still merged field by field. */
  if (info != NULL && member_int (result, "rev", &rev) && rev == row->base_rev + 1)
    {
      g_autoptr(SpStmt) stmt = NULL;

      if (!set_row_rev (store, info, row->row_id, rev, error))
        return FALSE;
      stmt = sp_store_prepare (store,
                               "UPDATE outbox SET base_rev = ?1 WHERE entity = ?2 AND row_id = ?3 "
                               "AND batch_id IS NULL AND base_rev = ?4", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, rev);
      sqlite3_bind_text (stmt, 2, row->entity, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, row->row_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, row->base_rev);
      if (!sp_store_step_done (store, stmt, error))
        return FALSE;
    }
  return delete_outbox_row (store, row->seq, error);
}

static gboolean
apply_conflict (SpStore     *store,
                OutboxRow   *row,
                JsonObject  *result,
                GError     **error)
{
  g_autoptr(JsonObject) mine = parse_object (row->changed);
  g_auto(GStrv) fields = strv_from_node (json_object_get_member (result, "fields"));
  JsonNode *server_row = json_object_get_member (result, "server_row");
  JsonObject *theirs = NULL;
  gint64 server_rev = 0;

  if (server_row != NULL && JSON_NODE_HOLDS_OBJECT (server_row))
    {
      theirs = json_node_get_object (server_row);
      member_int (theirs, "rev", &server_rev);
    }
  if (g_str_equal (row->op, "delete") && mine != NULL)
    json_object_set_boolean_member (mine, "deleted", TRUE);

  return record_conflict (store, row->entity, row->row_id, mine, fields, theirs, server_rev, NULL, error) &&
         delete_outbox_row (store, row->seq, error);
}

static void
set_answer_error (GError     **error,
                  const char  *detail)
{
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
               _("The server’s answer to the changes sent could not be read (%s). "
                 "Nothing was lost: the changes will be sent again."), detail);
}

/* Applies the server's answer to one batch, in one transaction: applied
 * ops leave the outbox, conflicts are kept for the user, refused changes
 * are kept with the server's reason. An op the answer does not mention is
 * unfrozen, to go again in a later batch. */
gboolean
sp_sync_store_apply_results (SpStore       *store,
                             const char    *batch_id,
                             JsonNode      *answer,
                             SpSyncCounts  *counts,
                             GError       **error)
{
  g_autoptr(GHashTable) results = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) rows = NULL;
  JsonArray *array;
  JsonNode *node;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (batch_id != NULL && answer != NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (answer) ||
      (node = json_object_get_member (json_node_get_object (answer), "results")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    {
      set_answer_error (error, _("no list of results"));
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      const char *op_id;
      const char *status;

      if (!JSON_NODE_HOLDS_OBJECT (e) ||
          (op_id = member_string (json_node_get_object (e), "op_id")) == NULL ||
          (status = member_string (json_node_get_object (e), "status")) == NULL ||
          (!g_str_equal (status, "applied") && !g_str_equal (status, "conflict") &&
           !g_str_equal (status, "rejected")))
        {
          set_answer_error (error, _("a result without an op or a known status"));
          return FALSE;
        }
      g_hash_table_insert (results, (gpointer) op_id, json_node_get_object (e));
    }

  if (!sp_store_begin (store, error))
    return FALSE;
  rows = batch_rows (store, batch_id, error);
  if (rows == NULL)
    goto fail;

  for (guint i = 0; i < rows->len; i++)
    {
      OutboxRow *row = rows->pdata[i];
      JsonObject *result = g_hash_table_lookup (results, row->op_id);
      const char *status = result ? member_string (result, "status") : NULL;

      if (status == NULL)
        {
          g_autoptr(SpStmt) stmt = sp_store_prepare (store, "UPDATE outbox SET batch_id = NULL WHERE seq = ?1", error);

          if (stmt == NULL)
            goto fail;
          sqlite3_bind_int64 (stmt, 1, row->seq);
          if (!sp_store_step_done (store, stmt, error))
            goto fail;
        }
      else if (g_str_equal (status, "applied"))
        {
          if (!apply_applied (store, row, result, error))
            goto fail;
          if (counts != NULL)
            counts->pushed++;
        }
      else if (g_str_equal (status, "conflict"))
        {
          if (!apply_conflict (store, row, result, error))
            goto fail;
          if (counts != NULL)
            counts->conflicts++;
        }
      else
        {
          const char *reason = member_string (result, "reason");

          if (!record_rejected (store, row, reason ? reason : _("The server refused this change and gave no reason."),
                                error))
            goto fail;
          if (counts != NULL)
            counts->rejected++;
        }
    }
  return sp_store_commit (store, error);

fail:
  sp_store_rollback (store);
  return FALSE;
}

/* The server refused the whole batch (the account may not write): every op
 * in it is kept as refused, with the server's words, and leaves the outbox. */
gboolean
sp_sync_store_reject_batch (SpStore       *store,
                            const char    *batch_id,
                            const char    *reason,
                            SpSyncCounts  *counts,
                            GError       **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_begin (store, error))
    return FALSE;
  rows = batch_rows (store, batch_id, error);
  if (rows == NULL)
    goto fail;
  for (guint i = 0; i < rows->len; i++)
    {
      if (!record_rejected (store, rows->pdata[i], reason, error))
        goto fail;
      if (counts != NULL)
        counts->rejected++;
    }
  return sp_store_commit (store, error);

fail:
  sp_store_rollback (store);
  return FALSE;
}

/* The server refused a whole batch because of one op it named, and stored
 * nothing of it: that op is kept as refused, and the others are unfrozen to
 * go again in a new batch. FALSE with no error when @op_id is not in the
 * batch. */
gboolean
sp_sync_store_reject_op (SpStore       *store,
                         const char    *batch_id,
                         const char    *op_id,
                         const char    *reason,
                         SpSyncCounts  *counts,
                         GError       **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_begin (store, error))
    return FALSE;
  rows = batch_rows (store, batch_id, error);
  if (rows == NULL)
    goto fail;
  for (guint i = 0; i < rows->len && !found; i++)
    {
      OutboxRow *row = rows->pdata[i];

      if (g_strcmp0 (row->op_id, op_id) != 0)
        continue;
      if (!record_rejected (store, row, reason, error))
        goto fail;
      found = TRUE;
    }
  if (!found)
    {
      sp_store_rollback (store);
      return FALSE;
    }
  if (!exec_text (store, "UPDATE outbox SET batch_id = NULL WHERE batch_id = ?1", batch_id, NULL, error))
    goto fail;
  if (!sp_store_commit (store, error))
    return FALSE;
  if (counts != NULL)
    counts->rejected++;
  return TRUE;

fail:
  sp_store_rollback (store);
  return FALSE;
}

/* ---- Pulling ------------------------------------------------------------- */

static void
sync_change_free (SpSyncChange *change)
{
  g_free (change->id);
  if (change->record != NULL)
    sp_record_free (change->info, change->record);
  g_free (change);
}

void
sp_sync_page_free (SpSyncPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->changes, g_ptr_array_unref);
  g_free (page->server_id);
  g_free (page);
}

static gboolean
bad_page (GError     **error,
          const char  *detail)
{
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
               _("The server’s list of changes could not be read (%s). Nothing was changed here."),
               detail);
  return FALSE;
}

static SpSyncChange *
decode_change (JsonNode  *node,
               gint64     after_seq,
               GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  const char *entity;
  const char *id;
  JsonNode *deleted;
  JsonNode *data;
  SpSyncChange *change;
  gpointer record;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      bad_page (error, _("a change is not an object"));
      return NULL;
    }
  object = json_node_get_object (node);
  change = g_new0 (SpSyncChange, 1);

  entity = member_string (object, "entity");
  id = member_string (object, "id");
  deleted = json_object_get_member (object, "deleted");
  data = json_object_get_member (object, "data");
  if (entity == NULL || (change->info = sp_entity_lookup (entity)) == NULL)
    {
      bad_page (error, _("a change of a kind of record this version does not know; update Signpost"));
      goto fail;
    }
  if (id == NULL || !sp_uuid_is_valid (id))
    {
      bad_page (error, _("a change without a valid id"));
      goto fail;
    }
  change->id = g_strdup (id);
  if (!member_int (object, "rev", &change->rev) || change->rev < 0 ||
      !member_int (object, "seq", &change->seq) || change->seq <= after_seq)
    {
      bad_page (error, _("a change without a revision, or out of order"));
      goto fail;
    }
  if (deleted != NULL && (!JSON_NODE_HOLDS_VALUE (deleted) || json_node_get_value_type (deleted) != G_TYPE_BOOLEAN))
    {
      bad_page (error, _("a change whose “deleted” is not true or false"));
      goto fail;
    }
  change->deleted = deleted != NULL && json_node_get_boolean (deleted);

  if (data == NULL || JSON_NODE_HOLDS_NULL (data))
    {
      if (!change->deleted)
        {
          bad_page (error, _("a change without its record"));
          goto fail;
        }
      return change;
    }
  if (!JSON_NODE_HOLDS_OBJECT (data))
    {
      bad_page (error, _("a change whose record is not an object"));
      goto fail;
    }

  /* Checked in full now, so a bad page is refused before anything is written. */
  record = sp_record_from_json (change->info, json_node_get_object (data), TRUE, &local_error);
  if (record == NULL)
    {
      bad_page (error, local_error->message);
      goto fail;
    }
  if (g_strcmp0 (((SpRecord *) record)->id, id) != 0 ||
      ((change->info->flags & SP_ENTITY_PATIENT) && !sp_ods_code_is_valid (((SpRecord *) record)->practice)) ||
      ((SpRecord *) record)->updated_at == NULL || ((SpRecord *) record)->updated_by == NULL)
    {
      sp_record_free (change->info, record);
      bad_page (error, _("a record whose id, practice or update time does not fit"));
      goto fail;
    }
  ((SpRecord *) record)->rev = change->rev;
  ((SpRecord *) record)->deleted = change->deleted;
  /* Kept as the record: it is written from its fields, and turned back
   * into JSON only for the rare conflict. */
  change->record = record;
  return change;

fail:
  sync_change_free (change);
  return NULL;
}

/* Reads one GET /v1/changes answer, checking all of it: a page that is not
 * what the protocol says is refused whole, before anything is written. */
SpSyncPage *
sp_sync_page_decode (const char  *data,
                     gsize        length,
                     gint64       since,
                     GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(SpSyncPage) page = g_new0 (SpSyncPage, 1);
  g_autoptr(GError) local_error = NULL;
  JsonObject *root;
  JsonNode *changes;
  JsonNode *more;
  JsonNode *server_id;
  JsonNode *max_seq;
  gint64 seq = since;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  node = sp_sync_json_parse (data, length, &local_error);
  if (node == NULL)
    {
      bad_page (error, local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      bad_page (error, _("not an object"));
      return NULL;
    }
  root = json_node_get_object (node);
  changes = json_object_get_member (root, "changes");
  more = json_object_get_member (root, "more");
  if (changes == NULL || !JSON_NODE_HOLDS_ARRAY (changes) ||
      !member_int (root, "last_seq", &page->last_seq) ||
      (more != NULL && (!JSON_NODE_HOLDS_VALUE (more) || json_node_get_value_type (more) != G_TYPE_BOOLEAN)))
    {
      bad_page (error, _("no changes, last_seq or more"));
      return NULL;
    }
  page->more = more != NULL && json_node_get_boolean (more);

  /* Both optional: a server before them does not send them. */
  server_id = json_object_get_member (root, "server_id");
  if (server_id != NULL)
    {
      const char *text = member_string (root, "server_id");

      if (text == NULL || *text == '\0' || strlen (text) > 64)
        {
          bad_page (error, _("a server_id that is not a short text"));
          return NULL;
        }
      page->server_id = g_strdup (text);
    }
  page->max_seq = -1;
  max_seq = json_object_get_member (root, "max_seq");
  if (max_seq != NULL && (!member_int (root, "max_seq", &page->max_seq) || page->max_seq < 0))
    {
      bad_page (error, _("a max_seq that is not a whole number from 0 up"));
      return NULL;
    }

  page->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) sync_change_free);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (changes)); i++)
    {
      SpSyncChange *change = decode_change (json_array_get_element (json_node_get_array (changes), i), seq, error);

      if (change == NULL)
        return NULL;
      seq = change->seq;
      g_ptr_array_add (page->changes, change);
    }
  /* The cursor never runs ahead of the data, and never goes back. */
  if (page->last_seq < seq || (page->changes->len == 0 && page->last_seq < since))
    {
      bad_page (error, _("last_seq is behind its changes"));
      return NULL;
    }
  if (page->more && page->last_seq <= since)
    {
      bad_page (error, _("more changes promised, but none given"));
      return NULL;
    }
  /* (A cursor past the server's end is for sp_sync_store_check_server.) */
  if (page->max_seq >= 0 && page->changes->len > 0 && page->max_seq < seq)
    {
      bad_page (error, _("max_seq is behind the changes"));
      return NULL;
    }
  return g_steal_pointer (&page);
}

static gboolean
has_pending (SpStore    *store,
             const char *entity,
             const char *row_id)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store,
                                             "SELECT 1 FROM outbox WHERE entity = ?1 AND row_id = ?2 LIMIT 1",
                                             NULL);

  if (stmt == NULL)
    return TRUE;
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row_id, -1, SQLITE_TRANSIENT);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

/* A newer server row for a row in conflict: refresh "theirs", so that
 * keeping theirs or mine is decided against what the server holds now. */
static gboolean
refresh_conflict (SpStore       *store,
                  SpSyncChange  *change,
                  gboolean      *open,
                  GError       **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store,
                                             "SELECT server_rev FROM conflict WHERE entity = ?1 AND row_id = ?2",
                                             error);
  gint64 server_rev;
  g_autofree char *theirs = NULL;

  *open = FALSE;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, change->info->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, change->id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return TRUE;
  *open = TRUE;
  server_rev = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sp_stmt_release);
  if (change->rev <= server_rev || change->record == NULL)
    return TRUE;

  {
    g_autoptr(JsonObject) data = sp_record_to_json (change->info, change->record);
    theirs = object_to_text (data);
  }
  stmt = sp_store_prepare (store, "UPDATE conflict SET theirs = ?1, server_rev = ?2 WHERE entity = ?3 AND row_id = ?4",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, theirs, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, change->rev);
  sqlite3_bind_text (stmt, 3, change->info->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, change->id, -1, SQLITE_TRANSIENT);
  return sp_store_step_done (store, stmt, error);
}

/* The local row's rev, or -1 when there is none. */
static gint64
local_rev (SpStore            *store,
           const SpEntityInfo *info,
           const char         *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rev FROM %s WHERE id = ?1", info->table);
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, NULL);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* Why a server row cannot be stored here, in words the user can act on.
 * The one clash a desk meets in practice: the same person recorded on two
 * desks before either synced. */
static char *
clash_reason (SpStore      *store,
              SpSyncChange *change,
              const char   *detail)
{
  const SpPatient *patient = change->info == &sp_entity_patient ? change->record : NULL;
  const char *nhs_number = patient != NULL ? patient->nhs_number : NULL;
  g_autoptr(SpStmt) stmt = NULL;

  if (nhs_number != NULL)
    stmt = sp_store_prepare (store,
                             "SELECT given_name, family_name FROM patient WHERE practice = ?1 AND nhs_number = ?2 "
                             "AND deleted = 0 AND id <> ?3", NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, patient->record.practice, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, nhs_number, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, change->id, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        return g_strdup_printf (_("%s %s, recorded on this desk, has the same NHS number as %s %s from the server. "
                                  "If they are the same person, remove the record made here and keep the "
                                  "server’s."),
                                (const char *) sqlite3_column_text (stmt, 0),
                                (const char *) sqlite3_column_text (stmt, 1),
                                patient->given_name, patient->family_name);
    }
  return g_strdup (detail);
}

/* What a page needs to look up for each of its rows. A desk with nothing
 * pending and no conflict, as at its first sync, need not ask for each. */
typedef struct
{
  gboolean may_have_pending;
  gboolean may_have_conflicts;
} PageState;

static gboolean
apply_change (SpStore       *store,
              SpSyncChange  *change,
              PageState     *state,
              SpSyncCounts  *counts,
              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *reason = NULL;
  gboolean conflict_open = FALSE;
  gboolean fresh;
  gint64 rev;

  if (change->record != NULL &&
      !row_visible (store, change->info, ((SpRecord *) change->record)->practice))
    {
      g_debug ("Skipped a %s of a practice this account is not granted", change->info->name);
      return TRUE;
    }

  /* A row with my change pending or in conflict is the push's to decide. */
  if (state->may_have_conflicts && !refresh_conflict (store, change, &conflict_open, error))
    return FALSE;
  if (conflict_open || (state->may_have_pending && has_pending (store, change->info->name, change->id)))
    {
      counts->skipped++;
      return TRUE;
    }

  /* A row at the same revision is written again all the same (the
   * server's update time and author), but is nothing new to count. */
  rev = local_rev (store, change->info, change->id);
  if (rev > change->rev)
    return TRUE;
  fresh = rev < change->rev;

  if (change->record == NULL)
    {
      g_autofree char *sql = g_strdup_printf ("UPDATE %s SET deleted = 1, rev = ?1 WHERE id = ?2", change->info->table);
      g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, change->rev);
      sqlite3_bind_text (stmt, 2, change->id, -1, SQLITE_TRANSIENT);
      if (!sp_store_step_done (store, stmt, error))
        return FALSE;
      counts->pulled += fresh;
      return TRUE;
    }

  /* A row this desk cannot hold as it is (say the same NHS number as a
   * patient recorded here and not yet synced) does not stop the sync: it is
   * kept as a conflict, with the reason, for the user to sort out. The
   * write is one statement, which SQLite undoes whole when it fails, so it
   * needs no savepoint of its own. */
  if (!sp_store_write_record (store, change->info, change->record, &local_error))
    {
      g_autoptr(JsonObject) data = NULL;

      if (!g_error_matches (local_error, SP_ERROR, SP_ERROR_CONSTRAINT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      reason = clash_reason (store, change, local_error->message);
      data = sp_record_to_json (change->info, change->record);
      if (!record_conflict (store, change->info->name, change->id, NULL, NULL, data, change->rev,
                            reason, error))
        return FALSE;
      state->may_have_conflicts = TRUE;
      counts->conflicts++;
      return TRUE;
    }
  counts->pulled += fresh;
  return TRUE;
}

/* Applies one page of changes and its cursor in one transaction: after a
 * crash the cursor never points past a change that is not here. */
gboolean
sp_sync_store_apply_page (SpStore       *store,
                          SpSyncPage    *page,
                          SpSyncCounts  *counts,
                          GError       **error)
{
  SpSyncCounts page_counts = { 0, };
  PageState state;
  g_autofree char *cursor = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (page != NULL, FALSE);

  if (!sp_store_begin (store, error))
    return FALSE;
  /* Read inside the transaction: nothing else adds to either meanwhile. */
  state.may_have_pending = query_count (store, "SELECT EXISTS (SELECT 1 FROM outbox)") != 0;
  state.may_have_conflicts = query_count (store, "SELECT EXISTS (SELECT 1 FROM conflict)") != 0;
  for (guint i = 0; i < page->changes->len; i++)
    if (!apply_change (store, page->changes->pdata[i], &state, &page_counts, error))
      goto fail;
  if (page->last_seq > sp_sync_store_get_cursor (store))
    {
      cursor = g_strdup_printf ("%" G_GINT64_FORMAT, page->last_seq);
      if (!sp_store_set_meta (store, META_CURSOR, cursor, error))
        goto fail;
    }
  if (!sp_store_commit (store, error))
    return FALSE;

  if (counts != NULL)
    {
      counts->pulled += page_counts.pulled;
      counts->skipped += page_counts.skipped;
      counts->conflicts += page_counts.conflicts;
      counts->pages++;
    }
  return TRUE;

fail:
  sp_store_rollback (store);
  return FALSE;
}

/* ---- Snapshots ----------------------------------------------------------- */

/* "SELECT EXISTS (…) OR …": whether the desk holds anything of its own or
 * of the server's, any record or any change. */
static char *
holds_anything_sql (void)
{
  const SpEntityInfo * const *entities;
  guint n_entities = 0;
  GString *sql = g_string_new ("SELECT EXISTS (SELECT 1 FROM outbox) OR EXISTS (SELECT 1 FROM conflict) "
                               "OR EXISTS (SELECT 1 FROM rejected_change)");

  entities = sp_entity_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    g_string_append_printf (sql, " OR EXISTS (SELECT 1 FROM \"%s\")", entities[i]->table);
  return g_string_free (sql, FALSE);
}

/* Whether this desk may start from a snapshot instead of every change: it
 * has pulled nothing yet and holds nothing, so nothing here can be lost
 * and no row needs the rules of a pull (pending changes, conflicts). */
gboolean
sp_sync_store_is_new_desk (SpStore *store)
{
  g_autofree char *sql = holds_anything_sql ();

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  return sp_sync_store_get_cursor (store) == 0 && query_count (store, sql) == 0;
}

static void
snapshot_unusable (GError     **error,
                   const char  *why)
{
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
               _("The server’s snapshot could not be used (%s)."), why);
}

static gint64
db_int (sqlite3    *db,
        const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
db_text (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW &&
      sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* What the desk keeps of its own (the account, the cursor, its practices'
 * names), as text: the same text twice means nothing was written between. */
static const char desk_state_sql[] =
  "SELECT coalesce ((SELECT group_concat (key || '=' || coalesce (value, ''), char (10)) "
  "                  FROM (SELECT key, value FROM meta ORDER BY key)), '') || char (10) || "
  "       coalesce ((SELECT group_concat (ods || '=' || name, char (10)) "
  "                  FROM (SELECT ods, name FROM practice ORDER BY ods)), '')";

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The snapshot's practices (sorted, comma-joined, as the server keeps
 * grants) are those of the account this desk signed in as. */
static gboolean
same_practices (SpStore    *store,
                const char *snapshot_practices)
{
  g_autofree char *text = sp_store_get_meta (store, META_PRACTICES);
  g_auto(GStrv) mine = strv_from_text (text);
  g_autofree char *joined = NULL;

  if (mine == NULL)
    return *snapshot_practices == '\0';
  qsort (mine, g_strv_length (mine), sizeof (char *), compare_strings);
  joined = g_strjoinv (",", mine);
  return g_str_equal (joined, snapshot_practices);
}

/* A full disk while the server's records are stored: said in a sync's
 * words (nothing of the desk is lost; the next sync tries again). */
void
sp_sync_set_disk_full (GError **error)
{
  g_set_error_literal (error, SP_ERROR, SP_ERROR_DISK_FULL,
                       _("The disk is full, so the server’s records could not be stored. Free some space and sync again; "
                         "nothing on this desk was lost."));
}

/* A failure writing the snapshot or the store while installing. */
static void
set_install_error (SpStore  *store,
                   int       rc,
                   GError  **error)
{
  if (rc == SQLITE_FULL)
    sp_sync_set_disk_full (error);
  else
    sp_store_set_error (store, rc, error);
}

/* Copies the two columns @select reads on @from into @to with @insert. */
static gboolean
copy_rows (sqlite3    *from,
           sqlite3    *to,
           const char *select,
           const char *insert)
{
  sqlite3_stmt *read = NULL;
  sqlite3_stmt *write = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (from, select, -1, &read, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (to, insert, -1, &write, NULL);
  while (rc == SQLITE_OK && sqlite3_step (read) == SQLITE_ROW)
    {
      sqlite3_bind_value (write, 1, sqlite3_column_value (read, 0));
      sqlite3_bind_value (write, 2, sqlite3_column_value (read, 1));
      rc = sqlite3_step (write) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
      sqlite3_reset (write);
    }
  sqlite3_finalize (read);
  sqlite3_finalize (write);
  return rc == SQLITE_OK;
}

/* Checks the downloaded file and gives it this desk's own state: its
 * meta (with the cursor at the snapshot's seq and the server's id) and its
 * practices. Sets @rows to the records it holds. */
static gboolean
prepare_snapshot (SpStore     *store,
                  sqlite3     *snap,
                  const char  *state,
                  gint64      *rows,
                  GError     **error)
{
  const SpEntityInfo * const *entities;
  guint n_entities = 0;
  g_autofree char *check = NULL;
  g_autofree char *server_id = NULL;
  g_autofree char *practices = NULL;
  char *copy_sql;
  sqlite3 *desk = sp_store_get_handle (store);
  gint64 seq;
  int rc;

  if (db_int (snap, "PRAGMA application_id") != SP_APPLICATION_ID)
    {
      snapshot_unusable (error, _("it is not a Signpost database"));
      return FALSE;
    }
  if (db_int (snap, "PRAGMA user_version") != SP_SCHEMA_VERSION)
    {
      snapshot_unusable (error, _("it was made for another version of Signpost"));
      return FALSE;
    }
  /* Every page and every index read once: a file cut short or damaged on
   * the way is found here, not later in the desk's own store. */
  check = db_text (snap, "PRAGMA quick_check");
  if (g_strcmp0 (check, "ok") != 0)
    {
      snapshot_unusable (error, _("it is damaged"));
      return FALSE;
    }
  seq = db_int (snap, "SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'snapshot_seq'");
  server_id = db_text (snap, "SELECT value FROM meta WHERE key = 'snapshot_server_id'");
  practices = db_text (snap, "SELECT value FROM meta WHERE key = 'snapshot_practices'");
  if (seq < 0 || server_id == NULL || practices == NULL)
    {
      snapshot_unusable (error, _("it does not say which server and which moment it holds"));
      return FALSE;
    }
  if (!same_practices (store, practices))
    {
      snapshot_unusable (error, _("it holds other practices than this account’s"));
      return FALSE;
    }

  *rows = 0;
  entities = sp_entity_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    {
      g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM \"%s\"", entities[i]->table);
      *rows += MAX (db_int (snap, count), 0);
    }

  /* The desk's own state, as it is now, into the snapshot. */
  if (sqlite3_exec (snap, "BEGIN; DELETE FROM meta; DELETE FROM practice; DELETE FROM outbox;", NULL, NULL, NULL) != SQLITE_OK)
    goto sqlite_fail;
  if (!copy_rows (desk, snap, "SELECT key, value FROM meta", "INSERT INTO meta (key, value) VALUES (?1, ?2)") ||
      !copy_rows (desk, snap, "SELECT ods, name FROM practice", "INSERT INTO practice (ods, name) VALUES (?1, ?2)"))
    goto sqlite_fail;

  /* The state copied must be the state checked under the lock later. */
  {
    g_autofree char *copied = db_text (snap, desk_state_sql);

    if (g_strcmp0 (copied, state) != 0)
      {
        sqlite3_exec (snap, "ROLLBACK", NULL, NULL, NULL);
        snapshot_unusable (error, _("this desk changed while it was downloaded"));
        return FALSE;
      }
  }

  copy_sql = sqlite3_mprintf ("INSERT OR REPLACE INTO meta (key, value) VALUES (%Q, '%lld'), (%Q, %Q)",
                              META_CURSOR, (long long) seq, META_SERVER_ID, server_id);
  rc = sqlite3_exec (snap, copy_sql, NULL, NULL, NULL);
  sqlite3_free (copy_sql);
  if (rc != SQLITE_OK || sqlite3_exec (snap, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    goto sqlite_fail;
  return TRUE;

sqlite_fail:
  {
    g_autofree char *why = g_strdup (sqlite3_errmsg (snap));

    int code = sqlite3_errcode (snap);

    sqlite3_exec (snap, "ROLLBACK", NULL, NULL, NULL);
    if (code == SQLITE_FULL)
      sp_sync_set_disk_full (error);
    else
      snapshot_unusable (error, why);
    return FALSE;
  }
}

/* Whether the desk on @db is still new, its own state still @state. */
static gboolean
unchanged_since (sqlite3    *db,
                 const char *state)
{
  g_autofree char *sql = holds_anything_sql ();
  g_autofree char *now = db_text (db, desk_state_sql);

  return now != NULL && g_str_equal (now, state) && db_int (db, sql) == 0;
}

/* Checks, with a connection of its own, that the desk is still new and its
 * state is still @state: called while the copy holds the store's write
 * lock, so nothing can be written between this check and the copy. */
static gboolean
still_as_checked (SpStore    *store,
                  const char *state)
{
  sqlite3 *db = NULL;
  gboolean same = FALSE;

  if (sqlite3_open_v2 (sp_store_get_path (store), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK)
    same = unchanged_since (db, state);
  sqlite3_close (db);
  return same;
}

/* Readies the downloaded snapshot at @path to become this new desk's
 * store: checks it (a Signpost database of this schema, undamaged, of this
 * account's practices) and gives it the desk's own state (its meta, with
 * the cursor at the snapshot's seq and the server's id, and its
 * practices), written and synced to disk. Returns that state, which
 * sp_sync_store_take_snapshot() or sp_sync_store_install_snapshot() then
 * check is still the desk's, and sets @rows to the records the snapshot
 * holds. A snapshot that cannot be used is SP_ERROR_INVALID: pull the
 * changes instead. The store is not written. */
char *
sp_sync_store_prepare_snapshot (SpStore     *store,
                                const char  *path,
                                gint64      *rows,
                                GError     **error)
{
  g_autofree char *state = NULL;
  sqlite3 *desk;
  sqlite3 *snap = NULL;
  gboolean ok;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (rows != NULL, NULL);

  desk = sp_store_get_handle (store);
  if (!sp_sync_store_is_new_desk (store))
    {
      snapshot_unusable (error, _("this desk already holds records"));
      return NULL;
    }
  state = db_text (desk, desk_state_sql);
  if (state == NULL)
    {
      sp_store_set_error (store, sqlite3_errcode (desk), error);
      return NULL;
    }

  if (sqlite3_open_v2 (path, &snap, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      snapshot_unusable (error, sqlite3_errmsg (snap));
      sqlite3_close (snap);
      return NULL;
    }
  sqlite3_busy_timeout (snap, 5000);
  /* The commit syncs the whole file, as downloaded, to disk. */
  sqlite3_exec (snap, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  ok = prepare_snapshot (store, snap, state, rows, error);
  sqlite3_close (snap);
  return ok ? g_steal_pointer (&state) : NULL;
}

static void
not_alone (GError **error)
{
  g_set_error_literal (error, SP_ERROR, SP_ERROR_LOCKED,
                       _("The database is open in another window or program."));
}

/* Makes the snapshot at @path, readied by sp_sync_store_prepare_snapshot(),
 * the store itself: the file is put in the store's place, and the store
 * opens it. Nothing is copied, so this takes milliseconds whatever the
 * size; the whole file was checked and synced when it was readied. It is
 * done only when @store's is the one connection to the database (another,
 * in this program or another, would go on with the file replaced), and
 * under an exclusive lock, only if the desk is still as it was readied.
 * Call it on @store's thread, outside a transaction. On failure the store
 * is as it was: SP_ERROR_LOCKED when another connection is open (copy it
 * in with sp_sync_store_install_snapshot() instead), SP_ERROR_INVALID when
 * something was saved on the desk meanwhile. */
gboolean
sp_sync_store_take_snapshot (SpStore     *store,
                             const char  *path,
                             const char  *state,
                             GError     **error)
{
  static const char blank_header[100] = { 0 };
  g_autofree char *mode = NULL;
  struct stat st;
  g_autofree char *folder = NULL;
  sqlite3 *desk;
  gboolean ok;
  int replaced;
  int fd;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (sp_store_in_transaction (store))
    {
      not_alone (error);
      return FALSE;
    }
  desk = sp_store_get_handle (store);
  /* Leaving write-ahead mode needs the one connection to the file: asked
   * without waiting, as the window waits on this. */
  sqlite3_busy_timeout (desk, 0);
  mode = db_text (desk, "PRAGMA journal_mode = DELETE");
  if (g_strcmp0 (mode, "delete") != 0 ||
      sqlite3_exec (desk, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
    {
      not_alone (error);
      goto restore;
    }
  /* No other connection can read or write now. */
  if (!unchanged_since (desk, state))
    {
      sqlite3_exec (desk, "ROLLBACK", NULL, NULL, NULL);
      snapshot_unusable (error, _("something was saved on this desk meanwhile"));
      goto restore;
    }
  /* The file keeps the store's permissions (the download is private). */
  replaced = open (sp_store_get_path (store), O_WRONLY | O_CLOEXEC);
  if (replaced >= 0 && fstat (replaced, &st) == 0)
    g_chmod (path, st.st_mode & 07777);
  if (replaced < 0 || g_rename (path, sp_store_get_path (store)) != 0)
    {
      int saved = errno;

      sqlite3_exec (desk, "ROLLBACK", NULL, NULL, NULL);
      if (replaced >= 0)
        close (replaced);
      g_set_error (error, SP_ERROR, SP_ERROR_LOCKED,
                   _("The database could not be replaced (%s)."), g_strerror (saved));
      goto restore;
    }
  /* A program that opened the store's path a moment ago, and waits on
   * the lock, has the file replaced: it must find no database there, not
   * an empty desk to write in (and a log beside the new file). */
  if (pwrite (replaced, blank_header, sizeof blank_header, 0) != (ssize_t) sizeof blank_header)
    g_warning ("The replaced database could not be blanked: %s", g_strerror (errno));
  /* The rename itself on disk. */
  folder = g_path_get_dirname (sp_store_get_path (store));
  fd = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  sqlite3_exec (desk, "ROLLBACK", NULL, NULL, NULL);
  ok = sp_store_reopen (store, error);
  /* Only now: closing a file drops every lock this program holds on it. */
  close (replaced);
  return ok;

restore:
  sqlite3_exec (desk, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
  sp_store_set_busy_timeout (store, sp_store_get_busy_timeout (store));
  return FALSE;
}

/* Copies the snapshot at @path, readied by
 * sp_sync_store_prepare_snapshot(), over the store page by page with
 * SQLite's backup, under the store's write lock, only if the desk is
 * still as it was readied at that moment. For when other connections have
 * the store open: they see the new content at their next read. On failure
 * nothing of the desk has changed; the error says why (SP_ERROR_INVALID:
 * pull the changes instead). @path is left for the caller to remove. */
gboolean
sp_sync_store_install_snapshot (SpStore     *store,
                                const char  *path,
                                const char  *state,
                                GError     **error)
{
  sqlite3 *desk;
  sqlite3 *snap = NULL;
  sqlite3_backup *backup = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  desk = sp_store_get_handle (store);
  if (sqlite3_open_v2 (path, &snap, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      snapshot_unusable (error, sqlite3_errmsg (snap));
      goto out;
    }

  /* Another connection has the store open, so it stays in write-ahead
   * mode and the copy goes through the log; no sync is needed until the
   * log is copied into the file below: a copy lost to a power cut before
   * then leaves the desk as new as it was. */
  sqlite3_exec (desk, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);

  backup = sqlite3_backup_init (desk, "main", snap, "main");
  if (backup == NULL)
    {
      sp_store_set_error (store, sqlite3_errcode (desk), error);
      goto out;
    }
  /* No page yet: this takes the store's write lock, and keeps it. */
  rc = sqlite3_backup_step (backup, 0);
  if (rc != SQLITE_OK && rc != SQLITE_DONE)
    {
      sqlite3_backup_finish (backup);
      set_install_error (store, rc, error);
      goto out;
    }
  if (!still_as_checked (store, state))
    {
      sqlite3_backup_finish (backup);
      snapshot_unusable (error, _("something was saved on this desk meanwhile"));
      goto out;
    }
  rc = sqlite3_backup_step (backup, -1);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      /* Finishing early rolls the copy back: the store is as it was. */
      set_install_error (store, rc, error);
      goto out;
    }
  /* The whole store passed through the log: into the file now, synced,
   * and the log emptied (at size L it would keep a gigabyte). */
  sqlite3_exec (desk, "PRAGMA wal_checkpoint (TRUNCATE)", NULL, NULL, NULL);
  ok = TRUE;

out:
  sqlite3_exec (desk, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  sqlite3_close (snap);
  return ok;
}

/* ---- Conflicts ----------------------------------------------------------- */

void
sp_conflict_free (SpConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->entity);
  g_free (conflict->row_id);
  g_strfreev (conflict->fields);
  g_clear_pointer (&conflict->mine, json_object_unref);
  g_clear_pointer (&conflict->theirs, json_object_unref);
  g_free (conflict->reason);
  g_free (conflict->detected_at);
  g_free (conflict);
}

#define CONFLICT_COLUMNS "id, entity, row_id, fields, mine, theirs, server_rev, reason, detected_at"

static SpConflict *
conflict_from_stmt (SpStmt *stmt)
{
  SpConflict *conflict = g_new0 (SpConflict, 1);

  conflict->id = sqlite3_column_int64 (stmt, 0);
  conflict->entity = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  conflict->row_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  conflict->fields = strv_from_text ((const char *) sqlite3_column_text (stmt, 3));
  conflict->mine = parse_object ((const char *) sqlite3_column_text (stmt, 4));
  if (conflict->mine == NULL)
    conflict->mine = json_object_new ();
  conflict->theirs = parse_object ((const char *) sqlite3_column_text (stmt, 5));
  conflict->server_rev = sqlite3_column_int64 (stmt, 6);
  conflict->reason = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  conflict->detected_at = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
  return conflict;
}

/* Patient data never crosses to a practice the user is not granted: nor do
 * the conflicts that hold it. */
static gboolean
conflict_visible (SpStore    *store,
                  SpConflict *conflict)
{
  const SpEntityInfo *info = sp_entity_lookup (conflict->entity);
  const char *practice = NULL;

  if (info == NULL)
    return FALSE;
  if (conflict->theirs != NULL)
    practice = member_string (conflict->theirs, "practice");
  if (practice == NULL)
    {
      g_autofree char *local = row_practice (store, info, conflict->row_id);
      return row_visible (store, info, local);
    }
  return row_visible (store, info, practice);
}

GPtrArray *
sp_sync_store_list_conflicts (SpStore  *store,
                              GError  **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_conflict_free);
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  stmt = sp_store_prepare (store, "SELECT " CONFLICT_COLUMNS " FROM conflict ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, conflict_from_stmt (stmt));
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  g_clear_pointer (&stmt, sp_stmt_release);
  for (guint i = list->len; i > 0; i--)
    if (!conflict_visible (store, list->pdata[i - 1]))
      g_ptr_array_remove_index (list, i - 1);
  return g_steal_pointer (&list);
}

SpConflict *
sp_sync_store_get_conflict (SpStore  *store,
                            gint64    id,
                            GError  **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  SpConflict *conflict = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  stmt = sp_store_prepare (store, "SELECT " CONFLICT_COLUMNS " FROM conflict WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    conflict = conflict_from_stmt (stmt);
  g_clear_pointer (&stmt, sp_stmt_release);
  if (conflict != NULL && !conflict_visible (store, conflict))
    g_clear_pointer (&conflict, sp_conflict_free);
  if (conflict == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("There is no conflict number %" PRId64 " waiting: it may have been resolved already."),
                 id);
  return conflict;
}

gint64
sp_sync_store_count_conflicts (SpStore *store)
{
  g_autoptr(GPtrArray) list = sp_sync_store_list_conflicts (store, NULL);

  return list != NULL ? (gint64) list->len : -1;
}

static gboolean
delete_conflict (SpStore  *store,
                 gint64    id,
                 GError  **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, "DELETE FROM conflict WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return sp_store_step_done (store, stmt, error);
}

/* Writes the server's row here as it is, with no outbox entry. */
static gboolean
write_theirs (SpStore             *store,
              const SpEntityInfo  *info,
              SpConflict          *conflict,
              GError             **error)
{
  g_autoptr(JsonObject) row = NULL;
  gpointer record;

  if (conflict->theirs == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The server’s version of this record is not known yet. Sync, then try again."));
      return FALSE;
    }
  record = sp_record_from_json (info, conflict->theirs, FALSE, error);
  if (record == NULL)
    return FALSE;
  if (g_strcmp0 (((SpRecord *) record)->id, conflict->row_id) != 0)
    {
      sp_record_free (info, record);
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The server’s version of this record is for another record."));
      return FALSE;
    }
  ((SpRecord *) record)->rev = conflict->server_rev;
  row = sp_record_to_json (info, record);
  sp_record_free (info, record);
  return sp_store_write_row (store, info, row, error);
}

static gboolean
delete_unsent (SpStore     *store,
               const char  *entity,
               const char  *row_id,
               GError     **error)
{
  return exec_text (store, "DELETE FROM outbox WHERE entity = ?1 AND row_id = ?2 AND batch_id IS NULL",
                    entity, row_id, error);
}

typedef enum
{
  RESOLVE_KEEP_THEIRS,
  RESOLVE_KEEP_MINE,
  RESOLVE_EDIT,
} Resolution;

static gboolean
resolve (SpStore     *store,
         gint64       conflict_id,
         Resolution   how,
         gpointer     merged,
         GError     **error)
{
  g_autoptr(SpConflict) conflict = NULL;
  const SpEntityInfo *info;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_begin (store, error))
    return FALSE;
  conflict = sp_sync_store_get_conflict (store, conflict_id, error);
  if (conflict == NULL)
    goto fail;
  info = sp_entity_lookup (conflict->entity);
  g_assert (info != NULL);

  if (how != RESOLVE_KEEP_THEIRS)
    {
      /* Mine (or the merge) goes through the same checks as any edit. */
      g_autofree char *practice = conflict->theirs ? g_strdup (member_string (conflict->theirs, "practice"))
                                                   : row_practice (store, info, conflict->row_id);
      SpRecord probe = { .practice = practice };

      if (!sp_store_check_write (store, info, &probe, error))
        goto fail;
    }

  if (!write_theirs (store, info, conflict, error))
    goto fail;

  switch (how)
    {
    case RESOLVE_KEEP_THEIRS:
      if (!delete_unsent (store, conflict->entity, conflict->row_id, error))
        goto fail;
      break;

    case RESOLVE_KEEP_MINE:
      {
        g_autoptr(JsonObject) values = json_object_new ();
        JsonObjectIter iter;
        const char *name;
        JsonNode *node;
        gboolean removing = FALSE;
        gpointer record;
        gboolean ok;

        /* My values over theirs, queued as a new change on the server's
         * revision: the server takes it as it stands. */
        json_object_iter_init (&iter, conflict->theirs);
        while (json_object_iter_next (&iter, &name, &node))
          json_object_set_member (values, name, json_node_copy (node));
        json_object_iter_init (&iter, conflict->mine);
        while (json_object_iter_next (&iter, &name, &node))
          {
            if (g_str_equal (name, "deleted"))
              removing = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
                         json_node_get_boolean (node);
            else if (g_strv_contains ((const char * const []) { "id", "practice", "rev", "updated_at", "updated_by", NULL },
                                      name))
              continue;
            else if (sp_entity_find_column (info, name) != NULL)
              json_object_set_member (values, name, json_node_copy (node));
          }

        if (removing)
          ok = sp_store_remove (store, info, conflict->row_id, error);
        else
          {
            record = sp_record_from_json (info, values, FALSE, error);
            if (record == NULL)
              goto fail;
            ((SpRecord *) record)->deleted = FALSE;
            ok = sp_store_save (store, info, record, error);
            sp_record_free (info, record);
          }
        if (!ok)
          goto fail;
        break;
      }

    case RESOLVE_EDIT:
      if (g_strcmp0 (((SpRecord *) merged)->id, conflict->row_id) != 0)
        {
          g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                               _("The merged record is not the record in conflict."));
          goto fail;
        }
      if (!sp_store_save (store, info, merged, error))
        goto fail;
      break;

    default:
      g_assert_not_reached ();
    }

  if (!delete_conflict (store, conflict->id, error))
    goto fail;
  return sp_store_commit (store, error);

fail:
  sp_store_rollback (store);
  return FALSE;
}

/* Keeps the server's version: written here as it is, nothing to send. */
gboolean
sp_sync_store_keep_theirs (SpStore  *store,
                           gint64    conflict_id,
                           GError  **error)
{
  return resolve (store, conflict_id, RESOLVE_KEEP_THEIRS, NULL, error);
}

/* Keeps my values: queued again as a change on the server's revision. */
gboolean
sp_sync_store_keep_mine (SpStore  *store,
                         gint64    conflict_id,
                         GError  **error)
{
  return resolve (store, conflict_id, RESOLVE_KEEP_MINE, NULL, error);
}

/* Keeps a record the user put together from both: saved as a change on
 * the server's revision. */
gboolean
sp_sync_store_resolve_edit (SpStore   *store,
                            gint64     conflict_id,
                            gpointer   merged_record,
                            GError   **error)
{
  g_return_val_if_fail (merged_record != NULL, FALSE);
  return resolve (store, conflict_id, RESOLVE_EDIT, merged_record, error);
}

/* ---- Refused changes ----------------------------------------------------- */

void
sp_rejected_change_free (SpRejectedChange *change)
{
  if (change == NULL)
    return;
  g_free (change->op_id);
  g_free (change->entity);
  g_free (change->row_id);
  g_free (change->op);
  g_clear_pointer (&change->changed, json_object_unref);
  g_free (change->reason);
  g_free (change->rejected_at);
  g_free (change);
}

GPtrArray *
sp_sync_store_list_rejected (SpStore  *store,
                             GError  **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_rejected_change_free);
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  stmt = sp_store_prepare (store,
                           "SELECT id, op_id, entity, row_id, op, changed, reason, rejected_at "
                           "FROM rejected_change ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SpRejectedChange *change = g_new0 (SpRejectedChange, 1);

      change->id = sqlite3_column_int64 (stmt, 0);
      change->op_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      change->entity = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      change->row_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      change->op = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      change->changed = parse_object ((const char *) sqlite3_column_text (stmt, 5));
      if (change->changed == NULL)
        change->changed = json_object_new ();
      change->reason = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      change->rejected_at = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      g_ptr_array_add (list, change);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

gint64
sp_sync_store_count_rejected (SpStore *store)
{
  g_return_val_if_fail (SP_IS_STORE (store), -1);
  return query_count (store, "SELECT count(*) FROM rejected_change");
}

static gboolean
check_rejected_exists (SpStore  *store,
                       gint64    id,
                       GError  **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, "SELECT 1 FROM rejected_change WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    return TRUE;
  g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
               _("There is no refused change number %" PRId64 "."), id);
  return FALSE;
}

/* The user has read why: the note goes. */
gboolean
sp_sync_store_dismiss_rejected (SpStore  *store,
                                gint64    id,
                                GError  **error)
{
  g_autoptr(SpStmt) stmt = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!check_rejected_exists (store, id, error))
    return FALSE;
  stmt = sp_store_prepare (store, "DELETE FROM rejected_change WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return sp_store_step_done (store, stmt, error);
}

/* Sends a refused change again (say after an admin fixed the account), as a
 * new op with the same values and the revision it was based on. */
gboolean
sp_sync_store_retry_rejected (SpStore  *store,
                              gint64    id,
                              GError  **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree char *op_id = sp_uuid_new ();
  g_autofree char *now = sp_store_now (store);

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_begin (store, error))
    return FALSE;
  if (!check_rejected_exists (store, id, error))
    goto fail;
  stmt = sp_store_prepare (store,
                           "INSERT INTO outbox (op_id, entity, row_id, op, base_rev, changed, old, created_at) "
                           "SELECT ?1, entity, row_id, op, base_rev, changed, old, ?2 FROM rejected_change WHERE id = ?3",
                           error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, op_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, id);
  if (!sp_store_step_done (store, stmt, error))
    goto fail;
  g_clear_pointer (&stmt, sp_stmt_release);
  stmt = sp_store_prepare (store, "DELETE FROM rejected_change WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!sp_store_step_done (store, stmt, error))
    goto fail;
  return sp_store_commit (store, error);

fail:
  sp_store_rollback (store);
  return FALSE;
}
