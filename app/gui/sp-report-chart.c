/* sp-report-chart.c — one chart of a report, drawn on screen as the PDF draws it
 *
 * The drawing is libsignpost-report's (sp_report_chart_draw), on a white
 * sheet so it reads the same in a dark style as on paper. Its height
 * follows its width, as the chart's own layout needs. A screen reader
 * hears the chart's title as its name and every figure in words as its
 * description.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-report-chart"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "sp-report-chart.h"
#include "sp-report-draw.h"

#define MARGIN 12.0

static const SpReportChart *
chart_of (GtkWidget *area)
{
  return g_object_get_data (G_OBJECT (area), "sp-chart");
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        user_data)
{
  const SpReportChart *chart = chart_of (GTK_WIDGET (area));

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (chart == NULL || width <= 2 * MARGIN)
    return;
  cairo_translate (cr, MARGIN, MARGIN);
  sp_report_chart_draw (chart, cr, width - 2 * MARGIN);
}

/* The chart's layout decides its height for a width. */
static void
resize_cb (GtkDrawingArea *area,
           int             width,
           int             height,
           gpointer        user_data)
{
  const SpReportChart *chart = chart_of (GTK_WIDGET (area));
  cairo_surface_t *surface;
  cairo_t *cr;
  int wanted;

  if (chart == NULL || width <= 2 * MARGIN)
    return;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  wanted = (int) ceil (sp_report_chart_height (chart, cr, width - 2 * MARGIN) + 2 * MARGIN);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  if (wanted != gtk_drawing_area_get_content_height (area))
    gtk_drawing_area_set_content_height (area, wanted);
}

/* "Referrals by status. Referrals: Completed 15; Attending 4. …" */
char *
sp_report_chart_summarize (const SpReportChart *chart)
{
  g_autoptr(GString) text = g_string_new (chart->title);

  g_string_append (text, ". ");
  for (guint i = 0; i < chart->bars->len; i++)
    {
      const SpChartBar *bar = chart->bars->pdata[i];

      if (i > 0)
        g_string_append (text, "; ");
      if (chart->kind == SP_CHART_PAIRS)
        /* Translators: a chart's label and its two figures, e.g. "PHQ-9: before 14.2, after 9.1" */
        g_string_append_printf (text, _("%s: %s %s, %s %s"), bar->label,
                                chart->series[0], bar->display[0] ? bar->display[0] : _("none"),
                                chart->series[1] ? chart->series[1] : "",
                                bar->display[1] ? bar->display[1] : _("none"));
      else
        /* Translators: a chart's label and its figure, e.g. "Completed 15" */
        g_string_append_printf (text, _("%s %s"), bar->label, bar->display[0] ? bar->display[0] : _("none"));
    }
  if (chart->bars->len == 0)
    g_string_append (text, _("Nothing to show."));
  else
    g_string_append_c (text, '.');
  if (chart->note != NULL)
    g_string_append_printf (text, " %s", chart->note);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

GtkWidget *
sp_report_chart_widget_new (const SpReportChart *chart,
                            gpointer             owner,
                            GDestroyNotify       release)
{
  GtkWidget *area = gtk_drawing_area_new ();
  g_autofree char *summary = sp_report_chart_summarize (chart);

  g_object_set_data_full (G_OBJECT (area), "sp-chart-owner", owner, release);
  g_object_set_data (G_OBJECT (area), "sp-chart", (gpointer) chart);
  gtk_widget_set_name (area, chart->key);
  gtk_widget_set_hexpand (area, TRUE);
  gtk_widget_add_css_class (area, "card");
  gtk_widget_set_overflow (area, GTK_OVERFLOW_HIDDEN);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), 160);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_cb, NULL, NULL);
  g_signal_connect (area, "resize", G_CALLBACK (resize_cb), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (area),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, chart->title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, summary,
                                  -1);
  return area;
}
