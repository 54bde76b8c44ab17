/* sp-stats.h — the few statistics the reports need
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gdouble  sp_stats_mean        (const gdouble *values,
                               guint          n);
gdouble  sp_stats_median      (const gdouble *values,
                               guint          n);
gdouble  sp_stats_sd          (const gdouble *values,
                               guint          n);
gdouble  sp_stats_t_95        (guint          df);
gboolean sp_stats_mean_ci_95  (const gdouble *values,
                               guint          n,
                               gdouble       *low,
                               gdouble       *high);

G_END_DECLS
