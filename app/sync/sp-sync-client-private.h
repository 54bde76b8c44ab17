/* sp-sync-client-private.h — for the sync client's tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-sync-client.h"

G_BEGIN_DECLS

typedef enum
{
  SP_SYNC_STAGE_BATCH_DONE,   /* a batch's answer was applied; n = batches so far */
  SP_SYNC_STAGE_PUSHED,       /* the push is over, the pull is next */
  SP_SYNC_STAGE_PAGE_DONE,    /* a page and its cursor were committed; n = pages so far */
  SP_SYNC_STAGE_SNAPSHOT_FETCHED, /* a snapshot is downloaded whole, not yet installed */
  SP_SYNC_STAGE_SNAPSHOT_READY,   /* it is checked and given the desk's state; the worker's
                                   * connection is closed, the store's thread takes it next */
} SpSyncStage;

/* Called in the sync's worker thread, so a test can kill the server or
 * cancel at an exact point of a sync. */
typedef void (*SpSyncTestHook) (SpSyncStage  stage,
                                guint        n,
                                gpointer     user_data);

void   sp_sync_client_set_test_hook (SpSyncClient   *self,
                                     SpSyncTestHook  hook,
                                     gpointer        user_data);

/* The wait before retry number @retry (from 1): @first_ms doubling each
 * time, capped at @cap_ms, then spread by ±20 % with @random in [0, 1). */
guint  sp_sync_backoff_delay        (guint           retry,
                                     guint           first_ms,
                                     guint           cap_ms,
                                     double          random);

G_END_DECLS
