/* sp-match-page.h — the offerings that suit a patient, and Refer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_MATCH_PAGE (sp_match_page_get_type ())
G_DECLARE_FINAL_TYPE (SpMatchPage, sp_match_page, SP, MATCH_PAGE, AdwBin)

/* How many rows of matches (and of offerings left out) are made at first,
 * and how many more each Show More adds. */
#define SP_MATCH_PAGE_STEP 10

gboolean          sp_match_page_load            (SpMatchPage  *self,
                                                 SpStore      *store,
                                                 const char   *patient_id,
                                                 GError      **error);
gboolean          sp_match_page_get_loading     (SpMatchPage  *self);
guint             sp_match_page_get_n_matches   (SpMatchPage  *self);
guint             sp_match_page_get_n_excluded  (SpMatchPage  *self);
const char       *sp_match_page_get_offering_id (SpMatchPage  *self,
                                                 guint         rank);
AdwMessageDialog *sp_match_page_refer           (SpMatchPage  *self,
                                                 const char   *offering_id);

G_END_DECLS
