/* sp-server-listener.c — accepting connections and keeping them bounded
 *
 * Each connection goes through these states, each with its own limit:
 *
 *   HANDSHAKE  TLS only: the handshake, bounded by the request timeout.
 *   WAITING    accepted, no byte received yet: the idle timeout.
 *   READING    the first byte came: the whole request (headers and body)
 *              within the request timeout, else 408 and close.
 *   HANDLING   the request is read and being answered: the server's own
 *              work, not bounded here.
 *   WRITING    the answer is set: the client must take it within the
 *              request timeout, or keep taking it (a snapshot of many
 *              megabytes): each time some of it is written, the clock
 *              starts again.
 *   CLOSING    answered with "Connection: close": SoupServer closes it,
 *              the request timeout is a backstop. Answered with
 *              "Connection: keep-alive" instead, the connection is
 *              WAITING again for the next request.
 *
 * Keep-alive. libsoup 3.2 keeps a connection open after an answer only if
 * its SoupServer has a listening socket of its own, and ours come through
 * soup_server_accept_iostream(). So it is given one that nobody can reach
 * (a Unix socket whose path is removed as soon as it listens), and the
 * answer's Connection header, set here in sp_server_listener_answered(),
 * decides: keep-alive only when it is on (max_requests), when the request
 * asked for it, for at most max_requests answers, never once the server is
 * stopping, and not over TLS (see conn_abandon(): the end of a kept
 * connection must be seen before libsoup reads it, which a TLS record
 * hides; behind a proxy that ends TLS, keep-alive works as here).
 *
 * Closing is done by shutting the socket down, never by closing it under
 * libsoup's feet: libsoup then sees end-of-stream on its own read or write,
 * finishes the message and drops the stream, and a weak reference on the
 * stream tells us the connection is gone. (A kept connection between
 * requests is taken back from libsoup first, then closed: conn_abandon().) A 408 or 413 is written straight
 * to the stream (libsoup is only reading at that point) before the socket
 * is shut, so the client gets a JSON answer. After a 413 only our sending
 * side is shut: what the client still sends is read and dropped (never
 * kept), so its end sees our answer instead of a reset, for no longer than
 * the request timeout and four times the size limit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sp-server-error.h"
#include "sp-server-listener.h"
#include "sp-server-log.h"

#define REFUSED_STATUS_KEY "sp-refused-status"
#define REMOTE_KEY "sp-remote"

typedef enum
{
  CONN_HANDSHAKE,
  CONN_WAITING,
  CONN_READING,
  CONN_HANDLING,
  CONN_WRITING,
  CONN_CLOSING,
} ConnState;

typedef struct
{
  SpServerListener  *listener;    /* unowned: it outlives its connections */
  GSocketConnection *base;        /* the TCP connection; owned while handshaking */
  GIOStream         *stream;      /* what libsoup serves; weak once handed over */
  GSocket           *socket;      /* borrowed from base */
  GSocketAddress    *remote;      /* owned; the key SoupServerMessage gives back */
  GSocketAddress    *local;
  SoupServerMessage *msg;         /* the request being read, weak */
  SoupServerMessage *kept;        /* kept alive: the last one answered, for conn_abandon() */
  char              *peer;
  ConnState          state;
  GSource           *timer;
  GSource           *first_byte;
  GCancellable      *handshake;
  gsize              body_bytes;  /* of the request being read */
  guint              answered;    /* answers set on this connection */
  gint64             armed_at;    /* when the timer was last set (monotonic) */
  gboolean           keep_alive;  /* the last answer said keep-alive */
  gboolean           refused;
  gboolean           shut;
} Conn;

struct _SpServerListener
{
  GObject          parent_instance;

  SoupServer      *soup;
  SpServerLimits   limits;
  GTlsCertificate *certificate;
  GSocketService  *service;
  GHashTable      *conns;  /* GSocketAddress * (remote) → Conn */
  gboolean         stopping;
};

G_DEFINE_FINAL_TYPE (SpServerListener, sp_server_listener, G_TYPE_OBJECT)

static void conn_set_state   (Conn      *conn,
                              ConnState  state);
static void conn_watch_first_byte (Conn  *conn);
static void conn_stream_gone (gpointer   data,
                              GObject   *where_the_object_was);

/* ---- Connections --------------------------------------------------------- */

static void
conn_clear_sources (Conn *conn)
{
  if (conn->timer != NULL)
    {
      g_source_destroy (conn->timer);
      g_clear_pointer (&conn->timer, g_source_unref);
    }
  if (conn->first_byte != NULL)
    {
      g_source_destroy (conn->first_byte);
      g_clear_pointer (&conn->first_byte, g_source_unref);
    }
}

static void
conn_free (Conn *conn)
{
  if (conn->stream != NULL)
    g_object_weak_unref (G_OBJECT (conn->stream), conn_stream_gone, conn);
  g_clear_weak_pointer (&conn->msg);
  g_clear_object (&conn->kept);
  conn_clear_sources (conn);
  g_clear_object (&conn->handshake);
  g_clear_object (&conn->base);
  g_clear_object (&conn->remote);
  g_clear_object (&conn->local);
  g_free (conn->peer);
  g_free (conn);
}

/* The connection is gone for good. */
static void
conn_forget (Conn *conn)
{
  g_hash_table_remove (conn->listener->conns, conn->remote);
}

/* Ends the connection from our side: libsoup sees end-of-stream and
 * cleans up; a half close (@write_only) lets the client finish sending
 * before it reads our answer. */
static void
conn_shutdown (Conn     *conn,
               gboolean  write_only)
{
  if (conn->socket == NULL || g_socket_is_closed (conn->socket))
    return;
  if (write_only)
    g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  else
    {
      conn->shut = TRUE;
      g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
    }
}

static char *
error_body (SpServerError code,
            const char   *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, sp_server_error_code (code));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Answers with @code and closes, without reading any more of the request.
 * Written directly: at this point libsoup is only reading. */
static void
conn_refuse (Conn              *conn,
             SoupServerMessage *msg,
             SpServerError      code,
             const char        *message)
{
  guint status = sp_server_error_status (code);
  g_autofree char *body = NULL;
  g_autofree char *answer = NULL;
  GOutputStream *output;

  if (conn->refused || conn->stream == NULL)
    return;
  conn->refused = TRUE;

  /* A request with a request line is logged when libsoup lets it go;
   * anything less is logged here. */
  if (msg != NULL)
    g_object_set_data (G_OBJECT (msg), REFUSED_STATUS_KEY, GUINT_TO_POINTER (status));
  if (msg == NULL || soup_server_message_get_method (msg) == NULL)
    sp_server_log_event (code == SP_SERVER_ERROR_TIMEOUT ? "request_timeout" : "refused",
                         conn->peer, sp_server_error_code (code));

  body = error_body (code, message);
  answer = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                            "Content-Type: application/json\r\n"
                            "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                            "Connection: close\r\n"
                            "Cache-Control: no-store\r\n"
                            "\r\n%s",
                            status, soup_status_get_phrase (status), strlen (body), body);

  output = g_io_stream_get_output_stream (conn->stream);
  if (G_IS_POLLABLE_OUTPUT_STREAM (output))
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output),
                                                answer, strlen (answer), NULL, NULL);
}

/* A kept connection ends between requests: the client went, or it was
 * idle too long. libsoup 3.2 does not let go of a kept connection that
 * ends before a byte of the next request (its reader finishes without
 * telling anyone, and the connection stays in its list for ever), so
 * before libsoup sees that end (conn_watch_first_byte() runs first) the
 * connection is taken back through the last message answered on it and
 * closed here; libsoup forgets it. */
static void
conn_abandon (Conn *conn)
{
  g_autoptr(SoupServerMessage) kept = g_steal_pointer (&conn->kept);
  GIOStream *stream = NULL;

  if (kept != NULL)
    stream = soup_server_message_steal_connection (kept);
  if (stream == NULL)
    {
      conn_shutdown (conn, FALSE);
      return;
    }
  conn->shut = TRUE;
  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
}

static gboolean
conn_timeout (gpointer data)
{
  Conn *conn = data;

  g_clear_pointer (&conn->timer, g_source_unref);

  switch (conn->state)
    {
    case CONN_HANDSHAKE:
      sp_server_log_event ("handshake_timeout", conn->peer, NULL);
      g_cancellable_cancel (conn->handshake);
      break;
    case CONN_WAITING:
      sp_server_log_event ("idle_timeout", conn->peer, NULL);
      if (conn->kept != NULL)
        conn_abandon (conn);
      else
        conn_shutdown (conn, FALSE);
      break;
    case CONN_READING:
      conn_refuse (conn, conn->msg, SP_SERVER_ERROR_TIMEOUT,
                   _("The request took too long to arrive, so the server stopped waiting. Try again."));
      conn_shutdown (conn, FALSE);
      break;
    case CONN_WRITING:
      sp_server_log_event ("write_timeout", conn->peer, NULL);
      conn_shutdown (conn, FALSE);
      break;
    case CONN_CLOSING:
    case CONN_HANDLING:
    default:
      conn_shutdown (conn, FALSE);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
conn_arm (Conn  *conn,
          guint  timeout_ms)
{
  if (conn->timer != NULL)
    {
      g_source_destroy (conn->timer);
      g_clear_pointer (&conn->timer, g_source_unref);
    }
  if (timeout_ms == 0)
    return;
  conn->armed_at = g_get_monotonic_time ();
  conn->timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (conn->timer, conn_timeout, conn, NULL);
  g_source_attach (conn->timer, NULL);
}

static void
conn_set_state (Conn      *conn,
                ConnState  state)
{
  const SpServerLimits *limits = &conn->listener->limits;

  conn->state = state;
  switch (state)
    {
    case CONN_WAITING:
      conn_arm (conn, limits->idle_timeout_ms);
      break;
    case CONN_HANDSHAKE:
    case CONN_READING:
    case CONN_WRITING:
    case CONN_CLOSING:
      conn_arm (conn, limits->request_timeout_ms);
      break;
    case CONN_HANDLING:
    default:
      conn_arm (conn, 0);
      break;
    }
}

static gboolean
conn_first_byte (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      data)
{
  Conn *conn = data;

  g_clear_pointer (&conn->first_byte, g_source_unref);
  if (conn->state != CONN_WAITING)
    return G_SOURCE_REMOVE;
  if (conn->kept != NULL)
    {
      /* Kept: the next request, or the client gone (see conn_abandon()). */
      char byte;
      gssize n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        {
          conn_abandon (conn);
          return G_SOURCE_REMOVE;
        }
      if (n < 0)
        {
          conn_watch_first_byte (conn);  /* nothing after all */
          return G_SOURCE_REMOVE;
        }
    }
  conn_set_state (conn, CONN_READING);
  return G_SOURCE_REMOVE;
}

static void
conn_watch_first_byte (Conn *conn)
{
  conn->first_byte = g_socket_create_source (conn->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  /* Between kept requests, before libsoup's own reader (conn_abandon()). */
  if (conn->kept != NULL)
    g_source_set_priority (conn->first_byte, G_PRIORITY_HIGH);
  g_source_set_callback (conn->first_byte, G_SOURCE_FUNC (conn_first_byte), conn, NULL);
  g_source_attach (conn->first_byte, NULL);
}

static void
conn_stream_gone (gpointer  data,
                  GObject  *where_the_object_was)
{
  Conn *conn = data;

  conn->stream = NULL;
  conn->socket = NULL;
  conn_forget (conn);
}

/* Gives the connection to libsoup; from here on we hold it only weakly. */
static void
conn_hand_over (Conn      *conn,
                GIOStream *stream)
{
  SpServerListener *self = conn->listener;
  g_autoptr(GError) error = NULL;

  conn->stream = stream;
  g_object_weak_ref (G_OBJECT (stream), conn_stream_gone, conn);
  conn_set_state (conn, CONN_WAITING);
  if (conn->first_byte == NULL)
    conn_watch_first_byte (conn);
  g_clear_object (&conn->base);

  if (!soup_server_accept_iostream (self->soup, stream, conn->local, conn->remote, &error))
    {
      g_io_stream_close (stream, NULL, NULL);
      sp_server_log_event ("accept_failed", conn->peer, error->message);
    }
  g_object_unref (stream);  /* libsoup holds it now; when it lets go, conn_stream_gone */
}

static void
conn_handshake_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Conn *conn = data;
  GIOStream *tls = G_IO_STREAM (source);
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error))
    {
      sp_server_log_event ("tls_handshake_failed", conn->peer, error->message);
      g_io_stream_close (tls, NULL, NULL);
      g_object_unref (tls);
      conn_forget (conn);
      return;
    }
  g_clear_object (&conn->handshake);
  conn_hand_over (conn, tls);
}

static void
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  SpServerListener *self = user_data;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GError) error = NULL;
  Conn *conn;

  if (remote == NULL || local == NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  if (g_hash_table_size (self->conns) >= self->limits.max_connections)
    {
      g_autofree char *peer = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));

      sp_server_log_event ("too_many_connections", peer, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  conn = g_new0 (Conn, 1);
  conn->listener = self;
  conn->base = g_object_ref (connection);
  conn->socket = g_socket_connection_get_socket (connection);
  /* An answer's head and body go out as they are written, not held back
   * for the client's delayed acknowledgement (libsoup sets this only on
   * the connections it accepts itself). */
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    g_socket_set_option (conn->socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  conn->remote = g_steal_pointer (&remote);
  conn->local = g_steal_pointer (&local);
  if (G_IS_INET_SOCKET_ADDRESS (conn->remote))
    conn->peer = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (conn->remote)));
  g_hash_table_insert (self->conns, conn->remote, conn);

  if (self->certificate == NULL)
    {
      conn_hand_over (conn, g_object_ref (G_IO_STREAM (connection)));
      return;
    }

  /* TLS: our handshake, with our timeout, before libsoup sees a byte. */
  {
    GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);

    if (tls == NULL)
      {
        sp_server_log_event ("tls_failed", conn->peer, error->message);
        g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
        conn_forget (conn);
        return;
      }
    g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
    conn->handshake = g_cancellable_new ();
    conn_set_state (conn, CONN_HANDSHAKE);
    g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, conn->handshake,
                                      conn_handshake_done, conn);
  }
}

/* ---- Messages ------------------------------------------------------------ */

static Conn *
conn_for_message (SpServerListener  *self,
                  SoupServerMessage *msg)
{
  GSocketAddress *remote = g_object_get_data (G_OBJECT (msg), REMOTE_KEY);

  return remote != NULL ? g_hash_table_lookup (self->conns, remote) : NULL;
}

static void
refuse_too_large (Conn              *conn,
                  SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autofree char *message =
    g_strdup_printf (_("The request is larger than the server accepts (%" PRIu64 " MiB). "
                       "Send the changes in smaller batches."),
                     (guint64) (conn->listener->limits.max_body / (1024 * 1024)));

  /* Read on without keeping anything, so the client can finish sending and
   * then read our answer (closing on unread data would reset it first);
   * the request timeout still bounds how long. */
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
  soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
  conn_refuse (conn, msg, SP_SERVER_ERROR_TOO_LARGE, message);
  conn_shutdown (conn, TRUE);
}

static void
on_got_headers (SoupServerMessage *msg,
                gpointer           user_data)
{
  SpServerListener *self = user_data;
  Conn *conn = conn_for_message (self, msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (conn == NULL)
    return;
  if (conn->state == CONN_WAITING)
    conn_set_state (conn, CONN_READING);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > (goffset) self->limits.max_body)
    refuse_too_large (conn, msg);
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  SpServerListener *self = user_data;
  Conn *conn = conn_for_message (self, msg);

  if (conn == NULL)
    return;
  conn->body_bytes += g_bytes_get_size (chunk);
  if (conn->refused)
    {
      /* Draining after a 413: not for ever. */
      if (conn->body_bytes > 4 * self->limits.max_body)
        conn_shutdown (conn, FALSE);
      return;
    }
  if (conn->body_bytes > self->limits.max_body)
    refuse_too_large (conn, msg);
}

static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SpServerListener *self = user_data;
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  Conn *conn = remote != NULL ? g_hash_table_lookup (self->conns, remote) : NULL;

  if (conn == NULL)
    return;
  g_object_set_data_full (G_OBJECT (msg), REMOTE_KEY, g_object_ref (remote), g_object_unref);
  g_set_weak_pointer (&conn->msg, msg);
  g_clear_object (&conn->kept);  /* the next request came: libsoup has the connection */
  conn->body_bytes = 0;
  conn->keep_alive = FALSE;
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (on_got_headers), self, 0);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (on_got_chunk), self, 0);
}

static void
on_request_read (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Conn *conn = conn_for_message (user_data, msg);

  if (conn != NULL && !conn->refused)
    conn_set_state (conn, CONN_HANDLING);
}

/* The answer is written: idle again if it said keep-alive (libsoup is
 * already reading the next request), else closing. */
static void
on_request_finished (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  Conn *conn = conn_for_message (user_data, msg);

  if (conn == NULL)
    return;
  if (conn->keep_alive && !conn->refused && !conn->shut)
    {
      /* Its answer is sent: only its connection is needed now. */
      soup_message_body_truncate (soup_server_message_get_response_body (msg));
      soup_message_body_truncate (soup_server_message_get_request_body (msg));
      g_set_object (&conn->kept, msg);
      conn_set_state (conn, CONN_WAITING);
      if (conn->first_byte != NULL)
        {
          g_source_destroy (conn->first_byte);
          g_clear_pointer (&conn->first_byte, g_source_unref);
        }
      conn_watch_first_byte (conn);
    }
  else
    conn_set_state (conn, CONN_CLOSING);
}

static void
on_request_aborted (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Conn *conn = conn_for_message (user_data, msg);

  if (conn != NULL)
    conn_set_state (conn, CONN_CLOSING);
}

/* Whether the request asked to keep its connection open. */
static gboolean
asks_keep_alive (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  return soup_server_message_get_http_version (msg) == SOUP_HTTP_1_1 &&
         soup_message_headers_header_contains (headers, "Connection", "keep-alive") &&
         !soup_message_headers_header_contains (headers, "Connection", "close");
}

/* A client taking a long answer is not stalled: its clock starts again
 * (at most once a second, not at every chunk). */
static void
on_wrote_body_data (SoupServerMessage *msg,
                    guint              chunk_size,
                    gpointer           user_data)
{
  SpServerListener *self = user_data;
  Conn *conn = conn_for_message (self, msg);

  if (conn != NULL && conn->state == CONN_WRITING &&
      g_get_monotonic_time () - conn->armed_at > G_USEC_PER_SEC)
    conn_arm (conn, self->limits.request_timeout_ms);
}

/* The handler has set its answer: whether the connection stays open is
 * decided (its Connection header), and the client now has the request
 * timeout to take it. Call it before the message is unpaused. */
void
sp_server_listener_answered (SpServerListener  *self,
                             SoupServerMessage *msg)
{
  SoupMessageHeaders *headers;
  Conn *conn;
  gboolean keep_alive;

  g_return_if_fail (SP_IS_SERVER_LISTENER (self));

  conn = conn_for_message (self, msg);
  if (conn == NULL)
    return;
  conn->answered++;
  keep_alive = self->certificate == NULL && !self->stopping && !conn->refused && !conn->shut &&
               conn->answered < self->limits.max_requests && asks_keep_alive (msg);
  conn->keep_alive = keep_alive;
  headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Connection", keep_alive ? "keep-alive" : "close");
  if (conn->state == CONN_HANDLING)
    {
      conn_set_state (conn, CONN_WRITING);
      g_signal_connect_object (msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), self, 0);
    }
}

/* The status a request was refused with here (413, 408), or 0. */
guint
sp_server_listener_refused_status (SoupServerMessage *msg)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), REFUSED_STATUS_KEY));
}

char *
sp_server_listener_describe_peer (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

/* Stops accepting, and drops connections that have not started a request:
 * the first half of a graceful stop. */
void
sp_server_listener_stop (SpServerListener *self)
{
  GHashTableIter iter;
  gpointer value;
  GPtrArray *idle;

  g_return_if_fail (SP_IS_SERVER_LISTENER (self));

  self->stopping = TRUE;
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  /* Ending a kept connection forgets it at once: not while iterating. */
  idle = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Conn *conn = value;

      if (conn->state == CONN_HANDSHAKE && conn->handshake != NULL)
        g_cancellable_cancel (conn->handshake);
      else if (conn->state == CONN_WAITING)
        g_ptr_array_add (idle, conn);
    }
  for (guint i = 0; i < idle->len; i++)
    {
      Conn *conn = idle->pdata[i];

      if (conn->kept != NULL)
        conn_abandon (conn);
      else
        conn_shutdown (conn, FALSE);
    }
  g_ptr_array_unref (idle);
}

/* Connections with a request under way (being read, answered or written). */
guint
sp_server_listener_get_n_busy (SpServerListener *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (SP_IS_SERVER_LISTENER (self), 0);

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Conn *conn = value;

      if (conn->state != CONN_HANDSHAKE && conn->state != CONN_WAITING && !conn->shut)
        n++;
    }
  return n;
}

guint
sp_server_listener_get_n_connections (SpServerListener *self)
{
  g_return_val_if_fail (SP_IS_SERVER_LISTENER (self), 0);

  return g_hash_table_size (self->conns);
}

/* ---- Object -------------------------------------------------------------- */

static void
sp_server_listener_dispose (GObject *object)
{
  SpServerListener *self = SP_SERVER_LISTENER (object);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }
  if (self->soup != NULL)
    g_signal_handlers_disconnect_by_data (self->soup, self);
  g_clear_object (&self->soup);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (sp_server_listener_parent_class)->dispose (object);
}

static void
sp_server_listener_finalize (GObject *object)
{
  SpServerListener *self = SP_SERVER_LISTENER (object);

  g_clear_pointer (&self->conns, g_hash_table_unref);

  G_OBJECT_CLASS (sp_server_listener_parent_class)->finalize (object);
}

static void
sp_server_listener_class_init (SpServerListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sp_server_listener_dispose;
  object_class->finalize = sp_server_listener_finalize;
}

static void
sp_server_listener_init (SpServerListener *self)
{
  self->conns = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) conn_free);
}

SpServerListener *
sp_server_listener_new (SoupServer           *soup,
                        const SpServerLimits *limits,
                        GTlsCertificate      *certificate)
{
  SpServerListener *self;

  g_return_val_if_fail (SOUP_IS_SERVER (soup), NULL);
  g_return_val_if_fail (limits != NULL, NULL);

  self = g_object_new (SP_TYPE_SERVER_LISTENER, NULL);
  self->soup = g_object_ref (soup);
  self->limits = *limits;
  if (certificate != NULL)
    self->certificate = g_object_ref (certificate);

  g_signal_connect (soup, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (soup, "request-read", G_CALLBACK (on_request_read), self);
  g_signal_connect (soup, "request-finished", G_CALLBACK (on_request_finished), self);
  g_signal_connect (soup, "request-aborted", G_CALLBACK (on_request_aborted), self);
  return self;
}

/* A listening Unix socket nobody can connect to: its path is gone as soon
 * as it listens. For SoupServer, which keeps connections alive only when
 * it has a listener of its own (see the top of this file). */
static GSocket *
unreachable_socket (GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("signpost-server-XXXXXX", error);
  g_autofree char *path = NULL;
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  GSocket *unreachable;
  int saved_errno;
  int fd;

  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, "s", NULL);
  g_strlcpy (address.sun_path, path, sizeof address.sun_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &address, sizeof address) != 0 || listen (fd, 1) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        close (fd);
      g_remove (path);
      g_rmdir (dir);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("The server could not make its keep-alive socket: %s"), g_strerror (saved_errno));
      return NULL;
    }
  g_remove (path);
  g_rmdir (dir);
  unreachable = g_socket_new_from_fd (fd, error);
  if (unreachable == NULL)
    close (fd);
  return unreachable;
}

/* Listens on @address (port 0: any free port; *@effective says which). */
gboolean
sp_server_listener_listen (SpServerListener  *self,
                           GSocketAddress    *address,
                           GSocketAddress   **effective,
                           GError           **error)
{
  GSList *listeners;

  g_return_val_if_fail (SP_IS_SERVER_LISTENER (self), FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  self->service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), 1024);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, effective, error))
    {
      g_clear_object (&self->service);
      return FALSE;
    }
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);

  /* Once only: keep-alive for the connections we hand over. */
  listeners = soup_server_get_listeners (self->soup);
  if (listeners == NULL && self->limits.max_requests > 0 && self->certificate == NULL)
    {
      g_autoptr(GSocket) unreachable = unreachable_socket (error);

      if (unreachable == NULL || !soup_server_listen_socket (self->soup, unreachable, 0, error))
        {
          g_clear_object (&self->service);
          return FALSE;
        }
    }
  g_slist_free (listeners);
  g_socket_service_start (self->service);
  return TRUE;
}
