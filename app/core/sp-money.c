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

/* A funder's year runs from its year_start to the same day a year on;
 * without one, every date is in it. */
static void
funder_year_window (const SpFunder  *funder,
                    char           **from,
                    char           **until)
{
  if (sp_date_is_valid (funder->year_start))
    {
      gint y, m, d;
      sscanf (funder->year_start, "%d-%d-%d", &y, &m, &d);
      *from = g_strdup (funder->year_start);
      *until = g_strdup_printf ("%04d-%02d-%02d", y + 1, m, d);
    }
  else
    {
      *from = g_strdup ("0000-01-01");
      *until = g_strdup ("9999-12-31");
    }
}

/* Referrals made in a funder's year count against that year's budget. */
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
  funder_year_window (funder, &from, &until);

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

/* ---- Every patient's and every funder's figures at once ------------------ */

static char *
practices_json (const char * const *practices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; practices != NULL && practices[i] != NULL; i++)
    json_builder_add_string_value (builder, practices[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Every patient of the store's practices with a co-payment to account for
 * (a referral past draft, and something due or paid), with the same
 * balance as sp_store_patient_balance(): most outstanding first, then by
 * family and given name. One pass over the referrals and one over the
 * payments, however many patients there are. */
gboolean
sp_store_foreach_patient_balance (SpStore              *store,
                                  SpPatientBalanceFunc  func,
                                  gpointer              user_data,
                                  GError              **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree char *practices = NULL;
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  stmt = sp_store_prepare (store,
                           "SELECT p.id, p.given_name, p.family_name, p.nhs_number, "
                           "r.patient_due, r.funder_due, coalesce (m.patient_paid, 0), coalesce (m.funder_paid, 0) "
                           "FROM (SELECT patient_id, "
                           "        sum (patient_share_pence * sessions_attended) AS patient_due, "
                           "        sum (funder_share_pence * sessions_attended) AS funder_due, "
                           "        max (status <> 'draft') AS priced "
                           "      FROM referral WHERE deleted = 0 GROUP BY patient_id) AS r "
                           "JOIN patient AS p ON p.id = r.patient_id "
                           "LEFT JOIN (SELECT patient_id, "
                           "             coalesce (sum (CASE WHEN payer = 'patient' THEN amount_pence END), 0) AS patient_paid, "
                           "             coalesce (sum (CASE WHEN payer = 'funder' THEN amount_pence END), 0) AS funder_paid "
                           "           FROM payment WHERE deleted = 0 GROUP BY patient_id) AS m "
                           "  ON m.patient_id = r.patient_id "
                           "WHERE p.deleted = 0 AND p.practice IN (SELECT value FROM json_each (?1)) "
                           "AND r.priced AND (r.patient_due > 0 OR coalesce (m.patient_paid, 0) <> 0) "
                           "ORDER BY r.patient_due - coalesce (m.patient_paid, 0) DESC, "
                           "p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE, p.id",
                           error);
  if (stmt == NULL)
    return FALSE;
  /* Patient data never crosses to a practice the user is not granted. */
  practices = practices_json (sp_store_get_practices (store));
  sqlite3_bind_text (stmt, 1, practices, -1, SQLITE_TRANSIENT);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SpPatientBalance row;

      row.patient_id = (const char *) sqlite3_column_text (stmt, 0);
      row.given_name = (const char *) sqlite3_column_text (stmt, 1);
      row.family_name = (const char *) sqlite3_column_text (stmt, 2);
      row.nhs_number = (const char *) sqlite3_column_text (stmt, 3);
      row.balance.patient_due = sqlite3_column_int64 (stmt, 4);
      row.balance.funder_due = sqlite3_column_int64 (stmt, 5);
      row.balance.patient_paid = sqlite3_column_int64 (stmt, 6);
      row.balance.funder_paid = sqlite3_column_int64 (stmt, 7);
      func (&row, user_data);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

void
sp_funder_year_free (SpFunderYear *year)
{
  if (year == NULL)
    return;
  sp_funder_free (year->funder);
  g_free (year);
}

typedef struct
{
  SpFunderYear *entry;
  char          *from;
  char          *until;
} YearWindow;

static void
year_window_clear (YearWindow *year)
{
  g_free (year->from);
  g_free (year->until);
}

/* Within [from, until): a timestamp "2026-05-11T10:00:00Z" against dates
 * compares as its date does, as in sp_store_funder_spend()'s SQL. */
static inline gboolean
in_year (const YearWindow *year,
         const char       *when)
{
  return when != NULL && strcmp (when, year->from) >= 0 && strcmp (when, year->until) < 0;
}

/* Every live funder by name, each with the figures sp_store_funder_spend()
 * gives, from one pass over the referrals and one over the payments: a
 * funder's year differs from funder to funder, and the referrals have no
 * index by funder, so asking funder by funder would read them all each
 * time. */
GPtrArray *
sp_store_list_funder_years (SpStore  *store,
                            GError  **error)
{
  g_autoptr(GPtrArray) funders = NULL;
  g_autofree SpFunder **records = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GArray) years = NULL;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SpStmt) referrals = NULL;
  g_autoptr(SpStmt) payments = NULL;
  gsize n_funders = 0;
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  funders = sp_store_list (store, &sp_entity_funder, "WHERE deleted = 0 ORDER BY name, id", NULL, error);
  if (funders == NULL)
    return NULL;

  /* The records move into the result, one SpFunderYear each. */
  records = (SpFunder **) g_ptr_array_steal (funders, &n_funders);
  result = g_ptr_array_new_full (n_funders, (GDestroyNotify) sp_funder_year_free);
  years = g_array_sized_new (FALSE, TRUE, sizeof (YearWindow), n_funders);
  g_array_set_clear_func (years, (GDestroyNotify) year_window_clear);
  for (gsize i = 0; i < n_funders; i++)
    {
      SpFunderYear *entry = g_new0 (SpFunderYear, 1);
      YearWindow year = { entry, NULL, NULL };

      entry->funder = records[i];
      entry->spend.budget = entry->funder->budget_pence;
      funder_year_window (entry->funder, &year.from, &year.until);
      g_ptr_array_add (result, entry);
      g_array_append_val (years, year);
    }
  for (guint i = 0; i < years->len; i++)
    g_hash_table_insert (by_id, g_array_index (years, YearWindow, i).entry->funder->record.id,
                         &g_array_index (years, YearWindow, i));

  referrals = sp_store_prepare (store,
                                "SELECT funder_id, referred_at, "
                                "status IN ('referred', 'accepted', 'attending'), "
                                "funder_share_pence * max (sessions_planned - sessions_attended, 0), "
                                "funder_share_pence * sessions_attended "
                                "FROM referral WHERE deleted = 0 AND status <> 'draft' AND funder_id IS NOT NULL",
                                error);
  if (referrals == NULL)
    return NULL;
  while ((rc = sqlite3_step (referrals)) == SQLITE_ROW)
    {
      YearWindow *year = g_hash_table_lookup (by_id, sqlite3_column_text (referrals, 0));

      if (year == NULL || !in_year (year, (const char *) sqlite3_column_text (referrals, 1)))
        continue;
      if (sqlite3_column_int (referrals, 2))
        year->entry->spend.committed += sqlite3_column_int64 (referrals, 3);
      year->entry->spend.spent += sqlite3_column_int64 (referrals, 4);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }

  payments = sp_store_prepare (store,
                               "SELECT funder_id, paid_at, amount_pence FROM payment "
                               "WHERE payer = 'funder' AND deleted = 0 AND funder_id IS NOT NULL",
                               error);
  if (payments == NULL)
    return NULL;
  while ((rc = sqlite3_step (payments)) == SQLITE_ROW)
    {
      YearWindow *year = g_hash_table_lookup (by_id, sqlite3_column_text (payments, 0));

      if (year != NULL && in_year (year, (const char *) sqlite3_column_text (payments, 1)))
        year->entry->spend.paid += sqlite3_column_int64 (payments, 2);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&result);
}
