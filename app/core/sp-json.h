/* sp-json.h — checks on JSON text before json-glib reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SP_JSON_SHAPE_OK,
  SP_JSON_SHAPE_TOO_DEEP,  /* nested deeper than allowed */
  SP_JSON_SHAPE_SEVERAL,   /* a second value follows the first */
} SpJsonShape;

SpJsonShape sp_json_text_shape (const char *data,
                                gsize       length,
                                guint       max_depth);

G_END_DECLS
