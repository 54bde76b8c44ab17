/* sp-sync-button.h — the header bar's sync status, and the desk's sync
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"
#include "sp-sync-client.h"

G_BEGIN_DECLS

/* How often a signed-in desk syncs by itself. */
#define SP_SYNC_INTERVAL_SECONDS (5 * 60)

#define SP_TYPE_SYNC_BUTTON (sp_sync_button_get_type ())
G_DECLARE_FINAL_TYPE (SpSyncButton, sp_sync_button, SP, SYNC_BUTTON, GtkWidget)

void          sp_sync_button_set_store      (SpSyncButton *self,
                                             SpStore      *store);
SpSyncClient *sp_sync_button_get_client     (SpSyncButton *self);
void          sp_sync_button_signed_in      (SpSyncButton *self);
void          sp_sync_button_sync_now       (SpSyncButton *self);
void          sp_sync_button_sign_out       (SpSyncButton *self);
void          sp_sync_button_refresh        (SpSyncButton *self);
gboolean      sp_sync_button_get_busy       (SpSyncButton *self);
const char   *sp_sync_button_get_status     (SpSyncButton *self);
GtkWidget    *sp_sync_button_get_menu_button (SpSyncButton *self);

G_END_DECLS
