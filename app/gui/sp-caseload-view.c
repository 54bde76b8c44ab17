/* sp-caseload-view.c — every patient of the practice, searched and filtered
 *
 * A GtkListView over SpPatientList: search as you type by name or NHS
 * number, and filters for comorbid patients, open referrals and follow-ups
 * due. Typing anywhere in the view goes to the search entry; Enter in the
 * entry opens the first patient listed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-caseload-view"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-caseload-view.h"
#include "sp-patient-row.h"

struct _SpCaseloadView
{
  AdwBin            parent_instance;

  GtkSearchBar     *search_bar;
  GtkSearchEntry   *search_entry;
  GtkFlowBox       *filter_box;
  GtkToggleButton  *comorbid_button;
  GtkToggleButton  *open_button;
  GtkToggleButton  *due_button;
  GtkLabel         *count_label;
  GtkStack         *list_stack;
  GtkListView      *list_view;
  AdwStatusPage    *empty_page;
  GtkSpinner       *spinner;

  SpPatientList    *model;
  GPtrArray        *rows;        /* every SpPatientRow made, owned */
  GPtrArray        *spare_rows;  /* those GTK has let go of: not owned */
};

G_DEFINE_FINAL_TYPE (SpCaseloadView, sp_caseload_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SEARCH_MODE,
  N_PROPS
};

enum {
  PATIENT_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
filtering (SpCaseloadView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  return (text != NULL && *text != '\0') ||
         gtk_toggle_button_get_active (self->comorbid_button) ||
         gtk_toggle_button_get_active (self->open_button) ||
         gtk_toggle_button_get_active (self->due_button);
}

static void
update_state (SpCaseloadView *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  gboolean loading = self->model == NULL || sp_patient_list_get_loading (self->model);
  g_autofree char *count = NULL;

  /* Only the first screenful is here yet: a count of it would mislead. */
  if (self->model != NULL && sp_patient_list_is_partial (self->model))
    count = g_strdup (_("Loading the caseload"));
  else
    {
      g_autofree char *number = sp_gui_format_count (n);

      /* Translators: %s is a count, e.g. "1,665" */
      count = g_strdup_printf (ngettext ("%s patient", "%s patients", n), number);
    }
  gtk_label_set_label (self->count_label, count);

  if (n > 0)
    {
      gtk_spinner_stop (self->spinner);
      gtk_stack_set_visible_child_name (self->list_stack, "list");
    }
  else if (loading)
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->list_stack, "loading");
    }
  else
    {
      const GError *error = sp_patient_list_get_error (self->model);

      gtk_spinner_stop (self->spinner);
      if (error != NULL)
        {
          adw_status_page_set_icon_name (self->empty_page, "dialog-error-symbolic");
          adw_status_page_set_title (self->empty_page, _("The Caseload Cannot Be Read"));
          adw_status_page_set_description (self->empty_page, error->message);
        }
      else if (filtering (self))
        {
          adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Patients Match"));
          adw_status_page_set_description (self->empty_page,
                                           _("Check the spelling, type less of the name, or turn off a filter."));
        }
      else
        {
          adw_status_page_set_icon_name (self->empty_page, "system-users-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Patients Yet"));
          adw_status_page_set_description (self->empty_page,
                                           _("Add the first patient with the + button at the top, or press Ctrl+N."));
        }
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
}

/* A new search or filter shows its best matches, from the top: the list
 * keeps its rows at their places (only its tail changes), so it would
 * otherwise stay where it was scrolled. */
static void
scroll_to_top (SpCaseloadView *self)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));

  if (adjustment != NULL)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
}

static void
search_changed_cb (SpCaseloadView *self)
{
  if (self->model != NULL)
    sp_patient_list_set_search_text (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  update_state (self);
}

static void
open_position (SpCaseloadView *self,
               guint           position)
{
  g_autoptr(SpPatientItem) item = NULL;

  if (self->model == NULL)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (item != NULL && sp_patient_item_get_id (item) != NULL)
    g_signal_emit (self, signals[PATIENT_ACTIVATED], 0, sp_patient_item_get_id (item));
}

static void
search_activate_cb (SpCaseloadView *self)
{
  /* Make sure a search typed fast is applied before choosing. */
  search_changed_cb (self);
  open_position (self, 0);
}

static void
stop_search_cb (SpCaseloadView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
list_activate_cb (SpCaseloadView *self,
                  guint           position)
{
  open_position (self, position);
}

static void
search_mode_changed_cb (SpCaseloadView *self)
{
  /* A closed search bar must not keep filtering out of sight. */
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static void
row_parent_cb (GtkWidget      *row,
               GParamSpec     *pspec,
               SpCaseloadView *self)
{
  if (gtk_widget_get_parent (row) == NULL)
    g_ptr_array_add (self->spare_rows, row);
}

/* GTK 4.8's list view makes a new row for every item that comes into its
 * range and destroys it when the item goes: a search that narrows to a
 * handful of patients destroys some 180 rows, and the next letter, which
 * widens it to thousands, makes 180 again. The view keeps every row it
 * made and gives back those GTK has let go of. */
static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              SpCaseloadView           *self)
{
  GtkWidget *row;

  if (self->spare_rows->len > 0)
    row = g_ptr_array_steal_index_fast (self->spare_rows, self->spare_rows->len - 1);
  else
    {
      row = g_object_ref_sink (sp_patient_row_new ());
      g_ptr_array_add (self->rows, row);
      g_signal_connect (row, "notify::parent", G_CALLBACK (row_parent_cb), self);
    }
  gtk_list_item_set_child (list_item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  sp_patient_row_set_item (SP_PATIENT_ROW (gtk_list_item_get_child (list_item)),
                           gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  sp_patient_row_set_item (SP_PATIENT_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* Focus goes where the user most likely continues: the search, or the list. */
static gboolean
sp_caseload_view_grab_focus (GtkWidget *widget)
{
  SpCaseloadView *self = SP_CASELOAD_VIEW (widget);

  if (gtk_search_bar_get_search_mode (self->search_bar))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  return gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
sp_caseload_view_dispose (GObject *object)
{
  SpCaseloadView *self = SP_CASELOAD_VIEW (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    g_signal_handlers_disconnect_by_func (self->rows->pdata[i], row_parent_cb, self);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CASELOAD_VIEW);
  g_clear_object (&self->model);
  g_clear_pointer (&self->spare_rows, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (sp_caseload_view_parent_class)->dispose (object);
}

static void
sp_caseload_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpCaseloadView *self = SP_CASELOAD_VIEW (object);

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
sp_caseload_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpCaseloadView *self = SP_CASELOAD_VIEW (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      gtk_search_bar_set_search_mode (self->search_bar, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_caseload_view_class_init (SpCaseloadViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_caseload_view_dispose;
  object_class->get_property = sp_caseload_view_get_property;
  object_class->set_property = sp_caseload_view_set_property;
  widget_class->grab_focus = sp_caseload_view_grab_focus;

  /* Whether the search bar is open. */
  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SpCaseloadView::patient-activated:
   * @patient_id: the patient's id
   *
   * The user chose a patient to open.
   */
  signals[PATIENT_ACTIVATED] =
    g_signal_new ("patient-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-caseload-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, filter_box);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, comorbid_button);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, open_button);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, due_button);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SpCaseloadView, spinner);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
}

static void
sp_caseload_view_init (SpCaseloadView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->spare_rows = g_ptr_array_new ();
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  /* Tab goes straight to the filters, not to the flow box's cells. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->filter_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);

  /* Typing anywhere in the view searches. */
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_changed_cb), self, G_CONNECT_SWAPPED);

  update_state (self);
}

void
sp_caseload_view_set_store (SpCaseloadView *self,
                            SpStore        *store)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (SP_IS_CASELOAD_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (self->model != NULL)
    {
      if (sp_patient_list_get_store (self->model) == store)
        return;
      g_signal_handlers_disconnect_by_data (self->model, self);
      g_clear_object (&self->model);
    }

  self->model = sp_patient_list_new (store);
  sp_patient_list_set_search_text (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  g_object_bind_property (self->comorbid_button, "active", self->model, "comorbid-only", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->open_button, "active", self->model, "open-referrals-only", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->due_button, "active", self->model, "follow-up-due-only", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->model, "notify::n-items", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (self->model, "notify::loading", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (self->model, "notify::comorbid-only", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (self->model, "notify::open-referrals-only", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (self->model, "notify::follow-up-due-only", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (self->model, "notify::search-text", G_CALLBACK (scroll_to_top), self);
  g_signal_connect_swapped (self->model, "notify::comorbid-only", G_CALLBACK (scroll_to_top), self);
  g_signal_connect_swapped (self->model, "notify::open-referrals-only", G_CALLBACK (scroll_to_top), self);
  g_signal_connect_swapped (self->model, "notify::follow-up-due-only", G_CALLBACK (scroll_to_top), self);

  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  update_state (self);
}

SpPatientList *
sp_caseload_view_get_model (SpCaseloadView *self)
{
  g_return_val_if_fail (SP_IS_CASELOAD_VIEW (self), NULL);
  return self->model;
}

/* Reads the caseload again after the store changed. */
void
sp_caseload_view_refresh (SpCaseloadView *self)
{
  g_return_if_fail (SP_IS_CASELOAD_VIEW (self));

  if (self->model != NULL)
    sp_patient_list_refresh (self->model);
}

GtkEditable *
sp_caseload_view_get_search_entry (SpCaseloadView *self)
{
  g_return_val_if_fail (SP_IS_CASELOAD_VIEW (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

GtkToggleButton *
sp_caseload_view_get_comorbid_button (SpCaseloadView *self)
{
  g_return_val_if_fail (SP_IS_CASELOAD_VIEW (self), NULL);
  return self->comorbid_button;
}

GtkToggleButton *
sp_caseload_view_get_open_button (SpCaseloadView *self)
{
  g_return_val_if_fail (SP_IS_CASELOAD_VIEW (self), NULL);
  return self->open_button;
}

GtkToggleButton *
sp_caseload_view_get_due_button (SpCaseloadView *self)
{
  g_return_val_if_fail (SP_IS_CASELOAD_VIEW (self), NULL);
  return self->due_button;
}

GtkListView *
sp_caseload_view_get_list_view (SpCaseloadView *self)
{
  g_return_val_if_fail (SP_IS_CASELOAD_VIEW (self), NULL);
  return self->list_view;
}
