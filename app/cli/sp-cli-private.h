/* sp-cli-private.h — what the files of signpost-cli share
 *
 * sp-cli.c holds main, the command table and the Cli context every command
 * gets; sp-cli-output.c the tables and JSON; sp-cli-lookup.c finding records
 * from what a person types; the other files one command group each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sp-measure.h"
#include "sp-money.h"
#include "sp-store.h"
#include "sp-vocab.h"

G_BEGIN_DECLS

#define PROGRAM "signpost-cli"

enum
{
  CLI_EXIT_OK    = 0,
  CLI_EXIT_ERROR = 1,  /* the data or the database said no */
  CLI_EXIT_USAGE = 2,  /* the command line itself is wrong */
};

/* Ids in tables are cut to this many characters; any unique prefix of at
 * least MIN_ID_PREFIX characters is accepted back. */
#define SHORT_ID 8
#define MIN_ID_PREFIX 4

typedef struct _Cli Cli;
typedef int (*CommandFunc) (Cli *cli);

typedef struct
{
  const char  *group;           /* "patient"; NULL for a command on its own */
  const char  *name;
  const char  *parameters;      /* N_() positional arguments, or NULL */
  const char  *summary;         /* N_() one line */
  const char  *description;     /* N_() shown after the options, or NULL */
  gboolean     needs_practice;  /* refuses to run before `init` */
  CommandFunc  run;
} Command;

struct _Cli
{
  const Command *command;
  char         **args;      /* after parsing: [0] the command, then positionals */
  char          *db_path;
  gboolean       json;
  SpStore       *store;
  int            status;    /* exit status once something failed */
  char          *codes_help; /* the codes the command's options take, for --help */
};

/* ---- sp-cli.c: failing, options and the store ----------------------------- */

int          cli_fail       (Cli                *cli,
                             GError             *error);
int          cli_error      (Cli                *cli,
                             const char         *format,
                             ...) G_GNUC_PRINTF (2, 3);
int          cli_usage      (Cli                *cli,
                             const char         *format,
                             ...) G_GNUC_PRINTF (2, 3);
void         cli_help_codes (Cli                *cli,
                             SpVocab             first,
                             ...);
guint        cli_n_args     (Cli                *cli);
const char  *cli_arg        (Cli                *cli,
                             guint               i);
gboolean     cli_parse      (Cli                *cli,
                             const GOptionEntry *entries,
                             guint               min_args,
                             guint               max_args);
gboolean     cli_open_store (Cli                *cli);
gboolean     cli_begin      (Cli                *cli,
                             const GOptionEntry *entries,
                             guint               min_args,
                             guint               max_args);

/* ---- sp-cli-output.c: text ------------------------------------------------ */

typedef struct _Table Table;

guint        text_width        (const char       *text);
Table       *table_new         (guint             n_columns,
                                guint             indent);
void         table_free        (Table            *table);
void         table_align_right (Table            *table,
                                guint             column);
void         table_add         (Table            *table,
                                ...);
void         table_add_detail  (Table            *table,
                                const char       *label,
                                const char       *value);
void         table_print       (Table            *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Table, table_free)

const char  *or_empty           (const char       *text);
const char  *yes_no             (gboolean          value);
char        *short_id           (const char       *id);
char        *local_time         (const char       *utc_time);
char        *date_only          (const char       *time);
char        *patient_nhs_number (const SpPatient  *patient);
char        *money_per_session  (gint64            pence);
const char  *status_label       (const char       *status);
void         print_balance_table (const SpBalance *balance,
                                  guint            indent);

/* ---- sp-cli-output.c: JSON ------------------------------------------------ */

int          reply_json         (JsonNode           *root);
JsonNode    *object_node        (JsonObject         *object);
JsonNode    *record_node        (const SpEntityInfo *info,
                                 gconstpointer       record);
JsonNode    *record_array_node  (const SpEntityInfo *info,
                                 GPtrArray          *records);
void         add_member         (JsonBuilder        *builder,
                                 const char         *name,
                                 JsonNode           *node);
void         add_string_or_null (JsonBuilder        *builder,
                                 const char         *name,
                                 const char         *value);
void         add_int            (JsonBuilder        *builder,
                                 const char         *name,
                                 gint64              value);
void         add_boolean        (JsonBuilder        *builder,
                                 const char         *name,
                                 gboolean            value);
void         add_balance        (JsonBuilder        *builder,
                                 const char         *name,
                                 const SpBalance    *balance);

/* ---- sp-cli-output.c: a list, as a JSON array or a table ------------------ */

typedef struct
{
  JsonBuilder *json;   /* an open array with --json, else NULL */
  Table       *table;  /* the rows without --json */
} Listing;

Listing     *listing_new   (Cli        *cli,
                            guint       n_columns);
void         listing_free  (Listing    *listing);
gboolean     listing_print (Listing    *listing,
                            guint       n_shown,
                            const char *none_found);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Listing, listing_free)

/* ---- sp-cli-lookup.c ------------------------------------------------------ */

gboolean     in_my_practices (Cli                 *cli,
                              const char          *practice);
gboolean     same_text       (const char          *a,
                              const char          *b);
gpointer     find_record     (Cli                 *cli,
                              const SpEntityInfo  *info,
                              const char          *text,
                              GError             **error);
SpPatient   *find_patient    (Cli                 *cli,
                              const char          *text,
                              GError             **error);
char        *offering_label  (Cli                 *cli,
                              const char          *offering_id);
char        *funder_label    (Cli                 *cli,
                              const char          *funder_id);
char        *patient_label   (Cli                 *cli,
                              const char          *patient_id);

/* ---- sp-cli-assess.c: measures, also shown by `patient show` -------------- */

gboolean            score_assessment (const SpAssessment    *assessment,
                                      const SpMeasureInfo  **info_out,
                                      SpMeasureScore        *score);
char               *score_text       (const SpMeasureInfo   *info,
                                      const SpMeasureScore  *score);
const SpAssessment *find_baseline    (GPtrArray             *assessments,
                                      const SpAssessment    *assessment);
JsonNode           *assessment_node  (const SpAssessment    *assessment,
                                      const SpAssessment    *baseline);
char               *change_text      (const SpAssessment    *assessment,
                                      const SpAssessment    *baseline);

/* ---- sp-cli-referral.c: also shown with balances -------------------------- */

JsonNode    *referral_node          (Cli              *cli,
                                     const SpReferral *referral);
char        *referral_sessions_text (const SpReferral *referral);

/* ---- The commands --------------------------------------------------------- */

int cmd_init            (Cli *cli);
int cmd_generate        (Cli *cli);
int cmd_patient_add     (Cli *cli);
int cmd_patient_list    (Cli *cli);
int cmd_patient_show    (Cli *cli);
int cmd_patient_import  (Cli *cli);
int cmd_assess          (Cli *cli);
int cmd_match           (Cli *cli);
int cmd_refer           (Cli *cli);
int cmd_referral_status (Cli *cli);
int cmd_referral_list   (Cli *cli);
int cmd_referral_attend (Cli *cli);
int cmd_payment_add     (Cli *cli);
int cmd_payment_reverse (Cli *cli);
int cmd_payment_list    (Cli *cli);
int cmd_balance         (Cli *cli);
int cmd_catalogue_list  (Cli *cli);
int cmd_catalogue_import (Cli *cli);
int cmd_catalogue_export (Cli *cli);
int cmd_funder_list     (Cli *cli);
int cmd_report          (Cli *cli);
int cmd_letter          (Cli *cli);
int cmd_sync            (Cli *cli);
int cmd_conflicts       (Cli *cli);

G_END_DECLS
