/* sp-patient-item.c — one row of the caseload: a patient at a glance
 *
 * A snapshot made by SpPatientList when a row is first shown. The list
 * keeps an item at its position when the filter or the store changes and
 * gives it the patient now at that position instead ("changed" says so):
 * GTK 4.8's list view would otherwise make a new row widget for every new
 * item, some 200 of them at each keystroke.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-patient-item"

#include "config.h"

#include "sp-patient-item.h"

struct _SpPatientItem
{
  GObject   parent_instance;

  char     *id;
  char     *name;
  char     *nhs_number;
  gint      age;
  gboolean  has_msk;
  gboolean  has_mh;
  guint     open_referrals;
  char     *referral_status;
  gboolean  follow_up_due;
};

G_DEFINE_FINAL_TYPE (SpPatientItem, sp_patient_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_NHS_NUMBER,
  PROP_AGE,
  PROP_HAS_MSK,
  PROP_HAS_MH,
  PROP_OPEN_REFERRALS,
  PROP_REFERRAL_STATUS,
  PROP_FOLLOW_UP_DUE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sp_patient_item_finalize (GObject *object)
{
  SpPatientItem *self = SP_PATIENT_ITEM (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->nhs_number, g_free);
  g_clear_pointer (&self->referral_status, g_free);

  G_OBJECT_CLASS (sp_patient_item_parent_class)->finalize (object);
}

static void
sp_patient_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SpPatientItem *self = SP_PATIENT_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_NHS_NUMBER:
      g_value_set_string (value, self->nhs_number);
      break;
    case PROP_AGE:
      g_value_set_int (value, self->age);
      break;
    case PROP_HAS_MSK:
      g_value_set_boolean (value, self->has_msk);
      break;
    case PROP_HAS_MH:
      g_value_set_boolean (value, self->has_mh);
      break;
    case PROP_OPEN_REFERRALS:
      g_value_set_uint (value, self->open_referrals);
      break;
    case PROP_REFERRAL_STATUS:
      g_value_set_string (value, self->referral_status);
      break;
    case PROP_FOLLOW_UP_DUE:
      g_value_set_boolean (value, self->follow_up_due);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_patient_item_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SpPatientItem *self = SP_PATIENT_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_NHS_NUMBER:
      self->nhs_number = g_value_dup_string (value);
      break;
    case PROP_AGE:
      self->age = g_value_get_int (value);
      break;
    case PROP_HAS_MSK:
      self->has_msk = g_value_get_boolean (value);
      break;
    case PROP_HAS_MH:
      self->has_mh = g_value_get_boolean (value);
      break;
    case PROP_OPEN_REFERRALS:
      self->open_referrals = g_value_get_uint (value);
      break;
    case PROP_REFERRAL_STATUS:
      self->referral_status = g_value_dup_string (value);
      break;
    case PROP_FOLLOW_UP_DUE:
      self->follow_up_due = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_patient_item_class_init (SpPatientItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sp_patient_item_finalize;
  object_class->get_property = sp_patient_item_get_property;
  object_class->set_property = sp_patient_item_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /* Formatted 3 3 4, as the NHS prints it. */
  properties[PROP_NHS_NUMBER] =
    g_param_spec_string ("nhs-number", NULL, NULL, NULL, flags);
  /* -1 when the date of birth is not known. */
  properties[PROP_AGE] =
    g_param_spec_int ("age", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_HAS_MSK] =
    g_param_spec_boolean ("has-msk", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_MH] =
    g_param_spec_boolean ("has-mh", NULL, NULL, FALSE, flags);
  properties[PROP_OPEN_REFERRALS] =
    g_param_spec_uint ("open-referrals", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* The status code of the latest referral, or NULL when there is none. */
  properties[PROP_REFERRAL_STATUS] =
    g_param_spec_string ("referral-status", NULL, NULL, NULL, flags);
  properties[PROP_FOLLOW_UP_DUE] =
    g_param_spec_boolean ("follow-up-due", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The item now stands for another patient, or the same one changed. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sp_patient_item_init (SpPatientItem *self)
{
  self->age = -1;
}

const char *
sp_patient_item_get_id (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), NULL);
  return self->id;
}

const char *
sp_patient_item_get_name (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), NULL);
  return self->name;
}

const char *
sp_patient_item_get_nhs_number (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), NULL);
  return self->nhs_number;
}

gint
sp_patient_item_get_age (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), -1);
  return self->age;
}

gboolean
sp_patient_item_get_has_msk (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), FALSE);
  return self->has_msk;
}

gboolean
sp_patient_item_get_has_mh (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), FALSE);
  return self->has_mh;
}

guint
sp_patient_item_get_open_referrals (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), 0);
  return self->open_referrals;
}

const char *
sp_patient_item_get_referral_status (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), NULL);
  return self->referral_status;
}

gboolean
sp_patient_item_get_follow_up_due (SpPatientItem *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_ITEM (self), FALSE);
  return self->follow_up_due;
}

static gboolean
set_text (char       **field,
          const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Makes @self show what @from shows, and says so if anything differs. */
void
sp_patient_item_assign (SpPatientItem *self,
                        SpPatientItem *from)
{
  gboolean changed = FALSE;

  g_return_if_fail (SP_IS_PATIENT_ITEM (self));
  g_return_if_fail (SP_IS_PATIENT_ITEM (from));

  changed |= set_text (&self->id, from->id);
  changed |= set_text (&self->name, from->name);
  changed |= set_text (&self->nhs_number, from->nhs_number);
  changed |= set_text (&self->referral_status, from->referral_status);
  changed |= self->age != from->age || self->has_msk != from->has_msk || self->has_mh != from->has_mh ||
             self->open_referrals != from->open_referrals || self->follow_up_due != from->follow_up_due;
  self->age = from->age;
  self->has_msk = from->has_msk;
  self->has_mh = from->has_mh;
  self->open_referrals = from->open_referrals;
  self->follow_up_due = from->follow_up_due;
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
}
