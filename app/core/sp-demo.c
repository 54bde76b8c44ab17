/* sp-demo.c — the demo catalogue and caseload of Hollinsford
 *
 * The demo is replayed through the same domain calls a link worker's clicks
 * make (refer, accept, attend, pay), each at the moment the file gives, so
 * its history, snapshots and audit trail look like a real desk's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-demo"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-demo.h"
#include "sp-error.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-validate.h"

static JsonNode *
load_resource_json (const char  *path,
                    GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), error))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
load_records (SpStore             *store,
              const SpEntityInfo  *info,
              JsonArray           *array,
              GError             **error)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      gpointer rec;
      gboolean ok;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("Item %u of the %s list is not a record."), i + 1, info->name);
          return FALSE;
        }
      rec = sp_record_from_json (info, json_node_get_object (node), FALSE, error);
      if (rec == NULL)
        return FALSE;
      ok = sp_store_save (store, info, rec, error);
      sp_record_free (info, rec);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* {funders: [...], providers: [...], offerings: [...]}, in Signpost's own
 * field names, applied in one transaction. */
gboolean
sp_store_load_catalogue (SpStore     *store,
                         JsonNode    *root,
                         GError     **error)
{
  JsonObject *object;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("A catalogue file holds an object with funders, providers and offerings."));
      return FALSE;
    }
  object = json_node_get_object (root);

  if (!sp_store_begin (store, error))
    return FALSE;
  if (!load_records (store, &sp_entity_funder, member_array (object, "funders"), error) ||
      !load_records (store, &sp_entity_provider, member_array (object, "providers"), error) ||
      !load_records (store, &sp_entity_offering, member_array (object, "offerings"), error))
    {
      sp_store_rollback (store);
      return FALSE;
    }
  return sp_store_commit (store, error);
}

/* "2026-03-02T10:00:00Z" plus some days, at the same time of day. */
static char *
add_days (const char *utc_time,
          gint        days)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601 (utc_time, NULL);
  g_autoptr(GDateTime) later = NULL;

  if (t == NULL)
    return NULL;
  later = g_date_time_add_days (t, days);
  return g_date_time_format (later, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
move_at (SpStore     *store,
         const char  *referral_id,
         const char  *to,
         const char  *when,
         GError     **error)
{
  sp_store_set_clock (store, when);
  return sp_store_move_referral (store, referral_id, to, NULL, error);
}

/* Replays a referral from draft or referred to its final state. */
static gboolean
replay_referral (SpStore     *store,
                 const char  *patient_id,
                 JsonObject  *r,
                 GHashTable  *referral_ids,
                 GError     **error)
{
  const char *status = member_string (r, "status");
  const char *referred_at = member_string (r, "referred_at");
  gint64 attended = json_object_get_int_member_with_default (r, "sessions_attended", 0);
  g_autoptr(SpReferral) referral = NULL;
  g_autofree char *accepted_at = NULL;
  g_autofree char *last = NULL;
  JsonArray *payments;

  if (status == NULL || referred_at == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("A demo referral needs a status and the time it was made."));
      return FALSE;
    }

  sp_store_set_clock (store, referred_at);
  referral = sp_store_refer (store, patient_id, member_string (r, "offering_id"),
                             member_string (r, "route"), member_string (r, "reason"),
                             member_string (r, "goals"), g_str_equal (status, "draft"), error);
  if (referral == NULL)
    return FALSE;
  g_hash_table_insert (referral_ids, g_strdup (member_string (r, "id")), g_strdup (referral->record.id));

  accepted_at = add_days (referred_at, 4);
  last = g_strdup (accepted_at);

  if (g_str_equal (status, "declined") || g_str_equal (status, "withdrawn"))
    return move_at (store, referral->record.id, status, accepted_at, error);

  if (g_str_equal (status, "accepted") || g_str_equal (status, "attending") ||
      g_str_equal (status, "completed") || g_str_equal (status, "did_not_attend"))
    {
      if (!move_at (store, referral->record.id, "accepted", accepted_at, error))
        return FALSE;
    }

  /* Weekly sessions from two weeks after referral. */
  for (gint64 i = 0; i < attended; i++)
    {
      g_autofree char *when = add_days (referred_at, 14 + 7 * (gint) i);
      g_autofree char *date = g_strndup (when, 10);

      sp_store_set_clock (store, when);
      if (!sp_store_record_attendance (store, referral->record.id, date, TRUE, NULL, error))
        return FALSE;
      g_free (last);
      last = g_steal_pointer (&when);
    }

  if (g_str_equal (status, "completed") || g_str_equal (status, "did_not_attend"))
    {
      g_autofree char *when = add_days (last, 1);
      if (!move_at (store, referral->record.id, status, when, error))
        return FALSE;
    }

  if (member_string (r, "outcome") != NULL &&
      !sp_store_set_referral_outcome (store, referral->record.id, member_string (r, "outcome"), error))
    return FALSE;

  /* What the patient and the link worker said at the end. */
  if (member_string (r, "safety_concern") != NULL || member_string (r, "fft") != NULL)
    {
      g_autoptr(SpReferral) current = sp_store_get_referral (store, referral->record.id, error);
      if (current == NULL)
        return FALSE;
      current->safety_concern = g_strdup (member_string (r, "safety_concern"));
      current->fft = g_strdup (member_string (r, "fft"));
      if (!sp_store_save (store, &sp_entity_referral, current, error))
        return FALSE;
    }

  payments = member_array (r, "payments");
  for (guint i = 0; payments != NULL && i < json_array_get_length (payments); i++)
    {
      JsonObject *p = json_array_get_object_element (payments, i);
      g_autoptr(SpPayment) payment = sp_record_from_json (&sp_entity_payment, p, FALSE, error);

      if (payment == NULL)
        return FALSE;
      g_free (payment->referral_id);
      payment->referral_id = g_strdup (referral->record.id);
      sp_store_set_clock (store, payment->paid_at);
      if (!sp_store_add_payment (store, payment, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
seed_patient (SpStore     *store,
              JsonObject  *p,
              GError     **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GHashTable) referral_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *array;
  const char *first_time = NULL;

  patient = sp_record_from_json (&sp_entity_patient, p, FALSE, error);
  if (patient == NULL)
    return FALSE;

  /* The patient was registered with us at their first measure. */
  array = member_array (p, "assessments");
  if (array != NULL && json_array_get_length (array) > 0)
    first_time = member_string (json_array_get_object_element (array, 0), "taken_at");
  sp_store_set_clock (store, first_time ? first_time : "2026-01-05T09:00:00Z");

  if (!sp_store_add_patient (store, patient, error))
    return FALSE;

  array = member_array (p, "conditions");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autoptr(SpCondition) condition =
        sp_record_from_json (&sp_entity_condition, json_array_get_object_element (array, i), FALSE, error);
      if (condition == NULL)
        return FALSE;
      condition->patient_id = g_strdup (patient->record.id);
      if (!sp_store_add_condition (store, condition, error))
        return FALSE;
    }

  array = member_array (p, "referrals");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (!replay_referral (store, patient->record.id, json_array_get_object_element (array, i),
                         referral_ids, error))
      return FALSE;

  array = member_array (p, "assessments");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autoptr(SpAssessment) assessment =
        sp_record_from_json (&sp_entity_assessment, json_array_get_object_element (array, i), FALSE, error);
      if (assessment == NULL)
        return FALSE;
      g_free (assessment->patient_id);
      assessment->patient_id = g_strdup (patient->record.id);
      if (assessment->referral_id != NULL)
        {
          const char *mapped = g_hash_table_lookup (referral_ids, assessment->referral_id);
          g_free (assessment->referral_id);
          assessment->referral_id = g_strdup (mapped);
        }
      sp_store_set_clock (store, assessment->taken_at);
      if (!sp_store_add_assessment (store, assessment, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
seed_in_transaction (SpStore     *store,
                     GError     **error)
{
  g_autoptr(JsonNode) catalogue = NULL;
  g_autoptr(JsonNode) patients = NULL;
  JsonObject *root;
  JsonObject *practice;
  JsonArray *array;

  catalogue = load_resource_json ("/org/signpost/core/demo/catalogue.json", error);
  if (catalogue == NULL)
    return FALSE;
  patients = load_resource_json ("/org/signpost/core/demo/patients.json", error);
  if (patients == NULL)
    return FALSE;
  root = json_node_get_object (patients);

  if (sp_store_get_practice (store) == NULL)
    {
      practice = json_object_get_object_member (root, "practice");
      if (!sp_store_set_local_practice (store, member_string (practice, "ods"),
                                        member_string (practice, "name"), error))
        return FALSE;
    }

  sp_store_set_clock (store, "2026-01-05T09:00:00Z");
  if (!sp_store_load_catalogue (store, catalogue, error))
    return FALSE;

  array = member_array (root, "patients");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (!seed_patient (store, json_array_get_object_element (array, i), error))
      return FALSE;

  return sp_store_set_meta (store, "demo_seeded", "1", error);
}

/* Fills a store with the Hollinsford demo: the catalogue and thirty
 * patients with their history. All or nothing. */
gboolean
sp_store_seed_demo (SpStore  *store,
                    GError  **error)
{
  gboolean ok;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);

  if (!sp_store_is_empty (store))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_DUPLICATE,
                           _("This database already holds patients or a catalogue, so the demo was not loaded. "
                             "Use a new, empty database to try the demo."));
      return FALSE;
    }

  if (!sp_store_begin (store, error))
    return FALSE;
  ok = seed_in_transaction (store, error);
  sp_store_set_clock (store, NULL);
  if (!ok)
    {
      g_prefix_error (error, _("The demo data could not be loaded: "));
      sp_store_rollback (store);
      return FALSE;
    }
  return sp_store_commit (store, error);
}
