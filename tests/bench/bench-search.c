/* bench-search.c — search as you type over the caseload
 *
 * Names and NHS numbers typed a key at a time, each keystroke timed:
 * sp_store_search_patients() (limit 50, what the CLI and the patient picker
 * use) and the caseload model the window shows, SpPatientList, filtered and
 * its first screenful of rows made. Target: p95 under 5 ms a keystroke.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "sp-patient-list.h"
#include "sp-patients.h"
#include "sp-store-private.h"

#define TARGET_MS 5.0
#define SCREENFUL 25

/* Common and rare names, first names and "given family". */
static const char * const names[] = {
  "Smith", "Margaret Holloway", "Kowalski", "Mohammed Ali", "Patel", "Christopher", "O'Brien",
  "Zainab", "mac donald", "Xylophone",
};

/* Typed text after each key: "S", "Sm", "Smi", … */
static GPtrArray *
keystrokes (const char *text)
{
  GPtrArray *typed = g_ptr_array_new_with_free_func (g_free);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    g_ptr_array_add (typed, g_strndup (text, g_utf8_next_char (p) - text));
  return typed;
}

/* A few NHS numbers of the caseload, typed as printed: "999 603 4534". */
static GPtrArray *
nhs_numbers (SpStore *store)
{
  GPtrArray *numbers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, "SELECT nhs_number FROM patient ORDER BY rowid LIMIT 4", NULL);

  g_assert_nonnull (stmt);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *n = (const char *) sqlite3_column_text (stmt, 0);
      g_ptr_array_add (numbers, g_strdup_printf ("%.3s %.3s %.4s", n, n + 3, n + 6));
    }
  g_ptr_array_add (numbers, g_strdup ("999 1"));
  return numbers;
}

static void
time_store_search (SpStore    *store,
                   GPtrArray  *queries,
                   guint       runs,
                   GArray     *seconds)
{
  for (guint r = 0; r < runs; r++)
    for (guint q = 0; q < queries->len; q++)
      {
        g_autoptr(GPtrArray) typed = keystrokes (queries->pdata[q]);

        for (guint k = 0; k < typed->len; k++)
          {
            g_autoptr(GError) error = NULL;
            gdouble t0 = bench_now (), t;
            GPtrArray *found = sp_store_search_patients (store, typed->pdata[k], 50, &error);

            g_assert_no_error (error);
            g_ptr_array_unref (found);
            t = bench_now () - t0;
            g_array_append_val (seconds, t);
          }
      }
}

/* One keystroke in the caseload: filter, then the rows a screen shows. */
static gdouble
list_keystroke (SpPatientList *list,
                const char    *text)
{
  gdouble t0 = bench_now ();
  guint n;

  sp_patient_list_set_search_text (list, text);
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  for (guint i = 0; i < MIN (n, SCREENFUL); i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
  return bench_now () - t0;
}

static void
time_list_search (SpPatientList *list,
                  GPtrArray     *queries,
                  guint          runs,
                  GArray        *seconds)
{
  for (guint r = 0; r < runs; r++)
    for (guint q = 0; q < queries->len; q++)
      {
        g_autoptr(GPtrArray) typed = keystrokes (queries->pdata[q]);
        gdouble t;

        for (guint k = 0; k < typed->len; k++)
          {
            t = list_keystroke (list, typed->pdata[k]);
            g_array_append_val (seconds, t);
          }
        /* Clearing the field shows the whole caseload again. */
        t = list_keystroke (list, "");
        g_array_append_val (seconds, t);
      }
}

static void
report (const char *what,
        GArray     *seconds)
{
  BenchStats stats;

  bench_stats (seconds, &stats);
  bench_report_ms (what, "p95 < 5 ms", &stats, stats.p95 * 1e3 < TARGET_MS);
}

int
main (int    argc,
      char **argv)
{
  const BenchSize *size = bench_size ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpPatientList) list = NULL;
  g_autoptr(GPtrArray) name_queries = g_ptr_array_new ();
  g_autoptr(GPtrArray) number_queries = NULL;
  g_autoptr(GArray) store_names = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) store_numbers = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) list_names = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) list_numbers = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) loads = g_array_new (FALSE, FALSE, sizeof (gdouble));
  BenchStats stats;

  bench_header ("search as you type");
  path = bench_store (size->n_patients, size->n_offerings);
  store = sp_store_open (path, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (name_queries, (gpointer) names[i]);
  number_queries = nhs_numbers (store);

  time_store_search (store, name_queries, size->runs, store_names);
  time_store_search (store, number_queries, size->runs, store_numbers);
  report ("sp_store_search_patients, name prefix", store_names);
  report ("sp_store_search_patients, NHS number prefix", store_numbers);

  /* The caseload reads its directory in a thread; then each keystroke is
   * the window's. */
  for (guint r = 0; r < size->runs; r++)
    {
      gdouble t0 = bench_now (), t;

      g_clear_object (&list);
      list = sp_patient_list_new (store);
      while (sp_patient_list_get_loading (list))
        g_main_context_iteration (NULL, TRUE);
      t = bench_now () - t0;
      g_array_append_val (loads, t);
    }
  g_assert_null (sp_patient_list_get_error (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, size->n_patients);
  bench_stats (loads, &stats);
  printf ("%-52s median %9.3f ms  min %9.3f  max %9.3f  (n=%u)\n", "caseload directory read (thread)",
          stats.median * 1e3, stats.min * 1e3, stats.max * 1e3, stats.n);

  time_list_search (list, name_queries, size->runs, list_names);
  time_list_search (list, number_queries, size->runs, list_numbers);
  report ("SpPatientList filter + first rows, name", list_names);
  report ("SpPatientList filter + first rows, NHS number", list_numbers);
  return 0;
}
