/* sp-report-fixture.h — a small store with known figures, for reports and letters
 *
 * Built through the same calls a link worker makes, at fixed times, so
 * every figure in the tests can be worked out by hand from the table
 * below. Header-only: every helper is static inline.
 *
 * Practice A81001 (Riverside Surgery). Period of interest: 2026-04-01 to
 * 2026-05-31, by date referred.
 *
 * Funders   ICB  "Hollin Dales ICB", £5,000.00 a year from 2026-04-01
 *           TRUST "\"Wellbeing\" Trust, Hollin" (a quote and a comma, for
 *           CSV), £1,000.00 a year from 2026-01-01
 * Offerings YOGA "Gentle Yoga" (yoga), £10 a session, 6 sessions;
 *             exempt £0, low £4, middle £7; the ICB pays the rest
 *           ACU "Acupuncture for Pain" (acupuncture), £30, 4 sessions;
 *             exempt £0, low £15; the Trust pays the rest
 *           WALK "Walking Group" (walking group), £5, 8 sessions;
 *             exempt £0, low £2; no funder: the provider waives the rest
 *
 * Patients (MSK + MH = comorbid; all consent unless said):
 *   A Ann Ash     low       comorbid
 *   B Ben Birch   middle    comorbid
 *   C Cara Cole   exempt    MSK only
 *   D Dan Dale    standard  comorbid
 *   E Eve Elm     low       comorbid
 *   F Fay Fir     low       comorbid; NO consent to share with the GP, NO
 *                           consent to count in evaluation
 *   G Gus Gale    standard  comorbid (referred in March: outside the period)
 *   Z Zak Zed     at another practice, B82002 (never visible)
 *
 * Referrals (route; referred; first session; sessions; end):
 *   R1 A→YOGA gp        04-06  04-13  6  completed 05-19  FFT very good
 *   R2 B→YOGA self      04-13  04-27  4  completed 05-19  FFT good
 *   R3 C→ACU  gp        04-20  04-30  4  completed 05-22  FFT don't know
 *   R4 D→ACU  nhs_other 05-04  —      0  declined 05-06
 *   R5 E→WALK non_nhs   04-27  05-11  2  did not attend 05-26
 *   R6 F→YOGA gp        04-08  04-10  6  completed 05-16  FFT poor; safety concern
 *   R7 G→YOGA gp        03-20  03-23  6  completed 04-28 (outside the period)
 *   R8 C→WALK self      05-10  05-20  1  attending
 *   a draft A→WALK (never counted) and Z→YOGA at B82002 05-01 (never seen)
 *
 * Measures (baseline → follow-up, on the referral):
 *   R1 PHQ-9 15 → 6, GAD-7 12 → 5
 *   R2 PHQ-9 12 → 10, GAD-7 9 → 9
 *   R3 PHQ-9 8 → 9, MSK-HQ 20 → 30, pain 8 → 5
 *   R4 PHQ-9 20 (baseline only)
 *   R6 PHQ-9 18 → 20, GAD-7 10 → 16
 *   R7 PHQ-9 10 → 3
 *
 * Payments: A £24.00 (R1); B £7 × 3 and one of them reversed, net £14.00
 * (R2); E £2.00 (R5); F £24.00 (R6); the ICB £36.00 (R1); the Trust
 * £60.00 (R3).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdarg.h>
#include <string.h>

#include "sp-letter.h"
#include "sp-money.h"
#include "sp-referrals.h"
#include "sp-report.h"

#include "sp-test-util.h"

G_BEGIN_DECLS

#define SP_REPORT_FROM "2026-04-01"
#define SP_REPORT_TO   "2026-05-31"

enum { RF_A, RF_B, RF_C, RF_D, RF_E, RF_F, RF_G, RF_N_PATIENTS };
enum { RF_R1, RF_R2, RF_R3, RF_R4, RF_R5, RF_R6, RF_R7, RF_R8, RF_DRAFT, RF_OTHER, RF_N_REFERRALS };

typedef struct
{
  SpTestStore  base;
  char        *icb;
  char        *trust;
  char        *yoga;
  char        *acupuncture;
  char        *walking;
  char        *patients[RF_N_PATIENTS];
  char        *referrals[RF_N_REFERRALS];
  guint        n_patients;
} SpReportFixture;

static inline char *
sp_rf_funder (SpStore    *store,
              const char *name,
              gint64      budget,
              const char *year_start)
{
  g_autoptr(SpFunder) funder = sp_test_add_funder (store, name, budget, year_start);

  return g_strdup (funder->record.id);
}

static inline char *
sp_rf_offering (SpStore    *store,
                const char *provider,
                const char *name,
                const char *modality,
                gint64      fee,
                gint64      sessions,
                const char *scale,
                const char *funder_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpProvider) p = sp_test_add_provider (store, provider);
  g_autoptr(SpOffering) offering = sp_test_offering_new (p->record.id, name, fee, sessions, scale, funder_id);

  g_free (offering->modality);
  offering->modality = g_strdup (modality);
  g_assert_true (sp_store_save (store, &sp_entity_offering, offering, &error));
  g_assert_no_error (error);
  return g_strdup (offering->record.id);
}

static inline char *
sp_rf_patient (SpReportFixture *f,
               const char      *practice,
               const char      *given,
               const char      *family,
               const char      *band,
               gboolean         consent,
               gboolean         msk,
               gboolean         mh)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (f->n_patients++);
  g_autoptr(SpPatient) patient = sp_test_patient_new (given, family, nhs);

  patient->record.practice = g_strdup (practice);
  patient->income_band = g_strdup (band);
  patient->address = g_strdup ("12 Mill Lane, Hollinsford");
  patient->postcode = g_strdup ("HF1 2UZ");
  patient->consent_gp = consent;
  patient->consent_evaluation = consent;
  g_assert_true (sp_store_add_patient (f->base.store, patient, &error));
  g_assert_no_error (error);
  if (msk)
    sp_condition_free (sp_test_add_condition (f->base.store, patient->record.id, "msk", "low_back_pain"));
  if (mh)
    sp_condition_free (sp_test_add_condition (f->base.store, patient->record.id, "mh", "anxiety"));
  return g_strdup (patient->record.id);
}

/* @date "2026-04-06": the clock at 10:00 UTC that day. */
static inline void
sp_rf_clock (SpStore    *store,
             const char *date)
{
  g_autofree char *time = g_strdup_printf ("%sT10:00:00Z", date);

  sp_store_set_clock (store, time);
}

static inline char *
sp_rf_refer (SpStore    *store,
             const char *patient_id,
             const char *offering_id,
             const char *route,
             const char *date,
             gboolean    draft)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;

  sp_rf_clock (store, date);
  referral = sp_store_refer (store, patient_id, offering_id, route,
                             "Chronic back pain and panic attacks", "Walk to the shops", draft, &error);
  g_assert_no_error (error);
  g_assert_nonnull (referral);
  return g_strdup (referral->record.id);
}

static inline void
sp_rf_move (SpStore    *store,
            const char *referral_id,
            const char *to,
            const char *date)
{
  g_autoptr(GError) error = NULL;

  sp_rf_clock (store, date);
  g_assert_true (sp_store_move_referral (store, referral_id, to, NULL, &error));
  g_assert_no_error (error);
}

/* @n weekly sessions attended from @first. */
static inline void
sp_rf_attend (SpStore    *store,
              const char *referral_id,
              const char *first,
              guint       n)
{
  g_autoptr(GDateTime) start = NULL;
  g_autofree char *iso = g_strdup_printf ("%sT10:00:00Z", first);

  start = g_date_time_new_from_iso8601 (iso, NULL);
  g_assert_nonnull (start);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDateTime) day = g_date_time_add_weeks (start, (gint) i);
      g_autofree char *date = g_date_time_format (day, "%Y-%m-%d");

      sp_rf_clock (store, date);
      g_assert_true (sp_store_record_attendance (store, referral_id, date, TRUE, NULL, &error));
      g_assert_no_error (error);
    }
}

/* Answers as a JSON array, e.g. "[2,2,2,2,2,2,1,1,1]". */
static inline void
sp_rf_assess (SpStore    *store,
              const char *patient_id,
              const char *referral_id,
              const char *measure,
              const char *stage,
              const char *date,
              const char *answers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpAssessment) assessment = sp_assessment_new ();

  assessment->patient_id = g_strdup (patient_id);
  assessment->referral_id = g_strdup (referral_id);
  assessment->measure = g_strdup (measure);
  assessment->stage = g_strdup (stage);
  assessment->taken_at = g_strdup_printf ("%sT09:30:00Z", date);
  assessment->answers = sp_test_parse_json (answers);
  sp_rf_clock (store, date);
  g_assert_true (sp_store_add_assessment (store, assessment, &error));
  g_assert_no_error (error);
}

static inline void
sp_rf_set (SpStore    *store,
           const char *referral_id,
           const char *fft,
           const char *safety_concern,
           const char *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = sp_store_get_referral (store, referral_id, &error);

  g_assert_no_error (error);
  if (fft != NULL)
    referral->fft = g_strdup (fft);
  if (safety_concern != NULL)
    referral->safety_concern = g_strdup (safety_concern);
  if (outcome != NULL)
    referral->outcome = g_strdup (outcome);
  g_assert_true (sp_store_save (store, &sp_entity_referral, referral, &error));
  g_assert_no_error (error);
}

static inline char *
sp_rf_pay (SpStore    *store,
           const char *referral_id,
           const char *payer,
           gint64      pence,
           const char *date)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPayment) payment = sp_payment_new ();

  payment->referral_id = g_strdup (referral_id);
  payment->payer = g_strdup (payer);
  payment->amount_pence = pence;
  payment->method = g_strdup ("card");
  payment->paid_at = g_strdup_printf ("%sT12:00:00Z", date);
  sp_rf_clock (store, date);
  g_assert_true (sp_store_add_payment (store, payment, &error));
  g_assert_no_error (error);
  return g_strdup (payment->record.id);
}

/* PHQ-9 answers with these totals: nine items, 0–3 each. */
#define PHQ9_6  "[1,1,1,1,1,1,0,0,0]"
#define PHQ9_8  "[1,1,1,1,1,1,1,1,0]"
#define PHQ9_9  "[1,1,1,1,1,1,1,1,1]"
#define PHQ9_10 "[2,2,1,1,1,1,1,1,0]"
#define PHQ9_12 "[2,2,2,2,1,1,1,1,0]"
#define PHQ9_15 "[2,2,2,2,2,2,1,1,1]"
#define PHQ9_18 "[2,2,2,2,2,2,2,2,2]"
#define PHQ9_20 "[3,3,2,2,2,2,2,2,2]"
#define PHQ9_3  "[1,1,1,0,0,0,0,0,0]"
/* GAD-7: seven items, 0–3 each. */
#define GAD7_5  "[1,1,1,1,1,0,0]"
#define GAD7_9  "[2,1,1,1,1,1,2]"
#define GAD7_10 "[2,2,2,1,1,1,1]"
#define GAD7_12 "[2,2,2,2,2,1,1]"
#define GAD7_16 "[3,3,2,2,2,2,2]"
/* MSK-HQ: fourteen items, 0–4 each. */
#define MSKHQ_20 "[2,2,2,2,2,2,2,1,1,1,1,1,1,0]"
#define MSKHQ_30 "[3,3,3,3,3,3,2,2,2,2,2,1,1,0]"

static inline void
sp_report_fixture_setup (SpReportFixture *f,
                         gconstpointer    user_data)
{
  SpStore *store;
  const char * const both[] = { SP_TEST_PRACTICE, SP_TEST_OTHER_PRACTICE, NULL };
  const char * const ours[] = { SP_TEST_PRACTICE, NULL };
  g_autofree char *reversed = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(GError) error = NULL;
  char **p = f->patients;
  char **r = f->referrals;

  sp_test_store_setup (&f->base, user_data);
  store = f->base.store;
  /* Who signs the letters. */
  g_assert_true (sp_store_set_meta (store, "link_worker_name", "Grace Okafor", &error));
  g_assert_no_error (error);

  f->icb = sp_rf_funder (store, "Hollin Dales ICB", 500000, "2026-04-01");
  f->trust = sp_rf_funder (store, "\"Wellbeing\" Trust, Hollin", 100000, "2026-01-01");
  f->yoga = sp_rf_offering (store, "Dales Yoga CIC", "Gentle Yoga", "yoga", 1000, 6,
                            "{\"exempt\": 0, \"low\": 400, \"middle\": 700}", f->icb);
  f->acupuncture = sp_rf_offering (store, "Riverside Acupuncture", "Acupuncture for Pain", "acupuncture", 3000, 4,
                                   "{\"exempt\": 0, \"low\": 1500}", f->trust);
  f->walking = sp_rf_offering (store, "Hollin Ramblers", "Walking Group", "walking_group", 500, 8,
                               "{\"exempt\": 0, \"low\": 200}", NULL);

  sp_store_set_actor (store, SP_TEST_USER, SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN, both);
  p[RF_A] = sp_rf_patient (f, SP_TEST_PRACTICE, "Ann", "Ash", "low", TRUE, TRUE, TRUE);
  p[RF_B] = sp_rf_patient (f, SP_TEST_PRACTICE, "Ben", "Birch", "middle", TRUE, TRUE, TRUE);
  p[RF_C] = sp_rf_patient (f, SP_TEST_PRACTICE, "Cara", "Cole", "exempt", TRUE, TRUE, FALSE);
  p[RF_D] = sp_rf_patient (f, SP_TEST_PRACTICE, "Dan", "Dale", "standard", TRUE, TRUE, TRUE);
  p[RF_E] = sp_rf_patient (f, SP_TEST_PRACTICE, "Eve", "Elm", "low", TRUE, TRUE, TRUE);
  p[RF_F] = sp_rf_patient (f, SP_TEST_PRACTICE, "Fay", "Fir", "low", FALSE, TRUE, TRUE);
  p[RF_G] = sp_rf_patient (f, SP_TEST_PRACTICE, "Gus", "Gale", "standard", TRUE, TRUE, TRUE);
  {
    g_autofree char *z = sp_rf_patient (f, SP_TEST_OTHER_PRACTICE, "Zak", "Zed", "low", TRUE, TRUE, TRUE);

    r[RF_OTHER] = sp_rf_refer (store, z, f->yoga, "gp", "2026-05-01", FALSE);
    sp_rf_move (store, r[RF_OTHER], "accepted", "2026-05-02");
    sp_rf_attend (store, r[RF_OTHER], "2026-05-05", 3);
  }

  /* R1: Ann, yoga, six sessions, completed. */
  r[RF_R1] = sp_rf_refer (store, p[RF_A], f->yoga, "gp", "2026-04-06", FALSE);
  sp_rf_assess (store, p[RF_A], r[RF_R1], "phq9", "baseline", "2026-04-06", PHQ9_15);
  sp_rf_assess (store, p[RF_A], r[RF_R1], "gad7", "baseline", "2026-04-06", GAD7_12);
  sp_rf_move (store, r[RF_R1], "accepted", "2026-04-08");
  sp_rf_attend (store, r[RF_R1], "2026-04-13", 6);
  sp_rf_move (store, r[RF_R1], "completed", "2026-05-19");
  sp_rf_assess (store, p[RF_A], r[RF_R1], "phq9", "follow_up", "2026-05-19", PHQ9_6);
  sp_rf_assess (store, p[RF_A], r[RF_R1], "gad7", "follow_up", "2026-05-19", GAD7_5);
  sp_rf_set (store, r[RF_R1], "very_good", NULL, "Walks to the shops again.");

  /* R2: Ben, yoga, four sessions, completed. */
  r[RF_R2] = sp_rf_refer (store, p[RF_B], f->yoga, "self", "2026-04-13", FALSE);
  sp_rf_assess (store, p[RF_B], r[RF_R2], "phq9", "baseline", "2026-04-13", PHQ9_12);
  sp_rf_assess (store, p[RF_B], r[RF_R2], "gad7", "baseline", "2026-04-13", GAD7_9);
  sp_rf_move (store, r[RF_R2], "accepted", "2026-04-15");
  sp_rf_attend (store, r[RF_R2], "2026-04-27", 4);
  sp_rf_move (store, r[RF_R2], "completed", "2026-05-19");
  sp_rf_assess (store, p[RF_B], r[RF_R2], "phq9", "follow_up", "2026-05-19", PHQ9_10);
  sp_rf_assess (store, p[RF_B], r[RF_R2], "gad7", "follow_up", "2026-05-19", GAD7_9);
  sp_rf_set (store, r[RF_R2], "good", NULL, NULL);

  /* R3: Cara, acupuncture, four sessions, completed. */
  r[RF_R3] = sp_rf_refer (store, p[RF_C], f->acupuncture, "gp", "2026-04-20", FALSE);
  sp_rf_assess (store, p[RF_C], r[RF_R3], "phq9", "baseline", "2026-04-20", PHQ9_8);
  sp_rf_assess (store, p[RF_C], r[RF_R3], "mskhq", "baseline", "2026-04-20", MSKHQ_20);
  sp_rf_assess (store, p[RF_C], r[RF_R3], "pain_nrs", "baseline", "2026-04-20", "[8]");
  sp_rf_move (store, r[RF_R3], "accepted", "2026-04-22");
  sp_rf_attend (store, r[RF_R3], "2026-04-30", 4);
  sp_rf_move (store, r[RF_R3], "completed", "2026-05-22");
  sp_rf_assess (store, p[RF_C], r[RF_R3], "phq9", "follow_up", "2026-05-22", PHQ9_9);
  sp_rf_assess (store, p[RF_C], r[RF_R3], "mskhq", "follow_up", "2026-05-22", MSKHQ_30);
  sp_rf_assess (store, p[RF_C], r[RF_R3], "pain_nrs", "follow_up", "2026-05-22", "[5]");
  sp_rf_set (store, r[RF_R3], "dont_know", NULL, NULL);

  /* R4: Dan, acupuncture, declined. */
  r[RF_R4] = sp_rf_refer (store, p[RF_D], f->acupuncture, "nhs_other", "2026-05-04", FALSE);
  sp_rf_assess (store, p[RF_D], r[RF_R4], "phq9", "baseline", "2026-05-04", PHQ9_20);
  sp_rf_move (store, r[RF_R4], "declined", "2026-05-06");

  /* R5: Eve, walking, two sessions, then did not attend. */
  r[RF_R5] = sp_rf_refer (store, p[RF_E], f->walking, "non_nhs", "2026-04-27", FALSE);
  sp_rf_move (store, r[RF_R5], "accepted", "2026-04-29");
  sp_rf_attend (store, r[RF_R5], "2026-05-11", 2);
  sp_rf_move (store, r[RF_R5], "did_not_attend", "2026-05-26");

  /* R6: Fay (no consent), yoga, six sessions, completed, a safety concern. */
  r[RF_R6] = sp_rf_refer (store, p[RF_F], f->yoga, "gp", "2026-04-08", FALSE);
  sp_rf_assess (store, p[RF_F], r[RF_R6], "phq9", "baseline", "2026-04-08", PHQ9_18);
  sp_rf_assess (store, p[RF_F], r[RF_R6], "gad7", "baseline", "2026-04-08", GAD7_10);
  sp_rf_move (store, r[RF_R6], "accepted", "2026-04-09");
  sp_rf_attend (store, r[RF_R6], "2026-04-10", 6);
  sp_rf_move (store, r[RF_R6], "completed", "2026-05-16");
  sp_rf_assess (store, p[RF_F], r[RF_R6], "phq9", "follow_up", "2026-05-16", PHQ9_20);
  sp_rf_assess (store, p[RF_F], r[RF_R6], "gad7", "follow_up", "2026-05-16", GAD7_16);
  sp_rf_set (store, r[RF_R6], "poor", "Said she had thought of self-harm at the last session.",
             "Finished the course; mood lower.");

  /* R7: Gus, yoga, in March: outside the period. */
  r[RF_R7] = sp_rf_refer (store, p[RF_G], f->yoga, "gp", "2026-03-20", FALSE);
  sp_rf_assess (store, p[RF_G], r[RF_R7], "phq9", "baseline", "2026-03-20", PHQ9_10);
  sp_rf_move (store, r[RF_R7], "accepted", "2026-03-21");
  sp_rf_attend (store, r[RF_R7], "2026-03-23", 6);
  sp_rf_move (store, r[RF_R7], "completed", "2026-04-28");
  sp_rf_assess (store, p[RF_G], r[RF_R7], "phq9", "follow_up", "2026-04-28", PHQ9_3);

  /* R8: Cara again, walking, one session so far. */
  r[RF_R8] = sp_rf_refer (store, p[RF_C], f->walking, "self", "2026-05-10", FALSE);
  sp_rf_move (store, r[RF_R8], "accepted", "2026-05-12");
  sp_rf_attend (store, r[RF_R8], "2026-05-20", 1);

  /* A draft: not a referral yet, never counted. */
  r[RF_DRAFT] = sp_rf_refer (store, p[RF_A], f->walking, "gp", "2026-05-25", TRUE);

  g_free (sp_rf_pay (store, r[RF_R1], "patient", 2400, "2026-05-19"));
  g_free (sp_rf_pay (store, r[RF_R2], "patient", 700, "2026-04-27"));
  g_free (sp_rf_pay (store, r[RF_R2], "patient", 700, "2026-05-04"));
  reversed = sp_rf_pay (store, r[RF_R2], "patient", 700, "2026-05-04");
  sp_rf_clock (store, "2026-05-05");
  reversal = sp_store_reverse_payment (store, reversed, "Taken twice", &error);
  g_assert_no_error (error);
  g_free (sp_rf_pay (store, r[RF_R5], "patient", 200, "2026-05-11"));
  g_free (sp_rf_pay (store, r[RF_R6], "patient", 2400, "2026-05-16"));
  g_free (sp_rf_pay (store, r[RF_R1], "funder", 3600, "2026-05-31"));
  g_free (sp_rf_pay (store, r[RF_R3], "funder", 6000, "2026-05-31"));

  sp_store_set_actor (store, SP_TEST_USER, SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN, ours);
  sp_store_set_clock (store, "2026-06-01T09:00:00Z");
}

static inline void
sp_report_fixture_teardown (SpReportFixture *f,
                            gconstpointer    user_data)
{
  g_free (f->icb);
  g_free (f->trust);
  g_free (f->yoga);
  g_free (f->acupuncture);
  g_free (f->walking);
  for (guint i = 0; i < RF_N_PATIENTS; i++)
    g_free (f->patients[i]);
  for (guint i = 0; i < RF_N_REFERRALS; i++)
    g_free (f->referrals[i]);
  sp_test_store_teardown (&f->base, user_data);
}

/* The period the tests look at. */
static inline SpReportFilter *
sp_rf_filter (void)
{
  SpReportFilter *filter = sp_report_filter_new ();

  filter->from = g_strdup (SP_REPORT_FROM);
  filter->to = g_strdup (SP_REPORT_TO);
  return filter;
}

/* ---- Running signpost-cli and pdftotext ---------------------------------- */

static inline void
sp_rf_assert_contains (const char *haystack,
                       const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(null)", needle);
}

static inline void
sp_rf_assert_lacks (const char *haystack,
                    const char *needle)
{
  if (haystack != NULL && strstr (haystack, needle) != NULL)
    g_error ("“%s” should not contain “%s”", haystack, needle);
}

typedef struct
{
  int   status;
  char *out;
  char *err;
} SpRfRun;

static inline void
sp_rf_run_free (SpRfRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpRfRun, sp_rf_run_free)

static inline SpRfRun *
sp_rf_run_argv (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  SpRfRun *run = g_new0 (SpRfRun, 1);
  int wait_status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &run->out, &run->err,
                &wait_status, &error);
  g_assert_no_error (error);
  if (g_spawn_check_wait_status (wait_status, &error))
    run->status = 0;
  else
    {
      g_assert_error (error, G_SPAWN_EXIT_ERROR, error->code);  /* exited, not killed */
      run->status = error->code;
    }
  return run;
}

/* signpost-cli --db (the fixture's store) ARGS…, NULL-terminated. */
static inline SpRfRun *
sp_rf_cli (SpReportFixture *f,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) SIGNPOST_CLI);
  g_ptr_array_add (argv, (char *) "--db");
  g_ptr_array_add (argv, f->base.path);
  va_start (args, f);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return sp_rf_run_argv ((const char * const *) argv->pdata);
}

/* The PDF's text as pdftotext reads it, or NULL (and the test skipped)
 * when poppler-utils is not installed. */
static inline char *
sp_rf_pdf_text (const char *path)
{
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  const char *argv[] = { NULL, "-layout", "-enc", "UTF-8", path, "-", NULL };
  g_autoptr(SpRfRun) run = NULL;

  if (pdftotext == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed");
      return NULL;
    }
  argv[0] = pdftotext;
  run = sp_rf_run_argv (argv);
  g_assert_cmpint (run->status, ==, 0);
  return g_steal_pointer (&run->out);
}

G_END_DECLS
