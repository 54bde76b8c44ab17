/* sp-offering-list.h — the catalogue's offerings that pass a filter, as a GListModel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sp-offering-item.h"

G_BEGIN_DECLS

#define SP_TYPE_OFFERING_LIST (sp_offering_list_get_type ())
G_DECLARE_FINAL_TYPE (SpOfferingList, sp_offering_list, SP, OFFERING_LIST, GObject)

typedef gboolean (*SpOfferingListFilter) (SpOfferingItem *item,
                                          gpointer        user_data);

SpOfferingList *sp_offering_list_new             (SpOfferingListFilter  filter,
                                                  gpointer              user_data);
void            sp_offering_list_set_offerings   (SpOfferingList       *self,
                                                  GPtrArray            *offerings);
void            sp_offering_list_refilter        (SpOfferingList       *self);
guint           sp_offering_list_get_n_offerings (SpOfferingList       *self);
gint            sp_offering_list_find            (SpOfferingList       *self,
                                                  const char           *id);

G_END_DECLS
