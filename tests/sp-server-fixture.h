/* sp-server-fixture.h — the real signpost-server on loopback, for tests
 *
 * Header-only (every helper is static inline). Starts the signpost-server
 * binary the build made (pass its path, e.g. the SIGNPOST_SERVER define
 * that tests/meson.build sets) on 127.0.0.1 with an ephemeral port, in a
 * temporary folder of its own; creates practices and users through the
 * server's own admin commands (passwords on stdin, as a script would); and
 * stops, kills or restarts it.
 *
 *   g_autoptr(GError) error = NULL;
 *   SpServerFixture *server = sp_server_fixture_new (SIGNPOST_SERVER, &error);
 *   g_assert_no_error (error);
 *   sp_server_fixture_add_practice (server, "A81001", "Riverside Surgery");
 *   sp_server_fixture_add_user (server, "lw.a1", "link-worker", "a long password", "A81001");
 *   … HTTP to sp_server_fixture_get_url (server): "http://127.0.0.1:PORT", no
 *     trailing slash, so "%s/v1/changes" …
 *   sp_server_fixture_kill (server);     SIGKILL: a crash, mid-whatever
 *   sp_server_fixture_restart (server);  same database, same port, same URL
 *   sp_server_fixture_backup (server, path);   copy of the database, taken stopped
 *   sp_server_fixture_restore (server, path);  that copy back (NULL: a new, empty one)
 *   sp_server_fixture_free (server);     stops it, removes its folder
 *
 * Extra server options (the hidden test ones: --idle-timeout SECONDS,
 * --request-timeout SECONDS, --login-delay-ms MS, --max-connections N, or
 * --tls-cert/--tls-key) go through sp_server_fixture_new_full(). The
 * server's stderr (one log line per request) goes to a file in the folder:
 * sp_server_fixture_read_log(). The child runs without G_DEBUG's
 * fatal-warnings, so a test cutting connections at random cannot turn a
 * library warning into a crash; a test can look for warnings in the log.
 *
 * The server is killed if the test process dies (PR_SET_PDEATHSIG), so a
 * failed assertion leaves no server behind; as that follows the thread
 * that started it, start and restart it from the test's main thread.
 *
 * Admin commands may run while the server is serving: it is one SQLite
 * file in WAL mode, and the server reads users, grants and sessions afresh
 * on every request.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <signal.h>
#include <stdarg.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>

G_BEGIN_DECLS

#define SP_SERVER_FIXTURE_START_TIMEOUT_MS 20000
#define SP_SERVER_FIXTURE_STOP_TIMEOUT_MS  10000

typedef struct
{
  char        *binary;
  char        *dir;
  char        *db_path;
  char        *log_path;    /* this run's stderr */
  GStrv        extra_args;
  GSubprocess *process;     /* NULL when not running */
  char        *url;
  guint16      port;        /* kept across restarts */
  guint        runs;
} SpServerFixture;

/* ---- Internals ------------------------------------------------------------ */

static inline void
sp_server_fixture_remove_tree_ (const char *path)
{
  GDir *dir;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_remove (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          char *child = g_build_filename (path, name, NULL);
          sp_server_fixture_remove_tree_ (child);
          g_free (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static inline void
sp_server_fixture_store_result_ (GObject      *source,
                                 GAsyncResult *result,
                                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static inline gboolean
sp_server_fixture_timed_out_ (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Waits for the process to end, at most @timeout_ms; on a private main
 * context, so a test's own loop is not run behind its back. */
static inline gboolean
sp_server_fixture_wait_ (SpServerFixture *f,
                         guint            timeout_ms)
{
  GMainContext *context = g_main_context_new ();
  GCancellable *cancellable = g_cancellable_new ();
  GAsyncResult *result = NULL;
  GSource *timeout = g_timeout_source_new (timeout_ms);
  gboolean ended;

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, sp_server_fixture_timed_out_, cancellable, NULL);
  g_source_attach (timeout, context);
  g_subprocess_wait_async (f->process, cancellable, sp_server_fixture_store_result_, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  ended = g_subprocess_wait_finish (f->process, result, NULL);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_object_unref (result);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_object_unref (cancellable);
  return ended;
}

/* The first line the server prints, within the start timeout. */
static inline char *
sp_server_fixture_read_first_line_ (SpServerFixture *f)
{
  GMainContext *context = g_main_context_new ();
  GCancellable *cancellable = g_cancellable_new ();
  GDataInputStream *lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->process));
  GAsyncResult *result = NULL;
  GSource *timeout = g_timeout_source_new (SP_SERVER_FIXTURE_START_TIMEOUT_MS);
  char *line;

  g_main_context_push_thread_default (context);
  g_source_set_callback (timeout, sp_server_fixture_timed_out_, cancellable, NULL);
  g_source_attach (timeout, context);
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, cancellable,
                                       sp_server_fixture_store_result_, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  line = g_data_input_stream_read_line_finish_utf8 (lines, result, NULL, NULL);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_object_unref (result);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_object_unref (cancellable);
  /* The pipe stays open with the process; the server writes nothing more. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  g_object_unref (lines);
  return line;
}

/* In the child, before exec: if the test dies (an assertion, a crash, a
 * timeout), the server goes with it instead of living on. */
static inline void
sp_server_fixture_child_setup_ (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static inline GSubprocessLauncher *
sp_server_fixture_launcher_ (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, sp_server_fixture_child_setup_, NULL, NULL);

  /* Warnings are logged, not fatal, in the server under test. */
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "gc-friendly", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  return launcher;
}

/* ---- Running the server ----------------------------------------------------- */

/* Starts the server (again) on its database; the first run takes any free
 * port, later runs the same one. */
static inline gboolean
sp_server_fixture_start (SpServerFixture  *f,
                         GError          **error)
{
  GSubprocessLauncher *launcher;
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  char *log_name;
  char *line;
  const char *prefix = "Listening on ";
  char *url;
  const char *colon;

  g_return_val_if_fail (f->process == NULL, FALSE);

  f->runs++;
  log_name = f->runs == 1 ? g_strdup ("server.log") : g_strdup_printf ("server-%u.log", f->runs);
  g_free (f->log_path);
  f->log_path = g_build_filename (f->dir, log_name, NULL);
  g_free (log_name);

  g_ptr_array_add (argv, g_strdup (f->binary));
  g_ptr_array_add (argv, g_strdup ("--db"));
  g_ptr_array_add (argv, g_strdup (f->db_path));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", f->port));
  for (guint i = 0; f->extra_args != NULL && f->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (f->extra_args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = sp_server_fixture_launcher_ (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (launcher, f->log_path);
  f->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  g_object_unref (launcher);
  g_ptr_array_unref (argv);
  if (f->process == NULL)
    return FALSE;

  line = sp_server_fixture_read_first_line_ (f);
  if (line == NULL || !g_str_has_prefix (line, prefix) || !g_str_has_suffix (line, "/"))
    {
      char *log = NULL;

      g_file_get_contents (f->log_path, &log, NULL, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "signpost-server did not start (said “%s”): %s",
                   line != NULL ? line : "nothing", log != NULL ? log : "");
      g_free (log);
      g_free (line);
      g_subprocess_force_exit (f->process);
      sp_server_fixture_wait_ (f, SP_SERVER_FIXTURE_STOP_TIMEOUT_MS);
      g_clear_object (&f->process);
      return FALSE;
    }

  url = g_strndup (line + strlen (prefix), strlen (line) - strlen (prefix) - 1);
  colon = strrchr (url, ':');
  f->port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
  g_free (f->url);
  f->url = url;
  g_free (line);
  return TRUE;
}

/* Ends the server the way an operator does (SIGTERM), or SIGKILL if it
 * takes too long. */
static inline void
sp_server_fixture_stop (SpServerFixture *f)
{
  if (f->process == NULL)
    return;
  g_subprocess_send_signal (f->process, SIGTERM);
  if (!sp_server_fixture_wait_ (f, SP_SERVER_FIXTURE_STOP_TIMEOUT_MS))
    {
      g_subprocess_force_exit (f->process);
      sp_server_fixture_wait_ (f, SP_SERVER_FIXTURE_STOP_TIMEOUT_MS);
    }
  g_clear_object (&f->process);
}

/* A crash: SIGKILL, mid-request or not, and wait until it is gone. */
static inline void
sp_server_fixture_kill (SpServerFixture *f)
{
  if (f->process == NULL)
    return;
  g_subprocess_force_exit (f->process);
  sp_server_fixture_wait_ (f, SP_SERVER_FIXTURE_STOP_TIMEOUT_MS);
  g_clear_object (&f->process);
}

/* Back up on the same database and port, so clients keep their URL. */
static inline void
sp_server_fixture_restart (SpServerFixture *f)
{
  GError *error = NULL;

  sp_server_fixture_stop (f);
  sp_server_fixture_start (f, &error);
  g_assert_no_error (error);
}

/* The database and the write-ahead log beside it (none after a clean stop). */
static inline void
sp_server_fixture_copy_db_ (const char *from,
                            const char *to)
{
  const char * const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      char *source_path = g_strconcat (from, suffixes[i], NULL);
      char *dest_path = g_strconcat (to, suffixes[i], NULL);
      GFile *source = g_file_new_for_path (source_path);
      GFile *dest = g_file_new_for_path (dest_path);
      GError *error = NULL;

      g_remove (dest_path);
      if (g_file_test (source_path, G_FILE_TEST_EXISTS))
        {
          g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
          g_assert_no_error (error);
        }
      g_object_unref (source);
      g_object_unref (dest);
      g_free (source_path);
      g_free (dest_path);
    }
}

/* A backup as an operator takes one: the server stopped, its database
 * copied to @dest, the server started again (same port). */
static inline void
sp_server_fixture_backup (SpServerFixture *f,
                          const char      *dest)
{
  GError *error = NULL;

  sp_server_fixture_stop (f);
  sp_server_fixture_copy_db_ (f->db_path, dest);
  sp_server_fixture_start (f, &error);
  g_assert_no_error (error);
}

/* The server stopped, its database replaced by the copy at @backup (NULL:
 * removed, so it starts on a new, empty one: a reset server, with no
 * practices or users), and started again on the same port. */
static inline void
sp_server_fixture_restore (SpServerFixture *f,
                           const char      *backup)
{
  const char * const suffixes[] = { "", "-wal", "-shm" };
  GError *error = NULL;

  sp_server_fixture_stop (f);
  if (backup != NULL)
    sp_server_fixture_copy_db_ (backup, f->db_path);
  else
    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        char *path = g_strconcat (f->db_path, suffixes[i], NULL);
        g_remove (path);
        g_free (path);
      }
  sp_server_fixture_start (f, &error);
  g_assert_no_error (error);
}

static inline SpServerFixture *
sp_server_fixture_new_full (const char          *binary,
                            const char * const  *extra_args,
                            GError             **error)
{
  SpServerFixture *f = g_new0 (SpServerFixture, 1);

  f->binary = g_strdup (binary);
  f->extra_args = g_strdupv ((char **) extra_args);
  f->dir = g_dir_make_tmp ("signpost-server-XXXXXX", error);
  if (f->dir == NULL)
    {
      g_strfreev (f->extra_args);
      g_free (f->binary);
      g_free (f);
      return NULL;
    }
  f->db_path = g_build_filename (f->dir, "server.db", NULL);
  if (!sp_server_fixture_start (f, error))
    {
      sp_server_fixture_remove_tree_ (f->dir);
      g_free (f->dir);
      g_free (f->db_path);
      g_free (f->log_path);
      g_strfreev (f->extra_args);
      g_free (f->binary);
      g_free (f);
      return NULL;
    }
  return f;
}

static inline SpServerFixture *
sp_server_fixture_new (const char  *binary,
                       GError     **error)
{
  return sp_server_fixture_new_full (binary, NULL, error);
}

static inline void
sp_server_fixture_free (SpServerFixture *f)
{
  if (f == NULL)
    return;
  sp_server_fixture_stop (f);
  sp_server_fixture_remove_tree_ (f->dir);
  g_free (f->dir);
  g_free (f->db_path);
  g_free (f->log_path);
  g_free (f->url);
  g_strfreev (f->extra_args);
  g_free (f->binary);
  g_free (f);
}

static inline const char *
sp_server_fixture_get_url (SpServerFixture *f)
{
  return f->url;
}

static inline guint16
sp_server_fixture_get_port (SpServerFixture *f)
{
  return f->port;
}

static inline const char *
sp_server_fixture_get_db_path (SpServerFixture *f)
{
  return f->db_path;
}

/* The server's process id, 0 when it is not running. */
static inline GPid
sp_server_fixture_get_pid (SpServerFixture *f)
{
  const char *id = f->process != NULL ? g_subprocess_get_identifier (f->process) : NULL;

  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

/* How many files the server has open (/proc/PID/fd). */
static inline guint
sp_server_fixture_count_fds (SpServerFixture *f)
{
  char *path = g_strdup_printf ("/proc/%d/fd", (int) sp_server_fixture_get_pid (f));
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_free (path);
  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

/* Everything the server has logged, every run. */
static inline char *
sp_server_fixture_read_log (SpServerFixture *f)
{
  GString *all = g_string_new (NULL);

  for (guint run = 1; run <= f->runs; run++)
    {
      char *name = run == 1 ? g_strdup ("server.log") : g_strdup_printf ("server-%u.log", run);
      char *path = g_build_filename (f->dir, name, NULL);
      char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL))
        g_string_append (all, text);
      g_free (text);
      g_free (path);
      g_free (name);
    }
  return g_string_free (all, FALSE);
}

/* ---- Admin commands ----------------------------------------------------------- */

/* Runs `signpost-server --db DB ARGS…` with @input on stdin (NULL: none)
 * and waits. FALSE with the command's stderr in @error when it fails. */
static inline gboolean
sp_server_fixture_admin_v (SpServerFixture     *f,
                           const char          *input,
                           char               **output,
                           const char * const  *args,
                           GError             **error)
{
  GSubprocessLauncher *launcher;
  GSubprocess *process;
  GPtrArray *argv = g_ptr_array_new ();
  char *out = NULL;
  char *err = NULL;
  gboolean ok;

  g_ptr_array_add (argv, f->binary);
  g_ptr_array_add (argv, "--db");
  g_ptr_array_add (argv, f->db_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = sp_server_fixture_launcher_ (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  g_object_unref (launcher);
  g_ptr_array_unref (argv);
  if (process == NULL)
    return FALSE;

  ok = g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &out, &err, error);
  if (ok && !g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "signpost-server %s failed: %s",
                   args[0], err != NULL ? g_strstrip (err) : "");
      ok = FALSE;
    }
  if (ok && output != NULL)
    *output = g_steal_pointer (&out);
  g_free (out);
  g_free (err);
  g_object_unref (process);
  return ok;
}

static inline gboolean
sp_server_fixture_admin (SpServerFixture  *f,
                         const char       *input,
                         char            **output,
                         GError          **error,
                         const char       *first_arg,
                         ...) G_GNUC_NULL_TERMINATED;

static inline gboolean
sp_server_fixture_admin (SpServerFixture  *f,
                         const char       *input,
                         char            **output,
                         GError          **error,
                         const char       *first_arg,
                         ...)
{
  GPtrArray *args = g_ptr_array_new ();
  const char *arg;
  va_list ap;
  gboolean ok;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  ok = sp_server_fixture_admin_v (f, input, output, (const char * const *) args->pdata, error);
  g_ptr_array_unref (args);
  return ok;
}

static inline void
sp_server_fixture_add_practice (SpServerFixture *f,
                                const char      *ods,
                                const char      *name)
{
  GError *error = NULL;

  sp_server_fixture_admin (f, NULL, NULL, &error, "practice", "add", ods, name, NULL);
  g_assert_no_error (error);
}

/* @role: "link-worker", "gp" or "admin"; @practices: NULL-terminated, may
 * be NULL (an admin with no practice). The password goes in on stdin. */
static inline gboolean
sp_server_fixture_add_user_full (SpServerFixture     *f,
                                 const char          *username,
                                 const char          *role,
                                 const char          *password,
                                 const char * const  *practices,
                                 GError             **error)
{
  GPtrArray *args = g_ptr_array_new ();
  char *input = g_strconcat (password, "\n", NULL);
  gboolean ok;

  g_ptr_array_add (args, "user");
  g_ptr_array_add (args, "add");
  g_ptr_array_add (args, (gpointer) username);
  g_ptr_array_add (args, "--role");
  g_ptr_array_add (args, (gpointer) role);
  for (guint i = 0; practices != NULL && practices[i] != NULL; i++)
    {
      g_ptr_array_add (args, "--practice");
      g_ptr_array_add (args, (gpointer) practices[i]);
    }
  g_ptr_array_add (args, NULL);
  ok = sp_server_fixture_admin_v (f, input, NULL, (const char * const *) args->pdata, error);
  g_ptr_array_unref (args);
  g_free (input);
  return ok;
}

/* One practice or none (@practice NULL); asserts it worked. */
static inline void
sp_server_fixture_add_user (SpServerFixture *f,
                            const char      *username,
                            const char      *role,
                            const char      *password,
                            const char      *practice)
{
  const char *practices[] = { practice, NULL };
  GError *error = NULL;

  sp_server_fixture_add_user_full (f, username, role, password, practices, &error);
  g_assert_no_error (error);
}

G_END_DECLS
