/* sp-offering-row.c — an offering in the catalogue's list
 *
 * What it is and who runs it, where and when, what it costs (the full fee
 * and what a patient pays after the sliding scale) and the conditions it
 * is meant for. The full detail is in SpOfferingDetail beside the list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-offering-row"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-offering-row.h"
#include "sp-vocab.h"

struct _SpOfferingRow
{
  AdwBin          parent_instance;

  GtkLabel       *name_label;
  GtkWidget      *review_badge;
  GtkWidget      *inactive_badge;
  GtkLabel       *kind_label;
  GtkLabel       *when_label;
  GtkLabel       *cost_label;
  GtkLabel       *targets_label;

  SpOfferingItem *item;
};

G_DEFINE_FINAL_TYPE (SpOfferingRow, sp_offering_row, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

static void
update (SpOfferingRow *self)
{
  const SpOffering *offering;
  const char *provider;
  g_autoptr(GString) kind = g_string_new (NULL);
  g_autoptr(GString) when = g_string_new (NULL);
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *slots = NULL;
  g_autofree char *cost = NULL;
  g_autofree char *targets = NULL;
  g_autofree char *helps = NULL;
  GtkLabel *lines[] = { self->kind_label, self->when_label, self->cost_label, self->targets_label };

  if (self->item == NULL)
    {
      gtk_label_set_label (self->name_label, "");
      for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
        set_label (lines[i], NULL);
      gtk_widget_set_visible (self->review_badge, FALSE);
      gtk_widget_set_visible (self->inactive_badge, FALSE);
      return;
    }

  offering = sp_offering_item_get_offering (self->item);
  provider = sp_offering_item_get_provider_name (self->item);

  g_string_append_printf (kind, "%s · %s", sp_vocab_label (SP_VOCAB_MODALITY, offering->modality),
                          sp_vocab_label (SP_VOCAB_FORMAT, offering->format));
  if (provider != NULL)
    g_string_append_printf (kind, " · %s", provider);

  if (offering->location_name != NULL && *offering->location_name != '\0')
    g_string_append (when, offering->location_name);
  slots = sp_offering_slots_text (offering);
  if (*slots != '\0')
    g_string_append_printf (when, "%s%s", when->len > 0 ? " · " : "", slots);

  cost = sp_offering_item_dup_cost_text (self->item);
  targets = sp_offering_targets_text (offering);
  if (*targets != '\0')
    /* Translators: the conditions an offering is meant for */
    helps = g_strdup_printf (_("Helps with: %s"), targets);

  gtk_label_set_label (self->name_label, offering->name);
  set_label (self->kind_label, kind->str);
  set_label (self->when_label, when->str);
  set_label (self->cost_label, cost);
  set_label (self->targets_label, helps);
  gtk_widget_set_visible (self->review_badge, offering->needs_review);
  gtk_widget_set_visible (self->inactive_badge, !offering->active);

  /* One sentence for a screen reader, as a sighted user reads the row. */
  g_string_append (description, offering->name);
  if (offering->needs_review)
    g_string_append_printf (description, ", %s", _("Needs review"));
  if (!offering->active)
    g_string_append_printf (description, ", %s", _("No longer running"));
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    if (gtk_widget_get_visible (GTK_WIDGET (lines[i])))
      g_string_append_printf (description, ", %s", gtk_label_get_label (lines[i]));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, description->str, -1);
}

static void
sp_offering_row_dispose (GObject *object)
{
  SpOfferingRow *self = SP_OFFERING_ROW (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, update, self);
  g_clear_object (&self->item);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_OFFERING_ROW);

  G_OBJECT_CLASS (sp_offering_row_parent_class)->dispose (object);
}

static void
sp_offering_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SpOfferingRow *self = SP_OFFERING_ROW (object);

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
sp_offering_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SpOfferingRow *self = SP_OFFERING_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      sp_offering_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_offering_row_class_init (SpOfferingRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_offering_row_dispose;
  object_class->get_property = sp_offering_row_get_property;
  object_class->set_property = sp_offering_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, SP_TYPE_OFFERING_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-offering-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SpOfferingRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingRow, review_badge);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingRow, inactive_badge);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingRow, kind_label);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingRow, when_label);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingRow, cost_label);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingRow, targets_label);
}

static void
sp_offering_row_init (SpOfferingRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Rows ellipsize rather than wrap (see docs/architecture.md): the whole
   * name is in the detail, and here on hover. */
  sp_gui_set_label_tooltip (self->name_label);
  sp_gui_set_row_tooltip (self->review_badge,
                          _("Imported and not yet classified by a catalogue admin: it is not matched to patients"));
  update (self);
}

GtkWidget *
sp_offering_row_new (void)
{
  return g_object_new (SP_TYPE_OFFERING_ROW, NULL);
}

SpOfferingItem *
sp_offering_row_get_item (SpOfferingRow *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_ROW (self), NULL);
  return self->item;
}

void
sp_offering_row_set_item (SpOfferingRow  *self,
                          SpOfferingItem *item)
{
  g_return_if_fail (SP_IS_OFFERING_ROW (self));
  g_return_if_fail (item == NULL || SP_IS_OFFERING_ITEM (item));

  if (self->item == item)
    return;
  /* The list may give the item another offering: the view follows. */
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, update, self);
  g_set_object (&self->item, item);
  if (item != NULL)
    g_signal_connect_object (item, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
