/* test-cli.c — signpost-cli as scripts and link workers use it
 *
 * Runs the real binary in a fresh temporary folder for each test, with a
 * fixed environment, and checks its exit status, its words and its JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli"

#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

/* Margaret Holloway in the demo: MSK and MH, with a referral history. */
#define DEMO_NHS "999 997 5984"
#define DEMO_OFFERING "Strength and Balance (Fernlow)"

typedef struct
{
  char  *dir;
  char  *db;
  GStrv  env;
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_free (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("signpost-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "signpost.db", NULL);

  /* Whatever the caller's locale, home or data folder: English messages,
   * and a default database (if one is ever used) inside the test folder. */
  f->env = g_get_environ ();
  f->env = g_environ_setenv (f->env, "LC_ALL", "C.UTF-8", TRUE);
  f->env = g_environ_unsetenv (f->env, "LANGUAGE");
  f->env = g_environ_setenv (f->env, "HOME", f->dir, TRUE);
  f->env = g_environ_setenv (f->env, "XDG_DATA_HOME", f->dir, TRUE);
  f->env = g_environ_setenv (f->env, "TZ", "UTC", TRUE);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_strfreev (f->env);
}

static Run *
run_argv (Fixture  *f,
          gboolean  with_db,
          va_list   args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run *run = g_new0 (Run, 1);
  const char *arg;
  int wait_status = 0;

  g_ptr_array_add (argv, (char *) SIGNPOST_CLI);
  if (with_db)
    {
      g_ptr_array_add (argv, (char *) "--db");
      g_ptr_array_add (argv, f->db);
    }
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (f->dir, (char **) argv->pdata, f->env, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);

  if (g_spawn_check_wait_status (wait_status, &error))
    run->status = 0;
  else
    {
      g_assert_error (error, G_SPAWN_EXIT_ERROR, error->code);  /* exited, not killed */
      run->status = error->code;
    }
  return run;
}

/* signpost-cli --db DB ARGS…, NULL-terminated. */
static Run *
cli (Fixture *f,
     ...)
{
  va_list args;
  Run *run;

  va_start (args, f);
  run = run_argv (f, TRUE, args);
  va_end (args);
  return run;
}

/* signpost-cli ARGS… with no --db. */
static Run *
cli_bare (Fixture *f,
          ...)
{
  va_list args;
  Run *run;

  va_start (args, f);
  run = run_argv (f, FALSE, args);
  va_end (args);
  return run;
}

static void
assert_ok (Run *run)
{
  if (run->status != 0)
    g_test_message ("stdout: %s\nstderr: %s", run->out, run->err);
  g_assert_cmpint (run->status, ==, 0);
}

static void
assert_user_error (Run        *run,
                   const char *words)
{
  if (run->status != 1)
    g_test_message ("stdout: %s\nstderr: %s", run->out, run->err);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "signpost-cli: "));
  g_assert_nonnull (strstr (run->err, words));
}

static void
assert_misuse (Run *run)
{
  if (run->status != 2)
    g_test_message ("stdout: %s\nstderr: %s", run->out, run->err);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_true (g_str_has_prefix (run->err, "signpost-cli: ") || strstr (run->err, "Usage:") != NULL);
  g_assert_cmpstr (run->out, ==, "");
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonArray *
json_array_of (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_node_get_array (node);
}

static JsonObject *
json_object_of (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static void
init_demo (Fixture *f)
{
  g_autoptr(Run) run = cli (f, "init", "--demo", NULL);

  assert_ok (run);
  g_assert_nonnull (strstr (run->out, "30 patients"));
}

static void
init_practice (Fixture *f)
{
  g_autoptr(Run) run = cli (f, "init", "--practice", "A81001", "--practice-name", "Riverside Surgery", NULL);

  assert_ok (run);
}

static guint
count_patients (Fixture *f)
{
  g_autoptr(Run) run = cli (f, "--json", "patient", "list", NULL);
  g_autoptr(JsonNode) root = NULL;

  assert_ok (run);
  root = parse_json (run->out);
  return json_array_get_length (json_array_of (root));
}

static gint64
sql_int (Fixture    *f,
         const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (f->db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* ---- Help and misuse ----------------------------------------------------------- */

static void
test_help (Fixture       *f,
           gconstpointer  data)
{
  static const char * const commands[][2] = {
    { "init", NULL }, { "patient", "add" }, { "patient", "list" }, { "patient", "show" },
    { "patient", "import" }, { "assess", NULL }, { "match", NULL }, { "refer", NULL },
    { "referral", "status" }, { "referral", "list" }, { "referral", "attend" },
    { "payment", "add" }, { "payment", "reverse" }, { "payment", "list" }, { "balance", NULL },
    { "catalogue", "list" }, { "funder", "list" },
  };
  g_autoptr(Run) top = cli_bare (f, "--help", NULL);

  assert_ok (top);
  g_assert_nonnull (strstr (top->out, "Commands:"));
  g_assert_nonnull (strstr (top->out, "patient import"));
  g_assert_nonnull (strstr (top->out, "--db PATH"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(Run) run = NULL;
      g_autofree char *title = NULL;

      if (commands[i][1] != NULL)
        run = cli_bare (f, commands[i][0], commands[i][1], "--help", NULL);
      else
        run = cli_bare (f, commands[i][0], "--help", NULL);
      title = commands[i][1] ? g_strdup_printf ("signpost-cli %s %s", commands[i][0], commands[i][1])
                             : g_strdup_printf ("signpost-cli %s", commands[i][0]);
      g_test_message ("%s --help", title);
      assert_ok (run);
      g_assert_nonnull (strstr (run->out, title));
      g_assert_nonnull (strstr (run->out, "--db"));
      g_assert_nonnull (strstr (run->out, "--json"));
      /* --help opens no database, not even the default one. */
      {
        g_autofree char *default_dir = g_build_filename (f->dir, "signpost", NULL);
        g_assert_false (g_file_test (default_dir, G_FILE_TEST_EXISTS));
      }
    }

  {
    g_autoptr(Run) group = cli_bare (f, "patient", "--help", NULL);
    assert_ok (group);
    g_assert_nonnull (strstr (group->out, "patient show"));
  }
  {
    g_autoptr(Run) codes = cli_bare (f, "patient", "add", "--help", NULL);
    g_assert_nonnull (strstr (codes->out, "low_back_pain"));
  }
}

static void
test_misuse (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Run) unknown = cli (f, "frobnicate", NULL);
  g_autoptr(Run) nothing = cli (f, NULL);
  g_autoptr(Run) group_only = cli (f, "patient", NULL);
  g_autoptr(Run) bad_sub = cli (f, "patient", "delete", NULL);
  g_autoptr(Run) bad_option = cli (f, "patient", "list", "--colour", NULL);
  g_autoptr(Run) bad_global = cli_bare (f, "--verbose", "patient", "list", NULL);
  g_autoptr(Run) missing = cli (f, "patient", "show", NULL);
  g_autoptr(Run) extra = cli (f, "match", "a", "b", NULL);
  g_autoptr(Run) bad_int = cli (f, "patient", "list", "--limit", "many", NULL);
  g_autoptr(Run) no_target = cli (f, "balance", NULL);

  assert_misuse (unknown);
  g_assert_nonnull (strstr (unknown->err, "frobnicate"));
  assert_misuse (nothing);
  assert_misuse (group_only);
  assert_misuse (bad_sub);
  assert_misuse (bad_option);
  g_assert_nonnull (strstr (bad_option->err, "--colour"));
  g_assert_nonnull (strstr (bad_option->err, "signpost-cli patient list --help"));
  assert_misuse (bad_global);
  assert_misuse (missing);
  assert_misuse (extra);
  assert_misuse (bad_int);
  assert_misuse (no_target);
}

/* ---- Setting up ------------------------------------------------------------------ */

static void
test_init_demo (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(Run) list = NULL;
  g_autoptr(Run) again = NULL;
  g_autoptr(Run) json = NULL;
  g_autoptr(JsonNode) root = NULL;

  init_demo (f);

  list = cli (f, "patient", "list", NULL);
  assert_ok (list);
  g_assert_nonnull (strstr (list->out, "30 patients."));
  g_assert_nonnull (strstr (list->out, DEMO_NHS));
  g_assert_nonnull (strstr (list->out, "Margaret Holloway"));

  /* A second --demo never doubles the data. */
  again = cli (f, "init", "--demo", NULL);
  assert_ok (again);
  g_assert_nonnull (strstr (again->out, "not loaded"));
  g_assert_cmpuint (count_patients (f), ==, 30);

  /* --json before the command works as well as after it. */
  json = cli (f, "--json", "init", NULL);
  assert_ok (json);
  root = parse_json (json->out);
  g_assert_cmpstr (json_object_get_string_member (json_object_of (root), "practice"), ==, "Y99901");
  g_assert_cmpint (json_object_get_int_member (json_object_of (root), "patients"), ==, 30);
}

static void
test_init_needed (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Run) add = cli (f, "patient", "add", "--nhs-number", "943 476 5919",
                            "--given-name", "Jane", "--family-name", "Smith", NULL);
  g_autoptr(Run) bad_ods = cli (f, "init", "--practice", "nonsense!", NULL);
  g_autoptr(Run) bare_init = NULL;

  assert_user_error (add, "Run 'signpost-cli init' first");
  assert_user_error (bad_ods, "ODS");
  bare_init = cli (f, "init", NULL);
  assert_misuse (bare_init);
}

static void
test_newer_schema (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Run) list = NULL;
  sqlite3 *db = NULL;

  init_practice (f);
  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  list = cli (f, "patient", "list", NULL);
  assert_user_error (list, "newer Signpost");
  g_assert_cmpstr (list->out, ==, "");
  g_assert_cmpint (sql_int (f, "PRAGMA user_version"), ==, 99);
}

/* ---- Patients ---------------------------------------------------------------------- */

static void
test_patient_add (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Run) invalid = NULL;
  g_autoptr(Run) added = NULL;
  g_autoptr(Run) duplicate = NULL;
  g_autoptr(Run) bad_code = NULL;
  g_autoptr(Run) missing = NULL;
  g_autoptr(Run) json = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *patient;

  init_practice (f);

  invalid = cli (f, "patient", "add", "--nhs-number", "943 476 5918",
                 "--given-name", "Jane", "--family-name", "Smith", NULL);
  assert_user_error (invalid, "NHS number");
  g_assert_nonnull (strstr (invalid->err, "check digit"));
  g_assert_cmpuint (count_patients (f), ==, 0);

  missing = cli (f, "patient", "add", "--given-name", "Jane", "--family-name", "Smith", NULL);
  assert_misuse (missing);

  added = cli (f, "patient", "add", "--nhs-number", "943 476 5919", "--given-name", "Jane",
               "--family-name", "Smith", "--dob", "1961-03-25", "--postcode", "hf1 2uz",
               "--msk", "low_back_pain", "--mh", "anxiety,low_mood", NULL);
  assert_ok (added);
  g_assert_nonnull (strstr (added->out, "943 476 5919"));
  g_assert_nonnull (strstr (added->out, "Patient id: "));

  duplicate = cli (f, "patient", "add", "--nhs-number", "9434765919",
                   "--given-name", "Janet", "--family-name", "Smyth", NULL);
  assert_user_error (duplicate, "already recorded");
  g_assert_nonnull (strstr (duplicate->err, "Jane Smith"));

  /* The patient and their conditions are saved together or not at all. */
  bad_code = cli (f, "patient", "add", "--nhs-number", "401 023 2137", "--given-name", "Al",
                  "--family-name", "Bee", "--msk", "bad_knee", NULL);
  assert_user_error (bad_code, "bad_knee");
  g_assert_cmpuint (count_patients (f), ==, 1);

  json = cli (f, "patient", "show", "9434765919", "--json", NULL);
  assert_ok (json);
  root = parse_json (json->out);
  patient = json_object_get_object_member (json_object_of (root), "patient");
  g_assert_cmpstr (json_object_get_string_member (patient, "postcode"), ==, "HF1 2UZ");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_object_of (root), "conditions")), ==, 3);
}

static void
test_patient_show (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Run) show = NULL;
  g_autoptr(Run) by_name = NULL;
  g_autoptr(Run) unknown = NULL;
  g_autoptr(Run) list = NULL;
  g_autoptr(JsonNode) root = NULL;
  gint64 views_before;

  init_demo (f);
  views_before = sql_int (f, "SELECT count(*) FROM audit_event WHERE action = 'view'");

  show = cli (f, "patient", "show", DEMO_NHS, NULL);
  assert_ok (show);
  g_assert_nonnull (strstr (show->out, "Margaret Holloway"));
  g_assert_nonnull (strstr (show->out, "Osteoarthritis"));
  g_assert_nonnull (strstr (show->out, "PHQ-9"));
  g_assert_nonnull (strstr (show->out, "Reliable improvement"));
  g_assert_nonnull (strstr (show->out, "Completed"));
  g_assert_nonnull (strstr (show->out, "Outstanding"));
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM audit_event WHERE action = 'view'"), ==, views_before + 1);

  by_name = cli (f, "patient", "show", "holloway", "--json", NULL);
  assert_ok (by_name);
  root = parse_json (by_name->out);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_object_of (root), "patient"),
                                                  "nhs_number"), ==, "9999975984");

  unknown = cli (f, "patient", "show", "943 476 5919", NULL);
  assert_user_error (unknown, "No patient with NHS number 943 476 5919");

  list = cli (f, "patient", "list", "--comorbid", "--json", NULL);
  assert_ok (list);
  {
    g_autoptr(JsonNode) comorbid = parse_json (list->out);
    JsonArray *array = json_array_of (comorbid);

    g_assert_cmpuint (json_array_get_length (array), >, 0);
    g_assert_cmpuint (json_array_get_length (array), <, 30);
    for (guint i = 0; i < json_array_get_length (array); i++)
      g_assert_true (json_object_get_boolean_member (json_array_get_object_element (array, i), "comorbid"));
  }
}

static const char caseload_csv[] =
  "NHS number,First name,Surname,Date of birth,Postcode,MSK conditions,MH conditions,Ward\n"
  "943 476 5919,Jane,Smith,25/03/1961,HF1 2UZ,Low back pain,anxiety,A\n"  /* line 2: good */
  "943 476 5918,Bad,Number,1970-01-01,HF1 2UZ,,,B\n"                       /* line 3: check digit */
  "401 023 2137,Bad,Postcode,1970-01-01,XYZ,,,C\n"                         /* line 4: postcode */
  "401 023 2137,Bad,Date,31/02/1970,HF1 2UZ,,,D\n"                         /* line 5: date */
  "943 476 5919,Dup,Licate,1961-03-25,,,,E\n"                              /* line 6: duplicate of line 2 */
  "\"450 557 7104\",\"Ann\",Jones,1980-05-05,,knee_pain;hip_pain,depression,F\n"; /* line 7: good */

static void
test_patient_import (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Run) dry = NULL;
  g_autoptr(Run) real = NULL;
  g_autoptr(Run) again = NULL;
  g_autoptr(Run) missing = NULL;
  g_autoptr(Run) no_header = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *problems;

  init_practice (f);
  write_file (f, "caseload.csv", caseload_csv);
  write_file (f, "nonsense.csv", "Colour,Size\nred,big\n");

  dry = cli (f, "patient", "import", "caseload.csv", "--dry-run", NULL);
  assert_ok (dry);
  g_assert_nonnull (strstr (dry->out, "6 rows read"));
  g_assert_nonnull (strstr (dry->out, "nothing was saved"));
  g_assert_nonnull (strstr (dry->out, "2 rows would be saved, 4 would be rejected"));
  g_assert_cmpuint (count_patients (f), ==, 0);

  real = cli (f, "patient", "import", "caseload.csv", NULL);
  assert_ok (real);
  g_assert_nonnull (strstr (real->out, "2 rows saved, 4 rejected"));
  g_assert_nonnull (strstr (real->out, "line 3: This is not a valid NHS number"));
  g_assert_nonnull (strstr (real->out, "line 4: “XYZ” is not a UK postcode"));
  g_assert_nonnull (strstr (real->out, "line 5: The date of birth “31/02/1970” is not a date"));
  g_assert_nonnull (strstr (real->out, "line 6: A patient with NHS number 943 476 5919 is already recorded"));
  g_assert_null (strstr (real->out, "line 2:"));
  g_assert_null (strstr (real->out, "line 7:"));
  g_assert_nonnull (strstr (real->out, "Columns not used: Ward"));
  g_assert_cmpuint (count_patients (f), ==, 2);
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM condition WHERE deleted = 0"), ==, 5);

  /* Importing the same file again rejects every row as a duplicate. */
  again = cli (f, "--json", "patient", "import", "caseload.csv", NULL);
  assert_ok (again);
  root = parse_json (again->out);
  g_assert_cmpint (json_object_get_int_member (json_object_of (root), "rows"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (json_object_of (root), "saved"), ==, 0);
  problems = json_object_get_array_member (json_object_of (root), "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 6);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (problems, 0), "line"), ==, 2);
  g_assert_cmpuint (count_patients (f), ==, 2);

  missing = cli (f, "patient", "import", "no-such-file.csv", NULL);
  assert_user_error (missing, "no-such-file.csv");
  no_header = cli (f, "patient", "import", "nonsense.csv", NULL);
  assert_user_error (no_header, "header");
  g_assert_cmpuint (count_patients (f), ==, 2);
}

static void
test_assess (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Run) add = NULL;
  g_autoptr(Run) baseline = NULL;
  g_autoptr(Run) follow_up = NULL;
  g_autoptr(Run) skipped = NULL;
  g_autoptr(Run) bad = NULL;
  g_autoptr(JsonNode) root = NULL;

  init_practice (f);
  add = cli (f, "patient", "add", "--nhs-number", "9434765919", "--given-name", "Jane",
             "--family-name", "Smith", NULL);
  assert_ok (add);

  baseline = cli (f, "assess", "943 476 5919", "--measure", "phq9", "--answers", "2,2,2,2,2,1,1,1,0", NULL);
  assert_ok (baseline);
  g_assert_nonnull (strstr (baseline->out, "Score: 13, Moderate"));

  follow_up = cli (f, "--json", "assess", "9434765919", "--measure", "phq9", "--stage", "follow_up",
                   "--answers", "0,1,0,1,0,0,0,0,0", NULL);
  assert_ok (follow_up);
  root = parse_json (follow_up->out);
  g_assert_cmpint (json_object_get_int_member (json_object_of (root), "total"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_of (root), "change"), ==, "reliable_improvement");

  skipped = cli (f, "assess", "9434765919", "--measure", "phq9", "--stage", "follow_up",
                 "--answers=0,1,-,1,0,,0,0,0", NULL);
  assert_ok (skipped);
  g_assert_nonnull (strstr (skipped->out, "2 questions unanswered"));

  bad = cli (f, "assess", "9434765919", "--measure", "phq9", "--answers", "1,2", NULL);
  assert_user_error (bad, "expected 9");
  g_assert_cmpint (sql_int (f, "SELECT count(*) FROM assessment"), ==, 3);
}

/* ---- Matching and referring ---------------------------------------------------------- */

static void
test_match (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(Run) text = NULL;
  g_autoptr(Run) all = NULL;
  g_autoptr(Run) json = NULL;
  g_autoptr(Run) json_all = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root_all = NULL;
  JsonArray *matches, *excluded;

  init_demo (f);

  text = cli (f, "match", DEMO_NHS, NULL);
  assert_ok (text);
  g_assert_nonnull (strstr (text->out, "Margaret Holloway"));
  g_assert_nonnull (strstr (text->out, " 1. "));
  g_assert_nonnull (strstr (text->out, "• Covers both"));
  g_assert_nonnull (strstr (text->out, "a session"));
  g_assert_null (strstr (text->out, "Excluded"));

  all = cli (f, "match", DEMO_NHS, "--all", NULL);
  assert_ok (all);
  g_assert_nonnull (strstr (all->out, "Excluded"));
  g_assert_nonnull (strstr (all->out, "over their limit"));
  g_assert_nonnull (strstr (all->out, "No longer running"));

  json = cli (f, "match", DEMO_NHS, "--json", "--limit", "0", NULL);
  assert_ok (json);
  root = parse_json (json->out);
  matches = json_object_get_array_member (json_object_of (root), "matches");
  g_assert_cmpuint (json_array_get_length (matches), ==,
                    json_object_get_int_member (json_object_of (root), "total_matches"));
  g_assert_cmpuint (json_array_get_length (matches), >, 0);
  for (guint i = 0; i < json_array_get_length (matches); i++)
    {
      JsonObject *m = json_array_get_object_element (matches, i);

      g_assert_cmpint (json_object_get_int_member (m, "rank"), ==, i + 1);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (m, "reasons")), >, 0);
      g_assert_true (json_object_has_member (m, "patient_cost_pence"));
      g_assert_nonnull (json_object_get_string_member (json_object_get_object_member (m, "offering"), "name"));
    }
  g_assert_false (json_object_has_member (json_object_of (root), "excluded"));

  json_all = cli (f, "--json", "match", DEMO_NHS, "--all", NULL);
  assert_ok (json_all);
  root_all = parse_json (json_all->out);
  excluded = json_object_get_array_member (json_object_of (root_all), "excluded");
  g_assert_cmpuint (json_array_get_length (excluded), >, 0);
  for (guint i = 0; i < json_array_get_length (excluded); i++)
    g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (excluded, i), "excluded_because"));
}

static char *
refer_demo (Fixture *f)
{
  g_autoptr(Run) refer = cli (f, "--json", "refer", DEMO_NHS, "strength and balance (FERNLOW)", NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *referral;

  assert_ok (refer);
  root = parse_json (refer->out);
  referral = json_object_of (root);
  g_assert_cmpstr (json_object_get_string_member (referral, "status"), ==, "referred");
  g_assert_cmpstr (json_object_get_string_member (referral, "offering_name"), ==, DEMO_OFFERING);
  /* Margaret's income band is low: £1.50 of the £5.00 fee. */
  g_assert_cmpint (json_object_get_int_member (referral, "patient_share_pence"), ==, 150);
  g_assert_cmpint (json_object_get_int_member (referral, "funder_share_pence"), ==, 350);
  return g_strdup (json_object_get_string_member (referral, "id"));
}

static void
test_refer_and_move (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(Run) text = NULL;
  g_autoptr(Run) again = NULL;
  g_autoptr(Run) show = NULL;
  g_autoptr(Run) illegal = NULL;
  g_autoptr(Run) accept = NULL;
  g_autoptr(Run) json = NULL;
  g_autoptr(Run) nowhere = NULL;
  g_autoptr(Run) list = NULL;
  g_autoptr(JsonNode) root = NULL;

  init_demo (f);

  text = cli (f, "refer", DEMO_NHS, "Canal Evening Stroll", "--reason", "Low mood; enjoys walking", NULL);
  assert_ok (text);
  g_assert_nonnull (strstr (text->out, "Referral id: "));
  g_assert_nonnull (strstr (text->out, "Patient pays"));

  id = refer_demo (f);
  prefix = g_strndup (id, 8);

  again = cli (f, "refer", DEMO_NHS, DEMO_OFFERING, NULL);
  assert_user_error (again, "already has an open referral");

  show = cli (f, "referral", "status", prefix, NULL);
  assert_ok (show);
  g_assert_nonnull (strstr (show->out, "Referred"));
  g_assert_nonnull (strstr (show->out, "History"));
  g_assert_nonnull (strstr (show->out, "accepted (Accepted)"));

  illegal = cli (f, "referral", "status", id, "completed", NULL);
  assert_user_error (illegal, "cannot become Completed");
  g_assert_nonnull (strstr (illegal->err, "Accepted"));
  g_assert_nonnull (strstr (illegal->err, "Declined"));
  g_assert_nonnull (strstr (illegal->err, "Withdrawn"));

  accept = cli (f, "referral", "status", prefix, "accepted", "--note", "Provider phoned back", NULL);
  assert_ok (accept);
  g_assert_nonnull (strstr (accept->out, "from Referred to Accepted"));

  json = cli (f, "--json", "referral", "status", id, NULL);
  assert_ok (json);
  root = parse_json (json->out);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_object_of (root), "referral"),
                                                  "status"), ==, "accepted");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_object_of (root), "events")), ==, 2);

  nowhere = cli (f, "referral", "status", "0000ffff", NULL);
  assert_user_error (nowhere, "No referral");

  list = cli (f, "referral", "list", "--patient", DEMO_NHS, "--status", "accepted", NULL);
  assert_ok (list);
  g_assert_nonnull (strstr (list->out, prefix));
  g_assert_nonnull (strstr (list->out, "1 referral."));
}

static void
test_payments (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autoptr(Run) accept = NULL;
  g_autoptr(Run) attend = NULL;
  g_autoptr(Run) pay = NULL;
  g_autoptr(Run) bad_amount = NULL;
  g_autoptr(Run) balance = NULL;
  g_autoptr(Run) text = NULL;
  g_autoptr(Run) reverse = NULL;
  g_autoptr(Run) after = NULL;
  g_autoptr(Run) funder = NULL;
  g_autoptr(JsonNode) pay_root = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) after_root = NULL;
  JsonObject *b;
  const char *payment_id;

  init_demo (f);
  id = refer_demo (f);

  accept = cli (f, "referral", "status", id, "accepted", NULL);
  assert_ok (accept);
  attend = cli (f, "referral", "attend", id, "--date", "2026-11-02", NULL);
  assert_ok (attend);
  g_assert_nonnull (strstr (attend->out, "Attending"));
  g_clear_pointer (&attend, run_free);
  attend = cli (f, "referral", "attend", id, "--date", "2026-11-09", NULL);
  assert_ok (attend);

  pay = cli (f, "--json", "payment", "add", id, "£2.05", "--method", "cash", NULL);
  assert_ok (pay);
  pay_root = parse_json (pay->out);
  payment_id = json_object_get_string_member (json_object_get_object_member (json_object_of (pay_root), "payment"), "id");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_object_of (pay_root), "payment"),
                                               "amount_pence"), ==, 205);

  bad_amount = cli (f, "payment", "add", id, "12.345", NULL);
  assert_user_error (bad_amount, "not an amount of money");

  balance = cli (f, "--json", "balance", "--referral", id, NULL);
  assert_ok (balance);
  root = parse_json (balance->out);
  b = json_object_get_object_member (json_object_of (root), "balance");
  /* Two sessions attended at £1.50 and £3.50 a session. */
  g_assert_cmpint (json_object_get_int_member (b, "patient_due_pence"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (b, "patient_paid_pence"), ==, 205);
  g_assert_cmpint (json_object_get_int_member (b, "patient_outstanding_pence"), ==, 95);
  g_assert_cmpint (json_object_get_int_member (b, "funder_due_pence"), ==, 700);
  g_assert_cmpint (json_object_get_int_member (b, "funder_paid_pence"), ==, 0);

  text = cli (f, "balance", "--referral", id, NULL);
  assert_ok (text);
  g_assert_nonnull (strstr (text->out, "£3.00"));
  g_assert_nonnull (strstr (text->out, "£2.05"));
  g_assert_nonnull (strstr (text->out, "£0.95"));

  reverse = cli (f, "payment", "reverse", payment_id, "--note", "Typed the wrong amount", NULL);
  assert_ok (reverse);
  after = cli (f, "--json", "balance", DEMO_NHS, NULL);
  assert_ok (after);
  after_root = parse_json (after->out);
  {
    JsonArray *referrals = json_object_get_array_member (json_object_of (after_root), "referrals");
    gboolean found = FALSE;

    for (guint i = 0; i < json_array_get_length (referrals); i++)
      {
        JsonObject *entry = json_array_get_object_element (referrals, i);
        JsonObject *r = json_object_get_object_member (entry, "referral");

        if (g_strcmp0 (json_object_get_string_member (r, "id"), id) != 0)
          continue;
        found = TRUE;
        g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (entry, "balance"),
                                                     "patient_paid_pence"), ==, 0);
      }
    g_assert_true (found);
  }

  funder = cli (f, "balance", "--funder", "Hollinshire County Council Public Health", NULL);
  assert_ok (funder);
  g_assert_nonnull (strstr (funder->out, "Budget"));
  g_assert_nonnull (strstr (funder->out, "£30,000.00"));
  g_assert_nonnull (strstr (funder->out, "Remaining"));
}

static void
test_json_lists (Fixture       *f,
                 gconstpointer  data)
{
  static const char * const commands[][3] = {
    { "catalogue", "list", NULL }, { "funder", "list", NULL }, { "referral", "list", NULL },
    { "patient", "list", NULL },
  };

  init_demo (f);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(Run) run = cli (f, "--json", commands[i][0], commands[i][1], NULL);
      g_autoptr(JsonNode) root = NULL;

      assert_ok (run);
      root = parse_json (run->out);
      g_assert_cmpuint (json_array_get_length (json_array_of (root)), >, 0);
    }

  {
    g_autoptr(Run) yoga = cli (f, "catalogue", "list", "--modality", "yoga", NULL);
    g_autoptr(Run) bad = cli (f, "catalogue", "list", "--modality", "juggling", NULL);

    assert_ok (yoga);
    g_assert_nonnull (strstr (yoga->out, "Chair Yoga"));
    g_assert_null (strstr (yoga->out, "Tai Chi"));
    assert_user_error (bad, "juggling");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/cli/help", test_help);
  ADD ("/cli/misuse", test_misuse);
  ADD ("/cli/init/demo", test_init_demo);
  ADD ("/cli/init/needed", test_init_needed);
  ADD ("/cli/init/newer-schema", test_newer_schema);
  ADD ("/cli/patient/add", test_patient_add);
  ADD ("/cli/patient/show", test_patient_show);
  ADD ("/cli/patient/import", test_patient_import);
  ADD ("/cli/assess", test_assess);
  ADD ("/cli/match", test_match);
  ADD ("/cli/referral/status", test_refer_and_move);
  ADD ("/cli/payment/balance", test_payments);
  ADD ("/cli/json/lists", test_json_lists);

#undef ADD

  return g_test_run ();
}
