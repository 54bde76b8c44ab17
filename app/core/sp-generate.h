/* sp-generate.h — a synthetic caseload and catalogue at regional scale
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

/* Every date the generator writes is counted back from this day, never
 * from the clock, so the same seed gives the same store on any day. */
#define SP_GENERATE_TODAY "2026-11-02"

/* Goes up whenever the same seed would give different records. */
#define SP_GENERATE_VERSION 3

/* The practice a generated store works for, when it has none yet. */
#define SP_GENERATE_PRACTICE "Y99999"

/* NHS numbers come from the 999 range, which is never issued; about one
 * in eleven has no valid check digit, which leaves this many. */
#define SP_GENERATE_MAX_PATIENTS 900000

typedef void (*SpGenerateProgress) (const char *what,
                                    guint64     done,
                                    guint64     total,
                                    gpointer    user_data);

typedef struct
{
  guint               n_patients;
  guint               n_offerings;
  guint64             seed;
  SpGenerateProgress  progress;      /* may be NULL */
  gpointer            progress_data;
} SpGenerateOptions;

typedef struct
{
  guint64 funders;
  guint64 providers;
  guint64 offerings;
  guint64 patients;
  guint64 conditions;
  guint64 referrals;
  guint64 referral_events;
  guint64 attendances;
  guint64 assessments;
  guint64 payments;
} SpGenerateCounts;

gboolean sp_store_generate (SpStore                 *store,
                            const SpGenerateOptions *options,
                            SpGenerateCounts        *counts,
                            GError                 **error);

G_END_DECLS
