/* sp-sign-in-dialog.c — sign this desk in to a Signpost server
 *
 * The server's address, the user name and the password. Signing in runs
 * on the network asynchronously; the token is then kept in a worker
 * thread (the keyring is over D-Bus). When there is no keyring it goes to
 * a file only this user can read, and the user is told so. Errors are the
 * client's plain words, shown above the form; a desk holding the demo
 * practice is refused by the client, and its message says why.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-sign-in-dialog"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-sign-in-dialog.h"
#include "sp-sync-token.h"

struct _SpSignInDialog
{
  AdwWindow      parent_instance;

  /* Template widgets */
  GtkWidget     *sign_in_button;
  GtkLabel      *form_error;
  AdwEntryRow   *server_row;
  AdwEntryRow   *username_row;
  AdwEntryRow   *password_row;
  GtkSpinner    *spinner;

  SpSyncClient  *client;
  GCancellable  *cancellable;
  gboolean       busy;
};

G_DEFINE_FINAL_TYPE (SpSignInDialog, sp_sign_in_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_busy (SpSignInDialog *self,
          gboolean        busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.sign-in", !busy);
}

static void
show_error (SpSignInDialog *self,
            const char     *message)
{
  gtk_label_set_label (self->form_error, message);
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), message != NULL);
}

/* ---- Keeping the token, in a worker thread ----------------------------- */

typedef struct
{
  char         *server_url;
  char         *username;
  char         *token;
  SpTokenPlace  place;
} KeepJob;

static void
keep_job_free (KeepJob *job)
{
  g_free (job->server_url);
  g_free (job->username);
  if (job->token != NULL)
    memset (job->token, 0, strlen (job->token));
  g_free (job->token);
  g_free (job);
}

static void
keep_token_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  KeepJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (!sp_sync_token_save (job->server_url, job->username, job->token, &job->place, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
token_kept_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SpSignInDialog) self = user_data;
  KeepJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  set_busy (self, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    /* Signed in all the same: this run syncs; the next asks again. */
    warning = g_strdup_printf (_("Signed in, but the sign-in could not be kept for next time: %s"),
                               error->message);
  else if (job->place == SP_TOKEN_PLACE_FILE)
    {
      g_autofree char *path = sp_sync_token_file_path ();
      g_debug ("No keyring: the sign-in is kept in %s", path);
      warning = g_strdup (_("No keyring here: your sign-in is kept in a file only you can read"));
    }
  g_signal_emit (self, signals[SIGNED_IN], 0, warning);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SpSignInDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *token = NULL;
  KeepJob *job;

  account = sp_sync_client_sign_in_finish (SP_SYNC_CLIENT (source), result, &token, &error);
  if (account == NULL)
    {
      set_busy (self, FALSE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      if (g_error_matches (error, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_CREDENTIALS))
        gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  job = g_new0 (KeepJob, 1);
  job->server_url = g_strdup (sp_sync_client_get_server_url (self->client));
  job->username = g_strdup (account->username);
  job->token = g_steal_pointer (&token);
  task = g_task_new (NULL, NULL, token_kept_cb, g_object_ref (self));
  g_task_set_source_tag (task, signed_in_cb);
  g_task_set_task_data (task, job, (GDestroyNotify) keep_job_free);
  g_task_run_in_thread (task, keep_token_thread);
}

/* Starts signing in with what the form holds; FALSE when a field is
 * missing (and said so at the form). */
gboolean
sp_sign_in_dialog_sign_in (SpSignInDialog *self)
{
  g_autofree char *server = NULL;
  g_autofree char *username = NULL;
  const char *password;

  g_return_val_if_fail (SP_IS_SIGN_IN_DIALOG (self), FALSE);

  if (self->busy)
    return FALSE;
  server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (*server == '\0')
    {
      show_error (self, _("Enter the server’s address, as your practice gave it to you."));
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return FALSE;
    }
  if (*username == '\0')
    {
      show_error (self, _("Enter your user name."));
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
      return FALSE;
    }
  if (*password == '\0')
    {
      show_error (self, _("Enter your password."));
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return FALSE;
    }

  show_error (self, NULL);
  set_busy (self, TRUE);
  sp_sync_client_sign_in_async (self->client, server, username, password, self->cancellable,
                                signed_in_cb, g_object_ref (self));
  return TRUE;
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  sp_sign_in_dialog_sign_in (SP_SIGN_IN_DIALOG (widget));
}

static void
entry_activated_cb (SpSignInDialog *self)
{
  sp_sign_in_dialog_sign_in (self);
}

/* ---- GObject ----------------------------------------------------------- */

static void
sp_sign_in_dialog_dispose (GObject *object)
{
  SpSignInDialog *self = SP_SIGN_IN_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_SIGN_IN_DIALOG);

  G_OBJECT_CLASS (sp_sign_in_dialog_parent_class)->dispose (object);
}

static void
sp_sign_in_dialog_finalize (GObject *object)
{
  SpSignInDialog *self = SP_SIGN_IN_DIALOG (object);

  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sp_sign_in_dialog_parent_class)->finalize (object);
}

static void
sp_sign_in_dialog_class_init (SpSignInDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_sign_in_dialog_dispose;
  object_class->finalize = sp_sign_in_dialog_finalize;

  /* Signed in, the token kept; the string (or NULL) warns about where. */
  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-sign-in-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SpSignInDialog, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, SpSignInDialog, form_error);
  gtk_widget_class_bind_template_child (widget_class, SpSignInDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, SpSignInDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, SpSignInDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, SpSignInDialog, spinner);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "sign-in.sign-in", NULL, sign_in_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sp_sign_in_dialog_init (SpSignInDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

SpSignInDialog *
sp_sign_in_dialog_new (SpSyncClient *client)
{
  SpSignInDialog *self;

  g_return_val_if_fail (SP_IS_SYNC_CLIENT (client), NULL);

  self = g_object_new (SP_TYPE_SIGN_IN_DIALOG, NULL);
  self->client = g_object_ref (client);
  if (sp_sync_client_get_server_url (client) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->server_row), sp_sync_client_get_server_url (client));
  if (sp_sync_client_get_username (client) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->username_row), sp_sync_client_get_username (client));
  return self;
}

void
sp_sign_in_dialog_set_fields (SpSignInDialog *self,
                              const char     *server_url,
                              const char     *username,
                              const char     *password)
{
  g_return_if_fail (SP_IS_SIGN_IN_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server_url ? server_url : "");
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username ? username : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password ? password : "");
}

gboolean
sp_sign_in_dialog_get_busy (SpSignInDialog *self)
{
  g_return_val_if_fail (SP_IS_SIGN_IN_DIALOG (self), FALSE);
  return self->busy;
}

GtkLabel *
sp_sign_in_dialog_get_error_label (SpSignInDialog *self)
{
  g_return_val_if_fail (SP_IS_SIGN_IN_DIALOG (self), NULL);
  return self->form_error;
}

GtkWidget *
sp_sign_in_dialog_get_sign_in_button (SpSignInDialog *self)
{
  g_return_val_if_fail (SP_IS_SIGN_IN_DIALOG (self), NULL);
  return self->sign_in_button;
}
