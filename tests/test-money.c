/* test-money.c — co-payments, the payment ledger, balances and budgets
 *
 * Money must add up to the penny: shares of a fee, what a patient owes and
 * has paid, what a funder has committed, spent and paid. Every figure here
 * is worked out by hand in the comments.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-money"

#include "config.h"

#include <string.h>
#include <glib.h>

#include "sp-demo.h"
#include "sp-error.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"

#include "sp-test-util.h"

/* £40 a session; £0 / £12 / £20 for the exempt / low / middle bands. */
#define FEE      4000
#define SCALE    "{\"exempt\": 0, \"low\": 1200, \"middle\": 2000}"
#define SESSIONS 6

typedef struct
{
  SpTestStore  base;
  SpProvider  *provider;
  SpFunder    *funder;
  SpOffering  *offering;
  SpPatient   *patient;
  guint        n_patients;
} Fixture;

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(null)", needle);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  sp_test_store_setup (&fixture->base, user_data);
  fixture->provider = sp_test_add_provider (fixture->base.store, "Dales Acupuncture");
  /* £5,000 a year from 1 April 2026. */
  fixture->funder = sp_test_add_funder (fixture->base.store, "Hollin Dales ICB", 500000, "2026-04-01");
  fixture->offering = sp_test_add_offering (fixture->base.store, fixture->provider->record.id,
                                            "Group acupuncture", FEE, SESSIONS, SCALE,
                                            fixture->funder->record.id);
  fixture->patient = sp_test_add_patient (fixture->base.store, "Ada", "Lovelace", "9434765919", "low");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  sp_provider_free (fixture->provider);
  sp_funder_free (fixture->funder);
  sp_offering_free (fixture->offering);
  sp_patient_free (fixture->patient);
  sp_test_store_teardown (&fixture->base, user_data);
}

static SpPatient *
add_patient (Fixture    *fixture,
             const char *income_band)
{
  g_autofree char *nhs = sp_test_nhs_number (fixture->n_patients++);

  return sp_test_add_patient (fixture->base.store, "Pat", income_band, nhs, income_band);
}

static SpReferral *
refer (SpStore    *store,
       const char *patient_id,
       const char *offering_id,
       gboolean    as_draft)
{
  g_autoptr(GError) error = NULL;
  SpReferral *referral = sp_store_refer (store, patient_id, offering_id, "gp", NULL, NULL, as_draft, &error);

  g_assert_no_error (error);
  g_assert_nonnull (referral);
  return referral;
}

static void
move (SpStore    *store,
      const char *referral_id,
      const char *to)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_store_move_referral (store, referral_id, to, NULL, &error));
  g_assert_no_error (error);
}

/* Accepts a referral and records @n sessions attended, a week apart. */
static void
attend (SpStore    *store,
        const char *referral_id,
        guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = sp_store_get_referral (store, referral_id, &error);

  g_assert_no_error (error);
  if (g_str_equal (referral->status, "referred"))
    move (store, referral_id, "accepted");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *date = g_strdup_printf ("2026-05-%02u", 11 + 7 * (i % 3));

      g_assert_true (sp_store_record_attendance (store, referral_id, date, TRUE, NULL, &error));
      g_assert_no_error (error);
    }
}

static SpPayment *
pay (SpStore    *store,
     const char *referral_id,
     const char *payer,
     gint64      pence,
     const char *paid_at)
{
  g_autoptr(GError) error = NULL;
  SpPayment *payment = sp_payment_new ();

  payment->referral_id = g_strdup (referral_id);
  payment->payer = g_strdup (payer);
  payment->amount_pence = pence;
  payment->method = g_strdup (g_str_equal (payer, "patient") ? "card" : "invoice");
  payment->paid_at = g_strdup (paid_at);
  g_assert_true (sp_store_add_payment (store, payment, &error));
  g_assert_no_error (error);
  return payment;
}

static void
referral_balance (SpStore    *store,
                  const char *referral_id,
                  SpBalance  *balance)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_store_referral_balance (store, referral_id, balance, &error));
  g_assert_no_error (error);
}

static void
patient_balance (SpStore    *store,
                 const char *patient_id,
                 SpBalance  *balance)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_store_patient_balance (store, patient_id, balance, &error));
  g_assert_no_error (error);
}

static void
assert_balance (const SpBalance *balance,
                gint64           patient_due,
                gint64           patient_paid,
                gint64           funder_due,
                gint64           funder_paid)
{
  g_assert_cmpint (balance->patient_due, ==, patient_due);
  g_assert_cmpint (balance->patient_paid, ==, patient_paid);
  g_assert_cmpint (balance->funder_due, ==, funder_due);
  g_assert_cmpint (balance->funder_paid, ==, funder_paid);
}

/* ---- Shares of a fee --------------------------------------------------------- */

static SpOffering *
offering_in_memory (gint64      fee,
                    const char *scale,
                    const char *funder_id)
{
  return sp_test_offering_new ("8c0a70a7-a845-47f9-953a-5154281fa6f5", "Group acupuncture",
                               fee, SESSIONS, scale, funder_id);
}

static void
test_share_bands (void)
{
  const char *funder = "dc36fc90-2248-4d70-aca4-a1a9f5b19f71";
  g_autoptr(SpOffering) offering = offering_in_memory (FEE, SCALE, funder);
  const struct { const char *band; gint64 patient, funder; } cases[] = {
    { "exempt", 0, 4000 },
    { "low", 1200, 2800 },
    { "middle", 2000, 2000 },
    /* Not on the scale: the full fee. */
    { "standard", 4000, 0 },
    { "unknown", 4000, 0 },
    { NULL, 4000, 0 },
    { "lottery_winner", 4000, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SpShare share = { -1, -1, -1, NULL };

      sp_offering_share (offering, cases[i].band, &share);
      g_assert_cmpint (share.fee_pence, ==, FEE);
      g_assert_cmpint (share.patient_pence, ==, cases[i].patient);
      g_assert_cmpint (share.funder_pence, ==, cases[i].funder);
      g_assert_cmpint (share.patient_pence + share.funder_pence, ==, share.fee_pence);
      g_assert_cmpstr (share.funder_id, ==, funder);
    }

  /* With no scale at all, everyone pays the fee. */
  {
    g_autoptr(SpOffering) flat = offering_in_memory (1550, NULL, funder);
    SpShare share;

    sp_offering_share (flat, "exempt", &share);
    g_assert_cmpint (share.patient_pence, ==, 1550);
    g_assert_cmpint (share.funder_pence, ==, 0);
  }
  /* A free offering costs nobody anything. */
  {
    g_autoptr(SpOffering) free_offering = offering_in_memory (0, SCALE, funder);
    SpShare share;

    sp_offering_share (free_offering, "middle", &share);
    g_assert_cmpint (share.patient_pence, ==, 0);
    g_assert_cmpint (share.funder_pence, ==, 0);
  }
}

static void
test_share_clamped (void)
{
  const char *funder = "dc36fc90-2248-4d70-aca4-a1a9f5b19f71";
  /* A tier above the fee (a typo, or a fee cut without the scale) never
   * makes the patient pay more than the fee, nor the funder less than nothing. */
  g_autoptr(SpOffering) offering = offering_in_memory (FEE, "{\"low\": 5000, \"middle\": 4000, \"exempt\": -100}",
                                                       funder);
  SpShare share;

  sp_offering_share (offering, "low", &share);
  g_assert_cmpint (share.patient_pence, ==, 4000);
  g_assert_cmpint (share.funder_pence, ==, 0);

  sp_offering_share (offering, "middle", &share);
  g_assert_cmpint (share.patient_pence, ==, 4000);
  g_assert_cmpint (share.funder_pence, ==, 0);

  sp_offering_share (offering, "exempt", &share);
  g_assert_cmpint (share.patient_pence, ==, 0);
  g_assert_cmpint (share.funder_pence, ==, 4000);
}

static void
test_share_no_funder (void)
{
  g_autoptr(SpOffering) offering = offering_in_memory (FEE, SCALE, NULL);
  SpShare share = { -1, -1, -1, "sentinel" };

  /* The provider waives the rest: nobody is billed for it. */
  sp_offering_share (offering, "low", &share);
  g_assert_null (share.funder_id);
  g_assert_cmpint (share.patient_pence, ==, 1200);
  g_assert_cmpint (share.patient_pence + share.funder_pence, ==, FEE);

  /* An empty funder list is no funder too. */
  offering->funder_ids = g_new0 (char *, 1);
  share.funder_id = "sentinel";
  sp_offering_share (offering, "exempt", &share);
  g_assert_null (share.funder_id);
}

/* ---- The snapshot at referral ---------------------------------------------------- */

static void
test_snapshot (Fixture       *fixture,
               gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPatient) later = add_patient (fixture, "low");
  g_autoptr(SpPatient) drafted = add_patient (fixture, "low");
  g_autoptr(SpReferral) draft = refer (store, drafted->record.id, fixture->offering->record.id, TRUE);
  g_autoptr(SpReferral) loaded = NULL;
  g_autoptr(SpReferral) new_price = NULL;
  g_autoptr(SpPatient) richer = NULL;
  g_autoptr(GError) error = NULL;
  SpBalance balance;

  g_assert_cmpint (referral->fee_pence, ==, 4000);
  g_assert_cmpint (referral->patient_share_pence, ==, 1200);
  g_assert_cmpint (referral->funder_share_pence, ==, 2800);

  /* The provider raises the fee and the scale; the patient's income changes. */
  json_node_unref (fixture->offering->sliding_scale);
  fixture->offering->sliding_scale = sp_test_parse_json ("{\"exempt\": 0, \"low\": 1500, \"middle\": 2500}");
  fixture->offering->fee_pence = 5000;
  g_assert_true (sp_store_save (store, &sp_entity_offering, fixture->offering, &error));
  g_assert_no_error (error);
  richer = sp_store_get_patient (store, fixture->patient->record.id, &error);
  g_free (richer->income_band);
  richer->income_band = g_strdup ("standard");
  g_assert_true (sp_store_update_patient (store, richer, &error));
  g_assert_no_error (error);

  /* What was agreed at referral stands. */
  loaded = sp_store_get_referral (store, referral->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->fee_pence, ==, 4000);
  g_assert_cmpint (loaded->patient_share_pence, ==, 1200);
  g_assert_cmpint (loaded->funder_share_pence, ==, 2800);
  g_assert_cmpstr (loaded->income_band, ==, "low");
  g_assert_cmpstr (loaded->funder_id, ==, fixture->funder->record.id);

  /* And what is due is charged at that price. */
  attend (store, referral->record.id, 2);
  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 2 * 1200, 0, 2 * 2800, 0);

  /* A referral made now is priced now. */
  new_price = refer (store, later->record.id, fixture->offering->record.id, FALSE);
  g_assert_cmpint (new_price->fee_pence, ==, 5000);
  g_assert_cmpint (new_price->patient_share_pence, ==, 1500);
  g_assert_cmpint (new_price->funder_share_pence, ==, 3500);

  /* A draft is priced when it is sent, not when it was first written. */
  move (store, draft->record.id, "referred");
  g_clear_pointer (&loaded, sp_referral_free);
  loaded = sp_store_get_referral (store, draft->record.id, &error);
  g_assert_cmpint (loaded->fee_pence, ==, 5000);
  g_assert_cmpint (loaded->patient_share_pence, ==, 1500);
  g_assert_cmpint (loaded->funder_share_pence, ==, 3500);
}

/* ---- The ledger ------------------------------------------------------------------ */

static void
assert_payment_refused (SpStore    *store,
                        SpPayment  *payment,
                        gint        code,
                        const char *message_part)
{
  g_autoptr(GError) error = NULL;
  gint64 rows = sp_test_count_rows (store, "payment");
  gint64 outbox = sp_store_outbox_count (store);

  g_assert_false (sp_store_add_payment (store, payment, &error));
  g_assert_error (error, SP_ERROR, code);
  if (message_part != NULL)
    assert_contains (error->message, message_part);
  g_assert_cmpint (sp_test_count_rows (store, "payment"), ==, rows);
  g_assert_cmpint (sp_store_outbox_count (store), ==, outbox);
}

static SpPayment *
payment_new (const char *referral_id,
             const char *payer,
             gint64      pence)
{
  SpPayment *payment = sp_payment_new ();

  payment->referral_id = g_strdup (referral_id);
  payment->payer = g_strdup (payer);
  payment->amount_pence = pence;
  return payment;
}

static void
test_payment_refused (Fixture       *fixture,
                      gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpOffering) concession = sp_test_add_offering (store, fixture->provider->record.id, "Walk and talk",
                                                           1000, 4, SCALE, NULL);
  g_autoptr(SpReferral) unfunded = refer (store, fixture->patient->record.id, concession->record.id, FALSE);

  {
    g_autoptr(SpPayment) p = payment_new (referral->record.id, "patient", 0);
    assert_payment_refused (store, p, SP_ERROR_INVALID, "£0.00");
  }
  {
    g_autoptr(SpPayment) p = payment_new (referral->record.id, "patient", -1200);
    assert_payment_refused (store, p, SP_ERROR_INVALID, "reverse");
  }
  {
    g_autoptr(SpPayment) p = payment_new (referral->record.id, "neighbour", 1200);
    assert_payment_refused (store, p, SP_ERROR_INVALID, NULL);
  }
  {
    g_autoptr(SpPayment) p = payment_new (referral->record.id, NULL, 1200);
    assert_payment_refused (store, p, SP_ERROR_INVALID, NULL);
  }
  {
    g_autoptr(SpPayment) p = payment_new (referral->record.id, "patient", 1200);
    p->method = g_strdup ("cheque");
    assert_payment_refused (store, p, SP_ERROR_INVALID, "cheque");
  }
  {
    g_autoptr(SpPayment) p = payment_new ("6f1c1b8e-5d0a-4c1e-9a57-3f8e2b7c9d10", "patient", 1200);
    assert_payment_refused (store, p, SP_ERROR_NOT_FOUND, NULL);
  }
  /* A funder payment on a referral no funder backs. */
  {
    g_autoptr(SpPayment) p = payment_new (unfunded->record.id, "funder", 600);
    assert_payment_refused (store, p, SP_ERROR_INVALID, "funder");
  }
  g_assert_cmpint (sp_test_count_rows (store, "payment"), ==, 0);

  /* A funder payment takes the referral's funder; a patient payment has none. */
  {
    g_autoptr(SpPayment) f = pay (store, referral->record.id, "funder", 2800, NULL);
    g_autoptr(SpPayment) p = payment_new (referral->record.id, "patient", 1200);
    g_autoptr(GError) error = NULL;

    g_assert_cmpstr (f->funder_id, ==, fixture->funder->record.id);
    g_assert_cmpstr (f->patient_id, ==, fixture->patient->record.id);
    g_assert_cmpstr (f->paid_at, ==, SP_TEST_CLOCK);
    g_assert_cmpstr (f->record.practice, ==, SP_TEST_PRACTICE);
    p->funder_id = g_strdup (fixture->funder->record.id);
    g_assert_true (sp_store_add_payment (store, p, &error));
    g_assert_no_error (error);
    g_assert_null (p->funder_id);
  }
}

static void
test_payment_reversal (Fixture       *fixture,
                       gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPayment) payment = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(SpPayment) again = NULL;
  g_autoptr(GPtrArray) ledger = NULL;
  g_autoptr(GError) error = NULL;
  SpBalance balance;

  attend (store, referral->record.id, 2);
  payment = pay (store, referral->record.id, "patient", 2400, "2026-05-18T12:00:00Z");
  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 2400, 2400, 5600, 0);

  sp_store_set_clock (store, "2026-05-19T09:30:00Z");
  reversal = sp_store_reverse_payment (store, payment->record.id, "Card charged twice", &error);
  g_assert_no_error (error);
  g_assert_nonnull (reversal);
  /* The same amount negated, pointing at the original. */
  g_assert_cmpint (reversal->amount_pence, ==, -2400);
  g_assert_cmpstr (reversal->reverses_id, ==, payment->record.id);
  g_assert_cmpstr (reversal->payer, ==, "patient");
  g_assert_cmpstr (reversal->method, ==, "card");
  g_assert_cmpstr (reversal->referral_id, ==, referral->record.id);
  g_assert_cmpstr (reversal->patient_id, ==, fixture->patient->record.id);
  g_assert_cmpstr (reversal->paid_at, ==, "2026-05-19T09:30:00Z");
  g_assert_cmpstr (reversal->note, ==, "Card charged twice");
  g_assert_cmpstr (reversal->record.id, !=, payment->record.id);

  /* Both entries stay in the ledger, in order. */
  ledger = sp_store_list_payments (store, referral->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ledger->len, ==, 2);
  g_assert_cmpint (((SpPayment *) ledger->pdata[0])->amount_pence, ==, 2400);
  g_assert_cmpint (((SpPayment *) ledger->pdata[1])->amount_pence, ==, -2400);

  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 2400, 0, 5600, 0);

  /* Reversed once only. */
  again = sp_store_reverse_payment (store, payment->record.id, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, SP_ERROR, SP_ERROR_DUPLICATE);
  assert_contains (error->message, "£24.00");
  g_clear_error (&error);

  /* A reversal is not itself reversed. */
  again = sp_store_reverse_payment (store, reversal->record.id, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  /* Nothing to reverse. */
  again = sp_store_reverse_payment (store, "6f1c1b8e-5d0a-4c1e-9a57-3f8e2b7c9d10", NULL, &error);
  g_assert_null (again);
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_cmpint (sp_test_count_rows (store, "payment"), ==, 2);
  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 2400, 0, 5600, 0);
}

/* A reversal made by hand must still be the exact negation of a payment
 * that is not itself a reversal; otherwise the ledger no longer explains
 * the balance. */
static void
test_payment_reversal_exact (Fixture       *fixture,
                             gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPayment) payment = pay (store, referral->record.id, "patient", 2400, NULL);
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(GError) error = NULL;
  SpBalance balance;

  {
    g_autoptr(SpPayment) partial = payment_new (referral->record.id, "patient", -100);
    partial->reverses_id = g_strdup (payment->record.id);
    assert_payment_refused (store, partial, SP_ERROR_INVALID, NULL);
  }
  {
    g_autoptr(SpPayment) positive = payment_new (referral->record.id, "patient", 2400);
    positive->reverses_id = g_strdup (payment->record.id);
    assert_payment_refused (store, positive, SP_ERROR_INVALID, NULL);
  }

  reversal = sp_store_reverse_payment (store, payment->record.id, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(SpPayment) undo = payment_new (referral->record.id, "patient", 2400);
    undo->reverses_id = g_strdup (reversal->record.id);
    assert_payment_refused (store, undo, SP_ERROR_INVALID, NULL);
  }

  referral_balance (store, referral->record.id, &balance);
  g_assert_cmpint (balance.patient_paid, ==, 0);
}

static void
test_payment_no_edit (Fixture       *fixture,
                      gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPayment) payment = pay (store, referral->record.id, "patient", 1200, NULL);
  g_autoptr(GError) error = NULL;
  gint64 outbox = sp_store_outbox_count (store);

  /* Changing the amount of a recorded payment is refused... */
  payment->amount_pence = 12;
  g_assert_false (sp_store_save (store, &sp_entity_payment, payment, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  assert_contains (error->message, "reversal");
  g_clear_error (&error);

  /* ...however it is attempted. */
  g_assert_false (sp_store_add_payment (store, payment, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (sp_test_query_int (store, "SELECT amount_pence FROM payment WHERE id = ?1",
                                      payment->record.id), ==, 1200);
  g_assert_cmpint (sp_store_outbox_count (store), ==, outbox);
}

static void
test_payment_no_delete (Fixture       *fixture,
                        gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPayment) payment = pay (store, referral->record.id, "patient", 1200, NULL);
  g_autoptr(GError) error = NULL;
  SpBalance balance;

  /* The ledger is append-only: a mistake is reversed, never deleted. */
  g_assert_false (sp_store_remove (store, &sp_entity_payment, payment->record.id, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  referral_balance (store, referral->record.id, &balance);
  g_assert_cmpint (balance.patient_paid, ==, 1200);
  g_assert_cmpint (sp_test_query_int (store, "SELECT deleted FROM payment WHERE id = ?1",
                                      payment->record.id), ==, 0);
}

static void
test_payment_gp (Fixture       *fixture,
                 gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPayment) payment = pay (store, referral->record.id, "patient", 1200, NULL);
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(GError) error = NULL;
  SpBalance balance;

  /* A GP reads the balance but records no money. */
  sp_store_set_actor (store, "dr.patel", SP_ROLE_GP, practices);
  {
    g_autoptr(SpPayment) p = payment_new (referral->record.id, "patient", 1200);
    assert_payment_refused (store, p, SP_ERROR_PERMISSION, NULL);
  }
  reversal = sp_store_reverse_payment (store, payment->record.id, NULL, &error);
  g_assert_null (reversal);
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  referral_balance (store, referral->record.id, &balance);
  g_assert_cmpint (balance.patient_paid, ==, 1200);
  g_assert_cmpint (sp_test_count_rows (store, "payment"), ==, 1);
}

/* ---- Balances -------------------------------------------------------------------- */

static void
test_balance_referral (Fixture       *fixture,
                       gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPayment) first = NULL;
  g_autoptr(SpPayment) second = NULL;
  g_autoptr(SpPayment) funder = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(GError) error = NULL;
  SpBalance balance;

  /* Nothing attended, nothing due. */
  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 0, 0, 0, 0);

  /* 3 sessions × £12 = £36.00 due from the patient, 3 × £28 = £84.00 from the ICB. */
  attend (store, referral->record.id, 3);
  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 3600, 0, 8400, 0);

  /* £12 twice paid: £12.00 outstanding. */
  first = pay (store, referral->record.id, "patient", 1200, "2026-05-11T12:00:00Z");
  second = pay (store, referral->record.id, "patient", 1200, "2026-05-18T12:00:00Z");
  funder = pay (store, referral->record.id, "funder", 8400, "2026-05-31T12:00:00Z");
  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 3600, 2400, 8400, 8400);
  g_assert_cmpint (balance.patient_due - balance.patient_paid, ==, 1200);
  g_assert_cmpint (balance.funder_due - balance.funder_paid, ==, 0);

  /* The second payment bounced: £24.00 outstanding again. */
  reversal = sp_store_reverse_payment (store, second->record.id, "Card declined", &error);
  g_assert_no_error (error);
  referral_balance (store, referral->record.id, &balance);
  assert_balance (&balance, 3600, 1200, 8400, 8400);
  g_assert_cmpint (balance.patient_due - balance.patient_paid, ==, 2400);

  /* A balance for a referral that is not there. */
  g_assert_false (sp_store_referral_balance (store, "6f1c1b8e-5d0a-4c1e-9a57-3f8e2b7c9d10", &balance, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
}

static void
test_balance_patient (Fixture       *fixture,
                      gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpOffering) flat = sp_test_add_offering (store, fixture->provider->record.id, "Tai chi",
                                                     1050, 10, NULL, NULL);
  g_autoptr(SpReferral) acupuncture = refer (store, fixture->patient->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpReferral) tai_chi = refer (store, fixture->patient->record.id, flat->record.id, FALSE);
  g_autoptr(SpPatient) other = add_patient (fixture, "exempt");
  g_autoptr(SpReferral) theirs = refer (store, other->record.id, fixture->offering->record.id, FALSE);
  g_autoptr(SpPayment) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL, p5 = NULL;
  SpBalance a, b, total, others;

  attend (store, acupuncture->record.id, 3);
  attend (store, tai_chi->record.id, 2);
  attend (store, theirs->record.id, 4);

  p1 = pay (store, acupuncture->record.id, "patient", 2400, NULL);
  p2 = pay (store, tai_chi->record.id, "patient", 1050, NULL);
  p3 = pay (store, acupuncture->record.id, "funder", 5600, NULL);
  p4 = pay (store, theirs->record.id, "funder", 16000, NULL);
  p5 = pay (store, tai_chi->record.id, "patient", 1, NULL);

  referral_balance (store, acupuncture->record.id, &a);
  referral_balance (store, tai_chi->record.id, &b);
  patient_balance (store, fixture->patient->record.id, &total);

  /* Acupuncture: 3 × £12 = 3600 due, 2400 paid; ICB 3 × £28 = 8400 due, 5600 paid.
   * Tai chi: 2 × £10.50 = 2100 due, 1051 paid; no funder. */
  assert_balance (&a, 3600, 2400, 8400, 5600);
  assert_balance (&b, 2100, 1051, 0, 0);
  assert_balance (&total, 3600 + 2100, 2400 + 1051, 8400, 5600);
  g_assert_cmpint (total.patient_due, ==, a.patient_due + b.patient_due);
  g_assert_cmpint (total.patient_paid, ==, a.patient_paid + b.patient_paid);

  /* The other patient's money is theirs alone: exempt, 4 × £40 from the ICB. */
  patient_balance (store, other->record.id, &others);
  assert_balance (&others, 0, 0, 16000, 16000);
}

/* ---- A funder's year ------------------------------------------------------------- */

static void
funder_spend (SpStore       *store,
              const char    *funder_id,
              SpFunderSpend *spend)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_store_funder_spend (store, funder_id, spend, &error));
  g_assert_no_error (error);
}

static void
test_funder_spend (Fixture       *fixture,
                   gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char *offering = fixture->offering->record.id;
  g_autoptr(SpPatient) exempt = add_patient (fixture, "exempt");
  g_autoptr(SpPatient) middle = add_patient (fixture, "middle");
  g_autoptr(SpPatient) standard = add_patient (fixture, "standard");
  g_autoptr(SpPatient) drafted = add_patient (fixture, "exempt");
  g_autoptr(SpPatient) last_year = add_patient (fixture, "exempt");
  g_autoptr(SpReferral) r_low = NULL, r_exempt = NULL, r_middle = NULL, r_standard = NULL;
  g_autoptr(SpReferral) r_draft = NULL, r_last_year = NULL;
  g_autoptr(SpPayment) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(GError) error = NULL;
  SpFunderSpend spend;

  /* Before anything: the budget, nothing else. */
  funder_spend (store, fixture->funder->record.id, &spend);
  g_assert_cmpint (spend.budget, ==, 500000);
  g_assert_cmpint (spend.committed, ==, 0);
  g_assert_cmpint (spend.spent, ==, 0);
  g_assert_cmpint (spend.paid, ==, 0);

  /* Referred in March, in the funder's previous year: not this year's. */
  sp_store_set_clock (store, "2026-03-15T10:00:00Z");
  r_last_year = refer (store, last_year->record.id, offering, FALSE);
  p4 = pay (store, r_last_year->record.id, "funder", 4000, "2026-03-20T10:00:00Z");

  sp_store_set_clock (store, SP_TEST_CLOCK);
  /* Low: ICB £28 a session; 3 of 6 attended, still attending. */
  r_low = refer (store, fixture->patient->record.id, offering, FALSE);
  attend (store, r_low->record.id, 3);
  /* Exempt: ICB £40 a session; referred, none attended yet. */
  r_exempt = refer (store, exempt->record.id, offering, FALSE);
  /* Middle: ICB £20 a session; 2 attended, then withdrawn. */
  r_middle = refer (store, middle->record.id, offering, FALSE);
  attend (store, r_middle->record.id, 2);
  move (store, r_middle->record.id, "withdrawn");
  /* Standard: the patient pays it all; the ICB nothing. */
  r_standard = refer (store, standard->record.id, offering, FALSE);
  attend (store, r_standard->record.id, 1);
  /* A draft commits nobody to anything. */
  r_draft = refer (store, drafted->record.id, offering, TRUE);

  g_assert_cmpint (r_low->funder_share_pence, ==, 2800);
  g_assert_cmpint (r_exempt->funder_share_pence, ==, 4000);
  g_assert_cmpint (r_middle->funder_share_pence, ==, 2000);
  g_assert_cmpint (r_standard->funder_share_pence, ==, 0);

  p1 = pay (store, r_low->record.id, "funder", 5600, "2026-05-20T10:00:00Z");
  p2 = pay (store, r_middle->record.id, "funder", 4000, "2026-06-01T10:00:00Z");
  p3 = pay (store, r_low->record.id, "patient", 3600, "2026-05-20T10:00:00Z");

  /* committed: low 2800 × (6 − 3) + exempt 4000 × 6 = 8400 + 24000 = 32400
   * spent:     low 2800 × 3 + middle 2000 × 2 + standard 0 × 1 = 8400 + 4000 = 12400
   * paid:      5600 + 4000 (the March payment is last year's; the patient's is not the ICB's) */
  funder_spend (store, fixture->funder->record.id, &spend);
  g_assert_cmpint (spend.budget, ==, 500000);
  g_assert_cmpint (spend.committed, ==, 32400);
  g_assert_cmpint (spend.spent, ==, 12400);
  g_assert_cmpint (spend.paid, ==, 9600);

  /* The middle-band payment was sent in error and reversed. */
  reversal = sp_store_reverse_payment (store, p2->record.id, NULL, &error);
  g_assert_no_error (error);
  funder_spend (store, fixture->funder->record.id, &spend);
  g_assert_cmpint (spend.paid, ==, 5600);

  /* The exempt patient attends twice: 2 × £40 moves from committed to spent. */
  attend (store, r_exempt->record.id, 2);
  funder_spend (store, fixture->funder->record.id, &spend);
  g_assert_cmpint (spend.committed, ==, 32400 - 8000);
  g_assert_cmpint (spend.spent, ==, 12400 + 8000);

  /* Completing early releases the rest: low had 3 sessions to come. */
  move (store, r_low->record.id, "completed");
  funder_spend (store, fixture->funder->record.id, &spend);
  g_assert_cmpint (spend.committed, ==, 32400 - 8000 - 8400);
  g_assert_cmpint (spend.spent, ==, 12400 + 8000);

  /* A funder nobody uses, and one that does not exist. */
  {
    g_autoptr(SpFunder) idle = sp_test_add_funder (store, "Parish fund", 25000, NULL);
    funder_spend (store, idle->record.id, &spend);
    g_assert_cmpint (spend.budget, ==, 25000);
    g_assert_cmpint (spend.committed + spend.spent + spend.paid, ==, 0);
  }
  g_assert_false (sp_store_funder_spend (store, "6f1c1b8e-5d0a-4c1e-9a57-3f8e2b7c9d10", &spend, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
}

/* ---- Everyone's figures at once ------------------------------------------------ */

typedef struct
{
  char      *patient_id;
  char      *name;
  SpBalance  balance;
} Listed;

static void
listed_free (Listed *listed)
{
  g_free (listed->patient_id);
  g_free (listed->name);
  g_free (listed);
}

static void
collect_balance (const SpPatientBalance *row,
                 gpointer                user_data)
{
  Listed *listed = g_new0 (Listed, 1);

  listed->patient_id = g_strdup (row->patient_id);
  listed->name = g_strdup_printf ("%s %s", row->given_name, row->family_name);
  listed->balance = row->balance;
  g_ptr_array_add (user_data, listed);
}

static GPtrArray *
every_balance (SpStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *listed = g_ptr_array_new_with_free_func ((GDestroyNotify) listed_free);

  g_assert_true (sp_store_foreach_patient_balance (store, collect_balance, listed, &error));
  g_assert_no_error (error);
  return listed;
}

static SpPatient *
named_patient (Fixture    *fixture,
               const char *given_name,
               const char *family_name,
               const char *income_band)
{
  g_autofree char *nhs = sp_test_nhs_number (fixture->n_patients++);

  return sp_test_add_patient (fixture->base.store, given_name, family_name, nhs, income_band);
}

static void
test_balance_every_patient (Fixture       *fixture,
                            gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char *offering = fixture->offering->record.id;
  const char * const both[] = { SP_TEST_PRACTICE, SP_TEST_OTHER_PRACTICE, NULL };
  const char * const ours[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(SpOffering) flat = sp_test_add_offering (store, fixture->provider->record.id, "Tai chi",
                                                     1050, 10, NULL, NULL);
  g_autoptr(SpPatient) babbage = named_patient (fixture, "Charles", "Babbage", "low");
  g_autoptr(SpPatient) paid_up = named_patient (fixture, "Grace", "Hopper", "standard");
  g_autoptr(SpPatient) in_credit = named_patient (fixture, "Alan", "Turing", "low");
  g_autoptr(SpPatient) exempt = named_patient (fixture, "Mary", "Somerville", "exempt");
  g_autoptr(SpPatient) drafted = named_patient (fixture, "Emmy", "Noether", "low");
  g_autoptr(SpPatient) waiting = named_patient (fixture, "Rosalind", "Franklin", "low");
  g_autofree char *elsewhere_nhs = sp_test_nhs_number (fixture->n_patients++);
  g_autoptr(SpPatient) elsewhere = sp_test_patient_new ("Dorothy", "Hodgkin", elsewhere_nhs);
  g_autoptr(SpReferral) r_ada = NULL, r_babbage = NULL, r_hopper = NULL, r_turing = NULL;
  g_autoptr(SpReferral) r_exempt = NULL, r_draft = NULL, r_waiting = NULL, r_elsewhere = NULL;
  g_autoptr(SpPayment) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL, p5 = NULL, p6 = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { "Charles Babbage", "Ada Lovelace", "Grace Hopper", "Alan Turing" };

  /* Lovelace (low, £12 a session): 3 attended, £24 paid, £12 owed; the ICB pays its share. */
  r_ada = refer (store, fixture->patient->record.id, offering, FALSE);
  attend (store, r_ada->record.id, 3);
  p1 = pay (store, r_ada->record.id, "patient", 2400, NULL);
  p2 = pay (store, r_ada->record.id, "funder", 8400, NULL);
  /* Babbage owes the same £12: after Lovelace by outstanding, before her by name. */
  r_babbage = refer (store, babbage->record.id, offering, FALSE);
  attend (store, r_babbage->record.id, 1);
  /* Hopper: 2 × £10.50 of tai chi, paid in full. */
  r_hopper = refer (store, paid_up->record.id, flat->record.id, FALSE);
  attend (store, r_hopper->record.id, 2);
  p3 = pay (store, r_hopper->record.id, "patient", 2100, NULL);
  /* Turing paid £20 for one £12 session: £8 in credit, last. */
  r_turing = refer (store, in_credit->record.id, offering, FALSE);
  attend (store, r_turing->record.id, 1);
  p4 = pay (store, r_turing->record.id, "patient", 2000, NULL);
  /* A second payment entered in error and reversed counts for nothing. */
  p5 = pay (store, r_turing->record.id, "patient", 1200, NULL);
  p6 = sp_store_reverse_payment (store, p5->record.id, NULL, &error);
  g_assert_no_error (error);
  /* Not listed: exempt (nothing of theirs is due), a draft, nothing attended yet. */
  r_exempt = refer (store, exempt->record.id, offering, FALSE);
  attend (store, r_exempt->record.id, 2);
  r_draft = refer (store, drafted->record.id, offering, TRUE);
  r_waiting = refer (store, waiting->record.id, offering, FALSE);
  /* Nor a patient of a practice this desk is not granted. */
  sp_store_set_actor (store, SP_TEST_USER, SP_ROLE_LINK_WORKER, both);
  elsewhere->record.practice = g_strdup (SP_TEST_OTHER_PRACTICE);
  elsewhere->income_band = g_strdup ("low");
  g_assert_true (sp_store_add_patient (store, elsewhere, &error));
  g_assert_no_error (error);
  r_elsewhere = refer (store, elsewhere->record.id, offering, FALSE);
  attend (store, r_elsewhere->record.id, 2);
  sp_store_set_actor (store, SP_TEST_USER, SP_ROLE_LINK_WORKER, ours);

  listed = every_balance (store);
  g_assert_cmpuint (listed->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < listed->len; i++)
    {
      Listed *row = listed->pdata[i];
      SpBalance one;

      g_assert_cmpstr (row->name, ==, expected[i]);
      /* The same figures as asking patient by patient. */
      patient_balance (store, row->patient_id, &one);
      assert_balance (&row->balance, one.patient_due, one.patient_paid, one.funder_due, one.funder_paid);
    }
  assert_balance (&((Listed *) listed->pdata[0])->balance, 1200, 0, 2800, 0);
  assert_balance (&((Listed *) listed->pdata[1])->balance, 3600, 2400, 8400, 8400);
  assert_balance (&((Listed *) listed->pdata[2])->balance, 2100, 2100, 0, 0);
  assert_balance (&((Listed *) listed->pdata[3])->balance, 1200, 2000, 2800, 0);

  /* With both practices granted, the other practice's patient is there too. */
  sp_store_set_actor (store, SP_TEST_USER, SP_ROLE_LINK_WORKER, both);
  g_clear_pointer (&listed, g_ptr_array_unref);
  listed = every_balance (store);
  g_assert_cmpuint (listed->len, ==, G_N_ELEMENTS (expected) + 1);
  g_assert_cmpstr (((Listed *) listed->pdata[0])->name, ==, "Dorothy Hodgkin");

  /* And with none, nobody. */
  sp_store_set_actor (store, SP_TEST_USER, SP_ROLE_LINK_WORKER, NULL);
  g_clear_pointer (&listed, g_ptr_array_unref);
  listed = every_balance (store);
  g_assert_cmpuint (listed->len, ==, 0);
}

static void
assert_funder_years_agree (SpStore *store)
{
  g_autoptr(GPtrArray) funders = sp_store_list (store, &sp_entity_funder, "WHERE deleted = 0 ORDER BY name, id",
                                                NULL, NULL);
  g_autoptr(GPtrArray) years = NULL;
  g_autoptr(GError) error = NULL;

  years = sp_store_list_funder_years (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (years);
  g_assert_cmpuint (years->len, ==, funders->len);
  for (guint i = 0; i < years->len; i++)
    {
      SpFunderYear *year = years->pdata[i];
      SpFunderSpend one;

      g_assert_cmpstr (year->funder->record.id, ==, ((SpFunder *) funders->pdata[i])->record.id);
      funder_spend (store, year->funder->record.id, &one);
      g_assert_cmpint (year->spend.budget, ==, one.budget);
      g_assert_cmpint (year->spend.committed, ==, one.committed);
      g_assert_cmpint (year->spend.spent, ==, one.spent);
      g_assert_cmpint (year->spend.paid, ==, one.paid);
    }
}

static void
test_funder_every_year (Fixture       *fixture,
                        gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char *offering = fixture->offering->record.id;
  g_autoptr(SpFunder) parish = sp_test_add_funder (store, "Parish fund", 25000, NULL);
  g_autoptr(SpFunder) calendar = sp_test_add_funder (store, "Almshouse charity", 90000, "2026-01-01");
  g_autoptr(SpOffering) parish_walks = sp_test_add_offering (store, fixture->provider->record.id, "Walk and talk",
                                                             1000, 4, SCALE, parish->record.id);
  g_autoptr(SpOffering) almshouse_yoga = sp_test_add_offering (store, fixture->provider->record.id, "Chair yoga",
                                                               3000, 8, SCALE, calendar->record.id);
  g_autoptr(SpPatient) exempt = add_patient (fixture, "exempt");
  g_autoptr(SpPatient) middle = add_patient (fixture, "middle");
  g_autoptr(SpReferral) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r_old = NULL;
  g_autoptr(SpPayment) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL;
  g_autoptr(GPtrArray) years = NULL;
  g_autoptr(GError) error = NULL;

  /* Nothing yet: every funder with its budget alone. */
  assert_funder_years_agree (store);

  /* March: in the calendar-year funder's year, the ICB's previous one. */
  sp_store_set_clock (store, "2026-03-15T10:00:00Z");
  r_old = refer (store, middle->record.id, offering, FALSE);
  attend (store, r_old->record.id, 1);
  p1 = pay (store, r_old->record.id, "funder", 2000, "2026-03-20T10:00:00Z");
  sp_store_set_clock (store, SP_TEST_CLOCK);

  r1 = refer (store, fixture->patient->record.id, offering, FALSE);
  attend (store, r1->record.id, 3);
  r2 = refer (store, exempt->record.id, parish_walks->record.id, FALSE);
  attend (store, r2->record.id, 2);
  move (store, r2->record.id, "withdrawn");
  r3 = refer (store, middle->record.id, almshouse_yoga->record.id, FALSE);
  attend (store, r3->record.id, 1);
  r4 = refer (store, exempt->record.id, almshouse_yoga->record.id, TRUE);
  p2 = pay (store, r1->record.id, "funder", 5600, "2026-05-20T10:00:00Z");
  p3 = pay (store, r3->record.id, "funder", 500, "2026-05-21T10:00:00Z");
  p4 = sp_store_reverse_payment (store, p3->record.id, NULL, &error);
  g_assert_no_error (error);

  assert_funder_years_agree (store);

  /* By name; the almshouse's year is the calendar year, the ICB's from April:
   * ICB: low £28 × 3 spent, × 3 to come; the March referral and payment are last year's.
   * Almshouse (£30 a session): middle £30 − £20 = £10 × 1 spent, × 7 to come; the
   *   draft commits nothing; £5 paid and reversed.
   * Parish: exempt £10 × 2 spent, then withdrawn: nothing to come. */
  years = sp_store_list_funder_years (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (years->len, ==, 3);
  {
    SpFunderYear *almshouse = years->pdata[0], *icb = years->pdata[1], *parish_year = years->pdata[2];

    g_assert_cmpstr (almshouse->funder->name, ==, "Almshouse charity");
    g_assert_cmpint (almshouse->spend.spent, ==, 1000);
    g_assert_cmpint (almshouse->spend.committed, ==, 7 * 1000);
    g_assert_cmpint (almshouse->spend.paid, ==, 0);
    g_assert_cmpstr (icb->funder->name, ==, "Hollin Dales ICB");
    g_assert_cmpint (icb->spend.spent, ==, 3 * 2800);
    g_assert_cmpint (icb->spend.committed, ==, 3 * 2800);
    g_assert_cmpint (icb->spend.paid, ==, 5600);
    g_assert_cmpstr (parish_year->funder->name, ==, "Parish fund");
    g_assert_cmpint (parish_year->spend.budget, ==, 25000);
    g_assert_cmpint (parish_year->spend.spent, ==, 2 * 1000);
    g_assert_cmpint (parish_year->spend.committed, ==, 0);
  }
}

/* ---- The demo's books ---------------------------------------------------------- */

static void
test_demo_consistent (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autofree char *path = g_build_filename (fixture->base.dir, "demo.db", NULL);
  g_autoptr(SpStore) store = sp_test_open (path);
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autoptr(GError) error = NULL;
  SpBalance by_patient = { 0, }, by_referral = { 0, };
  gint64 ledger;

  g_assert_true (sp_store_seed_demo (store, &error));
  g_assert_no_error (error);

  ledger = sp_test_query_int (store, "SELECT coalesce (sum (amount_pence), 0) FROM payment WHERE deleted = 0", NULL);
  g_assert_cmpint (sp_test_count_rows (store, "payment"), >, 0);
  g_assert_cmpint (ledger, >, 0);

  patients = sp_store_list (store, &sp_entity_patient, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (patients->len, ==, 30);
  for (guint i = 0; i < patients->len; i++)
    {
      SpBalance b;

      patient_balance (store, ((SpPatient *) patients->pdata[i])->record.id, &b);
      by_patient.patient_due += b.patient_due;
      by_patient.patient_paid += b.patient_paid;
      by_patient.funder_due += b.funder_due;
      by_patient.funder_paid += b.funder_paid;
    }

  referrals = sp_store_list_referrals (store, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];
      SpBalance b;

      /* Every snapshot splits its fee exactly. */
      g_assert_cmpint (r->patient_share_pence + r->funder_share_pence, ==, r->fee_pence);
      g_assert_cmpint (r->patient_share_pence, >=, 0);
      g_assert_cmpint (r->funder_share_pence, >=, 0);
      /* Sessions counted are the sessions registered as attended. */
      g_assert_cmpint (r->sessions_attended, ==,
                       sp_test_query_int (store, "SELECT count(*) FROM attendance WHERE attended = 1 AND deleted = 0 "
                                          "AND referral_id = ?1", r->record.id));
      referral_balance (store, r->record.id, &b);
      g_assert_cmpint (b.patient_due, ==, r->patient_share_pence * r->sessions_attended);
      g_assert_cmpint (b.funder_due, ==, r->funder_share_pence * r->sessions_attended);
      by_referral.patient_due += b.patient_due;
      by_referral.patient_paid += b.patient_paid;
      by_referral.funder_due += b.funder_due;
      by_referral.funder_paid += b.funder_paid;
    }

  /* The books agree however they are added up. */
  g_assert_cmpint (by_patient.patient_paid + by_patient.funder_paid, ==, ledger);
  g_assert_cmpint (by_referral.patient_paid + by_referral.funder_paid, ==, ledger);
  g_assert_cmpint (by_patient.patient_due, ==, by_referral.patient_due);
  g_assert_cmpint (by_patient.funder_due, ==, by_referral.funder_due);
  g_assert_cmpint (by_patient.patient_paid, ==,
                   sp_test_query_int (store, "SELECT coalesce (sum (amount_pence), 0) FROM payment "
                                      "WHERE payer = 'patient' AND deleted = 0", NULL));

  /* Every payment belongs to its referral's patient and practice, and every
   * reversal is the exact negation of a payment that is not a reversal. */
  g_assert_cmpint (sp_test_query_int (store,
                                      "SELECT count(*) FROM payment p JOIN referral r ON r.id = p.referral_id "
                                      "WHERE p.patient_id <> r.patient_id OR p.practice <> r.practice", NULL), ==, 0);
  g_assert_cmpint (sp_test_query_int (store,
                                      "SELECT count(*) FROM payment p JOIN payment o ON o.id = p.reverses_id "
                                      "WHERE p.amount_pence <> -o.amount_pence OR o.reverses_id IS NOT NULL", NULL), ==, 0);
  g_assert_cmpint (sp_test_query_int (store,
                                      "SELECT count(*) FROM payment WHERE payer = 'funder' AND funder_id IS NULL",
                                      NULL), ==, 0);

  /* Each funder's paid figure is its share of the ledger. */
  {
    g_autoptr(GPtrArray) funders = sp_store_list (store, &sp_entity_funder, NULL, NULL, &error);
    gint64 funders_paid = 0;

    g_assert_no_error (error);
    for (guint i = 0; i < funders->len; i++)
      {
        SpFunder *f = funders->pdata[i];
        SpFunderSpend spend;

        funder_spend (store, f->record.id, &spend);
        g_assert_cmpint (spend.budget, ==, f->budget_pence);
        g_assert_cmpint (spend.committed, >=, 0);
        g_assert_cmpint (spend.spent, >=, 0);
        funders_paid += spend.paid;
      }
    /* Payments outside a funder's year are not that year's; none can be
     * more than the ledger holds from funders. */
    g_assert_cmpint (funders_paid, <=, by_patient.funder_paid);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/money/share/bands", test_share_bands);
  g_test_add_func ("/money/share/clamped", test_share_clamped);
  g_test_add_func ("/money/share/no-funder", test_share_no_funder);
  ADD ("/money/share/snapshot", test_snapshot);
  ADD ("/money/payment/refused", test_payment_refused);
  ADD ("/money/payment/reversal", test_payment_reversal);
  ADD ("/money/payment/reversal-exact", test_payment_reversal_exact);
  ADD ("/money/payment/no-edit", test_payment_no_edit);
  ADD ("/money/payment/no-delete", test_payment_no_delete);
  ADD ("/money/payment/gp-read-only", test_payment_gp);
  ADD ("/money/balance/referral", test_balance_referral);
  ADD ("/money/balance/patient", test_balance_patient);
  ADD ("/money/funder/spend", test_funder_spend);
  ADD ("/money/balance/every-patient", test_balance_every_patient);
  ADD ("/money/funder/every-year", test_funder_every_year);
  ADD ("/money/demo/consistent", test_demo_consistent);

#undef ADD

  return g_test_run ();
}
