/* sp-referral-item.c — one row of the referrals list: a referral at a glance
 *
 * An immutable snapshot made by SpReferralList when it reads the store;
 * the list makes new ones after the store changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-referral-item"

#include "config.h"

#include "sp-referral-item.h"

struct _SpReferralItem
{
  GObject  parent_instance;

  char    *id;
  char    *patient_id;
  char    *patient_name;
  char    *nhs_number;
  char    *offering_name;
  char    *status;
  char    *referred_at;
  gint     sessions_attended;
  gint     sessions_planned;
};

G_DEFINE_FINAL_TYPE (SpReferralItem, sp_referral_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_PATIENT_ID,
  PROP_PATIENT_NAME,
  PROP_NHS_NUMBER,
  PROP_OFFERING_NAME,
  PROP_STATUS,
  PROP_REFERRED_AT,
  PROP_SESSIONS_ATTENDED,
  PROP_SESSIONS_PLANNED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sp_referral_item_finalize (GObject *object)
{
  SpReferralItem *self = SP_REFERRAL_ITEM (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->patient_id, g_free);
  g_clear_pointer (&self->patient_name, g_free);
  g_clear_pointer (&self->nhs_number, g_free);
  g_clear_pointer (&self->offering_name, g_free);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->referred_at, g_free);

  G_OBJECT_CLASS (sp_referral_item_parent_class)->finalize (object);
}

static void
sp_referral_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpReferralItem *self = SP_REFERRAL_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_PATIENT_ID:
      g_value_set_string (value, self->patient_id);
      break;
    case PROP_PATIENT_NAME:
      g_value_set_string (value, self->patient_name);
      break;
    case PROP_NHS_NUMBER:
      g_value_set_string (value, self->nhs_number);
      break;
    case PROP_OFFERING_NAME:
      g_value_set_string (value, self->offering_name);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_REFERRED_AT:
      g_value_set_string (value, self->referred_at);
      break;
    case PROP_SESSIONS_ATTENDED:
      g_value_set_int (value, self->sessions_attended);
      break;
    case PROP_SESSIONS_PLANNED:
      g_value_set_int (value, self->sessions_planned);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_referral_item_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpReferralItem *self = SP_REFERRAL_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_PATIENT_ID:
      self->patient_id = g_value_dup_string (value);
      break;
    case PROP_PATIENT_NAME:
      self->patient_name = g_value_dup_string (value);
      break;
    case PROP_NHS_NUMBER:
      self->nhs_number = g_value_dup_string (value);
      break;
    case PROP_OFFERING_NAME:
      self->offering_name = g_value_dup_string (value);
      break;
    case PROP_STATUS:
      self->status = g_value_dup_string (value);
      break;
    case PROP_REFERRED_AT:
      self->referred_at = g_value_dup_string (value);
      break;
    case PROP_SESSIONS_ATTENDED:
      self->sessions_attended = g_value_get_int (value);
      break;
    case PROP_SESSIONS_PLANNED:
      self->sessions_planned = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_referral_item_class_init (SpReferralItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sp_referral_item_finalize;
  object_class->get_property = sp_referral_item_get_property;
  object_class->set_property = sp_referral_item_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_PATIENT_ID] = g_param_spec_string ("patient-id", NULL, NULL, NULL, flags);
  /* "Given Family", as a person reads it. */
  properties[PROP_PATIENT_NAME] = g_param_spec_string ("patient-name", NULL, NULL, NULL, flags);
  /* Formatted 3 3 4. */
  properties[PROP_NHS_NUMBER] = g_param_spec_string ("nhs-number", NULL, NULL, NULL, flags);
  /* NULL when the offering is no longer in the catalogue. */
  properties[PROP_OFFERING_NAME] = g_param_spec_string ("offering-name", NULL, NULL, NULL, flags);
  /* A SP_VOCAB_REFERRAL_STATUS code. */
  properties[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  /* When it was referred (UTC time), or NULL for a draft. */
  properties[PROP_REFERRED_AT] = g_param_spec_string ("referred-at", NULL, NULL, NULL, flags);
  properties[PROP_SESSIONS_ATTENDED] =
    g_param_spec_int ("sessions-attended", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_SESSIONS_PLANNED] =
    g_param_spec_int ("sessions-planned", NULL, NULL, 0, G_MAXINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_referral_item_init (SpReferralItem *self)
{
}

const char *
sp_referral_item_get_id (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), NULL);
  return self->id;
}

const char *
sp_referral_item_get_patient_id (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), NULL);
  return self->patient_id;
}

const char *
sp_referral_item_get_patient_name (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), NULL);
  return self->patient_name;
}

const char *
sp_referral_item_get_nhs_number (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), NULL);
  return self->nhs_number;
}

const char *
sp_referral_item_get_offering_name (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), NULL);
  return self->offering_name;
}

const char *
sp_referral_item_get_status (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), NULL);
  return self->status;
}

const char *
sp_referral_item_get_referred_at (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), NULL);
  return self->referred_at;
}

gint
sp_referral_item_get_sessions_attended (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), 0);
  return self->sessions_attended;
}

gint
sp_referral_item_get_sessions_planned (SpReferralItem *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_ITEM (self), 0);
  return self->sessions_planned;
}
