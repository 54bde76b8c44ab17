/* sp-referral-list.h — every referral of the practice as a GListModel of SpReferralItem
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sp-referral-item.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_REFERRAL_LIST (sp_referral_list_get_type ())
G_DECLARE_FINAL_TYPE (SpReferralList, sp_referral_list, SP, REFERRAL_LIST, GObject)

/* The status filter that keeps draft, referred, accepted and attending. */
#define SP_REFERRAL_LIST_OPEN "open"

SpReferralList *sp_referral_list_new               (SpStore        *store);
SpStore        *sp_referral_list_get_store         (SpReferralList *self);
gboolean        sp_referral_list_get_loading       (SpReferralList *self);

const char     *sp_referral_list_get_status_filter (SpReferralList *self);
void            sp_referral_list_set_status_filter (SpReferralList *self,
                                                    const char     *status);
const char     *sp_referral_list_get_search_text   (SpReferralList *self);
void            sp_referral_list_set_search_text   (SpReferralList *self,
                                                    const char     *text);

void            sp_referral_list_refresh           (SpReferralList *self);
guint           sp_referral_list_get_n_total       (SpReferralList *self);
const GError   *sp_referral_list_get_error         (SpReferralList *self);

G_END_DECLS
