/* sp-referral-page.c — one referral: its state, sessions, measures and money
 *
 * The referral's state with its dated history, and buttons for only the
 * moves the state machine allows from here (sp_referral_next_statuses); a
 * final state asks first. A move is not written at once: the page shows
 * it, and a toast offers Undo. The move is written when the toast closes,
 * and nothing at all is written if Undo is pressed — the state machine only
 * goes forward, so an undo must happen before the write, never after. It is
 * also written before any other change on the page, when the user leaves
 * the page or opens another referral, and when the page goes away; the
 * toast then loses its Undo.
 *
 * Below: attendance session by session, the outcome and the Friends and
 * Family Test answer, the measures for this referral against the baseline,
 * and the co-payment fixed at referral with what has been paid.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-referral-page"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-measure-dialog.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-letter-window.h"
#include "sp-payment-dialog.h"
#include "sp-referral-page.h"
#include "sp-referrals.h"
#include "sp-validate.h"
#include "sp-vocab.h"

struct _SpReferralPage
{
  AdwBin               parent_instance;

  GtkScrolledWindow   *scroller;
  GtkLabel            *offering_label;
  GtkLabel            *summary_label;
  GtkLabel            *status_badge;
  GtkButton           *patient_button;
  GtkLabel            *patient_label;
  GtkButton           *letter_button;
  GtkLabel            *letter_label;
  AdwActionRow        *status_row;
  GtkFlowBox          *moves_box;
  AdwPreferencesGroup *history_group;
  AdwPreferencesGroup *attendance_group;
  AdwEntryRow         *session_date_row;
  GtkLabel            *session_error;
  AdwPreferencesGroup *sessions_group;
  AdwPreferencesGroup *outcome_group;
  AdwEntryRow         *outcome_row;
  AdwComboRow         *fft_row;
  AdwPreferencesGroup *measures_group;
  AdwPreferencesGroup *money_group;

  SpStore             *store;
  SpReferral          *referral;
  SpPatient           *patient;
  char                *title;
  GPtrArray           *rows;      /* (group, row) pairs added for this referral */
  guint                n_events;
  guint                n_sessions;
  gboolean             filling;   /* the page is being filled, not edited */
  gboolean             outcome_edited; /* typed but not yet applied: kept on refill */

  /* A move shown but not yet written: it is written when its toast closes. */
  char                *pending_to;
  char                *pending_note;
  AdwToast            *pending_toast;
};

G_DEFINE_FINAL_TYPE (SpReferralPage, sp_referral_page, ADW_TYPE_BIN)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refill (SpReferralPage *self);

/* ---- Rows ------------------------------------------------------------- */

static void
add_row (SpReferralPage      *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, group);
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (SpReferralPage *self)
{
  GtkWidget *child;

  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    adw_preferences_group_remove (self->rows->pdata[i], self->rows->pdata[i + 1]);
  g_ptr_array_set_size (self->rows, 0);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->moves_box))) != NULL)
    gtk_flow_box_remove (self->moves_box, child);
}

/* ---- State ------------------------------------------------------------ */

static const char *
shown_status (SpReferralPage *self)
{
  if (self->pending_to != NULL)
    return self->pending_to;
  return self->referral ? self->referral->status : NULL;
}

static gboolean
is_final (const char *status)
{
  return sp_referral_next_statuses (status)[0] == NULL;
}

/* The button that moves a referral on, by where it goes. */
static const char *
move_label (const char *to_status)
{
  struct { const char *status; const char *label; } labels[] = {
    { "referred", N_("Mark _Referred") },
    { "accepted", N_("Mark _Accepted") },
    { "attending", N_("Mark A_ttending") },
    { "completed", N_("Mark _Completed…") },
    { "declined", N_("Mark _Declined…") },
    { "did_not_attend", N_("Mark Did _Not Attend…") },
    { "withdrawn", N_("_Withdraw…") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (labels[i].status, to_status) == 0)
      return _(labels[i].label);
  return sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, to_status);
}

/* The answer that confirms a final move, in the dialog that asks. */
static const char *
confirm_label (const char *to_status)
{
  if (g_strcmp0 (to_status, "completed") == 0)
    return _("Mark _Completed");
  if (g_strcmp0 (to_status, "declined") == 0)
    return _("Mark _Declined");
  if (g_strcmp0 (to_status, "did_not_attend") == 0)
    return _("Mark Did _Not Attend");
  if (g_strcmp0 (to_status, "withdrawn") == 0)
    return _("_Withdraw");
  return move_label (to_status);
}

static void
emit_changed (SpReferralPage *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
forget_pending (SpReferralPage *self)
{
  if (self->pending_toast != NULL)
    g_signal_handlers_disconnect_by_data (self->pending_toast, self);
  g_clear_object (&self->pending_toast);
  g_clear_pointer (&self->pending_to, g_free);
  g_clear_pointer (&self->pending_note, g_free);
}

/* Writes the move waiting for its toast, if any. */
static gboolean
write_pending (SpReferralPage  *self,
               GError         **error)
{
  g_autofree char *to = g_steal_pointer (&self->pending_to);
  g_autofree char *note = g_steal_pointer (&self->pending_note);
  g_autoptr(AdwToast) toast = g_steal_pointer (&self->pending_toast);

  if (toast != NULL)
    {
      /* Saved now: the toast may stay to say so, but without an Undo that
       * could no longer be honoured. It is not dismissed from here, as that
       * could cut its opening animation short, which libadwaita 1.2's toast
       * overlay does not survive. */
      g_signal_handlers_disconnect_by_data (toast, self);
      adw_toast_set_button_label (toast, NULL);
    }
  if (to == NULL || self->referral == NULL)
    return TRUE;
  return sp_store_move_referral (self->store, self->referral->record.id, to, note, error);
}

/* Writes the waiting move now; says so if the store refuses it. */
void
sp_referral_page_commit_pending (SpReferralPage *self)
{
  g_autoptr(GError) error = NULL;
  gboolean had_pending;

  g_return_if_fail (SP_IS_REFERRAL_PAGE (self));

  had_pending = self->pending_to != NULL;
  if (!write_pending (self, &error))
    sp_gui_show_error (GTK_WIDGET (self), _("The Referral Was Not Moved"), error);
  if (had_pending && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    {
      refill (self);
      emit_changed (self);
    }
}

static void
toast_dismissed_cb (AdwToast       *toast,
                    SpReferralPage *self)
{
  if (toast != self->pending_toast)
    return;
  /* The toast is closing by itself: only the write is left to do. */
  g_signal_handlers_disconnect_by_data (toast, self);
  g_clear_object (&self->pending_toast);
  sp_referral_page_commit_pending (self);
}

static void
toast_undo_cb (AdwToast       *toast,
               SpReferralPage *self)
{
  if (toast != self->pending_toast)
    return;
  /* Nothing was written: forgetting the move is the whole undo. The toast
   * closes itself after its button is clicked. */
  forget_pending (self);
  refill (self);
}

static void
begin_move (SpReferralPage *self,
            const char     *to_status,
            const char     *note)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  /* A move already waiting is written first: moves happen in order. */
  if (!write_pending (self, &error))
    {
      sp_gui_show_error (GTK_WIDGET (self), _("The Referral Was Not Moved"), error);
      refill (self);
      return;
    }
  refill (self);
  if (!sp_referral_can_move (self->referral->status, to_status))
    return;

  escaped = g_markup_escape_text (sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, to_status), -1);
  toast = adw_toast_new_format (_("Referral marked %s"), escaped);
  adw_toast_set_button_label (toast, _("_Undo"));
  /* Normal priority: libadwaita 1.2 can fail an assertion when a toast it
   * postponed for a high-priority one comes back while still hiding. */
  adw_toast_set_timeout (toast, 8);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (toast_undo_cb), self, 0);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);

  self->pending_to = g_strdup (to_status);
  self->pending_note = g_strdup (note);
  self->pending_toast = g_object_ref (toast);
  refill (self);
  sp_gui_add_toast (GTK_WIDGET (self), toast);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     SpReferralPage   *self)
{
  GtkEditable *note_row = g_object_get_data (G_OBJECT (dialog), "sp-note-row");
  const char *to = g_object_get_data (G_OBJECT (dialog), "sp-to-status");
  g_autofree char *note = NULL;

  if (g_strcmp0 (response, "move") != 0 || self->referral == NULL)
    return;
  note = g_strstrip (g_strdup (gtk_editable_get_text (note_row)));
  begin_move (self, to, *note != '\0' ? note : NULL);
}

/* Moves the referral as the button for @to_status does: a final state asks
 * first (the dialog is returned), any other is shown at once with Undo. */
AdwMessageDialog *
sp_referral_page_move (SpReferralPage *self,
                       const char     *to_status)
{
  const char *status_label;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog, *list, *note_row;

  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);

  if (self->referral == NULL || !sp_referral_can_move (shown_status (self), to_status))
    return NULL;
  if (!is_final (to_status))
    {
      begin_move (self, to_status, NULL);
      return NULL;
    }

  status_label = sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, to_status);
  heading = g_strdup_printf (_("Mark the Referral %s?"), status_label);
  body = g_strdup_printf (_("%s is final: the referral cannot move on from it, and a new episode needs a new "
                            "referral. For a few seconds afterwards you can still undo."), status_label);
  dialog = adw_message_dialog_new (NULL, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "move", confirm_label (to_status),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "move",
                                              g_str_equal (to_status, "completed") ? ADW_RESPONSE_SUGGESTED
                                                                                   : ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  note_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (note_row), _("Note for the history (optional)"));
  gtk_list_box_append (GTK_LIST_BOX (list), note_row);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);

  g_object_set_data (G_OBJECT (dialog), "sp-note-row", note_row);
  g_object_set_data_full (G_OBJECT (dialog), "sp-to-status", g_strdup (to_status), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  sp_gui_present_dialog (GTK_WIDGET (self), GTK_WINDOW (dialog));
  return ADW_MESSAGE_DIALOG (dialog);
}

/* ---- Filling the page ------------------------------------------------- */

/* When the letters to the GP went; none for a draft, which has nothing to say. */
static void
fill_letter (SpReferralPage *self)
{
  SpReferral *r = self->referral;
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean draft = g_strcmp0 (r->status, "draft") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->letter_button), !draft);
  if (r->gp_referral_letter_at != NULL)
    {
      g_autofree char *date = sp_gui_format_date (r->gp_referral_letter_at);
      g_string_append_printf (text, _("Referral letter sent to the GP %s"), date);
    }
  if (r->gp_letter_sent_at != NULL)
    {
      g_autofree char *date = sp_gui_format_date (r->gp_letter_sent_at);
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, _("Completion letter sent to the GP %s"), date);
    }
  if (text->len == 0 && !draft)
    g_string_append (text, _("No letter sent to the GP yet"));
  gtk_label_set_label (self->letter_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->letter_label), text->len > 0);
}

static void
fill_header (SpReferralPage *self,
             SpOffering     *offering)
{
  SpReferral *r = self->referral;
  g_autoptr(GString) summary = g_string_new (NULL);
  g_autofree char *nhs = sp_nhs_number_format (self->patient->nhs_number);
  g_autofree char *patient_text = NULL;
  g_autofree char *patient_name = sp_patient_display_name (self->patient);

  g_free (self->title);
  self->title = g_strdup (offering ? offering->name : _("Offering no longer in the catalogue"));
  gtk_label_set_label (self->offering_label, self->title);

  if (r->referred_at != NULL)
    {
      g_autofree char *date = sp_gui_format_date (r->referred_at);
      g_string_append_printf (summary, _("Referred %s"), date);
    }
  else
    g_string_append (summary, _("Draft, not referred yet"));
  if (r->referrer != NULL)
    g_string_append_printf (summary, _(" by %s"), r->referrer);
  if (r->route != NULL)
    g_string_append_printf (summary, " · %s", sp_vocab_label (SP_VOCAB_ROUTE, r->route));
  if (r->reason != NULL)
    g_string_append_printf (summary, "\n%s", r->reason);
  gtk_label_set_label (self->summary_label, summary->str);
  gtk_label_set_label (self->status_badge, sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, shown_status (self)));

  /* Translators: a patient's name and NHS number */
  patient_text = g_strdup_printf (_("%s, NHS %s"), patient_name, nhs);
  gtk_label_set_label (self->patient_label, patient_text);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->patient_button), "s", self->patient->record.id);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->patient_button), "win.open-patient");
  {
    g_autofree char *open_label = g_strdup_printf (_("Open %s"), patient_text);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->patient_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    open_label, -1);
  }
}

static void
fill_status (SpReferralPage *self)
{
  const char *status = shown_status (self);
  const char * const *next = sp_referral_next_statuses (status);
  g_autoptr(GString) text = g_string_new (sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, status));

  if (self->pending_to != NULL)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("Not saved yet: it is saved when the message at the bottom closes. "
                                      "Undo keeps the referral %s."),
                              sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, self->referral->status));
    }
  else if (*next == NULL)
    {
      g_string_append_c (text, '\n');
      g_string_append (text, _("This is final. A new episode needs a new referral."));
    }
  adw_action_row_set_subtitle (self->status_row, text->str);

  for (guint i = 0; next[i] != NULL; i++)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (move_label (next[i]));

      gtk_widget_set_name (button, next[i]);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "referral.move");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", next[i]);
      if (i == 0)
        gtk_widget_add_css_class (button, "suggested-action");
      gtk_flow_box_append (self->moves_box, button);
      /* Tab goes to the buttons, not to the flow box's cells. */
      gtk_widget_set_focusable (gtk_widget_get_parent (button), FALSE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->moves_box), *next != NULL);
}

static gboolean
fill_history (SpReferralPage  *self,
              GError         **error)
{
  g_autoptr(GPtrArray) events = sp_store_list_referral_events (self->store, self->referral->record.id, error);

  if (events == NULL)
    return FALSE;

  self->n_events = events->len;
  for (guint i = 0; i < events->len; i++)
    {
      SpReferralEvent *e = events->pdata[i];
      g_autofree char *title = NULL;
      g_autofree char *when = sp_gui_format_time (e->at);
      g_autoptr(GString) subtitle = g_string_new (when);
      const char *to = sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, e->to_status);

      if (e->from_status == NULL)
        /* Translators: the first event of a referral, e.g. "Made as Referred" */
        title = g_strdup_printf (_("Made as %s"), to);
      else
        /* Translators: a change of state, e.g. "Referred → Accepted" */
        title = g_strdup_printf (_("%s → %s"), sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, e->from_status), to);
      if (e->by != NULL)
        g_string_append_printf (subtitle, _(" · by %s"), e->by);
      if (e->note != NULL)
        g_string_append_printf (subtitle, "\n%s", e->note);
      add_row (self, self->history_group, sp_gui_plain_row (title, subtitle->str));
    }

  if (self->pending_to != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("%s → %s"),
                                                sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, self->referral->status),
                                                sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, self->pending_to));
      GtkWidget *row = sp_gui_plain_row (title, _("Not saved yet — Undo is still possible"));

      adw_action_row_add_prefix (ADW_ACTION_ROW (row), sp_gui_badge (_("Pending"), "due"));
      add_row (self, self->history_group, row);
    }
  return TRUE;
}

static gboolean
fill_sessions (SpReferralPage  *self,
               GError         **error)
{
  g_autoptr(GPtrArray) sessions = NULL;
  const char *status = shown_status (self);
  gboolean can_record = g_strcmp0 (status, "accepted") == 0 || g_strcmp0 (status, "attending") == 0;
  g_autofree char *description = NULL;
  gint planned = (gint) CLAMP (self->referral->sessions_planned, 0, G_MAXINT);
  gint attended = (gint) CLAMP (self->referral->sessions_attended, 0, G_MAXINT);

  sessions = sp_store_list (self->store, &sp_entity_attendance,
                            "WHERE referral_id = ?1 AND deleted = 0 ORDER BY session_date, rowid",
                            self->referral->record.id, error);
  if (sessions == NULL)
    return FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->attendance_group), can_record);
  if (can_record)
    adw_preferences_group_set_description (self->attendance_group,
                                           g_strcmp0 (status, "accepted") == 0
                                             ? _("Record each session as it happens. The first session attended moves the referral to attending.")
                                             : _("Record each session as it happens."));

  self->n_sessions = sessions->len;
  if (planned > 0)
    description = g_strdup_printf (ngettext ("%d of %d session attended", "%d of %d sessions attended", planned),
                                   attended, planned);
  else
    description = g_strdup_printf (ngettext ("%d session attended", "%d sessions attended", attended), attended);
  adw_preferences_group_set_description (self->sessions_group, description);

  for (guint i = 0; i < sessions->len; i++)
    {
      SpAttendance *a = sessions->pdata[i];
      g_autofree char *date = sp_gui_format_date (a->session_date);
      GtkWidget *row = sp_gui_plain_row (date, a->note);
      GtkWidget *icon = gtk_image_new_from_icon_name (a->attended ? "emblem-ok-symbolic" : "window-close-symbolic");
      GtkWidget *label = sp_gui_badge (a->attended ? _("Attended") : _("Missed"), a->attended ? "mh" : "due");

      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      a->attended ? _("Attended") : _("Missed"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      add_row (self, self->sessions_group, row);
    }
  if (sessions->len == 0)
    add_row (self, self->sessions_group, sp_gui_plain_row (_("No sessions recorded yet"), NULL));
  return TRUE;
}

static void
fill_outcome (SpReferralPage *self)
{
  const SpVocabEntry *entries;
  guint n, selected = 0;

  /* What the user is typing survives the page being read again. */
  if (!self->outcome_edited)
    gtk_editable_set_text (GTK_EDITABLE (self->outcome_row), self->referral->outcome ? self->referral->outcome : "");

  entries = sp_vocab_entries (SP_VOCAB_FFT, &n);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (entries[i].code, self->referral->fft) == 0)
      selected = i + 1;
  adw_combo_row_set_selected (self->fft_row, selected);
  gtk_widget_set_visible (GTK_WIDGET (self->fft_row),
                          g_strcmp0 (shown_status (self), "completed") == 0 || self->referral->fft != NULL);

  if (self->referral->safety_concern != NULL)
    add_row (self, self->outcome_group, sp_gui_property_row (_("Safety concern"), self->referral->safety_concern));
}

/* The baseline for a measure: the one taken for this referral, else the
 * patient's first. */
static SpAssessment *
find_baseline (GPtrArray  *assessments,
               const char *measure,
               const char *referral_id)
{
  SpAssessment *first = NULL;

  for (guint i = 0; i < assessments->len; i++)
    {
      SpAssessment *a = assessments->pdata[i];

      if (g_strcmp0 (a->measure, measure) != 0 || g_strcmp0 (a->stage, "baseline") != 0)
        continue;
      if (g_strcmp0 (a->referral_id, referral_id) == 0)
        return a;
      if (first == NULL)
        first = a;
    }
  return first;
}

static gboolean
fill_measures (SpReferralPage  *self,
               GError         **error)
{
  g_autoptr(GPtrArray) assessments = sp_store_list_assessments (self->store, self->patient->record.id, error);
  guint shown = 0;

  if (assessments == NULL)
    return FALSE;

  for (guint m = 0; m < SP_N_MEASURES; m++)
    {
      const SpMeasureInfo *info = sp_measure_get (m);
      SpAssessment *baseline = find_baseline (assessments, info->code, self->referral->record.id);
      SpAssessment *follow_up = NULL;
      SpMeasureScore base_score, follow_score;
      g_autoptr(GString) subtitle = g_string_new (NULL);
      g_autofree char *value = NULL;
      GtkWidget *row;

      /* Sorted by time: the last follow-up for this referral is the latest. */
      for (guint i = 0; i < assessments->len; i++)
        {
          SpAssessment *a = assessments->pdata[i];

          if (g_strcmp0 (a->measure, info->code) == 0 && g_strcmp0 (a->stage, "follow_up") == 0 &&
              g_strcmp0 (a->referral_id, self->referral->record.id) == 0)
            follow_up = a;
        }
      if (follow_up == NULL && (baseline == NULL || g_strcmp0 (baseline->referral_id, self->referral->record.id) != 0))
        continue;

      if (baseline != NULL && sp_gui_assessment_score (baseline, &base_score))
        {
          g_autofree char *text = sp_gui_score_text (info, &base_score);
          g_autofree char *date = sp_gui_format_date (baseline->taken_at);

          /* Translators: a baseline score and its date, e.g. "Baseline 18 on 5 Feb 2026" */
          g_string_append_printf (subtitle, _("Baseline %s on %s"), text, date);
          if (base_score.band != NULL)
            g_string_append_printf (subtitle, " (%s)", base_score.band);
        }
      else
        g_string_append (subtitle, _("No baseline recorded"));

      if (follow_up != NULL && sp_gui_assessment_score (follow_up, &follow_score))
        {
          g_autofree char *text = sp_gui_score_text (info, &follow_score);
          g_autofree char *date = sp_gui_format_date (follow_up->taken_at);

          g_string_append_c (subtitle, '\n');
          /* Translators: a follow-up score and its date, e.g. "Follow-up 6 on 6 Jun 2026" */
          g_string_append_printf (subtitle, _("Follow-up %s on %s"), text, date);
          if (follow_score.band != NULL)
            g_string_append_printf (subtitle, " (%s)", follow_score.band);
          if (baseline != NULL && sp_gui_assessment_score (baseline, &base_score))
            {
              g_autofree char *change = sp_gui_change_text (info, &base_score, &follow_score);
              g_string_append_printf (subtitle, "\n%s", change);
            }
          value = g_strdup (text);
        }
      else
        {
          g_string_append_c (subtitle, '\n');
          g_string_append (subtitle, _("No follow-up yet"));
        }

      row = sp_gui_plain_row (sp_measure_get_name (info), subtitle->str);
      if (value != NULL)
        {
          GtkWidget *label = sp_gui_value_label (value, _("Latest follow-up"));
          gtk_widget_add_css_class (label, "title-3");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
        }
      add_row (self, self->measures_group, row);
      shown++;
    }
  if (shown == 0)
    add_row (self, self->measures_group,
             sp_gui_plain_row (_("No measures for this referral yet"),
                               _("Take a baseline now, and a follow-up when the sessions end.")));
  return TRUE;
}

static char *
per_session (gint64 pence)
{
  g_autofree char *money = sp_money_format (pence);

  /* Translators: an amount charged for each session, e.g. £2.50 a session */
  return g_strdup_printf (_("%s a session"), money);
}

static gboolean
fill_money (SpReferralPage  *self,
            GError         **error)
{
  SpReferral *r = self->referral;
  SpBalance balance;
  g_autoptr(GPtrArray) payments = NULL;
  g_autoptr(GHashTable) reversed = NULL;
  g_autofree char *fee = per_session (r->fee_pence);
  g_autofree char *patient_share = per_session (r->patient_share_pence);
  g_autofree char *funder_share = per_session (r->funder_share_pence);
  g_autofree char *due = NULL, *paid = NULL, *outstanding = NULL, *patient_text = NULL;

  /* Nothing to pay on a draft (not priced yet) or on a free offering. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "referral.record-payment",
                                 g_strcmp0 (r->status, "draft") != 0 && r->fee_pence > 0);
  if (g_strcmp0 (r->status, "draft") == 0)
    {
      add_row (self, self->money_group,
               sp_gui_plain_row (_("Priced when referred"),
                                 _("A draft has no co-payment yet: it is fixed at the moment of referral.")));
      return TRUE;
    }

  if (r->fee_pence == 0)
    add_row (self, self->money_group, sp_gui_property_row (_("Cost"), _("Free: there is nothing to pay")));
  else
    {
      add_row (self, self->money_group, sp_gui_property_row (_("Full fee"), fee));
      add_row (self, self->money_group, sp_gui_property_row (_("The patient pays"), patient_share));
    }
  if (r->funder_share_pence > 0)
    {
      g_autoptr(SpFunder) funder = r->funder_id ? sp_store_load (self->store, &sp_entity_funder, r->funder_id, NULL)
                                                : NULL;
      g_autofree char *text = NULL;

      if (funder != NULL)
        /* Translators: an amount a session, then who pays it */
        text = g_strdup_printf (_("%s, paid by %s"), funder_share, funder->name);
      else
        text = g_strdup_printf (_("%s, waived by the provider"), funder_share);
      add_row (self, self->money_group, sp_gui_property_row (_("The rest"), text));
    }
  if (r->income_band != NULL)
    add_row (self, self->money_group,
             sp_gui_property_row (_("Income band at referral"), sp_vocab_label (SP_VOCAB_INCOME_BAND, r->income_band)));

  if (!sp_store_referral_balance (self->store, r->record.id, &balance, error))
    return FALSE;
  due = sp_money_format (balance.patient_due);
  paid = sp_money_format (balance.patient_paid);
  outstanding = sp_gui_format_money (balance.patient_due - balance.patient_paid);
  /* Translators: a patient's balance on a referral */
  patient_text = g_strdup_printf (_("Due %s · Paid %s · Outstanding %s"), due, paid, outstanding);
  add_row (self, self->money_group, sp_gui_property_row (_("Patient balance"), patient_text));
  if (balance.funder_due > 0 || balance.funder_paid != 0)
    {
      g_autofree char *f_due = sp_money_format (balance.funder_due);
      g_autofree char *f_paid = sp_money_format (balance.funder_paid);
      g_autofree char *f_out = sp_gui_format_money (balance.funder_due - balance.funder_paid);
      g_autofree char *text = g_strdup_printf (_("Due %s · Paid %s · Outstanding %s"), f_due, f_paid, f_out);

      add_row (self, self->money_group, sp_gui_property_row (_("Funder balance"), text));
    }

  payments = sp_store_list_payments (self->store, r->record.id, error);
  if (payments == NULL)
    return FALSE;
  reversed = sp_gui_reversed_payments (payments);
  for (guint i = 0; i < payments->len; i++)
    add_row (self, self->money_group, sp_gui_ledger_row (payments->pdata[i], reversed, "referral.reverse-payment"));
  return TRUE;
}

/* Reads the referral again and shows it, keeping a move still waiting. */
static gboolean
fill (SpReferralPage  *self,
      const char      *referral_id,
      GError         **error)
{
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpOffering) offering = NULL;

  referral = sp_store_get_referral (self->store, referral_id, error);
  if (referral == NULL)
    return FALSE;
  patient = sp_store_get_patient (self->store, referral->patient_id, error);
  if (patient == NULL)
    return FALSE;
  offering = sp_store_load (self->store, &sp_entity_offering, referral->offering_id, NULL);

  self->filling = TRUE;
  clear_rows (self);
  g_clear_pointer (&self->referral, sp_referral_free);
  g_clear_pointer (&self->patient, sp_patient_free);
  self->referral = g_steal_pointer (&referral);
  self->patient = g_steal_pointer (&patient);
  self->n_events = 0;
  self->n_sessions = 0;

  fill_header (self, offering);
  fill_letter (self);
  fill_status (self);
  fill_outcome (self);
  if (!fill_history (self, error) || !fill_sessions (self, error) ||
      !fill_measures (self, error) || !fill_money (self, error))
    {
      self->filling = FALSE;
      return FALSE;
    }
  self->filling = FALSE;
  return TRUE;
}

static void
refill (SpReferralPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (self->referral == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  id = g_strdup (self->referral->record.id);
  if (!fill (self, id, &error))
    sp_gui_show_error (GTK_WIDGET (self), _("The Referral Cannot Be Shown"), error);
}

/* ---- Actions ---------------------------------------------------------- */

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sp_referral_page_move (SP_REFERRAL_PAGE (widget), g_variant_get_string (parameter, NULL));
}

static void
show_session_error (SpReferralPage *self,
                    const char     *message)
{
  gtk_label_set_label (self->session_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->session_error), message != NULL);
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->session_date_row), "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->session_date_row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->session_date_row), "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->session_date_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
record_session_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SpReferralPage *self = SP_REFERRAL_PAGE (widget);
  gboolean attended = g_variant_get_boolean (parameter);
  g_autofree char *date = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->session_date_row))));
  g_autoptr(GError) error = NULL;
  const char *was;

  if (self->referral == NULL)
    return;
  if (!sp_date_check (date, _("session date"), &error))
    {
      show_session_error (self, error->message);
      return;
    }
  show_session_error (self, NULL);

  sp_referral_page_commit_pending (self);
  was = sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, self->referral->status);
  if (!sp_store_record_attendance (self->store, self->referral->record.id, date, attended, NULL, &error))
    {
      show_session_error (self, error->message);
      return;
    }
  refill (self);
  emit_changed (self);
  {
    g_autofree char *day = sp_gui_format_date (date);
    g_autofree char *escaped = g_markup_escape_text (day, -1);
    AdwToast *toast = adw_toast_new_format (attended ? _("Session on %s recorded as attended")
                                                     : _("Session on %s recorded as missed"), escaped);

    if (g_strcmp0 (was, sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, self->referral->status)) != 0)
      {
        g_autofree char *title = g_strdup_printf ("%s. %s", adw_toast_get_title (toast), _("The referral is now attending."));
        adw_toast_set_title (toast, title);
      }
    sp_gui_add_toast (GTK_WIDGET (self), toast);
  }
}

static void
outcome_apply_cb (SpReferralPage *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->outcome_row))));
  g_autoptr(GError) error = NULL;

  if (self->referral == NULL || self->filling)
    return;
  sp_referral_page_commit_pending (self);
  if (!sp_store_set_referral_outcome (self->store, self->referral->record.id, *text ? text : NULL, &error))
    {
      sp_gui_show_error (GTK_WIDGET (self), _("The Outcome Was Not Saved"), error);
      return;
    }
  self->outcome_edited = FALSE;
  refill (self);
  emit_changed (self);
  sp_gui_add_toast (GTK_WIDGET (self), adw_toast_new (_("Outcome saved")));
}

static void
outcome_changed_cb (SpReferralPage *self)
{
  if (!self->filling)
    self->outcome_edited = TRUE;
}

static void
fft_changed_cb (SpReferralPage *self)
{
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(GError) error = NULL;
  const SpVocabEntry *entries;
  guint n, selected;
  const char *code = NULL;

  if (self->referral == NULL || self->filling)
    return;

  entries = sp_vocab_entries (SP_VOCAB_FFT, &n);
  selected = adw_combo_row_get_selected (self->fft_row);
  if (selected != GTK_INVALID_LIST_POSITION && selected > 0 && selected - 1 < n)
    code = entries[selected - 1].code;
  if (g_strcmp0 (code, self->referral->fft) == 0)
    return;

  sp_referral_page_commit_pending (self);
  referral = sp_store_get_referral (self->store, self->referral->record.id, &error);
  if (referral != NULL)
    {
      g_free (referral->fft);
      referral->fft = g_strdup (code);
    }
  if (referral == NULL || !sp_store_save (self->store, &sp_entity_referral, referral, &error))
    {
      sp_gui_show_error (GTK_WIDGET (self), _("The Answer Was Not Saved"), error);
      refill (self);
      return;
    }
  refill (self);
  emit_changed (self);
}

static void
child_saved_cb (SpReferralPage *self)
{
  refill (self);
  emit_changed (self);
}

static void
gp_letter_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SpReferralPage *self = SP_REFERRAL_PAGE (widget);
  g_autoptr(GError) error = NULL;
  SpLetterWindow *window;

  if (self->referral == NULL)
    return;
  sp_referral_page_commit_pending (self);
  window = sp_letter_window_new (self->store, self->referral->record.id, &error);
  if (window == NULL)
    {
      sp_gui_show_error (widget, _("The Letter Cannot Be Shown"), error);
      return;
    }
  g_signal_connect_object (window, "sent", G_CALLBACK (child_saved_cb), self, G_CONNECT_SWAPPED);
  sp_gui_present_dialog (widget, GTK_WINDOW (window));
}

static void
take_measure_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SpReferralPage *self = SP_REFERRAL_PAGE (widget);
  g_autoptr(GError) error = NULL;
  SpMeasureDialog *dialog;

  if (self->referral == NULL)
    return;
  sp_referral_page_commit_pending (self);
  dialog = sp_measure_dialog_new (self->store, self->patient->record.id, self->referral->record.id, &error);
  if (dialog == NULL)
    {
      sp_gui_show_error (widget, _("The Questionnaire Cannot Be Opened"), error);
      return;
    }
  g_signal_connect_object (dialog, "saved", G_CALLBACK (child_saved_cb), self, G_CONNECT_SWAPPED);
  sp_gui_present_dialog (widget, GTK_WINDOW (dialog));
}

static void
record_payment_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SpReferralPage *self = SP_REFERRAL_PAGE (widget);
  g_autoptr(GError) error = NULL;
  SpPaymentDialog *dialog;

  if (self->referral == NULL)
    return;
  sp_referral_page_commit_pending (self);
  dialog = sp_payment_dialog_new (self->store, self->referral->record.id, &error);
  if (dialog == NULL)
    {
      sp_gui_show_error (widget, _("The Payment Cannot Be Recorded"), error);
      return;
    }
  g_signal_connect_object (dialog, "saved", G_CALLBACK (child_saved_cb), self, G_CONNECT_SWAPPED);
  sp_gui_present_dialog (widget, GTK_WINDOW (dialog));
}

static void
reverse_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     SpReferralPage   *self)
{
  if (!sp_gui_apply_reversal (dialog, response, GTK_WIDGET (self), self->store))
    return;
  refill (self);
  emit_changed (self);
}

static void
reverse_payment_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SpReferralPage *self = SP_REFERRAL_PAGE (widget);
  AdwMessageDialog *dialog;

  sp_referral_page_commit_pending (self);
  dialog = sp_gui_confirm_reversal (widget, self->store, g_variant_get_string (parameter, NULL));
  if (dialog != NULL)
    g_signal_connect_object (dialog, "response", G_CALLBACK (reverse_response_cb), self, 0);
}

/* ---- GObject ---------------------------------------------------------- */

static gboolean
sp_referral_page_grab_focus (GtkWidget *widget)
{
  SpReferralPage *self = SP_REFERRAL_PAGE (widget);
  GtkWidget *first = gtk_widget_get_first_child (GTK_WIDGET (self->moves_box));

  if (first != NULL && gtk_widget_get_visible (GTK_WIDGET (self->moves_box)))
    return gtk_widget_child_focus (first, GTK_DIR_TAB_FORWARD);
  return gtk_widget_grab_focus (GTK_WIDGET (self->patient_button));
}

static void
sp_referral_page_dispose (GObject *object)
{
  SpReferralPage *self = SP_REFERRAL_PAGE (object);

  /* A move waiting for its toast is written, not lost. */
  if (self->pending_to != NULL && self->store != NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!write_pending (self, &error))
        g_warning ("A referral move could not be saved: %s", error->message);
    }
  forget_pending (self);

  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_REFERRAL_PAGE);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->referral, sp_referral_free);
  g_clear_pointer (&self->patient, sp_patient_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_referral_page_parent_class)->dispose (object);
}

static void
sp_referral_page_class_init (SpReferralPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_referral_page_dispose;
  widget_class->grab_focus = sp_referral_page_grab_focus;

  /**
   * SpReferralPage::changed:
   *
   * The page wrote to the store: lists showing referrals are out of date.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-referral-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, offering_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, status_badge);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, patient_button);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, patient_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, letter_button);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, letter_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, status_row);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, moves_box);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, history_group);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, attendance_group);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, session_date_row);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, session_error);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, sessions_group);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, outcome_group);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, outcome_row);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, fft_row);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, measures_group);
  gtk_widget_class_bind_template_child (widget_class, SpReferralPage, money_group);
  gtk_widget_class_bind_template_callback (widget_class, outcome_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, fft_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, outcome_changed_cb);

  gtk_widget_class_install_action (widget_class, "referral.move", "s", move_action);
  gtk_widget_class_install_action (widget_class, "referral.record-session", "b", record_session_action);
  gtk_widget_class_install_action (widget_class, "referral.take-measure", NULL, take_measure_action);
  gtk_widget_class_install_action (widget_class, "referral.record-payment", NULL, record_payment_action);
  gtk_widget_class_install_action (widget_class, "referral.reverse-payment", "s", reverse_payment_action);
  gtk_widget_class_install_action (widget_class, "referral.gp-letter", NULL, gp_letter_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_L, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "referral.gp-letter", NULL);
}

static void
sp_referral_page_init (SpReferralPage *self)
{
  g_autoptr(GtkStringList) answers = gtk_string_list_new (NULL);
  const SpVocabEntry *entries;
  guint n;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();

  gtk_string_list_append (answers, _("Not asked"));
  entries = sp_vocab_entries (SP_VOCAB_FFT, &n);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (answers, sp_vocab_label (SP_VOCAB_FFT, entries[i].code));
  self->filling = TRUE;
  adw_combo_row_set_model (self->fft_row, G_LIST_MODEL (answers));
  self->filling = FALSE;
}

/* Shows a referral; a move still waiting on the one shown before is written
 * first. On error the page is left as it was. */
gboolean
sp_referral_page_load (SpReferralPage  *self,
                       SpStore         *store,
                       const char      *referral_id,
                       GError         **error)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), FALSE);
  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (referral_id != NULL, FALSE);

  if (self->referral == NULL || g_strcmp0 (self->referral->record.id, referral_id) != 0)
    {
      sp_referral_page_commit_pending (self);
      self->outcome_edited = FALSE;
    }
  g_set_object (&self->store, store);
  if (!fill (self, referral_id, error))
    return FALSE;

  {
    g_autofree char *today = sp_store_today (store);
    gtk_editable_set_text (GTK_EDITABLE (self->session_date_row), today);
    show_session_error (self, NULL);
  }
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
  return TRUE;
}

const char *
sp_referral_page_get_referral_id (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return self->referral ? self->referral->record.id : NULL;
}

const char *
sp_referral_page_get_patient_id (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return self->patient ? self->patient->record.id : NULL;
}

const char *
sp_referral_page_get_title (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return self->title;
}

/* The state shown, a move waiting for its toast included. */
const char *
sp_referral_page_get_status (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return shown_status (self);
}

/* The states the page offers buttons for, read from the buttons. */
GStrv
sp_referral_page_dup_offered_statuses (SpReferralPage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);

  if (gtk_widget_get_visible (GTK_WIDGET (self->moves_box)))
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->moves_box)); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      {
        GtkWidget *button = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
        GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button));

        if (gtk_widget_get_visible (button) && target != NULL)
          g_strv_builder_add (builder, g_variant_get_string (target, NULL));
      }
  return g_strv_builder_end (builder);
}

/* The toast offering Undo for the move waiting, or NULL. */
AdwToast *
sp_referral_page_get_toast (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return self->pending_toast;
}

guint
sp_referral_page_get_n_events (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), 0);
  return self->n_events;
}

guint
sp_referral_page_get_n_sessions (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), 0);
  return self->n_sessions;
}

GtkEditable *
sp_referral_page_get_session_date_field (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return GTK_EDITABLE (self->session_date_row);
}

GtkEditable *
sp_referral_page_get_outcome_field (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return GTK_EDITABLE (self->outcome_row);
}

/* The Friends and Family Test answer: "Not asked", then SP_VOCAB_FFT in order. */
AdwComboRow *
sp_referral_page_get_fft_row (SpReferralPage *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_PAGE (self), NULL);
  return self->fft_row;
}
