/* bench-match.c — matching one patient against 1,000 and 10,000 offerings
 *
 * sp_match() alone, on input gathered beforehand (the pure ranking, every
 * reason written out), and sp_store_match_patient(), which reads that
 * input from the store first. Patients are spread through the caseload.
 * Targets: 2 ms for 1,000 offerings, 20 ms for 10,000.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "sp-match.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"

#define N_PATIENTS 10
#define PURE_REPEATS 5

static GPtrArray *
some_patients (SpStore *store,
               guint    n_patients)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, "SELECT id FROM patient WHERE rowid % ?1 = 1 ORDER BY rowid LIMIT ?2",
                                             NULL);

  g_assert_nonnull (stmt);
  sqlite3_bind_int64 (stmt, 1, MAX (1, n_patients / N_PATIENTS));
  sqlite3_bind_int64 (stmt, 2, N_PATIENTS);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  g_assert_cmpuint (ids->len, ==, N_PATIENTS);
  return ids;
}

/* The catalogue with the places open referrals hold, as the store fills it. */
static GPtrArray *
catalogue (SpStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(SpStmt) stmt = NULL;
  GPtrArray *offerings = sp_store_list (store, &sp_entity_offering, "WHERE deleted = 0", NULL, &error);

  g_assert_no_error (error);
  stmt = sp_store_prepare (store, "SELECT offering_id, count (*) FROM referral WHERE deleted = 0 "
                                  "AND status IN ('referred', 'accepted', 'attending') GROUP BY offering_id", NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (taken, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *o = offerings->pdata[i];
      o->places_taken = GPOINTER_TO_INT (g_hash_table_lookup (taken, o->record.id));
    }
  return offerings;
}

static void
bench_catalogue (guint n_patients,
                 guint n_offerings,
                 gdouble target_ms)
{
  g_autofree char *path = bench_store (n_patients, n_offerings);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = sp_store_open (path, &error);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) offerings = NULL;
  g_autoptr(GArray) pure = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) gathered = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autofree char *what_pure = g_strdup_printf ("sp_match, %u offerings", n_offerings);
  g_autofree char *what_store = g_strdup_printf ("sp_store_match_patient, %u offerings", n_offerings);
  g_autofree char *target = g_strdup_printf ("< %.0f ms", target_ms);
  guint n_matches = 0, n_excluded = 0, n_reasons = 0;
  BenchStats stats;

  g_assert_no_error (error);
  ids = some_patients (store, n_patients);
  offerings = catalogue (store);
  g_assert_cmpuint (offerings->len, ==, n_offerings);

  for (guint p = 0; p < ids->len; p++)
    {
      g_autoptr(SpPatient) patient = sp_store_get_patient (store, ids->pdata[p], &error);
      g_autoptr(GPtrArray) conditions = sp_store_list_conditions (store, ids->pdata[p], &error);
      g_autoptr(GPtrArray) referrals = sp_store_list_referrals (store, ids->pdata[p], &error);
      SpMatchInput input = {
        .patient = patient, .conditions = conditions, .offerings = offerings, .referrals = referrals,
        .completed_step = 0, .completed_change = SP_CHANGE_INCOMPLETE, .today = SP_GENERATE_TODAY,
      };

      g_assert_no_error (error);
      for (guint r = 0; r < PURE_REPEATS; r++)
        {
          gdouble t0 = bench_now (), t;
          SpMatchResult *result = sp_match (&input);

          t = bench_now () - t0;
          g_array_append_val (pure, t);
          if (r == 0)
            {
              n_matches += result->matches->len;
              n_excluded += result->excluded->len;
              for (guint m = 0; m < result->matches->len; m++)
                n_reasons += ((SpMatch *) result->matches->pdata[m])->reasons->len;
            }
          sp_match_result_free (result);
        }
    }

  for (guint r = 0; r < bench_size ()->runs; r++)
    for (guint p = 0; p < ids->len; p++)
      {
        gdouble t0 = bench_now (), t;
        SpMatchResult *result = sp_store_match_patient (store, ids->pdata[p], SP_GENERATE_TODAY, &error);

        t = bench_now () - t0;
        g_assert_no_error (error);
        g_assert_nonnull (result);
        g_array_append_val (gathered, t);
        sp_match_result_free (result);
      }

  printf ("# %u patients: %.1f matches and %.1f excluded each on average, %.1f reasons a match\n",
          ids->len, n_matches / (gdouble) ids->len, n_excluded / (gdouble) ids->len,
          n_matches ? n_reasons / (gdouble) n_matches : 0.0);
  bench_stats (pure, &stats);
  bench_report_ms (what_pure, target, &stats, stats.median * 1e3 < target_ms);
  bench_stats (gathered, &stats);
  bench_report_ms (what_store, target, &stats, stats.median * 1e3 < target_ms);
}

int
main (int    argc,
      char **argv)
{
  const BenchSize *size = bench_size ();

  bench_header ("match one patient");
  bench_catalogue (size->n_patients, 1000, 2.0);
  bench_catalogue (size->n_patients, 10000, 20.0);
  return 0;
}
