/* sp-report-draw-private.h — for sp-report-pdf.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-report-draw.h"

G_BEGIN_DECLS

/* Every page, each ended with cairo_show_page(): for a PDF surface. */
guint _sp_report_document_draw_all (const SpReportDocument *document,
                                    cairo_t                *cr,
                                    gdouble                 width,
                                    gdouble                 height);
guint _sp_letter_draw_all          (const SpLetter         *letter,
                                    cairo_t                *cr,
                                    gdouble                 width,
                                    gdouble                 height);

G_END_DECLS
