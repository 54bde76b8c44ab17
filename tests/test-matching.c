/* test-matching.c — matching a patient to offerings, as a link worker sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-matching"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sp-error.h"
#include "sp-match.h"
#include "sp-patients.h"
#include "sp-validate.h"

#define TODAY "2025-06-01"

/* Hammersmith-ish; 0.009° of latitude is about 1 km. */
#define HOME_LAT 51.4927
#define HOME_LON (-0.2240)
#define KM_LAT 0.008993

typedef struct
{
  SpPatient    *patient;
  GPtrArray    *conditions;
  GPtrArray    *offerings;
  GPtrArray    *referrals;
  SpMatchInput  input;
} Fixture;

static void
add_condition (Fixture    *f,
               const char *kind,
               const char *code)
{
  SpCondition *c = sp_condition_new ();

  c->record.id = g_strdup_printf ("cond-%s", code);
  c->patient_id = g_strdup (f->patient->record.id);
  c->kind = g_strdup (kind);
  c->code = g_strdup (code);
  g_ptr_array_add (f->conditions, c);
}

/* A comorbid patient aged 55 with low back pain and anxiety, no limits. */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  SpPatient *p = sp_patient_new ();

  p->record.id = g_strdup ("patient-1");
  p->record.practice = g_strdup ("A81001");
  p->given_name = g_strdup ("Ann");
  p->family_name = g_strdup ("Example");
  p->date_of_birth = g_strdup ("1970-05-01");
  p->postcode = g_strdup ("W6 9AB");
  p->lat = HOME_LAT;
  p->lon = HOME_LON;
  p->travel = g_strdup ("any");
  p->income_band = g_strdup ("standard");
  f->patient = p;

  f->conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_condition_free);
  f->offerings = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_offering_free);
  f->referrals = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_referral_free);
  add_condition (f, "msk", "low_back_pain");
  add_condition (f, "mh", "anxiety");

  f->input.patient = f->patient;
  f->input.conditions = f->conditions;
  f->input.offerings = f->offerings;
  f->input.referrals = f->referrals;
  f->input.completed_step = 0;
  f->input.completed_change = SP_CHANGE_INCOMPLETE;
  f->input.today = TODAY;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  sp_patient_free (f->patient);
  g_ptr_array_unref (f->conditions);
  g_ptr_array_unref (f->offerings);
  g_ptr_array_unref (f->referrals);
}

/* An offering that fits the fixture patient on every count, 1 km away. */
static SpOffering *
add_offering (Fixture    *f,
              const char *id,
              const char *name)
{
  SpOffering *o = sp_offering_new ();

  o->record.id = g_strdup (id);
  o->provider_id = g_strdup ("provider-1");
  o->name = g_strdup (name);
  o->modality = g_strdup ("yoga");
  o->format = g_strdup ("group");
  o->postcode = g_strdup ("W6 0XY");
  o->lat = HOME_LAT + KM_LAT;
  o->lon = HOME_LON;
  o->sessions = 8;
  o->fee_pence = 0;
  o->targets_msk = g_strsplit ("low_back_pain", ",", -1);
  o->targets_mh = g_strsplit ("anxiety", ",", -1);
  o->evidence = g_strdup ("moderate");
  o->step = 2;
  o->active = TRUE;
  o->last_verified = g_strdup ("2025-01-15");
  g_ptr_array_add (f->offerings, o);
  return o;
}

static void
set_strv (char       ***field,
          const char   *comma_separated)
{
  g_strfreev (*field);
  *field = comma_separated ? g_strsplit (comma_separated, ",", -1) : NULL;
}

static void
set_str (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static SpMatch *
find_in (GPtrArray  *list,
         const char *id)
{
  for (guint i = 0; i < list->len; i++)
    {
      SpMatch *m = list->pdata[i];
      if (g_strcmp0 (m->offering->record.id, id) == 0)
        return m;
    }
  return NULL;
}

static gint
rank_of (SpMatchResult *result,
         const char    *id)
{
  for (guint i = 0; i < result->matches->len; i++)
    if (g_strcmp0 (((SpMatch *) result->matches->pdata[i])->offering->record.id, id) == 0)
      return (gint) i;
  return -1;
}

static gboolean
has_reason (const SpMatch *m,
            const char    *part)
{
  for (guint i = 0; m->reasons != NULL && i < m->reasons->len; i++)
    if (strstr (m->reasons->pdata[i], part) != NULL)
      return TRUE;
  return FALSE;
}

/* Asserts @id is excluded, never matched, and that the reason says @part. */
static void
assert_excluded (SpMatchResult *result,
                 const char    *id,
                 const char    *part)
{
  SpMatch *m = find_in (result->excluded, id);

  g_assert_nonnull (m);
  g_assert_null (find_in (result->matches, id));
  g_assert_nonnull (m->excluded_because);
  g_assert_null (m->reasons);
  if (strstr (m->excluded_because, part) == NULL)
    g_error ("“%s” does not say “%s”", m->excluded_because, part);
}

static SpMatch *
assert_matched (SpMatchResult *result,
                const char    *id)
{
  SpMatch *m = find_in (result->matches, id);

  if (m == NULL)
    {
      SpMatch *x = find_in (result->excluded, id);
      g_error ("%s was excluded: %s", id, x ? x->excluded_because : "(missing)");
    }
  g_assert_null (m->excluded_because);
  g_assert_nonnull (m->reasons);
  return m;
}

/* ---- Ranking -------------------------------------------------------------- */

static void
test_comorbid_first (Fixture       *f,
                     gconstpointer  data)
{
  SpOffering *msk_only, *mh_only;
  g_autoptr(SpMatchResult) result = NULL;
  SpMatch *both;

  add_offering (f, "both", "Yoga for back pain and anxiety");
  /* The single-sided ones are better on everything else. */
  msk_only = add_offering (f, "msk-only", "Back class");
  set_strv (&msk_only->targets_mh, NULL);
  set_str (&msk_only->evidence, "strong");
  msk_only->step = 1;
  mh_only = add_offering (f, "mh-only", "Anxiety group");
  set_strv (&mh_only->targets_msk, NULL);
  set_str (&mh_only->evidence, "strong");

  result = sp_match (&f->input);

  g_assert_cmpuint (result->matches->len, ==, 3);
  g_assert_cmpint (rank_of (result, "both"), ==, 0);
  both = result->matches->pdata[0];
  g_assert_cmpstr (both->reasons->pdata[0], ==,
                   "Covers both the musculoskeletal problem (Low back pain) and the mental-health problem (Anxiety)");
  g_assert_cmpint (both->score, >, ((SpMatch *) result->matches->pdata[1])->score);
  g_assert_true (has_reason (find_in (result->matches, "msk-only"),
                             "Covers the musculoskeletal problem (Low back pain), but not the mental-health problem"));
  g_assert_true (has_reason (find_in (result->matches, "mh-only"),
                             "Covers the mental-health problem (Anxiety), but not the musculoskeletal problem"));
  g_assert_true (has_reason (both, "Moderate evidence"));
  g_assert_true (has_reason (both, "No waiting list"));
  g_assert_true (has_reason (both, "Free of charge"));
  g_assert_true (has_reason (both, "About 1.0 km away"));
}

static void
test_more_conditions_covered (Fixture       *f,
                              gconstpointer  data)
{
  SpOffering *wide;
  g_autoptr(SpMatchResult) result = NULL;

  add_condition (f, "msk", "knee_pain");
  add_offering (f, "narrow", "A narrow class");
  wide = add_offering (f, "wide", "B wide class");
  set_strv (&wide->targets_msk, "knee_pain,low_back_pain");

  result = sp_match (&f->input);

  g_assert_cmpint (rank_of (result, "wide"), ==, 0);
  g_assert_true (has_reason (assert_matched (result, "wide"),
                             "the musculoskeletal problems (Low back pain, Knee pain)"));
  g_assert_true (has_reason (assert_matched (result, "wide"), "Covers 3 of the 3 conditions recorded"));
  g_assert_true (has_reason (assert_matched (result, "narrow"), "Covers 2 of the 3 conditions recorded"));
}

static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  SpOffering *preferred, *plain;
  g_autoptr(SpMatchResult) result = NULL;
  SpMatch *m;

  set_strv (&f->patient->preferred_formats, "group");
  set_strv (&f->patient->preferred_days, "tue,thu");
  preferred = add_offering (f, "preferred", "Z preferred");
  preferred->schedule = json_from_string ("[{\"day\": \"thu\", \"start\": \"10:00\", \"end\": \"11:00\"},"
                                          " {\"day\": \"mon\", \"start\": \"10:00\", \"end\": \"11:00\"},"
                                          " {\"day\": \"thu\", \"start\": \"14:00\", \"end\": \"15:00\"},"
                                          " {\"day\": \"tue\", \"start\": \"10:00\", \"end\": \"11:00\"}]", NULL);
  preferred->wait_weeks = 3;
  plain = add_offering (f, "plain", "A plain");
  set_str (&plain->format, "one_to_one");
  plain->schedule = json_from_string ("[{\"day\": \"sat\", \"start\": \"10:00\", \"end\": \"11:00\"}]", NULL);
  plain->wait_weeks = 3;

  result = sp_match (&f->input);

  m = assert_matched (result, "preferred");
  g_assert_cmpint (rank_of (result, "preferred"), ==, 0);
  g_assert_true (has_reason (m, "In a format this patient prefers: Group"));
  g_assert_true (has_reason (m, "Runs on a day this patient prefers: Thursday, Tuesday"));
  g_assert_true (has_reason (m, "Waiting list of about 3 weeks"));
  m = assert_matched (result, "plain");
  g_assert_false (has_reason (m, "prefers"));
}

static void
test_waiting_and_evidence (Fixture       *f,
                           gconstpointer  data)
{
  SpOffering *slow, *weak;
  g_autoptr(SpMatchResult) result = NULL;

  add_offering (f, "ready", "C ready");
  slow = add_offering (f, "slow", "A slow");
  slow->wait_weeks = 1;
  weak = add_offering (f, "weak", "B weak");
  set_str (&weak->evidence, "limited");

  result = sp_match (&f->input);

  g_assert_cmpint (rank_of (result, "ready"), ==, 0);
  g_assert_true (has_reason (assert_matched (result, "slow"), "Waiting list of about 1 week"));
  g_assert_true (has_reason (assert_matched (result, "weak"), "Limited evidence"));
}

static void
test_unverified (Fixture       *f,
                 gconstpointer  data)
{
  SpOffering *old, *never;
  g_autoptr(SpMatchResult) result = NULL;
  SpMatch *m;

  add_offering (f, "checked", "Z checked");
  old = add_offering (f, "old", "A old");
  set_str (&old->last_verified, "2024-05-31");
  never = add_offering (f, "never", "B never");
  set_str (&never->last_verified, NULL);
  /* Exactly twelve months is still recent enough. */
  set_str (&add_offering (f, "year", "Y year")->last_verified, "2024-06-01");

  result = sp_match (&f->input);

  g_assert_cmpint (rank_of (result, "checked"), <, rank_of (result, "old"));
  m = assert_matched (result, "old");
  g_assert_true (has_reason (m, "Details last checked on 2024-05-31 — confirm before referring"));
  g_assert_cmpint (m->score, <, assert_matched (result, "checked")->score);
  g_assert_true (has_reason (assert_matched (result, "never"), "never been checked"));
  g_assert_false (has_reason (assert_matched (result, "year"), "confirm before referring"));
}

/* ---- Hard filters --------------------------------------------------------- */

static void
test_inactive (Fixture       *f,
               gconstpointer  data)
{
  SpOffering *stopped;
  g_autoptr(SpMatchResult) result = NULL;

  stopped = add_offering (f, "stopped", "Stopped class");
  stopped->active = FALSE;
  set_str (&stopped->evidence, "strong");
  add_offering (f, "running", "Running class");

  result = sp_match (&f->input);

  assert_excluded (result, "stopped", "No longer running");
  assert_matched (result, "running");
  g_assert_cmpint (result->excluded->len, ==, 1);
}

/* Imported from a directory feed and not yet classified: never matched,
 * however well it would otherwise score. */
static void
test_needs_review (Fixture       *f,
                   gconstpointer  data)
{
  SpOffering *imported;
  g_autoptr(SpMatchResult) result = NULL;

  imported = add_offering (f, "imported", "Imported class");
  imported->needs_review = TRUE;
  set_str (&imported->evidence, "strong");
  add_offering (f, "curated", "Curated class");

  result = sp_match (&f->input);

  assert_excluded (result, "imported", "Not yet checked by the catalogue admin");
  assert_matched (result, "curated");
}

static void
test_already_referred (Fixture       *f,
                       gconstpointer  data)
{
  const char *statuses[] = { "accepted", "completed" };
  const char *offerings[] = { "open", "done" };
  g_autoptr(SpMatchResult) result = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      SpReferral *r = sp_referral_new ();

      r->record.id = g_strdup_printf ("referral-%u", i);
      r->patient_id = g_strdup (f->patient->record.id);
      r->offering_id = g_strdup (offerings[i]);
      r->status = g_strdup (statuses[i]);
      g_ptr_array_add (f->referrals, r);
      add_offering (f, offerings[i], offerings[i]);
    }

  result = sp_match (&f->input);

  assert_excluded (result, "open", "Already referred");
  assert_excluded (result, "open", "Accepted");
  assert_matched (result, "done");
}

static void
test_age (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(SpMatchResult) result = NULL;

  add_offering (f, "older", "Over 75s")->age_min = 75;
  add_offering (f, "younger", "Young people")->age_max = 25;
  add_offering (f, "band", "Band")->age_min = 18;
  ((SpOffering *) f->offerings->pdata[2])->age_max = 40;
  add_offering (f, "adults", "Adults")->age_min = 18;

  result = sp_match (&f->input);

  assert_excluded (result, "older", "For ages 75 and over; this patient is 55");
  assert_excluded (result, "younger", "For ages up to 25; this patient is 55");
  assert_excluded (result, "band", "For ages 18 to 40; this patient is 55");
  assert_matched (result, "adults");
}

static void
test_contraindicated (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SpMatchResult) result = NULL;

  set_strv (&f->patient->precautions, "falls_risk,pregnancy");
  set_strv (&add_offering (f, "acupuncture", "Acupuncture")->contraindications, "bleeding_disorder,pregnancy");
  set_strv (&add_offering (f, "tai-chi", "Tai chi")->contraindications, "recent_surgery");

  result = sp_match (&f->input);

  assert_excluded (result, "acupuncture", "Pregnancy");
  assert_matched (result, "tai-chi");
}

static void
test_no_target (Fixture       *f,
                gconstpointer  data)
{
  SpOffering *o;
  g_autoptr(SpMatchResult) result = NULL;

  o = add_offering (f, "knees", "Knees and depression");
  set_strv (&o->targets_msk, "knee_pain");
  set_strv (&o->targets_mh, "depression");

  result = sp_match (&f->input);

  assert_excluded (result, "knees", "Does not address any of this patient's conditions");
}

static void
test_travel_distance (Fixture       *f,
                      gconstpointer  data)
{
  SpOffering *far, *phone;
  g_autoptr(SpMatchResult) result = NULL;
  SpMatch *m;

  set_str (&f->patient->travel, "local");
  add_offering (f, "near", "Near");
  far = add_offering (f, "far", "Far");
  far->lat = HOME_LAT + 10 * KM_LAT;
  phone = add_offering (f, "phone", "Phone");
  set_str (&phone->format, "telephone");
  phone->lat = HOME_LAT + 300 * KM_LAT;

  result = sp_match (&f->input);

  assert_excluded (result, "far", "About 10.0 km away");
  assert_excluded (result, "far", "up to 5 km");
  m = assert_matched (result, "near");
  g_assert_cmpfloat_with_epsilon (m->distance_km, 1.0, 0.01);
  m = assert_matched (result, "phone");
  g_assert_true (isnan (m->distance_km));
}

/* Without coordinates, walk and local compare postcode districts; town
 * and any let it pass. */
static void
test_travel_district (Fixture       *f,
                      gconstpointer  data)
{
  SpOffering *o;

  f->patient->lat = NAN;
  f->patient->lon = NAN;
  set_str (&f->patient->travel, "walk");
  set_str (&add_offering (f, "same", "Same district")->postcode, "W6 7ZZ");
  o = add_offering (f, "other", "Other district");
  set_str (&o->postcode, "SW19 1AA");
  o->lat = o->lon = NAN;

  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    assert_matched (result, "same");
    assert_excluded (result, "other", "SW19");
    assert_excluded (result, "other", "W6");
  }

  set_str (&f->patient->travel, "town");
  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    assert_matched (result, "other");
  }
}

static void
test_remote_only (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SpMatchResult) result = NULL;

  set_str (&f->patient->travel, "remote_only");
  add_offering (f, "group", "Group");
  set_str (&add_offering (f, "one", "One to one")->format, "one_to_one");
  set_str (&add_offering (f, "phone", "Telephone")->format, "telephone");
  set_str (&add_offering (f, "online", "Online")->format, "online");

  result = sp_match (&f->input);

  g_assert_cmpuint (result->matches->len, ==, 2);
  for (guint i = 0; i < result->matches->len; i++)
    {
      const char *format = ((SpMatch *) result->matches->pdata[i])->offering->format;
      g_assert_true (g_str_equal (format, "telephone") || g_str_equal (format, "online"));
    }
  assert_excluded (result, "group", "from home only");
  assert_excluded (result, "one", "from home only");
}

static void
test_inaccessible (Fixture       *f,
                   gconstpointer  data)
{
  SpOffering *phone;
  g_autoptr(SpMatchResult) result = NULL;

  set_strv (&f->patient->access_needs, "wheelchair_access,hearing_loop");
  set_strv (&add_offering (f, "ramp", "Ramp only")->access_features, "wheelchair_access,parking");
  set_strv (&add_offering (f, "both", "Both")->access_features, "hearing_loop,wheelchair_access");
  /* A telephone session has no door to get through. */
  phone = add_offering (f, "phone", "Telephone");
  set_str (&phone->format, "telephone");
  set_strv (&phone->access_features, "hearing_loop");

  result = sp_match (&f->input);

  assert_excluded (result, "ramp", "Hearing loop");
  assert_matched (result, "both");
  assert_matched (result, "phone");
}

static void
test_cost (Fixture       *f,
           gconstpointer  data)
{
  SpOffering *massage;

  set_str (&f->patient->income_band, "low");
  massage = add_offering (f, "massage", "Massage");
  massage->fee_pence = 4000;
  massage->sliding_scale = json_from_string ("{\"low\": 1200, \"middle\": 2500}", NULL);
  add_offering (f, "free", "Free walk")->fee_pence = 0;
  add_offering (f, "subsidised", "Subsidised")->fee_pence = 1500;
  ((SpOffering *) f->offerings->pdata[2])->sliding_scale = json_from_string ("{\"low\": 0}", NULL);

  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);
    SpMatch *m = assert_matched (result, "massage");

    g_assert_cmpint (m->patient_cost_pence, ==, 1200);
    g_assert_true (has_reason (m, "Costs this patient £12.00 a session (full fee £40.00)"));
    g_assert_true (has_reason (assert_matched (result, "subsidised"),
                               "Free to this patient (full fee £15.00 a session)"));
    g_assert_cmpint (rank_of (result, "massage"), ==, 2);
  }

  f->patient->max_cost_pence = 1000;
  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    assert_excluded (result, "massage", "Costs this patient £12.00 a session, over their limit of £10.00");
    g_assert_cmpint (find_in (result->excluded, "massage")->patient_cost_pence, ==, 1200);
    assert_matched (result, "free");
  }

  f->patient->max_cost_pence = 1200;
  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    g_assert_true (has_reason (assert_matched (result, "massage"), "within their limit of £12.00"));
  }

  set_str (&f->patient->income_band, "standard");
  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    assert_excluded (result, "massage", "£40.00");
  }
}

static void
test_full (Fixture       *f,
           gconstpointer  data)
{
  SpOffering *full, *one_left;
  g_autoptr(SpMatchResult) result = NULL;

  full = add_offering (f, "full", "Full class");
  full->capacity = 8;
  full->places_taken = 8;
  one_left = add_offering (f, "one-left", "One place left");
  one_left->capacity = 8;
  one_left->places_taken = 7;
  add_offering (f, "open-ended", "No limit")->places_taken = 500;

  result = sp_match (&f->input);

  assert_excluded (result, "full", "Full: all 8 places are taken");
  assert_matched (result, "one-left");
  assert_matched (result, "open-ended");
}

/* The first filter that applies is the one reported. */
static void
test_filter_order (Fixture       *f,
                   gconstpointer  data)
{
  SpOffering *o;
  g_autoptr(SpMatchResult) result = NULL;

  set_strv (&f->patient->precautions, "pregnancy");
  o = add_offering (f, "many", "Many problems");
  o->capacity = 0;
  set_strv (&o->contraindications, "pregnancy");
  o->age_min = 80;

  result = sp_match (&f->input);

  assert_excluded (result, "many", "For ages 80 and over");
}

/* ---- Stepped care --------------------------------------------------------- */

static void
add_stepped_catalogue (Fixture *f)
{
  add_offering (f, "s1", "A self-management course")->step = 1;
  add_offering (f, "s2a", "B group yoga")->step = 2;
  add_offering (f, "s2b", "C pilates")->step = 2;
  add_offering (f, "s3a", "D one-to-one physio")->step = 3;
  add_offering (f, "s3b", "E acupuncture")->step = 3;
  add_offering (f, "s4", "F pain clinic")->step = 4;
}

static void
test_step_lowest (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SpMatchResult) result = NULL;

  add_stepped_catalogue (f);
  /* The step-1 course is out of reach, so step 2 is the lowest that fits. */
  ((SpOffering *) f->offerings->pdata[0])->active = FALSE;

  result = sp_match (&f->input);

  g_assert_cmpint (result->suggested_step, ==, 2);
  g_assert_null (result->step_note);
  g_assert_cmpint (rank_of (result, "s2a"), ==, 0);
  g_assert_cmpint (rank_of (result, "s2b"), ==, 1);
  g_assert_cmpint (rank_of (result, "s4"), ==, 4);
  g_assert_true (has_reason (assert_matched (result, "s2a"), "the lowest step that fits"));
}

static void
test_step_up (Fixture       *f,
              gconstpointer  data)
{
  add_stepped_catalogue (f);
  f->input.completed_step = 2;
  f->input.completed_change = SP_CHANGE_NO_RELIABLE_CHANGE;

  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    g_assert_cmpint (result->suggested_step, ==, 3);
    g_assert_cmpint (rank_of (result, "s3a"), ==, 0);
    g_assert_cmpint (rank_of (result, "s3b"), ==, 1);
    g_assert_cmpstr (result->step_note, ==,
                     "The last completed referral (step 2) did not bring reliable improvement, "
                     "so step 3 offerings are suggested first");
    g_assert_true (has_reason (assert_matched (result, "s3a"), "the next step up"));
    g_assert_true (has_reason (assert_matched (result, "s2a"), "below the step suggested"));
  }

  /* With reliable improvement there is no reason to step up. */
  f->input.completed_change = SP_CHANGE_RELIABLE_IMPROVEMENT;
  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    g_assert_cmpint (result->suggested_step, ==, 1);
    g_assert_null (result->step_note);
    g_assert_cmpint (rank_of (result, "s1"), ==, 0);
  }

  /* Nothing above step 4: stay there and say so. */
  f->input.completed_step = 4;
  f->input.completed_change = SP_CHANGE_RELIABLE_DETERIORATION;
  {
    g_autoptr(SpMatchResult) result = sp_match (&f->input);

    g_assert_cmpint (result->suggested_step, ==, 4);
    g_assert_cmpint (rank_of (result, "s4"), ==, 0);
    g_assert_nonnull (strstr (result->step_note, "GP"));
  }
}

/* ---- Order ---------------------------------------------------------------- */

static GPtrArray *
ids_of (GPtrArray *matches)
{
  GPtrArray *ids = g_ptr_array_new ();

  for (guint i = 0; i < matches->len; i++)
    g_ptr_array_add (ids, ((SpMatch *) matches->pdata[i])->offering->record.id);
  return ids;
}

static void
assert_same_ids (GPtrArray *a,
                 GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (a->pdata[i], ==, b->pdata[i]);
}

static void
test_deterministic (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SpMatchResult) first = NULL;
  g_autoptr(SpMatchResult) second = NULL;
  g_autoptr(SpMatchResult) reversed = NULL;
  g_autoptr(GPtrArray) first_ids = NULL;
  g_autoptr(GPtrArray) second_ids = NULL;
  g_autoptr(GPtrArray) reversed_ids = NULL;
  g_autoptr(GPtrArray) backwards = g_ptr_array_new ();
  SpMatchInput input = f->input;

  /* Many ties: the same few names and scores over and over. */
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *id = g_strdup_printf ("id-%02u", (i * 37) % 60);
      g_autofree char *name = g_strdup_printf ("Class %u", i % 4);
      SpOffering *o = add_offering (f, id, name);

      o->step = 1 + i % 2;
      o->active = i % 7 != 0;
      o->wait_weeks = i % 3;
    }
  for (guint i = f->offerings->len; i > 0; i--)
    g_ptr_array_add (backwards, f->offerings->pdata[i - 1]);

  first = sp_match (&f->input);
  second = sp_match (&f->input);
  input.offerings = backwards;
  reversed = sp_match (&input);

  first_ids = ids_of (first->matches);
  second_ids = ids_of (second->matches);
  reversed_ids = ids_of (reversed->matches);
  assert_same_ids (first_ids, second_ids);
  assert_same_ids (first_ids, reversed_ids);

  g_clear_pointer (&first_ids, g_ptr_array_unref);
  g_clear_pointer (&reversed_ids, g_ptr_array_unref);
  first_ids = ids_of (first->excluded);
  reversed_ids = ids_of (reversed->excluded);
  assert_same_ids (first_ids, reversed_ids);

  /* Best first; ties by name, then id. */
  for (guint i = 1; i < first->matches->len; i++)
    {
      SpMatch *a = first->matches->pdata[i - 1];
      SpMatch *b = first->matches->pdata[i];

      g_assert_cmpint (a->score, >=, b->score);
      if (a->score == b->score)
        {
          gint c = strcmp (a->offering->name, b->offering->name);
          g_assert_cmpint (c, <=, 0);
          if (c == 0)
            g_assert_cmpint (strcmp (a->offering->record.id, b->offering->record.id), <, 0);
        }
    }
}

/* Ten thousand offerings: every one is either matched or excluded with a
 * reason. The time is printed as a figure; the benchmarks judge it. */
static void
test_ten_thousand (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SpMatchResult) result = NULL;
  gint64 start, elapsed;

  set_strv (&f->patient->preferred_days, "tue");
  set_strv (&f->patient->preferred_formats, "group");
  set_str (&f->patient->travel, "town");
  f->patient->max_cost_pence = 2000;
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *id = g_strdup_printf ("offering-%05u", i);
      g_autofree char *name = g_strdup_printf ("Offering %u", i % 997);
      SpOffering *o = add_offering (f, id, name);

      o->lat = HOME_LAT + (i % 30) * KM_LAT;
      o->step = 1 + i % 4;
      o->fee_pence = (i % 5) * 1000;
      o->wait_weeks = i % 6;
      o->schedule = json_from_string ("[{\"day\": \"tue\", \"start\": \"10:00\", \"end\": \"11:00\"}]", NULL);
      if (i % 3 == 0)
        set_strv (&o->targets_mh, NULL);
    }

  start = g_get_monotonic_time ();
  result = sp_match (&f->input);
  elapsed = g_get_monotonic_time () - start;

  g_test_message ("10,000 offerings matched in %" G_GINT64_FORMAT " µs", elapsed);
  g_assert_cmpuint (result->matches->len + result->excluded->len, ==, 10000);
  g_assert_cmpuint (result->matches->len, >, 0);
  g_assert_cmpuint (result->excluded->len, >, 0);
}

/* ---- Through the store ---------------------------------------------------- */

static char *
new_id (void)
{
  return sp_uuid_new ();
}

static SpOffering *
store_offering (SpStore    *store,
                const char *provider_id,
                const char *name,
                gint        step,
                gint        capacity)
{
  g_autoptr(GError) error = NULL;
  SpOffering *o = sp_offering_new ();

  o->record.id = new_id ();
  o->provider_id = g_strdup (provider_id);
  o->name = g_strdup (name);
  o->modality = g_strdup ("yoga");
  o->format = g_strdup ("group");
  o->sessions = 6;
  o->targets_msk = g_strsplit ("low_back_pain", ",", -1);
  o->targets_mh = g_strsplit ("anxiety", ",", -1);
  o->evidence = g_strdup ("moderate");
  o->step = step;
  o->capacity = capacity;
  o->active = TRUE;
  o->last_verified = g_strdup ("2025-03-01");
  g_assert_true (sp_store_save (store, &sp_entity_offering, o, &error));
  g_assert_no_error (error);
  return o;
}

static SpPatient *
store_patient (SpStore    *store,
               const char *nhs_number,
               gboolean    with_conditions)
{
  g_autoptr(GError) error = NULL;
  SpPatient *p = sp_patient_new ();
  const char *kinds[] = { "msk", "mh" };
  const char *codes[] = { "low_back_pain", "anxiety" };

  p->nhs_number = g_strdup (nhs_number);
  p->given_name = g_strdup ("Test");
  p->family_name = g_strdup ("Patient");
  p->date_of_birth = g_strdup ("1970-05-01");
  p->travel = g_strdup ("any");
  p->income_band = g_strdup ("standard");
  g_assert_true (sp_store_add_patient (store, p, &error));
  g_assert_no_error (error);

  for (guint i = 0; with_conditions && i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(SpCondition) c = sp_condition_new ();

      c->patient_id = g_strdup (p->record.id);
      c->kind = g_strdup (kinds[i]);
      c->code = g_strdup (codes[i]);
      g_assert_true (sp_store_add_condition (store, c, &error));
      g_assert_no_error (error);
    }
  return p;
}

static SpReferral *
store_referral (SpStore         *store,
                const SpPatient *patient,
                const SpOffering *offering,
                const char      *status)
{
  g_autoptr(GError) error = NULL;
  SpReferral *r = sp_referral_new ();

  r->record.id = new_id ();
  r->record.practice = g_strdup (patient->record.practice);
  r->patient_id = g_strdup (patient->record.id);
  r->offering_id = g_strdup (offering->record.id);
  r->status = g_strdup (status);
  r->route = g_strdup ("gp");
  r->sessions_planned = offering->sessions;
  r->referred_at = g_strdup ("2025-01-10T10:00:00Z");
  g_assert_true (sp_store_save (store, &sp_entity_referral, r, &error));
  g_assert_no_error (error);
  return r;
}

/* A PHQ-9 whose items add up to @total. */
static void
store_phq9 (SpStore          *store,
            const SpPatient  *patient,
            const SpReferral *referral,
            const char       *stage,
            const char       *taken_at,
            gint              total)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpAssessment) a = sp_assessment_new ();
  JsonArray *answers = json_array_new ();

  for (guint i = 0; i < 9; i++)
    {
      gint item = MIN (total, 3);

      json_array_add_int_element (answers, item);
      total -= item;
    }
  g_assert_cmpint (total, ==, 0);

  a->record.id = new_id ();
  a->record.practice = g_strdup (patient->record.practice);
  a->patient_id = g_strdup (patient->record.id);
  a->referral_id = g_strdup (referral->record.id);
  a->measure = g_strdup ("phq9");
  a->answers = json_node_init_array (json_node_alloc (), answers);
  json_array_unref (answers);
  a->stage = g_strdup (stage);
  a->taken_at = g_strdup (taken_at);
  g_assert_true (sp_store_save (store, &sp_entity_assessment, a, &error));
  g_assert_no_error (error);
}

static void
test_store (void)
{
  const char * const practices[] = { "A81001", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("signpost-match-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpProvider) provider = sp_provider_new ();
  g_autoptr(SpOffering) yoga = NULL;
  g_autoptr(SpOffering) pilates = NULL;
  g_autoptr(SpOffering) physio = NULL;
  g_autoptr(SpOffering) small = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpPatient) other = NULL;
  g_autoptr(SpReferral) done = NULL;
  g_autoptr(SpReferral) open = NULL;
  g_autoptr(SpReferral) others = NULL;
  g_autoptr(SpMatchResult) result = NULL;
  g_autoptr(SpMatchResult) again = NULL;
  SpMatch *m;

  g_assert_no_error (error);
  path = g_build_filename (dir, "signpost.db", NULL);
  store = sp_store_open (path, &error);
  g_assert_no_error (error);
  sp_store_set_actor (store, "tester", SP_ROLE_LINK_WORKER | SP_ROLE_ADMIN, practices);

  provider->record.id = new_id ();
  provider->name = g_strdup ("Riverside Wellbeing");
  g_assert_true (sp_store_save (store, &sp_entity_provider, provider, &error));
  g_assert_no_error (error);
  yoga = store_offering (store, provider->record.id, "Gentle yoga", 2, SP_UNSET);
  pilates = store_offering (store, provider->record.id, "Pilates", 2, SP_UNSET);
  physio = store_offering (store, provider->record.id, "One-to-one physiotherapy", 3, SP_UNSET);
  small = store_offering (store, provider->record.id, "Small group", 2, 1);

  patient = store_patient (store, "9434765919", TRUE);
  other = store_patient (store, "9990000018", FALSE);

  /* A completed step-2 referral that did not help: PHQ-9 15 → 13. */
  done = store_referral (store, patient, yoga, "completed");
  store_phq9 (store, patient, done, "baseline", "2025-01-10T10:00:00Z", 15);
  store_phq9 (store, patient, done, "follow_up", "2025-03-10T10:00:00Z", 13);
  /* Open referrals: the patient's own, and another patient's place. */
  open = store_referral (store, patient, pilates, "referred");
  others = store_referral (store, other, small, "attending");

  result = sp_store_match_patient (store, patient->record.id, TODAY, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  g_assert_cmpint (result->suggested_step, ==, 3);
  g_assert_nonnull (result->step_note);
  g_assert_nonnull (strstr (result->step_note, "(step 2) did not bring reliable improvement"));
  m = result->matches->pdata[0];
  g_assert_cmpstr (m->offering->record.id, ==, physio->record.id);
  g_assert_cmpstr (m->offering->name, ==, "One-to-one physiotherapy");
  assert_excluded (result, pilates->record.id, "Already referred");
  assert_excluded (result, small->record.id, "Full: its 1 place is taken");
  assert_matched (result, yoga->record.id);

  /* A follow-up with reliable improvement (15 → 5) keeps the lowest step. */
  store_phq9 (store, patient, done, "follow_up", "2025-04-10T10:00:00Z", 5);
  again = sp_store_match_patient (store, patient->record.id, TODAY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->suggested_step, ==, 2);
  g_assert_null (again->step_note);
  g_assert_cmpstr (((SpMatch *) again->matches->pdata[0])->offering->name, ==, "Gentle yoga");

  /* An unknown patient is an error, not an empty list. */
  g_assert_null (sp_store_match_patient (store, "00000000-0000-4000-8000-000000000000", TODAY, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);

  g_clear_object (&store);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);
        g_unlink (file);
      }
  }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/matching/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("rank/comorbid-first", test_comorbid_first);
  ADD ("rank/more-conditions-covered", test_more_conditions_covered);
  ADD ("rank/preferences", test_preferences);
  ADD ("rank/waiting-and-evidence", test_waiting_and_evidence);
  ADD ("rank/unverified", test_unverified);
  ADD ("filter/inactive", test_inactive);
  ADD ("filter/needs-review", test_needs_review);
  ADD ("filter/already-referred", test_already_referred);
  ADD ("filter/age", test_age);
  ADD ("filter/contraindicated", test_contraindicated);
  ADD ("filter/no-target", test_no_target);
  ADD ("filter/travel-distance", test_travel_distance);
  ADD ("filter/travel-district", test_travel_district);
  ADD ("filter/remote-only", test_remote_only);
  ADD ("filter/inaccessible", test_inaccessible);
  ADD ("filter/cost", test_cost);
  ADD ("filter/full", test_full);
  ADD ("filter/order", test_filter_order);
  ADD ("step/lowest", test_step_lowest);
  ADD ("step/up", test_step_up);
  ADD ("order/deterministic", test_deterministic);
  ADD ("order/ten-thousand", test_ten_thousand);
#undef ADD
  g_test_add_func ("/matching/store", test_store);

  return g_test_run ();
}
