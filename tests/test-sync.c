/* test-sync.c — the sync client: the store's side, then real HTTP
 *
 * The first part needs no server: the v2 → v3 upgrade, the backoff, page
 * decoding, batches frozen before they are sent, answers and pages applied
 * in one transaction, conflicts resolved, the cursor tied to one server,
 * what a GP's desk holds back, the token file.
 *
 * The second part runs the real signpost-server on loopback (through
 * sp-server-fixture.h) with desks of two practices, and checks what the
 * issue asks: records reach the desks of their practice and never another,
 * edits merge or conflict, payments never conflict, a retried batch is
 * applied once, a server killed mid-sync loses nothing, the cursor never
 * runs ahead of the data, a GP changes nothing but its audit trail arrives,
 * a duplicate NHS number is refused in plain words, a server reset or
 * restored from a backup is pulled from the start, a cancelled sync leaves
 * the store consistent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-sync"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sp-error.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-sync-client-private.h"
#include "sp-sync-store.h"
#include "sp-sync-token.h"
#include "sp-validate.h"

#include "sp-test-util.h"
#include <libsoup/soup.h>
#ifdef SIGNPOST_SERVER
#include "sp-server-fixture.h"
#endif

typedef SpTestStore Fixture;

/* ---- Helpers --------------------------------------------------------------- */

static const char *
outbox_op_id (SpStore    *store,
              const char *row_id,
              char      **op_id_out)
{
  *op_id_out = sp_test_query_text (store, "SELECT op_id FROM outbox WHERE row_id = ?1 ORDER BY seq LIMIT 1", row_id);
  return *op_id_out;
}

static JsonNode *
parse_node (const char *text)
{
  return sp_test_parse_json (text);
}

/* A server's answer to a batch, built from (op_id, status, extra JSON). */
static JsonNode *
answer_node (const char *results_json)
{
  g_autofree char *text = g_strdup_printf ("{\"results\": %s}", results_json);

  return parse_node (text);
}

static char *
patient_json (SpStore    *store,
              const char *id,
              gint64      rev,
              const char *phone)
{
  g_autoptr(SpPatient) patient = sp_store_get_patient (store, id, NULL);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_nonnull (patient);
  g_free (patient->phone);
  patient->phone = g_strdup (phone);
  patient->record.rev = rev;
  object = sp_record_to_json (&sp_entity_patient, patient);
  node = json_node_init_object (json_node_alloc (), object);
  return json_to_string (node, FALSE);
}

/* ---- Schema v3 ------------------------------------------------------------- */

static char *
resource_text (const char *path)
{
  g_autoptr(GBytes) bytes = NULL;

  g_type_ensure (SP_TYPE_STORE);
  g_type_class_unref (g_type_class_ref (SP_TYPE_STORE));
  bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert_nonnull (bytes);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s", message);
}

/* A desk made by the version before sync (schema 2) keeps every record and
 * every unsent change when this version opens it. */
static void
test_schema_upgrade_v2 (void)
{
  g_autofree char *dir = sp_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "v2.db", NULL);
  g_autofree char *v1 = resource_text ("/org/signpost/core/sp-schema-1.sql");
  g_autofree char *v2 = resource_text ("/org/signpost/core/sp-schema-2.sql");
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (1);
  g_autofree char *insert = NULL;
  const char *id = "0b0f7d4c-2a53-4c55-9c3e-6f0d6b1c2a01";
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "BEGIN");
  exec_sql (db, v1);
  exec_sql (db, v2);
  insert = g_strdup_printf ("INSERT INTO practice (ods, name) VALUES ('A81001', 'Riverside');"
                            "INSERT INTO meta (key, value) VALUES ('local_practice', 'A81001');"
                            "INSERT INTO patient (id, practice, rev, updated_at, updated_by, nhs_number, "
                            "given_name, family_name) VALUES ('%s', 'A81001', 4, '2026-01-02T03:04:05Z', 'lw', "
                            "'%s', 'Ada', 'Lovelace');"
                            "INSERT INTO outbox (op_id, entity, row_id, op, base_rev, changed, old, created_at) "
                            "VALUES ('5d7c1d4e-0000-4000-8000-000000000001', 'patient', '%s', 'update', 4, "
                            "'{\"phone\":\"01234\"}', '{\"phone\":null}', '2026-01-02T03:04:05Z');",
                            id, nhs, id);
  exec_sql (db, insert);
  exec_sql (db, "PRAGMA user_version = 2; PRAGMA application_id = 1397771860; COMMIT");
  sqlite3_close (db);

  store = sp_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sp_test_query_int (store, "PRAGMA user_version", NULL), ==, SP_SCHEMA_VERSION);
  g_assert_cmpint (SP_SCHEMA_VERSION, >=, 3);
  patient = sp_store_get_patient (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (patient->given_name, ==, "Ada");
  g_assert_cmpint (patient->record.rev, ==, 4);
  g_assert_cmpint (sp_store_outbox_count (store), ==, 1);
  g_assert_cmpint (sp_test_count_rows (store, "conflict"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (store, "rejected_change"), ==, 0);
  g_assert_cmpint (sp_sync_store_get_cursor (store), ==, 0);

  /* And the unsent change still goes out, in a batch. */
  {
    g_autoptr(SpSyncBatch) batch = sp_sync_store_next_batch (store, 10, 1 << 20, &error);
    g_assert_no_error (error);
    g_assert_nonnull (batch);
    g_assert_cmpuint (batch->n_ops, ==, 1);
  }
  g_clear_object (&store);
  sp_test_remove_tree (dir);
}

/* ---- Backoff ----------------------------------------------------------------- */

static void
test_backoff (void)
{
  /* 1 s, 2 s, 4 s … capped at 60 s, spread ±20 %. */
  g_assert_cmpuint (sp_sync_backoff_delay (1, 1000, 60000, 0.5), ==, 1000);
  g_assert_cmpuint (sp_sync_backoff_delay (2, 1000, 60000, 0.5), ==, 2000);
  g_assert_cmpuint (sp_sync_backoff_delay (3, 1000, 60000, 0.5), ==, 4000);
  g_assert_cmpuint (sp_sync_backoff_delay (7, 1000, 60000, 0.5), ==, 60000);
  g_assert_cmpuint (sp_sync_backoff_delay (40, 1000, 60000, 0.5), ==, 60000);
  g_assert_cmpuint (sp_sync_backoff_delay (1, 1000, 60000, 0.0), ==, 800);
  g_assert_cmpuint (sp_sync_backoff_delay (1, 1000, 60000, 0.999999), >=, 1199);
  g_assert_cmpuint (sp_sync_backoff_delay (1, 1000, 60000, 0.999999), <=, 1200);
  g_assert_cmpuint (sp_sync_backoff_delay (9, 1000, 60000, 0.0), ==, 48000);
  g_assert_cmpuint (sp_sync_backoff_delay (9, 1000, 60000, 0.999999), <=, 60000);
}

/* ---- Decoding a page --------------------------------------------------------- */

static void
test_page_decode (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncPage) page = NULL;
  const char *good =
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 2, "
    "\"seq\": 11, \"deleted\": false, \"data\": {\"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", "
    "\"practice\": null, \"rev\": 2, \"deleted\": false, \"updated_at\": \"2026-05-04T09:00:00Z\", "
    "\"updated_by\": \"admin\", \"name\": \"Hollinsford ICB\", \"kind\": \"icb\", \"budget_pence\": 100000, "
    "\"year_start\": \"2026-04-01\"}}], \"last_seq\": 12, \"more\": true}";
  const char *bad[] = {
    "",
    "[]",
    "{\"changes\": [], \"more\": false}",
    "{\"changes\": {}, \"last_seq\": 3}",
    /* unknown entity */
    "{\"changes\": [{\"entity\": \"spaceship\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 1, "
    "\"seq\": 11, \"deleted\": true, \"data\": null}], \"last_seq\": 11, \"more\": false}",
    /* seq not after the cursor */
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 1, "
    "\"seq\": 10, \"deleted\": true, \"data\": null}], \"last_seq\": 11, \"more\": false}",
    /* a field of the wrong type */
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 1, "
    "\"seq\": 11, \"deleted\": false, \"data\": {\"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", "
    "\"updated_at\": \"x\", \"updated_by\": \"y\", \"name\": \"N\", \"kind\": \"icb\", \"budget_pence\": \"lots\"}}], "
    "\"last_seq\": 11, \"more\": false}",
    /* a field this version does not know */
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 1, "
    "\"seq\": 11, \"deleted\": false, \"data\": {\"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", "
    "\"updated_at\": \"x\", \"updated_by\": \"y\", \"name\": \"N\", \"kind\": \"icb\", \"sql\": \"DROP TABLE\"}}], "
    "\"last_seq\": 11, \"more\": false}",
    /* data for another id */
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 1, "
    "\"seq\": 11, \"deleted\": false, \"data\": {\"id\": \"7a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", "
    "\"updated_at\": \"x\", \"updated_by\": \"y\", \"name\": \"N\", \"kind\": \"icb\"}}], "
    "\"last_seq\": 11, \"more\": false}",
    /* last_seq behind its changes */
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 1, "
    "\"seq\": 11, \"deleted\": true, \"data\": null}], \"last_seq\": 10, \"more\": false}",
    /* more promised with no progress: would loop for ever */
    "{\"changes\": [], \"last_seq\": 10, \"more\": true}",
    /* a server id that is not text, or is empty */
    "{\"changes\": [], \"last_seq\": 10, \"more\": false, \"server_id\": 7}",
    "{\"changes\": [], \"last_seq\": 10, \"more\": false, \"server_id\": \"\"}",
    /* a highest seq that is no number, or below the page's own changes */
    "{\"changes\": [], \"last_seq\": 10, \"more\": false, \"max_seq\": \"many\"}",
    "{\"changes\": [], \"last_seq\": 10, \"more\": false, \"max_seq\": -1}",
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 1, "
    "\"seq\": 11, \"deleted\": true, \"data\": null}], \"last_seq\": 11, \"more\": false, \"max_seq\": 10}",
  };
  /* Found by fuzzing: these once reached json-glib, which leaked the first
   * of two values and quoted bytes that are not UTF-8 in its message. */
  const char *unreadable[] = {
    "8{\"changes\": [], \"last_seq\": 10, \"more\": false}",
    "{\"changes\": [], \"last_seq\": 10, \"more\": false} {}",
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"e11457c2-07c5-480b-8bcd-f4a94efe3c\xc8\x9a\xdd\"}], "
    "\"last_seq\": 11}",
  };
  const char *identified = "{\"changes\": [], \"last_seq\": 40, \"more\": false, "
                           "\"server_id\": \"0d9a3c52-6f1e-4b7a-8c2d-1e5f9a7b3c40\", \"max_seq\": 12}";

  page = sp_sync_page_decode (good, strlen (good), 10, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (page->changes->len, ==, 1);
  g_assert_cmpint (page->last_seq, ==, 12);
  g_assert_true (page->more);
  g_assert_true (((SpSyncChange *) page->changes->pdata[0])->info == &sp_entity_funder);
  g_assert_cmpint (((SpSyncChange *) page->changes->pdata[0])->rev, ==, 2);
  /* A server that does not say who it is. */
  g_assert_null (page->server_id);
  g_assert_cmpint (page->max_seq, ==, -1);

  /* One that does: a cursor (40) past the server's end (12) is for the
   * store to judge, not the decoder. */
  g_clear_pointer (&page, sp_sync_page_free);
  page = sp_sync_page_decode (identified, strlen (identified), 40, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (page->server_id, ==, "0d9a3c52-6f1e-4b7a-8c2d-1e5f9a7b3c40");
  g_assert_cmpint (page->max_seq, ==, 12);

  for (guint i = 0; i < G_N_ELEMENTS (unreadable); i++)
    {
      g_autoptr(SpSyncPage) refused = NULL;

      g_clear_error (&error);
      refused = sp_sync_page_decode (unreadable[i], strlen (unreadable[i]), 10, &error);
      g_assert_null (refused);
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  /* Nested past any page the server makes: refused before json-glib,
   * which recurses, sees it. */
  {
    g_autoptr(GString) deep = g_string_new ("{\"changes\": [], \"last_seq\": 10, \"x\": ");
    g_autoptr(SpSyncPage) refused = NULL;

    for (guint i = 0; i < 100000; i++)
      g_string_append_c (deep, '[');
    g_clear_error (&error);
    refused = sp_sync_page_decode (deep->str, deep->len, 10, &error);
    g_assert_null (refused);
    g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "nested"));
  }
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SpSyncPage) refused = NULL;

      g_clear_error (&error);
      refused = sp_sync_page_decode (bad[i], strlen (bad[i]), 10, &error);
      g_test_message ("bad page %u: %s", i, error ? error->message : "(accepted)");
      g_assert_null (refused);
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
    }
}

/* ---- Batches ----------------------------------------------------------------- */

/* A batch is frozen before it is sent, and an unanswered one goes again with
 * the same id and the same ops: the server applies it once. */
static void
test_batch_frozen (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncBatch) first = NULL;
  g_autoptr(SpSyncBatch) again = NULL;
  g_autoptr(SpSyncBatch) next = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *again_text = NULL;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *nhs = sp_test_nhs_number (i);
      g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
    }
  /* 5 patients and their 5 audit events. */
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 10);

  first = sp_sync_store_next_batch (f->store, 4, 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->n_ops, ==, 4);
  g_assert_false (first->resumed);
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE batch_id = ?1", first->batch_id),
                   ==, 4);

  /* A create names its practice. */
  {
    JsonArray *ops = json_object_get_array_member (json_node_get_object (first->body), "ops");
    JsonObject *op = json_array_get_object_element (ops, 0);
    JsonObject *changed = json_object_get_object_member (op, "changed");

    g_assert_cmpstr (json_object_get_string_member (op, "op"), ==, "create");
    g_assert_cmpstr (json_object_get_string_member (changed, "practice"), ==, SP_TEST_PRACTICE);
    g_assert_cmpint (json_object_get_int_member (op, "base_rev"), ==, 0);
  }

  /* The answer was lost: the same batch goes again, as it was. */
  again = sp_sync_store_next_batch (f->store, 4, 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_true (again->resumed);
  g_assert_cmpstr (again->batch_id, ==, first->batch_id);
  first_text = json_to_string (first->body, FALSE);
  again_text = json_to_string (again->body, FALSE);
  g_assert_cmpstr (first_text, ==, again_text);

  /* The answer names three ops: applied. The fourth goes in a later batch. */
  {
    JsonArray *ops = json_object_get_array_member (json_node_get_object (first->body), "ops");
    g_autoptr(GString) results = g_string_new ("[");
    g_autoptr(JsonNode) answer = NULL;
    SpSyncCounts counts = { 0, };
    const char *row0 = json_object_get_string_member (json_array_get_object_element (ops, 0), "id");
    const char *op_id3 = json_object_get_string_member (json_array_get_object_element (ops, 3), "op_id");

    for (guint i = 0; i < 3; i++)
      g_string_append_printf (results, "%s{\"op_id\": \"%s\", \"status\": \"applied\", \"rev\": 1, \"seq\": %u}",
                              i ? ", " : "",
                              json_object_get_string_member (json_array_get_object_element (ops, i), "op_id"),
                              100 + i);
    g_string_append (results, "]");
    answer = answer_node (results->str);
    g_assert_true (sp_sync_store_apply_results (f->store, first->batch_id, answer, &counts, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (counts.pushed, ==, 3);
    g_assert_cmpint (sp_store_outbox_count (f->store), ==, 7);
    g_assert_cmpint (sp_test_query_int (f->store, "SELECT rev FROM patient WHERE id = ?1", row0), ==, 1);
    g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE op_id = ?1 AND batch_id IS NULL",
                                        op_id3), ==, 1);
  }

  next = sp_sync_store_next_batch (f->store, 100, 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_false (next->resumed);
  g_assert_cmpuint (next->n_ops, ==, 7);
  g_assert_cmpstr (next->batch_id, !=, first->batch_id);
}

/* An answer that does not follow the protocol changes nothing. */
static void
test_batch_bad_answer (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncBatch) batch = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
  const char *answers[] = { "[]", "{\"results\": 3}", "{\"results\": [{\"status\": \"applied\"}]}",
                            "{\"results\": [{\"op_id\": \"x\", \"status\": \"maybe\"}]}" };

  batch = sp_sync_store_next_batch (f->store, 100, 1 << 20, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(JsonNode) answer = parse_node (answers[i]);

      g_clear_error (&error);
      g_assert_false (sp_sync_store_apply_results (f->store, batch->batch_id, answer, NULL, &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      g_assert_cmpint (sp_store_outbox_count (f->store), ==, 2);
    }
}

/* Conflicts are kept with mine and theirs; refused changes with the reason;
 * neither stays in the outbox. */
static void
test_results_conflict_rejected (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autofree char *nhs2 = sp_test_nhs_number (1);
  g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
  g_autoptr(SpPatient) q = sp_test_add_patient (f->store, "Quin", "Jones", nhs2, NULL);
  g_autoptr(SpSyncBatch) batch = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GPtrArray) rejected = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *results = NULL;
  g_autofree char *p_op = NULL;
  g_autofree char *q_op = NULL;
  SpSyncCounts counts = { 0, };
  SpConflict *conflict;

  /* Both patients reach the server (rev 1), then p's phone changes here. */
  g_assert_cmpint (sqlite3_exec (sp_store_get_handle (f->store),
                                 "DELETE FROM outbox; UPDATE patient SET rev = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  {
    g_autoptr(SpPatient) edit = sp_store_get_patient (f->store, p->record.id, &error);
    g_autoptr(SpPatient) edit_q = sp_store_get_patient (f->store, q->record.id, &error);

    edit->phone = g_strdup ("01111 111111");
    g_assert_true (sp_store_update_patient (f->store, edit, &error));
    edit_q->notes = g_strdup ("Prefers mornings");
    g_assert_true (sp_store_update_patient (f->store, edit_q, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE entity = 'patient'", NULL), ==, 2);

  batch = sp_sync_store_next_batch (f->store, 100, 1 << 20, &error);
  g_assert_no_error (error);
  outbox_op_id (f->store, p->record.id, &p_op);
  outbox_op_id (f->store, q->record.id, &q_op);
  theirs = patient_json (f->store, p->record.id, 2, "02222 222222");
  results = g_strdup_printf ("[{\"op_id\": \"%s\", \"status\": \"conflict\", \"fields\": [\"phone\"], "
                             "\"server_row\": %s}, {\"op_id\": \"%s\", \"status\": \"rejected\", "
                             "\"reason\": \"The field notes is too long.\"}]", p_op, theirs, q_op);
  answer = answer_node (results);
  g_assert_true (sp_sync_store_apply_results (f->store, batch->batch_id, answer, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.conflicts, ==, 1);
  g_assert_cmpuint (counts.rejected, ==, 1);
  /* The two audit events were not answered: unfrozen, to go again. */
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 2);
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE batch_id IS NOT NULL", NULL), ==, 0);

  conflicts = sp_sync_store_list_conflicts (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = conflicts->pdata[0];
  g_assert_cmpstr (conflict->entity, ==, "patient");
  g_assert_cmpstr (conflict->row_id, ==, p->record.id);
  g_assert_cmpstr (conflict->fields[0], ==, "phone");
  g_assert_null (conflict->fields[1]);
  g_assert_cmpstr (json_object_get_string_member (conflict->mine, "phone"), ==, "01111 111111");
  g_assert_cmpstr (json_object_get_string_member (conflict->theirs, "phone"), ==, "02222 222222");
  g_assert_cmpint (conflict->server_rev, ==, 2);
  g_assert_cmpint (sp_sync_store_count_conflicts (f->store), ==, 1);

  rejected = sp_sync_store_list_rejected (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rejected->len, ==, 1);
  g_assert_cmpstr (((SpRejectedChange *) rejected->pdata[0])->reason, ==, "The field notes is too long.");

  /* The local row keeps my value until the user chooses. */
  {
    g_autoptr(SpPatient) here = sp_store_get_patient (f->store, p->record.id, &error);
    g_assert_cmpstr (here->phone, ==, "01111 111111");
  }

  /* Keep mine: theirs underneath, my phone on top, queued on rev 2. */
  g_assert_true (sp_sync_store_keep_mine (f->store, conflict->id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_sync_store_count_conflicts (f->store), ==, 0);
  {
    g_autoptr(SpPatient) here = sp_store_get_patient (f->store, p->record.id, &error);
    g_autofree char *changed = sp_test_query_text (f->store, "SELECT changed FROM outbox WHERE row_id = ?1 "
                                                   "AND entity = 'patient'", p->record.id);

    g_assert_cmpstr (here->phone, ==, "01111 111111");
    g_assert_cmpint (here->record.rev, ==, 2);
    g_assert_cmpint (sp_test_query_int (f->store, "SELECT base_rev FROM outbox WHERE row_id = ?1 "
                                        "AND entity = 'patient'", p->record.id), ==, 2);
    g_assert_nonnull (strstr (changed, "01111 111111"));
  }

  /* Dismissing the refused change clears it; a wrong number says so. */
  g_assert_true (sp_sync_store_dismiss_rejected (f->store, ((SpRejectedChange *) rejected->pdata[0])->id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_sync_store_count_rejected (f->store), ==, 0);
  g_assert_false (sp_sync_store_dismiss_rejected (f->store, 999, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (sp_sync_store_keep_theirs (f->store, 999, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
}

/* ---- Pages ------------------------------------------------------------------- */

static char *
change_page (const char *entity,
             const char *id,
             gint64      rev,
             gint64      seq,
             const char *data_json,
             gint64      last_seq,
             gboolean    more)
{
  return g_strdup_printf ("{\"changes\": [{\"entity\": \"%s\", \"id\": \"%s\", \"rev\": %" G_GINT64_FORMAT ", "
                          "\"seq\": %" G_GINT64_FORMAT ", \"deleted\": false, \"data\": %s}], "
                          "\"last_seq\": %" G_GINT64_FORMAT ", \"more\": %s}",
                          entity, id, rev, seq, data_json, last_seq, more ? "true" : "false");
}

static void
apply_page_text (SpStore    *store,
                 const char *text,
                 gint64      since)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncPage) page = sp_sync_page_decode (text, strlen (text), since, &error);

  g_assert_no_error (error);
  g_assert_true (sp_sync_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
}

/* A page is applied with its cursor; a row with my change pending is left
 * for the push to decide; a newer server row refreshes an open conflict. */
static void
test_page_apply (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
  g_autofree char *rev3 = patient_json (f->store, p->record.id, 3, "03333 333333");
  g_autofree char *page1 = change_page ("patient", p->record.id, 3, 5, rev3, 5, FALSE);
  g_autofree char *page2 = NULL;
  g_autofree char *rev4 = NULL;

  /* Pending: skipped, but the cursor moves on. */
  apply_page_text (f->store, page1, 0);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 5);
  {
    g_autoptr(SpPatient) here = sp_store_get_patient (f->store, p->record.id, &error);
    g_assert_null (here->phone);
    g_assert_cmpint (here->record.rev, ==, 0);
  }

  /* Nothing pending: written, with the server's rev, and no outbox entry. */
  g_assert_cmpint (sqlite3_exec (sp_store_get_handle (f->store), "DELETE FROM outbox", NULL, NULL, NULL), ==, SQLITE_OK);
  page2 = change_page ("patient", p->record.id, 3, 6, rev3, 7, FALSE);
  apply_page_text (f->store, page2, 5);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 7);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 0);
  {
    g_autoptr(SpPatient) here = sp_store_get_patient (f->store, p->record.id, &error);
    g_assert_cmpstr (here->phone, ==, "03333 333333");
    g_assert_cmpint (here->record.rev, ==, 3);
  }

  /* An older revision never overwrites a newer one. */
  {
    g_autofree char *rev2 = patient_json (f->store, p->record.id, 2, "02222 222222");
    g_autofree char *old = change_page ("patient", p->record.id, 2, 8, rev2, 8, FALSE);
    g_autoptr(SpPatient) here = NULL;

    apply_page_text (f->store, old, 7);
    here = sp_store_get_patient (f->store, p->record.id, &error);
    g_assert_cmpstr (here->phone, ==, "03333 333333");
  }

  /* A tombstone delete-marks. */
  {
    g_autofree char *gone = g_strdup_printf ("{\"changes\": [{\"entity\": \"patient\", \"id\": \"%s\", \"rev\": 9, "
                                             "\"seq\": 9, \"deleted\": true, \"data\": null}], \"last_seq\": 9, "
                                             "\"more\": false}", p->record.id);
    apply_page_text (f->store, gone, 8);
    g_assert_cmpint (sp_test_query_int (f->store, "SELECT deleted FROM patient WHERE id = ?1", p->record.id), ==, 1);
    g_assert_cmpint (sp_test_query_int (f->store, "SELECT rev FROM patient WHERE id = ?1", p->record.id), ==, 9);
  }

  /* With a conflict open, the row is left alone but theirs is refreshed. */
  g_assert_cmpint (sqlite3_exec (sp_store_get_handle (f->store),
                                 "UPDATE patient SET deleted = 0, rev = 3", NULL, NULL, NULL), ==, SQLITE_OK);
  {
    g_autofree char *insert = g_strdup_printf ("INSERT INTO conflict (entity, row_id, fields, mine, theirs, server_rev, "
                                               "detected_at) VALUES ('patient', '%s', '[\"phone\"]', "
                                               "'{\"phone\":\"0mine\"}', '%s', 3, 'now')", p->record.id, rev3);
    g_assert_cmpint (sqlite3_exec (sp_store_get_handle (f->store), insert, NULL, NULL, NULL), ==, SQLITE_OK);
  }
  rev4 = patient_json (f->store, p->record.id, 4, "04444 444444");
  {
    g_autofree char *newer = change_page ("patient", p->record.id, 4, 10, rev4, 10, FALSE);
    g_autoptr(SpConflict) conflict = NULL;
    g_autoptr(SpPatient) here = NULL;

    apply_page_text (f->store, newer, 9);
    here = sp_store_get_patient (f->store, p->record.id, &error);
    g_assert_cmpstr (here->phone, ==, "03333 333333");
    conflict = sp_sync_store_get_conflict (f->store, 1, &error);
    g_assert_no_error (error);
    g_assert_cmpint (conflict->server_rev, ==, 4);
    g_assert_cmpstr (json_object_get_string_member (conflict->theirs, "phone"), ==, "04444 444444");
  }

  /* Keep theirs: the newest server row, written as it is. */
  g_assert_true (sp_sync_store_keep_theirs (f->store, 1, &error));
  g_assert_no_error (error);
  {
    g_autoptr(SpPatient) here = sp_store_get_patient (f->store, p->record.id, &error);
    g_assert_cmpstr (here->phone, ==, "04444 444444");
    g_assert_cmpint (here->record.rev, ==, 4);
    g_assert_cmpint (sp_store_outbox_count (f->store), ==, 0);
  }
}

/* Patient rows of a practice this desk is not granted are never stored. */
static void
test_page_other_practice (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
  g_autofree char *json = patient_json (f->store, p->record.id, 1, NULL);
  g_autofree char *other_id = sp_uuid_new ();
  g_autofree char *other = NULL;
  g_autofree char *page = NULL;
  g_autoptr(GString) s = g_string_new (json);

  g_string_replace (s, p->record.id, other_id, 0);
  g_string_replace (s, SP_TEST_PRACTICE, SP_TEST_OTHER_PRACTICE, 0);
  other = g_string_free (g_steal_pointer (&s), FALSE);
  page = change_page ("patient", other_id, 1, 3, other, 3, FALSE);
  apply_page_text (f->store, page, 0);
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM patient WHERE id = ?1", other_id), ==, 0);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 3);
}

/* The cursor belongs to one server: another id, or a highest seq below
 * the cursor, starts it again from 0; the id is remembered with it. */
static void
test_server_check (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = sp_test_parse_object ("{\"username\": \"lw\", \"role\": \"link_worker\", "
                                                     "\"practices\": [\"A81001\"]}");
  g_autoptr(SpSyncAccount) account = sp_sync_account_from_json (user, NULL);
  g_autofree char *id = NULL;
  gboolean reset = TRUE;

  g_assert_null (sp_sync_store_get_server_id (f->store));
  /* The first server met is remembered; nothing to start again. */
  g_assert_true (sp_sync_store_check_server (f->store, "server-1", 5, &reset, &error));
  g_assert_no_error (error);
  g_assert_false (reset);
  id = sp_sync_store_get_server_id (f->store);
  g_assert_cmpstr (id, ==, "server-1");

  /* The same server, further on: the cursor stays. */
  g_assert_true (sp_store_set_meta (f->store, "sync.cursor", "42", &error));
  g_assert_true (sp_sync_store_check_server (f->store, "server-1", 50, &reset, &error));
  g_assert_false (reset);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 42);
  /* A server that does not say: nothing to judge by. */
  g_assert_true (sp_sync_store_check_server (f->store, NULL, -1, &reset, &error));
  g_assert_false (reset);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 42);

  /* The same server restored from a backup, its end behind the cursor. */
  g_assert_true (sp_sync_store_check_server (f->store, "server-1", 40, &reset, &error));
  g_assert_true (reset);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 0);
  /* Nothing to start again from 0. */
  g_assert_true (sp_sync_store_check_server (f->store, "server-1", 0, &reset, &error));
  g_assert_false (reset);

  /* Another server at the same address (a new database): from 0, and
   * this one is remembered. */
  g_assert_true (sp_store_set_meta (f->store, "sync.cursor", "42", &error));
  g_assert_true (sp_sync_store_check_server (f->store, "server-2", 900, &reset, &error));
  g_assert_true (reset);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 0);
  g_clear_pointer (&id, g_free);
  id = sp_sync_store_get_server_id (f->store);
  g_assert_cmpstr (id, ==, "server-2");

  /* Signing in to another address forgets it with the cursor. */
  g_assert_true (sp_store_set_meta (f->store, "sync.cursor", "42", &error));
  g_assert_true (sp_sync_store_remember_account (f->store, "http://127.0.0.1:1", account, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 0);
  g_assert_null (sp_sync_store_get_server_id (f->store));
}

/* A GP's desk sends only audit events; anything else it holds is kept as
 * refused, not sent, and a batch it was frozen in goes again without it. */
static void
test_hold_back_unsendable (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
  g_autoptr(SpSyncBatch) batch = NULL;
  g_autoptr(SpSyncBatch) next = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };
  SpSyncCounts counts = { 0, };
  guint held = 99;

  /* A link worker sends everything. */
  g_assert_true (sp_sync_store_hold_back_unsendable (f->store, &held, &counts, &error));
  g_assert_cmpuint (held, ==, 0);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 2);

  /* A GP looks the patient up: an audit event, the one thing to send. */
  sp_store_set_actor (f->store, "gp.adeyemi", SP_ROLE_GP, practices);
  g_assert_true (sp_store_audit (f->store, "patient", p->record.id, SP_TEST_PRACTICE, "view", &error));
  g_assert_no_error (error);
  batch = sp_sync_store_next_batch (f->store, 100, 1 << 20, &error);
  g_assert_cmpuint (batch->n_ops, ==, 3);

  g_assert_true (sp_sync_store_hold_back_unsendable (f->store, &held, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (held, ==, 1);
  g_assert_cmpuint (counts.rejected, ==, 1);
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE entity = 'audit_event' "
                                      "AND op = 'create' AND batch_id IS NULL", NULL), ==, 2);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 2);
  refused = sp_sync_store_list_rejected (f->store, &error);
  g_assert_cmpuint (refused->len, ==, 1);
  g_assert_cmpstr (((SpRejectedChange *) refused->pdata[0])->entity, ==, "patient");
  g_assert_nonnull (strstr (((SpRejectedChange *) refused->pdata[0])->reason, "GP account"));

  /* The audit events go in a new batch. */
  next = sp_sync_store_next_batch (f->store, 100, 1 << 20, &error);
  g_assert_false (next->resumed);
  g_assert_cmpuint (next->n_ops, ==, 2);
  g_assert_cmpstr (next->batch_id, !=, batch->batch_id);
}

/* A record whose creation the server refused, removed here since (the
 * duplicate of a patient, merged): its removal is never sent, and the
 * refused creation leaves the list with it. */
static void
test_settle_never_sent (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autofree char *nhs2 = sp_test_nhs_number (1);
  g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
  g_autoptr(SpPatient) q = sp_test_add_patient (f->store, "Quin", "Jones", nhs2, NULL);
  g_autoptr(SpSyncBatch) batch = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GString) results = g_string_new ("[");
  JsonArray *ops;
  SpSyncCounts counts = { 0, };

  /* p's creation refused, everything else applied. */
  batch = sp_sync_store_next_batch (f->store, 100, 1 << 20, &error);
  ops = json_object_get_array_member (json_node_get_object (batch->body), "ops");
  for (guint i = 0; i < json_array_get_length (ops); i++)
    {
      JsonObject *op = json_array_get_object_element (ops, i);

      if (g_strcmp0 (json_object_get_string_member (op, "id"), p->record.id) == 0)
        g_string_append_printf (results, "%s{\"op_id\": \"%s\", \"status\": \"rejected\", \"code\": \"duplicate\", "
                                "\"reason\": \"Merge the two records on one desk.\"}", i ? ", " : "",
                                json_object_get_string_member (op, "op_id"));
      else
        g_string_append_printf (results, "%s{\"op_id\": \"%s\", \"status\": \"applied\", \"rev\": 1, \"seq\": %u}",
                                i ? ", " : "", json_object_get_string_member (op, "op_id"), 10 + i);
    }
  g_string_append (results, "]");
  answer = answer_node (results->str);
  g_assert_true (sp_sync_store_apply_results (f->store, batch->batch_id, answer, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_sync_store_count_rejected (f->store), ==, 1);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 0);

  /* Both removed here: p was never on the server, q was. */
  g_assert_true (sp_store_remove (f->store, &sp_entity_patient, p->record.id, &error));
  g_assert_true (sp_store_remove (f->store, &sp_entity_patient, q->record.id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 4);

  g_assert_true (sp_sync_store_settle_never_sent (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE row_id = ?1", p->record.id), ==, 0);
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE row_id = ?1", q->record.id), ==, 1);
  g_assert_cmpint (sp_test_query_int (f->store, "SELECT count(*) FROM outbox WHERE entity = 'audit_event'", NULL),
                   ==, 2);
  g_assert_cmpint (sp_sync_store_count_rejected (f->store), ==, 0);
}

/* ---- The account and the token ------------------------------------------------ */

static void
test_account_remembered (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = sp_test_parse_object ("{\"username\": \"gp.adeyemi\", \"display_name\": \"Dr Adeyemi\", "
                                                     "\"role\": \"gp\", \"practices\": [\"A81001\", \"B82002\"]}");
  g_autoptr(SpSyncAccount) account = sp_sync_account_from_json (user, &error);
  g_autoptr(SpSyncAccount) back = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (account->roles, ==, SP_ROLE_GP);
  g_assert_true (sp_store_set_meta (f->store, "sync.cursor", "42", &error));
  g_assert_true (sp_sync_store_remember_account (f->store, "http://127.0.0.1:1", account, NULL, &error));
  g_assert_no_error (error);
  /* Another server: everything from the start again. */
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 0);
  g_assert_cmpstr (sp_store_get_user (f->store), ==, "gp.adeyemi");
  g_assert_cmpint (sp_store_get_roles (f->store), ==, SP_ROLE_GP);
  g_assert_cmpstr (sp_store_get_practices (f->store)[1], ==, "B82002");

  sp_test_store_reopen (f);
  g_assert_cmpstr (sp_store_get_user (f->store), !=, "gp.adeyemi");
  g_assert_true (sp_sync_store_restore_actor (f->store));
  g_assert_cmpstr (sp_store_get_user (f->store), ==, "gp.adeyemi");
  g_assert_cmpint (sp_store_get_roles (f->store), ==, SP_ROLE_GP);
  back = sp_sync_store_get_account (f->store);
  g_assert_cmpstr (back->display_name, ==, "Dr Adeyemi");

  /* The same account again keeps the cursor; a new grant starts from 0. */
  g_assert_true (sp_store_set_meta (f->store, "sync.cursor", "42", &error));
  g_assert_true (sp_sync_store_remember_account (f->store, "http://127.0.0.1:1", account, NULL, &error));
  g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 42);
  {
    g_autoptr(JsonObject) granted = sp_test_parse_object ("{\"username\": \"gp.adeyemi\", \"role\": \"gp\", "
                                                          "\"practices\": [\"A81001\", \"B82002\", \"C83003\"]}");
    g_autoptr(SpSyncAccount) wider = sp_sync_account_from_json (granted, &error);

    g_assert_true (sp_sync_store_remember_account (f->store, "http://127.0.0.1:1", wider, NULL, &error));
    g_assert_cmpint (sp_sync_store_get_cursor (f->store), ==, 0);
  }

  {
    g_autoptr(JsonObject) bad = sp_test_parse_object ("{\"username\": \"x\", \"role\": \"pilot\", \"practices\": []}");
    g_autoptr(SpSyncAccount) none = sp_sync_account_from_json (bad, &error);
    g_assert_null (none);
    g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  }
}

static void
test_token_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = sp_sync_token_file_path ();
  g_autofree char *token = NULL;
  SpTokenPlace place = SP_TOKEN_PLACE_KEYRING;
  GStatBuf st;

  g_setenv ("SIGNPOST_TOKEN_STORE", "file", TRUE);
  g_assert_false (sp_sync_keyring_available ());
  g_assert_null (sp_sync_token_load ("http://[::1]:8080", "lw.okafor", &error));
  g_assert_no_error (error);

  g_assert_true (sp_sync_token_save ("http://[::1]:8080", "lw.okafor", "s3cret-token", &place, &error));
  g_assert_no_error (error);
  g_assert_cmpint (place, ==, SP_TOKEN_PLACE_FILE);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (sp_sync_token_save ("http://[::1]:8080", "other", "another", NULL, &error));

  token = sp_sync_token_load ("http://[::1]:8080", "lw.okafor", &error);
  g_assert_cmpstr (token, ==, "s3cret-token");
  g_clear_pointer (&token, g_free);

  g_assert_true (sp_sync_token_clear ("http://[::1]:8080", "lw.okafor", &error));
  g_assert_null (sp_sync_token_load ("http://[::1]:8080", "lw.okafor", &error));
  token = sp_sync_token_load ("http://[::1]:8080", "other", &error);
  g_assert_cmpstr (token, ==, "another");
}

static void
test_url_normalize (void)
{
  const char *bad[] = { "", "signpost", "ftp://x", "http://", "https://host/?q=1", "https://host/#top",
                        "http://signpost.example.nhs.uk", "http://192.168.1.5:8080" };
  const char *local[] = { "http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080" };
  g_autofree char *good = sp_sync_server_url_normalize (" https://signpost.example.nhs.uk/base// ", NULL);

  g_assert_cmpstr (good, ==, "https://signpost.example.nhs.uk/base");
  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = sp_sync_server_url_normalize (local[i], &error);

      g_assert_no_error (error);
      g_assert_false (g_str_has_suffix (url, "/"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = sp_sync_server_url_normalize (bad[i], &error);

      g_assert_null (url);
      g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_ADDRESS);
    }
}

/* ---- Running the client -------------------------------------------------------- */

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

static gboolean
sync_now (SpSyncClient  *client,
          GCancellable  *cancellable,
          SpSyncCounts  *counts,
          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sp_sync_client_sync_async (client, cancellable, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return sp_sync_client_sync_finish (client, result, counts, error);
}

/* With no server at the address: a plain "could not be reached", offline,
 * and every change still waiting. */
static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SpSyncClient) client = sp_sync_client_new (f->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = sp_test_parse_object ("{\"username\": \"lw\", \"role\": \"link_worker\", "
                                                     "\"practices\": [\"A81001\"]}");
  g_autoptr(SpSyncAccount) account = sp_sync_account_from_json (user, NULL);
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autoptr(SpPatient) p = sp_test_add_patient (f->store, "Pat", "Smith", nhs, NULL);
  SpSyncCounts counts;
  gint64 start;

  /* Not signed in yet. */
  g_assert_false (sync_now (client, NULL, &counts, &error));
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_NOT_SIGNED_IN);
  g_clear_error (&error);

  /* Port 9 on loopback: nothing listens there. */
  g_assert_true (sp_sync_store_remember_account (f->store, "http://127.0.0.1:9", account, NULL, &error));
  sp_sync_client_set_token (client, "not-a-real-token");
  sp_sync_client_set_retry_policy (client, 3, 5, 20);
  start = g_get_monotonic_time ();
  g_assert_false (sync_now (client, NULL, &counts, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, "could not be reached"));
  g_assert_cmpint (sp_sync_client_get_state (client), ==, SP_SYNC_STATE_OFFLINE);
  g_assert_cmpstr (sp_sync_client_get_last_error (client), ==, error->message);
  g_assert_cmpint (sp_sync_client_get_pending_changes (client), ==, 2);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 2);
  /* Two retries after the first try: at least 4 ms + 8 ms of backoff. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 8 * 1000);
}

#ifdef SIGNPOST_SERVER

/* ---- Real HTTP: desks and a server ------------------------------------------------ */

#define PASSWORD     "correct horse battery staple"
#define PRACTICE_A   "A81001"
#define PRACTICE_B   "B82002"

typedef struct
{
  char         *name;
  char         *path;
  SpStore      *store;
  SpSyncClient *client;
} Desk;

typedef struct
{
  char            *dir;
  SpServerFixture *server;
  Desk            *a1;
  Desk            *a2;
  Desk            *b1;
} Net;

static void
desk_free (Desk *desk)
{
  if (desk == NULL)
    return;
  g_clear_object (&desk->client);
  if (desk->store != NULL)
    g_assert_finalize_object (desk->store);
  g_free (desk->name);
  g_free (desk->path);
  g_free (desk);
}

static SpSyncAccount *
sign_in (Desk        *desk,
         const char  *server_url,
         const char  *username,
         const char  *password,
         char       **token,
         GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sp_sync_client_sign_in_async (desk->client, server_url, username, password, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return sp_sync_client_sign_in_finish (desk->client, result, token, error);
}

/* A fresh desk (its own database file, @file) signed in as @username. */
static Desk *
desk_open (Net        *net,
           const char *username,
           const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  Desk *desk = g_new0 (Desk, 1);

  desk->name = g_strdup (username);
  desk->path = g_build_filename (net->dir, file, NULL);
  desk->store = sp_test_open (desk->path);
  desk->client = sp_sync_client_new (desk->store);
  /* Quick retries: a dead server is found out in milliseconds. */
  sp_sync_client_set_retry_policy (desk->client, 3, 10, 40);
  account = sign_in (desk, sp_server_fixture_get_url (net->server), username, PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  return desk;
}

static Desk *
desk_new (Net        *net,
          const char *username)
{
  g_autofree char *file = g_strdup_printf ("%s.db", username);

  return desk_open (net, username, file);
}

static void
desk_sync (Desk         *desk,
           SpSyncCounts *counts)
{
  g_autoptr(GError) error = NULL;
  SpSyncCounts local;

  g_assert_true (sync_now (desk->client, NULL, counts ? counts : &local, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_sync_client_get_state (desk->client), ==, SP_SYNC_STATE_IDLE);
  g_assert_null (sp_sync_client_get_last_error (desk->client));
}

static void
net_setup (Net           *net,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  net->dir = sp_test_make_dir ();
  net->server = sp_server_fixture_new (SIGNPOST_SERVER, &error);
  g_assert_no_error (error);
  sp_server_fixture_add_practice (net->server, PRACTICE_A, "Riverside Surgery");
  sp_server_fixture_add_practice (net->server, PRACTICE_B, "Hill Top Practice");
  sp_server_fixture_add_user (net->server, "lw.a1", "link-worker", PASSWORD, PRACTICE_A);
  sp_server_fixture_add_user (net->server, "lw.a2", "link-worker", PASSWORD, PRACTICE_A);
  sp_server_fixture_add_user (net->server, "lw.b1", "link-worker", PASSWORD, PRACTICE_B);
  net->a1 = desk_new (net, "lw.a1");
  net->a2 = desk_new (net, "lw.a2");
  net->b1 = desk_new (net, "lw.b1");
}

static void
net_teardown (Net           *net,
              gconstpointer  data)
{
  desk_free (net->a1);
  desk_free (net->a2);
  desk_free (net->b1);
  g_clear_pointer (&net->server, sp_server_fixture_free);
  sp_test_remove_tree (net->dir);
  g_free (net->dir);
}

static SpPatient *
add_patient (Desk       *desk,
             guint       n,
             const char *given_name)
{
  g_autofree char *nhs = sp_test_nhs_number (n);

  return sp_test_add_patient (desk->store, given_name, "Okonkwo", nhs, "low");
}

static SpPatient *
get_patient (Desk       *desk,
             const char *id)
{
  g_autoptr(GError) error = NULL;
  SpPatient *patient = sp_store_get_patient (desk->store, id, &error);

  g_assert_no_error (error);
  return patient;
}

static gboolean
has_row (Desk       *desk,
         const char *table,
         const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE id = ?1", table);

  return sp_test_query_int (desk->store, sql, id) == 1;
}

static void
edit_patient (Desk       *desk,
              const char *id,
              const char *phone,
              const char *email)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) patient = get_patient (desk, id);

  if (phone != NULL)
    {
      g_free (patient->phone);
      patient->phone = g_strdup (phone);
    }
  if (email != NULL)
    {
      g_free (patient->email);
      patient->email = g_strdup (email);
    }
  g_assert_true (sp_store_update_patient (desk->store, patient, &error));
  g_assert_no_error (error);
}

/* A patient added on A1 reaches A2 and never B1; B1's patient never
 * reaches A. */
static void
test_net_tenancy (Net           *net,
                  gconstpointer  data)
{
  g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  g_autoptr(SpPatient) q = add_patient (net->b1, 1, "Bryn");
  g_autoptr(SpPatient) there = NULL;
  SpSyncCounts counts;

  g_assert_cmpint (sp_sync_client_get_pending_changes (net->a1->client), ==, 0);
  sp_sync_client_refresh (net->a1->client);
  g_assert_cmpint (sp_sync_client_get_pending_changes (net->a1->client), ==, 2);

  desk_sync (net->a1, &counts);
  g_assert_cmpuint (counts.pushed, ==, 2);
  g_assert_cmpint (sp_sync_client_get_pending_changes (net->a1->client), ==, 0);
  g_assert_nonnull (sp_sync_client_get_last_synced (net->a1->client));
  g_assert_cmpint (sp_test_query_int (net->a1->store, "SELECT rev FROM patient WHERE id = ?1", p->record.id), ==, 1);
  desk_sync (net->b1, NULL);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.pulled, >=, 2);

  there = get_patient (net->a2, p->record.id);
  g_assert_cmpstr (there->given_name, ==, "Adaeze");
  g_assert_cmpstr (there->record.practice, ==, PRACTICE_A);
  g_assert_cmpint (there->record.rev, ==, 1);
  g_assert_false (has_row (net->a2, "patient", q->record.id));
  g_assert_false (has_row (net->b1, "patient", p->record.id));
  g_assert_cmpint (sp_test_count_rows (net->b1->store, "audit_event"), ==, 1);

  /* And again, nothing new either way. */
  desk_sync (net->a1, &counts);
  g_assert_cmpuint (counts.pushed, ==, 0);
  g_assert_false (has_row (net->a1, "patient", q->record.id));
}

/* Edits to different fields on two desks merge; no conflict. */
static void
test_net_merge (Net           *net,
                gconstpointer  data)
{
  g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  g_autoptr(SpPatient) on_a1 = NULL;
  g_autoptr(SpPatient) on_a2 = NULL;

  desk_sync (net->a1, NULL);
  desk_sync (net->a2, NULL);

  edit_patient (net->a1, p->record.id, "01632 960001", NULL);
  edit_patient (net->a2, p->record.id, NULL, "adaeze@example.org");
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, NULL);
  desk_sync (net->a1, NULL);

  on_a1 = get_patient (net->a1, p->record.id);
  on_a2 = get_patient (net->a2, p->record.id);
  g_assert_cmpstr (on_a1->phone, ==, "01632 960001");
  g_assert_cmpstr (on_a1->email, ==, "adaeze@example.org");
  g_assert_cmpstr (on_a2->phone, ==, "01632 960001");
  g_assert_cmpstr (on_a2->email, ==, "adaeze@example.org");
  g_assert_cmpint (on_a1->record.rev, ==, on_a2->record.rev);
  g_assert_cmpint (on_a1->record.rev, ==, 3);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a1->client), ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 0);
}

static gint64
only_conflict (Desk *desk)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = sp_sync_store_list_conflicts (desk->store, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  return ((SpConflict *) conflicts->pdata[0])->id;
}

/* The same field on two desks: a conflict kept on the second desk, listed,
 * and resolved keep-mine, then keep-theirs, with the right values on every
 * desk afterwards. Nothing is overwritten silently. */
static void
test_net_conflict (Net           *net,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  g_autoptr(SpConflict) conflict = NULL;
  SpSyncCounts counts;
  gint64 id;

  desk_sync (net->a1, NULL);
  desk_sync (net->a2, NULL);

  /* Round 1: both change the phone; A2 keeps its own. */
  edit_patient (net->a1, p->record.id, "01632 960001", NULL);
  edit_patient (net->a2, p->record.id, "01632 960002", "adaeze@example.org");
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.conflicts, ==, 1);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 1);
  id = only_conflict (net->a2);
  conflict = sp_sync_store_get_conflict (net->a2->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (conflict->fields[0], ==, "phone");
  g_assert_cmpstr (json_object_get_string_member (conflict->mine, "phone"), ==, "01632 960002");
  g_assert_cmpstr (json_object_get_string_member (conflict->theirs, "phone"), ==, "01632 960001");
  {
    /* Until resolved, A2 shows its own value, and a pull leaves it alone. */
    g_autoptr(SpPatient) here = get_patient (net->a2, p->record.id);
    g_assert_cmpstr (here->phone, ==, "01632 960002");
  }
  desk_sync (net->a2, NULL);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 1);

  g_assert_true (sp_sync_store_keep_mine (net->a2->store, id, &error));
  g_assert_no_error (error);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.pushed, >=, 1);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 0);
  desk_sync (net->a1, NULL);
  {
    g_autoptr(SpPatient) on_a1 = get_patient (net->a1, p->record.id);
    g_autoptr(SpPatient) on_a2 = get_patient (net->a2, p->record.id);

    g_assert_cmpstr (on_a1->phone, ==, "01632 960002");
    g_assert_cmpstr (on_a2->phone, ==, "01632 960002");
    g_assert_cmpstr (on_a1->email, ==, "adaeze@example.org");
    g_assert_cmpstr (on_a2->email, ==, "adaeze@example.org");
    g_assert_cmpint (on_a1->record.rev, ==, on_a2->record.rev);
  }

  /* Round 2: both change it again; A2 takes the server's. */
  edit_patient (net->a1, p->record.id, "01632 960003", NULL);
  edit_patient (net->a2, p->record.id, "01632 960004", NULL);
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.conflicts, ==, 1);
  id = only_conflict (net->a2);
  g_assert_true (sp_sync_store_keep_theirs (net->a2->store, id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_store_outbox_count (net->a2->store), ==, 0);
  desk_sync (net->a2, NULL);
  desk_sync (net->a1, NULL);
  {
    g_autoptr(SpPatient) on_a1 = get_patient (net->a1, p->record.id);
    g_autoptr(SpPatient) on_a2 = get_patient (net->a2, p->record.id);

    g_assert_cmpstr (on_a1->phone, ==, "01632 960003");
    g_assert_cmpstr (on_a2->phone, ==, "01632 960003");
    g_assert_cmpint (on_a1->record.rev, ==, on_a2->record.rev);
  }
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 0);

  /* Round 3: both again; A2 puts the record together by hand. */
  edit_patient (net->a1, p->record.id, "01632 960005", NULL);
  edit_patient (net->a2, p->record.id, "01632 960006", NULL);
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.conflicts, ==, 1);
  id = only_conflict (net->a2);
  {
    g_autoptr(SpConflict) again = sp_sync_store_get_conflict (net->a2->store, id, &error);
    g_autoptr(SpPatient) merged = sp_record_from_json (&sp_entity_patient, again->theirs, FALSE, &error);

    g_assert_no_error (error);
    g_free (merged->phone);
    merged->phone = g_strdup ("01632 960007");
    g_assert_true (sp_sync_store_resolve_edit (net->a2->store, id, merged, &error));
    g_assert_no_error (error);
  }
  desk_sync (net->a2, NULL);
  desk_sync (net->a1, NULL);
  {
    g_autoptr(SpPatient) on_a1 = get_patient (net->a1, p->record.id);
    g_autoptr(SpPatient) on_a2 = get_patient (net->a2, p->record.id);

    g_assert_cmpstr (on_a1->phone, ==, "01632 960007");
    g_assert_cmpstr (on_a2->phone, ==, "01632 960007");
    g_assert_cmpstr (on_a1->email, ==, "adaeze@example.org");
    g_assert_cmpint (on_a1->record.rev, ==, on_a2->record.rev);
  }
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 0);
}

/* `signpost-cli conflicts list` on a desk's database. */
static char *
cli_conflicts_list (Desk *desk)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { SIGNPOST_CLI, "--db", desk->path, "conflicts", "list", NULL };
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* The same person recorded offline on two desks (two ids, one NHS number):
 * the server takes the first and refuses the second as a duplicate, naming
 * the first; the second desk cannot hold the first's row beside its own,
 * so that is kept as a conflict with the reason. Both read plainly in
 * `signpost-cli conflicts list`. Removing the duplicate here settles both,
 * with nothing sent for a record the server never had. */
static void
test_net_duplicate (Net           *net,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) first = add_patient (net->a1, 3, "Adaeze");
  g_autoptr(SpPatient) second = add_patient (net->a2, 3, "Ada");
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *refused_line = NULL;
  SpConflict *conflict;
  SpSyncCounts counts;
  gint64 cursor;

  desk_sync (net->a1, NULL);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.rejected, ==, 1);
  g_assert_cmpuint (counts.conflicts, ==, 1);
  g_assert_cmpuint (counts.pushed, ==, 1);  /* its audit event */

  refused = sp_sync_store_list_rejected (net->a2->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 1);
  g_assert_cmpstr (((SpRejectedChange *) refused->pdata[0])->row_id, ==, second->record.id);
  expected = g_strdup_printf ("A patient with this NHS number is already recorded in this practice (record %s). "
                              "Merge the two records on one desk.", first->record.id);
  g_assert_cmpstr (((SpRejectedChange *) refused->pdata[0])->reason, ==, expected);

  conflicts = sp_sync_store_list_conflicts (net->a2->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, 1);
  conflict = conflicts->pdata[0];
  g_assert_cmpstr (conflict->row_id, ==, first->record.id);
  g_assert_nonnull (strstr (conflict->reason, "same NHS number"));
  g_assert_false (has_row (net->a2, "patient", first->record.id));

  /* As the link worker reads them. */
  listing = cli_conflicts_list (net->a2);
  g_test_message ("%s", listing);
  refused_line = g_strdup_printf ("Refused change %" G_GINT64_FORMAT ": new patient Ada Okonkwo (",
                                  ((SpRejectedChange *) refused->pdata[0])->id);
  g_assert_nonnull (strstr (listing, refused_line));
  g_assert_nonnull (strstr (listing, expected));
  g_assert_nonnull (strstr (listing, "has the same NHS number as Adaeze Okonkwo from the server"));

  /* The sync goes on past it. */
  cursor = sp_sync_store_get_cursor (net->a2->store);
  desk_sync (net->a2, NULL);
  g_assert_cmpint (sp_sync_store_get_cursor (net->a2->store), >=, cursor);

  /* Taking theirs while the duplicate is here says why it cannot. */
  g_assert_false (sp_sync_store_keep_theirs (net->a2->store, conflict->id, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_CONSTRAINT);
  g_clear_error (&error);

  /* Merged: the duplicate removed here, the server's record kept. */
  g_assert_true (sp_store_remove (net->a2->store, &sp_entity_patient, second->record.id, &error));
  g_assert_no_error (error);
  g_assert_true (sp_sync_store_keep_theirs (net->a2->store, conflict->id, &error));
  g_assert_no_error (error);
  g_assert_true (has_row (net->a2, "patient", first->record.id));
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.rejected, ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_rejected (net->a2->client), ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (net->a2->store), ==, 0);
  desk_sync (net->a1, NULL);
  g_assert_cmpint (sp_test_query_int (net->a1->store, "SELECT count(*) FROM patient WHERE deleted = 0", NULL), ==, 1);
  g_assert_cmpint (sp_test_query_int (net->a2->store, "SELECT count(*) FROM patient WHERE deleted = 0", NULL), ==, 1);
  g_assert_false (has_row (net->a1, "patient", second->record.id));
  g_clear_pointer (&listing, g_free);
  listing = cli_conflicts_list (net->a2);
  g_assert_nonnull (strstr (listing, "No conflicts and no refused changes."));
}

/* Payments made offline on two desks both arrive; a ledger never conflicts. */
static void
test_net_payments (Net           *net,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) p = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpPayment) pay1 = sp_payment_new ();
  g_autoptr(SpPayment) pay2 = sp_payment_new ();
  g_autoptr(GPtrArray) on_a1 = NULL;
  g_autoptr(GPtrArray) on_a2 = NULL;
  Desk *admin;

  /* The catalogue comes from an admin's desk. */
  sp_server_fixture_add_user (net->server, "admin.cat", "admin", PASSWORD, NULL);
  admin = desk_new (net, "admin.cat");
  {
    g_autoptr(SpProvider) provider = sp_test_add_provider (admin->store, "Hollinsford Leisure");
    g_autoptr(SpOffering) offering = sp_test_add_offering (admin->store, provider->record.id, "Gentle yoga",
                                                           800, 8, NULL, NULL);
    desk_sync (admin, NULL);
    desk_sync (net->a1, NULL);
    desk_sync (net->a2, NULL);
    g_assert_true (has_row (net->a2, "offering", offering->record.id));

    p = add_patient (net->a1, 0, "Adaeze");
    referral = sp_store_refer (net->a1->store, p->record.id, offering->record.id, NULL, "Back pain and low mood",
                               NULL, FALSE, &error);
    g_assert_no_error (error);
  }
  desk_free (admin);
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, NULL);
  g_assert_true (has_row (net->a2, "referral", referral->record.id));

  pay1->referral_id = g_strdup (referral->record.id);
  pay1->payer = g_strdup ("patient");
  pay1->amount_pence = 400;
  pay1->method = g_strdup ("cash");
  g_assert_true (sp_store_add_payment (net->a1->store, pay1, &error));
  g_assert_no_error (error);
  pay2->referral_id = g_strdup (referral->record.id);
  pay2->payer = g_strdup ("patient");
  pay2->amount_pence = 250;
  pay2->method = g_strdup ("card");
  g_assert_true (sp_store_add_payment (net->a2->store, pay2, &error));
  g_assert_no_error (error);

  desk_sync (net->a1, NULL);
  desk_sync (net->a2, NULL);
  desk_sync (net->a1, NULL);

  on_a1 = sp_store_list_payments (net->a1->store, referral->record.id, &error);
  on_a2 = sp_store_list_payments (net->a2->store, referral->record.id, &error);
  g_assert_cmpuint (on_a1->len, ==, 2);
  g_assert_cmpuint (on_a2->len, ==, 2);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a1->client), ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_conflicts (net->a2->client), ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_rejected (net->a1->client), ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_rejected (net->a2->client), ==, 0);
}

static void
put_batch_by_hand (Net         *net,
                   const char  *token,
                   SpSyncBatch *batch,
                   guint       *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strdup_printf ("%s/v1/batches/%s", sp_server_fixture_get_url (net->server),
                                          batch->batch_id);
  g_autoptr(SoupMessage) msg = soup_message_new ("PUT", uri);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autofree char *body = json_to_string (batch->body, FALSE);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
}

/* A batch whose answer was lost is sent again under the same id and
 * applied once. */
static void
test_net_retried_batch (Net           *net,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  g_autoptr(SpSyncBatch) batch = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autoptr(SpPatient) there = NULL;
  g_autofree char *token = NULL;
  SpSyncCounts counts;
  guint status = 0;

  account = sign_in (net->a1, sp_server_fixture_get_url (net->server), "lw.a1", PASSWORD, &token, &error);
  g_assert_no_error (error);

  /* Frozen and sent; the answer never reaches the desk. */
  batch = sp_sync_store_next_batch (net->a1->store, 100, 1 << 20, &error);
  g_assert_no_error (error);
  put_batch_by_hand (net, token, batch, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (sp_store_outbox_count (net->a1->store), ==, 2);

  /* The next sync resends the same batch: answered from the record. */
  desk_sync (net->a1, &counts);
  g_assert_cmpuint (counts.pushed, ==, 2);
  g_assert_cmpint (sp_store_outbox_count (net->a1->store), ==, 0);

  desk_sync (net->a2, NULL);
  there = get_patient (net->a2, p->record.id);
  g_assert_cmpint (there->record.rev, ==, 1);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 1);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "audit_event"), ==, 1);
}

typedef struct
{
  SpServerFixture *server;
  SpSyncStage      stage;
  guint            n;
  GCancellable    *cancellable;
  gboolean         fired;
} Stopper;

static void
stop_at (SpSyncStage  stage,
         guint        n,
         gpointer     user_data)
{
  Stopper *stopper = user_data;

  if (stopper->fired || stage != stopper->stage || n != stopper->n)
    return;
  stopper->fired = TRUE;
  if (stopper->cancellable != NULL)
    g_cancellable_cancel (stopper->cancellable);
  else
    sp_server_fixture_kill (stopper->server);
}

/* The server dies between push and pull: a plain error, nothing lost, and
 * the next sync after it comes back completes. */
static void
test_net_killed_mid_sync (Net           *net,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Stopper stopper = { net->server, SP_SYNC_STAGE_PUSHED, 0, NULL, FALSE };
  g_autoptr(GPtrArray) patients = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
  SpSyncCounts counts;

  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (patients, add_patient (net->a1, i, "Adaeze"));
  stopper.n = 6;
  sp_sync_client_set_test_hook (net->a1->client, stop_at, &stopper);
  g_assert_false (sync_now (net->a1->client, NULL, &counts, &error));
  g_assert_true (stopper.fired);
  g_test_message ("%s", error->message);
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_INTERRUPTED);
  g_assert_cmpstr (error->message, ==, "The server stopped answering in the middle of the sync; nothing was lost — "
                   "the changes not yet sent will be sent next time.");
  g_assert_cmpint (sp_sync_client_get_state (net->a1->client), ==, SP_SYNC_STATE_OFFLINE);
  g_assert_cmpuint (counts.pushed, ==, 6);
  g_assert_cmpint (sp_store_outbox_count (net->a1->store), ==, 0);
  g_clear_error (&error);

  /* Dead before anything is sent: unreachable, the outbox untouched. */
  {
    g_autoptr(SpPatient) late = add_patient (net->a1, 5, "Late");
    g_assert_false (sync_now (net->a1->client, NULL, &counts, &error));
    g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_UNREACHABLE);
    g_assert_cmpint (sp_store_outbox_count (net->a1->store), ==, 2);
    g_clear_error (&error);
  }

  sp_sync_client_set_test_hook (net->a1->client, NULL, NULL);
  sp_server_fixture_restart (net->server);
  desk_sync (net->a1, &counts);
  g_assert_cmpuint (counts.pushed, ==, 2);
  desk_sync (net->a2, NULL);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 4);
  for (guint i = 0; i < patients->len; i++)
    g_assert_true (has_row (net->a2, "patient", ((SpPatient *) patients->pdata[i])->record.id));
}

/* Every change the server lists up to the desk's cursor is on the desk. */
static void
assert_cursor_behind_data (Net  *net,
                           Desk *desk)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(SpSyncPage) page = NULL;
  gint64 cursor = sp_sync_store_get_cursor (desk->store);
  guint checked = 0;

  /* A separate desk's session: the same account, its own token. */
  {
    g_autofree char *dir = g_build_filename (net->dir, "probe.db", NULL);
    Desk probe = { NULL, NULL, sp_test_open (dir), NULL };

    probe.client = sp_sync_client_new (probe.store);
    account = sign_in (&probe, sp_server_fixture_get_url (net->server), desk->name, PASSWORD, &token, &error);
    g_assert_no_error (error);
    g_clear_object (&probe.client);
    g_assert_finalize_object (probe.store);
  }
  uri = g_strdup_printf ("%s/v1/changes?since=0&limit=1000", sp_server_fixture_get_url (net->server));
  msg = soup_message_new ("GET", uri);
  bearer = g_strconcat ("Bearer ", token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  page = sp_sync_page_decode (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), 0, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < page->changes->len; i++)
    {
      SpSyncChange *change = page->changes->pdata[i];
      g_autofree char *sql = NULL;

      if (change->seq > cursor)
        break;
      sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE id = ?1", change->info->table);
      g_assert_cmpint (sp_test_query_int (desk->store, sql, change->id), ==, 1);
      checked++;
    }
  g_test_message ("cursor %" G_GINT64_FORMAT ": %u changes up to it, all present", cursor, checked);
  g_assert_cmpuint (checked, >, 0);
}

/* The server dies part-way through a pull of many pages: the cursor points
 * at data that is all there, and the next sync picks up from it. */
static void
test_net_cursor (Net           *net,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) patients = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
  Stopper stopper = { net->server, SP_SYNC_STAGE_PAGE_DONE, 3, NULL, FALSE };
  SpSyncCounts counts;

  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (patients, add_patient (net->a1, i, "Many"));
  desk_sync (net->a1, NULL);

  /* The pages are what is tested: no snapshot. */
  sp_sync_client_set_use_snapshots (net->a2->client, FALSE);
  sp_sync_client_set_page_size (net->a2->client, 5);
  sp_sync_client_set_test_hook (net->a2->client, stop_at, &stopper);
  g_assert_false (sync_now (net->a2->client, NULL, &counts, &error));
  g_assert_true (stopper.fired);
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_INTERRUPTED);
  /* The pages the fetcher had already fetched ahead (two at most) when
   * the server died are written all the same. */
  g_assert_cmpuint (counts.pages, >=, 3);
  g_assert_cmpuint (counts.pages, <=, 3 + 2);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), <, 20);

  sp_sync_client_set_test_hook (net->a2->client, NULL, NULL);
  sp_server_fixture_restart (net->server);
  assert_cursor_behind_data (net, net->a2);

  desk_sync (net->a2, NULL);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 20);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "audit_event"), ==, 20);
  assert_cursor_behind_data (net, net->a2);
}

/* A cancelled sync stops at once and leaves the store consistent. */
static void
test_net_cancel (Net           *net,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) patients = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
  Stopper stopper = { net->server, SP_SYNC_STAGE_PAGE_DONE, 2, cancellable, FALSE };
  SpSyncCounts counts;

  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (patients, add_patient (net->a1, i, "Many"));
  desk_sync (net->a1, NULL);

  {
    g_autoptr(SpPatient) mine = add_patient (net->a2, 30, "Mine");
    sp_sync_client_set_page_size (net->a2->client, 5);
    sp_sync_client_set_test_hook (net->a2->client, stop_at, &stopper);
    g_assert_false (sync_now (net->a2->client, cancellable, &counts, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint (sp_sync_client_get_state (net->a2->client), ==, SP_SYNC_STATE_IDLE);
    g_assert_cmpuint (counts.pages, ==, 2);
    g_assert_cmpint (sp_store_outbox_count (net->a2->store), ==, 0);
    assert_cursor_behind_data (net, net->a2);

    sp_sync_client_set_test_hook (net->a2->client, NULL, NULL);
    desk_sync (net->a2, NULL);
    g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 21);
    desk_sync (net->a1, NULL);
    g_assert_true (has_row (net->a1, "patient", mine->record.id));
  }
}

/* A GP's desk changes nothing on the server, but the record of what the GP
 * looked at reaches it, under the GP's own name, for the practice to see.
 * A change written around the core's refusal is not sent: it is kept as
 * refused, in plain words, and the records still come down. */
static void
test_net_gp (Net           *net,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  g_autoptr(SpPatient) q = NULL;
  g_autofree char *gwen_nhs = sp_test_nhs_number (7);
  g_autofree char *view_sql = NULL;
  Desk *gp;
  SpSyncCounts counts;
  const char * const practices[] = { PRACTICE_A, NULL };

  desk_sync (net->a1, NULL);
  sp_server_fixture_add_user (net->server, "gp.a", "gp", PASSWORD, PRACTICE_A);
  gp = desk_new (net, "gp.a");
  g_assert_cmpint (sp_store_get_roles (gp->store), ==, SP_ROLE_GP);
  desk_sync (gp, NULL);
  g_assert_true (has_row (gp, "patient", p->record.id));

  /* The GP opens the patient's record: that is audited. */
  g_assert_true (sp_store_audit (gp->store, "patient", p->record.id, PRACTICE_A, "view", &error));
  g_assert_no_error (error);

  /* The desk says no to a change before the server is asked... */
  q = sp_test_patient_new ("Gwen", "Price", gwen_nhs);
  g_assert_false (sp_store_add_patient (gp->store, q, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);
  /* ...and one written around that is not sent at all. */
  sp_store_set_actor (gp->store, "gp.a", SP_ROLE_LINK_WORKER, practices);
  g_assert_true (sp_store_add_patient (gp->store, q, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_store_outbox_count (gp->store), ==, 3);

  g_assert_false (sync_now (gp->client, NULL, &counts, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_FORBIDDEN);
  g_assert_nonnull (strstr (error->message, "GP"));
  /* The two audit events (the view, and the creation made here) went. */
  g_assert_cmpuint (counts.pushed, ==, 2);
  g_assert_cmpuint (counts.rejected, ==, 1);
  g_assert_cmpint (sp_store_outbox_count (gp->store), ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_rejected (gp->client), ==, 1);
  g_assert_cmpint (sp_sync_client_get_state (gp->client), ==, SP_SYNC_STATE_ERROR);
  g_clear_error (&error);

  /* The practice's link workers see who looked, and no made-up patient;
   * the role is the account's, not what the desk wrote. */
  desk_sync (net->a2, NULL);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 1);
  view_sql = g_strdup_printf ("SELECT count(*) FROM audit_event WHERE user = 'gp.a' AND role = 'gp' "
                              "AND entity_id = '%s' AND action = 'view' AND rev = 1", p->record.id);
  g_assert_cmpint (sp_test_query_int (net->a2->store, view_sql, NULL), ==, 1);
  g_assert_cmpint (sp_test_query_int (net->a2->store, "SELECT count(*) FROM audit_event WHERE user = 'gp.a'", NULL),
                   ==, 2);
  g_assert_cmpint (sp_test_query_int (net->a2->store, "SELECT count(*) FROM audit_event WHERE role <> 'gp' "
                                      "AND user = 'gp.a'", NULL), ==, 0);
  /* Another practice sees none of it. */
  desk_sync (net->b1, NULL);
  g_assert_cmpint (sp_test_query_int (net->b1->store, "SELECT count(*) FROM audit_event WHERE user = 'gp.a'", NULL),
                   ==, 0);

  /* The next sync has nothing left to hold back, and nothing piles up. */
  g_assert_true (sp_store_audit (gp->store, "patient", p->record.id, PRACTICE_A, "print", &error));
  desk_sync (gp, &counts);
  g_assert_cmpuint (counts.pushed, ==, 1);
  g_assert_cmpuint (counts.rejected, ==, 0);
  g_assert_cmpuint (sp_sync_client_get_n_rejected (gp->client), ==, 1);
  g_assert_cmpint (sp_store_outbox_count (gp->store), ==, 0);
  desk_free (gp);
}

/* The id GET /v1/health gives. */
static char *
health_server_id (Net *net)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strdup_printf ("%s/v1/health", sp_server_fixture_get_url (net->server));
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  node = sp_test_parse_json (g_bytes_get_data (answer, NULL));
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "server_id"));
}

/* The server's database swapped for a new one at the same address (a
 * reset, or the wrong file): another server id. Its rows start again from
 * seq 1, so a desk's old cursor would skip the first of them; the desk
 * starts again from 0 instead. */
static void
test_net_server_reset (Net           *net,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) patients = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
  g_autoptr(SpSyncAccount) a1 = NULL;
  g_autoptr(SpSyncAccount) a2 = NULL;
  g_autofree char *old_id = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *known = NULL;
  SpSyncCounts counts;

  g_ptr_array_add (patients, add_patient (net->a1, 0, "Adaeze"));
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, NULL);
  old_id = sp_sync_store_get_server_id (net->a2->store);
  g_assert_nonnull (old_id);
  g_assert_cmpint (sp_sync_store_get_cursor (net->a2->store), ==, 2);

  /* A new database: the practices and accounts made again, the desks
   * signed in again (same address, user and practices: the cursor stays). */
  sp_server_fixture_restore (net->server, NULL);
  new_id = health_server_id (net);
  g_assert_cmpstr (new_id, !=, old_id);
  sp_server_fixture_add_practice (net->server, PRACTICE_A, "Riverside Surgery");
  sp_server_fixture_add_user (net->server, "lw.a1", "link-worker", PASSWORD, PRACTICE_A);
  sp_server_fixture_add_user (net->server, "lw.a2", "link-worker", PASSWORD, PRACTICE_A);
  a1 = sign_in (net->a1, sp_server_fixture_get_url (net->server), "lw.a1", PASSWORD, NULL, &error);
  g_assert_no_error (error);
  a2 = sign_in (net->a2, sp_server_fixture_get_url (net->server), "lw.a2", PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sp_sync_store_get_cursor (net->a2->store), ==, 2);

  /* Three new patients on the new server: seqs 1 to 6. */
  for (guint i = 1; i <= 3; i++)
    g_ptr_array_add (patients, add_patient (net->a1, i, "Later"));
  desk_sync (net->a1, NULL);

  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.restarts, ==, 1);
  for (guint i = 1; i < patients->len; i++)
    g_assert_true (has_row (net->a2, "patient", ((SpPatient *) patients->pdata[i])->record.id));
  known = sp_sync_store_get_server_id (net->a2->store);
  g_assert_cmpstr (known, ==, new_id);
  g_assert_cmpint (sp_sync_store_get_cursor (net->a2->store), ==, 6);

  /* From then on, an ordinary sync. */
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.restarts, ==, 0);
}

typedef struct
{
  Desk       *desk;
  const char *patient_id;
  gboolean    fired;
} LateEdit;

/* Run in the sync's worker thread between push and pull: the user edits a
 * record meanwhile, so that change is pending while the pull runs. */
static void
edit_after_push (SpSyncStage  stage,
                 guint        n,
                 gpointer     user_data)
{
  LateEdit *late = user_data;

  if (stage != SP_SYNC_STAGE_PUSHED || late->fired)
    return;
  late->fired = TRUE;
  edit_patient (late->desk, late->patient_id, "01632 969999", NULL);
}

/* The server restored from an older backup of the same database: the same
 * id, but its seqs end below a desk's cursor, and what is written after the
 * restore takes seqs the desk believes it has seen. The desk pulls
 * everything again, leaving a row with a change of its own pending as it
 * is. */
static void
test_net_server_restored (Net           *net,
                          gconstpointer  data)
{
  g_autoptr(GPtrArray) patients = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
  g_autofree char *backup = g_build_filename (net->dir, "backup.db", NULL);
  g_autofree char *id_before = NULL;
  g_autofree char *id_after = NULL;
  g_autoptr(SpPatient) later = NULL;
  LateEdit late = { net->a2, NULL, FALSE };
  SpSyncCounts counts;

  g_ptr_array_add (patients, add_patient (net->a1, 0, "Adaeze"));
  desk_sync (net->a1, NULL);
  id_before = health_server_id (net);
  sp_server_fixture_backup (net->server, backup);

  for (guint i = 1; i <= 2; i++)
    g_ptr_array_add (patients, add_patient (net->a1, i, "Lost"));
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, NULL);
  g_assert_cmpint (sp_sync_store_get_cursor (net->a2->store), ==, 6);

  /* Restored: seqs 1 and 2 only. A new patient then takes 3 and 4. */
  sp_server_fixture_restore (net->server, backup);
  id_after = health_server_id (net);
  g_assert_cmpstr (id_after, ==, id_before);
  later = add_patient (net->a1, 5, "After");
  desk_sync (net->a1, &counts);
  g_assert_cmpuint (counts.restarts, ==, 1);

  /* A2 (cursor 6) would ask for what follows 6 and never see 3 and 4. */
  late.patient_id = ((SpPatient *) patients->pdata[0])->record.id;
  sp_sync_client_set_test_hook (net->a2->client, edit_after_push, &late);
  desk_sync (net->a2, &counts);
  sp_sync_client_set_test_hook (net->a2->client, NULL, NULL);
  g_assert_true (late.fired);
  g_assert_cmpuint (counts.restarts, ==, 1);
  g_assert_cmpuint (counts.skipped, >=, 1);
  g_assert_true (has_row (net->a2, "patient", later->record.id));
  g_assert_cmpint (sp_sync_store_get_cursor (net->a2->store), ==, 4);
  {
    g_autoptr(SpPatient) kept = get_patient (net->a2, late.patient_id);
    g_assert_cmpstr (kept->phone, ==, "01632 969999");
  }

  /* And the edit made meanwhile goes at the next sync, as ever. */
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.restarts, ==, 0);
  g_assert_cmpuint (counts.pushed, >=, 1);
  desk_sync (net->a1, NULL);
  {
    g_autoptr(SpPatient) there = get_patient (net->a1, late.patient_id);
    g_assert_cmpstr (there->phone, ==, "01632 969999");
  }
}

/* One op the server cannot read at all (a field it does not know) refuses
 * its whole batch; the server names the op, the desk keeps that one as
 * refused and sends the rest, and the sync completes. */
static void
test_net_bad_op (Net           *net,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  g_autoptr(GPtrArray) refused = NULL;
  g_autofree char *insert = g_strdup_printf ("INSERT INTO outbox (op_id, entity, row_id, op, base_rev, changed, old, "
                                             "created_at) VALUES ('4c1f0f2e-9a5b-4d39-8f4e-2d6a0b7c9e11', 'patient', "
                                             "'%s', 'update', 0, '{\"shoe_size\": 9}', '{}', '2026-05-04T09:00:00Z')",
                                             p->record.id);
  SpSyncCounts counts;

  g_assert_cmpint (sqlite3_exec (sp_store_get_handle (net->a1->store), insert, NULL, NULL, NULL), ==, SQLITE_OK);
  desk_sync (net->a1, &counts);
  g_assert_cmpuint (counts.pushed, ==, 2);
  g_assert_cmpuint (counts.rejected, ==, 1);
  g_assert_cmpint (sp_store_outbox_count (net->a1->store), ==, 0);
  refused = sp_sync_store_list_rejected (net->a1->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 1);
  g_test_message ("%s", ((SpRejectedChange *) refused->pdata[0])->reason);
  g_assert_nonnull (strstr (((SpRejectedChange *) refused->pdata[0])->reason, "shoe_size"));
  desk_sync (net->a2, NULL);
  g_assert_true (has_row (net->a2, "patient", p->record.id));
}

/* A wrong password and an ended session, in plain words. */
static void
test_net_sessions (Net           *net,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  SpSyncCounts counts;

  account = sign_in (net->a1, sp_server_fixture_get_url (net->server), "lw.a1", "not the password", NULL, &error);
  g_assert_null (account);
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_CREDENTIALS);
  g_assert_cmpstr (error->message, ==, "Your password was not accepted. Check your user name and password and try again.");
  g_clear_error (&error);

  sp_sync_client_set_token (net->a1->client, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  {
    g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  }
  g_assert_false (sync_now (net->a1->client, NULL, &counts, &error));
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_SESSION_ENDED);
  g_assert_cmpint (sp_store_outbox_count (net->a1->store), ==, 2);
}

/* signpost-cli sync: signs in with SIGNPOST_PASSWORD, keeps the token in a
 * 0600 file (no keyring here), and the next sync needs no password. */
static void
test_net_cli (Net           *net,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (net->dir, "cli.db", NULL);
  g_autofree char *config = g_build_filename (net->dir, "config", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *token_file = g_build_filename (config, "signpost", "sync-tokens.ini", NULL);
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(SpPatient) p = add_patient (net->a1, 0, "Adaeze");
  int status = 0;
  GStatBuf st;
  const char *argv_first[] = { SIGNPOST_CLI, "--db", db, "sync", "--server", sp_server_fixture_get_url (net->server),
                               "--user", "lw.a2", NULL };
  const char *argv_again[] = { SIGNPOST_CLI, "--db", db, "--json", "sync", NULL };
  const char *argv_list[] = { SIGNPOST_CLI, "--db", db, "conflicts", "list", NULL };

  desk_sync (net->a1, NULL);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "SIGNPOST_TOKEN_STORE", "file", TRUE);
  env = g_environ_setenv (env, "SIGNPOST_PASSWORD", PASSWORD, TRUE);

  g_assert_true (g_spawn_sync (NULL, (char **) argv_first, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  g_test_message ("out: %s\nerr: %s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "Signed in to"));
  g_assert_nonnull (strstr (out, "Records received"));
  g_assert_nonnull (strstr (err, "which only you can read"));
  g_assert_cmpint (g_stat (token_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  {
    g_autoptr(SpStore) store = sp_test_open (db);
    g_assert_cmpint (sp_test_query_int (store, "SELECT count(*) FROM patient WHERE id = ?1", p->record.id), ==, 1);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Again, with no password anywhere: the kept sign-in is used. */
  env = g_environ_unsetenv (env, "SIGNPOST_PASSWORD");
  g_assert_true (g_spawn_sync (NULL, (char **) argv_again, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  g_test_message ("out: %s\nerr: %s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  {
    g_autoptr(JsonObject) reply = sp_test_parse_object (out);
    g_assert_true (json_object_get_boolean_member (reply, "ok"));
    g_assert_cmpstr (json_object_get_string_member (reply, "user"), ==, "lw.a2");
    g_assert_cmpint (json_object_get_int_member (reply, "pending"), ==, 0);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_true (g_spawn_sync (NULL, (char **) argv_list, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "No conflicts"));
}

/* A desk that ran on its own, with a practice and a catalogue of its own,
 * not yet signed in to any server. */
static Desk *
local_desk_new (Net        *net,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  Desk *desk = g_new0 (Desk, 1);
  g_autofree char *file = g_strdup_printf ("%s.db", name);
  const char * const practices[] = { PRACTICE_A, NULL };

  desk->name = g_strdup (name);
  desk->path = g_build_filename (net->dir, file, NULL);
  desk->store = sp_test_open (desk->path);
  g_assert_true (sp_store_set_local_practice (desk->store, PRACTICE_A, "Riverside Surgery", &error));
  g_assert_no_error (error);
  sp_store_set_actor (desk->store, "local", SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN, practices);
  desk->client = sp_sync_client_new (desk->store);
  sp_sync_client_set_retry_policy (desk->client, 3, 10, 40);
  return desk;
}

static gint64
outbox_entries (Desk       *desk,
                const char *row_id)
{
  return sp_test_query_int (desk->store, "SELECT count(*) FROM outbox WHERE row_id = ?1", row_id);
}

/* Signing in to a server for the first time replaces the desk's own
 * never-synced catalogue with the server's, except what a referral here
 * still points to; a catalogue admin's is kept and pushed. */
static void
test_net_first_sign_in_catalogue (Net           *net,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpProvider) server_provider = NULL;
  g_autoptr(SpOffering) server_offering = NULL;
  g_autoptr(SpProvider) kept_provider = NULL;
  g_autoptr(SpProvider) gone_provider = NULL;
  g_autoptr(SpFunder) gone_funder = NULL;
  g_autoptr(SpOffering) referred = NULL;
  g_autoptr(SpOffering) unreferred = NULL;
  g_autoptr(SpPatient) p = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autoptr(SpProvider) admin_provider = NULL;
  g_autoptr(SpOffering) admin_one = NULL;
  g_autoptr(SpOffering) admin_two = NULL;
  Desk *admin;
  Desk *local;
  Desk *curator;
  SpSyncCounts counts;

  /* The server's catalogue, from an admin's desk. */
  sp_server_fixture_add_user (net->server, "admin.cat", "admin", PASSWORD, NULL);
  admin = desk_new (net, "admin.cat");
  server_provider = sp_test_add_provider (admin->store, "Hollinsford Leisure");
  server_offering = sp_test_add_offering (admin->store, server_provider->record.id, "Gentle yoga",
                                          800, 8, NULL, NULL);
  desk_sync (admin, NULL);
  desk_free (admin);

  /* A desk with its own practice and catalogue: two offerings, one of
   * them referred to. */
  local = local_desk_new (net, "local");
  kept_provider = sp_test_add_provider (local->store, "Riverside Walks");
  referred = sp_test_add_offering (local->store, kept_provider->record.id, "Health walk", 0, 6, NULL, NULL);
  gone_provider = sp_test_add_provider (local->store, "Mill Street Pottery");
  gone_funder = sp_test_add_funder (local->store, "Local fund", 100000, "2026-04-01");
  unreferred = sp_test_add_offering (local->store, gone_provider->record.id, "Pottery for wellbeing",
                                     1200, 6, NULL, gone_funder->record.id);
  p = sp_test_add_patient (local->store, "Adaeze", "Okonkwo", sp_test_nhs_number (0), "low");
  referral = sp_store_refer (local->store, p->record.id, referred->record.id, NULL, "Low mood", NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (outbox_entries (local, unreferred->record.id), ==, 1);

  /* Signing in as a link worker: the unreferred offering, its provider
   * and its funder go with their outbox entries; the referred one stays. */
  sp_server_fixture_add_user (net->server, "lw.a3", "link-worker", PASSWORD, PRACTICE_A);
  account = sign_in (local, sp_server_fixture_get_url (net->server), "lw.a3", PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  g_assert_cmpuint (account->catalogue_replaced, ==, 3);
  g_assert_false (has_row (local, "offering", unreferred->record.id));
  g_assert_false (has_row (local, "provider", gone_provider->record.id));
  g_assert_false (has_row (local, "funder", gone_funder->record.id));
  g_assert_cmpint (outbox_entries (local, unreferred->record.id), ==, 0);
  g_assert_cmpint (outbox_entries (local, gone_provider->record.id), ==, 0);
  g_assert_cmpint (outbox_entries (local, gone_funder->record.id), ==, 0);
  g_assert_true (has_row (local, "offering", referred->record.id));
  g_assert_true (has_row (local, "provider", kept_provider->record.id));
  g_assert_cmpint (outbox_entries (local, referred->record.id), ==, 1);
  g_assert_cmpint (outbox_entries (local, kept_provider->record.id), ==, 1);
  g_assert_true (has_row (local, "referral", referral->record.id));

  /* The sync says so, brings the server's catalogue, and the kept
   * entries are refused (a link worker does not write the catalogue). */
  g_assert_true (sync_now (local->client, NULL, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.replaced, ==, 3);
  g_assert_true (has_row (local, "offering", server_offering->record.id));
  g_assert_true (has_row (local, "provider", server_provider->record.id));
  g_assert_true (has_row (local, "offering", referred->record.id));
  g_assert_false (has_row (local, "offering", unreferred->record.id));
  g_assert_cmpuint (sp_sync_client_get_n_rejected (local->client), >=, 2);
  g_assert_cmpint (sp_test_query_int (local->store, "SELECT count(*) FROM rejected_change WHERE row_id = ?1",
                                      unreferred->record.id), ==, 0);
  /* Told once. */
  desk_sync (local, &counts);
  g_assert_cmpuint (counts.replaced, ==, 0);
  desk_free (local);

  /* A catalogue admin's own catalogue is kept, and pushed. */
  curator = local_desk_new (net, "curator");
  admin_provider = sp_test_add_provider (curator->store, "Canal Rowing Club");
  admin_one = sp_test_add_offering (curator->store, admin_provider->record.id, "Learn to row", 500, 6, NULL, NULL);
  admin_two = sp_test_add_offering (curator->store, admin_provider->record.id, "Rowing for all", 0, 8, NULL, NULL);
  sp_server_fixture_add_user (net->server, "admin.two", "admin", PASSWORD, NULL);
  g_clear_pointer (&account, sp_sync_account_free);
  account = sign_in (curator, sp_server_fixture_get_url (net->server), "admin.two", PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  g_assert_cmpuint (account->catalogue_replaced, ==, 0);
  g_assert_true (has_row (curator, "offering", admin_one->record.id));
  g_assert_true (has_row (curator, "offering", admin_two->record.id));
  desk_sync (curator, &counts);
  g_assert_cmpuint (counts.replaced, ==, 0);
  g_assert_cmpuint (counts.pushed, ==, 3);
  g_assert_cmpuint (counts.rejected, ==, 0);
  desk_free (curator);
  desk_sync (net->a1, NULL);
  g_assert_true (has_row (net->a1, "offering", admin_one->record.id));
  g_assert_true (has_row (net->a1, "offering", admin_two->record.id));
  g_assert_false (has_row (net->a1, "offering", referred->record.id));
}

/* The CLI says how many were replaced. */
static void
test_net_cli_catalogue_replaced (Net           *net,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_build_filename (net->dir, "config", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) env = g_get_environ ();
  int status = 0;
  Desk *local = local_desk_new (net, "cli");
  g_autofree char *db = g_strdup (local->path);
  const char *argv[] = { SIGNPOST_CLI, "--db", db, "sync", "--server",
                         sp_server_fixture_get_url (net->server), "--user", "lw.a2", NULL };

  {
    g_autoptr(SpProvider) provider = sp_test_add_provider (local->store, "Riverside Walks");
    g_autoptr(SpOffering) offering = sp_test_add_offering (local->store, provider->record.id, "Health walk",
                                                           0, 6, NULL, NULL);
  }
  desk_free (local);

  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "SIGNPOST_TOKEN_STORE", "file", TRUE);
  env = g_environ_setenv (env, "SIGNPOST_PASSWORD", PASSWORD, TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  g_test_message ("out: %s\nerr: %s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "Replaced 2 local catalogue entries with the server’s catalogue."));
}

#endif /* SIGNPOST_SERVER */

/* A demo desk's made-up patients never go to a server. */
static void
test_demo_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SpSyncClient) client = sp_sync_client_new (f->store);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  SpSyncCounts counts;

  g_assert_true (sp_store_set_meta (f->store, "demo_seeded", "1", &error));
  sp_sync_client_sign_in_async (client, "http://127.0.0.1:9", "lw", "password", NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  account = sp_sync_client_sign_in_finish (client, result, NULL, &error);
  g_assert_null (account);
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "demo"));
  g_clear_error (&error);

  sp_sync_client_set_token (client, "a-token");
  g_assert_false (sync_now (client, NULL, &counts, &error));
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_FAILED);
  g_assert_null (sp_sync_store_get_server_url (f->store));
}

/* ---- Retrying: a server that fails on purpose -------------------------------------- */

typedef struct
{
  guint hits;
  guint fail_first;   /* answer @status to this many requests, then succeed */
  guint status;
} Flaky;

static void
flaky_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Flaky *flaky = user_data;
  const char *error_body = "{\"error\": {\"code\": \"server_error\", \"message\": \"Try again later.\"}}";
  const char *page = "{\"changes\": [], \"last_seq\": 0, \"more\": false}";
  const char *no_snapshot = "{\"error\": {\"code\": \"not_found\", \"message\": \"There is nothing at this address.\"}}";

  /* As a server from before snapshots: a new desk then pulls the pages. */
  if (g_str_equal (path, "/v1/snapshot"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, no_snapshot, strlen (no_snapshot));
      return;
    }
  flaky->hits++;
  if (flaky->hits <= flaky->fail_first)
    {
      soup_server_message_set_status (msg, flaky->status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, error_body, strlen (error_body));
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, page, strlen (page));
}

/* Transient answers (5xx, 408) are retried with backoff, a bounded number
 * of times; other 4xx answers never. The flaky server runs on this thread's
 * main context, which sync_now() iterates while the sync's worker thread
 * makes its requests. */
static void
test_retry (Fixture       *f,
            gconstpointer  data)
{
  struct
  {
    guint       fail_first;
    guint       status;
    gboolean    ok;
    guint       hits;
    int         code;
  } cases[] = {
    { 2, 503, TRUE, 3, 0 },
    { 1, 408, TRUE, 2, 0 },
    { 9, 500, FALSE, 3, SP_SYNC_ERROR_SERVER },
    { 9, 404, FALSE, 1, SP_SYNC_ERROR_SERVER },
    { 9, 400, FALSE, 1, SP_SYNC_ERROR_SERVER },
    { 9, 401, FALSE, 1, SP_SYNC_ERROR_SESSION_ENDED },
    { 9, 429, FALSE, 1, SP_SYNC_ERROR_SERVER },
  };
  g_autoptr(JsonObject) user = sp_test_parse_object ("{\"username\": \"lw\", \"role\": \"link_worker\", "
                                                     "\"practices\": [\"A81001\"]}");
  g_autoptr(SpSyncAccount) account = sp_sync_account_from_json (user, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
      g_autoptr(SpSyncClient) client = sp_sync_client_new (f->store);
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;
      GSList *uris;
      Flaky flaky = { 0, cases[i].fail_first, cases[i].status };
      SpSyncCounts counts;
      gboolean ok;

      soup_server_add_handler (server, NULL, flaky_handler, &flaky, NULL);
      g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
      g_assert_no_error (error);
      uris = soup_server_get_uris (server);
      url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

      g_assert_true (sp_sync_store_remember_account (f->store, url, account, NULL, &error));
      sp_sync_client_set_token (client, "a-token");
      sp_sync_client_set_retry_policy (client, 3, 2, 10);
      ok = sync_now (client, NULL, &counts, &error);
      g_test_message ("%u × %u: %s", cases[i].fail_first, cases[i].status, error ? error->message : "ok");
      g_assert_cmpint (ok, ==, cases[i].ok);
      g_assert_cmpuint (flaky.hits, ==, cases[i].hits);
      if (!cases[i].ok)
        {
          g_assert_error (error, SP_SYNC_ERROR, cases[i].code);
          g_assert_cmpint (sp_sync_client_get_state (client), ==, SP_SYNC_STATE_ERROR);
        }
      else
        {
          g_assert_cmpint (sp_sync_client_get_state (client), ==, SP_SYNC_STATE_IDLE);
          g_assert_nonnull (sp_sync_client_get_last_synced (client));
        }
      soup_server_disconnect (server);
    }
}

#ifdef SIGNPOST_SERVER

/* ---- Snapshots: a new desk's first sync as one file -------------------------------- */

/* Every synced row of @desk, every column, in id order: two desks that
 * hold the same records print the same text. */
static char *
dump_rows (Desk *desk)
{
  GString *out = g_string_new (NULL);
  const SpEntityInfo * const *entities;
  guint n_entities = 0;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (desk->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  entities = sp_entity_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\" ORDER BY id", entities[i]->table);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      g_string_append_printf (out, "[%s]\n", entities[i]->table);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            g_string_append_printf (out, "%s%s", c > 0 ? "|" : "",
                                    sqlite3_column_type (stmt, c) == SQLITE_NULL ? "∅" : (const char *) sqlite3_column_text (stmt, c));
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return g_string_free (out, FALSE);
}

static guint
synced_rows (Desk *desk)
{
  const SpEntityInfo * const *entities;
  guint n_entities = 0;
  guint n = 0;

  entities = sp_entity_all (&n_entities);
  for (guint i = 0; i < n_entities; i++)
    n += (guint) sp_test_count_rows (desk->store, entities[i]->table);
  return n;
}

static guint
snapshot_files (Net        *net,
                const char *prefix)
{
  g_autoptr(GDir) dir = g_dir_open (net->dir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_prefix (name, prefix) && strstr (name, ".snapshot-") != NULL;
  return n;
}

/* @desk holds, column for column, what a new desk of the same account
 * pulling every page holds. */
static void
assert_same_as_pages (Net  *net,
                      Desk *desk)
{
  g_autofree char *by_pages = NULL;
  g_autofree char *mine = NULL;
  Desk *pages = desk_open (net, desk->name, "pages.db");

  sp_sync_client_set_use_snapshots (pages->client, FALSE);
  desk_sync (pages, NULL);
  by_pages = dump_rows (pages);
  mine = dump_rows (desk);
  g_assert_cmpstr (mine, ==, by_pages);
  desk_free (pages);
}

static void
add_patients (Desk  *desk,
              guint  first,
              guint  n)
{
  for (guint i = first; i < first + n; i++)
    {
      g_autoptr(SpPatient) p = add_patient (desk, i, "Snapshot");
      g_autoptr(SpCondition) c = sp_test_add_condition (desk->store, p->record.id, "msk", "knee_pain");
    }
}

/* A new desk starts from the server's snapshot of its practice and ends
 * with exactly the records a desk pulling every change has, of its own
 * practice only; later syncs pull only what changed. */
static void
test_net_snapshot (Net           *net,
                   gconstpointer  data)
{
  g_autofree char *by_snapshot = NULL;
  g_autofree char *by_pages = NULL;
  Desk *pages;
  Desk *late;
  g_autofree char *first = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *check = NULL;
  SpSyncCounts counts;
  struct stat file_before, file_after;
  sqlite3 *opened = NULL;
  guint before;

  add_patients (net->a1, 0, 12);
  add_patients (net->b1, 100, 3);
  desk_sync (net->a1, NULL);
  desk_sync (net->b1, NULL);
  first = sp_test_query_text (net->a1->store, "SELECT id FROM patient ORDER BY id LIMIT 1", NULL);
  edit_patient (net->a1, first, "01632 960002", NULL);
  desk_sync (net->a1, NULL);

  g_assert_cmpint (g_stat (net->a2->path, &file_before), ==, 0);
  /* Opened, not read yet: as another program starting at that moment. */
  g_assert_cmpint (sqlite3_open_v2 (net->a2->path, &opened, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  desk_sync (net->a2, &counts);
  /* The desk's store was its one connection: the file became the store. */
  g_assert_cmpuint (counts.snapshot, ==, SP_SYNC_SNAPSHOT_TAKEN);
  g_assert_cmpint (g_stat (net->a2->path, &file_after), ==, 0);
  g_assert_true (file_before.st_ino != file_after.st_ino);
  g_assert_cmpint (file_after.st_mode & 07777, ==, file_before.st_mode & 07777);
  /* That program finds no database in the file replaced, rather than an
   * empty desk it could write in. */
  g_assert_cmpint (sqlite3_exec (opened, "SELECT count(*) FROM patient", NULL, NULL, NULL), ==, SQLITE_NOTADB);
  sqlite3_close (opened);
  g_assert_cmpuint (counts.pages, ==, 1);   /* the pull after it: nothing since */
  g_assert_cmpuint (counts.pulled, ==, synced_rows (net->a2));
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 12);
  g_assert_cmpint (sp_test_query_int (net->a2->store, "SELECT count(*) FROM patient WHERE practice <> 'A81001'", NULL), ==, 0);
  g_assert_cmpuint (snapshot_files (net, "lw.a2.db"), ==, 0);
  /* Still the desk's own database: its sign-in, its journal. */
  g_assert_cmpstr (sp_sync_client_get_username (net->a2->client), ==, "lw.a2");
  journal = sp_test_query_text (net->a2->store, "PRAGMA journal_mode", NULL);
  g_assert_cmpstr (journal, ==, "wal");
  check = sp_test_query_text (net->a2->store, "PRAGMA quick_check", NULL);
  g_assert_cmpstr (check, ==, "ok");
  g_assert_cmpint (sp_test_query_int (net->a2->store, "SELECT count(*) FROM outbox", NULL), ==, 0);

  pages = desk_open (net, "lw.a2", "pages.db");
  sp_sync_client_set_use_snapshots (pages->client, FALSE);
  desk_sync (pages, &counts);
  g_assert_cmpuint (counts.snapshot, ==, 0);
  by_snapshot = dump_rows (net->a2);
  by_pages = dump_rows (pages);
  g_assert_cmpstr (by_snapshot, ==, by_pages);
  g_assert_cmpint (sp_sync_store_get_cursor (net->a2->store), ==, sp_sync_store_get_cursor (pages->store));

  /* Changes after the snapshot: the next new desk gets the same snapshot
   * (fewer than 10,000 changes behind) and pulls the rest. */
  add_patients (net->a1, 20, 2);
  desk_sync (net->a1, NULL);
  late = desk_open (net, "lw.a2", "late.db");
  desk_sync (late, &counts);
  g_assert_cmpuint (counts.snapshot, ==, SP_SYNC_SNAPSHOT_TAKEN);
  g_assert_cmpuint (counts.pulled, ==, synced_rows (late));
  before = synced_rows (net->a2);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.snapshot, ==, 0);
  g_assert_cmpuint (counts.pulled, ==, synced_rows (net->a2) - before);
  g_assert_cmpuint (counts.pulled, >=, 2 * 2);
  desk_sync (pages, NULL);
  g_clear_pointer (&by_snapshot, g_free);
  g_clear_pointer (&by_pages, g_free);
  by_pages = dump_rows (pages);
  by_snapshot = dump_rows (late);
  g_assert_cmpstr (by_snapshot, ==, by_pages);
  g_clear_pointer (&by_snapshot, g_free);
  by_snapshot = dump_rows (net->a2);
  g_assert_cmpstr (by_snapshot, ==, by_pages);

  /* And the desks work on: an edit made on the snapshot desk goes up. */
  edit_patient (late, first, "01632 960003", NULL);
  desk_sync (late, &counts);
  g_assert_cmpuint (counts.pushed, >=, 1);
  desk_free (pages);
  desk_free (late);
}

/* While another connection has the store open (a window's worker, another
 * program), the snapshot cannot take the store's place: it is copied in,
 * and both connections read the same records as a desk pulling pages. */
static void
test_net_snapshot_shared (Net           *net,
                          gconstpointer  data)
{
  g_autoptr(SpStore) other = NULL;
  SpSyncCounts counts;

  add_patients (net->a1, 0, 7);
  desk_sync (net->a1, NULL);
  other = sp_test_open (net->a2->path);
  g_assert_cmpint (sp_test_count_rows (other, "patient"), ==, 0);

  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.snapshot, ==, SP_SYNC_SNAPSHOT_COPIED);
  g_assert_cmpuint (counts.pulled, ==, synced_rows (net->a2));
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 7);
  g_assert_cmpint (sp_test_count_rows (other, "patient"), ==, 7);
  g_assert_cmpuint (snapshot_files (net, "lw.a2.db"), ==, 0);
  assert_same_as_pages (net, net->a2);
}

typedef struct
{
  Desk      *desk;
  SpPatient *saved;
} SaveMeanwhile;

/* Saves a patient on the desk, through a connection of its own, once the
 * snapshot is ready to take the store's place. */
static void
save_meanwhile (SpSyncStage  stage,
                guint        n,
                gpointer     user_data)
{
  SaveMeanwhile *meanwhile = user_data;
  g_autoptr(SpStore) store = NULL;
  g_autofree char *nhs = sp_test_nhs_number (77);

  if (stage != SP_SYNC_STAGE_SNAPSHOT_READY)
    return;
  store = sp_test_open (meanwhile->desk->path);
  sp_sync_store_restore_actor (store);
  meanwhile->saved = sp_test_add_patient (store, "Meanwhile", "Okonkwo", nhs, "low");
}

/* A patient saved on the desk while its snapshot was on the way is never
 * lost to it: the snapshot is not used, the desk pulls pages, and the
 * patient goes up at the next sync. */
static void
test_net_snapshot_meanwhile (Net           *net,
                             gconstpointer  data)
{
  SaveMeanwhile meanwhile = { net->a2, NULL };
  SpSyncCounts counts;

  add_patients (net->a1, 0, 6);
  desk_sync (net->a1, NULL);
  sp_sync_client_set_test_hook (net->a2->client, save_meanwhile, &meanwhile);
  desk_sync (net->a2, &counts);
  sp_sync_client_set_test_hook (net->a2->client, NULL, NULL);
  g_assert_nonnull (meanwhile.saved);
  g_assert_cmpuint (counts.snapshot, ==, SP_SYNC_SNAPSHOT_NONE);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 7);
  g_assert_true (has_row (net->a2, "patient", meanwhile.saved->record.id));
  g_assert_cmpuint (snapshot_files (net, "lw.a2.db"), ==, 0);

  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.pushed, >=, 1);
  desk_sync (net->a1, NULL);
  g_assert_true (has_row (net->a1, "patient", meanwhile.saved->record.id));
  sp_patient_free (meanwhile.saved);
}

/* A desk that holds records of its own never starts from a snapshot: they
 * stay, go up, and the rest comes down as pages. */
static void
test_net_snapshot_not_new (Net           *net,
                           gconstpointer  data)
{
  g_autoptr(SpPatient) mine = NULL;
  SpSyncCounts counts;

  add_patients (net->a1, 0, 4);
  desk_sync (net->a1, NULL);
  mine = add_patient (net->a2, 50, "Mine");
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.snapshot, ==, 0);
  g_assert_cmpuint (counts.pushed, ==, 2);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 5);
  g_assert_true (has_row (net->a2, "patient", mine->record.id));
}

/* Damages the downloaded snapshot before it is installed. */
static void
damage_snapshot (SpSyncStage  stage,
                 guint        n,
                 gpointer     user_data)
{
  Net *net = user_data;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (stage != SP_SYNC_STAGE_SNAPSHOT_FETCHED)
    return;
  dir = g_dir_open (net->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "lw.a2.db.snapshot-"))
      {
        g_autofree char *path = g_build_filename (net->dir, name, NULL);
        g_autofree char *contents = NULL;
        gsize length = 0;

        g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
        g_assert_cmpuint (length, >, 3 * 4096);
        /* Every page after the first two: the tables' pages. */
        memset (contents + 2 * 4096, 0x5a, length - 2 * 4096);
        g_assert_true (g_file_set_contents (path, contents, (gssize) length, NULL));
      }
}

/* A snapshot damaged on the way is found out before it touches the store:
 * the desk pulls the changes instead and ends with every record. */
static void
test_net_snapshot_damaged (Net           *net,
                           gconstpointer  data)
{
  g_autofree char *check = NULL;
  SpSyncCounts counts;

  add_patients (net->a1, 0, 30);
  desk_sync (net->a1, NULL);
  sp_sync_client_set_test_hook (net->a2->client, damage_snapshot, net);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.snapshot, ==, 0);
  g_assert_cmpuint (counts.pulled, ==, synced_rows (net->a2));
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 30);
  g_assert_cmpuint (snapshot_files (net, "lw.a2.db"), ==, 0);
  check = sp_test_query_text (net->a2->store, "PRAGMA quick_check", NULL);
  g_assert_cmpstr (check, ==, "ok");
  assert_same_as_pages (net, net->a2);
}

/* The server dies once the snapshot is in: the sync says so, the desk
 * holds the snapshot's records with its cursor at them, and the next sync
 * brings the rest. */
static void
test_net_snapshot_killed (Net           *net,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Stopper stopper = { net->server, SP_SYNC_STAGE_SNAPSHOT_FETCHED, 0, NULL, FALSE };
  SpSyncCounts counts;

  add_patients (net->a1, 0, 5);
  desk_sync (net->a1, NULL);
  sp_sync_client_set_test_hook (net->a2->client, stop_at, &stopper);
  g_assert_false (sync_now (net->a2->client, NULL, &counts, &error));
  g_assert_true (stopper.fired);
  g_assert_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_INTERRUPTED);
  g_assert_cmpuint (counts.snapshot, ==, SP_SYNC_SNAPSHOT_TAKEN);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 5);
  sp_sync_client_set_test_hook (net->a2->client, NULL, NULL);

  sp_server_fixture_restart (net->server);
  assert_cursor_behind_data (net, net->a2);
  add_patients (net->a1, 10, 1);
  desk_sync (net->a1, NULL);
  desk_sync (net->a2, &counts);
  g_assert_cmpuint (counts.snapshot, ==, 0);
  g_assert_cmpint (sp_test_count_rows (net->a2->store, "patient"), ==, 6);
}

#endif

/* ---- main ------------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  /* The isolated data folders hold no GSettings schemas for GNOME's proxy
   * settings; the tests talk to loopback only. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, sp_test_store_setup, func, sp_test_store_teardown)

  g_test_add_func ("/sync/schema/upgrade-v2", test_schema_upgrade_v2);
  g_test_add_func ("/sync/backoff", test_backoff);
  g_test_add_func ("/sync/page/decode", test_page_decode);
  g_test_add_func ("/sync/token/file", test_token_file);
  g_test_add_func ("/sync/url", test_url_normalize);
  ADD ("/sync/batch/frozen", test_batch_frozen);
  ADD ("/sync/batch/bad-answer", test_batch_bad_answer);
  ADD ("/sync/results/conflict-rejected", test_results_conflict_rejected);
  ADD ("/sync/page/apply", test_page_apply);
  ADD ("/sync/page/other-practice", test_page_other_practice);
  ADD ("/sync/server-check", test_server_check);
  ADD ("/sync/batch/hold-back", test_hold_back_unsendable);
  ADD ("/sync/batch/settle-never-sent", test_settle_never_sent);
  ADD ("/sync/account", test_account_remembered);
  ADD ("/sync/client/unreachable", test_unreachable);
  ADD ("/sync/client/retry", test_retry);
  ADD ("/sync/client/demo", test_demo_refused);

#ifdef SIGNPOST_SERVER
#define NET(path, func) g_test_add (path, Net, NULL, net_setup, func, net_teardown)
  NET ("/sync/net/tenancy", test_net_tenancy);
  NET ("/sync/net/merge", test_net_merge);
  NET ("/sync/net/conflict", test_net_conflict);
  NET ("/sync/net/duplicate", test_net_duplicate);
  NET ("/sync/net/payments", test_net_payments);
  NET ("/sync/net/retried-batch", test_net_retried_batch);
  NET ("/sync/net/killed-mid-sync", test_net_killed_mid_sync);
  NET ("/sync/net/cursor", test_net_cursor);
  NET ("/sync/net/cancel", test_net_cancel);
  NET ("/sync/net/gp", test_net_gp);
  NET ("/sync/net/server-reset", test_net_server_reset);
  NET ("/sync/net/server-restored", test_net_server_restored);
  NET ("/sync/net/bad-op", test_net_bad_op);
  NET ("/sync/net/sessions", test_net_sessions);
  NET ("/sync/net/cli", test_net_cli);
  NET ("/sync/net/first-sign-in-catalogue", test_net_first_sign_in_catalogue);
  NET ("/sync/net/cli-catalogue-replaced", test_net_cli_catalogue_replaced);
  NET ("/sync/net/snapshot", test_net_snapshot);
  NET ("/sync/net/snapshot-shared", test_net_snapshot_shared);
  NET ("/sync/net/snapshot-meanwhile", test_net_snapshot_meanwhile);
  NET ("/sync/net/snapshot-not-new", test_net_snapshot_not_new);
  NET ("/sync/net/snapshot-damaged", test_net_snapshot_damaged);
  NET ("/sync/net/snapshot-killed", test_net_snapshot_killed);
#else
  g_test_message ("signpost-server is not built: the tests over HTTP are left out");
#endif

  return g_test_run ();
}
