/* sp-entity.c — column tables and the generic record machinery
 *
 * Each record type is described once, here; copying, freeing, JSON for sync
 * and files, and the SQL in sp-store.c all follow from these tables, so a
 * new field is one line, not six.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-entity"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-entity.h"

#define COL(T, f, type) { #f, type, G_STRUCT_OFFSET (T, f), FALSE }
#define OPT(T, f)       { #f, SP_COL_INT, G_STRUCT_OFFSET (T, f), TRUE }

static const SpColumn record_columns[] = {
  COL (SpRecord, id, SP_COL_TEXT),
  COL (SpRecord, practice, SP_COL_TEXT),
  COL (SpRecord, rev, SP_COL_INT),
  COL (SpRecord, deleted, SP_COL_BOOL),
  COL (SpRecord, updated_at, SP_COL_TEXT),
  COL (SpRecord, updated_by, SP_COL_TEXT),
};

#define T SpPatient
static const SpColumn patient_columns[] = {
  COL (T, nhs_number, SP_COL_TEXT),
  COL (T, given_name, SP_COL_TEXT),
  COL (T, family_name, SP_COL_TEXT),
  COL (T, date_of_birth, SP_COL_TEXT),
  COL (T, sex, SP_COL_TEXT),
  COL (T, postcode, SP_COL_TEXT),
  COL (T, address, SP_COL_TEXT),
  COL (T, phone, SP_COL_TEXT),
  COL (T, email, SP_COL_TEXT),
  COL (T, preferred_contact, SP_COL_TEXT),
  COL (T, interpreter, SP_COL_BOOL),
  COL (T, language, SP_COL_TEXT),
  COL (T, consent_gp, SP_COL_BOOL),
  COL (T, consent_contact, SP_COL_BOOL),
  COL (T, consent_evaluation, SP_COL_BOOL),
  COL (T, income_band, SP_COL_TEXT),
  COL (T, access_needs, SP_COL_STRV),
  COL (T, precautions, SP_COL_STRV),
  COL (T, travel, SP_COL_TEXT),
  COL (T, lat, SP_COL_REAL),
  COL (T, lon, SP_COL_REAL),
  OPT (T, max_cost_pence),
  COL (T, preferred_formats, SP_COL_STRV),
  COL (T, preferred_days, SP_COL_STRV),
  COL (T, notes, SP_COL_TEXT),
};
#undef T

#define T SpCondition
static const SpColumn condition_columns[] = {
  COL (T, patient_id, SP_COL_TEXT),
  COL (T, kind, SP_COL_TEXT),
  COL (T, code, SP_COL_TEXT),
  COL (T, since, SP_COL_TEXT),
  COL (T, note, SP_COL_TEXT),
};
#undef T

#define T SpAssessment
static const SpColumn assessment_columns[] = {
  COL (T, patient_id, SP_COL_TEXT),
  COL (T, referral_id, SP_COL_TEXT),
  COL (T, measure, SP_COL_TEXT),
  COL (T, answers, SP_COL_JSON),
  COL (T, stage, SP_COL_TEXT),
  COL (T, taken_at, SP_COL_TEXT),
};
#undef T

#define T SpProvider
static const SpColumn provider_columns[] = {
  COL (T, name, SP_COL_TEXT),
  COL (T, phone, SP_COL_TEXT),
  COL (T, email, SP_COL_TEXT),
  COL (T, website, SP_COL_TEXT),
  COL (T, address, SP_COL_TEXT),
  COL (T, regulator, SP_COL_TEXT),
  COL (T, registration_number, SP_COL_TEXT),
  COL (T, notes, SP_COL_TEXT),
  COL (T, source_id, SP_COL_TEXT),
};
#undef T

#define T SpFunder
static const SpColumn funder_columns[] = {
  COL (T, name, SP_COL_TEXT),
  COL (T, kind, SP_COL_TEXT),
  COL (T, budget_pence, SP_COL_INT),
  COL (T, year_start, SP_COL_TEXT),
};
#undef T

#define T SpOffering
static const SpColumn offering_columns[] = {
  COL (T, provider_id, SP_COL_TEXT),
  COL (T, name, SP_COL_TEXT),
  COL (T, modality, SP_COL_TEXT),
  COL (T, description, SP_COL_TEXT),
  COL (T, format, SP_COL_TEXT),
  COL (T, location_name, SP_COL_TEXT),
  COL (T, address, SP_COL_TEXT),
  COL (T, postcode, SP_COL_TEXT),
  COL (T, lat, SP_COL_REAL),
  COL (T, lon, SP_COL_REAL),
  COL (T, schedule, SP_COL_JSON),
  COL (T, schedule_note, SP_COL_TEXT),
  COL (T, sessions, SP_COL_INT),
  COL (T, fee_pence, SP_COL_INT),
  COL (T, sliding_scale, SP_COL_JSON),
  COL (T, funder_ids, SP_COL_STRV),
  COL (T, targets_msk, SP_COL_STRV),
  COL (T, targets_mh, SP_COL_STRV),
  COL (T, contraindications, SP_COL_STRV),
  COL (T, intensity, SP_COL_TEXT),
  COL (T, access_features, SP_COL_STRV),
  OPT (T, capacity),
  COL (T, wait_weeks, SP_COL_INT),
  COL (T, evidence, SP_COL_TEXT),
  COL (T, evidence_note, SP_COL_TEXT),
  COL (T, step, SP_COL_INT),
  COL (T, active, SP_COL_BOOL),
  COL (T, last_verified, SP_COL_TEXT),
  OPT (T, age_min),
  OPT (T, age_max),
  COL (T, eligibility, SP_COL_TEXT),
  COL (T, needs_review, SP_COL_BOOL),
  COL (T, source_id, SP_COL_TEXT),
  COL (T, source_modified, SP_COL_TEXT),
};
#undef T

#define T SpReferral
static const SpColumn referral_columns[] = {
  COL (T, patient_id, SP_COL_TEXT),
  COL (T, offering_id, SP_COL_TEXT),
  COL (T, referrer, SP_COL_TEXT),
  COL (T, route, SP_COL_TEXT),
  COL (T, reason, SP_COL_TEXT),
  COL (T, goals, SP_COL_TEXT),
  COL (T, status, SP_COL_TEXT),
  COL (T, sessions_planned, SP_COL_INT),
  COL (T, sessions_attended, SP_COL_INT),
  COL (T, fee_pence, SP_COL_INT),
  COL (T, patient_share_pence, SP_COL_INT),
  COL (T, funder_share_pence, SP_COL_INT),
  COL (T, funder_id, SP_COL_TEXT),
  COL (T, income_band, SP_COL_TEXT),
  COL (T, outcome, SP_COL_TEXT),
  COL (T, safety_concern, SP_COL_TEXT),
  COL (T, referred_at, SP_COL_TEXT),
  COL (T, gp_letter_sent_at, SP_COL_TEXT),
  COL (T, fft, SP_COL_TEXT),
  COL (T, gp_referral_letter_at, SP_COL_TEXT),
};
#undef T

#define T SpReferralEvent
static const SpColumn referral_event_columns[] = {
  COL (T, referral_id, SP_COL_TEXT),
  COL (T, from_status, SP_COL_TEXT),
  COL (T, to_status, SP_COL_TEXT),
  COL (T, at, SP_COL_TEXT),
  COL (T, by, SP_COL_TEXT),
  COL (T, note, SP_COL_TEXT),
};
#undef T

#define T SpAttendance
static const SpColumn attendance_columns[] = {
  COL (T, referral_id, SP_COL_TEXT),
  COL (T, session_date, SP_COL_TEXT),
  COL (T, attended, SP_COL_BOOL),
  COL (T, note, SP_COL_TEXT),
};
#undef T

#define T SpPayment
static const SpColumn payment_columns[] = {
  COL (T, referral_id, SP_COL_TEXT),
  COL (T, patient_id, SP_COL_TEXT),
  COL (T, payer, SP_COL_TEXT),
  COL (T, funder_id, SP_COL_TEXT),
  COL (T, amount_pence, SP_COL_INT),
  COL (T, method, SP_COL_TEXT),
  COL (T, paid_at, SP_COL_TEXT),
  COL (T, reverses_id, SP_COL_TEXT),
  COL (T, note, SP_COL_TEXT),
};
#undef T

#define T SpAuditEvent
static const SpColumn audit_event_columns[] = {
  COL (T, user, SP_COL_TEXT),
  COL (T, role, SP_COL_TEXT),
  COL (T, entity, SP_COL_TEXT),
  COL (T, entity_id, SP_COL_TEXT),
  COL (T, action, SP_COL_TEXT),
  COL (T, at, SP_COL_TEXT),
};
#undef T

static void sp_entity_patient_free_func (gpointer rec);
static void sp_entity_condition_free_func (gpointer rec);
static void sp_entity_assessment_free_func (gpointer rec);
static void sp_entity_provider_free_func (gpointer rec);
static void sp_entity_funder_free_func (gpointer rec);
static void sp_entity_offering_free_func (gpointer rec);
static void sp_entity_referral_free_func (gpointer rec);
static void sp_entity_referral_event_free_func (gpointer rec);
static void sp_entity_attendance_free_func (gpointer rec);
static void sp_entity_payment_free_func (gpointer rec);
static void sp_entity_audit_event_free_func (gpointer rec);

#define ENTITY(var, nm, tbl, fl, T, cols) \
  const SpEntityInfo var = { nm, tbl, fl, sizeof (T), cols, G_N_ELEMENTS (cols), \
                             (GDestroyNotify) var##_free_func }

ENTITY (sp_entity_patient, "patient", "patient", SP_ENTITY_PATIENT, SpPatient, patient_columns);
ENTITY (sp_entity_condition, "condition", "condition", SP_ENTITY_PATIENT, SpCondition, condition_columns);
ENTITY (sp_entity_assessment, "assessment", "assessment", SP_ENTITY_PATIENT, SpAssessment, assessment_columns);
ENTITY (sp_entity_provider, "provider", "provider", SP_ENTITY_CATALOGUE, SpProvider, provider_columns);
ENTITY (sp_entity_funder, "funder", "funder", SP_ENTITY_CATALOGUE, SpFunder, funder_columns);
ENTITY (sp_entity_offering, "offering", "offering", SP_ENTITY_CATALOGUE, SpOffering, offering_columns);
ENTITY (sp_entity_referral, "referral", "referral", SP_ENTITY_PATIENT, SpReferral, referral_columns);
ENTITY (sp_entity_referral_event, "referral_event", "referral_event",
        SP_ENTITY_PATIENT | SP_ENTITY_APPEND_ONLY, SpReferralEvent, referral_event_columns);
ENTITY (sp_entity_attendance, "attendance", "attendance", SP_ENTITY_PATIENT, SpAttendance, attendance_columns);
ENTITY (sp_entity_payment, "payment", "payment",
        SP_ENTITY_PATIENT | SP_ENTITY_APPEND_ONLY, SpPayment, payment_columns);
ENTITY (sp_entity_audit_event, "audit_event", "audit_event",
        SP_ENTITY_PATIENT | SP_ENTITY_APPEND_ONLY, SpAuditEvent, audit_event_columns);

/* Parents before children, the order sync and seeding apply them in. */
static const SpEntityInfo * const all_entities[] = {
  &sp_entity_funder, &sp_entity_provider, &sp_entity_offering,
  &sp_entity_patient, &sp_entity_condition, &sp_entity_referral,
  &sp_entity_referral_event, &sp_entity_attendance, &sp_entity_assessment,
  &sp_entity_payment, &sp_entity_audit_event,
};

const SpEntityInfo * const *
sp_entity_all (guint *n_entities)
{
  if (n_entities != NULL)
    *n_entities = G_N_ELEMENTS (all_entities);
  return all_entities;
}

const SpEntityInfo *
sp_entity_lookup (const char *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (all_entities); i++)
    if (g_str_equal (all_entities[i]->name, name))
      return all_entities[i];
  return NULL;
}

/* Walks the header columns, then the entity's own. */
#define FOR_EACH_COLUMN(info, c)                                                  \
  for (guint _i = 0, _n = G_N_ELEMENTS (record_columns) + (info)->n_columns;      \
       _i < _n && ((c) = _i < G_N_ELEMENTS (record_columns)                       \
                           ? &record_columns[_i]                                  \
                           : &(info)->columns[_i - G_N_ELEMENTS (record_columns)], TRUE); \
       _i++)

const SpColumn *
sp_entity_find_column (const SpEntityInfo *info,
                       const char         *name)
{
  const SpColumn *c;

  FOR_EACH_COLUMN (info, c)
    if (g_str_equal (c->name, name))
      return c;
  return NULL;
}

#define FIELD(rec, c, type) (*(type *) ((guint8 *) (rec) + (c)->offset))

gpointer
sp_record_new (const SpEntityInfo *info)
{
  gpointer rec = g_malloc0 (info->size);
  const SpColumn *c;

  FOR_EACH_COLUMN (info, c)
    {
      if (c->type == SP_COL_REAL)
        FIELD (rec, c, gdouble) = NAN;
      else if (c->type == SP_COL_INT && c->nullable)
        FIELD (rec, c, gint64) = SP_UNSET;
    }
  return rec;
}

void
sp_record_free (const SpEntityInfo *info,
                gpointer            rec)
{
  const SpColumn *c;

  if (rec == NULL)
    return;

  FOR_EACH_COLUMN (info, c)
    {
      switch (c->type)
        {
        case SP_COL_TEXT:
          g_free (FIELD (rec, c, char *));
          break;
        case SP_COL_STRV:
          g_strfreev (FIELD (rec, c, char **));
          break;
        case SP_COL_JSON:
          g_clear_pointer (&FIELD (rec, c, JsonNode *), json_node_unref);
          break;
        case SP_COL_INT:
        case SP_COL_BOOL:
        case SP_COL_REAL:
        default:
          break;
        }
    }
  g_free (rec);
}

gpointer
sp_record_copy (const SpEntityInfo *info,
                gconstpointer       src)
{
  gpointer rec;
  const SpColumn *c;

  if (src == NULL)
    return NULL;

  rec = g_memdup2 (src, info->size);
  FOR_EACH_COLUMN (info, c)
    {
      switch (c->type)
        {
        case SP_COL_TEXT:
          FIELD (rec, c, char *) = g_strdup (FIELD (src, c, char *));
          break;
        case SP_COL_STRV:
          FIELD (rec, c, char **) = g_strdupv (FIELD (src, c, char **));
          break;
        case SP_COL_JSON:
          if (FIELD (src, c, JsonNode *) != NULL)
            FIELD (rec, c, JsonNode *) = json_node_copy (FIELD (src, c, JsonNode *));
          break;
        case SP_COL_INT:
        case SP_COL_BOOL:
        case SP_COL_REAL:
        default:
          break;
        }
    }
  return rec;
}

JsonNode *
sp_record_get_node (const SpEntityInfo *info,
                    gconstpointer       rec,
                    const SpColumn     *c)
{
  JsonNode *node;

  (void) info;

  switch (c->type)
    {
    case SP_COL_TEXT:
      {
        const char *s = FIELD (rec, c, char *);
        return s ? json_node_init_string (json_node_alloc (), s) : json_node_new (JSON_NODE_NULL);
      }
    case SP_COL_INT:
      {
        gint64 v = FIELD (rec, c, gint64);
        if (c->nullable && v == SP_UNSET)
          return json_node_new (JSON_NODE_NULL);
        return json_node_init_int (json_node_alloc (), v);
      }
    case SP_COL_BOOL:
      return json_node_init_boolean (json_node_alloc (), FIELD (rec, c, gboolean));
    case SP_COL_REAL:
      {
        gdouble v = FIELD (rec, c, gdouble);
        return isnan (v) ? json_node_new (JSON_NODE_NULL) : json_node_init_double (json_node_alloc (), v);
      }
    case SP_COL_STRV:
      {
        char **v = FIELD (rec, c, char **);
        JsonArray *array = json_array_new ();
        for (guint i = 0; v != NULL && v[i] != NULL; i++)
          json_array_add_string_element (array, v[i]);
        node = json_node_init_array (json_node_alloc (), array);
        json_array_unref (array);
        return node;
      }
    case SP_COL_JSON:
      {
        JsonNode *v = FIELD (rec, c, JsonNode *);
        return v ? json_node_copy (v) : json_node_new (JSON_NODE_NULL);
      }
    default:
      g_assert_not_reached ();
    }
}

JsonObject *
sp_record_to_json (const SpEntityInfo *info,
                   gconstpointer       rec)
{
  JsonObject *object = json_object_new ();
  const SpColumn *c;

  FOR_EACH_COLUMN (info, c)
    json_object_set_member (object, c->name, sp_record_get_node (info, rec, c));
  return object;
}

static const char *
column_type_name (SpColumnType type)
{
  switch (type)
    {
    case SP_COL_TEXT:
      return _("text");
    case SP_COL_INT:
      return _("a whole number");
    case SP_COL_BOOL:
      return _("true or false");
    case SP_COL_REAL:
      return _("a number");
    case SP_COL_STRV:
      return _("a list of codes");
    case SP_COL_JSON:
    default:
      return _("structured data");
    }
}

static gboolean
set_field_from_node (gpointer         rec,
                     const SpColumn  *c,
                     JsonNode        *node)
{
  gboolean is_null;

  /* An absent field keeps its default. */
  if (node == NULL)
    return TRUE;
  is_null = JSON_NODE_HOLDS_NULL (node);

  switch (c->type)
    {
    case SP_COL_TEXT:
      if (is_null)
        return TRUE;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return FALSE;
      g_free (FIELD (rec, c, char *));
      FIELD (rec, c, char *) = g_strdup (json_node_get_string (node));
      return TRUE;

    case SP_COL_INT:
      if (is_null)
        {
          if (c->nullable)
            FIELD (rec, c, gint64) = SP_UNSET;
          return c->nullable;
        }
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        return FALSE;
      FIELD (rec, c, gint64) = json_node_get_int (node);
      return TRUE;

    case SP_COL_BOOL:
      if (is_null)
        return TRUE;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return FALSE;
      FIELD (rec, c, gboolean) = json_node_get_boolean (node);
      return TRUE;

    case SP_COL_REAL:
      if (is_null)
        {
          FIELD (rec, c, gdouble) = NAN;
          return TRUE;
        }
      if (!JSON_NODE_HOLDS_VALUE (node) ||
          (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
           json_node_get_value_type (node) != G_TYPE_INT64))
        return FALSE;
      FIELD (rec, c, gdouble) = json_node_get_double (node);
      return TRUE;

    case SP_COL_STRV:
      {
        JsonArray *array;
        GStrvBuilder *builder;

        if (is_null)
          return TRUE;
        if (!JSON_NODE_HOLDS_ARRAY (node))
          return FALSE;
        array = json_node_get_array (node);
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            JsonNode *e = json_array_get_element (array, i);
            if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
              return FALSE;
          }
        builder = g_strv_builder_new ();
        for (guint i = 0; i < json_array_get_length (array); i++)
          g_strv_builder_add (builder, json_array_get_string_element (array, i));
        g_strfreev (FIELD (rec, c, char **));
        FIELD (rec, c, char **) = g_strv_builder_end (builder);
        g_strv_builder_unref (builder);
        return TRUE;
      }

    case SP_COL_JSON:
      g_clear_pointer (&FIELD (rec, c, JsonNode *), json_node_unref);
      if (!is_null)
        FIELD (rec, c, JsonNode *) = json_node_copy (node);
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

/* From a sync page, a demo file or an import. Wrong types are refused with the
 * field named; with @strict, so are fields this version does not know. */
gpointer
sp_record_from_json (const SpEntityInfo  *info,
                     JsonObject          *object,
                     gboolean             strict,
                     GError             **error)
{
  gpointer rec;
  const SpColumn *c;

  g_return_val_if_fail (info != NULL && object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (strict)
    {
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        if (sp_entity_find_column (info, l->data) == NULL)
          {
            g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                         _("A %s record has no field “%s”."),
                         info->name, (const char *) l->data);
            return NULL;
          }
    }

  rec = sp_record_new (info);
  FOR_EACH_COLUMN (info, c)
    {
      JsonNode *node = json_object_get_member (object, c->name);

      if (!set_field_from_node (rec, c, node))
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("The field “%s” of a %s record must be %s."),
                       c->name, info->name, column_type_name (c->type));
          sp_record_free (info, rec);
          return NULL;
        }
    }
  return rec;
}

static void sp_entity_patient_free_func (gpointer rec) { sp_record_free (&sp_entity_patient, rec); }
static void sp_entity_condition_free_func (gpointer rec) { sp_record_free (&sp_entity_condition, rec); }
static void sp_entity_assessment_free_func (gpointer rec) { sp_record_free (&sp_entity_assessment, rec); }
static void sp_entity_provider_free_func (gpointer rec) { sp_record_free (&sp_entity_provider, rec); }
static void sp_entity_funder_free_func (gpointer rec) { sp_record_free (&sp_entity_funder, rec); }
static void sp_entity_offering_free_func (gpointer rec) { sp_record_free (&sp_entity_offering, rec); }
static void sp_entity_referral_free_func (gpointer rec) { sp_record_free (&sp_entity_referral, rec); }
static void sp_entity_referral_event_free_func (gpointer rec) { sp_record_free (&sp_entity_referral_event, rec); }
static void sp_entity_attendance_free_func (gpointer rec) { sp_record_free (&sp_entity_attendance, rec); }
static void sp_entity_payment_free_func (gpointer rec) { sp_record_free (&sp_entity_payment, rec); }
static void sp_entity_audit_event_free_func (gpointer rec) { sp_record_free (&sp_entity_audit_event, rec); }

gboolean
sp_strv_contains (char       **strv,
                  const char  *str)
{
  return strv != NULL && str != NULL && g_strv_contains ((const char * const *) strv, str);
}

#define SP_DEFINE_RECORD(TypeName, type_name, info)                           \
  TypeName *type_name##_new (void) { return sp_record_new (&info); }          \
  TypeName *type_name##_copy (const TypeName *self) { return sp_record_copy (&info, self); } \
  void type_name##_free (TypeName *self) { sp_record_free (&info, self); }    \
  G_DEFINE_BOXED_TYPE (TypeName, type_name, type_name##_copy, type_name##_free)

SP_DEFINE_RECORD (SpPatient, sp_patient, sp_entity_patient)
SP_DEFINE_RECORD (SpCondition, sp_condition, sp_entity_condition)
SP_DEFINE_RECORD (SpAssessment, sp_assessment, sp_entity_assessment)
SP_DEFINE_RECORD (SpProvider, sp_provider, sp_entity_provider)
SP_DEFINE_RECORD (SpFunder, sp_funder, sp_entity_funder)
SP_DEFINE_RECORD (SpOffering, sp_offering, sp_entity_offering)
SP_DEFINE_RECORD (SpReferral, sp_referral, sp_entity_referral)
SP_DEFINE_RECORD (SpReferralEvent, sp_referral_event, sp_entity_referral_event)
SP_DEFINE_RECORD (SpAttendance, sp_attendance, sp_entity_attendance)
SP_DEFINE_RECORD (SpPayment, sp_payment, sp_entity_payment)
SP_DEFINE_RECORD (SpAuditEvent, sp_audit_event, sp_entity_audit_event)
