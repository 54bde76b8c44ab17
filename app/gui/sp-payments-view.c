/* sp-payments-view.c — balances per patient, and each funder's spend
 *
 * Every patient with a co-payment due or paid: what was due for the
 * sessions they came to, what they paid, and what is outstanding; opened,
 * each of their referrals with its own balance, a button to record a
 * payment, and the ledger entries with a way to reverse one. Below, each
 * funder's budget for the year against what is spent, committed and paid,
 * with a bar for how much of the budget is used.
 *
 * The figures come from the core (sp_store_patient_balance,
 * sp_store_referral_balance, sp_store_funder_spend), read in a worker
 * thread on its own SpStore so the window never waits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-payments-view"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-patients.h"
#include "sp-payment-dialog.h"
#include "sp-payments-view.h"
#include "sp-referrals.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* ---- What is read in the worker thread -------------------------------- */

typedef struct
{
  SpReferral *referral;
  char       *offering_name;
  SpBalance   balance;
  GPtrArray  *payments;   /* SpPayment, oldest first */
} ReferralMoney;

typedef struct
{
  char       *patient_id;
  char       *name;
  char       *nhs_number;
  SpBalance   balance;
  GPtrArray  *referrals;  /* ReferralMoney, newest first */
} PatientMoney;

typedef struct
{
  SpFunder      *funder;
  SpFunderSpend  spend;
} FunderMoney;

typedef struct
{
  GPtrArray *patients;   /* PatientMoney, most outstanding first */
  GPtrArray *funders;    /* FunderMoney, by name */
} Ledger;

static void
referral_money_free (ReferralMoney *money)
{
  sp_referral_free (money->referral);
  g_free (money->offering_name);
  g_ptr_array_unref (money->payments);
  g_free (money);
}

static void
patient_money_free (PatientMoney *money)
{
  g_free (money->patient_id);
  g_free (money->name);
  g_free (money->nhs_number);
  g_ptr_array_unref (money->referrals);
  g_free (money);
}

static void
funder_money_free (FunderMoney *money)
{
  sp_funder_free (money->funder);
  g_free (money);
}

static void
ledger_free (Ledger *ledger)
{
  g_ptr_array_unref (ledger->patients);
  g_ptr_array_unref (ledger->funders);
  g_free (ledger);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ledger, ledger_free)

struct _SpPaymentsView
{
  AdwBin               parent_instance;

  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwStatusPage       *error_page;
  GtkLabel            *totals_label;
  AdwPreferencesGroup *patients_group;
  GtkToggleButton     *outstanding_button;
  AdwPreferencesGroup *funders_group;

  SpStore             *store;
  Ledger              *ledger;
  GPtrArray           *rows;        /* (group, row) pairs */
  GHashTable          *expanded;    /* patient ids whose rows are open */
  GCancellable        *cancellable;
  guint                n_loads;
  guint                last_load;
};

G_DEFINE_FINAL_TYPE (SpPaymentsView, sp_payments_view, ADW_TYPE_BIN)

typedef struct
{
  char    *path;
  char    *user;
  SpRoles  roles;
  char   **practices;
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

static gint
compare_patients (gconstpointer a,
                  gconstpointer b)
{
  const PatientMoney *x = *(PatientMoney * const *) a;
  const PatientMoney *y = *(PatientMoney * const *) b;
  gint64 owe_x = x->balance.patient_due - x->balance.patient_paid;
  gint64 owe_y = y->balance.patient_due - y->balance.patient_paid;

  if (owe_x != owe_y)
    return owe_x > owe_y ? -1 : 1;
  return g_utf8_collate (x->name, y->name);
}

static Ledger *
ledger_load (SpStore  *store,
             GError  **error)
{
  g_autoptr(Ledger) ledger = g_new0 (Ledger, 1);
  g_autoptr(GPtrArray) referrals = NULL;
  g_autoptr(GPtrArray) funders = NULL;
  g_autoptr(GHashTable) by_patient = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) offerings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) patient_money_free);

  ledger->patients = g_ptr_array_new_with_free_func ((GDestroyNotify) patient_money_free);
  ledger->funders = g_ptr_array_new_with_free_func ((GDestroyNotify) funder_money_free);

  referrals = sp_store_list_referrals (store, NULL, error);
  if (referrals == NULL)
    return NULL;

  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];
      PatientMoney *patient;
      ReferralMoney *money;

      /* A draft is not priced yet: nothing is due on it. */
      if (g_strcmp0 (r->status, "draft") == 0)
        continue;

      patient = g_hash_table_lookup (by_patient, r->patient_id);
      if (patient == NULL)
        {
          g_autoptr(SpPatient) record = sp_store_get_patient (store, r->patient_id, error);

          if (record == NULL)
            return NULL;
          patient = g_new0 (PatientMoney, 1);
          patient->patient_id = g_strdup (r->patient_id);
          patient->name = sp_patient_display_name (record);
          patient->nhs_number = sp_nhs_number_format (record->nhs_number);
          patient->referrals = g_ptr_array_new_with_free_func ((GDestroyNotify) referral_money_free);
          if (!sp_store_patient_balance (store, r->patient_id, &patient->balance, error))
            {
              patient_money_free (patient);
              return NULL;
            }
          g_hash_table_insert (by_patient, patient->patient_id, patient);
          g_ptr_array_add (all, patient);
        }

      money = g_new0 (ReferralMoney, 1);
      money->referral = sp_referral_copy (r);
      g_ptr_array_add (patient->referrals, money);
      if (!g_hash_table_contains (offerings, r->offering_id))
        {
          g_autoptr(SpOffering) offering = sp_store_load (store, &sp_entity_offering, r->offering_id, NULL);
          g_hash_table_insert (offerings, g_strdup (r->offering_id), g_strdup (offering ? offering->name : NULL));
        }
      money->offering_name = g_strdup (g_hash_table_lookup (offerings, r->offering_id));
      if (!sp_store_referral_balance (store, r->record.id, &money->balance, error))
        return NULL;
      money->payments = sp_store_list_payments (store, r->record.id, error);
      if (money->payments == NULL)
        return NULL;
    }

  /* Only patients with a co-payment to account for. */
  for (guint i = 0; i < all->len; i++)
    {
      PatientMoney *patient = all->pdata[i];

      if (patient->balance.patient_due > 0 || patient->balance.patient_paid != 0)
        g_ptr_array_add (ledger->patients, g_ptr_array_steal_index_fast (all, i--));
    }
  g_ptr_array_sort (ledger->patients, compare_patients);

  funders = sp_store_list (store, &sp_entity_funder, "WHERE deleted = 0 ORDER BY name, id", NULL, error);
  if (funders == NULL)
    return NULL;
  for (guint i = 0; i < funders->len; i++)
    {
      FunderMoney *money = g_new0 (FunderMoney, 1);

      money->funder = sp_funder_copy (funders->pdata[i]);
      g_ptr_array_add (ledger->funders, money);
      if (!sp_store_funder_spend (store, money->funder->record.id, &money->spend, error))
        return NULL;
    }
  return g_steal_pointer (&ledger);
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
  Ledger *ledger;

  store = sp_store_open (job->path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The same person, with the same practices, as the window's store. */
  sp_store_set_actor (store, job->user, job->roles, (const char * const *) job->practices);
  ledger = ledger_load (store, &error);
  if (ledger == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, ledger, (GDestroyNotify) ledger_free);
}

/* ---- Rows ------------------------------------------------------------- */

static void
add_row (SpPaymentsView      *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, group);
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (SpPaymentsView *self)
{
  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    adw_preferences_group_remove (self->rows->pdata[i], self->rows->pdata[i + 1]);
  g_ptr_array_set_size (self->rows, 0);
}

static char *
balance_text (gint64 due,
              gint64 paid)
{
  g_autofree char *due_text = sp_money_format (due);
  g_autofree char *paid_text = sp_money_format (paid);
  g_autofree char *outstanding = sp_gui_format_money (due - paid);

  /* Translators: a balance: what was due, what was paid, what is left */
  return g_strdup_printf (_("Due %s · Paid %s · Outstanding %s"), due_text, paid_text, outstanding);
}

static GtkWidget *
action_button (const char *mnemonic,
               const char *accessible,
               const char *action,
               const char *target)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (mnemonic);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", target);
  return button;
}

static void
add_payment_rows (AdwExpanderRow *expander,
                  GPtrArray      *payments)
{
  g_autoptr(GHashTable) reversed = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < payments->len; i++)
    {
      SpPayment *p = payments->pdata[i];
      if (p->reverses_id != NULL)
        g_hash_table_add (reversed, p->reverses_id);
    }
  for (guint i = 0; i < payments->len; i++)
    {
      SpPayment *p = payments->pdata[i];
      g_autofree char *amount = sp_gui_format_money (p->amount_pence);
      g_autofree char *date = sp_gui_format_date (p->paid_at);
      g_autoptr(GString) subtitle = g_string_new (date);
      g_autofree char *title = NULL;
      GtkWidget *row;

      if (p->method != NULL)
        g_string_append_printf (subtitle, " · %s", sp_vocab_label (SP_VOCAB_PAYMENT_METHOD, p->method));
      if (p->note != NULL)
        g_string_append_printf (subtitle, " · %s", p->note);
      if (p->reverses_id != NULL)
        title = g_strdup_printf (_("%s reversal (%s)"), amount, sp_vocab_label (SP_VOCAB_PAYER, p->payer));
      else
        title = g_strdup_printf (_("%s from %s"), amount, sp_vocab_label (SP_VOCAB_PAYER, p->payer));
      row = sp_gui_plain_row (title, subtitle->str);
      gtk_widget_add_css_class (row, "ledger-entry");
      if (p->reverses_id == NULL && !g_hash_table_contains (reversed, p->record.id))
        {
          g_autofree char *label = g_strdup_printf (_("Reverse the payment of %s on %s"), amount, date);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     action_button (_("Re_verse…"), label, "payments.reverse", p->record.id));
        }
      else if (p->reverses_id == NULL)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row), sp_gui_badge (_("Reversed"), "status"));
      adw_expander_row_add_row (expander, row);
    }
}

static GtkWidget *
patient_row (SpPaymentsView *self,
             PatientMoney   *patient)
{
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *balance = balance_text (patient->balance.patient_due, patient->balance.patient_paid);
  g_autofree char *subtitle = g_strdup_printf (_("NHS %s · %s"), patient->nhs_number, balance);
  g_autofree char *owed = sp_gui_format_money (patient->balance.patient_due - patient->balance.patient_paid);
  GtkWidget *owed_label = sp_gui_value_label (owed, _("Outstanding"));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), patient->name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  gtk_widget_add_css_class (owed_label, "heading");
  if (patient->balance.patient_due - patient->balance.patient_paid <= 0)
    gtk_widget_add_css_class (owed_label, "dim-label");
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), owed_label);
  gtk_widget_set_name (row, patient->patient_id);

  for (guint i = 0; i < patient->referrals->len; i++)
    {
      ReferralMoney *money = patient->referrals->pdata[i];
      SpReferral *r = money->referral;
      g_autofree char *each = sp_money_format (r->patient_share_pence);
      g_autofree char *referral_balance = balance_text (money->balance.patient_due, money->balance.patient_paid);
      g_autofree char *detail = NULL;
      g_autofree char *label = NULL;
      const char *name = money->offering_name ? money->offering_name : _("Offering no longer in the catalogue");
      GtkWidget *referral_row;

      /* Translators: a referral's state, what the patient pays a session, and its balance */
      detail = g_strdup_printf (_("%s · %s a session · %s"), sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, r->status),
                                each, referral_balance);
      referral_row = sp_gui_plain_row (name, detail);
      label = g_strdup_printf (_("Record a payment for %s"), name);
      adw_action_row_add_suffix (ADW_ACTION_ROW (referral_row),
                                 action_button (_("_Record Payment…"), label, "payments.record", r->record.id));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), referral_row);
      add_payment_rows (ADW_EXPANDER_ROW (row), money->payments);
    }

  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), g_hash_table_contains (self->expanded, patient->patient_id));
  return row;
}

static GtkWidget *
funder_row (FunderMoney *money)
{
  const SpFunderSpend *s = &money->spend;
  g_autofree char *budget = sp_money_format (s->budget);
  g_autofree char *spent = sp_money_format (s->spent);
  g_autofree char *committed = sp_money_format (s->committed);
  g_autofree char *paid = sp_money_format (s->paid);
  g_autofree char *remaining = sp_gui_format_money (s->budget - s->spent - s->committed);
  g_autofree char *subtitle = NULL;
  g_autofree char *bar_label = NULL;
  double used = s->budget > 0 ? (double) (s->spent + s->committed) / (double) s->budget : 0.0;
  GtkWidget *row, *bar;

  /* Translators: a funder's year: budget, spent, committed, paid and what is left */
  subtitle = g_strdup_printf (_("Budget %s · Spent %s · Committed %s · Paid %s · Remaining %s"),
                              budget, spent, committed, paid, remaining);
  if (money->funder->kind != NULL)
    {
      g_autofree char *with_kind = g_strdup_printf ("%s\n%s", sp_vocab_label (SP_VOCAB_FUNDER_KIND, money->funder->kind),
                                                    subtitle);
      g_free (subtitle);
      subtitle = g_steal_pointer (&with_kind);
    }
  row = sp_gui_plain_row (money->funder->name, subtitle);

  bar = gtk_level_bar_new_for_interval (0.0, 1.0);
  /* Adwaita colours a block by the first offset at or above its value:
   * up to 90 % of the budget in the usual colour, beyond it in warning. */
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH, 0.9);
  gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW, 1.0);
  gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), CLAMP (used, 0.0, 1.0));
  gtk_widget_set_size_request (bar, 120, -1);
  /* Translators: how much of a funder's budget is spent or committed */
  bar_label = g_strdup_printf (_("%.0f %% of the budget spent or committed"), used * 100);
  gtk_widget_set_tooltip_text (bar, bar_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, bar_label, -1);

  /* The share in figures under the bar: a sliver of a bar says little. */
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    /* xgettext:no-c-format */
    g_autofree char *share = used > 0 && used < 0.01 ? g_strdup (_("under 1 % used"))
                                                     : g_strdup_printf (_("%.0f %% used"), used * 100);
    GtkWidget *caption = gtk_label_new (share);

    gtk_widget_add_css_class (caption, "caption");
    gtk_widget_add_css_class (caption, "dim-label");
    gtk_widget_add_css_class (caption, "numeric");
    gtk_label_set_xalign (GTK_LABEL (caption), 1);
    gtk_accessible_update_property (GTK_ACCESSIBLE (caption), GTK_ACCESSIBLE_PROPERTY_LABEL, bar_label, -1);
    gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
    gtk_box_append (GTK_BOX (box), bar);
    gtk_box_append (GTK_BOX (box), caption);
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  }
  return row;
}

static void
fill (SpPaymentsView *self)
{
  gboolean outstanding_only = gtk_toggle_button_get_active (self->outstanding_button);
  gint64 owed = 0, paid = 0;
  guint n_owing = 0, shown = 0;
  g_autofree char *owed_text = NULL;
  g_autofree char *paid_text = NULL;
  g_autofree char *totals = NULL;

  /* Keep open what the user opened. */
  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    if (ADW_IS_EXPANDER_ROW (self->rows->pdata[i + 1]))
      {
        const char *id = gtk_widget_get_name (self->rows->pdata[i + 1]);

        if (adw_expander_row_get_expanded (self->rows->pdata[i + 1]))
          g_hash_table_add (self->expanded, g_strdup (id));
        else
          g_hash_table_remove (self->expanded, id);
      }
  clear_rows (self);
  if (self->ledger == NULL)
    return;

  for (guint i = 0; i < self->ledger->patients->len; i++)
    {
      PatientMoney *patient = self->ledger->patients->pdata[i];
      gint64 left = patient->balance.patient_due - patient->balance.patient_paid;

      owed += MAX (left, 0);
      paid += patient->balance.patient_paid;
      n_owing += left > 0;
      if (outstanding_only && left <= 0)
        continue;
      add_row (self, self->patients_group, patient_row (self, patient));
      shown++;
    }
  if (shown == 0)
    add_row (self, self->patients_group,
             sp_gui_plain_row (outstanding_only ? _("Nobody owes anything") : _("No co-payments yet"),
                               _("A co-payment falls due for each session a patient attends.")));

  for (guint i = 0; i < self->ledger->funders->len; i++)
    add_row (self, self->funders_group, funder_row (self->ledger->funders->pdata[i]));
  if (self->ledger->funders->len == 0)
    add_row (self, self->funders_group, sp_gui_plain_row (_("No funders in the catalogue"), NULL));

  owed_text = sp_money_format (owed);
  paid_text = sp_money_format (paid);
  /* Translators: e.g. "£42.50 outstanding from 6 patients; £120.00 paid so far" */
  totals = g_strdup_printf (ngettext ("%s outstanding from %u patient; %s paid so far",
                                      "%s outstanding from %u patients; %s paid so far", n_owing),
                            owed_text, n_owing, paid_text);
  gtk_label_set_label (self->totals_label, totals);
}

static void
load_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (source_object);
  g_autoptr(GError) error = NULL;
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  Ledger *ledger = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->n_loads--;
  if (job->generation != self->last_load)
    {
      /* A later load is on its way: it is the one to show. */
      g_clear_pointer (&ledger, ledger_free);
      return;
    }

  gtk_spinner_stop (self->spinner);
  if (ledger == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  g_clear_pointer (&self->ledger, ledger_free);
  self->ledger = ledger;
  fill (self);
  gtk_stack_set_visible_child_name (self->stack, "content");
}

/* ---- Actions ---------------------------------------------------------- */

static void
outstanding_toggled_cb (SpPaymentsView *self)
{
  fill (self);
}

static void
payment_saved_cb (SpPaymentsView *self)
{
  sp_payments_view_refresh (self);
  sp_gui_add_toast (GTK_WIDGET (self), adw_toast_new (_("Payment recorded")));
}

static void
record_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);
  g_autoptr(GError) error = NULL;
  SpPaymentDialog *dialog;

  dialog = sp_payment_dialog_new (self->store, g_variant_get_string (parameter, NULL), &error);
  if (dialog == NULL)
    {
      sp_gui_show_error (widget, _("The Payment Cannot Be Recorded"), error);
      return;
    }
  g_signal_connect_object (dialog, "saved", G_CALLBACK (payment_saved_cb), self, G_CONNECT_SWAPPED);
  sp_gui_present_dialog (widget, GTK_WINDOW (dialog));
}

static void
reverse_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     SpPaymentsView   *self)
{
  GtkEditable *note_row = g_object_get_data (G_OBJECT (dialog), "sp-note-row");
  const char *payment_id = g_object_get_data (G_OBJECT (dialog), "sp-payment-id");
  g_autofree char *note = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "reverse") != 0)
    return;
  note = g_strstrip (g_strdup (gtk_editable_get_text (note_row)));
  reversal = sp_store_reverse_payment (self->store, payment_id, *note != '\0' ? note : NULL, &error);
  if (reversal == NULL)
    {
      sp_gui_show_error (GTK_WIDGET (self), _("The Payment Was Not Reversed"), error);
      return;
    }
  sp_payments_view_refresh (self);
  sp_gui_add_toast (GTK_WIDGET (self), adw_toast_new (_("Payment reversed")));
}

static void
reverse_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);
  AdwMessageDialog *dialog = sp_gui_confirm_reversal (widget, self->store, g_variant_get_string (parameter, NULL));

  if (dialog != NULL)
    g_signal_connect_object (dialog, "response", G_CALLBACK (reverse_response_cb), self, 0);
}

/* ---- GObject ---------------------------------------------------------- */

static gboolean
sp_payments_view_grab_focus (GtkWidget *widget)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);

  return gtk_widget_child_focus (GTK_WIDGET (self->patients_group), GTK_DIR_TAB_FORWARD);
}

static void
sp_payments_view_dispose (GObject *object)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PAYMENTS_VIEW);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->ledger, ledger_free);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_payments_view_parent_class)->dispose (object);
}

static void
sp_payments_view_class_init (SpPaymentsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_payments_view_dispose;
  widget_class->grab_focus = sp_payments_view_grab_focus;

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-payments-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, stack);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, error_page);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, totals_label);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, patients_group);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, outstanding_button);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, funders_group);
  gtk_widget_class_bind_template_callback (widget_class, outstanding_toggled_cb);

  gtk_widget_class_install_action (widget_class, "payments.record", "s", record_action);
  gtk_widget_class_install_action (widget_class, "payments.reverse", "s", reverse_action);
}

static void
sp_payments_view_init (SpPaymentsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new ();
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

void
sp_payments_view_set_store (SpPaymentsView *self,
                            SpStore        *store)
{
  g_return_if_fail (SP_IS_PAYMENTS_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (g_set_object (&self->store, store))
    sp_payments_view_refresh (self);
}

/* Reads the balances again, in a worker thread; the view keeps showing
 * what it had until they arrive. */
void
sp_payments_view_refresh (SpPaymentsView *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (SP_IS_PAYMENTS_VIEW (self));

  if (self->store == NULL)
    return;

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (sp_store_get_path (self->store));
  job->user = g_strdup (sp_store_get_user (self->store));
  job->roles = sp_store_get_roles (self->store);
  job->practices = g_strdupv ((char **) sp_store_get_practices (self->store));
  job->generation = ++self->last_load;

  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, sp_payments_view_refresh);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  self->n_loads++;
  if (self->ledger == NULL)
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
    }
  g_task_run_in_thread (task, load_thread);
}

gboolean
sp_payments_view_get_loading (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), FALSE);
  return self->n_loads > 0;
}

guint
sp_payments_view_get_n_patients (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), 0);
  return self->ledger ? self->ledger->patients->len : 0;
}

guint
sp_payments_view_get_n_funders (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), 0);
  return self->ledger ? self->ledger->funders->len : 0;
}

/* The balance shown for a patient; FALSE when they are not listed. */
gboolean
sp_payments_view_get_patient_balance (SpPaymentsView *self,
                                      const char     *patient_id,
                                      SpBalance      *balance)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), FALSE);

  for (guint i = 0; self->ledger != NULL && i < self->ledger->patients->len; i++)
    {
      PatientMoney *patient = self->ledger->patients->pdata[i];

      if (g_strcmp0 (patient->patient_id, patient_id) == 0)
        {
          *balance = patient->balance;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
sp_payments_view_get_funder_spend (SpPaymentsView *self,
                                   const char     *funder_id,
                                   SpFunderSpend  *spend)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), FALSE);

  for (guint i = 0; self->ledger != NULL && i < self->ledger->funders->len; i++)
    {
      FunderMoney *money = self->ledger->funders->pdata[i];

      if (g_strcmp0 (money->funder->record.id, funder_id) == 0)
        {
          *spend = money->spend;
          return TRUE;
        }
    }
  return FALSE;
}
