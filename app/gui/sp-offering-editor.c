/* sp-offering-editor.c — add or edit a catalogue offering (admins)
 *
 * The form shows what an admin classifies: name, provider, activity,
 * format, fee and sliding scale, the conditions it targets, whether it is
 * running and whether it still needs review. Every other field of the
 * record is kept as loaded. Amounts are checked with sp_money_parse() as
 * they are typed; a field in error is marked and the reason shown under
 * the fee group, and Save stays off until the form is valid.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-offering-editor"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-offering-editor.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* The sliding-scale tiers the form shows, in income band codes. */
static const char * const tier_codes[] = { "exempt", "low", "middle" };

struct _SpOfferingEditor
{
  AdwWindow        parent_instance;

  AdwWindowTitle  *window_title;
  GtkWidget       *save_button;
  GtkLabel        *form_error;
  AdwEntryRow     *name_row;
  AdwComboRow     *provider_row;
  AdwComboRow     *modality_row;
  AdwComboRow     *format_row;
  AdwEntryRow     *fee_row;
  AdwEntryRow     *exempt_row;
  AdwEntryRow     *low_row;
  AdwEntryRow     *middle_row;
  GtkLabel        *fee_error;
  AdwExpanderRow  *msk_row;
  AdwExpanderRow  *mh_row;
  GtkSwitch       *active_switch;
  GtkSwitch       *review_switch;

  SpStore         *store;
  SpOffering      *offering;      /* as loaded, or a new one */
  gboolean         adding;
  GPtrArray       *provider_ids;  /* char *, in the provider row's order */
  GPtrArray       *msk_checks;    /* GtkCheckButton *, SP_VOCAB_MSK_CONDITION order */
  GPtrArray       *mh_checks;
  gboolean         valid;
};

G_DEFINE_FINAL_TYPE (SpOfferingEditor, sp_offering_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static AdwEntryRow *
tier_row (SpOfferingEditor *self,
          guint             i)
{
  AdwEntryRow *rows[] = { self->exempt_row, self->low_row, self->middle_row };

  return rows[i];
}

static void
setup_vocab_combo (AdwComboRow *row,
                   SpVocab      vocab,
                   const char  *code)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  const SpVocabEntry *entries;
  guint n, selected = 0;

  entries = sp_vocab_entries (vocab, &n);
  for (guint i = 0; i < n; i++)
    {
      gtk_string_list_append (labels, sp_vocab_label (vocab, entries[i].code));
      if (g_strcmp0 (code, entries[i].code) == 0)
        selected = i;
    }
  adw_combo_row_set_model (row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (row, selected);
}

static const char *
vocab_combo_get (AdwComboRow *row,
                 SpVocab      vocab)
{
  const SpVocabEntry *entries;
  guint n;
  guint selected = adw_combo_row_get_selected (row);

  entries = sp_vocab_entries (vocab, &n);
  return selected < n ? entries[selected].code : entries[0].code;
}

static GPtrArray *
setup_checks (AdwExpanderRow *expander,
              SpVocab         vocab,
              char          **codes)
{
  GPtrArray *checks = g_ptr_array_new ();
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (vocab, &n);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), sp_vocab_label (vocab, entries[i].code));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), sp_strv_contains (codes, entries[i].code));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_expander_row_add_row (expander, row);
      g_ptr_array_add (checks, check);
    }
  return checks;
}

static char **
checked_codes (GPtrArray *checks,
               SpVocab    vocab)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (vocab, &n);
  for (guint i = 0; i < checks->len && i < n; i++)
    if (gtk_check_button_get_active (checks->pdata[i]))
      g_strv_builder_add (builder, entries[i].code);
  return g_strv_builder_end (builder);
}

/* ---- Checking ---------------------------------------------------------- */

static gboolean
is_blank (const char *text)
{
  for (; text != NULL && *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static void
mark_row (AdwEntryRow *row,
          const char  *message)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
show_message (GtkLabel   *label,
              const char *message)
{
  gtk_label_set_label (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

/* Parses an amount row: blank gives -1 when @allow_blank, else 0. */
static gboolean
parse_amount (AdwEntryRow  *row,
              gboolean      allow_blank,
              gint64       *pence,
              char        **message)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(GError) error = NULL;
  gint64 value = 0;

  if (is_blank (text))
    {
      *pence = allow_blank ? -1 : 0;
      return TRUE;
    }
  if (!sp_money_parse (text, &value, &error))
    {
      *message = g_strdup (error->message);
      return FALSE;
    }
  if (value < 0)
    {
      *message = g_strdup (_("An amount cannot be less than nothing."));
      return FALSE;
    }
  *pence = value;
  return TRUE;
}

static void
check_form (SpOfferingEditor *self)
{
  g_autofree char *fee_message = NULL;
  gboolean valid = TRUE;
  gint64 pence;

  if (!parse_amount (self->fee_row, FALSE, &pence, &fee_message))
    valid = FALSE;
  mark_row (self->fee_row, fee_message);

  for (guint i = 0; i < G_N_ELEMENTS (tier_codes); i++)
    {
      g_autofree char *message = NULL;

      if (!parse_amount (tier_row (self, i), TRUE, &pence, &message))
        valid = FALSE;
      mark_row (tier_row (self, i), message);
      if (fee_message == NULL && message != NULL)
        fee_message = g_steal_pointer (&message);
    }
  show_message (self->fee_error, fee_message);

  if (is_blank (gtk_editable_get_text (GTK_EDITABLE (self->name_row))) ||
      self->provider_ids->len == 0)
    valid = FALSE;

  self->valid = valid;
  gtk_widget_set_sensitive (self->save_button, valid);
}

static void
changed_cb (SpOfferingEditor *self)
{
  check_form (self);
}

/* ---- Loading and saving ------------------------------------------------ */

static void
set_amount (AdwEntryRow *row,
            gint64       pence)
{
  g_autofree char *text = NULL;

  if (pence < 0)
    return;
  text = g_strdup_printf ("%" G_GINT64_FORMAT ".%02d", pence / 100, (int) (pence % 100));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static gboolean
fill_form (SpOfferingEditor  *self,
           GError           **error)
{
  SpOffering *offering = self->offering;
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint selected = 0;

  providers = sp_store_list (self->store, &sp_entity_provider,
                             "WHERE deleted = 0 ORDER BY name COLLATE NOCASE", NULL, error);
  if (providers == NULL)
    return FALSE;
  for (guint i = 0; i < providers->len; i++)
    {
      SpProvider *provider = providers->pdata[i];

      gtk_string_list_append (names, provider->name);
      g_ptr_array_add (self->provider_ids, g_strdup (provider->record.id));
      if (g_strcmp0 (provider->record.id, offering->provider_id) == 0)
        selected = i;
    }
  adw_combo_row_set_model (self->provider_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->provider_row, selected);

  setup_vocab_combo (self->modality_row, SP_VOCAB_MODALITY, offering->modality);
  setup_vocab_combo (self->format_row, SP_VOCAB_FORMAT, offering->format);
  self->msk_checks = setup_checks (self->msk_row, SP_VOCAB_MSK_CONDITION, offering->targets_msk);
  self->mh_checks = setup_checks (self->mh_row, SP_VOCAB_MH_CONDITION, offering->targets_mh);

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), offering->name ? offering->name : "");
  set_amount (self->fee_row, offering->fee_pence);
  if (offering->sliding_scale != NULL && JSON_NODE_HOLDS_OBJECT (offering->sliding_scale))
    {
      JsonObject *scale = json_node_get_object (offering->sliding_scale);

      for (guint i = 0; i < G_N_ELEMENTS (tier_codes); i++)
        if (json_object_has_member (scale, tier_codes[i]))
          set_amount (tier_row (self, i), json_object_get_int_member (scale, tier_codes[i]));
    }
  gtk_switch_set_active (self->active_switch, offering->active);
  gtk_switch_set_active (self->review_switch, offering->needs_review);

  adw_window_title_set_title (self->window_title, self->adding ? _("Add Offering") : _("Edit Offering"));
  gtk_window_set_title (GTK_WINDOW (self), self->adding ? _("Add Offering") : _("Edit Offering"));
  check_form (self);
  return TRUE;
}

gboolean
sp_offering_editor_save (SpOfferingEditor *self)
{
  g_autoptr(SpOffering) offering = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) scale = NULL;
  char *unused = NULL;
  guint provider;
  gint64 pence;

  g_return_val_if_fail (SP_IS_OFFERING_EDITOR (self), FALSE);

  check_form (self);
  if (!self->valid)
    return FALSE;

  offering = sp_offering_copy (self->offering);
  g_free (offering->name);
  offering->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  provider = adw_combo_row_get_selected (self->provider_row);
  g_free (offering->provider_id);
  offering->provider_id = g_strdup (self->provider_ids->pdata[MIN (provider, self->provider_ids->len - 1)]);
  g_free (offering->modality);
  offering->modality = g_strdup (vocab_combo_get (self->modality_row, SP_VOCAB_MODALITY));
  g_free (offering->format);
  offering->format = g_strdup (vocab_combo_get (self->format_row, SP_VOCAB_FORMAT));
  parse_amount (self->fee_row, FALSE, &offering->fee_pence, &unused);

  /* Tiers the form does not show are kept as they were. */
  if (offering->sliding_scale != NULL && JSON_NODE_HOLDS_OBJECT (offering->sliding_scale))
    {
      JsonObject *old = json_node_get_object (offering->sliding_scale);
      g_autoptr(GList) members = json_object_get_members (old);

      scale = json_object_new ();
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (scale, l->data, json_object_dup_member (old, l->data));
    }
  else
    scale = json_object_new ();
  for (guint i = 0; i < G_N_ELEMENTS (tier_codes); i++)
    {
      parse_amount (tier_row (self, i), TRUE, &pence, &unused);
      if (pence >= 0)
        json_object_set_int_member (scale, tier_codes[i], pence);
      else if (json_object_has_member (scale, tier_codes[i]))
        json_object_remove_member (scale, tier_codes[i]);
    }
  g_clear_pointer (&offering->sliding_scale, json_node_unref);
  if (json_object_get_size (scale) > 0)
    {
      offering->sliding_scale = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (offering->sliding_scale, scale);
    }

  g_strfreev (offering->targets_msk);
  offering->targets_msk = checked_codes (self->msk_checks, SP_VOCAB_MSK_CONDITION);
  g_strfreev (offering->targets_mh);
  offering->targets_mh = checked_codes (self->mh_checks, SP_VOCAB_MH_CONDITION);
  offering->active = gtk_switch_get_active (self->active_switch);
  offering->needs_review = gtk_switch_get_active (self->review_switch);

  if (!sp_store_save (self->store, &sp_entity_offering, offering, &error))
    {
      show_message (self->form_error, error->message);
      return FALSE;
    }
  show_message (self->form_error, NULL);
  g_signal_emit (self, signals[SAVED], 0, self->adding);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
save_clicked_cb (SpOfferingEditor *self)
{
  sp_offering_editor_save (self);
}

/* ---- GObject ----------------------------------------------------------- */

static void
sp_offering_editor_dispose (GObject *object)
{
  SpOfferingEditor *self = SP_OFFERING_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_OFFERING_EDITOR);
  g_clear_object (&self->store);
  g_clear_pointer (&self->offering, sp_offering_free);
  g_clear_pointer (&self->provider_ids, g_ptr_array_unref);
  g_clear_pointer (&self->msk_checks, g_ptr_array_unref);
  g_clear_pointer (&self->mh_checks, g_ptr_array_unref);

  G_OBJECT_CLASS (sp_offering_editor_parent_class)->dispose (object);
}

static void
sp_offering_editor_class_init (SpOfferingEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_offering_editor_dispose;

  /* saved (gboolean added): the offering is stored. */
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-offering-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, form_error);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, provider_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, modality_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, format_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, fee_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, exempt_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, low_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, middle_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, fee_error);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, msk_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, mh_row);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, active_switch);
  gtk_widget_class_bind_template_child (widget_class, SpOfferingEditor, review_switch);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
}

static void
sp_offering_editor_init (SpOfferingEditor *self)
{
  self->provider_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* Opens @offering_id for editing, or a new offering when it is NULL. */
SpOfferingEditor *
sp_offering_editor_new (SpStore     *store,
                        const char  *offering_id,
                        GError     **error)
{
  g_autoptr(SpOffering) offering = NULL;
  SpOfferingEditor *self;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  if (offering_id != NULL)
    {
      offering = sp_store_load (store, &sp_entity_offering, offering_id, error);
      if (offering == NULL)
        return NULL;
    }

  self = g_object_new (SP_TYPE_OFFERING_EDITOR, NULL);
  self->store = g_object_ref (store);
  if (offering == NULL)
    {
      self->adding = TRUE;
      offering = sp_offering_new ();
      offering->record.id = sp_uuid_new ();
      offering->sessions = 1;
      offering->step = 2;
      offering->active = TRUE;
    }
  self->offering = g_steal_pointer (&offering);
  if (!fill_form (self, error))
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return NULL;
    }
  return self;
}

const char *
sp_offering_editor_get_offering_id (SpOfferingEditor *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_EDITOR (self), NULL);
  return self->offering->record.id;
}

GtkEditable *
sp_offering_editor_get_field (SpOfferingEditor *self,
                              const char       *name)
{
  g_return_val_if_fail (SP_IS_OFFERING_EDITOR (self), NULL);

  if (g_str_equal (name, "name"))
    return GTK_EDITABLE (self->name_row);
  if (g_str_equal (name, "fee"))
    return GTK_EDITABLE (self->fee_row);
  for (guint i = 0; i < G_N_ELEMENTS (tier_codes); i++)
    if (g_str_equal (name, tier_codes[i]))
      return GTK_EDITABLE (tier_row (self, i));
  return NULL;
}

GtkLabel *
sp_offering_editor_get_message (SpOfferingEditor *self,
                                const char       *name)
{
  g_return_val_if_fail (SP_IS_OFFERING_EDITOR (self), NULL);

  if (g_str_equal (name, "fee"))
    return self->fee_error;
  if (g_str_equal (name, "form"))
    return self->form_error;
  return NULL;
}

GtkWidget *
sp_offering_editor_get_save_button (SpOfferingEditor *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_EDITOR (self), NULL);
  return self->save_button;
}
