/* sp-catalogue-view.c — the shared catalogue of offerings, to browse
 *
 * Read-only: every offering with what it is, who runs it, where and when,
 * what it costs, whom it is for and how good the evidence is. The
 * catalogue is small (tens to a few hundred offerings), so a GtkListBox
 * with a filter is enough. Search matches any word of the name, activity,
 * provider, place or the conditions it targets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-catalogue-view"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-catalogue-import-dialog.h"
#include "sp-catalogue-view.h"
#include "sp-gui-util.h"
#include "sp-hsds-export.h"
#include "sp-offering-editor.h"
#include "sp-validate.h"
#include "sp-vocab.h"
#include "sp-window.h"

struct _SpCatalogueView
{
  AdwBin          parent_instance;

  GtkSearchBar   *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkLabel       *count_label;
  GtkListBox     *list_box;
  AdwStatusPage  *empty_page;
  GtkWidget      *admin_bar;

  SpStore        *store;
  gboolean        needs_load;    /* the store changed while the view was not shown */
  guint           n_offerings;
  guint           n_shown;
  char          **search_words;  /* casefolded */
};

G_DEFINE_FINAL_TYPE (SpCatalogueView, sp_catalogue_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SEARCH_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The text a search looks in, kept on each row. */
static GQuark search_text_quark;

static GtkWidget *
detail_row (const char *title,
            const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (row, "property");
  return row;
}

static char *
labels_of (SpVocab   vocab,
           char    **codes)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, sp_vocab_label (vocab, codes[i]));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
schedule_text (const SpOffering *offering)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (offering->schedule != NULL && JSON_NODE_HOLDS_ARRAY (offering->schedule))
    {
      JsonArray *slots = json_node_get_array (offering->schedule);

      for (guint i = 0; i < json_array_get_length (slots); i++)
        {
          JsonNode *node = json_array_get_element (slots, i);
          JsonObject *slot;
          const char *day, *start, *end;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          slot = json_node_get_object (node);
          day = json_object_get_string_member_with_default (slot, "day", NULL);
          start = json_object_get_string_member_with_default (slot, "start", NULL);
          end = json_object_get_string_member_with_default (slot, "end", NULL);
          if (text->len > 0)
            g_string_append (text, "; ");
          if (day != NULL)
            g_string_append (text, sp_vocab_label (SP_VOCAB_DAY, day));
          if (start != NULL && end != NULL)
            /* Translators: a session's start and end times, e.g. 10:00–11:00 */
            g_string_append_printf (text, _(" %s–%s"), start, end);
        }
    }
  if (offering->schedule_note != NULL)
    {
      if (text->len > 0)
        g_string_append (text, ". ");
      g_string_append (text, offering->schedule_note);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "Place, street, postcode", leaving out the parts not known. */
static char *
join_place (const char *name,
            const char *address,
            const char *postcode)
{
  const char *parts[] = { name, address, postcode };
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] != NULL && *parts[i] != '\0')
      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", parts[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
fee_text (const SpOffering *offering)
{
  g_autofree char *fee = NULL;

  if (offering->fee_pence == 0)
    return g_strdup (_("Free"));
  fee = sp_money_format (offering->fee_pence);
  /* Translators: the full fee, e.g. £6.00 a session */
  return g_strdup_printf (_("%s a session"), fee);
}

static GtkWidget *
offering_row (const SpOffering *offering,
              const char       *provider)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *fee_label;
  g_autofree char *subtitle = NULL;
  g_autofree char *fee = fee_text (offering);
  g_autofree char *when = schedule_text (offering);
  g_autofree char *msk = labels_of (SP_VOCAB_MSK_CONDITION, offering->targets_msk);
  g_autofree char *mh = labels_of (SP_VOCAB_MH_CONDITION, offering->targets_mh);
  g_autofree char *access = labels_of (SP_VOCAB_ACCESS, offering->access_features);
  g_autofree char *search = NULL;
  const char *modality = sp_vocab_label (SP_VOCAB_MODALITY, offering->modality);
  const char *format = sp_vocab_label (SP_VOCAB_FORMAT, offering->format);

  subtitle = g_strdup_printf ("%s · %s · %s%s", modality, format, provider ? provider : "",
                              offering->active ? "" : _(" · no longer running"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), offering->name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);

  fee_label = gtk_label_new (fee);
  gtk_widget_set_valign (fee_label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (fee_label, "numeric");
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), fee_label);

  if (offering->description != NULL)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("What it is"), offering->description));
  if (offering->location_name != NULL || offering->address != NULL)
    {
      g_autofree char *where = join_place (offering->location_name, offering->address, offering->postcode);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Where"), where));
    }
  if (*when != '\0')
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("When"), when));
  {
    int n_sessions = (int) CLAMP (offering->sessions, 0, G_MAXINT);
    g_autofree char *sessions = g_strdup_printf (ngettext ("%d session; %s", "%d sessions; %s", n_sessions),
                                                 n_sessions, fee);
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Sessions and fee"), sessions));
  }
  if (*msk != '\0' || *mh != '\0')
    {
      g_autofree char *targets = g_strjoin (*msk != '\0' && *mh != '\0' ? "; " : "", msk, mh, NULL);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Helps with"), targets));
    }
  if (offering->evidence != NULL)
    {
      g_autofree char *evidence = g_strdup_printf ("%s%s%s",
                                                   sp_vocab_label (SP_VOCAB_EVIDENCE, offering->evidence),
                                                   offering->evidence_note ? ". " : "",
                                                   offering->evidence_note ? offering->evidence_note : "");
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Evidence"), evidence));
    }
  if (*access != '\0')
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Access"), access));
  {
    g_autofree char *wait = NULL;

    if (offering->wait_weeks <= 0)
      wait = g_strdup (_("No waiting list"));
    else
      {
        int weeks = (int) CLAMP (offering->wait_weeks, 0, G_MAXINT);
        wait = g_strdup_printf (ngettext ("About %d week", "About %d weeks", weeks), weeks);
      }
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Wait"), wait));
  }

  {
    g_autofree char *joined = g_strjoin (" ", offering->name, modality, format, provider ? provider : "",
                                         offering->location_name ? offering->location_name : "",
                                         msk, mh, NULL);
    search = g_utf8_casefold (joined, -1);
  }
  g_object_set_qdata_full (G_OBJECT (row), search_text_quark, g_steal_pointer (&search), g_free);
  return row;
}

static gboolean
filter_row (GtkListBoxRow *row,
            gpointer       user_data)
{
  SpCatalogueView *self = user_data;
  const char *text = g_object_get_qdata (G_OBJECT (row), search_text_quark);

  for (guint i = 0; self->search_words != NULL && self->search_words[i] != NULL; i++)
    if (*self->search_words[i] != '\0' && (text == NULL || strstr (text, self->search_words[i]) == NULL))
      return FALSE;
  return TRUE;
}

static void
update_state (SpCatalogueView *self)
{
  g_autofree char *count = NULL;

  self->n_shown = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && filter_row (GTK_LIST_BOX_ROW (child), self))
      self->n_shown++;

  if (self->n_shown == self->n_offerings)
    count = g_strdup_printf (ngettext ("%u offering in the catalogue. Open one to see where, when and for whom.",
                                       "%u offerings in the catalogue. Open one to see where, when and for whom.",
                                       self->n_offerings),
                             self->n_offerings);
  else
    count = g_strdup_printf (ngettext ("%u of %u offering", "%u of %u offerings", self->n_offerings),
                             self->n_shown, self->n_offerings);
  gtk_label_set_label (self->count_label, count);
  gtk_stack_set_visible_child_name (self->stack, self->n_shown > 0 ? "list" : "empty");
}

static void
search_changed_cb (SpCatalogueView *self)
{
  g_autofree char *folded = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);

  g_strfreev (self->search_words);
  self->search_words = g_strsplit (g_strstrip (folded), " ", -1);
  gtk_list_box_invalidate_filter (self->list_box);
  update_state (self);
}

static void
stop_search_cb (SpCatalogueView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
search_mode_changed_cb (SpCatalogueView *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

/* ---- Catalogue admin: edit, import, export ----------------------------- */

static void
show_toast (SpCatalogueView *self,
            const char      *message)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (SP_IS_WINDOW (root))
    sp_window_add_toast (SP_WINDOW (root), adw_toast_new (message));
}

static void
offering_saved_cb (SpCatalogueView *self,
                   gboolean         added)
{
  sp_catalogue_view_reload (self);
  show_toast (self, added ? _("Offering added") : _("Changes saved"));
}

static void
open_offering_editor (SpCatalogueView *self,
                      const char      *offering_id)
{
  g_autoptr(GError) error = NULL;
  SpOfferingEditor *editor;

  if (self->store == NULL)
    return;
  editor = sp_offering_editor_new (self->store, offering_id, &error);
  if (editor == NULL)
    {
      sp_gui_show_error (GTK_WIDGET (self), _("The Offering Cannot Be Opened"), error);
      return;
    }
  g_signal_connect_object (editor, "saved", G_CALLBACK (offering_saved_cb), self, G_CONNECT_SWAPPED);
  sp_gui_present_dialog (GTK_WIDGET (self), GTK_WINDOW (editor));
}

static void
add_offering_cb (SpCatalogueView *self)
{
  open_offering_editor (self, NULL);
}

static void
edit_clicked_cb (GtkButton       *button,
                 SpCatalogueView *self)
{
  open_offering_editor (self, g_object_get_data (G_OBJECT (button), "sp-offering-id"));
}

/* Adds what an admin sees to an offering's row: the review badge, Edit. */
static void
decorate_row (SpCatalogueView  *self,
              AdwExpanderRow   *row,
              const SpOffering *offering,
              gboolean          admin)
{
  if (offering->needs_review)
    adw_expander_row_add_action (row, sp_gui_badge (_("Needs review"), "warning"));
  if (admin)
    {
      GtkWidget *edit_row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Edit"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (edit_row), _("Catalogue entry"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (button), "sp-offering-id", g_strdup (offering->record.id), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (edit_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (edit_row), button);
      adw_expander_row_add_row (row, edit_row);
    }
}

static void
import_applied_cb (SpCatalogueView *self,
                   const char      *message)
{
  sp_catalogue_view_reload (self);
  show_toast (self, message);
}

static void
import_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  SpCatalogueView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    path = g_file_get_path (file);
  if (path != NULL && self->store != NULL)
    {
      SpCatalogueImportDialog *dialog = sp_catalogue_import_dialog_new (self->store, path);

      g_signal_connect_object (dialog, "applied", G_CALLBACK (import_applied_cb), self, G_CONNECT_SWAPPED);
      sp_gui_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
    }
  g_object_unref (chooser);
}

static void
choose_import (SpCatalogueView      *self,
               GtkFileChooserAction  action)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Import Catalogue"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         action, _("_Open"), _("_Cancel"));
  if (action == GTK_FILE_CHOOSER_ACTION_OPEN)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("Open Referral JSON"));
      gtk_file_filter_add_pattern (filter, "*.json");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (import_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
import_file_cb (SpCatalogueView *self)
{
  choose_import (self, GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
import_folder_cb (SpCatalogueView *self)
{
  choose_import (self, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

typedef struct
{
  char    *db_path;
  char    *path;
  char    *user;
  SpRoles  roles;
  GStrv    practices;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_free (job->db_path);
  g_free (job->path);
  g_free (job->user);
  g_strfreev (job->practices);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = sp_store_open (job->db_path, &error);
  guint n_services = 0;

  if (store != NULL)
    sp_store_set_actor (store, job->user, job->roles, (const char * const *) job->practices);
  if (store == NULL ||
      !sp_hsds_export (store, SP_HSDS_FORMAT_JSON, job->path, SP_HSDS_EXPORT_DEFAULT, &n_services, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_int (task, n_services);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (source);
  g_autoptr(GError) error = NULL;
  gssize n = g_task_propagate_int (G_TASK (result), &error);
  g_autofree char *message = NULL;

  if (n < 0)
    message = g_strdup_printf (_("The catalogue was not exported: %s"), error->message);
  else
    message = g_strdup_printf (ngettext ("%u offering exported", "%u offerings exported", (gulong) n), (guint) n);
  show_toast (self, message);
}

static void
export_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  SpCatalogueView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    path = g_file_get_path (file);
  if (path != NULL && self->store != NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, NULL, export_done_cb, NULL);
      ExportJob *job = g_new0 (ExportJob, 1);
      const char * const *practices = sp_store_get_practices (self->store);

      job->db_path = g_strdup (sp_store_get_path (self->store));
      job->path = g_steal_pointer (&path);
      job->user = g_strdup (sp_store_get_user (self->store));
      job->roles = sp_store_get_roles (self->store);
      job->practices = practices ? g_strdupv ((char **) practices) : NULL;
      g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
      g_task_run_in_thread (task, export_thread);
    }
  g_object_unref (chooser);
}

static void
export_cb (SpCatalogueView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export Catalogue"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "catalogue.json");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
sp_catalogue_view_grab_focus (GtkWidget *widget)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);

  if (gtk_search_bar_get_search_mode (self->search_bar))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  return gtk_widget_child_focus (GTK_WIDGET (self->list_box), GTK_DIR_TAB_FORWARD);
}

static void
sp_catalogue_view_dispose (GObject *object)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (object);

  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CATALOGUE_VIEW);
  g_clear_object (&self->store);
  g_clear_pointer (&self->search_words, g_strfreev);

  G_OBJECT_CLASS (sp_catalogue_view_parent_class)->dispose (object);
}

static void
sp_catalogue_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      g_value_set_boolean (value, gtk_search_bar_get_search_mode (self->search_bar));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_catalogue_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      gtk_search_bar_set_search_mode (self->search_bar, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The rows are built when the view is first shown, not at start-up: a
 * hidden page of a GtkStack is still measured, and a large catalogue made
 * the first frame of the window wait for it. */
static void
sp_catalogue_view_map (GtkWidget *widget)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);

  GTK_WIDGET_CLASS (sp_catalogue_view_parent_class)->map (widget);

  if (self->needs_load)
    sp_catalogue_view_reload (self);
}

static void
sp_catalogue_view_class_init (SpCatalogueViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_catalogue_view_dispose;
  object_class->get_property = sp_catalogue_view_get_property;
  object_class->set_property = sp_catalogue_view_set_property;
  widget_class->grab_focus = sp_catalogue_view_grab_focus;
  widget_class->map = sp_catalogue_view_map;

  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  search_text_quark = g_quark_from_static_string ("sp-catalogue-search-text");

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-catalogue-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, stack);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, list_box);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, admin_bar);
  gtk_widget_class_bind_template_callback (widget_class, add_offering_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_file_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
}

static void
sp_catalogue_view_init (SpCatalogueView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_set_filter_func (self->list_box, filter_row, self, NULL);
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_changed_cb), self, G_CONNECT_SWAPPED);
  update_state (self);
}

void
sp_catalogue_view_set_store (SpCatalogueView *self,
                             SpStore         *store)
{
  g_return_if_fail (SP_IS_CATALOGUE_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (g_set_object (&self->store, store))
    {
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        sp_catalogue_view_reload (self);
      else
        self->needs_load = TRUE;
    }
}

void
sp_catalogue_view_reload (SpCatalogueView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) offerings = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GHashTable) provider_names = g_hash_table_new (g_str_hash, g_str_equal);
  GtkWidget *child;

  g_return_if_fail (SP_IS_CATALOGUE_VIEW (self));

  self->needs_load = FALSE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  self->n_offerings = 0;

  if (self->store == NULL)
    return;

  providers = sp_store_list (self->store, &sp_entity_provider, NULL, NULL, &error);
  offerings = providers ? sp_store_list (self->store, &sp_entity_offering,
                                         "WHERE deleted = 0 ORDER BY active DESC, name COLLATE NOCASE",
                                         NULL, &error)
                        : NULL;
  if (offerings == NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-error-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Catalogue Cannot Be Read"));
      adw_status_page_set_description (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < providers->len; i++)
    {
      SpProvider *provider = providers->pdata[i];
      g_hash_table_insert (provider_names, provider->record.id, provider->name);
    }

  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *offering = offerings->pdata[i];
      gtk_list_box_append (self->list_box,
                           offering_row (offering, g_hash_table_lookup (provider_names, offering->provider_id)));
    }
  self->n_offerings = offerings->len;
  {
    gboolean admin = (sp_store_get_roles (self->store) & SP_ROLE_ADMIN) != 0;
    guint i = 0;

    gtk_widget_set_visible (self->admin_bar, admin);
    for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
         row != NULL && i < offerings->len; row = gtk_widget_get_next_sibling (row), i++)
      if (ADW_IS_EXPANDER_ROW (row))
        decorate_row (self, ADW_EXPANDER_ROW (row), offerings->pdata[i], admin);
  }

  if (self->n_offerings == 0)
    {
      adw_status_page_set_icon_name (self->empty_page, "view-grid-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Catalogue Is Empty"));
      adw_status_page_set_description (self->empty_page,
                                       _("No offerings are recorded yet. The catalogue comes from your catalogue admin."));
    }
  update_state (self);
}

guint
sp_catalogue_view_get_n_shown (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), 0);

  if (self->needs_load)
    sp_catalogue_view_reload (self);
  return self->n_shown;
}

GtkEditable *
sp_catalogue_view_get_search_entry (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}
