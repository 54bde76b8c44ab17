/* sp-catalogue-view.h — the shared catalogue of offerings, to browse
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-offering-item.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_CATALOGUE_VIEW (sp_catalogue_view_get_type ())
G_DECLARE_FINAL_TYPE (SpCatalogueView, sp_catalogue_view, SP, CATALOGUE_VIEW, AdwBin)

void            sp_catalogue_view_set_store         (SpCatalogueView *self,
                                                     SpStore         *store);
void            sp_catalogue_view_reload            (SpCatalogueView *self);
gboolean        sp_catalogue_view_get_loading       (SpCatalogueView *self);
guint           sp_catalogue_view_get_n_shown       (SpCatalogueView *self);
guint           sp_catalogue_view_get_n_offerings   (SpCatalogueView *self);
GListModel     *sp_catalogue_view_get_model         (SpCatalogueView *self);
GtkEditable    *sp_catalogue_view_get_search_entry  (SpCatalogueView *self);
GtkDropDown    *sp_catalogue_view_get_filter        (SpCatalogueView *self,
                                                     const char      *name);
SpOfferingItem *sp_catalogue_view_get_selected      (SpCatalogueView *self);
GtkListView    *sp_catalogue_view_get_list_view     (SpCatalogueView *self);

G_END_DECLS
