/* sp-server-log.c — one structured line per request on stderr
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <stdio.h>

#include "sp-server-log.h"

#define MAX_FIELD 160

/* Printable ASCII only, no spaces or quotes; anything else as \xNN. */
static void
append_escaped (GString    *line,
                const char *text)
{
  gsize n = 0;

  if (text == NULL || *text == '\0')
    {
      g_string_append_c (line, '-');
      return;
    }
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++, n++)
    {
      if (n >= MAX_FIELD)
        {
          g_string_append (line, "...");
          break;
        }
      if (*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '=')
        g_string_append_c (line, (char) *p);
      else
        g_string_append_printf (line, "\\x%02x", *p);
    }
}

static GString *
line_start (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  GString *line = g_string_new ("signpost-server: time=");

  g_string_append_printf (line, "%s.%03dZ", time, g_date_time_get_microsecond (now) / 1000);
  return line;
}

static void
line_write (GString *line)
{
  g_string_append_c (line, '\n');
  /* One write per line, so lines from a busy server never interleave. */
  fwrite (line->str, 1, line->len, stderr);
  fflush (stderr);
  g_string_free (line, TRUE);
}

void
sp_server_log_request (const char *method,
                       const char *path,
                       guint       status,
                       gint64      duration_us,
                       const char *user,
                       const char *peer)
{
  GString *line = line_start ();

  g_string_append (line, " method=");
  append_escaped (line, method);
  g_string_append (line, " path=");
  append_escaped (line, path);
  g_string_append_printf (line, " status=%u duration_ms=%" G_GINT64_FORMAT ".%01" G_GINT64_FORMAT,
                          status, duration_us / 1000, (duration_us % 1000) / 100);
  g_string_append (line, " user=");
  append_escaped (line, user);
  g_string_append (line, " peer=");
  append_escaped (line, peer);
  line_write (line);
}

void
sp_server_log_event (const char *event,
                     const char *peer,
                     const char *detail)
{
  GString *line = line_start ();

  g_string_append (line, " event=");
  append_escaped (line, event);
  g_string_append (line, " peer=");
  append_escaped (line, peer);
  if (detail != NULL)
    {
      g_string_append (line, " detail=");
      append_escaped (line, detail);
    }
  line_write (line);
}
