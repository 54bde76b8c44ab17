/* sp-cli-patient.c — `patient add | list | show | import`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-patient-import.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-validate.h"

/* ---- Conditions ---------------------------------------------------------- */

/* "MSK+MH", "MSK", "MH" or "". */
static const char *
condition_badges (GPtrArray *conditions)
{
  gboolean msk = FALSE, mh = FALSE;

  for (guint i = 0; conditions != NULL && i < conditions->len; i++)
    {
      SpCondition *c = conditions->pdata[i];
      msk |= g_strcmp0 (c->kind, "msk") == 0;
      mh |= g_strcmp0 (c->kind, "mh") == 0;
    }
  if (msk && mh)
    return _("MSK+MH");
  if (msk)
    return _("MSK");
  if (mh)
    return _("MH");
  return "";
}

static const char *
condition_label (const SpCondition *condition)
{
  return sp_vocab_label (g_strcmp0 (condition->kind, "msk") == 0 ? SP_VOCAB_MSK_CONDITION
                                                                 : SP_VOCAB_MH_CONDITION,
                         condition->code);
}

static guint
count_open_referrals (GPtrArray *referrals)
{
  guint n = 0;

  for (guint i = 0; referrals != NULL && i < referrals->len; i++)
    if (sp_referral_status_is_open (((SpReferral *) referrals->pdata[i])->status))
      n++;
  return n;
}

/* ---- patient add --------------------------------------------------------- */

/* Splits repeated and comma-separated values: --msk a,b --msk c → a b c. */
static GStrv
split_list (char **values)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (values[i], ",", -1);

      for (guint k = 0; parts[k] != NULL; k++)
        {
          g_strstrip (parts[k]);
          if (*parts[k] != '\0')
            g_strv_builder_add (builder, parts[k]);
        }
    }
  return g_strv_builder_end (builder);
}

static gboolean
add_conditions (Cli        *cli,
                SpPatient  *patient,
                const char *kind,
                char      **codes,
                GPtrArray  *added,
                GError    **error)
{
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    {
      g_autoptr(SpCondition) condition = sp_condition_new ();

      condition->patient_id = g_strdup (patient->record.id);
      condition->kind = g_strdup (kind);
      condition->code = g_strdup (codes[i]);
      if (!sp_store_add_condition (cli->store, condition, error))
        return FALSE;
      g_ptr_array_add (added, g_steal_pointer (&condition));
    }
  return TRUE;
}

/* The patient and their conditions are saved together or not at all. */
static gboolean
save_patient (Cli        *cli,
              SpPatient  *patient,
              char      **msk_codes,
              char      **mh_codes,
              GPtrArray  *conditions,
              GError    **error)
{
  if (!sp_store_begin (cli->store, error))
    return FALSE;
  if (!sp_store_add_patient (cli->store, patient, error) ||
      !add_conditions (cli, patient, "msk", msk_codes, conditions, error) ||
      !add_conditions (cli, patient, "mh", mh_codes, conditions, error))
    {
      sp_store_rollback (cli->store);
      return FALSE;
    }
  return sp_store_commit (cli->store, error);
}

int
cmd_patient_add (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) patient = sp_patient_new ();
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_condition_free);
  g_autofree char *nhs_number = NULL;
  g_autofree char *given_name = NULL;
  g_autofree char *family_name = NULL;
  g_autofree char *dob = NULL;
  g_autofree char *sex = NULL;
  g_autofree char *postcode = NULL;
  g_autofree char *address = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *email = NULL;
  g_autofree char *contact = NULL;
  g_autofree char *income_band = NULL;
  g_autofree char *travel = NULL;
  g_autofree char *language = NULL;
  g_autofree char *max_cost = NULL;
  g_autofree char *notes = NULL;
  gboolean interpreter = FALSE;
  gboolean consent_gp = FALSE;
  gboolean consent_contact = FALSE;
  gboolean consent_evaluation = FALSE;
  g_auto(GStrv) msk = NULL;
  g_auto(GStrv) mh = NULL;
  g_auto(GStrv) access = NULL;
  g_auto(GStrv) precautions = NULL;
  g_auto(GStrv) formats = NULL;
  g_auto(GStrv) days = NULL;
  const GOptionEntry entries[] = {
    { "nhs-number", 0, 0, G_OPTION_ARG_STRING, &nhs_number, N_("NHS number, ten digits (required)"), N_("NUMBER") },
    { "given-name", 0, 0, G_OPTION_ARG_STRING, &given_name, N_("Given name (required)"), N_("NAME") },
    { "family-name", 0, 0, G_OPTION_ARG_STRING, &family_name, N_("Family name (required)"), N_("NAME") },
    { "dob", 0, 0, G_OPTION_ARG_STRING, &dob, N_("Date of birth"), N_("YYYY-MM-DD") },
    { "sex", 0, 0, G_OPTION_ARG_STRING, &sex, N_("Sex"), N_("SEX") },
    { "postcode", 0, 0, G_OPTION_ARG_STRING, &postcode, N_("Postcode"), N_("POSTCODE") },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, N_("Address"), N_("TEXT") },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &phone, N_("Phone number"), N_("PHONE") },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("Email address"), N_("EMAIL") },
    { "contact", 0, 0, G_OPTION_ARG_STRING, &contact, N_("Preferred contact"), N_("HOW") },
    { "income-band", 0, 0, G_OPTION_ARG_STRING, &income_band,
      N_("Income band, which sets the sliding-scale fee"), N_("BAND") },
    { "travel", 0, 0, G_OPTION_ARG_STRING, &travel,
      N_("How far the patient can travel"), N_("TRAVEL") },
    { "language", 0, 0, G_OPTION_ARG_STRING, &language, N_("Preferred language"), N_("LANGUAGE") },
    { "interpreter", 0, 0, G_OPTION_ARG_NONE, &interpreter, N_("Needs an interpreter"), NULL },
    { "consent-gp", 0, 0, G_OPTION_ARG_NONE, &consent_gp, N_("Agrees to share clinical details with the GP"), NULL },
    { "consent-contact", 0, 0, G_OPTION_ARG_NONE, &consent_contact, N_("Agrees to be contacted by providers"), NULL },
    { "consent-evaluation", 0, 0, G_OPTION_ARG_NONE, &consent_evaluation,
      N_("Agrees to be counted in anonymised evaluation"), NULL },
    { "max-cost", 0, 0, G_OPTION_ARG_STRING, &max_cost,
      N_("The most the patient can pay a session, e.g. 5.00"), N_("AMOUNT") },
    { "msk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &msk, N_("A musculoskeletal condition (repeatable)"), N_("CODE") },
    { "mh", 0, 0, G_OPTION_ARG_STRING_ARRAY, &mh, N_("A mental-health condition (repeatable)"), N_("CODE") },
    { "access", 0, 0, G_OPTION_ARG_STRING_ARRAY, &access, N_("An access need (repeatable)"), N_("CODE") },
    { "precaution", 0, 0, G_OPTION_ARG_STRING_ARRAY, &precautions,
      N_("A precaution that rules some offerings out (repeatable)"), N_("CODE") },
    { "format", 0, 0, G_OPTION_ARG_STRING_ARRAY, &formats, N_("A preferred format (repeatable)"), N_("FORMAT") },
    { "day", 0, 0, G_OPTION_ARG_STRING_ARRAY, &days, N_("A preferred day (repeatable)"), N_("DAY") },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &notes, N_("Notes"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GStrv) msk_codes = NULL;
  g_auto(GStrv) mh_codes = NULL;
  g_autofree char *name = NULL;
  g_autofree char *formatted = NULL;

  cli_help_codes (cli, SP_VOCAB_MSK_CONDITION, SP_VOCAB_MH_CONDITION, SP_VOCAB_SEX, SP_VOCAB_CONTACT,
                  SP_VOCAB_INCOME_BAND, SP_VOCAB_TRAVEL, SP_VOCAB_ACCESS, SP_VOCAB_PRECAUTION,
                  SP_VOCAB_FORMAT, SP_VOCAB_DAY, SP_N_VOCABS);
  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (nhs_number == NULL)
    return cli_usage (cli, _("Give the patient’s NHS number with --nhs-number."));
  if (given_name == NULL || family_name == NULL)
    return cli_usage (cli, _("Give the patient’s name with --given-name and --family-name."));
  if (!cli_open_store (cli))
    return cli->status;

  patient->nhs_number = g_steal_pointer (&nhs_number);
  patient->given_name = g_steal_pointer (&given_name);
  patient->family_name = g_steal_pointer (&family_name);
  patient->date_of_birth = g_steal_pointer (&dob);
  patient->sex = g_steal_pointer (&sex);
  patient->postcode = g_steal_pointer (&postcode);
  patient->address = g_steal_pointer (&address);
  patient->phone = g_steal_pointer (&phone);
  patient->email = g_steal_pointer (&email);
  patient->preferred_contact = g_steal_pointer (&contact);
  patient->income_band = g_steal_pointer (&income_band);
  patient->travel = g_steal_pointer (&travel);
  patient->language = g_steal_pointer (&language);
  patient->notes = g_steal_pointer (&notes);
  patient->interpreter = interpreter;
  patient->consent_gp = consent_gp;
  patient->consent_contact = consent_contact;
  patient->consent_evaluation = consent_evaluation;
  patient->access_needs = split_list (access);
  patient->precautions = split_list (precautions);
  patient->preferred_formats = split_list (formats);
  patient->preferred_days = split_list (days);
  if (max_cost != NULL && !sp_money_parse (max_cost, &patient->max_cost_pence, &error))
    return cli_fail (cli, error);
  msk_codes = split_list (msk);
  mh_codes = split_list (mh);

  if (!save_patient (cli, patient, msk_codes, mh_codes, conditions, &error))
    return cli_fail (cli, error);

  if (cli->json)
    {
      JsonObject *object = sp_record_to_json (&sp_entity_patient, patient);

      json_object_set_member (object, "conditions", record_array_node (&sp_entity_condition, conditions));
      return reply_json (object_node (object));
    }

  name = sp_patient_display_name (patient);
  formatted = patient_nhs_number (patient);
  g_print (_("Added %s, NHS number %s.\n"), name, formatted);
  g_print (_("Patient id: %s\n"), patient->record.id);
  return CLI_EXIT_OK;
}

/* ---- patient list -------------------------------------------------------- */

static JsonNode *
patient_summary_node (const SpPatient *patient,
                      GPtrArray       *conditions,
                      gint             age,
                      guint            n_open)
{
  JsonObject *object = sp_record_to_json (&sp_entity_patient, patient);
  JsonArray *msk = json_array_new ();
  JsonArray *mh = json_array_new ();

  for (guint k = 0; k < conditions->len; k++)
    {
      SpCondition *c = conditions->pdata[k];
      json_array_add_string_element (g_strcmp0 (c->kind, "msk") == 0 ? msk : mh, c->code);
    }
  if (age >= 0)
    json_object_set_int_member (object, "age", age);
  else
    json_object_set_null_member (object, "age");
  json_object_set_array_member (object, "msk", msk);
  json_object_set_array_member (object, "mh", mh);
  json_object_set_boolean_member (object, "comorbid", sp_conditions_are_comorbid (conditions));
  json_object_set_int_member (object, "open_referrals", n_open);
  return object_node (object);
}

int
cmd_patient_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *search = NULL;
  gboolean comorbid_only = FALSE;
  int limit = 0;
  const GOptionEntry entries[] = {
    { "search", 0, 0, G_OPTION_ARG_STRING, &search,
      N_("Only patients whose name, or NHS number, starts with TEXT"), N_("TEXT") },
    { "comorbid", 0, 0, G_OPTION_ARG_NONE, &comorbid_only,
      N_("Only patients with both a musculoskeletal and a mental-health condition"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Show at most N patients"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(Listing) listing = NULL;
  g_autofree char *today = NULL;
  guint shown = 0;

  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (limit < 0)
    return cli_usage (cli, _("--limit must be 0 (no limit) or more."));
  if (!cli_open_store (cli))
    return cli->status;

  patients = sp_store_search_patients (cli->store, search, 0, &error);
  if (patients == NULL)
    return cli_fail (cli, error);
  today = sp_store_today (cli->store);

  listing = listing_new (cli, 5);
  table_align_right (listing->table, 2);
  table_align_right (listing->table, 4);
  table_add (listing->table, _("NHS number"), _("Name"), _("Age"), _("Conditions"), _("Open referrals"));

  for (guint i = 0; i < patients->len && (limit == 0 || shown < (guint) limit); i++)
    {
      SpPatient *patient = patients->pdata[i];
      g_autoptr(GPtrArray) conditions = NULL;
      g_autoptr(GPtrArray) referrals = NULL;
      guint n_open;
      gint age;

      if (!in_my_practices (cli, patient->record.practice))
        continue;
      conditions = sp_store_list_conditions (cli->store, patient->record.id, &error);
      if (conditions == NULL)
        return cli_fail (cli, error);
      if (comorbid_only && !sp_conditions_are_comorbid (conditions))
        continue;
      referrals = sp_store_list_referrals (cli->store, patient->record.id, &error);
      if (referrals == NULL)
        return cli_fail (cli, error);
      n_open = count_open_referrals (referrals);
      age = sp_patient_age (patient, today);
      shown++;

      if (listing->json != NULL)
        json_builder_add_value (listing->json, patient_summary_node (patient, conditions, age, n_open));
      else
        {
          g_autofree char *nhs = patient_nhs_number (patient);
          g_autofree char *name = sp_patient_display_name (patient);
          g_autofree char *age_text = age >= 0 ? g_strdup_printf ("%d", age) : g_strdup ("");
          g_autofree char *open_text = g_strdup_printf ("%u", n_open);

          table_add (listing->table, nhs, name, age_text, condition_badges (conditions), open_text);
        }
    }

  if (listing_print (listing, shown, _("No patients found.\n")))
    g_print (ngettext ("%u patient.\n", "%u patients.\n", shown), shown);
  return CLI_EXIT_OK;
}

/* ---- patient show -------------------------------------------------------- */

/* Everything `patient show` prints, loaded before anything is printed. */
typedef struct
{
  SpPatient *patient;
  GPtrArray *conditions;
  GPtrArray *assessments;
  GPtrArray *referrals;
  SpBalance  balance;
} PatientRecord;

static void
patient_record_clear (PatientRecord *record)
{
  g_clear_pointer (&record->patient, sp_patient_free);
  g_clear_pointer (&record->conditions, g_ptr_array_unref);
  g_clear_pointer (&record->assessments, g_ptr_array_unref);
  g_clear_pointer (&record->referrals, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PatientRecord, patient_record_clear)

static gboolean
load_patient_record (Cli            *cli,
                     const char     *text,
                     PatientRecord  *record,
                     GError        **error)
{
  const char *id;

  record->patient = find_patient (cli, text, error);
  if (record->patient == NULL)
    return FALSE;
  id = record->patient->record.id;
  return (record->conditions = sp_store_list_conditions (cli->store, id, error)) != NULL &&
         (record->assessments = sp_store_list_assessments (cli->store, id, error)) != NULL &&
         (record->referrals = sp_store_list_referrals (cli->store, id, error)) != NULL &&
         sp_store_patient_balance (cli->store, id, &record->balance, error);
}

static JsonNode *
patient_record_node (Cli           *cli,
                     PatientRecord *record)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_member (builder, "patient", record_node (&sp_entity_patient, record->patient));
  add_member (builder, "conditions", record_array_node (&sp_entity_condition, record->conditions));
  json_builder_set_member_name (builder, "assessments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < record->assessments->len; i++)
    {
      SpAssessment *a = record->assessments->pdata[i];
      const SpAssessment *baseline = g_strcmp0 (a->stage, "baseline") != 0 ? find_baseline (record->assessments, a)
                                                                            : NULL;
      json_builder_add_value (builder, assessment_node (a, baseline));
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "referrals");
  json_builder_begin_array (builder);
  for (guint i = 0; i < record->referrals->len; i++)
    {
      SpReferral *r = record->referrals->pdata[i];
      JsonObject *object = sp_record_to_json (&sp_entity_referral, r);
      g_autofree char *offering = offering_label (cli, r->offering_id);

      json_object_set_string_member (object, "offering_name", offering);
      json_builder_add_value (builder, object_node (object));
    }
  json_builder_end_array (builder);
  add_balance (builder, "balance", &record->balance);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* One row a code, the label on the first only. */
static void
add_detail_codes (Table      *details,
                  const char *label,
                  SpVocab     vocab,
                  char      **codes)
{
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    table_add (details, i == 0 ? label : "", sp_vocab_label (vocab, codes[i]));
}

static void
print_patient_details (const SpPatient *patient,
                       const char      *today)
{
  g_autoptr(Table) details = table_new (2, 2);
  g_autofree char *nhs = patient_nhs_number (patient);
  g_autofree char *born = NULL;
  g_autofree char *max_cost = NULL;
  g_autofree char *consent = NULL;
  g_autofree char *language = NULL;
  gint age = sp_patient_age (patient, today);

  table_add (details, _("NHS number"), nhs);
  if (patient->date_of_birth != NULL)
    born = age >= 0 ? g_strdup_printf (_("%s (age %d)"), patient->date_of_birth, age)
                    : g_strdup (patient->date_of_birth);
  table_add_detail (details, _("Born"), born);
  table_add_detail (details, _("Sex"), sp_vocab_label (SP_VOCAB_SEX, patient->sex));
  table_add_detail (details, _("Address"), patient->address);
  table_add_detail (details, _("Postcode"), patient->postcode);
  table_add_detail (details, _("Phone"), patient->phone);
  table_add_detail (details, _("Email"), patient->email);
  table_add_detail (details, _("Preferred contact"), sp_vocab_label (SP_VOCAB_CONTACT, patient->preferred_contact));
  if (patient->language != NULL || patient->interpreter)
    language = patient->interpreter ? g_strdup_printf (_("%s, needs an interpreter"), or_empty (patient->language))
                                    : g_strdup (patient->language);
  table_add_detail (details, _("Language"), language);
  table_add (details, _("Income band"), sp_vocab_label (SP_VOCAB_INCOME_BAND, patient->income_band));
  table_add (details, _("Travel"), sp_vocab_label (SP_VOCAB_TRAVEL, patient->travel));
  if (patient->max_cost_pence != SP_UNSET)
    max_cost = money_per_session (patient->max_cost_pence);
  table_add_detail (details, _("Can pay up to"), max_cost);
  consent = g_strdup_printf (_("GP %s, contact %s, evaluation %s"), yes_no (patient->consent_gp),
                             yes_no (patient->consent_contact), yes_no (patient->consent_evaluation));
  table_add (details, _("Consent"), consent);
  add_detail_codes (details, _("Access needs"), SP_VOCAB_ACCESS, patient->access_needs);
  add_detail_codes (details, _("Precautions"), SP_VOCAB_PRECAUTION, patient->precautions);
  table_add_detail (details, _("Notes"), patient->notes);
  table_add (details, _("Patient id"), patient->record.id);
  table_print (details);
}

/* The heading, and @none when there are no items. Returns whether there
 * are items to print under it. */
static gboolean
print_section (const char *heading,
               guint       n_items,
               const char *none)
{
  g_print ("\n%s\n", heading);
  if (n_items == 0)
    g_print ("  %s\n", none);
  return n_items > 0;
}

static void
print_conditions (GPtrArray *conditions)
{
  g_autoptr(Table) table = table_new (3, 2);

  for (guint i = 0; i < conditions->len; i++)
    {
      SpCondition *c = conditions->pdata[i];
      g_autofree char *since = c->since != NULL ? g_strdup_printf (_("since %s"), c->since) : NULL;

      table_add (table, g_strcmp0 (c->kind, "msk") == 0 ? _("MSK") : _("MH"), condition_label (c), since);
    }
  table_print (table);
}

static void
print_measures (GPtrArray *assessments)
{
  g_autoptr(Table) table = table_new (6, 2);

  table_add (table, _("Date"), _("Measure"), _("Stage"), _("Score"), _("Band"), _("Change since baseline"));
  for (guint i = 0; i < assessments->len; i++)
    {
      SpAssessment *a = assessments->pdata[i];
      const SpMeasureInfo *info;
      SpMeasureScore score;
      g_autofree char *date = date_only (a->taken_at);
      g_autofree char *total = NULL;
      g_autofree char *change = NULL;

      if (!score_assessment (a, &info, &score))
        {
          table_add (table, date, a->measure, sp_vocab_label (SP_VOCAB_STAGE, a->stage),
                     _("cannot be scored"), NULL, NULL);
          continue;
        }
      total = score_text (info, &score);
      if (g_strcmp0 (a->stage, "baseline") != 0)
        change = change_text (a, find_baseline (assessments, a));
      table_add (table, date, sp_measure_get_name (info), sp_vocab_label (SP_VOCAB_STAGE, a->stage),
                 total, score.band, change);
    }
  table_print (table);
}

static void
print_referrals (Cli       *cli,
                 GPtrArray *referrals)
{
  g_autoptr(Table) table = table_new (6, 2);

  table_add (table, _("ID"), _("Offering"), _("Status"), _("Referred"), _("Sessions"), _("Patient pays"));
  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];
      g_autofree char *id = short_id (r->record.id);
      g_autofree char *offering = offering_label (cli, r->offering_id);
      g_autofree char *referred = date_only (r->referred_at);
      g_autofree char *sessions = referral_sessions_text (r);
      g_autofree char *pays = money_per_session (r->patient_share_pence);

      table_add (table, id, offering, status_label (r->status), referred, sessions, pays);
    }
  table_print (table);
}

int
cmd_patient_show (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_auto(PatientRecord) record = { 0, };
  g_autofree char *today = NULL;
  g_autofree char *name = NULL;
  SpPatient *patient;

  if (!cli_begin (cli, NULL, 1, 1))
    return cli->status;
  if (!load_patient_record (cli, cli_arg (cli, 0), &record, &error))
    return cli_fail (cli, error);
  patient = record.patient;

  /* Looking at a patient's record is itself recorded, before it is shown. */
  if (!sp_store_audit (cli->store, "patient", patient->record.id, patient->record.practice, "view", &error))
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (patient_record_node (cli, &record));

  today = sp_store_today (cli->store);
  name = sp_patient_display_name (patient);
  g_print ("%s\n", name);
  print_patient_details (patient, today);
  if (print_section (_("Conditions"), record.conditions->len, _("None recorded.")))
    print_conditions (record.conditions);
  if (print_section (_("Measures"), record.assessments->len, _("None recorded.")))
    print_measures (record.assessments);
  if (print_section (_("Referrals"), record.referrals->len, _("None yet.")))
    print_referrals (cli, record.referrals);
  g_print ("\n%s\n", _("Balance"));
  print_balance_table (&record.balance, 2);
  return CLI_EXIT_OK;
}

/* ---- patient import ------------------------------------------------------ */

static JsonNode *
import_node (const char            *path,
             const SpPatientImport *import)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_or_null (builder, "file", path);
  add_boolean (builder, "dry_run", import->dry_run);
  add_int (builder, "rows", import->n_rows);
  add_int (builder, "saved", import->n_saved);
  add_int (builder, "rejected", import->problems->len);
  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  for (guint i = 0; i < import->problems->len; i++)
    {
      SpImportProblem *problem = import->problems->pdata[i];

      json_builder_begin_object (builder);
      add_int (builder, "line", problem->line);
      add_string_or_null (builder, "reason", problem->reason);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "ignored_columns");
  json_builder_begin_array (builder);
  for (guint i = 0; import->ignored_columns != NULL && import->ignored_columns[i] != NULL; i++)
    json_builder_add_string_value (builder, import->ignored_columns[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

int
cmd_patient_import (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatientImport) import = NULL;
  gboolean dry_run = FALSE;
  const GOptionEntry entries[] = {
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Check every row and report, but save nothing"), NULL },
    G_OPTION_ENTRY_NULL
  };
  const char *path;
  guint n_rejected;

  if (!cli_begin (cli, entries, 1, 1))
    return cli->status;
  path = cli_arg (cli, 0);

  import = sp_store_import_patients (cli->store, path, dry_run, &error);
  if (import == NULL)
    return cli_fail (cli, error);
  if (cli->json)
    return reply_json (import_node (path, import));

  n_rejected = import->problems->len;
  g_print (ngettext ("%s: %u row read.\n", "%s: %u rows read.\n", import->n_rows), path, import->n_rows);
  if (dry_run)
    {
      g_print (_("Dry run: nothing was saved.\n"));
      g_print (ngettext ("%u row would be saved", "%u rows would be saved", import->n_saved), import->n_saved);
      g_print (ngettext (", %u would be rejected.\n", ", %u would be rejected.\n", n_rejected), n_rejected);
    }
  else
    {
      g_print (ngettext ("%u row saved", "%u rows saved", import->n_saved), import->n_saved);
      g_print (ngettext (", %u rejected.\n", ", %u rejected.\n", n_rejected), n_rejected);
    }

  if (n_rejected > 0)
    {
      g_print ("\n%s\n", dry_run ? _("Rows that would be rejected:")
                                 : _("Rejected rows (fix them and import just those again):"));
      for (guint i = 0; i < n_rejected; i++)
        {
          SpImportProblem *problem = import->problems->pdata[i];

          g_print ("  ");
          g_print (_("line %u: %s\n"), problem->line, problem->reason);
        }
    }

  if (import->ignored_columns != NULL && import->ignored_columns[0] != NULL)
    {
      g_autofree char *columns = g_strjoinv (", ", import->ignored_columns);
      g_print ("\n");
      g_print (_("Columns not used: %s\n"), columns);
    }
  return CLI_EXIT_OK;
}
