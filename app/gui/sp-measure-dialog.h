/* sp-measure-dialog.h — take a measure: answer a questionnaire's items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-measure.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_MEASURE_DIALOG (sp_measure_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SpMeasureDialog, sp_measure_dialog, SP, MEASURE_DIALOG, AdwWindow)

SpMeasureDialog *sp_measure_dialog_new            (SpStore         *store,
                                                   const char      *patient_id,
                                                   const char      *referral_id,
                                                   GError         **error);
SpMeasureId      sp_measure_dialog_get_measure    (SpMeasureDialog *self);
void             sp_measure_dialog_set_measure    (SpMeasureDialog *self,
                                                   SpMeasureId      measure);
const char      *sp_measure_dialog_get_stage      (SpMeasureDialog *self);
void             sp_measure_dialog_set_stage      (SpMeasureDialog *self,
                                                   const char      *stage);
void             sp_measure_dialog_set_answer     (SpMeasureDialog *self,
                                                   guint            item,
                                                   gint             value);
const char      *sp_measure_dialog_get_score_text (SpMeasureDialog *self);
const char      *sp_measure_dialog_get_band_text  (SpMeasureDialog *self);
const char      *sp_measure_dialog_get_change_text (SpMeasureDialog *self);
GtkWidget       *sp_measure_dialog_get_save_button (SpMeasureDialog *self);
gboolean         sp_measure_dialog_save           (SpMeasureDialog *self);

G_END_DECLS
