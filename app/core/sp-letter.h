/* sp-letter.h — the letter to the patient's GP, after referral and after it ends
 *
 * sp_store_letter() reads what the letter may say, already cut down to what
 * the patient's consent allows; sp_letter_sections() lays it out once for
 * every renderer (the plain-text copy, the PDF, the preview), so no renderer
 * decides on its own what to show.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

typedef enum
{
  SP_LETTER_REFERRAL   = 1 << 0,  /* after the referral was made */
  SP_LETTER_COMPLETION = 1 << 1,  /* after the referral ended */
} SpLetterKind;

/* SNOMED CT concepts from measures.md; any other is set per desk (store
 * meta "snomed.MEASURE", e.g. "snomed.gad7"), never guessed here. */
#define SP_SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING "871731000000106"
#define SP_SNOMED_SOCIAL_PRESCRIBING_DECLINED    "871711000000103"
#define SP_SNOMED_PHQ9_SCORE                     "720433000"

typedef struct
{
  char *code;   /* SNOMED CT concept id */
  char *term;   /* its description, in English as SNOMED CT gives it */
  char *value;  /* a score recorded with it, or NULL */
  char *date;   /* "YYYY-MM-DD" it applies to */
} SpLetterCode;

typedef struct
{
  char *measure;         /* sp_measure_lookup() code */
  char *name;            /* translated */
  char *baseline;        /* "14 (moderate)", "incomplete", or NULL */
  char *baseline_date;
  char *follow_up;       /* completion letters only */
  char *follow_up_date;
  char *change;          /* "Reliable improvement", … or NULL */
  char *direction;       /* "lower is better" */
} SpLetterScore;

/**
 * SpLetter:
 * Identifiers, the offering and the dates are always there. Without
 * @consent every field marked (consent) is NULL, SP_UNSET or empty, so no
 * renderer can show clinical detail by mistake.
 */
typedef struct
{
  SpLetterKind  kind;
  char         *referral_id;
  gboolean      consent;            /* the patient agreed to share detail with their GP */
  char         *date;               /* the letter's date */
  char         *practice;           /* "Riverside Surgery (A81001)" */
  char         *title;
  char         *patient_name;
  char         *date_of_birth;
  char         *nhs_number;         /* "943 476 5919" */
  char         *address;            /* with the postcode */
  char         *offering;
  char         *referred_on;
  char         *ended_on;           /* completion letters: the day it ended */
  char         *status;             /* completion letters: completed, declined, … (consent) */
  char         *provider;           /* (consent) */
  char         *modality;           /* (consent) */
  char         *route;              /* (consent) */
  char         *reason;             /* (consent) */
  char         *goals;              /* (consent) */
  GStrv         conditions;         /* (consent) translated labels */
  gint64        sessions_attended;  /* (consent) completion letters */
  gint64        sessions_planned;   /* (consent) */
  GPtrArray    *scores;             /* (consent) SpLetterScore */
  char         *recovery;           /* (consent) PHQ-9 and GAD-7, completion letters */
  char         *outcome;            /* (consent) */
  gboolean      safety_concern;     /* one was raised: said even without consent */
  char         *safety_detail;      /* (consent) */
  char         *link_worker;        /* who signs; a caller may replace it */
  GPtrArray    *codes;              /* SpLetterCode */
} SpLetter;

void      sp_letter_free            (SpLetter      *letter);
SpLetter *sp_store_letter           (SpStore       *store,
                                     const char    *referral_id,
                                     SpLetterKind   kind,
                                     GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpLetter, sp_letter_free)

typedef struct
{
  char *label;  /* NULL for a paragraph */
  char *text;
} SpLetterLine;

typedef struct
{
  char      *heading;  /* NULL for the opening and the closing */
  GPtrArray *lines;    /* SpLetterLine */
} SpLetterSection;

GPtrArray *sp_letter_sections       (const SpLetter *letter);
char      *sp_letter_to_text        (const SpLetter *letter);

gboolean   sp_store_mark_letter_sent (SpStore      *store,
                                      const char   *referral_id,
                                      SpLetterKind  kinds,
                                      GError      **error);

gboolean   sp_snomed_id_is_valid    (const char    *concept_id);

G_END_DECLS
