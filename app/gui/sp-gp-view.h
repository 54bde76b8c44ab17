/* sp-gp-view.h — a read-only look-up: one patient's referrals, measures and outcomes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_GP_VIEW (sp_gp_view_get_type ())
G_DECLARE_FINAL_TYPE (SpGpView, sp_gp_view, SP, GP_VIEW, AdwBin)

void         sp_gp_view_set_store         (SpGpView   *self,
                                           SpStore    *store);
GtkEditable *sp_gp_view_get_search_entry  (SpGpView   *self);
gboolean     sp_gp_view_look_up           (SpGpView   *self,
                                           const char *text);
const char  *sp_gp_view_get_patient_id    (SpGpView   *self);
guint        sp_gp_view_get_n_results     (SpGpView   *self);
guint        sp_gp_view_get_n_referrals   (SpGpView   *self);
guint        sp_gp_view_get_n_measures    (SpGpView   *self);

G_END_DECLS
