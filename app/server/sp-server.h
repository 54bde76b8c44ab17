/* sp-server.h — signpost-server's HTTP side: the /v1 protocol over SoupServer
 *
 * Talks to the store only through SpServerBackend; every call to it runs in
 * a worker thread (GTask) while the message is paused, so the main loop
 * only ever moves bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sp-server-backend.h"
#include "sp-server-listener.h"
#include "sp-server-snapshot.h"

G_BEGIN_DECLS

#define SP_SERVER_PROTOCOL_VERSION 1

typedef struct
{
  SpServerLimits      limits;
  SpServerLoginPolicy login;
} SpServerConfig;

#define SP_TYPE_SERVER (sp_server_get_type ())
G_DECLARE_FINAL_TYPE (SpServer, sp_server, SP, SERVER, GObject)

SpServer *sp_server_new    (SpServerBackend       *backend,
                            const SpServerConfig  *config,
                            GTlsCertificate       *certificate);
gboolean  sp_server_listen (SpServer              *self,
                            GSocketAddress        *address,
                            char                 **url,
                            GError               **error);
void      sp_server_add_reader (SpServer          *self,
                                SpServerBackend   *reader);
void      sp_server_set_snapshots (SpServer       *self,
                                SpServerSnapshots *snapshots);
void      sp_server_stop   (SpServer              *self);
gboolean  sp_server_is_idle (SpServer             *self);

G_END_DECLS
