/* test-measures.c — outcome-measure scoring as a link worker sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-measures"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "sp-error.h"
#include "sp-measure.h"

/* Scores a questionnaire whose answers add up to @total, filling items
 * from the first one up; asserts the input is accepted. */
static SpMeasureScore
score_total (SpMeasureId id,
             gint        total)
{
  const SpMeasureInfo *info = sp_measure_get (id);
  g_autoptr(GError) error = NULL;
  SpMeasureScore score;
  gint answers[SP_MEASURE_MAX_ITEMS];
  gint left = total - info->item_min * (gint) info->n_items;

  g_assert_cmpint (left, >=, 0);
  for (guint i = 0; i < info->n_items; i++)
    {
      gint extra = MIN (left, info->item_max - info->item_min);

      answers[i] = info->item_min + extra;
      left -= extra;
    }
  g_assert_cmpint (left, ==, 0);

  g_assert_true (sp_measure_score (info, answers, info->n_items, &score, &error));
  g_assert_no_error (error);

  return score;
}

static SpMeasureScore
score_answers (SpMeasureId  id,
               const gint  *answers,
               guint        n_answers)
{
  g_autoptr(GError) error = NULL;
  SpMeasureScore score;

  g_assert_true (sp_measure_score (sp_measure_get (id), answers, n_answers, &score, &error));
  g_assert_no_error (error);

  return score;
}

static SpChange
change_between (SpMeasureId id,
                gint        baseline,
                gint        follow_up)
{
  SpMeasureScore base = score_total (id, baseline);
  SpMeasureScore follow = score_total (id, follow_up);

  return sp_measure_compare (sp_measure_get (id), &base, &follow);
}

static void
assert_refused (SpMeasureId  id,
                const gint  *answers,
                guint        n_answers,
                const char  *message_part)
{
  g_autoptr(GError) error = NULL;
  SpMeasureScore score = { .raw_total = 12345 };

  g_assert_false (sp_measure_score (sp_measure_get (id), answers, n_answers, &score, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, message_part));
  /* A refused questionnaire leaves the caller's score alone. */
  g_assert_cmpint (score.raw_total, ==, 12345);
}

static void
test_lookup (void)
{
  for (guint i = 0; i < SP_N_MEASURES; i++)
    {
      const SpMeasureInfo *info = sp_measure_get (i);

      g_assert_cmpint (info->id, ==, i);
      g_assert_true (sp_measure_lookup (info->code) == info);
      g_assert_cmpuint (info->n_items, >=, 1);
      g_assert_cmpuint (info->n_items, <=, SP_MEASURE_MAX_ITEMS);
      g_assert_nonnull (sp_measure_get_name (info));
      for (guint j = 0; j < info->n_items; j++)
        g_assert_nonnull (sp_measure_get_item (info, j));
      /* Without anchors the form still needs words for the scale ends. */
      if (info->anchors == NULL)
        {
          g_assert_nonnull (info->scale_low);
          g_assert_nonnull (info->scale_high);
        }
    }

  g_assert_true (sp_measure_lookup ("phq9") == sp_measure_get (SP_MEASURE_PHQ9));
  g_assert_true (sp_measure_lookup ("pain_nrs") == sp_measure_get (SP_MEASURE_PAIN_NRS));
  g_assert_null (sp_measure_lookup ("eq5d5l"));
  g_assert_null (sp_measure_lookup (""));
  g_assert_null (sp_measure_lookup ("PHQ9"));
}

static void
test_licences (void)
{
  /* The licensed measures must carry a note to record; the free ones none. */
  g_assert_nonnull (sp_measure_get (SP_MEASURE_MSKHQ)->licence);
  g_assert_nonnull (sp_measure_get (SP_MEASURE_SWEMWBS)->licence);
  g_assert_null (sp_measure_get (SP_MEASURE_PHQ9)->licence);
  g_assert_null (sp_measure_get (SP_MEASURE_GAD7)->licence);
  g_assert_null (sp_measure_get (SP_MEASURE_ONS4)->licence);
  g_assert_null (sp_measure_get (SP_MEASURE_PAIN_NRS)->licence);
}

typedef struct
{
  SpMeasureId id;
  gint raw_min, raw_max;
  double score_min, score_max;
} Bounds;

static const Bounds bounds[] = {
  { SP_MEASURE_PHQ9, 0, 27, 0, 27 },
  { SP_MEASURE_GAD7, 0, 21, 0, 21 },
  { SP_MEASURE_MSKHQ, 0, 56, 0, 56 },
  { SP_MEASURE_SWEMWBS, 7, 35, 7.00, 35.00 },
  { SP_MEASURE_PAIN_NRS, 0, 10, 0, 10 },
};

static void
test_bounds (gconstpointer data)
{
  const Bounds *b = data;
  const SpMeasureInfo *info = sp_measure_get (b->id);
  gint all_min[SP_MEASURE_MAX_ITEMS];
  gint all_max[SP_MEASURE_MAX_ITEMS];
  SpMeasureScore score;

  for (guint i = 0; i < info->n_items; i++)
    {
      all_min[i] = info->item_min;
      all_max[i] = info->item_max;
    }

  score = score_answers (b->id, all_min, info->n_items);
  g_assert_true (score.complete);
  g_assert_cmpint (score.raw_total, ==, b->raw_min);
  g_assert_cmpfloat_with_epsilon (score.score, b->score_min, 0.001);

  score = score_answers (b->id, all_max, info->n_items);
  g_assert_true (score.complete);
  g_assert_cmpint (score.raw_total, ==, b->raw_max);
  g_assert_cmpfloat_with_epsilon (score.score, b->score_max, 0.001);
}

static void
test_ons4_bounds (void)
{
  const gint lowest[] = { 0, 0, 0, 0 };
  const gint highest[] = { 10, 10, 10, 10 };
  SpMeasureScore score;

  score = score_answers (SP_MEASURE_ONS4, lowest, 4);
  g_assert_true (score.complete);
  g_assert_cmpint (score.raw_total, ==, -1);
  g_assert_true (isnan (score.score));
  g_assert_null (score.band);
  g_assert_cmpint (score.items[SP_ONS4_LIFE_SATISFACTION], ==, 0);

  score = score_answers (SP_MEASURE_ONS4, highest, 4);
  g_assert_true (score.complete);
  g_assert_cmpint (score.raw_total, ==, -1);
  g_assert_cmpint (score.items[SP_ONS4_ANXIOUS_YESTERDAY], ==, 10);
}

static void
test_ons4_item_bands (void)
{
  /* Life satisfaction, worthwhile and happy: 0–4, 5–6, 7–8, 9–10. */
  for (guint item = SP_ONS4_LIFE_SATISFACTION; item <= SP_ONS4_HAPPY_YESTERDAY; item++)
    {
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 0), ==, "Low");
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 4), ==, "Low");
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 5), ==, "Medium");
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 6), ==, "Medium");
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 7), ==, "High");
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 8), ==, "High");
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 9), ==, "Very high");
      g_assert_cmpstr (sp_measure_ons4_item_band (item, 10), ==, "Very high");
    }

  /* Anxiety: 0–1, 2–3, 4–5, 6–10. */
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 0), ==, "Very low");
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 1), ==, "Very low");
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 2), ==, "Low");
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 3), ==, "Low");
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 4), ==, "Medium");
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 5), ==, "Medium");
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 6), ==, "High");
  g_assert_cmpstr (sp_measure_ons4_item_band (SP_ONS4_ANXIOUS_YESTERDAY, 10), ==, "High");

  /* No band for an unanswered or impossible value. */
  g_assert_null (sp_measure_ons4_item_band (SP_ONS4_HAPPY_YESTERDAY, SP_ANSWER_MISSING));
  g_assert_null (sp_measure_ons4_item_band (SP_ONS4_HAPPY_YESTERDAY, 11));
}

typedef struct
{
  gint total;
  const char *band;
  gboolean caseness;
} BandCase;

static void
assert_bands (SpMeasureId     id,
              const BandCase *cases,
              gsize           n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      SpMeasureScore score = score_total (id, cases[i].total);

      g_test_message ("total %d", cases[i].total);
      g_assert_cmpint (score.raw_total, ==, cases[i].total);
      g_assert_cmpstr (score.band, ==, cases[i].band);
      g_assert_cmpint (score.caseness, ==, cases[i].caseness);
    }
}

static void
test_phq9_bands (void)
{
  static const BandCase cases[] = {
    { 0, "None or minimal", FALSE },
    { 4, "None or minimal", FALSE },
    { 5, "Mild", FALSE },
    { 9, "Mild", FALSE },
    { 10, "Moderate", TRUE },
    { 14, "Moderate", TRUE },
    { 15, "Moderately severe", TRUE },
    { 19, "Moderately severe", TRUE },
    { 20, "Severe", TRUE },
    { 27, "Severe", TRUE },
  };

  assert_bands (SP_MEASURE_PHQ9, cases, G_N_ELEMENTS (cases));
}

static void
test_gad7_bands (void)
{
  /* Caseness starts at 8, inside the mild band. */
  static const BandCase cases[] = {
    { 0, "Minimal", FALSE },
    { 4, "Minimal", FALSE },
    { 5, "Mild", FALSE },
    { 7, "Mild", FALSE },
    { 8, "Mild", TRUE },
    { 9, "Mild", TRUE },
    { 10, "Moderate", TRUE },
    { 14, "Moderate", TRUE },
    { 15, "Severe", TRUE },
    { 19, "Severe", TRUE },
    { 20, "Severe", TRUE },
    { 21, "Severe", TRUE },
  };

  assert_bands (SP_MEASURE_GAD7, cases, G_N_ELEMENTS (cases));
}

static void
test_no_bands (void)
{
  /* Measures without published bands never invent one, nor caseness. */
  SpMeasureScore score;

  score = score_total (SP_MEASURE_MSKHQ, 56);
  g_assert_null (score.band);
  g_assert_false (score.caseness);
  score = score_total (SP_MEASURE_SWEMWBS, 7);
  g_assert_null (score.band);
  g_assert_false (score.caseness);
  score = score_total (SP_MEASURE_PAIN_NRS, 10);
  g_assert_null (score.band);
  g_assert_false (score.caseness);
}

static void
test_phq9_out_of_range (void)
{
  const gint too_high[] = { 0, 0, 0, 0, 4, 0, 0, 0, 0 };
  const gint negative[] = { 0, -2, 0, 0, 0, 0, 0, 0, 0 };

  assert_refused (SP_MEASURE_PHQ9, too_high, G_N_ELEMENTS (too_high), "question 5");
  assert_refused (SP_MEASURE_PHQ9, too_high, G_N_ELEMENTS (too_high), "between 0 and 3");
  assert_refused (SP_MEASURE_PHQ9, negative, G_N_ELEMENTS (negative), "question 2");
}

static void
test_swemwbs_out_of_range (void)
{
  const gint zero[] = { 3, 3, 3, 3, 3, 3, 0 };
  const gint six[] = { 6, 3, 3, 3, 3, 3, 3 };

  assert_refused (SP_MEASURE_SWEMWBS, zero, G_N_ELEMENTS (zero), "question 7");
  assert_refused (SP_MEASURE_SWEMWBS, zero, G_N_ELEMENTS (zero), "between 1 and 5");
  assert_refused (SP_MEASURE_SWEMWBS, six, G_N_ELEMENTS (six), "question 1");
}

static void
test_other_out_of_range (void)
{
  const gint gad7[] = { 0, 0, 0, 0, 0, 0, 4 };
  const gint mskhq[] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5 };
  const gint ons4[] = { 5, 11, 5, 5 };
  const gint pain[] = { 11 };

  assert_refused (SP_MEASURE_GAD7, gad7, G_N_ELEMENTS (gad7), "between 0 and 3");
  assert_refused (SP_MEASURE_MSKHQ, mskhq, G_N_ELEMENTS (mskhq), "question 14");
  assert_refused (SP_MEASURE_ONS4, ons4, G_N_ELEMENTS (ons4), "between 0 and 10");
  assert_refused (SP_MEASURE_PAIN_NRS, pain, G_N_ELEMENTS (pain), "between 0 and 10");
}

static void
test_wrong_count (void)
{
  const gint ten[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

  assert_refused (SP_MEASURE_PHQ9, ten, 8, "expected 9");
  assert_refused (SP_MEASURE_PHQ9, ten, 10, "expected 9");
  assert_refused (SP_MEASURE_GAD7, ten, 9, "expected 7");
  assert_refused (SP_MEASURE_PAIN_NRS, ten, 2, "expected 1");
  assert_refused (SP_MEASURE_PAIN_NRS, NULL, 0, "expected 1");
}

static void
test_incomplete (void)
{
  /* Eight answers of 3 would be "severe" if the blank counted as 0. */
  const gint phq9[] = { 3, 3, 3, 3, SP_ANSWER_MISSING, 3, 3, 3, 3 };
  const gint swemwbs[] = { 5, 5, 5, 5, 5, 5, SP_ANSWER_MISSING };
  const gint ons4[] = { 7, 7, SP_ANSWER_MISSING, 2 };
  const gint pain[] = { SP_ANSWER_MISSING };
  SpMeasureScore score;

  score = score_answers (SP_MEASURE_PHQ9, phq9, G_N_ELEMENTS (phq9));
  g_assert_false (score.complete);
  g_assert_cmpint (score.raw_total, ==, -1);
  g_assert_true (isnan (score.score));
  g_assert_null (score.band);
  g_assert_false (score.caseness);
  g_assert_cmpint (score.items[0], ==, 3);
  g_assert_cmpint (score.items[4], ==, SP_ANSWER_MISSING);

  score = score_answers (SP_MEASURE_SWEMWBS, swemwbs, G_N_ELEMENTS (swemwbs));
  g_assert_false (score.complete);
  g_assert_cmpint (score.raw_total, ==, -1);
  g_assert_true (isnan (score.score));

  score = score_answers (SP_MEASURE_ONS4, ons4, G_N_ELEMENTS (ons4));
  g_assert_false (score.complete);
  g_assert_cmpint (score.raw_total, ==, -1);

  score = score_answers (SP_MEASURE_PAIN_NRS, pain, G_N_ELEMENTS (pain));
  g_assert_false (score.complete);
  g_assert_cmpint (score.raw_total, ==, -1);
}

static void
test_swemwbs_conversion (void)
{
  SpMeasureScore score;

  /* Warwick table: 7 → 7.00, 21 → 19.25, 22 → 19.98, 35 → 35.00. */
  g_assert_cmpfloat_with_epsilon (sp_measure_swemwbs_metric (7), 7.00, 0.001);
  g_assert_cmpfloat_with_epsilon (sp_measure_swemwbs_metric (21), 19.25, 0.001);
  g_assert_cmpfloat_with_epsilon (sp_measure_swemwbs_metric (22), 19.98, 0.001);
  g_assert_cmpfloat_with_epsilon (sp_measure_swemwbs_metric (35), 35.00, 0.001);
  g_assert_true (isnan (sp_measure_swemwbs_metric (6)));
  g_assert_true (isnan (sp_measure_swemwbs_metric (36)));
  g_assert_true (isnan (sp_measure_swemwbs_metric (-1)));

  for (gint raw = 8; raw <= 35; raw++)
    g_assert_cmpfloat (sp_measure_swemwbs_metric (raw), >, sp_measure_swemwbs_metric (raw - 1));

  /* The score a user compares is the metric one, the raw total kept too. */
  score = score_total (SP_MEASURE_SWEMWBS, 21);
  g_assert_cmpint (score.raw_total, ==, 21);
  g_assert_true (G_APPROX_VALUE (score.score, 19.25, 0.001));
}

static void
test_phq9_change (void)
{
  g_assert_cmpint (change_between (SP_MEASURE_PHQ9, 20, 14), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_PHQ9, 20, 15), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_PHQ9, 10, 16), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (change_between (SP_MEASURE_PHQ9, 10, 15), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_PHQ9, 12, 12), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
}

static void
test_gad7_change (void)
{
  g_assert_cmpint (change_between (SP_MEASURE_GAD7, 12, 8), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_GAD7, 12, 9), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_GAD7, 5, 9), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (change_between (SP_MEASURE_GAD7, 5, 8), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
}

static void
test_mskhq_change (void)
{
  /* Higher is better here, so a rise is the improvement. */
  g_assert_cmpint (change_between (SP_MEASURE_MSKHQ, 30, 36), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_MSKHQ, 30, 35), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_MSKHQ, 30, 24), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (change_between (SP_MEASURE_MSKHQ, 30, 25), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
}

static void
test_swemwbs_change (void)
{
  /* No two rows of the table differ by exactly 3.00; the nearest pairs are
   * 11 → 16 (13.33 → 16.36, +3.03) and 20 → 24 (18.59 → 21.54, +2.95). */
  g_assert_cmpint (change_between (SP_MEASURE_SWEMWBS, 11, 16), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_SWEMWBS, 20, 24), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_SWEMWBS, 10, 14), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_SWEMWBS, 16, 11), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (change_between (SP_MEASURE_SWEMWBS, 24, 20), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
}

static void
test_swemwbs_change_exact (void)
{
  /* Exactly +3.00 metric points must count even though 10.03 - 7.03 is
   * 2.999… in binary floating point. No table pair differs by exactly 3.00,
   * so the scores are set by hand. */
  SpMeasureScore base = score_total (SP_MEASURE_SWEMWBS, 7);
  SpMeasureScore follow = score_total (SP_MEASURE_SWEMWBS, 10);
  const SpMeasureInfo *info = sp_measure_get (SP_MEASURE_SWEMWBS);

  base.score = 7.03;
  follow.score = 10.03;
  g_assert_cmpfloat (follow.score - base.score, <, 3.0);
  g_assert_cmpint (sp_measure_compare (info, &base, &follow), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (sp_measure_compare (info, &follow, &base), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  base.score = 7.04;
  g_assert_cmpint (sp_measure_compare (info, &base, &follow), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (sp_measure_compare (info, &follow, &base), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
}

static SpChange
ons4_change (const gint *baseline,
             const gint *follow_up)
{
  SpMeasureScore base = score_answers (SP_MEASURE_ONS4, baseline, 4);
  SpMeasureScore follow = score_answers (SP_MEASURE_ONS4, follow_up, 4);

  return sp_measure_compare (sp_measure_get (SP_MEASURE_ONS4), &base, &follow);
}

static void
test_ons4_change (void)
{
  /* life satisfaction, worthwhile, happy, anxious */
  const gint base[] = { 5, 5, 5, 5 };
  const gint happier[] = { 5, 5, 6, 5 };
  const gint calmer[] = { 5, 5, 5, 4 };
  const gint more_anxious[] = { 5, 5, 5, 6 };
  const gint less_worthwhile[] = { 5, 4, 5, 5 };
  const gint mixed[] = { 6, 5, 5, 6 };
  const gint all_better[] = { 9, 9, 9, 1 };

  g_assert_cmpint (ons4_change (base, happier), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (ons4_change (base, calmer), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (ons4_change (base, all_better), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (ons4_change (base, more_anxious), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (ons4_change (base, less_worthwhile), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (ons4_change (happier, base), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (ons4_change (base, mixed), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (ons4_change (base, base), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
}

static void
test_pain_change (void)
{
  /* Farrar et al. 2001: a drop of 2 points, or of 30 % of the baseline. */
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 10, 8), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 10, 7), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 10, 9), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 2, 0), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  /* A 1-point drop is only 30 % or more from a baseline of 3 or less. */
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 4, 3), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 3, 2), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 1, 0), ==, SP_CHANGE_RELIABLE_IMPROVEMENT);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 0, 0), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  /* Deterioration: a rise of 2 (our convention); no percentage rule. */
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 5, 7), ==, SP_CHANGE_RELIABLE_DETERIORATION);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 5, 6), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
  g_assert_cmpint (change_between (SP_MEASURE_PAIN_NRS, 1, 2), ==, SP_CHANGE_NO_RELIABLE_CHANGE);
}

static void
test_change_incomplete (void)
{
  const gint partial[] = { 3, 3, 3, 3, 3, 3, SP_ANSWER_MISSING, 3, 3 };
  const SpMeasureInfo *info = sp_measure_get (SP_MEASURE_PHQ9);
  SpMeasureScore full = score_total (SP_MEASURE_PHQ9, 27);
  SpMeasureScore low = score_total (SP_MEASURE_PHQ9, 2);
  SpMeasureScore gap = score_answers (SP_MEASURE_PHQ9, partial, G_N_ELEMENTS (partial));

  /* Even a fall from 27 to "24 with a blank" is not an improvement. */
  g_assert_cmpint (sp_measure_compare (info, &full, &gap), ==, SP_CHANGE_INCOMPLETE);
  g_assert_cmpint (sp_measure_compare (info, &gap, &low), ==, SP_CHANGE_INCOMPLETE);
  g_assert_cmpint (sp_measure_compare (info, &gap, &gap), ==, SP_CHANGE_INCOMPLETE);
}

static SpRecovery
recovery_between (gint phq9_base,
                  gint phq9_follow,
                  gint gad7_base,
                  gint gad7_follow)
{
  SpMeasureScore pb = score_total (SP_MEASURE_PHQ9, phq9_base);
  SpMeasureScore pf = score_total (SP_MEASURE_PHQ9, phq9_follow);
  SpMeasureScore gb = score_total (SP_MEASURE_GAD7, gad7_base);
  SpMeasureScore gf = score_total (SP_MEASURE_GAD7, gad7_follow);

  return sp_measure_recovery (&pb, &pf, &gb, &gf);
}

static void
test_recovery_not_at_caseness (void)
{
  /* PHQ-9 9 and GAD-7 7 are both just below caseness. */
  g_assert_cmpint (recovery_between (9, 0, 7, 0), ==, SP_RECOVERY_NOT_AT_CASENESS);
  g_assert_cmpint (recovery_between (9, 20, 7, 15), ==, SP_RECOVERY_NOT_AT_CASENESS);
}

static void
test_recovery_not_recovered (void)
{
  g_assert_cmpint (recovery_between (15, 10, 3, 3), ==, SP_RECOVERY_NOT_RECOVERED);
  /* Caseness on GAD-7 at follow-up alone blocks recovery. */
  g_assert_cmpint (recovery_between (20, 5, 12, 8), ==, SP_RECOVERY_NOT_RECOVERED);
}

static void
test_recovery_recovered (void)
{
  /* Below both thresholds, but no reliable improvement on either. */
  g_assert_cmpint (recovery_between (12, 9, 6, 6), ==, SP_RECOVERY_RECOVERED);
  g_assert_cmpint (recovery_between (10, 5, 8, 5), ==, SP_RECOVERY_RECOVERED);
}

static void
test_recovery_reliable (void)
{
  g_assert_cmpint (recovery_between (15, 9, 9, 5), ==, SP_RECOVERY_RELIABLY_RECOVERED);
  /* One reliable improvement is enough: GAD-7 only. */
  g_assert_cmpint (recovery_between (5, 5, 11, 7), ==, SP_RECOVERY_RELIABLY_RECOVERED);
  /* Caseness on GAD-7 alone at baseline still counts. */
  g_assert_cmpint (recovery_between (3, 0, 12, 2), ==, SP_RECOVERY_RELIABLY_RECOVERED);
}

static void
test_recovery_with_deterioration (void)
{
  /* PHQ-9 improves reliably (16 → 9) but GAD-7 rises by 4 (3 → 7) while
   * staying under caseness: recovered, not reliably. */
  g_assert_cmpint (recovery_between (16, 9, 3, 7), ==, SP_RECOVERY_RECOVERED);
  /* And the mirror: GAD-7 improves, PHQ-9 rises by 6 (2 → 8). */
  g_assert_cmpint (recovery_between (2, 8, 14, 4), ==, SP_RECOVERY_RECOVERED);
}

static void
test_recovery_incomplete (void)
{
  const gint partial_phq9[] = { 1, 1, 1, 1, 1, 1, 1, 1, SP_ANSWER_MISSING };
  const gint partial_gad7[] = { 2, 2, 2, 2, SP_ANSWER_MISSING, 2, 2 };
  SpMeasureScore phq9_high = score_total (SP_MEASURE_PHQ9, 18);
  SpMeasureScore phq9_low = score_total (SP_MEASURE_PHQ9, 4);
  SpMeasureScore phq9_gap = score_answers (SP_MEASURE_PHQ9, partial_phq9, 9);
  SpMeasureScore gad7_high = score_total (SP_MEASURE_GAD7, 15);
  SpMeasureScore gad7_low = score_total (SP_MEASURE_GAD7, 3);
  SpMeasureScore gad7_gap = score_answers (SP_MEASURE_GAD7, partial_gad7, 7);

  g_assert_cmpint (sp_measure_recovery (&phq9_high, &phq9_gap, &gad7_high, &gad7_low), ==, SP_RECOVERY_INCOMPLETE);
  g_assert_cmpint (sp_measure_recovery (&phq9_high, &phq9_low, &gad7_high, &gad7_gap), ==, SP_RECOVERY_INCOMPLETE);
  /* A blank at baseline hides whether the patient was at caseness. */
  g_assert_cmpint (sp_measure_recovery (&phq9_gap, &phq9_low, &gad7_low, &gad7_low), ==, SP_RECOVERY_INCOMPLETE);
  /* Complete baselines below caseness settle it without a follow-up. */
  g_assert_cmpint (sp_measure_recovery (&phq9_low, &phq9_gap, &gad7_low, &gad7_gap), ==, SP_RECOVERY_NOT_AT_CASENESS);
}

static void
test_strings (void)
{
  g_assert_cmpstr (sp_change_to_code (SP_CHANGE_INCOMPLETE), ==, "incomplete");
  g_assert_cmpstr (sp_change_to_code (SP_CHANGE_RELIABLE_IMPROVEMENT), ==, "reliable_improvement");
  g_assert_cmpstr (sp_change_to_code (SP_CHANGE_NO_RELIABLE_CHANGE), ==, "no_reliable_change");
  g_assert_cmpstr (sp_change_to_code (SP_CHANGE_RELIABLE_DETERIORATION), ==, "reliable_deterioration");
  g_assert_cmpstr (sp_change_to_string (SP_CHANGE_RELIABLE_IMPROVEMENT), ==, "Reliable improvement");
  g_assert_cmpstr (sp_change_to_string (SP_CHANGE_RELIABLE_DETERIORATION), ==, "Reliable deterioration");

  g_assert_cmpstr (sp_recovery_to_code (SP_RECOVERY_INCOMPLETE), ==, "incomplete");
  g_assert_cmpstr (sp_recovery_to_code (SP_RECOVERY_NOT_AT_CASENESS), ==, "not_at_caseness");
  g_assert_cmpstr (sp_recovery_to_code (SP_RECOVERY_NOT_RECOVERED), ==, "not_recovered");
  g_assert_cmpstr (sp_recovery_to_code (SP_RECOVERY_RECOVERED), ==, "recovered");
  g_assert_cmpstr (sp_recovery_to_code (SP_RECOVERY_RELIABLY_RECOVERED), ==, "reliably_recovered");
  g_assert_cmpstr (sp_recovery_to_string (SP_RECOVERY_RELIABLY_RECOVERED), ==, "Reliably recovered");
  g_assert_cmpstr (sp_recovery_to_string (SP_RECOVERY_RECOVERED), ==, "Recovered");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/measures/lookup", test_lookup);
  g_test_add_func ("/measures/licences", test_licences);

  for (gsize i = 0; i < G_N_ELEMENTS (bounds); i++)
    {
      g_autofree char *path = g_strdup_printf ("/measures/%s/bounds",
                                               sp_measure_get (bounds[i].id)->code);

      g_test_add_data_func (path, &bounds[i], test_bounds);
    }
  g_test_add_func ("/measures/ons4/bounds", test_ons4_bounds);
  g_test_add_func ("/measures/ons4/item-bands", test_ons4_item_bands);

  g_test_add_func ("/measures/phq9/bands", test_phq9_bands);
  g_test_add_func ("/measures/gad7/bands", test_gad7_bands);
  g_test_add_func ("/measures/no-bands", test_no_bands);

  g_test_add_func ("/measures/phq9/out-of-range", test_phq9_out_of_range);
  g_test_add_func ("/measures/swemwbs/out-of-range", test_swemwbs_out_of_range);
  g_test_add_func ("/measures/other/out-of-range", test_other_out_of_range);
  g_test_add_func ("/measures/wrong-count", test_wrong_count);
  g_test_add_func ("/measures/incomplete", test_incomplete);

  g_test_add_func ("/measures/swemwbs/conversion", test_swemwbs_conversion);

  g_test_add_func ("/measures/phq9/change", test_phq9_change);
  g_test_add_func ("/measures/gad7/change", test_gad7_change);
  g_test_add_func ("/measures/mskhq/change", test_mskhq_change);
  g_test_add_func ("/measures/swemwbs/change", test_swemwbs_change);
  g_test_add_func ("/measures/swemwbs/change-exact", test_swemwbs_change_exact);
  g_test_add_func ("/measures/ons4/change", test_ons4_change);
  g_test_add_func ("/measures/pain_nrs/change", test_pain_change);
  g_test_add_func ("/measures/change/incomplete", test_change_incomplete);

  g_test_add_func ("/measures/recovery/not-at-caseness", test_recovery_not_at_caseness);
  g_test_add_func ("/measures/recovery/not-recovered", test_recovery_not_recovered);
  g_test_add_func ("/measures/recovery/recovered", test_recovery_recovered);
  g_test_add_func ("/measures/recovery/reliable", test_recovery_reliable);
  g_test_add_func ("/measures/recovery/with-deterioration", test_recovery_with_deterioration);
  g_test_add_func ("/measures/recovery/incomplete", test_recovery_incomplete);

  g_test_add_func ("/measures/strings", test_strings);

  return g_test_run ();
}
