/* sp-cli-report.c — `report activity | outcomes | experience | money` and `letter`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-letter.h"
#include "sp-report-pdf.h"
#include "sp-report.h"

/* ---- report -------------------------------------------------------------- */

static gboolean
cell_is_numeric (const SpReportCell *cell)
{
  return cell->kind != SP_CELL_TEXT && cell->kind != SP_CELL_EMPTY;
}

static void
pad (GString *out,
     guint    n)
{
  for (guint i = 0; i < n; i++)
    g_string_append_c (out, ' ');
}

/* The table as aligned text: numbers to the right, a rule above totals. */
static void
print_table (const SpReportTable *table)
{
  guint n = g_strv_length (table->headers);
  g_autofree guint *widths = g_new0 (guint, n);
  g_autofree gboolean *right = g_new0 (gboolean, n);
  g_autoptr(GString) out = g_string_new (NULL);
  guint total_width = 0;

  for (guint k = 0; k < n; k++)
    {
      widths[k] = text_width (table->headers[k]);
      for (guint i = 0; i < table->rows->len; i++)
        {
          const SpReportRow *row = table->rows->pdata[i];
          const SpReportCell *cell = row->cells->pdata[k];

          widths[k] = MAX (widths[k], text_width (cell->display));
          right[k] |= cell_is_numeric (cell);
        }
      total_width += widths[k] + (k > 0 ? 2 : 0);
    }

  g_string_append_printf (out, "%s\n", table->title);
  for (guint r = 0; r <= table->rows->len; r++)
    {
      const SpReportRow *row = r > 0 ? table->rows->pdata[r - 1] : NULL;

      if (row != NULL && row->is_total)
        {
          for (guint i = 0; i < total_width; i++)
            g_string_append (out, "─");
          g_string_append_c (out, '\n');
        }
      for (guint k = 0; k < n; k++)
        {
          const char *text = row != NULL ? ((const SpReportCell *) row->cells->pdata[k])->display
                                         : table->headers[k];
          guint fill = widths[k] - text_width (text);

          if (k > 0)
            g_string_append (out, "  ");
          if (right[k])
            pad (out, fill);
          g_string_append (out, text);
          if (!right[k] && k + 1 < n)
            pad (out, fill);
        }
      g_string_append_c (out, '\n');
      if (row == NULL)
        {
          for (guint i = 0; i < total_width; i++)
            g_string_append (out, "─");
          g_string_append_c (out, '\n');
        }
    }
  for (guint i = 0; i < table->notes->len; i++)
    g_string_append_printf (out, "%s\n", (const char *) table->notes->pdata[i]);
  fputs (out->str, stdout);
}

static void
print_document (const SpReportDocument *document)
{
  g_autofree char *filters = NULL;

  filters = document->filters[0] != NULL ? g_strjoinv ("; ", document->filters) : g_strdup (_("none"));
  g_print (_("%s report\n"), document->title);
  g_print (_("Period: %s\n"), document->period);
  g_print (_("Filters: %s\n"), filters);
  g_print (_("Made: %s\n"), document->made_at);
  for (guint i = 0; i < document->notes->len; i++)
    g_print ("%s\n", (const char *) document->notes->pdata[i]);
  for (guint i = 0; i < document->tables->len; i++)
    {
      g_print ("\n");
      print_table (document->tables->pdata[i]);
    }
}

int
cmd_report (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReportFilter) filter = sp_report_filter_new ();
  g_autoptr(SpReportDocument) document = NULL;
  g_autofree char *offering = NULL;
  g_autofree char *funder = NULL;
  g_autofree char *pdf = NULL;
  gboolean csv = FALSE;
  gboolean suppress = FALSE;
  SpReportKind kind;
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &filter->from, N_("First day, by the date referred"), N_("YYYY-MM-DD") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &filter->to, N_("Last day, included"), N_("YYYY-MM-DD") },
    { "practice", 0, 0, G_OPTION_ARG_STRING_ARRAY, &filter->practices,
      N_("Only this practice; repeat for more (default: all you are granted)"), N_("ODS") },
    { "modality", 0, 0, G_OPTION_ARG_STRING, &filter->modality, N_("Only this modality"), N_("MODALITY") },
    { "offering", 0, 0, G_OPTION_ARG_STRING, &offering, N_("Only this offering (id or name)"), N_("OFFERING") },
    { "funder", 0, 0, G_OPTION_ARG_STRING, &funder, N_("Only referrals this funder pays for"), N_("FUNDER") },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print CSV for a spreadsheet"), NULL },
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &pdf, N_("Save the report as a PDF"), N_("FILE") },
    { "suppress", 0, 0, G_OPTION_ARG_NONE, &suppress,
      N_("For sharing outside the practice: withhold small numbers, count only patients who agreed"), NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!sp_report_kind_from_code (cli->command->name, &kind))
    g_assert_not_reached ();
  cli_help_codes (cli, SP_VOCAB_MODALITY, SP_N_VOCABS);
  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (csv && cli->json)
    return cli_usage (cli, _("Choose --csv or --json, not both."));
  if (!cli_open_store (cli))
    return cli->status;

  if (offering != NULL)
    {
      g_autoptr(SpOffering) record = find_record (cli, &sp_entity_offering, offering, &error);
      if (record == NULL)
        return cli_fail (cli, error);
      filter->offering_id = g_strdup (record->record.id);
    }
  if (funder != NULL)
    {
      g_autoptr(SpFunder) record = find_record (cli, &sp_entity_funder, funder, &error);
      if (record == NULL)
        return cli_fail (cli, error);
      filter->funder_id = g_strdup (record->record.id);
    }
  filter->consented_only = suppress;

  document = sp_store_report_document (cli->store, kind, filter,
                                       suppress ? SP_REPORT_FLAGS_SUPPRESS : SP_REPORT_FLAGS_NONE, &error);
  if (document == NULL)
    return cli_fail (cli, error);

  if (pdf != NULL && !sp_report_document_write_pdf (document, pdf, &error))
    return cli_fail (cli, error);

  if (csv)
    {
      gsize length;
      g_autofree char *text = sp_report_document_to_csv (document, &length);

      fwrite (text, 1, length, stdout);
    }
  else if (cli->json)
    reply_json (sp_report_document_to_json (document));
  else if (pdf == NULL)
    print_document (document);

  if (pdf != NULL)
    {
      /* Keep stdout for the CSV or JSON a script may be reading. */
      if (csv || cli->json)
        g_printerr (_("Saved the report as %s.\n"), pdf);
      else
        g_print (_("Saved the report as %s.\n"), pdf);
    }
  return CLI_EXIT_OK;
}

/* ---- letter -------------------------------------------------------------- */

static JsonNode *
letter_node (const SpLetter *letter,
             const char     *text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) sections = sp_letter_sections (letter);

  json_builder_begin_object (builder);
  add_string_or_null (builder, "referral_id", letter->referral_id);
  add_string_or_null (builder, "kind", letter->kind == SP_LETTER_COMPLETION ? "completion" : "referral");
  add_boolean (builder, "consent", letter->consent);
  add_string_or_null (builder, "date", letter->date);
  add_string_or_null (builder, "title", letter->title);
  add_boolean (builder, "safety_concern", letter->safety_concern);
  json_builder_set_member_name (builder, "codes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < letter->codes->len; i++)
    {
      const SpLetterCode *code = letter->codes->pdata[i];

      json_builder_begin_object (builder);
      add_string_or_null (builder, "code", code->code);
      add_string_or_null (builder, "term", code->term);
      add_string_or_null (builder, "value", code->value);
      add_string_or_null (builder, "date", code->date);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "sections");
  json_builder_begin_array (builder);
  for (guint i = 0; i < sections->len; i++)
    {
      const SpLetterSection *section = sections->pdata[i];

      json_builder_begin_object (builder);
      add_string_or_null (builder, "heading", section->heading);
      json_builder_set_member_name (builder, "lines");
      json_builder_begin_array (builder);
      for (guint k = 0; k < section->lines->len; k++)
        {
          const SpLetterLine *line = section->lines->pdata[k];

          json_builder_begin_object (builder);
          add_string_or_null (builder, "label", line->label);
          add_string_or_null (builder, "text", line->text);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  add_string_or_null (builder, "text", text);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

int
cmd_letter (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpLetter) letter = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *signed_by = NULL;
  g_autofree char *text = NULL;
  gboolean as_text = FALSE;
  gboolean completion = FALSE;
  gboolean mark_sent = FALSE;
  SpLetterKind kind;
  const GOptionEntry entries[] = {
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &pdf, N_("Save the letter as a PDF"), N_("FILE") },
    { "text", 0, 0, G_OPTION_ARG_NONE, &as_text, N_("Print the plain-text copy for the GP record (the default)"),
      NULL },
    { "completion", 0, 0, G_OPTION_ARG_NONE, &completion,
      N_("The letter after the referral ended, not the one after referral"), NULL },
    { "mark-sent", 0, 0, G_OPTION_ARG_NONE, &mark_sent, N_("Record on the referral that the letter was sent"),
      NULL },
    { "signed-by", 0, 0, G_OPTION_ARG_STRING, &signed_by, N_("The link worker’s name to sign with"), N_("NAME") },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse (cli, entries, 1, 1))
    return cli->status;
  if (pdf != NULL && as_text)
    return cli_usage (cli, _("Choose --pdf or --text, not both."));
  if (!cli_open_store (cli))
    return cli->status;

  referral = find_record (cli, &sp_entity_referral, cli_arg (cli, 0), &error);
  if (referral == NULL)
    return cli_fail (cli, error);
  kind = completion ? SP_LETTER_COMPLETION : SP_LETTER_REFERRAL;
  letter = sp_store_letter (cli->store, referral->record.id, kind, &error);
  if (letter == NULL)
    return cli_fail (cli, error);
  if (signed_by != NULL)
    {
      g_free (letter->link_worker);
      letter->link_worker = g_strdup (signed_by);
    }

  /* The letter carries patient data out of Signpost: the audit trail says so. */
  if (pdf != NULL)
    {
      if (!sp_letter_write_pdf (letter, pdf, &error) ||
          !sp_store_audit (cli->store, "referral", referral->record.id, referral->record.practice, "export", &error))
        return cli_fail (cli, error);
    }
  else
    {
      text = sp_letter_to_text (letter);
      if (!sp_store_audit (cli->store, "referral", referral->record.id, referral->record.practice, "view", &error))
        return cli_fail (cli, error);
    }

  if (mark_sent && !sp_store_mark_letter_sent (cli->store, referral->record.id, kind, &error))
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (letter_node (letter, text));
  if (text != NULL)
    fputs (text, stdout);
  else
    g_print (_("Saved the letter as %s.\n"), pdf);
  if (mark_sent)
    g_printerr (_("Recorded that the letter was sent.\n"));
  return CLI_EXIT_OK;
}
