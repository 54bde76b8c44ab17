/* sp-patients.c — patients, their conditions and their measures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-patients"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-measure.h"
#include "sp-patients.h"
#include "sp-store-private.h"
#include "sp-validate.h"
#include "sp-vocab.h"

static gboolean
check_code (SpVocab      vocab,
            const char  *code,
            gboolean     optional,
            GError     **error)
{
  g_autofree char *allowed = NULL;

  if (code == NULL && optional)
    return TRUE;
  if (sp_vocab_contains (vocab, code))
    return TRUE;
  allowed = sp_vocab_codes (vocab);
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
               _("“%s” is not a known %s. Use one of: %s."),
               code ? code : "", sp_vocab_name (vocab), allowed);
  return FALSE;
}

static gboolean
check_codes (SpVocab      vocab,
             char       **codes,
             GError     **error)
{
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    if (!check_code (vocab, codes[i], FALSE, error))
      return FALSE;
  return TRUE;
}

static gboolean
is_blank (const char *s)
{
  if (s == NULL)
    return TRUE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* Checks and tidies a patient before it is saved: the NHS number becomes ten
 * digits, the postcode upper case with its space. Each error names the
 * field in words a receptionist would use. */
gboolean
sp_patient_validate (SpPatient  *patient,
                     GError    **error)
{
  g_autofree char *today = sp_today_utc ();
  char *normalized;

  g_return_val_if_fail (patient != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  normalized = sp_nhs_number_normalize (patient->nhs_number, error);
  if (normalized == NULL)
    return FALSE;
  g_free (patient->nhs_number);
  patient->nhs_number = normalized;

  if (is_blank (patient->given_name) || is_blank (patient->family_name))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("Enter the patient’s given name and family name."));
      return FALSE;
    }
  g_strstrip (patient->given_name);
  g_strstrip (patient->family_name);

  if (patient->date_of_birth != NULL)
    {
      if (!sp_date_check (patient->date_of_birth, _("date of birth"), error))
        return FALSE;
      if (strcmp (patient->date_of_birth, today) > 0 ||
          sp_age_on (patient->date_of_birth, today) > 125)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("The date of birth %s cannot be right: check the year."),
                       patient->date_of_birth);
          return FALSE;
        }
    }

  if (!is_blank (patient->postcode))
    {
      normalized = sp_postcode_normalize (patient->postcode, error);
      if (normalized == NULL)
        return FALSE;
      g_free (patient->postcode);
      patient->postcode = normalized;
    }
  else
    g_clear_pointer (&patient->postcode, g_free);

  if (patient->email != NULL && !is_blank (patient->email) &&
      (strchr (patient->email, '@') == NULL || strchr (patient->email, ' ') != NULL))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not an email address."), patient->email);
      return FALSE;
    }

  if (patient->max_cost_pence != SP_UNSET && patient->max_cost_pence < 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The most the patient can pay a session cannot be below £0.00."));
      return FALSE;
    }

  if (patient->income_band == NULL)
    patient->income_band = g_strdup ("unknown");
  if (patient->travel == NULL)
    patient->travel = g_strdup ("any");

  return check_code (SP_VOCAB_SEX, patient->sex, TRUE, error) &&
         check_code (SP_VOCAB_CONTACT, patient->preferred_contact, TRUE, error) &&
         check_code (SP_VOCAB_INCOME_BAND, patient->income_band, FALSE, error) &&
         check_code (SP_VOCAB_TRAVEL, patient->travel, FALSE, error) &&
         check_codes (SP_VOCAB_ACCESS, patient->access_needs, error) &&
         check_codes (SP_VOCAB_PRECAUTION, patient->precautions, error) &&
         check_codes (SP_VOCAB_FORMAT, patient->preferred_formats, error) &&
         check_codes (SP_VOCAB_DAY, patient->preferred_days, error);
}

char *
sp_patient_display_name (const SpPatient *patient)
{
  g_return_val_if_fail (patient != NULL, NULL);
  return g_strdup_printf ("%s %s", patient->given_name ? patient->given_name : "",
                          patient->family_name ? patient->family_name : "");
}

gint
sp_patient_age (const SpPatient *patient,
                const char      *on_date)
{
  g_autofree char *today = NULL;

  if (on_date == NULL)
    on_date = today = sp_today_utc ();
  return sp_age_on (patient->date_of_birth, on_date);
}

static SpPatient *
find_by_nhs_number (SpStore     *store,
                    const char  *practice,
                    const char  *nhs_number,
                    const char  *except_id)
{
  g_autofree char *sql = g_strconcat (sp_store_select_sql (&sp_entity_patient),
                                      "WHERE practice = ?1 AND nhs_number = ?2 AND deleted = 0 AND id <> ?3",
                                      NULL);
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, NULL);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, practice, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, nhs_number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, except_id ? except_id : "", -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return sp_store_record_from_stmt (&sp_entity_patient, stmt, 0);
}

static gboolean
save_patient (SpStore    *store,
              SpPatient  *patient,
              GError    **error)
{
  g_autoptr(SpPatient) existing = NULL;

  if (!sp_store_check_write (store, &sp_entity_patient, patient, error) ||
      !sp_patient_validate (patient, error))
    return FALSE;

  existing = find_by_nhs_number (store, patient->record.practice, patient->nhs_number,
                                 patient->record.id);
  if (existing != NULL)
    {
      g_autofree char *formatted = sp_nhs_number_format (patient->nhs_number);
      g_autofree char *name = sp_patient_display_name (existing);

      g_set_error (error, SP_ERROR, SP_ERROR_DUPLICATE,
                   _("A patient with NHS number %s is already recorded in this practice: %s, born %s. "
                     "Open that record instead of adding a new one."),
                   formatted, name, existing->date_of_birth ? existing->date_of_birth : _("date unknown"));
      return FALSE;
    }

  return sp_store_save (store, &sp_entity_patient, patient, error);
}

/* Adds a new patient to the store's current practice (or the one set). */
gboolean
sp_store_add_patient (SpStore    *store,
                      SpPatient  *patient,
                      GError    **error)
{
  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (patient != NULL, FALSE);

  if (patient->record.id == NULL)
    patient->record.id = sp_uuid_new ();
  if (patient->record.practice == NULL)
    patient->record.practice = g_strdup (sp_store_get_practice (store));
  return save_patient (store, patient, error);
}

gboolean
sp_store_update_patient (SpStore    *store,
                         SpPatient  *patient,
                         GError    **error)
{
  g_autoptr(SpPatient) current = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (patient != NULL, FALSE);

  current = sp_store_get_patient (store, patient->record.id, error);
  if (current == NULL)
    return FALSE;
  return save_patient (store, patient, error);
}

SpPatient *
sp_store_get_patient (SpStore     *store,
                      const char  *id,
                      GError     **error)
{
  return sp_store_load (store, &sp_entity_patient, id, error);
}

/* By id, or by NHS number in any of the user's practices: what a GP or a
 * link worker types at a prompt. */
SpPatient *
sp_store_find_patient (SpStore     *store,
                       const char  *id_or_nhs_number,
                       GError     **error)
{
  g_autofree char *digits = NULL;
  const char * const *practices;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  if (sp_uuid_is_valid (id_or_nhs_number))
    return sp_store_get_patient (store, id_or_nhs_number, error);

  digits = sp_nhs_number_normalize (id_or_nhs_number, error);
  if (digits == NULL)
    return NULL;

  practices = sp_store_get_practices (store);
  for (guint i = 0; practices != NULL && practices[i] != NULL; i++)
    {
      SpPatient *found = find_by_nhs_number (store, practices[i], digits, NULL);
      if (found != NULL)
        return found;
    }

  {
    g_autofree char *formatted = sp_nhs_number_format (digits);
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No patient with NHS number %s is recorded in your practices."), formatted);
  }
  return NULL;
}

static char *
practices_to_json (const char * const *practices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; practices != NULL && practices[i] != NULL; i++)
    json_builder_add_string_value (builder, practices[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Patients the way a caseload lists them: family name, given name (both
 * ignoring ASCII case, as COLLATE NOCASE does), then id. */
static gint
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const SpPatient *x = *(SpPatient * const *) a;
  const SpPatient *y = *(SpPatient * const *) b;
  gint c = g_ascii_strcasecmp (x->family_name ? x->family_name : "", y->family_name ? y->family_name : "");

  if (c == 0)
    c = g_ascii_strcasecmp (x->given_name ? x->given_name : "", y->given_name ? y->given_name : "");
  if (c == 0)
    c = g_strcmp0 (x->record.id, y->record.id);
  return c;
}

/* Runs one search statement and adds the patients not already found. */
static gboolean
collect_patients (SpStore     *store,
                  const char  *sql,
                  const char  *pattern,
                  const char  *given_pattern,
                  gint64       limit,
                  const char  *practices_json,
                  GPtrArray   *rows,
                  GHashTable  *seen,
                  GError     **error)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, given_pattern, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, limit);
  sqlite3_bind_text (stmt, 4, practices_json, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SpPatient *patient;

      if (g_hash_table_contains (seen, sqlite3_column_text (stmt, 0)))
        continue;
      patient = sp_store_record_from_stmt (&sp_entity_patient, stmt, 0);
      g_hash_table_add (seen, patient->record.id);
      g_ptr_array_add (rows, patient);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

static gint64
count_given_names (SpStore    *store,
                   const char *given_pattern)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store,
                                             "SELECT count(*) FROM patient WHERE given_name LIKE ?1 ESCAPE '\\'",
                                             NULL);

  if (stmt == NULL)
    return G_MAXINT64;
  sqlite3_bind_text (stmt, 1, given_pattern, -1, SQLITE_TRANSIENT);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : G_MAXINT64;
}

/* Below this many given names with the prefix, reading them all and sorting
 * beats walking the caseload in name order until enough are found. */
#define GIVEN_NAMES_READ_ALL 2000

/* Search as you type: digits search NHS numbers by prefix, anything else
 * searches family and given names by prefix, case-insensitively, and
 * "given family" ("margaret hol"). Each part is a range of a name index,
 * read in the caseload's order where that helps, and the parts are merged:
 * one OR over them all would visit every patient (150 ms a keystroke at
 * 100,000). */
GPtrArray *
sp_store_search_patients (SpStore     *store,
                          const char  *text,
                          guint        limit,
                          GError     **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autoptr(GString) pattern = g_string_new (NULL);
  g_autoptr(GString) given_pattern = g_string_new (NULL);
  g_autofree char *sql = NULL;
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gboolean numeric = TRUE;
  g_autofree char *practices_json = NULL;
  gint64 max_rows = limit > 0 ? limit : G_MAXINT64;
  int rc;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  practices_json = practices_to_json (sp_store_get_practices (store));

  for (const char *p = text ? text : ""; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p != ' ' && *p != '-')
        numeric = FALSE;
    }

  if (!(numeric && digits->len > 0))
    {
      /* LIKE with a prefix uses the NOCASE indexes; escape the wildcards a
       * user might type. */
      g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));
      const char *space = strchr (trimmed, ' ');
      const char *select_sql = sp_store_select_sql (&sp_entity_patient);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GString) rest = g_string_new (NULL);
      g_autofree char *family_sql = NULL;
      g_autofree char *given_sql = NULL;

      for (const char *q = trimmed; *q != '\0'; q++)
        {
          /* "margaret hol": the given name is "margaret" or begins
           * "margaret " (a given name of two words), the family name
           * begins "hol". */
          GString *parts[] = { pattern, space == NULL ? NULL : q < space ? given_pattern : q > space ? rest : NULL };

          for (guint k = 0; k < G_N_ELEMENTS (parts); k++)
            {
              if (parts[k] == NULL)
                continue;
              if (*q == '%' || *q == '_' || *q == '\\')
                g_string_append_c (parts[k], '\\');
              g_string_append_c (parts[k], *q);
            }
        }
      g_string_append_c (pattern, '%');

      /* INDEXED BY: without statistics the planner takes the practice
       * index, which holds every patient of a one-practice desk, and sorts
       * them all. */
      family_sql = g_strconcat (select_sql,
                                "INDEXED BY patient_family_name WHERE family_name LIKE ?1 ESCAPE '\\' AND deleted = 0 "
                                "AND practice IN (SELECT value FROM json_each (?4)) "
                                "ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE, id LIMIT ?3", NULL);
      rows = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
      if (!collect_patients (store, family_sql, pattern->str, NULL, max_rows, practices_json, rows, seen, error))
        return NULL;

      if (space != NULL)
        {
          /* The rest as a family name prefix after the exact given name;
           * then given names of two words. */
          g_autofree char *rest_sql = NULL;
          g_autofree char *two_word_sql = NULL;

          rest_sql = g_strconcat (select_sql,
                                  "INDEXED BY patient_family_name WHERE family_name LIKE ?2 ESCAPE '\\' "
                                  "AND (given_name || ' ' || family_name) LIKE ?1 ESCAPE '\\' AND deleted = 0 "
                                  "AND practice IN (SELECT value FROM json_each (?4)) "
                                  "ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE, id LIMIT ?3", NULL);
          two_word_sql = g_strconcat (select_sql,
                                      "INDEXED BY patient_given_name WHERE given_name LIKE ?2 ESCAPE '\\' "
                                      "AND (given_name || ' ' || family_name) LIKE ?1 ESCAPE '\\' AND deleted = 0 "
                                      "AND practice IN (SELECT value FROM json_each (?4)) "
                                      "ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE, id LIMIT ?3", NULL);
          g_string_append (given_pattern, " %");
          g_string_append_c (rest, '%');
          if (!collect_patients (store, rest_sql, pattern->str, rest->str, max_rows,
                                 practices_json, rows, seen, error) ||
              !collect_patients (store, two_word_sql, pattern->str, given_pattern->str, max_rows,
                                 practices_json, rows, seen, error))
            return NULL;
        }
      else
        {
          /* Few given names with the prefix: read them all and sort.
           * Many: walk the caseload in family-name order until enough are
           * found, which is soon. */
          gboolean read_all = limit == 0 || count_given_names (store, pattern->str) <= GIVEN_NAMES_READ_ALL;

          given_sql = g_strconcat (select_sql,
                                   read_all ? "INDEXED BY patient_given_name " : "INDEXED BY patient_family_name ",
                                   "WHERE given_name LIKE ?1 ESCAPE '\\' AND deleted = 0 "
                                   "AND practice IN (SELECT value FROM json_each (?4)) "
                                   "ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE, id LIMIT ?3", NULL);
          if (!collect_patients (store, given_sql, pattern->str, NULL, max_rows, practices_json, rows, seen, error))
            return NULL;
        }

      g_ptr_array_sort (rows, compare_by_name);
      if ((gint64) rows->len > max_rows)
        g_ptr_array_set_size (rows, (guint) max_rows);
      return g_steal_pointer (&rows);
    }

  sql = g_strconcat (sp_store_select_sql (&sp_entity_patient),
                     "WHERE nhs_number >= ?1 AND nhs_number < ?2 AND deleted = 0 "
                     "AND practice IN (SELECT value FROM json_each (?4)) "
                     "ORDER BY nhs_number LIMIT ?3", NULL);
  stmt = sp_store_prepare (store, sql, error);
  if (stmt == NULL)
    return NULL;

  {
    /* Prefix range on the ten-digit text: "943" → ["943", "944"). */
    g_autofree char *upper = g_strdup (digits->str);
    gsize last = strlen (upper) - 1;

    while (upper[last] == '9' && last > 0)
      upper[last--] = '\0';
    if (upper[last] == '9')
      upper = (g_free (upper), g_strdup (":"));
    else
      upper[last]++;
    sqlite3_bind_text (stmt, 1, digits->str, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 2, upper, -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_int64 (stmt, 3, max_rows);
  sqlite3_bind_text (stmt, 4, practices_json, -1, SQLITE_TRANSIENT);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, sp_store_record_from_stmt (&sp_entity_patient, stmt, 0));
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* ---- Conditions ----------------------------------------------------------- */

gboolean
sp_condition_validate (SpCondition  *condition,
                       GError      **error)
{
  g_return_val_if_fail (condition != NULL, FALSE);

  if (g_strcmp0 (condition->kind, "msk") == 0)
    {
      if (!check_code (SP_VOCAB_MSK_CONDITION, condition->code, FALSE, error))
        return FALSE;
    }
  else if (g_strcmp0 (condition->kind, "mh") == 0)
    {
      if (!check_code (SP_VOCAB_MH_CONDITION, condition->code, FALSE, error))
        return FALSE;
    }
  else
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("A condition is either musculoskeletal (msk) or mental health (mh), not “%s”."),
                   condition->kind ? condition->kind : "");
      return FALSE;
    }

  if (condition->since != NULL && !sp_date_check (condition->since, _("date the condition began"), error))
    return FALSE;
  return TRUE;
}

/* Conditions belong to the patient's practice; a code already recorded for
 * the patient is not recorded twice. */
gboolean
sp_store_add_condition (SpStore      *store,
                        SpCondition  *condition,
                        GError      **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) existing = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_condition_validate (condition, error))
    return FALSE;
  patient = sp_store_get_patient (store, condition->patient_id, error);
  if (patient == NULL)
    return FALSE;

  existing = sp_store_list_conditions (store, condition->patient_id, error);
  if (existing == NULL)
    return FALSE;
  for (guint i = 0; i < existing->len; i++)
    {
      SpCondition *c = existing->pdata[i];
      if (g_strcmp0 (c->code, condition->code) == 0 && g_strcmp0 (c->record.id, condition->record.id) != 0)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_DUPLICATE,
                       _("%s is already recorded for this patient."),
                       sp_vocab_label (g_str_equal (condition->kind, "msk") ? SP_VOCAB_MSK_CONDITION
                                                                            : SP_VOCAB_MH_CONDITION,
                                       condition->code));
          return FALSE;
        }
    }

  if (condition->record.id == NULL)
    condition->record.id = sp_uuid_new ();
  g_free (condition->record.practice);
  condition->record.practice = g_strdup (patient->record.practice);
  return sp_store_save (store, &sp_entity_condition, condition, error);
}

GPtrArray *
sp_store_list_conditions (SpStore     *store,
                          const char  *patient_id,
                          GError     **error)
{
  return sp_store_list (store, &sp_entity_condition,
                        "WHERE patient_id = ?1 AND deleted = 0 ORDER BY kind DESC, code",
                        patient_id, error);
}

/* Comorbid: at least one musculoskeletal and one mental-health condition. */
gboolean
sp_conditions_are_comorbid (GPtrArray *conditions)
{
  gboolean msk = FALSE, mh = FALSE;

  for (guint i = 0; conditions != NULL && i < conditions->len; i++)
    {
      SpCondition *c = conditions->pdata[i];
      if (c->record.deleted)
        continue;
      msk |= g_strcmp0 (c->kind, "msk") == 0;
      mh |= g_strcmp0 (c->kind, "mh") == 0;
    }
  return msk && mh;
}

gboolean
sp_store_patient_is_comorbid (SpStore    *store,
                              const char *patient_id)
{
  g_autoptr(GPtrArray) conditions = sp_store_list_conditions (store, patient_id, NULL);

  return sp_conditions_are_comorbid (conditions);
}

/* ---- Assessments ------------------------------------------------------------ */

/* Answers as ints, SP_ANSWER_MISSING for a skipped item. */
gboolean
sp_assessment_answers (const SpAssessment *assessment,
                       gint               *answers,
                       guint              *n_answers)
{
  JsonArray *array;
  guint n;

  if (assessment->answers == NULL || !JSON_NODE_HOLDS_ARRAY (assessment->answers))
    return FALSE;
  array = json_node_get_array (assessment->answers);
  n = json_array_get_length (array);
  if (n > SP_MEASURE_MAX_ITEMS)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_NULL (e))
        answers[i] = SP_ANSWER_MISSING;
      else if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_INT64)
        answers[i] = (gint) CLAMP (json_node_get_int (e), G_MININT, G_MAXINT);
      else
        return FALSE;
    }
  *n_answers = n;
  return TRUE;
}

gboolean
sp_store_add_assessment (SpStore       *store,
                         SpAssessment  *assessment,
                         GError       **error)
{
  g_autoptr(SpPatient) patient = NULL;
  const SpMeasureInfo *info;
  gint answers[SP_MEASURE_MAX_ITEMS];
  guint n_answers = 0;
  SpMeasureScore score;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  info = sp_measure_lookup (assessment->measure);
  if (info == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not a measure Signpost knows. Use one of: phq9, gad7, mskhq, swemwbs, ons4, pain_nrs."),
                   assessment->measure ? assessment->measure : "");
      return FALSE;
    }
  if (!sp_assessment_answers (assessment, answers, &n_answers))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("The answers to %s must be a list of whole numbers, one for each question."),
                   sp_measure_get_name (info));
      return FALSE;
    }
  /* Only null means "not answered"; a negative number is a wrong answer. */
  for (guint i = 0; i < n_answers; i++)
    if (answers[i] < 0 && !JSON_NODE_HOLDS_NULL (json_array_get_element (json_node_get_array (assessment->answers), i)))
      {
        g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                     _("The answer to question %u of %s is %d, but it must be between %d and %d, or left unanswered."),
                     i + 1, sp_measure_get_name (info), answers[i], info->item_min, info->item_max);
        return FALSE;
      }
  if (!sp_measure_score (info, answers, n_answers, &score, error))
    return FALSE;

  if (assessment->stage == NULL)
    assessment->stage = g_strdup ("baseline");
  if (!check_code (SP_VOCAB_STAGE, assessment->stage, FALSE, error))
    return FALSE;
  if (assessment->taken_at == NULL)
    assessment->taken_at = sp_store_now (store);

  patient = sp_store_get_patient (store, assessment->patient_id, error);
  if (patient == NULL)
    return FALSE;
  if (assessment->referral_id != NULL)
    {
      gpointer referral = sp_store_load (store, &sp_entity_referral, assessment->referral_id, error);
      if (referral == NULL)
        return FALSE;
      sp_record_free (&sp_entity_referral, referral);
    }

  if (assessment->record.id == NULL)
    assessment->record.id = sp_uuid_new ();
  g_free (assessment->record.practice);
  assessment->record.practice = g_strdup (patient->record.practice);
  return sp_store_save (store, &sp_entity_assessment, assessment, error);
}

GPtrArray *
sp_store_list_assessments (SpStore     *store,
                           const char  *patient_id,
                           GError     **error)
{
  return sp_store_list (store, &sp_entity_assessment,
                        "WHERE patient_id = ?1 AND deleted = 0 ORDER BY measure, taken_at, id",
                        patient_id, error);
}
