/* sp-payment-dialog.c — record a payment against a referral
 *
 * Who paid (the patient, or the referral's funder), how much, how and a
 * note. The amount is read by the core's own rule (sp_money_parse) as it
 * is typed: a mistake is marked at the field with the reason, and Save
 * stays off until the amount is a sum of money above zero. A failed save
 * keeps everything typed and says why.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-payment-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-error.h"
#include "sp-gui-util.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-payment-dialog.h"
#include "sp-referrals.h"
#include "sp-validate.h"
#include "sp-vocab.h"

struct _SpPaymentDialog
{
  AdwWindow      parent_instance;

  AdwWindowTitle *window_title;
  GtkWidget      *save_button;
  GtkLabel       *form_error;
  AdwActionRow   *offering_row;
  AdwActionRow   *share_row;
  AdwActionRow   *balance_row;
  AdwComboRow    *payer_row;
  AdwEntryRow    *amount_row;
  GtkLabel       *amount_error;
  AdwComboRow    *method_row;
  AdwEntryRow    *note_row;

  SpStore        *store;
  SpReferral     *referral;
  gboolean        touched;   /* the user has finished typing the amount once */
  gint64          amount;
  gboolean        valid;
};

G_DEFINE_FINAL_TYPE (SpPaymentDialog, sp_payment_dialog, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Characters no amount of money has: shown as a mistake at once. */
static gboolean
plainly_wrong (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isdigit (c) && c != '.' && c != ',' && c != ' ' && c != '-' &&
          c != 0x00a3 /* £ */ && c != 0x2212 /* − */)
        return TRUE;
    }
  return FALSE;
}

static void
mark_amount (SpPaymentDialog *self,
             const char      *message)
{
  gtk_label_set_label (self->amount_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->amount_error), message != NULL);
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->amount_row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->amount_row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->amount_row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->amount_row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->amount_row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->amount_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
validate (SpPaymentDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->amount_row));
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean blank = TRUE;

  for (const char *p = text; *p != '\0'; p++)
    blank = blank && g_ascii_isspace (*p);

  self->valid = FALSE;
  if (blank)
    ;
  else if (!sp_money_parse (text, &self->amount, &error))
    {
      if (self->touched || plainly_wrong (text))
        message = g_strdup (error->message);
    }
  else if (self->amount <= 0)
    message = g_strdup (_("A payment must be more than £0.00. To correct a payment, reverse it in the list."));
  else
    self->valid = TRUE;

  mark_amount (self, message);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "payment.save", self->valid);
}

static void
amount_changed_cb (SpPaymentDialog *self)
{
  if (self->amount_row == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), FALSE);
  validate (self);
}

static void
amount_left_cb (GtkEventControllerFocus *controller,
                SpPaymentDialog         *self)
{
  if (self->amount_row == NULL || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  self->touched = TRUE;
  validate (self);
}

static void
amount_activated_cb (SpPaymentDialog *self)
{
  self->touched = TRUE;
  validate (self);
  if (self->valid)
    sp_payment_dialog_save (self);
}

static const char *
payer_code (SpPaymentDialog *self)
{
  return adw_combo_row_get_selected (self->payer_row) == 1 ? "funder" : "patient";
}

gboolean
sp_payment_dialog_save (SpPaymentDialog *self)
{
  g_autoptr(SpPayment) payment = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const SpVocabEntry *methods;
  guint n_methods, method;

  g_return_val_if_fail (SP_IS_PAYMENT_DIALOG (self), FALSE);

  self->touched = TRUE;
  validate (self);
  if (!self->valid)
    return FALSE;

  methods = sp_vocab_entries (SP_VOCAB_PAYMENT_METHOD, &n_methods);
  method = adw_combo_row_get_selected (self->method_row);
  note = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->note_row))));

  payment = sp_payment_new ();
  payment->referral_id = g_strdup (self->referral->record.id);
  payment->payer = g_strdup (payer_code (self));
  payment->amount_pence = self->amount;
  payment->method = g_strdup (method < n_methods ? methods[method].code : NULL);
  payment->note = *note != '\0' ? g_steal_pointer (&note) : NULL;

  if (!sp_store_add_payment (self->store, payment, &error))
    {
      gtk_label_set_label (self->form_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->form_error), TRUE);
      return FALSE;
    }

  g_signal_emit (self, signals[SAVED], 0);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sp_payment_dialog_save (SP_PAYMENT_DIALOG (widget));
}

/* ---- GObject ---------------------------------------------------------- */

static void
sp_payment_dialog_dispose (GObject *object)
{
  SpPaymentDialog *self = SP_PAYMENT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PAYMENT_DIALOG);
  g_clear_pointer (&self->referral, sp_referral_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_payment_dialog_parent_class)->dispose (object);
}

static void
sp_payment_dialog_class_init (SpPaymentDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_payment_dialog_dispose;

  /**
   * SpPaymentDialog::saved:
   *
   * The payment was added to the ledger; the dialog closes.
   */
  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-payment-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, form_error);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, offering_row);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, share_row);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, balance_row);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, payer_row);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, amount_row);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, amount_error);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, method_row);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentDialog, note_row);
  gtk_widget_class_bind_template_callback (widget_class, amount_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, amount_activated_cb);

  gtk_widget_class_install_action (widget_class, "payment.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "payment.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sp_payment_dialog_init (SpPaymentDialog *self)
{
  g_autoptr(GtkStringList) methods = gtk_string_list_new (NULL);
  GtkEventController *focus = gtk_event_controller_focus_new ();
  const SpVocabEntry *entries;
  guint n;

  gtk_widget_init_template (GTK_WIDGET (self));

  entries = sp_vocab_entries (SP_VOCAB_PAYMENT_METHOD, &n);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (methods, sp_vocab_label (SP_VOCAB_PAYMENT_METHOD, entries[i].code));
  adw_combo_row_set_model (self->method_row, G_LIST_MODEL (methods));

  g_signal_connect_object (focus, "leave", G_CALLBACK (amount_left_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->amount_row), focus);

  validate (self);
}

SpPaymentDialog *
sp_payment_dialog_new (SpStore     *store,
                       const char  *referral_id,
                       GError     **error)
{
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpOffering) offering = NULL;
  g_autoptr(GtkStringList) payers = gtk_string_list_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *share = NULL;
  g_autofree char *balance_text = NULL;
  SpBalance balance;
  SpPaymentDialog *self;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (referral_id != NULL, NULL);

  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL)
    return NULL;
  if (g_strcmp0 (referral->status, "draft") == 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("A draft referral has no co-payment yet: refer the patient first."));
      return NULL;
    }
  patient = sp_store_get_patient (store, referral->patient_id, error);
  if (patient == NULL)
    return NULL;
  if (!sp_store_referral_balance (store, referral_id, &balance, error))
    return NULL;
  offering = sp_store_load (store, &sp_entity_offering, referral->offering_id, NULL);

  self = g_object_new (SP_TYPE_PAYMENT_DIALOG, NULL);
  self->store = g_object_ref (store);

  name = sp_patient_display_name (patient);
  adw_window_title_set_subtitle (self->window_title, name);
  adw_action_row_set_subtitle (self->offering_row, offering ? offering->name : _("Offering no longer in the catalogue"));
  {
    g_autofree char *each = sp_money_format (referral->patient_share_pence);
    g_autofree char *fee = sp_money_format (referral->fee_pence);

    /* Translators: what the patient pays a session, and the full fee */
    share = g_strdup_printf (_("The patient pays %s a session of a full fee of %s"), each, fee);
    adw_action_row_set_subtitle (self->share_row, share);
  }
  {
    g_autofree char *due = sp_money_format (balance.patient_due);
    g_autofree char *paid = sp_money_format (balance.patient_paid);
    g_autofree char *outstanding = sp_gui_format_money (balance.patient_due - balance.patient_paid);

    balance_text = g_strdup_printf (_("Due %s · Paid %s · Outstanding %s"), due, paid, outstanding);
    adw_action_row_set_subtitle (self->balance_row, balance_text);
  }

  gtk_string_list_append (payers, _("The patient"));
  if (referral->funder_id != NULL)
    {
      g_autoptr(SpFunder) funder = sp_store_load (store, &sp_entity_funder, referral->funder_id, NULL);
      g_autofree char *label = g_strdup_printf (_("The funder, %s"), funder ? funder->name : referral->funder_id);

      gtk_string_list_append (payers, label);
    }
  adw_combo_row_set_model (self->payer_row, G_LIST_MODEL (payers));

  self->referral = g_steal_pointer (&referral);
  /* The amount is what the user came to type. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->amount_row));
  return self;
}

const char *
sp_payment_dialog_get_referral_id (SpPaymentDialog *self)
{
  g_return_val_if_fail (SP_IS_PAYMENT_DIALOG (self), NULL);
  return self->referral->record.id;
}

GtkEditable *
sp_payment_dialog_get_amount_field (SpPaymentDialog *self)
{
  g_return_val_if_fail (SP_IS_PAYMENT_DIALOG (self), NULL);
  return GTK_EDITABLE (self->amount_row);
}

GtkLabel *
sp_payment_dialog_get_amount_message (SpPaymentDialog *self)
{
  g_return_val_if_fail (SP_IS_PAYMENT_DIALOG (self), NULL);
  return self->amount_error;
}

/* "patient", or "funder" when the referral has one. */
void
sp_payment_dialog_set_payer (SpPaymentDialog *self,
                             const char      *payer)
{
  g_return_if_fail (SP_IS_PAYMENT_DIALOG (self));

  if (g_strcmp0 (payer, "funder") == 0 && self->referral->funder_id != NULL)
    adw_combo_row_set_selected (self->payer_row, 1);
  else
    adw_combo_row_set_selected (self->payer_row, 0);
}

GtkWidget *
sp_payment_dialog_get_save_button (SpPaymentDialog *self)
{
  g_return_val_if_fail (SP_IS_PAYMENT_DIALOG (self), NULL);
  return self->save_button;
}
