/* sp-test-util.h — fixtures shared by the core's tests
 *
 * Header-only: every helper is static inline, so a test that does not use
 * one pays nothing for it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sp-error.h"
#include "sp-patients.h"
#include "sp-store-private.h"
#include "sp-validate.h"

G_BEGIN_DECLS

#define SP_TEST_PRACTICE       "A81001"
#define SP_TEST_OTHER_PRACTICE "B82002"
#define SP_TEST_USER           "lw.okafor"
#define SP_TEST_CLOCK          "2026-05-04T09:00:00Z"

/* A per-test store in its own temporary folder. */
typedef struct
{
  char    *dir;
  char    *path;
  SpStore *store;
} SpTestStore;

/* Removes a folder and everything in it, making read-only folders
 * writable first so a test that locked one down still cleans up. */
static inline void
sp_test_remove_tree (const char *path)
{
  GDir *dir;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_remove (path);
      return;
    }

  g_chmod (path, 0700);
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          sp_test_remove_tree (child);
        }
      g_dir_close (dir);
    }
  if (g_rmdir (path) != 0)
    g_printerr ("# could not remove %s: %s\n", path, g_strerror (errno));
}

static inline char *
sp_test_make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("signpost-test-XXXXXX", &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

static inline SpStore *
sp_test_open (const char *path)
{
  g_autoptr(GError) error = NULL;
  SpStore *store = sp_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* Opens a fresh store, set up in local mode for SP_TEST_PRACTICE, with a
 * named link worker who is also catalogue admin and a fixed clock. */
static inline void
sp_test_store_setup (SpTestStore   *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };

  fixture->dir = sp_test_make_dir ();
  fixture->path = g_build_filename (fixture->dir, "signpost.db", NULL);
  fixture->store = sp_test_open (fixture->path);
  g_assert_true (sp_store_set_local_practice (fixture->store, SP_TEST_PRACTICE,
                                              "Riverside Surgery", &error));
  g_assert_no_error (error);
  sp_store_set_actor (fixture->store, SP_TEST_USER, SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN, practices);
  sp_store_set_clock (fixture->store, SP_TEST_CLOCK);
}

static inline void
sp_test_store_teardown (SpTestStore   *fixture,
                        gconstpointer  user_data)
{
  if (fixture->store != NULL)
    g_assert_finalize_object (fixture->store);
  fixture->store = NULL;
  sp_test_remove_tree (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* Closes and reopens the fixture's store, as a restarted app would. */
static inline void
sp_test_store_reopen (SpTestStore *fixture)
{
  g_assert_finalize_object (fixture->store);
  fixture->store = sp_test_open (fixture->path);
  sp_store_set_clock (fixture->store, SP_TEST_CLOCK);
}

/* The @n-th (from 0) valid NHS number in 999 000 0000–999 009 9999: a range
 * never issued, and below the demo caseload's numbers. */
static inline char *
sp_test_nhs_number (guint n)
{
  guint found = 0;

  for (guint k = 0; k < 10000; k++)
    {
      char digits[11];
      guint sum = 0, check;

      g_snprintf (digits, sizeof digits, "99900%04u0", k);
      for (guint i = 0; i < 9; i++)
        sum += (guint) (digits[i] - '0') * (10 - i);
      check = 11 - (sum % 11);
      if (check == 11)
        check = 0;
      if (check == 10)
        continue;
      if (found++ == n)
        {
          digits[9] = (char) ('0' + check);
          return g_strdup (digits);
        }
    }
  g_assert_not_reached ();
  return NULL;
}

/* Runs a query returning one whole number, straight on the connection. */
static inline gint64
sp_test_query_int (SpStore    *store,
                   const char *sql,
                   const char *param)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;
  int rc;

  rc = sqlite3_prepare_v2 (sp_store_get_handle (store), sql, -1, &stmt, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  g_assert_cmpint (rc, ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static inline char *
sp_test_query_text (SpStore    *store,
                    const char *sql,
                    const char *param)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (sp_store_get_handle (store), sql, -1, &stmt, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  g_assert_true (rc == SQLITE_ROW || rc == SQLITE_DONE);
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static inline gint64
sp_test_count_rows (SpStore    *store,
                    const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);

  return sp_test_query_int (store, sql, NULL);
}

static inline JsonObject *
sp_test_parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (text);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static inline JsonNode *
sp_test_parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static inline SpPatient *
sp_test_patient_new (const char *given_name,
                     const char *family_name,
                     const char *nhs_number)
{
  SpPatient *patient = sp_patient_new ();

  patient->given_name = g_strdup (given_name);
  patient->family_name = g_strdup (family_name);
  patient->nhs_number = g_strdup (nhs_number);
  patient->date_of_birth = g_strdup ("1961-03-25");
  return patient;
}

/* Adds a patient and asserts it was saved. */
static inline SpPatient *
sp_test_add_patient (SpStore    *store,
                     const char *given_name,
                     const char *family_name,
                     const char *nhs_number,
                     const char *income_band)
{
  g_autoptr(GError) error = NULL;
  SpPatient *patient = sp_test_patient_new (given_name, family_name, nhs_number);

  patient->income_band = g_strdup (income_band);
  g_assert_true (sp_store_add_patient (store, patient, &error));
  g_assert_no_error (error);
  return patient;
}

static inline SpCondition *
sp_test_add_condition (SpStore    *store,
                       const char *patient_id,
                       const char *kind,
                       const char *code)
{
  g_autoptr(GError) error = NULL;
  SpCondition *condition = sp_condition_new ();

  condition->patient_id = g_strdup (patient_id);
  condition->kind = g_strdup (kind);
  condition->code = g_strdup (code);
  g_assert_true (sp_store_add_condition (store, condition, &error));
  g_assert_no_error (error);
  return condition;
}

static inline SpFunder *
sp_test_add_funder (SpStore    *store,
                    const char *name,
                    gint64      budget_pence,
                    const char *year_start)
{
  g_autoptr(GError) error = NULL;
  SpFunder *funder = sp_funder_new ();

  funder->record.id = sp_uuid_new ();
  funder->name = g_strdup (name);
  funder->kind = g_strdup ("icb");
  funder->budget_pence = budget_pence;
  funder->year_start = g_strdup (year_start);
  g_assert_true (sp_store_save (store, &sp_entity_funder, funder, &error));
  g_assert_no_error (error);
  return funder;
}

static inline SpProvider *
sp_test_add_provider (SpStore    *store,
                      const char *name)
{
  g_autoptr(GError) error = NULL;
  SpProvider *provider = sp_provider_new ();

  provider->record.id = sp_uuid_new ();
  provider->name = g_strdup (name);
  g_assert_true (sp_store_save (store, &sp_entity_provider, provider, &error));
  g_assert_no_error (error);
  return provider;
}

/* An offering record, not yet saved. @sliding_scale is JSON text or NULL;
 * @funder_id may be NULL for a provider concession. */
static inline SpOffering *
sp_test_offering_new (const char *provider_id,
                      const char *name,
                      gint64      fee_pence,
                      gint64      sessions,
                      const char *sliding_scale,
                      const char *funder_id)
{
  SpOffering *offering = sp_offering_new ();

  offering->record.id = sp_uuid_new ();
  offering->provider_id = g_strdup (provider_id);
  offering->name = g_strdup (name);
  offering->modality = g_strdup ("yoga");
  offering->format = g_strdup ("group");
  offering->sessions = sessions;
  offering->fee_pence = fee_pence;
  offering->sliding_scale = sliding_scale ? sp_test_parse_json (sliding_scale) : NULL;
  if (funder_id != NULL)
    {
      const char * const funders[] = { funder_id, NULL };
      offering->funder_ids = g_strdupv ((char **) funders);
    }
  offering->targets_msk = g_strsplit ("low_back_pain,knee_pain", ",", -1);
  offering->targets_mh = g_strsplit ("anxiety,depression", ",", -1);
  offering->intensity = g_strdup ("gentle");
  offering->evidence = g_strdup ("moderate");
  offering->step = 2;
  offering->active = TRUE;
  return offering;
}

static inline SpOffering *
sp_test_add_offering (SpStore    *store,
                      const char *provider_id,
                      const char *name,
                      gint64      fee_pence,
                      gint64      sessions,
                      const char *sliding_scale,
                      const char *funder_id)
{
  g_autoptr(GError) error = NULL;
  SpOffering *offering = sp_test_offering_new (provider_id, name, fee_pence, sessions,
                                               sliding_scale, funder_id);

  g_assert_true (sp_store_save (store, &sp_entity_offering, offering, &error));
  g_assert_no_error (error);
  return offering;
}

static inline GBytes *
sp_test_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

/* Asserts a file holds exactly the bytes it held before. */
static inline void
sp_test_assert_file_unchanged (const char *path,
                               GBytes     *before)
{
  g_autoptr(GBytes) after = sp_test_read_file (path);

  g_assert_cmpuint (g_bytes_get_size (after), ==, g_bytes_get_size (before));
  g_assert_true (g_bytes_equal (after, before));
}

G_END_DECLS
