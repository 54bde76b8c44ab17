/* sp-json.c — checks on JSON text before json-glib reads it
 *
 * Every JSON text from outside (a catalogue feed, a server's answer, a
 * desk's request) passes here first. json-glib 1.6 parses recursively, so
 * a text of millions of '[' would take the stack with it; and it leaks what
 * it has read when a second value follows the first ("8{…}"), which is not
 * JSON anyway. One scan outside strings finds both.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-json"

#include "config.h"

#include "sp-json.h"

SpJsonShape
sp_json_text_shape (const char *data,
                    gsize       length,
                    guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  gboolean in_scalar = FALSE;
  gboolean seen_value = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (depth == 0)
        {
          /* Between values at the top: a value may start only once. */
          if (g_ascii_isspace (c))
            {
              in_scalar = FALSE;
              continue;
            }
          if (in_scalar && (g_ascii_isalnum (c) || c == '.' || c == '+' || c == '-'))
            continue;
          if (seen_value)
            return SP_JSON_SHAPE_SEVERAL;
          seen_value = TRUE;
          if (c == '"')
            in_string = TRUE;
          else if (c == '[' || c == '{')
            depth++;
          else
            in_scalar = TRUE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return SP_JSON_SHAPE_TOO_DEEP;
        }
      else if (c == ']' || c == '}')
        depth--;
    }
  return SP_JSON_SHAPE_OK;
}
