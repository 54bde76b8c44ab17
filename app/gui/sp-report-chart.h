/* sp-report-chart.h — one chart of a report, drawn on screen as the PDF draws it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "sp-report.h"

G_BEGIN_DECLS

/* A GtkDrawingArea showing @chart, with the figures in words as its
 * accessible description. @chart must live as long as @owner, which the
 * widget holds until it goes (released with @release). */
GtkWidget *sp_report_chart_widget_new (const SpReportChart *chart,
                                       gpointer             owner,
                                       GDestroyNotify       release);
char      *sp_report_chart_summarize  (const SpReportChart *chart);

G_END_DECLS
