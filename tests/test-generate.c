/* test-generate.c — the synthetic store generator, small
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "sp-generate.h"
#include "sp-match.h"
#include "sp-patient-item.h"
#include "sp-patient-list.h"
#include "sp-test-util.h"

#define N_PATIENTS 200
#define N_OFFERINGS 120

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->dir = sp_test_make_dir ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  sp_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static SpStore *
generate (Fixture          *fixture,
          const char       *name,
          guint64           seed,
          SpGenerateCounts *counts)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  SpGenerateOptions options = { .n_patients = N_PATIENTS, .n_offerings = N_OFFERINGS, .seed = seed };
  SpStore *store = sp_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (sp_store_generate (store, &options, counts, &error));
  g_assert_no_error (error);
  return store;
}

static gint64
query_int (SpStore    *store,
           const char *sql)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, NULL);

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

/* Every row of every table, in order, hashed: the store's logical content. */
static char *
content_digest (SpStore *store)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SpStmt) list = sp_store_prepare (store, "SELECT name FROM sqlite_schema WHERE type = 'table' "
                                                    "AND name NOT LIKE 'sqlite_%' ORDER BY name", NULL);

  while (sqlite3_step (list) == SQLITE_ROW)
    g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (list, 0)));
  g_clear_pointer (&list, sp_stmt_release);

  for (guint t = 0; t < tables->len; t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM \"%s\" ORDER BY rowid", (char *) tables->pdata[t]);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (sp_store_get_handle (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
      g_checksum_update (sum, tables->pdata[t], -1);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count (stmt); c++)
          {
            const guchar *text = sqlite3_column_text (stmt, c);

            g_checksum_update (sum, text ? text : (const guchar *) "\x01NULL", -1);
            g_checksum_update (sum, (const guchar *) "\x1f", 1);
          }
      sqlite3_finalize (stmt);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static void
test_counts (Fixture       *fixture,
             gconstpointer  data)
{
  SpGenerateCounts counts;
  g_autoptr(SpStore) store = generate (fixture, "a.db", 7, &counts);
  gint64 comorbid;

  g_assert_cmpuint (counts.patients, ==, N_PATIENTS);
  g_assert_cmpuint (counts.offerings, ==, N_OFFERINGS);
  g_assert_cmpint (sp_store_count (store, &sp_entity_patient, NULL, NULL), ==, N_PATIENTS);
  g_assert_cmpint (sp_store_count (store, &sp_entity_offering, NULL, NULL), ==, N_OFFERINGS);
  g_assert_cmpint (sp_store_count (store, &sp_entity_referral, NULL, NULL), ==, (gint64) counts.referrals);
  g_assert_cmpint (sp_store_count (store, &sp_entity_assessment, NULL, NULL), ==, (gint64) counts.assessments);
  g_assert_cmpint (sp_store_count (store, &sp_entity_payment, NULL, NULL), ==, (gint64) counts.payments);
  g_assert_cmpint (sp_store_count (store, &sp_entity_attendance, NULL, NULL), ==, (gint64) counts.attendances);
  g_assert_cmpint (sp_store_count (store, &sp_entity_referral_event, NULL, NULL), ==,
                   (gint64) counts.referral_events);

  /* About 3 referrals and 6 assessments a patient, most of them comorbid. */
  g_assert_cmpfloat ((gdouble) counts.referrals / N_PATIENTS, >, 2.3);
  g_assert_cmpfloat ((gdouble) counts.referrals / N_PATIENTS, <, 3.7);
  g_assert_cmpfloat ((gdouble) counts.assessments / N_PATIENTS, >, 4.5);
  g_assert_cmpfloat ((gdouble) counts.assessments / N_PATIENTS, <, 7.5);
  g_assert_cmpuint (counts.payments, >, 0);
  comorbid = query_int (store, "SELECT count(*) FROM patient p WHERE "
                               "EXISTS (SELECT 1 FROM condition c WHERE c.patient_id = p.id AND c.kind = 'msk') AND "
                               "EXISTS (SELECT 1 FROM condition c WHERE c.patient_id = p.id AND c.kind = 'mh')");
  g_assert_cmpint (comorbid, >, N_PATIENTS * 75 / 100);
  g_assert_cmpint (comorbid, <, N_PATIENTS * 95 / 100);

  /* A benchmark dataset, not user changes: nothing to push, nothing audited. */
  g_assert_cmpint (sp_store_outbox_count (store), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM audit_event"), ==, 0);
  g_assert_nonnull (sp_store_get_meta (store, "generated"));
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
}

static void
test_valid_records (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(SpStore) store = generate (fixture, "a.db", 11, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) patients = sp_store_list (store, &sp_entity_patient, NULL, NULL, &error);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree char *journal = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (patients->len, ==, N_PATIENTS);
  for (guint i = 0; i < patients->len; i++)
    {
      SpPatient *p = patients->pdata[i];

      /* The never-issued 999 range, a valid check digit, each one once. */
      g_assert_true (g_str_has_prefix (p->nhs_number, "999"));
      g_assert_true (sp_nhs_number_is_valid (p->nhs_number));
      g_assert_false (g_hash_table_contains (seen, p->nhs_number));
      g_hash_table_add (seen, p->nhs_number);
      g_assert_true (sp_uuid_is_valid (p->record.id));
      /* What a person would have had to enter passes the same checks. */
      sp_patient_validate (p, &error);
      g_assert_no_error (error);
    }

  /* Adults, and nothing dated after the generator's today. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM patient WHERE date_of_birth > '2008-11-02' "
                                     "OR date_of_birth < '1925-01-01'"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM referral_event WHERE at > '" SP_GENERATE_TODAY "T23:59:59Z'"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM attendance WHERE session_date > '" SP_GENERATE_TODAY "'"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM payment WHERE paid_at > '" SP_GENERATE_TODAY "T23:59:59Z'"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM offering WHERE capacity < 1 OR fee_pence < 0"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM referral WHERE sessions_attended > sessions_planned"), ==, 0);

  /* The store is a working one: search and match run on it. */
  {
    g_autoptr(GPtrArray) found = sp_store_search_patients (store, "999", 50, &error);
    SpPatient *first = patients->pdata[0];
    g_autoptr(SpMatchResult) result = sp_store_match_patient (store, first->record.id, SP_GENERATE_TODAY, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 50);
    g_assert_nonnull (result);
    g_assert_cmpuint (result->matches->len + result->excluded->len, ==, N_OFFERINGS);
  }

  /* Back in WAL mode after the load. */
  stmt = sp_store_prepare (store, "PRAGMA journal_mode", NULL);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  journal = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  g_assert_cmpstr (journal, ==, "wal");
}

static void
test_deterministic (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(SpStore) a = generate (fixture, "a.db", 42, NULL);
  g_autoptr(SpStore) b = generate (fixture, "b.db", 42, NULL);
  g_autoptr(SpStore) c = generate (fixture, "c.db", 43, NULL);
  g_autofree char *digest_a = content_digest (a);
  g_autofree char *digest_b = content_digest (b);
  g_autofree char *digest_c = content_digest (c);

  g_assert_cmpstr (digest_a, ==, digest_b);
  g_assert_cmpstr (digest_a, !=, digest_c);
}

static void
test_refuses_non_empty (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SpStore) store = generate (fixture, "a.db", 1, NULL);
  g_autoptr(GError) error = NULL;
  SpGenerateOptions options = { .n_patients = 10, .n_offerings = 10, .seed = 2 };

  g_assert_false (sp_store_generate (store, &options, NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_DUPLICATE);
  g_assert_cmpint (sp_store_count (store, &sp_entity_patient, NULL, NULL), ==, N_PATIENTS);
}

typedef struct
{
  SpPatientList *list;
  GPtrArray     *first_ids;  /* the ids shown by the first change */
  gboolean       first_partial;
  guint          changes;
} Watch;

static void
caseload_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     Watch      *watch)
{
  if (watch->changes++ > 0)
    return;
  watch->first_partial = sp_patient_list_is_partial (watch->list);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SpPatientItem) item = g_list_model_get_item (model, i);
      g_ptr_array_add (watch->first_ids, g_strdup (sp_patient_item_get_id (item)));
    }
}

/* A region's caseload takes most of a second to read: the first screenful
 * is shown ahead of it, and is the same patients in the same order as the
 * top of the whole list that follows. */
static void
test_caseload_first_page (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SpStore) store = generate (fixture, "first-page.db", 7, NULL);
  Watch watch = { .first_ids = g_ptr_array_new_with_free_func (g_free) };
  guint n;

  watch.list = sp_patient_list_new (store);
  g_signal_connect (watch.list, "items-changed", G_CALLBACK (caseload_changed_cb), &watch);
  while (sp_patient_list_get_loading (watch.list))
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (sp_patient_list_get_error (watch.list));

  n = g_list_model_get_n_items (G_LIST_MODEL (watch.list));
  g_assert_cmpuint (n, ==, query_int (store, "SELECT count (*) FROM patient WHERE deleted = 0"));
  g_assert_false (sp_patient_list_is_partial (watch.list));

  /* Two changes: the first page, then the whole caseload. */
  g_assert_cmpuint (watch.changes, ==, 2);
  g_assert_true (watch.first_partial);
  g_assert_cmpuint (watch.first_ids->len, >, 0);
  g_assert_cmpuint (watch.first_ids->len, <, n);
  /* The screenful a user sees first does not jump when the rest arrives. */
  for (guint i = 0; i < MIN (watch.first_ids->len, 20); i++)
    {
      g_autoptr(SpPatientItem) item = g_list_model_get_item (G_LIST_MODEL (watch.list), i);
      g_assert_cmpstr (sp_patient_item_get_id (item), ==, watch.first_ids->pdata[i]);
    }

  /* Read again after a change, the list is never cut back to a page. */
  watch.changes = 0;
  sp_patient_list_refresh (watch.list);
  while (sp_patient_list_get_loading (watch.list))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (sp_patient_list_is_partial (watch.list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (watch.list)), ==, n);

  g_assert_finalize_object (watch.list);
  g_ptr_array_unref (watch.first_ids);
}

typedef struct
{
  guint position;
  guint removed;
  guint added;
  guint calls;
} Change;

static void
record_change_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Change     *change)
{
  change->position = position;
  change->removed = removed;
  change->added = added;
  change->calls++;
}

static void
count_cb (SpPatientItem *item,
          guint         *n)
{
  (*n)++;
}

/* Typing into the caseload's filter: an item a view holds keeps its
 * position and is given the patient now there (so GTK rebinds the row it
 * has instead of making a new one), and only the tail is added or removed. */
static void
test_caseload_items_keep_positions (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(SpStore) store = generate (fixture, "positions.db", 11, NULL);
  g_autoptr(SpPatientList) list = sp_patient_list_new (store);
  g_autoptr(SpPatientItem) held = NULL;
  g_autoptr(SpPatientItem) again = NULL;
  g_autofree char *first_id = NULL;
  Change change = { 0, };
  guint all, filtered, changed = 0;
  char initial[2] = { 0, };

  while (sp_patient_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  all = g_list_model_get_n_items (G_LIST_MODEL (list));
  g_assert_cmpuint (all, >, 100);

  held = g_list_model_get_item (G_LIST_MODEL (list), 0);
  first_id = g_strdup (sp_patient_item_get_id (held));
  g_signal_connect (held, "changed", G_CALLBACK (count_cb), &changed);
  g_signal_connect (list, "items-changed", G_CALLBACK (record_change_cb), &change);

  /* The initial of the last patient's family name: a filter that moves
   * someone else to the top. */
  {
    g_autoptr(SpPatientItem) last = g_list_model_get_item (G_LIST_MODEL (list), all - 1);
    const char *space = strrchr (sp_patient_item_get_name (last), ' ');

    initial[0] = space[1];
  }
  sp_patient_list_set_search_text (list, initial);
  filtered = g_list_model_get_n_items (G_LIST_MODEL (list));
  g_assert_cmpuint (filtered, >, 0);
  g_assert_cmpuint (filtered, <, all);

  /* One change, of the tail only. */
  g_assert_cmpuint (change.calls, ==, 1);
  g_assert_cmpuint (change.position, ==, filtered);
  g_assert_cmpuint (change.removed, ==, all - filtered);
  g_assert_cmpuint (change.added, ==, 0);

  /* The held item is the one at position 0 still, now the new first patient. */
  again = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_true (again == held);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpstr (sp_patient_item_get_id (held), !=, first_id);
  g_assert_true (g_str_has_prefix (strrchr (sp_patient_item_get_name (held), ' ') + 1, initial) ||
                 g_str_has_prefix (sp_patient_item_get_name (held), initial));

  /* Cleared again: the tail comes back, and position 0 its first patient. */
  sp_patient_list_set_search_text (list, NULL);
  g_assert_cmpuint (change.calls, ==, 2);
  g_assert_cmpuint (change.position, ==, filtered);
  g_assert_cmpuint (change.added, ==, all - filtered);
  g_assert_cmpstr (sp_patient_item_get_id (held), ==, first_id);
  for (guint i = 0; i < all; i++)
    {
      g_autoptr(SpPatientItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_assert_nonnull (item);
    }
  g_signal_handlers_disconnect_by_data (held, &changed);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/generate/counts", Fixture, NULL, fixture_setup, test_counts, fixture_teardown);
  g_test_add ("/generate/valid-records", Fixture, NULL, fixture_setup, test_valid_records, fixture_teardown);
  g_test_add ("/generate/deterministic", Fixture, NULL, fixture_setup, test_deterministic, fixture_teardown);
  g_test_add ("/generate/refuses-non-empty", Fixture, NULL, fixture_setup, test_refuses_non_empty, fixture_teardown);
  g_test_add ("/generate/caseload-first-page", Fixture, NULL, fixture_setup, test_caseload_first_page, fixture_teardown);
  g_test_add ("/generate/caseload-items-keep-positions", Fixture, NULL, fixture_setup,
              test_caseload_items_keep_positions, fixture_teardown);

  return g_test_run ();
}
