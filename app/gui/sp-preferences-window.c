/* sp-preferences-window.c — the desk's preferences, kept in GSettings
 *
 * Every control is bound to its key, so a change applies at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-preferences-window.h"
#include "sp-vocab.h"

struct _SpPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwComboRow          *travel_row;
  GtkSwitch            *excluded_switch;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (SpPreferencesWindow, sp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
travel_to_position (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *code = g_variant_get_string (variant, NULL);
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (SP_VOCAB_TRAVEL, &n);
  for (guint i = 0; i < n; i++)
    if (g_str_equal (entries[i].code, code))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
position_to_travel (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  guint position = g_value_get_uint (value);
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (SP_VOCAB_TRAVEL, &n);
  if (position >= n)
    return NULL;
  return g_variant_new_string (entries[position].code);
}

static void
sp_preferences_window_dispose (GObject *object)
{
  SpPreferencesWindow *self = SP_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_preferences_window_parent_class)->dispose (object);
}

static void
sp_preferences_window_class_init (SpPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_preferences_window_dispose;

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, travel_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, excluded_switch);
}

static void
sp_preferences_window_init (SpPreferencesWindow *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  const SpVocabEntry *entries;
  guint n;

  gtk_widget_init_template (GTK_WIDGET (self));

  entries = sp_vocab_entries (SP_VOCAB_TRAVEL, &n);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (labels, sp_vocab_label (SP_VOCAB_TRAVEL, entries[i].code));
  adw_combo_row_set_model (self->travel_row, G_LIST_MODEL (labels));
}

SpPreferencesWindow *
sp_preferences_window_new (GSettings *settings)
{
  SpPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SP_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  g_settings_bind_with_mapping (settings, "default-travel", self->travel_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, travel_to_position, position_to_travel,
                                NULL, NULL);
  g_settings_bind (settings, "show-excluded", self->excluded_switch, "active", G_SETTINGS_BIND_DEFAULT);
  return self;
}
