/* bench-open.c — opening the store and showing the caseload's first page
 *
 * What the window does before its first frame, without the window: open
 * the store (sp_store_open), make the caseload model, wait for its
 * directory, make the first screenful of rows. Each run is a new process,
 * so the peak resident memory (VmHWM) is that run's own. Targets (the
 * issue's for the whole first frame, here for the core's part of it): under
 * 1 s, under 200 MB.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"
#include "sp-patient-list.h"

#define SCREENFUL 25
#define TARGET_S 1.0
#define TARGET_MB 200.0

static int
child (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpPatientList) list = NULL;
  glong before = bench_peak_rss_kb ();
  gdouble t0 = bench_now ();
  guint n;

  store = sp_store_open (path, &error);
  g_assert_no_error (error);
  list = sp_patient_list_new (store);
  while (sp_patient_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (sp_patient_list_get_error (list));
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < MIN (n, SCREENFUL); i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));
  printf ("RESULT %.6f %ld %ld %u\n", bench_now () - t0, bench_peak_rss_kb (), before, n);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  const BenchSize *size;
  g_autofree char *path = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) rss = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autofree char *self = NULL;
  BenchStats t_stats, m_stats;
  glong baseline = 0;
  guint rows = 0;

  if (argc == 3 && g_str_equal (argv[1], "--child"))
    return child (argv[2]);

  size = bench_size ();
  bench_header ("open the store and load the caseload's first page");
  path = bench_store (size->n_patients, size->n_offerings);
  self = g_file_read_link ("/proc/self/exe", NULL);

  for (guint r = 0; r < size->runs + 2; r++)
    {
      const char *child_argv[] = { self, "--child", path, NULL };
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;
      gint status = 0;
      gdouble t, mb;
      glong peak = 0, before = 0;
      const char *line;

      g_spawn_sync (NULL, (char **) child_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
      g_assert_no_error (error);
      g_spawn_check_wait_status (status, &error);
      g_assert_no_error (error);
      line = strstr (out, "RESULT ");
      g_assert_nonnull (line);
      g_assert_cmpint (sscanf (line, "RESULT %lf %ld %ld %u", &t, &peak, &before, &rows), ==, 4);
      mb = peak / 1024.0;
      g_array_append_val (times, t);
      g_array_append_val (rss, mb);
      baseline = before;
    }

  bench_stats (times, &t_stats);
  bench_stats (rss, &m_stats);
  printf ("# %u patients in the caseload; the process held %.1f MB before opening\n", rows, baseline / 1024.0);
  bench_report_ms ("open + caseload first page (time)", "< 1 s", &t_stats, t_stats.median < TARGET_S);
  printf ("%-52s median %9.1f MB  min %9.1f  max %9.1f  (n=%u)  target < %.0f MB: %s\n",
          "open + caseload first page (peak RSS, VmHWM)", m_stats.median, m_stats.min, m_stats.max, m_stats.n,
          TARGET_MB, m_stats.max < TARGET_MB ? "PASS" : "MISS");
  return 0;
}
