/* sp-referral-item.h — one row of the referrals list: a referral at a glance
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SP_TYPE_REFERRAL_ITEM (sp_referral_item_get_type ())
G_DECLARE_FINAL_TYPE (SpReferralItem, sp_referral_item, SP, REFERRAL_ITEM, GObject)

const char *sp_referral_item_get_id                (SpReferralItem *self);
const char *sp_referral_item_get_patient_id        (SpReferralItem *self);
const char *sp_referral_item_get_patient_name      (SpReferralItem *self);
const char *sp_referral_item_get_nhs_number        (SpReferralItem *self);
const char *sp_referral_item_get_offering_name     (SpReferralItem *self);
const char *sp_referral_item_get_status            (SpReferralItem *self);
const char *sp_referral_item_get_referred_at       (SpReferralItem *self);
gint        sp_referral_item_get_sessions_attended (SpReferralItem *self);
gint        sp_referral_item_get_sessions_planned  (SpReferralItem *self);

G_END_DECLS
