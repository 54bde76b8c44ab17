/* sp-money.h — co-payments, the payment ledger, balances and budgets
 *
 * All amounts are gint64 pence.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

typedef struct
{
  gint64      fee_pence;      /* the full fee per session */
  gint64      patient_pence;  /* what the patient pays per session */
  gint64      funder_pence;   /* the rest, per session */
  const char *funder_id;      /* who pays the rest; NULL = the provider waives it */
} SpShare;

void     sp_offering_share          (const SpOffering *offering,
                                     const char       *income_band,
                                     SpShare          *share);

typedef struct
{
  gint64 patient_due;   /* patient share × sessions attended */
  gint64 patient_paid;
  gint64 funder_due;    /* funder share × sessions attended */
  gint64 funder_paid;
} SpBalance;

typedef struct
{
  gint64 budget;        /* for the year from the funder's year_start */
  gint64 committed;     /* funder share × sessions still to come on open referrals */
  gint64 spent;         /* funder share × sessions attended */
  gint64 paid;          /* payments from the funder */
} SpFunderSpend;

gboolean   sp_store_add_payment      (SpStore       *store,
                                      SpPayment     *payment,
                                      GError       **error);
SpPayment *sp_store_reverse_payment  (SpStore       *store,
                                      const char    *payment_id,
                                      const char    *note,
                                      GError       **error);
GPtrArray *sp_store_list_payments    (SpStore       *store,
                                      const char    *referral_id,
                                      GError       **error);
gboolean   sp_store_referral_balance (SpStore       *store,
                                      const char    *referral_id,
                                      SpBalance     *balance,
                                      GError       **error);
gboolean   sp_store_patient_balance  (SpStore       *store,
                                      const char    *patient_id,
                                      SpBalance     *balance,
                                      GError       **error);
gboolean   sp_store_funder_spend     (SpStore       *store,
                                      const char    *funder_id,
                                      SpFunderSpend *spend,
                                      GError       **error);

/* A patient with a co-payment to account for: the strings are valid only
 * during the call that receives them. */
typedef struct
{
  const char *patient_id;
  const char *given_name;
  const char *family_name;
  const char *nhs_number;
  SpBalance   balance;
} SpPatientBalance;

typedef void (*SpPatientBalanceFunc) (const SpPatientBalance *patient,
                                      gpointer                user_data);

gboolean   sp_store_foreach_patient_balance (SpStore              *store,
                                             SpPatientBalanceFunc  func,
                                             gpointer              user_data,
                                             GError              **error);

/* A funder with its spend this budget year. */
typedef struct
{
  SpFunder      *funder;
  SpFunderSpend  spend;
} SpFunderYear;

void       sp_funder_year_free        (SpFunderYear  *year);
GPtrArray *sp_store_list_funder_years (SpStore       *store,
                                       GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpFunderYear, sp_funder_year_free)

G_END_DECLS
