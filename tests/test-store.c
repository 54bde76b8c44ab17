/* test-store.c — the local store: opening, refusing, locking, failing safely
 *
 * Every failure a desk can meet (not our file, a newer Signpost's file, a
 * read-only or missing folder, another program holding the lock, a full
 * disk, an inconsistent change) must say what happened in a GError code the
 * app can act on, and leave the file exactly as it was.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-store"

#include "config.h"

#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sp-demo.h"
#include "sp-error.h"
#include "sp-money.h"
#include "sp-patient-import.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"

#include "sp-test-util.h"

typedef SpTestStore Fixture;

#define NOBODY_ID 65534

/* ---- Helpers --------------------------------------------------------------- */

typedef struct
{
  char       *op;
  gint64      base_rev;
  JsonObject *changed;
  JsonObject *old;
} OutboxRow;

static void
outbox_row_free (OutboxRow *row)
{
  g_free (row->op);
  json_object_unref (row->changed);
  json_object_unref (row->old);
  g_free (row);
}

/* The outbox entries for one record, oldest first. */
static GPtrArray *
outbox_rows (SpStore    *store,
             const char *entity,
             const char *row_id)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) outbox_row_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (sp_store_get_handle (store),
                           "SELECT op, base_rev, changed, old FROM outbox "
                           "WHERE entity = ?1 AND row_id = ?2 ORDER BY seq", -1, &stmt, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, entity, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OutboxRow *row = g_new0 (OutboxRow, 1);

      row->op = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      row->base_rev = sqlite3_column_int64 (stmt, 1);
      row->changed = sp_test_parse_object ((const char *) sqlite3_column_text (stmt, 2));
      row->old = sp_test_parse_object ((const char *) sqlite3_column_text (stmt, 3));
      g_ptr_array_add (rows, row);
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return rows;
}

static gint64
count_audit (SpStore    *store,
             const char *entity_id,
             const char *action)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (sp_store_get_handle (store),
                                       "SELECT count(*) FROM audit_event WHERE entity_id = ?1 AND action = ?2",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, entity_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, action, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
assert_member_string (JsonObject *object,
                      const char *name,
                      const char *expected)
{
  g_assert_true (json_object_has_member (object, name));
  g_assert_cmpstr (json_object_get_string_member (object, name), ==, expected);
}

static void
assert_no_leftovers (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);

  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (journal, G_FILE_TEST_EXISTS));
}

static void
run_sql (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  rc = sqlite3_exec (db, sql, NULL, NULL, &message);
  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

/* ---- Opening ------------------------------------------------------------------ */

static void
test_open_create (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autofree char *journal = NULL;

  g_assert_true (g_file_test (fixture->path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (sp_store_get_path (fixture->store), ==, fixture->path);
  g_assert_cmpint (sp_test_query_int (fixture->store, "PRAGMA user_version", NULL), ==, SP_SCHEMA_VERSION);
  g_assert_cmpint (sp_test_query_int (fixture->store, "PRAGMA application_id", NULL), !=, 0);
  journal = sp_test_query_text (fixture->store, "PRAGMA journal_mode", NULL);
  g_assert_cmpstr (journal, ==, "wal");
  g_assert_cmpint (sp_test_query_int (fixture->store, "PRAGMA foreign_keys", NULL), ==, 1);
  g_assert_cmpint (sp_test_query_int (fixture->store, "PRAGMA synchronous", NULL), ==, 2);

  /* A new store is empty, and in local mode for the practice set up. */
  g_assert_true (sp_store_is_empty (fixture->store));
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 0);
  g_assert_cmpstr (sp_store_get_practice (fixture->store), ==, SP_TEST_PRACTICE);
}

static void
test_open_reopen (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) added = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "943 476 5919", "low");
  g_autoptr(SpPatient) loaded = NULL;
  g_autofree char *journal = NULL;

  sp_test_store_reopen (fixture);

  g_assert_cmpint (sp_test_query_int (fixture->store, "PRAGMA user_version", NULL), ==, SP_SCHEMA_VERSION);
  journal = sp_test_query_text (fixture->store, "PRAGMA journal_mode", NULL);
  g_assert_cmpstr (journal, ==, "wal");
  g_assert_cmpint (sp_test_query_int (fixture->store, "PRAGMA foreign_keys", NULL), ==, 1);

  /* The desk comes back in local mode for the practice it was set up with. */
  g_assert_cmpstr (sp_store_get_practice (fixture->store), ==, SP_TEST_PRACTICE);
  loaded = sp_store_get_patient (fixture->store, added->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->nhs_number, ==, "9434765919");
  g_assert_cmpstr (loaded->given_name, ==, "Ada");
  g_assert_cmpstr (loaded->income_band, ==, "low");
  g_assert_false (sp_store_is_empty (fixture->store));
}

static void
assert_refused_unchanged (const char *path,
                          gint        code)
{
  g_autoptr(GBytes) before = sp_test_read_file (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;

  store = sp_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, SP_ERROR, code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");

  sp_test_assert_file_unchanged (path, before);
  assert_no_leftovers (path);
}

static void
test_open_text_file (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "caseload.csv", NULL);
  g_autofree char *tiny = g_build_filename (fixture->dir, "notes.txt", NULL);
  const char *csv =
    "NHS number,First name,Surname,Date of birth\n"
    "943 476 5919,Ada,Lovelace,10/12/1985\n"
    "401 023 2137,Alan,Turing,23/06/1912\n"
    "This is a spreadsheet someone picked by mistake, not a database.\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;

  g_assert_true (g_file_set_contents (path, csv, -1, NULL));
  assert_refused_unchanged (path, SP_ERROR_NOT_SIGNPOST);

  /* The message names the file so the user knows which one was refused. */
  store = sp_store_open (path, &error);
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_SIGNPOST);
  g_assert_nonnull (strstr (error->message, path));

  g_assert_true (g_file_set_contents (tiny, "hello\n", -1, NULL));
  assert_refused_unchanged (tiny, SP_ERROR_NOT_SIGNPOST);
}

static void
test_open_foreign_sqlite (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "recipes.db", NULL);

  run_sql (path,
           "CREATE TABLE recipe (id INTEGER PRIMARY KEY, name TEXT);"
           "INSERT INTO recipe (name) VALUES ('Parkin'), ('Yorkshire pudding');");
  assert_refused_unchanged (path, SP_ERROR_NOT_SIGNPOST);

  /* Another program's database that only set a version is not ours either. */
  run_sql (path, "PRAGMA user_version = 3;");
  assert_refused_unchanged (path, SP_ERROR_NOT_SIGNPOST);
}

static void
test_open_newer_schema (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;

  g_assert_finalize_object (fixture->store);
  fixture->store = NULL;
  run_sql (fixture->path, "PRAGMA user_version = 99;");
  before = sp_test_read_file (fixture->path);

  store = sp_store_open (fixture->path, &error);
  g_assert_null (store);
  g_assert_error (error, SP_ERROR, SP_ERROR_NEWER_SCHEMA);
  g_assert_nonnull (strstr (error->message, "newer Signpost"));
  g_assert_nonnull (strstr (error->message, "99"));

  sp_test_assert_file_unchanged (fixture->path, before);
  assert_no_leftovers (fixture->path);

  /* Still refused on a second try: nothing was "upgraded" or marked. */
  g_clear_error (&error);
  store = sp_store_open (fixture->path, &error);
  g_assert_error (error, SP_ERROR, SP_ERROR_NEWER_SCHEMA);
  sp_test_assert_file_unchanged (fixture->path, before);
}

static void
test_open_missing_directory (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "no-such-folder", NULL);
  g_autofree char *path = g_build_filename (missing, "signpost.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;

  store = sp_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, SP_ERROR, SP_ERROR_NO_DIRECTORY);
  g_assert_nonnull (strstr (error->message, missing));
  /* The folder is not made behind the user's back. */
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

static void
test_open_not_a_file (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autofree char *folder = g_build_filename (fixture->dir, "signpost.db.d", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  store = sp_store_open (folder, &error);
  g_assert_null (store);
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_SIGNPOST);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
}

/* The read-only cases run in a child process that, when the tests run as
 * root (as in CI, where chmod does not stop root), becomes "nobody" first. */

static void
become_nobody (void)
{
  if (getuid () != 0)
    return;
  if (setgroups (0, NULL) != 0 || setgid (NOBODY_ID) != 0 || setuid (NOBODY_ID) != 0)
    g_error ("could not become nobody: %s", g_strerror (errno));
}

/* Whether a child can become nobody and still reach @dir. */
static gboolean
can_test_read_only (const char  *dir,
                    const char **reason)
{
  pid_t pid;
  int status = 0;

  if (getuid () != 0)
    return TRUE;

  pid = fork ();
  if (pid < 0)
    {
      *reason = "fork() failed";
      return FALSE;
    }
  if (pid == 0)
    {
      if (setgroups (0, NULL) != 0 || setgid (NOBODY_ID) != 0 || setuid (NOBODY_ID) != 0)
        _exit (1);
      _exit (access (dir, X_OK) == 0 ? 0 : 2);
    }
  if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status))
    {
      *reason = "the probe process did not finish";
      return FALSE;
    }
  switch (WEXITSTATUS (status))
    {
    case 0:
      return TRUE;
    case 1:
      *reason = "running as root and cannot switch to the nobody user (uid 65534)";
      return FALSE;
    default:
      *reason = "the nobody user cannot reach the temporary folder";
      return FALSE;
    }
}

static void
test_open_read_only_directory (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  const char *reason = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpStore) store = NULL;

      path = g_build_filename (g_getenv ("SP_TEST_DIR"), "signpost.db", NULL);
      become_nobody ();
      store = sp_store_open (path, &error);
      g_assert_null (store);
      g_assert_error (error, SP_ERROR, SP_ERROR_READ_ONLY);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      return;
    }

  dir = sp_test_make_dir ();
  path = g_build_filename (dir, "signpost.db", NULL);
  g_assert_cmpint (g_chmod (dir, getuid () == 0 ? 0755 : 0555), ==, 0);
  if (!can_test_read_only (dir, &reason))
    {
      g_test_skip (reason);
      sp_test_remove_tree (dir);
      return;
    }

  g_setenv ("SP_TEST_DIR", dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("SP_TEST_DIR");
  g_test_trap_assert_passed ();

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  sp_test_remove_tree (dir);
}

static void
test_open_read_only_file (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GBytes) before = NULL;
  const char *reason = NULL;

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpStore) store = NULL;

      path = g_build_filename (g_getenv ("SP_TEST_DIR"), "signpost.db", NULL);
      become_nobody ();
      before = sp_test_read_file (path);
      store = sp_store_open (path, &error);
      g_assert_null (store);
      g_assert_error (error, SP_ERROR, SP_ERROR_READ_ONLY);
      sp_test_assert_file_unchanged (path, before);
      return;
    }

  dir = sp_test_make_dir ();
  path = g_build_filename (dir, "signpost.db", NULL);
  {
    g_autoptr(SpStore) store = sp_test_open (path);
    g_autoptr(GError) error = NULL;
    g_autoptr(SpPatient) patient = NULL;

    g_assert_true (sp_store_set_local_practice (store, SP_TEST_PRACTICE, "Riverside Surgery", &error));
    g_assert_no_error (error);
    patient = sp_test_add_patient (store, "Ada", "Lovelace", "9434765919", NULL);
  }
  assert_no_leftovers (path);
  before = sp_test_read_file (path);

  /* As root the folder stays writable by its owner only; otherwise the
   * file alone is made read-only. Either way this user cannot write it. */
  g_assert_cmpint (g_chmod (path, getuid () == 0 ? 0644 : 0444), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  if (!can_test_read_only (dir, &reason))
    {
      g_test_skip (reason);
      sp_test_remove_tree (dir);
      return;
    }

  g_setenv ("SP_TEST_DIR", dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("SP_TEST_DIR");
  g_test_trap_assert_passed ();

  sp_test_assert_file_unchanged (path, before);
  sp_test_remove_tree (dir);
}

/* ---- Locking ---------------------------------------------------------------- */

static void
test_locked (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) other = sp_test_open (fixture->path);
  g_autoptr(SpPatient) patient = sp_test_patient_new ("Ada", "Lovelace", "9434765919");
  g_autoptr(SpPatient) loaded = NULL;

  /* The other desk program holds the write lock... */
  g_assert_true (sp_store_begin (fixture->store, &error));
  g_assert_no_error (error);

  /* ...so this one is told the database is in use, quickly, and nothing is saved. */
  sp_store_set_busy_timeout (other, 50);
  g_assert_false (sp_store_add_patient (other, patient, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_cmpint (sp_store_count (other, &sp_entity_patient, NULL, NULL), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (other), ==, 0);

  /* Once the lock is let go, trying again works. */
  sp_store_rollback (fixture->store);
  g_assert_true (sp_store_add_patient (other, patient, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sp_store_count (fixture->store, &sp_entity_patient, NULL, NULL), ==, 1);
  loaded = sp_store_get_patient (fixture->store, patient->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->family_name, ==, "Lovelace");
}

/* ---- A full disk ------------------------------------------------------------ */

static void
test_disk_full (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *pragma = NULL;
  g_autofree char *check = NULL;
  g_autofree char *failed_nhs = NULL;
  gint64 patients, outbox, audits, offerings, page_count;
  guint n = 0;
  gboolean full = FALSE;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *nhs = sp_test_nhs_number (i);
      g_autoptr(SpPatient) p = sp_test_add_patient (fixture->store, "Ada", "Lovelace", nhs, NULL);
      g_ptr_array_add (added, g_strdup (p->record.id));
    }
  patients = sp_store_count (fixture->store, &sp_entity_patient, NULL, NULL);
  outbox = sp_store_outbox_count (fixture->store);
  audits = sp_test_count_rows (fixture->store, "audit_event");
  offerings = sp_test_count_rows (fixture->store, "offering");
  g_assert_cmpint (patients, ==, 3);

  /* The file may not grow: the disk is full. */
  page_count = sp_test_query_int (fixture->store, "PRAGMA page_count", NULL);
  pragma = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, page_count);
  g_assert_cmpint (sp_test_query_int (fixture->store, pragma, NULL), ==, page_count);

  /* The demo catalogue is far bigger than the free pages: refused whole. */
  {
    g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "demo", "catalogue.json", NULL);
    g_autoptr(JsonParser) parser = json_parser_new ();

    g_assert_true (json_parser_load_from_file (parser, path, &error));
    g_assert_no_error (error);
    g_assert_false (sp_store_load_catalogue (fixture->store, json_parser_get_root (parser), &error));
  }
  g_assert_error (error, SP_ERROR, SP_ERROR_DISK_FULL);
  g_clear_error (&error);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "offering"), ==, offerings);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, patients);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);

  /* Patients one by one, until the disk is full. */
  sp_store_set_clock (fixture->store, SP_TEST_CLOCK);
  for (n = 3; n < 3000 && !full; n++)
    {
      g_autofree char *nhs = sp_test_nhs_number (n);
      g_autoptr(SpPatient) p = sp_test_patient_new ("Grace", "Hopper", nhs);

      p->notes = g_strnfill (200, 'x');
      if (sp_store_add_patient (fixture->store, p, &error))
        g_ptr_array_add (added, g_strdup (p->record.id));
      else
        {
          g_assert_error (error, SP_ERROR, SP_ERROR_DISK_FULL);
          g_clear_error (&error);
          full = TRUE;
          failed_nhs = g_strdup (p->nhs_number);
        }
    }
  g_assert_true (full);
  g_test_message ("%u patients fitted before the disk was full", added->len - 3);

  /* A caseload spreadsheet that does not fit is refused whole, not cut short. */
  {
    g_autoptr(GString) csv = g_string_new ("NHS number,First name,Surname,Notes\n");
    g_autofree char *csv_path = g_build_filename (fixture->dir, "caseload.csv", NULL);
    g_autoptr(SpPatientImport) import = NULL;
    gint64 rows = sp_test_count_rows (fixture->store, "patient");
    gint64 queued = sp_store_outbox_count (fixture->store);

    for (guint i = 0; i < 300; i++)
      {
        g_autofree char *nhs = sp_test_nhs_number (4000 + i);
        g_string_append_printf (csv, "%s,Alan,Turing %u,%0200u\n", nhs, i, i);
      }
    g_assert_true (g_file_set_contents (csv_path, csv->str, (gssize) csv->len, NULL));
    import = sp_store_import_patients (fixture->store, csv_path, FALSE, &error);
    g_assert_null (import);
    g_assert_error (error, SP_ERROR, SP_ERROR_DISK_FULL);
    g_clear_error (&error);
    g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, rows);
    g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, queued);
  }

  /* Reopened, the file holds exactly what was committed: every patient
   * saved before the disk filled, each with its outbox and audit entries,
   * and no trace of the one that did not fit. */
  sp_test_store_reopen (fixture);
  check = sp_test_query_text (fixture->store, "PRAGMA integrity_check", NULL);
  g_assert_cmpstr (check, ==, "ok");
  g_assert_null (sp_test_query_text (fixture->store, "PRAGMA foreign_key_check", NULL));
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, added->len);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox + 2 * (added->len - 3));
  g_assert_cmpint (sp_test_count_rows (fixture->store, "audit_event"), ==, audits + (added->len - 3));
  g_assert_cmpint (sp_test_count_rows (fixture->store, "offering"), ==, offerings);
  g_assert_null (sp_store_get_meta (fixture->store, "demo_seeded"));
  for (guint i = 0; i < added->len; i++)
    {
      g_autoptr(SpPatient) p = sp_store_get_patient (fixture->store, added->pdata[i], &error);
      g_assert_no_error (error);
    }
  {
    g_autoptr(SpPatient) missing = sp_store_find_patient (fixture->store, failed_nhs, &error);
    g_assert_null (missing);
    g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* With room again, saving works. */
  {
    g_autoptr(SpPatient) p = sp_test_patient_new ("Grace", "Hopper", failed_nhs);
    g_assert_true (sp_store_add_patient (fixture->store, p, &error));
    g_assert_no_error (error);
  }
}

/* ---- Constraints ------------------------------------------------------------ */

static void
test_constraint (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpCondition) orphan = sp_condition_new ();
  g_autoptr(SpPatient) short_nhs = sp_patient_new ();
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(GBytes) before = NULL;
  gint64 outbox = sp_store_outbox_count (fixture->store);
  gint64 audits = sp_test_count_rows (fixture->store, "audit_event");

  /* A condition of a patient who does not exist: the deferred foreign key
   * refuses it when the transaction commits. */
  orphan->record.id = sp_uuid_new ();
  orphan->record.practice = g_strdup (SP_TEST_PRACTICE);
  orphan->patient_id = sp_uuid_new ();
  orphan->kind = g_strdup ("msk");
  orphan->code = g_strdup ("low_back_pain");
  g_assert_false (sp_store_save (fixture->store, &sp_entity_condition, orphan, &error));
  g_assert_nonnull (error);
  g_assert_true (g_error_matches (error, SP_ERROR, SP_ERROR_CONSTRAINT) ||
                 g_error_matches (error, SP_ERROR, SP_ERROR_INVALID));
  g_clear_error (&error);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "condition"), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "audit_event"), ==, audits);

  /* A record the schema's checks refuse (an NHS number of nine digits
   * that skipped validation). */
  short_nhs->record.id = sp_uuid_new ();
  short_nhs->record.practice = g_strdup (SP_TEST_PRACTICE);
  short_nhs->nhs_number = g_strdup ("943476591");
  short_nhs->given_name = g_strdup ("Short");
  short_nhs->family_name = g_strdup ("Number");
  g_assert_false (sp_store_save (fixture->store, &sp_entity_patient, short_nhs, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "Nothing was changed"));
  g_clear_error (&error);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 1);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);

  /* The store is not left inside a transaction: the next save works. */
  {
    g_autoptr(SpCondition) c = sp_test_add_condition (fixture->store, patient->record.id, "mh", "anxiety");
  }
  g_assert_cmpint (sp_test_count_rows (fixture->store, "condition"), ==, 1);

  /* And reopened, the file holds just that. */
  sp_test_store_reopen (fixture);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "condition"), ==, 1);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 1);
  g_assert_null (sp_test_query_text (fixture->store, "PRAGMA foreign_key_check", NULL));
}

/* ---- Outbox and audit ------------------------------------------------------- */

static void
test_outbox_create (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_patient_new ("Ada", "Lovelace", "943-476-5919");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  OutboxRow *row;

  patient->postcode = g_strdup ("ls1 4ap");
  g_assert_true (sp_store_add_patient (fixture->store, patient, &error));
  g_assert_no_error (error);

  rows = outbox_rows (fixture->store, "patient", patient->record.id);
  g_assert_cmpuint (rows->len, ==, 1);
  row = rows->pdata[0];
  g_assert_cmpstr (row->op, ==, "create");
  g_assert_cmpint (row->base_rev, ==, 0);
  assert_member_string (row->changed, "nhs_number", "9434765919");
  assert_member_string (row->changed, "given_name", "Ada");
  assert_member_string (row->changed, "postcode", "LS1 4AP");
  g_assert_cmpuint (json_object_get_size (row->old), ==, 0);

  /* Creating a patient is audited: who, in which role, when. */
  g_assert_cmpint (count_audit (fixture->store, patient->record.id, "create"), ==, 1);
  {
    g_autofree char *user = sp_test_query_text (fixture->store,
                                                "SELECT user FROM audit_event WHERE entity_id = ?1",
                                                patient->record.id);
    g_autofree char *role = sp_test_query_text (fixture->store,
                                                "SELECT role FROM audit_event WHERE entity_id = ?1",
                                                patient->record.id);
    g_autofree char *at = sp_test_query_text (fixture->store,
                                              "SELECT at FROM audit_event WHERE entity_id = ?1",
                                              patient->record.id);
    g_autofree char *entity = sp_test_query_text (fixture->store,
                                                  "SELECT entity FROM audit_event WHERE entity_id = ?1",
                                                  patient->record.id);
    g_assert_cmpstr (user, ==, SP_TEST_USER);
    g_assert_cmpstr (role, ==, "link_worker");
    g_assert_cmpstr (at, ==, SP_TEST_CLOCK);
    g_assert_cmpstr (entity, ==, "patient");
  }
  /* The patient row and its audit event are the only outbox entries. */
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 2);
  g_assert_cmpint (sp_test_query_int (fixture->store,
                                      "SELECT count(*) FROM outbox WHERE entity = 'audit_event'", NULL), ==, 1);
}

static void
test_outbox_update (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_patient_new ("Ada", "Lovelace", "9434765919");
  g_autoptr(SpPatient) edited = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  OutboxRow *row;
  gint64 outbox;

  patient->postcode = g_strdup ("LS1 4AP");
  g_assert_true (sp_store_add_patient (fixture->store, patient, &error));
  g_assert_no_error (error);
  outbox = sp_store_outbox_count (fixture->store);

  edited = sp_store_get_patient (fixture->store, patient->record.id, &error);
  g_assert_no_error (error);
  g_free (edited->given_name);
  edited->given_name = g_strdup ("Augusta");
  g_free (edited->postcode);
  edited->postcode = g_strdup ("sw1a1aa");
  sp_store_set_clock (fixture->store, "2026-05-05T10:30:00Z");
  g_assert_true (sp_store_update_patient (fixture->store, edited, &error));
  g_assert_no_error (error);

  /* Exactly the two changed fields, with what they were. */
  rows = outbox_rows (fixture->store, "patient", patient->record.id);
  g_assert_cmpuint (rows->len, ==, 2);
  row = rows->pdata[1];
  g_assert_cmpstr (row->op, ==, "update");
  g_assert_cmpuint (json_object_get_size (row->changed), ==, 2);
  assert_member_string (row->changed, "given_name", "Augusta");
  assert_member_string (row->changed, "postcode", "SW1A 1AA");
  g_assert_cmpuint (json_object_get_size (row->old), ==, 2);
  assert_member_string (row->old, "given_name", "Ada");
  assert_member_string (row->old, "postcode", "LS1 4AP");
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox + 2);
  g_assert_cmpint (count_audit (fixture->store, patient->record.id, "update"), ==, 1);

  {
    g_autoptr(SpPatient) loaded = sp_store_get_patient (fixture->store, patient->record.id, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (loaded->given_name, ==, "Augusta");
    g_assert_cmpstr (loaded->record.updated_at, ==, "2026-05-05T10:30:00Z");
    g_assert_cmpstr (loaded->record.updated_by, ==, SP_TEST_USER);
  }
}

static void
test_outbox_unchanged (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", "low");
  g_autoptr(SpPatient) loaded = NULL;
  g_autoptr(GError) error = NULL;
  gint64 outbox = sp_store_outbox_count (fixture->store);
  gint64 audits = sp_test_count_rows (fixture->store, "audit_event");

  /* Saving what is already there, as loaded or as first saved, writes nothing. */
  loaded = sp_store_get_patient (fixture->store, patient->record.id, &error);
  g_assert_no_error (error);
  sp_store_set_clock (fixture->store, "2026-05-06T08:00:00Z");
  g_assert_true (sp_store_update_patient (fixture->store, loaded, &error));
  g_assert_no_error (error);
  g_assert_true (sp_store_save (fixture->store, &sp_entity_patient, patient, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "audit_event"), ==, audits);
  {
    g_autofree char *updated_at = sp_test_query_text (fixture->store,
                                                      "SELECT updated_at FROM patient WHERE id = ?1",
                                                      patient->record.id);
    g_assert_cmpstr (updated_at, ==, SP_TEST_CLOCK);
  }
}

static void
test_remove (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpPatient) gone = NULL;
  g_autoptr(SpPatient) again = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GError) error = NULL;
  OutboxRow *row;

  g_assert_true (sp_store_remove (fixture->store, &sp_entity_patient, patient->record.id, &error));
  g_assert_no_error (error);

  gone = sp_store_get_patient (fixture->store, patient->record.id, &error);
  g_assert_null (gone);
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  found = sp_store_search_patients (fixture->store, "Lovelace", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);

  /* A tombstone, so the deletion syncs. */
  g_assert_cmpint (sp_test_query_int (fixture->store, "SELECT deleted FROM patient WHERE id = ?1",
                                      patient->record.id), ==, 1);
  rows = outbox_rows (fixture->store, "patient", patient->record.id);
  g_assert_cmpuint (rows->len, ==, 2);
  row = rows->pdata[1];
  g_assert_cmpstr (row->op, ==, "delete");
  g_assert_cmpuint (json_object_get_size (row->changed), ==, 1);
  g_assert_true (json_object_get_boolean_member (row->changed, "deleted"));
  g_assert_false (json_object_get_boolean_member (row->old, "deleted"));
  g_assert_cmpint (count_audit (fixture->store, patient->record.id, "delete"), ==, 1);

  /* Removing it again finds nothing to remove. */
  g_assert_false (sp_store_remove (fixture->store, &sp_entity_patient, patient->record.id, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The NHS number is free for a new record. */
  again = sp_test_add_patient (fixture->store, "Ada", "King", "9434765919", NULL);
  g_assert_cmpstr (again->record.id, !=, patient->record.id);
}

static void
test_transaction_nested_rollback (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) a = sp_test_patient_new ("Ada", "Lovelace", "9434765919");
  g_autoptr(SpPatient) b = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);

  b = sp_test_patient_new ("Grace", "Hopper", nhs);

  g_assert_true (sp_store_begin (fixture->store, &error));
  g_assert_true (sp_store_add_patient (fixture->store, a, &error));
  g_assert_true (sp_store_begin (fixture->store, &error));
  g_assert_true (sp_store_add_patient (fixture->store, b, &error));
  g_assert_true (sp_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_store_count (fixture->store, &sp_entity_patient, NULL, NULL), ==, 2);
  sp_store_rollback (fixture->store);

  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "audit_event"), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 0);

  /* Not left in a transaction: another connection sees and can write. */
  sp_test_store_reopen (fixture);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 0);
}

static void
test_transaction_inner_rollback (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) a = sp_test_patient_new ("Ada", "Lovelace", "9434765919");
  g_autoptr(SpPatient) b = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);

  b = sp_test_patient_new ("Grace", "Hopper", nhs);

  g_assert_true (sp_store_begin (fixture->store, &error));
  g_assert_true (sp_store_add_patient (fixture->store, a, &error));
  g_assert_true (sp_store_begin (fixture->store, &error));
  g_assert_true (sp_store_add_patient (fixture->store, b, &error));
  sp_store_rollback (fixture->store);
  g_assert_true (sp_store_commit (fixture->store, &error));
  g_assert_no_error (error);

  sp_test_store_reopen (fixture);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 1);
  g_assert_cmpint (sp_test_query_int (fixture->store, "SELECT count(*) FROM patient WHERE id = ?1",
                                      a->record.id), ==, 1);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "audit_event"), ==, 1);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 2);
  g_assert_cmpint (sp_test_query_int (fixture->store, "SELECT count(*) FROM outbox WHERE row_id = ?1",
                                      b->record.id), ==, 0);
}

/* ---- Roles -------------------------------------------------------------------- */

static void
test_role_gp_read_only (Fixture       *fixture,
                        gconstpointer  user_data)
{
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpPatient) other = NULL;
  g_autoptr(SpPatient) looked_up = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);
  gint64 outbox = sp_store_outbox_count (fixture->store);

  sp_store_set_actor (fixture->store, "dr.patel", SP_ROLE_GP, practices);

  /* A GP looks patients up... */
  looked_up = sp_store_find_patient (fixture->store, "943 476 5919", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (looked_up->record.id, ==, patient->record.id);

  /* ...but cannot add, change or remove them. */
  other = sp_test_patient_new ("Grace", "Hopper", nhs);
  g_assert_false (sp_store_add_patient (fixture->store, other, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_free (looked_up->given_name);
  looked_up->given_name = g_strdup ("Augusta");
  g_assert_false (sp_store_update_patient (fixture->store, looked_up, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_assert_false (sp_store_remove (fixture->store, &sp_entity_patient, patient->record.id, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 1);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);
  {
    g_autofree char *name = sp_test_query_text (fixture->store, "SELECT given_name FROM patient", NULL);
    g_assert_cmpstr (name, ==, "Ada");
  }
}

static void
test_role_catalogue_admin (Fixture       *fixture,
                           gconstpointer  user_data)
{
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(SpProvider) provider = sp_test_add_provider (fixture->store, "Dales Yoga");
  g_autoptr(SpOffering) offering = sp_test_add_offering (fixture->store, provider->record.id,
                                                         "Chair yoga", 1500, 8, NULL, NULL);
  g_autoptr(SpOffering) extra = NULL;
  g_autoptr(SpFunder) funder = sp_funder_new ();
  g_autoptr(GError) error = NULL;
  gint64 outbox = sp_store_outbox_count (fixture->store);

  /* A link worker who is not an admin may suggest, not change, the catalogue. */
  sp_store_set_actor (fixture->store, SP_TEST_USER, SP_ROLE_LINK_WORKER, practices);

  offering->fee_pence = 100;
  g_assert_false (sp_store_save (fixture->store, &sp_entity_offering, offering, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  extra = sp_test_offering_new (provider->record.id, "Tai chi", 900, 6, NULL, NULL);
  g_assert_false (sp_store_save (fixture->store, &sp_entity_offering, extra, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  funder->record.id = sp_uuid_new ();
  funder->name = g_strdup ("Parish fund");
  funder->kind = g_strdup ("charity");
  g_assert_false (sp_store_save (fixture->store, &sp_entity_funder, funder, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_assert_false (sp_store_remove (fixture->store, &sp_entity_offering, offering->record.id, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_assert_cmpint (sp_test_count_rows (fixture->store, "offering"), ==, 1);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "funder"), ==, 0);
  g_assert_cmpint (sp_test_query_int (fixture->store, "SELECT fee_pence FROM offering", NULL), ==, 1500);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);

  /* The same change by an admin goes through. */
  sp_store_set_actor (fixture->store, "admin.li", SP_ROLE_ADMIN, NULL);
  g_assert_true (sp_store_save (fixture->store, &sp_entity_offering, offering, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_test_query_int (fixture->store, "SELECT fee_pence FROM offering", NULL), ==, 100);
}

static void
test_role_other_practice (Fixture       *fixture,
                          gconstpointer  user_data)
{
  const char * const other_practice[] = { SP_TEST_OTHER_PRACTICE, NULL };
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpPatient) seen = NULL;
  g_autoptr(SpPatient) intruder = NULL;
  g_autoptr(GError) error = NULL;
  gint64 outbox = sp_store_outbox_count (fixture->store);

  /* A link worker of another practice does not see this practice's patient... */
  sp_store_set_actor (fixture->store, "lw.other", SP_ROLE_LINK_WORKER, other_practice);
  seen = sp_store_get_patient (fixture->store, patient->record.id, &error);
  g_assert_null (seen);
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  seen = sp_store_find_patient (fixture->store, "9434765919", &error);
  g_assert_null (seen);
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* ...and cannot write into it. */
  intruder = sp_test_patient_new ("Grace", "Hopper", "9434765919");
  intruder->record.practice = g_strdup (SP_TEST_PRACTICE);
  g_assert_false (sp_store_add_patient (fixture->store, intruder, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);
}

/* Setting up the practice, reopening the desk, or switching role must keep
 * who is working: every record is attributed to that name. */
static void
test_actor_kept (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) patient = NULL;

  /* Switching role, passing back what the store reports. */
  sp_store_set_actor (fixture->store, sp_store_get_user (fixture->store), SP_ROLE_GP,
                      sp_store_get_practices (fixture->store));
  g_assert_cmpstr (sp_store_get_user (fixture->store), ==, SP_TEST_USER);
  g_assert_cmpstr (sp_store_get_practice (fixture->store), ==, SP_TEST_PRACTICE);
  g_assert_cmpstr (sp_store_get_role_name (fixture->store), ==, "gp");

  /* Renaming the practice in local mode. */
  g_assert_true (sp_store_set_local_practice (fixture->store, SP_TEST_PRACTICE, "Riverside Medical Centre", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sp_store_get_user (fixture->store), ==, SP_TEST_USER);
  g_assert_cmpstr (sp_store_get_role_name (fixture->store), ==, "link_worker");

  patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_assert_cmpstr (patient->record.updated_by, ==, SP_TEST_USER);

  /* Reopened in local mode: the desk's own user. */
  sp_test_store_reopen (fixture);
  g_assert_cmpstr (sp_store_get_user (fixture->store), ==, g_get_user_name ());
  g_assert_cmpstr (sp_store_get_practice (fixture->store), ==, SP_TEST_PRACTICE);
}

/* ---- The demo ----------------------------------------------------------------- */

/* The demo caseload as the library carries it. */
static JsonArray *
demo_patients (void)
{
  g_autoptr(GBytes) bytes = g_resources_lookup_data ("/org/signpost/core/demo/patients.json",
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (bytes);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                             (gssize) g_bytes_get_size (bytes), NULL));
  return json_array_ref (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                       "patients"));
}

static void
test_demo_seed (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "demo.db", NULL);
  g_autoptr(SpStore) store = sp_test_open (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *seeded = NULL;

  g_assert_true (sp_store_is_empty (store));
  g_assert_true (sp_store_seed_demo (store, &error));
  g_assert_no_error (error);

  /* The demo desk works for Hollinsford's practice. */
  g_assert_cmpstr (sp_store_get_practice (store), ==, "Y99901");
  g_assert_cmpint (sp_store_count (store, &sp_entity_patient, NULL, NULL), ==, 30);
  g_assert_cmpint (sp_store_count (store, &sp_entity_offering, NULL, NULL), ==, 55);
  g_assert_cmpint (sp_store_count (store, &sp_entity_funder, NULL, NULL), ==, 6);
  g_assert_cmpint (sp_store_count (store, &sp_entity_provider, NULL, NULL), ==, 19);
  g_assert_cmpint (sp_store_count (store, &sp_entity_referral, NULL, NULL), >, 0);
  g_assert_false (sp_store_is_empty (store));
  seeded = sp_store_get_meta (store, "demo_seeded");
  g_assert_cmpstr (seeded, ==, "1");

  /* Each demo patient is there with the conditions the demo gives them:
   * comorbid exactly when the file lists both an MSK and an MH problem. */
  {
    g_autoptr(JsonArray) demo = demo_patients ();
    g_autoptr(GPtrArray) patients = sp_store_list (store, &sp_entity_patient, NULL, NULL, &error);
    guint n_comorbid = 0;

    g_assert_no_error (error);
    g_assert_cmpuint (patients->len, ==, json_array_get_length (demo));
    for (guint i = 0; i < json_array_get_length (demo); i++)
      {
        JsonObject *d = json_array_get_object_element (demo, i);
        JsonArray *conditions = json_object_get_array_member (d, "conditions");
        gboolean msk = FALSE, mh = FALSE;
        g_autoptr(SpPatient) p = NULL;

        for (guint k = 0; k < json_array_get_length (conditions); k++)
          {
            const char *kind = json_object_get_string_member (json_array_get_object_element (conditions, k), "kind");
            msk |= g_str_equal (kind, "msk");
            mh |= g_str_equal (kind, "mh");
          }
        p = sp_store_find_patient (store, json_object_get_string_member (d, "nhs_number"), &error);
        g_assert_no_error (error);
        g_assert_cmpstr (p->family_name, ==, json_object_get_string_member (d, "family_name"));
        g_assert_cmpint (sp_store_patient_is_comorbid (store, p->record.id), ==, msk && mh);
        n_comorbid += msk && mh;
      }
    /* The caseload is mostly the people Signpost is for. */
    g_assert_cmpuint (n_comorbid, >, patients->len / 2);
  }
  g_assert_null (sp_test_query_text (store, "PRAGMA foreign_key_check", NULL));

  /* Seeding again would repeat the demo's history: refused, nothing added. */
  {
    gint64 outbox = sp_store_outbox_count (store);
    gint64 rows = sp_test_count_rows (store, "referral_event");
    gint64 referrals = sp_test_count_rows (store, "referral");
    gint64 payments = sp_test_count_rows (store, "payment");

    g_assert_false (sp_store_seed_demo (store, &error));
    g_assert_nonnull (error);
    g_assert_true (error->domain == SP_ERROR);
    g_clear_error (&error);
    g_assert_cmpint (sp_test_count_rows (store, "referral"), ==, referrals);
    g_assert_cmpint (sp_test_count_rows (store, "payment"), ==, payments);
    g_assert_cmpint (sp_test_count_rows (store, "patient"), ==, 30);
    g_assert_cmpint (sp_test_count_rows (store, "referral_event"), ==, rows);
    g_assert_cmpint (sp_store_outbox_count (store), ==, outbox);
  }
}

/* The last demo patient's NHS number, read from the demo itself. */
static char *
last_demo_nhs_number (void)
{
  g_autoptr(JsonArray) patients = demo_patients ();

  g_assert_cmpuint (json_array_get_length (patients), ==, 30);
  return g_strdup (json_object_get_string_member (json_array_get_object_element (patients, 29), "nhs_number"));
}

static void
test_demo_all_or_nothing (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autofree char *nhs = last_demo_nhs_number ();
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Already", "Here", nhs, NULL);
  g_autoptr(GError) error = NULL;
  gint64 outbox = sp_store_outbox_count (fixture->store);
  gint64 audits = sp_test_count_rows (fixture->store, "audit_event");

  /* Twenty-nine patients go in before the thirtieth clashes: none stay. */
  g_assert_false (sp_store_seed_demo (fixture->store, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_DUPLICATE);
  g_clear_error (&error);

  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 1);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "offering"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "funder"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "referral"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "payment"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "condition"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "audit_event"), ==, audits);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);
  g_assert_null (sp_store_get_meta (fixture->store, "demo_seeded"));

  /* The store still works, and reopened holds the same. */
  sp_test_store_reopen (fixture);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 1);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "offering"), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, outbox);
}

/* A desk made by the first release opens in this one: its schema is
 * brought up to date in place, and every record it held is still there. */
static void
test_open_migrate (void)
{
  g_autofree char *dir = sp_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "v1.db", NULL);
  g_autoptr(GBytes) v1 = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GError) error = NULL;

  /* The store's class registers the schema resources. */
  g_type_class_unref (g_type_class_ref (SP_TYPE_STORE));
  v1 = g_resources_lookup_data ("/org/signpost/core/sp-schema-1.sql", G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_assert_no_error (error);
  run_sql (path, g_bytes_get_data (v1, NULL));
  run_sql (path,
           "PRAGMA application_id = 1397771860; PRAGMA user_version = 1;"
           "INSERT INTO meta (key, value) VALUES ('local_practice', 'A81001');"
           "INSERT INTO patient (id, practice, updated_at, updated_by, nhs_number, given_name, family_name) "
           "VALUES ('7d9c1c4e-1111-4a8e-9a53-0c4f1f1b2a3c', 'A81001', '2026-01-01T00:00:00Z', 'old', "
           "'9434765919', 'Ada', 'Lovelace');");

  store = sp_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sp_test_query_int (store, "PRAGMA user_version", NULL), ==, SP_SCHEMA_VERSION);
  g_assert_cmpint (sp_test_query_int (store, "SELECT count(*) FROM pragma_table_info ('referral') WHERE name = 'fft'", NULL), ==, 1);
  g_assert_cmpint (sp_test_query_int (store, "SELECT count(*) FROM pragma_table_info ('offering') WHERE name = 'needs_review'", NULL), ==, 1);

  patient = sp_store_get_patient (store, "7d9c1c4e-1111-4a8e-9a53-0c4f1f1b2a3c", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (patient->family_name, ==, "Lovelace");

  g_clear_object (&store);
  sp_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, sp_test_store_setup, func, sp_test_store_teardown)

  ADD ("/store/open/create", test_open_create);
  ADD ("/store/open/reopen", test_open_reopen);
  ADD ("/store/open/text-file", test_open_text_file);
  ADD ("/store/open/foreign-sqlite", test_open_foreign_sqlite);
  ADD ("/store/open/newer-schema", test_open_newer_schema);
  g_test_add_func ("/store/open/migrate", test_open_migrate);
  ADD ("/store/open/missing-directory", test_open_missing_directory);
  ADD ("/store/open/not-a-file", test_open_not_a_file);
  g_test_add_func ("/store/open/read-only-directory", test_open_read_only_directory);
  g_test_add_func ("/store/open/read-only-file", test_open_read_only_file);
  ADD ("/store/write/locked", test_locked);
  ADD ("/store/write/disk-full", test_disk_full);
  ADD ("/store/write/constraint", test_constraint);
  ADD ("/store/outbox/create", test_outbox_create);
  ADD ("/store/outbox/update", test_outbox_update);
  ADD ("/store/outbox/unchanged", test_outbox_unchanged);
  ADD ("/store/outbox/remove", test_remove);
  ADD ("/store/transaction/nested-rollback", test_transaction_nested_rollback);
  ADD ("/store/transaction/inner-rollback", test_transaction_inner_rollback);
  ADD ("/store/role/gp-read-only", test_role_gp_read_only);
  ADD ("/store/role/catalogue-admin", test_role_catalogue_admin);
  ADD ("/store/role/other-practice", test_role_other_practice);
  ADD ("/store/role/actor-kept", test_actor_kept);
  ADD ("/store/demo/seed", test_demo_seed);
  ADD ("/store/demo/all-or-nothing", test_demo_all_or_nothing);

#undef ADD

  return g_test_run ();
}
