/* sp-stats.c — the few statistics the reports need
 *
 * Means, medians and a 95 % confidence interval for a mean, computed the
 * textbook way: small services report on a handful of patients, so the
 * interval uses Student's t rather than the normal 1.96.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-stats"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp-stats.h"

/* NAN for no values. */
gdouble
sp_stats_mean (const gdouble *values,
               guint          n)
{
  gdouble sum = 0;

  g_return_val_if_fail (values != NULL || n == 0, NAN);

  if (n == 0)
    return NAN;
  for (guint i = 0; i < n; i++)
    sum += values[i];
  return sum / n;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  gdouble x = *(const gdouble *) a;
  gdouble y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

/* The middle value, or the mean of the two middle ones; NAN for none. */
gdouble
sp_stats_median (const gdouble *values,
                 guint          n)
{
  g_autofree gdouble *sorted = NULL;

  g_return_val_if_fail (values != NULL || n == 0, NAN);

  if (n == 0)
    return NAN;
  sorted = g_memdup2 (values, n * sizeof *values);
  qsort (sorted, n, sizeof *sorted, compare_doubles);
  if (n % 2 == 1)
    return sorted[n / 2];
  return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* The sample standard deviation (n − 1 in the denominator); NAN below two
 * values. */
gdouble
sp_stats_sd (const gdouble *values,
             guint          n)
{
  gdouble mean;
  gdouble squares = 0;

  g_return_val_if_fail (values != NULL || n == 0, NAN);

  if (n < 2)
    return NAN;
  mean = sp_stats_mean (values, n);
  for (guint i = 0; i < n; i++)
    squares += (values[i] - mean) * (values[i] - mean);
  return sqrt (squares / (n - 1));
}

/* Two-sided 95 % critical values of Student's t, t(0.975, df), for df 1–30,
 * from NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2
 * "Critical Values of the Student's t Distribution" (upper tail 0.025). */
static const gdouble t_975[] = {
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
  2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

/* The same table's rows beyond 30. Between rows the lower df's value is
 * used, so the interval errs wide rather than narrow. */
static const struct
{
  guint   df;
  gdouble t;
} t_975_large[] = {
  { 40, 2.021 },
  { 60, 2.000 },
  { 120, 1.980 },
};

gdouble
sp_stats_t_95 (guint df)
{
  gdouble t = t_975[G_N_ELEMENTS (t_975) - 1];

  g_return_val_if_fail (df > 0, NAN);

  if (df <= G_N_ELEMENTS (t_975))
    return t_975[df - 1];
  for (guint i = 0; i < G_N_ELEMENTS (t_975_large); i++)
    if (df >= t_975_large[i].df)
      t = t_975_large[i].t;
  /* Past 120 degrees of freedom t is within 0.02 of the normal value. */
  return df > 120 ? 1.960 : t;
}

/* mean ± t(0.975, n − 1) × sd / √n. Needs two values or more. */
gboolean
sp_stats_mean_ci_95 (const gdouble *values,
                     guint          n,
                     gdouble       *low,
                     gdouble       *high)
{
  gdouble mean, half;

  g_return_val_if_fail (low != NULL && high != NULL, FALSE);

  *low = *high = NAN;
  if (values == NULL || n < 2)
    return FALSE;
  mean = sp_stats_mean (values, n);
  half = sp_stats_t_95 (n - 1) * sp_stats_sd (values, n) / sqrt (n);
  *low = mean - half;
  *high = mean + half;
  return TRUE;
}
