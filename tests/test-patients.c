/* test-patients.c — patients as a link worker records them
 *
 * NHS numbers and postcodes as people type them, duplicates, search,
 * conditions, measures, a caseload spreadsheet brought in, and amounts of
 * money typed at the desk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-patients"

#include "config.h"

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sp-error.h"
#include "sp-measure.h"
#include "sp-patient-import.h"
#include "sp-patients.h"
#include "sp-store-private.h"
#include "sp-validate.h"

#include "sp-test-util.h"

typedef SpTestStore Fixture;

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(null)", needle);
}

/* ---- NHS numbers --------------------------------------------------------------- */

static void
test_nhs_number_valid (void)
{
  const char * const inputs[] = {
    "9434765919", "943 476 5919", "943-476-5919", " 943 476 5919 ", "943  476\t5919", "94-34-76-59-19",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *digits = sp_nhs_number_normalize (inputs[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (digits, ==, "9434765919");
    }

  g_assert_true (sp_nhs_number_is_valid ("9434765919"));
  /* A check of 11 means 0. */
  g_assert_true (sp_nhs_number_is_valid ("4010232137"));
  g_assert_true (sp_nhs_number_is_valid ("0000000000"));
  g_assert_true (sp_nhs_number_is_valid ("9999975984"));

  {
    g_autofree char *formatted = sp_nhs_number_format ("9434765919");
    g_assert_cmpstr (formatted, ==, "943 476 5919");
  }
}

static void
assert_nhs_refused (const char *input,
                    const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *digits = sp_nhs_number_normalize (input, &error);

  g_assert_null (digits);
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  assert_contains (error->message, message_part);
}

static void
test_nhs_number_invalid (void)
{
  /* Wrong check digit: every other last digit of a valid number. */
  for (char last = '0'; last <= '9'; last++)
    {
      char number[] = "9434765919";

      number[9] = last;
      g_assert_cmpint (sp_nhs_number_is_valid (number), ==, last == '9');
      if (last != '9')
        assert_nhs_refused (number, "check digit");
    }
  assert_nhs_refused ("943 476 5918", "check digit");

  /* Digits 1–9 that give a check of 10: no tenth digit makes them valid. */
  for (char last = '0'; last <= '9'; last++)
    {
      char a[] = "1234567890";
      char b[] = "9999999930";

      a[9] = last;
      b[9] = last;
      g_assert_false (sp_nhs_number_is_valid (a));
      g_assert_false (sp_nhs_number_is_valid (b));
      assert_nhs_refused (a, "check digit");
    }

  /* Too short, too long: the message counts the digits. */
  assert_nhs_refused ("943 476 591", "9");
  assert_nhs_refused ("943 476 591", "ten digits");
  assert_nhs_refused ("943 476 59190", "11");
  assert_nhs_refused ("943 476 59190", "ten digits");
  g_assert_false (sp_nhs_number_is_valid ("943476591"));
  g_assert_false (sp_nhs_number_is_valid ("94347659190"));

  /* Letters and other marks. */
  assert_nhs_refused ("943 476 591O", "only digits");
  assert_nhs_refused ("NHS9434765919", "only digits");
  assert_nhs_refused ("943.476.5919", "only digits");
  g_assert_false (sp_nhs_number_is_valid ("943476591A"));
  g_assert_false (sp_nhs_number_is_valid ("943 476 59"));

  /* Nothing typed. */
  assert_nhs_refused ("", "NHS number");
  assert_nhs_refused (NULL, "NHS number");
  assert_nhs_refused ("   ", "ten digits");
}

/* ---- Postcodes ------------------------------------------------------------------ */

static void
test_postcode (void)
{
  const struct { const char *input, *expected; } good[] = {
    { "ls14ap", "LS1 4AP" }, { "LS1 4AP", "LS1 4AP" }, { " ls1  4ap ", "LS1 4AP" },
    { "sw1a1aa", "SW1A 1AA" }, { "SW1A 1AA", "SW1A 1AA" },
    { "m11ae", "M1 1AE" }, { "M1 1AE", "M1 1AE" },
    { "b338th", "B33 8TH" }, { "cr26xh", "CR2 6XH" },
    { "dn551pt", "DN55 1PT" }, { "w1a0ax", "W1A 0AX" },
    { "gir0aa", "GIR 0AA" }, { "GIR 0AA", "GIR 0AA" },
  };
  const char * const bad[] = {
    "12345", "LS1", "ABC 123", "LS1 4A", "LS1 44P", "1S1 4AP", "LS1 4AP X", "AAAA 1AA", "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *postcode = sp_postcode_normalize (good[i].input, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (postcode, ==, good[i].expected);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *postcode = sp_postcode_normalize (bad[i], &error);

      g_assert_null (postcode);
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      assert_contains (error->message, "postcode");
    }
}

/* ---- Adding and finding patients ------------------------------------------------ */

static void
test_add_normalized (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_patient_new ("  Ada ", "Lovelace ", "943-476-5919");
  g_autoptr(SpPatient) loaded = NULL;
  g_autoptr(GError) error = NULL;

  patient->postcode = g_strdup ("ls14ap");
  g_assert_true (sp_store_add_patient (fixture->store, patient, &error));
  g_assert_no_error (error);
  g_assert_true (sp_uuid_is_valid (patient->record.id));
  g_assert_cmpstr (patient->record.practice, ==, SP_TEST_PRACTICE);

  loaded = sp_store_get_patient (fixture->store, patient->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->nhs_number, ==, "9434765919");
  g_assert_cmpstr (loaded->postcode, ==, "LS1 4AP");
  g_assert_cmpstr (loaded->given_name, ==, "Ada");
  g_assert_cmpstr (loaded->family_name, ==, "Lovelace");
  g_assert_cmpstr (loaded->date_of_birth, ==, "1961-03-25");
  /* Unrecorded income pays the full fee until someone asks. */
  g_assert_cmpstr (loaded->income_band, ==, "unknown");
  g_assert_cmpstr (loaded->record.practice, ==, SP_TEST_PRACTICE);
  g_assert_cmpstr (loaded->record.updated_by, ==, SP_TEST_USER);

  /* Found again by NHS number however it is typed. */
  {
    g_autoptr(SpPatient) found = sp_store_find_patient (fixture->store, "943 476 5919", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (found->record.id, ==, patient->record.id);
  }
}

static void
test_add_refused (Fixture       *fixture,
                  gconstpointer  user_data)
{
  struct {
    const char *nhs, *given, *family, *dob, *postcode, *email, *message;
  } cases[] = {
    { "943 476 5918", "Ada", "Lovelace", NULL, NULL, NULL, "check digit" },
    { "9434765919", "", "Lovelace", NULL, NULL, NULL, "name" },
    { "9434765919", "Ada", "  ", NULL, NULL, NULL, "name" },
    { "9434765919", "Ada", "Lovelace", "25/03/1961", NULL, NULL, "date of birth" },
    { "9434765919", "Ada", "Lovelace", "2999-01-01", NULL, NULL, "2999-01-01" },
    { "9434765919", "Ada", "Lovelace", NULL, "LS1", NULL, "postcode" },
    { "9434765919", "Ada", "Lovelace", NULL, NULL, "ada.example.org", "email" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SpPatient) patient = sp_test_patient_new (cases[i].given, cases[i].family, cases[i].nhs);
      g_autoptr(GError) error = NULL;

      g_free (patient->date_of_birth);
      patient->date_of_birth = g_strdup (cases[i].dob);
      patient->postcode = g_strdup (cases[i].postcode);
      patient->email = g_strdup (cases[i].email);
      g_assert_false (sp_store_add_patient (fixture->store, patient, &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      assert_contains (error->message, cases[i].message);
    }
  {
    g_autoptr(SpPatient) patient = sp_test_patient_new ("Ada", "Lovelace", "9434765919");
    g_autoptr(GError) error = NULL;

    patient->income_band = g_strdup ("rich");
    g_assert_false (sp_store_add_patient (fixture->store, patient, &error));
    g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
    assert_contains (error->message, "rich");
  }

  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 0);
}

static void
test_duplicate (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(SpPatient) first = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpPatient) second = sp_test_patient_new ("Augusta", "King", "943 476 5919");
  g_autoptr(GError) error = NULL;
  g_autofree char *nhs = sp_test_nhs_number (0);
  g_autoptr(SpPatient) third = NULL;

  g_assert_false (sp_store_add_patient (fixture->store, second, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_DUPLICATE);
  /* The message names who is already there, so the user can open that record. */
  assert_contains (error->message, "Ada Lovelace");
  assert_contains (error->message, "943 476 5919");
  g_clear_error (&error);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 1);

  /* Editing another patient onto the same number is refused too. */
  third = sp_test_add_patient (fixture->store, "Grace", "Hopper", nhs, NULL);
  g_free (third->nhs_number);
  third->nhs_number = g_strdup ("9434765919");
  g_assert_false (sp_store_update_patient (fixture->store, third, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_DUPLICATE);
  assert_contains (error->message, "Ada Lovelace");
  g_clear_error (&error);
  {
    g_autofree char *stored = sp_test_query_text (fixture->store, "SELECT nhs_number FROM patient WHERE id = ?1",
                                                  third->record.id);
    g_assert_cmpstr (stored, ==, nhs);
  }

  /* Saving the first patient again is not a duplicate of itself. */
  g_free (first->notes);
  first->notes = g_strdup ("Prefers mornings.");
  g_assert_true (sp_store_update_patient (fixture->store, first, &error));
  g_assert_no_error (error);
}

static void
test_duplicate_other_practice (Fixture       *fixture,
                               gconstpointer  user_data)
{
  const char * const practices[] = { SP_TEST_PRACTICE, SP_TEST_OTHER_PRACTICE, NULL };
  g_autoptr(SpPatient) here = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpPatient) there = sp_test_patient_new ("Ada", "Lovelace", "9434765919");
  g_autoptr(SpPatient) again = sp_test_patient_new ("Ada", "Lovelace", "9434765919");
  g_autoptr(GError) error = NULL;

  /* A link worker covering two practices of a network: the same person
   * may be registered at each. */
  sp_store_set_actor (fixture->store, SP_TEST_USER, SP_ROLE_LINK_WORKER, practices);
  there->record.practice = g_strdup (SP_TEST_OTHER_PRACTICE);
  g_assert_true (sp_store_add_patient (fixture->store, there, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 2);
  {
    g_autofree char *practice = sp_test_query_text (fixture->store, "SELECT practice FROM patient WHERE id = ?1",
                                                    there->record.id);
    g_assert_cmpstr (practice, ==, SP_TEST_OTHER_PRACTICE);
  }

  /* But still only once in each. */
  again->record.practice = g_strdup (SP_TEST_OTHER_PRACTICE);
  g_assert_false (sp_store_add_patient (fixture->store, again, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 2);
}

static GPtrArray *
search (SpStore    *store,
        const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *found = sp_store_search_patients (store, text, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (found);
  return found;
}

static void
assert_found (SpStore    *store,
              const char *text,
              const char *first_family_name,
              guint       n)
{
  g_autoptr(GPtrArray) found = search (store, text);

  g_assert_cmpuint (found->len, ==, n);
  if (n > 0)
    g_assert_cmpstr (((SpPatient *) found->pdata[0])->family_name, ==, first_family_name);
}

static void
test_search (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *n0 = sp_test_nhs_number (0);
  g_autofree char *n1 = sp_test_nhs_number (1);
  g_autofree char *n2 = sp_test_nhs_number (2);
  g_autoptr(SpPatient) ada = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpPatient) grace = sp_test_add_patient (fixture->store, "Grace", "Hopper", n0, NULL);
  g_autoptr(SpPatient) alan = sp_test_add_patient (fixture->store, "Alan", "Turing", n1, NULL);
  g_autoptr(SpPatient) hedy = sp_test_add_patient (fixture->store, "Hedy", "Lamarr", n2, NULL);

  /* Names by prefix, any case, family or given name. */
  assert_found (fixture->store, "love", "Lovelace", 1);
  assert_found (fixture->store, "LOVE", "Lovelace", 1);
  assert_found (fixture->store, "ada", "Lovelace", 1);
  assert_found (fixture->store, "ada love", "Lovelace", 1);
  assert_found (fixture->store, "l", "Lamarr", 2);
  assert_found (fixture->store, "h", "Hopper", 2);
  assert_found (fixture->store, "ovelace", NULL, 0);
  assert_found (fixture->store, "%", NULL, 0);
  assert_found (fixture->store, "_", NULL, 0);

  /* NHS numbers by prefix, with or without spaces. */
  assert_found (fixture->store, "943", "Lovelace", 1);
  assert_found (fixture->store, "943 476 5919", "Lovelace", 1);
  assert_found (fixture->store, "999", "Hopper", 3);
  assert_found (fixture->store, "999 000", "Hopper", 3);
  assert_found (fixture->store, n1, "Turing", 1);
  assert_found (fixture->store, "944", NULL, 0);

  /* Everything, in name order. */
  {
    g_autoptr(GPtrArray) all = search (fixture->store, "");
    g_assert_cmpuint (all->len, ==, 4);
    g_assert_cmpstr (((SpPatient *) all->pdata[0])->family_name, ==, "Hopper");
    g_assert_cmpstr (((SpPatient *) all->pdata[3])->family_name, ==, "Turing");
  }
  /* The limit is kept. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) two = sp_store_search_patients (fixture->store, "", 2, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (two->len, ==, 2);
  }
}

static void
test_search_own_practices (Fixture       *fixture,
                           gconstpointer  user_data)
{
  const char * const both[] = { SP_TEST_PRACTICE, SP_TEST_OTHER_PRACTICE, NULL };
  const char * const here_only[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(SpPatient) here = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpPatient) there = sp_test_patient_new ("Grace", "Lovelock", "4010232137");
  g_autoptr(GError) error = NULL;

  sp_store_set_actor (fixture->store, SP_TEST_USER, SP_ROLE_LINK_WORKER, both);
  there->record.practice = g_strdup (SP_TEST_OTHER_PRACTICE);
  g_assert_true (sp_store_add_patient (fixture->store, there, &error));
  g_assert_no_error (error);
  assert_found (fixture->store, "Lovela", "Lovelace", 1);
  assert_found (fixture->store, "Lovel", "Lovelace", 2);

  /* A user granted only this practice never sees the other's patients. */
  sp_store_set_actor (fixture->store, SP_TEST_USER, SP_ROLE_LINK_WORKER, here_only);
  assert_found (fixture->store, "Lovel", "Lovelace", 1);
  assert_found (fixture->store, "401", NULL, 0);
  assert_found (fixture->store, "Grace", NULL, 0);
}

/* ---- Conditions ------------------------------------------------------------------- */

static void
test_conditions (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpCondition) back = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  const struct { const char *kind, *code, *message; } refused[] = {
    { "msk", "broken_heart", "broken_heart" },
    { "mh", "low_back_pain", "low_back_pain" },  /* an MSK code is not an MH one */
    { "msk", "anxiety", "anxiety" },
    { "skin", "eczema", "skin" },
    { "msk", NULL, "musculoskeletal" },
  };

  g_assert_false (sp_store_patient_is_comorbid (fixture->store, patient->record.id));

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(SpCondition) c = sp_condition_new ();

      c->patient_id = g_strdup (patient->record.id);
      c->kind = g_strdup (refused[i].kind);
      c->code = g_strdup (refused[i].code);
      g_assert_false (sp_store_add_condition (fixture->store, c, &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      assert_contains (error->message, refused[i].message);
      g_clear_error (&error);
    }
  g_assert_cmpint (sp_test_count_rows (fixture->store, "condition"), ==, 0);

  /* MSK only: not comorbid. */
  back = sp_test_add_condition (fixture->store, patient->record.id, "msk", "low_back_pain");
  g_assert_cmpstr (back->record.practice, ==, SP_TEST_PRACTICE);
  g_assert_false (sp_store_patient_is_comorbid (fixture->store, patient->record.id));
  {
    g_autoptr(SpCondition) knee = sp_test_add_condition (fixture->store, patient->record.id, "msk", "knee_pain");
  }
  g_assert_false (sp_store_patient_is_comorbid (fixture->store, patient->record.id));

  /* The same code twice is refused, naming the condition. */
  {
    g_autoptr(SpCondition) again = sp_condition_new ();
    again->patient_id = g_strdup (patient->record.id);
    again->kind = g_strdup ("msk");
    again->code = g_strdup ("low_back_pain");
    g_assert_false (sp_store_add_condition (fixture->store, again, &error));
    g_assert_error (error, SP_ERROR, SP_ERROR_DUPLICATE);
    assert_contains (error->message, "Low back pain");
    g_clear_error (&error);
  }

  /* One MH condition as well: comorbid. */
  {
    g_autoptr(SpCondition) mood = sp_test_add_condition (fixture->store, patient->record.id, "mh", "depression");
  }
  g_assert_true (sp_store_patient_is_comorbid (fixture->store, patient->record.id));

  listed = sp_store_list_conditions (fixture->store, patient->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 3);
  g_assert_true (sp_conditions_are_comorbid (listed));

  /* Removing the MSK ones leaves MH only: no longer comorbid. */
  for (guint i = 0; i < listed->len; i++)
    {
      SpCondition *c = listed->pdata[i];
      if (g_str_equal (c->kind, "msk"))
        {
          g_assert_true (sp_store_remove (fixture->store, &sp_entity_condition, c->record.id, &error));
          g_assert_no_error (error);
        }
    }
  g_assert_false (sp_store_patient_is_comorbid (fixture->store, patient->record.id));

  /* A condition of a patient who is not there. */
  {
    g_autoptr(SpCondition) orphan = sp_condition_new ();
    orphan->patient_id = sp_uuid_new ();
    orphan->kind = g_strdup ("mh");
    orphan->code = g_strdup ("anxiety");
    g_assert_false (sp_store_add_condition (fixture->store, orphan, &error));
    g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
}

static void
test_comorbid_pure (void)
{
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_condition_free);
  SpCondition *msk = sp_condition_new ();
  SpCondition *mh = sp_condition_new ();

  msk->kind = g_strdup ("msk");
  msk->code = g_strdup ("neck_pain");
  mh->kind = g_strdup ("mh");
  mh->code = g_strdup ("stress");

  g_assert_false (sp_conditions_are_comorbid (NULL));
  g_assert_false (sp_conditions_are_comorbid (conditions));
  g_ptr_array_add (conditions, mh);
  g_assert_false (sp_conditions_are_comorbid (conditions));
  g_ptr_array_add (conditions, msk);
  g_assert_true (sp_conditions_are_comorbid (conditions));
  /* A deleted condition does not count. */
  msk->record.deleted = TRUE;
  g_assert_false (sp_conditions_are_comorbid (conditions));
}

/* ---- Assessments --------------------------------------------------------------- */

static SpAssessment *
assessment_new (const char *patient_id,
                const char *measure,
                const char *answers)
{
  SpAssessment *a = sp_assessment_new ();

  a->patient_id = g_strdup (patient_id);
  a->measure = g_strdup (measure);
  a->answers = sp_test_parse_json (answers);
  return a;
}

static void
test_assessments (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GError) error = NULL;
  const struct { const char *measure, *answers, *message; } refused[] = {
    { "phq9", "[0,1,2,3,4,0,0,0,0]", "question 5" },    /* 4 is above PHQ-9's 0–3 */
    { "phq9", "[0,1,2,3,-2,0,0,0,0]", "question 5" },
    { "gad7", "[0,1,2,3,0,0]", "expected 7" },
    { "swemwbs", "[0,3,3,3,3,3,3]", "question 1" },     /* SWEMWBS items are 1–5 */
    { "mskhq", "[5,4,4,4,4,4,4,4,4,4,4,4,4,4]", "question 1" },
    { "pain_nrs", "[11]", "question 1" },
    { "phq9", "[0,1,2,\"3\",0,0,0,0,0]", "whole numbers" },
    { "eq5d5l", "[1,1,1,1,1]", "eq5d5l" },
  };
  gint answers[SP_MEASURE_MAX_ITEMS];
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(SpAssessment) a = assessment_new (patient->record.id, refused[i].measure, refused[i].answers);

      g_assert_false (sp_store_add_assessment (fixture->store, a, &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      assert_contains (error->message, refused[i].message);
      g_clear_error (&error);
    }
  g_assert_cmpint (sp_test_count_rows (fixture->store, "assessment"), ==, 0);

  /* A full PHQ-9 at its top, and a GAD-7 with a skipped item, round-trip. */
  {
    g_autoptr(SpAssessment) phq = assessment_new (patient->record.id, "phq9", "[3,3,3,3,3,3,3,3,3]");
    g_autoptr(SpAssessment) gad = assessment_new (patient->record.id, "gad7", "[0,1,2,null,3,2,1]");

    phq->taken_at = g_strdup ("2026-02-01T10:00:00Z");
    g_assert_true (sp_store_add_assessment (fixture->store, phq, &error));
    g_assert_no_error (error);
    gad->stage = g_strdup ("follow_up");
    g_assert_true (sp_store_add_assessment (fixture->store, gad, &error));
    g_assert_no_error (error);
  }

  stored = sp_store_list_assessments (fixture->store, patient->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 2);

  /* Listed by measure: gad7 first. */
  {
    SpAssessment *gad = stored->pdata[0];
    const gint expected[] = { 0, 1, 2, SP_ANSWER_MISSING, 3, 2, 1 };

    g_assert_cmpstr (gad->measure, ==, "gad7");
    g_assert_cmpstr (gad->stage, ==, "follow_up");
    g_assert_cmpstr (gad->taken_at, ==, SP_TEST_CLOCK);
    g_assert_cmpstr (gad->record.practice, ==, SP_TEST_PRACTICE);
    g_assert_true (sp_assessment_answers (gad, answers, &n));
    g_assert_cmpuint (n, ==, 7);
    g_assert_cmpmem (answers, n * sizeof (gint), expected, sizeof expected);
    g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (json_node_get_array (gad->answers), 3)));
  }
  {
    SpAssessment *phq = stored->pdata[1];

    g_assert_cmpstr (phq->measure, ==, "phq9");
    g_assert_cmpstr (phq->stage, ==, "baseline");
    g_assert_cmpstr (phq->taken_at, ==, "2026-02-01T10:00:00Z");
    g_assert_true (sp_assessment_answers (phq, answers, &n));
    g_assert_cmpuint (n, ==, 9);
    for (guint i = 0; i < n; i++)
      g_assert_cmpint (answers[i], ==, 3);
  }

  /* An unknown stage, or a patient who is not there, is refused. */
  {
    g_autoptr(SpAssessment) a = assessment_new (patient->record.id, "pain_nrs", "[7]");
    a->stage = g_strdup ("halfway");
    g_assert_false (sp_store_add_assessment (fixture->store, a, &error));
    g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
    g_clear_error (&error);
  }
  {
    g_autoptr(SpAssessment) a = assessment_new ("6f1c1b8e-5d0a-4c1e-9a57-3f8e2b7c9d10", "pain_nrs", "[7]");
    g_assert_false (sp_store_add_assessment (fixture->store, a, &error));
    g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_cmpint (sp_test_count_rows (fixture->store, "assessment"), ==, 2);
}

/* A skipped question is null. An answer of -1 is below every scale, and
 * must not be stored as if it were a skip (nor summed by whoever reads the
 * synced answers next). */
static void
test_assessment_negative_answer (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autoptr(SpPatient) patient = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  g_autoptr(SpAssessment) a = assessment_new (patient->record.id, "phq9", "[0,1,2,3,-1,0,0,0,0]");
  g_autoptr(GError) error = NULL;

  g_assert_false (sp_store_add_assessment (fixture->store, a, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "assessment"), ==, 0);
}

/* ---- Importing a caseload spreadsheet ------------------------------------------- */

/* Line 1 header (with a BOM); line 2–3 one row whose quoted notes hold a
 * comma and a line break; line 4 a wrong check digit; line 5 an impossible
 * date; line 6 a good row; line 7 repeats line 2's NHS number; line 8 an
 * unknown condition; line 9 a row without a family name. */
static const char import_csv[] =
  "\xEF\xBB\xBF" "NHS number,First name,Surname,Date of birth,Postcode,Notes,MSK,MH,Favourite colour\r\n"
  "943 476 5919,Ada,Lovelace,10/12/1985,ls1 4ap,\"Prefers mornings, not Mondays\nUses a stick\",Low back pain,anxiety,blue\r\n"
  "943 476 5918,Bad,Check,01/01/1970,LS1 4AP,,,,red\r\n"
  "401 023 2137,Grace,Hopper,31/13/1980,,,,,\r\n"
  "999-000-0018,Alan,Turing,23/06/1962,SW1A 1AA,\"He said \"\"hello\"\"\",knee_pain;hip_pain,depression,green\r\n"
  "9434765919,Augusta,King,01/02/1990,,,,,\r\n"
  "4010232137,Hedy,Lamarr,09/11/1964,,,broken leg,,\r\n"
  "9990000026,Only,,09/11/1964,,,,,\r\n";

static char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (fixture->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static void
assert_problem (SpPatientImport *import,
                guint            index,
                guint            line,
                const char      *reason_part)
{
  SpImportProblem *problem;

  g_assert_cmpuint (index, <, import->problems->len);
  problem = import->problems->pdata[index];
  g_assert_cmpuint (problem->line, ==, line);
  assert_contains (problem->reason, reason_part);
}

static void
assert_import_report (SpPatientImport *import)
{
  g_assert_cmpuint (import->n_rows, ==, 7);
  g_assert_cmpuint (import->n_saved, ==, 2);
  g_assert_cmpuint (import->problems->len, ==, 5);
  assert_problem (import, 0, 4, "check digit");
  assert_problem (import, 1, 5, "31/13/1980");
  assert_problem (import, 2, 7, "Ada Lovelace");
  assert_problem (import, 3, 8, "broken leg");
  assert_problem (import, 4, 9, "name");
  g_assert_nonnull (import->ignored_columns);
  g_assert_cmpuint (g_strv_length (import->ignored_columns), ==, 1);
  g_assert_cmpstr (import->ignored_columns[0], ==, "Favourite colour");
}

static void
test_import (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *path = write_file (fixture, "caseload.csv", import_csv);
  g_autoptr(SpPatientImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) ada = NULL;
  g_autoptr(SpPatient) alan = NULL;

  import = sp_store_import_patients (fixture->store, path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (import);
  g_assert_false (import->dry_run);
  assert_import_report (import);

  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 2);

  ada = sp_store_find_patient (fixture->store, "9434765919", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ada->given_name, ==, "Ada");
  g_assert_cmpstr (ada->family_name, ==, "Lovelace");
  g_assert_cmpstr (ada->date_of_birth, ==, "1985-12-10");
  g_assert_cmpstr (ada->postcode, ==, "LS1 4AP");
  g_assert_cmpstr (ada->notes, ==, "Prefers mornings, not Mondays\nUses a stick");
  g_assert_cmpstr (ada->record.practice, ==, SP_TEST_PRACTICE);
  g_assert_true (sp_store_patient_is_comorbid (fixture->store, ada->record.id));

  alan = sp_store_find_patient (fixture->store, "999 000 0018", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alan->family_name, ==, "Turing");
  g_assert_cmpstr (alan->date_of_birth, ==, "1962-06-23");
  g_assert_cmpstr (alan->notes, ==, "He said \"hello\"");
  {
    g_autoptr(GPtrArray) conditions = sp_store_list_conditions (fixture->store, alan->record.id, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (conditions->len, ==, 3);
  }

  /* The rejected rows left nothing behind: no patient, no condition. */
  g_assert_cmpint (sp_test_count_rows (fixture->store, "condition"), ==, 2 + 3);
  g_assert_cmpint (sp_test_query_int (fixture->store, "SELECT count(*) FROM patient WHERE nhs_number = ?1",
                                      "4010232137"), ==, 0);
  g_assert_cmpint (sp_test_query_int (fixture->store, "SELECT count(*) FROM outbox WHERE entity = 'patient'",
                                      NULL), ==, 2);
}

static void
test_import_dry_run (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *path = write_file (fixture, "caseload.csv", import_csv);
  g_autoptr(SpPatientImport) import = NULL;
  g_autoptr(GError) error = NULL;

  import = sp_store_import_patients (fixture->store, path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (import->dry_run);
  /* The same report as the real thing... */
  assert_import_report (import);
  /* ...and nothing saved. */
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "condition"), ==, 0);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "audit_event"), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 0);

  /* The store is not left in a transaction. */
  sp_test_store_reopen (fixture);
  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 0);
  {
    g_autoptr(SpPatient) p = sp_test_add_patient (fixture->store, "Ada", "Lovelace", "9434765919", NULL);
  }
}

static void
test_import_refused (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *no_nhs = write_file (fixture, "no-nhs.csv",
                                        "First name,Surname,Date of birth\nAda,Lovelace,10/12/1985\n");
  g_autofree char *no_name = write_file (fixture, "no-name.csv", "NHS number,Postcode\n9434765919,LS1 4AP\n");
  g_autofree char *empty = write_file (fixture, "empty.csv", "");
  g_autofree char *open_quote = write_file (fixture, "quote.csv",
                                            "NHS number,Name\n9434765919,\"Lovelace, Ada\n");
  g_autofree char *missing = g_build_filename (fixture->dir, "not-there.csv", NULL);
  const char *paths[] = { no_nhs, no_name, empty, open_quote };
  const char *messages[] = { "NHS number", "name", "empty", "line 2" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpPatientImport) import = sp_store_import_patients (fixture->store, paths[i], FALSE, &error);

      g_assert_null (import);
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      assert_contains (error->message, messages[i]);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SpPatientImport) import = sp_store_import_patients (fixture->store, missing, FALSE, &error);

    g_assert_null (import);
    g_assert_nonnull (error);
  }

  g_assert_cmpint (sp_test_count_rows (fixture->store, "patient"), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (fixture->store), ==, 0);
}

static void
test_import_full_name (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autofree char *path = write_file (fixture, "names.csv",
                                      "NHS No,Patient name,DOB,Gender\n"
                                      "9434765919,\"Lovelace, Ada\",1985-12-10,F\n"
                                      "4010232137,Grace Brewster Hopper,09-12-1936,female\n");
  g_autoptr(SpPatientImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) ada = NULL;
  g_autoptr(SpPatient) grace = NULL;

  import = sp_store_import_patients (fixture->store, path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (import->n_saved, ==, 2);
  g_assert_cmpuint (import->problems->len, ==, 0);

  ada = sp_store_find_patient (fixture->store, "9434765919", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ada->given_name, ==, "Ada");
  g_assert_cmpstr (ada->family_name, ==, "Lovelace");
  g_assert_cmpstr (ada->sex, ==, "female");
  grace = sp_store_find_patient (fixture->store, "4010232137", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (grace->given_name, ==, "Grace Brewster");
  g_assert_cmpstr (grace->family_name, ==, "Hopper");
  g_assert_cmpstr (grace->date_of_birth, ==, "1936-12-09");
}

/* ---- Money as typed ------------------------------------------------------------- */

static void
test_money_parse (void)
{
  const struct { const char *input; gint64 pence; } good[] = {
    { "12.50", 1250 }, { "£3", 300 }, { "12.5", 1250 }, { "0.01", 1 }, { "  7.05 ", 705 },
    { "£12.50", 1250 }, { "-2.50", -250 }, { "-£2.50", -250 }, { "0", 0 }, { ".5", 50 },
    { "1000000", 100000000 }, { "£1,250.00", 125000 }, { "1,000,000", 100000000 },
    { "−£2.50", -250 },
  };
  const char * const bad[] = {
    "12.345", "", "£", "twelve", "12,50", "1,2500", "1,25", ",500", "1.2.3", "12 50", "£-3", "--1", NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 pence = -999;

      g_assert_true (sp_money_parse (good[i].input, &pence, &error));
      g_assert_no_error (error);
      g_assert_cmpint (pence, ==, good[i].pence);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 pence = -999;

      g_assert_false (sp_money_parse (bad[i], &pence, &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
      assert_contains (error->message, "12.50");
      /* A refused amount leaves the caller's value alone. */
      g_assert_cmpint (pence, ==, -999);
    }
}

static void
test_money_format (void)
{
  const struct { gint64 pence; const char *text; } cases[] = {
    { 1250, "£12.50" }, { 300, "£3.00" }, { 0, "£0.00" }, { 1, "£0.01" }, { 99, "£0.99" },
    { 100000000, "£1,000,000.00" }, { 123456, "£1,234.56" }, { 99999, "£999.99" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = sp_money_format (cases[i].pence);
      gint64 back = 0;

      g_assert_cmpstr (text, ==, cases[i].text);
      /* What is shown reads back as the same amount. */
      g_assert_true (sp_money_parse (text, &back, NULL));
      g_assert_cmpint (back, ==, cases[i].pence);
    }

  /* A negative amount (a reversal) shows a minus sign before the pound sign. */
  {
    g_autofree char *text = sp_money_format (-250);
    g_assert_true (g_str_has_prefix (text, "−") || g_str_has_prefix (text, "-"));
    g_assert_true (g_str_has_suffix (text, "£2.50"));
  }
  {
    g_autofree char *text = sp_money_format (G_MININT64);
    g_assert_true (g_str_has_prefix (text, "−") || g_str_has_prefix (text, "-"));
    g_assert_true (g_str_has_suffix (text, "£92,233,720,368,547,758.08"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, sp_test_store_setup, func, sp_test_store_teardown)

  g_test_add_func ("/patients/nhs-number/valid", test_nhs_number_valid);
  g_test_add_func ("/patients/nhs-number/invalid", test_nhs_number_invalid);
  g_test_add_func ("/patients/postcode", test_postcode);
  ADD ("/patients/add/normalized", test_add_normalized);
  ADD ("/patients/add/refused", test_add_refused);
  ADD ("/patients/add/duplicate", test_duplicate);
  ADD ("/patients/add/duplicate-other-practice", test_duplicate_other_practice);
  ADD ("/patients/search/prefix", test_search);
  ADD ("/patients/search/own-practices", test_search_own_practices);
  ADD ("/patients/conditions/vocabulary", test_conditions);
  g_test_add_func ("/patients/conditions/comorbid", test_comorbid_pure);
  ADD ("/patients/assessments/round-trip", test_assessments);
  ADD ("/patients/assessments/negative-answer", test_assessment_negative_answer);
  ADD ("/patients/import/csv", test_import);
  ADD ("/patients/import/dry-run", test_import_dry_run);
  ADD ("/patients/import/refused", test_import_refused);
  ADD ("/patients/import/full-name", test_import_full_name);
  g_test_add_func ("/patients/money/parse", test_money_parse);
  g_test_add_func ("/patients/money/format", test_money_format);

#undef ADD

  return g_test_run ();
}
