/* test-referrals.c — referrals and their states, as a link worker moves them
 *
 * Every (from, to) pair of the eight statuses is tried, both against the
 * state machine and through the store on a real referral: the allowed moves
 * happen and are dated and attributed; the others are refused with a
 * message that says what is allowed, and leave the referral as it was.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-referrals"

#include "config.h"

#include <string.h>
#include <glib.h>

#include "sp-error.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"

#include "sp-test-util.h"

typedef struct
{
  SpTestStore  base;
  SpProvider  *provider;
  SpFunder    *funder;
  SpOffering  *yoga;
  SpPatient   *patient;
} Fixture;

/* The state machine, written out here independently of the core's table. */
static const char * const statuses[] = {
  "draft", "referred", "accepted", "attending", "completed", "declined", "did_not_attend", "withdrawn",
};

static const char * const labels[] = {
  "Draft", "Referred", "Accepted", "Attending", "Completed", "Declined", "Did not attend", "Withdrawn",
};

static const struct
{
  const char *from;
  const char *to;
} allowed_moves[] = {
  { "draft", "referred" }, { "draft", "withdrawn" },
  { "referred", "accepted" }, { "referred", "declined" }, { "referred", "withdrawn" },
  { "accepted", "attending" }, { "accepted", "did_not_attend" }, { "accepted", "declined" },
  { "accepted", "withdrawn" },
  { "attending", "completed" }, { "attending", "did_not_attend" }, { "attending", "withdrawn" },
};

static gboolean
expected_allowed (const char *from,
                  const char *to)
{
  for (guint i = 0; i < G_N_ELEMENTS (allowed_moves); i++)
    if (g_str_equal (allowed_moves[i].from, from) && g_str_equal (allowed_moves[i].to, to))
      return TRUE;
  return FALSE;
}

static const char *
label_of (const char *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_str_equal (statuses[i], status))
      return labels[i];
  g_assert_not_reached ();
  return NULL;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("“%s” does not contain “%s”", haystack ? haystack : "(null)", needle);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  sp_test_store_setup (&fixture->base, user_data);
  fixture->provider = sp_test_add_provider (fixture->base.store, "Dales Yoga");
  fixture->funder = sp_test_add_funder (fixture->base.store, "Hollin Dales ICB", 1000000, "2026-04-01");
  fixture->yoga = sp_test_add_offering (fixture->base.store, fixture->provider->record.id, "Chair yoga",
                                        1500, 8, "{\"exempt\": 0, \"low\": 500}", fixture->funder->record.id);
  fixture->patient = sp_test_add_patient (fixture->base.store, "Ada", "Lovelace", "9434765919", "low");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  sp_provider_free (fixture->provider);
  sp_funder_free (fixture->funder);
  sp_offering_free (fixture->yoga);
  sp_patient_free (fixture->patient);
  sp_test_store_teardown (&fixture->base, user_data);
}

static SpReferral *
refer (SpStore    *store,
       const char *patient_id,
       const char *offering_id,
       gboolean    as_draft)
{
  g_autoptr(GError) error = NULL;
  SpReferral *referral = sp_store_refer (store, patient_id, offering_id, "gp",
                                         "Low back pain and low mood", "Walk to the shops", as_draft, &error);

  g_assert_no_error (error);
  g_assert_nonnull (referral);
  return referral;
}

static void
move (SpStore    *store,
      const char *referral_id,
      const char *to)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_store_move_referral (store, referral_id, to, NULL, &error));
  g_assert_no_error (error);
}

static char *
status_of (SpStore    *store,
           const char *referral_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = sp_store_get_referral (store, referral_id, &error);

  g_assert_no_error (error);
  return g_strdup (referral->status);
}

static GPtrArray *
events_of (SpStore    *store,
           const char *referral_id)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = sp_store_list_referral_events (store, referral_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (events);
  return events;
}

/* How a desk brings a referral to each status, after referring it. */
static const struct
{
  const char *status;
  const char *path[4];
} journeys[] = {
  { "referred", { NULL } },
  { "accepted", { "accepted", NULL } },
  { "attending", { "accepted", "attending", NULL } },
  { "completed", { "accepted", "attending", "completed", NULL } },
  { "declined", { "declined", NULL } },
  { "did_not_attend", { "accepted", "did_not_attend", NULL } },
  { "withdrawn", { "withdrawn", NULL } },
};

/* A referral of @patient_id to @offering_id, brought to @status. */
static SpReferral *
referral_in (SpStore    *store,
             const char *patient_id,
             const char *offering_id,
             const char *status)
{
  SpReferral *referral;
  g_autofree char *now = NULL;

  if (g_str_equal (status, "draft"))
    return refer (store, patient_id, offering_id, TRUE);

  referral = refer (store, patient_id, offering_id, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (journeys); i++)
    if (g_str_equal (journeys[i].status, status))
      for (guint k = 0; journeys[i].path[k] != NULL; k++)
        move (store, referral->record.id, journeys[i].path[k]);

  now = status_of (store, referral->record.id);
  g_assert_cmpstr (now, ==, status);
  return referral;
}

/* ---- The state machine ------------------------------------------------------ */

static void
test_machine (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      const char * const *next = sp_referral_next_statuses (statuses[i]);
      guint n_expected = 0;

      for (guint j = 0; j < G_N_ELEMENTS (statuses); j++)
        {
          gboolean expected = expected_allowed (statuses[i], statuses[j]);

          g_test_message ("%s -> %s", statuses[i], statuses[j]);
          g_assert_cmpint (sp_referral_can_move (statuses[i], statuses[j]), ==, expected);
          g_assert_cmpint (g_strv_contains (next, statuses[j]), ==, expected);
          n_expected += expected;
        }
      g_assert_cmpuint (g_strv_length ((char **) next), ==, n_expected);
    }

  /* Open means still in play. */
  g_assert_true (sp_referral_status_is_open ("draft"));
  g_assert_true (sp_referral_status_is_open ("referred"));
  g_assert_true (sp_referral_status_is_open ("accepted"));
  g_assert_true (sp_referral_status_is_open ("attending"));
  g_assert_false (sp_referral_status_is_open ("completed"));
  g_assert_false (sp_referral_status_is_open ("declined"));
  g_assert_false (sp_referral_status_is_open ("did_not_attend"));
  g_assert_false (sp_referral_status_is_open ("withdrawn"));

  /* Nonsense goes nowhere. */
  g_assert_false (sp_referral_can_move ("draft", NULL));
  g_assert_false (sp_referral_can_move (NULL, "referred"));
  g_assert_false (sp_referral_can_move ("lost", "referred"));
  g_assert_false (sp_referral_can_move ("draft", "lost"));
  g_assert_null (sp_referral_next_statuses ("lost")[0]);
}

static void
test_every_move (Fixture       *fixture,
                 gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(GPtrArray) offerings = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_offering_free);
  g_autoptr(GPtrArray) patients = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_patient_free);
  guint n_allowed = 0, n_refused = 0;

  /* One offering per target status and one patient per starting status,
   * so no two test referrals are open to the same offering for one patient. */
  for (guint j = 0; j < G_N_ELEMENTS (statuses); j++)
    {
      g_autofree char *name = g_strdup_printf ("Offering %u", j);
      g_ptr_array_add (offerings, sp_test_add_offering (store, fixture->provider->record.id, name,
                                                        1500, 8, NULL, NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autofree char *nhs = sp_test_nhs_number (i);
      g_ptr_array_add (patients, sp_test_add_patient (store, "Pat", statuses[i], nhs, NULL));
    }

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    for (guint j = 0; j < G_N_ELEMENTS (statuses); j++)
      {
        const char *from = statuses[i];
        const char *to = statuses[j];
        SpPatient *patient = patients->pdata[i];
        SpOffering *offering = offerings->pdata[j];
        g_autoptr(SpReferral) referral = NULL;
        g_autoptr(GPtrArray) before = NULL;
        g_autoptr(GPtrArray) after = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *status = NULL;
        g_autofree char *at = g_strdup_printf ("2026-06-%02uT%02u:30:00Z", i + 1, j + 8);
        gint64 outbox;
        gboolean moved;

        g_test_message ("%s -> %s", from, to);
        sp_store_set_clock (store, SP_TEST_CLOCK);
        referral = referral_in (store, patient->record.id, offering->record.id, from);
        before = events_of (store, referral->record.id);
        outbox = sp_store_outbox_count (store);

        sp_store_set_clock (store, at);
        moved = sp_store_move_referral (store, referral->record.id, to, "Spoke to the patient", &error);
        after = events_of (store, referral->record.id);
        status = status_of (store, referral->record.id);

        if (expected_allowed (from, to))
          {
            SpReferralEvent *event;

            n_allowed++;
            g_assert_no_error (error);
            g_assert_true (moved);
            g_assert_cmpstr (status, ==, to);
            /* One more event: from, to, when, by whom, why. */
            g_assert_cmpuint (after->len, ==, before->len + 1);
            event = after->pdata[after->len - 1];
            g_assert_cmpstr (event->from_status, ==, from);
            g_assert_cmpstr (event->to_status, ==, to);
            g_assert_cmpstr (event->at, ==, at);
            g_assert_cmpstr (event->by, ==, SP_TEST_USER);
            g_assert_cmpstr (event->note, ==, "Spoke to the patient");
            g_assert_cmpstr (event->referral_id, ==, referral->record.id);
            g_assert_cmpstr (event->record.practice, ==, SP_TEST_PRACTICE);
          }
        else
          {
            const char * const *next = sp_referral_next_statuses (from);

            n_refused++;
            g_assert_false (moved);
            g_assert_error (error, SP_ERROR, SP_ERROR_TRANSITION);
            /* The message says what the referral can become instead. */
            if (next[0] == NULL)
              assert_contains (error->message, "final");
            for (guint k = 0; k < G_N_ELEMENTS (allowed_moves); k++)
              if (g_str_equal (allowed_moves[k].from, from))
                assert_contains (error->message, label_of (allowed_moves[k].to));
            assert_contains (error->message, label_of (from));
            /* And nothing changed. */
            g_assert_cmpstr (status, ==, from);
            g_assert_cmpuint (after->len, ==, before->len);
            g_assert_cmpint (sp_store_outbox_count (store), ==, outbox);
          }
      }

  g_assert_cmpuint (n_allowed, ==, G_N_ELEMENTS (allowed_moves));
  g_assert_cmpuint (n_refused, ==, 64 - G_N_ELEMENTS (allowed_moves));
}

static void
test_unknown_status (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(SpReferral) referral = refer (fixture->base.store, fixture->patient->record.id,
                                          fixture->yoga->record.id, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  g_assert_false (sp_store_move_referral (fixture->base.store, referral->record.id, "lost", NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  assert_contains (error->message, "lost");
  g_clear_error (&error);
  status = status_of (fixture->base.store, referral->record.id);
  g_assert_cmpstr (status, ==, "referred");

  g_assert_false (sp_store_move_referral (fixture->base.store, "6f1c1b8e-5d0a-4c1e-9a57-3f8e2b7c9d10",
                                          "accepted", NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
}

/* ---- History ------------------------------------------------------------------ */

static void
test_history (Fixture       *fixture,
              gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };
  const struct { const char *to, *at, *by; } steps[] = {
    { "referred", "2026-05-05T10:00:00Z", "lw.okafor" },
    { "accepted", "2026-05-09T11:15:00Z", "lw.begum" },
    { "attending", "2026-05-19T09:00:00Z", "lw.begum" },
    { "completed", "2026-07-07T16:45:00Z", "lw.okafor" },
  };
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpReferral) loaded = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  SpReferralEvent *first;

  sp_store_set_clock (store, "2026-05-04T15:20:00Z");
  referral = refer (store, fixture->patient->record.id, fixture->yoga->record.id, TRUE);
  g_assert_cmpstr (referral->status, ==, "draft");
  g_assert_null (referral->referred_at);
  g_assert_cmpstr (referral->referrer, ==, SP_TEST_USER);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      sp_store_set_actor (store, steps[i].by, SP_ROLE_LINK_WORKER, practices);
      sp_store_set_clock (store, steps[i].at);
      move (store, referral->record.id, steps[i].to);
    }

  events = events_of (store, referral->record.id);
  g_assert_cmpuint (events->len, ==, 1 + G_N_ELEMENTS (steps));
  first = events->pdata[0];
  g_assert_null (first->from_status);
  g_assert_cmpstr (first->to_status, ==, "draft");
  g_assert_cmpstr (first->at, ==, "2026-05-04T15:20:00Z");
  g_assert_cmpstr (first->by, ==, SP_TEST_USER);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      SpReferralEvent *event = events->pdata[i + 1];

      g_assert_cmpstr (event->from_status, ==, i == 0 ? "draft" : steps[i - 1].to);
      g_assert_cmpstr (event->to_status, ==, steps[i].to);
      g_assert_cmpstr (event->at, ==, steps[i].at);
      g_assert_cmpstr (event->by, ==, steps[i].by);
    }

  /* Leaving draft is the moment of referral. */
  loaded = sp_store_get_referral (store, referral->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->status, ==, "completed");
  g_assert_cmpstr (loaded->referred_at, ==, "2026-05-05T10:00:00Z");
  g_assert_cmpstr (loaded->record.updated_by, ==, "lw.okafor");

  /* History is append-only: an event cannot be rewritten. */
  {
    SpReferralEvent *event = events->pdata[2];
    g_free (event->by);
    event->by = g_strdup ("someone.else");
    g_assert_false (sp_store_save (store, &sp_entity_referral_event, event, &error));
    g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
    g_clear_error (&error);
  }
  {
    g_autoptr(GPtrArray) again = events_of (store, referral->record.id);
    g_assert_cmpstr (((SpReferralEvent *) again->pdata[2])->by, ==, "lw.begum");
  }
}

static void
test_refer_snapshot (Fixture       *fixture,
                     gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->yoga->record.id, FALSE);
  g_autoptr(SpReferral) loaded = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  loaded = sp_store_get_referral (store, referral->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->status, ==, "referred");
  g_assert_cmpstr (loaded->patient_id, ==, fixture->patient->record.id);
  g_assert_cmpstr (loaded->offering_id, ==, fixture->yoga->record.id);
  g_assert_cmpstr (loaded->route, ==, "gp");
  g_assert_cmpstr (loaded->reason, ==, "Low back pain and low mood");
  g_assert_cmpstr (loaded->goals, ==, "Walk to the shops");
  g_assert_cmpstr (loaded->referrer, ==, SP_TEST_USER);
  g_assert_cmpstr (loaded->referred_at, ==, SP_TEST_CLOCK);
  g_assert_cmpstr (loaded->record.practice, ==, SP_TEST_PRACTICE);
  g_assert_cmpint (loaded->sessions_planned, ==, 8);
  g_assert_cmpint (loaded->sessions_attended, ==, 0);
  /* Low income on this scale: £5 of the £15, the ICB the rest. */
  g_assert_cmpint (loaded->fee_pence, ==, 1500);
  g_assert_cmpint (loaded->patient_share_pence, ==, 500);
  g_assert_cmpint (loaded->funder_share_pence, ==, 1000);
  g_assert_cmpstr (loaded->funder_id, ==, fixture->funder->record.id);
  g_assert_cmpstr (loaded->income_band, ==, "low");

  events = events_of (store, referral->record.id);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_null (((SpReferralEvent *) events->pdata[0])->from_status);
  g_assert_cmpstr (((SpReferralEvent *) events->pdata[0])->to_status, ==, "referred");

  /* An unknown route is refused. */
  {
    g_autoptr(SpOffering) other = sp_test_add_offering (store, fixture->provider->record.id, "Tai chi",
                                                        900, 6, NULL, NULL);
    g_autoptr(SpReferral) none = sp_store_refer (store, fixture->patient->record.id, other->record.id,
                                                 "carrier_pigeon", NULL, NULL, FALSE, &error);
    g_assert_null (none);
    g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
    assert_contains (error->message, "carrier_pigeon");
    g_clear_error (&error);
  }
  g_assert_cmpint (sp_test_count_rows (store, "referral"), ==, 1);
}

/* ---- Who may be referred where ------------------------------------------------- */

static void
assert_refer_refused (Fixture    *fixture,
                      const char *offering_id,
                      gint        code,
                      const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  gint64 referrals = sp_test_count_rows (fixture->base.store, "referral");
  gint64 outbox = sp_store_outbox_count (fixture->base.store);

  referral = sp_store_refer (fixture->base.store, fixture->patient->record.id, offering_id,
                             "gp", NULL, NULL, FALSE, &error);
  g_assert_null (referral);
  g_assert_error (error, SP_ERROR, code);
  if (message_part != NULL)
    assert_contains (error->message, message_part);
  g_assert_cmpint (sp_test_count_rows (fixture->base.store, "referral"), ==, referrals);
  g_assert_cmpint (sp_store_outbox_count (fixture->base.store), ==, outbox);
}

static void
test_duplicate_open (Fixture       *fixture,
                     gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char *yoga = fixture->yoga->record.id;
  const char * const closing[] = { "withdrawn", "completed", "declined", "did_not_attend" };
  g_autoptr(SpReferral) draft = refer (store, fixture->patient->record.id, yoga, TRUE);

  /* A draft is open: a second referral is refused, naming the first. */
  assert_refer_refused (fixture, yoga, SP_ERROR_DUPLICATE, "Chair yoga");
  move (store, draft->record.id, "referred");
  assert_refer_refused (fixture, yoga, SP_ERROR_DUPLICATE, "Referred");
  move (store, draft->record.id, "accepted");
  assert_refer_refused (fixture, yoga, SP_ERROR_DUPLICATE, "Accepted");
  move (store, draft->record.id, "attending");
  assert_refer_refused (fixture, yoga, SP_ERROR_DUPLICATE, "Attending");
  move (store, draft->record.id, "withdrawn");

  /* Once the earlier one is over, however it ended, a new episode may start. */
  for (guint i = 0; i < G_N_ELEMENTS (closing); i++)
    {
      g_autoptr(SpReferral) next = referral_in (store, fixture->patient->record.id, yoga, closing[i]);
      g_assert_cmpstr (next->patient_id, ==, fixture->patient->record.id);
    }
  {
    g_autoptr(SpReferral) last = refer (store, fixture->patient->record.id, yoga, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) all = sp_store_list_referrals (store, fixture->patient->record.id, &error);
    guint open = 0;

    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, 6);
    for (guint i = 0; i < all->len; i++)
      open += sp_referral_status_is_open (((SpReferral *) all->pdata[i])->status);
    g_assert_cmpuint (open, ==, 1);
  }

  /* Another patient may of course be referred to the same offering. */
  {
    g_autofree char *nhs = sp_test_nhs_number (0);
    g_autoptr(SpPatient) grace = sp_test_add_patient (store, "Grace", "Hopper", nhs, NULL);
    g_autoptr(SpReferral) theirs = refer (store, grace->record.id, yoga, FALSE);
  }
}

static void
test_inactive_offering (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(SpOffering) closed = sp_test_offering_new (fixture->provider->record.id, "Aqua aerobics",
                                                       800, 10, NULL, NULL);
  g_autoptr(GError) error = NULL;

  closed->active = FALSE;
  g_assert_true (sp_store_save (fixture->base.store, &sp_entity_offering, closed, &error));
  g_assert_no_error (error);
  assert_refer_refused (fixture, closed->record.id, SP_ERROR_INVALID, "Aqua aerobics");

  /* A draft to it is refused too. */
  {
    g_autoptr(SpReferral) draft = sp_store_refer (fixture->base.store, fixture->patient->record.id,
                                                  closed->record.id, "gp", NULL, NULL, TRUE, &error);
    g_assert_null (draft);
    g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* An offering that is not in the catalogue at all. */
  assert_refer_refused (fixture, "6f1c1b8e-5d0a-4c1e-9a57-3f8e2b7c9d10", SP_ERROR_NOT_FOUND, NULL);

  /* Running again: referrals are welcome. */
  closed->active = TRUE;
  g_assert_true (sp_store_save (fixture->base.store, &sp_entity_offering, closed, &error));
  g_assert_no_error (error);
  {
    g_autoptr(SpReferral) referral = refer (fixture->base.store, fixture->patient->record.id,
                                            closed->record.id, FALSE);
  }
}

/* ---- Attendance ------------------------------------------------------------------- */

static void
assert_attendance_refused (SpStore    *store,
                           const char *referral_id,
                           const char *status_label)
{
  g_autoptr(GError) error = NULL;
  gint64 rows = sp_test_count_rows (store, "attendance");

  g_assert_false (sp_store_record_attendance (store, referral_id, "2026-05-11", TRUE, NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_TRANSITION);
  assert_contains (error->message, status_label);
  g_assert_cmpint (sp_test_count_rows (store, "attendance"), ==, rows);
}

static void
test_attendance (Fixture       *fixture,
                 gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  g_autoptr(SpReferral) referral = refer (store, fixture->patient->record.id, fixture->yoga->record.id, TRUE);
  g_autoptr(SpReferral) loaded = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  /* Not before the provider has accepted. */
  assert_attendance_refused (store, referral->record.id, "Draft");
  move (store, referral->record.id, "referred");
  assert_attendance_refused (store, referral->record.id, "Referred");
  move (store, referral->record.id, "accepted");

  /* A missed session is recorded but counts for nothing. */
  sp_store_set_clock (store, "2026-05-11T18:00:00Z");
  g_assert_true (sp_store_record_attendance (store, referral->record.id, "2026-05-11", FALSE, "Unwell", &error));
  g_assert_no_error (error);
  loaded = sp_store_get_referral (store, referral->record.id, &error);
  g_assert_cmpstr (loaded->status, ==, "accepted");
  g_assert_cmpint (loaded->sessions_attended, ==, 0);
  g_clear_pointer (&loaded, sp_referral_free);

  /* The first session attended: now attending, one session counted. */
  sp_store_set_clock (store, "2026-05-18T18:00:00Z");
  g_assert_true (sp_store_record_attendance (store, referral->record.id, "2026-05-18", TRUE, NULL, &error));
  g_assert_no_error (error);
  loaded = sp_store_get_referral (store, referral->record.id, &error);
  g_assert_cmpstr (loaded->status, ==, "attending");
  g_assert_cmpint (loaded->sessions_attended, ==, 1);
  g_clear_pointer (&loaded, sp_referral_free);
  events = events_of (store, referral->record.id);
  {
    SpReferralEvent *event = events->pdata[events->len - 1];
    g_assert_cmpstr (event->from_status, ==, "accepted");
    g_assert_cmpstr (event->to_status, ==, "attending");
    g_assert_cmpstr (event->at, ==, "2026-05-18T18:00:00Z");
    g_assert_cmpstr (event->by, ==, SP_TEST_USER);
  }

  /* Later sessions count, without further moves. */
  g_assert_true (sp_store_record_attendance (store, referral->record.id, "2026-05-25", TRUE, NULL, &error));
  g_assert_true (sp_store_record_attendance (store, referral->record.id, "2026-06-01", TRUE, NULL, &error));
  g_assert_no_error (error);
  loaded = sp_store_get_referral (store, referral->record.id, &error);
  g_assert_cmpstr (loaded->status, ==, "attending");
  g_assert_cmpint (loaded->sessions_attended, ==, 3);
  g_clear_pointer (&loaded, sp_referral_free);
  {
    g_autoptr(GPtrArray) now = events_of (store, referral->record.id);
    g_assert_cmpuint (now->len, ==, events->len);
  }
  g_assert_cmpint (sp_test_query_int (store, "SELECT count(*) FROM attendance WHERE referral_id = ?1",
                                      referral->record.id), ==, 4);
  g_assert_cmpint (sp_test_query_int (store, "SELECT count(*) FROM attendance WHERE attended = 1 AND referral_id = ?1",
                                      referral->record.id), ==, 3);

  /* A session date that is not a date. */
  g_assert_false (sp_store_record_attendance (store, referral->record.id, "next Tuesday", TRUE, NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  /* Not after it has ended. */
  move (store, referral->record.id, "completed");
  assert_attendance_refused (store, referral->record.id, "Completed");
  loaded = sp_store_get_referral (store, referral->record.id, &error);
  g_assert_cmpint (loaded->sessions_attended, ==, 3);
}

static void
test_attendance_closed (Fixture       *fixture,
                        gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char * const closed[] = { "declined", "did_not_attend", "withdrawn" };

  for (guint i = 0; i < G_N_ELEMENTS (closed); i++)
    {
      g_autofree char *name = g_strdup_printf ("Class %u", i);
      g_autoptr(SpOffering) offering = sp_test_add_offering (store, fixture->provider->record.id, name,
                                                             1000, 6, NULL, NULL);
      g_autoptr(SpReferral) referral = referral_in (store, fixture->patient->record.id,
                                                    offering->record.id, closed[i]);

      assert_attendance_refused (store, referral->record.id, label_of (closed[i]));
    }
}

/* ---- Lists ----------------------------------------------------------------------- */

static void
test_list_own_practices (Fixture       *fixture,
                         gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char * const both[] = { SP_TEST_PRACTICE, SP_TEST_OTHER_PRACTICE, NULL };
  const char * const here_only[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(SpReferral) ours = refer (store, fixture->patient->record.id, fixture->yoga->record.id, FALSE);
  g_autoptr(SpPatient) elsewhere = sp_test_patient_new ("Grace", "Hopper", "4010232137");
  g_autoptr(SpReferral) theirs = NULL;
  g_autoptr(SpReferral) seen = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  /* A network link worker refers a patient of the other practice. */
  sp_store_set_actor (store, SP_TEST_USER, SP_ROLE_LINK_WORKER, both);
  elsewhere->record.practice = g_strdup (SP_TEST_OTHER_PRACTICE);
  g_assert_true (sp_store_add_patient (store, elsewhere, &error));
  g_assert_no_error (error);
  theirs = refer (store, elsewhere->record.id, fixture->yoga->record.id, FALSE);
  g_assert_cmpstr (theirs->record.practice, ==, SP_TEST_OTHER_PRACTICE);
  all = sp_store_list_referrals (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  g_clear_pointer (&all, g_ptr_array_unref);

  /* Someone granted only this practice sees only this practice's referrals. */
  sp_store_set_actor (store, "lw.begum", SP_ROLE_LINK_WORKER, here_only);
  seen = sp_store_get_referral (store, theirs->record.id, &error);
  g_assert_null (seen);
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  all = sp_store_list_referrals (store, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpstr (((SpReferral *) all->pdata[i])->record.practice, ==, SP_TEST_PRACTICE);
  g_assert_cmpuint (all->len, ==, 1);
  g_clear_pointer (&all, g_ptr_array_unref);

  all = sp_store_list_referrals (store, elsewhere->record.id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);
}

/* ---- Roles ----------------------------------------------------------------------- */

static void
test_gp_cannot_refer (Fixture       *fixture,
                      gconstpointer  user_data)
{
  SpStore *store = fixture->base.store;
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };
  g_autoptr(SpReferral) existing = referral_in (store, fixture->patient->record.id,
                                                fixture->yoga->record.id, "accepted");
  g_autoptr(SpOffering) other = sp_test_add_offering (store, fixture->provider->record.id, "Tai chi",
                                                      900, 6, NULL, NULL);
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  gint64 outbox = sp_store_outbox_count (store);

  sp_store_set_actor (store, "dr.patel", SP_ROLE_GP, practices);

  referral = sp_store_refer (store, fixture->patient->record.id, other->record.id, "gp", NULL, NULL, FALSE, &error);
  g_assert_null (referral);
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_assert_false (sp_store_move_referral (store, existing->record.id, "withdrawn", NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_assert_false (sp_store_record_attendance (store, existing->record.id, "2026-05-11", TRUE, NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  g_assert_false (sp_store_set_referral_outcome (store, existing->record.id, "Walks daily", &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_clear_error (&error);

  /* The GP can still read the history. */
  status = status_of (store, existing->record.id);
  g_assert_cmpstr (status, ==, "accepted");
  g_assert_cmpint (sp_test_count_rows (store, "referral"), ==, 1);
  g_assert_cmpint (sp_store_outbox_count (store), ==, outbox);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/referrals/machine", test_machine);
  ADD ("/referrals/move/every-pair", test_every_move);
  ADD ("/referrals/move/unknown-status", test_unknown_status);
  ADD ("/referrals/move/history", test_history);
  ADD ("/referrals/refer/snapshot", test_refer_snapshot);
  ADD ("/referrals/refer/duplicate-open", test_duplicate_open);
  ADD ("/referrals/refer/inactive-offering", test_inactive_offering);
  ADD ("/referrals/attendance/counting", test_attendance);
  ADD ("/referrals/attendance/closed", test_attendance_closed);
  ADD ("/referrals/list/own-practices", test_list_own_practices);
  ADD ("/referrals/role/gp", test_gp_cannot_refer);

#undef ADD

  return g_test_run ();
}
