/* sp-referral-row.c — a referral in the referrals list
 *
 * The offering, the patient, when they were referred and how many
 * sessions they have come to, with a badge for where the referral stands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-referral-row"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-referral-row.h"
#include "sp-vocab.h"

struct _SpReferralRow
{
  AdwBin          parent_instance;

  GtkLabel       *offering_label;
  GtkLabel       *patient_label;
  GtkLabel       *detail_label;
  GtkLabel       *status_badge;

  SpReferralItem *item;
};

G_DEFINE_FINAL_TYPE (SpReferralRow, sp_referral_row, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (SpReferralRow *self)
{
  g_autoptr(GString) detail = g_string_new (NULL);
  g_autofree char *patient = NULL;
  g_autofree char *description = NULL;
  const char *offering, *status_label;
  gint planned, attended;

  if (self->item == NULL)
    {
      gtk_label_set_label (self->offering_label, "");
      gtk_label_set_label (self->patient_label, "");
      gtk_label_set_label (self->detail_label, "");
      gtk_label_set_label (self->status_badge, "");
      return;
    }

  offering = sp_referral_item_get_offering_name (self->item);
  if (offering == NULL)
    offering = _("Offering no longer in the catalogue");
  /* Translators: a patient's name and NHS number */
  patient = g_strdup_printf (_("%s, NHS %s"), sp_referral_item_get_patient_name (self->item),
                             sp_referral_item_get_nhs_number (self->item));
  status_label = sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, sp_referral_item_get_status (self->item));

  if (sp_referral_item_get_referred_at (self->item) != NULL)
    {
      g_autofree char *date = sp_gui_format_date (sp_referral_item_get_referred_at (self->item));
      g_string_append_printf (detail, _("Referred %s"), date);
    }
  else
    g_string_append (detail, _("Not referred yet"));
  planned = sp_referral_item_get_sessions_planned (self->item);
  attended = sp_referral_item_get_sessions_attended (self->item);
  if (planned > 0)
    {
      g_string_append (detail, " · ");
      g_string_append_printf (detail, ngettext ("%d of %d session attended", "%d of %d sessions attended", planned),
                              attended, planned);
    }

  gtk_label_set_label (self->offering_label, offering);
  gtk_label_set_label (self->patient_label, patient);
  gtk_label_set_label (self->detail_label, detail->str);
  gtk_label_set_label (self->status_badge, status_label);

  /* One sentence for a screen reader, as a sighted user reads the row. */
  description = g_strdup_printf ("%s, %s, %s, %s", offering, patient, detail->str, status_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
}

static void
sp_referral_row_dispose (GObject *object)
{
  SpReferralRow *self = SP_REFERRAL_ROW (object);

  g_clear_object (&self->item);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_REFERRAL_ROW);

  G_OBJECT_CLASS (sp_referral_row_parent_class)->dispose (object);
}

static void
sp_referral_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SpReferralRow *self = SP_REFERRAL_ROW (object);

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
sp_referral_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SpReferralRow *self = SP_REFERRAL_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      sp_referral_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_referral_row_class_init (SpReferralRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_referral_row_dispose;
  object_class->get_property = sp_referral_row_get_property;
  object_class->set_property = sp_referral_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, SP_TYPE_REFERRAL_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-referral-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SpReferralRow, offering_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralRow, patient_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, SpReferralRow, status_badge);
}

static void
sp_referral_row_init (SpReferralRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  sp_gui_set_row_tooltip (GTK_WIDGET (self->status_badge), _("Where the referral stands"));
  update (self);
}

GtkWidget *
sp_referral_row_new (void)
{
  return g_object_new (SP_TYPE_REFERRAL_ROW, NULL);
}

SpReferralItem *
sp_referral_row_get_item (SpReferralRow *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ROW (self), NULL);
  return self->item;
}

void
sp_referral_row_set_item (SpReferralRow  *self,
                          SpReferralItem *item)
{
  g_return_if_fail (SP_IS_REFERRAL_ROW (self));
  g_return_if_fail (item == NULL || SP_IS_REFERRAL_ITEM (item));

  if (!g_set_object (&self->item, item))
    return;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
