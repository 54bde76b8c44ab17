/* sp-referrals.h — referrals and their states
 *
 * draft → referred → accepted → attending → completed, with the exits
 * declined, did_not_attend and withdrawn. Every move is dated and
 * attributed in referral_event.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

gboolean             sp_referral_status_is_open   (const char  *status);
const char * const  *sp_referral_next_statuses    (const char  *status);
gboolean             sp_referral_can_move         (const char  *from,
                                                   const char  *to);

SpReferral *sp_store_refer                (SpStore     *store,
                                           const char  *patient_id,
                                           const char  *offering_id,
                                           const char  *route,
                                           const char  *reason,
                                           const char  *goals,
                                           gboolean     as_draft,
                                           GError     **error);
SpReferral *sp_store_get_referral         (SpStore     *store,
                                           const char  *id,
                                           GError     **error);
gboolean    sp_store_move_referral        (SpStore     *store,
                                           const char  *referral_id,
                                           const char  *to_status,
                                           const char  *note,
                                           GError     **error);
gboolean    sp_store_record_attendance    (SpStore     *store,
                                           const char  *referral_id,
                                           const char  *session_date,
                                           gboolean     attended,
                                           const char  *note,
                                           GError     **error);
gboolean    sp_store_set_referral_outcome (SpStore     *store,
                                           const char  *referral_id,
                                           const char  *outcome,
                                           GError     **error);
GPtrArray  *sp_store_list_referrals       (SpStore     *store,
                                           const char  *patient_id,
                                           GError     **error);
GPtrArray  *sp_store_list_referral_events (SpStore     *store,
                                           const char  *referral_id,
                                           GError     **error);

G_END_DECLS
