/* sp-conflicts-window.c — changes that met someone else's, and refused ones
 *
 * Each conflict says which record it is, which fields both sides changed,
 * and the two values side by side; Keep Mine puts this desk's values back
 * on top of the server's row (to go at the next sync), Keep Theirs takes
 * the server's. Each refused change says why the server refused it, with
 * Retry (queue it again) and Dismiss (forget it; the server's row stays).
 * Every choice is one small write to the desk's own store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-conflicts-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-conflicts-window.h"

struct _SpConflictsWindow
{
  AdwWindow             parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwPreferencesGroup  *conflicts_group;
  AdwPreferencesGroup  *rejected_group;

  SpSyncClient         *client;
  GPtrArray            *conflict_rows;  /* the rows in each group, to remove them */
  GPtrArray            *rejected_rows;
  GPtrArray            *conflict_buttons;  /* keep mine, keep theirs, … per conflict */
  GPtrArray            *rejected_buttons;  /* retry, dismiss, … per refused change */
};

G_DEFINE_FINAL_TYPE (SpConflictsWindow, sp_conflicts_window, ADW_TYPE_WINDOW)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
entity_label (const char *entity)
{
  static const struct { const char *name; const char *label; } labels[] = {
    { "patient", N_("Patient") },
    { "referral", N_("Referral") },
    { "offering", N_("Offering") },
    { "provider", N_("Provider") },
    { "payment", N_("Payment") },
    { "assessment", N_("Measure") },
    { "condition", N_("Condition") },
    { "funder", N_("Funder") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (entity, labels[i].name) == 0)
      return _(labels[i].label);
  return entity;
}

/* A field's value as a person would read it. */
static char *
value_text (JsonObject *object,
            const char *field)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, field) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("(empty)"));
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? _("Yes") : _("No"));
  return json_to_string (node, FALSE);
}

static void
toast (SpConflictsWindow *self,
       const char        *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
after_change (SpConflictsWindow *self,
              GError            *error,
              const char        *done)
{
  toast (self, error != NULL ? error->message : done);
  sp_sync_client_refresh (self->client);
  sp_conflicts_window_reload (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
conflict_clicked_cb (GtkButton         *button,
                     SpConflictsWindow *self)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (button), "sp-id");
  gboolean mine = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "sp-mine"));
  SpStore *store = sp_sync_client_get_store (self->client);
  g_autoptr(GError) error = NULL;

  if (mine)
    sp_sync_store_keep_mine (store, id, &error);
  else
    sp_sync_store_keep_theirs (store, id, &error);
  after_change (self, error, mine ? _("Your version kept: it goes to the server at the next sync")
                                  : _("The server’s version kept"));
}

static void
rejected_clicked_cb (GtkButton         *button,
                     SpConflictsWindow *self)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (button), "sp-id");
  gboolean retry = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "sp-retry"));
  SpStore *store = sp_sync_client_get_store (self->client);
  g_autoptr(GError) error = NULL;

  if (retry)
    sp_sync_store_retry_rejected (store, id, &error);
  else
    sp_sync_store_dismiss_rejected (store, id, &error);
  after_change (self, error, retry ? _("The change goes again at the next sync") : _("Change dismissed"));
}

static GtkWidget *
action_button (SpConflictsWindow *self,
               const char        *label,
               const char        *accessible,
               gint64             id,
               const char        *key,
               gboolean           value,
               GCallback          callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_object_set_data_full (G_OBJECT (button), "sp-id", g_memdup2 (&id, sizeof id), g_free);
  g_object_set_data (G_OBJECT (button), key, GINT_TO_POINTER (value));
  g_signal_connect_object (button, "clicked", callback, self, 0);
  return button;
}

static void
clear_group (AdwPreferencesGroup *group,
             GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, rows->pdata[i]);
  g_ptr_array_set_size (rows, 0);
}

/* The record's name where it has one, else its id. */
static char *
record_title (const char *entity,
              const char *row_id,
              JsonObject *row)
{
  const char *given = row ? json_object_get_string_member_with_default (row, "given_name", NULL) : NULL;
  const char *family = row ? json_object_get_string_member_with_default (row, "family_name", NULL) : NULL;
  const char *name = row ? json_object_get_string_member_with_default (row, "name", NULL) : NULL;

  if (given != NULL || family != NULL)
    return g_strdup_printf ("%s · %s %s", entity_label (entity), given ? given : "", family ? family : "");
  if (name != NULL)
    return g_strdup_printf ("%s · %s", entity_label (entity), name);
  return g_strdup_printf ("%s · %s", entity_label (entity), row_id);
}

static void
add_conflict (SpConflictsWindow *self,
              SpConflict        *conflict)
{
  g_autofree char *title = record_title (conflict->entity, conflict->row_id,
                                         conflict->theirs ? conflict->theirs : conflict->mine);
  g_autofree char *fields = conflict->fields ? g_strjoinv (", ", conflict->fields) : g_strdup ("");
  g_autofree char *subtitle = g_strdup_printf (_("Changed on both sides: %s"), fields);
  g_autofree char *mine_name = g_strdup_printf (_("Keep mine for %s"), title);
  g_autofree char *theirs_name = g_strdup_printf (_("Keep theirs for %s"), title);
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *mine, *theirs;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), conflict->reason ? conflict->reason : subtitle);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);

  mine = action_button (self, _("Keep _Mine"), mine_name, conflict->id, "sp-mine", TRUE,
                        G_CALLBACK (conflict_clicked_cb));
  theirs = action_button (self, _("Keep _Theirs"), theirs_name, conflict->id, "sp-mine", FALSE,
                          G_CALLBACK (conflict_clicked_cb));
  gtk_box_append (GTK_BOX (box), mine);
  gtk_box_append (GTK_BOX (box), theirs);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), box);
  g_ptr_array_add (self->conflict_buttons, mine);
  g_ptr_array_add (self->conflict_buttons, theirs);

  for (guint i = 0; conflict->fields != NULL && conflict->fields[i] != NULL; i++)
    {
      const char *field = conflict->fields[i];
      g_autofree char *m = value_text (conflict->mine, field);
      g_autofree char *t = conflict->theirs ? value_text (conflict->theirs, field) : g_strdup (_("(removed)"));
      /* TRANSLATORS: "Mine: 01111 111111 · Theirs: 02222 222222" */
      g_autofree char *values = g_strdup_printf (_("Mine: %s · Theirs: %s"), m, t);
      GtkWidget *field_row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (field_row), field);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (field_row), values);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), field_row);
    }

  adw_preferences_group_add (self->conflicts_group, row);
  g_ptr_array_add (self->conflict_rows, row);
}

static void
add_rejected (SpConflictsWindow *self,
              SpRejectedChange  *change)
{
  g_autofree char *title = record_title (change->entity, change->row_id, change->changed);
  g_autofree char *retry_name = g_strdup_printf (_("Retry %s"), title);
  g_autofree char *dismiss_name = g_strdup_printf (_("Dismiss %s"), title);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *retry, *dismiss;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), change->reason ? change->reason : _("No reason given"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  retry = action_button (self, _("_Retry"), retry_name, change->id, "sp-retry", TRUE,
                         G_CALLBACK (rejected_clicked_cb));
  dismiss = action_button (self, _("_Dismiss"), dismiss_name, change->id, "sp-retry", FALSE,
                           G_CALLBACK (rejected_clicked_cb));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), retry);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), dismiss);
  g_ptr_array_add (self->rejected_buttons, retry);
  g_ptr_array_add (self->rejected_buttons, dismiss);

  adw_preferences_group_add (self->rejected_group, row);
  g_ptr_array_add (self->rejected_rows, row);
}

/* Lists the conflicts and refused changes again from the store. */
void
sp_conflicts_window_reload (SpConflictsWindow *self)
{
  SpStore *store;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GPtrArray) rejected = NULL;

  g_return_if_fail (SP_IS_CONFLICTS_WINDOW (self));

  store = sp_sync_client_get_store (self->client);
  clear_group (self->conflicts_group, self->conflict_rows);
  clear_group (self->rejected_group, self->rejected_rows);
  g_ptr_array_set_size (self->conflict_buttons, 0);
  g_ptr_array_set_size (self->rejected_buttons, 0);

  conflicts = sp_sync_store_list_conflicts (store, &error);
  if (conflicts == NULL)
    {
      toast (self, error->message);
      g_clear_error (&error);
    }
  rejected = sp_sync_store_list_rejected (store, &error);
  if (rejected == NULL)
    toast (self, error->message);

  for (guint i = 0; conflicts != NULL && i < conflicts->len; i++)
    add_conflict (self, conflicts->pdata[i]);
  for (guint i = 0; rejected != NULL && i < rejected->len; i++)
    add_rejected (self, rejected->pdata[i]);

  gtk_widget_set_visible (GTK_WIDGET (self->conflicts_group), self->conflict_rows->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->rejected_group), self->rejected_rows->len > 0);
  gtk_stack_set_visible_child_name (self->stack,
                                    self->conflict_rows->len + self->rejected_rows->len > 0 ? "list" : "empty");
}

/* ---- GObject ----------------------------------------------------------- */

static void
sp_conflicts_window_dispose (GObject *object)
{
  SpConflictsWindow *self = SP_CONFLICTS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CONFLICTS_WINDOW);

  G_OBJECT_CLASS (sp_conflicts_window_parent_class)->dispose (object);
}

static void
sp_conflicts_window_finalize (GObject *object)
{
  SpConflictsWindow *self = SP_CONFLICTS_WINDOW (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->conflict_rows, g_ptr_array_unref);
  g_clear_pointer (&self->rejected_rows, g_ptr_array_unref);
  g_clear_pointer (&self->conflict_buttons, g_ptr_array_unref);
  g_clear_pointer (&self->rejected_buttons, g_ptr_array_unref);

  G_OBJECT_CLASS (sp_conflicts_window_parent_class)->finalize (object);
}

static void
sp_conflicts_window_class_init (SpConflictsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_conflicts_window_dispose;
  object_class->finalize = sp_conflicts_window_finalize;

  /* A conflict or refused change was resolved: records may have changed. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-conflicts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpConflictsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SpConflictsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SpConflictsWindow, conflicts_group);
  gtk_widget_class_bind_template_child (widget_class, SpConflictsWindow, rejected_group);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sp_conflicts_window_init (SpConflictsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->conflict_rows = g_ptr_array_new ();
  self->rejected_rows = g_ptr_array_new ();
  self->conflict_buttons = g_ptr_array_new ();
  self->rejected_buttons = g_ptr_array_new ();
}

SpConflictsWindow *
sp_conflicts_window_new (SpSyncClient *client)
{
  SpConflictsWindow *self;

  g_return_val_if_fail (SP_IS_SYNC_CLIENT (client), NULL);

  self = g_object_new (SP_TYPE_CONFLICTS_WINDOW, NULL);
  self->client = g_object_ref (client);
  sp_conflicts_window_reload (self);
  return self;
}

guint
sp_conflicts_window_get_n_conflicts (SpConflictsWindow *self)
{
  g_return_val_if_fail (SP_IS_CONFLICTS_WINDOW (self), 0);
  return self->conflict_rows->len;
}

guint
sp_conflicts_window_get_n_rejected (SpConflictsWindow *self)
{
  g_return_val_if_fail (SP_IS_CONFLICTS_WINDOW (self), 0);
  return self->rejected_rows->len;
}

GtkWidget *
sp_conflicts_window_get_conflict_button (SpConflictsWindow *self,
                                         guint              index,
                                         gboolean           keep_mine)
{
  guint i = index * 2 + (keep_mine ? 0 : 1);

  g_return_val_if_fail (SP_IS_CONFLICTS_WINDOW (self), NULL);
  return i < self->conflict_buttons->len ? self->conflict_buttons->pdata[i] : NULL;
}

GtkWidget *
sp_conflicts_window_get_rejected_button (SpConflictsWindow *self,
                                         guint              index,
                                         gboolean           retry)
{
  guint i = index * 2 + (retry ? 0 : 1);

  g_return_val_if_fail (SP_IS_CONFLICTS_WINDOW (self), NULL);
  return i < self->rejected_buttons->len ? self->rejected_buttons->pdata[i] : NULL;
}
