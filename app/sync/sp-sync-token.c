/* sp-sync-token.c — keeping the sign-in token between runs
 *
 * In the desktop's keyring (the Secret Service, through libsecret) when one
 * answers on the session bus; otherwise in a file under the user's config
 * folder that only they can read (0600, its folder 0700), and the caller
 * tells the user so. The token is never logged.
 *
 * These calls block on D-Bus or the disk for a moment: the GUI calls them
 * from a worker thread (g_task_run_in_thread), the CLI directly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-sync"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <libsecret/secret.h>

#include "sp-sync-token.h"

#define SECRETS_NAME   "org.freedesktop.secrets"
#define BUS_TIMEOUT_MS 2000

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "org.signpost.Signpost.SyncToken", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

static gboolean
bus_has_name (GDBusConnection *bus,
              const char      *method,
              const char      *name)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", method,
                                       g_str_equal (method, "NameHasOwner") ? g_variant_new ("(s)", name) : NULL,
                                       NULL, G_DBUS_CALL_FLAGS_NONE, BUS_TIMEOUT_MS, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  if (g_str_equal (method, "NameHasOwner"))
    {
      gboolean owned = FALSE;

      g_variant_get (reply, "(b)", &owned);
      return owned;
    }
  else
    {
      g_autofree const char **names = NULL;

      g_variant_get (reply, "(^a&s)", &names);
      return names != NULL && g_strv_contains (names, name);
    }
}

/* Is a Secret Service there to answer? Asked of the session bus with a
 * short timeout, and never by starting a bus: a desk with no keyring falls
 * back to the file at once instead of hanging. SIGNPOST_TOKEN_STORE=file
 * skips the keyring (for headless machines and tests). */
gboolean
sp_sync_keyring_available (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree char *socket = NULL;

  if (g_strcmp0 (g_getenv ("SIGNPOST_TOKEN_STORE"), "file") == 0)
    return FALSE;
  socket = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL && !g_file_test (socket, G_FILE_TEST_EXISTS))
    return FALSE;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return FALSE;
  return bus_has_name (bus, "NameHasOwner", SECRETS_NAME) ||
         bus_has_name (bus, "ListActivatableNames", SECRETS_NAME);
}

/* ---- The file ------------------------------------------------------------ */

char *
sp_sync_token_file_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "signpost", "sync-tokens.ini", NULL);
}

/* One group per server and user, named by a hash: a URL may hold characters
 * a key file's group name may not. */
static char *
group_name (const char *server_url,
            const char *username)
{
  g_autofree char *key = g_strconcat (server_url, "\n", username, NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  return g_strconcat ("token ", hash, NULL);
}

static GKeyFile *
load_file (const char  *path,
           GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;

  if (g_stat (path, &st) == 0 && (st.st_mode & 077) != 0)
    {
      /* Someone loosened it: only this user may read a token. */
      g_chmod (path, 0600);
    }
  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error) &&
      !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("The saved sign-in in “%s” could not be read: %s"), path, local_error->message);
      return NULL;
    }
  return g_steal_pointer (&file);
}

static gboolean
save_file (const char  *path,
           GKeyFile    *file,
           GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize length = 0;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("The folder “%s” for the saved sign-in could not be made: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  data = g_key_file_to_data (file, &length, NULL);
  return g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static gboolean
file_store (const char  *server_url,
            const char  *username,
            const char  *token,
            GError     **error)
{
  g_autofree char *path = sp_sync_token_file_path ();
  g_autofree char *group = group_name (server_url, username);
  g_autoptr(GKeyFile) file = load_file (path, error);

  if (file == NULL)
    return FALSE;
  if (token == NULL)
    {
      if (!g_key_file_has_group (file, group))
        return TRUE;
      g_key_file_remove_group (file, group, NULL);
    }
  else
    {
      g_key_file_set_string (file, group, "server", server_url);
      g_key_file_set_string (file, group, "user", username);
      g_key_file_set_string (file, group, "token", token);
    }
  return save_file (path, file, error);
}

static char *
file_lookup (const char  *server_url,
             const char  *username,
             GError     **error)
{
  g_autofree char *path = sp_sync_token_file_path ();
  g_autofree char *group = group_name (server_url, username);
  g_autoptr(GKeyFile) file = load_file (path, error);

  if (file == NULL)
    return NULL;
  return g_key_file_get_string (file, group, "token", NULL);
}

/* ---- Keeping, finding and forgetting ------------------------------------- */

/* Keeps @token for @username at @server_url; @place says where it went, so
 * the caller can warn when it is a file rather than the keyring. */
gboolean
sp_sync_token_save (const char    *server_url,
                    const char    *username,
                    const char    *token,
                    SpTokenPlace  *place,
                    GError       **error)
{
  g_return_val_if_fail (server_url != NULL && username != NULL && token != NULL, FALSE);

  if (sp_sync_keyring_available ())
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *label = g_strdup_printf (_("Signpost sign-in for %s at %s"), username, server_url);

      if (secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT, label, token, NULL, &local_error,
                                      "server", server_url, "user", username, NULL))
        {
          /* An older copy in the file is no longer needed. */
          file_store (server_url, username, NULL, NULL);
          if (place != NULL)
            *place = SP_TOKEN_PLACE_KEYRING;
          return TRUE;
        }
      g_debug ("The keyring did not keep the token: %s", local_error->message);
    }

  if (!file_store (server_url, username, token, error))
    return FALSE;
  if (place != NULL)
    *place = SP_TOKEN_PLACE_FILE;
  return TRUE;
}

/* The kept token, or NULL (with no error) when there is none. */
char *
sp_sync_token_load (const char  *server_url,
                    const char  *username,
                    GError     **error)
{
  g_return_val_if_fail (server_url != NULL && username != NULL, NULL);

  if (sp_sync_keyring_available ())
    {
      g_autoptr(GError) local_error = NULL;
      char *token = secret_password_lookup_sync (token_schema (), NULL, &local_error,
                                                 "server", server_url, "user", username, NULL);

      if (token != NULL)
        {
          char *copy = g_strdup (token);
          secret_password_free (token);
          return copy;
        }
      if (local_error != NULL)
        g_debug ("The keyring could not be asked for the token: %s", local_error->message);
    }
  return file_lookup (server_url, username, error);
}

gboolean
sp_sync_token_clear (const char  *server_url,
                     const char  *username,
                     GError     **error)
{
  g_return_val_if_fail (server_url != NULL && username != NULL, FALSE);

  if (sp_sync_keyring_available ())
    secret_password_clear_sync (token_schema (), NULL, NULL, "server", server_url, "user", username, NULL);
  return file_store (server_url, username, NULL, error);
}
