/* sp-report-document.c — reports as tables and charts, CSV and JSON
 *
 * A report's figures become one SpReportDocument: titled tables whose cells
 * keep both the raw value and the words a person reads, and the data of its
 * charts. CSV, JSON, the PDF and the Reports view all read the same
 * document, so they cannot disagree.
 *
 * Small numbers. With SP_REPORT_FLAGS_SUPPRESS (exports that leave the
 * practice) a count from 1 to 4 shows as "<5". Anything that would give
 * such a count away shows as "[c]" (the Government Statistical Service's
 * symbol for a value withheld to protect confidentiality): a rate, mean,
 * median or interval worked out from it, a per-person amount over 1–4
 * people, and, where a breakdown adds up to a total shown beside it and only
 * one part was withheld, the next smallest part too, so the hidden one
 * cannot be found by subtraction. Zero is shown: it identifies no one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-report"

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-csv-writer.h"
#include "sp-entity.h"
#include "sp-report.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* What a person reads for "nothing to show". */
#define NONE_DISPLAY "—"

/* ---- Cells --------------------------------------------------------------- */

static void
cell_free (SpReportCell *cell)
{
  g_free (cell->text);
  g_free (cell->display);
  g_free (cell);
}

static SpReportCell *
cell_new (SpCellKind kind)
{
  SpReportCell *cell = g_new0 (SpReportCell, 1);

  cell->kind = kind;
  cell->number = NAN;
  return cell;
}

/* Rounds half away from zero at @places decimals. The nudge keeps a value
 * such as 2.675, stored as 2.67499…, rounding as it would by hand. */
static gdouble
round_places (gdouble value,
              guint   places)
{
  gdouble scale = pow (10, places);
  gdouble r = floor (fabs (value) * scale + 0.5 + 1e-7) / scale;

  return value < 0 ? -r : r;
}

static char *
format_fixed (gdouble     value,
              guint       places,
              const char *minus)
{
  gdouble r = round_places (value, places);
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *format = g_strdup_printf ("%%.%uf", places);

  g_ascii_formatd (buffer, sizeof buffer, format, fabs (r));
  return g_strconcat (r < 0 ? minus : "", buffer, NULL);
}

static SpReportCell *
cell_text (const char *text)
{
  SpReportCell *cell = cell_new (SP_CELL_TEXT);

  cell->text = g_strdup (text);
  cell->display = g_strdup (text != NULL ? text : "");
  return cell;
}

/* An empty cell: nothing belongs here. */
static SpReportCell *
cell_empty (void)
{
  SpReportCell *cell = cell_new (SP_CELL_EMPTY);

  cell->display = g_strdup ("");
  return cell;
}

static SpReportCell *
cell_date (const char *date)
{
  SpReportCell *cell = cell_new (SP_CELL_DATE);

  cell->text = date != NULL ? g_strndup (date, 10) : NULL;
  cell->display = g_strdup (cell->text != NULL ? cell->text : NONE_DISPLAY);
  return cell;
}

static SpReportCell *
cell_withheld (SpCellKind  kind,
               const char *display)
{
  SpReportCell *cell = cell_new (kind);

  cell->suppressed = TRUE;
  cell->display = g_strdup (display);
  return cell;
}

static void
withhold (SpReportCell *cell)
{
  cell->suppressed = TRUE;
  cell->number = NAN;
  cell->pence = 0;
  g_free (cell->display);
  cell->display = g_strdup (SP_REPORT_SUPPRESSED_OTHER);
}

static SpReportCell *
cell_pence (gint64 pence)
{
  SpReportCell *cell = cell_new (SP_CELL_PENCE);

  cell->pence = pence;
  cell->number = (gdouble) pence;  /* NAN would mean "none" */
  cell->display = sp_money_format (pence);
  return cell;
}

typedef struct
{
  gboolean suppress;
} Build;

static gboolean
is_small (guint n)
{
  return n >= 1 && n <= 4;
}

/* A count of people or referrals: "<5" when it is 1–4 and must be withheld. */
static SpReportCell *
cell_count (const Build *b,
            guint        n)
{
  SpReportCell *cell;

  if (b->suppress && is_small (n))
    return cell_withheld (SP_CELL_COUNT, SP_REPORT_SUPPRESSED_COUNT);
  cell = cell_new (SP_CELL_COUNT);
  cell->number = n;
  cell->display = g_strdup_printf ("%u", n);
  return cell;
}

static SpReportCell *
cell_percent (gdouble fraction)
{
  SpReportCell *cell = cell_new (SP_CELL_PERCENT);

  cell->number = fraction;
  if (isnan (fraction))
    cell->display = g_strdup (NONE_DISPLAY);
  else
    {
      g_autofree char *number = format_fixed (fraction * 100, 1, "−");
      cell->display = g_strdup_printf ("%s%%", number);
    }
  return cell;
}

/* numerator / denominator, withheld when either is a small count. */
static SpReportCell *
cell_rate (const Build *b,
           guint        numerator,
           guint        denominator)
{
  if (b->suppress && (is_small (numerator) || is_small (denominator)))
    return cell_withheld (SP_CELL_PERCENT, SP_REPORT_SUPPRESSED_OTHER);
  return cell_percent (sp_report_rate (numerator, denominator));
}

/* A mean, median or change over @n people. */
static SpReportCell *
cell_decimal (const Build *b,
              gdouble      value,
              guint        n)
{
  SpReportCell *cell;

  if (b->suppress && is_small (n))
    return cell_withheld (SP_CELL_DECIMAL, SP_REPORT_SUPPRESSED_OTHER);
  cell = cell_new (SP_CELL_DECIMAL);
  cell->number = value;
  cell->display = isnan (value) ? g_strdup (NONE_DISPLAY) : format_fixed (value, 2, "−");
  return cell;
}

static SpReportCell *
cell_days (const Build *b,
           gdouble      days,
           guint        n)
{
  SpReportCell *cell;

  if (b->suppress && is_small (n))
    return cell_withheld (SP_CELL_DAYS, SP_REPORT_SUPPRESSED_OTHER);
  cell = cell_new (SP_CELL_DAYS);
  cell->number = days;
  if (isnan (days))
    cell->display = g_strdup (NONE_DISPLAY);
  else
    cell->display = format_fixed (days, days == floor (days) ? 0 : 1, "−");
  return cell;
}

/* An amount shared out over @n people; SP_UNSET when there are none. */
static SpReportCell *
cell_pence_per_person (const Build *b,
                       gint64       pence,
                       guint        n)
{
  SpReportCell *cell;

  if (b->suppress && is_small (n))
    return cell_withheld (SP_CELL_PENCE, SP_REPORT_SUPPRESSED_OTHER);
  if (n == 0)
    {
      cell = cell_new (SP_CELL_PENCE);
      cell->display = g_strdup (NONE_DISPLAY);
      return cell;
    }
  return cell_pence (pence);
}

static gboolean
cell_has_value (const SpReportCell *cell)
{
  switch (cell->kind)
    {
    case SP_CELL_EMPTY:
      return FALSE;
    case SP_CELL_TEXT:
    case SP_CELL_DATE:
      return cell->text != NULL;
    case SP_CELL_PENCE:
    case SP_CELL_COUNT:
    case SP_CELL_PERCENT:
    case SP_CELL_DECIMAL:
    case SP_CELL_DAYS:
    default:
      return !cell->suppressed && !isnan (cell->number);
    }
}

/* ---- Tables -------------------------------------------------------------- */

static void
row_free (SpReportRow *row)
{
  g_ptr_array_unref (row->cells);
  g_free (row);
}

static void
table_free (SpReportTable *table)
{
  g_free (table->key);
  g_free (table->title);
  g_strfreev (table->column_keys);
  g_strfreev (table->headers);
  g_ptr_array_unref (table->rows);
  g_ptr_array_unref (table->notes);
  g_free (table);
}

/* Columns as key, header pairs, NULL-terminated. */
static SpReportTable *
table_new (const char *key,
           const char *title,
           ...)
{
  SpReportTable *table = g_new0 (SpReportTable, 1);
  g_autoptr(GStrvBuilder) keys = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) headers = g_strv_builder_new ();
  const char *column;
  va_list args;

  table->key = g_strdup (key);
  table->title = g_strdup (title);
  va_start (args, title);
  while ((column = va_arg (args, const char *)) != NULL)
    {
      g_strv_builder_add (keys, column);
      g_strv_builder_add (headers, va_arg (args, const char *));
    }
  va_end (args);
  table->column_keys = g_strv_builder_end (keys);
  table->headers = g_strv_builder_end (headers);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  table->notes = g_ptr_array_new_with_free_func (g_free);
  return table;
}

static guint
table_n_columns (const SpReportTable *table)
{
  return g_strv_length (table->column_keys);
}

/* Exactly one cell per column, each taken. */
static SpReportRow *
table_add_row (SpReportTable *table,
               gboolean       is_total,
               ...)
{
  SpReportRow *row = g_new0 (SpReportRow, 1);
  guint n = table_n_columns (table);
  va_list args;

  row->cells = g_ptr_array_new_with_free_func ((GDestroyNotify) cell_free);
  row->is_total = is_total;
  va_start (args, is_total);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (row->cells, va_arg (args, SpReportCell *));
  va_end (args);
  g_ptr_array_add (table->rows, row);
  return row;
}

static void
table_add_note (SpReportTable *table,
                const char    *note)
{
  g_ptr_array_add (table->notes, g_strdup (note));
}

/* Secondary suppression for a column whose parts add up to the total row:
 * when just one part was withheld, withhold the smallest other non-zero
 * part as well, and every figure beside it in its row. */
static void
protect_breakdown (const Build   *b,
                   SpReportTable *table,
                   guint          column)
{
  SpReportRow *smallest = NULL;
  guint n_withheld = 0;

  if (!b->suppress)
    return;
  for (guint i = 0; i < table->rows->len; i++)
    {
      SpReportRow *row = table->rows->pdata[i];
      SpReportCell *cell = row->cells->pdata[column];

      if (row->is_total)
        continue;
      if (cell->suppressed)
        n_withheld++;
      else if (cell->number > 0 &&
               (smallest == NULL || cell->number < ((SpReportCell *) smallest->cells->pdata[column])->number))
        smallest = row;
    }
  if (n_withheld != 1 || smallest == NULL)
    return;
  for (guint k = 0; k < smallest->cells->len; k++)
    {
      SpReportCell *cell = smallest->cells->pdata[k];
      if (cell->kind != SP_CELL_TEXT && cell->kind != SP_CELL_EMPTY)
        withhold (cell);
    }
}

/* ---- Charts -------------------------------------------------------------- */

static void
chart_bar_free (SpChartBar *bar)
{
  g_free (bar->label);
  g_free (bar->display[0]);
  g_free (bar->display[1]);
  g_free (bar);
}

static void
chart_free (SpReportChart *chart)
{
  g_free (chart->key);
  g_free (chart->title);
  g_free (chart->series[0]);
  g_free (chart->series[1]);
  g_ptr_array_unref (chart->bars);
  g_free (chart->note);
  g_free (chart);
}

static SpReportChart *
chart_new (const char  *key,
           const char  *title,
           SpChartKind  kind,
           const char  *series0,
           const char  *series1)
{
  SpReportChart *chart = g_new0 (SpReportChart, 1);

  chart->key = g_strdup (key);
  chart->title = g_strdup (title);
  chart->kind = kind;
  chart->series[0] = g_strdup (series0);
  chart->series[1] = g_strdup (series1);
  chart->bars = g_ptr_array_new_with_free_func ((GDestroyNotify) chart_bar_free);
  return chart;
}

/* A bar from a cell: a withheld or empty cell draws no bar. */
static gdouble
cell_chart_value (const SpReportCell *cell)
{
  if (!cell_has_value (cell))
    return NAN;
  if (cell->kind == SP_CELL_PENCE)
    return (gdouble) cell->pence;
  if (cell->kind == SP_CELL_PERCENT)
    return cell->number * 100;
  return cell->number;
}

static SpChartBar *
chart_add_bar (SpReportChart      *chart,
               const char         *label,
               const SpReportCell *first,
               const SpReportCell *second,
               gdouble             scale_max)
{
  SpChartBar *bar = g_new0 (SpChartBar, 1);

  bar->label = g_strdup (label);
  bar->value[0] = cell_chart_value (first);
  bar->display[0] = g_strdup (first->display);
  bar->value[1] = second != NULL ? cell_chart_value (second) : NAN;
  bar->display[1] = second != NULL ? g_strdup (second->display) : NULL;
  bar->scale_max = scale_max;
  g_ptr_array_add (chart->bars, bar);
  return bar;
}

/* ---- Documents ----------------------------------------------------------- */

void
sp_report_document_free (SpReportDocument *document)
{
  if (document == NULL)
    return;
  sp_report_filter_free (document->filter);
  g_free (document->title);
  g_free (document->period);
  g_strfreev (document->filters);
  g_free (document->made_at);
  g_ptr_array_unref (document->tables);
  g_ptr_array_unref (document->charts);
  g_ptr_array_unref (document->notes);
  g_free (document);
}

static SpReportDocument *
document_new (SpReportKind        kind,
              const char         *title,
              const SpReportInfo *info,
              SpReportFlags       flags)
{
  SpReportDocument *document = g_new0 (SpReportDocument, 1);

  document->kind = kind;
  document->filter = sp_report_filter_copy (info->filter);
  document->title = g_strdup (title);
  document->period = g_strdup (info->period);
  document->filters = g_strdupv (info->filters);
  document->made_at = g_strdup (info->made_at);
  document->suppressed = (flags & SP_REPORT_FLAGS_SUPPRESS) != 0;
  document->tables = g_ptr_array_new_with_free_func ((GDestroyNotify) table_free);
  document->charts = g_ptr_array_new_with_free_func ((GDestroyNotify) chart_free);
  document->notes = g_ptr_array_new_with_free_func (g_free);
  if (document->suppressed)
    g_ptr_array_add (document->notes,
                     g_strdup (_("Small numbers are withheld: counts from 1 to 4 show as “<5”, and figures "
                                 "from which such a count could be worked out show as “[c]”.")));
  return document;
}

static void
document_add_small_numbers_note (SpReportDocument *document)
{
  g_ptr_array_add (document->notes,
                   g_strdup_printf (_("Fewer than %d people: the figure can change a lot with one person, so read it with care."),
                                    SP_REPORT_SMALL_N));
}

/* ---- Activity ------------------------------------------------------------ */

static void
add_vocab_breakdown (const Build   *b,
                     SpReportTable *table,
                     SpVocab        vocab,
                     GArray        *counts,
                     guint          total)
{
  for (guint i = 0; i < counts->len; i++)
    {
      const SpReportCount *count = &g_array_index (counts, SpReportCount, i);

      table_add_row (table, FALSE,
                     cell_text (sp_vocab_label (vocab, count->code)),
                     cell_count (b, count->n),
                     cell_rate (b, count->n, total));
    }
  table_add_row (table, TRUE, cell_text (_("All referrals")), cell_count (b, total),
                 cell_rate (b, total, total));
  protect_breakdown (b, table, 1);
}

/* "Figure, value, number, out of": one row of the summary table. */
static void
add_summary_rate (const Build   *b,
                  SpReportTable *table,
                  const char    *label,
                  guint          numerator,
                  guint          denominator)
{
  table_add_row (table, FALSE, cell_text (label), cell_rate (b, numerator, denominator),
                 cell_count (b, numerator), cell_count (b, denominator));
}

static void
add_summary_count (const Build   *b,
                   SpReportTable *table,
                   const char    *label,
                   guint          n)
{
  table_add_row (table, FALSE, cell_text (label), cell_count (b, n), cell_empty (), cell_empty ());
}

SpReportDocument *
sp_activity_report_document (const SpActivityReport *report,
                             SpReportFlags           flags)
{
  const Build b = { (flags & SP_REPORT_FLAGS_SUPPRESS) != 0 };
  SpReportDocument *document;
  SpReportTable *summary, *routes, *statuses;
  SpReportChart *chart;

  g_return_val_if_fail (report != NULL, NULL);

  document = document_new (SP_REPORT_ACTIVITY, _("Activity"), &report->info, flags);

  summary = table_new ("summary", _("Activity at a glance"),
                       "figure", _("Figure"), "value", _("Value"),
                       "number", _("Number"), "out_of", _("Out of"), NULL);
  add_summary_count (&b, summary, _("Referrals made"), report->n_referrals);
  add_summary_count (&b, summary, _("Patients seen"), report->n_patients);
  add_summary_rate (&b, summary, _("Patients with both an MSK and an MH condition"),
                    report->n_comorbid, report->n_patients);
  add_summary_rate (&b, summary, _("Patients who attended a session"),
                    report->n_patients_attending, report->n_patients);
  add_summary_rate (&b, summary, _("Uptake: referrals with a session attended"),
                    report->n_started, report->n_referrals);
  add_summary_rate (&b, summary, _("Completed, of referrals that have ended"),
                    report->n_completed, report->n_ended);
  add_summary_rate (&b, summary, _("Did not attend, of referrals that have ended"),
                    report->n_did_not_attend, report->n_ended);
  add_summary_rate (&b, summary, _("Declined, of referrals that have ended"),
                    report->n_declined, report->n_ended);
  table_add_row (summary, FALSE, cell_text (_("Median days from referral to first session")),
                 cell_days (&b, report->median_wait_days, report->n_waits),
                 cell_count (&b, report->n_waits), cell_empty ());
  table_add_note (summary, _("Patients seen are the patients referred in the period; a referral has ended when "
                             "it was completed, declined, not attended or withdrawn. Drafts are not counted."));
  g_ptr_array_add (document->tables, summary);

  routes = table_new ("by_route", _("Referrals by route"),
                      "route", _("Route"), "referrals", _("Referrals"), "share", _("Share"), NULL);
  add_vocab_breakdown (&b, routes, SP_VOCAB_ROUTE, report->by_route, report->n_referrals);
  g_ptr_array_add (document->tables, routes);

  statuses = table_new ("by_status", _("Referrals by status"),
                        "status", _("Status"), "referrals", _("Referrals"), "share", _("Share"), NULL);
  add_vocab_breakdown (&b, statuses, SP_VOCAB_REFERRAL_STATUS, report->by_status, report->n_referrals);
  g_ptr_array_add (document->tables, statuses);

  chart = chart_new ("by_status", _("Referrals by status"), SP_CHART_BARS, _("Referrals"), NULL);
  for (guint i = 0; i < statuses->rows->len; i++)
    {
      SpReportRow *row = statuses->rows->pdata[i];
      if (!row->is_total)
        chart_add_bar (chart, ((SpReportCell *) row->cells->pdata[0])->text, row->cells->pdata[1], NULL, 0);
    }
  g_ptr_array_add (document->charts, chart);
  return document;
}

/* ---- Outcomes ------------------------------------------------------------ */

static SpReportCell *
cell_caveat (gboolean small)
{
  return small ? cell_text (_("n < 10")) : cell_empty ();
}

static void
add_measure_row (const Build            *b,
                 SpReportTable          *table,
                 const char             *group,
                 const SpOutcomeMeasure *m)
{
  SpReportCell *label = cell_text (m->label);
  SpReportCell *cells[] = {
    cell_count (b, m->n),
    cell_decimal (b, m->mean_baseline, m->n),
    cell_decimal (b, m->mean_follow_up, m->n),
    cell_decimal (b, m->mean_change, m->n),
    cell_decimal (b, m->ci_low, m->n),
    cell_decimal (b, m->ci_high, m->n),
    cell_decimal (b, m->median_change, m->n),
    cell_rate (b, m->n_improved, m->n),
    cell_rate (b, m->n_deteriorated, m->n),
    cell_caveat (m->small_numbers),
  };

  if (group != NULL)
    table_add_row (table, FALSE, cell_text (group), label, cells[0], cells[3], cells[4], cells[5],
                   cells[7], cells[9]);
  else
    table_add_row (table, FALSE, label, cells[0], cells[1], cells[2], cells[3], cells[4], cells[5],
                   cells[6], cells[7], cells[8], cells[9]);
  if (group != NULL)
    {
      cell_free (cells[1]);
      cell_free (cells[2]);
      cell_free (cells[6]);
      cell_free (cells[8]);
    }
}

static SpReportTable *
group_measures_table (const Build      *b,
                      const char       *key,
                      const char       *title,
                      const char       *group_header,
                      GPtrArray        *groups,
                      SpReportGroupKind kind)
{
  SpReportTable *table = table_new (key, title,
                                    "group", group_header, "measure", _("Measure"), "n", _("n"),
                                    "mean_change", _("Mean change"),
                                    /* xgettext:no-c-format */
                                    "ci_low", _("95% CI low"),
                                    /* xgettext:no-c-format */
                                    "ci_high", _("95% CI high"), "improved", _("Reliably improved"),
                                    "caveat", _("Note"), NULL);

  for (guint i = 0; i < groups->len; i++)
    {
      const SpOutcomeGroup *group = groups->pdata[i];

      if (group->group.kind != kind)
        continue;
      for (guint k = 0; k < group->measures->len; k++)
        add_measure_row (b, table, group->group.label, group->measures->pdata[k]);
    }
  return table;
}

static void
add_recovery_row (const Build          *b,
                  SpReportTable        *table,
                  const SpOutcomeGroup *group)
{
  table_add_row (table, FALSE, cell_text (group->group.label),
                 cell_count (b, group->n_caseness),
                 cell_count (b, group->n_recovered),
                 cell_rate (b, group->n_recovered, group->n_caseness),
                 cell_count (b, group->n_reliably_recovered),
                 cell_rate (b, group->n_reliably_recovered, group->n_caseness),
                 cell_caveat (group->n_caseness > 0 && group->n_caseness < SP_REPORT_SMALL_N));
}

SpReportDocument *
sp_outcomes_report_document (const SpOutcomesReport *report,
                             SpReportFlags           flags)
{
  const Build b = { (flags & SP_REPORT_FLAGS_SUPPRESS) != 0 };
  SpReportDocument *document;
  const SpOutcomeGroup *all;
  SpReportTable *measures, *recovery;
  SpReportChart *chart;

  g_return_val_if_fail (report != NULL && report->groups->len > 0, NULL);

  document = document_new (SP_REPORT_OUTCOMES, _("Outcomes"), &report->info, flags);
  all = report->groups->pdata[0];

  measures = table_new ("measures", _("Change from baseline to follow-up"),
                        "measure", _("Measure"), "n", _("n"),
                        "mean_baseline", _("Baseline mean"), "mean_follow_up", _("Follow-up mean"),
                        "mean_change", _("Mean change"),
                        /* xgettext:no-c-format */
                        "ci_low", _("95% CI low"),
                        /* xgettext:no-c-format */
                        "ci_high", _("95% CI high"),
                        "median_change", _("Median change"), "improved", _("Reliably improved"),
                        "deteriorated", _("Reliably worse"), "caveat", _("Note"), NULL);
  for (guint k = 0; k < all->measures->len; k++)
    add_measure_row (&b, measures, NULL, all->measures->pdata[k]);
  if (all->measures->len == 0)
    table_add_note (measures, _("No referral in this report has both a baseline and a follow-up measure."));
  table_add_note (measures, _("Change is follow-up minus baseline, per referral with both measures complete. "
                              "Lower is better for PHQ-9, GAD-7, the pain rating and ONS4 anxiety; higher is "
                              "better for the others."));
  /* xgettext:no-c-format */
  table_add_note (measures, _("The 95% confidence interval of the mean change uses Student’s t distribution with "
                              "n − 1 degrees of freedom, as the numbers are small."));
  table_add_note (measures, _("Reliable change: PHQ-9 6 points, GAD-7 4, MSK-HQ 6, SWEMWBS 3 metric points, "
                              "pain 2 points or 30%, an ONS4 item 1 point."));
  g_ptr_array_add (document->tables, measures);

  recovery = table_new ("recovery", _("Recovery (PHQ-9 and GAD-7)"),
                        "group", _("Referrals"), "caseness", _("At caseness"), "recovered", _("Recovered"),
                        "recovery_rate", _("Recovery rate"), "reliably_recovered", _("Reliably recovered"),
                        "reliable_recovery_rate", _("Reliable recovery rate"), "caveat", _("Note"), NULL);
  for (guint i = 0; i < report->groups->len; i++)
    {
      const SpOutcomeGroup *group = report->groups->pdata[i];
      if (i == 0 || group->n_caseness > 0)
        add_recovery_row (&b, recovery, group);
    }
  table_add_note (recovery, _("NHS Talking Therapies definitions: at caseness at baseline (PHQ-9 10 or more, or "
                              "GAD-7 8 or more), below both at follow-up; reliably recovered also improved "
                              "reliably on one measure and worsened on neither."));
  g_ptr_array_add (document->tables, recovery);

  g_ptr_array_add (document->tables,
                   group_measures_table (&b, "by_modality", _("Change by modality"), _("Modality"),
                                         report->groups, SP_REPORT_GROUP_MODALITY));
  g_ptr_array_add (document->tables,
                   group_measures_table (&b, "by_offering", _("Change by offering"), _("Offering"),
                                         report->groups, SP_REPORT_GROUP_OFFERING));

  chart = chart_new ("before_after", _("Mean score before and after"), SP_CHART_PAIRS,
                     _("Baseline"), _("Follow-up"));
  for (guint k = 0; k < measures->rows->len; k++)
    {
      SpReportRow *row = measures->rows->pdata[k];
      const SpOutcomeMeasure *m = all->measures->pdata[k];

      chart_add_bar (chart, m->label, row->cells->pdata[2], row->cells->pdata[3], m->range_max);
    }
  chart->note = g_strdup (_("Each measure is drawn on its own scale, from 0 to its highest score."));
  g_ptr_array_add (document->charts, chart);

  document_add_small_numbers_note (document);
  return document;
}

/* ---- Experience ---------------------------------------------------------- */

static const char *
group_kind_label (SpReportGroupKind kind)
{
  switch (kind)
    {
    case SP_REPORT_GROUP_MODALITY:
      return _("Modality");
    case SP_REPORT_GROUP_OFFERING:
      return _("Offering");
    case SP_REPORT_GROUP_ALL:
    default:
      return _("All");
    }
}

SpReportDocument *
sp_experience_report_document (const SpExperienceReport *report,
                               SpReportFlags             flags)
{
  const Build b = { (flags & SP_REPORT_FLAGS_SUPPRESS) != 0 };
  SpReportDocument *document;
  const SpExperienceGroup *all;
  SpReportTable *answers, *shares;
  SpReportChart *chart;
  guint n_codes;
  const SpVocabEntry *codes = sp_vocab_entries (SP_VOCAB_FFT, &n_codes);

  g_return_val_if_fail (report != NULL && report->groups->len > 0, NULL);

  document = document_new (SP_REPORT_EXPERIENCE, _("Patient experience"), &report->info, flags);
  all = report->groups->pdata[0];

  answers = table_new ("answers", _("Friends and Family Test answers"),
                       "answer", _("Answer"), "responses", _("Responses"), "share", _("Share"), NULL);
  for (guint k = 0; k < n_codes; k++)
    table_add_row (answers, FALSE, cell_text (sp_vocab_label (SP_VOCAB_FFT, codes[k].code)),
                   cell_count (&b, all->counts[k]), cell_rate (&b, all->counts[k], all->n_answers));
  table_add_row (answers, TRUE, cell_text (_("All answers")), cell_count (&b, all->n_answers),
                 cell_rate (&b, all->n_answers, all->n_answers));
  protect_breakdown (&b, answers, 1);
  table_add_note (answers, _("“Overall, how was your experience of our service?”, asked when a referral is completed."));
  g_ptr_array_add (document->tables, answers);

  shares = table_new ("share_positive", _("Share positive"),
                      "kind", _("Group"), "group", _("Name"), "completed", _("Completed"),
                      "answers", _("Answers other than don’t know"), "positive", _("Very good or good"),
                      "share_positive", _("Share positive"), "caveat", _("Note"), NULL);
  chart = chart_new ("share_positive", _("Share positive, overall and by modality and offering"), SP_CHART_BARS,
                     _("Share positive"), NULL);
  for (guint i = 0; i < report->groups->len; i++)
    {
      const SpExperienceGroup *group = report->groups->pdata[i];
      SpReportRow *row;

      /* A modality or offering with nobody to ask says nothing. */
      if (i > 0 && group->n_completed == 0 && group->n_answers == 0)
        continue;

      row = table_add_row (shares, FALSE, cell_text (group_kind_label (group->group.kind)),
                           cell_text (group->group.label),
                           cell_count (&b, group->n_completed), cell_count (&b, group->n_known),
                           cell_count (&b, group->n_positive),
                           cell_rate (&b, group->n_positive, group->n_known),
                           cell_caveat (group->small_numbers));
      if (group->n_known > 0)
        chart_add_bar (chart, group->group.label, row->cells->pdata[5], NULL, 100);
    }
  table_add_note (shares, _("Share positive is “very good” and “good” over every answer except “don’t know”."));
  g_ptr_array_add (document->tables, shares);
  g_ptr_array_add (document->charts, chart);

  document_add_small_numbers_note (document);
  return document;
}

/* ---- Money --------------------------------------------------------------- */

/* A sum over @n_patients people: withheld with the count of them. */
static SpReportCell *
cell_pence_over (const Build *b,
                 gint64       pence,
                 guint        n_patients)
{
  if (b->suppress && is_small (n_patients))
    return cell_withheld (SP_CELL_PENCE, SP_REPORT_SUPPRESSED_OTHER);
  return cell_pence (pence);
}

SpReportDocument *
sp_money_report_document (const SpMoneyReport *report,
                          SpReportFlags        flags)
{
  const Build b = { (flags & SP_REPORT_FLAGS_SUPPRESS) != 0 };
  SpReportDocument *document;
  SpReportTable *summary, *funders;
  SpReportChart *chart;
  guint n = report->n_patients;

  g_return_val_if_fail (report != NULL, NULL);

  document = document_new (SP_REPORT_MONEY, _("Money"), &report->info, flags);

  summary = table_new ("summary", _("Cost of referrals"),
                       "figure", _("Figure"), "amount", _("Amount"), "patients", _("Patients"), NULL);
  table_add_row (summary, FALSE, cell_text (_("Referrals")), cell_count (&b, report->n_referrals),
                 cell_count (&b, n));
  table_add_row (summary, FALSE, cell_text (_("Sessions attended")),
                 cell_count (&b, (guint) MIN (report->sessions_attended, G_MAXUINT)), cell_empty ());
  table_add_row (summary, TRUE, cell_text (_("Total cost (fee × sessions attended)")),
                 cell_pence_over (&b, report->total_cost, n), cell_empty ());
  table_add_row (summary, FALSE, cell_text (_("Paid by funders")),
                 cell_pence_over (&b, report->funder_cost, n), cell_empty ());
  table_add_row (summary, FALSE, cell_text (_("Paid by patients (co-payments due)")),
                 cell_pence_over (&b, report->patient_cost, n), cell_empty ());
  table_add_row (summary, FALSE, cell_text (_("Waived by providers")),
                 cell_pence_over (&b, report->waived, n), cell_empty ());
  table_add_row (summary, FALSE, cell_text (_("Co-payments collected")),
                 cell_pence_over (&b, report->copay_collected, n), cell_empty ());
  table_add_row (summary, FALSE, cell_text (_("Co-payments outstanding")),
                 cell_pence_over (&b, report->copay_outstanding, n), cell_empty ());
  table_add_row (summary, FALSE, cell_text (_("Payments received from funders")),
                 cell_pence_over (&b, report->funder_paid, n), cell_empty ());
  table_add_row (summary, FALSE, cell_text (_("Cost per patient completing")),
                 cell_pence_per_person (&b, report->cost_per_completer, report->n_completers),
                 cell_count (&b, report->n_completers));
  table_add_row (summary, FALSE, cell_text (_("Cost per patient reliably improved")),
                 cell_pence_per_person (&b, report->cost_per_improved, report->n_improved),
                 cell_count (&b, report->n_improved));
  table_add_note (summary, _("Cost per patient is the total cost of every referral in the report, completed or "
                             "not, over the patients who completed (or improved reliably on a measure and "
                             "worsened on none)."));
  g_ptr_array_add (document->tables, summary);

  funders = table_new ("funders", _("Funders’ spend against budget"),
                       "funder", _("Funder"), "year_start", _("Year from"), "budget", _("Budget"),
                       "spent", _("Spent"), "committed", _("Committed"), "remaining", _("Remaining"),
                       "paid", _("Paid"), "in_report", _("In this report"), NULL);
  chart = chart_new ("spend_budget", _("Spend against budget"), SP_CHART_PAIRS, _("Spent"), _("Budget"));
  for (guint i = 0; i < report->funders->len; i++)
    {
      const SpFunderMoney *f = report->funders->pdata[i];
      SpReportRow *row;

      row = table_add_row (funders, FALSE, cell_text (f->name), cell_date (f->year_start),
                           cell_pence (f->budget), cell_pence (f->spent), cell_pence (f->committed),
                           cell_pence (f->remaining), cell_pence (f->paid), cell_pence (f->in_report));
      chart_add_bar (chart, f->name, row->cells->pdata[3], row->cells->pdata[2], 0);
    }
  table_add_note (funders, _("Spent, committed and paid count the funder’s budget year from its start date, for "
                             "every referral it funds; “In this report” counts only the referrals in this report."));
  g_ptr_array_add (document->tables, funders);
  g_ptr_array_add (document->charts, chart);
  return document;
}

/* ---- Finding figures ----------------------------------------------------- */

const SpReportTable *
sp_report_document_find_table (const SpReportDocument *document,
                               const char             *key)
{
  g_return_val_if_fail (document != NULL, NULL);

  for (guint i = 0; i < document->tables->len; i++)
    {
      const SpReportTable *table = document->tables->pdata[i];
      if (g_strcmp0 (table->key, key) == 0)
        return table;
    }
  return NULL;
}

/* The cell in @column_key of the first row whose first cell reads
 * @row_label (or, in grouped tables, whose first two cells read
 * "group / label"). */
const SpReportCell *
sp_report_table_lookup (const SpReportTable *table,
                        const char          *row_label,
                        const char          *column_key)
{
  gint column = -1;

  g_return_val_if_fail (table != NULL, NULL);

  for (guint k = 0; table->column_keys[k] != NULL; k++)
    if (g_str_equal (table->column_keys[k], column_key))
      column = (gint) k;
  if (column < 0)
    return NULL;

  for (guint i = 0; i < table->rows->len; i++)
    {
      const SpReportRow *row = table->rows->pdata[i];
      const SpReportCell *first = row->cells->pdata[0];
      g_autofree char *pair = NULL;

      if (row->cells->len > 1)
        pair = g_strdup_printf ("%s / %s", first->display,
                                ((const SpReportCell *) row->cells->pdata[1])->display);
      if (g_strcmp0 (first->display, row_label) == 0 || g_strcmp0 (pair, row_label) == 0)
        return row->cells->pdata[column];
    }
  return NULL;
}

/* ---- CSV ----------------------------------------------------------------- */

/* A name that a spreadsheet would run as a formula gets a leading
 * apostrophe (OWASP's advice on CSV injection): catalogue names come from
 * outside feeds. */
static char *
guard_text (const char *text)
{
  if (text != NULL && text[0] != '\0' && strchr ("=+-@\t\r", text[0]) != NULL)
    return g_strconcat ("'", text, NULL);
  return g_strdup (text != NULL ? text : "");
}

/* What a spreadsheet should read: plain numbers with a point for decimals,
 * pounds with two decimals and no £ or thousands separators, percentages
 * with a % sign (which spreadsheets read as a number), ISO dates. */
char *
sp_report_cell_csv_value (const SpReportCell *cell)
{
  g_return_val_if_fail (cell != NULL, NULL);

  if (cell->suppressed)
    return g_strdup (cell->display);

  switch (cell->kind)
    {
    case SP_CELL_EMPTY:
      return g_strdup ("");
    case SP_CELL_TEXT:
      return guard_text (cell->text);
    case SP_CELL_DATE:
      return g_strdup (cell->text != NULL ? cell->text : "");
    case SP_CELL_COUNT:
      return isnan (cell->number) ? g_strdup ("") : g_strdup_printf ("%.0f", cell->number);
    case SP_CELL_PERCENT:
      if (isnan (cell->number))
        return g_strdup ("");
      {
        g_autofree char *number = format_fixed (cell->number * 100, 2, "-");
        return g_strconcat (number, "%", NULL);
      }
    case SP_CELL_PENCE:
      if (!cell_has_value (cell))
        return g_strdup ("");
      {
        guint64 magnitude = cell->pence < 0 ? (guint64) (-(cell->pence + 1)) + 1 : (guint64) cell->pence;
        return g_strdup_printf ("%s%" G_GUINT64_FORMAT ".%02u", cell->pence < 0 ? "-" : "",
                                magnitude / 100, (guint) (magnitude % 100));
      }
    case SP_CELL_DECIMAL:
      return isnan (cell->number) ? g_strdup ("") : format_fixed (cell->number, 2, "-");
    case SP_CELL_DAYS:
      return isnan (cell->number) ? g_strdup ("") : format_fixed (cell->number, 1, "-");
    default:
      g_return_val_if_reached (g_strdup (""));
    }
}

static void
csv_add (SpCsvWriter *writer,
         const char  *first,
         const char  *second)
{
  const char *fields[] = { first, second };

  sp_csv_writer_add_row (writer, fields, second != NULL ? 2 : 1);
}

/* One file for the whole report, as a person opening it in a spreadsheet
 * would read it: what it is, then each table under its title, each row
 * padded to the widest table so every record has the same fields. */
char *
sp_report_document_to_csv (const SpReportDocument *document,
                           gsize                  *length)
{
  g_autoptr(SpCsvWriter) writer = NULL;
  guint width = 2;

  g_return_val_if_fail (document != NULL, NULL);

  for (guint i = 0; i < document->tables->len; i++)
    width = MAX (width, table_n_columns (document->tables->pdata[i]));
  writer = sp_csv_writer_new (width);

  csv_add (writer, _("Report"), document->title);
  csv_add (writer, _("Period"), document->period);
  for (guint i = 0; document->filters[i] != NULL; i++)
    csv_add (writer, _("Filter"), document->filters[i]);
  csv_add (writer, _("Made"), document->made_at);
  for (guint i = 0; i < document->notes->len; i++)
    csv_add (writer, _("Note"), document->notes->pdata[i]);

  for (guint i = 0; i < document->tables->len; i++)
    {
      const SpReportTable *table = document->tables->pdata[i];
      guint n = table_n_columns (table);

      sp_csv_writer_add_blank (writer);
      csv_add (writer, table->title, NULL);
      sp_csv_writer_add_row (writer, (const char * const *) table->headers, n);
      for (guint r = 0; r < table->rows->len; r++)
        {
          const SpReportRow *row = table->rows->pdata[r];
          g_auto(GStrv) fields = g_new0 (char *, n + 1);

          for (guint k = 0; k < n; k++)
            fields[k] = sp_report_cell_csv_value (row->cells->pdata[k]);
          sp_csv_writer_add_row (writer, (const char * const *) fields, n);
        }
      for (guint k = 0; k < table->notes->len; k++)
        csv_add (writer, _("Note"), table->notes->pdata[k]);
    }
  return sp_csv_writer_finish (g_steal_pointer (&writer), length);
}

/* ---- JSON ---------------------------------------------------------------- */

static const char *
cell_unit (SpCellKind kind)
{
  switch (kind)
    {
    case SP_CELL_TEXT:
      return "text";
    case SP_CELL_COUNT:
      return "count";
    case SP_CELL_PERCENT:
      return "fraction";
    case SP_CELL_PENCE:
      return "pence";
    case SP_CELL_DECIMAL:
      return "number";
    case SP_CELL_DAYS:
      return "days";
    case SP_CELL_DATE:
      return "date";
    case SP_CELL_EMPTY:
    default:
      return "none";
    }
}

/* {"value": …, "unit": …, "display": …}; a withheld value is null, with
 * "suppressed": true. Money stays in whole pence, rates are fractions. */
static void
add_cell (JsonBuilder        *builder,
          const SpReportCell *cell)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "value");
  if (!cell_has_value (cell))
    json_builder_add_null_value (builder);
  else if (cell->kind == SP_CELL_TEXT || cell->kind == SP_CELL_DATE)
    json_builder_add_string_value (builder, cell->text);
  else if (cell->kind == SP_CELL_PENCE)
    json_builder_add_int_value (builder, cell->pence);
  else if (cell->kind == SP_CELL_COUNT)
    json_builder_add_int_value (builder, (gint64) cell->number);
  else
    json_builder_add_double_value (builder, cell->number);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, cell_unit (cell->kind));
  json_builder_set_member_name (builder, "display");
  json_builder_add_string_value (builder, cell->display);
  if (cell->suppressed)
    {
      json_builder_set_member_name (builder, "suppressed");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_end_object (builder);
}

static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_strings (JsonBuilder *builder,
             const char  *name,
             GPtrArray   *strings)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, strings->pdata[i]);
  json_builder_end_array (builder);
}

static void
add_double_or_null (JsonBuilder *builder,
                    gdouble      value)
{
  if (isnan (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_filter (JsonBuilder          *builder,
            const SpReportFilter *filter)
{
  json_builder_set_member_name (builder, "filter");
  json_builder_begin_object (builder);
  add_string_member (builder, "from", filter->from);
  add_string_member (builder, "to", filter->to);
  json_builder_set_member_name (builder, "practices");
  if (filter->practices == NULL)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_array (builder);
      for (guint i = 0; filter->practices[i] != NULL; i++)
        json_builder_add_string_value (builder, filter->practices[i]);
      json_builder_end_array (builder);
    }
  add_string_member (builder, "modality", filter->modality);
  add_string_member (builder, "offering_id", filter->offering_id);
  add_string_member (builder, "funder_id", filter->funder_id);
  json_builder_set_member_name (builder, "consented_only");
  json_builder_add_boolean_value (builder, filter->consented_only);
  json_builder_end_object (builder);
}

static void
add_table (JsonBuilder         *builder,
           const SpReportTable *table)
{
  guint n = table_n_columns (table);

  json_builder_begin_object (builder);
  add_string_member (builder, "key", table->key);
  add_string_member (builder, "title", table->title);
  json_builder_set_member_name (builder, "columns");
  json_builder_begin_array (builder);
  for (guint k = 0; k < n; k++)
    {
      json_builder_begin_object (builder);
      add_string_member (builder, "key", table->column_keys[k]);
      add_string_member (builder, "title", table->headers[k]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_array (builder);
  for (guint r = 0; r < table->rows->len; r++)
    {
      const SpReportRow *row = table->rows->pdata[r];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "total");
      json_builder_add_boolean_value (builder, row->is_total);
      json_builder_set_member_name (builder, "cells");
      json_builder_begin_object (builder);
      for (guint k = 0; k < n; k++)
        {
          json_builder_set_member_name (builder, table->column_keys[k]);
          add_cell (builder, row->cells->pdata[k]);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  add_strings (builder, "notes", table->notes);
  json_builder_end_object (builder);
}

static void
add_chart (JsonBuilder         *builder,
           const SpReportChart *chart)
{
  guint n_series = chart->kind == SP_CHART_PAIRS ? 2 : 1;

  json_builder_begin_object (builder);
  add_string_member (builder, "key", chart->key);
  add_string_member (builder, "title", chart->title);
  add_string_member (builder, "kind", chart->kind == SP_CHART_PAIRS ? "pairs" : "bars");
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);
  for (guint s = 0; s < n_series; s++)
    json_builder_add_string_value (builder, chart->series[s]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "bars");
  json_builder_begin_array (builder);
  for (guint i = 0; i < chart->bars->len; i++)
    {
      const SpChartBar *bar = chart->bars->pdata[i];

      json_builder_begin_object (builder);
      add_string_member (builder, "label", bar->label);
      json_builder_set_member_name (builder, "values");
      json_builder_begin_array (builder);
      for (guint s = 0; s < n_series; s++)
        add_double_or_null (builder, bar->value[s]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "display");
      json_builder_begin_array (builder);
      for (guint s = 0; s < n_series; s++)
        json_builder_add_string_value (builder, bar->display[s] != NULL ? bar->display[s] : "");
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "scale_max");
      add_double_or_null (builder, bar->scale_max > 0 ? bar->scale_max : NAN);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  add_string_member (builder, "note", chart->note);
  json_builder_end_object (builder);
}

JsonNode *
sp_report_document_to_json (const SpReportDocument *document)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (document != NULL, NULL);

  json_builder_begin_object (builder);
  add_string_member (builder, "report", sp_report_kind_to_code (document->kind));
  add_string_member (builder, "title", document->title);
  add_string_member (builder, "period", document->period);
  add_filter (builder, document->filter);
  json_builder_set_member_name (builder, "filters");
  json_builder_begin_array (builder);
  for (guint i = 0; document->filters[i] != NULL; i++)
    json_builder_add_string_value (builder, document->filters[i]);
  json_builder_end_array (builder);
  add_string_member (builder, "made_at", document->made_at);
  json_builder_set_member_name (builder, "suppressed");
  json_builder_add_boolean_value (builder, document->suppressed);
  add_strings (builder, "notes", document->notes);
  json_builder_set_member_name (builder, "tables");
  json_builder_begin_array (builder);
  for (guint i = 0; i < document->tables->len; i++)
    add_table (builder, document->tables->pdata[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "charts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < document->charts->len; i++)
    add_chart (builder, document->charts->pdata[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
