/* test-letters.c — the letter to the GP: consent, codes, marking it sent
 *
 * The store is the one in sp-report-fixture.h. Ann (R1) agreed to share
 * with her GP; Fay (R6) did not, and a safety concern was raised on her
 * referral; Dan's referral (R4) was declined.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-letters"

#include "config.h"

#include <string.h>
#include <glib.h>

#include "sp-letter.h"

#include "sp-report-fixture.h"

#define FIXTURE(path, func) \
  g_test_add (path, SpReportFixture, NULL, sp_report_fixture_setup, func, sp_report_fixture_teardown)

static SpLetter *
letter (SpReportFixture *f,
        guint            referral,
        SpLetterKind     kind)
{
  g_autoptr(GError) error = NULL;
  SpLetter *l = sp_store_letter (f->base.store, f->referrals[referral], kind, &error);

  g_assert_no_error (error);
  g_assert_nonnull (l);
  return l;
}

static char *
nhs_number (SpReportFixture *f,
            guint            patient)
{
  g_autoptr(SpPatient) p = sp_store_get_patient (f->base.store, f->patients[patient], NULL);

  return sp_nhs_number_format (p->nhs_number);
}

static guint
count_codes (const SpLetter *l,
             const char     *code)
{
  guint n = 0;

  for (guint i = 0; i < l->codes->len; i++)
    n += g_str_equal (((SpLetterCode *) l->codes->pdata[i])->code, code);
  return n;
}

static gint64
audit_count (SpReportFixture *f,
             const char      *referral_id,
             const char      *action)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM audit_event WHERE entity_id = ?1 AND action = '%s'",
                                          action);
  return sp_test_query_int (f->base.store, sql, referral_id);
}

/* ---- SNOMED CT ----------------------------------------------------------- */

static void
test_snomed_ids (void)
{
  /* The three concepts measures.md gives. */
  g_assert_true (sp_snomed_id_is_valid (SP_SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING));
  g_assert_true (sp_snomed_id_is_valid (SP_SNOMED_SOCIAL_PRESCRIBING_DECLINED));
  g_assert_true (sp_snomed_id_is_valid (SP_SNOMED_PHQ9_SCORE));
  /* One digit wrong: the Verhoeff check digit catches it. */
  g_assert_false (sp_snomed_id_is_valid ("871731000000107"));
  g_assert_false (sp_snomed_id_is_valid ("720433001"));
  /* Too short, a leading zero, letters, a description's partition (01). */
  g_assert_false (sp_snomed_id_is_valid ("12345"));
  g_assert_false (sp_snomed_id_is_valid ("0720433000"));
  g_assert_false (sp_snomed_id_is_valid ("72043300X"));
  g_assert_false (sp_snomed_id_is_valid (NULL));
  g_assert_false (sp_snomed_id_is_valid ("999999016"));
}

/* ---- With consent -------------------------------------------------------- */

static void
test_consent_referral (SpReportFixture *f,
                       gconstpointer    unused)
{
  g_autoptr(SpLetter) l = letter (f, RF_R1, SP_LETTER_REFERRAL);
  g_autofree char *text = sp_letter_to_text (l);
  g_autofree char *nhs = nhs_number (f, RF_A);
  g_autofree char *nhs_line = g_strdup_printf ("NHS number: %s", nhs);

  g_assert_true (l->consent);
  sp_rf_assert_contains (text, "Riverside Surgery (A81001)");
  sp_rf_assert_contains (text, "Social prescribing: referral made");
  sp_rf_assert_contains (text, "Patient: Ann Ash");
  sp_rf_assert_contains (text, "Date of birth: 1961-03-25");
  sp_rf_assert_contains (text, nhs_line);
  sp_rf_assert_contains (text, "Address: 12 Mill Lane, Hollinsford HF1 2UZ");
  sp_rf_assert_contains (text, "Offering: Gentle Yoga");
  sp_rf_assert_contains (text, "Provider: Dales Yoga CIC");
  sp_rf_assert_contains (text, "Referred on: 2026-04-06");
  sp_rf_assert_contains (text, "Reason for referral: Chronic back pain and panic attacks");
  sp_rf_assert_contains (text, "Conditions: Low back pain, Anxiety");
  /* Baseline scores with their meaning; no follow-up yet in this letter. */
  sp_rf_assert_contains (text, "PHQ-9 (depression): baseline 15 of 27 (Moderately severe) on 2026-04-06");
  sp_rf_assert_contains (text, "GAD-7 (anxiety): baseline 12 of 21 (Moderate) on 2026-04-06");
  sp_rf_assert_lacks (text, "follow-up");
  /* The referral's code, and PHQ-9's with its value. */
  sp_rf_assert_contains (text, "871731000000106: Referral to social prescribing service, 2026-04-06");
  sp_rf_assert_contains (text, "720433000: Patient Health Questionnaire Nine Item score: 15, 2026-04-06");
  g_assert_cmpuint (l->codes->len, ==, 2);
  sp_rf_assert_contains (text, "Grace Okafor");
  sp_rf_assert_lacks (text, "Safety");
}

static void
test_consent_completion (SpReportFixture *f,
                         gconstpointer    unused)
{
  g_autoptr(SpLetter) l = letter (f, RF_R1, SP_LETTER_COMPLETION);
  g_autofree char *text = sp_letter_to_text (l);

  sp_rf_assert_contains (text, "Social prescribing: the referral has ended");
  sp_rf_assert_contains (text, "Status: Completed");
  sp_rf_assert_contains (text, "Ended on: 2026-05-19");
  sp_rf_assert_contains (text, "Attendance: 6 of 6 sessions");
  sp_rf_assert_contains (text, "Outcome: Walks to the shops again.");
  sp_rf_assert_contains (text, "PHQ-9 (depression): baseline 15 of 27 (Moderately severe) on 2026-04-06; "
                               "follow-up 6 of 27 (Mild) on 2026-05-19: Reliable improvement (lower is better)");
  sp_rf_assert_contains (text, "GAD-7 (anxiety): baseline 12 of 21 (Moderate) on 2026-04-06; "
                               "follow-up 5 of 21 (Mild) on 2026-05-19: Reliable improvement");
  sp_rf_assert_contains (text, "Recovery (PHQ-9 and GAD-7): Reliably recovered");
  /* No referral letter went, so the referral is coded here, with both scores. */
  g_assert_cmpuint (count_codes (l, SP_SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING), ==, 1);
  g_assert_cmpuint (count_codes (l, SP_SNOMED_PHQ9_SCORE), ==, 2);
  sp_rf_assert_contains (text, "720433000: Patient Health Questionnaire Nine Item score: 6, 2026-05-19");
  g_assert_cmpuint (count_codes (l, SP_SNOMED_SOCIAL_PRESCRIBING_DECLINED), ==, 0);
}

static void
test_declined (SpReportFixture *f,
               gconstpointer    unused)
{
  g_autoptr(SpLetter) l = letter (f, RF_R4, SP_LETTER_COMPLETION);
  g_autofree char *text = sp_letter_to_text (l);

  sp_rf_assert_contains (text, "Status: Declined");
  sp_rf_assert_contains (text, "871711000000103: Social prescribing declined, 2026-05-06");
  /* A baseline with no follow-up: said as it is. */
  sp_rf_assert_contains (text, "PHQ-9 (depression): baseline 20 of 27 (Severe) on 2026-05-04 (lower is better)");
  sp_rf_assert_lacks (text, "Recovery");
}

/* ---- Without consent ----------------------------------------------------- */

static void
assert_no_clinical_detail (const char *text)
{
  const char * const clinical[] = {
    "Chronic back pain and panic attacks",  /* reason */
    "Walk to the shops",                    /* goals */
    "Low back pain", "Anxiety",             /* conditions */
    "PHQ-9", "GAD-7", "18 of 27", "20 of 27", "10 of 21", "16 of 21", "baseline",
    SP_SNOMED_PHQ9_SCORE,
    "self-harm", "Safety concern:",         /* the safety detail */
    "Finished the course",                  /* outcome */
    "Dales Yoga CIC",                       /* provider */
    "Modality", "Attendance", "sessions", "Completed", "Route",
  };

  for (guint i = 0; i < G_N_ELEMENTS (clinical); i++)
    sp_rf_assert_lacks (text, clinical[i]);
}

static void
test_no_consent (SpReportFixture *f,
                 gconstpointer    unused)
{
  g_autofree char *nhs = nhs_number (f, RF_F);

  for (SpLetterKind kind = SP_LETTER_REFERRAL; kind <= SP_LETTER_COMPLETION; kind <<= 1)
    {
      g_autoptr(SpLetter) l = letter (f, RF_R6, kind);
      g_autofree char *text = sp_letter_to_text (l);

      g_assert_false (l->consent);
      /* Not even read into the letter. */
      g_assert_null (l->reason);
      g_assert_null (l->goals);
      g_assert_null (l->conditions);
      g_assert_null (l->provider);
      g_assert_null (l->outcome);
      g_assert_null (l->safety_detail);
      g_assert_null (l->recovery);
      g_assert_null (l->status);
      g_assert_cmpuint (l->scores->len, ==, 0);
      g_assert_cmpint (l->sessions_attended, ==, SP_UNSET);

      assert_no_clinical_detail (text);
      /* What consent allows, and that the letter holds only that. */
      sp_rf_assert_contains (text, "Patient: Fay Fir");
      sp_rf_assert_contains (text, nhs);
      sp_rf_assert_contains (text, "Date of birth: 1961-03-25");
      sp_rf_assert_contains (text, "Offering: Gentle Yoga");
      sp_rf_assert_contains (text, "Referred on: 2026-04-08");
      sp_rf_assert_contains (text, "has not consented to share the details");
      sp_rf_assert_contains (text, "It holds no clinical detail.");
      sp_rf_assert_contains (text, "871731000000106: Referral to social prescribing service, 2026-04-08");
      g_assert_cmpuint (l->codes->len, ==, 1);
      /* A safety concern is said to exist, with no detail. */
      g_assert_true (l->safety_concern);
      sp_rf_assert_contains (text, "A safety concern was raised during this referral. I will contact the practice");
      if (kind == SP_LETTER_COMPLETION)
        sp_rf_assert_contains (text, "Ended on: 2026-05-16");
    }
}

/* ---- When a letter cannot be written ------------------------------------- */

static void
test_refused (SpReportFixture *f,
              gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *unknown = sp_uuid_new ();

  g_assert_null (sp_store_letter (f->base.store, f->referrals[RF_DRAFT], SP_LETTER_REFERRAL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_TRANSITION);
  g_clear_error (&error);
  /* R8 is still attending: there is no letter after it ends yet. */
  g_assert_null (sp_store_letter (f->base.store, f->referrals[RF_R8], SP_LETTER_COMPLETION, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_TRANSITION);
  g_clear_error (&error);
  g_assert_null (sp_store_letter (f->base.store, unknown, SP_LETTER_REFERRAL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* Another practice's referral does not exist for us. */
  g_assert_null (sp_store_letter (f->base.store, f->referrals[RF_OTHER], SP_LETTER_REFERRAL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (sp_store_letter (f->base.store, f->referrals[RF_R1], SP_LETTER_REFERRAL | SP_LETTER_COMPLETION,
                                  &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
}

/* ---- Marking it sent ----------------------------------------------------- */

static void
test_mark_sent (SpReportFixture *f,
                gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpLetter) after = NULL;
  const char *id = f->referrals[RF_R1];
  gint64 outbox = sp_store_outbox_count (f->base.store);
  gint64 exports = audit_count (f, id, "export");

  g_assert_true (sp_store_mark_letter_sent (f->base.store, id, SP_LETTER_REFERRAL, &error));
  g_assert_no_error (error);
  referral = sp_store_get_referral (f->base.store, id, &error);
  g_assert_cmpstr (referral->gp_referral_letter_at, ==, "2026-06-01T09:00:00Z");
  g_assert_null (referral->gp_letter_sent_at);
  /* On the referral (and so queued for sync) and in the audit trail. */
  g_assert_cmpint (audit_count (f, id, "export"), ==, exports + 1);
  g_assert_cmpint (sp_store_outbox_count (f->base.store), >, outbox);

  /* The GP has the referral and baseline codes now: the letter after
   * completion does not code them twice. */
  after = letter (f, RF_R1, SP_LETTER_COMPLETION);
  g_assert_cmpuint (count_codes (after, SP_SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING), ==, 0);
  g_assert_cmpuint (count_codes (after, SP_SNOMED_PHQ9_SCORE), ==, 1);
  g_assert_cmpstr (((SpLetterCode *) after->codes->pdata[0])->value, ==, "6");

  sp_store_set_clock (f->base.store, "2026-06-02T11:00:00Z");
  g_assert_true (sp_store_mark_letter_sent (f->base.store, id, SP_LETTER_COMPLETION, &error));
  g_assert_no_error (error);
  g_clear_pointer (&referral, sp_referral_free);
  referral = sp_store_get_referral (f->base.store, id, &error);
  g_assert_cmpstr (referral->gp_letter_sent_at, ==, "2026-06-02T11:00:00Z");
  g_assert_cmpint (audit_count (f, id, "export"), ==, exports + 2);

  /* Both at once, for a referral whose letters went together. */
  g_assert_true (sp_store_mark_letter_sent (f->base.store, f->referrals[RF_R3],
                                            SP_LETTER_REFERRAL | SP_LETTER_COMPLETION, &error));
  g_assert_no_error (error);
  g_clear_pointer (&referral, sp_referral_free);
  referral = sp_store_get_referral (f->base.store, f->referrals[RF_R3], &error);
  g_assert_cmpstr (referral->gp_referral_letter_at, ==, "2026-06-02T11:00:00Z");
  g_assert_cmpstr (referral->gp_letter_sent_at, ==, "2026-06-02T11:00:00Z");
  g_assert_cmpint (audit_count (f, f->referrals[RF_R3], "export"), ==, 1);
}

static void
test_mark_sent_refused (SpReportFixture *f,
                        gconstpointer    unused)
{
  const char * const ours[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  const char *id = f->referrals[RF_R8];
  gint64 outbox = sp_store_outbox_count (f->base.store);
  gint64 audits = sp_test_count_rows (f->base.store, "audit_event");

  /* Not ended yet: nothing is written, not even the half that could be. */
  g_assert_false (sp_store_mark_letter_sent (f->base.store, id, SP_LETTER_COMPLETION, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_TRANSITION);
  g_clear_error (&error);
  g_assert_false (sp_store_mark_letter_sent (f->base.store, id, SP_LETTER_REFERRAL | SP_LETTER_COMPLETION, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_TRANSITION);
  g_clear_error (&error);
  g_assert_false (sp_store_mark_letter_sent (f->base.store, id, 0, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  /* A GP reads letters but does not send them. */
  sp_store_set_actor (f->base.store, "dr.shah", SP_ROLE_GP, ours);
  g_assert_false (sp_store_mark_letter_sent (f->base.store, f->referrals[RF_R1], SP_LETTER_REFERRAL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);

  g_assert_cmpint (sp_store_outbox_count (f->base.store), ==, outbox);
  g_assert_cmpint (sp_test_count_rows (f->base.store, "audit_event"), ==, audits);
  referral = sp_store_get_referral (f->base.store, f->referrals[RF_R1], NULL);
  g_assert_null (referral->gp_referral_letter_at);
  g_clear_pointer (&referral, sp_referral_free);
  referral = sp_store_get_referral (f->base.store, id, NULL);
  g_assert_null (referral->gp_referral_letter_at);
}

/* ---- Codes set per desk -------------------------------------------------- */

static void
test_configured_code (SpReportFixture *f,
                      gconstpointer    unused)
{
  g_autoptr(GError) error = NULL;
  SpLetter *l;

  /* A made-up id with a valid check digit: this tests the setting, it
   * names no real concept. */
  g_assert_true (sp_store_set_meta (f->base.store, "snomed.gad7", "999999006", &error));
  l = letter (f, RF_R1, SP_LETTER_REFERRAL);
  g_assert_cmpuint (count_codes (l, "999999006"), ==, 1);
  g_assert_cmpstr (((SpLetterCode *) l->codes->pdata[2])->value, ==, "12");
  sp_letter_free (l);

  /* A mistyped one is not used. */
  g_assert_true (sp_store_set_meta (f->base.store, "snomed.gad7", "999999007", &error));
  g_test_expect_message ("sp-letter", G_LOG_LEVEL_MESSAGE, "*999999007*");
  l = letter (f, RF_R1, SP_LETTER_REFERRAL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (l->codes->len, ==, 2);
  sp_letter_free (l);
}

/* ---- Through signpost-cli ------------------------------------------------ */

static void
test_cli (SpReportFixture *f,
          gconstpointer    unused)
{
  g_autofree char *pdf = g_build_filename (f->base.dir, "letter.pdf", NULL);
  g_autofree char *consented = g_build_filename (f->base.dir, "consented.pdf", NULL);
  g_autofree char *text = NULL;
  g_autoptr(SpRfRun) run = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *short_id = g_strndup (f->referrals[RF_R6], 8);

  /* Fay's letter as a PDF: no clinical detail in it either. */
  run = sp_rf_cli (f, "letter", short_id, "--completion", "--pdf", pdf, NULL);
  g_assert_cmpint (run->status, ==, 0);
  sp_rf_assert_contains (run->out, "Saved the letter");
  g_assert_cmpint (audit_count (f, f->referrals[RF_R6], "export"), ==, 1);
  text = sp_rf_pdf_text (pdf);
  if (text != NULL)
    {
      assert_no_clinical_detail (text);
      sp_rf_assert_contains (text, "Fay Fir");
      sp_rf_assert_contains (text, "has not consented");
      sp_rf_assert_contains (text, "871731000000106");
      g_clear_pointer (&text, g_free);
    }
  g_clear_pointer (&run, sp_rf_run_free);

  run = sp_rf_cli (f, "letter", f->referrals[RF_R1], "--completion", "--pdf", consented, NULL);
  g_assert_cmpint (run->status, ==, 0);
  text = sp_rf_pdf_text (consented);
  if (text != NULL)
    {
      sp_rf_assert_contains (text, "871731000000106");
      sp_rf_assert_contains (text, "720433000");
      sp_rf_assert_contains (text, "Reliably recovered");
      sp_rf_assert_contains (text, "Chronic back pain and panic attacks");
    }
  g_clear_pointer (&run, sp_rf_run_free);

  /* The plain-text copy, marked sent. */
  run = sp_rf_cli (f, "letter", f->referrals[RF_R1], "--text", "--mark-sent", NULL);
  g_assert_cmpint (run->status, ==, 0);
  sp_rf_assert_contains (run->out, "Social prescribing: referral made");
  sp_rf_assert_contains (run->err, "Recorded that the letter was sent");
  referral = sp_store_get_referral (f->base.store, f->referrals[RF_R1], NULL);
  g_assert_nonnull (referral->gp_referral_letter_at);
  g_clear_pointer (&run, sp_rf_run_free);

  run = sp_rf_cli (f, "--json", "letter", f->referrals[RF_R6], NULL);
  g_assert_cmpint (run->status, ==, 0);
  object = sp_test_parse_object (run->out);
  g_assert_false (json_object_get_boolean_member (object, "consent"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "codes")), ==, 1);
  assert_no_clinical_detail (run->out);
  g_clear_pointer (&run, sp_rf_run_free);

  run = sp_rf_cli (f, "letter", f->referrals[RF_R1], "--text", "--pdf", pdf, NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_clear_pointer (&run, sp_rf_run_free);
  run = sp_rf_cli (f, "letter", f->referrals[RF_R8], "--completion", NULL);
  g_assert_cmpint (run->status, ==, 1);
  sp_rf_assert_contains (run->err, "has not ended yet");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/letters/snomed/ids", test_snomed_ids);
  FIXTURE ("/letters/consent/referral", test_consent_referral);
  FIXTURE ("/letters/consent/completion", test_consent_completion);
  FIXTURE ("/letters/consent/declined", test_declined);
  FIXTURE ("/letters/no-consent", test_no_consent);
  FIXTURE ("/letters/refused", test_refused);
  FIXTURE ("/letters/mark-sent", test_mark_sent);
  FIXTURE ("/letters/mark-sent/refused", test_mark_sent_refused);
  FIXTURE ("/letters/configured-code", test_configured_code);
  FIXTURE ("/letters/cli", test_cli);

  return g_test_run ();
}
