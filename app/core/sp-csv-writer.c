/* sp-csv-writer.c — RFC 4180 CSV that spreadsheets open as UTF-8
 *
 * The file starts with a UTF-8 byte-order mark: without it Excel on Windows
 * reads CSV in the local code page and turns "£" and "é" into mojibake,
 * while LibreOffice, Numbers and our own reader (sp_csv_parse) skip it.
 * Records end in CRLF and every record has the same number of fields, as
 * RFC 4180 asks; shorter rows are padded with empty fields.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-csv-writer"

#include "config.h"

#include <string.h>

#include "sp-csv-writer.h"

#define UTF8_BOM "\xEF\xBB\xBF"

struct _SpCsvWriter
{
  GString *out;
  guint    n_columns;
};

SpCsvWriter *
sp_csv_writer_new (guint n_columns)
{
  SpCsvWriter *writer = g_new0 (SpCsvWriter, 1);

  writer->out = g_string_new (UTF8_BOM);
  writer->n_columns = MAX (n_columns, 1);
  return writer;
}

void
sp_csv_writer_free (SpCsvWriter *writer)
{
  if (writer == NULL)
    return;
  if (writer->out != NULL)
    g_string_free (writer->out, TRUE);
  g_free (writer);
}

/* Quoted only when it must be: a comma, a quote or a line break inside, or
 * space at either end (which some readers trim). Quotes are doubled.
 * Guarding text against being read as a formula is the caller's job: only
 * it knows whether "-4.25" is a number or a name. */
void
sp_csv_append_field (GString    *out,
                     const char *field)
{
  gboolean quote;
  gsize len;

  if (field == NULL)
    return;
  len = strlen (field);
  quote = strpbrk (field, ",\"\r\n") != NULL ||
          (len > 0 && (field[0] == ' ' || field[len - 1] == ' '));
  if (!quote)
    {
      g_string_append (out, field);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
sp_csv_writer_add_row (SpCsvWriter        *writer,
                       const char * const *fields,
                       guint               n_fields)
{
  g_return_if_fail (writer != NULL && writer->out != NULL);
  g_return_if_fail (fields != NULL || n_fields == 0);

  for (guint i = 0; i < MAX (n_fields, writer->n_columns); i++)
    {
      if (i > 0)
        g_string_append_c (writer->out, ',');
      if (i < n_fields)
        sp_csv_append_field (writer->out, fields[i]);
    }
  g_string_append (writer->out, "\r\n");
}

/* A row of empty fields, to set tables apart. */
void
sp_csv_writer_add_blank (SpCsvWriter *writer)
{
  sp_csv_writer_add_row (writer, NULL, 0);
}

/* The CSV text, with its byte-order mark. The writer is freed. */
char *
sp_csv_writer_finish (SpCsvWriter *writer,
                      gsize       *length)
{
  GString *out;

  g_return_val_if_fail (writer != NULL, NULL);

  out = g_steal_pointer (&writer->out);
  sp_csv_writer_free (writer);
  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}
