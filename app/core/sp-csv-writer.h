/* sp-csv-writer.h — RFC 4180 CSV that spreadsheets open as UTF-8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SpCsvWriter SpCsvWriter;

SpCsvWriter *sp_csv_writer_new        (guint              n_columns);
void         sp_csv_writer_free       (SpCsvWriter       *writer);
void         sp_csv_writer_add_row    (SpCsvWriter       *writer,
                                       const char * const *fields,
                                       guint              n_fields);
void         sp_csv_writer_add_blank  (SpCsvWriter       *writer);
char        *sp_csv_writer_finish     (SpCsvWriter       *writer,
                                       gsize             *length);
void         sp_csv_append_field      (GString           *out,
                                       const char        *field);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpCsvWriter, sp_csv_writer_free)

G_END_DECLS
