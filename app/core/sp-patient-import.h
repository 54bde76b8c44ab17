/* sp-patient-import.h — bring an existing caseload spreadsheet in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint  line;    /* line in the file where the row starts, the header being line 1 */
  char  *reason;  /* translated, plain words */
} SpImportProblem;

typedef struct
{
  guint      n_rows;          /* data rows read */
  guint      n_saved;         /* rows saved (or that would be, in a dry run) */
  GPtrArray *problems;        /* SpImportProblem*, one per rejected row */
  GStrv      ignored_columns; /* header names Signpost does not use */
  gboolean   dry_run;
} SpPatientImport;

void             sp_patient_import_free   (SpPatientImport *import);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpPatientImport, sp_patient_import_free)

GPtrArray       *sp_csv_parse             (const char   *text,
                                           gsize         length,
                                           GArray       *line_numbers,
                                           GError      **error);
SpPatientImport *sp_store_import_patients (SpStore      *store,
                                           const char   *path,
                                           gboolean      dry_run,
                                           GError      **error);

G_END_DECLS
