/* sp-gui-util.c — small helpers the pages share: dates, rows, badges
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-gui-util"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <glib/gi18n.h>

#include "sp-gui-util.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-store.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* "2026-03-02" or "2026-03-02T10:00:00Z" → "2 Mar 2026" in the user's language. */
char *
sp_gui_format_date (const char *iso)
{
  g_autoptr(GDateTime) when = NULL;
  int y, m, d;

  if (iso == NULL || sscanf (iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return g_strdup (iso ? iso : "");
  when = g_date_time_new_utc (y, m, d, 0, 0, 0);
  if (when == NULL)
    return g_strdup (iso);
  /* Translators: a date as in "2 Mar 2026"; see g_date_time_format() */
  return g_date_time_format (when, _("%-d %b %Y"));
}

/* "2026-03-02T10:00:00Z" → "2 Mar 2026, 10:00" in local time. */
char *
sp_gui_format_time (const char *iso)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso == NULL)
    return g_strdup ("");
  utc = g_date_time_new_from_iso8601 (iso, NULL);
  if (utc == NULL)
    return sp_gui_format_date (iso);
  local = g_date_time_to_local (utc);
  /* Translators: a date and time as in "2 Mar 2026, 10:00"; see g_date_time_format() */
  return g_date_time_format (local, _("%-d %b %Y, %H:%M"));
}

/* "£1,234.50", and "−£5.00" with a real minus sign for a reversal. */
char *
sp_gui_format_money (gint64 pence)
{
  g_autofree char *money = NULL;

  if (pence >= 0)
    return sp_money_format (pence);
  money = sp_money_format (-pence);
  return g_strconcat ("\u2212", money, NULL);
}

GtkWidget *
sp_gui_plain_row (const char *title,
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

/* A row whose small title names a field and whose subtitle holds its value. */
GtkWidget *
sp_gui_property_row (const char *title,
                     const char *value)
{
  GtkWidget *row = sp_gui_plain_row (title, value);

  gtk_widget_add_css_class (row, "property");
  return row;
}

GtkWidget *
sp_gui_badge (const char *text,
              const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "badge");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

/* A figure at the end of a row, named for screen readers. */
GtkWidget *
sp_gui_value_label (const char *text,
                    const char *accessible_label)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "numeric");
  if (accessible_label != NULL)
    {
      g_autofree char *full = g_strdup_printf ("%s: %s", accessible_label, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, full, -1);
    }
  return label;
}

/* Dialogs belong to the application too, so it knows of every window. */
void
sp_gui_present_dialog (GtkWidget *from,
                       GtkWindow *dialog)
{
  GtkRoot *root = gtk_widget_get_root (from);

  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (dialog, GTK_WINDOW (root));
      gtk_window_set_application (dialog, gtk_window_get_application (GTK_WINDOW (root)));
    }
  gtk_window_present (dialog);
}

/* The core's message, which says what went wrong and what to do. */
void
sp_gui_show_error (GtkWidget    *from,
                   const char   *heading,
                   const GError *error)
{
  GtkRoot *root = gtk_widget_get_root (from);
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, error->message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  sp_gui_present_dialog (from, GTK_WINDOW (dialog));
}

gboolean
sp_gui_assessment_score (const SpAssessment *assessment,
                         SpMeasureScore     *score)
{
  const SpMeasureInfo *info = sp_measure_lookup (assessment->measure);
  gint answers[SP_MEASURE_MAX_ITEMS];
  guint n_answers = 0;

  return info != NULL &&
         sp_assessment_answers (assessment, answers, &n_answers) &&
         sp_measure_score (info, answers, n_answers, score, NULL);
}

/* The score as a person reads it: the total (SWEMWBS: its metric score),
 * ONS4's four answers, or "incomplete" — never a low number for a gap. */
char *
sp_gui_score_text (const SpMeasureInfo  *info,
                   const SpMeasureScore *score)
{
  if (!score->complete)
    return g_strdup (_("incomplete"));
  if (!info->summed)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < score->n_items; i++)
        g_string_append_printf (text, "%s%d", i ? " · " : "", score->items[i]);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  if (score->score != floor (score->score))
    return g_strdup_printf ("%.2f", score->score);
  return g_strdup_printf ("%d", (int) score->score);
}

/* "−12 points: Reliable improvement", judged by the measure's own rule. */
char *
sp_gui_change_text (const SpMeasureInfo  *info,
                    const SpMeasureScore *baseline,
                    const SpMeasureScore *follow_up)
{
  SpChange change = sp_measure_compare (info, baseline, follow_up);
  double difference;

  if (change == SP_CHANGE_INCOMPLETE)
    return g_strdup (sp_change_to_string (change));
  if (!info->summed)
    return g_strdup (sp_change_to_string (change));

  difference = follow_up->score - baseline->score;
  if (difference == 0)
    /* Translators: the change in a score since the baseline, then its meaning */
    return g_strdup_printf (_("No change: %s"), sp_change_to_string (change));
  if (difference != floor (difference))
    /* Translators: e.g. "+3.25 points: Reliable improvement" */
    return g_strdup_printf (_("%s%.2f points: %s"), difference > 0 ? "+" : "\u2212", fabs (difference),
                            sp_change_to_string (change));
  /* Translators: e.g. "−12 points: Reliable improvement" */
  return g_strdup_printf (_("%s%d points: %s"), difference > 0 ? "+" : "\u2212", (int) fabs (difference),
                          sp_change_to_string (change));
}

/* Toasts go to the window's overlay, whoever asks. */
void
sp_gui_add_toast (GtkWidget *from,
                  AdwToast  *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (from, ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (toast);
}

/* Asks before adding a reversal to the ledger, which cannot be taken back;
 * the caller reverses on the "reverse" response, with the note from the
 * dialog's "sp-note-row" and the id from "sp-payment-id". */
AdwMessageDialog *
sp_gui_confirm_reversal (GtkWidget  *from,
                         SpStore    *store,
                         const char *payment_id)
{
  g_autoptr(SpPayment) payment = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *date = NULL;
  g_autofree char *heading = NULL;
  GtkWidget *dialog, *list, *note_row;

  payment = sp_store_load (store, &sp_entity_payment, payment_id, &error);
  if (payment == NULL)
    {
      sp_gui_show_error (from, _("The Payment Cannot Be Reversed"), error);
      return NULL;
    }
  amount = sp_money_format (payment->amount_pence);
  date = sp_gui_format_date (payment->paid_at);
  heading = g_strdup_printf (_("Reverse the Payment of %s?"), amount);

  dialog = adw_message_dialog_new (NULL, heading, NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("A reversal of −%s is added to the ledger against the payment made on %s. "
                                    "The ledger keeps both, so the history stays complete; a payment is reversed "
                                    "only once. To correct an amount, reverse it and record the right one."),
                                  amount, date);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "reverse", _("_Reverse Payment"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "reverse", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  note_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (note_row), _("Why (optional)"));
  gtk_list_box_append (GTK_LIST_BOX (list), note_row);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);

  g_object_set_data (G_OBJECT (dialog), "sp-note-row", note_row);
  g_object_set_data_full (G_OBJECT (dialog), "sp-payment-id", g_strdup (payment_id), g_free);
  sp_gui_present_dialog (from, GTK_WINDOW (dialog));
  return ADW_MESSAGE_DIALOG (dialog);
}

/* The ids of the payments that some entry of @payments reverses. */
GHashTable *
sp_gui_reversed_payments (GPtrArray *payments)
{
  GHashTable *reversed = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < payments->len; i++)
    {
      SpPayment *p = payments->pdata[i];

      if (p->reverses_id != NULL)
        g_hash_table_add (reversed, p->reverses_id);
    }
  return reversed;
}

/* A ledger entry as a row: the amount and who paid, the date, method and
 * note; then a Reverse… button (@reverse_action, with the payment's id)
 * while the payment can be reversed, or a "Reversed" badge once it has
 * been. @reversed: from sp_gui_reversed_payments(). */
GtkWidget *
sp_gui_ledger_row (const SpPayment *p,
                   GHashTable      *reversed,
                   const char      *reverse_action)
{
  g_autofree char *amount = sp_gui_format_money (p->amount_pence);
  g_autofree char *date = sp_gui_format_date (p->paid_at);
  g_autoptr(GString) subtitle = g_string_new (date);
  g_autofree char *title = NULL;
  GtkWidget *row;

  if (p->method != NULL)
    g_string_append_printf (subtitle, " · %s", sp_vocab_label (SP_VOCAB_PAYMENT_METHOD, p->method));
  if (p->note != NULL)
    g_string_append_printf (subtitle, "\n%s", p->note);
  if (p->reverses_id != NULL)
    /* Translators: a correction in the ledger, e.g. "−£5.00 reversal (Patient)" */
    title = g_strdup_printf (_("%s reversal (%s)"), amount, sp_vocab_label (SP_VOCAB_PAYER, p->payer));
  else
    /* Translators: a payment, e.g. "£5.00 from Patient" */
    title = g_strdup_printf (_("%s from %s"), amount, sp_vocab_label (SP_VOCAB_PAYER, p->payer));
  row = sp_gui_plain_row (title, subtitle->str);

  if (p->reverses_id == NULL && !g_hash_table_contains (reversed, p->record.id))
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("Re_verse…"));
      g_autofree char *label = g_strdup_printf (_("Reverse the payment of %s on %s"), amount, date);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), reverse_action);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", p->record.id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  else if (p->reverses_id == NULL)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), sp_gui_badge (_("Reversed"), "status"));
  return row;
}

/* A count as the user's locale writes it: "1,665" in English and Welsh. */
char *
sp_gui_format_count (guint n)
{
  return g_strdup_printf ("%'u", n);
}

static gboolean
row_tooltip_cb (GtkWidget  *widget,
                int         x,
                int         y,
                gboolean    keyboard_mode,
                GtkTooltip *tooltip,
                gpointer    text)
{
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* A tooltip for a widget in a list row, whose @text (translated, and
 * living as long as the program: a string literal through _()) is only
 * looked at when the pointer rests on it. GTK 4.8's
 * gtk_widget_set_tooltip_text() parses the text as markup and sets it as
 * the accessible description at once: four badges so made a patient row
 * five times as slow to make, and a list view makes up to 200 rows when
 * a search goes from a handful of patients to thousands. The row's own
 * accessible label says what its badges say. */
void
sp_gui_set_row_tooltip (GtkWidget  *widget,
                        const char *text)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (row_tooltip_cb), (gpointer) text);
}

static gboolean
label_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  const char *text = gtk_label_get_text (GTK_LABEL (widget));

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* An ellipsized label in a list row shows its whole text on hover, looked
 * at only then, whatever the row is bound to (as sp_gui_set_row_tooltip). */
void
sp_gui_set_label_tooltip (GtkLabel *label)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  gtk_widget_set_has_tooltip (GTK_WIDGET (label), TRUE);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (label_tooltip_cb), NULL);
}

/* For the "response" of a sp_gui_confirm_reversal() dialog: writes the
 * reversal if the user chose to, with the note they gave, and says so in a
 * toast on @owner, or shows why it could not be. TRUE when the ledger
 * changed, for the caller to show it again. */
gboolean
sp_gui_apply_reversal (AdwMessageDialog *dialog,
                       const char       *response,
                       GtkWidget        *owner,
                       SpStore          *store)
{
  GtkEditable *note_row = g_object_get_data (G_OBJECT (dialog), "sp-note-row");
  const char *payment_id = g_object_get_data (G_OBJECT (dialog), "sp-payment-id");
  g_autofree char *note = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "reverse") != 0)
    return FALSE;
  note = g_strstrip (g_strdup (gtk_editable_get_text (note_row)));
  reversal = sp_store_reverse_payment (store, payment_id, *note != '\0' ? note : NULL, &error);
  if (reversal == NULL)
    {
      sp_gui_show_error (owner, _("The Payment Was Not Reversed"), error);
      return FALSE;
    }
  sp_gui_add_toast (owner, adw_toast_new (_("Payment reversed")));
  return TRUE;
}
