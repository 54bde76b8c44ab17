/* sp-report-draw.h — reports, charts and GP letters drawn with cairo and pango
 *
 * For the Reports view (a chart in a GtkDrawingArea) and for printing
 * (GtkPrintOperation's draw-page): the same drawing the PDF export uses.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>

#include "sp-letter.h"
#include "sp-report.h"

G_BEGIN_DECLS

gdouble sp_report_chart_height       (const SpReportChart    *chart,
                                      cairo_t                *cr,
                                      gdouble                 width);
void    sp_report_chart_draw         (const SpReportChart    *chart,
                                      cairo_t                *cr,
                                      gdouble                 width);

guint   sp_report_document_draw_page (const SpReportDocument *document,
                                      cairo_t                *cr,
                                      gdouble                 width,
                                      gdouble                 height,
                                      gint                    page);
guint   sp_letter_draw_page          (const SpLetter         *letter,
                                      cairo_t                *cr,
                                      gdouble                 width,
                                      gdouble                 height,
                                      gint                    page);

G_END_DECLS
