/* sp-caseload-view.h — every patient of the practice, searched and filtered
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-patient-list.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_CASELOAD_VIEW (sp_caseload_view_get_type ())
G_DECLARE_FINAL_TYPE (SpCaseloadView, sp_caseload_view, SP, CASELOAD_VIEW, AdwBin)

void           sp_caseload_view_set_store           (SpCaseloadView *self,
                                                     SpStore        *store);
SpPatientList *sp_caseload_view_get_model           (SpCaseloadView *self);
void           sp_caseload_view_refresh             (SpCaseloadView *self);

GtkEditable   *sp_caseload_view_get_search_entry    (SpCaseloadView *self);
GtkToggleButton *sp_caseload_view_get_comorbid_button (SpCaseloadView *self);
GtkToggleButton *sp_caseload_view_get_open_button   (SpCaseloadView *self);
GtkToggleButton *sp_caseload_view_get_due_button    (SpCaseloadView *self);
GtkListView   *sp_caseload_view_get_list_view       (SpCaseloadView *self);

G_END_DECLS
