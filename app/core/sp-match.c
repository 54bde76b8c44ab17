/* sp-match.c — matching a patient to offerings in the catalogue
 *
 * Hard filters first, each excluded offering with the one reason that
 * excluded it; then a whole-number score whose every part is a reason in
 * plain words. Ties go by name, then id, so the order never depends on the
 * catalogue's order, the locale or the clock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-match"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-match.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* Score weights. Covering both sides beats covering one (by 1,500) more
 * than all the other parts can swing together (1,000), so the comorbid fit
 * always decides first; stepped care comes next. */
enum
{
  W_BOTH_SIDES      = 2000,
  W_ONE_SIDE        = 500,
  W_PER_CONDITION   = 50,
  W_STEP_SUGGESTED  = 200,
  W_STEP_BELOW      = -200, /* under the step suggested after no improvement */
  W_STEP_ABOVE      = -60,  /* per step above the suggested one */
  W_EVIDENCE_STRONG = 120,
  W_EVIDENCE_MODERATE = 80,
  W_EVIDENCE_EMERGING = 40,
  W_FORMAT          = 60,
  W_DAY             = 40,
  W_FREE            = 100,
  W_PAID_MAX        = 80,   /* less W_PER_POUND for each whole pound */
  W_PER_POUND       = 2,
  W_NO_WAIT         = 50,
  W_PER_WEEK        = -10,
  W_WAIT_MAX        = -200,
  W_UNVERIFIED      = -30,
};

#define MAX_STEP 4

typedef struct
{
  const char *code;
  gint        km;          /* -1: no limit; 0: from home only */
  gboolean    by_district; /* without coordinates, stay in the district */
} TravelRule;

static const TravelRule travel_rules[] = {
  { "remote_only", 0, FALSE },
  { "walk", 2, TRUE },
  { "local", 5, TRUE },
  { "town", 15, FALSE },
  { "any", -1, FALSE },
};

/* Needs only a venue can meet; a telephone or online session has no door. */
static const char * const venue_features[] = {
  "wheelchair_access", "step_free", "parking", "bus_route", NULL,
};

typedef struct
{
  const SpPatient    *patient;
  gint                age;          /* -1 when not known */
  char               *district;     /* the patient's postcode district, or NULL */
  gboolean            located;
  const TravelRule   *travel;       /* NULL: no limit */
  GPtrArray          *msk;          /* const SpCondition*, live, one per code */
  GPtrArray          *mh;
  GHashTable         *open;         /* offering id → status of an open referral */
  GHashTable         *phrases;      /* msgid, by address → its translation */
  char                stale_before[11]; /* YYYY-MM-DD, or "" when today is unknown */
  gint                suggested_step;
  gboolean            escalated;
  GString            *msk_labels;   /* scratch, reused for every offering */
  GString            *mh_labels;
  GString            *day_labels;
} MatchContext;

/* ---- Reasons -------------------------------------------------------------- */

#define MAX_REASONS 16

typedef struct
{
  gint  weight;
  char *text;
} Reason;

typedef struct
{
  Reason items[MAX_REASONS];
  guint  n;
  gint   score;
} Reasons;

static void
reasons_take (Reasons *reasons,
              gint     weight,
              char    *text)
{
  g_assert (reasons->n < MAX_REASONS);

  reasons->score += weight;
  reasons->items[reasons->n].weight = weight;
  reasons->items[reasons->n].text = text;
  reasons->n++;
}

static void reasons_add (Reasons    *reasons,
                         gint        weight,
                         const char *format,
                         ...) G_GNUC_PRINTF (3, 4);

static void
reasons_add (Reasons    *reasons,
             gint        weight,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  reasons_take (reasons, weight, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Strongest first, by size whichever way it pulls; equal ones keep the
 * order they were added in. */
static GPtrArray *
reasons_finish (Reasons *reasons)
{
  GPtrArray *out = g_ptr_array_new_full (reasons->n, g_free);

  for (guint i = 1; i < reasons->n; i++)
    {
      Reason r = reasons->items[i];
      guint j = i;

      while (j > 0 && ABS (reasons->items[j - 1].weight) < ABS (r.weight))
        {
          reasons->items[j] = reasons->items[j - 1];
          j--;
        }
      reasons->items[j] = r;
    }
  for (guint i = 0; i < reasons->n; i++)
    g_ptr_array_add (out, reasons->items[i].text);
  return out;
}

/* ---- Helpers -------------------------------------------------------------- */

static const char *tr (MatchContext *ctx,
                       const char   *msgid) G_GNUC_FORMAT (2);

/* gettext() takes a lock on every call, which shows at 10,000 offerings:
 * translate each phrase once per match. Pass it N_("…"). */
static const char *
tr (MatchContext *ctx,
    const char   *msgid)
{
  const char *text = g_hash_table_lookup (ctx->phrases, msgid);

  if (text == NULL)
    {
      text = _(msgid);
      g_hash_table_insert (ctx->phrases, (gpointer) msgid, (gpointer) text);
    }
  return text;
}

/* sp_vocab_label() through the same cache. */
static const char *
label (MatchContext *ctx,
       SpVocab       vocab,
       const char   *code)
{
  guint n;
  const SpVocabEntry *entries = sp_vocab_entries (vocab, &n);

  for (guint i = 0; code != NULL && i < n; i++)
    if (g_str_equal (entries[i].code, code))
      return tr (ctx, entries[i].label);
  return code;
}

static gboolean
is_remote (const SpOffering *offering)
{
  return g_strcmp0 (offering->format, "telephone") == 0 ||
         g_strcmp0 (offering->format, "online") == 0;
}

static gdouble
distance_km (gdouble lat1,
             gdouble lon1,
             gdouble lat2,
             gdouble lon2)
{
  const gdouble earth_radius_km = 6371.0;
  const gdouble rad = G_PI / 180.0;
  gdouble dlat = (lat2 - lat1) * rad;
  gdouble dlon = (lon2 - lon1) * rad;
  gdouble a = sin (dlat / 2) * sin (dlat / 2) +
              cos (lat1 * rad) * cos (lat2 * rad) * sin (dlon / 2) * sin (dlon / 2);

  return 2 * earth_radius_km * asin (MIN (1.0, sqrt (a)));
}

static const TravelRule *
travel_rule (const char *code)
{
  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (travel_rules); i++)
    if (g_str_equal (travel_rules[i].code, code))
      return &travel_rules[i];
  return NULL;
}

/* Names ignoring ASCII case, then exactly, then ids: the same order in
 * every locale. */
static gint
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const SpOffering *oa = (*(SpMatch * const *) a)->offering;
  const SpOffering *ob = (*(SpMatch * const *) b)->offering;
  const guchar *na = (const guchar *) (oa->name ? oa->name : "");
  const guchar *nb = (const guchar *) (ob->name ? ob->name : "");
  gint c;

  for (gsize i = 0;; i++)
    {
      c = (g_ascii_isupper (na[i]) ? na[i] + 32 : na[i]) - (g_ascii_isupper (nb[i]) ? nb[i] + 32 : nb[i]);
      if (c != 0 || na[i] == 0)
        break;
    }
  if (c != 0)
    return c;
  if ((c = strcmp ((const char *) na, (const char *) nb)) != 0)
    return c;
  return g_strcmp0 (oa->record.id, ob->record.id);
}

static gint
compare_by_score (gconstpointer a,
                  gconstpointer b)
{
  const SpMatch *ma = *(SpMatch * const *) a;
  const SpMatch *mb = *(SpMatch * const *) b;

  if (ma->score != mb->score)
    return ma->score > mb->score ? -1 : 1;
  return compare_by_name (a, b);
}

/* Adds each of the patient's live conditions once, by code. */
static void
add_condition (GPtrArray         *side,
               const SpCondition *condition)
{
  for (guint i = 0; i < side->len; i++)
    if (g_strcmp0 (((const SpCondition *) side->pdata[i])->code, condition->code) == 0)
      return;
  g_ptr_array_add (side, (gpointer) condition);
}

/* Joins the labels of the patient's conditions the offering targets;
 * returns how many. */
static guint
covered (MatchContext  *ctx,
         GPtrArray     *side,
         char         **targets,
         SpVocab        vocab,
         GString       *labels)
{
  guint n = 0;

  if (labels != NULL)
    g_string_truncate (labels, 0);
  for (guint i = 0; i < side->len; i++)
    {
      const SpCondition *c = side->pdata[i];

      if (!sp_strv_contains (targets, c->code))
        continue;
      if (labels != NULL)
        {
          if (n > 0)
            g_string_append (labels, ", ");
          g_string_append (labels, label (ctx, vocab, c->code));
        }
      n++;
    }
  return n;
}

/* ---- Hard filters --------------------------------------------------------- */

static char *
travel_exclusion (MatchContext     *ctx,
                  const SpOffering *offering,
                  const SpMatch    *match)
{
  const TravelRule *rule = ctx->travel;

  if (rule == NULL || rule->km < 0 || is_remote (offering))
    return NULL;

  if (rule->km == 0)
    return g_strdup (tr (ctx, N_("Only offered in person, and this patient takes part from home only (telephone or online)")));

  if (!isnan (match->distance_km))
    {
      gdouble shown = round (match->distance_km * 10) / 10;

      if (match->distance_km <= rule->km)
        return NULL;
      /* Never "2.0 km away" against a 2 km limit. */
      if (shown <= rule->km)
        shown = ceil (match->distance_km * 10) / 10;
      return g_strdup_printf (tr (ctx, N_("About %.1f km away; this patient can travel up to %d km")),
                              shown, rule->km);
    }

  if (rule->by_district && ctx->district != NULL && offering->postcode != NULL)
    {
      g_autofree char *district = sp_postcode_district (offering->postcode);

      if (g_ascii_strcasecmp (district, ctx->district) != 0)
        return g_strdup_printf (tr (ctx, N_("In postcode district %s, outside this patient's district %s (the exact distance is not known)")),
                                district, ctx->district);
    }
  return NULL;
}

/* The first filter that applies, as a sentence; NULL when none does. */
static char *
exclusion (MatchContext     *ctx,
           const SpOffering *offering,
           SpMatch          *match)
{
  const SpPatient *patient = ctx->patient;
  const char *status;
  char *travel;
  SpShare share;

  if (!offering->active || offering->record.deleted)
    return g_strdup (tr (ctx, N_("No longer running")));

  /* Imported from a directory feed and not yet classified by an admin:
   * its targets and modality cannot be trusted yet. */
  if (offering->needs_review)
    return g_strdup (tr (ctx, N_("Not yet checked by the catalogue admin")));

  status = g_hash_table_size (ctx->open) > 0 ? g_hash_table_lookup (ctx->open, offering->record.id) : NULL;
  if (status != NULL)
    return g_strdup_printf (tr (ctx, N_("Already referred: this patient has an open referral to it (%s)")),
                            label (ctx, SP_VOCAB_REFERRAL_STATUS, status));

  if (ctx->age >= 0 &&
      ((offering->age_min != SP_UNSET && ctx->age < offering->age_min) ||
       (offering->age_max != SP_UNSET && ctx->age > offering->age_max)))
    {
      if (offering->age_min != SP_UNSET && offering->age_max != SP_UNSET)
        return g_strdup_printf (tr (ctx, N_("For ages %d to %d; this patient is %d")),
                                (gint) offering->age_min, (gint) offering->age_max, ctx->age);
      if (offering->age_min != SP_UNSET)
        return g_strdup_printf (tr (ctx, N_("For ages %d and over; this patient is %d")),
                                (gint) offering->age_min, ctx->age);
      return g_strdup_printf (tr (ctx, N_("For ages up to %d; this patient is %d")),
                              (gint) offering->age_max, ctx->age);
    }

  for (guint i = 0; patient->precautions != NULL && patient->precautions[i] != NULL; i++)
    if (sp_strv_contains (offering->contraindications, patient->precautions[i]))
      return g_strdup_printf (tr (ctx, N_("Not advised because of a precaution recorded for this patient: %s")),
                              label (ctx, SP_VOCAB_PRECAUTION, patient->precautions[i]));

  if (covered (ctx, ctx->msk, offering->targets_msk, SP_VOCAB_MSK_CONDITION, NULL) == 0 &&
      covered (ctx, ctx->mh, offering->targets_mh, SP_VOCAB_MH_CONDITION, NULL) == 0)
    {
      if (ctx->msk->len + ctx->mh->len == 0)
        return g_strdup (tr (ctx, N_("This patient has no conditions recorded yet, so no offering can be matched")));
      return g_strdup (tr (ctx, N_("Does not address any of this patient's conditions")));
    }

  travel = travel_exclusion (ctx, offering, match);
  if (travel != NULL)
    return travel;

  for (guint i = 0; patient->access_needs != NULL && patient->access_needs[i] != NULL; i++)
    {
      const char *need = patient->access_needs[i];

      if (is_remote (offering) && g_strv_contains (venue_features, need))
        continue;
      if (!sp_strv_contains (offering->access_features, need))
        return g_strdup_printf (tr (ctx, N_("Lacks an access need recorded for this patient: %s")),
                                label (ctx, SP_VOCAB_ACCESS, need));
    }

  /* Worked out only this far down: an offering already excluded never
   * needs its price. */
  sp_offering_share (offering, patient->income_band, &share);
  match->patient_cost_pence = share.patient_pence;
  if (patient->max_cost_pence != SP_UNSET && match->patient_cost_pence > patient->max_cost_pence)
    {
      g_autofree char *cost = sp_money_format (match->patient_cost_pence);
      g_autofree char *limit = sp_money_format (patient->max_cost_pence);

      return g_strdup_printf (tr (ctx, N_("Costs this patient %s a session, over their limit of %s")), cost, limit);
    }

  if (offering->capacity != SP_UNSET && offering->places_taken >= offering->capacity)
    {
      if (offering->capacity <= 0)
        return g_strdup (tr (ctx, N_("Full: it has no places at present")));
      return g_strdup_printf (ngettext ("Full: its %d place is taken",
                                        "Full: all %d places are taken",
                                        (gulong) offering->capacity),
                              (gint) offering->capacity);
    }

  return NULL;
}

/* ---- Score ---------------------------------------------------------------- */

static void
score_conditions (MatchContext     *ctx,
                  const SpOffering *offering,
                  Reasons          *reasons)
{
  guint n_msk = covered (ctx, ctx->msk, offering->targets_msk, SP_VOCAB_MSK_CONDITION, ctx->msk_labels);
  guint n_mh = covered (ctx, ctx->mh, offering->targets_mh, SP_VOCAB_MH_CONDITION, ctx->mh_labels);
  guint n_patient = ctx->msk->len + ctx->mh->len;
  g_autofree char *msk_part = NULL;
  g_autofree char *mh_part = NULL;

  if (n_msk > 0)
    /* Translators: completes "Covers both %s and %s"; %s lists conditions */
    msk_part = g_strdup_printf (ngettext ("the musculoskeletal problem (%s)",
                                          "the musculoskeletal problems (%s)", n_msk),
                                ctx->msk_labels->str);
  if (n_mh > 0)
    /* Translators: completes "Covers both %s and %s"; %s lists conditions */
    mh_part = g_strdup_printf (ngettext ("the mental-health problem (%s)",
                                         "the mental-health problems (%s)", n_mh),
                               ctx->mh_labels->str);

  if (n_msk > 0 && n_mh > 0)
    reasons_add (reasons, W_BOTH_SIDES, tr (ctx, N_("Covers both %s and %s")), msk_part, mh_part);
  else if (n_msk > 0 && ctx->mh->len > 0)
    reasons_add (reasons, W_ONE_SIDE,
                 ngettext ("Covers %s, but not the mental-health problem",
                           "Covers %s, but none of the mental-health problems", ctx->mh->len),
                 msk_part);
  else if (n_mh > 0 && ctx->msk->len > 0)
    reasons_add (reasons, W_ONE_SIDE,
                 ngettext ("Covers %s, but not the musculoskeletal problem",
                           "Covers %s, but none of the musculoskeletal problems", ctx->msk->len),
                 mh_part);
  else
    reasons_add (reasons, W_ONE_SIDE, tr (ctx, N_("Covers %s")), n_msk > 0 ? msk_part : mh_part);

  /* With two conditions the sentence above already says how many. */
  if (n_patient > 2)
    reasons_add (reasons, W_PER_CONDITION * (gint) (n_msk + n_mh),
                 ngettext ("Covers %u of the %u condition recorded for this patient",
                           "Covers %u of the %u conditions recorded for this patient", n_patient),
                 n_msk + n_mh, n_patient);
  else
    reasons->score += W_PER_CONDITION * (gint) (n_msk + n_mh);
}

static void
score_step (MatchContext     *ctx,
            const SpOffering *offering,
            Reasons          *reasons)
{
  static const char * const codes[MAX_STEP + 1] = { NULL, "1", "2", "3", "4" };
  const char *step_label;
  gint step = (gint) offering->step;

  if (step < 1 || step > MAX_STEP || ctx->suggested_step == 0)
    return;

  step_label = label (ctx, SP_VOCAB_STEP, codes[step]);

  if (step == ctx->suggested_step && ctx->escalated)
    reasons_add (reasons, W_STEP_SUGGESTED,
                 tr (ctx, N_("%s — the next step up, as the last completed referral did not bring reliable improvement")),
                 step_label);
  else if (step == ctx->suggested_step)
    reasons_add (reasons, W_STEP_SUGGESTED, tr (ctx, N_("%s — the lowest step that fits")), step_label);
  else if (step < ctx->suggested_step)
    reasons_add (reasons, W_STEP_BELOW,
                 tr (ctx, N_("%s — below the step suggested after the last completed referral")), step_label);
  else
    reasons_add (reasons, W_STEP_ABOVE * (step - ctx->suggested_step),
                 tr (ctx, N_("%s — a higher step than the one suggested first")), step_label);
}

static void
score_cost (MatchContext     *ctx,
            const SpOffering *offering,
            const SpMatch    *match,
            Reasons          *reasons)
{
  gint64 cost = match->patient_cost_pence;
  gint64 limit = ctx->patient->max_cost_pence;
  g_autofree char *cost_text = NULL;
  g_autofree char *fee_text = sp_money_format (offering->fee_pence);
  g_autofree char *limit_text = NULL;
  gint weight;

  if (cost <= 0)
    {
      if (offering->fee_pence > 0)
        reasons_add (reasons, W_FREE, tr (ctx, N_("Free to this patient (full fee %s a session)")), fee_text);
      else
        reasons_take (reasons, W_FREE, g_strdup (tr (ctx, N_("Free of charge"))));
      return;
    }

  weight = (gint) MAX (0, W_PAID_MAX - W_PER_POUND * MIN (cost / 100, G_MAXINT / 4));
  cost_text = sp_money_format (cost);
  if (limit != SP_UNSET)
    limit_text = sp_money_format (limit);

  if (cost < offering->fee_pence && limit_text != NULL)
    reasons_add (reasons, weight, tr (ctx, N_("Costs this patient %s a session (full fee %s), within their limit of %s")),
                 cost_text, fee_text, limit_text);
  else if (cost < offering->fee_pence)
    reasons_add (reasons, weight, tr (ctx, N_("Costs this patient %s a session (full fee %s)")), cost_text, fee_text);
  else if (limit_text != NULL)
    reasons_add (reasons, weight, tr (ctx, N_("Costs this patient %s a session, within their limit of %s")),
                 cost_text, limit_text);
  else
    reasons_add (reasons, weight, tr (ctx, N_("Costs this patient %s a session")), cost_text);
}

static void
score_days (MatchContext     *ctx,
            const SpOffering *offering,
            Reasons          *reasons)
{
  char **preferred = ctx->patient->preferred_days;
  JsonArray *schedule;
  guint found = 0;
  guint seen = 0; /* bit per day already listed */

  if (preferred == NULL || preferred[0] == NULL ||
      offering->schedule == NULL || !JSON_NODE_HOLDS_ARRAY (offering->schedule))
    return;

  schedule = json_node_get_array (offering->schedule);
  g_string_truncate (ctx->day_labels, 0);
  for (guint i = 0; i < json_array_get_length (schedule); i++)
    {
      JsonNode *slot = json_array_get_element (schedule, i);
      const char *day;
      guint bit = 0;

      if (!JSON_NODE_HOLDS_OBJECT (slot))
        continue;
      day = json_object_get_string_member_with_default (json_node_get_object (slot), "day", NULL);
      if (day == NULL)
        continue;
      for (guint k = 0; preferred[k] != NULL; k++)
        if (g_str_equal (preferred[k], day))
          bit = 1u << MIN (k, 31u);
      if (bit == 0 || (seen & bit))
        continue;
      seen |= bit;
      if (found++ > 0)
        g_string_append (ctx->day_labels, ", ");
      g_string_append (ctx->day_labels, label (ctx, SP_VOCAB_DAY, day));
    }

  if (found > 0)
    reasons_add (reasons, W_DAY, tr (ctx, N_("Runs on a day this patient prefers: %s")), ctx->day_labels->str);
}

static void
score_offering (MatchContext *ctx,
                SpMatch      *match)
{
  const SpOffering *offering = match->offering;
  const SpPatient *patient = ctx->patient;
  Reasons reasons;
  gint wait = (gint) CLAMP (offering->wait_weeks, 0, 520);

  reasons.n = 0;
  reasons.score = 0;

  score_conditions (ctx, offering, &reasons);
  score_step (ctx, offering, &reasons);

  if (g_strcmp0 (offering->evidence, "strong") == 0)
    reasons_take (&reasons, W_EVIDENCE_STRONG, g_strdup (label (ctx, SP_VOCAB_EVIDENCE, "strong")));
  else if (g_strcmp0 (offering->evidence, "moderate") == 0)
    reasons_take (&reasons, W_EVIDENCE_MODERATE, g_strdup (label (ctx, SP_VOCAB_EVIDENCE, "moderate")));
  else if (g_strcmp0 (offering->evidence, "emerging") == 0)
    reasons_take (&reasons, W_EVIDENCE_EMERGING, g_strdup (label (ctx, SP_VOCAB_EVIDENCE, "emerging")));
  else if (offering->evidence != NULL)
    reasons_take (&reasons, 0, g_strdup (label (ctx, SP_VOCAB_EVIDENCE, offering->evidence)));

  if (sp_strv_contains (patient->preferred_formats, offering->format))
    reasons_add (&reasons, W_FORMAT, tr (ctx, N_("In a format this patient prefers: %s")),
                 label (ctx, SP_VOCAB_FORMAT, offering->format));

  score_days (ctx, offering, &reasons);
  score_cost (ctx, offering, match, &reasons);

  if (wait == 0)
    reasons_take (&reasons, W_NO_WAIT, g_strdup (tr (ctx, N_("No waiting list"))));
  else
    reasons_add (&reasons, MAX (W_WAIT_MAX, W_PER_WEEK * wait),
                 ngettext ("Waiting list of about %d week", "Waiting list of about %d weeks", (gulong) wait),
                 wait);

  if (ctx->stale_before[0] != '\0')
    {
      if (offering->last_verified == NULL)
        reasons_take (&reasons, W_UNVERIFIED,
                      g_strdup (tr (ctx, N_("Details have never been checked — confirm before referring"))));
      else if (strncmp (offering->last_verified, ctx->stale_before, 10) < 0)
        reasons_add (&reasons, W_UNVERIFIED, tr (ctx, N_("Details last checked on %.10s — confirm before referring")),
                     offering->last_verified);
    }

  /* Worth knowing, worth nothing in the score. */
  if (!isnan (match->distance_km))
    reasons_add (&reasons, 0, tr (ctx, N_("About %.1f km away")), match->distance_km);
  if (ctx->age < 0 && (offering->age_min != SP_UNSET || offering->age_max != SP_UNSET))
    reasons_take (&reasons, 0,
                  g_strdup (tr (ctx, N_("Has an age limit, and this patient's date of birth is not recorded — check before referring"))));

  match->score = reasons.score;
  match->reasons = reasons_finish (&reasons);
}

/* ---- Matching ------------------------------------------------------------- */

static char *
step_note (const SpMatchInput *input,
           gint                suggested)
{
  gint done = input->completed_step;

  if (done >= MAX_STEP)
    return g_strdup_printf (_("The last completed referral (step %d, the highest) did not bring reliable improvement; "
                              "consider discussing what next with the GP"),
                            done);

  switch (input->completed_change)
    {
    case SP_CHANGE_RELIABLE_DETERIORATION:
      return g_strdup_printf (_("The last completed referral (step %d) was followed by reliable deterioration, "
                                "so step %d offerings are suggested first"),
                              done, suggested);
    case SP_CHANGE_INCOMPLETE:
      return g_strdup_printf (_("The last completed referral (step %d) has no follow-up measures showing reliable "
                                "improvement, so step %d offerings are suggested first"),
                              done, suggested);
    case SP_CHANGE_NO_RELIABLE_CHANGE:
    case SP_CHANGE_RELIABLE_IMPROVEMENT:
    default:
      return g_strdup_printf (_("The last completed referral (step %d) did not bring reliable improvement, "
                                "so step %d offerings are suggested first"),
                              done, suggested);
    }
}

static void
context_init (MatchContext       *ctx,
              const SpMatchInput *input)
{
  const SpPatient *patient = input->patient;
  gint y, m, d;

  memset (ctx, 0, sizeof *ctx);
  ctx->patient = patient;
  ctx->age = input->today != NULL ? sp_age_on (patient->date_of_birth, input->today) : -1;
  ctx->district = sp_postcode_district (patient->postcode);
  ctx->located = !isnan (patient->lat) && !isnan (patient->lon);
  ctx->travel = travel_rule (patient->travel);
  ctx->msk = g_ptr_array_new ();
  ctx->mh = g_ptr_array_new ();
  ctx->open = g_hash_table_new (g_str_hash, g_str_equal);
  ctx->phrases = g_hash_table_new (g_direct_hash, g_direct_equal);
  ctx->msk_labels = g_string_new (NULL);
  ctx->mh_labels = g_string_new (NULL);
  ctx->day_labels = g_string_new (NULL);

  for (guint i = 0; input->conditions != NULL && i < input->conditions->len; i++)
    {
      const SpCondition *c = input->conditions->pdata[i];

      if (c->record.deleted || c->code == NULL)
        continue;
      if (g_strcmp0 (c->kind, "msk") == 0)
        add_condition (ctx->msk, c);
      else if (g_strcmp0 (c->kind, "mh") == 0)
        add_condition (ctx->mh, c);
    }

  for (guint i = 0; input->referrals != NULL && i < input->referrals->len; i++)
    {
      const SpReferral *r = input->referrals->pdata[i];

      if (!r->record.deleted && r->offering_id != NULL && sp_referral_status_is_open (r->status))
        g_hash_table_insert (ctx->open, r->offering_id, r->status);
    }

  /* Twelve months before today; a 29 February today falls back to the 28th. */
  if (sp_date_is_valid (input->today) && sscanf (input->today, "%d-%d-%d", &y, &m, &d) == 3)
    {
      GDate date;

      g_date_clear (&date, 1);
      g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
      g_date_subtract_years (&date, 1);
      g_snprintf (ctx->stale_before, sizeof ctx->stale_before, "%04u-%02u-%02u",
                  (guint) g_date_get_year (&date), (guint) g_date_get_month (&date),
                  (guint) g_date_get_day (&date));
    }
}

static void
context_clear (MatchContext *ctx)
{
  g_free (ctx->district);
  g_ptr_array_unref (ctx->msk);
  g_ptr_array_unref (ctx->mh);
  g_hash_table_unref (ctx->open);
  g_hash_table_unref (ctx->phrases);
  g_string_free (ctx->msk_labels, TRUE);
  g_string_free (ctx->mh_labels, TRUE);
  g_string_free (ctx->day_labels, TRUE);
}

/**
 * sp_match:
 * @input: the patient, their conditions and referrals, and the catalogue
 *
 * Ranks every offering for the patient. Reads nothing but @input.
 *
 * Returns: (transfer full): the matches, best first, and the excluded
 *   offerings, each with its reason
 */
SpMatchResult *
sp_match (const SpMatchInput *input)
{
  MatchContext ctx;
  SpMatchResult *result;
  guint n;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (input->patient != NULL, NULL);
  g_return_val_if_fail (input->offerings != NULL, NULL);

  context_init (&ctx, input);

  n = input->offerings->len;
  result = g_new0 (SpMatchResult, 1);
  result->catalogue = g_ptr_array_ref (input->offerings);
  /* One block for every entry: the only allocations per offering are its
   * reasons. */
  result->entries = g_new0 (SpMatch, n);
  result->n_entries = n;
  result->matches = g_ptr_array_sized_new (n);
  result->excluded = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    {
      const SpOffering *offering = input->offerings->pdata[i];
      SpMatch *match = &result->entries[i];

      match->offering = offering;
      match->patient_cost_pence = SP_UNSET;
      match->distance_km = NAN;
      if (ctx.located && !is_remote (offering) && !isnan (offering->lat) && !isnan (offering->lon))
        match->distance_km = distance_km (ctx.patient->lat, ctx.patient->lon, offering->lat, offering->lon);

      match->excluded_because = exclusion (&ctx, offering, match);
      g_ptr_array_add (match->excluded_because ? result->excluded : result->matches, match);
    }

  /* Stepped care: one step up after a completed referral that did not
   * help; otherwise the lowest step that fits. */
  if (input->completed_step > 0 && input->completed_change != SP_CHANGE_RELIABLE_IMPROVEMENT)
    {
      ctx.escalated = TRUE;
      ctx.suggested_step = MIN (input->completed_step + 1, MAX_STEP);
      result->step_note = step_note (input, ctx.suggested_step);
    }
  else
    {
      for (guint i = 0; i < result->matches->len; i++)
        {
          gint step = (gint) ((SpMatch *) result->matches->pdata[i])->offering->step;

          if (step >= 1 && step <= MAX_STEP && (ctx.suggested_step == 0 || step < ctx.suggested_step))
            ctx.suggested_step = step;
        }
    }
  result->suggested_step = ctx.suggested_step;

  for (guint i = 0; i < result->matches->len; i++)
    score_offering (&ctx, result->matches->pdata[i]);

  g_ptr_array_sort (result->matches, compare_by_score);
  g_ptr_array_sort (result->excluded, compare_by_name);

  context_clear (&ctx);
  return result;
}

void
sp_match_result_free (SpMatchResult *result)
{
  if (result == NULL)
    return;

  for (guint i = 0; i < result->n_entries; i++)
    {
      g_clear_pointer (&result->entries[i].reasons, g_ptr_array_unref);
      g_free (result->entries[i].excluded_because);
    }
  g_free (result->entries);
  g_ptr_array_unref (result->matches);
  g_ptr_array_unref (result->excluded);
  g_ptr_array_unref (result->catalogue);
  g_free (result->step_note);
  g_free (result);
}

/* ---- From the store ------------------------------------------------------- */

/* Open referrals in referred, accepted or attending hold a place; a draft
 * does not yet. */
static gboolean
fill_places_taken (SpStore    *store,
                   GPtrArray  *offerings,
                   GError    **error)
{
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(SpStmt) stmt = NULL;
  int rc;

  stmt = sp_store_prepare (store,
                           "SELECT offering_id, count (*) FROM referral "
                           "WHERE deleted = 0 AND status IN ('referred', 'accepted', 'attending') "
                           "GROUP BY offering_id",
                           error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (taken, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }

  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *offering = offerings->pdata[i];

      offering->places_taken = GPOINTER_TO_INT (g_hash_table_lookup (taken, offering->record.id));
    }
  return TRUE;
}

static gboolean
score_assessment (const SpAssessment  *assessment,
                  const SpMeasureInfo *info,
                  SpMeasureScore      *score)
{
  gint answers[SP_MEASURE_MAX_ITEMS];
  guint n_answers = 0;

  return sp_assessment_answers (assessment, answers, &n_answers) &&
         sp_measure_score (info, answers, n_answers, score, NULL);
}

/* What the referral's follow-up measures show against baseline: any
 * reliable deterioration counts first (as in NHS Talking Therapies'
 * reliable recovery), then any reliable improvement. The baseline is the
 * one taken for this referral, else the latest one not tied to any. */
static SpChange
referral_change (GPtrArray  *assessments,
                 const char *referral_id)
{
  gboolean improved = FALSE, deteriorated = FALSE, compared = FALSE;

  for (guint m = 0; m < SP_N_MEASURES; m++)
    {
      const SpMeasureInfo *info = sp_measure_get (m);
      const SpAssessment *follow = NULL, *base = NULL, *base_loose = NULL;
      SpMeasureScore base_score, follow_score;

      for (guint i = 0; i < assessments->len; i++)
        {
          const SpAssessment *a = assessments->pdata[i];

          if (g_strcmp0 (a->measure, info->code) == 0 && g_strcmp0 (a->stage, "follow_up") == 0 &&
              g_strcmp0 (a->referral_id, referral_id) == 0 &&
              (follow == NULL || g_strcmp0 (a->taken_at, follow->taken_at) >= 0))
            follow = a;
        }
      if (follow == NULL)
        continue;

      for (guint i = 0; i < assessments->len; i++)
        {
          const SpAssessment *a = assessments->pdata[i];

          if (g_strcmp0 (a->measure, info->code) != 0 || g_strcmp0 (a->stage, "baseline") != 0 ||
              g_strcmp0 (a->taken_at, follow->taken_at) > 0)
            continue;
          if (g_strcmp0 (a->referral_id, referral_id) == 0 &&
              (base == NULL || g_strcmp0 (a->taken_at, base->taken_at) >= 0))
            base = a;
          else if (a->referral_id == NULL &&
                   (base_loose == NULL || g_strcmp0 (a->taken_at, base_loose->taken_at) >= 0))
            base_loose = a;
        }
      if (base == NULL)
        base = base_loose;
      if (base == NULL ||
          !score_assessment (base, info, &base_score) ||
          !score_assessment (follow, info, &follow_score))
        continue;

      switch (sp_measure_compare (info, &base_score, &follow_score))
        {
        case SP_CHANGE_RELIABLE_IMPROVEMENT:
          improved = compared = TRUE;
          break;
        case SP_CHANGE_RELIABLE_DETERIORATION:
          deteriorated = compared = TRUE;
          break;
        case SP_CHANGE_NO_RELIABLE_CHANGE:
          compared = TRUE;
          break;
        case SP_CHANGE_INCOMPLETE:
        default:
          break;
        }
    }

  if (deteriorated)
    return SP_CHANGE_RELIABLE_DETERIORATION;
  if (improved)
    return SP_CHANGE_RELIABLE_IMPROVEMENT;
  return compared ? SP_CHANGE_NO_RELIABLE_CHANGE : SP_CHANGE_INCOMPLETE;
}

/* The patient's most recently completed referral (by when it was marked
 * completed) and the step of its offering, deleted offerings included. */
static gboolean
latest_completed (SpStore     *store,
                  const char  *patient_id,
                  char       **referral_id,
                  gint        *step,
                  GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  int rc;

  stmt = sp_store_prepare (store,
                           "SELECT r.id, o.step FROM referral r "
                           "JOIN offering o ON o.id = r.offering_id "
                           "LEFT JOIN referral_event e ON e.referral_id = r.id "
                           "  AND e.to_status = 'completed' AND e.deleted = 0 "
                           /* "+": the patient's few referrals, not every completed one in the store. */
                           "WHERE r.patient_id = ?1 AND r.deleted = 0 AND +r.status = 'completed' "
                           "GROUP BY r.id "
                           "ORDER BY coalesce (max (e.at), r.updated_at) DESC, r.id DESC LIMIT 1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, patient_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *referral_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *step = CLAMP (sqlite3_column_int (stmt, 1), 1, MAX_STEP);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  *referral_id = NULL;
  *step = 0;
  return TRUE;
}

/* ---- The catalogue, kept between matches ------------------------------ */

/* Reading 10,000 offerings takes far longer than ranking them, and the
 * catalogue seldom changes, so a store keeps the one it read last. Temporary
 * triggers on this connection count every change to offerings (read the
 * catalogue again) and to referrals (count the places again); PRAGMA
 * data_version tells when another connection committed anything. A change
 * that is rolled back still counts: reading again is always safe. */
typedef struct
{
  GPtrArray *offerings;        /* live offerings; results hold references */
  gint64     data_version;     /* when they were read */
  guint64    catalogue_read;   /* catalogue_changes when they were read … */
  guint64    places_read;      /* … and places_changes when places were counted */
  guint64    catalogue_changes;
  guint64    places_changes;
  gboolean   watching;         /* the triggers are in place */
} Catalogue;

static void
catalogue_free (Catalogue *catalogue)
{
  g_clear_pointer (&catalogue->offerings, g_ptr_array_unref);
  g_free (catalogue);
}

static void
catalogue_touch (sqlite3_context  *context,
                 int               argc,
                 sqlite3_value   **argv)
{
  Catalogue *catalogue = sqlite3_user_data (context);

  if (sqlite3_value_int (argv[0]) == 0)
    catalogue->catalogue_changes++;
  else
    catalogue->places_changes++;
  sqlite3_result_null (context);
}

static gboolean
catalogue_watch (SpStore   *store,
                 Catalogue *catalogue)
{
  static const char watch_sql[] =
    "CREATE TEMP TRIGGER IF NOT EXISTS sp_match_offering_insert AFTER INSERT ON main.offering "
    "BEGIN SELECT sp_match_touch (0); END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS sp_match_offering_update AFTER UPDATE ON main.offering "
    "BEGIN SELECT sp_match_touch (0); END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS sp_match_offering_delete AFTER DELETE ON main.offering "
    "BEGIN SELECT sp_match_touch (0); END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS sp_match_referral_insert AFTER INSERT ON main.referral "
    "BEGIN SELECT sp_match_touch (1); END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS sp_match_referral_update AFTER UPDATE OF status, deleted, offering_id "
    "ON main.referral BEGIN SELECT sp_match_touch (1); END;"
    "CREATE TEMP TRIGGER IF NOT EXISTS sp_match_referral_delete AFTER DELETE ON main.referral "
    "BEGIN SELECT sp_match_touch (1); END;";
  sqlite3 *db = sp_store_get_handle (store);

  return sqlite3_create_function_v2 (db, "sp_match_touch", 1, SQLITE_UTF8, catalogue, catalogue_touch,
                                     NULL, NULL, NULL) == SQLITE_OK &&
         sqlite3_exec (db, watch_sql, NULL, NULL, NULL) == SQLITE_OK;
}

static gboolean
data_version (SpStore  *store,
              gint64   *version)
{
  g_autoptr(SpStmt) stmt = sp_store_prepare (store, "PRAGMA data_version", NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  *version = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* The live catalogue with the places open referrals hold, as read last
 * time when nothing has changed since. */
static GPtrArray *
match_catalogue (SpStore  *store,
                 GError  **error)
{
  static GQuark quark;
  Catalogue *catalogue;
  gint64 version = -1;

  if (quark == 0)
    quark = g_quark_from_static_string ("sp-match-catalogue");
  catalogue = g_object_get_qdata (G_OBJECT (store), quark);
  if (catalogue == NULL)
    {
      catalogue = g_new0 (Catalogue, 1);
      g_object_set_qdata_full (G_OBJECT (store), quark, catalogue, (GDestroyNotify) catalogue_free);
      catalogue->watching = catalogue_watch (store, catalogue);
    }

  if (!catalogue->watching || !data_version (store, &version) || version != catalogue->data_version ||
      catalogue->catalogue_read != catalogue->catalogue_changes)
    g_clear_pointer (&catalogue->offerings, g_ptr_array_unref);

  if (catalogue->offerings == NULL)
    {
      guint64 changes = catalogue->catalogue_changes;
      GPtrArray *offerings = sp_store_list (store, &sp_entity_offering, "WHERE deleted = 0", NULL, error);

      if (offerings == NULL)
        return NULL;
      catalogue->offerings = offerings;
      catalogue->catalogue_read = changes;
      catalogue->places_read = catalogue->places_changes - 1;
      catalogue->data_version = version;
    }

  /* Only places_taken changes: results made earlier never read it again. */
  if (catalogue->places_read != catalogue->places_changes)
    {
      guint64 changes = catalogue->places_changes;

      if (!fill_places_taken (store, catalogue->offerings, error))
        {
          g_clear_pointer (&catalogue->offerings, g_ptr_array_unref);
          return NULL;
        }
      catalogue->places_read = changes;
    }
  return g_ptr_array_ref (catalogue->offerings);
}

/**
 * sp_store_match_patient:
 * @store: the store
 * @patient_id: the patient
 * @today: (nullable): YYYY-MM-DD; %NULL for today in UTC
 * @error: return location for a #GError
 *
 * Gathers the patient, their live conditions and referrals, the whole
 * catalogue with the places open referrals hold, and what the latest
 * completed referral achieved, then runs sp_match().
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 */
SpMatchResult *
sp_store_match_patient (SpStore     *store,
                        const char  *patient_id,
                        const char  *today,
                        GError     **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) conditions = NULL;
  g_autoptr(GPtrArray) offerings = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autofree char *today_utc = NULL;
  g_autofree char *completed_id = NULL;
  SpMatchInput input = { 0 };

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (today == NULL)
    today = today_utc = sp_today_utc ();

  patient = sp_store_get_patient (store, patient_id, error);
  if (patient == NULL)
    return NULL;
  conditions = sp_store_list_conditions (store, patient_id, error);
  if (conditions == NULL)
    return NULL;
  offerings = match_catalogue (store, error);
  if (offerings == NULL)
    return NULL;
  referrals = sp_store_list_referrals (store, patient_id, error);
  if (referrals == NULL)
    return NULL;

  input.completed_change = SP_CHANGE_INCOMPLETE;
  if (!latest_completed (store, patient_id, &completed_id, &input.completed_step, error))
    return NULL;
  if (completed_id != NULL)
    {
      g_autoptr(GPtrArray) assessments = sp_store_list_assessments (store, patient_id, error);

      if (assessments == NULL)
        return NULL;
      input.completed_change = referral_change (assessments, completed_id);
    }

  input.patient = patient;
  input.conditions = conditions;
  input.offerings = offerings;
  input.referrals = referrals;
  input.today = today;
  return sp_match (&input);
}
