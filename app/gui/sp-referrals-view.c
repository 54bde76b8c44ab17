/* sp-referrals-view.c — every referral, filtered by state and searched
 *
 * A GtkListView over SpReferralList, newest first: search as you type by
 * patient, NHS number or offering, and a choice of state (all, the open
 * ones, or any one state). Enter in the search opens the first referral
 * listed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-referrals-view"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-referral-row.h"
#include "sp-referrals-view.h"
#include "sp-vocab.h"

struct _SpReferralsView
{
  AdwBin          parent_instance;

  GtkSearchBar   *search_bar;
  GtkSearchEntry *search_entry;
  GtkDropDown    *status_dropdown;
  GtkLabel       *count_label;
  GtkStack       *list_stack;
  GtkListView    *list_view;
  AdwStatusPage  *empty_page;
  GtkSpinner     *spinner;

  SpStore        *store;
  SpReferralList *model;   /* made when the view is first shown */
};

G_DEFINE_FINAL_TYPE (SpReferralsView, sp_referrals_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SEARCH_MODE,
  N_PROPS
};

enum {
  REFERRAL_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];

static void map_cb (SpReferralsView *self);
static guint signals[N_SIGNALS];

/* The choices of the state filter: all, the open ones, then each state. */
#define CHOICE_ALL   0
#define CHOICE_OPEN  1
#define CHOICE_FIRST 2

static const char *
status_at (guint position)
{
  const SpVocabEntry *entries;
  guint n;

  if (position == CHOICE_ALL || position == GTK_INVALID_LIST_POSITION)
    return NULL;
  if (position == CHOICE_OPEN)
    return SP_REFERRAL_LIST_OPEN;
  entries = sp_vocab_entries (SP_VOCAB_REFERRAL_STATUS, &n);
  return position - CHOICE_FIRST < n ? entries[position - CHOICE_FIRST].code : NULL;
}

static gboolean
filtering (SpReferralsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  return (text != NULL && *text != '\0') ||
         gtk_drop_down_get_selected (self->status_dropdown) != CHOICE_ALL;
}

static void
update_state (SpReferralsView *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  gboolean loading = self->model == NULL || sp_referral_list_get_loading (self->model);
  g_autofree char *count = NULL;

  {
    g_autofree char *number = sp_gui_format_count (n);

    /* Translators: %s is a count, e.g. "1,665" */
    count = g_strdup_printf (ngettext ("%s referral", "%s referrals", n), number);
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
      const GError *error = sp_referral_list_get_error (self->model);

      gtk_spinner_stop (self->spinner);
      if (error != NULL)
        {
          adw_status_page_set_icon_name (self->empty_page, "dialog-error-symbolic");
          adw_status_page_set_title (self->empty_page, _("The Referrals Cannot Be Read"));
          adw_status_page_set_description (self->empty_page, error->message);
        }
      else if (filtering (self))
        {
          adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Referrals Match"));
          adw_status_page_set_description (self->empty_page,
                                           _("Check the spelling, type less of the name, or show referrals in every state."));
        }
      else
        {
          adw_status_page_set_icon_name (self->empty_page, "mail-send-symbolic");
          adw_status_page_set_title (self->empty_page, _("No Referrals Yet"));
          adw_status_page_set_description (self->empty_page,
                                           _("Open a patient and choose Find Offerings to refer them."));
        }
      gtk_stack_set_visible_child_name (self->list_stack, "empty");
    }
}

static void
search_changed_cb (SpReferralsView *self)
{
  if (self->model != NULL)
    sp_referral_list_set_search_text (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  update_state (self);
}

static void
status_changed_cb (SpReferralsView *self)
{
  if (self->model != NULL)
    sp_referral_list_set_status_filter (self->model, status_at (gtk_drop_down_get_selected (self->status_dropdown)));
  update_state (self);
}

static void
open_position (SpReferralsView *self,
               guint            position)
{
  g_autoptr(SpReferralItem) item = NULL;

  if (self->model == NULL)
    return;
  item = g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (item != NULL)
    g_signal_emit (self, signals[REFERRAL_ACTIVATED], 0, sp_referral_item_get_id (item));
}

static void
search_activate_cb (SpReferralsView *self)
{
  /* Make sure a search typed fast is applied before choosing. */
  search_changed_cb (self);
  open_position (self, 0);
}

static void
stop_search_cb (SpReferralsView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
list_activate_cb (SpReferralsView *self,
                  guint            position)
{
  open_position (self, position);
}

static void
search_mode_changed_cb (SpReferralsView *self)
{
  /* A closed search bar must not keep filtering out of sight. */
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, sp_referral_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  sp_referral_row_set_item (SP_REFERRAL_ROW (gtk_list_item_get_child (list_item)),
                            gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  sp_referral_row_set_item (SP_REFERRAL_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static gboolean
sp_referrals_view_grab_focus (GtkWidget *widget)
{
  SpReferralsView *self = SP_REFERRALS_VIEW (widget);

  if (gtk_search_bar_get_search_mode (self->search_bar))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  return gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
sp_referrals_view_dispose (GObject *object)
{
  SpReferralsView *self = SP_REFERRALS_VIEW (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_REFERRALS_VIEW);
  g_clear_object (&self->model);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_referrals_view_parent_class)->dispose (object);
}

static void
sp_referrals_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SpReferralsView *self = SP_REFERRALS_VIEW (object);

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
sp_referrals_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SpReferralsView *self = SP_REFERRALS_VIEW (object);

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
sp_referrals_view_class_init (SpReferralsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_referrals_view_dispose;
  object_class->get_property = sp_referrals_view_get_property;
  object_class->set_property = sp_referrals_view_set_property;
  widget_class->grab_focus = sp_referrals_view_grab_focus;

  /* Whether the search bar is open. */
  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SpReferralsView::referral-activated:
   * @referral_id: the referral's id
   *
   * The user chose a referral to open.
   */
  signals[REFERRAL_ACTIVATED] =
    g_signal_new ("referral-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-referrals-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SpReferralsView, spinner);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, status_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
}

static void
sp_referrals_view_init (SpReferralsView *self)
{
  g_autoptr(GtkStringList) choices = gtk_string_list_new (NULL);
  GtkListItemFactory *factory;
  const SpVocabEntry *entries;
  guint n;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (choices, _("Every state"));
  gtk_string_list_append (choices, _("Open (draft to attending)"));
  entries = sp_vocab_entries (SP_VOCAB_REFERRAL_STATUS, &n);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (choices, sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, entries[i].code));
  gtk_drop_down_set_model (self->status_dropdown, G_LIST_MODEL (choices));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_changed_cb), self, G_CONNECT_SWAPPED);

  update_state (self);
}

/* The referrals are read when the view is first shown, not at start-up:
 * a region's desk holds hundreds of thousands, and most sessions never
 * open this view. */
static void
ensure_model (SpReferralsView *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  if (self->model != NULL || self->store == NULL)
    return;
  self->model = sp_referral_list_new (self->store);
  sp_referral_list_set_search_text (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  sp_referral_list_set_status_filter (self->model, status_at (gtk_drop_down_get_selected (self->status_dropdown)));
  g_signal_connect_swapped (self->model, "notify::n-items", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (self->model, "notify::loading", G_CALLBACK (update_state), self);

  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  update_state (self);
}

static void
map_cb (SpReferralsView *self)
{
  ensure_model (self);
}

void
sp_referrals_view_set_store (SpReferralsView *self,
                             SpStore         *store)
{
  g_return_if_fail (SP_IS_REFERRALS_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  if (self->model != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->model, self);
      g_clear_object (&self->model);
      gtk_list_view_set_model (self->list_view, NULL);
    }
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    ensure_model (self);
  update_state (self);
}

SpReferralList *
sp_referrals_view_get_model (SpReferralsView *self)
{
  g_return_val_if_fail (SP_IS_REFERRALS_VIEW (self), NULL);
  return self->model;
}

/* Reads the referrals again after the store changed. */
void
sp_referrals_view_refresh (SpReferralsView *self)
{
  g_return_if_fail (SP_IS_REFERRALS_VIEW (self));

  if (self->model != NULL)
    sp_referral_list_refresh (self->model);
  else if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    ensure_model (self);
}

GtkEditable *
sp_referrals_view_get_search_entry (SpReferralsView *self)
{
  g_return_val_if_fail (SP_IS_REFERRALS_VIEW (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

GtkDropDown *
sp_referrals_view_get_status_filter (SpReferralsView *self)
{
  g_return_val_if_fail (SP_IS_REFERRALS_VIEW (self), NULL);
  return self->status_dropdown;
}

/* Chooses the state filter as a user would: NULL for every state,
 * SP_REFERRAL_LIST_OPEN, or a status code. */
gboolean
sp_referrals_view_select_status (SpReferralsView *self,
                                 const char      *status)
{
  guint n;

  g_return_val_if_fail (SP_IS_REFERRALS_VIEW (self), FALSE);

  n = g_list_model_get_n_items (gtk_drop_down_get_model (self->status_dropdown));

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (status_at (i), status) == 0)
      {
        gtk_drop_down_set_selected (self->status_dropdown, i);
        return TRUE;
      }
  return FALSE;
}

GtkListView *
sp_referrals_view_get_list_view (SpReferralsView *self)
{
  g_return_val_if_fail (SP_IS_REFERRALS_VIEW (self), NULL);
  return self->list_view;
}
