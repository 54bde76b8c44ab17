/* sp-referrals-view.h — every referral, filtered by state and searched
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-referral-list.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_REFERRALS_VIEW (sp_referrals_view_get_type ())
G_DECLARE_FINAL_TYPE (SpReferralsView, sp_referrals_view, SP, REFERRALS_VIEW, AdwBin)

void            sp_referrals_view_set_store         (SpReferralsView *self,
                                                     SpStore         *store);
SpReferralList *sp_referrals_view_get_model         (SpReferralsView *self);
void            sp_referrals_view_refresh           (SpReferralsView *self);
GtkEditable    *sp_referrals_view_get_search_entry  (SpReferralsView *self);
GtkDropDown    *sp_referrals_view_get_status_filter (SpReferralsView *self);
gboolean        sp_referrals_view_select_status     (SpReferralsView *self,
                                                     const char      *status);
GtkListView    *sp_referrals_view_get_list_view     (SpReferralsView *self);

G_END_DECLS
