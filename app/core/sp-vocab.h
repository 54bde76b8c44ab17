/* sp-vocab.h — the fixed vocabularies Signpost stores as codes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SP_VOCAB_MSK_CONDITION,
  SP_VOCAB_MH_CONDITION,
  SP_VOCAB_MODALITY,
  SP_VOCAB_FORMAT,
  SP_VOCAB_INCOME_BAND,
  SP_VOCAB_FUNDER_KIND,
  SP_VOCAB_INTENSITY,
  SP_VOCAB_EVIDENCE,
  SP_VOCAB_ACCESS,
  SP_VOCAB_PRECAUTION,
  SP_VOCAB_TRAVEL,
  SP_VOCAB_DAY,
  SP_VOCAB_SEX,
  SP_VOCAB_CONTACT,
  SP_VOCAB_ROUTE,
  SP_VOCAB_REFERRAL_STATUS,
  SP_VOCAB_PAYMENT_METHOD,
  SP_VOCAB_PAYER,
  SP_VOCAB_STAGE,
  SP_VOCAB_STEP,
  SP_VOCAB_FFT,
  SP_N_VOCABS
} SpVocab;

typedef struct
{
  const char *code;   /* stored in the database and in files */
  const char *label;  /* N_() marked; use sp_vocab_label() for the translated one */
} SpVocabEntry;

const SpVocabEntry *sp_vocab_entries  (SpVocab     vocab,
                                       guint      *n_entries);
gboolean            sp_vocab_contains (SpVocab     vocab,
                                       const char *code);
const char         *sp_vocab_label    (SpVocab     vocab,
                                       const char *code);
const char         *sp_vocab_name     (SpVocab     vocab);
char               *sp_vocab_codes    (SpVocab     vocab);

G_END_DECLS
