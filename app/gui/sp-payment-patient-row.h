/* sp-payment-patient-row.h — a patient's balance in the payments list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-money.h"

G_BEGIN_DECLS

#define SP_TYPE_PAYMENT_PATIENT_ROW (sp_payment_patient_row_get_type ())
G_DECLARE_FINAL_TYPE (SpPaymentPatientRow, sp_payment_patient_row, SP, PAYMENT_PATIENT_ROW, AdwBin)

GtkWidget *sp_payment_patient_row_new         (void);
void       sp_payment_patient_row_set_patient (SpPaymentPatientRow *self,
                                               const char          *name,
                                               const char          *nhs_number,
                                               const SpBalance     *balance);

G_END_DECLS
