/* sp-live-items.h — the items a list model has given out, by position
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _SpLiveItems SpLiveItems;

/* Makes @item, given out at @position, stand for what is there now. */
typedef void (*SpLiveItemsAssign) (gpointer item,
                                   guint    position,
                                   gpointer user_data);

SpLiveItems *sp_live_items_new      (void);
void         sp_live_items_free     (SpLiveItems       *self);
gpointer     sp_live_items_get      (SpLiveItems       *self,
                                     guint              position);
void         sp_live_items_add      (SpLiveItems       *self,
                                     guint              position,
                                     gpointer           item);
void         sp_live_items_reassign (SpLiveItems       *self,
                                     guint              n_items,
                                     SpLiveItemsAssign  assign,
                                     gpointer           user_data);

G_END_DECLS
