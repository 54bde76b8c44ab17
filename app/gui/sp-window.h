/* sp-window.h — the main window: sidebar of views, and their content
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-application.h"
#include "sp-caseload-view.h"
#include "sp-catalogue-view.h"
#include "sp-gp-view.h"
#include "sp-match-page.h"
#include "sp-patient-page.h"
#include "sp-payments-view.h"
#include "sp-referral-page.h"
#include "sp-referrals-view.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_WINDOW (sp_window_get_type ())
G_DECLARE_FINAL_TYPE (SpWindow, sp_window, SP, WINDOW, AdwApplicationWindow)

SpWindow        *sp_window_new              (SpApplication *application);
void             sp_window_set_store        (SpWindow      *self,
                                             SpStore       *store);
SpStore         *sp_window_get_store        (SpWindow      *self);
void             sp_window_show_loading     (SpWindow      *self);
void             sp_window_show_error       (SpWindow      *self,
                                             const GError  *error);
void             sp_window_add_toast        (SpWindow      *self,
                                             AdwToast      *toast);
gboolean         sp_window_open_patient     (SpWindow      *self,
                                             const char    *patient_id);
gboolean         sp_window_open_referral    (SpWindow      *self,
                                             const char    *referral_id);
void             sp_window_apply_roles      (SpWindow      *self);

/* What is showing: "loading", "error" or "main", and the content page:
 * a view ("caseload", "catalogue", "referrals", "payments", "lookup") or a
 * page ("patient", "match", "referral"). */
const char      *sp_window_get_state        (SpWindow      *self);
const char      *sp_window_get_page         (SpWindow      *self);
SpCaseloadView  *sp_window_get_caseload     (SpWindow      *self);
SpCatalogueView *sp_window_get_catalogue    (SpWindow      *self);
SpPatientPage   *sp_window_get_patient_page (SpWindow      *self);
SpMatchPage     *sp_window_get_match_page   (SpWindow      *self);
SpReferralsView *sp_window_get_referrals    (SpWindow      *self);
SpPaymentsView  *sp_window_get_payments     (SpWindow      *self);
SpGpView        *sp_window_get_lookup       (SpWindow      *self);
SpReferralPage  *sp_window_get_referral_page (SpWindow     *self);

G_END_DECLS
