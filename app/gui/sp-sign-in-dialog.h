/* sp-sign-in-dialog.h — sign this desk in to a Signpost server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-sync-client.h"

G_BEGIN_DECLS

#define SP_TYPE_SIGN_IN_DIALOG (sp_sign_in_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SpSignInDialog, sp_sign_in_dialog, SP, SIGN_IN_DIALOG, AdwWindow)

SpSignInDialog *sp_sign_in_dialog_new              (SpSyncClient   *client);
void            sp_sign_in_dialog_set_fields       (SpSignInDialog *self,
                                                    const char     *server_url,
                                                    const char     *username,
                                                    const char     *password);
gboolean        sp_sign_in_dialog_sign_in          (SpSignInDialog *self);
gboolean        sp_sign_in_dialog_get_busy         (SpSignInDialog *self);
GtkLabel       *sp_sign_in_dialog_get_error_label  (SpSignInDialog *self);
GtkWidget      *sp_sign_in_dialog_get_sign_in_button (SpSignInDialog *self);

G_END_DECLS
