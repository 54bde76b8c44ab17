/* sp-letter.c — the letter to the patient's GP, after referral and after it ends
 *
 * Consent. Without the patient's consent to share detail with the GP
 * (consent_gp), the letter holds only their identifiers, that a referral to
 * social prescribing was made and when, the name of the offering, and, in
 * the letter after it ends, that it has ended and when; it says so in plain
 * words and carries only the referral's SNOMED CT code. No reason, goals,
 * conditions, provider, attendance, scores, outcome or safety detail is even
 * read into the letter. The one exception is safety: as NHS practice allows
 * a safeguarding concern to be shared without consent, the letter says that
 * a safety concern was raised and that the link worker will contact the
 * practice, without saying what it was.
 *
 * Codes. A SNOMED CT code is added only where measures.md gives it: the
 * referral (871731000000106) once, in the first letter sent; declined
 * (871711000000103); the PHQ-9 score (720433000) with each score. Codes for
 * other measures come from the desk's settings (meta "snomed.gad7", …),
 * checked with the SNOMED CT check digit, never guessed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-letter"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-letter.h"
#include "sp-measure.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* ---- SNOMED CT identifiers ---------------------------------------------- */

/* Verhoeff's dihedral-group check digit, as SNOMED CT uses for every
 * identifier (SNOMED CT Technical Implementation Guide, "Check digit"). */
static const guint8 verhoeff_d[10][10] = {
  { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 },
  { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 }, { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 },
  { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
  { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 },
  { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 }, { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
};

static const guint8 verhoeff_p[8][10] = {
  { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 },
  { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 }, { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 },
  { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
  { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
};

/* A concept id: 6–18 digits, no leading zero, a concept partition ("00"
 * or "10" before the check digit) and a valid check digit. */
gboolean
sp_snomed_id_is_valid (const char *concept_id)
{
  gsize len;
  guint check = 0;

  if (concept_id == NULL)
    return FALSE;
  len = strlen (concept_id);
  if (len < 6 || len > 18 || concept_id[0] == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (concept_id[i]))
      return FALSE;
  if (concept_id[len - 2] != '0' || (concept_id[len - 3] != '0' && concept_id[len - 3] != '1'))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    check = verhoeff_d[check][verhoeff_p[i % 8][concept_id[len - 1 - i] - '0']];
  return check == 0;
}

/* ---- The letter ------------------------------------------------------- */

static void
letter_code_free (SpLetterCode *code)
{
  g_free (code->code);
  g_free (code->term);
  g_free (code->value);
  g_free (code->date);
  g_free (code);
}

static void
letter_score_free (SpLetterScore *score)
{
  g_free (score->measure);
  g_free (score->name);
  g_free (score->baseline);
  g_free (score->baseline_date);
  g_free (score->follow_up);
  g_free (score->follow_up_date);
  g_free (score->change);
  g_free (score->direction);
  g_free (score);
}

void
sp_letter_free (SpLetter *letter)
{
  if (letter == NULL)
    return;
  g_free (letter->referral_id);
  g_free (letter->date);
  g_free (letter->practice);
  g_free (letter->title);
  g_free (letter->patient_name);
  g_free (letter->date_of_birth);
  g_free (letter->nhs_number);
  g_free (letter->address);
  g_free (letter->offering);
  g_free (letter->referred_on);
  g_free (letter->ended_on);
  g_free (letter->status);
  g_free (letter->provider);
  g_free (letter->modality);
  g_free (letter->route);
  g_free (letter->reason);
  g_free (letter->goals);
  g_strfreev (letter->conditions);
  g_clear_pointer (&letter->scores, g_ptr_array_unref);
  g_free (letter->recovery);
  g_free (letter->outcome);
  g_free (letter->safety_detail);
  g_free (letter->link_worker);
  g_clear_pointer (&letter->codes, g_ptr_array_unref);
  g_free (letter);
}

static void
add_code (SpLetter   *letter,
          const char *code,
          const char *term,
          const char *value,
          const char *date)
{
  SpLetterCode *c = g_new0 (SpLetterCode, 1);

  c->code = g_strdup (code);
  c->term = g_strdup (term);
  c->value = g_strdup (value);
  c->date = date != NULL ? g_strndup (date, 10) : NULL;
  g_ptr_array_add (letter->codes, c);
}

/* ---- Reading it in one snapshot ---------------------------------------- */

/* As in sp-report.c: a deferred BEGIN reads one WAL snapshot without taking
 * the write lock; inside a caller's transaction, read in that. */
static gboolean
read_begin (SpStore   *store,
            gboolean  *owned,
            GError   **error)
{
  sqlite3 *db = sp_store_get_handle (store);
  int rc;

  *owned = sqlite3_get_autocommit (db) != 0;
  if (!*owned)
    return TRUE;
  rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

static void
read_end (SpStore  *store,
          gboolean  owned)
{
  sqlite3 *db = sp_store_get_handle (store);

  if (owned && sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- Scores in words --------------------------------------------------- */

/* "14 of 27 (Moderate)"; an incomplete questionnaire is never a low score. */
static char *
score_text (const SpMeasureInfo  *info,
            const SpMeasureScore *score)
{
  g_autoptr(GString) out = NULL;

  if (!score->complete)
    return g_strdup (_("incomplete, so no score"));

  switch (info->id)
    {
    case SP_MEASURE_PHQ9:
    case SP_MEASURE_GAD7:
      return g_strdup_printf (_("%d of %u (%s)"), score->raw_total, info->n_items * (guint) info->item_max,
                              score->band);
    case SP_MEASURE_MSKHQ:
    case SP_MEASURE_PAIN_NRS:
      return g_strdup_printf (_("%d of %u"), score->raw_total, info->n_items * (guint) info->item_max);
    case SP_MEASURE_SWEMWBS:
      {
        char metric[G_ASCII_DTOSTR_BUF_SIZE];

        g_ascii_formatd (metric, sizeof metric, "%.2f", score->score);
        return g_strdup_printf (_("%s of 35 (raw %d)"), metric, score->raw_total);
      }
    case SP_MEASURE_ONS4:
      out = g_string_new (NULL);
      for (guint i = 0; i < info->n_items; i++)
        {
          static const char * const names[] = {
            N_("life satisfaction"), N_("worthwhile"), N_("happy yesterday"), N_("anxious yesterday"),
          };
          g_string_append_printf (out, i == 0 ? "%s %d (%s)" : ", %s %d (%s)", _(names[i]), score->items[i],
                                  sp_measure_ons4_item_band (i, score->items[i]));
        }
      return g_string_free (g_steal_pointer (&out), FALSE);
    case SP_N_MEASURES:
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
direction_text (const SpMeasureInfo *info)
{
  if (info->id == SP_MEASURE_ONS4)
    return _("higher is better, except for anxiety");
  return info->higher_is_better ? _("higher is better") : _("lower is better");
}

/* The value a GP system records with a score's code. */
static char *
code_value (const SpMeasureScore *score)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (score->measure == SP_MEASURE_SWEMWBS)
    return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", score->score));
  return g_strdup_printf ("%d", score->raw_total);
}

/* The earliest baseline and the latest follow-up of each measure, complete
 * ones first: an incomplete one is kept only when there is nothing else. */
typedef struct
{
  const SpAssessment *assessment;
  SpMeasureScore      score;
} Chosen;

static void
choose (Chosen             *slot,
        const SpAssessment *assessment,
        const SpMeasureScore *score,
        gboolean            later_wins)
{
  if (slot->assessment == NULL ||
      (score->complete && !slot->score.complete) ||
      (later_wins && score->complete == slot->score.complete))
    {
      slot->assessment = assessment;
      slot->score = *score;
    }
}

/* The measure's concept id: PHQ-9 from measures.md, others from the desk's
 * settings when valid. */
static char *
measure_code (SpStore             *store,
              const SpMeasureInfo *info)
{
  g_autofree char *key = NULL;
  g_autofree char *configured = NULL;

  if (info->id == SP_MEASURE_PHQ9)
    return g_strdup (SP_SNOMED_PHQ9_SCORE);
  key = g_strconcat ("snomed.", info->code, NULL);
  configured = sp_store_get_meta (store, key);
  if (configured != NULL && !sp_snomed_id_is_valid (configured))
    {
      g_message ("Ignoring the SNOMED CT code “%s” set for %s: it is not a valid concept id",
                 configured, info->code);
      return NULL;
    }
  return g_steal_pointer (&configured);
}

static char *
code_term (const SpMeasureInfo *info)
{
  if (info->id == SP_MEASURE_PHQ9)
    return g_strdup ("Patient Health Questionnaire Nine Item score");
  /* SNOMED CT descriptions are English; so is the measure's own name. */
  return g_strdup_printf ("%s score", info->name);
}

static gboolean
add_scores (SpStore           *store,
            SpLetter          *letter,
            const SpReferral  *referral,
            GError           **error)
{
  g_autoptr(GPtrArray) assessments = NULL;
  Chosen baseline[SP_N_MEASURES] = { { 0, }, };
  Chosen follow_up[SP_N_MEASURES] = { { 0, }, };
  gboolean completion = letter->kind == SP_LETTER_COMPLETION;
  /* A referral letter already gave the GP the baseline scores to code. */
  gboolean code_baseline = !completion || referral->gp_referral_letter_at == NULL;

  assessments = sp_store_list (store, &sp_entity_assessment,
                               "WHERE referral_id = ?1 AND deleted = 0 ORDER BY taken_at, id",
                               referral->record.id, error);
  if (assessments == NULL)
    return FALSE;

  for (guint i = 0; i < assessments->len; i++)
    {
      const SpAssessment *a = assessments->pdata[i];
      const SpMeasureInfo *info = sp_measure_lookup (a->measure);
      gint answers[SP_MEASURE_MAX_ITEMS];
      guint n_answers = 0;
      SpMeasureScore score;

      if (info == NULL || !sp_assessment_answers (a, answers, &n_answers) ||
          !sp_measure_score (info, answers, n_answers, &score, NULL))
        continue;
      if (g_strcmp0 (a->stage, "baseline") == 0)
        choose (&baseline[info->id], a, &score, FALSE);
      else if (g_strcmp0 (a->stage, "follow_up") == 0 && completion)
        choose (&follow_up[info->id], a, &score, TRUE);
    }

  for (SpMeasureId id = 0; id < SP_N_MEASURES; id++)
    {
      const SpMeasureInfo *info = sp_measure_get (id);
      g_autofree char *code = NULL;
      SpLetterScore *s;

      if (baseline[id].assessment == NULL && follow_up[id].assessment == NULL)
        continue;
      code = measure_code (store, info);
      s = g_new0 (SpLetterScore, 1);
      s->measure = g_strdup (info->code);
      s->name = g_strdup (sp_measure_get_name (info));
      s->direction = g_strdup (direction_text (info));
      if (baseline[id].assessment != NULL)
        {
          s->baseline = score_text (info, &baseline[id].score);
          s->baseline_date = g_strndup (baseline[id].assessment->taken_at, 10);
          if (code != NULL && code_baseline && baseline[id].score.complete)
            {
              g_autofree char *term = code_term (info);
              g_autofree char *value = code_value (&baseline[id].score);
              add_code (letter, code, term, value, s->baseline_date);
            }
        }
      if (follow_up[id].assessment != NULL)
        {
          s->follow_up = score_text (info, &follow_up[id].score);
          s->follow_up_date = g_strndup (follow_up[id].assessment->taken_at, 10);
          if (code != NULL && follow_up[id].score.complete)
            {
              g_autofree char *term = code_term (info);
              g_autofree char *value = code_value (&follow_up[id].score);
              add_code (letter, code, term, value, s->follow_up_date);
            }
        }
      if (baseline[id].assessment != NULL && follow_up[id].assessment != NULL)
        s->change = g_strdup (sp_change_to_string (sp_measure_compare (info, &baseline[id].score,
                                                                       &follow_up[id].score)));
      g_ptr_array_add (letter->scores, s);
    }

  if (completion && baseline[SP_MEASURE_PHQ9].assessment && follow_up[SP_MEASURE_PHQ9].assessment &&
      baseline[SP_MEASURE_GAD7].assessment && follow_up[SP_MEASURE_GAD7].assessment)
    {
      SpRecovery recovery = sp_measure_recovery (&baseline[SP_MEASURE_PHQ9].score,
                                                 &follow_up[SP_MEASURE_PHQ9].score,
                                                 &baseline[SP_MEASURE_GAD7].score,
                                                 &follow_up[SP_MEASURE_GAD7].score);
      letter->recovery = g_strdup (sp_recovery_to_string (recovery));
    }
  return TRUE;
}

static GStrv
condition_labels (SpStore     *store,
                  const char  *patient_id,
                  GError     **error)
{
  g_autoptr(GPtrArray) conditions = sp_store_list_conditions (store, patient_id, error);
  g_autoptr(GStrvBuilder) labels = g_strv_builder_new ();

  if (conditions == NULL)
    return NULL;
  for (guint i = 0; i < conditions->len; i++)
    {
      const SpCondition *c = conditions->pdata[i];
      SpVocab vocab = g_strcmp0 (c->kind, "msk") == 0 ? SP_VOCAB_MSK_CONDITION : SP_VOCAB_MH_CONDITION;

      g_strv_builder_add (labels, sp_vocab_label (vocab, c->code));
    }
  return g_strv_builder_end (labels);
}

/* The day the referral reached its present, final status. */
static char *
ended_on (SpStore           *store,
          const SpReferral  *referral,
          GError           **error)
{
  g_autoptr(GPtrArray) events = sp_store_list_referral_events (store, referral->record.id, error);
  const char *at = NULL;

  if (events == NULL)
    return NULL;
  for (guint i = 0; i < events->len; i++)
    {
      const SpReferralEvent *e = events->pdata[i];
      if (g_strcmp0 (e->to_status, referral->status) == 0)
        at = e->at;
    }
  if (at == NULL)
    at = referral->record.updated_at;
  return at != NULL ? g_strndup (at, 10) : NULL;
}

static gboolean
status_allows (const SpReferral  *referral,
               SpLetterKind       kind,
               GError           **error)
{
  const char *label = sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, referral->status);

  if (kind != SP_LETTER_REFERRAL && kind != SP_LETTER_COMPLETION)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("Choose the letter after referral or the letter after the referral ended."));
      return FALSE;
    }
  if (g_strcmp0 (referral->status, "draft") == 0 || referral->referred_at == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_TRANSITION,
                           _("This referral is still a draft, so there is nothing to tell the GP yet. "
                             "Send the referral first."));
      return FALSE;
    }
  if (kind == SP_LETTER_COMPLETION && sp_referral_status_is_open (referral->status))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_TRANSITION,
                   _("This referral is %s, so it has not ended yet. The letter after it ends can be "
                     "written once it is completed, declined, not attended or withdrawn."),
                   label);
      return FALSE;
    }
  return TRUE;
}

static char *
practice_text (SpStore    *store,
               const char *ods)
{
  g_autofree char *name = sp_store_get_practice_name (store, ods);

  if (name == NULL || g_strcmp0 (name, ods) == 0)
    return g_strdup (ods);
  return g_strdup_printf ("%s (%s)", name, ods);
}

/* Who signs: the desk's link worker name if set, else who made the referral. */
static char *
signatory (SpStore          *store,
           const SpReferral *referral)
{
  g_autofree char *name = sp_store_get_meta (store, "link_worker_name");

  if (name != NULL && *name != '\0')
    return g_steal_pointer (&name);
  return g_strdup (referral->referrer != NULL ? referral->referrer : sp_store_get_user (store));
}

static char *
address_text (const SpPatient *patient)
{
  if (patient->address != NULL && patient->postcode != NULL)
    return g_strdup_printf ("%s %s", patient->address, patient->postcode);
  return g_strdup (patient->address != NULL ? patient->address : patient->postcode);
}

static SpLetter *
build_letter (SpStore       *store,
              const char    *referral_id,
              SpLetterKind   kind,
              GError       **error)
{
  g_autoptr(SpLetter) letter = g_new0 (SpLetter, 1);
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpOffering) offering = NULL;
  g_autofree char *today = sp_store_today (store);
  gboolean completion = kind == SP_LETTER_COMPLETION;

  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL || !status_allows (referral, kind, error))
    return NULL;
  patient = sp_store_get_patient (store, referral->patient_id, error);
  if (patient == NULL)
    return NULL;
  offering = sp_store_load (store, &sp_entity_offering, referral->offering_id, error);
  if (offering == NULL)
    return NULL;

  letter->kind = kind;
  letter->referral_id = g_strdup (referral->record.id);
  letter->consent = patient->consent_gp;
  letter->date = g_steal_pointer (&today);
  letter->practice = practice_text (store, referral->record.practice);
  letter->title = g_strdup (completion ? _("Social prescribing: the referral has ended")
                                       : _("Social prescribing: referral made"));
  letter->patient_name = sp_patient_display_name (patient);
  letter->date_of_birth = g_strdup (patient->date_of_birth);
  letter->nhs_number = sp_nhs_number_format (patient->nhs_number);
  letter->address = address_text (patient);
  letter->offering = g_strdup (offering->name);
  letter->referred_on = g_strndup (referral->referred_at, 10);
  letter->sessions_attended = SP_UNSET;
  letter->sessions_planned = SP_UNSET;
  letter->scores = g_ptr_array_new_with_free_func ((GDestroyNotify) letter_score_free);
  letter->codes = g_ptr_array_new_with_free_func ((GDestroyNotify) letter_code_free);
  letter->safety_concern = referral->safety_concern != NULL && *referral->safety_concern != '\0';
  letter->link_worker = signatory (store, referral);
  if (completion && (letter->ended_on = ended_on (store, referral, error)) == NULL &&
      error != NULL && *error != NULL)
    return NULL;

  /* The referral is coded once, in the first letter that goes. */
  if (!completion || referral->gp_referral_letter_at == NULL)
    add_code (letter, SP_SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING, "Referral to social prescribing service",
              NULL, referral->referred_at);

  if (!letter->consent)
    return g_steal_pointer (&letter);

  /* Everything below is detail the patient agreed to share. */
  if (offering->provider_id != NULL)
    {
      g_autoptr(SpProvider) provider = sp_store_load (store, &sp_entity_provider, offering->provider_id, NULL);
      if (provider != NULL)
        letter->provider = g_strdup (provider->name);
    }
  letter->modality = g_strdup (sp_vocab_label (SP_VOCAB_MODALITY, offering->modality));
  letter->route = g_strdup (sp_vocab_label (SP_VOCAB_ROUTE, referral->route));
  letter->reason = g_strdup (referral->reason);
  letter->goals = g_strdup (referral->goals);
  letter->conditions = condition_labels (store, patient->record.id, error);
  if (letter->conditions == NULL)
    return NULL;
  letter->sessions_planned = referral->sessions_planned;
  if (completion)
    {
      letter->status = g_strdup (sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, referral->status));
      letter->sessions_attended = referral->sessions_attended;
      letter->outcome = g_strdup (referral->outcome);
      if (g_strcmp0 (referral->status, "declined") == 0)
        add_code (letter, SP_SNOMED_SOCIAL_PRESCRIBING_DECLINED, "Social prescribing declined", NULL,
                  letter->ended_on);
    }
  if (letter->safety_concern)
    letter->safety_detail = g_strdup (referral->safety_concern);
  if (!add_scores (store, letter, referral, error))
    return NULL;
  return g_steal_pointer (&letter);
}

/* Reads the letter in one snapshot. Nothing is written: marking it sent is
 * sp_store_mark_letter_sent(). */
SpLetter *
sp_store_letter (SpStore       *store,
                 const char    *referral_id,
                 SpLetterKind   kind,
                 GError       **error)
{
  SpLetter *letter;
  gboolean owned;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (referral_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_begin (store, &owned, error))
    return NULL;
  letter = build_letter (store, referral_id, kind, error);
  read_end (store, owned);
  return letter;
}

/* ---- Laying it out ------------------------------------------------------- */

static void
line_free (SpLetterLine *line)
{
  g_free (line->label);
  g_free (line->text);
  g_free (line);
}

static void
section_free (SpLetterSection *section)
{
  g_free (section->heading);
  g_ptr_array_unref (section->lines);
  g_free (section);
}

static SpLetterSection *
add_section (GPtrArray  *sections,
             const char *heading)
{
  SpLetterSection *section = g_new0 (SpLetterSection, 1);

  section->heading = g_strdup (heading);
  section->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  g_ptr_array_add (sections, section);
  return section;
}

/* A labelled line, left out when there is nothing to say. */
static void
add_line (SpLetterSection *section,
          const char      *label,
          const char      *text)
{
  SpLetterLine *line;

  if (text == NULL || *text == '\0')
    return;
  line = g_new0 (SpLetterLine, 1);
  line->label = g_strdup (label);
  line->text = g_strdup (text);
  g_ptr_array_add (section->lines, line);
}

static void
add_paragraph (SpLetterSection *section,
               const char      *text)
{
  add_line (section, NULL, text);
}

static char *
score_line (const SpLetterScore *s)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (s->baseline != NULL)
    g_string_append_printf (out, _("baseline %s on %s"), s->baseline, s->baseline_date);
  if (s->follow_up != NULL)
    {
      if (out->len > 0)
        g_string_append (out, _("; "));
      g_string_append_printf (out, _("follow-up %s on %s"), s->follow_up, s->follow_up_date);
    }
  if (s->change != NULL)
    g_string_append_printf (out, _(": %s"), s->change);
  g_string_append_printf (out, _(" (%s)"), s->direction);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The letter in order, as every renderer shows it. */
GPtrArray *
sp_letter_sections (const SpLetter *letter)
{
  GPtrArray *sections = g_ptr_array_new_with_free_func ((GDestroyNotify) section_free);
  gboolean completion = letter->kind == SP_LETTER_COMPLETION;
  SpLetterSection *s;

  g_return_val_if_fail (letter != NULL, sections);

  s = add_section (sections, NULL);
  add_line (s, _("Patient"), letter->patient_name);
  add_line (s, _("Date of birth"), letter->date_of_birth);
  add_line (s, _("NHS number"), letter->nhs_number);
  add_line (s, _("Address"), letter->address);

  s = add_section (sections, NULL);
  add_paragraph (s, _("Dear Doctor,"));
  s = add_section (sections, NULL);
  if (!letter->consent)
    {
      g_autofree char *text = NULL;

      if (completion)
        text = g_strdup_printf (_("%s has not consented to share the details of their social prescribing with "
                                  "the practice. This letter therefore says only that they were referred to "
                                  "social prescribing, to which offering, and that the referral has now ended. "
                                  "It holds no clinical detail."), letter->patient_name);
      else
        text = g_strdup_printf (_("%s has not consented to share the details of their social prescribing with "
                                  "the practice. This letter therefore says only that they were referred to "
                                  "social prescribing, to which offering, and when. It holds no clinical "
                                  "detail."), letter->patient_name);
      add_paragraph (s, text);
    }
  else if (completion)
    {
      g_autofree char *text = g_strdup_printf (_("I am writing to let you know how %s’s referral to “%s” "
                                                  "went, now that it has ended."),
                                               letter->patient_name, letter->offering);
      add_paragraph (s, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("I have referred %s to “%s” through social prescribing. "
                                                  "The details of the referral are below."),
                                               letter->patient_name, letter->offering);
      add_paragraph (s, text);
    }

  s = add_section (sections, _("Referral"));
  add_line (s, _("Offering"), letter->offering);
  add_line (s, _("Provider"), letter->provider);
  add_line (s, _("Modality"), letter->modality);
  add_line (s, _("Referred on"), letter->referred_on);
  add_line (s, _("Route"), letter->route);
  add_line (s, _("Reason for referral"), letter->reason);
  add_line (s, _("Goals"), letter->goals);
  if (letter->conditions != NULL && letter->conditions[0] != NULL)
    {
      g_autofree char *conditions = g_strjoinv (_(", "), letter->conditions);
      add_line (s, _("Conditions"), conditions);
    }
  if (letter->sessions_planned > 0 && !completion)
    {
      g_autofree char *planned = g_strdup_printf ("%" G_GINT64_FORMAT, letter->sessions_planned);
      add_line (s, _("Sessions planned"), planned);
    }
  if (completion && !letter->consent)
    add_line (s, _("Ended on"), letter->ended_on);

  if (completion && letter->consent)
    {
      g_autofree char *attendance = NULL;

      s = add_section (sections, _("Attendance and outcome"));
      add_line (s, _("Status"), letter->status);
      add_line (s, _("Ended on"), letter->ended_on);
      if (letter->sessions_attended >= 0)
        attendance = g_strdup_printf (_("%" PRId64 " of %" PRId64 " sessions"),
                                      letter->sessions_attended, letter->sessions_planned);
      add_line (s, _("Attendance"), attendance);
      add_line (s, _("Outcome"), letter->outcome);
    }

  if (letter->scores != NULL && letter->scores->len > 0)
    {
      s = add_section (sections, completion ? _("Measures at baseline and follow-up") : _("Measures at baseline"));
      for (guint i = 0; i < letter->scores->len; i++)
        {
          const SpLetterScore *score = letter->scores->pdata[i];
          g_autofree char *text = score_line (score);
          add_line (s, score->name, text);
        }
      add_line (s, _("Recovery (PHQ-9 and GAD-7)"), letter->recovery);
    }

  if (letter->safety_concern)
    {
      s = add_section (sections, _("Safety"));
      if (letter->consent)
        {
          add_line (s, _("Safety concern"), letter->safety_detail);
          add_paragraph (s, _("I will contact the practice to discuss this concern."));
        }
      else
        add_paragraph (s, _("A safety concern was raised during this referral. I will contact the practice "
                            "to discuss it. Its details are not in this letter because the patient has not "
                            "consented to share them."));
    }

  if (letter->codes->len > 0)
    {
      s = add_section (sections, _("SNOMED CT codes"));
      for (guint i = 0; i < letter->codes->len; i++)
        {
          const SpLetterCode *code = letter->codes->pdata[i];
          g_autofree char *text = NULL;

          if (code->value != NULL)
            text = g_strdup_printf (_("%s: %s, %s"), code->term, code->value, code->date);
          else
            text = g_strdup_printf (_("%s, %s"), code->term, code->date);
          add_line (s, code->code, text);
        }
    }

  s = add_section (sections, NULL);
  add_paragraph (s, _("Yours sincerely,"));
  add_paragraph (s, letter->link_worker);
  {
    g_autofree char *role = g_strdup_printf (_("Social prescribing link worker, %s"), letter->practice);
    add_paragraph (s, role);
  }
  return sections;
}

/* The plain-text copy for the GP record: no hard line breaks inside a
 * paragraph, so the GP system wraps it to its own width. */
char *
sp_letter_to_text (const SpLetter *letter)
{
  g_autoptr(GPtrArray) sections = NULL;
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (letter != NULL, NULL);

  sections = sp_letter_sections (letter);
  g_string_append_printf (out, "%s\n%s\n%s\n", letter->practice, letter->title, letter->date);
  for (guint i = 0; i < sections->len; i++)
    {
      const SpLetterSection *section = sections->pdata[i];

      g_string_append_c (out, '\n');
      if (section->heading != NULL)
        g_string_append_printf (out, "%s\n", section->heading);
      for (guint k = 0; k < section->lines->len; k++)
        {
          const SpLetterLine *line = section->lines->pdata[k];

          if (line->label != NULL)
            g_string_append_printf (out, _("%s: %s\n"), line->label, line->text);
          else
            g_string_append_printf (out, "%s\n", line->text);
        }
    }
  return g_string_free (out, FALSE);
}

/* ---- Marking it sent ----------------------------------------------------- */

/* Dates the letter (or, with both flags, the two letters) on the referral
 * and notes in the audit trail that it left Signpost: all of it or none.
 * Sending it again moves the date on. */
gboolean
sp_store_mark_letter_sent (SpStore       *store,
                           const char    *referral_id,
                           SpLetterKind   kinds,
                           GError       **error)
{
  g_autoptr(SpReferral) referral = NULL;
  const SpLetterKind each[] = { SP_LETTER_REFERRAL, SP_LETTER_COMPLETION };

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sp_store_check_role (store, SP_ROLE_LINK_WORKER, error))
    return FALSE;
  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL)
    return FALSE;
  if (kinds == 0 || (kinds & ~(SP_LETTER_REFERRAL | SP_LETTER_COMPLETION)) != 0)
    return status_allows (referral, 0, error);

  for (guint i = 0; i < G_N_ELEMENTS (each); i++)
    {
      char **field = each[i] == SP_LETTER_REFERRAL ? &referral->gp_referral_letter_at
                                                   : &referral->gp_letter_sent_at;

      if (!(kinds & each[i]))
        continue;
      if (!status_allows (referral, each[i], error))
        return FALSE;
      g_free (*field);
      *field = sp_store_now (store);
    }

  if (!sp_store_begin (store, error))
    return FALSE;
  if (!sp_store_save (store, &sp_entity_referral, referral, error) ||
      !sp_store_audit (store, "referral", referral->record.id, referral->record.practice, "export", error))
    {
      sp_store_rollback (store);
      return FALSE;
    }
  return sp_store_commit (store, error);
}
