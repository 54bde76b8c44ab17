/* sp-cli-sync.c — `sync` and `conflicts`: this desk and the shared server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "sp-cli-private.h"
#include "sp-patients.h"
#include "sp-sync-client.h"
#include "sp-sync-store.h"
#include "sp-sync-token.h"

/* ---- Waiting for an async call ------------------------------------------- */

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static gboolean
interrupted (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- The password --------------------------------------------------------- */

/* From SIGNPOST_PASSWORD (for scripts), else asked on the terminal with the
 * echo off. NULL when neither is possible. */
static char *
read_password (const char *username)
{
  const char *env = g_getenv ("SIGNPOST_PASSWORD");
  struct termios old_mode, quiet;
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *prompt = NULL;
  int fd;
  char c;

  if (env != NULL)
    return g_strdup (env);

  fd = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  if (tcgetattr (fd, &old_mode) != 0)
    {
      close (fd);
      return NULL;
    }
  quiet = old_mode;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  prompt = g_strdup_printf (_("Password for %s: "), username);
  if (write (fd, prompt, strlen (prompt)) < 0 || tcsetattr (fd, TCSAFLUSH, &quiet) != 0)
    {
      close (fd);
      return NULL;
    }
  while (read (fd, &c, 1) == 1 && c != '\n' && line->len < 4096)
    g_string_append_c (line, c);
  tcsetattr (fd, TCSAFLUSH, &old_mode);
  close (fd);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static void
forget_password (char *password)
{
  if (password != NULL)
    {
      memset (password, 0, strlen (password));
      g_free (password);
    }
}

/* ---- sync ---------------------------------------------------------------- */

static const char *
role_label (SpRoles roles)
{
  if (roles & SP_ROLE_LINK_WORKER)
    return _("link worker");
  if (roles & SP_ROLE_ADMIN)
    return _("catalogue admin");
  return _("GP");
}

static gboolean
sign_in (Cli           *cli,
         SpSyncClient  *client,
         const char    *server_url,
         const char    *username,
         GCancellable  *cancellable,
         GMainLoop     *loop)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autofree char *token = NULL;
  g_autofree char *practices = NULL;
  char *password;
  Wait wait = { loop, NULL };
  SpTokenPlace place = SP_TOKEN_PLACE_FILE;

  password = read_password (username);
  if (password == NULL)
    {
      cli_error (cli, _("A password is needed to sign in. Run this in a terminal, "
                        "or give it in the SIGNPOST_PASSWORD environment variable."));
      return FALSE;
    }
  sp_sync_client_sign_in_async (client, server_url, username, password, cancellable, got_result, &wait);
  forget_password (password);
  g_main_loop_run (loop);
  account = sp_sync_client_sign_in_finish (client, wait.result, &token, &error);
  g_clear_object (&wait.result);
  if (account == NULL)
    {
      cli_fail (cli, error);
      return FALSE;
    }

  if (!sp_sync_token_save (sp_sync_client_get_server_url (client), account->username, token, &place, &error))
    g_printerr (_("%s: The sign-in could not be kept for next time (%s); you will be asked again.\n"),
                PROGRAM, error->message);
  else if (place == SP_TOKEN_PLACE_FILE)
    {
      g_autofree char *path = sp_sync_token_file_path ();
      g_printerr (_("%s: No keyring is running, so the sign-in is kept in %s, which only you can read.\n"),
                  PROGRAM, path);
    }

  if (!cli->json)
    {
      practices = g_strjoinv (", ", account->practices);
      g_print (_("Signed in to %s as %s (%s; practices: %s).\n"),
               sp_sync_client_get_server_url (client), account->username, role_label (account->roles),
               practices[0] != '\0' ? practices : _("none"));
    }
  return TRUE;
}

static gboolean
run_sync (SpSyncClient  *client,
          GCancellable  *cancellable,
          GMainLoop     *loop,
          SpSyncCounts  *counts,
          GError       **error)
{
  Wait wait = { loop, NULL };
  gboolean ok;

  sp_sync_client_sync_async (client, cancellable, got_result, &wait);
  g_main_loop_run (loop);
  ok = sp_sync_client_sync_finish (client, wait.result, counts, error);
  g_clear_object (&wait.result);
  return ok;
}

static void
print_counts (SpSyncClient       *client,
              const SpSyncCounts *counts)
{
  guint n_conflicts = sp_sync_client_get_n_conflicts (client);
  guint n_rejected = sp_sync_client_get_n_rejected (client);
  gint64 pending = sp_sync_client_get_pending_changes (client);

  if (counts->replaced > 0)
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "Replaced %" PRId64 " local catalogue entry with the server’s catalogue.\n",
                          "Replaced %" PRId64 " local catalogue entries with the server’s catalogue.\n",
                          counts->replaced), (gint64) counts->replaced);
  if (counts->restarts > 0)
    g_print ("%s\n", _("The server had been replaced or restored from a backup, so all its records were fetched again."));
  g_print (_("Changes sent: %u. Records received: %u.\n"), counts->pushed, counts->pulled);
  if (n_conflicts > 0)
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "%u record was changed here and on the server: see “signpost-cli conflicts”.\n",
                          "%u records were changed here and on the server: see “signpost-cli conflicts”.\n",
                          n_conflicts), n_conflicts);
  if (n_rejected > 0)
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "%u change was refused by the server: see “signpost-cli conflicts”.\n",
                          "%u changes were refused by the server: see “signpost-cli conflicts”.\n",
                          n_rejected), n_rejected);
  if (pending > 0)
    g_print (_("Changes still waiting to be sent: %" PRId64 ".\n"), pending);
}

static int
reply_sync_json (SpSyncClient       *client,
                 const SpSyncCounts *counts,
                 GError             *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_or_null (builder, "server", sp_sync_client_get_server_url (client));
  add_string_or_null (builder, "user", sp_sync_client_get_username (client));
  add_boolean (builder, "ok", error == NULL);
  add_string_or_null (builder, "error", error ? error->message : NULL);
  add_int (builder, "pushed", counts->pushed);
  add_int (builder, "pulled", counts->pulled);
  add_int (builder, "new_conflicts", counts->conflicts);
  add_int (builder, "new_rejected", counts->rejected);
  add_boolean (builder, "fetched_again", counts->restarts > 0);
  add_int (builder, "catalogue_replaced", counts->replaced);
  add_int (builder, "conflicts", sp_sync_client_get_n_conflicts (client));
  add_int (builder, "rejected", sp_sync_client_get_n_rejected (client));
  add_int (builder, "pending", sp_sync_client_get_pending_changes (client));
  add_string_or_null (builder, "last_synced_at", sp_sync_client_get_last_synced (client));
  json_builder_end_object (builder);
  return reply_json (json_builder_get_root (builder));
}

int
cmd_sync (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server_option = NULL;
  g_autofree char *user_option = NULL;
  g_autofree char *server_url = NULL;
  g_autofree char *username = NULL;
  g_autofree char *token = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autoptr(SpSyncClient) client = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  SpSyncCounts counts = { 0, };
  guint sigint;
  gboolean signed_in_now = FALSE;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server_option,
      N_("The Signpost server, for example https://signpost.example.nhs.uk"), N_("URL") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user_option, N_("Your user name on the server"), N_("NAME") },
    G_OPTION_ENTRY_NULL
  };

  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (server_option != NULL)
    {
      server_url = sp_sync_server_url_normalize (server_option, &error);
      if (server_url == NULL)
        return cli_usage (cli, "%s", error->message);
    }
  if (!cli_open_store (cli))
    return cli->status;
  sp_sync_store_restore_actor (cli->store);

  account = sp_sync_store_get_account (cli->store);
  if (server_url == NULL)
    server_url = sp_sync_store_get_server_url (cli->store);
  username = g_strdup (user_option ? user_option : account ? account->username : NULL);
  if (server_url == NULL || username == NULL)
    return cli_usage (cli, _("This desk has not signed in to a server yet. "
                             "Give the server and your user name: signpost-cli sync --server URL --user NAME"));

  client = sp_sync_client_new (cli->store);
  sigint = g_unix_signal_add (SIGINT, interrupted, cancellable);

  /* The token kept from the last sign-in, if it is for this server and user. */
  if (account != NULL && g_strcmp0 (account->username, username) == 0 &&
      g_strcmp0 (sp_sync_client_get_server_url (client), server_url) == 0)
    token = sp_sync_token_load (server_url, username, NULL);
  if (token != NULL)
    sp_sync_client_set_token (client, token);
  else
    {
      if (!sign_in (cli, client, server_url, username, cancellable, loop))
        goto out;
      signed_in_now = TRUE;
    }

  ok = run_sync (client, cancellable, loop, &counts, &error);
  if (!ok && !signed_in_now && g_error_matches (error, SP_SYNC_ERROR, SP_SYNC_ERROR_SESSION_ENDED))
    {
      /* The kept sign-in has expired: sign in again, once. */
      sp_sync_token_clear (server_url, username, NULL);
      g_clear_error (&error);
      if (!sign_in (cli, client, server_url, username, cancellable, loop))
        goto out;
      ok = run_sync (client, cancellable, loop, &counts, &error);
    }

  if (cli->json)
    reply_sync_json (client, &counts, error);
  else if (ok || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    print_counts (client, &counts);
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cli_error (cli, _("The sync was stopped. Nothing was lost; the rest will be done at the next sync."));
      else
        cli_fail (cli, error);
    }

out:
  g_source_remove (sigint);
  return cli->status;
}

/* ---- conflicts ----------------------------------------------------------- */

static char *
value_text (JsonObject *object,
            const char *field)
{
  JsonNode *node = object ? json_object_get_member (object, field) : NULL;

  if (node == NULL)
    return g_strdup (_("(not set)"));
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("(empty)"));
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup_printf ("“%s”", json_node_get_string (node));
  return json_to_string (node, FALSE);
}

/* "patient Jane Smith (1a2b3c4d)": the name from the server's row when this
 * desk does not hold the record. */
static char *
record_label (Cli        *cli,
              const char *entity,
              const char *row_id,
              JsonObject *theirs)
{
  g_autofree char *id = short_id (row_id);

  if (g_strcmp0 (entity, "patient") == 0)
    {
      g_autoptr(SpPatient) patient = sp_store_get_patient (cli->store, row_id, NULL);
      g_autofree char *name = NULL;

      if (patient == NULL && theirs != NULL)
        patient = sp_record_from_json (&sp_entity_patient, theirs, FALSE, NULL);
      if (patient != NULL)
        name = sp_patient_display_name (patient);
      if (name != NULL)
        return g_strdup_printf ("%s %s (%s)", entity, name, id);
    }
  return g_strdup_printf ("%s %s", entity, id);
}

/* "new patient Jane Smith (1a2b3c4d)": what a refused change would have done. */
static char *
change_label (const char *op,
              const char *record)
{
  if (g_strcmp0 (op, "create") == 0)
    return g_strdup_printf (_("new %s"), record);
  if (g_strcmp0 (op, "delete") == 0)
    return g_strdup_printf (_("removal of %s"), record);
  return g_strdup_printf (_("change to %s"), record);
}

static JsonNode *
conflict_node (SpConflict *conflict)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_int (builder, "id", conflict->id);
  add_string_or_null (builder, "entity", conflict->entity);
  add_string_or_null (builder, "row_id", conflict->row_id);
  json_builder_set_member_name (builder, "fields");
  json_builder_begin_array (builder);
  for (guint i = 0; conflict->fields[i] != NULL; i++)
    json_builder_add_string_value (builder, conflict->fields[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "mine");
  json_builder_add_value (builder, json_node_init_object (json_node_alloc (), conflict->mine));
  json_builder_set_member_name (builder, "theirs");
  if (conflict->theirs != NULL)
    json_builder_add_value (builder, json_node_init_object (json_node_alloc (), conflict->theirs));
  else
    json_builder_add_null_value (builder);
  add_int (builder, "server_rev", conflict->server_rev);
  add_string_or_null (builder, "reason", conflict->reason);
  add_string_or_null (builder, "detected_at", conflict->detected_at);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
rejected_node (SpRejectedChange *change)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_int (builder, "id", change->id);
  add_string_or_null (builder, "entity", change->entity);
  add_string_or_null (builder, "row_id", change->row_id);
  add_string_or_null (builder, "op", change->op);
  json_builder_set_member_name (builder, "changed");
  json_builder_add_value (builder, json_node_init_object (json_node_alloc (), change->changed));
  add_string_or_null (builder, "reason", change->reason);
  add_string_or_null (builder, "rejected_at", change->rejected_at);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static int
list_conflicts (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = sp_sync_store_list_conflicts (cli->store, &error);
  g_autoptr(GPtrArray) rejected = NULL;

  if (conflicts == NULL)
    return cli_fail (cli, error);
  rejected = sp_sync_store_list_rejected (cli->store, &error);
  if (rejected == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "conflicts");
      json_builder_begin_array (builder);
      for (guint i = 0; i < conflicts->len; i++)
        json_builder_add_value (builder, conflict_node (conflicts->pdata[i]));
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "refused");
      json_builder_begin_array (builder);
      for (guint i = 0; i < rejected->len; i++)
        json_builder_add_value (builder, rejected_node (rejected->pdata[i]));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      return reply_json (json_builder_get_root (builder));
    }

  if (conflicts->len == 0 && rejected->len == 0)
    {
      g_print ("%s\n", _("No conflicts and no refused changes."));
      return CLI_EXIT_OK;
    }

  for (guint i = 0; i < conflicts->len; i++)
    {
      SpConflict *conflict = conflicts->pdata[i];
      g_autofree char *label = record_label (cli, conflict->entity, conflict->row_id, conflict->theirs);
      g_autoptr(Table) table = table_new (3, 4);

      g_print (_("Conflict %" PRId64 ": %s\n"), conflict->id, label);
      if (conflict->reason != NULL)
        g_print ("    %s\n", conflict->reason);
      if (conflict->fields[0] == NULL)
        continue;
      table_add (table, _("field"), _("here"), _("on the server"));
      for (guint k = 0; conflict->fields[k] != NULL; k++)
        {
          g_autofree char *mine = value_text (conflict->mine, conflict->fields[k]);
          g_autofree char *theirs = value_text (conflict->theirs, conflict->fields[k]);
          table_add (table, conflict->fields[k], mine, theirs);
        }
      table_print (table);
    }
  if (conflicts->len > 0)
    g_print ("%s\n", _("Resolve with “signpost-cli conflicts keep-mine ID” or “signpost-cli conflicts keep-theirs ID”."));

  for (guint i = 0; i < rejected->len; i++)
    {
      SpRejectedChange *change = rejected->pdata[i];
      g_autofree char *record = record_label (cli, change->entity, change->row_id, NULL);
      g_autofree char *label = change_label (change->op, record);

      g_print (_("Refused change %" PRId64 ": %s\n    %s\n"), change->id, label, change->reason);
    }
  if (rejected->len > 0)
    g_print ("%s\n", _("Send one again with “signpost-cli conflicts retry ID”, or clear it with "
                       "“signpost-cli conflicts dismiss ID”."));
  return CLI_EXIT_OK;
}

int
cmd_conflicts (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  const char *action;
  const char *id_text;
  guint64 id = 0;
  gboolean ok;

  if (!cli_parse (cli, NULL, 0, 2))
    return cli->status;
  action = cli_arg (cli, 0) ? cli_arg (cli, 0) : "list";
  id_text = cli_arg (cli, 1);

  if (g_str_equal (action, "list"))
    {
      if (id_text != NULL)
        return cli_usage (cli, _("Unexpected argument “%s”."), id_text);
    }
  else if (g_strv_contains ((const char * const []) { "keep-mine", "keep-theirs", "dismiss", "retry", NULL }, action))
    {
      if (id_text == NULL || !g_ascii_string_to_unsigned (id_text, 10, 1, G_MAXINT64, &id, NULL))
        return cli_usage (cli, _("“%s” needs the number of the conflict, as “conflicts list” shows it."), action);
    }
  else
    return cli_usage (cli, _("“%s” is not something to do with conflicts: use list, keep-mine, keep-theirs, "
                             "dismiss or retry."), action);

  if (!cli_open_store (cli))
    return cli->status;
  sp_sync_store_restore_actor (cli->store);

  if (g_str_equal (action, "list"))
    return list_conflicts (cli);
  if (g_str_equal (action, "keep-mine"))
    ok = sp_sync_store_keep_mine (cli->store, (gint64) id, &error);
  else if (g_str_equal (action, "keep-theirs"))
    ok = sp_sync_store_keep_theirs (cli->store, (gint64) id, &error);
  else if (g_str_equal (action, "dismiss"))
    ok = sp_sync_store_dismiss_rejected (cli->store, (gint64) id, &error);
  else
    ok = sp_sync_store_retry_rejected (cli->store, (gint64) id, &error);
  if (!ok)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string_or_null (builder, "done", action);
      add_int (builder, "id", (gint64) id);
      add_int (builder, "pending", sp_store_outbox_count (cli->store));
      json_builder_end_object (builder);
      return reply_json (json_builder_get_root (builder));
    }
  if (g_str_equal (action, "keep-mine"))
    g_print ("%s\n", _("Kept your version; it will be sent at the next sync."));
  else if (g_str_equal (action, "keep-theirs"))
    g_print ("%s\n", _("Kept the server’s version."));
  else if (g_str_equal (action, "dismiss"))
    g_print ("%s\n", _("Cleared the refused change."));
  else
    g_print ("%s\n", _("The change will be sent again at the next sync."));
  return CLI_EXIT_OK;
}
