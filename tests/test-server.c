/* test-server.c — signpost-server, for real: the binary on loopback, HTTP
 *
 * Each case starts the server the build made (sp-server-fixture.h) on its
 * own database, with two practices and four users, and talks to it with a
 * SoupSession (JSON through json-glib) or, for the hardening cases, with
 * raw sockets. A few pure functions of the request decoding are checked
 * directly at the end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sp-server-auth.h"
#include "sp-server-batch.h"
#include "sp-server-fixture.h"
#include "sp-store.h"

#define PASSWORD     "correct horse battery staple"
#define PRACTICE_A   "A81001"
#define PRACTICE_B   "B82002"
#define ALICE        "lw.alice"  /* link worker, practice A */
#define BOB          "lw.bob"    /* link worker, practice B */
#define GP           "gp.a"      /* GP, practice A */
#define ADMIN        "cat.admin" /* catalogue admin, no practice */

typedef struct
{
  SpServerFixture *server;
  SoupSession     *session;
} T;

/* ---- Setting up ------------------------------------------------------------ */

static void
setup_with (T                  *t,
            const char * const *extra_args)
{
  g_autoptr(GError) error = NULL;
  const char * const base[] = { "--login-delay-ms", "1", NULL };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  g_strv_builder_addv (builder, (const char **) base);
  if (extra_args != NULL)
    g_strv_builder_addv (builder, (const char **) extra_args);
  args = g_strv_builder_end (builder);

  t->server = sp_server_fixture_new_full (SIGNPOST_SERVER, (const char * const *) args, &error);
  g_assert_no_error (error);
  sp_server_fixture_add_practice (t->server, PRACTICE_A, "Riverside Surgery");
  sp_server_fixture_add_practice (t->server, PRACTICE_B, "Hill Top Practice");
  sp_server_fixture_add_user (t->server, ALICE, "link-worker", PASSWORD, PRACTICE_A);
  sp_server_fixture_add_user (t->server, BOB, "link-worker", PASSWORD, PRACTICE_B);
  sp_server_fixture_add_user (t->server, GP, "gp", PASSWORD, PRACTICE_A);
  sp_server_fixture_add_user (t->server, ADMIN, "admin", PASSWORD, NULL);
  t->session = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);
}

static void
t_setup (T             *t,
         gconstpointer  data)
{
  setup_with (t, data);
}

static void
t_teardown (T             *t,
            gconstpointer  data)
{
  g_autofree char *log = sp_server_fixture_read_log (t->server);

  /* Nothing went wrong inside, and no secret was ever written down. */
  g_assert_null (strstr (log, "WARNING"));
  g_assert_null (strstr (log, "CRITICAL"));
  g_assert_null (strstr (log, PASSWORD));
  g_clear_object (&t->session);
  g_clear_pointer (&t->server, sp_server_fixture_free);
}

/* ---- HTTP ------------------------------------------------------------------- */

/* Sends a request and returns the JSON answer (NULL for an empty body);
 * *@raw gets the body text when asked for. */
static JsonNode *
request_full (T           *t,
              const char  *method,
              const char  *path,
              const char  *token,
              const char  *body,
              gsize        body_length,
              guint       *status,
              char       **raw)
{
  g_autofree char *uri = g_strconcat (sp_server_fixture_get_url (t->server), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node = NULL;
  gsize length = 0;
  const char *data;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_length);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (t->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);

  data = g_bytes_get_data (answer, &length);
  if (raw != NULL)
    *raw = g_strndup (data, length);
  if (length > 0)
    {
      node = json_from_string (data, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                       ==, "application/json");
    }
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Connection"),
                   ==, "close");
  return node;
}

static JsonNode *
request (T          *t,
         const char *method,
         const char *path,
         const char *token,
         const char *body,
         guint      *status)
{
  return request_full (t, method, path, token, body, body != NULL ? strlen (body) : 0, status, NULL);
}

/* The error code of an error answer, checking its shape. */
static const char *
error_code (JsonNode *answer)
{
  JsonObject *error;

  g_assert_nonnull (answer);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (answer));
  error = json_object_get_object_member (json_node_get_object (answer), "error");
  g_assert_nonnull (error);
  g_assert_nonnull (json_object_get_string_member (error, "message"));
  return json_object_get_string_member (error, "code");
}

static const char *
error_message (JsonNode *answer)
{
  return json_object_get_string_member (json_object_get_object_member (json_node_get_object (answer), "error"),
                                        "message");
}

static char *
login (T          *t,
       const char *username)
{
  g_autofree char *body = g_strdup_printf ("{\"username\": \"%s\", \"password\": \"%s\"}", username, PASSWORD);
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = request (t, "POST", "/v1/session", NULL, body, &status);
  g_assert_cmpuint (status, ==, 200);
  return g_strdup (json_object_get_string_member (json_node_get_object (answer), "token"));
}

/* ---- Batches ------------------------------------------------------------------ */

static JsonObject *
op_new (const char *kind,
        const char *entity,
        const char *id,
        gint64      base_rev,
        const char *changed,
        const char *old)
{
  JsonObject *op = json_object_new ();
  g_autofree char *op_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  json_object_set_string_member (op, "op_id", op_id);
  json_object_set_string_member (op, "entity", entity);
  json_object_set_string_member (op, "id", id);
  json_object_set_int_member (op, "base_rev", base_rev);
  json_object_set_string_member (op, "op", kind);
  node = json_from_string (changed, &error);
  g_assert_no_error (error);
  json_object_set_member (op, "changed", node);
  node = json_from_string (old != NULL ? old : "{}", &error);
  g_assert_no_error (error);
  json_object_set_member (op, "old", node);
  return op;
}

static char *
patient_fields (const char *practice,
                guint       n,
                const char *given_name)
{
  return g_strdup_printf ("{\"practice\": \"%s\", \"nhs_number\": \"999%07u\", \"given_name\": \"%s\", "
                          "\"family_name\": \"Okonkwo\", \"phone\": \"01632 960000\", "
                          "\"email\": \"old@example.org\", \"postcode\": \"HF1 1AA\", \"lat\": 52}",
                          practice, n, given_name);
}

static char *
batch_text (JsonObject *first,
            va_list     ops)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array = json_array_new ();

  for (JsonObject *op = first; op != NULL; op = va_arg (ops, JsonObject *))
    json_array_add_object_element (array, op);
  json_object_set_array_member (root, "ops", array);
  node = json_node_init_object (json_node_alloc (), root);
  return json_to_string (node, FALSE);
}

/* PUTs the ops (taking them) as batch @batch_id (NULL: a new one). */
static JsonNode *push (T *t, const char *token, const char *batch_id, guint *status, JsonObject *first, ...)
  G_GNUC_NULL_TERMINATED;

static JsonNode *
push (T          *t,
      const char *token,
      const char *batch_id,
      guint      *status,
      JsonObject *first,
      ...)
{
  g_autofree char *id = batch_id != NULL ? g_strdup (batch_id) : g_uuid_string_random ();
  g_autofree char *path = g_strconcat ("/v1/batches/", id, NULL);
  g_autofree char *body = NULL;
  va_list ops;

  va_start (ops, first);
  body = batch_text (first, ops);
  va_end (ops);
  return request (t, "PUT", path, token, body, status);
}

/* Result @i of a batch answer, checking the answer's shape. */
static JsonObject *
result (JsonNode *answer,
        guint     i)
{
  JsonArray *results;

  g_assert_nonnull (answer);
  results = json_object_get_array_member (json_node_get_object (answer), "results");
  g_assert_nonnull (results);
  g_assert_cmpuint (i, <, json_array_get_length (results));
  return json_array_get_object_element (results, i);
}

static const char *
status_of (JsonNode *answer,
           guint     i)
{
  return json_object_get_string_member (result (answer, i), "status");
}

/* One op, one batch: its result must be @expected; returns its rev. */
static gint64
push_one (T          *t,
          const char *token,
          JsonObject *op,
          const char *expected)
{
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;
  JsonObject *res;

  answer = push (t, token, NULL, &status, op, NULL);
  g_assert_cmpuint (status, ==, 200);
  res = result (answer, 0);
  g_assert_cmpstr (json_object_get_string_member (res, "status"), ==, expected);
  return json_object_get_int_member_with_default (res, "rev", -1);
}

static void
assert_rejected (JsonNode   *answer,
                 guint       i,
                 const char *code)
{
  JsonObject *res = result (answer, i);

  g_assert_cmpstr (json_object_get_string_member (res, "status"), ==, "rejected");
  g_assert_cmpstr (json_object_get_string_member (res, "code"), ==, code);
  g_assert_nonnull (json_object_get_string_member (res, "reason"));
}

/* ---- Pulling ------------------------------------------------------------------ */

/* Every change visible to @token from @since, page by page. */
static GPtrArray *
pull_all (T          *t,
          const char *token,
          guint       limit,
          guint      *n_pages)
{
  GPtrArray *changes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 since = 0;
  gboolean more = TRUE;
  guint pages = 0;

  while (more)
    {
      g_autofree char *path = g_strdup_printf ("/v1/changes?since=%" G_GINT64_FORMAT "&limit=%u", since, limit);
      g_autoptr(JsonNode) page = NULL;
      JsonObject *object;
      JsonArray *array;
      guint status = 0;
      gint64 last_seq;

      page = request (t, "GET", path, token, NULL, &status);
      g_assert_cmpuint (status, ==, 200);
      object = json_node_get_object (page);
      array = json_object_get_array_member (object, "changes");
      last_seq = json_object_get_int_member (object, "last_seq");
      more = json_object_get_boolean_member (object, "more");
      g_assert_cmpuint (json_array_get_length (array), <=, limit);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *change = json_array_get_object_element (array, i);
          gint64 seq = json_object_get_int_member (change, "seq");

          /* In seq order, and the cursor never ahead of the data. */
          g_assert_cmpint (seq, >, since);
          g_assert_cmpint (seq, <=, last_seq);
          since = seq;
          g_ptr_array_add (changes, json_object_ref (change));
        }
      g_assert_cmpint (since, ==, last_seq);
      pages++;
      g_assert_cmpuint (pages, <, 1000);
    }
  if (n_pages != NULL)
    *n_pages = pages;
  return changes;
}

static JsonObject *
find_change (GPtrArray  *changes,
             const char *id)
{
  for (guint i = 0; i < changes->len; i++)
    if (g_strcmp0 (json_object_get_string_member (changes->pdata[i], "id"), id) == 0)
      return changes->pdata[i];
  return NULL;
}

/* The record as the server now holds it, as @token sees it. */
static JsonObject *
server_row (T          *t,
            const char *token,
            const char *id)
{
  g_autoptr(GPtrArray) changes = pull_all (t, token, 1000, NULL);
  JsonObject *change = find_change (changes, id);

  g_assert_nonnull (change);
  return json_object_ref (json_object_get_object_member (change, "data"));
}

/* ---- The database, read directly -------------------------------------------- */

static gint64
count_rows (T          *t,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_open_v2 (sp_server_fixture_get_db_path (t->server), &db, SQLITE_OPEN_READONLY, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* A fingerprint of everything synced or stored per request. */
static char *
store_counts (T *t)
{
  return g_strdup_printf ("patients=%" G_GINT64_FORMAT " offerings=%" G_GINT64_FORMAT
                          " changes=%" G_GINT64_FORMAT " batches=%" G_GINT64_FORMAT
                          " max_seq=%" G_GINT64_FORMAT,
                          count_rows (t, "SELECT count(*) FROM patient"),
                          count_rows (t, "SELECT count(*) FROM offering"),
                          count_rows (t, "SELECT count(*) FROM changes"),
                          count_rows (t, "SELECT count(*) FROM batches"),
                          count_rows (t, "SELECT coalesce(max(seq), 0) FROM changes"));
}

/* ---- Raw sockets ------------------------------------------------------------- */

static GSocketConnection *
raw_connect (T *t)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, sp_server_fixture_get_port (t->server));
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;

  /* Straight to the port: no proxy lookup, no name lookup. */
  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  return conn;
}

static void
raw_send (GSocketConnection *conn,
          const char        *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads until the server closes (or @timeout_s passes: then *@closed is
 * FALSE). */
static char *
raw_read_until_closed (GSocketConnection *conn,
                       guint              timeout_s,
                       gboolean          *closed)
{
  GSocket *socket = g_socket_connection_get_socket (conn);
  GString *data = g_string_new (NULL);
  char buffer[4096];

  g_socket_set_timeout (socket, timeout_s);
  *closed = FALSE;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      if (n > 0)
        {
          g_string_append_len (data, buffer, n);
          continue;
        }
      *closed = n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      break;
    }
  return g_string_free (data, FALSE);
}

/* Waits (up to 5 s) for the server's open files to come down to @at_most. */
static guint
settled_fd_count (T     *t,
                  guint  at_most)
{
  guint n = sp_server_fixture_count_fds (t->server);

  for (guint i = 0; i < 100 && n > at_most; i++)
    {
      g_usleep (50 * 1000);
      n = sp_server_fixture_count_fds (t->server);
    }
  return n;
}

/* The server's open files once no connection is in flight: the same count
 * twice, 100 ms apart. */
static guint
quiet_fd_count (T *t)
{
  guint n = sp_server_fixture_count_fds (t->server);

  for (guint i = 0; i < 20; i++)
    {
      guint again;

      g_usleep (100 * 1000);
      again = sp_server_fixture_count_fds (t->server);
      if (again == n)
        break;
      n = again;
    }
  return n;
}

static void
assert_serving (T *t)
{
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = request (t, "GET", "/v1/health", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
}

/* ---- Health and routes ----------------------------------------------------- */

static void
test_health (T             *t,
             gconstpointer  data)
{
  g_autoptr(JsonNode) health = NULL;
  g_autoptr(JsonNode) wrong_method = NULL;
  g_autoptr(JsonNode) nowhere = NULL;
  JsonObject *object;
  guint status = 0;

  health = request (t, "GET", "/v1/health", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  object = json_node_get_object (health);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (object, "protocol"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, PACKAGE_VERSION);

  wrong_method = request (t, "POST", "/v1/health", NULL, "{}", &status);
  g_assert_cmpuint (status, ==, 405);
  g_assert_cmpstr (error_code (wrong_method), ==, "invalid");

  nowhere = request (t, "GET", "/v2/anything", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpstr (error_code (nowhere), ==, "not_found");
}

/* ---- Sessions ---------------------------------------------------------------- */

static void
test_login (T             *t,
            gconstpointer  data)
{
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) wrong = NULL;
  g_autoptr(JsonNode) unknown = NULL;
  g_autoptr(JsonNode) malformed = NULL;
  g_autoptr(JsonNode) incomplete = NULL;
  JsonObject *object;
  JsonObject *user;
  JsonArray *practices;
  guint status = 0;

  answer = request (t, "POST", "/v1/session", NULL,
                    "{\"username\": \"" ALICE "\", \"password\": \"" PASSWORD "\"}", &status);
  g_assert_cmpuint (status, ==, 200);
  object = json_node_get_object (answer);
  /* 256 bits, base64url without padding. */
  g_assert_cmpuint (strlen (json_object_get_string_member (object, "token")), ==, 43);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "expires_at"), "Z"));
  user = json_object_get_object_member (object, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, ALICE);
  g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, ALICE);
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "link_worker");
  practices = json_object_get_array_member (user, "practices");
  g_assert_cmpuint (json_array_get_length (practices), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (practices, 0), ==, PRACTICE_A);

  wrong = request (t, "POST", "/v1/session", NULL,
                   "{\"username\": \"" ALICE "\", \"password\": \"not the password\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (error_code (wrong), ==, "bad_credentials");

  /* An unknown name is answered exactly like a wrong password. */
  unknown = request (t, "POST", "/v1/session", NULL,
                     "{\"username\": \"nobody\", \"password\": \"" PASSWORD "\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (error_code (unknown), ==, "bad_credentials");
  g_assert_cmpstr (error_message (unknown), ==, error_message (wrong));

  malformed = request (t, "POST", "/v1/session", NULL, "{\"username\": ", &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (error_code (malformed), ==, "malformed_json");

  incomplete = request (t, "POST", "/v1/session", NULL, "{\"username\": \"" ALICE "\", \"password\": 7}", &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (error_code (incomplete), ==, "invalid");
}

static void
test_lockout (T             *t,
              gconstpointer  data)
{
  const char *wrong = "{\"username\": \"" ALICE "\", \"password\": \"guess guess guess\"}";
  const char *right = "{\"username\": \"" ALICE "\", \"password\": \"" PASSWORD "\"}";
  g_autoptr(JsonNode) locked = NULL;
  g_autoptr(JsonNode) still_locked = NULL;
  g_autofree char *other = NULL;
  JsonObject *error;
  guint status = 0;

  for (guint i = 1; i < 10; i++)
    {
      g_autoptr(JsonNode) answer = request (t, "POST", "/v1/session", NULL, wrong, &status);
      g_assert_cmpuint (status, ==, 401);
      g_assert_cmpstr (error_code (answer), ==, "bad_credentials");
    }

  /* The tenth failure locks the account for 15 minutes… */
  locked = request (t, "POST", "/v1/session", NULL, wrong, &status);
  g_assert_cmpuint (status, ==, 429);
  g_assert_cmpstr (error_code (locked), ==, "locked_out");
  error = json_object_get_object_member (json_node_get_object (locked), "error");
  g_assert_cmpint (json_object_get_int_member (error, "retry_after"), ==, 15 * 60);

  /* …even against the right password… */
  still_locked = request (t, "POST", "/v1/session", NULL, right, &status);
  g_assert_cmpuint (status, ==, 429);
  error = json_object_get_object_member (json_node_get_object (still_locked), "error");
  g_assert_cmpint (json_object_get_int_member (error, "retry_after"), >, 0);
  g_assert_cmpint (json_object_get_int_member (error, "retry_after"), <=, 15 * 60);

  /* …and no one else. */
  other = login (t, BOB);
  g_assert_nonnull (other);
}

static void
test_logout (T             *t,
             gconstpointer  data)
{
  g_autofree char *token = login (t, ALICE);
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) bye = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(JsonNode) no_token = NULL;
  g_autoptr(JsonNode) junk = NULL;
  g_autoptr(JsonNode) forged = NULL;
  guint status = 0;

  before = request (t, "GET", "/v1/changes", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);

  bye = request (t, "DELETE", "/v1/session", token, NULL, &status);
  g_assert_cmpuint (status, ==, 204);
  g_assert_null (bye);

  after = request (t, "GET", "/v1/changes", token, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (error_code (after), ==, "unauthenticated");

  no_token = request (t, "GET", "/v1/changes", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (error_code (no_token), ==, "unauthenticated");

  junk = request (t, "GET", "/v1/changes", "'; DROP TABLE sessions; --", NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (error_code (junk), ==, "unauthenticated");

  forged = request (t, "GET", "/v1/changes", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, &status);
  g_assert_cmpuint (status, ==, 401);
}

/* The admin commands, while the server is serving. */
static void
test_admin_commands (T             *t,
                     gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *bob = login (t, BOB);
  g_autofree char *list = NULL;
  g_autofree char *new_password_body = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  sp_server_fixture_admin (t->server, NULL, &list, &error, "user", "list", NULL);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (list, ALICE));
  g_assert_nonnull (strstr (list, "link_worker  " PRACTICE_A));
  g_assert_nonnull (strstr (list, ADMIN));
  g_assert_null (strstr (list, "$argon2"));

  /* Disabling ends the sessions at once; the password then gets a plain "no". */
  sp_server_fixture_admin (t->server, NULL, NULL, &error, "user", "disable", ALICE, NULL);
  g_assert_no_error (error);
  g_clear_pointer (&answer, json_node_unref);
  answer = request (t, "GET", "/v1/changes", alice, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&answer, json_node_unref);
  answer = request (t, "POST", "/v1/session", NULL,
                    "{\"username\": \"" ALICE "\", \"password\": \"" PASSWORD "\"}", &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_cmpstr (error_code (answer), ==, "forbidden");

  /* A new password ends the sessions too; only the new one works. */
  sp_server_fixture_admin (t->server, "a brand new password\n", NULL, &error, "user", "passwd", BOB, NULL);
  g_assert_no_error (error);
  g_clear_pointer (&answer, json_node_unref);
  answer = request (t, "GET", "/v1/changes", bob, NULL, &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&answer, json_node_unref);
  answer = request (t, "POST", "/v1/session", NULL,
                    "{\"username\": \"" BOB "\", \"password\": \"" PASSWORD "\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  new_password_body = g_strdup ("{\"username\": \"" BOB "\", \"password\": \"a brand new password\"}");
  g_clear_pointer (&answer, json_node_unref);
  answer = request (t, "POST", "/v1/session", NULL, new_password_body, &status);
  g_assert_cmpuint (status, ==, 200);

  /* Refusals: a short password, a duplicate, an unknown practice, a bad name. */
  g_assert_false (sp_server_fixture_admin (t->server, "short\n", NULL, &error, "user", "passwd", BOB, NULL));
  g_assert_nonnull (strstr (error->message, "too short"));
  g_clear_error (&error);
  g_assert_false (sp_server_fixture_admin (t->server, PASSWORD "\n", NULL, &error,
                                           "user", "add", BOB, "--role", "gp", "--practice", PRACTICE_B, NULL));
  g_assert_nonnull (strstr (error->message, "already"));
  g_clear_error (&error);
  g_assert_false (sp_server_fixture_admin (t->server, PASSWORD "\n", NULL, &error,
                                           "user", "add", "newbie", "--role", "link-worker", "--practice", "C83003", NULL));
  g_assert_nonnull (strstr (error->message, "C83003"));
  g_clear_error (&error);
  g_assert_false (sp_server_fixture_admin (t->server, PASSWORD "\n", NULL, &error,
                                           "user", "add", "Bad Name", "--role", "gp", NULL));
  g_clear_error (&error);
  g_assert_false (sp_server_fixture_admin (t->server, NULL, NULL, &error, "practice", "add", "nonsense", "X", NULL));
  g_clear_error (&error);
}

/* ---- Push and pull --------------------------------------------------------------- */

static void
test_push_pull (T             *t,
                gconstpointer  data)
{
  g_autofree char *token = login (t, ALICE);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonNode) empty = NULL;
  g_autofree char *path = NULL;
  JsonObject *res;
  JsonObject *change;
  JsonObject *row;
  gint64 seq;
  guint status = 0;

  answer = push (t, token, NULL, &status, op_new ("create", "patient", id, 0, fields, NULL), NULL);
  g_assert_cmpuint (status, ==, 200);
  res = result (answer, 0);
  g_assert_cmpstr (json_object_get_string_member (res, "status"), ==, "applied");
  g_assert_cmpint (json_object_get_int_member (res, "rev"), ==, 1);
  seq = json_object_get_int_member (res, "seq");
  g_assert_cmpint (seq, >, 0);

  changes = pull_all (t, token, 500, NULL);
  g_assert_cmpuint (changes->len, ==, 1);
  change = changes->pdata[0];
  g_assert_cmpstr (json_object_get_string_member (change, "entity"), ==, "patient");
  g_assert_cmpstr (json_object_get_string_member (change, "id"), ==, id);
  g_assert_cmpint (json_object_get_int_member (change, "rev"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (change, "seq"), ==, seq);
  g_assert_false (json_object_get_boolean_member (change, "deleted"));
  row = json_object_get_object_member (change, "data");
  g_assert_cmpstr (json_object_get_string_member (row, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (row, "practice"), ==, PRACTICE_A);
  g_assert_cmpint (json_object_get_int_member (row, "rev"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (row, "updated_by"), ==, ALICE);
  g_assert_cmpstr (json_object_get_string_member (row, "given_name"), ==, "Adaeze");
  g_assert_cmpstr (json_object_get_string_member (row, "nhs_number"), ==, "9990000001");
  /* The whole record, as sp_record_to_json makes it: a real column is a
   * double, unset fields are there as null or []. */
  g_assert_cmpfloat (json_object_get_double_member (row, "lat"), ==, 52.0);
  g_assert_true (json_object_get_null_member (row, "lon"));
  g_assert_true (json_object_has_member (row, "access_needs"));
  g_assert_false (json_object_get_boolean_member (row, "interpreter"));

  /* Nothing new after the cursor. */
  path = g_strdup_printf ("/v1/changes?since=%" G_GINT64_FORMAT, seq);
  empty = request (t, "GET", path, token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (empty), "changes")),
                    ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (empty), "last_seq"), ==, seq);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (empty), "more"));
}

static void
test_tenancy (T             *t,
              gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *bob = login (t, BOB);
  g_autofree char *mine = g_uuid_string_random ();
  g_autofree char *theirs = g_uuid_string_random ();
  g_autofree char *fresh = g_uuid_string_random ();
  g_autofree char *a_fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *b_fields = patient_fields (PRACTICE_B, 2, "Bryony");
  g_autofree char *b_taking_a = patient_fields (PRACTICE_B, 3, "Impostor");
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) seen_by_bob = NULL;
  g_autoptr(GPtrArray) seen_by_alice = NULL;
  g_autoptr(JsonObject) row = NULL;
  guint status = 0;

  push_one (t, alice, op_new ("create", "patient", mine, 0, a_fields, NULL), "applied");
  push_one (t, bob, op_new ("create", "patient", theirs, 0, b_fields, NULL), "applied");

  /* Each sees only their own practice's rows. */
  seen_by_bob = pull_all (t, bob, 500, NULL);
  g_assert_null (find_change (seen_by_bob, mine));
  g_assert_nonnull (find_change (seen_by_bob, theirs));
  seen_by_alice = pull_all (t, alice, 500, NULL);
  g_assert_nonnull (find_change (seen_by_alice, mine));
  g_assert_null (find_change (seen_by_alice, theirs));

  /* Bob reaching for Alice's row: not found, whatever he tries, and the
   * row is as it was. */
  answer = push (t, bob, NULL, &status,
                 op_new ("update", "patient", mine, 1, "{\"phone\": \"0000\"}", "{\"phone\": \"01632 960000\"}"),
                 op_new ("delete", "patient", mine, 1, "{\"deleted\": true}", "{\"deleted\": false}"),
                 op_new ("create", "patient", fresh, 0, a_fields, NULL),
                 op_new ("create", "patient", mine, 0, b_taking_a, NULL),
                 op_new ("update", "patient", theirs, 1, "{\"practice\": \"" PRACTICE_A "\"}", NULL),
                 NULL);
  g_assert_cmpuint (status, ==, 200);
  assert_rejected (answer, 0, "not_found");
  assert_rejected (answer, 1, "not_found");
  assert_rejected (answer, 2, "not_found");  /* a practice not his: from the grants, never the body */
  assert_rejected (answer, 3, "not_found");
  assert_rejected (answer, 4, "invalid");    /* a row never moves practice */
  /* Only the stored answer is new. */
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient"), ==, 2);
  g_assert_cmpint (count_rows (t, "SELECT max(seq) FROM changes"), ==, 2);
  row = server_row (t, alice, mine);
  g_assert_cmpint (json_object_get_int_member (row, "rev"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (row, "phone"), ==, "01632 960000");

  /* A stolen token of practice A is still only practice A. */
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, alice, NULL, &status,
                 op_new ("update", "patient", theirs, 1, "{\"phone\": \"0000\"}", NULL), NULL);
  assert_rejected (answer, 0, "not_found");
}

/* ---- Snapshots ---------------------------------------------------------------- */

/* GET /v1/snapshot: the body (not JSON when it is a snapshot), its status
 * and the seq header. */
static GBytes *
get_snapshot (T          *t,
              const char *token,
              const char *query,
              guint      *status,
              gint64     *seq)
{
  g_autofree char *uri = g_strconcat (sp_server_fixture_get_url (t->server), "/v1/snapshot", query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GError) error = NULL;
  GBytes *answer;
  const char *header;

  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
    }
  answer = soup_session_send_and_read (t->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  header = soup_message_headers_get_one (soup_message_get_response_headers (msg), "X-Signpost-Snapshot-Seq");
  *seq = header != NULL ? g_ascii_strtoll (header, NULL, 10) : -1;
  if (*status == 200)
    g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                     ==, "application/vnd.sqlite3");
  return answer;
}

static sqlite3 *
open_snapshot (GBytes     *bytes,
               char      **path)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  int fd = g_file_open_tmp ("snapshot-XXXXXX.db", path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (*path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), NULL));
  g_assert_cmpint (sqlite3_open_v2 (*path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  return db;
}

static gint64
snapshot_int (sqlite3    *db,
              const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static guint
snapshots_kept (T *t)
{
  g_autofree char *folder = g_strconcat (sp_server_fixture_get_db_path (t->server), "-snapshots", NULL);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_suffix (name, ".db");
  return n;
}

/* A desk store of the caller's practices and the catalogue, at the seq it
 * says, for a signed-in user of this schema version only; kept and served
 * again while few changes follow it. */
static void
test_snapshot (T             *t,
               gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *bob = login (t, BOB);
  g_autofree char *mine = g_uuid_string_random ();
  g_autofree char *theirs = g_uuid_string_random ();
  g_autofree char *a_fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *b_fields = patient_fields (PRACTICE_B, 2, "Bryony");
  g_autofree char *query = g_strdup_printf ("?schema=%d", SP_SCHEMA_VERSION);
  g_autofree char *path = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GBytes) refused = NULL;
  g_autoptr(JsonNode) answer = NULL;
  sqlite3 *db;
  guint status = 0;
  gint64 seq = 0;

  push_one (t, alice, op_new ("create", "patient", mine, 0, a_fields, NULL), "applied");
  push_one (t, bob, op_new ("create", "patient", theirs, 0, b_fields, NULL), "applied");

  refused = get_snapshot (t, NULL, query, &status, &seq);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&refused, g_bytes_unref);
  refused = get_snapshot (t, alice, "?schema=999", &status, &seq);
  g_assert_cmpuint (status, ==, 404);
  answer = json_from_string (g_bytes_get_data (refused, NULL), NULL);
  g_assert_cmpstr (error_code (answer), ==, "not_found");
  g_clear_pointer (&answer, json_node_unref);
  answer = request (t, "POST", "/v1/snapshot", alice, "{}", &status);
  g_assert_cmpuint (status, ==, 405);

  first = get_snapshot (t, alice, query, &status, &seq);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (seq, ==, 2);
  db = open_snapshot (first, &path);
  g_assert_cmpint (snapshot_int (db, "PRAGMA application_id"), ==, 0x53504E54);
  g_assert_cmpint (snapshot_int (db, "PRAGMA user_version"), ==, SP_SCHEMA_VERSION);
  g_assert_cmpint (snapshot_int (db, "SELECT count(*) FROM patient"), ==, 1);
  g_assert_cmpint (snapshot_int (db, "SELECT count(*) FROM patient WHERE practice = '" PRACTICE_A "'"), ==, 1);
  g_assert_cmpint (snapshot_int (db, "SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'snapshot_seq'"), ==, 2);
  g_assert_cmpint (snapshot_int (db, "SELECT count(*) FROM meta WHERE key = 'snapshot_practices' AND value = '" PRACTICE_A "'"), ==, 1);
  g_assert_cmpint (snapshot_int (db, "SELECT count(*) FROM outbox"), ==, 0);
  sqlite3_close (db);
  g_unlink (path);

  /* Kept: the same file again, one per set of practices. */
  again = get_snapshot (t, alice, query, &status, &seq);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_bytes_equal (first, again));
  g_assert_cmpuint (snapshots_kept (t), ==, 1);
  g_clear_pointer (&again, g_bytes_unref);
  again = get_snapshot (t, bob, query, &status, &seq);
  g_assert_cmpuint (status, ==, 200);
  g_assert_false (g_bytes_equal (first, again));
  g_assert_cmpuint (snapshots_kept (t), ==, 2);
}

/* Started with --snapshot-max-behind 0, the server makes a practice's
 * snapshot again after any change, and keeps only the newest. */
static void
test_snapshot_renewed (T             *t,
                       gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *query = g_strdup_printf ("?schema=%d", SP_SCHEMA_VERSION);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  guint status = 0;
  gint64 seq = 0;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *fields = patient_fields (PRACTICE_A, 10 + i, "Renewed");

      push_one (t, alice, op_new ("create", "patient", id, 0, fields, NULL), "applied");
      if (i == 0)
        {
          first = get_snapshot (t, alice, query, &status, &seq);
          g_assert_cmpint (seq, ==, 1);
        }
    }
  second = get_snapshot (t, alice, query, &status, &seq);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (seq, ==, 2);
  g_assert_false (g_bytes_equal (first, second));
  g_assert_cmpuint (snapshots_kept (t), ==, 1);
}

/* An audit event's fields: who did what to which record, as a desk writes
 * them. */
static char *
audit_fields (const char *practice,
              const char *user,
              const char *role,
              const char *entity_id)
{
  return g_strdup_printf ("{\"practice\": \"%s\", \"user\": \"%s\", \"role\": \"%s\", \"entity\": \"patient\", "
                          "\"entity_id\": \"%s\", \"action\": \"view\", \"at\": \"2026-05-04T09:00:00Z\"}",
                          practice, user, role, entity_id);
}

/* A GP reads, and changes nothing; what a GP's desk sends is the record of
 * that reading: audit events, created in the GP's practices, with the
 * GP's own name and role whatever the body says. Anything else in a GP's
 * batch refuses all of it. */
static void
test_gp_audit (T             *t,
               gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *gp = login (t, GP);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *other = g_uuid_string_random ();
  g_autofree char *viewed = g_uuid_string_random ();
  g_autofree char *forged = g_uuid_string_random ();
  g_autofree char *elsewhere = g_uuid_string_random ();
  g_autofree char *lw_event = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *view_a = audit_fields (PRACTICE_A, GP, "gp", id);
  g_autofree char *view_forged = audit_fields (PRACTICE_A, ALICE, "link_worker", id);
  g_autofree char *view_b = audit_fields (PRACTICE_B, GP, "gp", id);
  g_autofree char *lw_forged = audit_fields (PRACTICE_A, GP, "admin", id);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) replay = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *ops = json_array_new ();
  JsonObject *row;
  guint status = 0;

  push_one (t, alice, op_new ("create", "patient", id, 0, fields, NULL), "applied");

  /* Anything but creating audit events: 403, for the whole batch. */
  before = store_counts (t);
  answer = push (t, gp, NULL, &status, op_new ("create", "patient", other, 0, fields, NULL), NULL);
  g_assert_cmpuint (status, ==, 403);
  g_assert_cmpstr (error_code (answer), ==, "forbidden");
  g_assert_nonnull (strstr (error_message (answer), "GP"));
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, gp, NULL, &status, op_new ("update", "patient", id, 1, "{\"phone\": \"1\"}", NULL), NULL);
  g_assert_cmpuint (status, ==, 403);
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, gp, NULL, &status,
                 op_new ("create", "audit_event", viewed, 0, view_a, NULL),
                 op_new ("create", "patient", other, 0, fields, NULL),
                 NULL);
  g_assert_cmpuint (status, ==, 403);
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, gp, NULL, &status,
                 op_new ("delete", "audit_event", viewed, 1, "{\"deleted\": true}", NULL), NULL);
  g_assert_cmpuint (status, ==, 403);
  after = store_counts (t);
  g_assert_cmpstr (before, ==, after);

  /* Audit events are taken, in the GP's practices only, each under the
   * signed-in account: the body's user and role count for nothing. */
  json_array_add_object_element (ops, op_new ("create", "audit_event", viewed, 0, view_a, NULL));
  json_array_add_object_element (ops, op_new ("create", "audit_event", forged, 0, view_forged, NULL));
  json_array_add_object_element (ops, op_new ("create", "audit_event", elsewhere, 0, view_b, NULL));
  json_object_set_array_member (root, "ops", ops);
  node = json_node_init_object (json_node_alloc (), root);
  body = json_to_string (node, FALSE);
  g_clear_pointer (&answer, json_node_unref);
  answer = request_full (t, "PUT", "/v1/batches/gp-audit", gp, body, strlen (body), &status, &first);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (status_of (answer, 0), ==, "applied");
  g_assert_cmpstr (status_of (answer, 1), ==, "applied");
  assert_rejected (answer, 2, "not_found");
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM audit_event"), ==, 2);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM audit_event WHERE user = '" GP "' AND role = 'gp' "
                                  "AND updated_by = '" GP "'"), ==, 2);

  /* Sent again (the answer was lost): answered from the record. */
  replay = request_full (t, "PUT", "/v1/batches/gp-audit", gp, body, strlen (body), &status, &again);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (first, ==, again);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM audit_event"), ==, 2);

  /* A batch with nothing in it changes nothing, for a GP too. */
  g_clear_pointer (&answer, json_node_unref);
  answer = request (t, "PUT", "/v1/batches/gp-empty", gp, "{\"ops\": []}", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (answer), "results")),
                    ==, 0);

  /* The link workers of the practice see who looked. */
  seen = pull_all (t, alice, 500, NULL);
  row = json_object_get_object_member (find_change (seen, forged), "data");
  g_assert_cmpstr (json_object_get_string_member (row, "user"), ==, GP);
  g_assert_cmpstr (json_object_get_string_member (row, "role"), ==, "gp");
  g_assert_cmpstr (json_object_get_string_member (row, "entity_id"), ==, id);
  g_assert_null (find_change (seen, elsewhere));
  g_clear_pointer (&seen, g_ptr_array_unref);

  /* Reading is still what a GP does. */
  seen = pull_all (t, gp, 500, NULL);
  g_assert_nonnull (find_change (seen, id));

  /* Whoever sends an audit event, it is theirs. */
  push_one (t, alice, op_new ("create", "audit_event", lw_event, 0, lw_forged, NULL), "applied");
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM audit_event WHERE user = '" ALICE "' AND role = 'link_worker'"),
                   ==, 1);
}

static void
test_admin_catalogue (T             *t,
                      gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *admin = login (t, ADMIN);
  g_autofree char *provider = g_uuid_string_random ();
  g_autofree char *offering = g_uuid_string_random ();
  g_autofree char *patient = g_uuid_string_random ();
  g_autofree char *sneaky = g_uuid_string_random ();
  g_autofree char *offering_fields = NULL;
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) admin_sees = NULL;
  g_autoptr(GPtrArray) alice_sees = NULL;
  guint status = 0;

  push_one (t, alice, op_new ("create", "patient", patient, 0, fields, NULL), "applied");

  offering_fields = g_strdup_printf ("{\"provider_id\": \"%s\", \"name\": \"Tai chi for back pain\", "
                                     "\"modality\": \"tai_chi\", \"format\": \"group\", \"fee_pence\": 600, "
                                     "\"practice\": \"" PRACTICE_A "\", "
                                     "\"sliding_scale\": {\"band_1\": 0, \"band_2\": 200}, "
                                     "\"targets_msk\": [\"back_pain\"]}", provider);
  answer = push (t, admin, NULL, &status,
                 op_new ("create", "provider", provider, 0, "{\"name\": \"Hollinsford Leisure\"}", NULL),
                 op_new ("create", "offering", offering, 0, offering_fields, NULL),
                 op_new ("create", "patient", sneaky, 0, fields, NULL),
                 NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (status_of (answer, 0), ==, "applied");
  g_assert_cmpstr (status_of (answer, 1), ==, "applied");
  assert_rejected (answer, 2, "not_found");  /* no practice granted */

  /* The admin sees the catalogue and no patient. */
  admin_sees = pull_all (t, admin, 500, NULL);
  g_assert_cmpuint (admin_sees->len, ==, 2);
  g_assert_nonnull (find_change (admin_sees, provider));
  g_assert_nonnull (find_change (admin_sees, offering));
  g_assert_null (find_change (admin_sees, patient));
  /* A catalogue row has no practice, whatever the body said. */
  g_assert_true (json_object_get_null_member (json_object_get_object_member (find_change (admin_sees, offering), "data"),
                                              "practice"));

  /* A link worker reads the catalogue but may not write it. */
  alice_sees = pull_all (t, alice, 500, NULL);
  g_assert_nonnull (find_change (alice_sees, offering));
  g_assert_nonnull (find_change (alice_sees, patient));
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, alice, NULL, &status,
                 op_new ("update", "offering", offering, 1, "{\"fee_pence\": 0}", "{\"fee_pence\": 600}"), NULL);
  assert_rejected (answer, 0, "forbidden");
}

static void
test_idempotent_batch (T             *t,
                       gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *bob = login (t, BOB);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *body = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *path = g_strconcat ("/v1/batches/", "batch-", id, NULL);
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  g_autoptr(JsonNode) c = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *ops = json_array_new ();
  guint status = 0;

  json_array_add_object_element (ops, op_new ("create", "patient", id, 0, fields, NULL));
  json_array_add_object_element (ops, op_new ("update", "patient", id, 1, "{\"phone\": \"0777\"}",
                                               "{\"phone\": \"01632 960000\"}"));
  json_object_set_array_member (root, "ops", ops);
  node = json_node_init_object (json_node_alloc (), root);
  body = json_to_string (node, FALSE);

  a = request_full (t, "PUT", path, alice, body, strlen (body), &status, &first);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (status_of (a, 0), ==, "applied");
  g_assert_cmpstr (status_of (a, 1), ==, "applied");
  g_assert_cmpint (json_object_get_int_member (result (a, 1), "rev"), ==, 2);

  /* The answer was lost; the desk sends the same batch again. */
  b = request_full (t, "PUT", path, alice, body, strlen (body), &status, &second);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient"), ==, 1);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM changes"), ==, 1);
  g_assert_cmpint (count_rows (t, "SELECT max(seq) FROM changes"), ==, 2);
  g_assert_cmpint (count_rows (t, "SELECT rev FROM patient"), ==, 2);

  /* Another account never gets that answer. */
  c = request (t, "PUT", path, bob, body, &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (error_code (c), ==, "invalid");
}

static void
test_merge (T             *t,
            gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonObject) row = NULL;
  JsonObject *res;
  JsonArray *conflicting;
  JsonObject *theirs;
  guint status = 0;

  push_one (t, alice, op_new ("create", "patient", id, 0, fields, NULL), "applied");

  /* Two desks edit different fields from rev 1: both merge. */
  g_assert_cmpint (push_one (t, alice, op_new ("update", "patient", id, 1, "{\"phone\": \"0777 000111\"}",
                                               "{\"phone\": \"01632 960000\"}"), "applied"), ==, 2);
  g_assert_cmpint (push_one (t, alice, op_new ("update", "patient", id, 1, "{\"email\": \"new@example.org\"}",
                                               "{\"email\": \"old@example.org\"}"), "applied"), ==, 3);
  row = server_row (t, alice, id);
  g_assert_cmpstr (json_object_get_string_member (row, "phone"), ==, "0777 000111");
  g_assert_cmpstr (json_object_get_string_member (row, "email"), ==, "new@example.org");
  g_assert_cmpint (json_object_get_int_member (row, "rev"), ==, 3);

  /* A third desk changed the phone too, and the postcode: the phone
   * conflicts, so nothing of the op is applied. */
  answer = push (t, alice, NULL, &status,
                 op_new ("update", "patient", id, 1, "{\"phone\": \"0800 123\", \"postcode\": \"HF2 2BB\"}",
                         "{\"phone\": \"01632 960000\", \"postcode\": \"HF1 1AA\"}"), NULL);
  g_assert_cmpuint (status, ==, 200);
  res = result (answer, 0);
  g_assert_cmpstr (json_object_get_string_member (res, "status"), ==, "conflict");
  conflicting = json_object_get_array_member (res, "fields");
  g_assert_cmpuint (json_array_get_length (conflicting), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (conflicting, 0), ==, "phone");
  theirs = json_object_get_object_member (res, "server_row");
  g_assert_cmpstr (json_object_get_string_member (theirs, "phone"), ==, "0777 000111");
  g_assert_cmpint (json_object_get_int_member (theirs, "rev"), ==, 3);
  g_clear_pointer (&row, json_object_unref);
  row = server_row (t, alice, id);
  g_assert_cmpint (json_object_get_int_member (row, "rev"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (row, "postcode"), ==, "HF1 1AA");

  /* The same change twice merges without a new revision. */
  g_assert_cmpint (push_one (t, alice, op_new ("update", "patient", id, 1, "{\"phone\": \"0777 000111\"}",
                                               "{\"phone\": \"01632 960000\"}"), "applied"), ==, 3);

  /* Deleting from a stale revision conflicts; from the current one it
   * leaves a tombstone that still syncs. */
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, alice, NULL, &status,
                 op_new ("delete", "patient", id, 2, "{\"deleted\": true}", "{\"deleted\": false}"), NULL);
  g_assert_cmpstr (status_of (answer, 0), ==, "conflict");
  g_assert_cmpint (push_one (t, alice, op_new ("delete", "patient", id, 3, "{\"deleted\": true}",
                                               "{\"deleted\": false}"), "applied"), ==, 4);
  g_clear_pointer (&row, json_object_unref);
  row = server_row (t, alice, id);
  g_assert_true (json_object_get_boolean_member (row, "deleted"));

  /* An edit made meanwhile to the deleted row is not silently lost. */
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, alice, NULL, &status,
                 op_new ("update", "patient", id, 3, "{\"notes\": \"called back\"}", "{\"notes\": null}"), NULL);
  g_assert_cmpstr (status_of (answer, 0), ==, "conflict");
}

static void
test_append_only (T             *t,
                  gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *patient = g_uuid_string_random ();
  g_autofree char *referral = g_uuid_string_random ();
  g_autofree char *payment = g_uuid_string_random ();
  g_autofree char *payment2 = g_uuid_string_random ();
  g_autofree char *event = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *pay = NULL;
  g_autofree char *pay2 = NULL;
  g_autofree char *event_fields = NULL;
  g_autoptr(JsonNode) answer = NULL;
  gint64 rev;
  guint status = 0;

  pay = g_strdup_printf ("{\"practice\": \"" PRACTICE_A "\", \"referral_id\": \"%s\", \"patient_id\": \"%s\", "
                         "\"payer\": \"patient\", \"amount_pence\": 250, \"method\": \"cash\", "
                         "\"paid_at\": \"2026-05-04\"}", referral, patient);
  pay2 = g_strdup_printf ("{\"practice\": \"" PRACTICE_A "\", \"referral_id\": \"%s\", \"patient_id\": \"%s\", "
                          "\"payer\": \"patient\", \"amount_pence\": -250, \"reverses_id\": \"%s\", "
                          "\"paid_at\": \"2026-05-05\"}", referral, patient, payment);
  event_fields = g_strdup_printf ("{\"practice\": \"" PRACTICE_A "\", \"referral_id\": \"%s\", "
                                  "\"from_status\": \"draft\", \"to_status\": \"referred\", "
                                  "\"at\": \"2026-05-04T09:00:00Z\", \"by\": \"" ALICE "\"}", referral);

  push_one (t, alice, op_new ("create", "patient", patient, 0, fields, NULL), "applied");
  /* Two desks record ledger entries: each is a create; none conflicts. */
  rev = push_one (t, alice, op_new ("create", "payment", payment, 0, pay, NULL), "applied");
  g_assert_cmpint (rev, ==, 1);
  push_one (t, alice, op_new ("create", "payment", payment2, 0, pay2, NULL), "applied");
  push_one (t, alice, op_new ("create", "referral_event", event, 0, event_fields, NULL), "applied");

  /* The same entry sent again in another batch: applied, once. */
  g_assert_cmpint (push_one (t, alice, op_new ("create", "payment", payment, 0, pay, NULL), "applied"), ==, 1);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM payment"), ==, 2);

  /* Ledger entries are never changed or deleted. */
  answer = push (t, alice, NULL, &status,
                 op_new ("update", "payment", payment, 1, "{\"amount_pence\": 1}", "{\"amount_pence\": 250}"),
                 op_new ("delete", "referral_event", event, 1, "{\"deleted\": true}", NULL),
                 NULL);
  assert_rejected (answer, 0, "invalid");
  assert_rejected (answer, 1, "invalid");
  g_assert_cmpint (count_rows (t, "SELECT amount_pence FROM payment WHERE reverses_id IS NULL"), ==, 250);
}

/* Two desks register the same person before either syncs: the server
 * keeps one live patient per NHS number in a practice, and refuses the
 * second as a duplicate naming the first, so the link worker can merge
 * them. A refused write takes nothing with it: not its seq, not the rest
 * of its batch. */
static void
test_duplicate_nhs_number (T             *t,
                           gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *bob = login (t, BOB);
  g_autofree char *first = g_uuid_string_random ();
  g_autofree char *second = g_uuid_string_random ();
  g_autofree char *third = g_uuid_string_random ();
  g_autofree char *fourth = g_uuid_string_random ();
  g_autofree char *in_b = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *same_person = patient_fields (PRACTICE_A, 1, "Ada");
  g_autofree char *other_person = patient_fields (PRACTICE_A, 2, "Bola");
  g_autofree char *another = patient_fields (PRACTICE_A, 3, "Chidi");
  g_autofree char *same_in_b = patient_fields (PRACTICE_B, 1, "Ada");
  g_autofree char *expected = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *res;
  gint64 seq_before;
  guint status = 0;

  push_one (t, alice, op_new ("create", "patient", first, 0, fields, NULL), "applied");
  seq_before = count_rows (t, "SELECT max(seq) FROM changes");

  /* The second registration is refused; the next op of the batch goes on,
   * with the very next seq. */
  answer = push (t, alice, NULL, &status,
                 op_new ("create", "patient", second, 0, same_person, NULL),
                 op_new ("create", "patient", third, 0, other_person, NULL),
                 NULL);
  g_assert_cmpuint (status, ==, 200);
  assert_rejected (answer, 0, "duplicate");
  expected = g_strdup_printf ("A patient with this NHS number is already recorded in this practice (record %s). "
                              "Merge the two records on one desk.", first);
  g_assert_cmpstr (json_object_get_string_member (result (answer, 0), "reason"), ==, expected);
  res = result (answer, 1);
  g_assert_cmpstr (json_object_get_string_member (res, "status"), ==, "applied");
  g_assert_cmpint (json_object_get_int_member (res, "seq"), ==, seq_before + 1);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient"), ==, 2);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM changes"), ==, 2);

  /* The same number in another practice is another practice's business. */
  push_one (t, bob, op_new ("create", "patient", in_b, 0, same_in_b, NULL), "applied");

  /* An edit that would make a duplicate is refused the same way, and the
   * row stays as it was. */
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, alice, NULL, &status,
                 op_new ("update", "patient", third, 1, "{\"nhs_number\": \"9990000001\"}",
                         "{\"nhs_number\": \"9990000002\"}"),
                 NULL);
  assert_rejected (answer, 0, "duplicate");
  g_assert_nonnull (strstr (json_object_get_string_member (result (answer, 0), "reason"), first));
  g_assert_cmpint (count_rows (t, "SELECT rev FROM patient WHERE nhs_number = '9990000002'"), ==, 1);

  /* Merged on a desk (the first removed): the number is free again, and
   * bringing the removed one back would now be the duplicate. */
  push_one (t, alice, op_new ("delete", "patient", first, 1, "{\"deleted\": true}", "{\"deleted\": false}"),
            "applied");
  push_one (t, alice, op_new ("create", "patient", second, 0, same_person, NULL), "applied");
  g_clear_pointer (&answer, json_node_unref);
  answer = push (t, alice, NULL, &status,
                 op_new ("update", "patient", first, 2, "{\"deleted\": false}", "{\"deleted\": true}"), NULL);
  assert_rejected (answer, 0, "duplicate");
  g_assert_nonnull (strstr (json_object_get_string_member (result (answer, 0), "reason"), second));

  /* A tombstone never clashes. */
  push_one (t, alice, op_new ("create", "patient", fourth, 0, another, NULL), "applied");
  push_one (t, alice, op_new ("delete", "patient", fourth, 1, "{\"deleted\": true}", "{\"deleted\": false}"),
            "applied");
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient WHERE practice = '" PRACTICE_A "' AND deleted = 0"),
                   ==, 2);
}

/* A database an earlier server let collect duplicates still opens (the
 * operator is told), and guards the key again once they are merged. */
static void
test_duplicate_legacy (T             *t,
                       gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *first = g_uuid_string_random ();
  g_autofree char *second = g_uuid_string_random ();
  g_autofree char *third = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *log = NULL;
  sqlite3 *db = NULL;

  /* What a version-1 server left: no index, two live rows for one person. */
  push_one (t, alice, op_new ("create", "patient", first, 0, fields, NULL), "applied");
  g_assert_cmpint (sqlite3_open (sp_server_fixture_get_db_path (t->server), &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP INDEX patient_nhs_number", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  push_one (t, alice, op_new ("create", "patient", second, 0, fields, NULL), "applied");

  sp_server_fixture_restart (t->server);
  log = sp_server_fixture_read_log (t->server);
  g_assert_nonnull (strstr (log, "event=duplicates_unguarded peer=- detail=patient:1"));
  g_clear_pointer (&alice, g_free);
  alice = login (t, ALICE);

  /* Merged (one removed) and started again: guarded. */
  push_one (t, alice, op_new ("delete", "patient", second, 1, "{\"deleted\": true}", "{\"deleted\": false}"),
            "applied");
  sp_server_fixture_restart (t->server);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM sqlite_master WHERE name = 'patient_nhs_number'"), ==, 1);
  push_one (t, alice, op_new ("create", "patient", third, 0, fields, NULL), "rejected");
}

/* The store's identity: made with the database, kept across restarts and
 * in a backup, new for a new database; with the highest seq, in every
 * page of changes. */
/* Every page @token is sent, as text, @limit changes a page. */
static char *
pages_text (T          *t,
            const char *token,
            guint       limit)
{
  GString *text = g_string_new (NULL);
  gint64 since = 0;
  gboolean more = TRUE;

  while (more)
    {
      g_autofree char *path = g_strdup_printf ("/v1/changes?since=%" G_GINT64_FORMAT "&limit=%u", since, limit);
      g_autofree char *raw = NULL;
      g_autoptr(JsonNode) page = NULL;
      guint status = 0;

      page = request_full (t, "GET", path, token, NULL, 0, &status, &raw);
      g_assert_cmpuint (status, ==, 200);
      since = json_object_get_int_member (json_node_get_object (page), "last_seq");
      more = json_object_get_boolean_member (json_node_get_object (page), "more");
      g_string_append_printf (text, "%s\n", raw);
    }
  return g_string_free (text, FALSE);
}

/* A store from before change entries were kept as text (version 2) is
 * given them when this version first opens it, and sends exactly the
 * pages it would have sent had it kept them from the start. */
static void
test_upgrade_entries (T             *t,
                      gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *admin = login (t, ADMIN);
  g_autofree char *kept = g_uuid_string_random ();
  g_autofree char *gone = g_uuid_string_random ();
  g_autofree char *provider = g_uuid_string_random ();
  g_autofree char *offering = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *other_fields = patient_fields (PRACTICE_A, 2, "Bronwen");
  g_autofree char *offering_fields = NULL;
  g_autofree char *v2_path = NULL;
  g_autofree char *alice_before = NULL;
  g_autofree char *admin_before = NULL;
  g_autofree char *alice_after = NULL;
  g_autofree char *admin_after = NULL;
  g_autofree char *alice_later = NULL;
  g_autoptr(JsonNode) answer = NULL;
  sqlite3 *db = NULL;
  guint status = 0;

  push_one (t, alice, op_new ("create", "patient", kept, 0, fields, NULL), "applied");
  push_one (t, alice, op_new ("update", "patient", kept, 1, "{\"phone\": \"01632 960123\"}", NULL), "applied");
  push_one (t, alice, op_new ("create", "patient", gone, 0, other_fields, NULL), "applied");
  push_one (t, alice, op_new ("delete", "patient", gone, 1, "{\"deleted\": true}", "{\"deleted\": false}"),
            "applied");
  offering_fields = g_strdup_printf ("{\"provider_id\": \"%s\", \"name\": \"Tai chi for back pain\", "
                                     "\"modality\": \"tai_chi\", \"format\": \"group\", \"fee_pence\": 600, "
                                     "\"sliding_scale\": {\"band_1\": 0, \"band_2\": 200}, "
                                     "\"targets_msk\": [\"back_pain\", \"knee_pain\"]}", provider);
  answer = push (t, admin, NULL, &status,
                 op_new ("create", "provider", provider, 0, "{\"name\": \"Hollinsford Leisure\"}", NULL),
                 op_new ("create", "offering", offering, 0, offering_fields, NULL),
                 NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (status_of (answer, 1), ==, "applied");

  alice_before = pages_text (t, alice, 2);
  admin_before = pages_text (t, admin, 2);
  g_assert_nonnull (strstr (alice_before, "01632 960123"));
  g_assert_nonnull (strstr (admin_before, "knee_pain"));
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM changes WHERE entry IS NULL"), ==, 0);

  /* The same store as version 2 kept it. */
  v2_path = g_build_filename (g_get_tmp_dir (), "signpost-v2-XXXXXX.db", NULL);
  g_close (g_mkstemp (v2_path), NULL);
  sp_server_fixture_backup (t->server, v2_path);
  g_assert_cmpint (sqlite3_open (v2_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE changes DROP COLUMN entry; PRAGMA user_version = 2",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  sp_server_fixture_restore (t->server, v2_path);

  g_assert_cmpint (count_rows (t, "PRAGMA user_version"), ==, 3);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM changes WHERE entry IS NULL"), ==, 0);
  alice_after = pages_text (t, alice, 2);
  admin_after = pages_text (t, admin, 2);
  g_assert_cmpstr (alice_after, ==, alice_before);
  g_assert_cmpstr (admin_after, ==, admin_before);

  /* And it goes on: a write after the upgrade is sent with the rest. */
  push_one (t, alice, op_new ("update", "patient", kept, 2, "{\"phone\": \"01632 960999\"}", NULL), "applied");
  alice_later = pages_text (t, alice, 2);
  g_assert_null (strstr (alice_later, "01632 960123"));
  g_assert_nonnull (strstr (alice_later, "01632 960999"));
  g_remove (v2_path);
}

static void
test_server_id (T             *t,
                gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *admin = login (t, ADMIN);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *server_id = NULL;
  g_autofree char *v1_path = NULL;
  g_autofree char *said = NULL;
  g_autoptr(GError) error = NULL;
  const char *renewed;
  g_autoptr(JsonNode) health = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) again = NULL;
  sqlite3 *db = NULL;
  guint status = 0;

  health = request (t, "GET", "/v1/health", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  server_id = g_strdup (json_object_get_string_member (json_node_get_object (health), "server_id"));
  g_assert_true (g_uuid_string_is_valid (server_id));
  /* No one's volume of work is told to the unauthenticated. */
  g_assert_false (json_object_has_member (json_node_get_object (health), "max_seq"));

  push_one (t, alice, op_new ("create", "patient", id, 0, fields, NULL), "applied");
  page = request (t, "GET", "/v1/changes?since=0", alice, NULL, &status);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (page), "server_id"), ==, server_id);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (page), "max_seq"), ==, 1);
  /* max_seq is the store's, not the caller's: the admin sees no patient,
   * and learns the desks' cursors may run to 1. */
  g_clear_pointer (&page, json_node_unref);
  page = request (t, "GET", "/v1/changes?since=0", admin, NULL, &status);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (page), "last_seq"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (page), "max_seq"), ==, 1);
  /* A cursor past the end: nothing, and max_seq says so. */
  g_clear_pointer (&page, json_node_unref);
  page = request (t, "GET", "/v1/changes?since=40", alice, NULL, &status);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (page), "last_seq"), ==, 40);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (page), "max_seq"), ==, 1);

  /* The same store after a restart, and in a copy of it. */
  sp_server_fixture_restart (t->server);
  again = request (t, "GET", "/v1/health", NULL, NULL, &status);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "server_id"), ==, server_id);

  /* A version-1 database gets an id when this version first opens it. */
  v1_path = g_build_filename (g_get_tmp_dir (), "signpost-v1-XXXXXX.db", NULL);
  g_close (g_mkstemp (v1_path), NULL);
  sp_server_fixture_backup (t->server, v1_path);
  g_assert_cmpint (sqlite3_open (v1_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE server_info; DROP INDEX patient_nhs_number; "
                                     "PRAGMA user_version = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  sp_server_fixture_restore (t->server, v1_path);
  g_clear_pointer (&again, json_node_unref);
  again = request (t, "GET", "/v1/health", NULL, NULL, &status);
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (json_node_get_object (again), "server_id")));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "server_id"), !=, server_id);
  g_assert_cmpint (count_rows (t, "PRAGMA user_version"), ==, 3);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM sqlite_master WHERE name = 'patient_nhs_number'"), ==, 1);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient"), ==, 1);
  g_remove (v1_path);

  /* A new, empty database is another store. */
  sp_server_fixture_restore (t->server, NULL);
  g_clear_pointer (&again, json_node_unref);
  again = request (t, "GET", "/v1/health", NULL, NULL, &status);
  g_clear_pointer (&server_id, g_free);
  server_id = g_strdup (json_object_get_string_member (json_node_get_object (again), "server_id"));
  g_assert_true (g_uuid_string_is_valid (server_id));
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient"), ==, 0);

  /* An operator can give a database a new id (after restoring a backup):
   * the server says it from its next start. */
  g_assert_true (sp_server_fixture_admin (t->server, NULL, &said, &error, "server", "id", NULL));
  g_assert_no_error (error);
  g_assert_cmpstr (g_strstrip (said), ==, server_id);
  g_clear_pointer (&said, g_free);
  g_assert_true (sp_server_fixture_admin (t->server, NULL, &said, &error, "server", "new-id", NULL));
  g_assert_no_error (error);
  sp_server_fixture_restart (t->server);
  g_clear_pointer (&again, json_node_unref);
  again = request (t, "GET", "/v1/health", NULL, NULL, &status);
  renewed = json_object_get_string_member (json_node_get_object (again), "server_id");
  g_assert_cmpstr (renewed, !=, server_id);
  g_assert_nonnull (strstr (said, renewed));
}

static void
test_bad_requests (T             *t,
                   gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *good = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *before = NULL;
  g_autofree char *deep = NULL;
  g_autofree char *hostile = NULL;
  g_autofree char *hostile_id = g_uuid_string_random ();
  g_autoptr(JsonObject) row = NULL;
  guint status = 0;
  struct
  {
    const char *body;
    const char *code;
    const char *named;  /* the message names the problem */
  } cases[] = {
    { "{\"ops\": [", "malformed_json", NULL },
    { "not json at all", "malformed_json", NULL },
    { "[]", "invalid", "ops" },
    { "{\"ops\": 5}", "invalid", "ops" },
    { "{\"ops\": [], \"extra\": 1}", "invalid", "extra" },
    { "{\"ops\": [7]}", "invalid", "Change 1" },
    { "{\"ops\": [{\"op_id\": \"not-a-uuid\"}]}", "invalid", "op_id" },
  };
  const char *templates[][2] = {
    /* wrong types */
    { "{\"op_id\": \"@OP@\", \"entity\": \"patient\", \"id\": \"@ID@\", \"base_rev\": 0, \"op\": \"create\", "
      "\"changed\": {\"practice\": \"A81001\", \"nhs_number\": 9990000001}, \"old\": {}}", "nhs_number" },
    { "{\"op_id\": \"@OP@\", \"entity\": \"patient\", \"id\": \"@ID@\", \"base_rev\": \"0\", \"op\": \"create\", "
      "\"changed\": {}, \"old\": {}}", "base_rev" },
    { "{\"op_id\": \"@OP@\", \"entity\": \"patient\", \"id\": \"@ID@\", \"base_rev\": 0, \"op\": \"create\", "
      "\"changed\": {\"interpreter\": \"yes\"}, \"old\": {}}", "interpreter" },
    /* unknown entity */
    { "{\"op_id\": \"@OP@\", \"entity\": \"prescription\", \"id\": \"@ID@\", \"base_rev\": 0, \"op\": \"create\", "
      "\"changed\": {}, \"old\": {}}", "prescription" },
    /* unknown field */
    { "{\"op_id\": \"@OP@\", \"entity\": \"patient\", \"id\": \"@ID@\", \"base_rev\": 0, \"op\": \"create\", "
      "\"changed\": {\"practice\": \"A81001\", \"shoe_size\": \"9\"}, \"old\": {}}", "shoe_size" },
    { "{\"op_id\": \"@OP@\", \"entity\": \"patient\", \"id\": \"@ID@\", \"base_rev\": 0, \"op\": \"upsert\", "
      "\"changed\": {}, \"old\": {}}", "op" },
    { "{\"op_id\": \"@OP@\", \"entity\": \"patient\", \"id\": \"@ID@\", \"base_rev\": 0, \"op\": \"create\", "
      "\"changed\": {}, \"old\": {}, \"sneaky\": true}", "sneaky" },
  };

  before = store_counts (t);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) answer = request (t, "PUT", "/v1/batches/bad", alice, cases[i].body, &status);

      g_test_message ("%s → %u %s", cases[i].body, status, error_message (answer));
      g_assert_cmpuint (status, ==, 400);
      g_assert_cmpstr (error_code (answer), ==, cases[i].code);
      if (cases[i].named != NULL)
        g_assert_nonnull (strstr (error_message (answer), cases[i].named));
    }

  /* A good op first, then a bad one: the batch is refused whole, so the
   * good one is not applied either. */
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autofree char *op_id = g_uuid_string_random ();
      g_autofree char *good_op_id = g_uuid_string_random ();
      g_autoptr(GString) bad_op = g_string_new (templates[i][0]);
      g_autofree char *body = NULL;
      g_autoptr(JsonNode) answer = NULL;
      JsonObject *error;

      g_string_replace (bad_op, "@OP@", op_id, 0);
      g_string_replace (bad_op, "@ID@", id, 0);
      body = g_strdup_printf ("{\"ops\": [{\"op_id\": \"%s\", \"entity\": \"patient\", "
                              "\"id\": \"%s\", \"base_rev\": 0, \"op\": \"create\", "
                              "\"changed\": %s, \"old\": {}}, %s]}",
                              good_op_id, id, good, bad_op->str);
      answer = request (t, "PUT", "/v1/batches/bad-2", alice, body, &status);

      g_test_message ("%s → %u %s", templates[i][1], status, error_message (answer));
      g_assert_cmpuint (status, ==, 400);
      g_assert_cmpstr (error_code (answer), ==, "invalid");
      g_assert_nonnull (strstr (error_message (answer), templates[i][1]));
      g_assert_nonnull (strstr (error_message (answer), "Change 2"));
      error = json_object_get_object_member (json_node_get_object (answer), "error");
      g_assert_cmpstr (json_object_get_string_member (error, "op_id"), ==, op_id);
    }

  /* JSON too deep to parse safely, text that is not UTF-8. */
  deep = g_strnfill (100000, '[');
  {
    g_autoptr(JsonNode) answer = request (t, "PUT", "/v1/batches/deep", alice, deep, &status);
    g_assert_cmpuint (status, ==, 400);
    g_assert_cmpstr (error_code (answer), ==, "malformed_json");
  }
  {
    g_autoptr(JsonNode) answer = request_full (t, "PUT", "/v1/batches/latin1", alice,
                                               "{\"ops\": [\"\xe9\"]}", 13, &status, NULL);
    g_assert_cmpuint (status, ==, 400);
    g_assert_cmpstr (error_code (answer), ==, "malformed_json");
  }
  /* Bad paging parameters. */
  {
    g_autoptr(JsonNode) a = request (t, "GET", "/v1/changes?since=-1", alice, NULL, &status);
    g_assert_cmpuint (status, ==, 400);
    g_clear_pointer (&a, json_node_unref);
    a = request (t, "GET", "/v1/changes?since=1e3", alice, NULL, &status);
    g_assert_cmpuint (status, ==, 400);
    g_clear_pointer (&a, json_node_unref);
    a = request (t, "GET", "/v1/changes?limit=1001", alice, NULL, &status);
    g_assert_cmpuint (status, ==, 400);
    g_clear_pointer (&a, json_node_unref);
    a = request (t, "GET", "/v1/changes?limit=0", alice, NULL, &status);
    g_assert_cmpuint (status, ==, 400);
    g_assert_cmpstr (error_code (a), ==, "invalid");
  }

  /* None of it stored anything. */
  {
    g_autofree char *after = store_counts (t);
    g_assert_cmpstr (before, ==, after);
  }
  assert_serving (t);

  /* SQL-looking text is only text: stored as given, every table intact. */
  hostile = g_strdup_printf ("{\"practice\": \"" PRACTICE_A "\", \"nhs_number\": \"9990000002\", "
                             "\"given_name\": \"Robert'); DROP TABLE patient; --\", "
                             "\"family_name\": \"\\\" OR 1=1 --\", \"notes\": \"%%' UNION SELECT * FROM users --\"}");
  push_one (t, alice, op_new ("create", "patient", hostile_id, 0, hostile, NULL), "applied");
  row = server_row (t, alice, hostile_id);
  g_assert_cmpstr (json_object_get_string_member (row, "given_name"), ==, "Robert'); DROP TABLE patient; --");
  g_assert_cmpstr (json_object_get_string_member (row, "family_name"), ==, "\" OR 1=1 --");
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM users"), ==, 4);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient"), ==, 1);
}

/* ---- Limits ------------------------------------------------------------------------ */

static void
test_too_large (T             *t,
                gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *before = store_counts (t);
  g_autofree char *after = NULL;
  gsize size = 9 * 1024 * 1024;
  g_autofree char *body = g_malloc (size);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *head = NULL;
  gboolean closed = FALSE;
  gint64 start;
  guint status = 0;

  /* A body of 9 MiB, sent in full. */
  memset (body, ' ', size);
  memcpy (body, "{\"ops\": []", 10);
  body[size - 1] = '}';
  answer = request_full (t, "PUT", "/v1/batches/big", alice, body, size, &status, NULL);
  g_assert_cmpuint (status, ==, 413);
  g_assert_cmpstr (error_code (answer), ==, "too_large");

  /* A body announced as 9 MiB: answered at once, without waiting for it. */
  conn = raw_connect (t);
  head = g_strdup_printf ("PUT /v1/batches/big HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                          "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n{\"ops\"",
                          alice, size);
  start = g_get_monotonic_time ();
  raw_send (conn, head);
  raw = raw_read_until_closed (conn, 10, &closed);
  g_assert_true (g_str_has_prefix (raw, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (raw, "\"too_large\""));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  after = store_counts (t);
  g_assert_cmpstr (before, ==, after);
  assert_serving (t);
}

static void
test_paging (T             *t,
             gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *bob = login (t, BOB);
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(GPtrArray) seen_by_bob = NULL;
  g_autofree char *body = NULL;
  JsonArray *ops = json_array_new ();
  guint pages = 0;
  guint status = 0;

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *fields = patient_fields (PRACTICE_A, 100 + i, "Paged");

      json_array_add_object_element (ops, op_new ("create", "patient", id, 0, fields, NULL));
      if (i % 5 == 0)
        {
          /* Rows of another practice in between. */
          g_autofree char *other = g_uuid_string_random ();
          g_autofree char *other_fields = patient_fields (PRACTICE_B, 200 + i, "Elsewhere");
          push_one (t, bob, op_new ("create", "patient", other, 0, other_fields, NULL), "applied");
        }
    }
  json_object_set_array_member (root, "ops", ops);
  node = json_node_init_object (json_node_alloc (), root);
  body = json_to_string (node, FALSE);
  answer = request (t, "PUT", "/v1/batches/many", alice, body, &status);
  g_assert_cmpuint (status, ==, 200);

  seen = pull_all (t, alice, 10, &pages);
  g_assert_cmpuint (seen->len, ==, 25);
  g_assert_cmpuint (pages, ==, 3);
  for (guint i = 0; i < seen->len; i++)
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (seen->pdata[i], "data"),
                                                    "practice"), ==, PRACTICE_A);

  seen_by_bob = pull_all (t, bob, 2, &pages);
  g_assert_cmpuint (seen_by_bob->len, ==, 5);
  g_assert_cmpuint (pages, ==, 3);
}

/* 1,000 connections opened and closed, in the ways clients and scanners
 * do: the server ends up with the files it started with. */
static void
test_connection_churn (T             *t,
                       gconstpointer  data)
{
  guint baseline;
  guint after;
  gint64 start;

  assert_serving (t);
  baseline = quiet_fd_count (t);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GSocketConnection) conn = raw_connect (t);

      switch (i % 4)
        {
        case 0:
        case 1:
          break;  /* connect and close */
        case 2:
          raw_send (conn, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");  /* half a request */
          break;
        case 3:
        default:
          raw_send (conn, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");  /* a whole one, no reading */
          break;
        }
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }

  g_test_message ("1000 connections in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  after = settled_fd_count (t, baseline + 2);
  g_test_message ("server fds: %u before, %u after 1000 connections, settled after %" G_GINT64_FORMAT " ms",
                  baseline, after, (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (after, <=, baseline + 2);
  g_assert_cmpuint (after + 2, >=, baseline);
  assert_serving (t);
}

static void
test_timeouts (T             *t,
               gconstpointer  data)
{
  g_autoptr(GSocketConnection) silent = NULL;
  g_autoptr(GSocketConnection) slow = NULL;
  g_autofree char *nothing = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *token = login (t, ALICE);
  g_autofree char *head = NULL;
  gboolean closed = FALSE;
  guint baseline;
  gint64 start;
  gint64 waited;

  baseline = quiet_fd_count (t);
  g_test_message ("baseline %u fds", baseline);

  /* Connected and silent: closed after the idle timeout (1 s here). */
  silent = raw_connect (t);
  start = g_get_monotonic_time ();
  nothing = raw_read_until_closed (silent, 10, &closed);
  waited = g_get_monotonic_time () - start;
  g_assert_true (closed);
  g_assert_cmpstr (nothing, ==, "");
  g_assert_cmpint (waited, >=, 900 * 1000);
  g_assert_cmpint (waited, <, 5 * G_USEC_PER_SEC);

  /* A request whose body never comes: 408 after the request timeout. */
  slow = raw_connect (t);
  head = g_strdup_printf ("PUT /v1/batches/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                          "Content-Length: 100\r\n\r\n{\"ops\"", token);
  raw_send (slow, head);
  start = g_get_monotonic_time ();
  answer = raw_read_until_closed (slow, 10, &closed);
  waited = g_get_monotonic_time () - start;
  g_assert_true (closed);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 408"));
  g_assert_nonnull (strstr (answer, "\"timeout\""));
  g_assert_cmpint (waited, <, 5 * G_USEC_PER_SEC);

  g_test_message ("408 after %" G_GINT64_FORMAT " ms", waited / 1000);
  g_clear_object (&silent);
  g_clear_object (&slow);
  start = g_get_monotonic_time ();
  g_assert_cmpuint (settled_fd_count (t, baseline), <=, baseline);
  g_test_message ("settled in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  assert_serving (t);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM batches"), ==, 0);
}

/* ---- Keep-alive (--keep-alive N) ------------------------------------------------ */

/* The head of @answer in lower case, for looking up headers. */
static char *
answer_head (const char *answer)
{
  const char *end = strstr (answer, "\r\n\r\n");

  return g_ascii_strdown (answer, end != NULL ? end - answer : (gssize) strlen (answer));
}

/* The value of the answer's Connection header, or NULL. */
static char *
connection_of (const char *answer)
{
  g_autofree char *head = answer_head (answer);
  const char *line = strstr (head, "\r\nconnection:");
  const char *value;

  if (line == NULL)
    return NULL;
  value = line + strlen ("\r\nconnection:");
  while (*value == ' ')
    value++;
  return g_strndup (value, strcspn (value, "\r\n"));
}

/* One whole answer (its head, and a body of its Content-Length) from a
 * connection that may stay open; "" when the server closed it first. */
static char *
raw_read_answer (GSocketConnection *conn)
{
  GSocket *socket = g_socket_connection_get_socket (conn);
  GString *data = g_string_new (NULL);
  char buffer[4096];

  g_socket_set_timeout (socket, 10);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      const char *end = strstr (data->str, "\r\n\r\n");
      gssize n;

      if (end != NULL)
        {
          g_autofree char *head = answer_head (data->str);
          const char *length = strstr (head, "\r\ncontent-length:");
          gsize body = length != NULL ? g_ascii_strtoull (length + strlen ("\r\ncontent-length:"), NULL, 10) : 0;

          if (data->len >= (gsize) (end - data->str) + 4 + body)
            break;
        }
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      g_assert_no_error (error);
      if (n == 0)
        break;
      g_string_append_len (data, buffer, n);
    }
  return g_string_free (data, FALSE);
}

/* The JSON body of a whole answer. */
static JsonNode *
answer_json (const char *answer)
{
  const char *body = strstr (answer, "\r\n\r\n");
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_nonnull (body);
  node = json_from_string (body + 4, &error);
  g_assert_no_error (error);
  return node;
}

/* Sends a request on a kept connection, with a JSON body when @body is
 * not NULL, and reads its answer. */
static char *
raw_exchange (GSocketConnection *conn,
              const char        *method,
              const char        *path,
              const char        *token,
              const char        *connection,
              const char        *body)
{
  g_autoptr(GString) request = g_string_new (NULL);

  g_string_printf (request, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
  if (connection != NULL)
    g_string_append_printf (request, "Connection: %s\r\n", connection);
  if (token != NULL)
    g_string_append_printf (request, "Authorization: Bearer %s\r\n", token);
  if (body != NULL)
    g_string_append_printf (request, "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n",
                            strlen (body));
  g_string_append (request, "\r\n");
  if (body != NULL)
    g_string_append (request, body);
  raw_send (conn, request->str);
  return raw_read_answer (conn);
}

/* The server answers (on a connection of its own, asking for close). */
static void assert_answer (const char *answer,
                           guint       status,
                           const char *connection);

static void
assert_serving_raw (T *t)
{
  g_autoptr(GSocketConnection) conn = raw_connect (t);
  g_autofree char *answer = raw_exchange (conn, "GET", "/v1/health", NULL, "close", NULL);

  assert_answer (answer, 200, "close");
}

static void
assert_answer (const char *answer,
               guint       status,
               const char *connection)
{
  g_autofree char *prefix = g_strdup_printf ("HTTP/1.1 %u ", status);
  g_autofree char *said = connection_of (answer);

  g_assert_true (g_str_has_prefix (answer, prefix));
  g_assert_cmpstr (said, ==, connection);
}

/* With --keep-alive 3: a client that asks keeps its connection for three
 * answers, whatever they are (a sign-in, a push, a page), the third saying
 * close; a client that does not ask, or asks for close, is closed after
 * its answer, as without the option. */
static void
test_keep_alive (T             *t,
                 gconstpointer  data)
{
  g_autoptr(GSocketConnection) kept = raw_connect (t);
  g_autoptr(GSocketConnection) plain = raw_connect (t);
  g_autoptr(GSocketConnection) closing = raw_connect (t);
  g_autofree char *sign_in = g_strdup_printf ("{\"username\": \"%s\", \"password\": \"%s\"}", ALICE, PASSWORD);
  g_autofree char *fields = patient_fields (PRACTICE_A, 77, "Kept");
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *batch_path = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  JsonArray *ops = json_array_new ();
  gboolean closed = FALSE;

  answer = raw_exchange (kept, "POST", "/v1/session", NULL, "keep-alive", sign_in);
  assert_answer (answer, 200, "keep-alive");
  node = answer_json (answer);
  token = g_strdup (json_object_get_string_member (json_node_get_object (node), "token"));

  json_array_add_object_element (ops, op_new ("create", "patient", id, 0, fields, NULL));
  json_object_set_array_member (root, "ops", ops);
  g_clear_pointer (&node, json_node_unref);
  node = json_node_init_object (json_node_alloc (), root);
  batch = json_to_string (node, FALSE);
  batch_path = g_strdup_printf ("/v1/batches/%s", id);
  g_free (answer);
  answer = raw_exchange (kept, "PUT", batch_path, token, "keep-alive", batch);
  assert_answer (answer, 200, "keep-alive");
  g_assert_nonnull (strstr (answer, "\"applied\""));

  g_free (answer);
  answer = raw_exchange (kept, "GET", "/v1/changes?since=0", token, "keep-alive", NULL);
  assert_answer (answer, 200, "close");
  g_assert_nonnull (strstr (answer, id));
  rest = raw_read_until_closed (kept, 10, &closed);
  g_assert_true (closed);
  g_assert_cmpstr (rest, ==, "");

  /* Not asked for, or refused: one answer per connection. */
  g_free (answer);
  answer = raw_exchange (plain, "GET", "/v1/health", NULL, NULL, NULL);
  assert_answer (answer, 200, "close");
  g_free (rest);
  rest = raw_read_until_closed (plain, 10, &closed);
  g_assert_true (closed);
  g_free (answer);
  answer = raw_exchange (closing, "GET", "/v1/health", NULL, "close", NULL);
  assert_answer (answer, 200, "close");
  g_free (rest);
  rest = raw_read_until_closed (closing, 10, &closed);
  g_assert_true (closed);
  assert_serving_raw (t);
}

/* Between answers a kept connection is idle again: closed after the idle
 * timeout (1 s here); a second request that stops half-way is answered
 * 408 after the request timeout, as a first one is. Nothing is left open. */
static void
test_keep_alive_timeouts (T             *t,
                          gconstpointer  data)
{
  g_autoptr(GSocketConnection) idle = NULL;
  g_autoptr(GSocketConnection) slow = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *rest = NULL;
  gboolean closed = FALSE;
  guint baseline;

  baseline = quiet_fd_count (t);
  idle = raw_connect (t);
  answer = raw_exchange (idle, "GET", "/v1/health", NULL, "keep-alive", NULL);
  assert_answer (answer, 200, "keep-alive");
  rest = raw_read_until_closed (idle, 10, &closed);
  g_assert_true (closed);
  g_assert_cmpstr (rest, ==, "");

  slow = raw_connect (t);
  g_free (answer);
  answer = raw_exchange (slow, "GET", "/v1/health", NULL, "keep-alive", NULL);
  assert_answer (answer, 200, "keep-alive");
  raw_send (slow, "PUT /v1/batches/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
                  "Content-Length: 100\r\n\r\n{\"ops\"");
  g_free (rest);
  rest = raw_read_until_closed (slow, 10, &closed);
  g_assert_true (closed);
  g_assert_true (g_str_has_prefix (rest, "HTTP/1.1 408"));
  g_assert_nonnull (strstr (rest, "\"timeout\""));

  g_clear_object (&idle);
  g_clear_object (&slow);
  g_assert_cmpuint (settled_fd_count (t, baseline), <=, baseline);
  assert_serving_raw (t);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM batches"), ==, 0);
}

/* Kept connections left by their clients in every state (after an answer,
 * between requests, half-way through one) are forgotten: the server ends
 * with the files it started with, and with room for as many connections
 * as its limit (16 here) allows. */
static void
test_keep_alive_churn (T             *t,
                       gconstpointer  data)
{
  GSocketConnection *conns[16];
  guint baseline;
  guint after;

  baseline = quiet_fd_count (t);
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GSocketConnection) conn = raw_connect (t);
      g_autofree char *answer = NULL;

      answer = raw_exchange (conn, "GET", "/v1/health", NULL, "keep-alive", NULL);
      assert_answer (answer, 200, "keep-alive");
      switch (i % 4)
        {
        case 0:
          break;  /* gone after one answer */
        case 1:
          g_free (answer);
          answer = raw_exchange (conn, "GET", "/v1/health", NULL, "keep-alive", NULL);
          assert_answer (answer, 200, "keep-alive");
          break;  /* after two */
        case 2:
          raw_send (conn, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");  /* half of the next one */
          break;
        case 3:
        default:
          raw_send (conn, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
          break;  /* the next one whole, its answer never read */
        }
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      /* Never more than the limit gone and not yet noticed. */
      if (i % 8 == 7)
        settled_fd_count (t, baseline);
    }

  after = settled_fd_count (t, baseline);
  g_test_message ("server fds: %u before, %u after 200 kept connections", baseline, after);
  g_assert_cmpuint (after, <=, baseline);

  /* As many at once as the limit: none of the 200 still holds a place. */
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++)
    conns[i] = raw_connect (t);
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++)
    {
      g_autofree char *answer = raw_exchange (conns[i], "GET", "/v1/health", NULL, "keep-alive", NULL);
      assert_answer (answer, 200, "keep-alive");
    }
  for (guint i = 0; i < G_N_ELEMENTS (conns); i++)
    g_object_unref (conns[i]);
  g_assert_cmpuint (settled_fd_count (t, baseline), <=, baseline);
  assert_serving_raw (t);
}

/* Killed mid-life and started again: everything answered before is there,
 * and a batch sent again is answered from its record. */
static void
test_restart (T             *t,
              gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 1, "Adaeze");
  g_autofree char *body = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  g_autoptr(JsonObject) row = NULL;
  JsonArray *ops = json_array_new ();
  guint status = 0;

  json_array_add_object_element (ops, op_new ("create", "patient", id, 0, fields, NULL));
  json_object_set_array_member (root, "ops", ops);
  node = json_node_init_object (json_node_alloc (), root);
  body = json_to_string (node, FALSE);
  a = request_full (t, "PUT", "/v1/batches/before-the-crash", alice, body, strlen (body), &status, &first);
  g_assert_cmpuint (status, ==, 200);

  sp_server_fixture_kill (t->server);
  sp_server_fixture_restart (t->server);

  /* The session survives too: it is in the database. */
  b = request_full (t, "PUT", "/v1/batches/before-the-crash", alice, body, strlen (body), &status, &again);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (first, ==, again);
  row = server_row (t, alice, id);
  g_assert_cmpint (json_object_get_int_member (row, "rev"), ==, 1);
  g_assert_cmpint (count_rows (t, "SELECT count(*) FROM patient"), ==, 1);
}

typedef struct
{
  T         *t;
  char      *token;
  guint      writer;
  GPtrArray *seqs;  /* gint64 *, of every applied result */
} Writer;

static gpointer
write_batches (gpointer data)
{
  Writer *w = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", NULL, NULL);

  for (guint b = 0; b < 10; b++)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(JsonNode) answer = NULL;
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *body = NULL;
      g_autofree char *bearer = g_strconcat ("Bearer ", w->token, NULL);
      g_autofree char *uri = g_strdup_printf ("%s/v1/batches/w%u-b%u", sp_server_fixture_get_url (w->t->server),
                                              w->writer, b);
      JsonArray *ops = json_array_new ();
      JsonArray *results;

      for (guint i = 0; i < 10; i++)
        {
          g_autofree char *id = g_uuid_string_random ();
          g_autofree char *fields = patient_fields (PRACTICE_A, w->writer * 1000 + b * 10 + i, "Concurrent");
          json_array_add_object_element (ops, op_new ("create", "patient", id, 0, fields, NULL));
        }
      json_object_set_array_member (root, "ops", ops);
      node = json_node_init_object (json_node_alloc (), root);
      body = json_to_string (node, FALSE);
      bytes = g_bytes_new (body, strlen (body));

      msg = soup_message_new ("PUT", uri);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      reply = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      answer = json_from_string (g_bytes_get_data (reply, NULL), &error);
      g_assert_no_error (error);
      results = json_object_get_array_member (json_node_get_object (answer), "results");
      for (guint i = 0; i < json_array_get_length (results); i++)
        {
          JsonObject *res = json_array_get_object_element (results, i);
          gint64 *seq = g_new (gint64, 1);

          g_assert_cmpstr (json_object_get_string_member (res, "status"), ==, "applied");
          *seq = json_object_get_int_member (res, "seq");
          g_ptr_array_add (w->seqs, seq);
        }
    }
  return NULL;
}

/* Four desks pushing at once: every write gets its own seq, the seqs have
 * no gaps, and a reader paging through sees each row exactly once. */
static void
test_concurrent_writers (T             *t,
                         gconstpointer  data)
{
  g_autofree char *token = login (t, ALICE);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GPtrArray) changes = NULL;
  Writer writers[4];
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      writers[i] = (Writer) { t, token, i, g_ptr_array_new_with_free_func (g_free) };
      threads[i] = g_thread_new ("writer", write_batches, &writers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      g_thread_join (threads[i]);
      for (guint j = 0; j < writers[i].seqs->len; j++)
        {
          gint64 *seq = writers[i].seqs->pdata[j];

          g_assert_false (g_hash_table_contains (seen, seq));
          g_hash_table_add (seen, g_memdup2 (seq, sizeof *seq));
        }
      g_ptr_array_unref (writers[i].seqs);
    }

  g_assert_cmpuint (g_hash_table_size (seen), ==, 400);
  for (gint64 seq = 1; seq <= 400; seq++)
    g_assert_true (g_hash_table_contains (seen, &seq));

  changes = pull_all (t, token, 64, NULL);
  g_assert_cmpuint (changes->len, ==, 400);
}

/* ---- Logs and TLS -------------------------------------------------------------- */

static void
test_logs (T             *t,
           gconstpointer  data)
{
  g_autofree char *alice = login (t, ALICE);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *fields = patient_fields (PRACTICE_A, 4242, "Zebedee");
  g_autofree char *log = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(JsonNode) refused = NULL;
  guint status = 0;

  push_one (t, alice, op_new ("create", "patient", id, 0, fields, NULL), "applied");
  seen = pull_all (t, alice, 500, NULL);
  refused = request (t, "GET", "/v1/changes?since=0", "a-token-nobody-has", NULL, &status);

  /* The line of a request is written once its answer has gone out: give
   * the last one a moment. */
  for (guint i = 0; i < 100; i++)
    {
      g_free (log);
      log = sp_server_fixture_read_log (t->server);
      if (strstr (log, "status=401") != NULL)
        break;
      g_usleep (20 * 1000);
    }
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "method=POST path=/v1/session status=200"));
  g_assert_nonnull (strstr (log, "method=PUT path=/v1/batches/"));
  g_assert_nonnull (strstr (log, "method=GET path=/v1/changes status=200"));
  g_assert_nonnull (strstr (log, "status=401"));
  g_assert_nonnull (strstr (log, "user=" ALICE));
  g_assert_nonnull (strstr (log, "duration_ms="));
  /* Never a patient detail, a token, a password or a query string. */
  g_assert_null (strstr (log, "Zebedee"));
  g_assert_null (strstr (log, "9990004242"));
  g_assert_null (strstr (log, alice));
  g_assert_null (strstr (log, "a-token-nobody-has"));
  g_assert_null (strstr (log, PASSWORD));
  g_assert_null (strstr (log, "since="));
}

static gboolean
accept_our_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return g_tls_certificate_is_same (certificate, user_data);
}

static void
test_tls (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GTlsCertificate) ours = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupMessage) untrusted = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  SpServerFixture *server;
  int exit_status = 0;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed, so no certificate can be made for the TLS test");
      return;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no TLS backend (glib-networking is not installed)");
      return;
    }

  dir = g_dir_make_tmp ("signpost-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);
  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &exit_status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (exit_status, NULL));
  }
  ours = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);

  {
    const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    server = sp_server_fixture_new_full (SIGNPOST_SERVER, args, &error);
    g_assert_no_error (error);
  }
  g_assert_true (g_str_has_prefix (sp_server_fixture_get_url (server), "https://127.0.0.1:"));
  uri = g_strconcat (sp_server_fixture_get_url (server), "/v1/health", NULL);
  session = soup_session_new_with_options ("timeout", 30, "proxy-resolver", NULL, NULL);

  /* A self-signed certificate is refused unless the client accepts it… */
  untrusted = soup_message_new ("GET", uri);
  answer = soup_session_send_and_read (session, untrusted, NULL, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_pointer (&answer, g_bytes_unref);

  /* …and this client accepts exactly ours. */
  msg = soup_message_new ("GET", uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_our_certificate), ours);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (answer, NULL), "\"status\":\"ok\""));

  sp_server_fixture_free (server);
  g_remove (cert);
  g_remove (key);
  g_rmdir (dir);
}

/* ---- The decoding, directly ---------------------------------------------------- */

static void
test_unit_decode (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bad_op = NULL;
  g_autofree char *nested = NULL;
  g_autoptr(SpServerBatch) batch = NULL;
  const char *ok = "{\"ops\": [{\"op_id\": \"11111111-2222-4333-8444-555555555555\", \"entity\": \"offering\", "
                   "\"id\": \"21111111-2222-4333-8444-555555555555\", \"base_rev\": 0, \"op\": \"create\", "
                   "\"changed\": {\"lat\": 52, \"schedule\": [{\"day\": \"mon\"}], \"rev\": 99}}]}";
  SpServerOp *op;

  batch = sp_server_batch_decode (ok, strlen (ok), &bad_op, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batch->ops->len, ==, 1);
  op = batch->ops->pdata[0];
  g_assert_cmpstr (op->info->name, ==, "offering");
  g_assert_cmpint (op->kind, ==, SP_SERVER_OP_CREATE);
  /* Values in their column's form; the server's own fields dropped. */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (op->changed, "lat")), ==, G_TYPE_DOUBLE);
  g_assert_false (json_object_has_member (op->changed, "rev"));
  g_assert_cmpuint (json_object_get_size (op->old), ==, 0);

  /* Nesting is counted outside strings only. */
  nested = g_strdup_printf ("{\"ops\": [], \"x\": \"%s\"}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
  g_clear_pointer (&batch, sp_server_batch_free);
  batch = sp_server_batch_decode (nested, strlen (nested), NULL, &error);
  g_assert_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID);  /* the member, not the depth */
  g_clear_error (&error);

  batch = sp_server_batch_decode ("", 0, NULL, &error);
  g_assert_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON);
  g_clear_error (&error);

  /* Found by fuzzing: a second value after the first (json-glib leaks what
   * it read), and text that is not UTF-8 (json-glib quotes it). */
  {
    const char *several[] = { "8{\"ops\": []}", "{\"ops\": []} {}", "{\"ops\": []}\"x\"", "[] []", "1 2" };
    const char not_utf8[] = "{\"ops\": [\"\xc8\x9a\xdd\"]}";

    for (guint i = 0; i < G_N_ELEMENTS (several); i++)
      {
        batch = sp_server_batch_decode (several[i], strlen (several[i]), NULL, &error);
        g_assert_null (batch);
        g_assert_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON);
        g_assert_nonnull (strstr (error->message, "first value"));
        g_clear_error (&error);
      }
    batch = sp_server_batch_decode (not_utf8, strlen (not_utf8), NULL, &error);
    g_assert_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
    g_clear_error (&error);
    /* One value with space around it is one value. */
    batch = sp_server_batch_decode (" {\"ops\": []}\n", strlen (" {\"ops\": []}\n"), NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (batch->ops->len, ==, 0);
    g_clear_pointer (&batch, sp_server_batch_free);
  }

  g_assert_true (sp_server_batch_id_is_valid ("0f8e-AB_12"));
  g_assert_false (sp_server_batch_id_is_valid ("../etc"));
  g_assert_false (sp_server_batch_id_is_valid (""));
}

static void
test_unit_auth (void)
{
  g_autofree char *token = sp_server_token_new ();
  g_autofree char *other = sp_server_token_new ();
  g_autofree char *digest = sp_server_token_digest (token);
  g_autofree char *junk = sp_server_token_digest ("a token'; --");

  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_cmpstr (token, !=, other);
  g_assert_cmpuint (strlen (digest), ==, 64);
  g_assert_null (junk);

  /* Failed sign-ins wait longer each time, to a ceiling. */
  g_assert_cmpuint (sp_server_login_delay_ms (1, 250), ==, 0);
  g_assert_cmpuint (sp_server_login_delay_ms (2, 250), ==, 250);
  g_assert_cmpuint (sp_server_login_delay_ms (3, 250), ==, 500);
  g_assert_cmpuint (sp_server_login_delay_ms (5, 250), ==, 2000);
  g_assert_cmpuint (sp_server_login_delay_ms (9, 250), ==, 5000);
  g_assert_cmpuint (sp_server_login_delay_ms (1000, 250), ==, 5000);

  g_assert_true (sp_server_username_is_valid ("lw.okafor"));
  g_assert_false (sp_server_username_is_valid ("Okafor"));
  g_assert_false (sp_server_username_is_valid ("a b"));
  g_assert_false (sp_server_username_is_valid (".hidden"));
}

int
main (int    argc,
      char **argv)
{
  static const char * const short_timeouts[] = { "--idle-timeout", "1", "--request-timeout", "1", NULL };
  static const char * const keep_alive_args[] = { "--keep-alive", "3", NULL };
  static const char * const keep_alive_short_timeouts[] = { "--keep-alive", "10", "--idle-timeout", "1",
                                                            "--request-timeout", "1", NULL };
  static const char * const keep_alive_churn_args[] = { "--keep-alive", "10", "--max-connections", "16", NULL };
  static const char * const snapshot_always_args[] = { "--snapshot-max-behind", "0", NULL };

  g_test_init (&argc, &argv, NULL);

#define ADD(name, func, data) g_test_add (name, T, data, t_setup, func, t_teardown)
  ADD ("/server/health", test_health, NULL);
  ADD ("/server/session/login", test_login, NULL);
  ADD ("/server/session/lockout", test_lockout, NULL);
  ADD ("/server/session/logout", test_logout, NULL);
  ADD ("/server/session/admin-commands", test_admin_commands, NULL);
  ADD ("/server/sync/push-pull", test_push_pull, NULL);
  ADD ("/server/sync/tenancy", test_tenancy, NULL);
  ADD ("/server/sync/gp-audit", test_gp_audit, NULL);
  ADD ("/server/sync/admin-catalogue", test_admin_catalogue, NULL);
  ADD ("/server/sync/idempotent-batch", test_idempotent_batch, NULL);
  ADD ("/server/sync/merge", test_merge, NULL);
  ADD ("/server/sync/append-only", test_append_only, NULL);
  ADD ("/server/sync/duplicate-nhs-number", test_duplicate_nhs_number, NULL);
  ADD ("/server/sync/duplicate-legacy", test_duplicate_legacy, NULL);
  ADD ("/server/sync/server-id", test_server_id, NULL);
  ADD ("/server/sync/upgrade-entries", test_upgrade_entries, NULL);
  ADD ("/server/sync/paging", test_paging, NULL);
  ADD ("/server/sync/restart", test_restart, NULL);
  ADD ("/server/sync/concurrent-writers", test_concurrent_writers, NULL);
  ADD ("/server/bad/requests", test_bad_requests, NULL);
  ADD ("/server/bad/too-large", test_too_large, NULL);
  ADD ("/server/hardening/connection-churn", test_connection_churn, NULL);
  ADD ("/server/hardening/timeouts", test_timeouts, short_timeouts);
  ADD ("/server/hardening/keep-alive", test_keep_alive, keep_alive_args);
  ADD ("/server/hardening/keep-alive-timeouts", test_keep_alive_timeouts, keep_alive_short_timeouts);
  ADD ("/server/hardening/keep-alive-churn", test_keep_alive_churn, keep_alive_churn_args);
  ADD ("/server/logs", test_logs, NULL);
  ADD ("/server/snapshot", test_snapshot, NULL);
  ADD ("/server/snapshot/renewed", test_snapshot_renewed, snapshot_always_args);
#undef ADD
  g_test_add_func ("/server/tls", test_tls);
  g_test_add_func ("/server/unit/decode", test_unit_decode);
  g_test_add_func ("/server/unit/auth", test_unit_auth);

  return g_test_run ();
}
