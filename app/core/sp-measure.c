/* sp-measure.c — outcome-measure questionnaires and their scoring
 *
 * Numbers come from /work/shared/reference/measures.md; each one names its
 * published source where it has one, or says it is our convention.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-measure"

#include <glib/gi18n.h>
#include <math.h>

#include "sp-error.h"
#include "sp-measure.h"

/* Kroenke, Spitzer & Williams 2001 / NHS Talking Therapies: caseness >= 10,
 * reliable change 6 either way. */
#define PHQ9_CASENESS        10
#define PHQ9_RELIABLE_CHANGE 6
/* Spitzer et al. 2006 / NHS Talking Therapies: caseness >= 8, reliable change 4. */
#define GAD7_CASENESS        8
#define GAD7_RELIABLE_CHANGE 4
/* Christiansen et al. 2020 (HQLO): 6–8 points in a UK cohort; we take the
 * lower end, and use it for deterioration too (our convention). */
#define MSKHQ_RELIABLE_CHANGE 6
/* Convention: the top of the 1–3 metric-point range in Shah et al. 2018,
 * HQLO 16:239. In hundredths, because the metric table has two decimals. */
#define SWEMWBS_RELIABLE_CHANGE_CENTI 300
/* Farrar et al. 2001: a drop of 2 points or of 30 % is clinically important.
 * A rise of 2 as deterioration is our convention. */
#define PAIN_RELIABLE_CHANGE    2
#define PAIN_RELIABLE_PERCENT   30

/* PHQ-9 and GAD-7 are free to reproduce, so their wording is used as is. */
static const char * const phq9_items[] = {
  N_("Little interest or pleasure in doing things"),
  N_("Feeling down, depressed, or hopeless"),
  N_("Trouble falling or staying asleep, or sleeping too much"),
  N_("Feeling tired or having little energy"),
  N_("Poor appetite or overeating"),
  N_("Feeling bad about yourself — or that you are a failure or have let yourself or your family down"),
  N_("Trouble concentrating on things, such as reading the newspaper or watching television"),
  N_("Moving or speaking so slowly that other people could have noticed, or the opposite — being so fidgety or restless that you have been moving around a lot more than usual"),
  N_("Thoughts that you would be better off dead, or of hurting yourself in some way"),
};

static const char * const gad7_items[] = {
  N_("Feeling nervous, anxious, or on edge"),
  N_("Not being able to stop or control worrying"),
  N_("Worrying too much about different things"),
  N_("Trouble relaxing"),
  N_("Being so restless that it is hard to sit still"),
  N_("Becoming easily annoyed or irritable"),
  N_("Feeling afraid, as if something awful might happen"),
};

static const char * const phq_gad_anchors[] = {
  N_("Not at all"),
  N_("Several days"),
  N_("More than half the days"),
  N_("Nearly every day"),
};

/* MSK-HQ is licensed by Keele University: these are our own short domain
 * labels, not the questionnaire wording, which the licensed form supplies. */
static const char * const mskhq_items[] = {
  N_("Pain or stiffness during the day"),
  N_("Pain or stiffness at night"),
  N_("Walking"),
  N_("Washing and dressing"),
  N_("Physical activity"),
  N_("Work or daily routine"),
  N_("Social activities and hobbies"),
  N_("Needing help from others"),
  N_("Sleep"),
  N_("Tiredness"),
  N_("Mood"),
  N_("Understanding of the condition"),
  N_("Confidence in managing symptoms"),
  N_("Overall impact"),
};

/* SWEMWBS wording is copyrighted (Warwick): our own short labels. */
static const char * const swemwbs_items[] = {
  N_("Optimism about the future"),
  N_("Feeling useful"),
  N_("Feeling relaxed"),
  N_("Dealing with problems"),
  N_("Thinking clearly"),
  N_("Closeness to other people"),
  N_("Making up own mind"),
};

static const char * const swemwbs_anchors[] = {
  N_("None of the time"),
  N_("Rarely"),
  N_("Some of the time"),
  N_("Often"),
  N_("All of the time"),
};

/* ONS personal well-being questions, Crown copyright under the Open
 * Government Licence. */
static const char * const ons4_items[] = {
  [SP_ONS4_LIFE_SATISFACTION] = N_("Overall, how satisfied are you with your life nowadays?"),
  [SP_ONS4_WORTHWHILE] = N_("Overall, to what extent do you feel that the things you do in your life are worthwhile?"),
  [SP_ONS4_HAPPY_YESTERDAY] = N_("Overall, how happy did you feel yesterday?"),
  [SP_ONS4_ANXIOUS_YESTERDAY] = N_("Overall, how anxious did you feel yesterday?"),
};

static const char * const pain_nrs_items[] = {
  N_("Average pain over the past week"),
};

G_STATIC_ASSERT (G_N_ELEMENTS (phq9_items) == 9);
G_STATIC_ASSERT (G_N_ELEMENTS (gad7_items) == 7);
G_STATIC_ASSERT (G_N_ELEMENTS (phq_gad_anchors) == 4);
G_STATIC_ASSERT (G_N_ELEMENTS (mskhq_items) == SP_MEASURE_MAX_ITEMS);
G_STATIC_ASSERT (G_N_ELEMENTS (swemwbs_items) == 7);
G_STATIC_ASSERT (G_N_ELEMENTS (swemwbs_anchors) == 5);
G_STATIC_ASSERT (G_N_ELEMENTS (ons4_items) == 4);
G_STATIC_ASSERT (G_N_ELEMENTS (pain_nrs_items) == 1);

static const SpMeasureInfo measures[SP_N_MEASURES] = {
  [SP_MEASURE_PHQ9] = {
    .id = SP_MEASURE_PHQ9,
    .code = "phq9",
    .name = N_("PHQ-9 (depression)"),
    .n_items = G_N_ELEMENTS (phq9_items),
    .item_min = 0,
    .item_max = 3,
    .higher_is_better = FALSE,
    .summed = TRUE,
    .licence = NULL,
    .items = phq9_items,
    .anchors = phq_gad_anchors,
  },
  [SP_MEASURE_GAD7] = {
    .id = SP_MEASURE_GAD7,
    .code = "gad7",
    .name = N_("GAD-7 (anxiety)"),
    .n_items = G_N_ELEMENTS (gad7_items),
    .item_min = 0,
    .item_max = 3,
    .higher_is_better = FALSE,
    .summed = TRUE,
    .licence = NULL,
    .items = gad7_items,
    .anchors = phq_gad_anchors,
  },
  [SP_MEASURE_MSKHQ] = {
    .id = SP_MEASURE_MSKHQ,
    .code = "mskhq",
    .name = N_("MSK-HQ (musculoskeletal health)"),
    .n_items = G_N_ELEMENTS (mskhq_items),
    .item_min = 0,
    .item_max = 4,
    .higher_is_better = TRUE,
    .summed = TRUE,
    .licence = N_("MSK-HQ is © Keele University and needs a licence from Keele University. Record the licence reference, and use the licensed questionnaire for the wording."),
    .items = mskhq_items,
    /* Answer wording differs per item in the licensed form. */
    .anchors = NULL,
    .scale_low = N_("Worst"),
    .scale_high = N_("Best"),
  },
  [SP_MEASURE_SWEMWBS] = {
    .id = SP_MEASURE_SWEMWBS,
    .code = "swemwbs",
    .name = N_("SWEMWBS (mental wellbeing)"),
    .n_items = G_N_ELEMENTS (swemwbs_items),
    .item_min = 1,
    .item_max = 5,
    .higher_is_better = TRUE,
    .summed = TRUE,
    .licence = N_("SWEMWBS is © University of Warwick. It is free to use after registering with Warwick Medical School. Record the registration, and use the registered questionnaire for the wording."),
    .items = swemwbs_items,
    .anchors = swemwbs_anchors,
  },
  [SP_MEASURE_ONS4] = {
    .id = SP_MEASURE_ONS4,
    .code = "ons4",
    .name = N_("ONS4 (personal wellbeing)"),
    .n_items = G_N_ELEMENTS (ons4_items),
    .item_min = 0,
    .item_max = 10,
    /* Only for items 1–3; the anxiety item runs the other way. */
    .higher_is_better = TRUE,
    .summed = FALSE,
    .licence = NULL,
    .items = ons4_items,
    .anchors = NULL,
    .scale_low = N_("Not at all"),
    .scale_high = N_("Completely"),
  },
  [SP_MEASURE_PAIN_NRS] = {
    .id = SP_MEASURE_PAIN_NRS,
    .code = "pain_nrs",
    .name = N_("Pain rating (0–10)"),
    .n_items = G_N_ELEMENTS (pain_nrs_items),
    .item_min = 0,
    .item_max = 10,
    .higher_is_better = FALSE,
    .summed = TRUE,
    .licence = NULL,
    .items = pain_nrs_items,
    .anchors = NULL,
    .scale_low = N_("No pain"),
    .scale_high = N_("Worst pain imaginable"),
  },
};

/* Warwick SWEMWBS raw-to-metric conversion table, raw 7..35. */
static const double swemwbs_metric[] = {
  7.00, 9.51, 11.25, 12.40, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36,
  16.88, 17.43, 17.98, 18.59, 19.25, 19.98, 20.73, 21.54, 22.35, 23.21,
  24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.70, 32.55, 35.00,
};

#define SWEMWBS_RAW_MIN 7
#define SWEMWBS_RAW_MAX 35

G_STATIC_ASSERT (G_N_ELEMENTS (swemwbs_metric) == SWEMWBS_RAW_MAX - SWEMWBS_RAW_MIN + 1);

const SpMeasureInfo *
sp_measure_get (SpMeasureId id)
{
  g_return_val_if_fail ((guint) id < SP_N_MEASURES, NULL);

  return &measures[id];
}

/* Returns NULL for a code this version does not know, e.g. from a newer
 * database, so callers can show it as unknown rather than fail. */
const SpMeasureInfo *
sp_measure_lookup (const char *code)
{
  g_return_val_if_fail (code != NULL, NULL);

  for (guint i = 0; i < SP_N_MEASURES; i++)
    {
      if (g_str_equal (measures[i].code, code))
        return &measures[i];
    }

  return NULL;
}

const char *
sp_measure_get_name (const SpMeasureInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  return _(info->name);
}

/* @item is 0-based. */
const char *
sp_measure_get_item (const SpMeasureInfo *info,
                     guint                item)
{
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (item < info->n_items, NULL);

  return _(info->items[item]);
}

double
sp_measure_swemwbs_metric (gint raw_total)
{
  if (raw_total < SWEMWBS_RAW_MIN || raw_total > SWEMWBS_RAW_MAX)
    return NAN;

  return swemwbs_metric[raw_total - SWEMWBS_RAW_MIN];
}

/* Kroenke, Spitzer & Williams 2001. */
static const char *
phq9_band (gint total)
{
  if (total <= 4)
    return _("None or minimal");
  if (total <= 9)
    return _("Mild");
  if (total <= 14)
    return _("Moderate");
  if (total <= 19)
    return _("Moderately severe");
  return _("Severe");
}

/* Spitzer et al. 2006. */
static const char *
gad7_band (gint total)
{
  if (total <= 4)
    return _("Minimal");
  if (total <= 9)
    return _("Mild");
  if (total <= 14)
    return _("Moderate");
  return _("Severe");
}

/* ONS thresholds (measures.md). The anxiety item runs the other way, so
 * its bands differ. */
const char *
sp_measure_ons4_item_band (guint item,
                           gint  value)
{
  g_return_val_if_fail (item <= SP_ONS4_ANXIOUS_YESTERDAY, NULL);

  if (value < 0 || value > 10)
    return NULL;

  if (item == SP_ONS4_ANXIOUS_YESTERDAY)
    {
      if (value <= 1)
        return _("Very low");
      if (value <= 3)
        return _("Low");
      if (value <= 5)
        return _("Medium");
      return _("High");
    }

  if (value <= 4)
    return _("Low");
  if (value <= 6)
    return _("Medium");
  if (value <= 8)
    return _("High");
  return _("Very high");
}

gboolean
sp_measure_score (const SpMeasureInfo *info,
                  const gint          *answers,
                  guint                n_answers,
                  SpMeasureScore      *out,
                  GError             **error)
{
  SpMeasureScore score = { 0 };
  gint total = 0;

  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (answers != NULL || n_answers == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_answers != info->n_items)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("Wrong number of answers for %s: expected %u, received %u."),
                   _(info->name), info->n_items, n_answers);
      return FALSE;
    }

  score.measure = info->id;
  score.complete = TRUE;
  score.n_items = info->n_items;
  for (guint i = 0; i < G_N_ELEMENTS (score.items); i++)
    score.items[i] = SP_ANSWER_MISSING;

  for (guint i = 0; i < n_answers; i++)
    {
      gint answer = answers[i];

      if (answer == SP_ANSWER_MISSING)
        {
          score.complete = FALSE;
        }
      else if (answer < info->item_min || answer > info->item_max)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("The answer to question %u of %s is %d, but it must be between %d and %d, or left unanswered."),
                       i + 1, _(info->name), answer, info->item_min, info->item_max);
          return FALSE;
        }
      else
        {
          total += answer;
        }

      score.items[i] = answer;
    }

  /* A missing answer must never read as a low score, so an incomplete
   * questionnaire gets no total, band or caseness at all. */
  score.raw_total = -1;
  score.score = NAN;
  score.band = NULL;
  score.caseness = FALSE;

  if (score.complete && info->summed)
    {
      score.raw_total = total;
      score.score = total;

      switch (info->id)
        {
        case SP_MEASURE_PHQ9:
          score.band = phq9_band (total);
          score.caseness = total >= PHQ9_CASENESS;
          break;

        case SP_MEASURE_GAD7:
          score.band = gad7_band (total);
          score.caseness = total >= GAD7_CASENESS;
          break;

        case SP_MEASURE_SWEMWBS:
          score.score = sp_measure_swemwbs_metric (total);
          break;

        case SP_MEASURE_MSKHQ:
        case SP_MEASURE_ONS4:
        case SP_MEASURE_PAIN_NRS:
          break;

        case SP_N_MEASURES:
        default:
          g_assert_not_reached ();
        }
    }

  *out = score;

  return TRUE;
}

/* @gain is the change in the measure's better direction. */
static SpChange
change_from_gain (gint gain,
                  gint threshold)
{
  if (gain >= threshold)
    return SP_CHANGE_RELIABLE_IMPROVEMENT;
  if (-gain >= threshold)
    return SP_CHANGE_RELIABLE_DETERIORATION;
  return SP_CHANGE_NO_RELIABLE_CHANGE;
}

/* Convention (no official figure): any item moving 1 point or more counts,
 * but only when no item moves the other way; mixed moves are no change. */
static SpChange
compare_ons4 (const SpMeasureScore *baseline,
              const SpMeasureScore *follow_up)
{
  guint n_better = 0;
  guint n_worse = 0;

  for (guint i = 0; i < baseline->n_items; i++)
    {
      gint gain = follow_up->items[i] - baseline->items[i];

      if (i == SP_ONS4_ANXIOUS_YESTERDAY)
        gain = -gain;

      if (gain >= 1)
        n_better++;
      else if (gain <= -1)
        n_worse++;
    }

  if (n_better > 0 && n_worse == 0)
    return SP_CHANGE_RELIABLE_IMPROVEMENT;
  if (n_worse > 0 && n_better == 0)
    return SP_CHANGE_RELIABLE_DETERIORATION;
  return SP_CHANGE_NO_RELIABLE_CHANGE;
}

static SpChange
compare_pain (gint baseline,
              gint follow_up)
{
  gint drop = baseline - follow_up;

  /* drop / baseline >= 30 %, kept in whole numbers. On a 0–10 scale it only
   * adds 1-point drops from a baseline of 3 or less. */
  if (drop >= PAIN_RELIABLE_CHANGE
      || (drop > 0 && drop * 100 >= baseline * PAIN_RELIABLE_PERCENT))
    return SP_CHANGE_RELIABLE_IMPROVEMENT;
  if (-drop >= PAIN_RELIABLE_CHANGE)
    return SP_CHANGE_RELIABLE_DETERIORATION;
  return SP_CHANGE_NO_RELIABLE_CHANGE;
}

SpChange
sp_measure_compare (const SpMeasureInfo  *info,
                    const SpMeasureScore *baseline,
                    const SpMeasureScore *follow_up)
{
  g_return_val_if_fail (info != NULL, SP_CHANGE_INCOMPLETE);
  g_return_val_if_fail (baseline != NULL, SP_CHANGE_INCOMPLETE);
  g_return_val_if_fail (follow_up != NULL, SP_CHANGE_INCOMPLETE);
  g_return_val_if_fail (baseline->measure == info->id, SP_CHANGE_INCOMPLETE);
  g_return_val_if_fail (follow_up->measure == info->id, SP_CHANGE_INCOMPLETE);

  if (!baseline->complete || !follow_up->complete)
    return SP_CHANGE_INCOMPLETE;

  switch (info->id)
    {
    case SP_MEASURE_PHQ9:
      return change_from_gain (baseline->raw_total - follow_up->raw_total,
                               PHQ9_RELIABLE_CHANGE);

    case SP_MEASURE_GAD7:
      return change_from_gain (baseline->raw_total - follow_up->raw_total,
                               GAD7_RELIABLE_CHANGE);

    case SP_MEASURE_MSKHQ:
      return change_from_gain (follow_up->raw_total - baseline->raw_total,
                               MSKHQ_RELIABLE_CHANGE);

    case SP_MEASURE_SWEMWBS:
      /* The table has two decimals; compare in hundredths so 3.00 is 3.00. */
      return change_from_gain ((gint) lround ((follow_up->score - baseline->score) * 100),
                               SWEMWBS_RELIABLE_CHANGE_CENTI);

    case SP_MEASURE_ONS4:
      return compare_ons4 (baseline, follow_up);

    case SP_MEASURE_PAIN_NRS:
      return compare_pain (baseline->raw_total, follow_up->raw_total);

    case SP_N_MEASURES:
    default:
      g_return_val_if_reached (SP_CHANGE_INCOMPLETE);
    }
}

const char *
sp_change_to_string (SpChange change)
{
  switch (change)
    {
    case SP_CHANGE_INCOMPLETE:
      return _("Incomplete");
    case SP_CHANGE_RELIABLE_IMPROVEMENT:
      return _("Reliable improvement");
    case SP_CHANGE_NO_RELIABLE_CHANGE:
      return _("No reliable change");
    case SP_CHANGE_RELIABLE_DETERIORATION:
      return _("Reliable deterioration");
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
sp_change_to_code (SpChange change)
{
  switch (change)
    {
    case SP_CHANGE_INCOMPLETE:
      return "incomplete";
    case SP_CHANGE_RELIABLE_IMPROVEMENT:
      return "reliable_improvement";
    case SP_CHANGE_NO_RELIABLE_CHANGE:
      return "no_reliable_change";
    case SP_CHANGE_RELIABLE_DETERIORATION:
      return "reliable_deterioration";
    default:
      g_return_val_if_reached (NULL);
    }
}

/* NHS Talking Therapies manual: recovery is caseness on PHQ-9 or GAD-7 at
 * baseline and on neither at follow-up; reliable recovery adds a reliable
 * improvement on at least one and a reliable deterioration on neither.
 * Someone below caseness at baseline cannot recover, so that is reported
 * even before the follow-up is in. */
SpRecovery
sp_measure_recovery (const SpMeasureScore *phq9_base,
                     const SpMeasureScore *phq9_follow,
                     const SpMeasureScore *gad7_base,
                     const SpMeasureScore *gad7_follow)
{
  const SpMeasureInfo *phq9 = &measures[SP_MEASURE_PHQ9];
  const SpMeasureInfo *gad7 = &measures[SP_MEASURE_GAD7];
  SpChange phq9_change;
  SpChange gad7_change;

  g_return_val_if_fail (phq9_base != NULL && phq9_base->measure == SP_MEASURE_PHQ9, SP_RECOVERY_INCOMPLETE);
  g_return_val_if_fail (phq9_follow != NULL && phq9_follow->measure == SP_MEASURE_PHQ9, SP_RECOVERY_INCOMPLETE);
  g_return_val_if_fail (gad7_base != NULL && gad7_base->measure == SP_MEASURE_GAD7, SP_RECOVERY_INCOMPLETE);
  g_return_val_if_fail (gad7_follow != NULL && gad7_follow->measure == SP_MEASURE_GAD7, SP_RECOVERY_INCOMPLETE);

  if (phq9_base->complete && gad7_base->complete
      && !phq9_base->caseness && !gad7_base->caseness)
    return SP_RECOVERY_NOT_AT_CASENESS;

  if (!phq9_base->complete || !phq9_follow->complete
      || !gad7_base->complete || !gad7_follow->complete)
    return SP_RECOVERY_INCOMPLETE;

  if (phq9_follow->caseness || gad7_follow->caseness)
    return SP_RECOVERY_NOT_RECOVERED;

  phq9_change = sp_measure_compare (phq9, phq9_base, phq9_follow);
  gad7_change = sp_measure_compare (gad7, gad7_base, gad7_follow);

  if ((phq9_change == SP_CHANGE_RELIABLE_IMPROVEMENT
       || gad7_change == SP_CHANGE_RELIABLE_IMPROVEMENT)
      && phq9_change != SP_CHANGE_RELIABLE_DETERIORATION
      && gad7_change != SP_CHANGE_RELIABLE_DETERIORATION)
    return SP_RECOVERY_RELIABLY_RECOVERED;

  return SP_RECOVERY_RECOVERED;
}

const char *
sp_recovery_to_string (SpRecovery recovery)
{
  switch (recovery)
    {
    case SP_RECOVERY_INCOMPLETE:
      return _("Incomplete");
    case SP_RECOVERY_NOT_AT_CASENESS:
      return _("Not at caseness at baseline");
    case SP_RECOVERY_NOT_RECOVERED:
      return _("Not recovered");
    case SP_RECOVERY_RECOVERED:
      return _("Recovered");
    case SP_RECOVERY_RELIABLY_RECOVERED:
      return _("Reliably recovered");
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
sp_recovery_to_code (SpRecovery recovery)
{
  switch (recovery)
    {
    case SP_RECOVERY_INCOMPLETE:
      return "incomplete";
    case SP_RECOVERY_NOT_AT_CASENESS:
      return "not_at_caseness";
    case SP_RECOVERY_NOT_RECOVERED:
      return "not_recovered";
    case SP_RECOVERY_RECOVERED:
      return "recovered";
    case SP_RECOVERY_RELIABLY_RECOVERED:
      return "reliably_recovered";
    default:
      g_return_val_if_reached (NULL);
    }
}
