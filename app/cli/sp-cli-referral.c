/* sp-cli-referral.c — `refer` and `referral status | list | attend`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-patients.h"
#include "sp-referrals.h"

/* ---- What every referral command shows ----------------------------------- */

/* The referral as stored, with the names behind its ids. */
JsonNode *
referral_node (Cli              *cli,
               const SpReferral *referral)
{
  JsonObject *object = sp_record_to_json (&sp_entity_referral, referral);
  g_autofree char *offering = offering_label (cli, referral->offering_id);
  g_autofree char *patient = patient_label (cli, referral->patient_id);
  g_autofree char *funder = funder_label (cli, referral->funder_id);

  json_object_set_string_member (object, "offering_name", offering);
  json_object_set_string_member (object, "patient_name", patient);
  if (funder != NULL)
    json_object_set_string_member (object, "funder_name", funder);
  else
    json_object_set_null_member (object, "funder_name");
  return object_node (object);
}

/* "2 of 8" */
char *
referral_sessions_text (const SpReferral *referral)
{
  return g_strdup_printf (_("%" PRId64 " of %" PRId64),
                          referral->sessions_attended, referral->sessions_planned);
}

/* A status code or its label, any case: "accepted", "Did not attend". */
static const char *
status_code (const char *text)
{
  guint n;
  const SpVocabEntry *entries = sp_vocab_entries (SP_VOCAB_REFERRAL_STATUS, &n);

  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (entries[i].code, text) == 0 ||
        same_text (sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, entries[i].code), text))
      return entries[i].code;
  return text;
}

/* ---- refer --------------------------------------------------------------- */

static void
print_share (Cli              *cli,
             const SpReferral *referral)
{
  g_autofree char *patient_pays = money_per_session (referral->patient_share_pence);
  g_autofree char *funder_pays = money_per_session (referral->funder_share_pence);
  g_autofree char *fee = money_per_session (referral->fee_pence);
  g_autofree char *funder = funder_label (cli, referral->funder_id);
  g_autofree char *funder_line = NULL;
  g_autofree char *sessions = g_strdup_printf ("%" G_GINT64_FORMAT, referral->sessions_planned);
  g_autoptr(Table) table = table_new (2, 2);

  if (referral->funder_share_pence > 0 && funder != NULL)
    funder_line = g_strdup_printf (_("%s (%s)"), funder_pays, funder);
  else if (referral->funder_share_pence > 0)
    funder_line = g_strdup_printf (_("%s (waived by the provider)"), funder_pays);
  else
    funder_line = g_strdup (funder_pays);

  table_add (table, _("Patient pays"), patient_pays);
  table_add (table, _("Funder pays"), funder_line);
  table_add (table, _("Full fee"), fee);
  table_add (table, _("Sessions"), sessions);
  table_print (table);
}

int
cmd_refer (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *route = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *goals = NULL;
  gboolean draft = FALSE;
  const GOptionEntry entries[] = {
    { "route", 0, 0, G_OPTION_ARG_STRING, &route,
      N_("How the patient came to be referred; gp unless given"), N_("ROUTE") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why this referral"), N_("TEXT") },
    { "goals", 0, 0, G_OPTION_ARG_STRING, &goals, N_("What the patient hopes for"), N_("TEXT") },
    { "draft", 0, 0, G_OPTION_ARG_NONE, &draft, N_("Save as a draft, not yet sent"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpOffering) offering = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autofree char *name = NULL;

  cli_help_codes (cli, SP_VOCAB_ROUTE, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 2, 2))
    return cli->status;

  if ((patient = find_patient (cli, cli_arg (cli, 0), &error)) == NULL ||
      (offering = find_record (cli, &sp_entity_offering, cli_arg (cli, 1), &error)) == NULL)
    return cli_fail (cli, error);
  referral = sp_store_refer (cli->store, patient->record.id, offering->record.id, route, reason, goals, draft, &error);
  if (referral == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (referral_node (cli, referral));

  name = sp_patient_display_name (patient);
  if (draft)
    g_print (_("Drafted a referral of %s to “%s”.\n"), name, offering->name);
  else
    g_print (_("Referred %s to “%s”.\n"), name, offering->name);
  g_print (_("Referral id: %s\n"), referral->record.id);
  g_print (_("Co-payment per session, fixed now for this referral:\n"));
  print_share (cli, referral);
  return CLI_EXIT_OK;
}

/* ---- referral status ----------------------------------------------------- */

static void
print_next_statuses (const SpReferral *referral)
{
  const char * const *next = sp_referral_next_statuses (referral->status);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *id = short_id (referral->record.id);

  if (next[0] == NULL)
    {
      g_print (_("This status is final. A new episode needs a new referral.\n"));
      return;
    }
  for (guint i = 0; next[i] != NULL; i++)
    g_string_append_printf (out, "%s%s (%s)", i > 0 ? ", " : "", next[i], status_label (next[i]));
  g_print (_("It can become: %s\n"), out->str);
  g_print (_("To move it: signpost-cli referral status %s %s\n"), id, next[0]);
}

static JsonNode *
referral_status_node (Cli        *cli,
                      SpReferral *referral,
                      GPtrArray  *events)
{
  JsonObject *object = json_object_new ();
  JsonArray *next_array = json_array_new ();
  const char * const *next = sp_referral_next_statuses (referral->status);

  json_object_set_member (object, "referral", referral_node (cli, referral));
  json_object_set_member (object, "events", record_array_node (&sp_entity_referral_event, events));
  for (guint i = 0; next[i] != NULL; i++)
    json_array_add_string_element (next_array, next[i]);
  json_object_set_array_member (object, "next_statuses", next_array);
  return object_node (object);
}

/* Moves the referral on and loads it again as it now is. */
static gboolean
move_referral (Cli         *cli,
               SpReferral **referral,
               const char  *new_status,
               const char  *note,
               GError     **error)
{
  g_autofree char *from = g_strdup ((*referral)->status);
  g_autofree char *id = g_strdup ((*referral)->record.id);

  if (!sp_store_move_referral (cli->store, id, status_code (new_status), note, error))
    return FALSE;
  g_clear_pointer (referral, sp_referral_free);
  *referral = sp_store_get_referral (cli->store, id, error);
  if (*referral == NULL)
    return FALSE;
  if (!cli->json)
    g_print (_("The referral moved from %s to %s.\n"), status_label (from), status_label ((*referral)->status));
  return TRUE;
}

static void
print_referral (Cli              *cli,
                const SpReferral *referral)
{
  g_autofree char *patient = patient_label (cli, referral->patient_id);
  g_autofree char *offering = offering_label (cli, referral->offering_id);
  g_autoptr(Table) table = table_new (2, 2);
  g_autofree char *sessions = g_strdup_printf (_("%" PRId64 " of %" PRId64 " attended"),
                                               referral->sessions_attended, referral->sessions_planned);
  g_autofree char *pays = money_per_session (referral->patient_share_pence);

  g_print (_("Referral of %s to “%s”\n"), patient, offering);
  table_add (table, _("Status"), status_label (referral->status));
  table_add (table, _("Sessions"), sessions);
  table_add (table, _("Patient pays"), pays);
  table_add_detail (table, _("Outcome"), referral->outcome);
  table_add (table, _("Referral id"), referral->record.id);
  table_print (table);
}

static void
print_history (GPtrArray *events)
{
  g_autoptr(Table) table = table_new (4, 2);

  g_print ("\n%s\n", _("History"));
  for (guint i = 0; i < events->len; i++)
    {
      SpReferralEvent *event = events->pdata[i];
      g_autofree char *when = local_time (event->at);
      g_autofree char *move = event->from_status != NULL
        ? g_strdup_printf ("%s → %s", status_label (event->from_status), status_label (event->to_status))
        : g_strdup (status_label (event->to_status));
      g_autofree char *by = event->by != NULL ? g_strdup_printf (_("by %s"), event->by) : NULL;

      table_add (table, when, move, by, event->note);
    }
  table_print (table);
}

int
cmd_referral_status (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const GOptionEntry entries[] = {
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("A note kept with the change"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(GPtrArray) events = NULL;
  const char *new_status;

  cli_help_codes (cli, SP_VOCAB_REFERRAL_STATUS, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 1, 2))
    return cli->status;
  new_status = cli_arg (cli, 1);
  if (note != NULL && new_status == NULL)
    return cli_usage (cli, _("--note goes with a new status."));

  referral = find_record (cli, &sp_entity_referral, cli_arg (cli, 0), &error);
  if (referral == NULL ||
      (new_status != NULL && !move_referral (cli, &referral, new_status, note, &error)))
    return cli_fail (cli, error);
  events = sp_store_list_referral_events (cli->store, referral->record.id, &error);
  if (events == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (referral_status_node (cli, referral, events));

  if (new_status == NULL)
    {
      print_referral (cli, referral);
      print_history (events);
      g_print ("\n");
    }
  print_next_statuses (referral);
  return CLI_EXIT_OK;
}

/* ---- referral list ------------------------------------------------------- */

/* The name and NHS number of each patient, loaded once however many
 * referrals they have. */
typedef struct
{
  GHashTable *names;
  GHashTable *nhs_numbers;
} PatientNames;

static void
patient_names_clear (PatientNames *names)
{
  g_clear_pointer (&names->names, g_hash_table_unref);
  g_clear_pointer (&names->nhs_numbers, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PatientNames, patient_names_clear)

static void
patient_names_load (Cli          *cli,
                    PatientNames *names,
                    const char   *patient_id)
{
  g_autoptr(SpPatient) p = NULL;

  if (names->names == NULL)
    {
      names->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      names->nhs_numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }
  if (g_hash_table_contains (names->names, patient_id))
    return;
  p = sp_store_get_patient (cli->store, patient_id, NULL);
  g_hash_table_insert (names->names, g_strdup (patient_id), p != NULL ? sp_patient_display_name (p) : g_strdup (""));
  g_hash_table_insert (names->nhs_numbers, g_strdup (patient_id), p != NULL ? patient_nhs_number (p) : g_strdup (""));
}

/* --status: a code, a label, or "open"; NULL status for any. */
static gboolean
parse_status_filter (Cli         *cli,
                     const char  *text,
                     const char **status,
                     gboolean    *open_only)
{
  if (text == NULL)
    return TRUE;
  *open_only = g_ascii_strcasecmp (text, "open") == 0;
  *status = status_code (text);
  if (!*open_only && !sp_vocab_contains (SP_VOCAB_REFERRAL_STATUS, *status))
    {
      g_autofree char *codes = sp_vocab_codes (SP_VOCAB_REFERRAL_STATUS);
      cli_error (cli, _("“%s” is not a referral status. Use one of: %s, or open."), text, codes);
      return FALSE;
    }
  return TRUE;
}

int
cmd_referral_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *patient_text = NULL;
  g_autofree char *status_text = NULL;
  const GOptionEntry entries[] = {
    { "patient", 0, 0, G_OPTION_ARG_STRING, &patient_text, N_("Only this patient’s referrals"), N_("PATIENT") },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_text,
      N_("Only referrals with this status, or “open” for all still in play"), N_("STATUS") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_auto(PatientNames) names = { 0, };
  g_autoptr(Listing) listing = NULL;
  const char *status = NULL;
  gboolean open_only = FALSE;
  guint shown = 0;

  cli_help_codes (cli, SP_VOCAB_REFERRAL_STATUS, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 0, 0))
    return cli->status;
  if (!parse_status_filter (cli, status_text, &status, &open_only))
    return cli->status;
  if (patient_text != NULL && (patient = find_patient (cli, patient_text, &error)) == NULL)
    return cli_fail (cli, error);

  referrals = sp_store_list_referrals (cli->store, patient != NULL ? patient->record.id : NULL, &error);
  if (referrals == NULL)
    return cli_fail (cli, error);

  listing = listing_new (cli, 7);
  table_add (listing->table, _("ID"), _("Patient"), _("NHS number"), _("Offering"), _("Status"),
             _("Referred"), _("Sessions"));
  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];
      g_autofree char *id = NULL;
      g_autofree char *offering = NULL;
      g_autofree char *referred = NULL;
      g_autofree char *sessions = NULL;

      if (!in_my_practices (cli, r->record.practice))
        continue;
      if (open_only ? !sp_referral_status_is_open (r->status) : (status != NULL && g_strcmp0 (r->status, status) != 0))
        continue;
      shown++;

      if (listing->json != NULL)
        {
          json_builder_add_value (listing->json, referral_node (cli, r));
          continue;
        }

      patient_names_load (cli, &names, r->patient_id);
      id = short_id (r->record.id);
      offering = offering_label (cli, r->offering_id);
      referred = date_only (r->referred_at);
      sessions = referral_sessions_text (r);
      table_add (listing->table, id, g_hash_table_lookup (names.names, r->patient_id),
                 g_hash_table_lookup (names.nhs_numbers, r->patient_id), offering,
                 status_label (r->status), referred, sessions);
    }

  if (listing_print (listing, shown, _("No referrals found.\n")))
    g_print (ngettext ("%u referral.\n", "%u referrals.\n", shown), shown);
  return CLI_EXIT_OK;
}

/* ---- referral attend ----------------------------------------------------- */

int
cmd_referral_attend (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL;
  g_autofree char *note = NULL;
  gboolean missed = FALSE;
  const GOptionEntry entries[] = {
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, N_("The session’s date (default today)"), N_("YYYY-MM-DD") },
    { "missed", 0, 0, G_OPTION_ARG_NONE, &missed, N_("The patient did not come to this session"), NULL },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("A note about the session"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpReferral) updated = NULL;
  g_autofree char *patient = NULL;
  g_autofree char *offering = NULL;

  if (!cli_begin (cli, entries, 1, 1))
    return cli->status;

  referral = find_record (cli, &sp_entity_referral, cli_arg (cli, 0), &error);
  if (referral == NULL)
    return cli_fail (cli, error);
  if (date == NULL)
    date = sp_store_today (cli->store);
  if (!sp_store_record_attendance (cli->store, referral->record.id, date, !missed, note, &error) ||
      (updated = sp_store_get_referral (cli->store, referral->record.id, &error)) == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (referral_node (cli, updated));

  patient = patient_label (cli, updated->patient_id);
  offering = offering_label (cli, updated->offering_id);
  if (missed)
    g_print (_("Recorded that %s missed the session of %s at “%s”.\n"), patient, date, offering);
  else
    g_print (_("Recorded that %s attended the session of %s at “%s”.\n"), patient, date, offering);
  g_print (_("Sessions attended: %" PRId64 " of %" PRId64 ". Status: %s.\n"),
           updated->sessions_attended, updated->sessions_planned, status_label (updated->status));
  return CLI_EXIT_OK;
}
