/* sp-vocab.c — the fixed vocabularies Signpost stores as codes
 *
 * Codes are stable identifiers written to the database, to sync and to
 * files; labels are what a person reads and are translated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-vocab"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-vocab.h"

static const SpVocabEntry msk_conditions[] = {
  { "low_back_pain", N_("Low back pain") },
  { "neck_pain", N_("Neck pain") },
  { "shoulder_pain", N_("Shoulder pain") },
  { "knee_pain", N_("Knee pain") },
  { "hip_pain", N_("Hip pain") },
  { "osteoarthritis", N_("Osteoarthritis") },
  { "inflammatory_arthritis", N_("Inflammatory arthritis") },
  { "fibromyalgia", N_("Fibromyalgia or chronic widespread pain") },
  { "msk_other", N_("Other musculoskeletal problem") },
};

static const SpVocabEntry mh_conditions[] = {
  { "depression", N_("Depression") },
  { "anxiety", N_("Anxiety") },
  { "low_mood", N_("Low mood") },
  { "stress", N_("Stress") },
  { "mh_other", N_("Other mental-health problem") },
};

static const SpVocabEntry modalities[] = {
  { "yoga", N_("Yoga") },
  { "tai_chi", N_("Tai chi") },
  { "qigong", N_("Qigong") },
  { "pilates", N_("Pilates") },
  { "walking_group", N_("Walking group") },
  { "strength_balance", N_("Strength and balance") },
  { "aquatic_exercise", N_("Aquatic exercise") },
  { "exercise_class", N_("Exercise class") },
  { "acupuncture", N_("Acupuncture") },
  { "massage", N_("Massage") },
  { "osteopathy", N_("Osteopathy") },
  { "chiropractic", N_("Chiropractic") },
  { "physiotherapy", N_("Physiotherapy") },
  { "mindfulness", N_("Mindfulness (MBCT/MBSR)") },
  { "meditation", N_("Meditation") },
  { "pain_management", N_("Pain-management group") },
  { "telephone_cbt", N_("Telephone CBT") },
  { "arts", N_("Arts group") },
  { "gardening", N_("Gardening group") },
  { "singing", N_("Singing group") },
  { "peer_support", N_("Peer support") },
  { "homeopathy", N_("Homeopathy") },
  { "other", N_("Other") },
};

static const SpVocabEntry formats[] = {
  { "group", N_("Group") },
  { "one_to_one", N_("One to one") },
  { "online", N_("Online") },
  { "telephone", N_("Telephone") },
};

static const SpVocabEntry income_bands[] = {
  { "exempt", N_("Exempt (on qualifying benefits)") },
  { "low", N_("Low income") },
  { "middle", N_("Middle income") },
  { "standard", N_("Standard (full fee)") },
  { "unknown", N_("Not recorded") },
};

static const SpVocabEntry funder_kinds[] = {
  { "icb", N_("Integrated care board") },
  { "gp_practice", N_("GP practice") },
  { "charity", N_("Charity") },
  { "public_health", N_("Public health") },
  { "personal_health_budget", N_("Personal health budget") },
  { "other", N_("Other") },
};

static const SpVocabEntry intensities[] = {
  { "gentle", N_("Gentle") },
  { "moderate", N_("Moderate") },
  { "vigorous", N_("Vigorous") },
};

static const SpVocabEntry evidence_levels[] = {
  { "strong", N_("Strong evidence (recommended by NICE)") },
  { "moderate", N_("Moderate evidence") },
  { "emerging", N_("Emerging evidence") },
  { "limited", N_("Limited evidence") },
};

static const SpVocabEntry access_features[] = {
  { "wheelchair_access", N_("Wheelchair access") },
  { "step_free", N_("Step-free access") },
  { "hearing_loop", N_("Hearing loop") },
  { "interpreter", N_("Interpreter available") },
  { "female_practitioner", N_("Female practitioner available") },
  { "large_print", N_("Large-print materials") },
  { "quiet_space", N_("Quiet space") },
  { "parking", N_("Parking") },
  { "bus_route", N_("On a bus route") },
};

static const SpVocabEntry precautions[] = {
  { "pregnancy", N_("Pregnancy") },
  { "bleeding_disorder", N_("Bleeding disorder") },
  { "anticoagulants", N_("Takes anticoagulants") },
  { "recent_surgery", N_("Recent surgery") },
  { "uncontrolled_epilepsy", N_("Uncontrolled epilepsy") },
  { "open_wounds", N_("Open wounds") },
  { "severe_osteoporosis", N_("Severe osteoporosis") },
  { "active_crisis", N_("Current mental-health crisis") },
  { "falls_risk", N_("High risk of falls") },
};

static const SpVocabEntry travel[] = {
  { "remote_only", N_("From home only (telephone or online)") },
  { "walk", N_("Walking distance (2 km)") },
  { "local", N_("Local (5 km)") },
  { "town", N_("Across town (15 km)") },
  { "any", N_("Any distance") },
};

static const SpVocabEntry days[] = {
  { "mon", N_("Monday") },
  { "tue", N_("Tuesday") },
  { "wed", N_("Wednesday") },
  { "thu", N_("Thursday") },
  { "fri", N_("Friday") },
  { "sat", N_("Saturday") },
  { "sun", N_("Sunday") },
};

static const SpVocabEntry sexes[] = {
  { "female", N_("Female") },
  { "male", N_("Male") },
  { "other", N_("Other") },
  { "not_stated", N_("Not stated") },
};

static const SpVocabEntry contacts[] = {
  { "phone", N_("Phone call") },
  { "sms", N_("Text message") },
  { "email", N_("Email") },
  { "letter", N_("Letter") },
};

static const SpVocabEntry routes[] = {
  { "gp", N_("GP referral") },
  { "self", N_("Self-referral") },
  { "nhs_other", N_("Other NHS professional") },
  { "non_nhs", N_("Non-NHS referrer") },
};

static const SpVocabEntry referral_statuses[] = {
  { "draft", N_("Draft") },
  { "referred", N_("Referred") },
  { "accepted", N_("Accepted") },
  { "attending", N_("Attending") },
  { "completed", N_("Completed") },
  { "declined", N_("Declined") },
  { "did_not_attend", N_("Did not attend") },
  { "withdrawn", N_("Withdrawn") },
};

static const SpVocabEntry payment_methods[] = {
  { "cash", N_("Cash") },
  { "card", N_("Card") },
  { "bank_transfer", N_("Bank transfer") },
  { "invoice", N_("Invoice") },
};

static const SpVocabEntry payers[] = {
  { "patient", N_("Patient") },
  { "funder", N_("Funder") },
};

static const SpVocabEntry stages[] = {
  { "baseline", N_("Baseline") },
  { "follow_up", N_("Follow-up") },
  { "other", N_("Other") },
};

static const SpVocabEntry steps[] = {
  { "1", N_("Step 1: self-management and information") },
  { "2", N_("Step 2: group activity or class") },
  { "3", N_("Step 3: individual therapy") },
  { "4", N_("Step 4: specialist service") },
};

/* NHS Friends and Family Test: "Overall, how was your experience of our
 * service?" */
static const SpVocabEntry fft_answers[] = {
  { "very_good", N_("Very good") },
  { "good", N_("Good") },
  { "neither", N_("Neither good nor poor") },
  { "poor", N_("Poor") },
  { "very_poor", N_("Very poor") },
  { "dont_know", N_("Don’t know") },
};

typedef struct
{
  const char *name;
  const SpVocabEntry *entries;
  guint n_entries;
} VocabTable;

#define TABLE(n, t) { n, t, G_N_ELEMENTS (t) }

static const VocabTable tables[SP_N_VOCABS] = {
  [SP_VOCAB_MSK_CONDITION] = TABLE (N_("musculoskeletal condition"), msk_conditions),
  [SP_VOCAB_MH_CONDITION] = TABLE (N_("mental-health condition"), mh_conditions),
  [SP_VOCAB_MODALITY] = TABLE (N_("modality"), modalities),
  [SP_VOCAB_FORMAT] = TABLE (N_("format"), formats),
  [SP_VOCAB_INCOME_BAND] = TABLE (N_("income band"), income_bands),
  [SP_VOCAB_FUNDER_KIND] = TABLE (N_("funder kind"), funder_kinds),
  [SP_VOCAB_INTENSITY] = TABLE (N_("intensity"), intensities),
  [SP_VOCAB_EVIDENCE] = TABLE (N_("evidence level"), evidence_levels),
  [SP_VOCAB_ACCESS] = TABLE (N_("access feature"), access_features),
  [SP_VOCAB_PRECAUTION] = TABLE (N_("precaution"), precautions),
  [SP_VOCAB_TRAVEL] = TABLE (N_("travel preference"), travel),
  [SP_VOCAB_DAY] = TABLE (N_("day"), days),
  [SP_VOCAB_SEX] = TABLE (N_("sex"), sexes),
  [SP_VOCAB_CONTACT] = TABLE (N_("preferred contact"), contacts),
  [SP_VOCAB_ROUTE] = TABLE (N_("referral route"), routes),
  [SP_VOCAB_REFERRAL_STATUS] = TABLE (N_("referral status"), referral_statuses),
  [SP_VOCAB_PAYMENT_METHOD] = TABLE (N_("payment method"), payment_methods),
  [SP_VOCAB_PAYER] = TABLE (N_("payer"), payers),
  [SP_VOCAB_STAGE] = TABLE (N_("assessment stage"), stages),
  [SP_VOCAB_STEP] = TABLE (N_("stepped-care level"), steps),
  [SP_VOCAB_FFT] = TABLE (N_("Friends and Family Test answer"), fft_answers),
};

const SpVocabEntry *
sp_vocab_entries (SpVocab  vocab,
                  guint   *n_entries)
{
  g_return_val_if_fail (vocab < SP_N_VOCABS, NULL);

  if (n_entries != NULL)
    *n_entries = tables[vocab].n_entries;
  return tables[vocab].entries;
}

static const SpVocabEntry *
find_entry (SpVocab     vocab,
            const char *code)
{
  const VocabTable *table = &tables[vocab];

  if (code == NULL)
    return NULL;
  for (guint i = 0; i < table->n_entries; i++)
    if (g_str_equal (table->entries[i].code, code))
      return &table->entries[i];
  return NULL;
}

gboolean
sp_vocab_contains (SpVocab     vocab,
                   const char *code)
{
  g_return_val_if_fail (vocab < SP_N_VOCABS, FALSE);

  return find_entry (vocab, code) != NULL;
}

/* Unknown codes (from a newer peer, say) are shown as they are rather than
 * hidden, so nothing a colleague recorded disappears from view. */
const char *
sp_vocab_label (SpVocab     vocab,
                const char *code)
{
  const SpVocabEntry *entry;

  g_return_val_if_fail (vocab < SP_N_VOCABS, NULL);

  entry = find_entry (vocab, code);
  return entry != NULL ? _(entry->label) : code;
}

const char *
sp_vocab_name (SpVocab vocab)
{
  g_return_val_if_fail (vocab < SP_N_VOCABS, NULL);

  return _(tables[vocab].name);
}

/* "a, b, c": for error messages that say what is allowed. */
char *
sp_vocab_codes (SpVocab vocab)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (vocab < SP_N_VOCABS, NULL);

  for (guint i = 0; i < tables[vocab].n_entries; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, tables[vocab].entries[i].code);
    }
  return g_string_free (out, FALSE);
}
