/* sp-patient-page.h — one patient: conditions, referrals, measures, details
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_PATIENT_PAGE (sp_patient_page_get_type ())
G_DECLARE_FINAL_TYPE (SpPatientPage, sp_patient_page, SP, PATIENT_PAGE, AdwBin)

void        sp_patient_page_set_store        (SpPatientPage *self,
                                              SpStore       *store);
gboolean    sp_patient_page_load             (SpPatientPage *self,
                                              const char    *patient_id,
                                              GError       **error);
const char *sp_patient_page_get_patient_id   (SpPatientPage *self);
const char *sp_patient_page_get_title        (SpPatientPage *self);
guint       sp_patient_page_get_n_referrals  (SpPatientPage *self);
guint       sp_patient_page_get_n_conditions (SpPatientPage *self);
void        sp_patient_page_remove_condition (SpPatientPage *self,
                                              const char    *condition_id,
                                              GtkWidget     *row);
AdwToast   *sp_patient_page_get_toast        (SpPatientPage *self);
void        sp_patient_page_commit_pending   (SpPatientPage *self);

G_END_DECLS
