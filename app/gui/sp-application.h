/* sp-application.h — the Signpost application: one desk, one store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_APPLICATION (sp_application_get_type ())
G_DECLARE_FINAL_TYPE (SpApplication, sp_application, SP, APPLICATION, AdwApplication)

void           sp_application_ensure_resources (void);
SpApplication *sp_application_new          (void);
SpStore       *sp_application_get_store    (SpApplication *self);
GSettings     *sp_application_get_settings (SpApplication *self);
gboolean       sp_application_get_busy     (SpApplication *self);

G_END_DECLS
