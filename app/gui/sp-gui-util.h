/* sp-gui-util.h — small helpers the pages share: dates, rows, badges
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-measure.h"
#include "sp-store.h"
#include "sp-types.h"

G_BEGIN_DECLS

char      *sp_gui_format_date    (const char *iso);
char      *sp_gui_format_time    (const char *iso);
char      *sp_gui_format_money   (gint64      pence);
GtkWidget *sp_gui_plain_row      (const char *title,
                                  const char *subtitle);
GtkWidget *sp_gui_property_row   (const char *title,
                                  const char *value);
GtkWidget *sp_gui_badge          (const char *text,
                                  const char *style);
GtkWidget *sp_gui_value_label    (const char *text,
                                  const char *accessible_label);
void       sp_gui_present_dialog (GtkWidget  *from,
                                  GtkWindow  *dialog);
void       sp_gui_show_error     (GtkWidget  *from,
                                  const char *heading,
                                  const GError *error);

gboolean   sp_gui_assessment_score (const SpAssessment   *assessment,
                                    SpMeasureScore       *score);
char      *sp_gui_score_text       (const SpMeasureInfo  *info,
                                    const SpMeasureScore *score);
char      *sp_gui_change_text      (const SpMeasureInfo  *info,
                                    const SpMeasureScore *baseline,
                                    const SpMeasureScore *follow_up);
void       sp_gui_add_toast        (GtkWidget            *from,
                                    AdwToast             *toast);
AdwMessageDialog *sp_gui_confirm_reversal (GtkWidget     *from,
                                           SpStore       *store,
                                           const char    *payment_id);
char      *sp_gui_format_count     (guint                 n);
void       sp_gui_set_row_tooltip  (GtkWidget            *widget,
                                    const char           *text);
void       sp_gui_set_label_tooltip (GtkLabel            *label);
GHashTable *sp_gui_reversed_payments (GPtrArray          *payments);
GtkWidget *sp_gui_ledger_row       (const SpPayment      *payment,
                                    GHashTable           *reversed,
                                    const char           *reverse_action);
gboolean   sp_gui_apply_reversal   (AdwMessageDialog     *dialog,
                                    const char           *response,
                                    GtkWidget            *owner,
                                    SpStore              *store);

G_END_DECLS
