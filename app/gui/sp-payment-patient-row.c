/* sp-payment-patient-row.c — a patient's balance in the payments list
 *
 * The patient's name and NHS number, and what they owe for the sessions
 * they came to with what they have paid. One row widget serves many
 * patients in turn as the list scrolls, so it only shows what it is given.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-payment-patient-row"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-payment-patient-row.h"
#include "sp-validate.h"

struct _SpPaymentPatientRow
{
  AdwBin    parent_instance;

  GtkLabel *name_label;
  GtkLabel *nhs_label;
  GtkLabel *owed_label;
  GtkLabel *paid_label;
};

G_DEFINE_FINAL_TYPE (SpPaymentPatientRow, sp_payment_patient_row, ADW_TYPE_BIN)

static void
sp_payment_patient_row_dispose (GObject *object)
{
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), SP_TYPE_PAYMENT_PATIENT_ROW);

  G_OBJECT_CLASS (sp_payment_patient_row_parent_class)->dispose (object);
}

static void
sp_payment_patient_row_class_init (SpPaymentPatientRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_payment_patient_row_dispose;

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-payment-patient-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPaymentPatientRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentPatientRow, nhs_label);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentPatientRow, owed_label);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentPatientRow, paid_label);
}

static void
sp_payment_patient_row_init (SpPaymentPatientRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sp_payment_patient_row_new (void)
{
  return g_object_new (SP_TYPE_PAYMENT_PATIENT_ROW, NULL);
}

/* Shows a patient; a NULL @name empties the row. */
void
sp_payment_patient_row_set_patient (SpPaymentPatientRow *self,
                                    const char          *name,
                                    const char          *nhs_number,
                                    const SpBalance     *balance)
{
  g_autofree char *nhs = NULL;
  g_autofree char *nhs_text = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *owed = NULL;
  g_autofree char *paid_amount = NULL;
  g_autofree char *paid = NULL;
  g_autofree char *description = NULL;
  gint64 outstanding;

  g_return_if_fail (SP_IS_PAYMENT_PATIENT_ROW (self));
  g_return_if_fail (name == NULL || balance != NULL);

  if (name == NULL)
    {
      gtk_label_set_label (self->name_label, "");
      gtk_label_set_label (self->nhs_label, "");
      gtk_label_set_label (self->owed_label, "");
      gtk_label_set_label (self->paid_label, "");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
      return;
    }

  nhs = sp_nhs_number_format (nhs_number);
  nhs_text = g_strdup_printf (_("NHS %s"), nhs);
  outstanding = balance->patient_due - balance->patient_paid;
  amount = sp_money_format (ABS (outstanding));
  if (outstanding > 0)
    /* Translators: what a patient still owes, e.g. "£12.00 outstanding" */
    owed = g_strdup_printf (_("%s outstanding"), amount);
  else if (outstanding == 0)
    /* Translators: a patient who owes nothing */
    owed = g_strdup (_("Paid up"));
  else
    /* Translators: a patient who paid more than was due, e.g. "£8.00 in credit" */
    owed = g_strdup_printf (_("%s in credit"), amount);
  paid_amount = sp_money_format (balance->patient_paid);
  /* Translators: what a patient has paid so far, e.g. "£40.00 paid" */
  paid = g_strdup_printf (_("%s paid"), paid_amount);

  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->nhs_label, nhs_text);
  gtk_label_set_label (self->owed_label, owed);
  gtk_label_set_label (self->paid_label, paid);
  /* Nothing owed reads as settled, not as a figure to chase. */
  if (outstanding > 0)
    gtk_widget_remove_css_class (GTK_WIDGET (self->owed_label), "dim-label");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->owed_label), "dim-label");

  /* One sentence for a screen reader, as a sighted user reads the row. */
  description = g_strdup_printf ("%s, %s, %s, %s", name, nhs_text, owed, paid);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
}
