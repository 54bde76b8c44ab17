/* sp-referral-page.h — one referral: its state, sessions, measures and money
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_REFERRAL_PAGE (sp_referral_page_get_type ())
G_DECLARE_FINAL_TYPE (SpReferralPage, sp_referral_page, SP, REFERRAL_PAGE, AdwBin)

gboolean          sp_referral_page_load            (SpReferralPage *self,
                                                    SpStore        *store,
                                                    const char     *referral_id,
                                                    GError        **error);
const char       *sp_referral_page_get_referral_id (SpReferralPage *self);
const char       *sp_referral_page_get_patient_id  (SpReferralPage *self);
const char       *sp_referral_page_get_title       (SpReferralPage *self);
const char       *sp_referral_page_get_status      (SpReferralPage *self);
GStrv             sp_referral_page_dup_offered_statuses (SpReferralPage *self);
AdwMessageDialog *sp_referral_page_move            (SpReferralPage *self,
                                                    const char     *to_status);
AdwToast         *sp_referral_page_get_toast       (SpReferralPage *self);
void              sp_referral_page_commit_pending  (SpReferralPage *self);
guint             sp_referral_page_get_n_events    (SpReferralPage *self);
guint             sp_referral_page_get_n_sessions  (SpReferralPage *self);
GtkEditable      *sp_referral_page_get_session_date_field (SpReferralPage *self);
GtkEditable      *sp_referral_page_get_outcome_field (SpReferralPage *self);
AdwComboRow      *sp_referral_page_get_fft_row     (SpReferralPage *self);

G_END_DECLS
