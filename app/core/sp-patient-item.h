/* sp-patient-item.h — one row of the caseload: a patient at a glance
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SP_TYPE_PATIENT_ITEM (sp_patient_item_get_type ())
G_DECLARE_FINAL_TYPE (SpPatientItem, sp_patient_item, SP, PATIENT_ITEM, GObject)

const char *sp_patient_item_get_id              (SpPatientItem *self);
const char *sp_patient_item_get_name            (SpPatientItem *self);
const char *sp_patient_item_get_nhs_number      (SpPatientItem *self);
gint        sp_patient_item_get_age             (SpPatientItem *self);
gboolean    sp_patient_item_get_has_msk         (SpPatientItem *self);
gboolean    sp_patient_item_get_has_mh          (SpPatientItem *self);
guint       sp_patient_item_get_open_referrals  (SpPatientItem *self);
const char *sp_patient_item_get_referral_status (SpPatientItem *self);
gboolean    sp_patient_item_get_follow_up_due   (SpPatientItem *self);

void        sp_patient_item_assign              (SpPatientItem *self,
                                                 SpPatientItem *from);

G_END_DECLS
