/* sp-report-pdf.h — reports and GP letters as A4 PDF files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "sp-letter.h"
#include "sp-report.h"

G_BEGIN_DECLS

/* A4 in PostScript points. */
#define SP_A4_WIDTH  595.276
#define SP_A4_HEIGHT 841.890

gboolean sp_report_document_write_pdf (const SpReportDocument  *document,
                                       const char              *path,
                                       GError                 **error);
gboolean sp_letter_write_pdf          (const SpLetter          *letter,
                                       const char              *path,
                                       GError                 **error);

G_END_DECLS
