/* sp-catalogue-import-dialog.h — preview and apply an Open Referral import
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_CATALOGUE_IMPORT_DIALOG (sp_catalogue_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SpCatalogueImportDialog, sp_catalogue_import_dialog, SP, CATALOGUE_IMPORT_DIALOG, AdwWindow)

SpCatalogueImportDialog *sp_catalogue_import_dialog_new        (SpStore                 *store,
                                                                const char              *path);
gboolean                 sp_catalogue_import_dialog_get_busy   (SpCatalogueImportDialog *self);
GtkListBox              *sp_catalogue_import_dialog_get_list   (SpCatalogueImportDialog *self);
GtkWidget               *sp_catalogue_import_dialog_get_apply_button (SpCatalogueImportDialog *self);

G_END_DECLS
