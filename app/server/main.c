/* main.c — signpost-server: serve the sync protocol, or administer its users
 *
 *   signpost-server --db PATH [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE] [--keep-alive N]
 *                   [--snapshot-max-behind N]
 *   signpost-server --db PATH practice add ODS NAME
 *   signpost-server --db PATH user add NAME --role link-worker|gp|admin [--practice ODS]… [--name TEXT]
 *   signpost-server --db PATH user passwd NAME
 *   signpost-server --db PATH user disable NAME
 *   signpost-server --db PATH user list
 *   signpost-server --db PATH server id
 *   signpost-server --db PATH server new-id
 *
 * Passwords are never taken from the command line or the environment: they
 * are asked for on the terminal with echo off, or read as one line from
 * standard input when that is not a terminal (for scripts and tests).
 *
 * Serving prints one line, "Listening on URL", once the port is open (port
 * 0 picks a free one), then one log line per request on stderr.
 * Exit status: 0 success, 1 failure, 2 the command was used wrongly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <sodium.h>

#include "sp-server.h"
#include "sp-server-auth.h"
#include "sp-server-db.h"
#include "sp-server-error.h"
#include "sp-server-sqlite.h"

#define PROGRAM "signpost-server"
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define DEFAULT_LISTEN "127.0.0.1:8080"

static char *opt_db;
static char *opt_listen;
static char *opt_tls_cert;
static char *opt_tls_key;
static int   opt_idle_timeout = -1;
static int   opt_request_timeout = -1;
static int   opt_login_delay_ms = -1;
static int   opt_max_connections = -1;
static int   opt_keep_alive = -1;
static gint64 opt_snapshot_max_behind = SP_SERVER_SNAPSHOT_MAX_BEHIND_DEFAULT;

static const GOptionEntry main_entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, &opt_db, N_("The server database (created if missing)"), N_("PATH") },
  { "listen", 0, 0, G_OPTION_ARG_STRING, &opt_listen, N_("Address and port to serve on (default 127.0.0.1:8080; port 0 picks one)"), N_("ADDR:PORT") },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert, N_("Serve HTTPS with this PEM certificate"), N_("FILE") },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key, N_("The certificate's PEM private key"), N_("FILE") },
  { "keep-alive", 0, 0, G_OPTION_ARG_INT, &opt_keep_alive,
    N_("Keep a client's connection open for up to N requests, if it asks (default 0: one request per connection)"),
    N_("N") },
  { "snapshot-max-behind", 0, 0, G_OPTION_ARG_INT64, &opt_snapshot_max_behind,
    N_("Make a new desk's snapshot again once this many changes have followed it (default 10000; "
       "-1: no snapshots, new desks pull every change)"),
    N_("N") },
  /* For tests: shorter limits than a real deployment wants. */
  { "idle-timeout", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt_idle_timeout, NULL, NULL },
  { "request-timeout", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt_request_timeout, NULL, NULL },
  { "login-delay-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt_login_delay_ms, NULL, NULL },
  { "max-connections", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt_max_connections, NULL, NULL },
  { NULL }
};

static const char commands_help[] =
  N_("Commands (with --db PATH):\n"
     "  practice add ODS NAME\n"
     "  user add NAME --role link-worker|gp|admin [--practice ODS]… [--name TEXT]\n"
     "  user passwd NAME\n"
     "  user disable NAME\n"
     "  user list\n"
     "  server id\n"
     "  server new-id      (after restoring a backup: every desk fetches everything again)\n"
     "\n"
     "Passwords are asked for on the terminal, or read as one line from standard input.");

static int
fail (const GError *error)
{
  g_printerr ("%s: %s\n", PROGRAM, error->message);
  return EXIT_FAIL;
}

static int usage (const char *format, ...) G_GNUC_PRINTF (1, 2);

static int
usage (const char *format,
       ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s: %s\n%s\n", PROGRAM, message, _("Try “signpost-server --help”."));
  return EXIT_USAGE;
}

/* ---- Passwords ----------------------------------------------------------- */

static char *
read_line (FILE *stream)
{
  char buffer[SP_SERVER_PASSWORD_MAX + 2];
  gsize length;
  char *line;

  if (fgets (buffer, sizeof buffer, stream) == NULL)
    return NULL;
  length = strlen (buffer);
  while (length > 0 && (buffer[length - 1] == '\n' || buffer[length - 1] == '\r'))
    buffer[--length] = '\0';
  line = g_strdup (buffer);
  sodium_memzero (buffer, sizeof buffer);
  return line;
}

static char *
prompt_hidden (const char *prompt)
{
  struct termios saved, quiet;
  char *line;

  g_printerr ("%s", prompt);
  if (tcgetattr (STDIN_FILENO, &saved) != 0)
    return read_line (stdin);
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  line = read_line (stdin);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  return line;
}

static void
password_free (char *password)
{
  if (password != NULL)
    sodium_memzero (password, strlen (password));
  g_free (password);
}

typedef char SecretText;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretText, password_free)

static char *
ask_password (const char  *username,
              GError     **error)
{
  g_autoptr(SecretText) first = NULL;
  g_autoptr(SecretText) again = NULL;
  g_autofree char *prompt = NULL;

  if (!isatty (STDIN_FILENO))
    {
      first = read_line (stdin);
      if (first == NULL)
        {
          g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                               _("No password on standard input."));
          return NULL;
        }
      if (!sp_server_password_check (first, error))
        return NULL;
      return g_steal_pointer (&first);
    }

  prompt = g_strdup_printf (_("New password for %s: "), username);
  first = prompt_hidden (prompt);
  if (first == NULL || !sp_server_password_check (first, error))
    {
      if (first == NULL)
        g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID, _("No password given."));
      return NULL;
    }
  again = prompt_hidden (_("The same password again: "));
  if (again == NULL || strcmp (first, again) != 0)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("The two passwords differ; nothing was changed."));
      return NULL;
    }
  return g_steal_pointer (&first);
}

/* ---- Admin commands ------------------------------------------------------ */

static int
practice_add (SpServerBackend  *backend,
              char            **args)
{
  g_autoptr(GError) error = NULL;

  if (g_strv_length (args) != 2)
    return usage (_("Use: practice add ODS NAME"));
  if (!sp_server_backend_add_practice (backend, args[0], args[1], &error))
    return fail (error);
  g_print (_("Practice %s added.\n"), args[0]);
  return EXIT_SUCCESS;
}

static int
user_add (SpServerBackend  *backend,
          int               argc,
          char            **argv)
{
  g_autofree char *role_text = NULL;
  g_autofree char *display_name = NULL;
  g_auto(GStrv) practices = NULL;
  g_autoptr(SecretText) password = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME — add a user"));
  SpServerRole role;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role_text, N_("link-worker, gp or admin"), N_("ROLE") },
    { "practice", 0, 0, G_OPTION_ARG_STRING_ARRAY, &practices, N_("A practice the user works for (repeat for more)"), N_("ODS") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &display_name, N_("The name to show (default: the user name)"), N_("TEXT") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage ("%s", error->message);
  if (argc != 2)
    return usage (_("Use: user add NAME --role link-worker|gp|admin [--practice ODS]…"));
  if (role_text == NULL || !sp_server_role_from_string (role_text, &role))
    return usage (_("--role must be link-worker, gp or admin."));

  password = ask_password (argv[1], &error);
  if (password == NULL ||
      !sp_server_backend_add_user (backend, argv[1], display_name, role,
                                   (const char * const *) practices, password, &error))
    return fail (error);
  g_print (_("User %s added.\n"), argv[1]);
  return EXIT_SUCCESS;
}

static int
user_passwd (SpServerBackend  *backend,
             char            **args)
{
  g_autoptr(SecretText) password = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strv_length (args) != 1)
    return usage (_("Use: user passwd NAME"));
  password = ask_password (args[0], &error);
  if (password == NULL || !sp_server_backend_set_password (backend, args[0], password, &error))
    return fail (error);
  g_print (_("Password of %s changed; their sessions have ended.\n"), args[0]);
  return EXIT_SUCCESS;
}

static int
user_disable (SpServerBackend  *backend,
              char            **args)
{
  g_autoptr(GError) error = NULL;

  if (g_strv_length (args) != 1)
    return usage (_("Use: user disable NAME"));
  if (!sp_server_backend_disable_user (backend, args[0], &error))
    return fail (error);
  g_print (_("User %s disabled; their sessions have ended.\n"), args[0]);
  return EXIT_SUCCESS;
}

static int
user_list (SpServerBackend  *backend,
           char            **args)
{
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strv_length (args) != 0)
    return usage (_("Use: user list"));
  users = sp_server_backend_list_users (backend, &error);
  if (users == NULL)
    return fail (error);
  for (guint i = 0; i < users->len; i++)
    {
      SpServerUser *user = g_ptr_array_index (users, i);
      g_autofree char *practices = g_strjoinv (",", user->practices);

      g_print ("%-24s %-12s %-24s %-9s %s\n", user->username, sp_server_role_to_string (user->role),
               *practices != '\0' ? practices : "-",
               user->disabled ? "disabled" : "active", user->display_name);
    }
  return EXIT_SUCCESS;
}

static int
server_id (SpServerBackend  *backend,
           char            **args)
{
  if (g_strv_length (args) != 0)
    return usage (_("Use: server id"));
  g_print ("%s\n", sp_server_backend_get_server_id (backend));
  return EXIT_SUCCESS;
}

/* After restoring a backup: the restored database would hand out again
 * seqs that desks have already passed. A new id makes every desk pull
 * everything again at its next sync. */
static int
server_new_id (SpServerBackend  *backend,
               char            **args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (g_strv_length (args) != 0)
    return usage (_("Use: server new-id"));
  id = sp_server_backend_renew_server_id (backend, &error);
  if (id == NULL)
    return fail (error);
  g_print (_("The server id is now %s. At their next sync, desks will fetch all their records again. "
             "A server already running says the old id until it is started again.\n"), id);
  return EXIT_SUCCESS;
}

static int
run_command (SpServerBackend  *backend,
             int               argc,
             char            **argv)
{
  const char *group = argv[1];
  const char *name = argc > 2 ? argv[2] : "";

  if (g_str_equal (group, "practice") && g_str_equal (name, "add"))
    return practice_add (backend, argv + 3);
  if (g_str_equal (group, "user"))
    {
      if (g_str_equal (name, "add"))
        return user_add (backend, argc - 2, argv + 2);
      if (g_str_equal (name, "passwd"))
        return user_passwd (backend, argv + 3);
      if (g_str_equal (name, "disable"))
        return user_disable (backend, argv + 3);
      if (g_str_equal (name, "list"))
        return user_list (backend, argv + 3);
    }
  if (g_str_equal (group, "server"))
    {
      if (g_str_equal (name, "id"))
        return server_id (backend, argv + 3);
      if (g_str_equal (name, "new-id"))
        return server_new_id (backend, argv + 3);
    }
  return usage (_("Unknown command “%s %s”."), group, name);
}

/* ---- Serving ------------------------------------------------------------- */

/* "127.0.0.1:8080", "[::1]:8080", "localhost:0": an address literal (not
 * a name to look up) and a port. */
static GSocketAddress *
parse_listen (const char  *text,
              GError     **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *colon = strrchr (text, ':');
  guint64 port;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    goto bad;
  host = g_strndup (text, colon - text);
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);
      g_free (host);
      host = inner;
    }
  if (g_str_equal (host, "localhost"))
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    address = g_inet_address_new_from_string (host);
  if (address == NULL)
    goto bad;
  return g_inet_socket_address_new (address, (guint16) port);

bad:
  g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
               _("“%s” is not an address and port to listen on, like 127.0.0.1:8080 or [::1]:8080."), text);
  return NULL;
}

typedef struct
{
  GMainLoop *loop;
  SpServer  *server;
  gint64     deadline;
} Stopping;

static gboolean
check_stopped (gpointer data)
{
  Stopping *stopping = data;

  if (!sp_server_is_idle (stopping->server) && g_get_monotonic_time () < stopping->deadline)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (stopping->loop);
  return G_SOURCE_REMOVE;
}

/* SIGTERM, SIGINT: take no new connections, let the requests under way
 * finish (for up to ten seconds), then leave. A request cut off anyway is
 * safe: a batch is applied whole or not at all, and resent. */
static gboolean
on_quit_signal (gpointer data)
{
  Stopping *stopping = data;

  if (stopping->deadline != 0)
    return G_SOURCE_CONTINUE;
  stopping->deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  sp_server_stop (stopping->server);
  g_timeout_add (20, check_stopped, stopping);
  return G_SOURCE_CONTINUE;
}

/* More connections to the database, for the requests that only read: as
 * many as there are processors, for GET /v1/changes builds its pages. */
static gboolean
add_readers (SpServer  *server,
             GError   **error)
{
  guint n = MAX (2u, g_get_num_processors ());

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpServerSqlite) reader = sp_server_sqlite_open (opt_db, error);

      if (reader == NULL)
        return FALSE;
      sp_server_add_reader (server, SP_SERVER_BACKEND (reader));
    }
  /* Opening may have brought the schema up to date. */
  return sp_server_db_flush_commits (error);
}

static int
serve (SpServerBackend *backend)
{
  SpServerConfig config = { SP_SERVER_LIMITS_DEFAULT, SP_SERVER_LOGIN_POLICY_DEFAULT };
  Stopping stopping = { 0 };
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SpServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  address = parse_listen (opt_listen != NULL ? opt_listen : DEFAULT_LISTEN, &error);
  if (address == NULL)
    return usage ("%s", error->message);

  if ((opt_tls_cert == NULL) != (opt_tls_key == NULL))
    return usage (_("--tls-cert and --tls-key go together."));
  if (opt_tls_cert != NULL)
    {
      if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
        {
          g_printerr ("%s: %s\n", PROGRAM, _("TLS is not available: install glib-networking."));
          return EXIT_FAIL;
        }
      certificate = g_tls_certificate_new_from_files (opt_tls_cert, opt_tls_key, &error);
      if (certificate == NULL)
        return fail (error);
    }

  if (opt_idle_timeout > 0)
    config.limits.idle_timeout_ms = (guint) opt_idle_timeout * 1000;
  if (opt_request_timeout > 0)
    config.limits.request_timeout_ms = (guint) opt_request_timeout * 1000;
  if (opt_max_connections > 0)
    config.limits.max_connections = (guint) opt_max_connections;
  if (opt_keep_alive >= 0)
    config.limits.max_requests = (guint) opt_keep_alive;
  if (opt_login_delay_ms >= 0)
    config.login.delay_base_ms = (guint) opt_login_delay_ms;

  server = sp_server_new (backend, &config, certificate);
  if (!add_readers (server, &error))
    return fail (error);
  if (opt_snapshot_max_behind >= 0)
    {
      SpServerSnapshots *snapshots = sp_server_snapshots_new (opt_db, opt_snapshot_max_behind, &error);

      if (snapshots == NULL)
        return fail (error);
      sp_server_set_snapshots (server, snapshots);
    }
  if (!sp_server_listen (server, address, &url, &error))
    return fail (error);

  /* The one line on stdout: tests and scripts learn the port from it. */
  g_print ("Listening on %s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  stopping.loop = loop;
  stopping.server = server;
  g_unix_signal_add (SIGTERM, on_quit_signal, &stopping);
  g_unix_signal_add (SIGINT, on_quit_signal, &stopping);
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(SpServerSqlite) store = NULL;
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A client that hangs up mid-answer is an error on that write, not the end
   * of the server. */
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new (_("[COMMAND…] — serve the Signpost sync protocol"));
  g_option_context_add_main_entries (context, main_entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, _(commands_help));
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage ("%s", error->message);
  if (opt_db == NULL)
    return usage (_("Say which database with --db PATH."));

  if (!sp_server_auth_init (&error))
    return fail (error);

  store = sp_server_sqlite_open (opt_db, &error);
  if (store == NULL)
    return fail (error);

  if (argc > 1)
    return run_command (SP_SERVER_BACKEND (store), argc, argv);
  return serve (SP_SERVER_BACKEND (store));
}
