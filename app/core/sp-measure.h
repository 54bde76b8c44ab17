/* sp-measure.h — outcome-measure questionnaires and their scoring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SP_MEASURE_PHQ9,
  SP_MEASURE_GAD7,
  SP_MEASURE_MSKHQ,
  SP_MEASURE_SWEMWBS,
  SP_MEASURE_ONS4,
  SP_MEASURE_PAIN_NRS,
  SP_N_MEASURES
} SpMeasureId;

/* The longest questionnaire (MSK-HQ) has 14 items. */
#define SP_MEASURE_MAX_ITEMS 14

/**
 * SpMeasureInfo:
 * A questionnaire as the core knows it. Every string is marked N_() and
 * stored untranslated; pass it through _() (or the getters) to show it.
 */
typedef struct
{
  SpMeasureId id;
  const char *code;            /* "phq9", "gad7", …: stored in the database */
  const char *name;            /* N_(); sp_measure_get_name() translates */
  guint n_items;
  gint item_min, item_max;
  gboolean higher_is_better;   /* for the total; ONS4 is per item */
  gboolean summed;             /* FALSE for ONS4 */
  const char *licence;         /* N_() note to record, or NULL when free to use */
  const char * const *items;   /* n_items N_() item prompts or labels */
  const char * const *anchors; /* N_() one per value item_min..item_max, or NULL */
  const char *scale_low;       /* N_() meaning of item_min when anchors is NULL */
  const char *scale_high;      /* N_() meaning of item_max when anchors is NULL */
} SpMeasureInfo;

const SpMeasureInfo *sp_measure_get       (SpMeasureId          id);
const SpMeasureInfo *sp_measure_lookup    (const char          *code);
const char          *sp_measure_get_name  (const SpMeasureInfo *info);
const char          *sp_measure_get_item  (const SpMeasureInfo *info,
                                           guint                item);

#define SP_ANSWER_MISSING (-1)

typedef struct
{
  SpMeasureId measure;   /* which questionnaire produced this score */
  gboolean complete;     /* every item answered; an incomplete questionnaire has no total */
  gint     raw_total;    /* sum of items; -1 when incomplete or not summed */
  gdouble  score;        /* raw total, or SWEMWBS metric score; NAN when incomplete or not summed */
  gint     items[SP_MEASURE_MAX_ITEMS]; /* the answers; unused slots SP_ANSWER_MISSING */
  guint    n_items;
  const char *band;      /* translated band label, or NULL (no bands, or incomplete) */
  gboolean caseness;     /* PHQ-9 >= 10, GAD-7 >= 8; FALSE otherwise */
} SpMeasureScore;

gboolean sp_measure_score          (const SpMeasureInfo *info,
                                    const gint          *answers,
                                    guint                n_answers,
                                    SpMeasureScore      *out,
                                    GError             **error);

double   sp_measure_swemwbs_metric (gint                 raw_total);

/* ONS4 item indexes, for sp_measure_ons4_item_band() and SpMeasureScore.items. */
typedef enum
{
  SP_ONS4_LIFE_SATISFACTION,
  SP_ONS4_WORTHWHILE,
  SP_ONS4_HAPPY_YESTERDAY,
  SP_ONS4_ANXIOUS_YESTERDAY,
} SpOns4Item;

const char *sp_measure_ons4_item_band (guint item,
                                       gint  value);

typedef enum
{
  SP_CHANGE_INCOMPLETE,
  SP_CHANGE_RELIABLE_IMPROVEMENT,
  SP_CHANGE_NO_RELIABLE_CHANGE,
  SP_CHANGE_RELIABLE_DETERIORATION,
} SpChange;

SpChange    sp_measure_compare  (const SpMeasureInfo  *info,
                                 const SpMeasureScore *baseline,
                                 const SpMeasureScore *follow_up);
const char *sp_change_to_string (SpChange              change);
const char *sp_change_to_code   (SpChange              change);

typedef enum
{
  SP_RECOVERY_INCOMPLETE,
  SP_RECOVERY_NOT_AT_CASENESS,
  SP_RECOVERY_NOT_RECOVERED,
  SP_RECOVERY_RECOVERED,
  SP_RECOVERY_RELIABLY_RECOVERED,
} SpRecovery;

SpRecovery  sp_measure_recovery   (const SpMeasureScore *phq9_base,
                                   const SpMeasureScore *phq9_follow,
                                   const SpMeasureScore *gad7_base,
                                   const SpMeasureScore *gad7_follow);
const char *sp_recovery_to_string (SpRecovery            recovery);
const char *sp_recovery_to_code   (SpRecovery            recovery);

G_END_DECLS
