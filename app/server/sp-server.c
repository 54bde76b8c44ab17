/* sp-server.c — the /v1 protocol over SoupServer
 *
 * Routes (docs/sync-protocol.md):
 *
 *   GET    /v1/health               no token
 *   POST   /v1/session              sign in: {username, password}
 *   DELETE /v1/session              sign out
 *   GET    /v1/changes?since&limit  a page of changes
 *   GET    /v1/snapshot?schema      a new desk's records as one desk store
 *   PUT    /v1/batches/{batch_id}   push changes
 *
 * A handler checks what it can without the store (method, route, query),
 * then pauses the message and runs a job in a worker thread: authenticate,
 * decode, ask the backend. The job's answer is set back on the main loop.
 * Every answer is JSON and is never cached; it says Connection: close
 * unless the listener keeps the connection (sp-server-listener.h).
 *
 * Jobs run in two pools. Reads (GET /v1/changes, health) go to the read
 * pool, one thread per reader backend (sp_server_add_reader(): more
 * connections to the same store), so they never queue behind a write.
 * Everything that writes (batches, signing in and out) goes to the write
 * pool on the main backend: its store serializes the writes, and the
 * threads waiting for their commits to reach the disk share one flush
 * (sp_server_db_flush_commits()), so the pool is larger than one.
 * Snapshots (sp-server-snapshot.h) have a pool of their own: making one
 * takes long, and neither polls nor pushes wait behind it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sp-server.h"
#include "sp-server-batch.h"
#include "sp-server-db.h"
#include "sp-server-error.h"
#include "sp-server-log.h"
#include "sp-server-snapshot.h"
#include "sp-store.h"

#define REQUEST_KEY "sp-request"

/* Writers waiting for the disk together share a flush: enough threads
 * for a good share of the desks pushing at once. */
#define WRITE_THREADS 16

struct _SpServer
{
  GObject           parent_instance;

  SpServerBackend  *backend;
  SpServerConfig    config;
  SoupServer       *soup;
  SpServerListener *listener;
  gboolean          tls;
  guint             n_jobs;

  GThreadPool      *read_pool;
  GThreadPool      *write_pool;
  GThreadPool      *snapshot_pool;
  SpServerSnapshots *snapshots;  /* owned; NULL: no snapshots made here */
  GAsyncQueue      *readers;    /* idle reader backends */
  guint             n_readers;
};

G_DEFINE_FINAL_TYPE (SpServer, sp_server, G_TYPE_OBJECT)

/* What the log line of a request needs, kept on the message. */
typedef struct
{
  gint64  started;
  char   *user;
} RequestInfo;

static void
request_info_free (gpointer data)
{
  RequestInfo *info = data;

  g_free (info->user);
  g_free (info);
}

static RequestInfo *
request_info (SoupServerMessage *msg)
{
  RequestInfo *info = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);

  if (info == NULL)
    {
      info = g_new0 (RequestInfo, 1);
      info->started = g_get_monotonic_time ();
      g_object_set_data_full (G_OBJECT (msg), REQUEST_KEY, info, request_info_free);
    }
  return info;
}

/* ---- Answers ------------------------------------------------------------- */

/* Headers and body of a JSON answer, leaving the status alone. */
static void
set_body (SoupServerMessage *msg,
          char              *text)  /* (transfer full) (nullable) */
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Connection", "close");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
  if (text != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, strlen (text));
  else
    soup_server_message_set_response (msg, NULL, SOUP_MEMORY_STATIC, NULL, 0);
}

/* A snapshot: the mapped file itself is the body, written as the client
 * takes it. Its seq is in the file too; the header lets a client say what
 * it is fetching before it has it all. */
static void
set_snapshot (SoupServerMessage *msg,
              GBytes            *snapshot,
              gint64             seq)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  set_body (msg, NULL);
  soup_message_headers_replace (headers, "Content-Type", "application/vnd.sqlite3");
  soup_message_headers_replace (headers, "X-Signpost-Snapshot-Seq", text);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), snapshot);
}

static void
set_json (SoupServerMessage *msg,
          guint              status,
          char              *text)  /* (transfer full) */
{
  soup_server_message_set_status (msg, status, NULL);
  set_body (msg, text);
}

static char *
object_to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static char *
error_text (SpServerError  code,
            const char    *message,
            guint          retry_after,
            const char    *op_id)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonObject *error = json_object_new ();

  json_object_set_string_member (error, "code", sp_server_error_code (code));
  json_object_set_string_member (error, "message", message);
  if (retry_after > 0)
    json_object_set_int_member (error, "retry_after", retry_after);
  if (op_id != NULL)
    json_object_set_string_member (error, "op_id", op_id);
  json_object_set_object_member (root, "error", error);
  return object_to_text (root);
}

/* A GError of any domain as the protocol's error answer. */
static void
set_error (SoupServerMessage *msg,
           const GError      *error,
           guint              retry_after,
           const char        *op_id)
{
  SpServerError code = SP_SERVER_ERROR_FAILED;
  const char *message = _("Something went wrong on the server. Try again later.");

  if (error->domain == SP_SERVER_ERROR)
    {
      code = error->code;
      message = error->message;
    }
  else
    g_warning ("Request failed: %s", error->message);

  set_json (msg, sp_server_error_status (code), error_text (code, message, retry_after, op_id));
  if (code == SP_SERVER_ERROR_LOCKED_OUT && retry_after > 0)
    {
      g_autofree char *seconds = g_strdup_printf ("%u", retry_after);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
    }
}

static void
set_error_literal (SoupServerMessage *msg,
                   SpServerError      code,
                   const char        *message)
{
  g_autoptr(GError) error = g_error_new_literal (SP_SERVER_ERROR, code, message);

  set_error (msg, error, 0, NULL);
}

/* ---- Jobs ---------------------------------------------------------------- */

typedef enum
{
  JOB_HEALTH,
  JOB_LOGIN,
  JOB_LOGOUT,
  JOB_CHANGES,
  JOB_BATCH,
  JOB_SNAPSHOT,
} JobKind;

typedef struct
{
  JobKind            kind;
  SpServer          *server;
  SpServerBackend   *backend;   /* the one this job runs on: unowned */
  SoupServerMessage *msg;
  char              *token;
  GBytes            *body;
  char              *batch_id;
  gint64             since;
  guint              limit;

  /* The answer, made in the worker thread. */
  guint              status;
  char              *response;
  GError            *error;
  guint              retry_after;
  guint              delay_ms;
  char              *bad_op_id;
  char              *user;
  GBytes            *snapshot;
  gint64             snapshot_seq;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_object (&job->server);
  g_clear_object (&job->msg);
  if (job->token != NULL)
    memset (job->token, 0, strlen (job->token));
  g_free (job->token);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_free (job->batch_id);
  g_free (job->response);
  g_clear_error (&job->error);
  g_free (job->bad_op_id);
  g_free (job->user);
  g_clear_pointer (&job->snapshot, g_bytes_unref);
  g_free (job);
}

static gboolean
authenticate (Job           *job,
              SpServerUser **user)
{
  *user = sp_server_backend_authenticate (job->backend, job->token, &job->error);
  if (*user == NULL)
    return FALSE;
  job->user = g_strdup ((*user)->username);
  return TRUE;
}

static void
run_health (Job *job)
{
  g_autoptr(JsonObject) answer = json_object_new ();

  if (!sp_server_backend_health (job->backend, &job->error))
    return;
  json_object_set_string_member (answer, "status", "ok");
  json_object_set_string_member (answer, "version", PACKAGE_VERSION);
  json_object_set_int_member (answer, "protocol", SP_SERVER_PROTOCOL_VERSION);
  json_object_set_string_member (answer, "server_id", sp_server_backend_get_server_id (job->backend));
  job->status = SOUP_STATUS_OK;
  job->response = object_to_text (answer);
}

static void
run_login (Job *job)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SpServerSession) session = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GList) members = NULL;
  const char *username = NULL;
  const char *password = NULL;
  JsonObject *object;
  gsize length = 0;
  const char *data = job->body != NULL ? g_bytes_get_data (job->body, &length) : NULL;

  root = sp_server_json_parse (data, length, &job->error);
  if (root == NULL)
    return;
  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      object = json_node_get_object (root);
      members = json_object_get_members (object);
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *node = json_object_get_member (object, l->data);
          gboolean is_string = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;

          if (g_str_equal (l->data, "username") && is_string)
            username = json_node_get_string (node);
          else if (g_str_equal (l->data, "password") && is_string)
            password = json_node_get_string (node);
          else
            {
              username = password = NULL;
              break;
            }
        }
    }
  if (username == NULL || password == NULL)
    {
      g_set_error_literal (&job->error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("Signing in takes a JSON object with a “username” and a “password”, both text."));
      return;
    }

  session = sp_server_backend_login (job->backend, username, password, &job->server->config.login,
                                     &job->retry_after, &job->delay_ms, &job->error);
  if (session == NULL)
    return;

  job->user = g_strdup (session->user->username);
  answer = json_object_new ();
  json_object_set_string_member (answer, "token", session->token);
  json_object_set_string_member (answer, "expires_at", session->expires_at);
  json_object_set_object_member (answer, "user", sp_server_user_to_json (session->user));
  job->status = SOUP_STATUS_OK;
  job->response = object_to_text (answer);
}

static void
run_logout (Job *job)
{
  g_autoptr(SpServerUser) user = NULL;

  if (!authenticate (job, &user))
    return;
  if (!sp_server_backend_logout (job->backend, job->token, &job->error))
    return;
  job->status = SOUP_STATUS_NO_CONTENT;
}

static void
run_changes (Job *job)
{
  g_autoptr(SpServerUser) user = NULL;

  if (!authenticate (job, &user))
    return;
  job->response = sp_server_backend_changes (job->backend, user, job->since, job->limit, &job->error);
  if (job->response != NULL)
    job->status = SOUP_STATUS_OK;
}

static void
run_batch (Job *job)
{
  g_autoptr(SpServerUser) user = NULL;
  g_autoptr(SpServerBatch) batch = NULL;
  gsize length = 0;
  const char *data = job->body != NULL ? g_bytes_get_data (job->body, &length) : NULL;

  if (!authenticate (job, &user))
    return;
  /* Decoded first for every role: what a GP may send (audit events only)
   * is decided on the ops, by the backend. */
  batch = sp_server_batch_decode (data, length, &job->bad_op_id, &job->error);
  if (batch == NULL)
    return;
  job->response = sp_server_backend_apply_batch (job->backend, user, job->batch_id, batch, &job->error);
  if (job->response != NULL)
    job->status = SOUP_STATUS_OK;
}

static void
run_snapshot (Job *job)
{
  g_autoptr(SpServerUser) user = NULL;

  if (!authenticate (job, &user))
    return;
  job->snapshot = sp_server_snapshots_get (job->server->snapshots, (const char * const *) user->practices,
                                           &job->snapshot_seq, &job->error);
  if (job->snapshot != NULL)
    job->status = SOUP_STATUS_OK;
}

static gboolean
job_only_reads (const Job *job)
{
  return job->kind == JOB_CHANGES || job->kind == JOB_HEALTH;
}

static GThreadPool *
job_pool (SpServer  *self,
          const Job *job)
{
  if (job->kind == JOB_SNAPSHOT)
    return self->snapshot_pool;
  return job_only_reads (job) ? self->read_pool : self->write_pool;
}

/* In a pool thread: the job, on a reader if it only reads, and its
 * commits on disk before it is answered. */
static void
job_thread (gpointer data,
            gpointer user_data)
{
  GTask *task = data;
  SpServer *self = user_data;
  Job *job = g_task_get_task_data (task);
  SpServerBackend *reader = NULL;
  g_autoptr(GError) flush_error = NULL;

  if (job_only_reads (job) && self->n_readers > 0)
    reader = g_async_queue_pop (self->readers);
  job->backend = reader != NULL ? reader : self->backend;

  switch (job->kind)
    {
    case JOB_HEALTH:
      run_health (job);
      break;
    case JOB_LOGIN:
      run_login (job);
      break;
    case JOB_LOGOUT:
      run_logout (job);
      break;
    case JOB_CHANGES:
      run_changes (job);
      break;
    case JOB_BATCH:
      run_batch (job);
      break;
    case JOB_SNAPSHOT:
      run_snapshot (job);
      break;
    default:
      g_assert_not_reached ();
    }

  if (reader != NULL)
    g_async_queue_push (self->readers, reader);
  if (!sp_server_db_flush_commits (&flush_error) && job->error == NULL)
    {
      /* Stored, but perhaps not on disk: no answer the client could take
       * as final. A batch sent again is answered from its record. */
      g_clear_pointer (&job->response, g_free);
      job->error = g_steal_pointer (&flush_error);
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Back on the main loop: the answer goes on the message. */
static gboolean
job_answer (gpointer data)
{
  Job *job = data;
  RequestInfo *info = request_info (job->msg);

  if (job->user != NULL)
    {
      g_free (info->user);
      info->user = g_strdup (job->user);
    }
  if (job->error != NULL)
    set_error (job->msg, job->error, job->retry_after, job->bad_op_id);
  else if (job->snapshot != NULL)
    set_snapshot (job->msg, job->snapshot, job->snapshot_seq);
  else
    set_json (job->msg, job->status, g_steal_pointer (&job->response));

  sp_server_listener_answered (job->server->listener, job->msg);
  soup_server_message_unpause (job->msg);
  job->server->n_jobs--;
  return G_SOURCE_REMOVE;
}

static gboolean
job_answer_delayed (gpointer data)
{
  return job_answer (g_task_get_task_data (data));
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = G_TASK (result);
  Job *job = g_task_get_task_data (task);

  /* A failed sign-in is answered late, later each time: slow guessing. */
  if (job->delay_ms > 0)
    g_timeout_add_full (G_PRIORITY_DEFAULT, job->delay_ms, job_answer_delayed,
                        g_object_ref (task), g_object_unref);
  else
    job_answer (job);
}

static void
run_job (SpServer          *self,
         SoupServerMessage *msg,
         Job               *job)
{
  GTask *task = g_task_new (self, NULL, job_done, NULL);

  job->server = g_object_ref (self);
  job->msg = g_object_ref (msg);
  g_task_set_source_tag (task, run_job);
  g_task_set_task_data (task, job, job_free);

  self->n_jobs++;
  soup_server_message_pause (msg);
  /* The pool's thread returns the task (to this main context) and drops it. */
  g_thread_pool_push (job_pool (self, job), task, NULL);
}

/* ---- Routes -------------------------------------------------------------- */

static char *
bearer_token (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  header += 7;
  while (*header == ' ')
    header++;
  return g_strdup (header);
}

static GBytes *
request_body (SoupServerMessage *msg)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (msg));
}

/* A whole number from @min to @max, digits only. */
static gboolean
parse_count (const char *text,
             gint64      min,
             gint64      max,
             gint64     *value)
{
  guint64 parsed;

  if (text == NULL || *text == '\0' || strlen (text) > 18)
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &parsed, NULL))
    return FALSE;
  if ((gint64) parsed < min || (gint64) parsed > max)
    return FALSE;
  *value = (gint64) parsed;
  return TRUE;
}

static void
method_not_allowed (SoupServerMessage *msg,
                    const char        *allow)
{
  g_autofree char *message = g_strdup_printf (_("This address answers only %s."), allow);

  set_error_literal (msg, SP_SERVER_ERROR_METHOD, message);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
}

static void
handle_changes (SpServer          *self,
                SoupServerMessage *msg,
                GHashTable        *query)
{
  Job *job = g_new0 (Job, 1);
  const char *since = query != NULL ? g_hash_table_lookup (query, "since") : NULL;
  const char *limit = query != NULL ? g_hash_table_lookup (query, "limit") : NULL;
  gint64 value;

  job->kind = JOB_CHANGES;
  job->limit = SP_SERVER_CHANGES_DEFAULT_LIMIT;
  if (since != NULL)
    {
      if (!parse_count (since, 0, G_MAXINT64, &job->since))
        {
          set_error_literal (msg, SP_SERVER_ERROR_INVALID, _("“since” must be a whole number from 0 up."));
          job_free (job);
          return;
        }
    }
  if (limit != NULL)
    {
      if (!parse_count (limit, 1, SP_SERVER_CHANGES_MAX_LIMIT, &value))
        {
          g_autofree char *message = g_strdup_printf (_("“limit” must be a whole number from 1 to %d."),
                                                      SP_SERVER_CHANGES_MAX_LIMIT);
          set_error_literal (msg, SP_SERVER_ERROR_INVALID, message);
          job_free (job);
          return;
        }
      job->limit = (guint) value;
    }
  job->token = bearer_token (msg);
  run_job (self, msg, job);
}

static void
handle_request (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  SpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  Job *job;

  if (g_str_equal (path, "/v1/health"))
    {
      if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
        {
          method_not_allowed (msg, "GET");
          return;
        }
      job = g_new0 (Job, 1);
      job->kind = JOB_HEALTH;
      run_job (self, msg, job);
    }
  else if (g_str_equal (path, "/v1/session"))
    {
      if (method != SOUP_METHOD_POST && method != SOUP_METHOD_DELETE)
        {
          method_not_allowed (msg, "POST, DELETE");
          return;
        }
      job = g_new0 (Job, 1);
      if (method == SOUP_METHOD_POST)
        {
          job->kind = JOB_LOGIN;
          job->body = request_body (msg);
        }
      else
        {
          job->kind = JOB_LOGOUT;
          job->token = bearer_token (msg);
        }
      run_job (self, msg, job);
    }
  else if (g_str_equal (path, "/v1/changes"))
    {
      if (method != SOUP_METHOD_GET)
        {
          method_not_allowed (msg, "GET");
          return;
        }
      handle_changes (self, msg, query);
    }
  else if (g_str_equal (path, "/v1/snapshot"))
    {
      const char *schema = query != NULL ? g_hash_table_lookup (query, "schema") : NULL;
      gint64 version = 0;

      if (method != SOUP_METHOD_GET)
        {
          method_not_allowed (msg, "GET");
          return;
        }
      /* A desk of another schema version pulls the pages instead. */
      if (self->snapshots == NULL || !parse_count (schema, 1, G_MAXINT, &version) || version != SP_SCHEMA_VERSION)
        {
          set_error_literal (msg, SP_SERVER_ERROR_NOT_FOUND,
                             _("This server has no snapshot for this version of Signpost: pull the changes instead."));
          return;
        }
      job = g_new0 (Job, 1);
      job->kind = JOB_SNAPSHOT;
      job->token = bearer_token (msg);
      run_job (self, msg, job);
    }
  else if (g_str_has_prefix (path, "/v1/batches/"))
    {
      const char *batch_id = path + strlen ("/v1/batches/");

      if (!sp_server_batch_id_is_valid (batch_id))
        {
          set_error_literal (msg, SP_SERVER_ERROR_NOT_FOUND,
                             _("There is nothing at this address: a batch id is 1 to 64 letters, digits, '-' or '_'."));
          return;
        }
      if (method != SOUP_METHOD_PUT)
        {
          method_not_allowed (msg, "PUT");
          return;
        }
      job = g_new0 (Job, 1);
      job->kind = JOB_BATCH;
      job->batch_id = g_strdup (batch_id);
      job->token = bearer_token (msg);
      job->body = request_body (msg);
      run_job (self, msg, job);
    }
  else
    set_error_literal (msg, SP_SERVER_ERROR_NOT_FOUND, _("There is nothing at this address."));
}

/* Synchronous answers are set inside the handler; note them for the
 * listener's write timeout once the handler has returned. */
static void
handle_request_wrapper (SoupServer        *soup,
                        SoupServerMessage *msg,
                        const char        *path,
                        GHashTable        *query,
                        gpointer           user_data)
{
  SpServer *self = user_data;

  request_info (msg);
  handle_request (soup, msg, path, query, user_data);
  if (soup_server_message_get_status (msg) != 0)
    sp_server_listener_answered (self->listener, msg);
}

/* ---- Logging ------------------------------------------------------------- */

static void
on_got_headers (SoupServerMessage *msg,
                gpointer           user_data)
{
  /* The clock starts when a request arrives, not when its connection did. */
  request_info (msg)->started = g_get_monotonic_time ();
}

static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  request_info (msg);
  /* Until a handler answers, the answer is "could not read this": libsoup
   * sends that itself (a 400) for a request line or headers it cannot
   * parse, and it too must be the protocol's JSON error. */
  set_body (msg, error_text (SP_SERVER_ERROR_INVALID,
                             _("The server could not read this request: it is not well-formed HTTP."), 0, NULL));
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), NULL);
}

static void
on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  RequestInfo *info = request_info (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  guint status = sp_server_listener_refused_status (msg);
  g_autofree char *peer = sp_server_listener_describe_peer (msg);

  if (soup_server_message_get_method (msg) == NULL)
    return;
  if (status == 0)
    status = soup_server_message_get_status (msg);
  sp_server_log_request (soup_server_message_get_method (msg),
                         uri != NULL ? g_uri_get_path (uri) : NULL,
                         status, g_get_monotonic_time () - info->started, info->user, peer);
}

/* ---- Object -------------------------------------------------------------- */

/* Lets the server answer GET /v1/snapshot; takes @snapshots. Without it
 * that answers 404 and new desks pull the pages. Call before listening. */
void
sp_server_set_snapshots (SpServer          *self,
                         SpServerSnapshots *snapshots)
{
  g_return_if_fail (SP_IS_SERVER (self));

  g_clear_pointer (&self->snapshots, sp_server_snapshots_free);
  self->snapshots = snapshots;
}

static void
sp_server_dispose (GObject *object)
{
  SpServer *self = SP_SERVER (object);

  /* Every job holds the server, so none is left to wait for. */
  if (self->read_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->read_pool), FALSE, TRUE);
  if (self->write_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->write_pool), FALSE, TRUE);
  if (self->snapshot_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->snapshot_pool), FALSE, TRUE);
  g_clear_pointer (&self->snapshots, sp_server_snapshots_free);
  g_clear_pointer (&self->readers, g_async_queue_unref);
  g_clear_object (&self->listener);
  if (self->soup != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->soup, self);
      soup_server_remove_handler (self->soup, NULL);
    }
  g_clear_object (&self->soup);
  g_clear_object (&self->backend);

  G_OBJECT_CLASS (sp_server_parent_class)->dispose (object);
}

static void
sp_server_class_init (SpServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sp_server_dispose;
}

static void
sp_server_init (SpServer *self)
{
}

SpServer *
sp_server_new (SpServerBackend      *backend,
               const SpServerConfig *config,
               GTlsCertificate      *certificate)
{
  SpServer *self;

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (backend), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (SP_TYPE_SERVER, NULL);
  self->backend = g_object_ref (backend);
  self->config = *config;
  self->readers = g_async_queue_new_full (g_object_unref);
  /* Until readers are added, reads run on the main backend too. */
  self->read_pool = g_thread_pool_new (job_thread, self, 1, FALSE, NULL);
  self->write_pool = g_thread_pool_new (job_thread, self, WRITE_THREADS, FALSE, NULL);
  self->snapshot_pool = g_thread_pool_new (job_thread, self, 2, FALSE, NULL);
  self->tls = certificate != NULL;
  self->soup = soup_server_new (NULL, NULL);
  self->listener = sp_server_listener_new (self->soup, &self->config.limits, certificate);

  soup_server_add_handler (self->soup, NULL, handle_request_wrapper, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (on_request_done), self);
  return self;
}

/* Another connection to the store the server was made with, for requests
 * that only read; each one lets one more read run at once. */
void
sp_server_add_reader (SpServer        *self,
                      SpServerBackend *reader)
{
  g_return_if_fail (SP_IS_SERVER (self));
  g_return_if_fail (SP_IS_SERVER_BACKEND (reader));

  self->n_readers++;
  g_async_queue_push (self->readers, g_object_ref (reader));
  g_thread_pool_set_max_threads (self->read_pool, (gint) self->n_readers, NULL);
}

/* Stops taking connections; requests under way go on. */
void
sp_server_stop (SpServer *self)
{
  g_return_if_fail (SP_IS_SERVER (self));

  sp_server_listener_stop (self->listener);
}

/* No request is being read, answered or written. */
gboolean
sp_server_is_idle (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), TRUE);

  return self->n_jobs == 0 && sp_server_listener_get_n_busy (self->listener) == 0;
}

/* Listens on @address; *@url is where clients find it, with the port
 * actually bound (an @address with port 0 takes any free one). */
gboolean
sp_server_listen (SpServer        *self,
                  GSocketAddress  *address,
                  char           **url,
                  GError         **error)
{
  g_autoptr(GSocketAddress) effective = NULL;
  g_autofree char *host = NULL;
  g_autofree char *address_text = NULL;
  GInetAddress *inet;

  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), FALSE);

  if (!sp_server_listener_listen (self->listener, address, &effective, error))
    return FALSE;

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (effective));
  host = g_inet_address_to_string (inet);
  address_text = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
                   ? g_strdup_printf ("[%s]", host) : g_strdup (host);
  if (url != NULL)
    *url = g_strdup_printf ("%s://%s:%u/", self->tls ? "https" : "http", address_text,
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  return TRUE;
}
