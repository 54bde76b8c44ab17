/* sp-report-draw.c — reports, charts and GP letters drawn with cairo and pango
 *
 * Everything is laid out twice: once to count the pages (nothing drawn),
 * then again drawing one page, or every page for a PDF, so each footer can
 * say "page 2 of 3". Units are the cairo context's, PostScript points for
 * PDF and printing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-report-draw"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "sp-report-draw.h"
#include "sp-report-draw-private.h"

#define MARGIN        48.0   /* about 17 mm */
#define FOOTER_SPACE  26.0
#define CELL_PAD_X     4.0
#define CELL_PAD_Y     2.5

#define DRAW_NONE (-1)
#define DRAW_ALL  (-2)

/* NHS identity colours: blue for the main series, mid grey for the second,
 * pale grey for table headings. */
static const gdouble series_rgb[2][3] = {
  { 0 / 255.0, 94 / 255.0, 184 / 255.0 },
  { 118 / 255.0, 134 / 255.0, 146 / 255.0 },
};
static const gdouble heading_rgb[3] = { 232 / 255.0, 237 / 255.0, 238 / 255.0 };
static const gdouble stripe_rgb[3] = { 246 / 255.0, 248 / 255.0, 249 / 255.0 };
static const gdouble muted_rgb[3] = { 66 / 255.0, 84 / 255.0, 98 / 255.0 };

/* ---- Text ---------------------------------------------------------------- */

static PangoContext *
context_new (cairo_t *cr)
{
  PangoContext *context = pango_cairo_create_context (cr);
  cairo_font_options_t *options = cairo_font_options_create ();

  /* Unhinted metrics: the same layout on screen, on paper and in the PDF. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (context, options);
  cairo_font_options_destroy (options);
  return context;
}

/* @width < 0: one line, as wide as it needs. */
static PangoLayout *
layout_new (PangoContext   *context,
            const char     *text,
            const char     *font,
            gdouble         width,
            PangoAlignment  alignment)
{
  PangoLayout *layout = pango_layout_new (context);
  PangoFontDescription *description = pango_font_description_from_string (font);

  pango_layout_set_font_description (layout, description);
  pango_font_description_free (description);
  pango_layout_set_text (layout, text != NULL ? text : "", -1);
  if (width >= 0)
    {
      pango_layout_set_width (layout, pango_units_from_double (MAX (width, 1)));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_alignment (layout, alignment);
    }
  return layout;
}

static void
layout_size (PangoLayout *layout,
             gdouble     *width,
             gdouble     *height)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  if (width != NULL)
    *width = pango_units_to_double (w);
  if (height != NULL)
    *height = pango_units_to_double (h);
}

static gdouble
text_width (PangoContext *context,
            const char   *text,
            const char   *font)
{
  g_autoptr(PangoLayout) layout = layout_new (context, text, font, -1, PANGO_ALIGN_LEFT);
  gdouble width;

  layout_size (layout, &width, NULL);
  return width;
}

/* The widest word: how narrow a wrapped column may get. */
static gdouble
longest_word (PangoContext *context,
              const char   *text,
              const char   *font)
{
  g_auto(GStrv) words = g_strsplit (text != NULL ? text : "", " ", -1);
  gdouble widest = 0;

  for (guint i = 0; words[i] != NULL; i++)
    widest = MAX (widest, text_width (context, words[i], font));
  return widest;
}

static void
show_layout (cairo_t        *cr,
             PangoLayout    *layout,
             gdouble         x,
             gdouble         y,
             const gdouble  *rgb)
{
  cairo_save (cr);
  if (rgb != NULL)
    cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  else
    cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
}

static void
fill_rect (cairo_t        *cr,
           gdouble         x,
           gdouble         y,
           gdouble         width,
           gdouble         height,
           const gdouble  *rgb)
{
  cairo_save (cr);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_rectangle (cr, x, y, width, height);
  cairo_fill (cr);
  cairo_restore (cr);
}

static void
hline (cairo_t *cr,
       gdouble  x0,
       gdouble  x1,
       gdouble  y,
       gdouble  line_width)
{
  cairo_save (cr);
  cairo_set_source_rgb (cr, muted_rgb[0], muted_rgb[1], muted_rgb[2]);
  cairo_set_line_width (cr, line_width);
  cairo_move_to (cr, x0, y);
  cairo_line_to (cr, x1, y);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* ---- Pages --------------------------------------------------------------- */

typedef struct
{
  cairo_t      *cr;
  PangoContext *context;
  gdouble       width, height;
  gdouble       left, right, top, bottom;
  gdouble       y;
  gint          page;
  gint          target;       /* the page to draw, DRAW_ALL or DRAW_NONE */
  gboolean      show_pages;   /* a PDF: end each page with cairo_show_page() */
  guint         n_pages;      /* from the counting pass; 0 while counting */
  const char   *footer;
} Pager;

typedef void (*LayoutFunc) (Pager         *pager,
                            gconstpointer  data);

static gboolean
drawing (const Pager *p)
{
  return p->target == DRAW_ALL || p->target == p->page;
}

static void
draw_footer (Pager *p)
{
  g_autoptr(PangoLayout) left = NULL;
  g_autoptr(PangoLayout) right = NULL;
  g_autofree char *page = NULL;
  gdouble y = p->height - MARGIN + 10;

  if (p->n_pages > 0)
    page = g_strdup_printf (_("Page %d of %u"), p->page + 1, p->n_pages);
  else
    page = g_strdup_printf (_("Page %d"), p->page + 1);
  hline (p->cr, p->left, p->right, y - 4, 0.4);
  right = layout_new (p->context, page, "Sans 7.5", p->right - p->left, PANGO_ALIGN_RIGHT);
  left = layout_new (p->context, p->footer, "Sans 7.5", (p->right - p->left) * 0.75, PANGO_ALIGN_LEFT);
  show_layout (p->cr, left, p->left, y, muted_rgb);
  show_layout (p->cr, right, p->left, y, muted_rgb);
}

static void
finish_page (Pager *p)
{
  if (!drawing (p))
    return;
  draw_footer (p);
  if (p->show_pages)
    cairo_show_page (p->cr);
}

static void
new_page (Pager *p)
{
  finish_page (p);
  p->page++;
  p->y = p->top;
}

/* Starts a new page unless @height fits below; a page that is still empty
 * takes it anyway. */
static gboolean
ensure_space (Pager   *p,
              gdouble  height)
{
  if (p->y + height <= p->bottom || p->y <= p->top + 0.5)
    return FALSE;
  new_page (p);
  return TRUE;
}

static void
text_block (Pager          *p,
            const char     *text,
            const char     *font,
            gdouble         x,
            gdouble         space_after,
            const gdouble  *rgb)
{
  g_autoptr(PangoLayout) layout = layout_new (p->context, text, font, p->right - x, PANGO_ALIGN_LEFT);
  gdouble height;

  layout_size (layout, NULL, &height);
  ensure_space (p, height);
  if (drawing (p))
    show_layout (p->cr, layout, x, p->y, rgb);
  p->y += height + space_after;
}

/* Lays out twice: once to count the pages, once to draw. */
static guint
paginate (cairo_t       *cr,
          gdouble        width,
          gdouble        height,
          gint           target,
          gboolean       show_pages,
          const char    *footer,
          LayoutFunc     func,
          gconstpointer  data)
{
  Pager p = { 0, };
  guint n_pages;

  p.cr = cr;
  p.context = context_new (cr);
  p.width = width;
  p.height = height;
  p.left = MARGIN;
  p.right = width - MARGIN;
  p.top = MARGIN;
  p.bottom = height - MARGIN - FOOTER_SPACE + 10;
  p.footer = footer;

  for (guint pass = 0; pass < 2; pass++)
    {
      p.page = 0;
      p.y = p.top;
      p.target = pass == 0 ? DRAW_NONE : target;
      p.show_pages = pass == 1 && show_pages;
      func (&p, data);
      finish_page (&p);
      p.n_pages = (guint) p.page + 1;
      if (target == DRAW_NONE || (target >= 0 && (guint) target >= p.n_pages))
        break;
    }
  n_pages = p.n_pages;
  g_object_unref (p.context);
  return n_pages;
}

/* ---- Tables -------------------------------------------------------------- */

static gboolean
column_is_numeric (const SpReportTable *table,
                   guint                column)
{
  for (guint i = 0; i < table->rows->len; i++)
    {
      const SpReportRow *row = table->rows->pdata[i];
      const SpReportCell *cell = row->cells->pdata[column];

      if (cell->kind == SP_CELL_TEXT)
        return FALSE;
      if (cell->kind != SP_CELL_EMPTY)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  guint     n;
  gdouble  *widths;
  gboolean *numeric;
  char      font[32];
  char      bold[32];
} Columns;

static void
columns_clear (Columns *c)
{
  g_clear_pointer (&c->widths, g_free);
  g_clear_pointer (&c->numeric, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Columns, columns_clear)

/* Natural widths when they fit; otherwise text columns wrap, and past
 * that the type gets smaller, down to 6.5 points. */
static void
columns_fit (Pager               *p,
             const SpReportTable *table,
             Columns             *c)
{
  static const gdouble sizes[] = { 8.5, 7.5, 6.5 };
  gdouble avail = p->right - p->left;
  g_autofree gdouble *least = NULL;
  g_autofree gdouble *natural = NULL;

  c->n = g_strv_length (table->headers);
  c->widths = g_new0 (gdouble, c->n);
  c->numeric = g_new0 (gboolean, c->n);
  least = g_new0 (gdouble, c->n);
  natural = g_new0 (gdouble, c->n);
  for (guint k = 0; k < c->n; k++)
    c->numeric[k] = column_is_numeric (table, k);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      gdouble sum_least = 0, sum_natural = 0;
      char size[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (size, sizeof size, "%.1f", sizes[s]);
      g_snprintf (c->font, sizeof c->font, "Sans %s", size);
      g_snprintf (c->bold, sizeof c->bold, "Sans Bold %s", size);
      for (guint k = 0; k < c->n; k++)
        {
          least[k] = longest_word (p->context, table->headers[k], c->bold);
          natural[k] = text_width (p->context, table->headers[k], c->bold);
          for (guint i = 0; i < table->rows->len; i++)
            {
              const SpReportRow *row = table->rows->pdata[i];
              const SpReportCell *cell = row->cells->pdata[k];
              const char *font = row->is_total ? c->bold : c->font;
              gdouble w = text_width (p->context, cell->display, font);

              natural[k] = MAX (natural[k], w);
              /* Figures and short notes ("n < 10") never break. */
              if (cell->kind != SP_CELL_TEXT || g_utf8_strlen (cell->display, -1) <= 12)
                least[k] = MAX (least[k], w);
              else
                least[k] = MAX (least[k], longest_word (p->context, cell->display, font));
            }
          /* A long label wraps rather than squeezing the figures. */
          natural[k] = MIN (natural[k], MAX (least[k], avail * 0.4));
          least[k] += 2 * CELL_PAD_X;
          natural[k] += 2 * CELL_PAD_X;
          sum_least += least[k];
          sum_natural += natural[k];
        }
      if (sum_natural <= avail)
        {
          /* A little spare room goes to the labels; the table need not
           * fill the page. */
          gdouble extra = avail - sum_natural;
          gdouble gap = MIN (6, extra / c->n);

          for (guint k = 0; k < c->n; k++)
            c->widths[k] = natural[k] + (k > 0 ? gap : 0);
          c->widths[0] += MIN (extra - gap * (c->n - 1), avail * 0.1);
          return;
        }
      /* Some wrapping of headings and labels is fine; a lot is not, so
       * then try the next size down. */
      if ((sum_least <= avail && sum_natural <= avail * 1.4) || s == G_N_ELEMENTS (sizes) - 1)
        {
          gdouble share = sum_natural > sum_least ? (avail - sum_least) / (sum_natural - sum_least) : 0;

          for (guint k = 0; k < c->n; k++)
            c->widths[k] = least[k] + MAX (share, 0) * (natural[k] - least[k]);
          return;
        }
    }
}

static gdouble
row_height (GPtrArray *layouts)
{
  gdouble height = 0;

  for (guint k = 0; k < layouts->len; k++)
    {
      gdouble h;
      layout_size (layouts->pdata[k], NULL, &h);
      height = MAX (height, h);
    }
  return height + 2 * CELL_PAD_Y;
}

static gdouble
columns_width (const Columns *c)
{
  gdouble width = 0;

  for (guint k = 0; k < c->n; k++)
    width += c->widths[k];
  return width;
}

static GPtrArray *
header_layouts (Pager               *p,
                const SpReportTable *table,
                const Columns       *c)
{
  GPtrArray *layouts = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint k = 0; k < c->n; k++)
    g_ptr_array_add (layouts, layout_new (p->context, table->headers[k], c->bold, c->widths[k] - 2 * CELL_PAD_X,
                                          c->numeric[k] ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT));
  return layouts;
}

static GPtrArray *
row_layouts (Pager             *p,
             const SpReportRow *row,
             const Columns     *c)
{
  GPtrArray *layouts = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint k = 0; k < c->n; k++)
    {
      const SpReportCell *cell = row->cells->pdata[k];
      gboolean right = cell->kind != SP_CELL_TEXT && cell->kind != SP_CELL_EMPTY;

      g_ptr_array_add (layouts, layout_new (p->context, cell->display, row->is_total ? c->bold : c->font,
                                            c->widths[k] - 2 * CELL_PAD_X,
                                            right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT));
    }
  return layouts;
}

static void
draw_cells (Pager          *p,
            const Columns  *c,
            GPtrArray      *layouts,
            gdouble         height,
            const gdouble  *background)
{
  gdouble x = p->left;

  if (!drawing (p))
    return;
  if (background != NULL)
    fill_rect (p->cr, p->left, p->y, columns_width (c), height, background);
  for (guint k = 0; k < c->n; k++)
    {
      show_layout (p->cr, layouts->pdata[k], x + CELL_PAD_X, p->y + CELL_PAD_Y, NULL);
      x += c->widths[k];
    }
}

static void
draw_header (Pager               *p,
             const SpReportTable *table,
             const Columns       *c)
{
  g_autoptr(GPtrArray) layouts = header_layouts (p, table, c);
  gdouble height = row_height (layouts);

  draw_cells (p, c, layouts, height, heading_rgb);
  p->y += height;
}

/* A table of up to half a page is kept on one page; a longer one keeps its
 * title, heading and first rows together and repeats the heading on each
 * page it runs on to. */
static void
draw_table (Pager               *p,
            const SpReportTable *table)
{
  g_auto(Columns) columns = { 0, };
  g_autoptr(PangoLayout) title = NULL;
  g_autoptr(GPtrArray) header = NULL;
  g_autoptr(GArray) heights = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gdouble title_height, header_height, whole, start, table_right;

  columns_fit (p, table, &columns);
  table_right = p->left + columns_width (&columns);

  title = layout_new (p->context, table->title, "Sans Bold 11", p->right - p->left, PANGO_ALIGN_LEFT);
  layout_size (title, NULL, &title_height);
  header = header_layouts (p, table, &columns);
  header_height = row_height (header);
  whole = start = title_height + 4 + header_height;
  for (guint i = 0; i < table->rows->len; i++)
    {
      g_autoptr(GPtrArray) layouts = row_layouts (p, table->rows->pdata[i], &columns);
      gdouble h = row_height (layouts);

      g_array_append_val (heights, h);
      whole += h;
      if (i < 3)
        start += h;
    }

  p->y += 6;
  ensure_space (p, whole <= (p->bottom - p->top) / 2 ? whole : start);
  if (drawing (p))
    show_layout (p->cr, title, p->left, p->y, NULL);
  p->y += title_height + 4;
  draw_header (p, table, &columns);

  for (guint i = 0; i < table->rows->len; i++)
    {
      const SpReportRow *row = table->rows->pdata[i];
      g_autoptr(GPtrArray) layouts = row_layouts (p, row, &columns);
      gdouble height = g_array_index (heights, gdouble, i);

      if (ensure_space (p, height))
        draw_header (p, table, &columns);
      if (row->is_total && drawing (p))
        hline (p->cr, p->left, table_right, p->y, 0.6);
      draw_cells (p, &columns, layouts, height, i % 2 == 1 && !row->is_total ? stripe_rgb : NULL);
      p->y += height;
    }
  if (drawing (p))
    hline (p->cr, p->left, table_right, p->y, 0.4);
  p->y += 3;
  for (guint i = 0; i < table->notes->len; i++)
    text_block (p, table->notes->pdata[i], "Sans Italic 7.5", p->left, 1.5, muted_rgb);
  p->y += 6;
}

/* ---- Charts -------------------------------------------------------------- */

#define BAR_HEIGHT   11.0
#define PAIR_HEIGHT   8.0
#define BAR_GAP       6.0
#define CHART_FONT   "Sans 8"

static guint
n_series (const SpReportChart *chart)
{
  return chart->kind == SP_CHART_PAIRS ? 2 : 1;
}

static gdouble
chart_max (const SpReportChart *chart)
{
  gdouble max = 0;

  for (guint i = 0; i < chart->bars->len; i++)
    {
      const SpChartBar *bar = chart->bars->pdata[i];
      for (guint s = 0; s < n_series (chart); s++)
        if (!isnan (bar->value[s]))
          max = MAX (max, bar->value[s]);
    }
  return max > 0 ? max : 1;
}

/* Draws (or, with @draw FALSE, only measures) a chart at @x, @y; returns
 * its height. Bars run left to right so long labels stay readable. */
static gdouble
chart_layout (const SpReportChart *chart,
              cairo_t             *cr,
              PangoContext        *context,
              gdouble              x,
              gdouble              y,
              gdouble              width,
              gboolean             draw)
{
  g_autoptr(PangoLayout) title = layout_new (context, chart->title, "Sans Bold 10", width, PANGO_ALIGN_LEFT);
  gdouble top = y, h, label_width = 0, value_width = 0, bar_x, bar_area, max = chart_max (chart);
  guint series = n_series (chart);

  layout_size (title, NULL, &h);
  if (draw)
    show_layout (cr, title, x, y, NULL);
  y += h + 4;

  if (series == 2)
    {
      gdouble lx = x;

      for (guint s = 0; s < 2; s++)
        {
          g_autoptr(PangoLayout) name = layout_new (context, chart->series[s], CHART_FONT, -1, PANGO_ALIGN_LEFT);
          gdouble w;

          layout_size (name, &w, &h);
          if (draw)
            {
              fill_rect (cr, lx, y + 2, 9, 9, series_rgb[s]);
              show_layout (cr, name, lx + 13, y, NULL);
            }
          lx += 13 + w + 16;
        }
      y += h + 4;
    }

  if (chart->bars->len == 0)
    {
      g_autoptr(PangoLayout) none = layout_new (context, _("Nothing to show for this selection."),
                                                "Sans Italic 8", width, PANGO_ALIGN_LEFT);
      layout_size (none, NULL, &h);
      if (draw)
        show_layout (cr, none, x, y, muted_rgb);
      return y + h - top;
    }

  for (guint i = 0; i < chart->bars->len; i++)
    {
      const SpChartBar *bar = chart->bars->pdata[i];

      label_width = MAX (label_width, text_width (context, bar->label, CHART_FONT));
      for (guint s = 0; s < series; s++)
        value_width = MAX (value_width, text_width (context, bar->display[s], CHART_FONT));
    }
  label_width = MIN (label_width, width * 0.36) + 8;
  value_width += 6;
  bar_x = x + label_width;
  bar_area = MAX (width - label_width - value_width, 20);

  for (guint i = 0; i < chart->bars->len; i++)
    {
      const SpChartBar *bar = chart->bars->pdata[i];
      g_autoptr(PangoLayout) label = layout_new (context, bar->label, CHART_FONT, label_width - 8, PANGO_ALIGN_RIGHT);
      gdouble label_height, block = series == 2 ? 2 * PAIR_HEIGHT + 1 : BAR_HEIGHT;
      gdouble scale = bar->scale_max > 0 ? bar->scale_max : max;
      gdouble row;

      layout_size (label, NULL, &label_height);
      row = MAX (label_height, block);
      if (draw)
        {
          show_layout (cr, label, x, y + (row - label_height) / 2, NULL);
          for (guint s = 0; s < series; s++)
            {
              gdouble bh = series == 2 ? PAIR_HEIGHT : BAR_HEIGHT;
              gdouble by = y + (row - block) / 2 + s * (PAIR_HEIGHT + 1);
              gdouble length = isnan (bar->value[s]) ? 0 : CLAMP (bar->value[s] / scale, 0, 1) * bar_area;
              g_autoptr(PangoLayout) value = layout_new (context, bar->display[s], "Sans 7", -1, PANGO_ALIGN_LEFT);
              gdouble vh;

              if (length > 0)
                fill_rect (cr, bar_x, by, length, bh, series_rgb[s]);
              layout_size (value, NULL, &vh);
              show_layout (cr, value, bar_x + length + 3, by + (bh - vh) / 2, NULL);
            }
        }
      y += row + BAR_GAP;
    }

  if (draw)
    {
      cairo_save (cr);
      cairo_set_source_rgb (cr, muted_rgb[0], muted_rgb[1], muted_rgb[2]);
      cairo_set_line_width (cr, 0.6);
      cairo_move_to (cr, bar_x, top + h + 2);
      cairo_line_to (cr, bar_x, y - BAR_GAP / 2);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  if (chart->note != NULL)
    {
      g_autoptr(PangoLayout) note = layout_new (context, chart->note, "Sans Italic 7.5", width, PANGO_ALIGN_LEFT);
      layout_size (note, NULL, &h);
      if (draw)
        show_layout (cr, note, x, y, muted_rgb);
      y += h;
    }
  return y - top;
}

gdouble
sp_report_chart_height (const SpReportChart *chart,
                        cairo_t             *cr,
                        gdouble              width)
{
  PangoContext *context;
  gdouble height;

  g_return_val_if_fail (chart != NULL && cr != NULL, 0);

  context = context_new (cr);
  height = chart_layout (chart, cr, context, 0, 0, width, FALSE);
  g_object_unref (context);
  return height;
}

/* Draws the chart from the current origin, @width wide, as tall as
 * sp_report_chart_height() says. */
void
sp_report_chart_draw (const SpReportChart *chart,
                      cairo_t             *cr,
                      gdouble              width)
{
  PangoContext *context;

  g_return_if_fail (chart != NULL && cr != NULL);

  context = context_new (cr);
  chart_layout (chart, cr, context, 0, 0, width, TRUE);
  g_object_unref (context);
}

static void
draw_chart (Pager               *p,
            const SpReportChart *chart)
{
  gdouble height = chart_layout (chart, p->cr, p->context, p->left, p->y, p->right - p->left, FALSE);

  p->y += 6;
  ensure_space (p, height);
  if (drawing (p))
    chart_layout (chart, p->cr, p->context, p->left, p->y, p->right - p->left, TRUE);
  p->y += height + 10;
}

/* ---- Report documents ---------------------------------------------------- */

/* "2026-05-04T09:00:00Z" → "2026-05-04 09:00 UTC" */
static char *
made_text (const char *utc_time)
{
  if (utc_time == NULL || strlen (utc_time) < 16)
    return g_strdup (utc_time != NULL ? utc_time : "");
  return g_strdup_printf ("%.10s %.5s UTC", utc_time, utc_time + 11);
}

static void
layout_document (Pager         *p,
                 gconstpointer  data)
{
  const SpReportDocument *document = data;
  g_autofree char *title = g_strdup_printf (_("%s report"), document->title);
  g_autofree char *period = g_strdup_printf (_("Period: %s"), document->period);
  g_autofree char *made = made_text (document->made_at);
  g_autofree char *made_line = g_strdup_printf (_("Made: %s"), made);
  g_autofree char *filters = NULL;
  g_autofree char *filters_line = NULL;

  filters = document->filters[0] != NULL ? g_strjoinv ("; ", document->filters) : g_strdup (_("none"));
  filters_line = g_strdup_printf (_("Filters: %s"), filters);

  text_block (p, "Signpost", "Sans 9", p->left, 0, series_rgb[0]);
  text_block (p, title, "Sans Bold 18", p->left, 4, NULL);
  text_block (p, period, "Sans 9.5", p->left, 1, NULL);
  text_block (p, filters_line, "Sans 9.5", p->left, 1, NULL);
  text_block (p, made_line, "Sans 9.5", p->left, 4, NULL);
  if (document->suppressed)
    text_block (p, _("For sharing outside the practice: small numbers are withheld."), "Sans Bold 9",
                p->left, 2, NULL);
  for (guint i = 0; i < document->notes->len; i++)
    text_block (p, document->notes->pdata[i], "Sans Italic 8", p->left, 1.5, muted_rgb);
  if (drawing (p))
    hline (p->cr, p->left, p->right, p->y + 3, 0.8);
  p->y += 8;

  /* The first table, then the charts (the report at a glance), then the rest. */
  for (guint i = 0; i < document->tables->len; i++)
    {
      draw_table (p, document->tables->pdata[i]);
      if (i == 0)
        for (guint k = 0; k < document->charts->len; k++)
          draw_chart (p, document->charts->pdata[k]);
    }
  if (document->tables->len == 0)
    for (guint k = 0; k < document->charts->len; k++)
      draw_chart (p, document->charts->pdata[k]);
}

static char *
document_footer (const SpReportDocument *document)
{
  return g_strdup_printf (_("Signpost · %s report · %s"), document->title, document->period);
}

/* Draws page @page (from 0) of the report on @cr, a page @width × @height;
 * returns how many pages it has. A negative @page only counts them. */
guint
sp_report_document_draw_page (const SpReportDocument *document,
                              cairo_t                *cr,
                              gdouble                 width,
                              gdouble                 height,
                              gint                    page)
{
  g_autofree char *footer = NULL;

  g_return_val_if_fail (document != NULL && cr != NULL, 0);

  footer = document_footer (document);
  return paginate (cr, width, height, page < 0 ? DRAW_NONE : page, FALSE, footer, layout_document, document);
}

/* Every page, each ended with cairo_show_page(): for a PDF surface. */
guint
_sp_report_document_draw_all (const SpReportDocument *document,
                              cairo_t                *cr,
                              gdouble                 width,
                              gdouble                 height)
{
  g_autofree char *footer = document_footer (document);

  return paginate (cr, width, height, DRAW_ALL, TRUE, footer, layout_document, document);
}

/* ---- Letters ------------------------------------------------------------- */

/* Labels take the width the longest needs (a SNOMED CT code must never
 * break), within limits, so each section lines up on its own. */
static gdouble
label_width (Pager                 *p,
             const SpLetterSection *section)
{
  gdouble width = 0;

  for (guint k = 0; k < section->lines->len; k++)
    {
      const SpLetterLine *line = section->lines->pdata[k];
      if (line->label != NULL)
        width = MAX (width, text_width (p->context, line->label, "Sans Bold 9.5"));
    }
  return CLAMP (width + 12, 110, 175);
}

static void
labelled_line (Pager      *p,
               gdouble     label_column,
               const char *label,
               const char *text)
{
  g_autoptr(PangoLayout) label_layout = layout_new (p->context, label, "Sans Bold 9.5", label_column - 10,
                                                    PANGO_ALIGN_LEFT);
  g_autoptr(PangoLayout) text_layout = layout_new (p->context, text, "Sans 9.5",
                                                   p->right - p->left - label_column, PANGO_ALIGN_LEFT);
  gdouble lh, th;

  layout_size (label_layout, NULL, &lh);
  layout_size (text_layout, NULL, &th);
  ensure_space (p, MAX (lh, th));
  if (drawing (p))
    {
      show_layout (p->cr, label_layout, p->left, p->y, muted_rgb);
      show_layout (p->cr, text_layout, p->left + label_column, p->y, NULL);
    }
  p->y += MAX (lh, th) + 3;
}

static void
layout_letter (Pager         *p,
               gconstpointer  data)
{
  const SpLetter *letter = data;
  g_autoptr(GPtrArray) sections = sp_letter_sections (letter);
  g_autoptr(PangoLayout) date = layout_new (p->context, letter->date, "Sans 9.5", p->right - p->left,
                                            PANGO_ALIGN_RIGHT);

  if (drawing (p))
    show_layout (p->cr, date, p->left, p->y, NULL);
  text_block (p, letter->practice, "Sans Bold 11", p->left, 2, NULL);
  text_block (p, _("Confidential: patient information"), "Sans 8", p->left, 10, muted_rgb);
  text_block (p, letter->title, "Sans Bold 14", p->left, 8, series_rgb[0]);

  for (guint i = 0; i < sections->len; i++)
    {
      const SpLetterSection *section = sections->pdata[i];
      gdouble column = label_width (p, section);

      if (section->heading != NULL)
        {
          p->y += 4;
          ensure_space (p, 40);
          text_block (p, section->heading, "Sans Bold 10.5", p->left, 3, NULL);
        }
      for (guint k = 0; k < section->lines->len; k++)
        {
          const SpLetterLine *line = section->lines->pdata[k];

          if (line->label != NULL)
            labelled_line (p, column, line->label, line->text);
          else
            text_block (p, line->text, "Sans 10", p->left, 5, NULL);
        }
      p->y += 6;
    }
}

static char *
letter_footer (const SpLetter *letter)
{
  return g_strdup_printf (_("Confidential · %s · NHS number %s"), letter->patient_name,
                          letter->nhs_number != NULL ? letter->nhs_number : "");
}

guint
sp_letter_draw_page (const SpLetter *letter,
                     cairo_t        *cr,
                     gdouble         width,
                     gdouble         height,
                     gint            page)
{
  g_autofree char *footer = NULL;

  g_return_val_if_fail (letter != NULL && cr != NULL, 0);

  footer = letter_footer (letter);
  return paginate (cr, width, height, page < 0 ? DRAW_NONE : page, FALSE, footer, layout_letter, letter);
}

guint
_sp_letter_draw_all (const SpLetter *letter,
                     cairo_t        *cr,
                     gdouble         width,
                     gdouble         height)
{
  g_autofree char *footer = letter_footer (letter);

  return paginate (cr, width, height, DRAW_ALL, TRUE, footer, layout_letter, letter);
}
