/* sp-offering-detail.c — everything about one offering of the catalogue
 *
 * Shown beside the catalogue's list for the offering chosen there (or in
 * its place on a narrow window): what it is, where and when, sessions and
 * fee, what a patient pays in each income band, whom it helps, how good
 * the evidence is, access and the wait. Catalogue admins get Edit, which
 * activates catalogue.edit; Back activates catalogue.show-list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-offering-detail"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-offering-detail.h"
#include "sp-validate.h"
#include "sp-vocab.h"

struct _SpOfferingDetail
{
  AdwBin             parent_instance;

  GtkStack          *stack;
  GtkScrolledWindow *scroller;
  GtkWidget         *back_button;
  GtkLabel          *name_label;
  GtkLabel          *kind_label;
  GtkWidget         *review_badge;
  GtkWidget         *inactive_badge;
  GtkWidget         *edit_button;
  AdwActionRow      *description_row;
  AdwActionRow      *where_row;
  AdwActionRow      *when_row;
  AdwActionRow      *sessions_row;
  AdwActionRow      *cost_row;
  AdwActionRow      *targets_row;
  AdwActionRow      *evidence_row;
  AdwActionRow      *access_row;
  AdwActionRow      *wait_row;

  SpOfferingItem    *item;
};

G_DEFINE_FINAL_TYPE (SpOfferingDetail, sp_offering_detail, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ITEM,
  PROP_CAN_EDIT,
  PROP_SHOW_BACK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Shows @row with @value, or hides it when there is nothing to say. */
static void
set_row (AdwActionRow *row,
         const char   *value)
{
  gboolean known = value != NULL && *value != '\0';

  adw_action_row_set_subtitle (row, known ? value : "");
  gtk_widget_set_visible (GTK_WIDGET (row), known);
}

/* One line per income band: "Low income: £2.50". */
static char *
cost_by_band (SpOfferingItem *item)
{
  const SpOffering *offering = sp_offering_item_get_offering (item);
  const SpVocabEntry *bands;
  guint n_bands;
  g_autoptr(GString) text = g_string_new (NULL);

  if (offering->fee_pence == 0)
    return NULL;
  if (sp_offering_item_get_lowest_cost (item) >= offering->fee_pence)
    return g_strdup (_("The full fee, whatever the patient’s income"));

  bands = sp_vocab_entries (SP_VOCAB_INCOME_BAND, &n_bands);
  for (guint i = 0; i < n_bands; i++)
    {
      g_autofree char *money = NULL;

      /* Not recorded pays as standard does; it is no band of its own. */
      if (g_strcmp0 (bands[i].code, "unknown") == 0)
        continue;
      money = sp_money_format (sp_offering_item_get_cost (item, bands[i].code));
      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* Translators: an income band and what a patient in it pays a session, e.g. "Low income: £2.50" */
      g_string_append_printf (text, _("%s: %s"), sp_vocab_label (SP_VOCAB_INCOME_BAND, bands[i].code), money);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
update (SpOfferingDetail *self)
{
  const SpOffering *offering;
  const char *provider;
  g_autoptr(GString) kind = g_string_new (NULL);
  g_autofree char *where = NULL;
  g_autofree char *when = NULL;
  g_autofree char *fee = NULL;
  g_autofree char *sessions = NULL;
  g_autofree char *cost = NULL;
  g_autofree char *targets = NULL;
  g_autofree char *evidence = NULL;
  g_autofree char *access = NULL;
  g_autofree char *wait = NULL;
  int n_sessions;

  if (self->item == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }

  offering = sp_offering_item_get_offering (self->item);
  provider = sp_offering_item_get_provider_name (self->item);

  g_string_append_printf (kind, "%s · %s", sp_vocab_label (SP_VOCAB_MODALITY, offering->modality),
                          sp_vocab_label (SP_VOCAB_FORMAT, offering->format));
  if (provider != NULL)
    g_string_append_printf (kind, " · %s", provider);
  gtk_label_set_label (self->name_label, offering->name);
  gtk_label_set_label (self->kind_label, kind->str);
  gtk_widget_set_visible (self->review_badge, offering->needs_review);
  gtk_widget_set_visible (self->inactive_badge, !offering->active);

  where = sp_offering_place_text (offering);
  when = sp_offering_schedule_text (offering);
  fee = sp_offering_fee_text (offering);
  n_sessions = (int) CLAMP (offering->sessions, 0, G_MAXINT);
  sessions = g_strdup_printf (ngettext ("%d session; %s", "%d sessions; %s", n_sessions), n_sessions, fee);
  cost = cost_by_band (self->item);
  targets = sp_offering_targets_text (offering);
  if (offering->evidence != NULL)
    evidence = g_strdup_printf ("%s%s%s", sp_vocab_label (SP_VOCAB_EVIDENCE, offering->evidence),
                                offering->evidence_note ? ". " : "",
                                offering->evidence_note ? offering->evidence_note : "");
  access = sp_offering_labels_text (SP_VOCAB_ACCESS, offering->access_features);
  if (offering->wait_weeks <= 0)
    wait = g_strdup (_("No waiting list"));
  else
    {
      int weeks = (int) CLAMP (offering->wait_weeks, 0, G_MAXINT);
      wait = g_strdup_printf (ngettext ("About %d week", "About %d weeks", weeks), weeks);
    }

  set_row (self->description_row, offering->description);
  set_row (self->where_row, where);
  set_row (self->when_row, when);
  set_row (self->sessions_row, sessions);
  set_row (self->cost_row, cost);
  set_row (self->targets_row, targets);
  set_row (self->evidence_row, evidence);
  set_row (self->access_row, access);
  set_row (self->wait_row, wait);

  gtk_stack_set_visible_child_name (self->stack, "detail");
  /* A new offering is read from its top. */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

static void
sp_offering_detail_dispose (GObject *object)
{
  SpOfferingDetail *self = SP_OFFERING_DETAIL (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, update, self);
  g_clear_object (&self->item);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_OFFERING_DETAIL);

  G_OBJECT_CLASS (sp_offering_detail_parent_class)->dispose (object);
}

static void
sp_offering_detail_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SpOfferingDetail *self = SP_OFFERING_DETAIL (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    case PROP_CAN_EDIT:
      g_value_set_boolean (value, gtk_widget_get_visible (self->edit_button));
      break;
    case PROP_SHOW_BACK:
      g_value_set_boolean (value, gtk_widget_get_visible (self->back_button));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_offering_detail_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SpOfferingDetail *self = SP_OFFERING_DETAIL (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      sp_offering_detail_set_item (self, g_value_get_object (value));
      break;
    case PROP_CAN_EDIT:
      if (gtk_widget_get_visible (self->edit_button) != g_value_get_boolean (value))
        {
          gtk_widget_set_visible (self->edit_button, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SHOW_BACK:
      if (gtk_widget_get_visible (self->back_button) != g_value_get_boolean (value))
        {
          gtk_widget_set_visible (self->back_button, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Into the detail: its first control, else its first row. */
static gboolean
sp_offering_detail_grab_focus (GtkWidget *widget)
{
  SpOfferingDetail *self = SP_OFFERING_DETAIL (widget);

  return gtk_widget_child_focus (GTK_WIDGET (self->stack), GTK_DIR_TAB_FORWARD);
}

static void
sp_offering_detail_class_init (SpOfferingDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_offering_detail_dispose;
  object_class->get_property = sp_offering_detail_get_property;
  object_class->set_property = sp_offering_detail_set_property;
  widget_class->grab_focus = sp_offering_detail_grab_focus;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, SP_TYPE_OFFERING_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether Edit is offered: for catalogue admins. */
  properties[PROP_CAN_EDIT] =
    g_param_spec_boolean ("can-edit", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether Back to the list is shown: when the list is out of sight. */
  properties[PROP_SHOW_BACK] =
    g_param_spec_boolean ("show-back", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-offering-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, scroller);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, back_button);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, name_label);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, kind_label);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, review_badge);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, inactive_badge);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, edit_button);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, description_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, where_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, when_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, sessions_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, cost_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, targets_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, evidence_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, access_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingDetail, wait_row);
}

static void
sp_offering_detail_init (SpOfferingDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}

GtkWidget *
sp_offering_detail_new (void)
{
  return g_object_new (SP_TYPE_OFFERING_DETAIL, NULL);
}

SpOfferingItem *
sp_offering_detail_get_item (SpOfferingDetail *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_DETAIL (self), NULL);
  return self->item;
}

void
sp_offering_detail_set_item (SpOfferingDetail *self,
                             SpOfferingItem   *item)
{
  g_return_if_fail (SP_IS_OFFERING_DETAIL (self));
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
