/* sp-reports-view.h — activity, outcomes, experience and money, for a period
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-report.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_REPORTS_VIEW (sp_reports_view_get_type ())
G_DECLARE_FINAL_TYPE (SpReportsView, sp_reports_view, SP, REPORTS_VIEW, AdwBin)

void                    sp_reports_view_set_store     (SpReportsView *self,
                                                       SpStore       *store);
void                    sp_reports_view_refresh       (SpReportsView *self);
void                    sp_reports_view_set_kind      (SpReportsView *self,
                                                       SpReportKind   kind);
gboolean                sp_reports_view_get_loading   (SpReportsView *self);
const SpReportDocument *sp_reports_view_get_document  (SpReportsView *self);
SpReportFilter         *sp_reports_view_dup_filter    (SpReportsView *self);
void                    sp_reports_view_export        (SpReportsView *self,
                                                       gboolean       pdf,
                                                       GFile         *file);
gboolean                sp_reports_view_get_exporting (SpReportsView *self);

G_END_DECLS
