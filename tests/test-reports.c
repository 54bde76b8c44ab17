/* test-reports.c — activity, outcomes, experience and money, to the penny
 *
 * Every expected figure is worked out by hand from the fixed store in
 * sp-report-fixture.h; the sums are in the comments next to the asserts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-reports"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "sp-demo.h"
#include "sp-patient-import.h"
#include "sp-report.h"
#include "sp-stats.h"

#include "sp-report-fixture.h"

#define assert_near(a, b) g_assert_cmpfloat_with_epsilon ((a), (b), 0.005)

static guint
count_of (GArray     *counts,
          const char *code)
{
  for (guint i = 0; i < counts->len; i++)
    if (g_str_equal (g_array_index (counts, SpReportCount, i).code, code))
      return g_array_index (counts, SpReportCount, i).n;
  g_error ("no count for %s", code);
  return 0;
}

static const SpReportCell *
cell (const SpReportDocument *document,
      const char             *table_key,
      const char             *row_label,
      const char             *column_key)
{
  const SpReportTable *table = sp_report_document_find_table (document, table_key);
  const SpReportCell *c;

  g_assert_nonnull (table);
  c = sp_report_table_lookup (table, row_label, column_key);
  if (c == NULL)
    g_error ("no cell %s / %s / %s", table_key, row_label, column_key);
  return c;
}

static const char *
shown (const SpReportDocument *document,
       const char             *table_key,
       const char             *row_label,
       const char             *column_key)
{
  return cell (document, table_key, row_label, column_key)->display;
}

static const SpOutcomeMeasure *
find_measure (const SpOutcomeGroup *group,
              SpMeasureId           measure)
{
  for (guint i = 0; i < group->measures->len; i++)
    {
      const SpOutcomeMeasure *m = group->measures->pdata[i];
      if (m->measure == measure && m->item < 0)
        return m;
    }
  return NULL;
}

static const void *
find_group (GPtrArray         *groups,
            SpReportGroupKind  kind,
            const char        *code)
{
  for (guint i = 0; i < groups->len; i++)
    {
      /* Every group type starts with its SpReportGroup. */
      const SpReportGroup *group = groups->pdata[i];
      if (group->kind == kind && g_strcmp0 (group->code, code) == 0)
        return group;
    }
  return NULL;
}

#define FIXTURE(path, func) \
  g_test_add (path, SpReportFixture, NULL, sp_report_fixture_setup, func, sp_report_fixture_teardown)

/* ---- Statistics ---------------------------------------------------------- */

static void
test_stats_mean_median (void)
{
  const gdouble odd[] = { 14, 2, 10, 7, 10 };
  const gdouble even[] = { 2, 7, 10, 10, 14, 14 };

  g_assert_true (isnan (sp_stats_mean (NULL, 0)));
  g_assert_true (isnan (sp_stats_median (NULL, 0)));
  /* (14 + 2 + 10 + 7 + 10) / 5 = 43 / 5 */
  assert_near (sp_stats_mean (odd, 5), 8.6);
  /* 2 7 10 10 14: the middle one */
  assert_near (sp_stats_median (odd, 5), 10);
  /* 2 7 10 | 10 14 14: (10 + 10) / 2 */
  assert_near (sp_stats_median (even, 6), 10);
  /* The input is left as it was. */
  g_assert_cmpfloat (odd[0], ==, 14);
}

static void
test_stats_t_table (void)
{
  /* t(0.975, df): NIST/SEMATECH table. */
  g_assert_cmpfloat (sp_stats_t_95 (1), ==, 12.706);
  g_assert_cmpfloat (sp_stats_t_95 (3), ==, 3.182);
  g_assert_cmpfloat (sp_stats_t_95 (30), ==, 2.042);
  /* Between rows the lower df's value: wider, never narrower. */
  g_assert_cmpfloat (sp_stats_t_95 (35), ==, 2.042);
  g_assert_cmpfloat (sp_stats_t_95 (40), ==, 2.021);
  g_assert_cmpfloat (sp_stats_t_95 (100), ==, 2.000);
  g_assert_cmpfloat (sp_stats_t_95 (120), ==, 1.980);
  g_assert_cmpfloat (sp_stats_t_95 (500), ==, 1.960);
}

static void
test_stats_ci (void)
{
  const gdouble changes[] = { -9, -2, 1, 2 };
  gdouble low, high;

  /* mean −2; squares about the mean 49 + 0 + 9 + 16 = 74; sd = √(74/3)
   * = 4.9666; se = 4.9666 / 2 = 2.4833; t(3) = 3.182; half = 7.9018. */
  assert_near (sp_stats_sd (changes, 4), 4.9666);
  g_assert_true (sp_stats_mean_ci_95 (changes, 4, &low, &high));
  assert_near (low, -9.9018);
  assert_near (high, 5.9018);
  /* One value has no interval. */
  g_assert_false (sp_stats_mean_ci_95 (changes, 1, &low, &high));
  g_assert_true (isnan (low) && isnan (high));
}

/* ---- Filters ------------------------------------------------------------- */

static void
test_filter_invalid (SpReportFixture *f,
                     gconstpointer    unused)
{
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(GError) error = NULL;
  SpActivityReport *report;

  g_free (filter->from);
  filter->from = g_strdup ("2026-06-01");
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_null (report);
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  g_free (filter->from);
  filter->from = g_strdup ("2026-02-30");
  g_assert_null (sp_store_activity_report (f->base.store, filter, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  g_free (filter->from);
  filter->from = g_strdup (SP_REPORT_FROM);
  filter->modality = g_strdup ("levitation");
  g_assert_null (sp_store_outcomes_report (f->base.store, filter, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&filter->modality, g_free);

  /* A practice the user is not granted is refused, not quietly empty. */
  filter->practices = g_strsplit (SP_TEST_OTHER_PRACTICE, ",", -1);
  g_assert_null (sp_store_money_report (f->base.store, filter, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);
  g_clear_pointer (&filter->practices, g_strfreev);

  filter->offering_id = sp_uuid_new ();
  g_assert_null (sp_store_experience_report (f->base.store, filter, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Nothing was left open: the store still writes. */
  g_assert_true (sp_store_set_meta (f->base.store, "after", "1", &error));
  g_assert_no_error (error);
}

/* ---- Activity ------------------------------------------------------------ */

static void
test_activity_figures (SpReportFixture *f,
                       gconstpointer    unused)
{
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SpActivityReport) report = sp_store_activity_report (f->base.store, filter, &error);

  g_assert_no_error (error);
  /* R1–R6 and R8; not R7 (March), the draft, nor Zak at B82002. */
  g_assert_cmpuint (report->n_referrals, ==, 7);
  /* Ann, Ben, Cara (twice), Dan, Eve, Fay. */
  g_assert_cmpuint (report->n_patients, ==, 6);
  /* All but Cara (MSK only): 5 / 6 = 83.33 %. */
  g_assert_cmpuint (report->n_comorbid, ==, 5);
  assert_near (report->comorbid_share * 100, 83.33);
  /* All but Dan attended: 5 / 6. */
  g_assert_cmpuint (report->n_patients_attending, ==, 5);

  g_assert_cmpuint (count_of (report->by_route, "gp"), ==, 3);
  g_assert_cmpuint (count_of (report->by_route, "self"), ==, 2);
  g_assert_cmpuint (count_of (report->by_route, "nhs_other"), ==, 1);
  g_assert_cmpuint (count_of (report->by_route, "non_nhs"), ==, 1);
  g_assert_cmpuint (report->by_status->len, ==, 7);  /* every status but draft */
  g_assert_cmpuint (count_of (report->by_status, "completed"), ==, 4);
  g_assert_cmpuint (count_of (report->by_status, "declined"), ==, 1);
  g_assert_cmpuint (count_of (report->by_status, "did_not_attend"), ==, 1);
  g_assert_cmpuint (count_of (report->by_status, "attending"), ==, 1);
  g_assert_cmpuint (count_of (report->by_status, "referred"), ==, 0);

  /* Uptake: 6 of 7 had a session = 85.71 %. */
  g_assert_cmpuint (report->n_started, ==, 6);
  assert_near (report->uptake * 100, 85.71);
  /* Ended: 4 completed + 1 declined + 1 did not attend = 6; R8 is open. */
  g_assert_cmpuint (report->n_ended, ==, 6);
  assert_near (report->completion_rate * 100, 66.67);
  assert_near (report->dna_rate * 100, 16.67);
  assert_near (report->decline_rate * 100, 16.67);
  /* Days to the first session: R6 2, R1 7, R3 10, R8 10, R2 14, R5 14:
   * median (10 + 10) / 2 = 10. */
  g_assert_cmpuint (report->n_waits, ==, 6);
  assert_near (report->median_wait_days, 10);

  g_assert_cmpstr (report->info.period, ==, "2026-04-01 to 2026-05-31");
  g_assert_cmpstr (report->info.made_at, ==, "2026-06-01T09:00:00Z");
}

static void
test_activity_document (SpReportFixture *f,
                        gconstpointer    unused)
{
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportDocument) document =
    sp_store_report_document (f->base.store, SP_REPORT_ACTIVITY, filter, SP_REPORT_FLAGS_NONE, &error);
  const SpReportChart *chart;

  g_assert_no_error (error);
  g_assert_cmpstr (shown (document, "summary", "Referrals made", "value"), ==, "7");
  g_assert_cmpstr (shown (document, "summary", "Uptake: referrals with a session attended", "value"), ==, "85.7%");
  g_assert_cmpstr (shown (document, "summary", "Uptake: referrals with a session attended", "number"), ==, "6");
  g_assert_cmpstr (shown (document, "summary", "Uptake: referrals with a session attended", "out_of"), ==, "7");
  g_assert_cmpstr (shown (document, "summary", "Completed, of referrals that have ended", "value"), ==, "66.7%");
  g_assert_cmpstr (shown (document, "summary", "Median days from referral to first session", "value"), ==, "10");
  g_assert_cmpstr (shown (document, "by_route", "GP referral", "referrals"), ==, "3");
  /* 3 / 7 = 42.86 % */
  g_assert_cmpstr (shown (document, "by_route", "GP referral", "share"), ==, "42.9%");
  g_assert_cmpstr (shown (document, "by_route", "All referrals", "referrals"), ==, "7");
  g_assert_cmpstr (shown (document, "by_status", "Completed", "referrals"), ==, "4");

  /* The chart is the status table, bar for bar. */
  g_assert_cmpuint (document->charts->len, ==, 1);
  chart = document->charts->pdata[0];
  g_assert_cmpstr (chart->key, ==, "by_status");
  g_assert_cmpuint (chart->bars->len, ==, 7);
  g_assert_cmpstr (((SpChartBar *) chart->bars->pdata[3])->label, ==, "Completed");
  g_assert_cmpfloat (((SpChartBar *) chart->bars->pdata[3])->value[0], ==, 4);
}

static void
test_activity_all_dates (SpReportFixture *f,
                         gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpActivityReport) report = sp_store_activity_report (f->base.store, NULL, &error);

  g_assert_no_error (error);
  /* R7 in March joins; the draft and Zak's referral never do. */
  g_assert_cmpuint (report->n_referrals, ==, 8);
  g_assert_cmpuint (report->n_patients, ==, 7);
  g_assert_cmpuint (count_of (report->by_status, "completed"), ==, 5);
  g_assert_cmpstr (report->info.period, ==, "All dates");
}

static void
test_activity_filters (SpReportFixture *f,
                       gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  SpActivityReport *report;

  /* Yoga: R1, R2, R6. */
  filter->modality = g_strdup ("yoga");
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 3);
  g_assert_cmpstr (report->info.filters[0], ==, "Modality: Yoga");
  sp_activity_report_free (report);
  g_clear_pointer (&filter->modality, g_free);

  /* The walking group: R5 and R8. */
  filter->offering_id = g_strdup (f->walking);
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 2);
  g_assert_cmpstr (report->info.filters[0], ==, "Offering: Walking Group");
  sp_activity_report_free (report);
  g_clear_pointer (&filter->offering_id, g_free);

  /* Paid for by the Trust: R3 and R4. */
  filter->funder_id = g_strdup (f->trust);
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 2);
  sp_activity_report_free (report);
  g_clear_pointer (&filter->funder_id, g_free);

  /* Our practice by name: the same seven as with no practice given. */
  filter->practices = g_strsplit (SP_TEST_PRACTICE, ",", -1);
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 7);
  g_assert_cmpstr (report->info.filters[0], ==, "Practices: Riverside Surgery (A81001)");
  sp_activity_report_free (report);

  /* A single day: only R4, made on 4 May. */
  g_free (filter->from);
  g_free (filter->to);
  filter->from = g_strdup ("2026-05-04");
  filter->to = g_strdup ("2026-05-04");
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 1);
  sp_activity_report_free (report);
}

static void
test_activity_practice_scope (SpReportFixture *f,
                              gconstpointer    unused)
{
  const char * const both[] = { SP_TEST_PRACTICE, SP_TEST_OTHER_PRACTICE, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  SpActivityReport *report;

  /* Granted both, Zak's referral at B82002 counts... */
  sp_store_set_actor (f->base.store, SP_TEST_USER, SP_ROLE_LINK_WORKER, both);
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 8);
  sp_activity_report_free (report);

  /* ...and can be looked at alone. */
  filter->practices = g_strsplit (SP_TEST_OTHER_PRACTICE, ",", -1);
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 1);
  sp_activity_report_free (report);

  /* A user with no practice sees nothing at all. */
  sp_store_set_actor (f->base.store, SP_TEST_USER, SP_ROLE_ADMIN, NULL);
  g_clear_pointer (&filter->practices, g_strfreev);
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 0);
  g_assert_true (isnan (report->uptake));
  g_assert_true (isnan (report->median_wait_days));
  sp_activity_report_free (report);
}

static void
test_activity_consented_only (SpReportFixture *f,
                              gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpActivityReport) report = NULL;

  /* Fay did not agree to count in evaluation: R6 goes. */
  filter->consented_only = TRUE;
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 6);
  g_assert_cmpuint (report->n_patients, ==, 5);
  g_assert_cmpuint (report->n_comorbid, ==, 4);
  g_assert_cmpuint (count_of (report->by_status, "completed"), ==, 3);
  g_assert_true (g_strv_contains ((const char * const *) report->info.filters,
                                  "Only patients who agreed to count in anonymised evaluation"));
}

/* Called inside someone else's transaction, a report reads in it rather
 * than failing to begin its own. */
static void
test_activity_in_transaction (SpReportFixture *f,
                              gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpActivityReport) report = NULL;

  g_assert_true (sp_store_begin (f->base.store, &error));
  report = sp_store_activity_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_referrals, ==, 7);
  g_assert_true (sp_store_commit (f->base.store, &error));
  g_assert_no_error (error);
}

/* ---- Outcomes ------------------------------------------------------------ */

static void
test_outcomes_figures (SpReportFixture *f,
                       gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpOutcomesReport) report = sp_store_outcomes_report (f->base.store, filter, &error);
  const SpOutcomeGroup *all;
  const SpOutcomeMeasure *m;

  g_assert_no_error (error);
  all = report->groups->pdata[0];
  g_assert_cmpint (all->group.kind, ==, SP_REPORT_GROUP_ALL);

  /* PHQ-9 on R1 15→6, R2 12→10, R3 8→9, R6 18→20 (R4 has no follow-up).
   * Baseline mean 53/4 = 13.25; follow-up 45/4 = 11.25; changes −9, −2,
   * +1, +2: mean −2.00, median (−2 + 1)/2 = −0.50, CI −2 ± 3.182 × 4.9666/2
   * = −9.90 to 5.90. Reliable: R1 only (drop 9 ≥ 6) = 25 %. */
  m = find_measure (all, SP_MEASURE_PHQ9);
  g_assert_nonnull (m);
  g_assert_cmpuint (m->n, ==, 4);
  assert_near (m->mean_baseline, 13.25);
  assert_near (m->mean_follow_up, 11.25);
  assert_near (m->mean_change, -2.00);
  assert_near (m->median_change, -0.50);
  assert_near (m->ci_low, -9.9018);
  assert_near (m->ci_high, 5.9018);
  g_assert_cmpuint (m->n_improved, ==, 1);
  g_assert_cmpuint (m->n_deteriorated, ==, 0);
  assert_near (m->improved_share * 100, 25.00);
  g_assert_true (m->small_numbers);
  g_assert_false (m->higher_is_better);
  g_assert_cmpfloat (m->range_max, ==, 27);

  /* GAD-7 on R1 12→5, R2 9→9, R6 10→16: baseline 31/3 = 10.33, follow-up
   * 30/3 = 10.00, changes −7, 0, +6: mean −0.33, median 0; sd 6.5064,
   * t(2) = 4.303: CI −0.33 ± 16.164 = −16.50 to 15.83. R1 improved (drop 7
   * ≥ 4), R6 worsened (rise 6 ≥ 4): a third each. */
  m = find_measure (all, SP_MEASURE_GAD7);
  g_assert_cmpuint (m->n, ==, 3);
  assert_near (m->mean_baseline, 10.333);
  assert_near (m->mean_follow_up, 10.00);
  assert_near (m->mean_change, -0.333);
  assert_near (m->median_change, 0);
  assert_near (m->ci_low, -16.4974);
  assert_near (m->ci_high, 15.8308);
  assert_near (m->improved_share * 100, 33.33);
  assert_near (m->deteriorated_share * 100, 33.33);

  /* MSK-HQ on R3 20→30 (rise 10 ≥ 6), pain 8→5 (drop 3 ≥ 2): one each, no interval. */
  m = find_measure (all, SP_MEASURE_MSKHQ);
  g_assert_cmpuint (m->n, ==, 1);
  assert_near (m->mean_change, 10);
  g_assert_true (isnan (m->ci_low));
  g_assert_cmpuint (m->n_improved, ==, 1);
  g_assert_true (m->higher_is_better);
  m = find_measure (all, SP_MEASURE_PAIN_NRS);
  assert_near (m->mean_change, -3);
  g_assert_cmpuint (m->n_improved, ==, 1);

  /* Nobody has SWEMWBS or ONS4: those rows are left out. */
  g_assert_null (find_measure (all, SP_MEASURE_SWEMWBS));
  g_assert_cmpuint (all->measures->len, ==, 4);

  /* Recovery over R1, R2, R6 (PHQ-9 and GAD-7 at both ends), all at
   * caseness at baseline. R1 is below both at follow-up (6 < 10, 5 < 8)
   * and improved reliably on both: reliably recovered. R2 is still at
   * PHQ-9 10, R6 at 20: not recovered. 1 / 3 = 33.33 %. */
  g_assert_cmpuint (all->n_caseness, ==, 3);
  g_assert_cmpuint (all->n_recovered, ==, 1);
  g_assert_cmpuint (all->n_reliably_recovered, ==, 1);
  assert_near (all->recovery_rate * 100, 33.33);
  assert_near (all->reliable_recovery_rate * 100, 33.33);
}

static void
test_outcomes_groups (SpReportFixture *f,
                      gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpOutcomesReport) report = sp_store_outcomes_report (f->base.store, filter, &error);
  const SpOutcomeGroup *yoga, *acupuncture, *walking, *offering;
  const SpOutcomeMeasure *m;

  g_assert_no_error (error);
  /* Everyone, three modalities, three offerings. */
  g_assert_cmpuint (report->groups->len, ==, 7);

  /* Yoga: PHQ-9 on R1, R2, R6: −9, −2, +2: mean −3.00, sd 5.5678, t(2)
   * 4.303: −3 ± 13.832 = −16.83 to 10.83. */
  yoga = find_group (report->groups, SP_REPORT_GROUP_MODALITY, "yoga");
  g_assert_nonnull (yoga);
  g_assert_cmpstr (yoga->group.label, ==, "Yoga");
  m = find_measure (yoga, SP_MEASURE_PHQ9);
  g_assert_cmpuint (m->n, ==, 3);
  assert_near (m->mean_change, -3);
  assert_near (m->ci_low, -16.8322);
  assert_near (m->ci_high, 10.8322);
  g_assert_cmpuint (yoga->n_caseness, ==, 3);

  acupuncture = find_group (report->groups, SP_REPORT_GROUP_MODALITY, "acupuncture");
  g_assert_cmpuint (find_measure (acupuncture, SP_MEASURE_PHQ9)->n, ==, 1);
  g_assert_cmpuint (acupuncture->n_caseness, ==, 0);

  walking = find_group (report->groups, SP_REPORT_GROUP_MODALITY, "walking_group");
  g_assert_cmpuint (walking->measures->len, ==, 0);

  offering = find_group (report->groups, SP_REPORT_GROUP_OFFERING, f->acupuncture);
  g_assert_cmpstr (offering->group.label, ==, "Acupuncture for Pain");
  assert_near (find_measure (offering, SP_MEASURE_MSKHQ)->mean_change, 10);
}

static void
test_outcomes_document (SpReportFixture *f,
                        gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpReportDocument) document =
    sp_store_report_document (f->base.store, SP_REPORT_OUTCOMES, filter, SP_REPORT_FLAGS_NONE, &error);
  const SpReportChart *chart;
  const SpChartBar *bar;

  g_assert_no_error (error);
  g_assert_cmpstr (shown (document, "measures", "PHQ-9 (depression)", "mean_change"), ==, "−2.00");
  g_assert_cmpstr (shown (document, "measures", "PHQ-9 (depression)", "ci_low"), ==, "−9.90");
  g_assert_cmpstr (shown (document, "measures", "PHQ-9 (depression)", "ci_high"), ==, "5.90");
  g_assert_cmpstr (shown (document, "measures", "PHQ-9 (depression)", "median_change"), ==, "−0.50");
  g_assert_cmpstr (shown (document, "measures", "GAD-7 (anxiety)", "mean_baseline"), ==, "10.33");
  g_assert_cmpstr (shown (document, "measures", "GAD-7 (anxiety)", "mean_change"), ==, "−0.33");
  g_assert_cmpstr (shown (document, "measures", "GAD-7 (anxiety)", "ci_low"), ==, "−16.50");
  g_assert_cmpstr (shown (document, "measures", "GAD-7 (anxiety)", "improved"), ==, "33.3%");
  g_assert_cmpstr (shown (document, "measures", "GAD-7 (anxiety)", "caveat"), ==, "n < 10");
  g_assert_cmpstr (shown (document, "measures", "MSK-HQ (musculoskeletal health)", "ci_low"), ==, "—");
  g_assert_cmpstr (shown (document, "recovery", "All referrals", "recovery_rate"), ==, "33.3%");
  g_assert_cmpstr (shown (document, "by_modality", "Yoga / PHQ-9 (depression)", "mean_change"), ==, "−3.00");

  chart = document->charts->pdata[0];
  g_assert_cmpint (chart->kind, ==, SP_CHART_PAIRS);
  bar = chart->bars->pdata[0];
  g_assert_cmpstr (bar->label, ==, "PHQ-9 (depression)");
  assert_near (bar->value[0], 13.25);
  assert_near (bar->value[1], 11.25);
  g_assert_cmpfloat (bar->scale_max, ==, 27);
}

/* ---- Experience ---------------------------------------------------------- */

static void
test_experience_figures (SpReportFixture *f,
                         gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpExperienceReport) report = sp_store_experience_report (f->base.store, filter, &error);
  g_autoptr(SpReportDocument) document = NULL;
  const SpExperienceGroup *all, *yoga, *acupuncture;

  g_assert_no_error (error);
  /* Very good (R1), good (R2), don't know (R3), poor (R6). Positive 2 of
   * the 3 that knew: 66.67 %. */
  all = report->groups->pdata[0];
  g_assert_cmpuint (all->n_completed, ==, 4);
  g_assert_cmpuint (all->n_answers, ==, 4);
  g_assert_cmpuint (all->n_known, ==, 3);
  g_assert_cmpuint (all->n_positive, ==, 2);
  g_assert_cmpuint (all->counts[0], ==, 1);
  g_assert_cmpuint (all->counts[3], ==, 1);
  g_assert_cmpuint (all->counts[5], ==, 1);
  assert_near (all->share_positive * 100, 66.67);

  /* Yoga: very good, good, poor: 2 / 3. Acupuncture: only don't know. */
  yoga = find_group (report->groups, SP_REPORT_GROUP_MODALITY, "yoga");
  assert_near (yoga->share_positive * 100, 66.67);
  acupuncture = find_group (report->groups, SP_REPORT_GROUP_MODALITY, "acupuncture");
  g_assert_cmpuint (acupuncture->n_known, ==, 0);
  g_assert_true (isnan (acupuncture->share_positive));

  document = sp_experience_report_document (report, SP_REPORT_FLAGS_NONE);
  g_assert_cmpstr (shown (document, "share_positive", "All / All referrals", "share_positive"), ==, "66.7%");
  g_assert_cmpstr (shown (document, "share_positive", "Modality / Acupuncture", "share_positive"), ==, "—");
  g_assert_cmpstr (shown (document, "answers", "Don’t know", "responses"), ==, "1");
  /* The walking group has had no one to ask: no row. */
  g_assert_null (sp_report_table_lookup (sp_report_document_find_table (document, "share_positive"),
                                         "Modality / Walking group", "answers"));
}

/* ---- Money --------------------------------------------------------------- */

static void
test_money_figures (SpReportFixture *f,
                    gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpMoneyReport) report = sp_store_money_report (f->base.store, filter, &error);

  g_assert_no_error (error);
  /* Fee × sessions: R1 £10 × 6 = £60; R2 £10 × 4 = £40; R3 £30 × 4 =
   * £120; R4 0; R5 £5 × 2 = £10; R6 £10 × 6 = £60; R8 £5 × 1 = £5.
   * Total £295.00. */
  g_assert_cmpint (report->sessions_attended, ==, 23);
  g_assert_cmpint (report->total_cost, ==, 29500);
  /* Patients: R1 £4 × 6 = 24; R2 £7 × 4 = 28; R5 £2 × 2 = 4; R6 £4 × 6 =
   * 24; R3 and R8 exempt: £80.00. */
  g_assert_cmpint (report->patient_cost, ==, 8000);
  /* Funders: R1 £6 × 6 = 36; R2 £3 × 4 = 12; R3 £30 × 4 = 120; R6 £6 × 6
   * = 36: £204.00. */
  g_assert_cmpint (report->funder_cost, ==, 20400);
  /* No funder for the walking group: R5 £3 × 2 + R8 £5 × 1 = £11.00 waived. */
  g_assert_cmpint (report->waived, ==, 1100);
  g_assert_cmpint (report->patient_cost + report->funder_cost + report->waived, ==, report->total_cost);
  /* Collected: Ann 24 + Ben (7 + 7 + 7 − 7) 14 + Eve 2 + Fay 24 = £64.00;
   * outstanding 80 − 64 = £16.00. */
  g_assert_cmpint (report->copay_collected, ==, 6400);
  g_assert_cmpint (report->copay_outstanding, ==, 1600);
  /* The ICB £36 on R1 and the Trust £60 on R3. */
  g_assert_cmpint (report->funder_paid, ==, 9600);
  /* Completed: Ann, Ben, Cara, Fay: £295 / 4 = £73.75. */
  g_assert_cmpuint (report->n_completers, ==, 4);
  g_assert_cmpint (report->cost_per_completer, ==, 7375);
  /* Reliably better on one measure and worse on none: Ann (PHQ-9, GAD-7)
   * and Cara (MSK-HQ, pain); not Fay (GAD-7 worse). £295 / 2 = £147.50. */
  g_assert_cmpuint (report->n_improved, ==, 2);
  g_assert_cmpint (report->cost_per_improved, ==, 14750);
  g_assert_cmpuint (report->n_patients, ==, 6);
  g_assert_cmpuint (report->n_referrals, ==, 7);
}

static void
test_money_funders (SpReportFixture *f,
                    gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpMoneyReport) report = sp_store_money_report (f->base.store, filter, &error);
  g_autoptr(SpReportDocument) document = NULL;
  const SpFunderMoney *icb, *trust;
  SpFunderSpend spend;

  g_assert_no_error (error);
  g_assert_cmpuint (report->funders->len, ==, 2);
  /* By name: "Hollin…" before the quote-led name sorts... as SQLite sorts. */
  icb = g_str_equal (((SpFunderMoney *) report->funders->pdata[0])->funder_id, f->icb)
        ? report->funders->pdata[0] : report->funders->pdata[1];
  trust = icb == report->funders->pdata[0] ? report->funders->pdata[1] : report->funders->pdata[0];

  /* The ICB's year from 1 April 2026 counts every practice's referrals,
   * Zak's at B82002 too: spent R1 36 + R2 12 + R6 36 + Zak £6 × 3 = £102;
   * committed Zak's 3 sessions to come = £18; remaining 5,000 − 102 − 18. */
  g_assert_true (sp_store_funder_spend (f->base.store, f->icb, &spend, &error));
  g_assert_cmpint (icb->budget, ==, 500000);
  g_assert_cmpint (icb->spent, ==, spend.spent);
  g_assert_cmpint (icb->spent, ==, 10200);
  g_assert_cmpint (icb->committed, ==, 1800);
  g_assert_cmpint (icb->remaining, ==, 488000);
  g_assert_cmpint (icb->paid, ==, 3600);
  /* This report's referrals only: R1, R2, R6 = £84.00. */
  g_assert_cmpint (icb->in_report, ==, 8400);
  g_assert_cmpstr (icb->year_start, ==, "2026-04-01");

  g_assert_cmpint (trust->spent, ==, 12000);
  g_assert_cmpint (trust->committed, ==, 0);
  g_assert_cmpint (trust->remaining, ==, 88000);
  g_assert_cmpint (trust->paid, ==, 6000);
  g_assert_cmpint (trust->in_report, ==, 12000);

  document = sp_money_report_document (report, SP_REPORT_FLAGS_NONE);
  g_assert_cmpstr (shown (document, "summary", "Total cost (fee × sessions attended)", "amount"), ==, "£295.00");
  g_assert_cmpstr (shown (document, "summary", "Cost per patient completing", "amount"), ==, "£73.75");
  g_assert_cmpstr (shown (document, "summary", "Cost per patient reliably improved", "amount"), ==, "£147.50");
  g_assert_cmpstr (shown (document, "funders", "Hollin Dales ICB", "budget"), ==, "£5,000.00");
  g_assert_cmpstr (shown (document, "funders", "Hollin Dales ICB", "remaining"), ==, "£4,880.00");

  /* Only one funder asked for: only its row. */
  filter->funder_id = g_strdup (f->trust);
  sp_money_report_free (g_steal_pointer (&report));
  report = sp_store_money_report (f->base.store, filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->funders->len, ==, 1);
  g_assert_cmpint (report->total_cost, ==, 12000);
}

/* ---- Small numbers ------------------------------------------------------- */

static void
test_suppress_counts (SpReportFixture *f,
                      gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpReportDocument) document =
    sp_store_report_document (f->base.store, SP_REPORT_ACTIVITY, filter, SP_REPORT_FLAGS_SUPPRESS, &error);
  g_autoptr(SpReportDocument) money = NULL;
  g_autoptr(SpReportDocument) outcomes = NULL;
  const SpReportCell *c;

  g_assert_no_error (error);
  g_assert_true (document->suppressed);
  /* 7, 6 and 5 are shown; 1 to 4 are not; 0 is. */
  g_assert_cmpstr (shown (document, "summary", "Referrals made", "value"), ==, "7");
  g_assert_cmpstr (shown (document, "summary", "Patients seen", "value"), ==, "6");
  g_assert_cmpstr (shown (document, "by_route", "GP referral", "referrals"), ==, "<5");
  g_assert_cmpstr (shown (document, "by_route", "Other NHS professional", "referrals"), ==, "<5");
  g_assert_cmpstr (shown (document, "by_status", "Referred", "referrals"), ==, "0");
  g_assert_cmpstr (shown (document, "by_status", "Completed", "referrals"), ==, "<5");
  g_assert_cmpstr (shown (document, "by_status", "All referrals", "referrals"), ==, "7");
  /* A rate from a withheld count would give it away. */
  g_assert_cmpstr (shown (document, "by_route", "GP referral", "share"), ==, "[c]");
  g_assert_cmpstr (shown (document, "summary", "Completed, of referrals that have ended", "value"), ==, "[c]");
  g_assert_cmpstr (shown (document, "summary", "Completed, of referrals that have ended", "number"), ==, "<5");
  /* 6 of 7, 5 of 6: nothing small. */
  g_assert_cmpstr (shown (document, "summary", "Uptake: referrals with a session attended", "value"), ==, "85.7%");
  c = cell (document, "by_route", "GP referral", "referrals");
  g_assert_true (c->suppressed);
  g_assert_true (isnan (c->number));
  /* No bar is drawn for a withheld count. */
  g_assert_true (isnan (((SpChartBar *) ((SpReportChart *) document->charts->pdata[0])->bars->pdata[3])->value[0]));
  g_assert_cmpstr (((SpChartBar *) ((SpReportChart *) document->charts->pdata[0])->bars->pdata[3])->display[0], ==, "<5");

  /* Means over 1–4 people are withheld; per-person money too. */
  outcomes = sp_store_report_document (f->base.store, SP_REPORT_OUTCOMES, filter, SP_REPORT_FLAGS_SUPPRESS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shown (outcomes, "measures", "PHQ-9 (depression)", "n"), ==, "<5");
  g_assert_cmpstr (shown (outcomes, "measures", "PHQ-9 (depression)", "mean_change"), ==, "[c]");
  g_assert_cmpstr (shown (outcomes, "measures", "PHQ-9 (depression)", "ci_low"), ==, "[c]");
  money = sp_store_report_document (f->base.store, SP_REPORT_MONEY, filter, SP_REPORT_FLAGS_SUPPRESS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shown (money, "summary", "Total cost (fee × sessions attended)", "amount"), ==, "£295.00");
  g_assert_cmpstr (shown (money, "summary", "Cost per patient completing", "amount"), ==, "[c]");
  g_assert_cmpstr (shown (money, "summary", "Cost per patient completing", "patients"), ==, "<5");
}

/* Where the parts add up to a total shown beside them, one withheld part
 * could be found by subtraction: the next smallest is withheld too. */
static void
test_suppress_secondary (SpReportFixture *f,
                         gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpActivityReport) report = sp_store_activity_report (f->base.store, NULL, &error);
  g_autoptr(SpReportDocument) document = NULL;

  g_assert_no_error (error);
  /* Routes 20, 9, 3, 0: only the 3 is small; 9 must go with it. */
  g_array_index (report->by_route, SpReportCount, 0).n = 20;
  g_array_index (report->by_route, SpReportCount, 1).n = 9;
  g_array_index (report->by_route, SpReportCount, 2).n = 3;
  g_array_index (report->by_route, SpReportCount, 3).n = 0;
  report->n_referrals = 32;
  document = sp_activity_report_document (report, SP_REPORT_FLAGS_SUPPRESS);
  g_assert_cmpstr (shown (document, "by_route", "GP referral", "referrals"), ==, "20");
  g_assert_cmpstr (shown (document, "by_route", "GP referral", "share"), ==, "62.5%");
  g_assert_cmpstr (shown (document, "by_route", "Other NHS professional", "referrals"), ==, "<5");
  g_assert_cmpstr (shown (document, "by_route", "Self-referral", "referrals"), ==, "[c]");
  g_assert_cmpstr (shown (document, "by_route", "Self-referral", "share"), ==, "[c]");
  g_assert_cmpstr (shown (document, "by_route", "Non-NHS referrer", "referrals"), ==, "0");
  g_assert_cmpstr (shown (document, "by_route", "All referrals", "referrals"), ==, "32");

  /* Without the flag nothing is withheld. */
  sp_report_document_free (g_steal_pointer (&document));
  document = sp_activity_report_document (report, SP_REPORT_FLAGS_NONE);
  g_assert_cmpstr (shown (document, "by_route", "Other NHS professional", "referrals"), ==, "3");
  g_assert_cmpstr (shown (document, "by_route", "Self-referral", "referrals"), ==, "9");
}

/* JSON says a value was withheld, and has none: no leaking through the raw value. */
static void
test_suppress_json (SpReportFixture *f,
                    gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpReportDocument) document =
    sp_store_report_document (f->base.store, SP_REPORT_ACTIVITY, filter, SP_REPORT_FLAGS_SUPPRESS, &error);
  g_autoptr(JsonNode) root = sp_report_document_to_json (document);
  g_autofree char *text = json_to_string (root, FALSE);
  JsonObject *table, *row, *gp;

  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (root), "suppressed"));
  table = json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "tables"), 1);
  g_assert_cmpstr (json_object_get_string_member (table, "key"), ==, "by_route");
  row = json_array_get_object_element (json_object_get_array_member (table, "rows"), 0);
  gp = json_object_get_object_member (json_object_get_object_member (row, "cells"), "referrals");
  g_assert_true (json_object_get_null_member (gp, "value"));
  g_assert_cmpstr (json_object_get_string_member (gp, "display"), ==, "<5");
  g_assert_true (json_object_get_boolean_member (gp, "suppressed"));
  g_assert_cmpstr (json_object_get_string_member (gp, "unit"), ==, "count");
  sp_rf_assert_lacks (text, "\"value\":3,");
}

/* ---- CSV and JSON ---------------------------------------------------------- */

/* The CSV's rows, through the core's own reader. */
static GPtrArray *
parse_csv (const char *text,
           gsize       length)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = sp_csv_parse (text, length, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

static GStrv
csv_row (GPtrArray  *rows,
         const char *first)
{
  for (guint i = 0; i < rows->len; i++)
    {
      GStrv row = rows->pdata[i];
      if (row[0] != NULL && g_str_equal (row[0], first))
        return row;
    }
  g_error ("no CSV row starts with “%s”", first);
  return NULL;
}

static void
test_csv_reparse (SpReportFixture *f,
                  gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpReportDocument) activity =
    sp_store_report_document (f->base.store, SP_REPORT_ACTIVITY, filter, SP_REPORT_FLAGS_NONE, &error);
  g_autoptr(SpReportDocument) money =
    sp_store_report_document (f->base.store, SP_REPORT_MONEY, filter, SP_REPORT_FLAGS_NONE, &error);
  g_autoptr(SpReportDocument) outcomes =
    sp_store_report_document (f->base.store, SP_REPORT_OUTCOMES, filter, SP_REPORT_FLAGS_NONE, &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *text = NULL;
  gsize length;
  GStrv row;

  g_assert_no_error (error);

  text = sp_report_document_to_csv (activity, &length);
  rows = parse_csv (text, length);
  g_assert_cmpstr (csv_row (rows, "Report")[1], ==, "Activity");
  g_assert_cmpstr (csv_row (rows, "Period")[1], ==, "2026-04-01 to 2026-05-31");
  row = csv_row (rows, "Uptake: referrals with a session attended");
  /* A percentage a spreadsheet reads as 0.8571. */
  g_assert_cmpstr (row[1], ==, "85.71%");
  g_assert_cmpstr (row[2], ==, "6");
  g_assert_cmpstr (row[3], ==, "7");
  g_assert_cmpstr (csv_row (rows, "Did not attend, of referrals that have ended")[1], ==, "16.67%");
  g_assert_cmpstr (csv_row (rows, "Median days from referral to first session")[1], ==, "10.0");
  g_assert_cmpstr (csv_row (rows, "GP referral")[1], ==, "3");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&text, g_free);

  /* Pounds with two decimals: no £, no thousands separator. */
  text = sp_report_document_to_csv (money, &length);
  rows = parse_csv (text, length);
  g_assert_cmpstr (csv_row (rows, "Total cost (fee × sessions attended)")[1], ==, "295.00");
  g_assert_cmpstr (csv_row (rows, "Co-payments outstanding")[1], ==, "16.00");
  g_assert_cmpstr (csv_row (rows, "Cost per patient completing")[1], ==, "73.75");
  g_assert_cmpstr (csv_row (rows, "Cost per patient reliably improved")[1], ==, "147.50");
  row = csv_row (rows, "Hollin Dales ICB");
  g_assert_cmpstr (row[1], ==, "2026-04-01");
  g_assert_cmpstr (row[2], ==, "5000.00");
  g_assert_cmpstr (row[3], ==, "102.00");
  g_assert_cmpstr (row[5], ==, "4880.00");
  g_assert_cmpstr (row[7], ==, "84.00");
  /* A name with a quote and a comma comes back whole. */
  row = csv_row (rows, "\"Wellbeing\" Trust, Hollin");
  g_assert_cmpstr (row[3], ==, "120.00");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&text, g_free);

  /* Negative changes with a plain minus, for a spreadsheet. */
  text = sp_report_document_to_csv (outcomes, &length);
  rows = parse_csv (text, length);
  row = csv_row (rows, "PHQ-9 (depression)");
  g_assert_cmpstr (row[1], ==, "4");
  g_assert_cmpstr (row[2], ==, "13.25");
  g_assert_cmpstr (row[4], ==, "-2.00");
  g_assert_cmpstr (row[5], ==, "-9.90");
  g_assert_cmpstr (row[6], ==, "5.90");
  g_assert_cmpstr (row[7], ==, "-0.50");
  g_assert_cmpstr (row[8], ==, "25.00%");
  /* No interval for one person: an empty cell, not a dash. */
  g_assert_cmpstr (csv_row (rows, "MSK-HQ (musculoskeletal health)")[5], ==, "");
}

static void
test_csv_format (SpReportFixture *f,
                 gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpReportDocument) money =
    sp_store_report_document (f->base.store, SP_REPORT_MONEY, filter, SP_REPORT_FLAGS_NONE, &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *text = NULL;
  g_autofree char *guarded = NULL;
  g_autofree char *plain = NULL;
  const SpReportTable *funders;
  SpReportCell *name;
  gsize length;
  guint width;

  g_assert_no_error (error);
  text = sp_report_document_to_csv (money, &length);
  /* UTF-8 with a byte-order mark, so Excel reads “£” and “×” right. */
  g_assert_cmpuint (length, ==, strlen (text));
  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF"));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  /* RFC 4180: CRLF after every record; a quote inside a field doubled. */
  g_assert_true (g_str_has_suffix (text, "\r\n"));
  sp_rf_assert_contains (text, "\"\"\"Wellbeing\"\" Trust, Hollin\",");
  sp_rf_assert_lacks (text, "£");

  /* Every record has the same number of fields. */
  rows = parse_csv (text, length);
  width = g_strv_length (rows->pdata[0]);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpuint (g_strv_length (rows->pdata[i]), ==, width);

  /* A name a spreadsheet would run as a formula is defused. */
  funders = sp_report_document_find_table (money, "funders");
  name = ((SpReportRow *) funders->rows->pdata[0])->cells->pdata[0];
  g_free (name->text);
  name->text = g_strdup ("=HYPERLINK(\"http://example.com\")");
  guarded = sp_report_cell_csv_value (name);
  g_assert_cmpstr (guarded, ==, "'=HYPERLINK(\"http://example.com\")");
  g_free (name->text);
  name->text = g_strdup ("Plain name");
  plain = sp_report_cell_csv_value (name);
  g_assert_cmpstr (plain, ==, "Plain name");
}

static void
test_json_figures (SpReportFixture *f,
                   gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_rf_filter ();
  g_autoptr(SpReportDocument) money =
    sp_store_report_document (f->base.store, SP_REPORT_MONEY, filter, SP_REPORT_FLAGS_NONE, &error);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object, *table, *cells, *amount;

  g_assert_no_error (error);
  root = sp_report_document_to_json (money);
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "report"), ==, "money");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "filter"), "from"), ==,
                   SP_REPORT_FROM);
  table = json_array_get_object_element (json_object_get_array_member (object, "tables"), 0);
  /* Row 2: the total cost, in whole pence. */
  cells = json_object_get_object_member (
    json_array_get_object_element (json_object_get_array_member (table, "rows"), 2), "cells");
  amount = json_object_get_object_member (cells, "amount");
  g_assert_cmpint (json_object_get_int_member (amount, "value"), ==, 29500);
  g_assert_cmpstr (json_object_get_string_member (amount, "unit"), ==, "pence");
  g_assert_cmpstr (json_object_get_string_member (amount, "display"), ==, "£295.00");
  g_assert_false (json_object_has_member (amount, "suppressed"));
}

/* ---- Through signpost-cli: CSV, JSON and a PDF read back ------------------- */

static void
test_cli_pdf (SpReportFixture *f,
              gconstpointer    unused)
{
  g_autofree char *activity = g_build_filename (f->base.dir, "activity.pdf", NULL);
  g_autofree char *money = g_build_filename (f->base.dir, "money.pdf", NULL);
  g_autofree char *outcomes = g_build_filename (f->base.dir, "outcomes.pdf", NULL);
  g_autofree char *text = NULL;
  g_autoptr(SpRfRun) run = NULL;
  g_autoptr(GBytes) bytes = NULL;

  run = sp_rf_cli (f, "report", "activity", "--from", SP_REPORT_FROM, "--to", SP_REPORT_TO, "--pdf", activity, NULL);
  g_assert_cmpint (run->status, ==, 0);
  sp_rf_assert_contains (run->out, "Saved the report");
  bytes = sp_test_read_file (activity);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (bytes, NULL), "%PDF-"));

  text = sp_rf_pdf_text (activity);
  if (text == NULL)
    return;
  sp_rf_assert_contains (text, "Activity report");
  sp_rf_assert_contains (text, "Period: 2026-04-01 to 2026-05-31");
  sp_rf_assert_contains (text, "Made: ");  /* the CLI's own clock: now */
  sp_rf_assert_contains (text, "85.7%");
  sp_rf_assert_contains (text, "66.7%");
  sp_rf_assert_contains (text, "Referrals by status");
  sp_rf_assert_contains (text, "Median days from referral to first session");
  g_clear_pointer (&text, g_free);

  g_clear_pointer (&run, sp_rf_run_free);
  run = sp_rf_cli (f, "report", "money", "--from", SP_REPORT_FROM, "--to", SP_REPORT_TO, "--pdf", money, NULL);
  g_assert_cmpint (run->status, ==, 0);
  text = sp_rf_pdf_text (money);
  sp_rf_assert_contains (text, "£295.00");
  sp_rf_assert_contains (text, "£73.75");
  sp_rf_assert_contains (text, "£147.50");
  sp_rf_assert_contains (text, "£5,000.00");
  sp_rf_assert_contains (text, "Spend against budget");
  g_clear_pointer (&text, g_free);

  g_clear_pointer (&run, sp_rf_run_free);
  run = sp_rf_cli (f, "report", "outcomes", "--from", SP_REPORT_FROM, "--to", SP_REPORT_TO, "--pdf", outcomes, NULL);
  g_assert_cmpint (run->status, ==, 0);
  text = sp_rf_pdf_text (outcomes);
  sp_rf_assert_contains (text, "13.25");
  sp_rf_assert_contains (text, "−9.90");
  sp_rf_assert_contains (text, "−16.50");
  sp_rf_assert_contains (text, "Mean score before and after");
}

static void
test_cli_csv_json (SpReportFixture *f,
                   gconstpointer    unused)
{
  g_autoptr(SpRfRun) run = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonObject) object = NULL;

  run = sp_rf_cli (f, "report", "money", "--from", SP_REPORT_FROM, "--to", SP_REPORT_TO, "--csv", NULL);
  g_assert_cmpint (run->status, ==, 0);
  rows = parse_csv (run->out, strlen (run->out));
  g_assert_cmpstr (csv_row (rows, "Total cost (fee × sessions attended)")[1], ==, "295.00");
  g_clear_pointer (&run, sp_rf_run_free);

  /* By the offering's name; --suppress withholds and leaves Fay out. */
  run = sp_rf_cli (f, "--json", "report", "activity", "--from", SP_REPORT_FROM, "--to", SP_REPORT_TO,
             "--offering", "gentle yoga", "--suppress", NULL);
  g_assert_cmpint (run->status, ==, 0);
  object = sp_test_parse_object (run->out);
  g_assert_true (json_object_get_boolean_member (object, "suppressed"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (object, "filter"),
                                                 "consented_only"));
  sp_rf_assert_contains (run->out, "\"display\" : \"<5\"");
  g_clear_pointer (&run, sp_rf_run_free);

  /* Plain text for a person. */
  run = sp_rf_cli (f, "report", "experience", "--from", SP_REPORT_FROM, "--to", SP_REPORT_TO, NULL);
  g_assert_cmpint (run->status, ==, 0);
  sp_rf_assert_contains (run->out, "Patient experience report");
  sp_rf_assert_contains (run->out, "66.7%");
  g_clear_pointer (&run, sp_rf_run_free);

  /* Misuse is exit 2; a bad date is the data's fault, exit 1. */
  run = sp_rf_cli (f, "--json", "report", "money", "--csv", NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_clear_pointer (&run, sp_rf_run_free);
  run = sp_rf_cli (f, "report", "money", "--from", "2026-13-01", NULL);
  g_assert_cmpint (run->status, ==, 1);
  g_clear_pointer (&run, sp_rf_run_free);
  run = sp_rf_cli (f, "report", "money", "--funder", "Nobody At All", NULL);
  g_assert_cmpint (run->status, ==, 1);
  sp_rf_assert_contains (run->err, "No funder");
}

/* ---- The demo ------------------------------------------------------------ */

static void
test_demo_consistent (SpTestStore   *fixture,
                      gconstpointer  unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpActivityReport) activity = NULL;
  g_autoptr(SpOutcomesReport) outcomes = NULL;
  g_autoptr(SpExperienceReport) experience = NULL;
  g_autoptr(SpMoneyReport) money = NULL;
  guint sum = 0;
  const SpOutcomeGroup *all;

  g_assert_true (sp_store_seed_demo (fixture->store, &error));
  g_assert_no_error (error);

  activity = sp_store_activity_report (fixture->store, NULL, &error);
  g_assert_no_error (error);
  /* 38 referrals, one of them a draft. */
  g_assert_cmpuint (activity->n_referrals, ==, 37);
  g_assert_cmpuint (count_of (activity->by_status, "completed"), ==, 15);
  g_assert_cmpuint (activity->n_completed, ==, 15);
  g_assert_cmpuint (activity->n_patients, ==, 30);
  for (guint i = 0; i < activity->by_status->len; i++)
    sum += g_array_index (activity->by_status, SpReportCount, i).n;
  g_assert_cmpuint (sum, ==, activity->n_referrals);
  sum = 0;
  for (guint i = 0; i < activity->by_route->len; i++)
    sum += g_array_index (activity->by_route, SpReportCount, i).n;
  g_assert_cmpuint (sum, ==, activity->n_referrals);
  g_assert_cmpuint (activity->n_ended, ==, activity->n_completed + activity->n_declined +
                                           activity->n_did_not_attend + activity->n_withdrawn);

  outcomes = sp_store_outcomes_report (fixture->store, NULL, &error);
  g_assert_no_error (error);
  all = outcomes->groups->pdata[0];
  g_assert_cmpuint (find_measure (all, SP_MEASURE_PHQ9)->n, >, 0);
  g_assert_cmpuint (find_measure (all, SP_MEASURE_PHQ9)->n, <=, activity->n_referrals);
  g_assert_cmpuint (all->n_recovered, <=, all->n_caseness);

  experience = sp_store_experience_report (fixture->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((SpExperienceGroup *) experience->groups->pdata[0])->n_completed, ==, 15);

  money = sp_store_money_report (fixture->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (money->total_cost, ==, money->funder_cost + money->patient_cost + money->waived);
  g_assert_cmpint (money->copay_outstanding, ==, money->patient_cost - money->copay_collected);
  g_assert_cmpuint (money->n_completers, ==, 15);
  g_assert_cmpuint (money->funders->len, ==, 6);

  /* Figures worked out from the demo's JSON files directly, not through the
   * store: for each of the 37 referrals that are not drafts, the offering's
   * fee × sessions attended (total), the patient's sliding-scale tier for
   * their income band × sessions attended (co-payments due), and the sum of
   * the payments listed (by patients, and by funders). */
  g_assert_cmpint (money->sessions_attended, ==, 176);
  g_assert_cmpint (money->total_cost, ==, 146900);       /* £1,469.00 */
  g_assert_cmpint (money->patient_cost, ==, 117650);     /* £1,176.50 */
  g_assert_cmpint (money->copay_collected, ==, 105950);  /* £1,059.50 */
  g_assert_cmpint (money->funder_paid, ==, 17900);       /* £179.00 */
  /* 146,900 / 15 = 9,793.33… pence. */
  g_assert_cmpint (money->cost_per_completer, ==, 9793);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reports/stats/mean-median", test_stats_mean_median);
  g_test_add_func ("/reports/stats/t-table", test_stats_t_table);
  g_test_add_func ("/reports/stats/ci", test_stats_ci);
  FIXTURE ("/reports/filter/invalid", test_filter_invalid);
  FIXTURE ("/reports/activity/figures", test_activity_figures);
  FIXTURE ("/reports/activity/document", test_activity_document);
  FIXTURE ("/reports/activity/all-dates", test_activity_all_dates);
  FIXTURE ("/reports/activity/filters", test_activity_filters);
  FIXTURE ("/reports/activity/practice-scope", test_activity_practice_scope);
  FIXTURE ("/reports/activity/consented-only", test_activity_consented_only);
  FIXTURE ("/reports/activity/in-transaction", test_activity_in_transaction);
  FIXTURE ("/reports/outcomes/figures", test_outcomes_figures);
  FIXTURE ("/reports/outcomes/groups", test_outcomes_groups);
  FIXTURE ("/reports/outcomes/document", test_outcomes_document);
  FIXTURE ("/reports/experience/figures", test_experience_figures);
  FIXTURE ("/reports/money/figures", test_money_figures);
  FIXTURE ("/reports/money/funders", test_money_funders);
  FIXTURE ("/reports/suppress/counts", test_suppress_counts);
  FIXTURE ("/reports/suppress/secondary", test_suppress_secondary);
  FIXTURE ("/reports/suppress/json", test_suppress_json);
  FIXTURE ("/reports/csv/reparse", test_csv_reparse);
  FIXTURE ("/reports/csv/format", test_csv_format);
  FIXTURE ("/reports/json/figures", test_json_figures);
  FIXTURE ("/reports/cli/pdf", test_cli_pdf);
  FIXTURE ("/reports/cli/csv-json", test_cli_csv_json);
  g_test_add ("/reports/demo/consistent", SpTestStore, NULL, sp_test_store_setup, test_demo_consistent,
              sp_test_store_teardown);

  return g_test_run ();
}
