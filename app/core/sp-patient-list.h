/* sp-patient-list.h — the caseload as a GListModel of SpPatientItem
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sp-patient-item.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_PATIENT_LIST (sp_patient_list_get_type ())
G_DECLARE_FINAL_TYPE (SpPatientList, sp_patient_list, SP, PATIENT_LIST, GObject)

SpPatientList *sp_patient_list_new                    (SpStore       *store);
SpStore       *sp_patient_list_get_store              (SpPatientList *self);
gboolean       sp_patient_list_get_loading            (SpPatientList *self);

const char    *sp_patient_list_get_search_text        (SpPatientList *self);
void           sp_patient_list_set_search_text        (SpPatientList *self,
                                                       const char    *text);
gboolean       sp_patient_list_get_comorbid_only      (SpPatientList *self);
void           sp_patient_list_set_comorbid_only      (SpPatientList *self,
                                                       gboolean       comorbid_only);
gboolean       sp_patient_list_get_open_referrals_only (SpPatientList *self);
void           sp_patient_list_set_open_referrals_only (SpPatientList *self,
                                                        gboolean       open_only);
gboolean       sp_patient_list_get_follow_up_due_only (SpPatientList *self);
void           sp_patient_list_set_follow_up_due_only (SpPatientList *self,
                                                       gboolean       due_only);

void           sp_patient_list_refresh                (SpPatientList *self);
guint          sp_patient_list_find                   (SpPatientList *self,
                                                       const char    *patient_id);
gboolean       sp_patient_list_is_partial             (SpPatientList *self);
const GError  *sp_patient_list_get_error              (SpPatientList *self);

G_END_DECLS
