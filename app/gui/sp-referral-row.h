/* sp-referral-row.h — a referral in the referrals list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-referral-item.h"

G_BEGIN_DECLS

#define SP_TYPE_REFERRAL_ROW (sp_referral_row_get_type ())
G_DECLARE_FINAL_TYPE (SpReferralRow, sp_referral_row, SP, REFERRAL_ROW, AdwBin)

GtkWidget      *sp_referral_row_new      (void);
SpReferralItem *sp_referral_row_get_item (SpReferralRow  *self);
void            sp_referral_row_set_item (SpReferralRow  *self,
                                          SpReferralItem *item);

G_END_DECLS
