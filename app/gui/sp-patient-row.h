/* sp-patient-row.h — a patient in the caseload list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-patient-item.h"

G_BEGIN_DECLS

#define SP_TYPE_PATIENT_ROW (sp_patient_row_get_type ())
G_DECLARE_FINAL_TYPE (SpPatientRow, sp_patient_row, SP, PATIENT_ROW, AdwBin)

GtkWidget     *sp_patient_row_new      (void);
SpPatientItem *sp_patient_row_get_item (SpPatientRow  *self);
void           sp_patient_row_set_item (SpPatientRow  *self,
                                        SpPatientItem *item);

G_END_DECLS
