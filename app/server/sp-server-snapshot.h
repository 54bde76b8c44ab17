/* sp-server-snapshot.h — a new desk's first sync as one file
 *
 * A snapshot is a desk store (the core's own schema, made by
 * sp_store_open()) holding the catalogue and the rows of one set of
 * practices as they stood at one seq, with that seq and the server's id in
 * its meta table. A new desk downloads it instead of every page of
 * /v1/changes, installs it and pulls what changed since (docs/sync-protocol.md).
 *
 * Snapshots are made on demand, one set of practices at a time, kept in a
 * folder beside the database and reused while they are no more than
 * @max_behind changes behind the server. The folder is emptied when the
 * server starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SP_SERVER_SNAPSHOT_MAX_BEHIND_DEFAULT 10000

typedef struct _SpServerSnapshots SpServerSnapshots;

SpServerSnapshots *sp_server_snapshots_new    (const char          *db_path,
                                               gint64               max_behind,
                                               GError             **error);
void               sp_server_snapshots_free   (SpServerSnapshots   *self);
GBytes            *sp_server_snapshots_get    (SpServerSnapshots   *self,
                                               const char * const  *practices,
                                               gint64              *seq,
                                               GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerSnapshots, sp_server_snapshots_free)

G_END_DECLS
