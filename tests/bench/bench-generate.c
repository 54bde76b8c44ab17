/* bench-generate.c — generating a store against sqlite3 loading the same rows
 *
 * Ours: sp_store_open() on a new file, sp_store_generate(), close. Theirs:
 * the sqlite3 shell reading the very rows ours wrote, dumped as a script of
 * INSERTs in one transaction, into a file that already has the same schema
 * (made beforehand, untimed), with the same page cache the generator uses.
 * Both write with synchronous=FULL and a rollback journal. Target: ours
 * within 2× of sqlite3.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "bench-common.h"

#define TARGET_RATIO 2.0

static gint64
count_rows (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *tables = NULL;
  gint64 total = 0;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_schema WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY rowid", -1, &tables, NULL), ==, SQLITE_OK);
  while (sqlite3_step (tables) == SQLITE_ROW)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM \"%s\"", sqlite3_column_text (tables, 0));
      sqlite3_stmt *count = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &count, NULL), ==, SQLITE_OK);
      if (sqlite3_step (count) == SQLITE_ROW)
        total += sqlite3_column_int64 (count, 0);
      sqlite3_finalize (count);
    }
  sqlite3_finalize (tables);
  sqlite3_close (db);
  return total;
}

/* Runs argv with stdin and stdout from and to files (either may be NULL). */
static void
run (const char * const *argv,
     const char         *stdin_path,
     const char         *stdout_path,
     gboolean            append)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  if (stdin_path != NULL)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  if (stdout_path != NULL)
    {
      int fd = g_open (stdout_path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);

      g_assert_cmpint (fd, >=, 0);
      g_subprocess_launcher_take_stdout_fd (launcher, fd);
    }
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);
}

static void
append_text (const char *path,
             const char *text)
{
  FILE *f = fopen (path, "a");

  g_assert_nonnull (f);
  fputs (text, f);
  fclose (f);
}

/* The rows of every table of @db, parents first (schema order), as
 * INSERTs; and the schema without SQLite's own tables. */
static void
dump (const char *sqlite3_program,
      const char *db_path,
      const char *schema_path,
      const char *script_path)
{
  g_autofree char *schema = NULL;
  g_autoptr(GString) filtered = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *tables = NULL;

  {
    const char *argv[] = { sqlite3_program, db_path, ".schema", NULL };
    run (argv, NULL, schema_path, FALSE);
  }
  g_assert_true (g_file_get_contents (schema_path, &schema, NULL, NULL));
  lines = g_strsplit (schema, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "sqlite_sequence") == NULL)
      g_string_append_printf (filtered, "%s\n", lines[i]);
  g_assert_true (g_file_set_contents (schema_path, filtered->str, -1, NULL));

  g_assert_true (g_file_set_contents (script_path, "PRAGMA cache_size = -524288;\nBEGIN;\n", -1, NULL));
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_schema WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY rowid", -1, &tables, NULL), ==, SQLITE_OK);
  while (sqlite3_step (tables) == SQLITE_ROW)
    {
      const char *table = (const char *) sqlite3_column_text (tables, 0);
      g_autofree char *mode = g_strdup_printf (".mode insert %s", table);
      g_autofree char *select = g_strdup_printf ("SELECT * FROM \"%s\" ORDER BY rowid", table);
      const char *argv[] = { sqlite3_program, "-cmd", mode, db_path, select, NULL };

      run (argv, NULL, script_path, TRUE);
    }
  sqlite3_finalize (tables);
  sqlite3_close (db);
  append_text (script_path, "COMMIT;\n");
}

static void
print_seconds (const char       *what,
               const BenchStats *wall,
               const BenchStats *cpu)
{
  printf ("%-44s wall median %8.2f s  min %8.2f  max %8.2f   cpu median %8.2f s  (n=%u)\n",
          what, wall->median, wall->min, wall->max, cpu->median, wall->n);
}

int
main (int    argc,
      char **argv)
{
  const BenchSize *size = bench_size ();
  g_autofree char *dir = bench_temp_dir ();
  g_autofree char *ours_kept = g_build_filename (dir, "ours.db", NULL);
  g_autofree char *schema = g_build_filename (dir, "schema.sql", NULL);
  g_autofree char *script = g_build_filename (dir, "rows.sql", NULL);
  g_autofree char *sqlite3_program = NULL;
  g_autoptr(GArray) ours_wall = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) ours_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) theirs_wall = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) theirs_cpu = g_array_new (FALSE, FALSE, sizeof (gdouble));
  SpGenerateCounts counts = { 0 };
  BenchStats ow, oc, tw, tc;
  gint64 rows;
  GStatBuf st;

  bench_header ("generate into an empty store vs sqlite3 loading the same rows");

  for (guint r = 0; r < size->runs; r++)
    {
      g_autofree char *path = g_strdup_printf ("%s/ours-%u.db", dir, r);
      g_autoptr(GError) error = NULL;
      SpGenerateOptions options = { .n_patients = size->n_patients, .n_offerings = size->n_offerings,
                                    .seed = BENCH_SEED };
      SpStore *store;
      gdouble t0 = bench_now (), c0 = bench_cpu_self (), t, c;

      store = sp_store_open (path, &error);
      g_assert_no_error (error);
      sp_store_generate (store, &options, &counts, &error);
      g_assert_no_error (error);
      g_object_unref (store);
      t = bench_now () - t0;
      c = bench_cpu_self () - c0;
      g_array_append_val (ours_wall, t);
      g_array_append_val (ours_cpu, c);
      printf ("# ours, run %u: %.2f s (cpu %.2f s)\n", r + 1, t, c);
      fflush (stdout);
      if (r == 0)
        g_rename (path, ours_kept);
      else
        g_remove (path);
    }
  rows = count_rows (ours_kept);
  g_stat (ours_kept, &st);
  printf ("# rows: %" G_GINT64_FORMAT " (%" G_GUINT64_FORMAT " patients, %" G_GUINT64_FORMAT " referrals, %"
          G_GUINT64_FORMAT " offerings, %" G_GUINT64_FORMAT " referral events, %" G_GUINT64_FORMAT " sessions, %"
          G_GUINT64_FORMAT " assessments); file %.0f MB\n",
          rows, counts.patients, counts.referrals, counts.offerings, counts.referral_events, counts.attendances,
          counts.assessments, st.st_size / 1e6);
  bench_stats (ours_wall, &ow);
  bench_stats (ours_cpu, &oc);
  print_seconds ("signpost generate", &ow, &oc);
  printf ("# %.0f rows/s\n", rows / ow.median);

  sqlite3_program = g_strdup (g_getenv ("SIGNPOST_SQLITE3"));
  if (sqlite3_program == NULL)
    sqlite3_program = g_find_program_in_path ("sqlite3");
  if (sqlite3_program == NULL)
    {
      printf ("sqlite3 (the shell) is not installed: the comparison was skipped\n");
      bench_remove_tree (dir);
      return 0;
    }

  dump (sqlite3_program, ours_kept, schema, script);
  g_stat (script, &st);
  printf ("# the same rows as a script: %.0f MB of SQL\n", st.st_size / 1e6);
  g_remove (ours_kept);

  for (guint r = 0; r < size->runs; r++)
    {
      g_autofree char *path = g_strdup_printf ("%s/sqlite-%u.db", dir, r);
      const char *create[] = { sqlite3_program, path, NULL };
      const char *load[] = { sqlite3_program, "-bail", path, NULL };
      gdouble t0, c0, t, c;

      run (create, schema, NULL, FALSE);
      t0 = bench_now ();
      c0 = bench_cpu_children ();
      run (load, script, NULL, FALSE);
      t = bench_now () - t0;
      c = bench_cpu_children () - c0;
      g_array_append_val (theirs_wall, t);
      g_array_append_val (theirs_cpu, c);
      printf ("# sqlite3, run %u: %.2f s (cpu %.2f s)\n", r + 1, t, c);
      fflush (stdout);
      if (r == 0)
        g_assert_cmpint (count_rows (path), ==, rows);
      g_remove (path);
    }
  bench_stats (theirs_wall, &tw);
  bench_stats (theirs_cpu, &tc);
  print_seconds ("sqlite3 < script.sql (one transaction)", &tw, &tc);

  printf ("%-52s ratio %.2f× wall (cpu %.2f×)  target ≤ %.0f×: %s\n",
          "generate vs sqlite3", ow.median / tw.median, oc.median / tc.median, TARGET_RATIO,
          ow.median / tw.median <= TARGET_RATIO ? "PASS" : "MISS");

  bench_remove_tree (dir);
  return 0;
}
