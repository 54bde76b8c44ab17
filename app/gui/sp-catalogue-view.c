/* sp-catalogue-view.c — the shared catalogue of offerings, to browse
 *
 * A GtkListView over every offering (SpOfferingItem in an SpOfferingList), so
 * only the rows in sight are ever built, whatever the size of the
 * catalogue. The offerings are read in a worker thread on a connection of
 * its own when the view is first shown, and again when the store changed
 * while it was hidden. Search (every word in the name, activity, format,
 * provider, place or conditions) and the filters — activity, condition
 * targeted, format, day and the most the patient pays a session — narrow
 * that list, which keeps its rows' items and gives them other offerings
 * rather than replacing them. The offering chosen in the list is shown in full
 * beside it (SpOfferingDetail), or in its place on a narrow window; a
 * catalogue admin edits it from there.
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
#include "sp-offering-detail.h"
#include "sp-offering-editor.h"
#include "sp-offering-item.h"
#include "sp-offering-list.h"
#include "sp-offering-row.h"
#include "sp-validate.h"
#include "sp-vocab.h"
#include "sp-window.h"

struct _SpCatalogueView
{
  AdwBin              parent_instance;

  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkWidget          *admin_bar;
  GtkWidget          *admin_buttons;
  GtkFlowBox         *filter_box;
  GtkDropDown        *modality_dropdown;
  GtkDropDown        *condition_dropdown;
  GtkDropDown        *format_dropdown;
  GtkDropDown        *day_dropdown;
  GtkDropDown        *cost_dropdown;
  GtkDropDown        *band_dropdown;
  GtkLabel           *count_label;
  GtkWidget          *clear_button;
  GtkStack           *stack;
  GtkSpinner         *spinner;
  AdwStatusPage      *empty_page;
  AdwLeaflet         *leaflet;
  GtkWidget          *list_scroller;
  GtkListView        *list_view;
  SpOfferingDetail   *detail;

  SpOfferingList     *shown;       /* the catalogue, and which of it is shown */
  GtkSingleSelection *selection;

  SpStore            *store;
  GCancellable       *cancellable;
  guint               generation;    /* of the latest load asked for */
  gboolean            loading;
  gboolean            needs_load;    /* the store changed while the view was not shown */
  gboolean            focus_list_when_loaded;
  GError             *load_error;
  char               *keep_id;       /* the offering to choose again after a load */

  /* What the filters ask for; NULL or -1 for anything. */
  char              **search_words;  /* casefolded */
  const char         *modality;
  const char         *condition;
  const char         *format;
  const char         *day;
  gint64              max_cost;
  const char         *income_band;
};

G_DEFINE_FINAL_TYPE (SpCatalogueView, sp_catalogue_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SEARCH_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The most a patient pays a session, in the order of the cost drop-down
 * after "Any cost". */
static const gint64 cost_limits[] = { 0, 250, 500, 1000 };

/* ---- The filters -------------------------------------------------------- */

/* The code at @position of a drop-down whose first choice is "Any …". */
static const char *
vocab_code_at (SpVocab vocab,
               guint   position)
{
  const SpVocabEntry *entries;
  guint n;

  if (position == 0 || position == GTK_INVALID_LIST_POSITION)
    return NULL;
  entries = sp_vocab_entries (vocab, &n);
  return position - 1 < n ? entries[position - 1].code : NULL;
}

/* The condition drop-down lists the MSK conditions, then the MH ones. */
static const char *
condition_at (guint position)
{
  guint n_msk;

  if (position == 0 || position == GTK_INVALID_LIST_POSITION)
    return NULL;
  sp_vocab_entries (SP_VOCAB_MSK_CONDITION, &n_msk);
  if (position - 1 < n_msk)
    return vocab_code_at (SP_VOCAB_MSK_CONDITION, position);
  return vocab_code_at (SP_VOCAB_MH_CONDITION, position - n_msk);
}

/* The income bands a patient is recorded in: "not recorded" pays as
 * standard does and is left out. */
static gboolean
is_choosable_band (const char *code)
{
  return g_strcmp0 (code, "unknown") != 0;
}

static const char *
income_band_at (guint position)
{
  const SpVocabEntry *entries;
  guint n;

  if (position == 0 || position == GTK_INVALID_LIST_POSITION)
    return NULL;
  entries = sp_vocab_entries (SP_VOCAB_INCOME_BAND, &n);
  for (guint i = 0, shown = 0; i < n; i++)
    if (is_choosable_band (entries[i].code) && ++shown == position)
      return entries[i].code;
  return NULL;
}

static gboolean
filtering (SpCatalogueView *self)
{
  return self->modality != NULL || self->condition != NULL || self->format != NULL ||
         self->day != NULL || self->max_cost >= 0;
}

static gboolean
offering_shown (SpOfferingItem *item,
                gpointer        user_data)
{
  SpCatalogueView *self = user_data;
  const SpOffering *offering = sp_offering_item_get_offering (item);

  if (self->modality != NULL && g_strcmp0 (offering->modality, self->modality) != 0)
    return FALSE;
  if (self->format != NULL && g_strcmp0 (offering->format, self->format) != 0)
    return FALSE;
  if (self->condition != NULL && !sp_offering_item_targets (item, self->condition))
    return FALSE;
  if (self->day != NULL && !sp_offering_item_runs_on (item, self->day))
    return FALSE;
  if (self->max_cost >= 0)
    {
      gint64 cost = self->income_band != NULL ? sp_offering_item_get_cost (item, self->income_band)
                                              : sp_offering_item_get_lowest_cost (item);
      if (cost > self->max_cost)
        return FALSE;
    }
  return sp_offering_item_has_words (item, self->search_words);
}

static void
update_state (SpCatalogueView *self)
{
  guint n_all = sp_offering_list_get_n_offerings (self->shown);
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->shown));
  g_autofree char *count = NULL;

  if (n_all == 0 && (self->loading || self->needs_load))
    count = g_strdup ("");
  else
    {
      g_autofree char *all = sp_gui_format_count (n_all);
      g_autofree char *shown = sp_gui_format_count (n_shown);

      /* Translators: %s are counts, e.g. "1,665" */
      if (n_shown == n_all)
        count = g_strdup_printf (ngettext ("%s offering", "%s offerings", n_all), all);
      else
        count = g_strdup_printf (ngettext ("%s of %s offering", "%s of %s offerings", n_all), shown, all);
    }
  gtk_label_set_label (self->count_label, count);
  gtk_widget_set_visible (self->clear_button, filtering (self));

  if (n_shown > 0)
    {
      gtk_spinner_stop (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "list");
      return;
    }
  if (n_all == 0 && (self->loading || self->needs_load))
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      return;
    }

  gtk_spinner_stop (self->spinner);
  if (self->load_error != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-error-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Catalogue Cannot Be Read"));
      adw_status_page_set_description (self->empty_page, self->load_error->message);
    }
  else if (n_all == 0)
    {
      adw_status_page_set_icon_name (self->empty_page, "view-grid-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Catalogue Is Empty"));
      adw_status_page_set_description (self->empty_page,
                                       _("No offerings are recorded yet. The catalogue comes from your catalogue admin."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Offerings Match"));
      adw_status_page_set_description (self->empty_page,
                                       filtering (self)
                                       ? _("No offering fits every filter chosen. Clear a filter, or try another word.")
                                       : _("Try another word: an activity such as “yoga”, a provider, or a condition such as “back pain”."));
    }
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* GTK 4.8 has no gtk_list_view_scroll_to(); the list's own action does it. */
static void
scroll_to (SpCatalogueView *self,
           guint            position)
{
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

/* Applies the search and filters again. The offering shown in full stays
 * when the list still holds it; else the first one the list shows is. */
static void
refilter (SpCatalogueView *self)
{
  SpOfferingItem *chosen = gtk_single_selection_get_selected_item (self->selection);
  g_autofree char *chosen_id = chosen != NULL ? g_strdup (sp_offering_item_get_id (chosen)) : NULL;
  gint position;

  sp_offering_list_refilter (self->shown);
  position = sp_offering_list_find (self->shown, chosen_id);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->shown)) > 0)
    {
      gtk_single_selection_set_selected (self->selection, MAX (position, 0));
      scroll_to (self, MAX (position, 0));
    }
  update_state (self);
}

static void
filter_changed_cb (SpCatalogueView *self)
{
  guint cost = gtk_drop_down_get_selected (self->cost_dropdown);

  /* Signals can fire while the template is still being built. */
  if (self->shown == NULL)
    return;

  self->modality = vocab_code_at (SP_VOCAB_MODALITY, gtk_drop_down_get_selected (self->modality_dropdown));
  self->condition = condition_at (gtk_drop_down_get_selected (self->condition_dropdown));
  self->format = vocab_code_at (SP_VOCAB_FORMAT, gtk_drop_down_get_selected (self->format_dropdown));
  self->day = vocab_code_at (SP_VOCAB_DAY, gtk_drop_down_get_selected (self->day_dropdown));
  self->max_cost = cost > 0 && cost - 1 < G_N_ELEMENTS (cost_limits) ? cost_limits[cost - 1] : -1;
  self->income_band = income_band_at (gtk_drop_down_get_selected (self->band_dropdown));
  /* The income band only matters for a limit on the cost. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->band_dropdown), self->max_cost >= 0);
  refilter (self);
}

static void
search_changed_cb (SpCatalogueView *self)
{
  g_autofree char *folded = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);

  g_strfreev (self->search_words);
  self->search_words = g_strsplit (g_strstrip (folded), " ", -1);
  refilter (self);
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

static void
clear_filters_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);
  GtkDropDown *dropdowns[] = { self->modality_dropdown, self->condition_dropdown, self->format_dropdown,
                               self->day_dropdown, self->cost_dropdown, self->band_dropdown };

  for (guint i = 0; i < G_N_ELEMENTS (dropdowns); i++)
    gtk_drop_down_set_selected (dropdowns[i], 0);
  /* The button goes; focus stays in the filters. */
  gtk_widget_grab_focus (GTK_WIDGET (self->modality_dropdown));
}

static void
fill_dropdown (GtkDropDown *dropdown,
               const char  *any,
               SpVocab      vocab,
               SpVocab      more)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  SpVocab vocabs[] = { vocab, more };

  gtk_string_list_append (labels, any);
  for (guint v = 0; v < (more == vocab ? 1 : 2); v++)
    {
      const SpVocabEntry *entries;
      guint n;

      entries = sp_vocab_entries (vocabs[v], &n);
      for (guint i = 0; i < n; i++)
        if (vocabs[v] != SP_VOCAB_INCOME_BAND || is_choosable_band (entries[i].code))
          gtk_string_list_append (labels, sp_vocab_label (vocabs[v], entries[i].code));
    }
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (labels));
}

static void
fill_filters (SpCatalogueView *self)
{
  g_autoptr(GtkStringList) costs = gtk_string_list_new (NULL);

  fill_dropdown (self->modality_dropdown, _("Any activity"), SP_VOCAB_MODALITY, SP_VOCAB_MODALITY);
  fill_dropdown (self->condition_dropdown, _("Any condition"), SP_VOCAB_MSK_CONDITION, SP_VOCAB_MH_CONDITION);
  fill_dropdown (self->format_dropdown, _("Any format"), SP_VOCAB_FORMAT, SP_VOCAB_FORMAT);
  fill_dropdown (self->day_dropdown, _("Any day"), SP_VOCAB_DAY, SP_VOCAB_DAY);
  fill_dropdown (self->band_dropdown, _("Any income band"), SP_VOCAB_INCOME_BAND, SP_VOCAB_INCOME_BAND);

  gtk_string_list_append (costs, _("Any cost"));
  for (guint i = 0; i < G_N_ELEMENTS (cost_limits); i++)
    {
      g_autofree char *money = NULL;
      g_autofree char *label = NULL;

      if (cost_limits[i] == 0)
        {
          gtk_string_list_append (costs, _("No charge to the patient"));
          continue;
        }
      money = sp_money_format (cost_limits[i]);
      /* Translators: a limit on what the patient pays, e.g. "Up to £5.00 a session" */
      label = g_strdup_printf (_("Up to %s a session"), money);
      gtk_string_list_append (costs, label);
    }
  gtk_drop_down_set_model (self->cost_dropdown, G_LIST_MODEL (costs));
}

/* ---- The list and the offering chosen ------------------------------------ */

static SpOfferingItem *
selected_item (SpCatalogueView *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

static gboolean
is_admin (SpCatalogueView *self)
{
  return self->store != NULL && (sp_store_get_roles (self->store) & SP_ROLE_ADMIN) != 0;
}

static void
selection_changed_cb (SpCatalogueView *self)
{
  SpOfferingItem *item = selected_item (self);

  sp_offering_detail_set_item (self->detail, item);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "catalogue.edit", item != NULL && is_admin (self));
}

static void
show_detail (SpCatalogueView *self)
{
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->detail));
  gtk_widget_grab_focus (GTK_WIDGET (self->detail));
}

/* Enter or a double click (a single click on a narrow window): the
 * offering in full, and the focus into it. */
static void
list_activate_cb (SpCatalogueView *self,
                  guint            position)
{
  gtk_single_selection_set_selected (self->selection, position);
  if (selected_item (self) != NULL)
    show_detail (self);
}

static void
search_activate_cb (SpCatalogueView *self)
{
  /* Make sure a search typed fast is applied before choosing. */
  search_changed_cb (self);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->shown)) > 0)
    list_activate_cb (self, 0);
}

static void
show_list_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->list_scroller);
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
folded_changed_cb (SpCatalogueView *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  /* Side by side, a click chooses and the detail follows; folded, the
   * detail is out of sight, so a click opens it. */
  gtk_list_view_set_single_click_activate (self->list_view, folded);
  g_object_set (self->detail, "show-back", folded, NULL);
}

/* Back to the list by a swipe or Alt+←: the focus must not stay behind,
 * out of sight, in the detail. */
static void
visible_child_changed_cb (SpCatalogueView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (adw_leaflet_get_folded (self->leaflet) &&
      adw_leaflet_get_visible_child (self->leaflet) == self->list_scroller &&
      focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->detail)))
    gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, sp_offering_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  sp_offering_row_set_item (SP_OFFERING_ROW (gtk_list_item_get_child (list_item)),
                            gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  sp_offering_row_set_item (SP_OFFERING_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* Chooses the offering @id in the list, when it is shown. */
static gboolean
select_offering (SpCatalogueView *self,
                 const char      *id)
{
  gint position = sp_offering_list_find (self->shown, id);

  if (position < 0)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  scroll_to (self, position);
  return TRUE;
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
offering_saved_cb (SpOfferingEditor *editor,
                   gboolean          added,
                   SpCatalogueView  *self)
{
  /* The list is read again; the offering saved stays chosen. */
  g_free (self->keep_id);
  self->keep_id = g_strdup (sp_offering_editor_get_offering_id (editor));
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
  g_signal_connect_object (editor, "saved", G_CALLBACK (offering_saved_cb), self, 0);
  sp_gui_present_dialog (GTK_WIDGET (self), GTK_WINDOW (editor));
}

static void
add_offering_cb (SpCatalogueView *self)
{
  open_offering_editor (self, NULL);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);
  SpOfferingItem *item = selected_item (self);

  if (item != NULL && is_admin (self))
    open_offering_editor (self, sp_offering_item_get_id (item));
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

/* ---- Reading the catalogue (worker thread) -------------------------------- */

typedef struct
{
  char    *path;
  char    *user;
  SpRoles  roles;
  GStrv    practices;
  guint    generation;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_free (job->user);
  g_strfreev (job->practices);
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
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GPtrArray) offerings = NULL;
  g_autoptr(GHashTable) provider_names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) items = NULL;
  g_autofree gpointer *stolen = NULL;
  gsize n = 0;

  /* The store is one-per-thread: this thread opens its own. */
  store = sp_store_open (job->path, &error);
  if (store != NULL)
    {
      if (job->user != NULL)
        sp_store_set_actor (store, job->user, job->roles, (const char * const *) job->practices);
      providers = sp_store_list (store, &sp_entity_provider, NULL, NULL, &error);
    }
  if (providers != NULL)
    offerings = sp_store_list (store, &sp_entity_offering,
                               "WHERE deleted = 0 ORDER BY active DESC, name COLLATE NOCASE", NULL, &error);
  if (offerings == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < providers->len; i++)
    {
      SpProvider *provider = providers->pdata[i];
      g_hash_table_insert (provider_names, provider->record.id, provider->name);
    }

  /* The items take the offerings over. */
  items = g_ptr_array_new_full (offerings->len, g_object_unref);
  stolen = g_ptr_array_steal (offerings, &n);
  for (gsize i = 0; i < n; i++)
    {
      SpOffering *offering = stolen[i];
      const char *provider = offering->provider_id ? g_hash_table_lookup (provider_names, offering->provider_id)
                                                   : NULL;

      g_ptr_array_add (items, sp_offering_item_new (offering, provider));
    }
  g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (source);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_task_propagate_pointer (G_TASK (result), &error);
  SpOfferingItem *chosen;
  g_autofree char *keep_id = NULL;
  gboolean admin;

  /* Cancelled: the view is gone, or a newer load is under way. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || job->generation != self->generation)
    return;

  self->loading = FALSE;
  g_clear_error (&self->load_error);

  /* The offering chosen before stays chosen, if it is still there. */
  chosen = selected_item (self);
  keep_id = self->keep_id ? g_steal_pointer (&self->keep_id)
                          : g_strdup (chosen ? sp_offering_item_get_id (chosen) : NULL);

  if (items == NULL)
    {
      g_autoptr(GPtrArray) none = g_ptr_array_new ();

      self->load_error = g_steal_pointer (&error);
      sp_offering_list_set_offerings (self->shown, none);
    }
  else
    sp_offering_list_set_offerings (self->shown, items);

  if (!select_offering (self, keep_id) && g_list_model_get_n_items (G_LIST_MODEL (self->shown)) > 0)
    gtk_single_selection_set_selected (self->selection, 0);

  admin = is_admin (self);
  gtk_widget_set_visible (self->admin_bar, admin);
  g_object_set (self->detail, "can-edit", admin, NULL);
  selection_changed_cb (self);
  update_state (self);

  /* The view was opened while reading, and the focus was left where the
   * view put it: it goes on to the list. */
  if (self->focus_list_when_loaded)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

      self->focus_list_when_loaded = FALSE;
      if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->modality_dropdown)) &&
          g_list_model_get_n_items (G_LIST_MODEL (self->shown)) > 0)
        gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
    }
}

static void
start_load (SpCatalogueView *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;
  const char * const *practices = sp_store_get_practices (self->store);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (sp_store_get_path (self->store));
  job->user = g_strdup (sp_store_get_user (self->store));
  job->roles = sp_store_get_roles (self->store);
  job->practices = practices ? g_strdupv ((char **) practices) : NULL;
  job->generation = ++self->generation;

  task = g_task_new (self, self->cancellable, load_done_cb, NULL);
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  self->loading = TRUE;
  self->needs_load = FALSE;
  g_task_run_in_thread (task, load_thread);
  update_state (self);
}

/* ---- GObject ------------------------------------------------------------ */

static gboolean
sp_catalogue_view_grab_focus (GtkWidget *widget)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);

  if (gtk_search_bar_get_search_mode (self->search_bar))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "list") == 0)
    return gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
  /* Still reading: the first filter for now, the list once it is there. */
  self->focus_list_when_loaded = self->loading || self->needs_load;
  return gtk_widget_grab_focus (GTK_WIDGET (self->modality_dropdown));
}

static void
sp_catalogue_view_dispose (GObject *object)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CATALOGUE_VIEW);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->shown);
  g_clear_object (&self->store);
  g_clear_error (&self->load_error);
  g_clear_pointer (&self->keep_id, g_free);
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

/* The catalogue is read when the view is first shown, not at start-up,
 * and again when it changed while the view was hidden. */
static void
sp_catalogue_view_map (GtkWidget *widget)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);

  GTK_WIDGET_CLASS (sp_catalogue_view_parent_class)->map (widget);

  if (self->needs_load && self->store != NULL)
    start_load (self);
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

  g_type_ensure (SP_TYPE_OFFERING_DETAIL);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-catalogue-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, admin_bar);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, admin_buttons);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, filter_box);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, modality_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, condition_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, format_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, day_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, cost_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, band_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, clear_button);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, stack);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, spinner);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, list_scroller);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, detail);
  gtk_widget_class_bind_template_callback (widget_class, add_offering_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_file_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, folded_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_child_changed_cb);

  gtk_widget_class_install_action (widget_class, "catalogue.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "catalogue.show-list", NULL, show_list_action);
  gtk_widget_class_install_action (widget_class, "catalogue.clear-filters", NULL, clear_filters_action);
}

static void
sp_catalogue_view_init (SpCatalogueView *self)
{
  GtkListItemFactory *factory;

  self->max_cost = -1;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->shown = sp_offering_list_new (offering_shown, self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->shown)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  fill_filters (self);
  /* The filters and the admin's buttons are reached with Tab, not as
   * grids of their own. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->filter_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);
  for (GtkWidget *child = gtk_widget_get_first_child (self->admin_buttons); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);

  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_changed_cb), self, G_CONNECT_SWAPPED);
  folded_changed_cb (self);
  selection_changed_cb (self);
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
      g_autoptr(GPtrArray) none = g_ptr_array_new ();

      /* Another desk's catalogue is read afresh. */
      sp_offering_list_set_offerings (self->shown, none);
      sp_catalogue_view_reload (self);
    }
}

/* Reads the catalogue again: now if the view is shown, else when it is. */
void
sp_catalogue_view_reload (SpCatalogueView *self)
{
  g_return_if_fail (SP_IS_CATALOGUE_VIEW (self));

  if (self->store == NULL)
    return;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_load (self);
  else
    {
      self->needs_load = TRUE;
      update_state (self);
    }
}

/* Whether the offerings are still to be read, or being read. */
gboolean
sp_catalogue_view_get_loading (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), FALSE);
  return self->needs_load || self->loading;
}

/* How many offerings the search and the filters let through. */
guint
sp_catalogue_view_get_n_shown (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->shown));
}

/* How many offerings the catalogue holds. */
guint
sp_catalogue_view_get_n_offerings (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), 0);
  return sp_offering_list_get_n_offerings (self->shown);
}

/* The offerings shown, as a GListModel of SpOfferingItem. */
GListModel *
sp_catalogue_view_get_model (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), NULL);
  return G_LIST_MODEL (self->shown);
}

GtkEditable *
sp_catalogue_view_get_search_entry (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

/* A filter's drop-down: "modality", "condition", "format", "day", "cost"
 * or "income-band". */
GtkDropDown *
sp_catalogue_view_get_filter (SpCatalogueView *self,
                              const char      *name)
{
  struct { const char *name; GtkDropDown *dropdown; } filters[] = {
    { "modality", self->modality_dropdown },
    { "condition", self->condition_dropdown },
    { "format", self->format_dropdown },
    { "day", self->day_dropdown },
    { "cost", self->cost_dropdown },
    { "income-band", self->band_dropdown },
  };

  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    if (g_strcmp0 (filters[i].name, name) == 0)
      return filters[i].dropdown;
  g_return_val_if_reached (NULL);
}

/* The offering shown in full, or NULL. */
SpOfferingItem *
sp_catalogue_view_get_selected (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), NULL);
  return selected_item (self);
}

GtkListView *
sp_catalogue_view_get_list_view (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), NULL);
  return self->list_view;
}
