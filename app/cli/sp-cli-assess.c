/* sp-cli-assess.c — `assess`, and the scores and changes of outcome measures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-error.h"
#include "sp-patients.h"

/* ---- Scores -------------------------------------------------------------- */

gboolean
score_assessment (const SpAssessment   *assessment,
                  const SpMeasureInfo **info_out,
                  SpMeasureScore       *score)
{
  const SpMeasureInfo *info = sp_measure_lookup (assessment->measure);
  gint answers[SP_MEASURE_MAX_ITEMS];
  guint n_answers = 0;

  *info_out = info;
  return info != NULL && sp_assessment_answers (assessment, answers, &n_answers) &&
         sp_measure_score (info, answers, n_answers, score, NULL);
}

/* "11", "21.54 (raw 19)" for SWEMWBS, "7 / 6 / 5 / 3" for ONS4, or why none. */
char *
score_text (const SpMeasureInfo  *info,
            const SpMeasureScore *score)
{
  if (!score->complete)
    {
      guint missing = 0;

      for (guint i = 0; i < score->n_items; i++)
        missing += score->items[i] == SP_ANSWER_MISSING;
      return g_strdup_printf (ngettext ("no total (%u question unanswered)",
                                        "no total (%u questions unanswered)", missing),
                              missing);
    }
  if (!info->summed)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; i < score->n_items; i++)
        g_string_append_printf (out, "%s%d", i > 0 ? " / " : "", score->items[i]);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  if (info->id == SP_MEASURE_SWEMWBS)
    return g_strdup_printf (_("%.2f (raw %d)"), score->score, score->raw_total);
  return g_strdup_printf ("%d", score->raw_total);
}

/* The baseline a later measure is compared with: the same measure, taken no
 * later, preferring the same referral's; the latest of those. */
const SpAssessment *
find_baseline (GPtrArray          *assessments,
               const SpAssessment *assessment)
{
  const SpAssessment *best = NULL;
  gboolean best_same_referral = FALSE;

  for (guint i = 0; i < assessments->len; i++)
    {
      const SpAssessment *a = assessments->pdata[i];
      gboolean same_referral;

      if (g_strcmp0 (a->record.id, assessment->record.id) == 0 ||
          g_strcmp0 (a->measure, assessment->measure) != 0 ||
          g_strcmp0 (a->stage, "baseline") != 0 ||
          g_strcmp0 (a->taken_at, assessment->taken_at) > 0)
        continue;
      same_referral = assessment->referral_id != NULL &&
                      g_strcmp0 (a->referral_id, assessment->referral_id) == 0;
      if (best == NULL || (same_referral && !best_same_referral) ||
          (same_referral == best_same_referral && g_strcmp0 (a->taken_at, best->taken_at) > 0))
        {
          best = a;
          best_same_referral = same_referral;
        }
    }
  return best;
}

/* The assessment as stored, with its score and the change since baseline. */
JsonNode *
assessment_node (const SpAssessment *assessment,
                 const SpAssessment *baseline)
{
  JsonObject *object = sp_record_to_json (&sp_entity_assessment, assessment);
  const SpMeasureInfo *info;
  SpMeasureScore score;
  gboolean scored = score_assessment (assessment, &info, &score);

  if (scored)
    {
      json_object_set_boolean_member (object, "complete", score.complete);
      if (score.complete && info->summed)
        {
          json_object_set_int_member (object, "total", score.raw_total);
          json_object_set_double_member (object, "score", score.score);
        }
      else
        {
          json_object_set_null_member (object, "total");
          json_object_set_null_member (object, "score");
        }
      if (score.band != NULL)
        json_object_set_string_member (object, "band", score.band);
      else
        json_object_set_null_member (object, "band");
      json_object_set_boolean_member (object, "caseness", score.caseness);
    }

  if (baseline != NULL)
    {
      const SpMeasureInfo *base_info;
      SpMeasureScore base_score;

      if (scored && score_assessment (baseline, &base_info, &base_score))
        {
          SpChange change = sp_measure_compare (info, &base_score, &score);

          json_object_set_string_member (object, "baseline_id", baseline->record.id);
          json_object_set_string_member (object, "change", sp_change_to_code (change));
          json_object_set_string_member (object, "change_label", sp_change_to_string (change));
        }
    }
  return object_node (object);
}

/* "Reliable improvement", or NULL when there is nothing to compare. */
char *
change_text (const SpAssessment *assessment,
             const SpAssessment *baseline)
{
  const SpMeasureInfo *info, *base_info;
  SpMeasureScore score, base_score;

  if (baseline == NULL || !score_assessment (assessment, &info, &score) ||
      !score_assessment (baseline, &base_info, &base_score))
    return NULL;
  return g_strdup (sp_change_to_string (sp_measure_compare (info, &base_score, &score)));
}

/* ---- assess -------------------------------------------------------------- */

/* "1,2,-,0": a skipped item is "-" or nothing. */
static JsonNode *
parse_answers (const char  *text,
               GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint64 value;

      g_strstrip (parts[i]);
      if (*parts[i] == '\0' || g_str_equal (parts[i], "-"))
        {
          json_array_add_null_element (array);
          continue;
        }
      if (!g_ascii_string_to_signed (parts[i], 10, 0, 1000, &value, NULL))
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("Answer %u, “%s”, is not a number. Give each answer as a whole number, "
                         "or - for a question left unanswered, separated by commas."),
                       i + 1, parts[i]);
          return NULL;
        }
      json_array_add_int_element (array, value);
    }
  return json_node_init_array (json_node_alloc (), array);
}

/* The stages, then every measure --measure takes, with its questions. */
static void
help_measures (Cli *cli)
{
  GString *help;

  cli_help_codes (cli, SP_VOCAB_STAGE, SP_N_VOCABS);
  help = g_string_new (cli->codes_help);
  g_string_append_printf (help, "\n  %s:", _("measures"));
  for (guint i = 0; i < SP_N_MEASURES; i++)
    {
      const SpMeasureInfo *m = sp_measure_get ((SpMeasureId) i);
      g_string_append_printf (help, "\n    %-9s %s, %u %s", m->code, sp_measure_get_name (m), m->n_items,
                              ngettext ("question", "questions", m->n_items));
    }
  g_free (cli->codes_help);
  cli->codes_help = g_string_free (help, FALSE);
}

/* The referral named by --referral, which must be this patient's. Says
 * why when there is none. */
static SpReferral *
find_referral_for_patient (Cli             *cli,
                           const SpPatient *patient,
                           const char      *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = find_record (cli, &sp_entity_referral, text, &error);

  if (referral == NULL)
    {
      cli_fail (cli, error);
      return NULL;
    }
  if (g_strcmp0 (referral->patient_id, patient->record.id) != 0)
    {
      g_autofree char *offering = offering_label (cli, referral->offering_id);
      g_autofree char *other = patient_label (cli, referral->patient_id);

      cli_error (cli, _("That referral (to “%s”) is for %s, not this patient."), offering, other);
      return NULL;
    }
  return g_steal_pointer (&referral);
}

static void
print_change_since_baseline (const SpAssessment   *assessment,
                             const SpMeasureInfo  *info,
                             const SpMeasureScore *score,
                             const SpAssessment   *baseline)
{
  const SpMeasureInfo *base_info;
  SpMeasureScore base_score;
  g_autofree char *date = NULL;
  g_autofree char *base_total = NULL;

  if (baseline == NULL)
    {
      if (g_strcmp0 (assessment->stage, "baseline") != 0)
        g_print (_("There is no earlier baseline of this measure to compare with.\n"));
      return;
    }
  if (!score_assessment (baseline, &base_info, &base_score))
    return;
  date = date_only (baseline->taken_at);
  base_total = score_text (base_info, &base_score);
  g_print (_("Change since the baseline of %s (score %s): %s\n"), date, base_total,
           sp_change_to_string (sp_measure_compare (info, &base_score, score)));
}

int
cmd_assess (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *measure = NULL;
  g_autofree char *answers = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *referral_text = NULL;
  const GOptionEntry entries[] = {
    { "measure", 0, 0, G_OPTION_ARG_STRING, &measure, N_("Which questionnaire (required)"), N_("MEASURE") },
    { "answers", 0, 0, G_OPTION_ARG_STRING, &answers,
      N_("The answers in question order, separated by commas; - for one left unanswered (required)"), N_("LIST") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage, N_("When it was taken; baseline unless given"), N_("STAGE") },
    { "referral", 0, 0, G_OPTION_ARG_STRING, &referral_text,
      N_("The referral this measure belongs to"), N_("REFERRAL") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpAssessment) assessment = sp_assessment_new ();
  g_autoptr(GPtrArray) assessments = NULL;
  const SpAssessment *baseline = NULL;
  const SpMeasureInfo *info;
  SpMeasureScore score;
  g_autofree char *name = NULL;
  g_autofree char *total = NULL;

  help_measures (cli);
  if (!cli_parse (cli, entries, 1, 1))
    return cli->status;
  if (measure == NULL || answers == NULL)
    return cli_usage (cli, _("Give the measure with --measure and the answers with --answers."));
  if (!cli_open_store (cli))
    return cli->status;

  patient = find_patient (cli, cli_arg (cli, 0), &error);
  if (patient == NULL)
    return cli_fail (cli, error);
  if (referral_text != NULL && (referral = find_referral_for_patient (cli, patient, referral_text)) == NULL)
    return cli->status;

  assessment->patient_id = g_strdup (patient->record.id);
  assessment->referral_id = referral != NULL ? g_strdup (referral->record.id) : NULL;
  assessment->measure = g_ascii_strdown (measure, -1);
  assessment->stage = g_steal_pointer (&stage);
  assessment->answers = parse_answers (answers, &error);
  if (assessment->answers == NULL || !sp_store_add_assessment (cli->store, assessment, &error))
    return cli_fail (cli, error);

  assessments = sp_store_list_assessments (cli->store, patient->record.id, &error);
  if (assessments == NULL)
    return cli_fail (cli, error);
  baseline = find_baseline (assessments, assessment);

  if (cli->json)
    return reply_json (assessment_node (assessment, baseline));

  if (!score_assessment (assessment, &info, &score))
    return CLI_EXIT_OK;  /* the core accepted it, so this cannot happen */
  name = sp_patient_display_name (patient);
  total = score_text (info, &score);
  g_print (_("Recorded %s for %s.\n"), sp_measure_get_name (info), name);
  g_print (_("Stage: %s\n"), sp_vocab_label (SP_VOCAB_STAGE, assessment->stage));
  if (score.band != NULL)
    g_print (_("Score: %s, %s\n"), total, score.band);
  else
    g_print (_("Score: %s\n"), total);
  if (info->licence != NULL)
    g_print ("%s\n", _(info->licence));
  print_change_since_baseline (assessment, info, &score, baseline);
  return CLI_EXIT_OK;
}
