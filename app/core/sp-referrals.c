/* sp-referrals.c — referrals and their states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-referrals"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"
#include "sp-vocab.h"

typedef struct
{
  const char *from;
  const char *to[5];  /* NULL-terminated */
} Transition;

/* The referral state machine (DESIGN.md). Ends have no way out: a new
 * episode is a new referral, so history is never rewritten. */
static const Transition transitions[] = {
  { "draft", { "referred", "withdrawn", NULL } },
  { "referred", { "accepted", "declined", "withdrawn", NULL } },
  { "accepted", { "attending", "did_not_attend", "declined", "withdrawn" } },
  { "attending", { "completed", "did_not_attend", "withdrawn", NULL } },
  { "completed", { NULL } },
  { "declined", { NULL } },
  { "did_not_attend", { NULL } },
  { "withdrawn", { NULL } },
};

static const char * const no_statuses[] = { NULL };

const char * const *
sp_referral_next_statuses (const char *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (transitions); i++)
    if (g_strcmp0 (transitions[i].from, status) == 0)
      return transitions[i].to;
  return no_statuses;
}

gboolean
sp_referral_can_move (const char *from,
                      const char *to)
{
  const char * const *next = sp_referral_next_statuses (from);

  return to != NULL && g_strv_contains (next, to);
}

/* Open referrals are still in play: a second one to the same offering is
 * refused, and all but drafts hold a place. */
gboolean
sp_referral_status_is_open (const char *status)
{
  return g_strcmp0 (status, "draft") == 0 || g_strcmp0 (status, "referred") == 0 ||
         g_strcmp0 (status, "accepted") == 0 || g_strcmp0 (status, "attending") == 0;
}

static gboolean
add_event (SpStore     *store,
           SpReferral  *referral,
           const char  *from,
           const char  *to,
           const char  *note,
           GError     **error)
{
  g_autoptr(SpReferralEvent) event = sp_referral_event_new ();

  event->record.id = sp_uuid_new ();
  event->record.practice = g_strdup (referral->record.practice);
  event->referral_id = g_strdup (referral->record.id);
  event->from_status = g_strdup (from);
  event->to_status = g_strdup (to);
  event->at = sp_store_now (store);
  event->by = g_strdup (sp_store_get_user (store));
  event->note = g_strdup (note);
  return sp_store_save (store, &sp_entity_referral_event, event, error);
}

static void
snapshot_share (SpReferral       *referral,
                const SpOffering *offering,
                const SpPatient  *patient)
{
  SpShare share;

  sp_offering_share (offering, patient->income_band, &share);
  referral->fee_pence = share.fee_pence;
  referral->patient_share_pence = share.patient_pence;
  referral->funder_share_pence = share.funder_pence;
  g_free (referral->funder_id);
  referral->funder_id = g_strdup (share.funder_id);
  g_free (referral->income_band);
  referral->income_band = g_strdup (patient->income_band);
  referral->sessions_planned = offering->sessions;
}

SpReferral *
sp_store_get_referral (SpStore     *store,
                       const char  *id,
                       GError     **error)
{
  return sp_store_load (store, &sp_entity_referral, id, error);
}

/* Refers a patient to an offering, snapshotting who pays what per session
 * so that a later price change never rewrites this referral. */
SpReferral *
sp_store_refer (SpStore     *store,
                const char  *patient_id,
                const char  *offering_id,
                const char  *route,
                const char  *reason,
                const char  *goals,
                gboolean     as_draft,
                GError     **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpOffering) offering = NULL;
  g_autoptr(GPtrArray) existing = NULL;
  g_autoptr(SpReferral) referral = NULL;
  const char *status = as_draft ? "draft" : "referred";

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sp_store_check_role (store, SP_ROLE_LINK_WORKER, error))
    return NULL;

  if (route == NULL)
    route = "gp";
  if (!sp_vocab_contains (SP_VOCAB_ROUTE, route))
    {
      g_autofree char *allowed = sp_vocab_codes (SP_VOCAB_ROUTE);
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not a referral route. Use one of: %s."), route, allowed);
      return NULL;
    }

  patient = sp_store_get_patient (store, patient_id, error);
  if (patient == NULL)
    return NULL;
  offering = sp_store_load (store, &sp_entity_offering, offering_id, error);
  if (offering == NULL)
    return NULL;
  if (!offering->active)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is no longer running, so no one can be referred to it."), offering->name);
      return NULL;
    }

  existing = sp_store_list_referrals (store, patient_id, error);
  if (existing == NULL)
    return NULL;
  for (guint i = 0; i < existing->len; i++)
    {
      SpReferral *r = existing->pdata[i];
      if (g_strcmp0 (r->offering_id, offering_id) == 0 && sp_referral_status_is_open (r->status))
        {
          g_autofree char *name = sp_patient_display_name (patient);
          g_set_error (error, SP_ERROR, SP_ERROR_DUPLICATE,
                       _("%s already has an open referral to “%s” (%s). Update that referral instead of making a second one."),
                       name, offering->name, sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, r->status));
          return NULL;
        }
    }

  referral = sp_referral_new ();
  referral->record.id = sp_uuid_new ();
  referral->record.practice = g_strdup (patient->record.practice);
  referral->patient_id = g_strdup (patient_id);
  referral->offering_id = g_strdup (offering_id);
  referral->referrer = g_strdup (sp_store_get_user (store));
  referral->route = g_strdup (route);
  referral->reason = g_strdup (reason);
  referral->goals = g_strdup (goals);
  referral->status = g_strdup (status);
  if (!as_draft)
    referral->referred_at = sp_store_now (store);
  snapshot_share (referral, offering, patient);

  if (!sp_store_begin (store, error))
    return NULL;
  if (!sp_store_save (store, &sp_entity_referral, referral, error) ||
      !add_event (store, referral, NULL, status, NULL, error))
    {
      sp_store_rollback (store);
      return NULL;
    }
  if (!sp_store_commit (store, error))
    return NULL;
  return g_steal_pointer (&referral);
}

static char *
describe_allowed (const char *status)
{
  const char * const *next = sp_referral_next_statuses (status);
  GString *out = g_string_new (NULL);

  for (guint i = 0; next[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (out, next[i + 1] ? ", " : _(" or "));
      g_string_append (out, sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, next[i]));
    }
  return g_string_free (out, FALSE);
}

static gboolean
move_in_transaction (SpStore     *store,
                     SpReferral  *referral,
                     const char  *to_status,
                     const char  *note,
                     GError     **error)
{
  g_autofree char *from = g_strdup (referral->status);

  if (!sp_referral_can_move (from, to_status))
    {
      const char *from_label = sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, from);
      const char *to_label = sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, to_status);
      g_autofree char *allowed = describe_allowed (from);

      if (!sp_vocab_contains (SP_VOCAB_REFERRAL_STATUS, to_status))
        {
          g_autofree char *codes = sp_vocab_codes (SP_VOCAB_REFERRAL_STATUS);
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("“%s” is not a referral status. Use one of: %s."),
                       to_status ? to_status : "", codes);
        }
      else if (*allowed == '\0')
        g_set_error (error, SP_ERROR, SP_ERROR_TRANSITION,
                     _("This referral is %s, which is final; it cannot become %s. Make a new referral instead."),
                     from_label, to_label);
      else
        g_set_error (error, SP_ERROR, SP_ERROR_TRANSITION,
                     _("A referral that is %s cannot become %s. It can become: %s."),
                     from_label, to_label, allowed);
      return FALSE;
    }

  /* Leaving draft is the moment of referral: price it now. */
  if (g_str_equal (from, "draft") && g_str_equal (to_status, "referred"))
    {
      g_autoptr(SpPatient) patient = sp_store_get_patient (store, referral->patient_id, error);
      g_autoptr(SpOffering) offering = NULL;

      if (patient == NULL)
        return FALSE;
      offering = sp_store_load (store, &sp_entity_offering, referral->offering_id, error);
      if (offering == NULL)
        return FALSE;
      snapshot_share (referral, offering, patient);
      g_free (referral->referred_at);
      referral->referred_at = sp_store_now (store);
    }

  g_free (referral->status);
  referral->status = g_strdup (to_status);
  return sp_store_save (store, &sp_entity_referral, referral, error) &&
         add_event (store, referral, from, to_status, note, error);
}

gboolean
sp_store_move_referral (SpStore     *store,
                        const char  *referral_id,
                        const char  *to_status,
                        const char  *note,
                        GError     **error)
{
  g_autoptr(SpReferral) referral = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_check_role (store, SP_ROLE_LINK_WORKER, error))
    return FALSE;
  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL)
    return FALSE;

  if (!sp_store_begin (store, error))
    return FALSE;
  if (!move_in_transaction (store, referral, to_status, note, error))
    {
      sp_store_rollback (store);
      return FALSE;
    }
  return sp_store_commit (store, error);
}

/* One session at a time. The first session attended moves an accepted
 * referral to attending, as the provider's register would. */
gboolean
sp_store_record_attendance (SpStore     *store,
                            const char  *referral_id,
                            const char  *session_date,
                            gboolean     attended,
                            const char  *note,
                            GError     **error)
{
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpAttendance) attendance = NULL;
  g_autofree char *today = sp_store_today (store);

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_check_role (store, SP_ROLE_LINK_WORKER, error))
    return FALSE;
  if (session_date == NULL)
    session_date = today;
  if (!sp_date_check (session_date, _("session date"), error))
    return FALSE;

  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL)
    return FALSE;
  if (g_strcmp0 (referral->status, "accepted") != 0 && g_strcmp0 (referral->status, "attending") != 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_TRANSITION,
                   _("Attendance is recorded only for a referral that is accepted or attending; this one is %s."),
                   sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, referral->status));
      return FALSE;
    }

  attendance = sp_attendance_new ();
  attendance->record.id = sp_uuid_new ();
  attendance->record.practice = g_strdup (referral->record.practice);
  attendance->referral_id = g_strdup (referral_id);
  attendance->session_date = g_strdup (session_date);
  attendance->attended = attended;
  attendance->note = g_strdup (note);

  if (!sp_store_begin (store, error))
    return FALSE;
  if (!sp_store_save (store, &sp_entity_attendance, attendance, error))
    goto fail;
  if (attended)
    {
      if (g_str_equal (referral->status, "accepted") &&
          !move_in_transaction (store, referral, "attending", _("First session attended"), error))
        goto fail;
      referral->sessions_attended++;
      if (!sp_store_save (store, &sp_entity_referral, referral, error))
        goto fail;
    }
  return sp_store_commit (store, error);

fail:
  sp_store_rollback (store);
  return FALSE;
}

gboolean
sp_store_set_referral_outcome (SpStore     *store,
                               const char  *referral_id,
                               const char  *outcome,
                               GError     **error)
{
  g_autoptr(SpReferral) referral = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_check_role (store, SP_ROLE_LINK_WORKER, error))
    return FALSE;
  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL)
    return FALSE;
  g_free (referral->outcome);
  referral->outcome = g_strdup (outcome);
  return sp_store_save (store, &sp_entity_referral, referral, error);
}

GPtrArray *
sp_store_list_referrals (SpStore     *store,
                         const char  *patient_id,
                         GError     **error)
{
  if (patient_id == NULL)
    return sp_store_list (store, &sp_entity_referral,
                          "WHERE deleted = 0 ORDER BY coalesce (referred_at, updated_at) DESC, id", NULL, error);
  return sp_store_list (store, &sp_entity_referral,
                        "WHERE patient_id = ?1 AND deleted = 0 ORDER BY coalesce (referred_at, updated_at), id",
                        patient_id, error);
}

GPtrArray *
sp_store_list_referral_events (SpStore     *store,
                               const char  *referral_id,
                               GError     **error)
{
  return sp_store_list (store, &sp_entity_referral_event,
                        "WHERE referral_id = ?1 AND deleted = 0 ORDER BY at, rowid", referral_id, error);
}
