/* sp-html-text.h — descriptions from directory feeds, as plain text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *sp_html_to_text   (const char *html);
char *sp_text_one_line  (const char *text);

G_END_DECLS
