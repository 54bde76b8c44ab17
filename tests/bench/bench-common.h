/* bench-common.h — what the benchmarks share: sizes, stores, timing, figures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "sp-entity.h"
#include "sp-generate.h"
#include "sp-store.h"

G_BEGIN_DECLS

/* SIGNPOST_BENCH_SIZE=S (the default): one surgery, 3,000 patients and
 * 1,000 offerings. =L: a region on one desk, 100,000 patients and 10,000
 * offerings. */
typedef struct
{
  const char *name;
  guint       n_patients;
  guint       n_offerings;
  guint       runs;          /* repetitions of a timed whole */
} BenchSize;

#define BENCH_SEED 1

const BenchSize *bench_size         (void);
const BenchSize *bench_size_named   (const char *name);

/* A generated store, made once and kept in SIGNPOST_BENCH_DIR (the build
 * folder) for the next benchmark; returns its path. */
char            *bench_store        (guint       n_patients,
                                     guint       n_offerings);
char            *bench_temp_dir     (void);
void             bench_remove_tree  (const char *path);

/* Seconds of the wall clock and of CPU (this process, or its children). */
gdouble          bench_now          (void);
gdouble          bench_cpu_self     (void);
gdouble          bench_cpu_children (void);

/* Figures of a sample of timings, in seconds. */
typedef struct
{
  guint   n;
  gdouble median;
  gdouble min;
  gdouble max;
  gdouble p95;
  gdouble mean;
} BenchStats;

void             bench_stats        (GArray     *seconds,
                                     BenchStats *stats);

/* One result line: what, target, figures, pass or miss. Times in ms. */
void             bench_report_ms    (const char *what,
                                     const char *target,
                                     const BenchStats *stats,
                                     gboolean    pass);
void             bench_header       (const char *title);
void             bench_machine      (void);

glong            bench_peak_rss_kb  (void);

JsonObject      *bench_record_changes  (const SpEntityInfo *info,
                                        gconstpointer       record);
gint64           bench_count_rows      (const char         *path);
gint64           bench_queue_every_row (SpStore            *store);

G_END_DECLS
