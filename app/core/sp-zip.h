/* sp-zip.h — the files in a .zip archive, for tabular data packages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GHashTable *sp_zip_read  (GBytes       *archive,
                          gsize         max_total,
                          GError      **error);
guint32     sp_zip_crc32 (guint32       crc,
                          const guint8 *data,
                          gsize         length);

G_END_DECLS
