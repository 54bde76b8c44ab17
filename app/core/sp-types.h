/* sp-types.h — the records Signpost keeps
 *
 * Every synced record starts with an SpRecord header. Field names match the
 * database columns, the sync protocol and the demo data files one for one;
 * the column tables in sp-entity.c say how each is stored.
 *
 * Conventions: text is UTF-8 (NULL when absent); money is gint64 pence;
 * optional whole numbers are -1 when not set; optional coordinates are NAN;
 * dates are "YYYY-MM-DD" and times "YYYY-MM-DDTHH:MM:SSZ", always UTC.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SP_UNSET (-1)

typedef struct
{
  char     *id;          /* UUID made by the client that created it */
  char     *practice;    /* ODS code; NULL for catalogue rows */
  gint64    rev;         /* server revision; 0 = never synced */
  gboolean  deleted;     /* tombstone */
  char     *updated_at;
  char     *updated_by;
} SpRecord;

typedef struct
{
  SpRecord  record;
  char     *nhs_number;        /* ten digits */
  char     *given_name;
  char     *family_name;
  char     *date_of_birth;
  char     *sex;               /* SP_VOCAB_SEX */
  char     *postcode;
  char     *address;
  char     *phone;
  char     *email;
  char     *preferred_contact; /* SP_VOCAB_CONTACT */
  gboolean  interpreter;
  char     *language;
  gboolean  consent_gp;        /* may share clinical detail with the GP */
  gboolean  consent_contact;   /* may be contacted by providers */
  gboolean  consent_evaluation;/* may count in anonymised evaluation */
  char     *income_band;       /* SP_VOCAB_INCOME_BAND */
  char    **access_needs;      /* SP_VOCAB_ACCESS */
  char    **precautions;       /* SP_VOCAB_PRECAUTION */
  char     *travel;            /* SP_VOCAB_TRAVEL */
  gdouble   lat;
  gdouble   lon;
  gint64    max_cost_pence;    /* per session; SP_UNSET = no ceiling */
  char    **preferred_formats; /* SP_VOCAB_FORMAT */
  char    **preferred_days;    /* SP_VOCAB_DAY */
  char     *notes;
} SpPatient;

typedef struct
{
  SpRecord  record;
  char     *patient_id;
  char     *kind;    /* "msk" or "mh" */
  char     *code;    /* SP_VOCAB_MSK_CONDITION or SP_VOCAB_MH_CONDITION */
  char     *since;
  char     *note;
} SpCondition;

typedef struct
{
  SpRecord  record;
  char     *patient_id;
  char     *referral_id;  /* NULL when not tied to a referral */
  char     *measure;      /* sp_measure_lookup() code */
  JsonNode *answers;      /* array of item answers, null for a skipped item */
  char     *stage;        /* SP_VOCAB_STAGE */
  char     *taken_at;
} SpAssessment;

typedef struct
{
  SpRecord  record;
  char     *name;
  char     *phone;
  char     *email;
  char     *website;
  char     *address;
  char     *regulator;
  char     *registration_number;
  char     *notes;
  char     *source_id;           /* id in the Open Referral feed it came from */
} SpProvider;

typedef struct
{
  SpRecord  record;
  char     *name;
  char     *kind;          /* SP_VOCAB_FUNDER_KIND */
  gint64    budget_pence;  /* per year from year_start */
  char     *year_start;
} SpFunder;

typedef struct
{
  SpRecord  record;
  char     *provider_id;
  char     *name;
  char     *modality;          /* SP_VOCAB_MODALITY */
  char     *description;
  char     *format;            /* SP_VOCAB_FORMAT */
  char     *location_name;
  char     *address;
  char     *postcode;
  gdouble   lat;
  gdouble   lon;
  JsonNode *schedule;          /* [{day, start, end}] */
  char     *schedule_note;
  gint64    sessions;
  gint64    fee_pence;         /* full fee per session */
  JsonNode *sliding_scale;     /* {income band: pence}; standard pays the fee */
  char    **funder_ids;
  char    **targets_msk;
  char    **targets_mh;
  char    **contraindications; /* SP_VOCAB_PRECAUTION */
  char     *intensity;         /* SP_VOCAB_INTENSITY */
  char    **access_features;   /* SP_VOCAB_ACCESS */
  gint64    capacity;          /* places; SP_UNSET = not limited */
  gint64    wait_weeks;
  char     *evidence;          /* SP_VOCAB_EVIDENCE */
  char     *evidence_note;
  gint64    step;              /* stepped care 1–4 */
  gboolean  active;
  char     *last_verified;
  gint64    age_min;
  gint64    age_max;
  char     *eligibility;       /* who may come, in the provider's words */
  gboolean  needs_review;      /* imported, not yet classified: never matched */
  char     *source_id;         /* id in the Open Referral feed it came from */
  char     *source_modified;   /* the feed's last_modified for it */
  /* Not stored: open referrals holding a place, filled by the store. */
  gint64    places_taken;
} SpOffering;

typedef struct
{
  SpRecord  record;
  char     *patient_id;
  char     *offering_id;
  char     *referrer;
  char     *route;                /* SP_VOCAB_ROUTE */
  char     *reason;
  char     *goals;
  char     *status;               /* SP_VOCAB_REFERRAL_STATUS */
  gint64    sessions_planned;
  gint64    sessions_attended;
  /* Snapshot at referral: a later price change never rewrites history. */
  gint64    fee_pence;
  gint64    patient_share_pence;
  gint64    funder_share_pence;
  char     *funder_id;            /* who pays the funder share; NULL = provider concession */
  char     *income_band;
  char     *outcome;
  char     *safety_concern;
  char     *referred_at;
  char     *gp_letter_sent_at;     /* the letter after completion */
  char     *fft;                   /* SP_VOCAB_FFT, asked at completion */
  char     *gp_referral_letter_at; /* the letter after referral */
} SpReferral;

typedef struct
{
  SpRecord  record;
  char     *referral_id;
  char     *from_status;
  char     *to_status;
  char     *at;
  char     *by;
  char     *note;
} SpReferralEvent;

typedef struct
{
  SpRecord  record;
  char     *referral_id;
  char     *session_date;
  gboolean  attended;
  char     *note;
} SpAttendance;

typedef struct
{
  SpRecord  record;
  char     *referral_id;
  char     *patient_id;
  char     *payer;        /* SP_VOCAB_PAYER */
  char     *funder_id;
  gint64    amount_pence; /* negative for a reversal */
  char     *method;       /* SP_VOCAB_PAYMENT_METHOD */
  char     *paid_at;
  char     *reverses_id;  /* the payment this one reverses */
  char     *note;
} SpPayment;

typedef struct
{
  SpRecord  record;
  char     *user;
  char     *role;
  char     *entity;
  char     *entity_id;
  char     *action;  /* view, create, update, delete, export, print */
  char     *at;
} SpAuditEvent;

G_END_DECLS
