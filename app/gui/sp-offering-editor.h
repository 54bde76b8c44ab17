/* sp-offering-editor.h — add or edit a catalogue offering (admins)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_OFFERING_EDITOR (sp_offering_editor_get_type ())
G_DECLARE_FINAL_TYPE (SpOfferingEditor, sp_offering_editor, SP, OFFERING_EDITOR, AdwWindow)

SpOfferingEditor *sp_offering_editor_new             (SpStore          *store,
                                                      const char       *offering_id,
                                                      GError          **error);
const char       *sp_offering_editor_get_offering_id (SpOfferingEditor *self);
gboolean          sp_offering_editor_save            (SpOfferingEditor *self);

/* The form's parts, by name: "name", "fee", "exempt", "low", "middle" for
 * the entry rows; "fee" and "form" for the messages; the Save button. */
GtkEditable      *sp_offering_editor_get_field       (SpOfferingEditor *self,
                                                      const char       *name);
GtkLabel         *sp_offering_editor_get_message     (SpOfferingEditor *self,
                                                      const char       *name);
GtkWidget        *sp_offering_editor_get_save_button (SpOfferingEditor *self);

G_END_DECLS
