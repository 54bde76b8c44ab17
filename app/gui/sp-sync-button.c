/* sp-sync-button.c — the header bar's sync status, and the desk's sync
 *
 * Owns the desk's SpSyncClient (made on the UI thread, for the window's
 * store). Shows the state as an icon with an accessible label a screen
 * reader reads out ("Synced 5 minutes ago", "3 changes waiting",
 * "Offline", "Sync failed: …"); its popover says when the desk last
 * synced, what is waiting, and how many conflicts and refused changes
 * there are, with Sync Now. A signed-in desk syncs every five minutes.
 *
 * The kept token is read and cleared in a worker thread: the keyring is
 * over D-Bus. Nothing here touches the store off the UI thread; the sync
 * itself runs in the client's worker thread on its own connection.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-sync-button"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-sync-button.h"
#include "sp-sync-token.h"

struct _SpSyncButton
{
  GtkWidget      parent_instance;

  /* Template widgets */
  GtkMenuButton *button;
  GtkLabel      *state_label;
  GtkLabel      *last_synced_label;
  GtkLabel      *pending_label;
  GtkLabel      *conflicts_label;
  GtkWidget     *sync_now_button;
  GtkWidget     *conflicts_button;

  SpSyncClient  *client;
  GCancellable  *cancellable;
  guint          sync_timer;
  guint          tick_timer;
  guint          busy;      /* token loads, syncs and sign-outs running */
  char          *status;
};

G_DEFINE_FINAL_TYPE (SpSyncButton, sp_sync_button, GTK_TYPE_WIDGET)

enum {
  SYNCED,
  SIGNED_OUT,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* "just now", "5 minutes ago", "3 hours ago", or the date. */
static char *
format_since (const char *iso)
{
  g_autoptr(GDateTime) then = iso != NULL ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) local = NULL;
  GTimeSpan span;
  gint64 minutes;

  if (then == NULL)
    return NULL;
  span = g_date_time_difference (now, then);
  minutes = MAX (span, 0) / G_TIME_SPAN_MINUTE;
  if (minutes < 1)
    return g_strdup (_("just now"));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute ago", "%d minutes ago", minutes),
                            (int) minutes);
  if (minutes < 24 * 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour ago", "%d hours ago", minutes / 60),
                            (int) (minutes / 60));
  local = g_date_time_to_local (then);
  /* TRANSLATORS: a date, as in "Synced on 4 May 2026" */
  return g_date_time_format (local, _("on %-d %B %Y"));
}

static void
update (SpSyncButton *self)
{
  g_autofree char *since = NULL;
  g_autofree char *status = NULL;
  g_autofree char *pending_text = NULL;
  g_autofree char *conflicts_text = NULL;
  g_autofree char *last_text = NULL;
  const char *icon = "emblem-ok-symbolic";
  gboolean signed_in, known;
  gint64 pending;
  guint n_conflicts, n_rejected;

  /* A sync can end after the window has gone. */
  if (self->button == NULL)
    return;
  if (self->client == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }

  signed_in = sp_sync_client_get_signed_in (self->client);
  known = sp_sync_client_get_username (self->client) != NULL;
  pending = sp_sync_client_get_pending_changes (self->client);
  n_conflicts = sp_sync_client_get_n_conflicts (self->client);
  n_rejected = sp_sync_client_get_n_rejected (self->client);
  since = format_since (sp_sync_client_get_last_synced (self->client));

  switch (sp_sync_client_get_state (self->client))
    {
    case SP_SYNC_STATE_SYNCING:
      status = g_strdup (_("Syncing…"));
      icon = "emblem-synchronizing-symbolic";
      break;
    case SP_SYNC_STATE_OFFLINE:
      status = g_strdup (_("Offline"));
      icon = "network-offline-symbolic";
      break;
    case SP_SYNC_STATE_ERROR:
      status = g_strdup_printf (_("Sync failed: %s"),
                                sp_sync_client_get_last_error (self->client) ?: _("no reason given"));
      icon = "dialog-warning-symbolic";
      break;
    case SP_SYNC_STATE_IDLE:
    default:
      if (!signed_in)
        {
          status = g_strdup (_("Not signed in: sign in again to sync"));
          icon = "dialog-warning-symbolic";
        }
      else if (pending > 0)
        {
          status = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d change waiting", "%d changes waiting",
                                                 pending), (int) pending);
          icon = "emblem-synchronizing-symbolic";
        }
      else if (since != NULL)
        /* TRANSLATORS: %s is "just now", "5 minutes ago", … */
        status = g_strdup_printf (_("Synced %s"), since);
      else
        status = g_strdup (_("Not synced yet"));
      break;
    }
  if (n_conflicts > 0 && sp_sync_client_get_state (self->client) != SP_SYNC_STATE_SYNCING)
    icon = "dialog-warning-symbolic";

  g_free (self->status);
  self->status = g_steal_pointer (&status);
  gtk_menu_button_set_icon_name (self->button, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), self->status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->status, -1);
  gtk_label_set_label (self->state_label, self->status);

  if (since != NULL)
    last_text = g_strdup_printf (_("Last synced %s"), since);
  gtk_label_set_label (self->last_synced_label, last_text ? last_text : _("Not synced yet"));

  if (pending > 0)
    pending_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d change waiting to be sent",
                                                 "%d changes waiting to be sent", pending), (int) pending);
  gtk_label_set_label (self->pending_label, pending_text ? pending_text : _("No changes waiting"));

  if (n_conflicts > 0 || n_rejected > 0)
    {
      g_autofree char *c = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u conflict", "%u conflicts",
                                                         n_conflicts), n_conflicts);
      g_autofree char *r = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u refused change",
                                                         "%u refused changes", n_rejected), n_rejected);
      /* TRANSLATORS: "2 conflicts, 1 refused change" */
      conflicts_text = g_strdup_printf (_("%s, %s"), c, r);
    }
  gtk_label_set_label (self->conflicts_label, conflicts_text ? conflicts_text : _("No conflicts"));
  gtk_widget_set_visible (self->conflicts_button, n_conflicts > 0 || n_rejected > 0);
  gtk_widget_set_sensitive (self->sync_now_button,
                            signed_in && sp_sync_client_get_state (self->client) != SP_SYNC_STATE_SYNCING);

  gtk_widget_set_visible (GTK_WIDGET (self), known || signed_in);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
client_notify_cb (SpSyncButton *self)
{
  update (self);
}

/* ---- Timers ------------------------------------------------------------- */

static gboolean
sync_timer_cb (gpointer data)
{
  sp_sync_button_sync_now (SP_SYNC_BUTTON (data));
  return G_SOURCE_CONTINUE;
}

static gboolean
tick_cb (gpointer data)
{
  SpSyncButton *self = data;

  /* "5 minutes ago" moves on, and saves elsewhere show as waiting. */
  if (self->client != NULL)
    sp_sync_client_refresh (self->client);
  update (self);
  return G_SOURCE_CONTINUE;
}

static void
start_timers (SpSyncButton *self)
{
  if (self->sync_timer == 0)
    self->sync_timer = g_timeout_add_seconds (SP_SYNC_INTERVAL_SECONDS, sync_timer_cb, self);
  if (self->tick_timer == 0)
    self->tick_timer = g_timeout_add_seconds (60, tick_cb, self);
}

static void
stop_timers (SpSyncButton *self)
{
  g_clear_handle_id (&self->sync_timer, g_source_remove);
  g_clear_handle_id (&self->tick_timer, g_source_remove);
}

/* ---- The kept token, in a worker thread -------------------------------- */

typedef struct
{
  char *server_url;
  char *username;
} TokenJob;

static void
token_job_free (TokenJob *job)
{
  g_free (job->server_url);
  g_free (job->username);
  g_free (job);
}

static TokenJob *
token_job_new (SpSyncClient *client)
{
  TokenJob *job = g_new0 (TokenJob, 1);

  job->server_url = g_strdup (sp_sync_client_get_server_url (client));
  job->username = g_strdup (sp_sync_client_get_username (client));
  return job;
}

static void
load_token_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  TokenJob *job = task_data;
  g_autoptr(GError) error = NULL;
  char *token = sp_sync_token_load (job->server_url, job->username, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, token, g_free);
}

static void
token_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SpSyncButton) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = g_task_propagate_pointer (G_TASK (result), &error);

  self->busy--;
  if (error != NULL)
    g_debug ("The kept sign-in could not be read: %s", error->message);
  if (token == NULL || self->client == NULL || g_cancellable_is_cancelled (self->cancellable))
    {
      update (self);
      return;
    }
  sp_sync_client_set_token (self->client, token);
  sp_sync_button_signed_in (self);
}

static void
clear_token_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  TokenJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (job->server_url != NULL && job->username != NULL &&
      !sp_sync_token_clear (job->server_url, job->username, &error))
    g_debug ("The kept sign-in could not be cleared: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/* ---- Sync and sign-out ------------------------------------------------- */

static void
sync_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SpSyncButton) self = user_data;
  g_autoptr(GError) error = NULL;
  SpSyncCounts counts = { 0, };

  sp_sync_client_sync_finish (SP_SYNC_CLIENT (source), result, &counts, &error);
  self->busy--;
  if (error != NULL)
    g_debug ("Sync did not complete: %s", error->message);
  update (self);
  /* Rows written here show in the lists; conflicts in the popover. */
  if (counts.pulled > 0 || counts.pushed > 0 || counts.conflicts > 0 || counts.restarts > 0)
    g_signal_emit (self, signals[SYNCED], 0);
}

/* Syncs now, unless a sync is running or the desk is not signed in. */
void
sp_sync_button_sync_now (SpSyncButton *self)
{
  g_return_if_fail (SP_IS_SYNC_BUTTON (self));

  if (self->client == NULL || !sp_sync_client_get_signed_in (self->client) ||
      sp_sync_client_get_state (self->client) == SP_SYNC_STATE_SYNCING)
    return;
  self->busy++;
  sp_sync_client_sync_async (self->client, self->cancellable, sync_done_cb, g_object_ref (self));
  update (self);
}

/* The client has just signed in (or found its kept token): sync now and
 * every five minutes from now on. */
void
sp_sync_button_signed_in (SpSyncButton *self)
{
  g_return_if_fail (SP_IS_SYNC_BUTTON (self));

  if (self->client == NULL)
    return;
  start_timers (self);
  sp_sync_client_refresh (self->client);
  update (self);
  sp_sync_button_sync_now (self);
}

static void
token_cleared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SpSyncButton) self = user_data;

  self->busy--;
  update (self);
}

static void
signed_out_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) clear = user_data;
  SpSyncButton *self = g_task_get_source_object (clear);
  g_autoptr(GError) error = NULL;

  if (!sp_sync_client_sign_out_finish (SP_SYNC_CLIENT (source), result, &error))
    g_debug ("Signing out: %s", error->message);
  update (self);
  g_signal_emit (self, signals[SIGNED_OUT], 0);
  g_task_run_in_thread (clear, clear_token_thread);
}

/* Forgets the account here (the records stay) and the kept token. */
void
sp_sync_button_sign_out (SpSyncButton *self)
{
  g_autoptr(GTask) clear = NULL;

  g_return_if_fail (SP_IS_SYNC_BUTTON (self));

  if (self->client == NULL)
    return;
  stop_timers (self);
  self->busy++;
  clear = g_task_new (self, NULL, token_cleared_cb, g_object_ref (self));
  g_task_set_source_tag (clear, sp_sync_button_sign_out);
  g_task_set_task_data (clear, token_job_new (self->client), (GDestroyNotify) token_job_free);
  sp_sync_client_sign_out_async (self->client, NULL, signed_out_cb, g_steal_pointer (&clear));
}

/* ---- GObject ----------------------------------------------------------- */

static void
popover_show_cb (SpSyncButton *self)
{
  if (self->client != NULL)
    sp_sync_client_refresh (self->client);
  update (self);
}

static void
sp_sync_button_dispose (GObject *object)
{
  SpSyncButton *self = SP_SYNC_BUTTON (object);

  stop_timers (self);
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_SYNC_BUTTON);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (sp_sync_button_parent_class)->dispose (object);
}

static void
sp_sync_button_finalize (GObject *object)
{
  SpSyncButton *self = SP_SYNC_BUTTON (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (sp_sync_button_parent_class)->finalize (object);
}

static void
sp_sync_button_class_init (SpSyncButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_sync_button_dispose;
  object_class->finalize = sp_sync_button_finalize;

  /* A sync wrote rows here: lists showing them are out of date. */
  signals[SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The account was forgotten: the user's roles are the local ones again. */
  signals[SIGNED_OUT] = g_signal_new ("signed-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The status shown changed. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-sync-button.ui");
  gtk_widget_class_bind_template_child (widget_class, SpSyncButton, button);
  gtk_widget_class_bind_template_child (widget_class, SpSyncButton, state_label);
  gtk_widget_class_bind_template_child (widget_class, SpSyncButton, last_synced_label);
  gtk_widget_class_bind_template_child (widget_class, SpSyncButton, pending_label);
  gtk_widget_class_bind_template_child (widget_class, SpSyncButton, conflicts_label);
  gtk_widget_class_bind_template_child (widget_class, SpSyncButton, sync_now_button);
  gtk_widget_class_bind_template_child (widget_class, SpSyncButton, conflicts_button);
  gtk_widget_class_bind_template_callback (widget_class, popover_show_cb);
}

static void
sp_sync_button_init (SpSyncButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/* Makes the desk's client for @store, works as the account it remembers
 * (if any), and looks for the kept token in a worker thread. */
void
sp_sync_button_set_store (SpSyncButton *self,
                          SpStore      *store)
{
  g_return_if_fail (SP_IS_SYNC_BUTTON (self));
  g_return_if_fail (SP_IS_STORE (store));

  stop_timers (self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  sp_sync_store_restore_actor (store);
  self->client = sp_sync_client_new (store);
  g_signal_connect_object (self->client, "notify", G_CALLBACK (client_notify_cb), self, G_CONNECT_SWAPPED);
  sp_sync_client_refresh (self->client);
  update (self);

  if (sp_sync_client_get_server_url (self->client) != NULL && sp_sync_client_get_username (self->client) != NULL)
    {
      g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, token_loaded_cb, g_object_ref (self));

      self->busy++;
      g_task_set_source_tag (task, sp_sync_button_set_store);
      g_task_set_task_data (task, token_job_new (self->client), (GDestroyNotify) token_job_free);
      g_task_run_in_thread (task, load_token_thread);
    }
}

SpSyncClient *
sp_sync_button_get_client (SpSyncButton *self)
{
  g_return_val_if_fail (SP_IS_SYNC_BUTTON (self), NULL);
  return self->client;
}

/* Reads the counts again: call after saving something. */
void
sp_sync_button_refresh (SpSyncButton *self)
{
  g_return_if_fail (SP_IS_SYNC_BUTTON (self));

  if (self->client != NULL)
    sp_sync_client_refresh (self->client);
  update (self);
}

gboolean
sp_sync_button_get_busy (SpSyncButton *self)
{
  g_return_val_if_fail (SP_IS_SYNC_BUTTON (self), FALSE);
  return self->busy > 0;
}

const char *
sp_sync_button_get_status (SpSyncButton *self)
{
  g_return_val_if_fail (SP_IS_SYNC_BUTTON (self), NULL);
  return self->status;
}

GtkWidget *
sp_sync_button_get_menu_button (SpSyncButton *self)
{
  g_return_val_if_fail (SP_IS_SYNC_BUTTON (self), NULL);
  return GTK_WIDGET (self->button);
}
