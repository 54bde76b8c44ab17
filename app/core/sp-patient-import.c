/* sp-patient-import.c — bring an existing caseload spreadsheet in
 *
 * Columns are found by their header, whatever order and whichever of the
 * usual names a practice's spreadsheet uses. Every valid row is saved and
 * every rejected row is reported with its line and reason; the rows are
 * saved in one transaction, so a failure part-way (a full disk, say)
 * leaves the store as it was. A dry run does the same work and rolls back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-patient-import"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-patient-import.h"
#include "sp-patients.h"
#include "sp-validate.h"
#include "sp-vocab.h"

void
sp_patient_import_free (SpPatientImport *import)
{
  if (import == NULL)
    return;
  g_ptr_array_unref (import->problems);
  g_strfreev (import->ignored_columns);
  g_free (import);
}

static void
problem_free (SpImportProblem *problem)
{
  g_free (problem->reason);
  g_free (problem);
}

/* RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks;
 * CRLF or LF; a UTF-8 byte-order mark is skipped. Returns rows of GStrv and
 * the line each row starts on in @line_numbers (guint). */
GPtrArray *
sp_csv_parse (const char  *text,
              gsize        length,
              GArray      *line_numbers,
              GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = text;
  const char *end = text + length;
  guint line = 1;
  guint row_line = 1;
  gboolean in_quotes = FALSE;
  gboolean row_has_content = FALSE;

  if (!g_utf8_validate (text, (gssize) length, NULL))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The file is not UTF-8 text. Save the spreadsheet as “CSV UTF-8” and try again."));
      return NULL;
    }
  if (length >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  for (; p < end; p++)
    {
      char c = *p;

      if (in_quotes)
        {
          if (c == '"')
            {
              if (p + 1 < end && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else
                in_quotes = FALSE;
            }
          else
            {
              if (c == '\n')
                line++;
              g_string_append_c (field, c);
            }
          continue;
        }

      switch (c)
        {
        case '"':
          in_quotes = TRUE;
          row_has_content = TRUE;
          break;
        case ',':
          g_ptr_array_add (fields, g_strdup (field->str));
          g_string_truncate (field, 0);
          row_has_content = TRUE;
          break;
        case '\r':
          break;
        case '\n':
          if (row_has_content || field->len > 0)
            {
              g_ptr_array_add (fields, g_strdup (field->str));
              g_ptr_array_add (fields, NULL);
              g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
              if (line_numbers != NULL)
                g_array_append_val (line_numbers, row_line);
            }
          g_string_truncate (field, 0);
          row_has_content = FALSE;
          line++;
          row_line = line;
          break;
        default:
          g_string_append_c (field, c);
          row_has_content = TRUE;
          break;
        }
    }

  if (in_quotes)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("The file ends inside a quoted field that starts on line %u. Check for a missing closing quote."),
                   row_line);
      return NULL;
    }
  if (row_has_content || field->len > 0)
    {
      g_ptr_array_add (fields, g_strdup (field->str));
      g_ptr_array_add (fields, NULL);
      g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
      if (line_numbers != NULL)
        g_array_append_val (line_numbers, row_line);
    }
  return g_steal_pointer (&rows);
}

typedef enum
{
  COL_IGNORED = -1,
  COL_NHS_NUMBER,
  COL_GIVEN_NAME,
  COL_FAMILY_NAME,
  COL_FULL_NAME,
  COL_DATE_OF_BIRTH,
  COL_SEX,
  COL_POSTCODE,
  COL_ADDRESS,
  COL_PHONE,
  COL_EMAIL,
  COL_PREFERRED_CONTACT,
  COL_LANGUAGE,
  COL_INTERPRETER,
  COL_CONSENT_GP,
  COL_CONSENT_CONTACT,
  COL_CONSENT_EVALUATION,
  COL_INCOME_BAND,
  COL_TRAVEL,
  COL_MSK,
  COL_MH,
  COL_NOTES,
  N_COLS
} Column;

/* Header names seen in practice spreadsheets, lower-cased with everything
 * but letters and digits removed. */
static const struct { const char *header; Column column; } header_names[] = {
  { "nhsnumber", COL_NHS_NUMBER }, { "nhsno", COL_NHS_NUMBER }, { "nhs", COL_NHS_NUMBER },
  { "givenname", COL_GIVEN_NAME }, { "firstname", COL_GIVEN_NAME }, { "forename", COL_GIVEN_NAME },
  { "forenames", COL_GIVEN_NAME },
  { "familyname", COL_FAMILY_NAME }, { "surname", COL_FAMILY_NAME }, { "lastname", COL_FAMILY_NAME },
  { "name", COL_FULL_NAME }, { "fullname", COL_FULL_NAME }, { "patientname", COL_FULL_NAME },
  { "dateofbirth", COL_DATE_OF_BIRTH }, { "dob", COL_DATE_OF_BIRTH }, { "birthdate", COL_DATE_OF_BIRTH },
  { "sex", COL_SEX }, { "gender", COL_SEX },
  { "postcode", COL_POSTCODE }, { "address", COL_ADDRESS },
  { "phone", COL_PHONE }, { "telephone", COL_PHONE }, { "mobile", COL_PHONE }, { "phonenumber", COL_PHONE },
  { "email", COL_EMAIL }, { "emailaddress", COL_EMAIL },
  { "preferredcontact", COL_PREFERRED_CONTACT }, { "contactpreference", COL_PREFERRED_CONTACT },
  { "language", COL_LANGUAGE }, { "preferredlanguage", COL_LANGUAGE },
  { "interpreter", COL_INTERPRETER }, { "interpreterneeded", COL_INTERPRETER },
  { "consentgp", COL_CONSENT_GP }, { "consenttosharewithgp", COL_CONSENT_GP },
  { "consentcontact", COL_CONSENT_CONTACT }, { "consentevaluation", COL_CONSENT_EVALUATION },
  { "incomeband", COL_INCOME_BAND }, { "income", COL_INCOME_BAND },
  { "travel", COL_TRAVEL }, { "travelpreference", COL_TRAVEL },
  { "msk", COL_MSK }, { "mskconditions", COL_MSK }, { "musculoskeletal", COL_MSK },
  { "mh", COL_MH }, { "mhconditions", COL_MH }, { "mentalhealth", COL_MH },
  { "notes", COL_NOTES }, { "comments", COL_NOTES },
};

static Column
column_for_header (const char *header)
{
  g_autoptr(GString) key = g_string_new (NULL);

  for (const char *p = header; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (key, g_ascii_tolower (*p));
  for (guint i = 0; i < G_N_ELEMENTS (header_names); i++)
    if (g_str_equal (header_names[i].header, key->str))
      return header_names[i].column;
  return COL_IGNORED;
}

/* 1961-03-25, 25/03/1961 or 25-03-1961: spreadsheets in the UK write day first. */
static char *
parse_date (const char *text)
{
  gint d, m, y;
  char sep1, sep2;

  if (sp_date_is_valid (text))
    return g_strdup (text);
  if (sscanf (text, "%2d%c%2d%c%4d", &d, &sep1, &m, &sep2, &y) == 5 &&
      (sep1 == '/' || sep1 == '-' || sep1 == '.') && sep1 == sep2 && y > 1000)
    {
      g_autofree char *iso = g_strdup_printf ("%04d-%02d-%02d", y, m, d);
      if (sp_date_is_valid (iso))
        return g_steal_pointer (&iso);
    }
  return NULL;
}

static gboolean
parse_yes_no (const char *text,
              gboolean   *value)
{
  g_autofree char *lower = g_ascii_strdown (text, -1);

  if (g_str_equal (lower, "yes") || g_str_equal (lower, "y") || g_str_equal (lower, "true") ||
      g_str_equal (lower, "1"))
    *value = TRUE;
  else if (g_str_equal (lower, "no") || g_str_equal (lower, "n") || g_str_equal (lower, "false") ||
           g_str_equal (lower, "0") || *lower == '\0')
    *value = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* A code or its English label, any case: "low_back_pain" or "Low back pain". */
static const char *
find_code (SpVocab     vocab,
           const char *text)
{
  guint n;
  const SpVocabEntry *entries = sp_vocab_entries (vocab, &n);
  g_autofree char *wanted = g_utf8_casefold (text, -1);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_utf8_casefold (entries[i].label, -1);
      if (g_ascii_strcasecmp (entries[i].code, text) == 0 || g_str_equal (label, wanted))
        return entries[i].code;
    }
  /* Spreadsheets say "female", "F", "Male"... */
  if (vocab == SP_VOCAB_SEX && (g_str_equal (wanted, "f") || g_str_equal (wanted, "m")))
    return g_str_equal (wanted, "f") ? "female" : "male";
  return NULL;
}

static gboolean
set_code (char       **field,
          SpVocab      vocab,
          const char  *text,
          GError     **error)
{
  const char *code = find_code (vocab, text);

  if (code == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not a known %s."), text, sp_vocab_name (vocab));
      return FALSE;
    }
  g_free (*field);
  *field = g_strdup (code);
  return TRUE;
}

static gboolean
row_to_patient (char       **row,
                const int   *columns,
                guint        n_columns,
                SpPatient   *patient,
                GPtrArray   *conditions,
                GError     **error)
{
  for (guint i = 0; i < n_columns && row[i] != NULL; i++)
    {
      g_autofree char *value = g_strstrip (g_strdup (row[i]));

      if (*value == '\0' || columns[i] == COL_IGNORED)
        continue;

      switch ((Column) columns[i])
        {
        case COL_NHS_NUMBER:
          patient->nhs_number = g_steal_pointer (&value);
          break;
        case COL_GIVEN_NAME:
          patient->given_name = g_steal_pointer (&value);
          break;
        case COL_FAMILY_NAME:
          patient->family_name = g_steal_pointer (&value);
          break;
        case COL_FULL_NAME:
          {
            /* "Smith, Jane" or "Jane Smith" */
            char *comma = strchr (value, ',');
            char *space = strrchr (value, ' ');
            if (comma != NULL)
              {
                *comma = '\0';
                patient->family_name = g_strstrip (g_strdup (value));
                patient->given_name = g_strstrip (g_strdup (comma + 1));
              }
            else if (space != NULL)
              {
                *space = '\0';
                patient->given_name = g_strstrip (g_strdup (value));
                patient->family_name = g_strdup (space + 1);
              }
            else
              patient->family_name = g_steal_pointer (&value);
            break;
          }
        case COL_DATE_OF_BIRTH:
          patient->date_of_birth = parse_date (value);
          if (patient->date_of_birth == NULL)
            {
              g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The date of birth “%s” is not a date. Write it as 25/03/1961 or 1961-03-25."), value);
              return FALSE;
            }
          break;
        case COL_SEX:
          if (!set_code (&patient->sex, SP_VOCAB_SEX, value, error))
            return FALSE;
          break;
        case COL_POSTCODE:
          patient->postcode = g_steal_pointer (&value);
          break;
        case COL_ADDRESS:
          patient->address = g_steal_pointer (&value);
          break;
        case COL_PHONE:
          patient->phone = g_steal_pointer (&value);
          break;
        case COL_EMAIL:
          patient->email = g_steal_pointer (&value);
          break;
        case COL_PREFERRED_CONTACT:
          if (!set_code (&patient->preferred_contact, SP_VOCAB_CONTACT, value, error))
            return FALSE;
          break;
        case COL_LANGUAGE:
          patient->language = g_steal_pointer (&value);
          break;
        case COL_INTERPRETER:
        case COL_CONSENT_GP:
        case COL_CONSENT_CONTACT:
        case COL_CONSENT_EVALUATION:
          {
            gboolean *flag = columns[i] == COL_INTERPRETER ? &patient->interpreter
                           : columns[i] == COL_CONSENT_GP ? &patient->consent_gp
                           : columns[i] == COL_CONSENT_CONTACT ? &patient->consent_contact
                           : &patient->consent_evaluation;
            if (!parse_yes_no (value, flag))
              {
                g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                             _("“%s” should be yes or no."), value);
                return FALSE;
              }
            break;
          }
        case COL_INCOME_BAND:
          if (!set_code (&patient->income_band, SP_VOCAB_INCOME_BAND, value, error))
            return FALSE;
          break;
        case COL_TRAVEL:
          if (!set_code (&patient->travel, SP_VOCAB_TRAVEL, value, error))
            return FALSE;
          break;
        case COL_MSK:
        case COL_MH:
          {
            g_auto(GStrv) parts = g_strsplit_set (value, ";|/", -1);
            gboolean msk = columns[i] == COL_MSK;

            for (guint k = 0; parts[k] != NULL; k++)
              {
                const char *code;
                SpCondition *condition;

                g_strstrip (parts[k]);
                if (*parts[k] == '\0')
                  continue;
                code = find_code (msk ? SP_VOCAB_MSK_CONDITION : SP_VOCAB_MH_CONDITION, parts[k]);
                if (code == NULL)
                  {
                    g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                                 _("“%s” is not a known %s."), parts[k],
                                 sp_vocab_name (msk ? SP_VOCAB_MSK_CONDITION : SP_VOCAB_MH_CONDITION));
                    return FALSE;
                  }
                condition = sp_condition_new ();
                condition->kind = g_strdup (msk ? "msk" : "mh");
                condition->code = g_strdup (code);
                g_ptr_array_add (conditions, condition);
              }
            break;
          }
        case COL_NOTES:
          patient->notes = g_steal_pointer (&value);
          break;
        case COL_IGNORED:
        case N_COLS:
        default:
          break;
        }
    }
  return TRUE;
}

static gboolean
import_row (SpStore    *store,
            char      **row,
            const int  *columns,
            guint       n_columns,
            GError    **error)
{
  g_autoptr(SpPatient) patient = sp_patient_new ();
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_condition_free);

  patient->consent_contact = TRUE;
  if (!row_to_patient (row, columns, n_columns, patient, conditions, error))
    return FALSE;

  /* Each row in its own savepoint: a rejected row leaves no trace. */
  if (!sp_store_begin (store, error))
    return FALSE;
  if (!sp_store_add_patient (store, patient, error))
    goto fail;
  for (guint i = 0; i < conditions->len; i++)
    {
      SpCondition *condition = conditions->pdata[i];
      condition->patient_id = g_strdup (patient->record.id);
      if (!sp_store_add_condition (store, condition, error))
        goto fail;
    }
  return sp_store_commit (store, error);

fail:
  sp_store_rollback (store);
  return FALSE;
}

static gboolean
is_storage_failure (const GError *error)
{
  return g_error_matches (error, SP_ERROR, SP_ERROR_DISK_FULL) ||
         g_error_matches (error, SP_ERROR, SP_ERROR_LOCKED) ||
         g_error_matches (error, SP_ERROR, SP_ERROR_READ_ONLY) ||
         g_error_matches (error, SP_ERROR, SP_ERROR_CORRUPT) ||
         g_error_matches (error, SP_ERROR, SP_ERROR_FAILED) ||
         g_error_matches (error, SP_ERROR, SP_ERROR_PERMISSION);
}

SpPatientImport *
sp_store_import_patients (SpStore     *store,
                          const char  *path,
                          gboolean     dry_run,
                          GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree int *columns = NULL;
  g_autoptr(GStrvBuilder) ignored = g_strv_builder_new ();
  g_autoptr(SpPatientImport) import = NULL;
  gboolean have[N_COLS] = { FALSE, };
  char **header;
  guint n_columns;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (sp_store_get_practice (store) == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("This desk has no practice set up yet, so patients cannot be imported. Set up the practice first."));
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  rows = sp_csv_parse (contents, length, lines, error);
  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The file is empty: it needs a header row and one row per patient."));
      return NULL;
    }

  header = rows->pdata[0];
  n_columns = g_strv_length (header);
  columns = g_new (int, n_columns);
  for (guint i = 0; i < n_columns; i++)
    {
      columns[i] = column_for_header (header[i]);
      if (columns[i] == COL_IGNORED)
        g_strv_builder_add (ignored, header[i]);
      else
        have[columns[i]] = TRUE;
    }

  if (!have[COL_NHS_NUMBER] ||
      !(have[COL_FULL_NAME] || (have[COL_GIVEN_NAME] && have[COL_FAMILY_NAME])))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The header row must name at least the NHS number and the patient’s name "
                             "(for example “NHS number”, “First name”, “Surname”). Nothing was imported."));
      return NULL;
    }

  import = g_new0 (SpPatientImport, 1);
  import->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  import->dry_run = dry_run;

  if (!sp_store_begin (store, error))
    return NULL;

  for (guint r = 1; r < rows->len; r++)
    {
      g_autoptr(GError) row_error = NULL;

      import->n_rows++;
      if (import_row (store, rows->pdata[r], columns, n_columns, &row_error))
        import->n_saved++;
      else if (is_storage_failure (row_error))
        {
          /* Not the row's fault: stop, keep nothing, say why. */
          sp_store_rollback (store);
          g_propagate_error (error, g_steal_pointer (&row_error));
          return NULL;
        }
      else
        {
          SpImportProblem *problem = g_new0 (SpImportProblem, 1);
          problem->line = g_array_index (lines, guint, r);
          problem->reason = g_strdup (row_error->message);
          g_ptr_array_add (import->problems, problem);
        }
    }

  if (dry_run)
    sp_store_rollback (store);
  else if (!sp_store_commit (store, error))
    return NULL;

  import->ignored_columns = g_strv_builder_end (ignored);
  return g_steal_pointer (&import);
}
