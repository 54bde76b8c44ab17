/* sp-sync-client.c — signing in to a Signpost server and syncing a desk
 *
 * The protocol is docs/sync-protocol.md. A sync pushes the outbox in frozen
 * batches, then pulls pages of changes by cursor. It runs in a worker
 * thread with its own SpStore on the same file (an SpStore is not
 * thread-safe) and its own SoupSession, so the UI thread never waits on
 * the network or on SQLite; the status properties change on the thread
 * that owns the client, when the sync ends.
 *
 * Transient failures (no connection, 5xx, 408) are retried with capped
 * exponential backoff and jitter, a bounded number of times; a 4xx is
 * never retried. Nothing a failure or a cancellation interrupts is lost:
 * a batch is frozen before it is first sent, so it is resent as it was
 * and the server applies it once; a page is applied with its cursor in
 * one transaction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-sync"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sp-error.h"
#include "sp-store-private.h"
#include "sp-sync-client-private.h"
#include "sp-validate.h"

#define DEFAULT_BATCH_SIZE     200
#define DEFAULT_PAGE_SIZE      500
#define MAX_BATCH_BYTES        (2 * 1024 * 1024)
#define DEFAULT_ATTEMPTS       6
#define DEFAULT_FIRST_DELAY_MS 1000
#define DEFAULT_MAX_DELAY_MS   60000
/* Under the server's 30 s silence and 60 s idle limits. */
#define IO_TIMEOUT_S           25
#define IDLE_TIMEOUT_S         50

G_DEFINE_QUARK (sp-sync-error-quark, sp_sync_error)

G_DEFINE_ENUM_TYPE (SpSyncState, sp_sync_state,
  G_DEFINE_ENUM_VALUE (SP_SYNC_STATE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (SP_SYNC_STATE_SYNCING, "syncing"),
  G_DEFINE_ENUM_VALUE (SP_SYNC_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (SP_SYNC_STATE_ERROR, "error"))

struct _SpSyncClient
{
  GObject         parent_instance;

  SpStore        *store;
  SoupSession    *session;      /* sign-in and sign-out, on the owner's thread */
  char           *server_url;
  char           *username;
  char           *token;

  SpSyncState     state;
  char           *last_synced;
  char           *last_error;
  gint64          pending_changes;
  guint           n_conflicts;
  guint           n_rejected;
  gboolean        syncing;

  guint           batch_size;
  guint           page_size;
  guint           max_attempts;
  guint           first_delay_ms;
  guint           max_delay_ms;
  gboolean        use_snapshots;
  SpSyncTestHook  hook;
  gpointer        hook_data;
};

G_DEFINE_FINAL_TYPE (SpSyncClient, sp_sync_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STORE,
  PROP_STATE,
  PROP_SIGNED_IN,
  PROP_SERVER_URL,
  PROP_USERNAME,
  PROP_LAST_SYNCED,
  PROP_LAST_ERROR,
  PROP_PENDING_CHANGES,
  PROP_N_CONFLICTS,
  PROP_N_REJECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Backoff ------------------------------------------------------------- */

guint
sp_sync_backoff_delay (guint  retry,
                       guint  first_ms,
                       guint  cap_ms,
                       double random)
{
  double delay = first_ms;

  for (guint i = 1; i < retry && delay < cap_ms; i++)
    delay *= 2;
  delay = MIN (delay, (double) cap_ms);
  delay *= 0.8 + 0.4 * CLAMP (random, 0.0, 1.0);
  return (guint) MIN (delay, (double) cap_ms);
}

/* Sleeps, waking at once when @cancellable is cancelled. */
static gboolean
sleep_cancellable (guint         ms,
                   GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  GPollFD pollfd;

  if (cancellable == NULL || !g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_usleep ((gulong) ms * 1000);
      return !g_cancellable_is_cancelled (cancellable);
    }
  while (!g_cancellable_is_cancelled (cancellable))
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        break;
      g_poll (&pollfd, 1, (gint) ((left + 999) / 1000));
    }
  g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* ---- Talking to the server ----------------------------------------------- */

static SoupSession *
session_new (void)
{
  g_autofree char *agent = g_strdup_printf ("signpost/%s", PACKAGE_VERSION);

  return soup_session_new_with_options ("timeout", IO_TIMEOUT_S,
                                        "idle-timeout", IDLE_TIMEOUT_S,
                                        "user-agent", agent,
                                        NULL);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  bare = g_strdup (host);
  if (bare[0] == '[' && g_str_has_suffix (bare, "]"))
    {
      memmove (bare, bare + 1, strlen (bare));
      bare[strlen (bare) - 1] = '\0';
    }
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* "https://host:port/base" with no trailing slash, or NULL. */
char *
sp_sync_server_url_normalize (const char  *url,
                              GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *trimmed = NULL;
  const char *scheme;

  if (url == NULL)
    url = "";
  trimmed = g_strstrip (g_strdup (url));
  uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_ADDRESS,
                   _("“%s” is not a server address. It looks like https://signpost.example.nhs.uk"), url);
      return NULL;
    }
  /* Passwords and patient records never cross a network in clear text:
   * plain http is for a server on this computer only. */
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !host_is_loopback (g_uri_get_host (uri)))
    {
      g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_ADDRESS,
                   _("“%s” is not a secure address. Use the server’s https:// address; "
                     "plain http is only for a server on this computer."), url);
      return NULL;
    }
  while (g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';
  return g_steal_pointer (&trimmed);
}

static SoupMessage *
message_new (const char  *method,
             const char  *server_url,
             const char  *path,
             const char  *token,
             JsonNode    *body)
{
  g_autofree char *uri = g_strconcat (server_url, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  if (msg == NULL)
    return NULL;
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
    }
  if (body != NULL)
    {
      gsize length = 0;
      char *text = json_to_string (body, FALSE);
      g_autoptr(GBytes) bytes = NULL;

      length = strlen (text);
      bytes = g_bytes_new_take (text, length);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  return msg;
}

/* A server's answer as JSON, or NULL: read as a page is (UTF-8, one
 * value, bounded nesting), since a server can send anything. */
static JsonNode *
parse_bytes (GBytes *bytes)
{
  gsize length = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &length) : NULL;

  if (data == NULL)
    return NULL;
  return sp_sync_json_parse (data, length, NULL);
}

/* The "error" of a 4xx/5xx answer: its code and its plain-words message. */
static void
server_error (GBytes      *bytes,
              char       **code,
              char       **message,
              gint64      *retry_after)
{
  g_autoptr(JsonNode) root = parse_bytes (bytes);
  JsonObject *object;
  JsonNode *node;

  *code = NULL;
  *message = NULL;
  if (retry_after != NULL)
    *retry_after = -1;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (node = json_object_get_member (json_node_get_object (root), "error")) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    return;
  object = json_node_get_object (node);
  if (json_object_has_member (object, "code"))
    *code = g_strdup (json_object_get_string_member_with_default (object, "code", NULL));
  if (json_object_has_member (object, "message"))
    *message = g_strdup (json_object_get_string_member_with_default (object, "message", NULL));
  if (retry_after != NULL)
    {
      if (json_object_has_member (object, "retry_after"))
        *retry_after = json_object_get_int_member_with_default (object, "retry_after", -1);
      else if (json_object_has_member (json_node_get_object (root), "retry_after"))
        *retry_after = json_object_get_int_member_with_default (json_node_get_object (root), "retry_after", -1);
    }
}

/* The op a 400 answer blames, if it names one ("op_id" in its error). */
static char *
error_op_id (GBytes  *bytes,
             char   **message)
{
  g_autoptr(JsonNode) root = parse_bytes (bytes);
  JsonNode *node;
  JsonObject *object;

  *message = NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (node = json_object_get_member (json_node_get_object (root), "error")) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  *message = g_strdup (json_object_get_string_member_with_default (object, "message", NULL));
  return g_strdup (json_object_get_string_member_with_default (object, "op_id", NULL));
}

/* An answer the sync cannot go on from: said in plain words, with the
 * server's own message where it gave one. */
static void
set_status_error (GError  **error,
                  guint     status,
                  GBytes   *bytes)
{
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  server_error (bytes, &code, &message, NULL);
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      g_set_error_literal (error, SP_SYNC_ERROR, SP_SYNC_ERROR_SESSION_ENDED,
                           _("Your session on the server has ended. Sign in again; nothing was lost — "
                             "the changes not yet sent will be sent then."));
      break;
    case SOUP_STATUS_FORBIDDEN:
      g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_FORBIDDEN,
                   _("The server did not accept changes from your account: %s"),
                   message ? message : _("your role may not change records."));
      break;
    default:
      {
        g_autofree char *said = message ? g_strdup_printf (_(" The server said: “%s”"), message) : g_strdup ("");

        if (status >= 500)
          g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_SERVER,
                       _("The server had a problem and could not finish the sync (error %u). Nothing was lost; "
                         "try again later, and tell your IT support if it goes on.%s"),
                       status, said);
        else
          g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_SERVER,
                       _("The server refused the sync (error %u). Nothing was lost; the changes not yet sent "
                         "are kept on this computer.%s"),
                       status, said);
        break;
      }
    }
}

/* ---- The sync, in its worker thread -------------------------------------- */

typedef struct
{
  char           *db_path;
  char           *server_url;
  char           *token;
  guint           batch_size;
  guint           page_size;
  guint           max_attempts;
  guint           first_delay_ms;
  guint           max_delay_ms;
  gboolean        use_snapshots;
  SpSyncTestHook  hook;
  gpointer        hook_data;

  SoupSession    *session;
  GRand          *rand;
  gboolean        answered;   /* the server answered something in this sync */
  SpSyncCounts    counts;
  GError         *forbidden;  /* the push was refused; the pull still ran */

  /* A new desk's snapshot, downloaded, checked and given the desk's own
   * state beside the store, between the two halves of the sync. */
  char           *snapshot;
  char           *snapshot_state;
  gint64          snapshot_rows;
  gboolean        second_half;
} SyncJob;

static void
discard_snapshot (SyncJob *job)
{
  if (job->snapshot != NULL)
    {
      g_autofree char *journal = g_strconcat (job->snapshot, "-journal", NULL);

      g_unlink (job->snapshot);
      g_unlink (journal);
    }
  g_clear_pointer (&job->snapshot, g_free);
  g_clear_pointer (&job->snapshot_state, g_free);
}

static void
sync_job_clear (SyncJob *job)
{
  discard_snapshot (job);
  g_free (job->db_path);
  g_free (job->server_url);
  if (job->token != NULL)
    {
      memset (job->token, 0, strlen (job->token));
      g_free (job->token);
    }
  g_clear_object (&job->session);
  g_clear_pointer (&job->rand, g_rand_free);
  g_clear_error (&job->forbidden);
}

/* Each half of the sync holds the job. */
static SyncJob *
sync_job_ref (SyncJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
sync_job_unref (SyncJob *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) sync_job_clear);
}

static void
run_hook (SyncJob     *job,
          SpSyncStage  stage,
          guint        n)
{
  if (job->hook != NULL)
    job->hook (stage, n, job->hook_data);
}

/* Sends a request, retrying what may pass on a second try. Returns the
 * answer's body and sets @status, or sets @error: cancelled, or the server
 * could not be reached (or stopped answering) after every attempt. */
static GBytes *
send_with_retry (SyncJob       *job,
                 const char    *method,
                 const char    *path,
                 JsonNode      *body,
                 guint         *status,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GError) last_error = NULL;

  for (guint attempt = 1; attempt <= job->max_attempts; attempt++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) local_error = NULL;

      if (attempt > 1)
        {
          guint delay = sp_sync_backoff_delay (attempt - 1, job->first_delay_ms, job->max_delay_ms,
                                               g_rand_double (job->rand));
          g_debug ("Retrying %s %s in %u ms (attempt %u of %u)", method, path, delay, attempt, job->max_attempts);
          if (!sleep_cancellable (delay, cancellable))
            break;
        }

      msg = message_new (method, job->server_url, path, job->token, body);
      if (msg == NULL)
        {
          g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_ADDRESS,
                       _("“%s” is not a server address."), job->server_url);
          return NULL;
        }
      bytes = soup_session_send_and_read (job->session, msg, cancellable, &local_error);
      if (bytes == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          if (local_error->domain == G_TLS_ERROR)
            {
              /* A certificate does not get better by asking again. */
              g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_UNREACHABLE,
                           _("The server’s security certificate was not accepted (%s), so nothing was sent. "
                             "Tell your IT support; your changes are kept on this computer."),
                           local_error->message);
              return NULL;
            }
          g_debug ("%s %s failed: %s", method, path, local_error->message);
          g_clear_error (&last_error);
          last_error = g_steal_pointer (&local_error);
          continue;
        }

      *status = soup_message_get_status (msg);
      if (*status >= 500 || *status == SOUP_STATUS_REQUEST_TIMEOUT)
        {
          job->answered = TRUE;
          g_debug ("%s %s answered %u", method, path, *status);
          if (attempt == job->max_attempts)
            return g_steal_pointer (&bytes);
          continue;
        }
      /* libsoup 3.2 can hand over a body cut short by a dropped connection
       * without an error; the length the server announced tells. Both
       * requests are safe to repeat (a batch is answered once). */
      if (soup_message_headers_get_encoding (soup_message_get_response_headers (msg)) == SOUP_ENCODING_CONTENT_LENGTH &&
          soup_message_headers_get_content_length (soup_message_get_response_headers (msg)) != (goffset) g_bytes_get_size (bytes))
        {
          g_debug ("%s %s: answer cut short (%" G_GSIZE_FORMAT " of %" G_GOFFSET_FORMAT " bytes)", method, path,
                   g_bytes_get_size (bytes),
                   soup_message_headers_get_content_length (soup_message_get_response_headers (msg)));
          job->answered = TRUE;
          g_clear_error (&last_error);
          g_set_error_literal (&last_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                               "answer cut short");
          continue;
        }
      job->answered = TRUE;
      return g_steal_pointer (&bytes);
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (job->answered)
    g_set_error_literal (error, SP_SYNC_ERROR, SP_SYNC_ERROR_INTERRUPTED,
                         _("The server stopped answering in the middle of the sync; nothing was lost — "
                           "the changes not yet sent will be sent next time."));
  else
    g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_UNREACHABLE,
                 _("The server could not be reached (%s). Check the network connection; your changes are kept "
                   "on this computer and will be sent at the next sync."),
                 last_error ? last_error->message : _("no answer"));
  return NULL;
}

static gboolean
push (SyncJob       *job,
      SpStore       *store,
      GCancellable  *cancellable,
      GError       **error)
{
  gint64 unsent;
  guint max_rounds;
  guint held_back = 0;

  /* What need not or may not be sent is settled here first: a GP's desk
   * sends only its audit events (the rest is kept as refused, as the
   * server would refuse it), and a record the server never had, since
   * removed here, needs nothing sent. */
  if (!sp_sync_store_hold_back_unsendable (store, &held_back, &job->counts, error) ||
      !sp_sync_store_settle_never_sent (store, error))
    return FALSE;
  if (held_back > 0)
    g_set_error (&job->forbidden, SP_SYNC_ERROR, SP_SYNC_ERROR_FORBIDDEN,
                 g_dngettext (GETTEXT_PACKAGE,
                              "%u change was not sent: a GP account can look records up but cannot change them. "
                              "It is kept in the list of refused changes.",
                              "%u changes were not sent: a GP account can look records up but cannot change them. "
                              "They are kept in the list of refused changes.",
                              held_back),
                 held_back);

  unsent = sp_sync_store_count_unsent (store);
  /* Changes made while the sync runs go too, but a sync always ends. */
  max_rounds = (guint) (MAX (unsent, 0) / job->batch_size) + 3;

  for (guint round = 1; round <= max_rounds; round++)
    {
      g_autoptr(SpSyncBatch) batch = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonNode) answer = NULL;
      g_autofree char *path = NULL;
      g_autoptr(GError) local_error = NULL;
      guint status = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      batch = sp_sync_store_next_batch (store, job->batch_size, MAX_BATCH_BYTES, &local_error);
      if (batch == NULL)
        {
          if (local_error == NULL)
            break;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      g_debug ("Sending batch %s: %u changes%s", batch->batch_id, batch->n_ops, batch->resumed ? " (again)" : "");
      path = g_strdup_printf ("/v1/batches/%s", batch->batch_id);
      bytes = send_with_retry (job, "PUT", path, batch->body, &status, cancellable, error);
      if (bytes == NULL)
        return FALSE;

      if (status == SOUP_STATUS_FORBIDDEN)
        {
          g_autofree char *code = NULL;
          g_autofree char *message = NULL;

          /* The account may not write: keep the changes, readable, out of
           * the outbox so the next sync does not stop on them again, and
           * still bring the records down. The server's words replace any
           * said about changes held back above. */
          g_clear_error (&job->forbidden);
          set_status_error (&job->forbidden, status, bytes);
          server_error (bytes, &code, &message, NULL);
          if (!sp_sync_store_reject_batch (store, batch->batch_id,
                                           message ? message : _("Your account may not change records on the server."),
                                           &job->counts, error))
            return FALSE;
          break;
        }
      if (status == SOUP_STATUS_BAD_REQUEST)
        {
          g_autofree char *op_id = NULL;
          g_autofree char *message = NULL;
          g_autoptr(GError) reject_error = NULL;

          /* One op the server cannot take refused the whole batch, and it
           * named the op: keep that one as refused and send the rest. */
          op_id = error_op_id (bytes, &message);
          if (op_id != NULL &&
              sp_sync_store_reject_op (store, batch->batch_id, op_id,
                                       message ? message : _("The server could not take this change."),
                                       &job->counts, &reject_error))
            continue;
          if (reject_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&reject_error));
              return FALSE;
            }
        }
      if (status != SOUP_STATUS_OK)
        {
          set_status_error (error, status, bytes);
          return FALSE;
        }

      answer = parse_bytes (bytes);
      if (answer == NULL)
        {
          g_set_error_literal (error, SP_SYNC_ERROR, SP_SYNC_ERROR_PROTOCOL,
                               _("The server’s answer to the changes sent could not be read. Nothing was lost: "
                                 "the changes will be sent again."));
          return FALSE;
        }
      if (!sp_sync_store_apply_results (store, batch->batch_id, answer, &job->counts, error))
        return FALSE;
      run_hook (job, SP_SYNC_STAGE_BATCH_DONE, round);
    }
  return TRUE;
}

/* A server replaced or restored while this sync runs is met again on the
 * next page; more than this in one sync is not a server to trust. */
#define MAX_RESTARTS 2
/* Pages fetched and decoded ahead of the one being written. */
#define PAGES_AHEAD 2

/* The pull runs as two stages, so the network, the server and the JSON
 * decoding of the next page overlap the writing of this one: a fetcher
 * thread asks for pages by cursor (the next cursor is in the page just
 * decoded, so it never waits for the write) and hands them over a queue;
 * the sync thread checks each against the server it knows and writes it.
 * The fetcher has its own session and random source; it stays at most
 * PAGES_AHEAD pages ahead, so memory stays bounded. */
typedef struct
{
  SyncJob       job;          /* a copy of the sync's: its own session and rand */
  gint64        since;
  GCancellable *cancellable;  /* cancelled with the sync's, or to stop early */
  gulong        cancelled_id;
  GCancellable *parent;
  GAsyncQueue  *pages;        /* Fetched */
  GAsyncQueue  *credits;      /* one per page the fetcher may still fetch ahead */
  GThread      *thread;
} Fetcher;

typedef struct
{
  SpSyncPage *page;   /* or NULL with error set */
  GError     *error;
} Fetched;

static void
fetched_free (Fetched *fetched)
{
  g_clear_pointer (&fetched->page, sp_sync_page_free);
  g_clear_error (&fetched->error);
  g_free (fetched);
}

static void
cancel_fetcher_cb (GCancellable *parent,
                   GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static gpointer
fetcher_thread (gpointer user_data)
{
  Fetcher *f = user_data;
  gint64 cursor = f->since;

  f->job.session = session_new ();
  f->job.rand = g_rand_new ();
  for (;;)
    {
      Fetched *fetched = g_new0 (Fetched, 1);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *path = NULL;
      const char *data;
      gsize length = 0;
      guint status = 0;

      g_async_queue_pop (f->credits);
      if (g_cancellable_set_error_if_cancelled (f->cancellable, &fetched->error))
        {
          g_async_queue_push (f->pages, fetched);
          break;
        }
      path = g_strdup_printf ("/v1/changes?since=%" G_GINT64_FORMAT "&limit=%u", cursor, f->job.page_size);
      bytes = send_with_retry (&f->job, "GET", path, NULL, &status, f->cancellable, &fetched->error);
      if (bytes != NULL && status != SOUP_STATUS_OK)
        set_status_error (&fetched->error, status, bytes);
      else if (bytes != NULL)
        {
          data = g_bytes_get_data (bytes, &length);
          fetched->page = sp_sync_page_decode (data, length, cursor, &local_error);
          if (fetched->page == NULL)
            g_set_error_literal (&fetched->error, SP_SYNC_ERROR, SP_SYNC_ERROR_PROTOCOL, local_error->message);
        }
      if (fetched->page == NULL)
        {
          g_async_queue_push (f->pages, fetched);
          break;
        }
      cursor = MAX (cursor, fetched->page->last_seq);
      if (!fetched->page->more)
        {
          g_async_queue_push (f->pages, fetched);
          break;
        }
      g_async_queue_push (f->pages, fetched);
    }
  g_clear_object (&f->job.session);
  g_clear_pointer (&f->job.rand, g_rand_free);
  return NULL;
}

static Fetcher *
fetcher_start (SyncJob      *job,
               gint64        since,
               GCancellable *cancellable)
{
  Fetcher *f = g_new0 (Fetcher, 1);

  f->job = *job;
  f->job.session = NULL;
  f->job.rand = NULL;
  f->job.forbidden = NULL;
  f->since = since;
  f->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      f->parent = g_object_ref (cancellable);
      f->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancel_fetcher_cb),
                                               g_object_ref (f->cancellable), g_object_unref);
    }
  f->pages = g_async_queue_new_full ((GDestroyNotify) fetched_free);
  f->credits = g_async_queue_new ();
  for (guint i = 0; i < PAGES_AHEAD; i++)
    g_async_queue_push (f->credits, GUINT_TO_POINTER (1));
  f->thread = g_thread_new ("sp-sync-fetch", fetcher_thread, f);
  return f;
}

/* Stops the fetcher (at once if it is still fetching), waits for it and
 * drops what it fetched ahead. */
static void
fetcher_stop (Fetcher *f,
              SyncJob *job)
{
  Fetched *left;

  g_cancellable_cancel (f->cancellable);
  g_async_queue_push (f->credits, GUINT_TO_POINTER (1));
  g_thread_join (f->thread);
  job->answered |= f->job.answered;
  while ((left = g_async_queue_try_pop (f->pages)) != NULL)
    fetched_free (left);
  if (f->parent != NULL)
    g_cancellable_disconnect (f->parent, f->cancelled_id);
  g_clear_object (&f->parent);
  g_clear_object (&f->cancellable);
  g_async_queue_unref (f->pages);
  g_async_queue_unref (f->credits);
  g_free (f);
}

static gboolean
pull (SyncJob       *job,
      SpStore       *store,
      GCancellable  *cancellable,
      GError       **error)
{
  gint64 cursor = sp_sync_store_get_cursor (store);
  guint pages = 0;
  Fetcher *fetcher = fetcher_start (job, cursor, cancellable);
  gboolean ok = FALSE;

  for (;;)
    {
      gboolean reset = FALSE;
      Fetched *fetched;

      fetched = g_async_queue_pop (fetcher->pages);
      if (fetched->page == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&fetched->error));
          fetched_free (fetched);
          break;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          fetched_free (fetched);
          break;
        }
      /* Every page says which server it is from: one that is not the
       * server this cursor was for may hold rows behind it. */
      if (!sp_sync_store_check_server (store, fetched->page->server_id, fetched->page->max_seq, &reset, error))
        {
          fetched_free (fetched);
          break;
        }
      if (reset)
        {
          fetched_free (fetched);
          fetcher_stop (fetcher, job);
          fetcher = NULL;
          if (++job->counts.restarts > MAX_RESTARTS)
            {
              g_set_error_literal (error, SP_SYNC_ERROR, SP_SYNC_ERROR_PROTOCOL,
                                   _("The server kept changing while this desk was syncing. Nothing was lost; "
                                     "try again later, and tell your IT support if it goes on."));
              return FALSE;
            }
          cursor = 0;
          fetcher = fetcher_start (job, cursor, cancellable);
          continue;
        }
      if (!sp_sync_store_apply_page (store, fetched->page, &job->counts, error))
        {
          fetched_free (fetched);
          break;
        }
      cursor = MAX (cursor, fetched->page->last_seq);
      run_hook (job, SP_SYNC_STAGE_PAGE_DONE, ++pages);
      if (!fetched->page->more)
        {
          fetched_free (fetched);
          ok = TRUE;
          break;
        }
      fetched_free (fetched);
      g_async_queue_push (fetcher->credits, GUINT_TO_POINTER (1));
    }
  fetcher_stop (fetcher, job);
  return ok;
}

/* ---- A new desk's first sync, from a snapshot ---------------------------- */

#define SNAPSHOT_CHUNK (1024 * 1024)

/* Files a sync stopped part-way (the computer switched off) left beside
 * the store: a snapshot can be a gigabyte. */
static void
remove_stale_snapshots (const char *db_path)
{
  g_autofree char *folder = g_path_get_dirname (db_path);
  g_autofree char *base = g_path_get_basename (db_path);
  g_autofree char *prefix = g_strconcat (base, ".snapshot-", NULL);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix))
      {
        g_autofree char *path = g_build_filename (folder, name, NULL);
        g_unlink (path);
      }
}

/* Reads the snapshot answer into the file at @path. FALSE with @error set
 * when the sync must stop (cancelled, the file cannot be written); FALSE
 * with no error when the answer broke off: the desk pulls the changes
 * instead. */
static gboolean
download (GInputStream  *stream,
          goffset        expected,
          const char    *path,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GOutputStream) out = NULL;
  g_autofree guint8 *buffer = g_malloc (SNAPSHOT_CHUNK);
  g_autoptr(GError) read_error = NULL;
  g_autoptr(GError) write_error = NULL;
  goffset total = 0;
  gssize n;

  out = G_OUTPUT_STREAM (g_file_append_to (file, G_FILE_CREATE_PRIVATE, cancellable, &write_error));
  while (out != NULL && (n = g_input_stream_read (stream, buffer, SNAPSHOT_CHUNK, cancellable, &read_error)) > 0)
    {
      if (!g_output_stream_write_all (out, buffer, (gsize) n, NULL, cancellable, &write_error))
        break;
      total += n;
    }
  if (out != NULL && write_error == NULL)
    g_output_stream_close (out, cancellable, &write_error);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (g_error_matches (write_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    {
      sp_sync_set_disk_full (error);
      return FALSE;
    }
  if (write_error != NULL)
    {
      g_set_error (error, SP_SYNC_ERROR, SP_SYNC_ERROR_FAILED,
                   _("The server’s records could not be written next to this desk’s database (%s). "
                     "Nothing on this desk was lost."), write_error->message);
      return FALSE;
    }
  if (read_error != NULL || total != expected)
    {
      g_debug ("The snapshot broke off: %" G_GOFFSET_FORMAT " of %" G_GOFFSET_FORMAT " bytes (%s)", total, expected,
               read_error != NULL ? read_error->message : "end of answer");
      return FALSE;
    }
  return TRUE;
}

/* A new desk starts from the server's snapshot of its practices: one file,
 * made the store as a whole instead of every change since the server
 * began (docs/sync-protocol.md, *Snapshots*). The first half of the sync
 * downloads it beside the store, checks it and gives it the desk's own
 * state; the store's own thread then puts it in the store's place
 * (take_snapshot()), and the second half pulls what changed since.
 * Returns FALSE with @error only when the sync must stop; a server without
 * snapshots, an answer that broke off or a snapshot that cannot be used
 * leave job->snapshot unset, and the pull does it all. */
static gboolean
fetch_snapshot (SyncJob       *job,
                SpStore       *store,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autofree char *path = g_strdup_printf ("/v1/snapshot?schema=%d", SP_SCHEMA_VERSION);
  g_autofree char *tmp = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessageHeaders *headers;
  guint status;
  gint64 started;
  int fd;
  gboolean ok;

  remove_stale_snapshots (job->db_path);
  msg = message_new ("GET", job->server_url, path, job->token, NULL);
  if (msg == NULL)
    return TRUE;
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/vnd.sqlite3");
  stream = soup_session_send (job->session, msg, cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("No snapshot: %s", local_error->message);
      return TRUE;
    }
  job->answered = TRUE;
  status = soup_message_get_status (msg);
  headers = soup_message_get_response_headers (msg);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      g_autoptr(GBytes) bytes = g_input_stream_read_bytes (stream, 64 * 1024, cancellable, NULL);
      set_status_error (error, status, bytes);
      return FALSE;
    }
  if (status != SOUP_STATUS_OK || soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    {
      g_debug ("No snapshot: the server answered %u", status);
      return TRUE;
    }

  tmp = g_strconcat (job->db_path, ".snapshot-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_RDWR, 0600);
  if (fd < 0)
    {
      g_debug ("No snapshot: %s", g_strerror (errno));
      return TRUE;
    }
  close (fd);
  job->snapshot = g_steal_pointer (&tmp);
  started = g_get_monotonic_time ();
  ok = download (stream, soup_message_headers_get_content_length (headers), job->snapshot, cancellable, error);
  g_input_stream_close (stream, NULL, NULL);
  if (ok)
    {
      gint64 fetched = g_get_monotonic_time ();

      run_hook (job, SP_SYNC_STAGE_SNAPSHOT_FETCHED, 0);
      job->snapshot_state = sp_sync_store_prepare_snapshot (store, job->snapshot, &job->snapshot_rows, &local_error);
      if (job->snapshot_state != NULL)
        g_debug ("Snapshot: %" G_GOFFSET_FORMAT " bytes fetched in %.3f s, checked in %.3f s",
                 soup_message_headers_get_content_length (headers), (fetched - started) / 1e6,
                 (g_get_monotonic_time () - fetched) / 1e6);
      else if (g_error_matches (local_error, SP_ERROR, SP_ERROR_DISK_FULL))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_message ("%s Pulling the changes instead.", local_error->message);
    }
  if (job->snapshot_state == NULL)
    discard_snapshot (job);
  return error == NULL || *error == NULL;
}

/* The store of a sync's thread. */
static SpStore *
open_sync_store (SyncJob  *job,
                 GError  **error)
{
  SpStore *store = sp_store_open (job->db_path, error);

  if (store == NULL)
    return NULL;
  sp_sync_store_restore_actor (store);
  /* Pages come in the server's order, so a child row may arrive a page
   * before its parent; this connection only ever writes the server's rows,
   * which the server has already checked. */
  sqlite3_exec (sp_store_get_handle (store), "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
  return store;
}

/* Ends the sync: records how it went in the store, closes the store, and
 * returns. */
static void
sync_end (GTask    *task,
          SyncJob  *job,
          SpStore  *store,
          GError   *error)
{
  g_autofree char *now = NULL;

  if (error == NULL && job->forbidden != NULL)
    error = g_steal_pointer (&job->forbidden);

  now = sp_store_now (store);
  if (error == NULL)
    sp_sync_store_set_last_result (store, now, NULL, NULL);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    sp_sync_store_set_last_result (store, NULL, error->message, NULL);
  discard_snapshot (job);
  g_object_unref (store);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The snapshot's records are the desk's now: counted as pulled. */
static void
snapshot_in (SyncJob        *job,
             SpSyncSnapshot  how)
{
  job->counts.snapshot = how;
  job->counts.pulled += (guint) MIN (job->snapshot_rows, G_MAXUINT);
}

/* In the second half, when the snapshot could not take the store's place:
 * copied in instead. */
static void
copy_snapshot (SyncJob  *job,
               SpStore  *store,
               GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 started = g_get_monotonic_time ();

  if (sp_sync_store_install_snapshot (store, job->snapshot, job->snapshot_state, &local_error))
    {
      snapshot_in (job, SP_SYNC_SNAPSHOT_COPIED);
      g_debug ("Snapshot copied in %.3f s", (g_get_monotonic_time () - started) / 1e6);
    }
  else if (g_error_matches (local_error, SP_ERROR, SP_ERROR_DISK_FULL))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_message ("%s Pulling the changes instead.", local_error->message);
  discard_snapshot (job);
}

/* A sync in two halves: the first pushes, then either pulls or, for a new
 * desk, fetches the snapshot and returns, so the store's own thread can
 * make it the store (take_snapshot()); the second copies it in if that
 * could not be done, then pulls what changed since it was made. */
static void
sync_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SyncJob *job = task_data;
  SpStore *store;
  GError *error = NULL;

  store = open_sync_store (job, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (!job->second_half)
    {
      job->session = session_new ();
      job->rand = g_rand_new ();
      /* Told after every sync until one completes. */
      job->counts.replaced = sp_sync_store_get_catalogue_replaced (store);
      if (!push (job, store, cancellable, &error))
        {
          sync_end (task, job, store, error);
          return;
        }
      run_hook (job, SP_SYNC_STAGE_PUSHED, job->counts.pushed);
      if (job->use_snapshots && sp_sync_store_is_new_desk (store) &&
          fetch_snapshot (job, store, cancellable, &error) && job->snapshot != NULL)
        {
          /* This connection closed first: the store must be alone to be
           * replaced. The session goes on the thread that made it; the
           * second half runs on another thread, with its own. */
          g_object_unref (store);
          g_clear_object (&job->session);
          run_hook (job, SP_SYNC_STAGE_SNAPSHOT_READY, 0);
          g_task_return_boolean (task, TRUE);
          return;
        }
    }
  else
    {
      job->session = session_new ();
      if (job->snapshot != NULL && !g_cancellable_is_cancelled (cancellable))
        copy_snapshot (job, store, &error);
    }

  if (error == NULL)
    pull (job, store, cancellable, &error);
  sync_end (task, job, store, error);
}

/* ---- Status -------------------------------------------------------------- */

static void
set_string (SpSyncClient  *self,
            char         **field,
            char          *value,
            guint          prop)
{
  if (g_strcmp0 (*field, value) == 0)
    {
      g_free (value);
      return;
    }
  g_free (*field);
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_state (SpSyncClient *self,
           SpSyncState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Reads the counts and the last result again from the store: after a sync,
 * and whenever the app has saved something. */
void
sp_sync_client_refresh (SpSyncClient *self)
{
  g_autoptr(SpSyncAccount) account = NULL;
  gint64 pending;
  gint64 n;

  g_return_if_fail (SP_IS_SYNC_CLIENT (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->server_url, sp_sync_store_get_server_url (self->store), PROP_SERVER_URL);
  account = sp_sync_store_get_account (self->store);
  set_string (self, &self->username, account ? g_strdup (account->username) : NULL, PROP_USERNAME);
  set_string (self, &self->last_synced, sp_sync_store_get_last_synced (self->store), PROP_LAST_SYNCED);
  set_string (self, &self->last_error, sp_sync_store_get_last_error (self->store), PROP_LAST_ERROR);

  pending = sp_store_outbox_count (self->store);
  if (pending >= 0 && pending != self->pending_changes)
    {
      self->pending_changes = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_CHANGES]);
    }
  n = sp_sync_store_count_conflicts (self->store);
  if (n >= 0 && (guint) n != self->n_conflicts)
    {
      self->n_conflicts = (guint) n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONFLICTS]);
    }
  n = sp_sync_store_count_rejected (self->store);
  if (n >= 0 && (guint) n != self->n_rejected)
    {
      self->n_rejected = (guint) n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_REJECTED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- Sync ---------------------------------------------------------------- */

/* The demo's patients are made up: they never go to a real server. */
static gboolean
holds_demo (SpStore  *store,
            GError  **error)
{
  g_autofree char *demo = sp_store_get_meta (store, "demo_seeded");

  if (g_strcmp0 (demo, "1") != 0)
    return FALSE;
  g_set_error_literal (error, SP_SYNC_ERROR, SP_SYNC_ERROR_FAILED,
                       _("This database holds the demo practice, whose records are made up, so it is never synced "
                         "with a server. Sign in with a new database instead."));
  return TRUE;
}

/* Between the halves of a new desk's first sync, on the store's thread:
 * the snapshot becomes the store itself if the store is alone, and is
 * left for the second half to copy in if not. */
static void
take_snapshot (SpSyncClient *self,
               SyncJob      *job)
{
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  if (sp_sync_store_take_snapshot (self->store, job->snapshot, job->snapshot_state, &error))
    {
      snapshot_in (job, SP_SYNC_SNAPSHOT_TAKEN);
      g_clear_pointer (&job->snapshot, g_free);
      g_debug ("Snapshot taken as the store in %.3f s", (g_get_monotonic_time () - started) / 1e6);
    }
  else if (g_error_matches (error, SP_ERROR, SP_ERROR_LOCKED))
    g_debug ("Snapshot to be copied in: %s", error->message);
  else
    {
      g_message ("%s Pulling the changes instead.", error->message);
      discard_snapshot (job);
    }
}

static void sync_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

static void
run_half (GTask   *outer,
          SyncJob *job)
{
  g_autoptr(GTask) inner = NULL;

  /* The worker thread may drop its last reference to the inner task after
   * the caller has its answer: the inner task holds no reference to the
   * client (and so to the store), so both can be finalized as soon as the
   * caller lets go of them. */
  inner = g_task_new (NULL, g_task_get_cancellable (outer), sync_done, outer);
  g_task_set_source_tag (inner, sync_thread);
  g_task_set_task_data (inner, sync_job_ref (job), (GDestroyNotify) sync_job_unref);
  g_task_run_in_thread (inner, sync_thread);
}

static void
sync_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  SpSyncClient *self = g_task_get_source_object (outer);
  GTask *inner = G_TASK (result);
  SyncJob *job = g_task_get_task_data (inner);
  g_autoptr(GError) error = NULL;
  SpSyncCounts *counts;

  g_task_propagate_boolean (inner, &error);
  if (error == NULL && !job->second_half && job->snapshot != NULL)
    {
      job->second_half = TRUE;
      if (!g_cancellable_is_cancelled (g_task_get_cancellable (outer)))
        take_snapshot (self, job);
      run_half (g_steal_pointer (&outer), job);
      return;
    }

  self->syncing = FALSE;
  sp_sync_client_refresh (self);
  if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_state (self, SP_SYNC_STATE_IDLE);
  else if (g_error_matches (error, SP_SYNC_ERROR, SP_SYNC_ERROR_UNREACHABLE) ||
           g_error_matches (error, SP_SYNC_ERROR, SP_SYNC_ERROR_INTERRUPTED))
    set_state (self, SP_SYNC_STATE_OFFLINE);
  else
    set_state (self, SP_SYNC_STATE_ERROR);

  counts = g_memdup2 (&job->counts, sizeof job->counts);
  g_task_set_task_data (outer, counts, g_free);
  if (error != NULL)
    g_task_return_error (outer, g_steal_pointer (&error));
  else
    g_task_return_boolean (outer, TRUE);
}

/* Pushes this desk's changes, then pulls everyone else's. One at a time:
 * a second call while a sync runs fails with SP_SYNC_ERROR_BUSY. */
void
sp_sync_client_sync_async (SpSyncClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GError) error = NULL;
  SyncJob *job;

  g_return_if_fail (SP_IS_SYNC_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, sp_sync_client_sync_async);

  if (self->syncing)
    {
      g_task_return_new_error (outer, SP_SYNC_ERROR, SP_SYNC_ERROR_BUSY,
                               _("A sync is already running."));
      return;
    }
  sp_sync_client_refresh (self);
  if (holds_demo (self->store, &error))
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }
  if (self->server_url == NULL || self->token == NULL)
    {
      g_task_return_new_error (outer, SP_SYNC_ERROR, SP_SYNC_ERROR_NOT_SIGNED_IN,
                               _("This desk is not signed in to a Signpost server. Sign in first."));
      return;
    }

  job = g_atomic_rc_box_new0 (SyncJob);
  job->db_path = g_strdup (sp_store_get_path (self->store));
  job->server_url = g_strdup (self->server_url);
  job->token = g_strdup (self->token);
  job->batch_size = self->batch_size;
  job->page_size = self->page_size;
  job->max_attempts = self->max_attempts;
  job->first_delay_ms = self->first_delay_ms;
  job->max_delay_ms = self->max_delay_ms;
  job->use_snapshots = self->use_snapshots;
  job->hook = self->hook;
  job->hook_data = self->hook_data;

  self->syncing = TRUE;
  set_state (self, SP_SYNC_STATE_SYNCING);
  run_half (g_steal_pointer (&outer), job);
  sync_job_unref (job);
}

/* @counts (may be NULL) says what the sync did, also when it failed part-way. */
gboolean
sp_sync_client_sync_finish (SpSyncClient  *self,
                            GAsyncResult  *result,
                            SpSyncCounts  *counts,
                            GError       **error)
{
  SpSyncCounts *done;

  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sp_sync_client_sync_async, FALSE);

  done = g_task_get_task_data (G_TASK (result));
  if (counts != NULL)
    {
      if (done != NULL)
        *counts = *done;
      else
        memset (counts, 0, sizeof *counts);
    }
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Signing in and out -------------------------------------------------- */

typedef struct
{
  char          *server_url;
  SpSyncAccount *account;
  char          *token;
} SignIn;

static void
sign_in_free (SignIn *data)
{
  g_free (data->server_url);
  sp_sync_account_free (data->account);
  if (data->token != NULL)
    {
      memset (data->token, 0, strlen (data->token));
      g_free (data->token);
    }
  g_free (data);
}

static void
sign_in_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SpSyncClient *self = g_task_get_source_object (task);
  SignIn *data = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  JsonNode *user;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_UNREACHABLE,
                                 _("The server could not be reached (%s). Check the address and the network "
                                   "connection, then try again."), error->message);
      return;
    }

  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *code = NULL;
      g_autofree char *message = NULL;
      gint64 retry_after = -1;

      server_error (bytes, &code, &message, &retry_after);
      if (status == SOUP_STATUS_UNAUTHORIZED)
        g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_CREDENTIALS,
                                 _("Your password was not accepted. Check your user name and password and try again."));
      else if (status == 429 /* Too Many Requests */)
        {
          gint64 minutes = retry_after > 0 ? (retry_after + 59) / 60 : 0;

          if (minutes > 0)
            g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_LOCKED_OUT,
                                     g_dngettext (GETTEXT_PACKAGE,
                                                  "There were too many tries with a wrong password, so the account is "
                                                  "locked for now. Try again in %" PRId64 " minute.",
                                                  "There were too many tries with a wrong password, so the account is "
                                                  "locked for now. Try again in %" PRId64 " minutes.",
                                                  (gulong) minutes),
                                     minutes);
          else
            g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_LOCKED_OUT,
                                     _("There were too many tries with a wrong password, so the account is locked "
                                       "for now. Try again later."));
        }
      else if (status == SOUP_STATUS_FORBIDDEN)
        g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_FORBIDDEN,
                                 _("The server did not let you sign in: %s"),
                                 message ? message : _("your account may not use this server."));
      else
        {
          g_autoptr(GError) status_error = NULL;

          set_status_error (&status_error, status, bytes);
          g_task_return_error (task, g_steal_pointer (&status_error));
        }
      return;
    }

  root = parse_bytes (bytes);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (object = json_node_get_object (root), json_object_get_member (object, "token")) == NULL ||
      (user = json_object_get_member (object, "user")) == NULL || !JSON_NODE_HOLDS_OBJECT (user) ||
      json_object_get_string_member_with_default (object, "token", NULL) == NULL)
    {
      g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_PROTOCOL,
                               _("The server’s answer to signing in could not be read. Is this a Signpost server?"));
      return;
    }
  data->account = sp_sync_account_from_json (json_node_get_object (user), &error);
  if (data->account == NULL)
    {
      g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_PROTOCOL, "%s", error->message);
      return;
    }
  data->token = g_strdup (json_object_get_string_member (object, "token"));

  /* The account is remembered, and its role and practices are the store's
   * actor from now on; the token is the caller's to keep safe. */
  if (!sp_sync_store_remember_account (self->store, data->server_url, data->account,
                                       &data->account->catalogue_replaced, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (self->token);
  self->token = g_strdup (data->token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  sp_sync_client_refresh (self);
  g_task_return_boolean (task, TRUE);
}

/* Signs in as @username. On success the account is remembered in the store
 * (its role and practices become the store's actor) and the client holds
 * the token for syncing; _finish hands the token to the caller to keep
 * (sp_sync_token_save). */
void
sp_sync_client_sign_in_async (SpSyncClient        *self,
                              const char          *server_url,
                              const char          *username,
                              const char          *password,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  SignIn *data;

  g_return_if_fail (SP_IS_SYNC_CLIENT (self));
  g_return_if_fail (username != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sp_sync_client_sign_in_async);

  if (holds_demo (self->store, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (SignIn, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_in_free);
  data->server_url = sp_sync_server_url_normalize (server_url, &error);
  if (data->server_url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  msg = message_new ("POST", data->server_url, "/v1/session", NULL, body);
  if (msg == NULL)
    {
      g_task_return_new_error (task, SP_SYNC_ERROR, SP_SYNC_ERROR_BAD_ADDRESS,
                               _("“%s” is not a server address."), server_url);
      return;
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    sign_in_read, g_steal_pointer (&task));
}

/* The account signed in as; @token (may be NULL) gets the bearer token,
 * to be kept by the caller. */
SpSyncAccount *
sp_sync_client_sign_in_finish (SpSyncClient  *self,
                               GAsyncResult  *result,
                               char         **token,
                               GError       **error)
{
  SignIn *data;

  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sp_sync_client_sign_in_async, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  data = g_task_get_task_data (G_TASK (result));
  if (token != NULL)
    *token = g_strdup (data->token);
  return g_steal_pointer (&data->account);
}

static void
sign_out_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  /* Offline, the token is forgotten here all the same; it expires there. */
  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    g_debug ("Could not end the session on the server: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/* Ends the session on the server (if it can be reached) and forgets the
 * account here; the records stay. The caller clears the kept token. */
void
sp_sync_client_sign_out_async (SpSyncClient        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *token = NULL;

  g_return_if_fail (SP_IS_SYNC_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sp_sync_client_sign_out_async);

  if (!sp_sync_store_forget_account (self->store, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  token = g_steal_pointer (&self->token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  sp_sync_client_refresh (self);

  if (token != NULL && self->server_url != NULL)
    msg = message_new ("DELETE", self->server_url, "/v1/session", token, NULL);
  if (msg == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    sign_out_read, g_steal_pointer (&task));
}

gboolean
sp_sync_client_sign_out_finish (SpSyncClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Settings and properties --------------------------------------------- */

/* A token kept from an earlier sign-in (sp_sync_token_load). */
void
sp_sync_client_set_token (SpSyncClient *self,
                          const char   *token)
{
  gboolean was = FALSE;

  g_return_if_fail (SP_IS_SYNC_CLIENT (self));

  was = self->token != NULL;
  g_free (self->token);
  self->token = g_strdup (token);
  if (was != (token != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
}

gboolean
sp_sync_client_get_signed_in (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), FALSE);
  return self->token != NULL && self->username != NULL;
}

SpStore *
sp_sync_client_get_store (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), NULL);
  return self->store;
}

const char *
sp_sync_client_get_server_url (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), NULL);
  return self->server_url;
}

const char *
sp_sync_client_get_username (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), NULL);
  return self->username;
}

SpSyncState
sp_sync_client_get_state (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), SP_SYNC_STATE_IDLE);
  return self->state;
}

const char *
sp_sync_client_get_last_synced (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), NULL);
  return self->last_synced;
}

const char *
sp_sync_client_get_last_error (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), NULL);
  return self->last_error;
}

gint64
sp_sync_client_get_pending_changes (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), 0);
  return self->pending_changes;
}

guint
sp_sync_client_get_n_conflicts (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), 0);
  return self->n_conflicts;
}

guint
sp_sync_client_get_n_rejected (SpSyncClient *self)
{
  g_return_val_if_fail (SP_IS_SYNC_CLIENT (self), 0);
  return self->n_rejected;
}

void
sp_sync_client_set_batch_size (SpSyncClient *self,
                               guint         max_ops)
{
  g_return_if_fail (SP_IS_SYNC_CLIENT (self));
  self->batch_size = CLAMP (max_ops, 1, 1000);
}

/* Whether a new desk may start from the server's snapshot (the default)
 * or pulls every change, as a desk of an older version does. */
void
sp_sync_client_set_use_snapshots (SpSyncClient *self,
                                  gboolean      use_snapshots)
{
  g_return_if_fail (SP_IS_SYNC_CLIENT (self));
  self->use_snapshots = use_snapshots;
}

void
sp_sync_client_set_page_size (SpSyncClient *self,
                              guint         limit)
{
  g_return_if_fail (SP_IS_SYNC_CLIENT (self));
  self->page_size = CLAMP (limit, 1, 1000);
}

void
sp_sync_client_set_retry_policy (SpSyncClient *self,
                                 guint         max_attempts,
                                 guint         first_delay_ms,
                                 guint         max_delay_ms)
{
  g_return_if_fail (SP_IS_SYNC_CLIENT (self));
  self->max_attempts = MAX (max_attempts, 1);
  self->first_delay_ms = first_delay_ms;
  self->max_delay_ms = MAX (max_delay_ms, first_delay_ms);
}

void
sp_sync_client_set_test_hook (SpSyncClient   *self,
                              SpSyncTestHook  hook,
                              gpointer        user_data)
{
  g_return_if_fail (SP_IS_SYNC_CLIENT (self));
  self->hook = hook;
  self->hook_data = user_data;
}

SpSyncClient *
sp_sync_client_new (SpStore *store)
{
  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  return g_object_new (SP_TYPE_SYNC_CLIENT, "store", store, NULL);
}

static void
sp_sync_client_constructed (GObject *object)
{
  SpSyncClient *self = SP_SYNC_CLIENT (object);

  G_OBJECT_CLASS (sp_sync_client_parent_class)->constructed (object);

  g_assert (self->store != NULL);
  sp_sync_client_refresh (self);
  if (self->last_error != NULL)
    self->state = SP_SYNC_STATE_ERROR;
}

static void
sp_sync_client_finalize (GObject *object)
{
  SpSyncClient *self = SP_SYNC_CLIENT (object);

  g_clear_object (&self->store);
  g_clear_object (&self->session);
  g_free (self->server_url);
  g_free (self->username);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  g_free (self->last_synced);
  g_free (self->last_error);

  G_OBJECT_CLASS (sp_sync_client_parent_class)->finalize (object);
}

static void
sp_sync_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SpSyncClient *self = SP_SYNC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SIGNED_IN:
      g_value_set_boolean (value, sp_sync_client_get_signed_in (self));
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_LAST_SYNCED:
      g_value_set_string (value, self->last_synced);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_PENDING_CHANGES:
      g_value_set_int64 (value, self->pending_changes);
      break;
    case PROP_N_CONFLICTS:
      g_value_set_uint (value, self->n_conflicts);
      break;
    case PROP_N_REJECTED:
      g_value_set_uint (value, self->n_rejected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_sync_client_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SpSyncClient *self = SP_SYNC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_sync_client_class_init (SpSyncClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sp_sync_client_constructed;
  object_class->finalize = sp_sync_client_finalize;
  object_class->get_property = sp_sync_client_get_property;
  object_class->set_property = sp_sync_client_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, SP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SP_TYPE_SYNC_STATE, SP_SYNC_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGNED_IN] =
    g_param_spec_boolean ("signed-in", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* UTC, "YYYY-MM-DDTHH:MM:SSZ"; NULL before the first completed sync. */
  properties[PROP_LAST_SYNCED] =
    g_param_spec_string ("last-synced", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING_CHANGES] =
    g_param_spec_int64 ("pending-changes", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_CONFLICTS] =
    g_param_spec_uint ("n-conflicts", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_REJECTED] =
    g_param_spec_uint ("n-rejected", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_sync_client_init (SpSyncClient *self)
{
  self->session = session_new ();
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->page_size = DEFAULT_PAGE_SIZE;
  self->max_attempts = DEFAULT_ATTEMPTS;
  self->first_delay_ms = DEFAULT_FIRST_DELAY_MS;
  self->max_delay_ms = DEFAULT_MAX_DELAY_MS;
  self->use_snapshots = TRUE;
}
