/* sp-payments-view.h — balances per patient, and each funder's spend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-money.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_PAYMENTS_VIEW (sp_payments_view_get_type ())
G_DECLARE_FINAL_TYPE (SpPaymentsView, sp_payments_view, SP, PAYMENTS_VIEW, AdwBin)

void      sp_payments_view_set_store          (SpPaymentsView *self,
                                               SpStore        *store);
void      sp_payments_view_refresh            (SpPaymentsView *self);
gboolean  sp_payments_view_get_loading        (SpPaymentsView *self);
guint     sp_payments_view_get_n_patients     (SpPaymentsView *self);
guint     sp_payments_view_get_n_shown        (SpPaymentsView *self);
guint     sp_payments_view_get_n_funders      (SpPaymentsView *self);
gboolean  sp_payments_view_get_patient_balance (SpPaymentsView *self,
                                               const char     *patient_id,
                                               SpBalance      *balance);
gboolean  sp_payments_view_get_funder_spend   (SpPaymentsView *self,
                                               const char     *funder_id,
                                               SpFunderSpend  *spend);
const char *sp_payments_view_get_shown_patient (SpPaymentsView *self);
GtkListView *sp_payments_view_get_list_view   (SpPaymentsView *self);

G_END_DECLS
