/* sp-money.c — co-payments, the payment ledger, balances and budgets
 *
 * Payments are an append-only ledger: a mistake is put right by a reversal
 * entry, never by editing, so the history an auditor reads is complete.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-money"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-money.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* The patient pays their income band's tier of the sliding scale (never
 * more than the fee); standard or unrecorded income pays the full fee. The
 * first funder listed covers the rest; with none, the provider waives it. */
void
sp_offering_share (const SpOffering *offering,
                   const char       *income_band,
                   SpShare          *share)
{
  gint64 patient;

  g_return_if_fail (offering != NULL && share != NULL);

  patient = offering->fee_pence;
  if (income_band != NULL && offering->sliding_scale != NULL &&
      JSON_NODE_HOLDS_OBJECT (offering->sliding_scale))
    {
      JsonObject *tiers = json_node_get_object (offering->sliding_scale);
      JsonNode *tier = json_object_get_member (tiers, income_band);

      if (tier != NULL && JSON_NODE_HOLDS_VALUE (tier) &&
          json_node_get_value_type (tier) == G_TYPE_INT64)
        patient = CLAMP (json_node_get_int (tier), 0, offering->fee_pence);
    }

  share->fee_pence = offering->fee_pence;
  share->patient_pence = patient;
  share->funder_pence = offering->fee_pence - patient;
  share->funder_id = offering->funder_ids != NULL ? offering->funder_ids[0] : NULL;
}

/* A reversal negates one payment exactly, once, and is never itself
 * reversed: the ledger then always sums to what really changed hands. */
static gboolean
check_reversal (SpStore    *store,
                SpPayment  *reversal,
                GError    **error)
{
  g_autoptr(SpPayment) original = NULL;
  g_autoptr(GPtrArray) earlier = NULL;
  g_autofree char *amount = NULL;

  original = sp_store_load (store, &sp_entity_payment, reversal->reverses_id, error);
  if (original == NULL)
    return FALSE;
  if (original->reverses_id != NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("This entry is itself a reversal. Record the payment again instead."));
      return FALSE;
    }

  amount = sp_money_format (original->amount_pence);
  earlier = sp_store_list (store, &sp_entity_payment, "WHERE reverses_id = ?1", original->record.id, error);
  if (earlier == NULL)
    return FALSE;
  if (earlier->len > 0)
    {
      SpPayment *done = earlier->pdata[0];
      g_set_error (error, SP_ERROR, SP_ERROR_DUPLICATE,
                   _("The payment of %s was already reversed on %s."), amount, done->paid_at);
      return FALSE;
    }

  if (reversal->amount_pence != -original->amount_pence ||
      g_strcmp0 (reversal->referral_id, original->referral_id) != 0 ||
      g_strcmp0 (reversal->payer, original->payer) != 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("A reversal must undo the whole payment of %s on the same referral. "
                     "To correct the amount, reverse the payment and record the right one."), amount);
      return FALSE;
    }

  /* The reversal is paid back to whoever paid. */
  g_free (reversal->funder_id);
  reversal->funder_id = g_strdup (original->funder_id);
  return TRUE;
}

gboolean
sp_store_add_payment (SpStore    *store,
                      SpPayment  *payment,
                      GError    **error)
{
  g_autoptr(SpReferral) referral = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (payment != NULL, FALSE);

  if (!sp_store_check_role (store, SP_ROLE_LINK_WORKER, error))
    return FALSE;

  if (!sp_vocab_contains (SP_VOCAB_PAYER, payment->payer))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("Say who paid: the patient or a funder."));
      return FALSE;
    }
  if (payment->reverses_id == NULL && payment->amount_pence <= 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("A payment must be more than £0.00. To correct a payment, reverse it."));
      return FALSE;
    }
  if (payment->reverses_id != NULL && !check_reversal (store, payment, error))
    return FALSE;
  if (payment->method != NULL && !sp_vocab_contains (SP_VOCAB_PAYMENT_METHOD, payment->method))
    {
      g_autofree char *allowed = sp_vocab_codes (SP_VOCAB_PAYMENT_METHOD);
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not a payment method. Use one of: %s."), payment->method, allowed);
      return FALSE;
    }

  referral = sp_store_load (store, &sp_entity_referral, payment->referral_id, error);
  if (referral == NULL)
    return FALSE;

  if (payment->reverses_id != NULL)
    ; /* check_reversal set the funder from the original */
  else if (g_str_equal (payment->payer, "funder"))
    {
      if (payment->funder_id == NULL)
        payment->funder_id = g_strdup (referral->funder_id);
      if (payment->funder_id == NULL)
        {
          g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                               _("This referral has no funder. Choose the funder who paid."));
          return FALSE;
        }
    }
  else
    g_clear_pointer (&payment->funder_id, g_free);

  if (payment->record.id == NULL)
    payment->record.id = sp_uuid_new ();
  g_free (payment->record.practice);
  payment->record.practice = g_strdup (referral->record.practice);
  g_free (payment->patient_id);
  payment->patient_id = g_strdup (referral->patient_id);
  if (payment->paid_at == NULL)
    payment->paid_at = sp_store_now (store);

  return sp_store_save (store, &sp_entity_payment, payment, error);
}

/* A correction: the same amount negated, pointing at the original. A
 * payment is reversed at most once, and reversals are not reversed. */
SpPayment *
sp_store_reverse_payment (SpStore     *store,
                          const char  *payment_id,
                          const char  *note,
                          GError     **error)
{
  g_autoptr(SpPayment) original = NULL;
  g_autoptr(SpPayment) reversal = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  original = sp_store_load (store, &sp_entity_payment, payment_id, error);
  if (original == NULL)
    return NULL;

  reversal = sp_payment_new ();
  reversal->referral_id = g_strdup (original->referral_id);
  reversal->payer = g_strdup (original->payer);
  reversal->amount_pence = -original->amount_pence;
  reversal->method = g_strdup (original->method);
  reversal->reverses_id = g_strdup (original->record.id);
  reversal->note = g_strdup (note);
  if (!sp_store_add_payment (store, reversal, error))
    return NULL;
  return g_steal_pointer (&reversal);
}

GPtrArray *
sp_store_list_payments (SpStore     *store,
                        const char  *referral_id,
                        GError     **error)
{
  return sp_store_list (store, &sp_entity_payment,
                        "WHERE referral_id = ?1 AND deleted = 0 ORDER BY paid_at, rowid", referral_id, error);
}

/* Due is charged per session attended, from the snapshot taken at referral. */
static gboolean
balance_where (SpStore     *store,
               const char  *due_sql,
               const char  *paid_sql,
               const char  *id,
               SpBalance   *balance,
               GError     **error)
{
  g_autoptr(SpStmt) due = NULL;
  g_autoptr(SpStmt) paid = NULL;
  int rc;

  memset (balance, 0, sizeof *balance);

  due = sp_store_prepare (store, due_sql, error);
  if (due == NULL)
    return FALSE;
  sqlite3_bind_text (due, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (due);
  if (rc != SQLITE_ROW)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  balance->patient_due = sqlite3_column_int64 (due, 0);
  balance->funder_due = sqlite3_column_int64 (due, 1);

  paid = sp_store_prepare (store, paid_sql, error);
  if (paid == NULL)
    return FALSE;
  sqlite3_bind_text (paid, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (paid);
  if (rc != SQLITE_ROW)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  balance->patient_paid = sqlite3_column_int64 (paid, 0);
  balance->funder_paid = sqlite3_column_int64 (paid, 1);
  return TRUE;
}

gboolean
sp_store_referral_balance (SpStore     *store,
                           const char  *referral_id,
                           SpBalance   *balance,
                           GError     **error)
{
  g_autoptr(SpReferral) referral = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL)
    return FALSE;
  return balance_where (store,
                        "SELECT coalesce (sum (patient_share_pence * sessions_attended), 0), "
                        "coalesce (sum (funder_share_pence * sessions_attended), 0) "
                        "FROM referral WHERE id = ?1 AND deleted = 0",
                        "SELECT coalesce (sum (CASE WHEN payer = 'patient' THEN amount_pence END), 0), "
                        "coalesce (sum (CASE WHEN payer = 'funder' THEN amount_pence END), 0) "
                        "FROM payment WHERE referral_id = ?1 AND deleted = 0",
                        referral_id, balance, error);
}

gboolean
sp_store_patient_balance (SpStore     *store,
                          const char  *patient_id,
                          SpBalance   *balance,
                          GError     **error)
{
  g_autoptr(SpPatient) patient = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  patient = sp_store_load (store, &sp_entity_patient, patient_id, error);
  if (patient == NULL)
    return FALSE;
  return balance_where (store,
                        "SELECT coalesce (sum (patient_share_pence * sessions_attended), 0), "
                        "coalesce (sum (funder_share_pence * sessions_attended), 0) "
                        "FROM referral WHERE patient_id = ?1 AND deleted = 0",
                        "SELECT coalesce (sum (CASE WHEN payer = 'patient' THEN amount_pence END), 0), "
                        "coalesce (sum (CASE WHEN payer = 'funder' THEN amount_pence END), 0) "
                        "FROM payment WHERE patient_id = ?1 AND deleted = 0",
                        patient_id, balance, error);
}

/* A funder's year runs from its year_start; referrals made in that year
 * count against that year's budget. */
gboolean
sp_store_funder_spend (SpStore        *store,
                       const char     *funder_id,
                       SpFunderSpend  *spend,
                       GError        **error)
{
  g_autoptr(SpFunder) funder = NULL;
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree char *from = NULL;
  g_autofree char *until = NULL;
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (spend != NULL, FALSE);

  funder = sp_store_load (store, &sp_entity_funder, funder_id, error);
  if (funder == NULL)
    return FALSE;

  memset (spend, 0, sizeof *spend);
  spend->budget = funder->budget_pence;

  if (sp_date_is_valid (funder->year_start))
    {
      gint y, m, d;
      sscanf (funder->year_start, "%d-%d-%d", &y, &m, &d);
      from = g_strdup (funder->year_start);
      until = g_strdup_printf ("%04d-%02d-%02d", y + 1, m, d);
    }
  else
    {
      from = g_strdup ("0000-01-01");
      until = g_strdup ("9999-12-31");
    }

  stmt = sp_store_prepare (store,
                           "SELECT "
                           "coalesce (sum (CASE WHEN status IN ('referred', 'accepted', 'attending') "
                           "  THEN funder_share_pence * max (sessions_planned - sessions_attended, 0) END), 0), "
                           "coalesce (sum (funder_share_pence * sessions_attended), 0) "
                           "FROM referral WHERE funder_id = ?1 AND deleted = 0 AND status <> 'draft' "
                           "AND referred_at >= ?2 AND referred_at < ?3", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, funder_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, from, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, until, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  spend->committed = sqlite3_column_int64 (stmt, 0);
  spend->spent = sqlite3_column_int64 (stmt, 1);
  g_clear_pointer (&stmt, sp_stmt_release);

  stmt = sp_store_prepare (store,
                           "SELECT coalesce (sum (amount_pence), 0) FROM payment "
                           "WHERE payer = 'funder' AND funder_id = ?1 AND deleted = 0 "
                           "AND paid_at >= ?2 AND paid_at < ?3", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, funder_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, from, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, until, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  spend->paid = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}
