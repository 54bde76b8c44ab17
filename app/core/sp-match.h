/* sp-match.h — matching a patient to offerings in the catalogue
 *
 * sp_match() is a pure function of its input: no store, no clock, no
 * locale-dependent ordering, so the same input always gives the same
 * ranking. sp_store_match_patient() gathers that input from the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-measure.h"
#include "sp-store.h"

G_BEGIN_DECLS

typedef struct
{
  const SpPatient *patient;
  GPtrArray       *conditions;       /* SpCondition* of the patient; deleted ones are ignored */
  GPtrArray       *offerings;        /* SpOffering*, places_taken filled in; the result keeps a reference */
  GPtrArray       *referrals;        /* SpReferral* of the patient, any status; may be NULL */
  gint             completed_step;   /* step of the patient's latest completed referral; 0 = none */
  SpChange         completed_change; /* what its follow-up measures showed; SP_CHANGE_INCOMPLETE = not measured */
  const char      *today;            /* YYYY-MM-DD: for age limits and last_verified */
} SpMatchInput;

typedef struct
{
  const SpOffering *offering;           /* borrowed from the input */
  gint              score;              /* 0 for an excluded offering */
  gint64            patient_cost_pence; /* per session, after the sliding scale; SP_UNSET when
                                         * excluded before cost was considered */
  gdouble           distance_km;        /* NAN when not known or not relevant */
  GPtrArray        *reasons;            /* char*, translated, strongest first; NULL when excluded */
  char             *excluded_because;   /* NULL for a match; else one translated sentence */
} SpMatch;

typedef struct
{
  GPtrArray *matches;        /* SpMatch*, best first */
  GPtrArray *excluded;       /* SpMatch*, in catalogue name order */
  gint       suggested_step; /* the stepped-care level ranked first; 0 when nothing fits */
  char      *step_note;      /* why that step, after a completed referral; else NULL */

  /*< private >*/
  SpMatch   *entries;
  guint      n_entries;
  GPtrArray *catalogue;
} SpMatchResult;

SpMatchResult *sp_match                (const SpMatchInput  *input);
void           sp_match_result_free    (SpMatchResult       *result);

SpMatchResult *sp_store_match_patient  (SpStore             *store,
                                        const char          *patient_id,
                                        const char          *today,
                                        GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpMatchResult, sp_match_result_free)

G_END_DECLS
