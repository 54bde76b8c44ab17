/* sp-offering-row.h — an offering in the catalogue's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-offering-item.h"

G_BEGIN_DECLS

#define SP_TYPE_OFFERING_ROW (sp_offering_row_get_type ())
G_DECLARE_FINAL_TYPE (SpOfferingRow, sp_offering_row, SP, OFFERING_ROW, AdwBin)

GtkWidget      *sp_offering_row_new      (void);
SpOfferingItem *sp_offering_row_get_item (SpOfferingRow  *self);
void            sp_offering_row_set_item (SpOfferingRow  *self,
                                          SpOfferingItem *item);

G_END_DECLS
