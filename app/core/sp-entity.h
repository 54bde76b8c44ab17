/* sp-entity.h — how each kind of record is stored, synced and copied
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "sp-types.h"

G_BEGIN_DECLS

typedef enum
{
  SP_COL_TEXT,  /* char *        */
  SP_COL_INT,   /* gint64        */
  SP_COL_BOOL,  /* gboolean      */
  SP_COL_REAL,  /* gdouble, NAN = NULL */
  SP_COL_STRV,  /* char **, stored as a JSON array */
  SP_COL_JSON,  /* JsonNode *, stored as JSON text */
} SpColumnType;

typedef struct
{
  const char   *name;
  SpColumnType  type;
  gsize         offset;
  gboolean      nullable;  /* for SP_COL_INT: SP_UNSET is stored as NULL */
} SpColumn;

typedef enum
{
  SP_ENTITY_CATALOGUE   = 1 << 0, /* shared by every practice; admins write */
  SP_ENTITY_PATIENT     = 1 << 1, /* patient-linked: practice-scoped, audited */
  SP_ENTITY_APPEND_ONLY = 1 << 2, /* ledger rows: never updated, never conflict */
} SpEntityFlags;

typedef struct
{
  const char     *name;    /* in sync and files: "patient" */
  const char     *table;
  SpEntityFlags   flags;
  gsize           size;
  const SpColumn *columns; /* the entity's own columns, after the SpRecord ones */
  guint           n_columns;
  GDestroyNotify  free_func;
} SpEntityInfo;

extern const SpEntityInfo sp_entity_patient;
extern const SpEntityInfo sp_entity_condition;
extern const SpEntityInfo sp_entity_assessment;
extern const SpEntityInfo sp_entity_provider;
extern const SpEntityInfo sp_entity_funder;
extern const SpEntityInfo sp_entity_offering;
extern const SpEntityInfo sp_entity_referral;
extern const SpEntityInfo sp_entity_referral_event;
extern const SpEntityInfo sp_entity_attendance;
extern const SpEntityInfo sp_entity_payment;
extern const SpEntityInfo sp_entity_audit_event;

const SpEntityInfo  *sp_entity_lookup      (const char          *name);
const SpEntityInfo * const *sp_entity_all  (guint               *n_entities);
const SpColumn      *sp_entity_find_column (const SpEntityInfo  *info,
                                            const char          *name);

gpointer    sp_record_new       (const SpEntityInfo  *info);
void        sp_record_free      (const SpEntityInfo  *info,
                                 gpointer             record);
gpointer    sp_record_copy      (const SpEntityInfo  *info,
                                 gconstpointer        record);
JsonObject *sp_record_to_json   (const SpEntityInfo  *info,
                                 gconstpointer        record);
gpointer    sp_record_from_json (const SpEntityInfo  *info,
                                 JsonObject          *object,
                                 gboolean             strict,
                                 GError             **error);
JsonNode   *sp_record_get_node  (const SpEntityInfo  *info,
                                 gconstpointer        record,
                                 const SpColumn      *column);

gboolean    sp_strv_contains    (char               **strv,
                                 const char          *str);

/* Typed new/copy/free and boxed types for each record. */
#define SP_DECLARE_RECORD(TypeName, type_name)                                  \
  GType     type_name##_get_type (void) G_GNUC_CONST;                           \
  TypeName *type_name##_new (void);                                             \
  TypeName *type_name##_copy (const TypeName *self);                            \
  void      type_name##_free (TypeName *self);                                  \
  G_DEFINE_AUTOPTR_CLEANUP_FUNC (TypeName, type_name##_free)

SP_DECLARE_RECORD (SpPatient, sp_patient)
SP_DECLARE_RECORD (SpCondition, sp_condition)
SP_DECLARE_RECORD (SpAssessment, sp_assessment)
SP_DECLARE_RECORD (SpProvider, sp_provider)
SP_DECLARE_RECORD (SpFunder, sp_funder)
SP_DECLARE_RECORD (SpOffering, sp_offering)
SP_DECLARE_RECORD (SpReferral, sp_referral)
SP_DECLARE_RECORD (SpReferralEvent, sp_referral_event)
SP_DECLARE_RECORD (SpAttendance, sp_attendance)
SP_DECLARE_RECORD (SpPayment, sp_payment)
SP_DECLARE_RECORD (SpAuditEvent, sp_audit_event)

#define SP_TYPE_PATIENT (sp_patient_get_type ())
#define SP_TYPE_OFFERING (sp_offering_get_type ())
#define SP_TYPE_REFERRAL (sp_referral_get_type ())

G_END_DECLS
