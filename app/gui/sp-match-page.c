/* sp-match-page.c — the offerings that suit a patient, and Refer
 *
 * The core ranks the catalogue for the patient (sp_store_match_patient),
 * in a worker thread on a connection of the page's own, kept open so that
 * the catalogue it has read is read again only when it changed; a spinner
 * shows meanwhile. The page shows each match with its reasons in plain
 * words and what it costs this patient after the sliding scale, and on
 * request the offerings left out, each with why. A regional catalogue has
 * thousands of either, so rows are made a page at a time: the best
 * SP_MATCH_PAGE_STEP first, and Show More for the next. Refer asks first,
 * showing the co-payment.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-match-page"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-match.h"
#include "sp-match-page.h"
#include "sp-money.h"
#include "sp-offering-item.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-validate.h"
#include "sp-vocab.h"

typedef struct _MatchWorker MatchWorker;

struct _SpMatchPage
{
  AdwBin               parent_instance;

  GtkScrolledWindow   *scroller;
  GtkLabel            *title_label;
  GtkLabel            *summary_label;
  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwStatusPage       *error_page;
  AdwPreferencesGroup *matches_group;
  GtkWidget           *more_matches_box;
  GtkLabel            *matches_shown_label;
  GtkSwitch           *excluded_switch;
  AdwPreferencesGroup *excluded_group;
  GtkWidget           *more_excluded_box;
  GtkLabel            *excluded_shown_label;

  GSettings           *settings;
  SpStore             *store;
  SpPatient           *patient;
  SpMatchResult       *result;
  GPtrArray           *rows;   /* (group, row) pairs */
  guint                n_match_rows;
  guint                n_excluded_rows;

  MatchWorker         *worker;
  GCancellable        *cancellable;
  guint                generation;  /* of the latest load asked for */
  gboolean             loading;
  gboolean             focus_when_loaded;
};

G_DEFINE_FINAL_TYPE (SpMatchPage, sp_match_page, ADW_TYPE_BIN)

enum {
  REFERRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
add_row (SpMatchPage         *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, group);
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (SpMatchPage *self)
{
  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    adw_preferences_group_remove (self->rows->pdata[i], self->rows->pdata[i + 1]);
  g_ptr_array_set_size (self->rows, 0);
}

static GtkWidget *
plain_row (const char *title,
           const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  return row;
}

static char *
cost_text (gint64 pence)
{
  g_autofree char *money = NULL;

  if (pence <= 0)
    return g_strdup (_("No charge to the patient"));
  money = sp_money_format (pence);
  /* Translators: what this patient pays, e.g. £2.50 a session */
  return g_strdup_printf (_("%s a session"), money);
}

/* A match's reasons, when and where: made when its row is first opened,
 * so that a page of closed rows costs no more than their headings. */
static void
add_match_details (AdwExpanderRow *row,
                   const SpMatch  *match)
{
  const SpOffering *offering = match->offering;
  g_autofree char *when = sp_offering_schedule_text (offering);

  for (guint i = 0; match->reasons != NULL && i < match->reasons->len; i++)
    {
      GtkWidget *reason = plain_row (match->reasons->pdata[i], NULL);
      GtkWidget *icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (reason), icon);
      adw_expander_row_add_row (row, reason);
    }
  if (*when != '\0')
    {
      GtkWidget *when_row = plain_row (_("When"), when);

      gtk_widget_add_css_class (when_row, "property");
      adw_expander_row_add_row (row, when_row);
    }
  if (offering->location_name != NULL)
    {
      g_autofree char *where = sp_offering_place_text (offering);
      GtkWidget *where_row = plain_row (_("Where"), where);

      gtk_widget_add_css_class (where_row, "property");
      adw_expander_row_add_row (row, where_row);
    }
}

static void
match_row_expanded_cb (AdwExpanderRow *row)
{
  const SpMatch *match = g_object_get_data (G_OBJECT (row), "sp-match");

  if (adw_expander_row_get_expanded (row) && match != NULL)
    {
      /* Once: the match is borrowed from the result, which outlives its rows. */
      g_object_set_data (G_OBJECT (row), "sp-match", NULL);
      add_match_details (row, match);
    }
}

static GtkWidget *
match_row (SpMatchPage   *self,
           const SpMatch *match,
           guint          rank)
{
  const SpOffering *offering = match->offering;
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *rank_label, *refer_button;
  g_autofree char *rank_text = g_strdup_printf ("%u", rank);
  g_autofree char *cost = cost_text (match->patient_cost_pence);
  g_autofree char *refer_label = g_strdup_printf (_("Refer to %s"), offering->name);
  g_autoptr(GString) subtitle = g_string_new (NULL);

  g_string_append_printf (subtitle, "%s · %s · %s",
                          sp_vocab_label (SP_VOCAB_MODALITY, offering->modality),
                          sp_vocab_label (SP_VOCAB_FORMAT, offering->format), cost);
  if (!isnan (match->distance_km))
    /* Translators: distance from the patient's home, e.g. 1.2 km away */
    g_string_append_printf (subtitle, _(" · %.1f km away"), match->distance_km);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), offering->name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle->str);

  rank_label = gtk_label_new (rank_text);
  gtk_widget_add_css_class (rank_label, "rank");
  gtk_widget_add_css_class (rank_label, "numeric");
  gtk_widget_set_valign (rank_label, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (rank_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Rank"), -1);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), rank_label);

  refer_button = gtk_button_new_with_mnemonic (_("_Refer…"));
  gtk_widget_set_valign (refer_button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (refer_button), "match.refer");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (refer_button), "s", offering->record.id);
  gtk_widget_set_tooltip_text (refer_button, refer_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (refer_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  refer_label, -1);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), refer_button);

  g_object_set_data (G_OBJECT (row), "sp-match", (gpointer) match);
  g_signal_connect (row, "notify::expanded", G_CALLBACK (match_row_expanded_cb), NULL);
  return row;
}

/* ---- Refer ---------------------------------------------------------- */

static void
setup_routes (AdwComboRow *row)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (SP_VOCAB_ROUTE, &n);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (labels, sp_vocab_label (SP_VOCAB_ROUTE, entries[i].code));
  adw_combo_row_set_model (row, G_LIST_MODEL (labels));
}

static const char *
route_at (guint position)
{
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (SP_VOCAB_ROUTE, &n);
  return position < n ? entries[position].code : NULL;
}

static const SpMatch *
find_match (SpMatchPage *self,
            const char  *offering_id)
{
  for (guint i = 0; self->result != NULL && i < self->result->matches->len; i++)
    {
      const SpMatch *match = self->result->matches->pdata[i];

      if (g_strcmp0 (match->offering->record.id, offering_id) == 0)
        return match;
    }
  return NULL;
}

/* Dialogs belong to the application too, so it knows of every window. */
static void
present_dialog (SpMatchPage *self,
                GtkWidget   *dialog)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));

  gtk_window_set_application (GTK_WINDOW (dialog), gtk_window_get_application (parent));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_failure (SpMatchPage  *self,
              const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                              _("The Referral Was Not Made"), error->message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  present_dialog (self, dialog);
}

static void
refer_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   SpMatchPage      *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  const char *offering_id = g_object_get_data (G_OBJECT (dialog), "sp-offering-id");
  AdwComboRow *route_row = g_object_get_data (G_OBJECT (dialog), "sp-route-row");
  GtkEditable *reason_row = g_object_get_data (G_OBJECT (dialog), "sp-reason-row");
  const SpMatch *match;
  g_autofree char *reason = NULL;

  if (g_strcmp0 (response, "refer") != 0 || self->patient == NULL)
    return;
  match = find_match (self, offering_id);
  if (match == NULL)
    return;

  reason = g_strstrip (g_strdup (gtk_editable_get_text (reason_row)));
  referral = sp_store_refer (self->store, self->patient->record.id, offering_id,
                             route_at (adw_combo_row_get_selected (route_row)),
                             *reason != '\0' ? reason : NULL, NULL, FALSE, &error);
  if (referral == NULL)
    {
      show_failure (self, error);
      return;
    }
  g_signal_emit (self, signals[REFERRED], 0, match->offering->name);
}

static char *
describe_cost (SpMatchPage      *self,
               const SpOffering *offering)
{
  SpShare share;
  g_autofree char *name = sp_patient_display_name (self->patient);
  g_autofree char *fee = sp_money_format (offering->fee_pence);
  g_autofree char *each = NULL;
  g_autofree char *total = NULL;
  g_autofree char *payer = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  sp_offering_share (offering, self->patient->income_band, &share);
  each = sp_money_format (share.patient_pence);
  total = sp_money_format (share.patient_pence * MAX (offering->sessions, 1));

  if (share.funder_id != NULL)
    {
      g_autoptr(SpFunder) funder = sp_store_load (self->store, &sp_entity_funder, share.funder_id, NULL);
      payer = g_strdup (funder ? funder->name : _("a funder"));
    }

  if (share.fee_pence == 0)
    g_string_append (text, _("This offering is free: there is nothing to pay."));
  else if (share.patient_pence == 0 && payer != NULL)
    g_string_append_printf (text, _("There is no charge to %s. The full fee of %s a session is paid by %s."),
                            name, fee, payer);
  else if (share.patient_pence == 0)
    g_string_append_printf (text, _("There is no charge to %s. The provider waives the full fee of %s a session."),
                            name, fee);
  else
    {
      int n_sessions = (int) CLAMP (MAX (offering->sessions, 1), 1, G_MAXINT);

      g_string_append_printf (text,
                              ngettext ("%s pays %s a session: %s for %d session.",
                                        "%s pays %s a session: %s for %d sessions.",
                                        n_sessions),
                              name, each, total, n_sessions);
      if (share.funder_pence > 0)
        {
          g_autofree char *rest = NULL;

          if (payer != NULL)
            rest = g_strdup_printf (_("The full fee is %s a session; %s pays the rest."), fee, payer);
          else
            rest = g_strdup_printf (_("The full fee is %s a session; the provider waives the rest."), fee);
          g_string_append_printf (text, " %s", rest);
        }
    }
  g_string_append (text, "\n\n");
  g_string_append (text, _("The co-payment is fixed now: a later price change will not alter it."));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Asks before referring, with the co-payment; returns the dialog shown. */
AdwMessageDialog *
sp_match_page_refer (SpMatchPage *self,
                     const char  *offering_id)
{
  const SpMatch *match;
  GtkWidget *dialog, *list, *route_row, *reason_row;
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (SP_IS_MATCH_PAGE (self), NULL);

  match = find_match (self, offering_id);
  if (match == NULL || self->patient == NULL)
    return NULL;

  name = sp_patient_display_name (self->patient);
  heading = g_strdup_printf (_("Refer %s to %s?"), name, match->offering->name);
  body = describe_cost (self, match->offering);

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "refer", _("_Refer"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "refer", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "refer");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  route_row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (route_row), _("How the patient came to you"));
  setup_routes (ADW_COMBO_ROW (route_row));
  reason_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reason_row), _("Reason for the referral (optional)"));
  gtk_list_box_append (GTK_LIST_BOX (list), route_row);
  gtk_list_box_append (GTK_LIST_BOX (list), reason_row);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);

  g_object_set_data_full (G_OBJECT (dialog), "sp-offering-id", g_strdup (offering_id), g_free);
  g_object_set_data (G_OBJECT (dialog), "sp-route-row", route_row);
  g_object_set_data (G_OBJECT (dialog), "sp-reason-row", reason_row);
  g_signal_connect_object (dialog, "response", G_CALLBACK (refer_response_cb), self, 0);
  present_dialog (self, dialog);
  return ADW_MESSAGE_DIALOG (dialog);
}

static void
refer_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  sp_match_page_refer (SP_MATCH_PAGE (widget), g_variant_get_string (parameter, NULL));
}

/* ---- Rows, a page at a time --------------------------------------------- */

static void
update_more (SpMatchPage *self)
{
  guint n_matches = self->result ? self->result->matches->len : 0;
  guint n_excluded = self->result ? self->result->excluded->len : 0;
  g_autofree char *matches = NULL;
  g_autofree char *excluded = NULL;

  matches = g_strdup_printf (ngettext ("Showing %u of %u suggestion", "Showing %u of %u suggestions", n_matches),
                             self->n_match_rows, n_matches);
  gtk_label_set_label (self->matches_shown_label, matches);
  gtk_widget_set_visible (self->more_matches_box, self->n_match_rows < n_matches);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.show-more-matches", self->n_match_rows < n_matches);

  excluded = g_strdup_printf (ngettext ("Showing %u of %u offering left out", "Showing %u of %u offerings left out",
                                        n_excluded),
                              self->n_excluded_rows, n_excluded);
  gtk_label_set_label (self->excluded_shown_label, excluded);
  gtk_widget_set_visible (self->more_excluded_box, self->n_excluded_rows < n_excluded);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "match.show-more-excluded",
                                 self->n_excluded_rows < n_excluded && gtk_switch_get_active (self->excluded_switch));
}

/* The next page of matches; returns the first row added, or NULL. */
static GtkWidget *
add_match_rows (SpMatchPage *self)
{
  GtkWidget *first = NULL;
  guint end = MIN (self->n_match_rows + SP_MATCH_PAGE_STEP, self->result->matches->len);

  for (guint i = self->n_match_rows; i < end; i++)
    {
      GtkWidget *row = match_row (self, self->result->matches->pdata[i], i + 1);

      add_row (self, self->matches_group, row);
      if (first == NULL)
        first = row;
    }
  self->n_match_rows = end;
  update_more (self);
  return first;
}

/* The next page of offerings left out, each with why. */
static GtkWidget *
add_excluded_rows (SpMatchPage *self)
{
  GtkWidget *first = NULL;
  guint end = MIN (self->n_excluded_rows + SP_MATCH_PAGE_STEP, self->result->excluded->len);

  for (guint i = self->n_excluded_rows; i < end; i++)
    {
      const SpMatch *match = self->result->excluded->pdata[i];
      GtkWidget *row = plain_row (match->offering->name, match->excluded_because);

      add_row (self, self->excluded_group, row);
      if (first == NULL)
        first = row;
    }
  self->n_excluded_rows = end;
  update_more (self);
  return first;
}

/* An expander row takes the focus on its header, inside it. */
static void
focus_row (GtkWidget *row)
{
  if (!gtk_widget_grab_focus (row))
    gtk_widget_child_focus (row, GTK_DIR_TAB_FORWARD);
}

/* Show More: the next page, and the focus on the first row of it, where
 * reading goes on. */
static void
show_more_matches_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  SpMatchPage *self = SP_MATCH_PAGE (widget);
  GtkWidget *first;

  if (self->result == NULL)
    return;
  first = add_match_rows (self);
  if (first != NULL)
    focus_row (first);
}

static void
show_more_excluded_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  SpMatchPage *self = SP_MATCH_PAGE (widget);
  GtkWidget *first;

  if (self->result == NULL)
    return;
  first = add_excluded_rows (self);
  if (first != NULL)
    focus_row (first);
}

/* The offerings left out are made only when asked for. */
static void
excluded_toggled_cb (SpMatchPage *self)
{
  /* Signals can fire while the template is still being built. */
  if (self->rows == NULL)
    return;
  if (gtk_switch_get_active (self->excluded_switch) && self->result != NULL && self->n_excluded_rows == 0)
    add_excluded_rows (self);
  update_more (self);
}

static void
show_result (SpMatchPage *self)
{
  g_autoptr(GString) summary = g_string_new (NULL);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *first;

  g_string_append_printf (summary,
                          ngettext ("%u offering fits, ranked by how well it covers both the musculoskeletal "
                                    "and the mental-health condition, then evidence, cost and waiting time.",
                                    "%u offerings fit, ranked by how well they cover both the musculoskeletal "
                                    "and the mental-health condition, then evidence, cost and waiting time.",
                                    self->result->matches->len),
                          self->result->matches->len);
  if (self->result->step_note != NULL)
    g_string_append_printf (summary, "\n%s", self->result->step_note);
  gtk_label_set_label (self->summary_label, summary->str);

  first = add_match_rows (self);
  if (self->result->matches->len == 0)
    add_row (self, self->matches_group,
             plain_row (_("Nothing in the catalogue fits this patient now"),
                        _("Turn on “Show offerings that do not fit” to see why each was left out.")));
  if (gtk_switch_get_active (self->excluded_switch))
    add_excluded_rows (self);

  gtk_spinner_stop (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "result");
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);

  /* The page was opened while matching: the focus goes to the best match. */
  if (self->focus_when_loaded && first != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)) &&
      (root == NULL || gtk_root_get_focus (root) == NULL ||
       !gtk_widget_is_ancestor (gtk_root_get_focus (root), GTK_WIDGET (self->matches_group))))
    focus_row (first);
  self->focus_when_loaded = FALSE;
}

/* ---- Matching (worker thread) ------------------------------------------- */

/* The page's own connection, kept between loads: sp_store_match_patient()
 * keeps the catalogue it read on its store and reads it again only when
 * it changed, which is most of the time of a first match. One load at a
 * time uses it, under the lock. */
struct _MatchWorker
{
  GMutex   lock;
  char    *path;
  SpStore *store;
};

static void
match_worker_clear (MatchWorker *worker)
{
  g_mutex_clear (&worker->lock);
  g_free (worker->path);
  g_clear_object (&worker->store);
}

static MatchWorker *
match_worker_new (const char *path)
{
  MatchWorker *worker = g_atomic_rc_box_new0 (MatchWorker);

  g_mutex_init (&worker->lock);
  worker->path = g_strdup (path);
  return worker;
}

static void
match_worker_unref (MatchWorker *worker)
{
  g_atomic_rc_box_release_full (worker, (GDestroyNotify) match_worker_clear);
}

typedef struct
{
  MatchWorker *worker;
  char        *patient_id;
  char        *user;
  SpRoles      roles;
  GStrv        practices;
  guint        generation;
} MatchJob;

static void
match_job_free (MatchJob *job)
{
  match_worker_unref (job->worker);
  g_free (job->patient_id);
  g_free (job->user);
  g_strfreev (job->practices);
  g_free (job);
}

static void
match_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  MatchJob *job = task_data;
  MatchWorker *worker = job->worker;
  g_autoptr(GError) error = NULL;
  SpMatchResult *result = NULL;

  g_mutex_lock (&worker->lock);
  /* A newer load is waiting: this one's result would not be shown. */
  if (!g_cancellable_is_cancelled (cancellable))
    {
      if (worker->store == NULL)
        worker->store = sp_store_open (worker->path, &error);
      if (worker->store != NULL)
        {
          if (job->user != NULL)
            sp_store_set_actor (worker->store, job->user, job->roles, (const char * const *) job->practices);
          result = sp_store_match_patient (worker->store, job->patient_id, NULL, &error);
        }
    }
  g_mutex_unlock (&worker->lock);

  if (result != NULL)
    g_task_return_pointer (task, result, (GDestroyNotify) sp_match_result_free);
  else if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
}

static void
match_done_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  SpMatchPage *self = SP_MATCH_PAGE (source);
  MatchJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  g_autoptr(SpMatchResult) result = g_task_propagate_pointer (G_TASK (res), &error);

  /* Cancelled: the page is gone, or another patient was asked for. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || job->generation != self->generation)
    return;

  self->loading = FALSE;
  if (result == NULL)
    {
      gtk_spinner_stop (self->spinner);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      self->focus_when_loaded = FALSE;
      return;
    }
  self->result = g_steal_pointer (&result);
  show_result (self);
}

/* ---- GObject ----------------------------------------------------------- */

/* Reading order: the best match first. */
static gboolean
sp_match_page_grab_focus (GtkWidget *widget)
{
  SpMatchPage *self = SP_MATCH_PAGE (widget);

  if (self->loading)
    {
      /* Nothing to read yet: the first row gets the focus when it comes. */
      self->focus_when_loaded = TRUE;
      return gtk_widget_grab_focus (GTK_WIDGET (self->excluded_switch));
    }
  return gtk_widget_child_focus (GTK_WIDGET (self->matches_group), GTK_DIR_TAB_FORWARD);
}

static void
sp_match_page_dispose (GObject *object)
{
  SpMatchPage *self = SP_MATCH_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->worker, match_worker_unref);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_MATCH_PAGE);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->result, sp_match_result_free);
  g_clear_pointer (&self->patient, sp_patient_free);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_match_page_parent_class)->dispose (object);
}

static void
sp_match_page_class_init (SpMatchPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_match_page_dispose;
  widget_class->grab_focus = sp_match_page_grab_focus;

  /**
   * SpMatchPage::referred:
   * @offering_name: the name of the offering the patient was referred to
   *
   * A referral was made and saved.
   */
  signals[REFERRED] =
    g_signal_new ("referred", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-match-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, matches_group);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, more_matches_box);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, matches_shown_label);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, excluded_switch);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, excluded_group);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, more_excluded_box);
  gtk_widget_class_bind_template_child (widget_class, SpMatchPage, excluded_shown_label);
  gtk_widget_class_bind_template_callback (widget_class, excluded_toggled_cb);

  gtk_widget_class_install_action (widget_class, "match.refer", "s", refer_action);
  gtk_widget_class_install_action (widget_class, "match.show-more-matches", NULL, show_more_matches_action);
  gtk_widget_class_install_action (widget_class, "match.show-more-excluded", NULL, show_more_excluded_action);
}

static void
sp_match_page_init (SpMatchPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new ();
  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "show-excluded", self->excluded_switch, "active", G_SETTINGS_BIND_DEFAULT);
  update_more (self);
}

/**
 * sp_match_page_load:
 * @self: the page
 * @store: the desk's store
 * @patient_id: the patient to match
 * @error: return location for a #GError
 *
 * Shows the page for the patient at once, and matches the catalogue to
 * them in a worker thread; see sp_match_page_get_loading().
 *
 * Returns: %FALSE with @error set when the patient cannot be read
 */
gboolean
sp_match_page_load (SpMatchPage  *self,
                    SpStore      *store,
                    const char   *patient_id,
                    GError      **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  const char * const *practices;
  MatchJob *job;

  g_return_val_if_fail (SP_IS_MATCH_PAGE (self), FALSE);
  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  patient = sp_store_get_patient (store, patient_id, error);
  if (patient == NULL)
    return FALSE;

  g_set_object (&self->store, store);
  if (self->worker == NULL || g_strcmp0 (self->worker->path, sp_store_get_path (store)) != 0)
    {
      g_clear_pointer (&self->worker, match_worker_unref);
      self->worker = match_worker_new (sp_store_get_path (store));
    }

  clear_rows (self);
  self->n_match_rows = 0;
  self->n_excluded_rows = 0;
  g_clear_pointer (&self->result, sp_match_result_free);
  g_clear_pointer (&self->patient, sp_patient_free);
  self->patient = g_steal_pointer (&patient);
  update_more (self);

  name = sp_patient_display_name (self->patient);
  title = g_strdup_printf (_("Offerings for %s"), name);
  gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->summary_label, _("Matching the catalogue to this patient…"));
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);

  /* An earlier patient's matching is no longer wanted. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  practices = sp_store_get_practices (store);
  job = g_new0 (MatchJob, 1);
  job->worker = g_atomic_rc_box_acquire (self->worker);
  job->patient_id = g_strdup (patient_id);
  job->user = g_strdup (sp_store_get_user (store));
  job->roles = sp_store_get_roles (store);
  job->practices = practices ? g_strdupv ((char **) practices) : NULL;
  job->generation = ++self->generation;

  task = g_task_new (self, self->cancellable, match_done_cb, NULL);
  g_task_set_source_tag (task, sp_match_page_load);
  g_task_set_task_data (task, job, (GDestroyNotify) match_job_free);
  self->loading = TRUE;
  g_task_run_in_thread (task, match_thread);
  return TRUE;
}

/* Whether the patient is still being matched. */
gboolean
sp_match_page_get_loading (SpMatchPage *self)
{
  g_return_val_if_fail (SP_IS_MATCH_PAGE (self), FALSE);
  return self->loading;
}

guint
sp_match_page_get_n_matches (SpMatchPage *self)
{
  g_return_val_if_fail (SP_IS_MATCH_PAGE (self), 0);
  return self->result ? self->result->matches->len : 0;
}

guint
sp_match_page_get_n_excluded (SpMatchPage *self)
{
  g_return_val_if_fail (SP_IS_MATCH_PAGE (self), 0);
  return self->result ? self->result->excluded->len : 0;
}

/* The offering ranked @rank (from 0), or NULL. */
const char *
sp_match_page_get_offering_id (SpMatchPage *self,
                               guint        rank)
{
  g_return_val_if_fail (SP_IS_MATCH_PAGE (self), NULL);

  if (self->result == NULL || rank >= self->result->matches->len)
    return NULL;
  return ((SpMatch *) self->result->matches->pdata[rank])->offering->record.id;
}
