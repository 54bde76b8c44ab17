/* sp-cli-match.c — `match`: the offerings that fit a patient, best first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-match.h"
#include "sp-patients.h"

/* Matches shown unless --limit says otherwise. */
#define DEFAULT_MATCH_LIMIT 10

/* "Mon 10:00–11:00, Thu 10:00–11:00"; the note when there are no slots. */
static char *
schedule_summary (const SpOffering *offering)
{
  static const struct { const char *code; const char *abbrev; } days[] = {
    { "mon", NC_("weekday", "Mon") }, { "tue", NC_("weekday", "Tue") },
    { "wed", NC_("weekday", "Wed") }, { "thu", NC_("weekday", "Thu") },
    { "fri", NC_("weekday", "Fri") }, { "sat", NC_("weekday", "Sat") },
    { "sun", NC_("weekday", "Sun") },
  };
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *slots;

  if (offering->schedule != NULL && JSON_NODE_HOLDS_ARRAY (offering->schedule))
    {
      slots = json_node_get_array (offering->schedule);
      for (guint i = 0; i < json_array_get_length (slots); i++)
        {
          JsonNode *node = json_array_get_element (slots, i);
          JsonObject *slot;
          const char *day, *start, *end;
          const char *abbrev = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          slot = json_node_get_object (node);
          day = json_object_get_string_member_with_default (slot, "day", "");
          start = json_object_get_string_member_with_default (slot, "start", "");
          end = json_object_get_string_member_with_default (slot, "end", "");
          for (guint k = 0; k < G_N_ELEMENTS (days); k++)
            if (g_str_equal (days[k].code, day))
              abbrev = g_dpgettext2 (GETTEXT_PACKAGE, "weekday", days[k].abbrev);

          if (out->len > 0)
            g_string_append (out, ", ");
          g_string_append (out, abbrev != NULL ? abbrev : day);
          if (*start != '\0')
            g_string_append_printf (out, " %s%s%s", start, *end != '\0' ? "–" : "", end);
        }
    }

  if (out->len == 0)
    g_string_append (out, offering->schedule_note != NULL ? offering->schedule_note
                                                           : _("times by arrangement"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* @rank 0 for an excluded offering, which has none. */
static JsonNode *
match_node (const SpMatch *match,
            guint          rank)
{
  JsonObject *object = json_object_new ();
  JsonArray *reasons = json_array_new ();

  if (rank > 0)
    json_object_set_int_member (object, "rank", rank);
  json_object_set_int_member (object, "score", match->score);
  json_object_set_int_member (object, "patient_cost_pence", match->patient_cost_pence);
  if (isnan (match->distance_km))
    json_object_set_null_member (object, "distance_km");
  else
    json_object_set_double_member (object, "distance_km", match->distance_km);
  for (guint i = 0; match->reasons != NULL && i < match->reasons->len; i++)
    json_array_add_string_element (reasons, match->reasons->pdata[i]);
  json_object_set_array_member (object, "reasons", reasons);
  if (match->excluded_because != NULL)
    json_object_set_string_member (object, "excluded_because", match->excluded_because);
  else
    json_object_set_null_member (object, "excluded_because");
  json_object_set_object_member (object, "offering", sp_record_to_json (&sp_entity_offering, match->offering));
  return object_node (object);
}

static void
add_match_array (JsonBuilder *builder,
                 const char  *name,
                 GPtrArray   *matches,
                 guint        n_shown,
                 gboolean     ranked)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_shown; i++)
    json_builder_add_value (builder, match_node (matches->pdata[i], ranked ? i + 1 : 0));
  json_builder_end_array (builder);
}

static JsonNode *
match_result_node (const SpPatient     *patient,
                   const SpMatchResult *result,
                   guint                n_shown,
                   gboolean             with_excluded)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_member (builder, "patient", record_node (&sp_entity_patient, patient));
  add_int (builder, "suggested_step", result->suggested_step);
  add_string_or_null (builder, "step_note", result->step_note);
  add_int (builder, "total_matches", result->matches->len);
  add_int (builder, "total_excluded", result->excluded->len);
  add_match_array (builder, "matches", result->matches, n_shown, TRUE);
  if (with_excluded)
    add_match_array (builder, "excluded", result->excluded, result->excluded->len, FALSE);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void append_fact (GString    *facts,
                         const char *format,
                         ...) G_GNUC_PRINTF (2, 3);

/* Another fact on a line of them. */
static void
append_fact (GString    *facts,
             const char *format,
             ...)
{
  va_list args;

  g_string_append (facts, " · ");
  va_start (args, format);
  g_string_append_vprintf (facts, format, args);
  va_end (args);
}

static void
print_match (const SpMatch *match,
             guint          rank)
{
  const SpOffering *offering = match->offering;
  g_autoptr(GString) facts = g_string_new (NULL);
  g_autofree char *cost = money_per_session (match->patient_cost_pence);
  g_autofree char *schedule = schedule_summary (offering);
  g_autofree char *id = short_id (offering->record.id);

  g_print ("%2u. %s  [%s]\n", rank, offering->name, id);

  g_string_append_printf (facts, _("Score %d"), match->score);
  append_fact (facts, _("costs the patient %s"), cost);
  append_fact (facts, "%s, %s", sp_vocab_label (SP_VOCAB_MODALITY, offering->modality),
               sp_vocab_label (SP_VOCAB_FORMAT, offering->format));
  if (!isnan (match->distance_km))
    append_fact (facts, _("%.1f km away"), match->distance_km);
  g_print ("    %s\n", facts->str);

  g_string_assign (facts, schedule);
  if (offering->wait_weeks > 0)
    append_fact (facts, ngettext ("waiting time %d week", "waiting time %d weeks", (gulong) offering->wait_weeks),
                 (gint) offering->wait_weeks);
  else if (offering->wait_weeks == 0)
    append_fact (facts, "%s", _("no waiting time"));
  g_print ("    %s\n", facts->str);

  for (guint i = 0; match->reasons != NULL && i < match->reasons->len; i++)
    g_print ("      • %s\n", (const char *) match->reasons->pdata[i]);
}

static void
print_excluded (GPtrArray *excluded)
{
  g_autoptr(Table) table = table_new (3, 2);

  g_print ("\n%s\n", _("Excluded"));
  for (guint i = 0; i < excluded->len; i++)
    {
      SpMatch *match = excluded->pdata[i];
      g_autofree char *id = short_id (match->offering->record.id);
      table_add (table, id, match->offering->name, match->excluded_because);
    }
  table_print (table);
}

static void
print_match_result (const SpPatient     *patient,
                    const SpMatchResult *result,
                    guint                n_shown,
                    gboolean             with_excluded)
{
  g_autofree char *name = sp_patient_display_name (patient);
  g_autofree char *nhs = patient_nhs_number (patient);

  g_print (_("Offerings for %s (NHS number %s)\n"), name, nhs);
  g_print (ngettext ("%u offering fits", "%u offerings fit", result->matches->len), result->matches->len);
  g_print (ngettext ("; %u is excluded.\n", "; %u are excluded.\n", result->excluded->len), result->excluded->len);
  if (result->suggested_step > 0)
    {
      g_autofree char *step = g_strdup_printf ("%d", result->suggested_step);
      g_print (_("Suggested: %s.\n"), sp_vocab_label (SP_VOCAB_STEP, step));
    }
  if (result->step_note != NULL)
    g_print ("%s.\n", result->step_note);

  for (guint i = 0; i < n_shown; i++)
    {
      g_print ("\n");
      print_match (result->matches->pdata[i], i + 1);
    }

  if (n_shown < result->matches->len)
    {
      g_print ("\n");
      g_print (_("Showing the best %u of %u; --limit 0 shows them all.\n"), n_shown, result->matches->len);
    }

  if (with_excluded && result->excluded->len > 0)
    print_excluded (result->excluded);
  else if (!with_excluded && result->excluded->len > 0)
    {
      g_print ("\n");
      g_print (_("--all also lists the excluded offerings and why.\n"));
    }

  if (n_shown > 0)
    {
      g_autofree char *id = short_id (((SpMatch *) result->matches->pdata[0])->offering->record.id);
      g_print ("\n");
      g_print (_("To refer: signpost-cli refer %s %s\n"), patient->nhs_number, id);
    }
}

int
cmd_match (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  gboolean all = FALSE;
  int limit = DEFAULT_MATCH_LIMIT;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Also list the offerings that were excluded, and why"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Show the best N matches (default 10; 0 shows all)"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpMatchResult) result = NULL;
  g_autofree char *today = NULL;
  guint n_shown;

  if (!cli_parse (cli, entries, 1, 1))
    return cli->status;
  if (limit < 0)
    return cli_usage (cli, _("--limit must be 0 (no limit) or more."));
  if (!cli_open_store (cli))
    return cli->status;

  patient = find_patient (cli, cli_arg (cli, 0), &error);
  if (patient == NULL)
    return cli_fail (cli, error);
  today = sp_store_today (cli->store);
  result = sp_store_match_patient (cli->store, patient->record.id, today, &error);
  if (result == NULL)
    return cli_fail (cli, error);

  n_shown = limit == 0 ? result->matches->len : MIN ((guint) limit, result->matches->len);
  if (cli->json)
    return reply_json (match_result_node (patient, result, n_shown, all));
  print_match_result (patient, result, n_shown, all);
  return CLI_EXIT_OK;
}
