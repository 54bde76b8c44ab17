/* sp-offering-detail.h — everything about one offering of the catalogue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-offering-item.h"

G_BEGIN_DECLS

#define SP_TYPE_OFFERING_DETAIL (sp_offering_detail_get_type ())
G_DECLARE_FINAL_TYPE (SpOfferingDetail, sp_offering_detail, SP, OFFERING_DETAIL, AdwBin)

GtkWidget      *sp_offering_detail_new      (void);
SpOfferingItem *sp_offering_detail_get_item (SpOfferingDetail *self);
void            sp_offering_detail_set_item (SpOfferingDetail *self,
                                             SpOfferingItem   *item);

G_END_DECLS
