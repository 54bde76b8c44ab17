/* sp-patient-editor.h — add or edit a patient, checked as you type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_PATIENT_EDITOR (sp_patient_editor_get_type ())
G_DECLARE_FINAL_TYPE (SpPatientEditor, sp_patient_editor, SP, PATIENT_EDITOR, AdwWindow)

SpPatientEditor *sp_patient_editor_new            (SpStore         *store,
                                                   const char      *patient_id,
                                                   GError         **error);
const char      *sp_patient_editor_get_patient_id (SpPatientEditor *self);
gboolean         sp_patient_editor_get_valid      (SpPatientEditor *self);
gboolean         sp_patient_editor_save           (SpPatientEditor *self);

/* The form's parts, by name: "nhs", "given", "family", "dob", "postcode",
 * "email", … for the entry rows; "nhs", "person", "postcode", "email" and
 * "form" for the messages; and the Save button. */
GtkEditable     *sp_patient_editor_get_field      (SpPatientEditor *self,
                                                   const char      *name);
GtkLabel        *sp_patient_editor_get_message    (SpPatientEditor *self,
                                                   const char      *name);
GtkWidget       *sp_patient_editor_get_save_button (SpPatientEditor *self);
AdwComboRow     *sp_patient_editor_get_condition_row (SpPatientEditor *self,
                                                   const char      *kind);

G_END_DECLS
