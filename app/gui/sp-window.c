/* sp-window.c — the main window: sidebar of views, and their content
 *
 * An AdwLeaflet holds the sidebar (Caseload, Catalogue, Referrals, Payments,
 * Look Up a Patient) and the content; the content is a stack of the views
 * and the pages reached from them (a patient, the offerings matched to
 * them, a referral). Each step back goes one page up: match → patient →
 * the view it came from, and referral → the patient or view it was opened
 * from; then to the sidebar when folded.
 *
 * A desk signed in as a GP only (no link-worker role) sees the read-only
 * look-up and nothing else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-conflicts-window.h"
#include "sp-gui-util.h"
#include "sp-measure-dialog.h"
#include "sp-patient-editor.h"
#include "sp-reports-view.h"
#include "sp-sign-in-dialog.h"
#include "sp-sync-button.h"
#include "sp-window.h"

struct _SpWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  GtkSpinner           *loading_spinner;
  AdwStatusPage        *error_page;
  AdwLeaflet           *leaflet;
  GtkListBox           *sidebar_list;
  GtkListBoxRow        *caseload_row;
  GtkListBoxRow        *catalogue_row;
  GtkListBoxRow        *referrals_row;
  GtkListBoxRow        *payments_row;
  GtkListBoxRow        *reports_row;
  GtkListBoxRow        *lookup_row;
  GtkLabel             *practice_label;
  GtkWidget            *content_box;
  GtkButton            *back_button;
  AdwWindowTitle       *content_title;
  GtkWidget            *search_button;
  GtkWidget            *add_button;
  GtkStack             *content_stack;
  SpCaseloadView       *caseload;
  SpCatalogueView      *catalogue;
  SpPatientPage        *patient_page;
  SpMatchPage          *match_page;
  SpReferralsView      *referrals;
  SpPaymentsView       *payments;
  SpReportsView        *reports;
  SpGpView             *lookup;
  SpReferralPage       *referral_page;
  SpSyncButton         *sync_button;
  GtkLabel             *mode_label;

  GSettings            *settings;
  SpStore              *store;
  char                 *view;          /* the sidebar's choice: "caseload", "referrals", … */
  char                 *referral_from; /* the page the referral page was opened from */
  gboolean              gp_only;       /* signed in as a GP, with no other role */
  gboolean              search_mode;
  GBinding             *search_binding;
};

G_DEFINE_FINAL_TYPE (SpWindow, sp_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SEARCH_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
visible_page (SpWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->content_stack);

  return name != NULL ? name : "caseload";
}

/* The sidebar's views, in its order. */
static const char * const views[] = { "caseload", "catalogue", "referrals", "payments", "reports", "lookup" };

static gboolean
page_is_view (const char *page)
{
  return page != NULL && g_strv_contains (views, page);
}

static GtkListBoxRow *
row_for_view (SpWindow   *self,
              const char *view)
{
  GtkListBoxRow *rows[] = { self->caseload_row, self->catalogue_row, self->referrals_row,
                            self->payments_row, self->reports_row, self->lookup_row };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (g_strcmp0 (gtk_widget_get_name (GTK_WIDGET (rows[i])), view) == 0)
      return rows[i];
  return self->caseload_row;
}

static void
set_search_mode (SpWindow *self,
                 gboolean  search_mode)
{
  search_mode = !!search_mode;
  if (self->search_mode == search_mode)
    return;
  self->search_mode = search_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

/* The header's search toggle follows the search bar of the view showing. */
static void
bind_search (SpWindow *self)
{
  const char *page = visible_page (self);
  GObject *view = NULL;

  g_clear_pointer (&self->search_binding, g_binding_unbind);

  if (g_strcmp0 (page, "caseload") == 0)
    view = G_OBJECT (self->caseload);
  else if (g_strcmp0 (page, "catalogue") == 0)
    view = G_OBJECT (self->catalogue);
  else if (g_strcmp0 (page, "referrals") == 0)
    view = G_OBJECT (self->referrals);

  if (view != NULL)
    self->search_binding = g_object_bind_property (view, "search-mode", self, "search-mode",
                                                   G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  else
    set_search_mode (self, FALSE);
}

static void
update_navigation (SpWindow *self)
{
  const char *page = visible_page (self);
  gboolean folded, on_content, searchable;
  gboolean has_store = self->store != NULL;
  GtkStackPage *stack_page;

  /* Signals can fire while the template is still being built. */
  if (self->leaflet == NULL || self->content_stack == NULL || self->patient_page == NULL ||
      self->caseload == NULL || self->catalogue == NULL || self->referrals == NULL ||
      self->referral_page == NULL || self->settings == NULL)
    return;

  folded = adw_leaflet_get_folded (self->leaflet);
  on_content = adw_leaflet_get_visible_child (self->leaflet) == self->content_box;

  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          !page_is_view (page) || (folded && on_content));

  stack_page = gtk_stack_get_page (self->content_stack, gtk_stack_get_visible_child (self->content_stack));
  adw_window_title_set_title (self->content_title, gtk_stack_page_get_title (stack_page));
  if (g_strcmp0 (page, "patient") == 0 || g_strcmp0 (page, "match") == 0)
    adw_window_title_set_subtitle (self->content_title, sp_patient_page_get_title (self->patient_page));
  else if (g_strcmp0 (page, "referral") == 0)
    adw_window_title_set_subtitle (self->content_title, sp_referral_page_get_title (self->referral_page));
  else
    adw_window_title_set_subtitle (self->content_title, NULL);

  /* The views with a search bar of their own. */
  searchable = g_strcmp0 (page, "caseload") == 0 || g_strcmp0 (page, "catalogue") == 0 ||
               g_strcmp0 (page, "referrals") == 0;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", searchable);
  gtk_widget_set_visible (self->search_button, searchable);
  gtk_widget_set_visible (self->add_button, !self->gp_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-patient", has_store && !self->gp_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.edit-patient",
                                 has_store && g_strcmp0 (page, "patient") == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.match-patient",
                                 has_store && g_strcmp0 (page, "patient") == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.take-measure",
                                 has_store && (g_strcmp0 (page, "patient") == 0 || g_strcmp0 (page, "referral") == 0));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-referral", has_store && !self->gp_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-patient", has_store && !self->gp_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back",
                                 !page_is_view (page) || (folded && on_content));

  bind_search (self);
}

/* Leaving a referral's page writes a move still waiting on its toast: the
 * page that comes next reads the store, and must show what the user did. */
static void
leave_referral_page (SpWindow   *self,
                     const char *to)
{
  if (self->referral_page != NULL && g_strcmp0 (visible_page (self), "referral") == 0 &&
      g_strcmp0 (to, "referral") != 0)
    sp_referral_page_commit_pending (self->referral_page);
}

/* Likewise a patient's page writes a condition's removal still waiting. */
static void
leave_patient_page (SpWindow   *self,
                    const char *to)
{
  if (self->patient_page != NULL && g_strcmp0 (visible_page (self), "patient") == 0 &&
      g_strcmp0 (to, "patient") != 0)
    sp_patient_page_commit_pending (self->patient_page);
}

static void
show_page (SpWindow   *self,
           const char *page)
{
  leave_referral_page (self, page);
  leave_patient_page (self, page);
  gtk_stack_set_visible_child_name (self->content_stack, page);
  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
  update_navigation (self);
  /* Focus follows to the page shown, never stays on a hidden one. */
  gtk_widget_grab_focus (gtk_stack_get_visible_child (self->content_stack));
}

/* Remembered for the next start when the settings schema knows the view;
 * an older schema only lists some, and the others are simply not kept. */
static void
remember_view (SpWindow   *self,
               const char *view)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) key = NULL;
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_string (view));

  g_object_get (self->settings, "settings-schema", &schema, NULL);
  key = g_settings_schema_get_key (schema, "last-view");
  if (g_settings_schema_key_range_check (key, value))
    g_settings_set_string (self->settings, "last-view", view);
}

static void
show_view (SpWindow   *self,
           const char *view)
{
  GtkListBoxRow *row = row_for_view (self, self->gp_only ? "lookup" : view);

  leave_referral_page (self, view);
  g_free (self->view);
  self->view = g_strdup (gtk_widget_get_name (GTK_WIDGET (row)));
  if (gtk_list_box_get_selected_row (self->sidebar_list) != row)
    gtk_list_box_select_row (self->sidebar_list, row);
  gtk_stack_set_visible_child_name (self->content_stack, self->view);
  if (!self->gp_only)
    remember_view (self, self->view);
  /* Lists of things that change elsewhere are read again when shown. */
  if (self->store != NULL && g_str_equal (self->view, "referrals"))
    sp_referrals_view_refresh (self->referrals);
  else if (self->store != NULL && g_str_equal (self->view, "payments"))
    sp_payments_view_refresh (self->payments);
  else if (self->store != NULL && g_str_equal (self->view, "reports"))
    sp_reports_view_refresh (self->reports);
  update_navigation (self);
}

static void
sidebar_row_selected_cb (SpWindow      *self,
                         GtkListBoxRow *row)
{
  if (row != NULL && g_strcmp0 (self->view, gtk_widget_get_name (GTK_WIDGET (row))) != 0)
    show_view (self, gtk_widget_get_name (GTK_WIDGET (row)));
}

static void
sidebar_row_activated_cb (SpWindow      *self,
                          GtkListBoxRow *row)
{
  /* Choosing the view again goes back to its list from a page under it. */
  show_view (self, gtk_widget_get_name (GTK_WIDGET (row)));
  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
}

static void
toast_error (SpWindow     *self,
             const GError *error)
{
  AdwToast *toast = adw_toast_new (error->message);

  adw_toast_set_timeout (toast, 10);
  sp_window_add_toast (self, toast);
}

gboolean
sp_window_open_patient (SpWindow   *self,
                        const char *patient_id)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (SP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  if (!sp_patient_page_load (self->patient_page, patient_id, &error))
    {
      toast_error (self, error);
      return FALSE;
    }
  show_page (self, "patient");
  return TRUE;
}

static void
patient_activated_cb (SpWindow   *self,
                      const char *patient_id)
{
  sp_window_open_patient (self, patient_id);
}

/* Opens a referral's page; Back returns to the page showing now. */
gboolean
sp_window_open_referral (SpWindow   *self,
                         const char *referral_id)
{
  g_autoptr(GError) error = NULL;
  const char *from = visible_page (self);

  g_return_val_if_fail (SP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (referral_id != NULL, FALSE);

  if (!sp_referral_page_load (self->referral_page, self->store, referral_id, &error))
    {
      toast_error (self, error);
      return FALSE;
    }
  if (g_strcmp0 (from, "referral") != 0)
    {
      g_free (self->referral_from);
      self->referral_from = g_strdup (from);
    }
  show_page (self, "referral");
  return TRUE;
}

static void
referral_activated_cb (SpWindow   *self,
                       const char *referral_id)
{
  sp_window_open_referral (self, referral_id);
}

/* The referral page wrote to the store: the lists are out of date. */
static void
referral_changed_cb (SpWindow *self)
{
  sp_caseload_view_refresh (self->caseload);
  sp_referrals_view_refresh (self->referrals);
  update_navigation (self);
  sp_sync_button_refresh (self->sync_button);
}

static void
patient_saved_cb (SpWindow        *self,
                  const char      *patient_id,
                  SpPatientEditor *editor)
{
  gboolean added = sp_patient_editor_get_patient_id (editor) == NULL;

  sp_caseload_view_refresh (self->caseload);
  sp_sync_button_refresh (self->sync_button);
  sp_window_open_patient (self, patient_id);
  sp_window_add_toast (self, adw_toast_new (added ? _("Patient added") : _("Changes saved")));
}

static void
referred_cb (SpWindow   *self,
             const char *offering_name)
{
  g_autofree char *message = g_strdup_printf (_("Referred to %s"), offering_name);

  sp_caseload_view_refresh (self->caseload);
  sp_window_open_patient (self, sp_patient_page_get_patient_id (self->patient_page));
  sp_window_add_toast (self, adw_toast_new (message));
}

static void
open_editor (SpWindow   *self,
             const char *patient_id)
{
  g_autoptr(GError) error = NULL;
  SpPatientEditor *editor;

  editor = sp_patient_editor_new (self->store, patient_id, &error);
  if (editor == NULL)
    {
      toast_error (self, error);
      return;
    }
  gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (self));
  gtk_window_set_application (GTK_WINDOW (editor), gtk_window_get_application (GTK_WINDOW (self)));
  g_signal_connect_object (editor, "saved", G_CALLBACK (patient_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

/* ---- Actions ------------------------------------------------------------ */

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  const char *page = visible_page (self);

  if (g_strcmp0 (page, "match") == 0)
    show_page (self, "patient");
  else if (g_strcmp0 (page, "patient") == 0)
    show_page (self, self->view);
  else if (g_strcmp0 (page, "referral") == 0)
    {
      /* Back to where the referral was opened, showing what changed. */
      sp_referral_page_commit_pending (self->referral_page);
      if (g_strcmp0 (self->referral_from, "patient") == 0 &&
          sp_patient_page_get_patient_id (self->patient_page) != NULL)
        sp_window_open_patient (self, sp_patient_page_get_patient_id (self->patient_page));
      else if (g_strcmp0 (self->referral_from, "match") == 0)
        show_page (self, "match");
      else
        show_page (self, page_is_view (self->referral_from) ? self->referral_from : self->view);
    }
  else if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
view_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);

  show_view (self, g_variant_get_string (parameter, NULL));
  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
  gtk_widget_grab_focus (gtk_stack_get_visible_child (self->content_stack));
}

static void
add_patient_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  open_editor (SP_WINDOW (widget), NULL);
}

static void
edit_patient_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  const char *id = sp_patient_page_get_patient_id (self->patient_page);

  /* The editor reads the conditions: a removal waiting is written first. */
  sp_patient_page_commit_pending (self->patient_page);
  if (id != NULL)
    open_editor (self, id);
}

static void
match_patient_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  const char *id = sp_patient_page_get_patient_id (self->patient_page);

  if (id == NULL)
    return;
  if (!sp_match_page_load (self->match_page, self->store, id, &error))
    {
      toast_error (self, error);
      return;
    }
  show_page (self, "match");
}

static void
open_referral_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  sp_window_open_referral (SP_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
open_patient_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  sp_window_open_patient (SP_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
measure_saved_cb (SpWindow   *self,
                  const char *measure_name)
{
  g_autofree char *escaped = g_markup_escape_text (measure_name, -1);
  const char *id = sp_patient_page_get_patient_id (self->patient_page);

  if (g_strcmp0 (visible_page (self), "patient") == 0 && id != NULL)
    sp_window_open_patient (self, id);
  sp_caseload_view_refresh (self->caseload);
  sp_window_add_toast (self, adw_toast_new_format (_("%s saved"), escaped));
}

/* Opens the questionnaire for the patient shown; on a referral's page, the
 * page's own, which ties the answers to the referral. */
static void
take_measure_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  SpMeasureDialog *dialog;
  const char *patient_id;

  if (g_strcmp0 (visible_page (self), "referral") == 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self->referral_page), "referral.take-measure", NULL);
      return;
    }
  patient_id = sp_patient_page_get_patient_id (self->patient_page);
  if (patient_id == NULL)
    return;
  dialog = sp_measure_dialog_new (self->store, patient_id, NULL, &error);
  if (dialog == NULL)
    {
      toast_error (self, error);
      return;
    }
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_application (GTK_WINDOW (dialog), gtk_window_get_application (GTK_WINDOW (self)));
  g_signal_connect_object (dialog, "saved", G_CALLBACK (measure_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Sync with a server ------------------------------------------------- */

/* The menu offers what the desk can do now: sign in, or sync and sign out. */
static void
sync_changed_cb (SpWindow *self)
{
  SpSyncClient *client = self->sync_button ? sp_sync_button_get_client (self->sync_button) : NULL;
  gboolean signed_in = client != NULL && sp_sync_client_get_signed_in (client);
  gboolean known = client != NULL && sp_sync_client_get_username (client) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-in", client != NULL && !signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", signed_in || known);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync-now", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-conflicts",
                                 client != NULL && (sp_sync_client_get_n_conflicts (client) > 0 ||
                                                    sp_sync_client_get_n_rejected (client) > 0));

  if (self->mode_label != NULL && known)
    {
      /* TRANSLATORS: "Signed in as lw.a1 to https://signpost.example.nhs.uk" */
      g_autofree char *mode = g_strdup_printf (_("Signed in as %s to %s"), sp_sync_client_get_username (client),
                                               sp_sync_client_get_server_url (client));
      gtk_label_set_label (self->mode_label, mode);
    }
  else if (self->mode_label != NULL)
    gtk_label_set_label (self->mode_label, _("Local mode — this desk is not signed in to a server"));
}

/* A sync wrote rows here: the lists show them. The page showing stays. */
static void
sync_synced_cb (SpWindow *self)
{
  if (self->store == NULL)
    return;
  sp_caseload_view_refresh (self->caseload);
  sp_referrals_view_refresh (self->referrals);
  sp_catalogue_view_reload (self->catalogue);
}

static void
sync_signed_out_cb (SpWindow *self)
{
  sp_window_apply_roles (self);
  sp_window_add_toast (self, adw_toast_new (_("Signed out. This desk’s records stay here.")));
}

static void
signed_in_cb (SpWindow   *self,
              const char *warning)
{
  SpSyncClient *client = sp_sync_button_get_client (self->sync_button);
  g_autofree char *message = g_strdup_printf (_("Signed in as %s"), sp_sync_client_get_username (client));
  AdwToast *toast;

  sp_window_apply_roles (self);
  sync_synced_cb (self);
  sp_sync_button_signed_in (self->sync_button);
  toast = adw_toast_new (warning != NULL ? warning : message);
  if (warning != NULL)
    adw_toast_set_timeout (toast, 0);
  sp_window_add_toast (self, toast);
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  SpSyncClient *client = sp_sync_button_get_client (self->sync_button);
  SpSignInDialog *dialog;

  if (client == NULL)
    return;
  dialog = sp_sign_in_dialog_new (client);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_application (GTK_WINDOW (dialog), gtk_window_get_application (GTK_WINDOW (self)));
  g_signal_connect_object (dialog, "signed-in", G_CALLBACK (signed_in_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  sp_sync_button_sign_out (SP_WINDOW (widget)->sync_button);
}

static void
sync_now_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  sp_sync_button_sync_now (SP_WINDOW (widget)->sync_button);
}

static void
conflicts_changed_cb (SpWindow *self)
{
  sync_synced_cb (self);
  sp_sync_button_refresh (self->sync_button);
}

static void
show_conflicts_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  SpSyncClient *client = sp_sync_button_get_client (self->sync_button);
  SpConflictsWindow *window;

  if (client == NULL)
    return;
  window = sp_conflicts_window_new (client);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_application (GTK_WINDOW (window), gtk_window_get_application (GTK_WINDOW (self)));
  g_signal_connect_object (window, "changed", G_CALLBACK (conflicts_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (window));
}

/* ---- GtkWindow ---------------------------------------------------------- */

static gboolean
sp_window_close_request (GtkWindow *window)
{
  SpWindow *self = SP_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (sp_window_parent_class)->close_request (window);
}

static void
sp_window_dispose (GObject *object)
{
  SpWindow *self = SP_WINDOW (object);

  g_clear_pointer (&self->search_binding, g_binding_unbind);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_WINDOW);

  G_OBJECT_CLASS (sp_window_parent_class)->dispose (object);
}

static void
sp_window_finalize (GObject *object)
{
  SpWindow *self = SP_WINDOW (object);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->view, g_free);
  g_clear_pointer (&self->referral_from, g_free);

  G_OBJECT_CLASS (sp_window_parent_class)->finalize (object);
}

static void
sp_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SpWindow *self = SP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      g_value_set_boolean (value, self->search_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SpWindow *self = SP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      set_search_mode (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_window_class_init (SpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sp_window_dispose;
  object_class->finalize = sp_window_finalize;
  object_class->get_property = sp_window_get_property;
  object_class->set_property = sp_window_set_property;
  window_class->close_request = sp_window_close_request;

  /* Whether the search bar of the view showing is open. */
  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SP_TYPE_CASELOAD_VIEW);
  g_type_ensure (SP_TYPE_CATALOGUE_VIEW);
  g_type_ensure (SP_TYPE_PATIENT_PAGE);
  g_type_ensure (SP_TYPE_MATCH_PAGE);
  g_type_ensure (SP_TYPE_REFERRALS_VIEW);
  g_type_ensure (SP_TYPE_PAYMENTS_VIEW);
  g_type_ensure (SP_TYPE_REPORTS_VIEW);
  g_type_ensure (SP_TYPE_GP_VIEW);
  g_type_ensure (SP_TYPE_REFERRAL_PAGE);
  g_type_ensure (SP_TYPE_SYNC_BUTTON);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, caseload_row);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, catalogue_row);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, referrals_row);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, payments_row);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, reports_row);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, lookup_row);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, practice_label);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, caseload);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, catalogue);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, patient_page);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, match_page);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, referrals);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, payments);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, reports);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, lookup);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, referral_page);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, sync_button);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, mode_label);
  gtk_widget_class_bind_template_callback (widget_class, update_navigation);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, patient_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, referred_cb);
  gtk_widget_class_bind_template_callback (widget_class, referral_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, referral_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sync_synced_cb);
  gtk_widget_class_bind_template_callback (widget_class, sync_signed_out_cb);
  gtk_widget_class_bind_template_callback (widget_class, sync_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.view", "s", view_action);
  gtk_widget_class_install_property_action (widget_class, "win.search", "search-mode");
  gtk_widget_class_install_action (widget_class, "win.add-patient", NULL, add_patient_action);
  gtk_widget_class_install_action (widget_class, "win.edit-patient", NULL, edit_patient_action);
  gtk_widget_class_install_action (widget_class, "win.match-patient", NULL, match_patient_action);
  gtk_widget_class_install_action (widget_class, "win.take-measure", NULL, take_measure_action);
  gtk_widget_class_install_action (widget_class, "win.open-referral", "s", open_referral_action);
  gtk_widget_class_install_action (widget_class, "win.open-patient", "s", open_patient_action);
  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.sync-now", NULL, sync_now_action);
  gtk_widget_class_install_action (widget_class, "win.show-conflicts", NULL, show_conflicts_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Back, 0, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.view", "s", "caseload");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "win.view", "s", "catalogue");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK, "win.view", "s", "referrals");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_CONTROL_MASK, "win.view", "s", "payments");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_5, GDK_CONTROL_MASK, "win.view", "s", "reports");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.view", "s", "lookup");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK, "win.take-measure", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.add-patient", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.edit-patient", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.match-patient", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.sync-now", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.sync-now", NULL);
}

static void
sp_window_init (SpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  self->view = g_settings_get_string (self->settings, "last-view");
  if (!page_is_view (self->view))
    {
      g_free (self->view);
      self->view = g_strdup ("caseload");
    }
  gtk_list_box_select_row (self->sidebar_list, row_for_view (self, self->view));
  gtk_stack_set_visible_child_name (self->content_stack, self->view);
  update_navigation (self);
  sync_changed_cb (self);
}

SpWindow *
sp_window_new (SpApplication *application)
{
  return g_object_new (SP_TYPE_WINDOW, "application", application, NULL);
}

void
sp_window_set_store (SpWindow *self,
                     SpStore  *store)
{
  const char *practice;

  g_return_if_fail (SP_IS_WINDOW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;

  /* Before the views read it: the signed-in account's role and practices. */
  sp_sync_button_set_store (self->sync_button, store);

  sp_caseload_view_set_store (self->caseload, store);
  sp_catalogue_view_set_store (self->catalogue, store);
  sp_patient_page_set_store (self->patient_page, store);
  sp_referrals_view_set_store (self->referrals, store);
  sp_payments_view_set_store (self->payments, store);
  sp_reports_view_set_store (self->reports, store);
  sp_gp_view_set_store (self->lookup, store);

  practice = sp_store_get_practice (store);
  if (practice != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Practice %s"), practice);
      gtk_label_set_label (self->practice_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->practice_label), practice != NULL);

  gtk_spinner_stop (self->loading_spinner);
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  sp_window_apply_roles (self);
}

/* Shows what the store's user may do: a GP with no other role gets the
 * read-only look-up alone. Call it again after the user changes. */
void
sp_window_apply_roles (SpWindow *self)
{
  GtkListBoxRow *rows[] = { self->caseload_row, self->catalogue_row, self->referrals_row, self->payments_row,
                            self->reports_row };

  g_return_if_fail (SP_IS_WINDOW (self));

  self->gp_only = self->store != NULL && sp_store_get_roles (self->store) == SP_ROLE_GP;
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_set_visible (GTK_WIDGET (rows[i]), !self->gp_only);
  show_view (self, self->view);
}

SpStore *
sp_window_get_store (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->store;
}

void
sp_window_show_loading (SpWindow *self)
{
  g_return_if_fail (SP_IS_WINDOW (self));

  gtk_spinner_start (self->loading_spinner);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
}

/* The store could not be opened: say why, in the core's plain words, on
 * the page and in a dialog, and offer to try again. Nothing was changed. */
void
sp_window_show_error (SpWindow     *self,
                      const GError *error)
{
  GtkWidget *dialog;

  g_return_if_fail (SP_IS_WINDOW (self));
  g_return_if_fail (error != NULL);

  gtk_spinner_stop (self->loading_spinner);
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->main_stack, "error");

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Signpost Cannot Open Its Database"), error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_set_application (GTK_WINDOW (dialog), gtk_window_get_application (GTK_WINDOW (self)));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
sp_window_add_toast (SpWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (SP_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

const char *
sp_window_get_state (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->main_stack);
}

const char *
sp_window_get_page (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return visible_page (self);
}

SpCaseloadView *
sp_window_get_caseload (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->caseload;
}

SpCatalogueView *
sp_window_get_catalogue (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->catalogue;
}

SpPatientPage *
sp_window_get_patient_page (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->patient_page;
}

SpMatchPage *
sp_window_get_match_page (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->match_page;
}

SpReferralsView *
sp_window_get_referrals (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->referrals;
}

SpPaymentsView *
sp_window_get_payments (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->payments;
}

SpGpView *
sp_window_get_lookup (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->lookup;
}

SpReferralPage *
sp_window_get_referral_page (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);
  return self->referral_page;
}
