/* sp-report.c — evidence of effect and cost: the figures
 *
 * Every report reads the referrals in scope, their assessments, attendance
 * and payments inside one read transaction (a WAL snapshot), so a sync or a
 * link worker saving at the same moment never makes its figures disagree.
 * All arithmetic on money is in whole pence; only means, medians and rates
 * are floating point.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-report"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-money.h"
#include "sp-patients.h"
#include "sp-report.h"
#include "sp-stats.h"
#include "sp-store-private.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* ---- Filters ------------------------------------------------------------- */

SpReportFilter *
sp_report_filter_new (void)
{
  return g_new0 (SpReportFilter, 1);
}

SpReportFilter *
sp_report_filter_copy (const SpReportFilter *filter)
{
  SpReportFilter *copy = sp_report_filter_new ();

  if (filter == NULL)
    return copy;
  copy->from = g_strdup (filter->from);
  copy->to = g_strdup (filter->to);
  copy->practices = g_strdupv (filter->practices);
  copy->modality = g_strdup (filter->modality);
  copy->offering_id = g_strdup (filter->offering_id);
  copy->funder_id = g_strdup (filter->funder_id);
  copy->consented_only = filter->consented_only;
  return copy;
}

void
sp_report_filter_free (SpReportFilter *filter)
{
  if (filter == NULL)
    return;
  g_free (filter->from);
  g_free (filter->to);
  g_strfreev (filter->practices);
  g_free (filter->modality);
  g_free (filter->offering_id);
  g_free (filter->funder_id);
  g_free (filter);
}

gboolean
sp_report_filter_validate (const SpReportFilter  *filter,
                           GError               **error)
{
  g_return_val_if_fail (filter != NULL, FALSE);

  if (filter->from != NULL && !sp_date_check (filter->from, _("first day of the report"), error))
    return FALSE;
  if (filter->to != NULL && !sp_date_check (filter->to, _("last day of the report"), error))
    return FALSE;
  if (filter->from != NULL && filter->to != NULL && strcmp (filter->from, filter->to) > 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("The report starts on %s, after its last day %s. Swap the dates."),
                   filter->from, filter->to);
      return FALSE;
    }
  if (filter->modality != NULL && !sp_vocab_contains (SP_VOCAB_MODALITY, filter->modality))
    {
      g_autofree char *codes = sp_vocab_codes (SP_VOCAB_MODALITY);
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not a modality. Use one of: %s."), filter->modality, codes);
      return FALSE;
    }
  for (guint i = 0; filter->practices != NULL && filter->practices[i] != NULL; i++)
    if (!sp_ods_code_is_valid (filter->practices[i]))
      {
        g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                     _("“%s” is not an ODS practice code. A GP practice code looks like A81001."),
                     filter->practices[i]);
        return FALSE;
      }
  return TRUE;
}

gdouble
sp_report_rate (guint numerator,
                guint denominator)
{
  return denominator > 0 ? (gdouble) numerator / denominator : NAN;
}

/* Pence shared out per person, rounded half up to the penny. */
static gint64
per_person (gint64 pence,
            guint  n)
{
  if (n == 0)
    return SP_UNSET;
  if (pence >= 0)
    return (pence + n / 2) / n;
  return -((-pence + n / 2) / n);
}

/* ---- The read transaction ------------------------------------------------ */

/* A plain BEGIN is deferred: it takes no write lock, and in WAL mode the
 * first read fixes the snapshot every later read in it sees. Inside a
 * caller's transaction we read in that one instead. */
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

  /* Nothing was written, so ending it cannot lose anything. */
  if (owned && sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- The referrals in scope ---------------------------------------------- */

/* Scores tied to one referral: the earliest complete baseline and the latest
 * complete follow-up of each measure. */
typedef struct
{
  gboolean       has_baseline[SP_N_MEASURES];
  gboolean       has_follow_up[SP_N_MEASURES];
  SpMeasureScore baseline[SP_N_MEASURES];
  SpMeasureScore follow_up[SP_N_MEASURES];
} Scores;

typedef struct
{
  char     *id;
  char     *patient_id;
  char     *practice;
  char     *offering_id;
  char     *offering_name;
  char     *modality;
  char     *funder_id;
  char     *route;
  char     *status;
  char     *referred_at;
  char     *fft;
  char     *first_session;   /* date of the first session attended, or NULL */
  gint64    sessions_attended;
  gint64    fee;
  gint64    patient_share;
  gint64    funder_share;
  gint64    patient_paid;
  gint64    funder_paid;
  gboolean  comorbid;
  Scores   *scores;          /* NULL when no complete measure is tied to it */
} Item;

static void
item_free (Item *item)
{
  g_free (item->id);
  g_free (item->patient_id);
  g_free (item->practice);
  g_free (item->offering_id);
  g_free (item->offering_name);
  g_free (item->modality);
  g_free (item->funder_id);
  g_free (item->route);
  g_free (item->status);
  g_free (item->referred_at);
  g_free (item->fft);
  g_free (item->first_session);
  g_free (item->scores);
  g_free (item);
}

typedef struct
{
  GPtrArray  *items;  /* Item, in the order referrals were made */
  GHashTable *by_id;  /* referral id → Item */
} Scope;

static void
scope_clear (Scope *scope)
{
  g_clear_pointer (&scope->by_id, g_hash_table_unref);
  g_clear_pointer (&scope->items, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Scope, scope_clear)

static char *
column_text (SpStmt *stmt,
             int     i)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, i));
}

/* The practices the report may look at: those asked for, each of which the
 * user must be granted, or else all the user is granted (maybe none). */
static gboolean
allowed_practices (SpStore               *store,
                   const SpReportFilter  *filter,
                   GStrv                 *practices,
                   GError               **error)
{
  const char * const *granted = sp_store_get_practices (store);

  *practices = NULL;
  if (filter->practices == NULL)
    {
      *practices = g_strdupv ((char **) granted);
      return TRUE;
    }
  for (guint i = 0; filter->practices[i] != NULL; i++)
    if (granted == NULL || !g_strv_contains (granted, filter->practices[i]))
      {
        g_set_error (error, SP_ERROR, SP_ERROR_PERMISSION,
                     _("You are not granted practice %s, so it cannot be in your reports."),
                     filter->practices[i]);
        return FALSE;
      }
  *practices = g_strdupv (filter->practices);
  return TRUE;
}

static gboolean
load_referrals (SpStore               *store,
                const SpReportFilter  *filter,
                Scope                 *scope,
                GError               **error)
{
  g_auto(GStrv) practices = NULL;
  g_autoptr(SpStmt) stmt = NULL;
  int rc;

  if (!allowed_practices (store, filter, &practices, error))
    return FALSE;

  stmt = sp_store_prepare (store,
                           "SELECT r.id, r.patient_id, r.practice, r.offering_id, o.name, o.modality, "
                           "r.funder_id, r.route, r.status, r.referred_at, r.fft, "
                           "(SELECT min (a.session_date) FROM attendance a "
                           "  WHERE a.referral_id = r.id AND a.attended = 1 AND a.deleted = 0), "
                           "r.sessions_attended, r.fee_pence, r.patient_share_pence, r.funder_share_pence, "
                           "(SELECT coalesce (sum (p.amount_pence), 0) FROM payment p "
                           "  WHERE p.referral_id = r.id AND p.payer = 'patient' AND p.deleted = 0), "
                           "(SELECT coalesce (sum (p.amount_pence), 0) FROM payment p "
                           "  WHERE p.referral_id = r.id AND p.payer = 'funder' AND p.deleted = 0), "
                           "EXISTS (SELECT 1 FROM condition c WHERE c.patient_id = r.patient_id "
                           "  AND c.kind = 'msk' AND c.deleted = 0) "
                           "AND EXISTS (SELECT 1 FROM condition c WHERE c.patient_id = r.patient_id "
                           "  AND c.kind = 'mh' AND c.deleted = 0) "
                           "FROM referral r "
                           "JOIN offering o ON o.id = r.offering_id "
                           "JOIN patient pa ON pa.id = r.patient_id "
                           "WHERE r.deleted = 0 AND r.status <> 'draft' AND r.referred_at IS NOT NULL "
                           "AND (?1 IS NULL OR substr (r.referred_at, 1, 10) >= ?1) "
                           "AND (?2 IS NULL OR substr (r.referred_at, 1, 10) <= ?2) "
                           "AND (?3 IS NULL OR o.modality = ?3) "
                           "AND (?4 IS NULL OR r.offering_id = ?4) "
                           "AND (?5 IS NULL OR r.funder_id = ?5) "
                           "AND (?6 = 0 OR pa.consent_evaluation = 1) "
                           "ORDER BY r.referred_at, r.id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, filter->from, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, filter->to, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, filter->modality, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, filter->offering_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, filter->funder_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 6, filter->consented_only ? 1 : 0);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Item *item;

      /* Patient data never crosses to a practice the user is not granted. */
      if (practices == NULL || !g_strv_contains ((const char * const *) practices,
                                                 (const char *) sqlite3_column_text (stmt, 2)))
        continue;

      item = g_new0 (Item, 1);
      item->id = column_text (stmt, 0);
      item->patient_id = column_text (stmt, 1);
      item->practice = column_text (stmt, 2);
      item->offering_id = column_text (stmt, 3);
      item->offering_name = column_text (stmt, 4);
      item->modality = column_text (stmt, 5);
      item->funder_id = column_text (stmt, 6);
      item->route = column_text (stmt, 7);
      item->status = column_text (stmt, 8);
      item->referred_at = column_text (stmt, 9);
      item->fft = column_text (stmt, 10);
      item->first_session = column_text (stmt, 11);
      item->sessions_attended = sqlite3_column_int64 (stmt, 12);
      item->fee = sqlite3_column_int64 (stmt, 13);
      item->patient_share = sqlite3_column_int64 (stmt, 14);
      item->funder_share = sqlite3_column_int64 (stmt, 15);
      item->patient_paid = sqlite3_column_int64 (stmt, 16);
      item->funder_paid = sqlite3_column_int64 (stmt, 17);
      item->comorbid = sqlite3_column_int (stmt, 18) != 0;
      g_ptr_array_add (scope->items, item);
      g_hash_table_insert (scope->by_id, item->id, item);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

/* Only complete questionnaires count: an incomplete one has no score. */
static gboolean
load_scores (SpStore  *store,
             Scope    *scope,
             GError  **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(SpStmt) stmt = NULL;
  int rc;

  sql = g_strconcat (sp_store_select_sql (&sp_entity_assessment),
                     "WHERE deleted = 0 AND referral_id IS NOT NULL "
                     "AND stage IN ('baseline', 'follow_up') ORDER BY taken_at, id", NULL);
  stmt = sp_store_prepare (store, sql, error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Item *item = g_hash_table_lookup (scope->by_id, sqlite3_column_text (stmt, 7));
      g_autoptr(SpAssessment) assessment = NULL;
      const SpMeasureInfo *info;
      gint answers[SP_MEASURE_MAX_ITEMS];
      guint n_answers = 0;
      SpMeasureScore score;
      gboolean baseline;

      if (item == NULL)
        continue;
      assessment = sp_store_record_from_stmt (&sp_entity_assessment, stmt, 0);
      info = sp_measure_lookup (assessment->measure);
      if (info == NULL || !sp_assessment_answers (assessment, answers, &n_answers) ||
          !sp_measure_score (info, answers, n_answers, &score, NULL) || !score.complete)
        continue;

      if (item->scores == NULL)
        item->scores = g_new0 (Scores, 1);
      baseline = g_str_equal (assessment->stage, "baseline");
      if (baseline && !item->scores->has_baseline[info->id])
        {
          item->scores->baseline[info->id] = score;
          item->scores->has_baseline[info->id] = TRUE;
        }
      else if (!baseline)
        {
          item->scores->follow_up[info->id] = score;
          item->scores->has_follow_up[info->id] = TRUE;
        }
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_scope (SpStore               *store,
            const SpReportFilter  *filter,
            gboolean               with_scores,
            Scope                 *scope,
            GError               **error)
{
  scope->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  scope->by_id = g_hash_table_new (g_str_hash, g_str_equal);

  return load_referrals (store, filter, scope, error) &&
         (!with_scores || load_scores (store, scope, error));
}

static gboolean
has_pair (const Item  *item,
          SpMeasureId  measure)
{
  return item->scores != NULL && item->scores->has_baseline[measure] &&
         item->scores->has_follow_up[measure];
}

/* ---- What the report covers, in words ------------------------------------ */

/* g_strv_builder_take() is newer than GLib 2.74. */
static void
add_line (GStrvBuilder *builder,
          char         *line)
{
  g_strv_builder_add (builder, line);
  g_free (line);
}

static void
report_info_clear (SpReportInfo *info)
{
  g_clear_pointer (&info->filter, sp_report_filter_free);
  g_clear_pointer (&info->made_at, g_free);
  g_clear_pointer (&info->period, g_free);
  g_clear_pointer (&info->filters, g_strfreev);
}

static gboolean
report_info_init (SpReportInfo          *info,
                  SpStore               *store,
                  const SpReportFilter  *filter,
                  GError               **error)
{
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();

  info->filter = sp_report_filter_copy (filter);
  info->made_at = sp_store_now (store);

  if (filter->from != NULL && filter->to != NULL)
    info->period = g_strdup_printf (_("%s to %s"), filter->from, filter->to);
  else if (filter->from != NULL)
    info->period = g_strdup_printf (_("From %s"), filter->from);
  else if (filter->to != NULL)
    info->period = g_strdup_printf (_("Up to %s"), filter->to);
  else
    info->period = g_strdup (_("All dates"));

  if (filter->practices != NULL)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; filter->practices[i] != NULL; i++)
        {
          g_autofree char *name = sp_store_get_practice_name (store, filter->practices[i]);

          if (i > 0)
            g_string_append (names, ", ");
          if (name != NULL && !g_str_equal (name, filter->practices[i]))
            g_string_append_printf (names, "%s (%s)", name, filter->practices[i]);
          else
            g_string_append (names, filter->practices[i]);
        }
      add_line (lines, g_strdup_printf (_("Practices: %s"), names->str));
    }
  if (filter->modality != NULL)
    add_line (lines, g_strdup_printf (_("Modality: %s"),
                                                 sp_vocab_label (SP_VOCAB_MODALITY, filter->modality)));
  if (filter->offering_id != NULL)
    {
      g_autoptr(SpOffering) offering = sp_store_load (store, &sp_entity_offering, filter->offering_id, error);

      if (offering == NULL)
        return FALSE;
      add_line (lines, g_strdup_printf (_("Offering: %s"), offering->name));
    }
  if (filter->funder_id != NULL)
    {
      g_autoptr(SpFunder) funder = sp_store_load (store, &sp_entity_funder, filter->funder_id, error);

      if (funder == NULL)
        return FALSE;
      add_line (lines, g_strdup_printf (_("Funder: %s"), funder->name));
    }
  if (filter->consented_only)
    g_strv_builder_add (lines, _("Only patients who agreed to count in anonymised evaluation"));
  info->filters = g_strv_builder_end (lines);
  return TRUE;
}

/* Opens the read transaction, checks the filter and reads the scope: the
 * start every report shares. */
static gboolean
report_begin (SpStore               *store,
              const SpReportFilter  *filter,
              gboolean               with_scores,
              SpReportInfo          *info,
              Scope                 *scope,
              gboolean              *owned,
              GError               **error)
{
  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!sp_report_filter_validate (filter, error) || !read_begin (store, owned, error))
    return FALSE;
  if (!report_info_init (info, store, filter, error) ||
      !load_scope (store, filter, with_scores, scope, error))
    {
      read_end (store, *owned);
      return FALSE;
    }
  return TRUE;
}

static guint
count_distinct_patients (GPtrArray *items,
                         gboolean (*keep) (const Item *item))
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < items->len; i++)
    {
      const Item *item = items->pdata[i];
      if (keep == NULL || keep (item))
        g_hash_table_add (seen, item->patient_id);
    }
  return g_hash_table_size (seen);
}

static gboolean
item_started (const Item *item)
{
  return item->sessions_attended > 0 || item->first_session != NULL;
}

static gboolean
item_comorbid (const Item *item)
{
  return item->comorbid;
}

static gboolean
item_completed (const Item *item)
{
  return g_strcmp0 (item->status, "completed") == 0;
}

/* ---- Activity ------------------------------------------------------------ */

void
sp_activity_report_free (SpActivityReport *report)
{
  if (report == NULL)
    return;
  report_info_clear (&report->info);
  g_clear_pointer (&report->by_route, g_array_unref);
  g_clear_pointer (&report->by_status, g_array_unref);
  g_free (report);
}

static GArray *
vocab_counts (SpVocab     vocab,
              const char *skip)
{
  guint n;
  const SpVocabEntry *entries = sp_vocab_entries (vocab, &n);
  GArray *counts = g_array_new (FALSE, TRUE, sizeof (SpReportCount));

  for (guint i = 0; i < n; i++)
    {
      SpReportCount count = { entries[i].code, 0 };

      if (g_strcmp0 (entries[i].code, skip) != 0)
        g_array_append_val (counts, count);
    }
  return counts;
}

static void
vocab_count_add (GArray     *counts,
                 const char *code)
{
  for (guint i = 0; i < counts->len; i++)
    if (g_strcmp0 (g_array_index (counts, SpReportCount, i).code, code) == 0)
      {
        g_array_index (counts, SpReportCount, i).n++;
        return;
      }
}

/* Whole days from "YYYY-MM-DD…" to "YYYY-MM-DD…"; FALSE if either is not a date. */
static gboolean
days_between (const char *from,
              const char *to,
              gint       *days)
{
  guint y1, m1, d1, y2, m2, d2;
  g_autoptr(GDate) a = NULL;
  g_autoptr(GDate) b = NULL;

  if (from == NULL || to == NULL ||
      sscanf (from, "%4u-%2u-%2u", &y1, &m1, &d1) != 3 ||
      sscanf (to, "%4u-%2u-%2u", &y2, &m2, &d2) != 3 ||
      !g_date_valid_dmy (d1, m1, y1) || !g_date_valid_dmy (d2, m2, y2))
    return FALSE;
  a = g_date_new_dmy (d1, m1, y1);
  b = g_date_new_dmy (d2, m2, y2);
  *days = g_date_days_between (a, b);
  return TRUE;
}

SpActivityReport *
sp_store_activity_report (SpStore               *store,
                          const SpReportFilter  *filter,
                          GError               **error)
{
  g_autoptr(SpActivityReport) report = g_new0 (SpActivityReport, 1);
  g_auto(Scope) scope = { 0, };
  g_autoptr(GArray) waits = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(SpReportFilter) any = NULL;
  gboolean owned;

  if (filter == NULL)
    filter = any = sp_report_filter_new ();
  if (!report_begin (store, filter, FALSE, &report->info, &scope, &owned, error))
    return NULL;

  report->by_route = vocab_counts (SP_VOCAB_ROUTE, NULL);
  report->by_status = vocab_counts (SP_VOCAB_REFERRAL_STATUS, "draft");
  for (guint i = 0; i < scope.items->len; i++)
    {
      const Item *item = scope.items->pdata[i];
      gint days;

      report->n_referrals++;
      vocab_count_add (report->by_route, item->route);
      vocab_count_add (report->by_status, item->status);
      if (item_started (item))
        report->n_started++;
      if (g_str_equal (item->status, "completed"))
        report->n_completed++;
      else if (g_str_equal (item->status, "declined"))
        report->n_declined++;
      else if (g_str_equal (item->status, "did_not_attend"))
        report->n_did_not_attend++;
      else if (g_str_equal (item->status, "withdrawn"))
        report->n_withdrawn++;

      if (item->first_session != NULL && days_between (item->referred_at, item->first_session, &days))
        {
          gdouble d = days;
          g_array_append_val (waits, d);
        }
    }
  read_end (store, owned);

  report->n_ended = report->n_completed + report->n_declined + report->n_did_not_attend + report->n_withdrawn;
  report->n_patients = count_distinct_patients (scope.items, NULL);
  report->n_comorbid = count_distinct_patients (scope.items, item_comorbid);
  report->n_patients_attending = count_distinct_patients (scope.items, item_started);
  report->comorbid_share = sp_report_rate (report->n_comorbid, report->n_patients);
  report->uptake = sp_report_rate (report->n_started, report->n_referrals);
  report->completion_rate = sp_report_rate (report->n_completed, report->n_ended);
  report->dna_rate = sp_report_rate (report->n_did_not_attend, report->n_ended);
  report->decline_rate = sp_report_rate (report->n_declined, report->n_ended);
  report->n_waits = waits->len;
  report->median_wait_days = sp_stats_median ((const gdouble *) waits->data, waits->len);
  return g_steal_pointer (&report);
}

/* ---- Groups -------------------------------------------------------------- */

typedef struct
{
  SpReportGroup  group;
  GPtrArray     *items;  /* Item, borrowed from the scope */
} ItemGroup;

static void
item_group_free (ItemGroup *group)
{
  g_free (group->group.code);
  g_free (group->group.label);
  g_ptr_array_unref (group->items);
  g_free (group);
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const ItemGroup *x = *(ItemGroup * const *) a;
  const ItemGroup *y = *(ItemGroup * const *) b;

  return g_utf8_collate (x->group.label, y->group.label);
}

static guint
modality_rank (const char *code)
{
  guint n;
  const SpVocabEntry *entries = sp_vocab_entries (SP_VOCAB_MODALITY, &n);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (entries[i].code, code) == 0)
      return i;
  return n;
}

static int
compare_modality_groups (gconstpointer a,
                         gconstpointer b)
{
  const ItemGroup *x = *(ItemGroup * const *) a;
  const ItemGroup *y = *(ItemGroup * const *) b;

  return (int) modality_rank (x->group.code) - (int) modality_rank (y->group.code);
}

/* Everyone, then each modality in vocabulary order, then each offering by
 * name; each group lists its referrals in the scope's order. */
static GPtrArray *
group_items (Scope *scope)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) item_group_free);
  g_autoptr(GHashTable) modalities = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) offerings = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) by_modality = g_ptr_array_new ();
  g_autoptr(GPtrArray) by_offering = g_ptr_array_new ();
  ItemGroup *all = g_new0 (ItemGroup, 1);

  all->group.kind = SP_REPORT_GROUP_ALL;
  all->group.label = g_strdup (_("All referrals"));
  all->items = g_ptr_array_ref (scope->items);
  g_ptr_array_add (groups, all);

  for (guint i = 0; i < scope->items->len; i++)
    {
      Item *item = scope->items->pdata[i];
      ItemGroup *m = g_hash_table_lookup (modalities, item->modality);
      ItemGroup *o = g_hash_table_lookup (offerings, item->offering_id);

      if (m == NULL)
        {
          m = g_new0 (ItemGroup, 1);
          m->group.kind = SP_REPORT_GROUP_MODALITY;
          m->group.code = g_strdup (item->modality);
          m->group.label = g_strdup (sp_vocab_label (SP_VOCAB_MODALITY, item->modality));
          m->items = g_ptr_array_new ();
          g_hash_table_insert (modalities, m->group.code, m);
          g_ptr_array_add (by_modality, m);
        }
      if (o == NULL)
        {
          o = g_new0 (ItemGroup, 1);
          o->group.kind = SP_REPORT_GROUP_OFFERING;
          o->group.code = g_strdup (item->offering_id);
          o->group.label = g_strdup (item->offering_name);
          o->items = g_ptr_array_new ();
          g_hash_table_insert (offerings, o->group.code, o);
          g_ptr_array_add (by_offering, o);
        }
      g_ptr_array_add (m->items, item);
      g_ptr_array_add (o->items, item);
    }

  g_ptr_array_sort (by_modality, compare_modality_groups);
  g_ptr_array_sort (by_offering, compare_groups);
  for (guint i = 0; i < by_modality->len; i++)
    g_ptr_array_add (groups, by_modality->pdata[i]);
  for (guint i = 0; i < by_offering->len; i++)
    g_ptr_array_add (groups, by_offering->pdata[i]);
  return groups;
}

static void
group_copy (SpReportGroup       *to,
            const SpReportGroup *from)
{
  to->kind = from->kind;
  to->code = g_strdup (from->code);
  to->label = g_strdup (from->label);
}

static void
group_clear (SpReportGroup *group)
{
  g_clear_pointer (&group->code, g_free);
  g_clear_pointer (&group->label, g_free);
}

/* ---- Outcomes ------------------------------------------------------------ */

static void
outcome_measure_free (SpOutcomeMeasure *measure)
{
  g_free (measure->label);
  g_free (measure);
}

static void
outcome_group_free (SpOutcomeGroup *group)
{
  group_clear (&group->group);
  g_clear_pointer (&group->measures, g_ptr_array_unref);
  g_free (group);
}

void
sp_outcomes_report_free (SpOutcomesReport *report)
{
  if (report == NULL)
    return;
  report_info_clear (&report->info);
  g_clear_pointer (&report->groups, g_ptr_array_unref);
  g_free (report);
}

/* Short names for the ONS4 items, whose prompts are whole questions. */
static const char * const ons4_item_labels[] = {
  N_("ONS4: life satisfaction"),
  N_("ONS4: worthwhile"),
  N_("ONS4: happy yesterday"),
  N_("ONS4: anxious yesterday"),
};

/* The top of a measure's scale, for drawing it. */
static gdouble
range_max (const SpMeasureInfo *info)
{
  if (info->id == SP_MEASURE_SWEMWBS)
    return 35.0;  /* the metric score runs 7–35 as the raw one does */
  if (!info->summed)
    return info->item_max;
  return (gdouble) info->n_items * info->item_max;
}

/* One measure (or ONS4 item) over a group's referrals. */
static SpOutcomeMeasure *
outcome_measure (GPtrArray           *items,
                 const SpMeasureInfo *info,
                 gint                 item_index)
{
  g_autoptr(GArray) before = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) after = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) change = g_array_new (FALSE, FALSE, sizeof (gdouble));
  SpOutcomeMeasure *m = g_new0 (SpOutcomeMeasure, 1);
  gboolean higher_is_better = info->higher_is_better;

  if (item_index == SP_ONS4_ANXIOUS_YESTERDAY)
    higher_is_better = FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      const Item *item = items->pdata[i];
      const SpMeasureScore *b, *f;
      gdouble x, y, gain;

      if (!has_pair (item, info->id))
        continue;
      b = &item->scores->baseline[info->id];
      f = &item->scores->follow_up[info->id];
      if (item_index >= 0)
        {
          x = b->items[item_index];
          y = f->items[item_index];
          /* measures.md: ≥ 1 point on an item (our convention; no official figure). */
          gain = higher_is_better ? y - x : x - y;
          if (gain >= 1)
            m->n_improved++;
          else if (gain <= -1)
            m->n_deteriorated++;
        }
      else
        {
          SpChange c = sp_measure_compare (info, b, f);

          x = b->score;
          y = f->score;
          if (c == SP_CHANGE_RELIABLE_IMPROVEMENT)
            m->n_improved++;
          else if (c == SP_CHANGE_RELIABLE_DETERIORATION)
            m->n_deteriorated++;
        }
      g_array_append_val (before, x);
      g_array_append_val (after, y);
      gain = y - x;
      g_array_append_val (change, gain);
    }

  m->measure = info->id;
  m->item = item_index;
  m->label = g_strdup (item_index >= 0 ? _(ons4_item_labels[item_index]) : sp_measure_get_name (info));
  m->higher_is_better = higher_is_better;
  m->range_max = range_max (info);
  m->n = change->len;
  m->mean_baseline = sp_stats_mean ((const gdouble *) before->data, before->len);
  m->mean_follow_up = sp_stats_mean ((const gdouble *) after->data, after->len);
  m->mean_change = sp_stats_mean ((const gdouble *) change->data, change->len);
  m->median_change = sp_stats_median ((const gdouble *) change->data, change->len);
  sp_stats_mean_ci_95 ((const gdouble *) change->data, change->len, &m->ci_low, &m->ci_high);
  m->improved_share = sp_report_rate (m->n_improved, m->n);
  m->deteriorated_share = sp_report_rate (m->n_deteriorated, m->n);
  m->small_numbers = m->n < SP_REPORT_SMALL_N;
  return m;
}

/* Outcomes and experience are both reported for everyone, then for each
 * modality and each offering: read the scope once, in one transaction,
 * then build one group for each slice. */
typedef gpointer (*GroupBuilder) (const ItemGroup *from);

static GPtrArray *
grouped_report (SpStore               *store,
                const SpReportFilter  *filter,
                gboolean               with_scores,
                SpReportInfo          *info,
                GroupBuilder           build,
                GDestroyNotify         free_group,
                GError               **error)
{
  g_auto(Scope) scope = { 0, };
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(SpReportFilter) any = NULL;
  GPtrArray *groups;
  gboolean owned;

  if (filter == NULL)
    filter = any = sp_report_filter_new ();
  if (!report_begin (store, filter, with_scores, info, &scope, &owned, error))
    return NULL;
  read_end (store, owned);

  groups = g_ptr_array_new_with_free_func (free_group);
  items = group_items (&scope);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (groups, build (items->pdata[i]));
  return groups;
}

static SpOutcomeGroup *
outcome_group (const ItemGroup *from)
{
  SpOutcomeGroup *group = g_new0 (SpOutcomeGroup, 1);

  group_copy (&group->group, &from->group);
  group->measures = g_ptr_array_new_with_free_func ((GDestroyNotify) outcome_measure_free);

  for (SpMeasureId id = 0; id < SP_N_MEASURES; id++)
    {
      const SpMeasureInfo *info = sp_measure_get (id);
      gint first = info->summed ? -1 : 0;
      gint last = info->summed ? -1 : (gint) info->n_items - 1;

      for (gint k = first; k <= last; k++)
        {
          SpOutcomeMeasure *m = outcome_measure (from->items, info, k);

          if (m->n > 0)
            g_ptr_array_add (group->measures, m);
          else
            outcome_measure_free (m);
        }
    }

  for (guint i = 0; i < from->items->len; i++)
    {
      const Item *item = from->items->pdata[i];
      SpRecovery recovery;

      if (!has_pair (item, SP_MEASURE_PHQ9) || !has_pair (item, SP_MEASURE_GAD7))
        continue;
      recovery = sp_measure_recovery (&item->scores->baseline[SP_MEASURE_PHQ9],
                                      &item->scores->follow_up[SP_MEASURE_PHQ9],
                                      &item->scores->baseline[SP_MEASURE_GAD7],
                                      &item->scores->follow_up[SP_MEASURE_GAD7]);
      switch (recovery)
        {
        case SP_RECOVERY_RELIABLY_RECOVERED:
          group->n_reliably_recovered++;
          G_GNUC_FALLTHROUGH;
        case SP_RECOVERY_RECOVERED:
          group->n_recovered++;
          G_GNUC_FALLTHROUGH;
        case SP_RECOVERY_NOT_RECOVERED:
          group->n_caseness++;
          break;
        case SP_RECOVERY_INCOMPLETE:
        case SP_RECOVERY_NOT_AT_CASENESS:
        default:
          break;
        }
    }
  group->recovery_rate = sp_report_rate (group->n_recovered, group->n_caseness);
  group->reliable_recovery_rate = sp_report_rate (group->n_reliably_recovered, group->n_caseness);
  return group;
}

SpOutcomesReport *
sp_store_outcomes_report (SpStore               *store,
                          const SpReportFilter  *filter,
                          GError               **error)
{
  g_autoptr(SpOutcomesReport) report = g_new0 (SpOutcomesReport, 1);

  report->groups = grouped_report (store, filter, TRUE, &report->info,
                                   (GroupBuilder) outcome_group,
                                   (GDestroyNotify) outcome_group_free, error);
  if (report->groups == NULL)
    return NULL;
  return g_steal_pointer (&report);
}

/* ---- Experience ---------------------------------------------------------- */

static void
experience_group_free (SpExperienceGroup *group)
{
  group_clear (&group->group);
  g_free (group);
}

void
sp_experience_report_free (SpExperienceReport *report)
{
  if (report == NULL)
    return;
  report_info_clear (&report->info);
  g_clear_pointer (&report->groups, g_ptr_array_unref);
  g_free (report);
}

static SpExperienceGroup *
experience_group (const ItemGroup *from)
{
  SpExperienceGroup *group = g_new0 (SpExperienceGroup, 1);
  guint n_codes;
  const SpVocabEntry *codes = sp_vocab_entries (SP_VOCAB_FFT, &n_codes);

  g_assert (n_codes == SP_REPORT_N_FFT);
  group_copy (&group->group, &from->group);
  for (guint i = 0; i < from->items->len; i++)
    {
      const Item *item = from->items->pdata[i];

      if (item_completed (item))
        group->n_completed++;
      for (guint k = 0; item->fft != NULL && k < n_codes; k++)
        if (g_str_equal (item->fft, codes[k].code))
          group->counts[k]++;
    }
  for (guint k = 0; k < n_codes; k++)
    group->n_answers += group->counts[k];
  /* NHS FFT: very good and good are positive; don't know is left out of
   * the share. Vocabulary order: very good, good, neither, poor, very poor,
   * don't know. */
  group->n_positive = group->counts[0] + group->counts[1];
  group->n_known = group->n_answers - group->counts[SP_REPORT_N_FFT - 1];
  group->share_positive = sp_report_rate (group->n_positive, group->n_known);
  group->small_numbers = group->n_known > 0 && group->n_known < SP_REPORT_SMALL_N;
  return group;
}

SpExperienceReport *
sp_store_experience_report (SpStore               *store,
                            const SpReportFilter  *filter,
                            GError               **error)
{
  g_autoptr(SpExperienceReport) report = g_new0 (SpExperienceReport, 1);

  report->groups = grouped_report (store, filter, FALSE, &report->info,
                                   (GroupBuilder) experience_group,
                                   (GDestroyNotify) experience_group_free, error);
  if (report->groups == NULL)
    return NULL;
  return g_steal_pointer (&report);
}

/* ---- Money --------------------------------------------------------------- */

static void
funder_money_free (SpFunderMoney *funder)
{
  g_free (funder->funder_id);
  g_free (funder->name);
  g_free (funder->year_start);
  g_free (funder);
}

void
sp_money_report_free (SpMoneyReport *report)
{
  if (report == NULL)
    return;
  report_info_clear (&report->info);
  g_clear_pointer (&report->funders, g_ptr_array_unref);
  g_free (report);
}

/* Reliably better on at least one measure and reliably worse on none. */
static gboolean
item_improved (const Item *item)
{
  gboolean better = FALSE;

  for (SpMeasureId id = 0; id < SP_N_MEASURES; id++)
    {
      SpChange change;

      if (!has_pair (item, id))
        continue;
      change = sp_measure_compare (sp_measure_get (id), &item->scores->baseline[id],
                                   &item->scores->follow_up[id]);
      if (change == SP_CHANGE_RELIABLE_DETERIORATION)
        return FALSE;
      better |= change == SP_CHANGE_RELIABLE_IMPROVEMENT;
    }
  return better;
}

static gboolean
load_funders (SpStore        *store,
              SpMoneyReport  *report,
              GHashTable     *in_report,
              GError        **error)
{
  g_autoptr(GPtrArray) funders = NULL;
  const SpReportFilter *filter = report->info.filter;

  funders = sp_store_list (store, &sp_entity_funder, "WHERE deleted = 0 ORDER BY name, id", NULL, error);
  if (funders == NULL)
    return FALSE;

  report->funders = g_ptr_array_new_with_free_func ((GDestroyNotify) funder_money_free);
  for (guint i = 0; i < funders->len; i++)
    {
      const SpFunder *funder = funders->pdata[i];
      SpFunderSpend spend;
      SpFunderMoney *row;
      gint64 *in = g_hash_table_lookup (in_report, funder->record.id);

      if (filter->funder_id != NULL && !g_str_equal (filter->funder_id, funder->record.id))
        continue;
      if (!sp_store_funder_spend (store, funder->record.id, &spend, error))
        return FALSE;
      row = g_new0 (SpFunderMoney, 1);
      row->funder_id = g_strdup (funder->record.id);
      row->name = g_strdup (funder->name);
      row->year_start = g_strdup (funder->year_start);
      row->budget = spend.budget;
      row->spent = spend.spent;
      row->committed = spend.committed;
      row->paid = spend.paid;
      row->remaining = spend.budget - spend.spent - spend.committed;
      row->in_report = in != NULL ? *in : 0;
      g_ptr_array_add (report->funders, row);
    }
  return TRUE;
}

SpMoneyReport *
sp_store_money_report (SpStore               *store,
                       const SpReportFilter  *filter,
                       GError               **error)
{
  g_autoptr(SpMoneyReport) report = g_new0 (SpMoneyReport, 1);
  g_auto(Scope) scope = { 0, };
  g_autoptr(SpReportFilter) any = NULL;
  g_autoptr(GHashTable) in_report = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  gboolean owned;
  gboolean ok;

  if (filter == NULL)
    filter = any = sp_report_filter_new ();
  if (!report_begin (store, filter, TRUE, &report->info, &scope, &owned, error))
    return NULL;

  for (guint i = 0; i < scope.items->len; i++)
    {
      const Item *item = scope.items->pdata[i];
      gint64 funder_part = item->funder_share * item->sessions_attended;

      report->n_referrals++;
      report->sessions_attended += item->sessions_attended;
      report->total_cost += item->fee * item->sessions_attended;
      report->patient_cost += item->patient_share * item->sessions_attended;
      report->copay_collected += item->patient_paid;
      report->funder_paid += item->funder_paid;
      if (item->funder_id != NULL)
        {
          gint64 *sum = g_hash_table_lookup (in_report, item->funder_id);

          if (sum == NULL)
            {
              sum = g_new0 (gint64, 1);
              g_hash_table_insert (in_report, item->funder_id, sum);
            }
          *sum += funder_part;
          report->funder_cost += funder_part;
        }
      else
        report->waived += funder_part;
    }

  ok = load_funders (store, report, in_report, error);
  read_end (store, owned);
  if (!ok)
    return NULL;

  report->copay_outstanding = report->patient_cost - report->copay_collected;
  report->n_patients = count_distinct_patients (scope.items, NULL);
  report->n_completers = count_distinct_patients (scope.items, item_completed);
  report->n_improved = count_distinct_patients (scope.items, item_improved);
  report->cost_per_completer = per_person (report->total_cost, report->n_completers);
  report->cost_per_improved = per_person (report->total_cost, report->n_improved);
  return g_steal_pointer (&report);
}

/* ---- Any report as a document -------------------------------------------- */

const char *
sp_report_kind_to_code (SpReportKind kind)
{
  switch (kind)
    {
    case SP_REPORT_ACTIVITY:
      return "activity";
    case SP_REPORT_OUTCOMES:
      return "outcomes";
    case SP_REPORT_EXPERIENCE:
      return "experience";
    case SP_REPORT_MONEY:
      return "money";
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
sp_report_kind_from_code (const char   *code,
                          SpReportKind *kind)
{
  for (SpReportKind k = SP_REPORT_ACTIVITY; k <= SP_REPORT_MONEY; k++)
    if (g_strcmp0 (code, sp_report_kind_to_code (k)) == 0)
      {
        *kind = k;
        return TRUE;
      }
  return FALSE;
}

SpReportDocument *
sp_store_report_document (SpStore               *store,
                          SpReportKind           kind,
                          const SpReportFilter  *filter,
                          SpReportFlags          flags,
                          GError               **error)
{
  switch (kind)
    {
    case SP_REPORT_ACTIVITY:
      {
        g_autoptr(SpActivityReport) report = sp_store_activity_report (store, filter, error);
        return report ? sp_activity_report_document (report, flags) : NULL;
      }
    case SP_REPORT_OUTCOMES:
      {
        g_autoptr(SpOutcomesReport) report = sp_store_outcomes_report (store, filter, error);
        return report ? sp_outcomes_report_document (report, flags) : NULL;
      }
    case SP_REPORT_EXPERIENCE:
      {
        g_autoptr(SpExperienceReport) report = sp_store_experience_report (store, filter, error);
        return report ? sp_experience_report_document (report, flags) : NULL;
      }
    case SP_REPORT_MONEY:
      {
        g_autoptr(SpMoneyReport) report = sp_store_money_report (store, filter, error);
        return report ? sp_money_report_document (report, flags) : NULL;
      }
    default:
      g_return_val_if_reached (NULL);
    }
}
