/* sp-html-text.c — descriptions from directory feeds, as plain text
 *
 * Council and charity directories publish descriptions written in web
 * editors: paragraphs, lists, links, entities, sometimes a stray <script>.
 * Signpost shows and prints plain text, so the markup goes and what a
 * reader needs stays: paragraph and line breaks, list items as bullets,
 * the words of links. Text without markup keeps its own line breaks.
 *
 * Every step only moves forward through the input, so a hostile or broken
 * description costs time in proportion to its length.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-html-text"

#include "config.h"

#include <string.h>

#include "sp-html-text.h"

typedef struct
{
  GString  *out;
  guint     pending_break;  /* 0 none, 1 a line break, 2 a paragraph break */
  gboolean  pending_space;
  gboolean  pending_bullet;
} Writer;

static gboolean
at_line_start (Writer *w)
{
  return w->out->len == 0 || w->out->str[w->out->len - 1] == '\n';
}

/* Writes what is pending before the next visible character. */
static void
writer_flush (Writer *w)
{
  if (w->pending_break > 0 && w->out->len > 0)
    {
      while (w->out->len > 0 && w->out->str[w->out->len - 1] == ' ')
        g_string_truncate (w->out, w->out->len - 1);
      g_string_append (w->out, w->pending_break >= 2 ? "\n\n" : "\n");
    }
  else if (w->pending_space && !at_line_start (w))
    g_string_append_c (w->out, ' ');

  if (w->pending_bullet)
    g_string_append (w->out, "• ");

  w->pending_break = 0;
  w->pending_space = FALSE;
  w->pending_bullet = FALSE;
}

static void
writer_break (Writer *w,
              guint   kind)
{
  w->pending_break = MAX (w->pending_break, kind);
}

static void
writer_unichar (Writer   *w,
                gunichar  c)
{
  /* No-break spaces and other spacing are ordinary spaces in plain text. */
  if (c == 0xA0 || c == ' ' || c == '\t' || g_unichar_type (c) == G_UNICODE_SPACE_SEPARATOR)
    {
      w->pending_space = TRUE;
      return;
    }
  if (c == 0x2028 || c == 0x2029)
    {
      writer_break (w, c == 0x2029 ? 2 : 1);
      return;
    }
  if (c < 0x20 || (c >= 0x7F && c < 0xA0) || !g_unichar_validate (c))
    return;
  writer_flush (w);
  g_string_append_unichar (w->out, c);
}

static const struct
{
  const char *name;
  gunichar    c;
} entities[] = {
  { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
  { "nbsp", 0xA0 }, { "pound", 0xA3 }, { "euro", 0x20AC }, { "cent", 0xA2 },
  { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
  { "ldquo", 0x201C }, { "rdquo", 0x201D }, { "sbquo", 0x201A }, { "bdquo", 0x201E },
  { "hellip", 0x2026 }, { "bull", 0x2022 }, { "middot", 0xB7 }, { "copy", 0xA9 },
  { "reg", 0xAE }, { "trade", 0x2122 }, { "deg", 0xB0 }, { "times", 0xD7 },
  { "frac12", 0xBD }, { "frac14", 0xBC }, { "frac34", 0xBE }, { "shy", 0xAD },
  { "eacute", 0xE9 }, { "egrave", 0xE8 }, { "ecirc", 0xEA }, { "euml", 0xEB },
  { "aacute", 0xE1 }, { "agrave", 0xE0 }, { "acirc", 0xE2 }, { "auml", 0xE4 },
  { "iacute", 0xED }, { "iuml", 0xEF }, { "oacute", 0xF3 }, { "ouml", 0xF6 },
  { "uacute", 0xFA }, { "uuml", 0xFC }, { "ccedil", 0xE7 }, { "ntilde", 0xF1 },
  { "Eacute", 0xC9 }, { "szlig", 0xDF },
};

/* "&amp;", "&#163;", "&#xA3;" at @p: the character and where the entity
 * ends, or NULL when @p does not start one (a lone "&" is just a "&"). */
static const char *
decode_entity (const char *p,
               gunichar   *out)
{
  const char *q = p + 1;
  char name[12];
  gsize n = 0;

  if (*q == '#')
    {
      guint64 value = 0;
      gboolean hex = FALSE;
      guint digits = 0;

      q++;
      if (*q == 'x' || *q == 'X')
        {
          hex = TRUE;
          q++;
        }
      for (; hex ? g_ascii_isxdigit (*q) : g_ascii_isdigit (*q); q++)
        {
          if (++digits > 8)
            return NULL;
          value = value * (hex ? 16 : 10) + (guint64) (hex ? g_ascii_xdigit_value (*q) : g_ascii_digit_value (*q));
        }
      if (digits == 0 || *q != ';')
        return NULL;
      /* Windows-1252 quotes written as numbers are common in pasted text. */
      if (value == 0x91 || value == 0x92)
        value = value == 0x91 ? 0x2018 : 0x2019;
      else if (value == 0x93 || value == 0x94)
        value = value == 0x93 ? 0x201C : 0x201D;
      else if (value == 0x96 || value == 0x97)
        value = value == 0x96 ? 0x2013 : 0x2014;
      *out = value <= 0x10FFFF && g_unichar_validate ((gunichar) value) ? (gunichar) value : 0xFFFD;
      return q + 1;
    }

  while (g_ascii_isalnum (*q) && n < sizeof name - 1)
    name[n++] = *q++;
  name[n] = '\0';
  if (n == 0 || *q != ';')
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_str_equal (entities[i].name, name))
      {
        *out = entities[i].c;
        return q + 1;
      }
  return NULL;
}

/* Elements that end a paragraph, and those that only end a line. */
static const char * const paragraph_elements[] = {
  "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table",
  "blockquote", "section", "article", "header", "footer", "main", "nav", "aside",
  "pre", "address", "figure", "form", "fieldset", "hr", "details", "summary",
};
static const char * const line_elements[] = {
  "br", "li", "tr", "dt", "dd", "caption", "figcaption", "option",
};
/* Whose content is never text for a reader. */
static const char * const hidden_elements[] = {
  "script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg",
};

static gboolean
name_in (const char         *name,
         const char * const *names,
         gsize               n_names)
{
  for (gsize i = 0; i < n_names; i++)
    if (g_str_equal (names[i], name))
      return TRUE;
  return FALSE;
}

/* Past "</name ... >" (any case), or the end of the text. */
static const char *
skip_hidden_content (const char *p,
                     const char *name)
{
  gsize len = strlen (name);

  for (; *p != '\0'; p++)
    if (p[0] == '<' && p[1] == '/' && g_ascii_strncasecmp (p + 2, name, len) == 0)
      {
        const char *end = strchr (p, '>');
        return end != NULL ? end + 1 : p + strlen (p);
      }
  return p;
}

/* A tag, comment or declaration at @p ('<'): acts on it and returns where
 * it ends, or NULL when the '<' is just a character. A tag ends at its
 * first '>', quotes or not: a '>' inside an attribute is rare, and reading
 * quotes would let a stray one swallow the rest of the text. */
static const char *
parse_tag (Writer     *w,
           const char *p)
{
  const char *q = p + 1;
  const char *end;
  gboolean closing = FALSE;
  char name[12];
  gsize n = 0;

  if (g_str_has_prefix (p, "<!--"))
    {
      end = strstr (p + 4, "-->");
      return end != NULL ? end + 3 : p + strlen (p);
    }
  if (*q == '!' || *q == '?')
    {
      end = strchr (q, '>');
      return end != NULL ? end + 1 : NULL;
    }
  if (*q == '/')
    {
      closing = TRUE;
      q++;
    }
  if (!g_ascii_isalpha (*q))
    return NULL;
  while (g_ascii_isalnum (*q))
    {
      if (n < sizeof name - 1)
        name[n++] = g_ascii_tolower (*q);
      q++;
    }
  name[n] = '\0';

  end = strchr (q, '>');
  if (end == NULL)
    return NULL;
  end++;

  if (name_in (name, hidden_elements, G_N_ELEMENTS (hidden_elements)))
    {
      if (!closing && end[-2] != '/')
        end = skip_hidden_content (end, name);
      w->pending_space = TRUE;
    }
  else if (name_in (name, paragraph_elements, G_N_ELEMENTS (paragraph_elements)))
    writer_break (w, 2);
  else if (name_in (name, line_elements, G_N_ELEMENTS (line_elements)))
    {
      writer_break (w, 1);
      if (g_str_equal (name, "li") && !closing)
        w->pending_bullet = TRUE;
    }
  else if (g_str_equal (name, "td") || g_str_equal (name, "th"))
    w->pending_space = TRUE;
  /* Inline elements (a, b, em, span, …) leave only their text. */
  return end;
}

static gboolean
looks_like_html (const char *text)
{
  for (const char *p = strchr (text, '<'); p != NULL; p = strchr (p + 1, '<'))
    if (g_ascii_isalpha (p[1]) || ((p[1] == '/' || p[1] == '!') && p[2] != '\0'))
      return TRUE;
  return FALSE;
}

/* HTML (or plain text) to plain text: paragraphs become blank lines, line
 * breaks and list items new lines (items with a bullet), links their words;
 * entities are decoded, scripts and styles dropped, runs of spaces made
 * one. Invalid UTF-8 is repaired rather than refused. */
char *
sp_html_to_text (const char *html)
{
  g_autofree char *valid = NULL;
  Writer w = { NULL, 0, FALSE, FALSE };
  gboolean is_html;
  const char *p;
  gsize len;

  if (html == NULL)
    return NULL;

  valid = g_utf8_make_valid (html, -1);
  is_html = looks_like_html (valid);
  w.out = g_string_sized_new (strlen (valid));

  for (p = valid; *p != '\0';)
    {
      guchar c = (guchar) *p;

      if (c == '<' && is_html)
        {
          const char *after = parse_tag (&w, p);
          if (after != NULL)
            {
              p = after;
              continue;
            }
        }
      if (c == '&')
        {
          gunichar u = 0;
          const char *after = decode_entity (p, &u);
          if (after != NULL)
            {
              writer_unichar (&w, u);
              p = after;
              continue;
            }
        }
      if (c == '\r' || c == '\n')
        {
          if (is_html)
            w.pending_space = TRUE;
          else
            writer_break (&w, MIN (w.pending_break + 1, 2));
          /* CRLF is one line break. */
          p += (c == '\r' && p[1] == '\n') ? 2 : 1;
          continue;
        }
      if (c < 0x80)
        {
          writer_unichar (&w, c);
          p++;
          continue;
        }
      len = (gsize) (g_utf8_next_char (p) - p);
      writer_unichar (&w, g_utf8_get_char (p));
      p += len;
    }

  /* Nothing pending is written at the end: no trailing break or space. */
  while (w.out->len > 0 && g_ascii_isspace (w.out->str[w.out->len - 1]))
    g_string_truncate (w.out, w.out->len - 1);
  return g_string_free (w.out, FALSE);
}

/* For names and other one-line fields: the text of @html with every run of
 * spaces and line breaks made one space. */
char *
sp_text_one_line (const char *html)
{
  g_autofree char *text = sp_html_to_text (html);
  GString *out;

  if (text == NULL)
    return NULL;
  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\n' || *p == ' ')
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
          continue;
        }
      g_string_append_c (out, *p);
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
