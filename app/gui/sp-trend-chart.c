/* sp-trend-chart.c — a measure's scores over time, drawn with cairo
 *
 * One point per complete questionnaire, placed by the date it was taken,
 * joined by a line; a baseline is drawn as a ring. PHQ-9 and GAD-7 shade
 * their severity bands behind the points, and every chart says which way
 * is better. ONS4 has four answers and no total, so it draws four lines,
 * told apart by dash and marker as well as colour. An incomplete
 * questionnaire has no score, so it is left out rather than drawn low.
 *
 * The accessible description says the same in words: how many scores,
 * from when to when, from what to what, and whether that is better.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-trend-chart"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "sp-gui-util.h"
#include "sp-trend-chart.h"

#define MAX_SERIES 4

typedef struct
{
  gint64   time;                 /* seconds since the epoch */
  double   values[MAX_SERIES];
  gboolean baseline;
} Point;

struct _SpTrendChart
{
  GtkDrawingArea       parent_instance;

  const SpMeasureInfo *info;
  GArray              *points;   /* Point, oldest first */
  guint                n_series;
  guint                n_incomplete;
  double               y_min, y_max;
  char                *summary;
};

G_DEFINE_FINAL_TYPE (SpTrendChart, sp_trend_chart, GTK_TYPE_DRAWING_AREA)

/* The lower bound of each severity band (Kroenke, Spitzer & Williams 2001;
 * Spitzer et al. 2006), as sp-measure.c bands them. */
static const gint phq9_bands[] = { 0, 5, 10, 15, 20 };
static const gint gad7_bands[] = { 0, 5, 10, 15 };

/* ONS4's answers, in short, for the legend. */
static const char * const ons4_names[] = {
  N_("Life satisfaction"),
  N_("Worthwhile"),
  N_("Happy"),
  N_("Anxious"),
};

static const gint *
bands_of (const SpMeasureInfo *info,
          guint               *n_bands)
{
  switch (info->id)
    {
    case SP_MEASURE_PHQ9:
      *n_bands = G_N_ELEMENTS (phq9_bands);
      return phq9_bands;
    case SP_MEASURE_GAD7:
      *n_bands = G_N_ELEMENTS (gad7_bands);
      return gad7_bands;
    case SP_MEASURE_MSKHQ:
    case SP_MEASURE_SWEMWBS:
    case SP_MEASURE_ONS4:
    case SP_MEASURE_PAIN_NRS:
    case SP_N_MEASURES:
    default:
      *n_bands = 0;
      return NULL;
    }
}

/* The core's own label for the band a total falls in. */
static const char *
band_label (const SpMeasureInfo *info,
            gint                 total)
{
  gint answers[SP_MEASURE_MAX_ITEMS];
  SpMeasureScore score;

  for (guint i = 0; i < info->n_items; i++)
    {
      answers[i] = MIN (total, info->item_max);
      total -= answers[i];
    }
  if (!sp_measure_score (info, answers, info->n_items, &score, NULL))
    return NULL;
  return score.band;
}

static GdkRGBA
named_color (GtkWidget  *widget,
             const char *name,
             const char *fallback)
{
  GdkRGBA color;

  /* GTK 4.8 has no other way to read a named colour. */
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, &color))
    gdk_rgba_parse (&color, fallback);
  return color;
}

static void
set_source (cairo_t       *cr,
            const GdkRGBA *color,
            double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

/* Draws @text with its top-left (or top-right, @align_right) at x, y. */
static void
draw_text (GtkWidget     *widget,
           cairo_t       *cr,
           const char    *text,
           double         x,
           double         y,
           gboolean       align_right,
           const GdkRGBA *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();
  int w, h;

  pango_attr_list_insert (attrs, pango_attr_scale_new (0.8));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_get_pixel_size (layout, &w, &h);
  set_source (cr, color, 1.0);
  cairo_move_to (cr, align_right ? x - w : x, y);
  pango_cairo_show_layout (cr, layout);
}

static double
y_of (SpTrendChart *self,
      double        value,
      double        top,
      double        bottom)
{
  return bottom - (value - self->y_min) / (self->y_max - self->y_min) * (bottom - top);
}

static void
draw_marker (cairo_t *cr,
             guint    series,
             double   x,
             double   y,
             gboolean ring)
{
  double r = 4.0;

  cairo_new_path (cr);
  switch (series)
    {
    case 1:  /* square */
      cairo_rectangle (cr, x - r, y - r, 2 * r, 2 * r);
      break;
    case 2:  /* diamond */
      cairo_move_to (cr, x, y - r - 1);
      cairo_line_to (cr, x + r + 1, y);
      cairo_line_to (cr, x, y + r + 1);
      cairo_line_to (cr, x - r - 1, y);
      cairo_close_path (cr);
      break;
    case 3:  /* triangle */
      cairo_move_to (cr, x, y - r - 1);
      cairo_line_to (cr, x + r + 1, y + r);
      cairo_line_to (cr, x - r - 1, y + r);
      cairo_close_path (cr);
      break;
    default:
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    }
  if (ring)
    {
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }
  else
    cairo_fill (cr);
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        user_data)
{
  SpTrendChart *self = SP_TREND_CHART (area);
  GtkWidget *widget = GTK_WIDGET (area);
  GdkRGBA fg, band_color, series_colors[MAX_SERIES];
  const double dashes[MAX_SERIES][2] = { { 1, 0 }, { 6, 3 }, { 2, 3 }, { 8, 3 } };
  double left = 40, right = width - 12, top = 24;
  double bottom = height - (self->n_series > 1 ? 40 : 22);
  gint64 t0, t1;
  const gint *bands;
  guint n_bands;
  const char *direction;

  if (self->info == NULL)
    return;

  /* Band names go in a margin of their own, clear of the points. */
  bands = bands_of (self->info, &n_bands);
  for (guint i = 0; i < n_bands; i++)
    {
      const char *label = band_label (self->info, bands[i]);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, label);
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      right = MIN (right, width - 12 - w * 0.8 - 8);
    }
  if (right <= left + 40 || bottom <= top)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  band_color = named_color (widget, "warning_color", "#c64600");
  series_colors[0] = named_color (widget, "accent_color", "#1c71d8");
  series_colors[1] = named_color (widget, "success_color", "#26a269");
  series_colors[2] = named_color (widget, "purple_3", "#9141ac");
  series_colors[3] = named_color (widget, "error_color", "#c01c28");

  /* Severity bands, darker as they get worse, named on the right. */
  for (guint i = 0; i < n_bands; i++)
    {
      double from = bands[i];
      double to = i + 1 < n_bands ? bands[i + 1] : self->y_max;
      double y_top = y_of (self, to, top, bottom);
      double y_bottom = y_of (self, from, top, bottom);
      const char *label = band_label (self->info, bands[i]);

      set_source (cr, &band_color, 0.04 + 0.05 * i);
      cairo_rectangle (cr, left, y_top, width - 12 - left, y_bottom - y_top);
      cairo_fill (cr);
      if (label != NULL && y_bottom - y_top >= 10)
        {
          GdkRGBA dim = fg;
          dim.alpha *= 0.7;
          draw_text (widget, cr, label, width - 14, (y_top + y_bottom) / 2 - 8, TRUE, &dim);
        }
    }

  /* Axes: the scale's ends, and which way is better. */
  set_source (cr, &fg, 0.3);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, left, top);
  cairo_line_to (cr, left, bottom);
  cairo_line_to (cr, right, bottom);
  cairo_stroke (cr);
  {
    g_autofree char *low = g_strdup_printf ("%g", self->y_min);
    g_autofree char *high = g_strdup_printf ("%g", self->y_max);
    GdkRGBA dim = fg;

    dim.alpha *= 0.7;
    draw_text (widget, cr, high, left - 4, top - 7, TRUE, &dim);
    draw_text (widget, cr, low, left - 4, bottom - 9, TRUE, &dim);
    if (self->info->id == SP_MEASURE_ONS4)
      direction = _("Higher is better (for anxiety, lower is)");
    else if (self->info->higher_is_better)
      direction = _("↑ Higher is better");
    else
      direction = _("↓ Lower is better");
    draw_text (widget, cr, direction, left, 2, FALSE, &dim);
  }

  if (self->points->len == 0)
    return;

  t0 = g_array_index (self->points, Point, 0).time;
  t1 = g_array_index (self->points, Point, self->points->len - 1).time;

  /* The dates of the first and the last. */
  {
    GdkRGBA dim = fg;
    g_autoptr(GDateTime) first = g_date_time_new_from_unix_utc (t0);
    g_autoptr(GDateTime) last = g_date_time_new_from_unix_utc (t1);
    /* Translators: a short date under a chart, e.g. "5 Feb 26"; see g_date_time_format() */
    g_autofree char *first_text = g_date_time_format (first, _("%-d %b %y"));
    g_autofree char *last_text = g_date_time_format (last, _("%-d %b %y"));

    dim.alpha *= 0.7;
    draw_text (widget, cr, first_text, left, bottom + 3, FALSE, &dim);
    if (self->points->len > 1 && t1 != t0)
      draw_text (widget, cr, last_text, right, bottom + 3, TRUE, &dim);
  }

  for (guint s = 0; s < self->n_series; s++)
    {
      double xs[64], ys[64];
      guint n = MIN (self->points->len, G_N_ELEMENTS (xs));
      guint first = self->points->len - n;  /* the latest 64 at most */

      for (guint i = 0; i < n; i++)
        {
          const Point *p = &g_array_index (self->points, Point, first + i);
          double fraction;

          if (self->points->len == 1)
            fraction = 0.5;
          else if (t1 == t0)
            fraction = (double) i / (n - 1);
          else
            fraction = (double) (p->time - t0) / (double) (t1 - t0);
          xs[i] = left + 8 + fraction * (right - left - 16);
          ys[i] = y_of (self, p->values[s], top, bottom);
        }

      set_source (cr, &series_colors[s], 1.0);
      cairo_set_line_width (cr, 2);
      cairo_set_dash (cr, dashes[s], dashes[s][1] > 0 ? 2 : 0, 0);
      for (guint i = 0; i < n; i++)
        {
          if (i == 0)
            cairo_move_to (cr, xs[i], ys[i]);
          else
            cairo_line_to (cr, xs[i], ys[i]);
        }
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      for (guint i = 0; i < n; i++)
        draw_marker (cr, s, xs[i], ys[i], g_array_index (self->points, Point, first + i).baseline);

      /* With one line and room to spare, each point shows its score. */
      if (self->n_series == 1 && n <= 12)
        for (guint i = 0; i < n; i++)
          {
            double value = g_array_index (self->points, Point, first + i).values[0];
            g_autofree char *text = value != floor (value) ? g_strdup_printf ("%.1f", value)
                                                           : g_strdup_printf ("%g", value);

            draw_text (widget, cr, text, xs[i] + (i + 1 == n && n > 1 ? -6 : 6), ys[i] - 18,
                       i + 1 == n && n > 1, &fg);
          }
    }

  /* ONS4's legend, one entry per answer. */
  if (self->n_series > 1)
    {
      double x = left;

      for (guint s = 0; s < self->n_series; s++)
        {
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, _(ons4_names[s]));
          int w, h;

          pango_layout_get_pixel_size (layout, &w, &h);
          set_source (cr, &series_colors[s], 1.0);
          draw_marker (cr, s, x + 4, height - 9, FALSE);
          draw_text (widget, cr, _(ons4_names[s]), x + 12, height - 17, FALSE, &fg);
          x += 12 + w * 0.8 + 16;
        }
    }
}

/* ---- The same in words ------------------------------------------------ */

static char *
point_text (SpTrendChart *self,
            const Point  *p,
            guint         series)
{
  const char *band = NULL;
  double value = p->values[series];

  if (self->info->summed && self->info->id != SP_MEASURE_SWEMWBS)
    band = band_label (self->info, (gint) value);
  if (value != floor (value))
    return band ? g_strdup_printf ("%.2f (%s)", value, band) : g_strdup_printf ("%.2f", value);
  return band ? g_strdup_printf ("%g (%s)", value, band) : g_strdup_printf ("%g", value);
}

static char *
describe (SpTrendChart *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const Point *first, *last;
  g_autofree char *first_date = NULL;
  g_autofree char *last_date = NULL;
  guint n = self->points->len;

  if (n == 0)
    {
      g_string_append (text, _("No complete scores yet."));
      goto incomplete;
    }

  first = &g_array_index (self->points, Point, 0);
  last = &g_array_index (self->points, Point, n - 1);
  {
    g_autoptr(GDateTime) a = g_date_time_new_from_unix_utc (first->time);
    g_autoptr(GDateTime) b = g_date_time_new_from_unix_utc (last->time);
    g_autofree char *a_iso = g_date_time_format_iso8601 (a);
    g_autofree char *b_iso = g_date_time_format_iso8601 (b);

    first_date = sp_gui_format_date (a_iso);
    last_date = sp_gui_format_date (b_iso);
  }

  if (n == 1)
    {
      g_autofree char *value = NULL;

      if (self->n_series == 1)
        {
          value = point_text (self, first, 0);
          /* Translators: e.g. "One score so far: 18 (Moderately severe) on 5 Feb 2026." */
          g_string_append_printf (text, _("One score so far: %s on %s."), value, first_date);
        }
      else
        g_string_append_printf (text, _("One set of answers so far, on %s."), first_date);
    }
  else
    /* Translators: e.g. "3 scores from 5 Feb 2026 to 6 Jun 2026" */
    g_string_append_printf (text, ngettext ("%u score from %s to %s", "%u scores from %s to %s", n),
                            n, first_date, last_date);

  if (n > 1 && self->n_series == 1)
    {
      g_autofree char *from = point_text (self, first, 0);
      g_autofree char *to = point_text (self, last, 0);
      double change = last->values[0] - first->values[0];
      gboolean better = self->info->higher_is_better ? change > 0 : change < 0;

      g_string_append_printf (text, _(": from %s to %s."), from, to);
      g_string_append_c (text, ' ');
      if (change == 0)
        g_string_append (text, _("No change overall."));
      else if (better)
        g_string_append (text, self->info->higher_is_better ? _("It went up, which is better.")
                                                            : _("It went down, which is better."));
      else
        g_string_append (text, self->info->higher_is_better ? _("It went down, which is worse.")
                                                            : _("It went up, which is worse."));
    }
  else if (n > 1)
    {
      g_string_append_c (text, ':');
      for (guint s = 0; s < self->n_series; s++)
        /* Translators: one ONS4 answer's first and latest value, e.g. "Happy 3 to 7" */
        g_string_append_printf (text, _("%s %s %g to %g"), s ? ";" : "", _(ons4_names[s]),
                                first->values[s], last->values[s]);
      g_string_append_c (text, '.');
    }

  if (self->n_series == 1)
    {
      g_string_append_c (text, ' ');
      g_string_append (text, self->info->higher_is_better ? _("Higher is better.") : _("Lower is better."));
    }
  else
    {
      g_string_append_c (text, ' ');
      g_string_append (text, _("Higher is better, except for anxiety, where lower is better."));
    }

incomplete:
  if (self->n_incomplete > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, ngettext ("%u incomplete questionnaire is not drawn.",
                                              "%u incomplete questionnaires are not drawn.", self->n_incomplete),
                              self->n_incomplete);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---- GObject ---------------------------------------------------------- */

static void
sp_trend_chart_finalize (GObject *object)
{
  SpTrendChart *self = SP_TREND_CHART (object);

  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->summary, g_free);

  G_OBJECT_CLASS (sp_trend_chart_parent_class)->finalize (object);
}

static void
sp_trend_chart_class_init (SpTrendChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = sp_trend_chart_finalize;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "trendchart");
}

static void
sp_trend_chart_init (SpTrendChart *self)
{
  self->points = g_array_new (FALSE, TRUE, sizeof (Point));
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw_cb, NULL, NULL);
}

/* @assessments: the patient's assessments, oldest first; only those of
 * @info's measure are drawn. */
GtkWidget *
sp_trend_chart_new (const SpMeasureInfo *info,
                    GPtrArray           *assessments)
{
  SpTrendChart *self;
  g_autofree char *label = NULL;

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (assessments != NULL, NULL);

  self = g_object_new (SP_TYPE_TREND_CHART, NULL);
  self->info = info;
  self->n_series = info->summed ? 1 : MIN (info->n_items, MAX_SERIES);
  if (info->id == SP_MEASURE_SWEMWBS)
    {
      self->y_min = sp_measure_swemwbs_metric (info->item_min * (gint) info->n_items);
      self->y_max = sp_measure_swemwbs_metric (info->item_max * (gint) info->n_items);
    }
  else if (info->summed)
    {
      self->y_min = info->item_min * (gint) info->n_items;
      self->y_max = info->item_max * (gint) info->n_items;
    }
  else
    {
      self->y_min = info->item_min;
      self->y_max = info->item_max;
    }

  for (guint i = 0; i < assessments->len; i++)
    {
      SpAssessment *a = assessments->pdata[i];
      g_autoptr(GDateTime) when = NULL;
      SpMeasureScore score;
      Point point = { 0, };

      if (g_strcmp0 (a->measure, info->code) != 0 || !sp_gui_assessment_score (a, &score))
        continue;
      if (!score.complete)
        {
          self->n_incomplete++;
          continue;
        }
      when = a->taken_at ? g_date_time_new_from_iso8601 (a->taken_at, NULL) : NULL;
      point.time = when ? g_date_time_to_unix (when) : 0;
      point.baseline = g_strcmp0 (a->stage, "baseline") == 0;
      for (guint s = 0; s < self->n_series; s++)
        point.values[s] = info->summed ? score.score : score.items[s];
      g_array_append_val (self->points, point);
    }

  self->summary = describe (self);
  /* Translators: the name of a chart, e.g. "Trend of PHQ-9 (depression)" */
  label = g_strdup_printf (_("Trend of %s"), sp_measure_get_name (info));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->summary,
                                  -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), self->summary);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self), self->n_series > 1 ? 170 : 140);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  return GTK_WIDGET (self);
}

/* The trend in words, as the accessible description gives it. */
const char *
sp_trend_chart_get_summary (SpTrendChart *self)
{
  g_return_val_if_fail (SP_IS_TREND_CHART (self), NULL);
  return self->summary;
}

guint
sp_trend_chart_get_n_points (SpTrendChart *self)
{
  g_return_val_if_fail (SP_IS_TREND_CHART (self), 0);
  return self->points->len;
}
