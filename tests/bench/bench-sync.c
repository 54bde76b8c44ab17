/* bench-sync.c — first sync of a new desk, and incremental sync, against
 * the real signpost-server on loopback; the first against nginx serving the
 * same bytes as static files.
 *
 * The server's database holds the generated store as a desk holding it
 * would leave it by pushing every row once (a generated store has no
 * outbox, see README.md): a create for every row, in batches, from a
 * catalogue admin of the practice. Pushing 3.5 million rows over HTTP
 * takes over 15 minutes at size L, so the benchmark applies those very
 * batches in-process, through the server's own store code (bench-server.c),
 * not timed; the database is kept in the build folder for the next run.
 * Then the real signpost-server serves a copy of it, and each run a new
 * empty desk signs in (not timed) and its first sync, pulling everything
 * over loopback HTTP, is timed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "bench-common.h"
#include "bench-server.h"
#include "sp-entity.h"
#include "sp-store-private.h"
#include "sp-sync-client.h"
#include "sp-sync-store.h"
#include "../sp-server-fixture.h"

#define BENCH_USER     "bench.admin"
#define BENCH_WORKER   "bench.lw"
#define BENCH_PASSWORD "a long benchmark password"
#define PAGE_SIZE      500   /* the client's default page */
#define N_CHANGES      10
#define INCREMENTAL_RUNS 11
/* Bump when what the loaded server database holds changes: it is made again. */
#define SYNC_DB_VERSION  1

typedef struct
{
  char         *path;
  SpStore      *store;
  SpSyncClient *client;
  char         *token;
} Desk;

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

static Desk *
desk_new (const char *path,
          const char *url,
          const char *username)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  Desk *desk = g_new0 (Desk, 1);

  desk->path = g_strdup (path);
  desk->store = sp_store_open (path, &error);
  g_assert_no_error (error);
  desk->client = sp_sync_client_new (desk->store);
  sp_sync_client_sign_in_async (desk->client, url, username, BENCH_PASSWORD, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  account = sp_sync_client_sign_in_finish (desk->client, result, &desk->token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  return desk;
}

static void
desk_free (Desk *desk)
{
  g_clear_object (&desk->client);
  g_clear_object (&desk->store);
  g_free (desk->token);
  g_free (desk->path);
  g_free (desk);
}

/* Frees @desk and removes its store: at L each desk is over a gigabyte. */
static void
desk_remove (Desk *desk)
{
  const char * const suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *path = g_strdup (desk->path);

  desk_free (desk);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_remove (file);
    }
}

static void
desk_sync (Desk         *desk,
           SpSyncCounts *counts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  sp_sync_client_sync_async (desk->client, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  sp_sync_client_sync_finish (desk->client, result, counts, &error);
  g_assert_no_error (error);
}

static GBytes *
fetch (SoupSession *session,
       const char  *url,
       const char  *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  GBytes *body;

  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
    }
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  if (soup_message_get_status (message) != SOUP_STATUS_OK)
    g_error ("GET %s: HTTP %u", url, soup_message_get_status (message));
  return body;
}

/* The /v1/changes pages a new desk reads, as the server sends them; their
 * paths (changes-N.json) are written to @dir. Returns the bytes in all. */
static gsize
capture_pages (SoupSession *session,
               const char  *base_url,
               const char  *token,
               const char  *dir,
               guint       *n_pages,
               gint64      *n_records)
{
  gint64 since = 0;
  gsize total = 0;

  *n_pages = 0;
  *n_records = 0;
  for (;;)
    {
      g_autofree char *url = g_strdup_printf ("%s/v1/changes?since=%" G_GINT64_FORMAT "&limit=%u",
                                              base_url, since, PAGE_SIZE);
      g_autoptr(GBytes) body = fetch (session, url, token);
      g_autoptr(GError) error = NULL;
      gsize size;
      const char *data = g_bytes_get_data (body, &size);
      g_autoptr(SpSyncPage) page = sp_sync_page_decode (data, size, since, &error);
      g_autofree char *name = g_strdup_printf ("changes-%u.json", *n_pages);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_no_error (error);
      g_file_set_contents (path, data, size, &error);
      g_assert_no_error (error);
      total += size;
      *n_records += page->changes->len;
      (*n_pages)++;
      if (!page->more)
        break;
      since = page->last_seq;
    }
  return total;
}

/* Every page fetched once, in order, on one keep-alive connection; seconds. */
static gdouble
fetch_pages (SoupSession *session,
             const char  *base_url,
             const char  *token,
             guint        n_pages,
             gsize        expected)
{
  gsize total = 0;
  gdouble t0 = bench_now ();

  for (guint i = 0; i < n_pages; i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/changes-%u.json", base_url, i);
      g_autoptr(GBytes) body = fetch (session, url, token);
      total += g_bytes_get_size (body);
    }
  g_assert_cmpuint (total, ==, expected);
  return bench_now () - t0;
}

/* The same pages from signpost-server, fetched but not applied; seconds. */
static gdouble
fetch_server_pages (SoupSession *session,
                    const char  *base_url,
                    const char  *token,
                    gsize        expected)
{
  gint64 since = 0;
  gsize total = 0;
  gdouble t0 = bench_now ();

  for (;;)
    {
      g_autofree char *url = g_strdup_printf ("%s/v1/changes?since=%" G_GINT64_FORMAT "&limit=%u",
                                              base_url, since, PAGE_SIZE);
      g_autoptr(GBytes) body = fetch (session, url, token);
      g_autoptr(GError) error = NULL;
      gsize size;
      const char *data = g_bytes_get_data (body, &size);
      /* Decoded as a desk decodes a page (every record checked), not written. */
      g_autoptr(SpSyncPage) page = sp_sync_page_decode (data, size, since, &error);

      g_assert_no_error (error);
      total += size;
      if (!page->more)
        break;
      since = page->last_seq;
    }
  g_assert_cmpuint (total, ==, expected);
  return bench_now () - t0;
}

/* Every captured page parsed by json-glib, one file at a time, and
 * nothing else: the least any client reading them with json-glib must
 * spend. Reading the files is not timed; seconds. */
static gdouble
parse_pages (const char *dir,
             guint       n_pages)
{
  gdouble spent = 0;

  for (guint i = 0; i < n_pages; i++)
    {
      g_autofree char *name = g_strdup_printf ("changes-%u.json", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autoptr(GError) error = NULL;
      gsize size = 0;
      gdouble t0;

      g_file_get_contents (path, &data, &size, &error);
      g_assert_no_error (error);
      t0 = bench_now ();
      json_parser_load_from_data (parser, data, (gssize) size, &error);
      g_assert_no_error (error);
      g_clear_object (&parser);  /* the tree freed, as a client frees it */
      spent += bench_now () - t0;
    }
  return spent;
}

static guint16
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static char *
find_nginx (void)
{
  const char *env = g_getenv ("SIGNPOST_NGINX");
  char *path;

  if (env != NULL)
    return g_strdup (env);
  path = g_find_program_in_path ("nginx");
  if (path == NULL && g_file_test ("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/sbin/nginx");
  return path;
}

/* nginx in the foreground, one worker, serving @root on 127.0.0.1; its URL
 * in @url, or NULL with the reason in @why. */
static GSubprocess *
start_nginx (const char  *nginx,
             const char  *prefix,
             const char  *root,
             char       **url,
             char       **why)
{
  g_autoptr(GError) error = NULL;
  guint16 port = free_port ();
  g_autofree char *conf_path = g_build_filename (prefix, "nginx.conf", NULL);
  g_autofree char *conf = g_strdup_printf (
    "daemon off;\nmaster_process off;\nworker_processes 1;\n"
    "error_log %s/error.log;\npid %s/nginx.pid;\n"
    "events { worker_connections 64; }\n"
    "http {\n  access_log off;\n  default_type application/json;\n  sendfile on;\n  tcp_nopush on;\n"
    "  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp; fastcgi_temp_path %s/tmp;\n"
    "  uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;\n"
    "  server { listen 127.0.0.1:%u; root %s; keepalive_requests 100000; }\n}\n",
    prefix, prefix, prefix, prefix, prefix, prefix, prefix, port, root);
  g_autofree char *tmp = g_build_filename (prefix, "tmp", NULL);
  GSubprocess *process;

  g_mkdir_with_parents (tmp, 0700);
  g_file_set_contents (conf_path, conf, -1, &error);
  g_assert_no_error (error);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              nginx, "-p", prefix, "-c", conf_path, NULL);
  if (process == NULL)
    {
      *why = g_strdup_printf ("could not start %s: %s", nginx, error->message);
      return NULL;
    }
  /* Up when it accepts a connection, within 5 s. */
  for (guint i = 0; i < 500; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

      if (connection != NULL)
        {
          *url = g_strdup_printf ("http://127.0.0.1:%u", port);
          return process;
        }
      if (g_subprocess_get_identifier (process) == NULL)
        break;
      g_usleep (10000);
    }
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
  g_object_unref (process);
  *why = g_strdup_printf ("%s did not start (see %s/error.log)", nginx, prefix);
  return NULL;
}

static void
report_s (const char       *what,
          const BenchStats *s)
{
  printf ("%-52s median %9.3f s   min %9.3f  max %9.3f  (n=%u)\n", what, s->median, s->min, s->max, s->n);
}

static GArray *
seconds_array (void)
{
  return g_array_new (FALSE, FALSE, sizeof (gdouble));
}

/* ---- The loaded server database ------------------------------------------ */

static gdouble
file_mb (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size / 1e6 : 0;
}

/* A server database and the log files beside it, moved or removed whole. */
static void
move_server_db (const char *from,
                const char *to)
{
  const char * const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = G_N_ELEMENTS (suffixes); i-- > 0;)
    {
      g_autofree char *source = from != NULL ? g_strconcat (from, suffixes[i], NULL) : NULL;
      g_autofree char *dest = g_strconcat (to, suffixes[i], NULL);

      g_remove (dest);
      if (source != NULL && g_file_test (source, G_FILE_TEST_EXISTS) && g_rename (source, dest) != 0)
        g_error ("could not move %s to %s: %s", source, dest, g_strerror (errno));
    }
}

/* Databases loaded for this size by another version of the benchmark or
 * of the generator: over a gigabyte each at L, never used again. */
static void
remove_stale_server_dbs (const char      *folder,
                         const char      *current,
                         const BenchSize *size)
{
  g_autofree char *infix = g_strdup_printf ("-%u-%u-seed", size->n_patients, size->n_offerings);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "sync-server-v") && strstr (name, infix) != NULL &&
        !g_str_has_prefix (name, current))
      {
        g_autofree char *path = g_build_filename (folder, name, NULL);

        printf ("# removing %s, loaded for another version\n", path);
        g_remove (path);
      }
}

/* The server database every run serves a copy of: the generated practice,
 * BENCH_USER and BENCH_WORKER added through the server's admin commands,
 * and every row of @source pushed by BENCH_USER, in-process
 * (bench-server.c). Made once and kept in SIGNPOST_BENCH_DIR, named by
 * size, seed and generator version; made again when its schema version is
 * not that of the database @server has just made, so a server whose
 * schema changed is never measured on a database it would upgrade first.
 * Leaves @server stopped; returns the path. */
static char *
loaded_server_db (SpServerFixture *server,
                  const char      *source,
                  const BenchSize *size)
{
  const char *bench_dir = g_getenv ("SIGNPOST_BENCH_DIR");
  g_autofree char *folder = g_strdup (bench_dir != NULL ? bench_dir : g_get_tmp_dir ());
  g_autofree char *name = g_strdup_printf ("sync-server-v%d-%u-%u-seed%u-gen%d.db", SYNC_DB_VERSION,
                                           size->n_patients, size->n_offerings, BENCH_SEED, SP_GENERATE_VERSION);
  g_autofree char *tmp = NULL;
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (folder, name, NULL);
  const char *practices[] = { SP_GENERATE_PRACTICE, NULL };
  gint64 schema = bench_server_schema_version (sp_server_fixture_get_db_path (server));
  gint64 cached = bench_server_schema_version (path);
  gint64 applied;
  gdouble t0, seconds;

  g_assert_cmpint (schema, >, 0);
  if (cached == schema)
    {
      sp_server_fixture_stop (server);
      printf ("# server database: %s, %.0f MB, loaded by an earlier run (schema %" G_GINT64_FORMAT ")\n",
              path, file_mb (path), schema);
      return path;
    }
  if (cached >= 0)
    printf ("# %s has schema %" G_GINT64_FORMAT ", the server makes %" G_GINT64_FORMAT ": made again\n",
            path, cached, schema);
  move_server_db (NULL, path);
  remove_stale_server_dbs (folder, name, size);

  printf ("# loading the server database in-process, kept for the next run: %s …\n", path);
  fflush (stdout);
  t0 = bench_now ();
  sp_server_fixture_add_practice (server, SP_GENERATE_PRACTICE, "Generated benchmark practice");
  /* An admin, so the catalogue goes up too, working for the generated practice. */
  sp_server_fixture_add_user_full (server, BENCH_USER, "admin", BENCH_PASSWORD, practices, &error);
  g_assert_no_error (error);
  /* The new desks: a link worker of the practice. */
  sp_server_fixture_add_user (server, BENCH_WORKER, "link-worker", BENCH_PASSWORD, SP_GENERATE_PRACTICE);

  /* Taken stopped, as a backup is; filled, then moved into place whole. */
  sp_server_fixture_stop (server);
  g_mkdir_with_parents (folder, 0700);
  tmp = g_strconcat (path, ".tmp", NULL);
  sp_server_fixture_copy_db_ (sp_server_fixture_get_db_path (server), tmp);
  applied = bench_server_push_store (tmp, source, BENCH_USER);
  move_server_db (tmp, path);
  seconds = bench_now () - t0;
  printf ("# loaded in %.1f s (not a target): %" G_GINT64_FORMAT " creates in batches of up to 200, "
          "applied by the server's store code in-process, %.0f records/s; %.0f MB; "
          "peak resident memory %.0f MB\n",
          seconds, applied, applied / seconds, file_mb (path), bench_peak_rss_kb () / 1024.0);
  fflush (stdout);
  return path;
}

int
main (int    argc,
      char **argv)
{
  const BenchSize *size = bench_size ();
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *loaded = NULL;
  g_autofree char *dir = bench_temp_dir ();
  g_autofree char *pages_dir = g_build_filename (dir, "pages", NULL);
  g_autofree char *nginx_prefix = g_build_filename (dir, "nginx", NULL);
  g_autofree char *nginx = NULL;
  g_autoptr(GArray) first = seconds_array ();
  g_autoptr(GArray) rates = seconds_array ();
  g_autoptr(GArray) raw = seconds_array ();
  g_autoptr(GArray) statics = seconds_array ();
  g_autoptr(GArray) parses = seconds_array ();
  g_autoptr(GArray) snap_first = seconds_array ();
  g_autoptr(GArray) snap_rates = seconds_array ();
  g_autoptr(GArray) snap_statics = seconds_array ();
  g_autofree char *snapshot_copy = g_build_filename (pages_dir, "snapshot.db", NULL);
  gdouble snap_cold = 0;
  gsize snapshot_bytes = 0;
  g_autoptr(GArray) push_times = seconds_array ();
  g_autoptr(GArray) pull_times = seconds_array ();
  g_autoptr(GArray) round_trips = seconds_array ();
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 600, NULL);
  BenchStats s_first, s_rate, s_raw, s_static, s_parse, s_push, s_pull, s_round;
  BenchStats s_snap, s_snap_rate, s_snap_static;
  SpServerFixture *server;
  Desk *previous = NULL;  /* the desk of the run before: it pulls the incremental changes */
  Desk *puller = NULL;
  SpSyncCounts counts;
  gint64 queued, n_records = 0;
  guint n_pages = 0;
  guint n_ops = 0;
  gsize page_bytes;
  gdouble t0;

  bench_header ("sync: first sync of a new desk, and 10 changes, over loopback");
  source = bench_store (size->n_patients, size->n_offerings);

  /* Every row of the store, which the server must hand a new desk. */
  queued = bench_count_rows (source);
  g_assert_cmpuint (size->runs, >=, 2);

  /* A new, empty database as the server makes it, then the loaded one. */
  server = sp_server_fixture_new (SIGNPOST_SERVER, &error);
  g_assert_no_error (error);
  loaded = loaded_server_db (server, source, size);
  t0 = bench_now ();
  sp_server_fixture_restore (server, loaded);
  printf ("# serving a copy of it (copied and started in %.1f s): %" G_GINT64_FORMAT " records\n",
          bench_now () - t0, queued);
  fflush (stdout);

  /* First sync of a new desk, each run a new empty store. */
  for (guint run = 0; run < size->runs; run++)
    {
      g_autofree char *name = g_strdup_printf ("desk-%u.db", run);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      Desk *desk = desk_new (path, sp_server_fixture_get_url (server), BENCH_WORKER);
      gdouble seconds;

      /* Every change, page by page, as a desk did before snapshots. */
      sp_sync_client_set_use_snapshots (desk->client, FALSE);
      memset (&counts, 0, sizeof counts);
      t0 = bench_now ();
      desk_sync (desk, &counts);
      seconds = bench_now () - t0;
      g_assert_cmpint (counts.pulled, ==, queued);
      g_array_append_val (first, seconds);
      seconds = counts.pulled / seconds;
      g_array_append_val (rates, seconds);
      printf ("# run %u: pulled %u records in %u pages, %.2f s\n", run + 1, counts.pulled, counts.pages,
              g_array_index (first, gdouble, run));
      fflush (stdout);
      if (previous != NULL)
        desk_remove (previous);
      previous = puller;
      puller = desk;
    }

  /* First sync from the server's snapshot: the first run finds none and
   * waits for it to be made; the others are served the one kept. */
  for (guint run = 0; run <= size->runs; run++)
    {
      g_autofree char *name = g_strdup_printf ("snapshot-desk-%u.db", run);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      Desk *desk = desk_new (path, sp_server_fixture_get_url (server), BENCH_WORKER);
      gdouble seconds;

      memset (&counts, 0, sizeof counts);
      t0 = bench_now ();
      desk_sync (desk, &counts);
      seconds = bench_now () - t0;
      g_assert_cmpuint (counts.snapshot, ==, SP_SYNC_SNAPSHOT_TAKEN);
      g_assert_cmpint (counts.pulled, ==, queued);
      printf ("# snapshot run %u%s: %u records, %.2f s\n", run, run == 0 ? " (made first)" : "", counts.pulled, seconds);
      fflush (stdout);
      if (run == 0)
        snap_cold = seconds;
      else
        {
          g_array_append_val (snap_first, seconds);
          seconds = counts.pulled / seconds;
          g_array_append_val (snap_rates, seconds);
        }
      desk_remove (desk);
    }

  /* The same bytes: the pages as the server sends them, then as static files. */
  g_mkdir_with_parents (pages_dir, 0700);
  {
    g_autofree char *folder = g_strconcat (sp_server_fixture_get_db_path (server), "-snapshots", NULL);
    g_autoptr(GDir) snapshots = g_dir_open (folder, 0, &error);
    const char *name;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (snapshots)) != NULL)
      if (g_str_has_suffix (name, ".db"))
        {
          g_autofree char *from = g_build_filename (folder, name, NULL);
          g_autoptr(GFile) source_file = g_file_new_for_path (from);
          g_autoptr(GFile) dest_file = g_file_new_for_path (snapshot_copy);

          g_file_copy (source_file, dest_file, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
          g_assert_no_error (error);
          snapshot_bytes = (gsize) (file_mb (snapshot_copy) * 1e6);
        }
    g_assert_cmpuint (snapshot_bytes, >, 0);
  }
  page_bytes = capture_pages (session, sp_server_fixture_get_url (server), puller->token, pages_dir,
                              &n_pages, &n_records);
  printf ("# /v1/changes: %u pages of up to %u, %" G_GINT64_FORMAT " records, %.1f MB\n",
          n_pages, PAGE_SIZE, n_records, page_bytes / 1e6);
  for (guint run = 0; run < size->runs; run++)
    {
      gdouble seconds = fetch_server_pages (session, sp_server_fixture_get_url (server), puller->token, page_bytes);
      g_array_append_val (raw, seconds);
      printf ("# pages fetched, not applied, run %u: %.2f s\n", run + 1, seconds);
      fflush (stdout);
    }

  nginx = find_nginx ();
  if (nginx == NULL)
    printf ("# nginx comparison skipped: no nginx (apt-get install nginx-light, or SIGNPOST_NGINX=PATH)\n");
  else
    {
      g_autofree char *url = NULL;
      g_autofree char *why = NULL;
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(SoupSession) static_session = soup_session_new_with_options ("timeout", 600, NULL);

      g_mkdir_with_parents (nginx_prefix, 0700);
      process = start_nginx (nginx, nginx_prefix, pages_dir, &url, &why);
      if (process == NULL)
        printf ("# nginx comparison skipped: %s\n", why);
      else
        {
          fetch_pages (static_session, url, NULL, n_pages, page_bytes);  /* warm: page cache, connection */
          for (guint run = 0; run < MAX (size->runs, 5u); run++)
            {
              gdouble seconds = fetch_pages (static_session, url, NULL, n_pages, page_bytes);
              g_array_append_val (statics, seconds);
            }
          {
            g_autofree char *snapshot_url = g_strconcat (url, "/snapshot.db", NULL);
            g_autoptr(GBytes) warm = fetch (static_session, snapshot_url, NULL);

            g_assert_cmpuint (g_bytes_get_size (warm), ==, snapshot_bytes);
            g_clear_pointer (&warm, g_bytes_unref);
            for (guint run = 0; run < MAX (size->runs, 5u); run++)
              {
                gdouble seconds = bench_now ();
                g_autoptr(GBytes) body = fetch (static_session, snapshot_url, NULL);

                seconds = bench_now () - seconds;
                g_assert_cmpuint (g_bytes_get_size (body), ==, snapshot_bytes);
                g_array_append_val (snap_statics, seconds);
              }
          }
          g_subprocess_send_signal (process, SIGTERM);
          g_subprocess_wait (process, NULL, NULL);
        }
    }

  g_remove (snapshot_copy);
  for (guint run = 0; run < size->runs; run++)
    {
      gdouble seconds = parse_pages (pages_dir, n_pages);
      g_array_append_val (parses, seconds);
    }

  /* The pages are as large as the store (1.7 GB at L): gone before going on. */
  bench_remove_tree (pages_dir);
  g_assert_false (g_file_test (pages_dir, G_FILE_TEST_EXISTS));

  /* Incremental: 10 patients changed on the last run's desk, pushed, and
   * pulled by the desk of the run before, which has everything too. */
  {
    g_autoptr(GPtrArray) patients = sp_store_list (puller->store, &sp_entity_patient, "WHERE deleted = 0 ORDER BY rowid LIMIT 200", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (patients->len, >=, N_CHANGES);
    sp_sync_store_restore_actor (puller->store);
    for (guint run = 0; run < INCREMENTAL_RUNS; run++)
      {
        gdouble t_push, t_pull;

        for (guint i = 0; i < N_CHANGES; i++)
          {
            g_autoptr(GError) save_error = NULL;
            SpPatient *p = sp_store_load (puller->store, &sp_entity_patient,
                                          ((SpPatient *) patients->pdata[(run * N_CHANGES + i) % patients->len])->record.id,
                                          &save_error);
            g_assert_no_error (save_error);
            g_free (p->notes);
            p->notes = g_strdup_printf ("Benchmark change %u.%u", run, i);
            sp_store_save (puller->store, &sp_entity_patient, p, &save_error);
            g_assert_no_error (save_error);
            sp_record_free (&sp_entity_patient, p);
          }
        memset (&counts, 0, sizeof counts);
        t0 = bench_now ();
        desk_sync (puller, &counts);
        t_push = bench_now () - t0;
        g_assert_cmpuint (counts.pushed, >=, N_CHANGES);  /* and their audit entries */
        memset (&counts, 0, sizeof counts);
        t0 = bench_now ();
        desk_sync (previous, &counts);
        t_pull = bench_now () - t0;
        g_assert_cmpuint (counts.pulled, >=, N_CHANGES);
        n_ops = counts.pulled;
        if (run == 0)
          continue;  /* the first: connections and caches */
        g_array_append_val (push_times, t_push);
        g_array_append_val (pull_times, t_pull);
        t_push += t_pull;
        g_array_append_val (round_trips, t_push);
      }
  }

  bench_stats (first, &s_first);
  bench_stats (rates, &s_rate);
  bench_stats (raw, &s_raw);
  bench_stats (statics, &s_static);
  bench_stats (parses, &s_parse);
  bench_stats (push_times, &s_push);
  bench_stats (pull_times, &s_pull);
  bench_stats (round_trips, &s_round);
  bench_stats (snap_first, &s_snap);
  bench_stats (snap_rates, &s_snap_rate);
  bench_stats (snap_statics, &s_snap_static);

  printf ("\n");
  {
    g_autofree char *what = g_strdup_printf ("first sync from a snapshot, %" G_GINT64_FORMAT " records (%s)",
                                             queued, size->name);
    report_s (what, &s_snap);
  }
  printf ("%-52s %9.3f s   (the server made the snapshot first: the first desk's wait)\n",
          "… the first desk after a change", snap_cold);
  printf ("%-52s median %9.0f /s  min %9.0f  max %9.0f  (n=%u)  target >= 20000/s: %s\n",
          "first sync from a snapshot, records per second", s_snap_rate.median, s_snap_rate.min, s_snap_rate.max,
          s_snap_rate.n, s_snap_rate.median >= 20000 ? "PASS" : "MISS");
  if (s_snap_static.n > 0)
    {
      gdouble ratio = s_snap.median / s_snap_static.median;
      g_autofree char *what = g_strdup_printf ("nginx, the snapshot as a static file (%.1f MB)", snapshot_bytes / 1e6);

      report_s (what, &s_snap_static);
      printf ("%-52s %9.1f×  target <= 3×: %s  (against nginx's fastest run: %.1f×)\n",
              "first sync from a snapshot ÷ nginx", ratio, ratio <= 3 ? "PASS" : "MISS", s_snap.median / s_snap_static.min);
    }
  {
    g_autofree char *what = g_strdup_printf ("first sync over pages, %" G_GINT64_FORMAT " records", queued);
    report_s (what, &s_first);
  }
  printf ("%-52s median %9.0f /s  min %9.0f  max %9.0f  (n=%u)  target >= 20000/s: %s\n",
          "first sync over pages, records per second", s_rate.median, s_rate.min, s_rate.max, s_rate.n,
          s_rate.median >= 20000 ? "PASS" : "MISS");
  report_s ("signpost-server pages fetched, not applied", &s_raw);
  if (s_static.n > 0)
    {
      gdouble ratio = s_first.median / s_static.median;

      report_s ("nginx, the same pages as static files", &s_static);
      printf ("%-52s %9.1f×  (pages alone: %.1f×)\n",
              "first sync over pages ÷ nginx", ratio, s_raw.median / s_static.median);
    }
  report_s ("json-glib parsing the same bytes, nothing else", &s_parse);
  if (s_static.n > 0)
    printf ("%-52s %9.1f×  (the least any client that reads them with json-glib can reach)\n",
            "json-glib parsing ÷ nginx", s_parse.median / s_static.median);
  printf ("# incremental: each run 10 patients changed: %u records with their audit entries\n", n_ops);
  bench_report_ms ("incremental: push 10 changes", "-", &s_push, TRUE);
  bench_report_ms ("incremental: pull 10 changes on another desk", "-", &s_pull, TRUE);
  bench_report_ms ("incremental: 10 changes round trip", "< 100 ms", &s_round, s_round.median < 0.1);

  desk_remove (puller);
  desk_remove (previous);
  sp_server_fixture_free (server);
  bench_remove_tree (dir);
  return 0;
}
