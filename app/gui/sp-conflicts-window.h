/* sp-conflicts-window.h — changes that met someone else's, and refused ones
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-sync-client.h"

G_BEGIN_DECLS

#define SP_TYPE_CONFLICTS_WINDOW (sp_conflicts_window_get_type ())
G_DECLARE_FINAL_TYPE (SpConflictsWindow, sp_conflicts_window, SP, CONFLICTS_WINDOW, AdwWindow)

SpConflictsWindow *sp_conflicts_window_new             (SpSyncClient      *client);
void               sp_conflicts_window_reload          (SpConflictsWindow *self);
guint              sp_conflicts_window_get_n_conflicts (SpConflictsWindow *self);
guint              sp_conflicts_window_get_n_rejected  (SpConflictsWindow *self);
/* The buttons of the @index-th conflict or refused change (from 0). */
GtkWidget         *sp_conflicts_window_get_conflict_button (SpConflictsWindow *self,
                                                            guint              index,
                                                            gboolean           keep_mine);
GtkWidget         *sp_conflicts_window_get_rejected_button (SpConflictsWindow *self,
                                                            guint              index,
                                                            gboolean           retry);

G_END_DECLS
