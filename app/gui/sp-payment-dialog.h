/* sp-payment-dialog.h — record a payment against a referral
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_PAYMENT_DIALOG (sp_payment_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SpPaymentDialog, sp_payment_dialog, SP, PAYMENT_DIALOG, AdwWindow)

SpPaymentDialog *sp_payment_dialog_new               (SpStore         *store,
                                                      const char      *referral_id,
                                                      GError         **error);
const char      *sp_payment_dialog_get_referral_id   (SpPaymentDialog *self);
GtkEditable     *sp_payment_dialog_get_amount_field  (SpPaymentDialog *self);
GtkLabel        *sp_payment_dialog_get_amount_message (SpPaymentDialog *self);
void             sp_payment_dialog_set_payer         (SpPaymentDialog *self,
                                                      const char      *payer);
GtkWidget       *sp_payment_dialog_get_save_button   (SpPaymentDialog *self);
gboolean         sp_payment_dialog_save              (SpPaymentDialog *self);

G_END_DECLS
