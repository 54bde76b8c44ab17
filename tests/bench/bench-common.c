/* bench-common.c — what the benchmarks share: sizes, stores, timing, figures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "bench-common.h"
#include "sp-entity.h"
#include "sp-store-private.h"

static const BenchSize sizes[] = {
  { "S", 3000, 1000, 5 },
  { "L", 100000, 10000, 3 },
};

const BenchSize *
bench_size_named (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (g_ascii_strcasecmp (sizes[i].name, name) == 0)
      return &sizes[i];
  return NULL;
}

const BenchSize *
bench_size (void)
{
  const char *name = g_getenv ("SIGNPOST_BENCH_SIZE");
  const BenchSize *size = bench_size_named (name != NULL ? name : "S");

  if (size == NULL)
    g_error ("SIGNPOST_BENCH_SIZE is S or L, not “%s”", name);
  return size;
}

void
bench_remove_tree (const char *path)
{
  GDir *dir;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_remove (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      bench_remove_tree (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}

char *
bench_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("signpost-bench-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static gboolean
store_is_current (const char *path,
                  const char *marker)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autofree char *generated = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return FALSE;
  store = sp_store_open (path, &error);
  if (store == NULL)
    return FALSE;
  generated = sp_store_get_meta (store, "generated");
  return g_strcmp0 (generated, marker) == 0;
}

char *
bench_store (guint n_patients,
             guint n_offerings)
{
  const char *dir = g_getenv ("SIGNPOST_BENCH_DIR");
  g_autofree char *folder = g_strdup (dir != NULL ? dir : g_get_tmp_dir ());
  g_autofree char *name = g_strdup_printf ("signpost-%u-%u-seed%u.db", n_patients, n_offerings, BENCH_SEED);
  g_autofree char *tmp_name = g_strdup_printf ("%s.tmp", name);
  char *path = g_build_filename (folder, name, NULL);
  g_autofree char *tmp = g_build_filename (folder, tmp_name, NULL);
  g_autofree char *marker = g_strdup_printf ("{\"version\":%d,\"seed\":%u,\"patients\":%u,\"offerings\":%u,"
                                             "\"today\":\"%s\"}",
                                             SP_GENERATE_VERSION, BENCH_SEED, n_patients, n_offerings,
                                             SP_GENERATE_TODAY);
  g_autoptr(GError) error = NULL;
  SpGenerateOptions options = { .n_patients = n_patients, .n_offerings = n_offerings, .seed = BENCH_SEED };
  SpStore *store;
  gdouble t0;

  if (store_is_current (path, marker))
    return path;

  g_mkdir_with_parents (folder, 0700);
  g_remove (tmp);
  printf ("# generating %s (kept for the next run) …\n", path);
  fflush (stdout);
  t0 = bench_now ();
  store = sp_store_open (tmp, &error);
  g_assert_no_error (error);
  sp_store_generate (store, &options, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (store);
  if (g_rename (tmp, path) != 0)
    g_error ("could not move %s to %s: %s", tmp, path, g_strerror (errno));
  printf ("# generated in %.1f s\n", bench_now () - t0);
  return path;
}

gdouble
bench_now (void)
{
  return g_get_monotonic_time () / (gdouble) G_USEC_PER_SEC;
}

static gdouble
cpu_of (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

gdouble
bench_cpu_self (void)
{
  return cpu_of (RUSAGE_SELF);
}

gdouble
bench_cpu_children (void)
{
  return cpu_of (RUSAGE_CHILDREN);
}

static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles of a sorted copy. */
void
bench_stats (GArray     *seconds,
             BenchStats *stats)
{
  g_autoptr(GArray) sorted = g_array_copy (seconds);
  guint n = sorted->len;
  gdouble sum = 0;

  memset (stats, 0, sizeof *stats);
  if (n == 0)
    return;
  g_array_sort (sorted, compare_doubles);
  for (guint i = 0; i < n; i++)
    sum += g_array_index (sorted, gdouble, i);
  stats->n = n;
  stats->min = g_array_index (sorted, gdouble, 0);
  stats->max = g_array_index (sorted, gdouble, n - 1);
  stats->median = n % 2 ? g_array_index (sorted, gdouble, n / 2)
                        : (g_array_index (sorted, gdouble, n / 2 - 1) + g_array_index (sorted, gdouble, n / 2)) / 2;
  stats->p95 = g_array_index (sorted, gdouble, MIN (n - 1, (guint) ((n * 95 + 99) / 100) - 1));
  stats->mean = sum / n;
}

void
bench_report_ms (const char       *what,
                 const char       *target,
                 const BenchStats *stats,
                 gboolean          pass)
{
  printf ("%-52s median %9.3f ms  p95 %9.3f  min %9.3f  max %9.3f  (n=%u)  target %s: %s\n",
          what, stats->median * 1e3, stats->p95 * 1e3, stats->min * 1e3, stats->max * 1e3, stats->n,
          target, pass ? "PASS" : "MISS");
}

void
bench_header (const char *title)
{
  const BenchSize *size = bench_size ();

  printf ("== %s — size %s (%u patients, %u offerings)\n", title, size->name, size->n_patients, size->n_offerings);
  bench_machine ();
}

void
bench_machine (void)
{
  g_autofree char *meminfo = NULL;
  g_autofree char *cpuinfo = NULL;
  const char *model = NULL;
  gulong mem_kb = 0;

  if (g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL))
    sscanf (meminfo, "MemTotal: %lu kB", &mem_kb);
  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      model = strstr (cpuinfo, "model name");
      model = model ? strchr (model, ':') : NULL;
    }
  printf ("# machine: %u CPUs (%.*s), %.1f GiB memory\n", g_get_num_processors (),
          model ? (int) strcspn (model + 2, "\n") : 1, model ? model + 2 : "?", mem_kb / 1048576.0);
}

/* The most memory this process ever held resident, from /proc/self/status. */
glong
bench_peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? strtol (line + strlen ("VmHWM:"), NULL, 10) : -1;
}

/* What the outbox holds as "changed" for a new record, as sp-store.c
 * writes it: every column of the entity's own, "practice" left to the row
 * (the desk adds it when it sends the create). */
JsonObject *
bench_record_changes (const SpEntityInfo *info,
                      gconstpointer       record)
{
  g_autoptr(JsonObject) row = sp_record_to_json (info, record);
  JsonObject *changed = json_object_new ();

  for (guint k = 0; k < info->n_columns; k++)
    {
      JsonNode *value = json_object_get_member (row, info->columns[k].name);

      if (value != NULL)
        json_object_set_member (changed, info->columns[k].name, json_node_copy (value));
    }
  return changed;
}

/* Every row of the entity tables of the store at @path. Only read, but
 * opened read-write: a read-only connection to a file in WAL mode leaves
 * its -wal and -shm files behind. */
gint64
bench_count_rows (const char *path)
{
  const SpEntityInfo * const *all;
  guint n_entities;
  sqlite3 *db = NULL;
  gint64 n = 0;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  all = sp_entity_all (&n_entities);
  for (guint e = 0; e < n_entities; e++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", all[e]->table);
      sqlite3_stmt *count = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &count, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (count), ==, SQLITE_ROW);
      n += sqlite3_column_int64 (count, 0);
      sqlite3_finalize (count);
    }
  sqlite3_close (db);
  return n;
}

/* A create in the outbox for every row, as sp-store.c writes one for a new
 * record (bench_record_changes()). A generated store has no outbox
 * (README.md); the load benchmark pushes it to a server. */
gint64
bench_queue_every_row (SpStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *now = sp_store_now (store);
  const SpEntityInfo * const *all;
  guint n_entities;
  gint64 n = 0;

  all = sp_entity_all (&n_entities);
  g_assert_true (sp_store_begin (store, &error));
  g_assert_no_error (error);
  for (guint e = 0; e < n_entities; e++)
    {
      const SpEntityInfo *info = all[e];
      g_autofree char *sql = g_strconcat (sp_store_select_sql (info), "ORDER BY rowid", NULL);
      sqlite3_stmt *select = NULL;
      sqlite3_stmt *insert = NULL;
      int rc;

      g_assert_cmpint (sqlite3_prepare_v2 (sp_store_get_handle (store), sql, -1, &select, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_prepare_v2 (sp_store_get_handle (store),
                                           "INSERT INTO outbox (op_id, entity, row_id, op, base_rev, changed, old, created_at) "
                                           "VALUES (?1, ?2, ?3, 'create', 0, ?4, '{}', ?5)",
                                           -1, &insert, NULL), ==, SQLITE_OK);
      while ((rc = sqlite3_step (select)) == SQLITE_ROW)
        {
          gpointer record = sp_store_record_from_stmt (info, select, 0);
          g_autoptr(JsonObject) changed = bench_record_changes (info, record);
          g_autoptr(JsonNode) node = NULL;
          g_autofree char *text = NULL;
          g_autofree char *op_id = g_uuid_string_random ();

          node = json_node_init_object (json_node_alloc (), changed);
          text = json_to_string (node, FALSE);
          sqlite3_bind_text (insert, 1, op_id, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (insert, 2, info->name, -1, SQLITE_STATIC);
          sqlite3_bind_text (insert, 3, ((SpRecord *) record)->id, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (insert, 4, text, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (insert, 5, now, -1, SQLITE_TRANSIENT);
          g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
          sqlite3_reset (insert);
          sp_record_free (info, record);
          n++;
        }
      g_assert_cmpint (rc, ==, SQLITE_DONE);
      sqlite3_finalize (select);
      sqlite3_finalize (insert);
    }
  g_assert_true (sp_store_commit (store, &error));
  g_assert_no_error (error);
  return n;
}

/* GET @url into memory; aborts on anything but 200. */
