/* sp-patient-row.c — a patient in the caseload list
 *
 * Name, NHS number and age, with badges for the MSK and mental-health
 * conditions, a follow-up that is due, and where the latest referral stands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-patient-row"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-patient-row.h"
#include "sp-vocab.h"

struct _SpPatientRow
{
  AdwBin         parent_instance;

  GtkLabel      *name_label;
  GtkLabel      *detail_label;
  GtkWidget     *msk_badge;
  GtkWidget     *mh_badge;
  GtkWidget     *due_badge;
  GtkLabel      *status_badge;

  SpPatientItem *item;
};

G_DEFINE_FINAL_TYPE (SpPatientRow, sp_patient_row, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "999 584 4516" never breaks across lines. */
static char *
unbreakable (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text ? text : "", " ", -1);

  return g_strjoinv ("\u00a0", parts);
}

static void
update (SpPatientRow *self)
{
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *detail = NULL;
  g_autofree char *nhs = NULL;
  const char *status;
  gint age;

  if (self->item == NULL)
    {
      gtk_label_set_label (self->name_label, "");
      gtk_label_set_label (self->detail_label, "");
      gtk_widget_set_visible (self->msk_badge, FALSE);
      gtk_widget_set_visible (self->mh_badge, FALSE);
      gtk_widget_set_visible (self->due_badge, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->status_badge), FALSE);
      return;
    }

  age = sp_patient_item_get_age (self->item);
  nhs = unbreakable (sp_patient_item_get_nhs_number (self->item));
  if (age >= 0)
    /* Translators: NHS number, then the patient's age in years */
    detail = g_strdup_printf (ngettext ("NHS %s · %d year", "NHS %s · %d years", age), nhs, age);
  else
    detail = g_strdup_printf (_("NHS %s"), nhs);

  gtk_label_set_label (self->name_label, sp_patient_item_get_name (self->item));
  gtk_label_set_label (self->detail_label, detail);
  gtk_widget_set_visible (self->msk_badge, sp_patient_item_get_has_msk (self->item));
  gtk_widget_set_visible (self->mh_badge, sp_patient_item_get_has_mh (self->item));
  gtk_widget_set_visible (self->due_badge, sp_patient_item_get_follow_up_due (self->item));

  status = sp_patient_item_get_referral_status (self->item);
  gtk_widget_set_visible (GTK_WIDGET (self->status_badge), status != NULL);
  if (status != NULL)
    gtk_label_set_label (self->status_badge, sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, status));

  /* One sentence for a screen reader, as a sighted user reads the row. */
  g_string_append_printf (description, "%s, %s", sp_patient_item_get_name (self->item), detail);
  if (sp_patient_item_get_has_msk (self->item))
    g_string_append_printf (description, ", %s", _("musculoskeletal condition"));
  if (sp_patient_item_get_has_mh (self->item))
    g_string_append_printf (description, ", %s", _("mental-health condition"));
  if (sp_patient_item_get_follow_up_due (self->item))
    g_string_append_printf (description, ", %s", _("follow-up due"));
  if (status != NULL)
    g_string_append_printf (description, ", %s %s", _("latest referral"),
                            sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, status));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description->str,
                                  -1);
}

static void
sp_patient_row_dispose (GObject *object)
{
  SpPatientRow *self = SP_PATIENT_ROW (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, update, self);
  g_clear_object (&self->item);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PATIENT_ROW);

  G_OBJECT_CLASS (sp_patient_row_parent_class)->dispose (object);
}

static void
sp_patient_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SpPatientRow *self = SP_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_patient_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SpPatientRow *self = SP_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      sp_patient_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_patient_row_class_init (SpPatientRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_patient_row_dispose;
  object_class->get_property = sp_patient_row_get_property;
  object_class->set_property = sp_patient_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, SP_TYPE_PATIENT_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-patient-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPatientRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, SpPatientRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, SpPatientRow, msk_badge);
  gtk_widget_class_bind_template_child (widget_class, SpPatientRow, mh_badge);
  gtk_widget_class_bind_template_child (widget_class, SpPatientRow, due_badge);
  gtk_widget_class_bind_template_child (widget_class, SpPatientRow, status_badge);
}

static void
sp_patient_row_init (SpPatientRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  sp_gui_set_row_tooltip (self->msk_badge, _("Has a musculoskeletal condition"));
  sp_gui_set_row_tooltip (self->mh_badge, _("Has a mental-health condition"));
  sp_gui_set_row_tooltip (self->due_badge,
                          _("A referral is under way or finished and its follow-up measures are not recorded yet"));
  sp_gui_set_row_tooltip (GTK_WIDGET (self->status_badge), _("Status of the latest referral"));
  update (self);
}

GtkWidget *
sp_patient_row_new (void)
{
  return g_object_new (SP_TYPE_PATIENT_ROW, NULL);
}

SpPatientItem *
sp_patient_row_get_item (SpPatientRow *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ROW (self), NULL);
  return self->item;
}

void
sp_patient_row_set_item (SpPatientRow  *self,
                         SpPatientItem *item)
{
  g_return_if_fail (SP_IS_PATIENT_ROW (self));
  g_return_if_fail (item == NULL || SP_IS_PATIENT_ITEM (item));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, update, self);
  g_set_object (&self->item, item);
  /* The list gives an item another patient rather than make a new one. */
  if (item != NULL)
    g_signal_connect_swapped (item, "changed", G_CALLBACK (update), self);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
