/* sp-trend-chart.h — a measure's scores over time, drawn with cairo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "sp-measure.h"
#include "sp-types.h"

G_BEGIN_DECLS

#define SP_TYPE_TREND_CHART (sp_trend_chart_get_type ())
G_DECLARE_FINAL_TYPE (SpTrendChart, sp_trend_chart, SP, TREND_CHART, GtkDrawingArea)

GtkWidget  *sp_trend_chart_new         (const SpMeasureInfo *info,
                                        GPtrArray           *assessments);
const char *sp_trend_chart_get_summary (SpTrendChart        *self);
guint       sp_trend_chart_get_n_points (SpTrendChart       *self);

G_END_DECLS
