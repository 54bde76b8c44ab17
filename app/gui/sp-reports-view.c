/* sp-reports-view.c — activity, outcomes, experience and money, for a period
 *
 * The report's kind, its period (typed, or a quick choice) and its filters
 * at the top; below, the report the core makes of them
 * (sp_store_report_document): its notes, its charts and its tables. The
 * report is worked out in a worker thread on its own SpStore, as are the
 * CSV and PDF exports, which write the very report shown.
 *
 * "For sharing outside the practice" makes the suppressed report (counts
 * under 5 withheld, only patients who agreed to evaluation counted), so
 * what is seen is what leaves the practice.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-reports-view"

#include "config.h"

#include <time.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-entity.h"
#include "sp-gui-util.h"
#include "sp-report-chart.h"
#include "sp-report-pdf.h"
#include "sp-reports-view.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* ---- The report shown, shared with exports and the widgets showing it --- */

typedef struct
{
  SpReportDocument *document;
} Shown;

static void
shown_clear (Shown *shown)
{
  sp_report_document_free (shown->document);
}

static Shown *
shown_new (SpReportDocument *document)
{
  Shown *shown = g_atomic_rc_box_new0 (Shown);

  shown->document = document;
  return shown;
}

static Shown *
shown_ref (Shown *shown)
{
  return g_atomic_rc_box_acquire (shown);
}

static void
shown_unref (Shown *shown)
{
  g_atomic_rc_box_release_full (shown, (GDestroyNotify) shown_clear);
}

/* One row of a table, for a GtkColumnView. */
#define SP_TYPE_REPORT_ROW_ITEM (sp_report_row_item_get_type ())
G_DECLARE_FINAL_TYPE (SpReportRowItem, sp_report_row_item, SP, REPORT_ROW_ITEM, GObject)

struct _SpReportRowItem
{
  GObject            parent_instance;
  Shown             *shown;
  const SpReportRow *row;
};

G_DEFINE_FINAL_TYPE (SpReportRowItem, sp_report_row_item, G_TYPE_OBJECT)

static void
sp_report_row_item_finalize (GObject *object)
{
  SpReportRowItem *self = SP_REPORT_ROW_ITEM (object);

  g_clear_pointer (&self->shown, shown_unref);
  G_OBJECT_CLASS (sp_report_row_item_parent_class)->finalize (object);
}

static void
sp_report_row_item_class_init (SpReportRowItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sp_report_row_item_finalize;
}

static void
sp_report_row_item_init (SpReportRowItem *self)
{
}

/* ---- The view ---------------------------------------------------------- */

enum {
  PERIOD_ALL,
  PERIOD_LAST_12_MONTHS,
  PERIOD_FINANCIAL_YEAR,
  PERIOD_CHOSEN,
};

struct _SpReportsView
{
  AdwBin               parent_instance;

  AdwComboRow         *kind_row;
  AdwComboRow         *period_row;
  AdwEntryRow         *from_row;
  AdwEntryRow         *to_row;
  AdwComboRow         *modality_row;
  AdwComboRow         *offering_row;
  AdwComboRow         *funder_row;
  GtkSwitch           *suppress_switch;
  GtkLabel            *date_error;
  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwStatusPage       *error_page;
  GtkBox              *content_box;

  SpStore             *store;
  Shown               *shown;
  GPtrArray           *modalities;   /* codes; [0] NULL for any */
  GPtrArray           *offerings;    /* ids; [0] NULL for any */
  GPtrArray           *funders;      /* ids; [0] NULL for any */
  GCancellable        *cancellable;
  GtkFileChooserNative *chooser;
  gboolean             setting;      /* the controls are being set, not chosen */
  guint                n_loads;
  guint                last_load;
  guint                n_exports;
};

G_DEFINE_FINAL_TYPE (SpReportsView, sp_reports_view, ADW_TYPE_BIN)

static const SpReportKind kinds[] = { SP_REPORT_ACTIVITY, SP_REPORT_OUTCOMES, SP_REPORT_EXPERIENCE, SP_REPORT_MONEY };

/* ---- The worker -------------------------------------------------------- */

typedef struct
{
  char            *path;
  char            *user;
  SpRoles          roles;
  char           **practices;
  guint            generation;
  SpReportKind     kind;
  SpReportFilter  *filter;
  SpReportFlags    flags;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_free (job->user);
  g_strfreev (job->practices);
  sp_report_filter_free (job->filter);
  g_free (job);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;
  SpReportDocument *document;

  store = sp_store_open (job->path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The same person, with the same practices, as the window's store. */
  sp_store_set_actor (store, job->user, job->roles, (const char * const *) job->practices);
  document = sp_store_report_document (store, job->kind, job->filter, job->flags, &error);
  if (document == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, document, (GDestroyNotify) sp_report_document_free);
}

/* ---- Showing a report -------------------------------------------------- */

static void
clear_content (SpReportsView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->content_box))) != NULL)
    gtk_box_remove (self->content_box, child);
}

static GtkWidget *
text_label (const char *text,
            const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

static gboolean
is_number_column (const SpReportTable *table,
                  guint                column)
{
  for (guint i = 0; i < table->rows->len; i++)
    {
      const SpReportRow *row = table->rows->pdata[i];
      const SpReportCell *cell = row->cells->pdata[column];

      if (cell->kind == SP_CELL_TEXT || cell->kind == SP_CELL_DATE)
        return FALSE;
    }
  return TRUE;
}

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  gboolean number = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "sp-number"));

  gtk_label_set_xalign (GTK_LABEL (label), number ? 1.0 : 0.0);
  gtk_label_set_wrap (GTK_LABEL (label), !number);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  if (number)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  SpReportRowItem *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "sp-column"));
  const SpReportCell *cell = row->row->cells->pdata[column];

  gtk_label_set_label (GTK_LABEL (label), cell->display != NULL ? cell->display : "—");
  if (row->row->is_total)
    gtk_widget_add_css_class (label, "heading");
  else
    gtk_widget_remove_css_class (label, "heading");
}

static GtkWidget *
table_view (SpReportsView       *self,
            const SpReportTable *table)
{
  g_autoptr(GListStore) store = g_list_store_new (SP_TYPE_REPORT_ROW_ITEM);
  GtkNoSelection *selection;
  GtkWidget *view;

  for (guint i = 0; i < table->rows->len; i++)
    {
      SpReportRowItem *item = g_object_new (SP_TYPE_REPORT_ROW_ITEM, NULL);

      item->shown = shown_ref (self->shown);
      item->row = table->rows->pdata[i];
      g_list_store_append (store, item);
      g_object_unref (item);
    }
  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&store)));
  view = gtk_column_view_new (GTK_SELECTION_MODEL (selection));
  gtk_widget_set_name (view, table->key);
  gtk_column_view_set_show_row_separators (GTK_COLUMN_VIEW (view), TRUE);
  gtk_column_view_set_show_column_separators (GTK_COLUMN_VIEW (view), TRUE);
  gtk_column_view_set_reorderable (GTK_COLUMN_VIEW (view), FALSE);
  gtk_widget_add_css_class (view, "card");
  gtk_widget_add_css_class (view, "report-table");
  gtk_widget_set_overflow (view, GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, table->title, -1);

  for (guint c = 0; table->headers[c] != NULL; c++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_object_set_data (G_OBJECT (factory), "sp-column", GUINT_TO_POINTER (c));
      g_object_set_data (G_OBJECT (factory), "sp-number", GINT_TO_POINTER (c > 0 && is_number_column (table, c)));
      g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), NULL);
      column = gtk_column_view_column_new (table->headers[c], factory);
      gtk_column_view_column_set_expand (column, c == 0);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (GTK_COLUMN_VIEW (view), column);
    }
  return view;
}

static void
show_document (SpReportsView *self)
{
  const SpReportDocument *document = self->shown->document;
  g_autofree char *made = sp_gui_format_time (document->made_at);
  GtkWidget *title;

  clear_content (self);

  title = text_label (document->title, "title-2");
  gtk_box_append (self->content_box, title);
  {
    /* Translators: when the figures were read */
    g_autofree char *made_line = g_strdup_printf (_("Made %s"), made);
    g_autoptr(GString) text = g_string_new (NULL);

    /* Translators: the period a report covers */
    g_string_append_printf (text, _("Period: %s"), document->period);
    for (guint i = 0; document->filters[i] != NULL; i++)
      g_string_append_printf (text, " · %s", document->filters[i]);
    g_string_append_printf (text, " · %s", made_line);
    gtk_box_append (self->content_box, text_label (text->str, "dim-label"));
  }

  for (guint i = 0; i < document->notes->len; i++)
    {
      GtkWidget *note = text_label (document->notes->pdata[i], NULL);

      gtk_widget_add_css_class (note, "report-note");
      gtk_box_append (self->content_box, note);
    }

  for (guint i = 0; i < document->charts->len; i++)
    {
      const SpReportChart *chart = document->charts->pdata[i];

      gtk_box_append (self->content_box,
                      sp_report_chart_widget_new (chart, shown_ref (self->shown), (GDestroyNotify) shown_unref));
    }

  for (guint i = 0; i < document->tables->len; i++)
    {
      const SpReportTable *table = document->tables->pdata[i];
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *heading = text_label (table->title, "heading");

      gtk_box_append (GTK_BOX (box), heading);
      if (table->rows->len > 0)
        gtk_box_append (GTK_BOX (box), table_view (self, table));
      else
        gtk_box_append (GTK_BOX (box), text_label (_("Nothing in this period."), "dim-label"));
      for (guint k = 0; k < table->notes->len; k++)
        {
          GtkWidget *note = text_label (table->notes->pdata[k], "dim-label");

          gtk_widget_add_css_class (note, "caption");
          gtk_box_append (GTK_BOX (box), note);
        }
      gtk_box_append (self->content_box, box);
    }
}

static void
load_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SpReportsView *self = SP_REPORTS_VIEW (source_object);
  g_autoptr(GError) error = NULL;
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  SpReportDocument *document = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->n_loads--;
  if (job->generation != self->last_load)
    {
      /* A later choice is on its way: it is the one to show. */
      g_clear_pointer (&document, sp_report_document_free);
      return;
    }

  gtk_spinner_stop (self->spinner);
  if (document == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.export-csv", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.export-pdf", FALSE);
      return;
    }
  g_clear_pointer (&self->shown, shown_unref);
  self->shown = shown_new (document);
  show_document (self);
  gtk_stack_set_visible_child_name (self->stack, "content");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.export-csv", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.export-pdf", TRUE);
}

/* ---- The choices ------------------------------------------------------- */

static char *
entry_date (AdwEntryRow *row)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

static gpointer
chosen (AdwComboRow *row,
        GPtrArray   *values)
{
  guint i = adw_combo_row_get_selected (row);

  return values != NULL && i < values->len ? values->pdata[i] : NULL;
}

/* The filter the controls describe; NULL, with the reason shown, when the
 * dates are not dates. */
static SpReportFilter *
current_filter (SpReportsView *self)
{
  g_autoptr(SpReportFilter) filter = sp_report_filter_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) from_error = NULL;
  g_autoptr(GError) to_error = NULL;

  filter->from = entry_date (self->from_row);
  filter->to = entry_date (self->to_row);
  if (filter->from != NULL)
    sp_date_check (filter->from, _("first day of the report"), &from_error);
  if (filter->to != NULL)
    sp_date_check (filter->to, _("last day of the report"), &to_error);
  if (from_error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->from_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->from_row), "error");
  if (to_error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->to_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->to_row), "error");

  filter->modality = g_strdup (chosen (self->modality_row, self->modalities));
  filter->offering_id = g_strdup (chosen (self->offering_row, self->offerings));
  filter->funder_id = g_strdup (chosen (self->funder_row, self->funders));
  filter->consented_only = gtk_switch_get_active (self->suppress_switch);

  if (from_error == NULL && to_error == NULL)
    sp_report_filter_validate (filter, &error);
  {
    const GError *shown_error = from_error ? from_error : to_error ? to_error : error;

    gtk_label_set_label (self->date_error, shown_error ? shown_error->message : "");
    gtk_widget_set_visible (GTK_WIDGET (self->date_error), shown_error != NULL);
    if (shown_error != NULL)
      return NULL;
  }
  return g_steal_pointer (&filter);
}

static void
choice_changed_cb (SpReportsView *self)
{
  if (!self->setting)
    sp_reports_view_refresh (self);
}

static void
set_dates (SpReportsView *self,
           const char    *from,
           const char    *to)
{
  self->setting = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->from_row), from ? from : "");
  gtk_editable_set_text (GTK_EDITABLE (self->to_row), to ? to : "");
  self->setting = FALSE;
}

static void
period_chosen_cb (SpReportsView *self)
{
  g_autofree char *today = NULL;
  g_autoptr(GDate) date = g_date_new ();
  char from[16], to[16];
  guint choice = adw_combo_row_get_selected (self->period_row);

  if (self->setting || choice == PERIOD_CHOSEN)
    return;
  today = self->store ? sp_store_today (self->store) : NULL;
  if (today != NULL)
    g_date_set_parse (date, today);
  if (today == NULL || !g_date_valid (date))
    g_date_set_time_t (date, time (NULL));

  switch (choice)
    {
    case PERIOD_LAST_12_MONTHS:
      g_date_strftime (to, sizeof to, "%Y-%m-%d", date);
      g_date_subtract_years (date, 1);
      g_date_add_days (date, 1);
      g_date_strftime (from, sizeof from, "%Y-%m-%d", date);
      set_dates (self, from, to);
      break;
    case PERIOD_FINANCIAL_YEAR:
      {
        /* The NHS year: 1 April to 31 March. */
        guint year = g_date_get_year (date) - (g_date_get_month (date) < G_DATE_APRIL ? 1 : 0);

        g_snprintf (from, sizeof from, "%04u-04-01", year);
        g_snprintf (to, sizeof to, "%04u-03-31", year + 1);
        set_dates (self, from, to);
      }
      break;
    default:
      set_dates (self, NULL, NULL);
      break;
    }
  sp_reports_view_refresh (self);
}

static void
dates_changed_cb (SpReportsView *self)
{
  if (self->setting)
    return;
  /* Typing a date makes the period a chosen one. */
  self->setting = TRUE;
  adw_combo_row_set_selected (self->period_row, PERIOD_CHOSEN);
  self->setting = FALSE;
  sp_reports_view_refresh (self);
}

static void
set_choices (AdwComboRow  *row,
             GPtrArray   **values,
             GPtrArray    *codes,
             GPtrArray    *labels)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  for (guint i = 0; i < labels->len; i++)
    gtk_string_list_append (model, labels->pdata[i]);
  g_clear_pointer (values, g_ptr_array_unref);
  *values = g_ptr_array_ref (codes);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (row, 0);
}

static void
load_choices (SpReportsView *self)
{
  g_autoptr(GError) error = NULL;
  const SpVocabEntry *entries;
  guint n_entries;
  const SpEntityInfo *entities[] = { &sp_entity_offering, &sp_entity_funder };
  AdwComboRow *rows[] = { self->offering_row, self->funder_row };
  GPtrArray **values[] = { &self->offerings, &self->funders };
  const char *any[] = { N_("Any offering"), N_("Any funder") };

  self->setting = TRUE;
  {
    g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GPtrArray) labels = g_ptr_array_new ();

    g_ptr_array_add (codes, NULL);
    g_ptr_array_add (labels, (gpointer) _("Any modality"));
    entries = sp_vocab_entries (SP_VOCAB_MODALITY, &n_entries);
    for (guint i = 0; i < n_entries; i++)
      {
        g_ptr_array_add (codes, g_strdup (entries[i].code));
        g_ptr_array_add (labels, (gpointer) sp_vocab_label (SP_VOCAB_MODALITY, entries[i].code));
      }
    set_choices (self->modality_row, &self->modalities, codes, labels);
  }

  for (guint e = 0; e < G_N_ELEMENTS (entities); e++)
    {
      g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) labels = g_ptr_array_new ();
      g_autoptr(GPtrArray) records = sp_store_list (self->store, entities[e], "WHERE deleted = 0 ORDER BY name, id",
                                                    NULL, &error);

      g_ptr_array_add (codes, NULL);
      g_ptr_array_add (labels, (gpointer) _(any[e]));
      if (records == NULL)
        {
          g_warning ("Cannot list the choices: %s", error->message);
          g_clear_error (&error);
        }
      for (guint i = 0; records != NULL && i < records->len; i++)
        {
          /* Offerings and funders both start with their record, then the name. */
          const char *id = ((SpRecord *) records->pdata[i])->id;
          const char *name = e == 0 ? ((SpOffering *) records->pdata[i])->name
                                    : ((SpFunder *) records->pdata[i])->name;

          g_ptr_array_add (codes, g_strdup (id));
          g_ptr_array_add (labels, (gpointer) name);
        }
      set_choices (rows[e], values[e], codes, labels);
    }
  self->setting = FALSE;
}

/* ---- Exports ----------------------------------------------------------- */

typedef struct
{
  Shown    *shown;
  gboolean  pdf;
  GFile    *file;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  shown_unref (job->shown);
  g_object_unref (job->file);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (job->file);
  gboolean ok;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Choose a folder on this computer to save the report in."));
      return;
    }
  if (job->pdf)
    ok = sp_report_document_write_pdf (job->shown->document, path, &error);
  else
    {
      gsize length;
      g_autofree char *csv = sp_report_document_to_csv (job->shown->document, &length);

      ok = g_file_set_contents (path, csv, (gssize) length, &error);
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
export_cb (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  SpReportsView *self = SP_REPORTS_VIEW (source_object);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->n_exports--;
      sp_gui_show_error (GTK_WIDGET (self), _("The Report Was Not Saved"), error);
      return;
    }
  self->n_exports--;
  {
    g_autofree char *name = g_file_get_basename (job->file);
    /* Translators: a toast; %s is the file's name */
    g_autofree char *text = g_strdup_printf (_("Saved the report as “%s”"), name);
    /* A toast's title is markup. */
    g_autofree char *escaped = g_markup_escape_text (text, -1);

    sp_gui_add_toast (GTK_WIDGET (self), adw_toast_new (escaped));
  }
}

/* Writes the report shown to @file, in a worker thread; a toast says how it went. */
void
sp_reports_view_export (SpReportsView *self,
                        gboolean       pdf,
                        GFile         *file)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (SP_IS_REPORTS_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->shown == NULL)
    return;
  job = g_new0 (ExportJob, 1);
  job->shown = shown_ref (self->shown);
  job->pdf = pdf;
  job->file = g_object_ref (file);
  task = g_task_new (self, self->cancellable, export_cb, NULL);
  g_task_set_source_tag (task, sp_reports_view_export);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  self->n_exports++;
  g_task_run_in_thread (task, export_thread);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     SpReportsView   *self)
{
  gboolean pdf = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "sp-pdf"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        sp_reports_view_export (self, pdf, file);
    }
  g_clear_object (&self->chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpReportsView *self = SP_REPORTS_VIEW (widget);
  gboolean pdf = g_str_equal (action_name, "reports.export-pdf");
  const SpReportDocument *document;
  g_autofree char *kind = NULL;
  g_autofree char *today = NULL;
  g_autofree char *name = NULL;
  GtkFileFilter *filter;
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->shown == NULL || self->chooser != NULL)
    return;
  document = self->shown->document;
  kind = g_ascii_strdown (sp_report_kind_to_code (document->kind), -1);
  today = self->store ? sp_store_today (self->store) : g_strdup ("");
  /* Translators: a file name; the report's kind and the date. Keep it short, without spaces. */
  name = g_strdup_printf (_("%s-report-%s.%s"), kind, today, pdf ? "pdf" : "csv");

  self->chooser = gtk_file_chooser_native_new (pdf ? _("Export the Report as PDF") : _("Export the Report as CSV"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, pdf ? _("PDF documents") : _("Spreadsheets (CSV)"));
  gtk_file_filter_add_mime_type (filter, pdf ? "application/pdf" : "text/csv");
  gtk_file_filter_add_suffix (filter, pdf ? "pdf" : "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_unref (filter);
  g_object_set_data (G_OBJECT (self->chooser), "sp-pdf", GINT_TO_POINTER (pdf));
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- GObject ----------------------------------------------------------- */

static gboolean
sp_reports_view_grab_focus (GtkWidget *widget)
{
  SpReportsView *self = SP_REPORTS_VIEW (widget);

  return gtk_widget_grab_focus (GTK_WIDGET (self->kind_row));
}

static void
sp_reports_view_dispose (GObject *object)
{
  SpReportsView *self = SP_REPORTS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_REPORTS_VIEW);
  g_clear_pointer (&self->shown, shown_unref);
  g_clear_pointer (&self->modalities, g_ptr_array_unref);
  g_clear_pointer (&self->offerings, g_ptr_array_unref);
  g_clear_pointer (&self->funders, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_reports_view_parent_class)->dispose (object);
}

static void
sp_reports_view_class_init (SpReportsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_reports_view_dispose;
  widget_class->grab_focus = sp_reports_view_grab_focus;

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-reports-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, kind_row);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, period_row);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, from_row);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, to_row);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, modality_row);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, offering_row);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, funder_row);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, suppress_switch);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, date_error);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, stack);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, error_page);
  gtk_widget_class_bind_template_child (widget_class, SpReportsView, content_box);
  gtk_widget_class_bind_template_callback (widget_class, choice_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, period_chosen_cb);
  gtk_widget_class_bind_template_callback (widget_class, dates_changed_cb);

  gtk_widget_class_install_action (widget_class, "reports.export-csv", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "reports.export-pdf", NULL, export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_E, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "reports.export-csv", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_P, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "reports.export-pdf", NULL);
}

static void
sp_reports_view_init (SpReportsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.export-csv", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reports.export-pdf", FALSE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

void
sp_reports_view_set_store (SpReportsView *self,
                           SpStore       *store)
{
  g_return_if_fail (SP_IS_REPORTS_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  load_choices (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    sp_reports_view_refresh (self);
}

/* Works the report out again, in a worker thread, from the choices shown;
 * the view keeps showing what it had until it arrives. */
void
sp_reports_view_refresh (SpReportsView *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SpReportFilter) filter = NULL;
  LoadJob *job;
  guint kind;

  g_return_if_fail (SP_IS_REPORTS_VIEW (self));

  if (self->store == NULL)
    return;
  filter = current_filter (self);
  if (filter == NULL)
    return;

  kind = adw_combo_row_get_selected (self->kind_row);
  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (sp_store_get_path (self->store));
  job->user = g_strdup (sp_store_get_user (self->store));
  job->roles = sp_store_get_roles (self->store);
  job->practices = g_strdupv ((char **) sp_store_get_practices (self->store));
  job->generation = ++self->last_load;
  job->kind = kinds[MIN (kind, G_N_ELEMENTS (kinds) - 1)];
  job->filter = g_steal_pointer (&filter);
  job->flags = gtk_switch_get_active (self->suppress_switch) ? SP_REPORT_FLAGS_SUPPRESS : SP_REPORT_FLAGS_NONE;

  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, sp_reports_view_refresh);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  self->n_loads++;
  if (self->shown == NULL)
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
    }
  g_task_run_in_thread (task, load_thread);
}

void
sp_reports_view_set_kind (SpReportsView *self,
                          SpReportKind   kind)
{
  g_return_if_fail (SP_IS_REPORTS_VIEW (self));

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (kinds[i] == kind)
      adw_combo_row_set_selected (self->kind_row, i);
}

gboolean
sp_reports_view_get_loading (SpReportsView *self)
{
  g_return_val_if_fail (SP_IS_REPORTS_VIEW (self), FALSE);
  return self->n_loads > 0;
}

/* The report shown, or NULL before the first arrives. */
const SpReportDocument *
sp_reports_view_get_document (SpReportsView *self)
{
  g_return_val_if_fail (SP_IS_REPORTS_VIEW (self), NULL);
  return self->shown ? self->shown->document : NULL;
}

/* The filter the controls describe, or NULL while a date is wrong. */
SpReportFilter *
sp_reports_view_dup_filter (SpReportsView *self)
{
  g_return_val_if_fail (SP_IS_REPORTS_VIEW (self), NULL);
  return current_filter (self);
}

gboolean
sp_reports_view_get_exporting (SpReportsView *self)
{
  g_return_val_if_fail (SP_IS_REPORTS_VIEW (self), FALSE);
  return self->n_exports > 0;
}
