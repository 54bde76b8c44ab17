/* sp-report.h — evidence of effect and cost: activity, outcomes, experience, money
 *
 * Each report is computed from the store in one read transaction, so its
 * figures agree with one another. The typed results below are for code that
 * wants numbers; sp_*_report_document() turns one into an SpReportDocument,
 * the generic tables and charts that the CSV, JSON and PDF exports and the
 * Reports view all show.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sp-measure.h"
#include "sp-store.h"

G_BEGIN_DECLS

/* ---- What a report covers ---------------------------------------------- */

/**
 * SpReportFilter:
 * Referrals made (referred_at) from @from to @to, both included, at the
 * given practices, for the given modality, offering and funder. NULL means
 * "any". Drafts are never counted: they have not been made yet.
 */
typedef struct
{
  char     *from;           /* "YYYY-MM-DD" */
  char     *to;             /* "YYYY-MM-DD", included */
  GStrv     practices;      /* ODS codes; NULL = every practice the user is granted */
  char     *modality;       /* SP_VOCAB_MODALITY */
  char     *offering_id;
  char     *funder_id;      /* the funder snapshotted on the referral */
  gboolean  consented_only; /* only patients who agreed to count in anonymised evaluation */
} SpReportFilter;

SpReportFilter *sp_report_filter_new      (void);
SpReportFilter *sp_report_filter_copy     (const SpReportFilter *filter);
void            sp_report_filter_free     (SpReportFilter       *filter);
gboolean        sp_report_filter_validate (const SpReportFilter *filter,
                                           GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpReportFilter, sp_report_filter_free)

/* What every typed report carries: its filter and the words for it. */
typedef struct
{
  SpReportFilter *filter;
  char           *made_at;   /* UTC time the figures were read */
  char           *period;    /* "2026-04-01 to 2027-03-31", translated */
  GStrv           filters;   /* one translated line per filter, e.g. "Modality: Yoga" */
} SpReportInfo;

/* Fewer than this many people behind a figure: show a small-numbers caveat. */
#define SP_REPORT_SMALL_N 10

/* A rate, or NAN when the denominator is 0. */
gdouble sp_report_rate (guint numerator,
                        guint denominator);

/* ---- Activity ------------------------------------------------------------ */

typedef struct
{
  const char *code;   /* vocabulary code (static) */
  guint       n;
} SpReportCount;

typedef struct
{
  SpReportInfo info;
  guint    n_referrals;           /* made in the period */
  guint    n_patients;            /* patients seen: distinct patients referred in the period */
  guint    n_comorbid;            /* of them, with both an MSK and an MH condition */
  guint    n_patients_attending;  /* of them, who attended at least one session */
  GArray  *by_route;              /* SpReportCount, every route in vocabulary order */
  GArray  *by_status;             /* SpReportCount, every status but draft */
  guint    n_started;             /* referrals with at least one session attended */
  guint    n_ended;               /* completed, declined, did not attend or withdrawn */
  guint    n_completed;
  guint    n_declined;
  guint    n_did_not_attend;
  guint    n_withdrawn;
  gdouble  comorbid_share;        /* n_comorbid / n_patients */
  gdouble  uptake;                /* n_started / n_referrals */
  gdouble  completion_rate;       /* n_completed / n_ended */
  gdouble  dna_rate;              /* n_did_not_attend / n_ended */
  gdouble  decline_rate;          /* n_declined / n_ended */
  guint    n_waits;               /* referrals with a first session attended */
  gdouble  median_wait_days;      /* referral to first session attended; NAN for none */
} SpActivityReport;

void              sp_activity_report_free (SpActivityReport *report);
SpActivityReport *sp_store_activity_report (SpStore              *store,
                                            const SpReportFilter *filter,
                                            GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpActivityReport, sp_activity_report_free)

/* ---- Groups: everyone, one modality, one offering ------------------------- */

typedef enum
{
  SP_REPORT_GROUP_ALL,
  SP_REPORT_GROUP_MODALITY,
  SP_REPORT_GROUP_OFFERING,
} SpReportGroupKind;

typedef struct
{
  SpReportGroupKind  kind;
  char              *code;   /* modality code or offering id; NULL for all */
  char              *label;  /* translated */
} SpReportGroup;

/* ---- Outcomes ------------------------------------------------------------ */

/**
 * SpOutcomeMeasure:
 * One measure's change over referrals with a complete baseline and a
 * complete follow-up (the earliest baseline and the latest follow-up tied to
 * the referral). Change is follow-up minus baseline in the measure's own
 * score (SWEMWBS in metric points); ONS4 is reported item by item.
 */
typedef struct
{
  SpMeasureId  measure;
  gint         item;               /* ONS4 item, or -1 for the measure's score */
  char        *label;              /* "PHQ-9", "ONS4: life satisfaction" */
  gboolean     higher_is_better;
  gdouble      range_max;          /* top of the scale, for charts */
  guint        n;
  gdouble      mean_baseline;
  gdouble      mean_follow_up;
  gdouble      mean_change;
  gdouble      median_change;
  gdouble      ci_low;             /* 95 % CI of the mean change; NAN below n = 2 */
  gdouble      ci_high;
  guint        n_improved;         /* reliable improvement */
  guint        n_deteriorated;     /* reliable deterioration */
  gdouble      improved_share;
  gdouble      deteriorated_share;
  gboolean     small_numbers;      /* n < SP_REPORT_SMALL_N */
} SpOutcomeMeasure;

typedef struct
{
  SpReportGroup  group;
  GPtrArray     *measures;          /* SpOutcomeMeasure, only those with n > 0 */
  /* NHS Talking Therapies recovery, over referrals with complete PHQ-9 and
   * GAD-7 at both ends that were at caseness at baseline. */
  guint          n_caseness;
  guint          n_recovered;       /* includes the reliably recovered */
  guint          n_reliably_recovered;
  gdouble        recovery_rate;
  gdouble        reliable_recovery_rate;
} SpOutcomeGroup;

typedef struct
{
  SpReportInfo  info;
  GPtrArray    *groups;  /* SpOutcomeGroup: [0] everyone, then each modality, then each offering */
} SpOutcomesReport;

void              sp_outcomes_report_free (SpOutcomesReport *report);
SpOutcomesReport *sp_store_outcomes_report (SpStore              *store,
                                            const SpReportFilter *filter,
                                            GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpOutcomesReport, sp_outcomes_report_free)

/* ---- Experience ---------------------------------------------------------- */

/* The FFT answers, in SP_VOCAB_FFT order. */
#define SP_REPORT_N_FFT 6

typedef struct
{
  SpReportGroup  group;
  guint          n_completed;              /* completed referrals, who were asked */
  guint          counts[SP_REPORT_N_FFT];  /* very good … very poor, don't know */
  guint          n_answers;
  guint          n_known;                  /* answers other than don't know */
  guint          n_positive;               /* very good or good */
  gdouble        share_positive;           /* n_positive / n_known */
  gboolean       small_numbers;
} SpExperienceGroup;

typedef struct
{
  SpReportInfo  info;
  GPtrArray    *groups;  /* SpExperienceGroup: [0] everyone, then modalities, then offerings */
} SpExperienceReport;

void                sp_experience_report_free (SpExperienceReport *report);
SpExperienceReport *sp_store_experience_report (SpStore              *store,
                                                const SpReportFilter *filter,
                                                GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpExperienceReport, sp_experience_report_free)

/* ---- Money --------------------------------------------------------------- */

typedef struct
{
  char    *funder_id;
  char    *name;
  char    *year_start;   /* the budget year sp_store_funder_spend() counts */
  gint64   budget;
  gint64   spent;        /* in that budget year */
  gint64   committed;
  gint64   paid;
  gint64   remaining;    /* budget − spent − committed */
  gint64   in_report;    /* funder share × sessions attended on the report's referrals */
} SpFunderMoney;

typedef struct
{
  SpReportInfo  info;
  guint         n_referrals;
  guint         n_patients;
  gint64        sessions_attended;
  gint64        total_cost;            /* fee × sessions attended */
  gint64        funder_cost;           /* funder share × sessions attended, where a funder pays */
  gint64        patient_cost;          /* patient share × sessions attended: co-payments due */
  gint64        waived;                /* funder share with no funder: the provider's concession */
  gint64        copay_collected;       /* the patients' payments, net of reversals */
  gint64        copay_outstanding;     /* due − collected */
  gint64        funder_paid;           /* the funders' payments on these referrals */
  guint         n_completers;          /* patients with a completed referral */
  gint64        cost_per_completer;    /* total cost / n_completers, to the penny; SP_UNSET for none */
  guint         n_improved;            /* patients reliably improved on a measure, worse on none */
  gint64        cost_per_improved;     /* SP_UNSET for none */
  GPtrArray    *funders;               /* SpFunderMoney */
} SpMoneyReport;

void           sp_money_report_free (SpMoneyReport *report);
SpMoneyReport *sp_store_money_report (SpStore              *store,
                                      const SpReportFilter *filter,
                                      GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpMoneyReport, sp_money_report_free)

/* ---- The generic document ------------------------------------------------ */

typedef enum
{
  SP_REPORT_ACTIVITY,
  SP_REPORT_OUTCOMES,
  SP_REPORT_EXPERIENCE,
  SP_REPORT_MONEY,
} SpReportKind;

const char *sp_report_kind_to_code   (SpReportKind  kind);
gboolean    sp_report_kind_from_code (const char   *code,
                                      SpReportKind *kind);

typedef enum
{
  SP_REPORT_FLAGS_NONE     = 0,
  /* For exports that leave the practice: counts of 1–4 show as "<5", and
   * figures that would give them away as "[c]". */
  SP_REPORT_FLAGS_SUPPRESS = 1 << 0,
} SpReportFlags;

#define SP_REPORT_SUPPRESSED_COUNT "<5"
#define SP_REPORT_SUPPRESSED_OTHER "[c]"

typedef enum
{
  SP_CELL_EMPTY,    /* nothing to show: "—" */
  SP_CELL_TEXT,
  SP_CELL_COUNT,
  SP_CELL_PERCENT,  /* number is a fraction, 0–1 */
  SP_CELL_PENCE,
  SP_CELL_DECIMAL,  /* means, changes: two decimals */
  SP_CELL_DAYS,
  SP_CELL_DATE,     /* text is "YYYY-MM-DD" */
} SpCellKind;

typedef struct
{
  SpCellKind  kind;
  gboolean    suppressed;  /* the value is withheld; display says how */
  gdouble     number;      /* COUNT, PERCENT, DECIMAL, DAYS */
  gint64      pence;       /* PENCE */
  char       *text;        /* TEXT, DATE */
  char       *display;     /* what a person reads: "42.9%", "£1,234.50", "<5" */
} SpReportCell;

typedef struct
{
  GPtrArray *cells;     /* SpReportCell, one per column */
  gboolean   is_total;
} SpReportRow;

typedef struct
{
  char      *key;       /* "by_route": stable, for JSON */
  char      *title;
  GStrv      column_keys;
  GStrv      headers;   /* translated */
  GPtrArray *rows;      /* SpReportRow */
  GPtrArray *notes;     /* char *, translated footnotes */
} SpReportTable;

typedef enum
{
  SP_CHART_BARS,   /* one bar per label */
  SP_CHART_PAIRS,  /* two bars per label: before/after, spent/budget */
} SpChartKind;

typedef struct
{
  char    *label;
  gdouble  value[2];    /* NAN: no bar (none, or withheld) */
  char    *display[2];
  gdouble  scale_max;   /* > 0: this label's own scale (a measure's range) */
} SpChartBar;

typedef struct
{
  char        *key;
  char        *title;
  SpChartKind  kind;
  char        *series[2];  /* legend; series[1] NULL for SP_CHART_BARS */
  GPtrArray   *bars;       /* SpChartBar */
  char        *note;
} SpReportChart;

typedef struct
{
  SpReportKind     kind;
  SpReportFilter  *filter;
  char            *title;
  char            *period;
  GStrv            filters;
  char            *made_at;    /* UTC */
  gboolean         suppressed;
  GPtrArray       *tables;     /* SpReportTable */
  GPtrArray       *charts;     /* SpReportChart */
  GPtrArray       *notes;      /* char *, translated */
} SpReportDocument;

void              sp_report_document_free (SpReportDocument *document);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpReportDocument, sp_report_document_free)

SpReportDocument *sp_activity_report_document   (const SpActivityReport   *report,
                                                 SpReportFlags             flags);
SpReportDocument *sp_outcomes_report_document   (const SpOutcomesReport   *report,
                                                 SpReportFlags             flags);
SpReportDocument *sp_experience_report_document (const SpExperienceReport *report,
                                                 SpReportFlags             flags);
SpReportDocument *sp_money_report_document      (const SpMoneyReport      *report,
                                                 SpReportFlags             flags);

SpReportDocument *sp_store_report_document      (SpStore                  *store,
                                                 SpReportKind              kind,
                                                 const SpReportFilter     *filter,
                                                 SpReportFlags             flags,
                                                 GError                  **error);

const SpReportTable *sp_report_document_find_table (const SpReportDocument *document,
                                                    const char             *key);
const SpReportCell  *sp_report_table_lookup        (const SpReportTable    *table,
                                                    const char             *row_label,
                                                    const char             *column_key);

char       *sp_report_cell_csv_value     (const SpReportCell     *cell);
char       *sp_report_document_to_csv    (const SpReportDocument *document,
                                          gsize                  *length);
JsonNode   *sp_report_document_to_json   (const SpReportDocument *document);

G_END_DECLS
