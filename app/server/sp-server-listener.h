/* sp-server-listener.h — accepting connections and keeping them bounded
 *
 * libsoup 3.2's SoupServer has no limits of its own: an idle keep-alive
 * connection is never closed (nor noticed when the client goes), a slow
 * client can hold a connection forever, and a body of any size is read.
 * So the server accepts its own connections (GSocketService), does the TLS
 * handshake itself, and hands each connection to the SoupServer with
 * soup_server_accept_iostream(): from accept to close every connection is
 * tracked here, with one timer for whatever it is waiting on.
 *
 * Keep-alive, when max_requests is set (signpost-server --keep-alive N),
 * is offered to a client that asks for it (a request saying "Connection:
 * keep-alive", as libsoup's do), for up to max_requests answers; between
 * them the connection is idle again, under the idle timeout. Every other
 * answer says "Connection: close".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint idle_timeout_ms;     /* connected, nothing sent yet: closed after this */
  guint request_timeout_ms;  /* from the first byte to the whole request, and for writing the answer */
  gsize max_body;            /* larger request bodies answer 413 at once and are never kept */
  guint max_connections;     /* more at once are closed on accept */
  guint max_requests;        /* answers on one kept-alive connection, the last says close; 0: no keep-alive */
} SpServerLimits;

#define SP_SERVER_LIMITS_DEFAULT { 60 * 1000, 30 * 1000, 8 * 1024 * 1024, 512, 0 }

#define SP_TYPE_SERVER_LISTENER (sp_server_listener_get_type ())
G_DECLARE_FINAL_TYPE (SpServerListener, sp_server_listener, SP, SERVER_LISTENER, GObject)

SpServerListener *sp_server_listener_new           (SoupServer            *soup,
                                                    const SpServerLimits  *limits,
                                                    GTlsCertificate       *certificate);
gboolean          sp_server_listener_listen        (SpServerListener      *self,
                                                    GSocketAddress        *address,
                                                    GSocketAddress       **effective,
                                                    GError               **error);
void              sp_server_listener_answered      (SpServerListener      *self,
                                                    SoupServerMessage     *msg);
void              sp_server_listener_stop          (SpServerListener      *self);
guint             sp_server_listener_get_n_busy    (SpServerListener      *self);
guint             sp_server_listener_get_n_connections (SpServerListener  *self);
guint             sp_server_listener_refused_status (SoupServerMessage    *msg);
char             *sp_server_listener_describe_peer (SoupServerMessage     *msg);

G_END_DECLS
