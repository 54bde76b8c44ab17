/* sp-sync-client.h — signing in to a Signpost server and syncing a desk
 *
 * One client per open store, made on the thread that owns the store (the
 * UI thread). Typical use:
 *
 *   client = sp_sync_client_new (store);
 *   sp_sync_store_restore_actor (store);        (done once after opening)
 *   token = sp_sync_token_load (url, user, …);  (in a worker thread: D-Bus)
 *   if (token) sp_sync_client_set_token (client, token);
 *   else sp_sync_client_sign_in_async (client, url, user, password, …)
 *        → _finish gives the token → sp_sync_token_save (…, &place)
 *          (warn the user when place is SP_TOKEN_PLACE_FILE)
 *   sp_sync_client_sync_async (client, cancellable, …) on demand and on a
 *   timer; bind the status button to "state", "last-synced",
 *   "pending-changes", "n-conflicts", "n-rejected" and "last-error".
 *
 * The properties change only on the owner's thread: when a sign-in or a
 * sync ends, or when the app calls sp_sync_client_refresh() after saving
 * something (pending-changes counts the outbox). Conflicts are listed and
 * resolved with sp-sync-store.h on the app's own store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sp-store.h"
#include "sp-sync-store.h"

G_BEGIN_DECLS

#define SP_SYNC_ERROR (sp_sync_error_quark ())

/**
 * SpSyncError:
 * Why a sign-in or a sync did not complete. Every message is written for a
 * link worker and says whether anything was lost (nothing ever is).
 */
typedef enum
{
  SP_SYNC_ERROR_FAILED,
  SP_SYNC_ERROR_NOT_SIGNED_IN,   /* no server or token for this desk yet */
  SP_SYNC_ERROR_BAD_ADDRESS,     /* the server address is not a web address */
  SP_SYNC_ERROR_UNREACHABLE,     /* no answer at all: offline, or the server is down */
  SP_SYNC_ERROR_INTERRUPTED,     /* the server stopped answering part-way */
  SP_SYNC_ERROR_SERVER,          /* the server kept failing (5xx) or said no (4xx) */
  SP_SYNC_ERROR_BAD_CREDENTIALS, /* user name or password not accepted */
  SP_SYNC_ERROR_LOCKED_OUT,      /* too many wrong passwords: wait */
  SP_SYNC_ERROR_SESSION_ENDED,   /* the token expired or was revoked: sign in again */
  SP_SYNC_ERROR_FORBIDDEN,       /* the account may not write: changes kept as refused */
  SP_SYNC_ERROR_PROTOCOL,        /* an answer that does not follow the protocol */
  SP_SYNC_ERROR_BUSY,            /* a sync is already running */
} SpSyncError;

GQuark sp_sync_error_quark (void);

typedef enum
{
  SP_SYNC_STATE_IDLE,     /* signed in, or local mode; the last sync (if any) completed */
  SP_SYNC_STATE_SYNCING,
  SP_SYNC_STATE_OFFLINE,  /* the last sync could not reach the server */
  SP_SYNC_STATE_ERROR,    /* the last sync failed for another reason: see last-error */
} SpSyncState;

GType sp_sync_state_get_type (void) G_GNUC_CONST;
#define SP_TYPE_SYNC_STATE (sp_sync_state_get_type ())

#define SP_TYPE_SYNC_CLIENT (sp_sync_client_get_type ())
G_DECLARE_FINAL_TYPE (SpSyncClient, sp_sync_client, SP, SYNC_CLIENT, GObject)

char          *sp_sync_server_url_normalize     (const char           *url,
                                                 GError              **error);

SpSyncClient  *sp_sync_client_new               (SpStore              *store);
SpStore       *sp_sync_client_get_store         (SpSyncClient         *self);

void           sp_sync_client_sign_in_async     (SpSyncClient         *self,
                                                 const char           *server_url,
                                                 const char           *username,
                                                 const char           *password,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
SpSyncAccount *sp_sync_client_sign_in_finish    (SpSyncClient         *self,
                                                 GAsyncResult         *result,
                                                 char                **token,
                                                 GError              **error);
void           sp_sync_client_sign_out_async    (SpSyncClient         *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean       sp_sync_client_sign_out_finish   (SpSyncClient         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

void           sp_sync_client_set_token         (SpSyncClient         *self,
                                                 const char           *token);
gboolean       sp_sync_client_get_signed_in     (SpSyncClient         *self);
const char    *sp_sync_client_get_server_url    (SpSyncClient         *self);
const char    *sp_sync_client_get_username      (SpSyncClient         *self);

void           sp_sync_client_sync_async        (SpSyncClient         *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean       sp_sync_client_sync_finish       (SpSyncClient         *self,
                                                 GAsyncResult         *result,
                                                 SpSyncCounts         *counts,
                                                 GError              **error);

SpSyncState    sp_sync_client_get_state         (SpSyncClient         *self);
const char    *sp_sync_client_get_last_synced   (SpSyncClient         *self);
const char    *sp_sync_client_get_last_error    (SpSyncClient         *self);
gint64         sp_sync_client_get_pending_changes (SpSyncClient       *self);
guint          sp_sync_client_get_n_conflicts   (SpSyncClient         *self);
guint          sp_sync_client_get_n_rejected    (SpSyncClient         *self);
void           sp_sync_client_refresh           (SpSyncClient         *self);

void           sp_sync_client_set_batch_size    (SpSyncClient         *self,
                                                 guint                 max_ops);
void           sp_sync_client_set_page_size     (SpSyncClient         *self,
                                                 guint                 limit);
void           sp_sync_client_set_use_snapshots (SpSyncClient         *self,
                                                 gboolean              use_snapshots);
void           sp_sync_client_set_retry_policy  (SpSyncClient         *self,
                                                 guint                 max_attempts,
                                                 guint                 first_delay_ms,
                                                 guint                 max_delay_ms);

G_END_DECLS
