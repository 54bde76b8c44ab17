/* sp-letter-window.h — the letter to the patient's GP: preview, copy, print, send
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sp-letter.h"
#include "sp-store.h"

G_BEGIN_DECLS

#define SP_TYPE_LETTER_WINDOW (sp_letter_window_get_type ())
G_DECLARE_FINAL_TYPE (SpLetterWindow, sp_letter_window, SP, LETTER_WINDOW, AdwWindow)

SpLetterWindow *sp_letter_window_new          (SpStore        *store,
                                               const char     *referral_id,
                                               GError        **error);
SpLetterKind    sp_letter_window_get_kind     (SpLetterWindow *self);
gboolean        sp_letter_window_set_kind     (SpLetterWindow *self,
                                               SpLetterKind    kind);
const SpLetter *sp_letter_window_get_letter   (SpLetterWindow *self);
const char     *sp_letter_window_get_text     (SpLetterWindow *self);
GtkWidget      *sp_letter_window_get_consent_banner (SpLetterWindow *self);
void            sp_letter_window_save_pdf     (SpLetterWindow *self,
                                               GFile          *file);
gboolean        sp_letter_window_get_saving   (SpLetterWindow *self);

G_END_DECLS
