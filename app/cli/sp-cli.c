/* sp-cli.c — signpost-cli: the Signpost core for scripts and the command line
 *
 * One function per command, each with its own GOptionContext. Output is
 * plain aligned text for a person, or JSON (through json-glib) for a script.
 * Exit status: 0 success; 1 a problem with the data or the database, with
 * the core's message on stderr; 2 the command was used wrongly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sp-demo.h"
#include "sp-error.h"
#include "sp-match.h"
#include "sp-measure.h"
#include "sp-money.h"
#include "sp-patient-import.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-store.h"
#include "sp-validate.h"
#include "sp-vocab.h"

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

/* Matches shown unless --limit says otherwise. */
#define DEFAULT_MATCH_LIMIT 10

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

static void
cli_clear (Cli *cli)
{
  g_clear_pointer (&cli->args, g_strfreev);
  g_clear_pointer (&cli->db_path, g_free);
  g_clear_object (&cli->store);
  g_clear_pointer (&cli->codes_help, g_free);
}

static char *
command_title (const Command *command)
{
  if (command->group != NULL)
    return g_strdup_printf ("%s %s %s", PROGRAM, command->group, command->name);
  return g_strdup_printf ("%s %s", PROGRAM, command->name);
}

/* ---- Failing ------------------------------------------------------------- */

/* A user error: the core's (or our) message, as it is. Returns the exit
 * status, so a command can end with `return cli_fail (cli, error);`. */
static int
cli_fail (Cli    *cli,
          GError *error)
{
  g_printerr ("%s: %s\n", PROGRAM, error->message);
  return cli->status = CLI_EXIT_ERROR;
}

static int cli_error (Cli        *cli,
                      const char *format,
                      ...) G_GNUC_PRINTF (2, 3);

static int
cli_error (Cli        *cli,
           const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s: %s\n", PROGRAM, message);
  return cli->status = CLI_EXIT_ERROR;
}

static int cli_usage (Cli        *cli,
                      const char *format,
                      ...) G_GNUC_PRINTF (2, 3);

/* Misuse: say what is wrong and where the help is. */
static int
cli_usage (Cli        *cli,
           const char *format,
           ...)
{
  g_autofree char *message = NULL;
  g_autofree char *title = command_title (cli->command);
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s: %s\n", PROGRAM, message);
  g_printerr (_("Try “%s --help”.\n"), title);
  return cli->status = CLI_EXIT_USAGE;
}

/* ---- Text output --------------------------------------------------------- */

/* Columns on a terminal: wide characters take two, combining marks none. */
static guint
text_width (const char *text)
{
  guint width = 0;

  if (!g_utf8_validate (text, -1, NULL))
    return (guint) strlen (text);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

typedef struct
{
  guint      n_columns;
  guint      indent;
  guint      right_aligned;  /* one bit per column */
  GPtrArray *rows;           /* GStrv of n_columns cells */
} Table;

static void
table_free (Table *table)
{
  g_ptr_array_unref (table->rows);
  g_free (table);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Table, table_free)

static Table *
table_new (guint n_columns,
           guint indent)
{
  Table *table = g_new0 (Table, 1);

  table->n_columns = n_columns;
  table->indent = indent;
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return table;
}

static void
table_align_right (Table *table,
                   guint  column)
{
  table->right_aligned |= 1u << column;
}

/* Exactly n_columns cells; NULL for an empty one. */
static void
table_add (Table *table,
           ...)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  va_list args;

  va_start (args, table);
  for (guint i = 0; i < table->n_columns; i++)
    {
      const char *cell = va_arg (args, const char *);
      row[i] = g_strdup (cell != NULL ? cell : "");
    }
  va_end (args);
  g_ptr_array_add (table->rows, row);
}

static void
table_print (Table *table)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = table->rows->pdata[r];
      for (guint i = 0; i < table->n_columns; i++)
        widths[i] = MAX (widths[i], text_width (row[i]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = table->rows->pdata[r];
      gsize line_start = out->len;

      for (guint i = 0; i < table->indent; i++)
        g_string_append_c (out, ' ');
      for (guint i = 0; i < table->n_columns; i++)
        {
          guint pad = widths[i] - text_width (row[i]);
          gboolean last = i + 1 == table->n_columns;

          if (table->right_aligned & (1u << i))
            {
              for (guint k = 0; k < pad; k++)
                g_string_append_c (out, ' ');
              g_string_append (out, row[i]);
            }
          else
            {
              g_string_append (out, row[i]);
              for (guint k = 0; !last && k < pad; k++)
                g_string_append_c (out, ' ');
            }
          if (!last)
            g_string_append (out, "  ");
        }
      /* Empty trailing cells leave only spaces. */
      while (out->len > line_start && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append_c (out, '\n');
    }
  g_print ("%s", out->str);
}

static const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

static const char *
yes_no (gboolean value)
{
  return value ? _("yes") : _("no");
}

static char *
short_id (const char *id)
{
  return g_strndup (or_empty (id), SHORT_ID);
}

/* "2026-02-05T10:00:00Z" → "2026-02-05 10:00" in the desk's local time. */
static char *
local_time (const char *utc_time)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc_time == NULL)
    return g_strdup ("");
  utc = g_date_time_new_from_iso8601 (utc_time, NULL);
  if (utc == NULL)
    return g_strdup (utc_time);
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

static char *
date_only (const char *time)
{
  return time != NULL ? g_strndup (time, 10) : g_strdup ("");
}

static char *
patient_nhs_number (const SpPatient *patient)
{
  return patient->nhs_number != NULL ? sp_nhs_number_format (patient->nhs_number) : g_strdup ("");
}

static char *
money_per_session (gint64 pence)
{
  g_autofree char *money = sp_money_format (pence);

  /* TRANSLATORS: a price, e.g. "£2.50 a session" */
  return g_strdup_printf (_("%s a session"), money);
}

/* ---- JSON output --------------------------------------------------------- */

static void
print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
}

static void
print_builder (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  print_json (root);
}

/* Takes the object: the node holds the only reference afterwards. */
static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
record_node (const SpEntityInfo *info,
             gconstpointer       record)
{
  return object_node (sp_record_to_json (info, record));
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            JsonNode    *node)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_value (builder, node);
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_balance (JsonBuilder     *builder,
             const SpBalance *balance)
{
  json_builder_begin_object (builder);
  add_int (builder, "patient_due_pence", balance->patient_due);
  add_int (builder, "patient_paid_pence", balance->patient_paid);
  add_int (builder, "patient_outstanding_pence", balance->patient_due - balance->patient_paid);
  add_int (builder, "funder_due_pence", balance->funder_due);
  add_int (builder, "funder_paid_pence", balance->funder_paid);
  add_int (builder, "funder_outstanding_pence", balance->funder_due - balance->funder_paid);
  json_builder_end_object (builder);
}

/* ---- Options and the store ----------------------------------------------- */

/* Splits repeated and comma-separated values: --msk a,b --msk c → a b c. */
static GStrv
split_list (char **values)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (values[i], ",", -1);

      for (guint k = 0; parts[k] != NULL; k++)
        {
          g_strstrip (parts[k]);
          if (*parts[k] != '\0')
            g_strv_builder_add (builder, parts[k]);
        }
    }
  return g_strv_builder_end (builder);
}

/* "Codes:" and one line per vocabulary, from the core's own lists so the
 * help never drifts from what is accepted. Ends with SP_N_VOCABS. */
static void
cli_help_codes (Cli     *cli,
                SpVocab  first,
                ...)
{
  GString *out = g_string_new (_("Codes:"));
  va_list args;

  va_start (args, first);
  for (SpVocab vocab = first; vocab != SP_N_VOCABS; vocab = (SpVocab) va_arg (args, int))
    {
      g_autofree char *codes = sp_vocab_codes (vocab);
      g_string_append_printf (out, "\n  %s: %s", sp_vocab_name (vocab), codes);
    }
  va_end (args);
  g_free (cli->codes_help);
  cli->codes_help = g_string_free (out, FALSE);
}

static guint
cli_n_args (Cli *cli)
{
  return g_strv_length (cli->args) - 1;
}

static const char *
cli_arg (Cli   *cli,
         guint  i)
{
  return i < cli_n_args (cli) ? cli->args[i + 1] : NULL;
}

/* Parses the command's options and the global ones, then checks the count
 * of positional arguments. --help prints the command's help and exits 0. */
static gboolean
cli_parse (Cli                *cli,
           const GOptionEntry *entries,
           guint               min_args,
           guint               max_args)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  gboolean json = FALSE;
  const GOptionEntry global_entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path, N_("The Signpost database to use"), N_("PATH") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON for scripts"), NULL },
    G_OPTION_ENTRY_NULL
  };
  guint n_args;

  context = g_option_context_new (cli->command->parameters ? _(cli->command->parameters) : NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _(cli->command->summary));
  if (cli->command->description != NULL && cli->codes_help != NULL)
    {
      g_autofree char *description = g_strconcat (_(cli->command->description), "\n\n", cli->codes_help, NULL);
      g_option_context_set_description (context, description);
    }
  else if (cli->command->description != NULL)
    g_option_context_set_description (context, _(cli->command->description));
  else if (cli->codes_help != NULL)
    g_option_context_set_description (context, cli->codes_help);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse_strv (context, &cli->args, &error))
    {
      cli_usage (cli, "%s", error->message);
      return FALSE;
    }

  if (db_path != NULL)
    {
      g_free (cli->db_path);
      cli->db_path = g_steal_pointer (&db_path);
    }
  cli->json |= json;

  n_args = cli_n_args (cli);
  if (n_args < min_args)
    {
      if (cli->command->parameters != NULL)
        cli_usage (cli, _("Missing argument: %s"), _(cli->command->parameters));
      else
        cli_usage (cli, _("Missing argument."));
      return FALSE;
    }
  if (n_args > max_args)
    {
      cli_usage (cli, _("Unexpected argument “%s”."), cli->args[max_args + 1]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
cli_open_store (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (cli->db_path != NULL)
    path = g_strdup (cli->db_path);
  else
    {
      g_autofree char *dir = NULL;

      path = sp_store_default_path ();
      dir = g_path_get_dirname (path);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;
          cli_error (cli, _("The folder “%s” for the Signpost database could not be made: %s."),
                     dir, g_strerror (saved_errno));
          return FALSE;
        }
    }

  cli->store = sp_store_open (path, &error);
  if (cli->store == NULL)
    {
      cli_fail (cli, error);
      return FALSE;
    }

  if (cli->command->needs_practice && sp_store_get_practice (cli->store) == NULL)
    {
      cli_error (cli, _("Run 'signpost-cli init' first to set up the practice."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
cli_begin (Cli                *cli,
           const GOptionEntry *entries,
           guint               min_args,
           guint               max_args)
{
  return cli_parse (cli, entries, min_args, max_args) && cli_open_store (cli);
}

/* ---- Finding records from what a person types ---------------------------- */

static gboolean
in_my_practices (Cli        *cli,
                 const char *practice)
{
  const char * const *practices = sp_store_get_practices (cli->store);

  return practice != NULL && practices != NULL && g_strv_contains (practices, practice);
}

static gboolean
looks_like_id_prefix (const char *text)
{
  if (strlen (text) < MIN_ID_PREFIX)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
same_text (const char *a,
           const char *b)
{
  g_autofree char *fa = NULL;
  g_autofree char *fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  fa = g_utf8_casefold (a, -1);
  fb = g_utf8_casefold (b, -1);
  return g_str_equal (fa, fb);
}

typedef const char *(*RecordName) (gconstpointer record);

typedef struct
{
  const SpEntityInfo *info;
  RecordName          name;  /* also found by exact name, or NULL */
} Lookup;

static const char *
offering_name (gconstpointer record)
{
  return ((const SpOffering *) record)->name;
}

static const char *
funder_name (gconstpointer record)
{
  return ((const SpFunder *) record)->name;
}

static const Lookup referral_lookup = { &sp_entity_referral, NULL };
static const Lookup offering_lookup = { &sp_entity_offering, offering_name };
static const Lookup payment_lookup = { &sp_entity_payment, NULL };
static const Lookup funder_lookup = { &sp_entity_funder, funder_name };

/* Each message whole, for the translators; @candidates NULL for none found. */
static void
set_lookup_error (const Lookup  *lookup,
                  const char    *text,
                  const char    *candidates,
                  GError       **error)
{
  if (lookup == &referral_lookup && candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No referral with the id “%s” was found. "
                   "“signpost-cli referral list” shows the referrals."), text);
  else if (lookup == &referral_lookup)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” is the start of more than one referral id: %s. Type more of the id."), text, candidates);
  else if (lookup == &offering_lookup && candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No offering with the id or name “%s” was found. "
                   "“signpost-cli catalogue list” shows the catalogue."),
                 text);
  else if (lookup == &offering_lookup)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” could be more than one offering: %s. Use the offering’s id."), text, candidates);
  else if (lookup == &payment_lookup && candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No payment with the id “%s” was found. "
                   "“signpost-cli payment list REFERRAL” shows a referral’s payments."),
                 text);
  else if (lookup == &payment_lookup)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” is the start of more than one payment id: %s. Type more of the id."), text, candidates);
  else if (candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No funder with the id or name “%s” was found. "
                   "“signpost-cli funder list” shows the funders."), text);
  else
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” could be more than one funder: %s. Use the funder’s id."), text, candidates);
}

/* A record by its full id, a unique start of its id (as the tables show
 * it), or its exact name, ignoring case. Patient-linked records of other
 * practices are never found. */
static gpointer
find_record (Cli           *cli,
             const Lookup  *lookup,
             const char    *text,
             GError       **error)
{
  const SpEntityInfo *info = lookup->info;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) by_id = g_ptr_array_new ();
  g_autoptr(GPtrArray) by_name = g_ptr_array_new ();
  GPtrArray *found;
  g_autofree char *lower = g_ascii_strdown (text, -1);

  if (sp_uuid_is_valid (lower))
    {
      gpointer record = sp_store_load (cli->store, info, lower, NULL);
      if (record != NULL)
        return record;
    }

  all = sp_store_list (cli->store, info, NULL, NULL, error);
  if (all == NULL)
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      SpRecord *record = all->pdata[i];

      if ((info->flags & SP_ENTITY_PATIENT) && !in_my_practices (cli, record->practice))
        continue;
      if (looks_like_id_prefix (lower) && g_str_has_prefix (record->id, lower))
        g_ptr_array_add (by_id, record);
      else if (lookup->name != NULL && same_text (lookup->name (record), text))
        g_ptr_array_add (by_name, record);
    }

  found = by_id->len > 0 ? by_id : by_name;
  if (found->len == 1)
    return sp_record_copy (info, found->pdata[0]);

  if (found->len == 0)
    set_lookup_error (lookup, text, NULL, error);
  else
    {
      g_autoptr(GString) candidates = g_string_new (NULL);

      for (guint i = 0; i < found->len && i < 5; i++)
        {
          SpRecord *record = found->pdata[i];
          if (i > 0)
            g_string_append (candidates, ", ");
          if (lookup->name != NULL)
            g_string_append_printf (candidates, "%s (%s)", lookup->name (record), record->id);
          else
            g_string_append (candidates, record->id);
        }
      if (found->len > 5)
        g_string_append (candidates, ", …");
      set_lookup_error (lookup, text, candidates->str, error);
    }
  return NULL;
}

/* A patient by id or NHS number (as sp_store_find_patient), or by name when
 * what was typed has letters and only one patient fits. */
static SpPatient *
find_patient (Cli         *cli,
              const char  *text,
              GError     **error)
{
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();
  gboolean has_letters = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    has_letters |= g_ascii_isalpha (*p) || (guchar) *p >= 0x80;

  if (sp_uuid_is_valid (text) || !has_letters)
    return sp_store_find_patient (cli->store, text, error);

  found = sp_store_search_patients (cli->store, text, 0, error);
  if (found == NULL)
    return NULL;
  for (guint i = 0; i < found->len; i++)
    {
      SpPatient *patient = found->pdata[i];
      if (in_my_practices (cli, patient->record.practice))
        g_ptr_array_add (mine, patient);
    }

  if (mine->len == 1)
    return sp_patient_copy (mine->pdata[0]);
  if (mine->len == 0)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No patient called “%s” was found. "
                   "Use the NHS number, or “signpost-cli patient list --search” to look."),
                 text);
  else
    {
      g_autoptr(GString) candidates = g_string_new (NULL);

      for (guint i = 0; i < mine->len && i < 5; i++)
        {
          g_autofree char *name = sp_patient_display_name (mine->pdata[i]);
          g_autofree char *nhs = patient_nhs_number (mine->pdata[i]);
          g_string_append_printf (candidates, "%s%s (%s)", i > 0 ? ", " : "", name, nhs);
        }
      if (mine->len > 5)
        g_string_append (candidates, ", …");
      g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                   _("More than one patient fits “%s”: %s. Use the NHS number."), text, candidates->str);
    }
  return NULL;
}

static SpOffering *
load_offering (Cli        *cli,
               const char *id)
{
  return id != NULL ? sp_store_load (cli->store, &sp_entity_offering, id, NULL) : NULL;
}

static char *
offering_label (Cli        *cli,
                const char *offering_id)
{
  g_autoptr(SpOffering) offering = load_offering (cli, offering_id);

  return g_strdup (offering != NULL ? offering->name : or_empty (offering_id));
}

static char *
funder_label (Cli        *cli,
              const char *funder_id)
{
  g_autoptr(SpFunder) funder = NULL;

  if (funder_id == NULL)
    return NULL;
  funder = sp_store_load (cli->store, &sp_entity_funder, funder_id, NULL);
  return g_strdup (funder != NULL ? funder->name : funder_id);
}

static char *
patient_label (Cli        *cli,
               const char *patient_id)
{
  g_autoptr(SpPatient) patient = sp_store_get_patient (cli->store, patient_id, NULL);

  return patient != NULL ? sp_patient_display_name (patient) : g_strdup (or_empty (patient_id));
}

/* ---- Words for codes ----------------------------------------------------- */

static const char *
status_label (const char *status)
{
  return sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, status);
}

/* "Mon 10:00–11:00, Thu 10:00–11:00"; the note when there are no slots. */
static char *
schedule_summary (const SpOffering *offering)
{
  static const struct { const char *code; const char *abbrev; } days[] = {
    { "mon", NC_("weekday", "Mon") }, { "tue", NC_("weekday", "Tue") },
    { "wed", NC_("weekday", "Wed") }, { "thu", NC_("weekday", "Thu") },
    { "fri", NC_("weekday", "Fri") }, { "sat", NC_("weekday", "Sat") },
    { "sun", NC_("weekday", "Sun") },
  };
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *slots;

  if (offering->schedule != NULL && JSON_NODE_HOLDS_ARRAY (offering->schedule))
    {
      slots = json_node_get_array (offering->schedule);
      for (guint i = 0; i < json_array_get_length (slots); i++)
        {
          JsonNode *node = json_array_get_element (slots, i);
          JsonObject *slot;
          const char *day, *start, *end;
          const char *abbrev = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          slot = json_node_get_object (node);
          day = json_object_get_string_member_with_default (slot, "day", "");
          start = json_object_get_string_member_with_default (slot, "start", "");
          end = json_object_get_string_member_with_default (slot, "end", "");
          for (guint k = 0; k < G_N_ELEMENTS (days); k++)
            if (g_str_equal (days[k].code, day))
              abbrev = g_dpgettext2 (GETTEXT_PACKAGE, "weekday", days[k].abbrev);

          if (out->len > 0)
            g_string_append (out, ", ");
          g_string_append (out, abbrev != NULL ? abbrev : day);
          if (*start != '\0')
            g_string_append_printf (out, " %s%s%s", start, *end != '\0' ? "–" : "", end);
        }
    }

  if (out->len == 0)
    g_string_append (out, offering->schedule_note != NULL ? offering->schedule_note
                                                           : _("times by arrangement"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* "exempt £0.00, low £2.50, middle £4.00": the codes --income-band takes. */
static char *
sliding_scale_summary (const SpOffering *offering)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const SpVocabEntry *bands;
  JsonObject *tiers;
  guint n_bands;

  if (offering->sliding_scale == NULL || !JSON_NODE_HOLDS_OBJECT (offering->sliding_scale))
    return g_strdup ("");
  tiers = json_node_get_object (offering->sliding_scale);
  bands = sp_vocab_entries (SP_VOCAB_INCOME_BAND, &n_bands);
  for (guint i = 0; i < n_bands; i++)
    {
      JsonNode *tier = json_object_get_member (tiers, bands[i].code);
      g_autofree char *money = NULL;

      if (tier == NULL || !JSON_NODE_HOLDS_VALUE (tier) || json_node_get_value_type (tier) != G_TYPE_INT64)
        continue;
      money = sp_money_format (json_node_get_int (tier));
      g_string_append_printf (out, "%s%s %s", out->len > 0 ? ", " : "", bands[i].code, money);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* "MSK+MH", "MSK", "MH" or "". */
static const char *
condition_badges (GPtrArray *conditions)
{
  gboolean msk = FALSE, mh = FALSE;

  for (guint i = 0; conditions != NULL && i < conditions->len; i++)
    {
      SpCondition *c = conditions->pdata[i];
      msk |= g_strcmp0 (c->kind, "msk") == 0;
      mh |= g_strcmp0 (c->kind, "mh") == 0;
    }
  if (msk && mh)
    return _("MSK+MH");
  if (msk)
    return _("MSK");
  if (mh)
    return _("MH");
  return "";
}

static const char *
condition_label (const SpCondition *condition)
{
  return sp_vocab_label (g_strcmp0 (condition->kind, "msk") == 0 ? SP_VOCAB_MSK_CONDITION
                                                                 : SP_VOCAB_MH_CONDITION,
                         condition->code);
}

static guint
count_open_referrals (GPtrArray *referrals)
{
  guint n = 0;

  for (guint i = 0; referrals != NULL && i < referrals->len; i++)
    if (sp_referral_status_is_open (((SpReferral *) referrals->pdata[i])->status))
      n++;
  return n;
}

/* ---- Measures ------------------------------------------------------------ */

static gboolean
score_assessment (const SpAssessment   *assessment,
                  const SpMeasureInfo **info_out,
                  SpMeasureScore       *score)
{
  const SpMeasureInfo *info = sp_measure_lookup (assessment->measure);
  gint answers[SP_MEASURE_MAX_ITEMS];
  guint n_answers = 0;

  *info_out = info;
  return info != NULL && sp_assessment_answers (assessment, answers, &n_answers) &&
         sp_measure_score (info, answers, n_answers, score, NULL);
}

/* "11", "21.54 (raw 19)" for SWEMWBS, "7 / 6 / 5 / 3" for ONS4, or why none. */
static char *
score_text (const SpMeasureInfo  *info,
            const SpMeasureScore *score)
{
  if (!score->complete)
    {
      guint missing = 0;

      for (guint i = 0; i < score->n_items; i++)
        missing += score->items[i] == SP_ANSWER_MISSING;
      return g_strdup_printf (ngettext ("no total (%u question unanswered)",
                                        "no total (%u questions unanswered)", missing),
                              missing);
    }
  if (!info->summed)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; i < score->n_items; i++)
        g_string_append_printf (out, "%s%d", i > 0 ? " / " : "", score->items[i]);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }
  if (info->id == SP_MEASURE_SWEMWBS)
    return g_strdup_printf (_("%.2f (raw %d)"), score->score, score->raw_total);
  return g_strdup_printf ("%d", score->raw_total);
}

/* The baseline a later measure is compared with: the same measure, taken no
 * later, preferring the same referral's; the latest of those. */
static const SpAssessment *
find_baseline (GPtrArray          *assessments,
               const SpAssessment *assessment)
{
  const SpAssessment *best = NULL;
  gboolean best_same_referral = FALSE;

  for (guint i = 0; i < assessments->len; i++)
    {
      const SpAssessment *a = assessments->pdata[i];
      gboolean same_referral;

      if (g_strcmp0 (a->record.id, assessment->record.id) == 0 ||
          g_strcmp0 (a->measure, assessment->measure) != 0 ||
          g_strcmp0 (a->stage, "baseline") != 0 ||
          g_strcmp0 (a->taken_at, assessment->taken_at) > 0)
        continue;
      same_referral = assessment->referral_id != NULL &&
                      g_strcmp0 (a->referral_id, assessment->referral_id) == 0;
      if (best == NULL || (same_referral && !best_same_referral) ||
          (same_referral == best_same_referral && g_strcmp0 (a->taken_at, best->taken_at) > 0))
        {
          best = a;
          best_same_referral = same_referral;
        }
    }
  return best;
}

/* The assessment as stored, with its score and the change since baseline. */
static JsonNode *
assessment_node (const SpAssessment *assessment,
                 const SpAssessment *baseline)
{
  JsonObject *object = sp_record_to_json (&sp_entity_assessment, assessment);
  const SpMeasureInfo *info;
  SpMeasureScore score;
  gboolean scored = score_assessment (assessment, &info, &score);

  if (scored)
    {
      json_object_set_boolean_member (object, "complete", score.complete);
      if (score.complete && info->summed)
        {
          json_object_set_int_member (object, "total", score.raw_total);
          json_object_set_double_member (object, "score", score.score);
        }
      else
        {
          json_object_set_null_member (object, "total");
          json_object_set_null_member (object, "score");
        }
      if (score.band != NULL)
        json_object_set_string_member (object, "band", score.band);
      else
        json_object_set_null_member (object, "band");
      json_object_set_boolean_member (object, "caseness", score.caseness);
    }

  if (baseline != NULL)
    {
      const SpMeasureInfo *base_info;
      SpMeasureScore base_score;

      if (scored && score_assessment (baseline, &base_info, &base_score))
        {
          SpChange change = sp_measure_compare (info, &base_score, &score);

          json_object_set_string_member (object, "baseline_id", baseline->record.id);
          json_object_set_string_member (object, "change", sp_change_to_code (change));
          json_object_set_string_member (object, "change_label", sp_change_to_string (change));
        }
    }
  return object_node (object);
}

static char *
change_text (const SpAssessment *assessment,
             const SpAssessment *baseline)
{
  const SpMeasureInfo *info, *base_info;
  SpMeasureScore score, base_score;

  if (baseline == NULL || !score_assessment (assessment, &info, &score) ||
      !score_assessment (baseline, &base_info, &base_score))
    return NULL;
  return g_strdup (sp_change_to_string (sp_measure_compare (info, &base_score, &score)));
}

/* ---- init ---------------------------------------------------------------- */

static int
cmd_init (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  gboolean demo = FALSE;
  g_autofree char *ods = NULL;
  g_autofree char *practice_name = NULL;
  const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo,
      N_("Load the Hollinsford demo catalogue and thirty patients, if the database is empty"), NULL },
    { "practice", 0, 0, G_OPTION_ARG_STRING, &ods,
      N_("The practice’s ODS code, for example A81001"), N_("ODS") },
    { "practice-name", 0, 0, G_OPTION_ARG_STRING, &practice_name,
      N_("The practice’s name"), N_("NAME") },
    G_OPTION_ENTRY_NULL
  };
  const char *practice;
  gboolean loaded = FALSE;
  gboolean not_empty = FALSE;
  gint64 n_patients, n_offerings;

  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (practice_name != NULL && ods == NULL)
    return cli_usage (cli, _("--practice-name goes with --practice."));
  if (!cli_open_store (cli))
    return cli->status;

  if (ods != NULL)
    {
      g_autofree char *code = g_ascii_strup (ods, -1);

      practice = sp_store_get_practice (cli->store);
      if (practice != NULL && g_strcmp0 (practice, code) != 0 &&
          sp_store_count (cli->store, &sp_entity_patient, NULL, NULL) > 0)
        return cli_error (cli, _("This database already holds the patients of practice %s, "
                                 "so it cannot be set up for %s. "
                                 "Use a new database (--db PATH) for another practice."),
                          practice, code);
      if (!sp_store_set_local_practice (cli->store, code, practice_name, &error))
        return cli_fail (cli, error);
    }

  if (demo)
    {
      if (sp_store_is_empty (cli->store))
        {
          if (!sp_store_seed_demo (cli->store, &error))
            return cli_fail (cli, error);
          loaded = TRUE;
        }
      else
        not_empty = TRUE;
    }

  practice = sp_store_get_practice (cli->store);
  if (practice == NULL)
    return cli_usage (cli, _("Give the practice’s ODS code with --practice, "
                             "or use --demo to try Signpost with the demo practice."));

  n_patients = sp_store_count (cli->store, &sp_entity_patient, NULL, NULL);
  n_offerings = sp_store_count (cli->store, &sp_entity_offering, NULL, NULL);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string_or_null (builder, "path", sp_store_get_path (cli->store));
      add_string_or_null (builder, "practice", practice);
      json_builder_set_member_name (builder, "demo_loaded");
      json_builder_add_boolean_value (builder, loaded);
      add_int (builder, "patients", n_patients);
      add_int (builder, "offerings", n_offerings);
      json_builder_end_object (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  g_print (_("Signpost database: %s\n"), sp_store_get_path (cli->store));
  g_print (_("Practice: %s\n"), practice);
  if (loaded)
    g_print (_("Loaded the Hollinsford demo: %" G_GINT64_FORMAT " patients and %" G_GINT64_FORMAT " offerings.\n"),
             n_patients, n_offerings);
  else if (not_empty)
    g_print (_("The database already holds records, so the demo was not loaded "
               "(%" G_GINT64_FORMAT " patients, %" G_GINT64_FORMAT " offerings).\n"),
             n_patients, n_offerings);
  else
    g_print (_("It holds %" G_GINT64_FORMAT " patients and %" G_GINT64_FORMAT " offerings.\n"),
             n_patients, n_offerings);
  return CLI_EXIT_OK;
}

/* ---- patient add --------------------------------------------------------- */

static gboolean
add_conditions (Cli        *cli,
                SpPatient  *patient,
                const char *kind,
                char      **codes,
                GPtrArray  *added,
                GError    **error)
{
  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    {
      g_autoptr(SpCondition) condition = sp_condition_new ();

      condition->patient_id = g_strdup (patient->record.id);
      condition->kind = g_strdup (kind);
      condition->code = g_strdup (codes[i]);
      if (!sp_store_add_condition (cli->store, condition, error))
        return FALSE;
      g_ptr_array_add (added, g_steal_pointer (&condition));
    }
  return TRUE;
}

static int
cmd_patient_add (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) patient = sp_patient_new ();
  g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_condition_free);
  g_autofree char *nhs_number = NULL;
  g_autofree char *given_name = NULL;
  g_autofree char *family_name = NULL;
  g_autofree char *dob = NULL;
  g_autofree char *sex = NULL;
  g_autofree char *postcode = NULL;
  g_autofree char *address = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *email = NULL;
  g_autofree char *contact = NULL;
  g_autofree char *income_band = NULL;
  g_autofree char *travel = NULL;
  g_autofree char *language = NULL;
  g_autofree char *max_cost = NULL;
  g_autofree char *notes = NULL;
  gboolean interpreter = FALSE;
  gboolean consent_gp = FALSE;
  gboolean consent_contact = FALSE;
  gboolean consent_evaluation = FALSE;
  g_auto(GStrv) msk = NULL;
  g_auto(GStrv) mh = NULL;
  g_auto(GStrv) access = NULL;
  g_auto(GStrv) precautions = NULL;
  g_auto(GStrv) formats = NULL;
  g_auto(GStrv) days = NULL;
  const GOptionEntry entries[] = {
    { "nhs-number", 0, 0, G_OPTION_ARG_STRING, &nhs_number, N_("NHS number, ten digits (required)"), N_("NUMBER") },
    { "given-name", 0, 0, G_OPTION_ARG_STRING, &given_name, N_("Given name (required)"), N_("NAME") },
    { "family-name", 0, 0, G_OPTION_ARG_STRING, &family_name, N_("Family name (required)"), N_("NAME") },
    { "dob", 0, 0, G_OPTION_ARG_STRING, &dob, N_("Date of birth"), N_("YYYY-MM-DD") },
    { "sex", 0, 0, G_OPTION_ARG_STRING, &sex, N_("Sex"), N_("SEX") },
    { "postcode", 0, 0, G_OPTION_ARG_STRING, &postcode, N_("Postcode"), N_("POSTCODE") },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, N_("Address"), N_("TEXT") },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &phone, N_("Phone number"), N_("PHONE") },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("Email address"), N_("EMAIL") },
    { "contact", 0, 0, G_OPTION_ARG_STRING, &contact, N_("Preferred contact"), N_("HOW") },
    { "income-band", 0, 0, G_OPTION_ARG_STRING, &income_band,
      N_("Income band, which sets the sliding-scale fee"), N_("BAND") },
    { "travel", 0, 0, G_OPTION_ARG_STRING, &travel,
      N_("How far the patient can travel"), N_("TRAVEL") },
    { "language", 0, 0, G_OPTION_ARG_STRING, &language, N_("Preferred language"), N_("LANGUAGE") },
    { "interpreter", 0, 0, G_OPTION_ARG_NONE, &interpreter, N_("Needs an interpreter"), NULL },
    { "consent-gp", 0, 0, G_OPTION_ARG_NONE, &consent_gp, N_("Agrees to share clinical details with the GP"), NULL },
    { "consent-contact", 0, 0, G_OPTION_ARG_NONE, &consent_contact, N_("Agrees to be contacted by providers"), NULL },
    { "consent-evaluation", 0, 0, G_OPTION_ARG_NONE, &consent_evaluation,
      N_("Agrees to be counted in anonymised evaluation"), NULL },
    { "max-cost", 0, 0, G_OPTION_ARG_STRING, &max_cost,
      N_("The most the patient can pay a session, e.g. 5.00"), N_("AMOUNT") },
    { "msk", 0, 0, G_OPTION_ARG_STRING_ARRAY, &msk, N_("A musculoskeletal condition (repeatable)"), N_("CODE") },
    { "mh", 0, 0, G_OPTION_ARG_STRING_ARRAY, &mh, N_("A mental-health condition (repeatable)"), N_("CODE") },
    { "access", 0, 0, G_OPTION_ARG_STRING_ARRAY, &access, N_("An access need (repeatable)"), N_("CODE") },
    { "precaution", 0, 0, G_OPTION_ARG_STRING_ARRAY, &precautions,
      N_("A precaution that rules some offerings out (repeatable)"), N_("CODE") },
    { "format", 0, 0, G_OPTION_ARG_STRING_ARRAY, &formats, N_("A preferred format (repeatable)"), N_("FORMAT") },
    { "day", 0, 0, G_OPTION_ARG_STRING_ARRAY, &days, N_("A preferred day (repeatable)"), N_("DAY") },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &notes, N_("Notes"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GStrv) msk_codes = NULL;
  g_auto(GStrv) mh_codes = NULL;
  g_autofree char *name = NULL;
  g_autofree char *formatted = NULL;

  cli_help_codes (cli, SP_VOCAB_MSK_CONDITION, SP_VOCAB_MH_CONDITION, SP_VOCAB_SEX, SP_VOCAB_CONTACT,
                  SP_VOCAB_INCOME_BAND, SP_VOCAB_TRAVEL, SP_VOCAB_ACCESS, SP_VOCAB_PRECAUTION,
                  SP_VOCAB_FORMAT, SP_VOCAB_DAY, SP_N_VOCABS);
  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (nhs_number == NULL)
    return cli_usage (cli, _("Give the patient’s NHS number with --nhs-number."));
  if (given_name == NULL || family_name == NULL)
    return cli_usage (cli, _("Give the patient’s name with --given-name and --family-name."));
  if (!cli_open_store (cli))
    return cli->status;

  patient->nhs_number = g_steal_pointer (&nhs_number);
  patient->given_name = g_steal_pointer (&given_name);
  patient->family_name = g_steal_pointer (&family_name);
  patient->date_of_birth = g_steal_pointer (&dob);
  patient->sex = g_steal_pointer (&sex);
  patient->postcode = g_steal_pointer (&postcode);
  patient->address = g_steal_pointer (&address);
  patient->phone = g_steal_pointer (&phone);
  patient->email = g_steal_pointer (&email);
  patient->preferred_contact = g_steal_pointer (&contact);
  patient->income_band = g_steal_pointer (&income_band);
  patient->travel = g_steal_pointer (&travel);
  patient->language = g_steal_pointer (&language);
  patient->notes = g_steal_pointer (&notes);
  patient->interpreter = interpreter;
  patient->consent_gp = consent_gp;
  patient->consent_contact = consent_contact;
  patient->consent_evaluation = consent_evaluation;
  patient->access_needs = split_list (access);
  patient->precautions = split_list (precautions);
  patient->preferred_formats = split_list (formats);
  patient->preferred_days = split_list (days);
  if (max_cost != NULL && !sp_money_parse (max_cost, &patient->max_cost_pence, &error))
    return cli_fail (cli, error);
  msk_codes = split_list (msk);
  mh_codes = split_list (mh);

  /* The patient and their conditions are saved together or not at all. */
  if (!sp_store_begin (cli->store, &error))
    return cli_fail (cli, error);
  if (!sp_store_add_patient (cli->store, patient, &error) ||
      !add_conditions (cli, patient, "msk", msk_codes, conditions, &error) ||
      !add_conditions (cli, patient, "mh", mh_codes, conditions, &error))
    {
      sp_store_rollback (cli->store);
      return cli_fail (cli, error);
    }
  if (!sp_store_commit (cli->store, &error))
    return cli_fail (cli, error);

  if (cli->json)
    {
      JsonObject *object = sp_record_to_json (&sp_entity_patient, patient);
      JsonArray *array = json_array_new ();
      g_autoptr(JsonNode) root = NULL;

      for (guint i = 0; i < conditions->len; i++)
        json_array_add_object_element (array, sp_record_to_json (&sp_entity_condition, conditions->pdata[i]));
      json_object_set_array_member (object, "conditions", array);
      root = object_node (object);
      print_json (root);
      return CLI_EXIT_OK;
    }

  name = sp_patient_display_name (patient);
  formatted = patient_nhs_number (patient);
  g_print (_("Added %s, NHS number %s.\n"), name, formatted);
  g_print (_("Patient id: %s\n"), patient->record.id);
  return CLI_EXIT_OK;
}

/* ---- patient list -------------------------------------------------------- */

static int
cmd_patient_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *search = NULL;
  gboolean comorbid_only = FALSE;
  int limit = 0;
  const GOptionEntry entries[] = {
    { "search", 0, 0, G_OPTION_ARG_STRING, &search,
      N_("Only patients whose name, or NHS number, starts with TEXT"), N_("TEXT") },
    { "comorbid", 0, 0, G_OPTION_ARG_NONE, &comorbid_only,
      N_("Only patients with both a musculoskeletal and a mental-health condition"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Show at most N patients"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(Table) table = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *today = NULL;
  guint shown = 0;

  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (limit < 0)
    return cli_usage (cli, _("--limit must be 0 (no limit) or more."));
  if (!cli_open_store (cli))
    return cli->status;

  patients = sp_store_search_patients (cli->store, search, 0, &error);
  if (patients == NULL)
    return cli_fail (cli, error);
  today = sp_store_today (cli->store);

  if (cli->json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
    }
  else
    {
      table = table_new (5, 0);
      table_align_right (table, 2);
      table_align_right (table, 4);
      table_add (table, _("NHS number"), _("Name"), _("Age"), _("Conditions"), _("Open referrals"));
    }

  for (guint i = 0; i < patients->len && (limit == 0 || shown < (guint) limit); i++)
    {
      SpPatient *patient = patients->pdata[i];
      g_autoptr(GPtrArray) conditions = NULL;
      g_autoptr(GPtrArray) referrals = NULL;
      guint n_open;
      gint age;

      if (!in_my_practices (cli, patient->record.practice))
        continue;
      conditions = sp_store_list_conditions (cli->store, patient->record.id, &error);
      if (conditions == NULL)
        return cli_fail (cli, error);
      if (comorbid_only && !sp_conditions_are_comorbid (conditions))
        continue;
      referrals = sp_store_list_referrals (cli->store, patient->record.id, &error);
      if (referrals == NULL)
        return cli_fail (cli, error);
      n_open = count_open_referrals (referrals);
      age = sp_patient_age (patient, today);
      shown++;

      if (cli->json)
        {
          JsonObject *object = sp_record_to_json (&sp_entity_patient, patient);
          JsonArray *msk = json_array_new ();
          JsonArray *mh = json_array_new ();

          for (guint k = 0; k < conditions->len; k++)
            {
              SpCondition *c = conditions->pdata[k];
              json_array_add_string_element (g_strcmp0 (c->kind, "msk") == 0 ? msk : mh, c->code);
            }
          if (age >= 0)
            json_object_set_int_member (object, "age", age);
          else
            json_object_set_null_member (object, "age");
          json_object_set_array_member (object, "msk", msk);
          json_object_set_array_member (object, "mh", mh);
          json_object_set_boolean_member (object, "comorbid", sp_conditions_are_comorbid (conditions));
          json_object_set_int_member (object, "open_referrals", n_open);
          json_builder_add_value (builder, object_node (object));
        }
      else
        {
          g_autofree char *nhs = patient_nhs_number (patient);
          g_autofree char *name = sp_patient_display_name (patient);
          g_autofree char *age_text = age >= 0 ? g_strdup_printf ("%d", age) : g_strdup ("");
          g_autofree char *open_text = g_strdup_printf ("%u", n_open);

          table_add (table, nhs, name, age_text, condition_badges (conditions), open_text);
        }
    }

  if (cli->json)
    {
      json_builder_end_array (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  if (shown == 0)
    {
      g_print (_("No patients found.\n"));
      return CLI_EXIT_OK;
    }
  table_print (table);
  g_print (ngettext ("%u patient.\n", "%u patients.\n", shown), shown);
  return CLI_EXIT_OK;
}

/* ---- patient show -------------------------------------------------------- */

static void
print_balance_table (const SpBalance *balance,
                     guint            indent)
{
  g_autoptr(Table) table = table_new (4, indent);
  g_autofree char *p_due = sp_money_format (balance->patient_due);
  g_autofree char *p_paid = sp_money_format (balance->patient_paid);
  g_autofree char *p_out = sp_money_format (balance->patient_due - balance->patient_paid);
  g_autofree char *f_due = sp_money_format (balance->funder_due);
  g_autofree char *f_paid = sp_money_format (balance->funder_paid);
  g_autofree char *f_out = sp_money_format (balance->funder_due - balance->funder_paid);

  for (guint i = 1; i < 4; i++)
    table_align_right (table, i);
  table_add (table, "", _("Due"), _("Paid"), _("Outstanding"));
  table_add (table, _("Patient share"), p_due, p_paid, p_out);
  table_add (table, _("Funder share"), f_due, f_paid, f_out);
  table_print (table);
}

static int
cmd_patient_show (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) conditions = NULL;
  g_autoptr(GPtrArray) assessments = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autofree char *today = NULL;
  g_autofree char *name = NULL;
  g_autofree char *nhs = NULL;
  SpBalance balance;
  gint age;

  if (!cli_begin (cli, NULL, 1, 1))
    return cli->status;

  patient = find_patient (cli, cli_arg (cli, 0), &error);
  if (patient == NULL)
    return cli_fail (cli, error);
  if ((conditions = sp_store_list_conditions (cli->store, patient->record.id, &error)) == NULL ||
      (assessments = sp_store_list_assessments (cli->store, patient->record.id, &error)) == NULL ||
      (referrals = sp_store_list_referrals (cli->store, patient->record.id, &error)) == NULL ||
      !sp_store_patient_balance (cli->store, patient->record.id, &balance, &error))
    return cli_fail (cli, error);

  /* Looking at a patient's record is itself recorded, before it is shown. */
  if (!sp_store_audit (cli->store, "patient", patient->record.id, patient->record.practice, "view", &error))
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_member (builder, "patient", record_node (&sp_entity_patient, patient));
      json_builder_set_member_name (builder, "conditions");
      json_builder_begin_array (builder);
      for (guint i = 0; i < conditions->len; i++)
        json_builder_add_value (builder, record_node (&sp_entity_condition, conditions->pdata[i]));
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "assessments");
      json_builder_begin_array (builder);
      for (guint i = 0; i < assessments->len; i++)
        {
          SpAssessment *a = assessments->pdata[i];
          const SpAssessment *baseline = g_strcmp0 (a->stage, "baseline") != 0 ? find_baseline (assessments, a) : NULL;
          json_builder_add_value (builder, assessment_node (a, baseline));
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "referrals");
      json_builder_begin_array (builder);
      for (guint i = 0; i < referrals->len; i++)
        {
          SpReferral *r = referrals->pdata[i];
          JsonObject *object = sp_record_to_json (&sp_entity_referral, r);
          g_autofree char *offering = offering_label (cli, r->offering_id);

          json_object_set_string_member (object, "offering_name", offering);
          json_builder_add_value (builder, object_node (object));
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "balance");
      add_balance (builder, &balance);
      json_builder_end_object (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  today = sp_store_today (cli->store);
  name = sp_patient_display_name (patient);
  nhs = patient_nhs_number (patient);
  age = sp_patient_age (patient, today);

  g_print ("%s\n", name);
  {
    g_autoptr(Table) details = table_new (2, 2);
    g_autofree char *born = NULL;
    g_autofree char *max_cost = NULL;
    g_autofree char *consent = NULL;
    g_autofree char *language = NULL;

    table_add (details, _("NHS number"), nhs);
    if (patient->date_of_birth != NULL)
      {
        born = age >= 0 ? g_strdup_printf (_("%s (age %d)"), patient->date_of_birth, age)
                        : g_strdup (patient->date_of_birth);
        table_add (details, _("Born"), born);
      }
    if (patient->sex != NULL)
      table_add (details, _("Sex"), sp_vocab_label (SP_VOCAB_SEX, patient->sex));
    if (patient->address != NULL)
      table_add (details, _("Address"), patient->address);
    if (patient->postcode != NULL)
      table_add (details, _("Postcode"), patient->postcode);
    if (patient->phone != NULL)
      table_add (details, _("Phone"), patient->phone);
    if (patient->email != NULL)
      table_add (details, _("Email"), patient->email);
    if (patient->preferred_contact != NULL)
      table_add (details, _("Preferred contact"), sp_vocab_label (SP_VOCAB_CONTACT, patient->preferred_contact));
    if (patient->language != NULL || patient->interpreter)
      {
        language = patient->interpreter ? g_strdup_printf (_("%s, needs an interpreter"), or_empty (patient->language))
                                        : g_strdup (patient->language);
        table_add (details, _("Language"), language);
      }
    table_add (details, _("Income band"), sp_vocab_label (SP_VOCAB_INCOME_BAND, patient->income_band));
    table_add (details, _("Travel"), sp_vocab_label (SP_VOCAB_TRAVEL, patient->travel));
    if (patient->max_cost_pence != SP_UNSET)
      {
        max_cost = money_per_session (patient->max_cost_pence);
        table_add (details, _("Can pay up to"), max_cost);
      }
    consent = g_strdup_printf (_("GP %s, contact %s, evaluation %s"), yes_no (patient->consent_gp),
                               yes_no (patient->consent_contact), yes_no (patient->consent_evaluation));
    table_add (details, _("Consent"), consent);
    for (guint i = 0; patient->access_needs != NULL && patient->access_needs[i] != NULL; i++)
      table_add (details, i == 0 ? _("Access needs") : "",
                 sp_vocab_label (SP_VOCAB_ACCESS, patient->access_needs[i]));
    for (guint i = 0; patient->precautions != NULL && patient->precautions[i] != NULL; i++)
      table_add (details, i == 0 ? _("Precautions") : "",
                 sp_vocab_label (SP_VOCAB_PRECAUTION, patient->precautions[i]));
    if (patient->notes != NULL)
      table_add (details, _("Notes"), patient->notes);
    table_add (details, _("Patient id"), patient->record.id);
    table_print (details);
  }

  g_print ("\n%s\n", _("Conditions"));
  if (conditions->len == 0)
    g_print ("  %s\n", _("None recorded."));
  else
    {
      g_autoptr(Table) table = table_new (3, 2);

      for (guint i = 0; i < conditions->len; i++)
        {
          SpCondition *c = conditions->pdata[i];
          g_autofree char *since = c->since != NULL ? g_strdup_printf (_("since %s"), c->since) : NULL;

          table_add (table, g_strcmp0 (c->kind, "msk") == 0 ? _("MSK") : _("MH"), condition_label (c), since);
        }
      table_print (table);
    }

  g_print ("\n%s\n", _("Measures"));
  if (assessments->len == 0)
    g_print ("  %s\n", _("None recorded."));
  else
    {
      g_autoptr(Table) table = table_new (6, 2);

      table_add (table, _("Date"), _("Measure"), _("Stage"), _("Score"), _("Band"), _("Change since baseline"));
      for (guint i = 0; i < assessments->len; i++)
        {
          SpAssessment *a = assessments->pdata[i];
          const SpMeasureInfo *info;
          SpMeasureScore score;
          g_autofree char *date = date_only (a->taken_at);
          g_autofree char *total = NULL;
          g_autofree char *change = NULL;

          if (!score_assessment (a, &info, &score))
            {
              table_add (table, date, a->measure, sp_vocab_label (SP_VOCAB_STAGE, a->stage),
                         _("cannot be scored"), NULL, NULL);
              continue;
            }
          total = score_text (info, &score);
          if (g_strcmp0 (a->stage, "baseline") != 0)
            change = change_text (a, find_baseline (assessments, a));
          table_add (table, date, sp_measure_get_name (info), sp_vocab_label (SP_VOCAB_STAGE, a->stage),
                     total, score.band, change);
        }
      table_print (table);
    }

  g_print ("\n%s\n", _("Referrals"));
  if (referrals->len == 0)
    g_print ("  %s\n", _("None yet."));
  else
    {
      g_autoptr(Table) table = table_new (6, 2);

      table_add (table, _("ID"), _("Offering"), _("Status"), _("Referred"), _("Sessions"), _("Patient pays"));
      for (guint i = 0; i < referrals->len; i++)
        {
          SpReferral *r = referrals->pdata[i];
          g_autofree char *id = short_id (r->record.id);
          g_autofree char *offering = offering_label (cli, r->offering_id);
          g_autofree char *referred = date_only (r->referred_at);
          g_autofree char *sessions = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                                                       r->sessions_attended, r->sessions_planned);
          g_autofree char *pays = money_per_session (r->patient_share_pence);

          table_add (table, id, offering, status_label (r->status), referred, sessions, pays);
        }
      table_print (table);
    }

  g_print ("\n%s\n", _("Balance"));
  print_balance_table (&balance, 2);
  return CLI_EXIT_OK;
}

/* ---- patient import ------------------------------------------------------ */

static int
cmd_patient_import (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatientImport) import = NULL;
  gboolean dry_run = FALSE;
  const GOptionEntry entries[] = {
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Check every row and report, but save nothing"), NULL },
    G_OPTION_ENTRY_NULL
  };
  const char *path;
  guint n_rejected;

  if (!cli_begin (cli, entries, 1, 1))
    return cli->status;
  path = cli_arg (cli, 0);

  import = sp_store_import_patients (cli->store, path, dry_run, &error);
  if (import == NULL)
    return cli_fail (cli, error);
  n_rejected = import->problems->len;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string_or_null (builder, "file", path);
      json_builder_set_member_name (builder, "dry_run");
      json_builder_add_boolean_value (builder, import->dry_run);
      add_int (builder, "rows", import->n_rows);
      add_int (builder, "saved", import->n_saved);
      add_int (builder, "rejected", n_rejected);
      json_builder_set_member_name (builder, "problems");
      json_builder_begin_array (builder);
      for (guint i = 0; i < n_rejected; i++)
        {
          SpImportProblem *problem = import->problems->pdata[i];

          json_builder_begin_object (builder);
          add_int (builder, "line", problem->line);
          add_string_or_null (builder, "reason", problem->reason);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "ignored_columns");
      json_builder_begin_array (builder);
      for (guint i = 0; import->ignored_columns != NULL && import->ignored_columns[i] != NULL; i++)
        json_builder_add_string_value (builder, import->ignored_columns[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  g_print (ngettext ("%s: %u row read.\n", "%s: %u rows read.\n", import->n_rows), path, import->n_rows);
  if (dry_run)
    {
      g_print (_("Dry run: nothing was saved.\n"));
      g_print (ngettext ("%u row would be saved", "%u rows would be saved", import->n_saved), import->n_saved);
      g_print (ngettext (", %u would be rejected.\n", ", %u would be rejected.\n", n_rejected), n_rejected);
    }
  else
    {
      g_print (ngettext ("%u row saved", "%u rows saved", import->n_saved), import->n_saved);
      g_print (ngettext (", %u rejected.\n", ", %u rejected.\n", n_rejected), n_rejected);
    }

  if (n_rejected > 0)
    {
      g_print ("\n%s\n", dry_run ? _("Rows that would be rejected:")
                                 : _("Rejected rows (fix them and import just those again):"));
      for (guint i = 0; i < n_rejected; i++)
        {
          SpImportProblem *problem = import->problems->pdata[i];

          g_print ("  ");
          g_print (_("line %u: %s\n"), problem->line, problem->reason);
        }
    }

  if (import->ignored_columns != NULL && import->ignored_columns[0] != NULL)
    {
      g_autofree char *columns = g_strjoinv (", ", import->ignored_columns);
      g_print ("\n");
      g_print (_("Columns not used: %s\n"), columns);
    }
  return CLI_EXIT_OK;
}

/* ---- assess -------------------------------------------------------------- */

/* "1,2,-,0": a skipped item is "-" or nothing. */
static JsonNode *
parse_answers (const char  *text,
               GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint64 value;

      g_strstrip (parts[i]);
      if (*parts[i] == '\0' || g_str_equal (parts[i], "-"))
        {
          json_array_add_null_element (array);
          continue;
        }
      if (!g_ascii_string_to_signed (parts[i], 10, 0, 1000, &value, NULL))
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                       _("Answer %u, “%s”, is not a number. Give each answer as a whole number, "
                         "or - for a question left unanswered, separated by commas."),
                       i + 1, parts[i]);
          return NULL;
        }
      json_array_add_int_element (array, value);
    }
  return json_node_init_array (json_node_alloc (), array);
}

static int
cmd_assess (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *measure = NULL;
  g_autofree char *answers = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *referral_text = NULL;
  const GOptionEntry entries[] = {
    { "measure", 0, 0, G_OPTION_ARG_STRING, &measure, N_("Which questionnaire (required)"), N_("MEASURE") },
    { "answers", 0, 0, G_OPTION_ARG_STRING, &answers,
      N_("The answers in question order, separated by commas; - for one left unanswered (required)"), N_("LIST") },
    { "stage", 0, 0, G_OPTION_ARG_STRING, &stage, N_("When it was taken; baseline unless given"), N_("STAGE") },
    { "referral", 0, 0, G_OPTION_ARG_STRING, &referral_text,
      N_("The referral this measure belongs to"), N_("REFERRAL") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpAssessment) assessment = sp_assessment_new ();
  g_autoptr(GPtrArray) assessments = NULL;
  const SpAssessment *baseline = NULL;
  const SpMeasureInfo *info;
  SpMeasureScore score;
  g_autofree char *name = NULL;
  g_autofree char *total = NULL;

  cli_help_codes (cli, SP_VOCAB_STAGE, SP_N_VOCABS);
  {
    GString *help = g_string_new (cli->codes_help);

    g_string_append_printf (help, "\n  %s:", _("measures"));
    for (guint i = 0; i < SP_N_MEASURES; i++)
      {
        const SpMeasureInfo *m = sp_measure_get ((SpMeasureId) i);
        g_string_append_printf (help, "\n    %-9s %s, %u %s", m->code, sp_measure_get_name (m), m->n_items,
                                ngettext ("question", "questions", m->n_items));
      }
    g_free (cli->codes_help);
    cli->codes_help = g_string_free (help, FALSE);
  }
  if (!cli_parse (cli, entries, 1, 1))
    return cli->status;
  if (measure == NULL || answers == NULL)
    return cli_usage (cli, _("Give the measure with --measure and the answers with --answers."));
  if (!cli_open_store (cli))
    return cli->status;

  patient = find_patient (cli, cli_arg (cli, 0), &error);
  if (patient == NULL)
    return cli_fail (cli, error);
  if (referral_text != NULL)
    {
      referral = find_record (cli, &referral_lookup, referral_text, &error);
      if (referral == NULL)
        return cli_fail (cli, error);
      if (g_strcmp0 (referral->patient_id, patient->record.id) != 0)
        {
          g_autofree char *offering = offering_label (cli, referral->offering_id);
          g_autofree char *other = patient_label (cli, referral->patient_id);
          return cli_error (cli, _("That referral (to “%s”) is for %s, not this patient."), offering, other);
        }
    }

  assessment->patient_id = g_strdup (patient->record.id);
  assessment->referral_id = referral != NULL ? g_strdup (referral->record.id) : NULL;
  assessment->measure = g_ascii_strdown (measure, -1);
  assessment->stage = g_steal_pointer (&stage);
  assessment->answers = parse_answers (answers, &error);
  if (assessment->answers == NULL)
    return cli_fail (cli, error);

  if (!sp_store_add_assessment (cli->store, assessment, &error))
    return cli_fail (cli, error);

  assessments = sp_store_list_assessments (cli->store, patient->record.id, &error);
  if (assessments == NULL)
    return cli_fail (cli, error);
  baseline = find_baseline (assessments, assessment);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = assessment_node (assessment, baseline);
      print_json (root);
      return CLI_EXIT_OK;
    }

  if (!score_assessment (assessment, &info, &score))
    return CLI_EXIT_OK;  /* the core accepted it, so this cannot happen */
  name = sp_patient_display_name (patient);
  total = score_text (info, &score);
  g_print (_("Recorded %s for %s.\n"), sp_measure_get_name (info), name);
  g_print (_("Stage: %s\n"), sp_vocab_label (SP_VOCAB_STAGE, assessment->stage));
  if (score.band != NULL)
    g_print (_("Score: %s, %s\n"), total, score.band);
  else
    g_print (_("Score: %s\n"), total);
  if (info->licence != NULL)
    g_print ("%s\n", _(info->licence));

  if (baseline != NULL)
    {
      const SpMeasureInfo *base_info;
      SpMeasureScore base_score;
      g_autofree char *date = date_only (baseline->taken_at);
      g_autofree char *base_total = NULL;

      if (score_assessment (baseline, &base_info, &base_score))
        {
          base_total = score_text (base_info, &base_score);
          g_print (_("Change since the baseline of %s (score %s): %s\n"), date, base_total,
                   sp_change_to_string (sp_measure_compare (info, &base_score, &score)));
        }
    }
  else if (g_strcmp0 (assessment->stage, "baseline") != 0)
    g_print (_("There is no earlier baseline of this measure to compare with.\n"));
  return CLI_EXIT_OK;
}

/* ---- match --------------------------------------------------------------- */

static JsonNode *
match_node (const SpMatch *match,
            guint          rank)
{
  JsonObject *object = json_object_new ();
  JsonArray *reasons = json_array_new ();

  if (rank > 0)
    json_object_set_int_member (object, "rank", rank);
  json_object_set_int_member (object, "score", match->score);
  json_object_set_int_member (object, "patient_cost_pence", match->patient_cost_pence);
  if (isnan (match->distance_km))
    json_object_set_null_member (object, "distance_km");
  else
    json_object_set_double_member (object, "distance_km", match->distance_km);
  for (guint i = 0; match->reasons != NULL && i < match->reasons->len; i++)
    json_array_add_string_element (reasons, match->reasons->pdata[i]);
  json_object_set_array_member (object, "reasons", reasons);
  if (match->excluded_because != NULL)
    json_object_set_string_member (object, "excluded_because", match->excluded_because);
  else
    json_object_set_null_member (object, "excluded_because");
  json_object_set_object_member (object, "offering", sp_record_to_json (&sp_entity_offering, match->offering));
  return object_node (object);
}

static void
print_match (const SpMatch *match,
             guint          rank)
{
  const SpOffering *offering = match->offering;
  g_autoptr(GString) facts = g_string_new (NULL);
  g_autofree char *cost = money_per_session (match->patient_cost_pence);
  g_autofree char *schedule = schedule_summary (offering);
  g_autofree char *id = short_id (offering->record.id);

  g_print ("%2u. %s  [%s]\n", rank, offering->name, id);

  g_string_append_printf (facts, _("Score %d"), match->score);
  g_string_append (facts, " · ");
  g_string_append_printf (facts, _("costs the patient %s"), cost);
  g_string_append (facts, " · ");
  g_string_append_printf (facts, "%s, %s", sp_vocab_label (SP_VOCAB_MODALITY, offering->modality),
                          sp_vocab_label (SP_VOCAB_FORMAT, offering->format));
  if (!isnan (match->distance_km))
    {
      g_string_append (facts, " · ");
      g_string_append_printf (facts, _("%.1f km away"), match->distance_km);
    }
  g_print ("    %s\n", facts->str);

  g_string_truncate (facts, 0);
  g_string_append (facts, schedule);
  if (offering->wait_weeks > 0)
    {
      g_string_append (facts, " · ");
      g_string_append_printf (facts, ngettext ("waiting time %d week", "waiting time %d weeks",
                                               (gulong) offering->wait_weeks),
                              (gint) offering->wait_weeks);
    }
  else if (offering->wait_weeks == 0)
    {
      g_string_append (facts, " · ");
      g_string_append (facts, _("no waiting time"));
    }
  g_print ("    %s\n", facts->str);

  for (guint i = 0; match->reasons != NULL && i < match->reasons->len; i++)
    g_print ("      • %s\n", (const char *) match->reasons->pdata[i]);
}

static int
cmd_match (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  gboolean all = FALSE;
  int limit = DEFAULT_MATCH_LIMIT;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Also list the offerings that were excluded, and why"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Show the best N matches (default 10; 0 shows all)"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpMatchResult) result = NULL;
  g_autofree char *today = NULL;
  g_autofree char *name = NULL;
  g_autofree char *nhs = NULL;
  guint n_shown;

  if (!cli_parse (cli, entries, 1, 1))
    return cli->status;
  if (limit < 0)
    return cli_usage (cli, _("--limit must be 0 (no limit) or more."));
  if (!cli_open_store (cli))
    return cli->status;

  patient = find_patient (cli, cli_arg (cli, 0), &error);
  if (patient == NULL)
    return cli_fail (cli, error);
  today = sp_store_today (cli->store);
  result = sp_store_match_patient (cli->store, patient->record.id, today, &error);
  if (result == NULL)
    return cli_fail (cli, error);

  n_shown = limit == 0 ? result->matches->len : MIN ((guint) limit, result->matches->len);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_member (builder, "patient", record_node (&sp_entity_patient, patient));
      add_int (builder, "suggested_step", result->suggested_step);
      add_string_or_null (builder, "step_note", result->step_note);
      add_int (builder, "total_matches", result->matches->len);
      add_int (builder, "total_excluded", result->excluded->len);
      json_builder_set_member_name (builder, "matches");
      json_builder_begin_array (builder);
      for (guint i = 0; i < n_shown; i++)
        json_builder_add_value (builder, match_node (result->matches->pdata[i], i + 1));
      json_builder_end_array (builder);
      if (all)
        {
          json_builder_set_member_name (builder, "excluded");
          json_builder_begin_array (builder);
          for (guint i = 0; i < result->excluded->len; i++)
            json_builder_add_value (builder, match_node (result->excluded->pdata[i], 0));
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  name = sp_patient_display_name (patient);
  nhs = patient_nhs_number (patient);
  g_print (_("Offerings for %s (NHS number %s)\n"), name, nhs);
  g_print (ngettext ("%u offering fits", "%u offerings fit", result->matches->len), result->matches->len);
  g_print (ngettext ("; %u is excluded.\n", "; %u are excluded.\n", result->excluded->len), result->excluded->len);
  if (result->suggested_step > 0)
    {
      g_autofree char *step = g_strdup_printf ("%d", result->suggested_step);
      g_print (_("Suggested: %s.\n"), sp_vocab_label (SP_VOCAB_STEP, step));
    }
  if (result->step_note != NULL)
    g_print ("%s.\n", result->step_note);

  for (guint i = 0; i < n_shown; i++)
    {
      g_print ("\n");
      print_match (result->matches->pdata[i], i + 1);
    }

  if (n_shown < result->matches->len)
    {
      g_print ("\n");
      g_print (_("Showing the best %u of %u; --limit 0 shows them all.\n"), n_shown, result->matches->len);
    }

  if (all && result->excluded->len > 0)
    {
      g_autoptr(Table) table = table_new (3, 2);

      g_print ("\n%s\n", _("Excluded"));
      for (guint i = 0; i < result->excluded->len; i++)
        {
          SpMatch *match = result->excluded->pdata[i];
          g_autofree char *id = short_id (match->offering->record.id);
          table_add (table, id, match->offering->name, match->excluded_because);
        }
      table_print (table);
    }
  else if (!all && result->excluded->len > 0)
    {
      g_print ("\n");
      g_print (_("--all also lists the excluded offerings and why.\n"));
    }

  if (n_shown > 0)
    {
      g_autofree char *id = short_id (((SpMatch *) result->matches->pdata[0])->offering->record.id);
      g_print ("\n");
      g_print (_("To refer: signpost-cli refer %s %s\n"), patient->nhs_number, id);
    }
  return CLI_EXIT_OK;
}

/* ---- refer --------------------------------------------------------------- */

static void
print_share (Cli              *cli,
             const SpReferral *referral)
{
  g_autofree char *patient_pays = money_per_session (referral->patient_share_pence);
  g_autofree char *funder_pays = money_per_session (referral->funder_share_pence);
  g_autofree char *fee = money_per_session (referral->fee_pence);
  g_autofree char *funder = funder_label (cli, referral->funder_id);
  g_autoptr(Table) table = table_new (2, 2);

  table_add (table, _("Patient pays"), patient_pays);
  if (referral->funder_share_pence > 0 && funder != NULL)
    {
      g_autofree char *line = g_strdup_printf (_("%s (%s)"), funder_pays, funder);
      table_add (table, _("Funder pays"), line);
    }
  else if (referral->funder_share_pence > 0)
    {
      g_autofree char *line = g_strdup_printf (_("%s (waived by the provider)"), funder_pays);
      table_add (table, _("Funder pays"), line);
    }
  else
    table_add (table, _("Funder pays"), funder_pays);
  table_add (table, _("Full fee"), fee);
  {
    g_autofree char *sessions = g_strdup_printf ("%" G_GINT64_FORMAT, referral->sessions_planned);
    table_add (table, _("Sessions"), sessions);
  }
  table_print (table);
}

static JsonNode *
referral_node (Cli              *cli,
               const SpReferral *referral)
{
  JsonObject *object = sp_record_to_json (&sp_entity_referral, referral);
  g_autofree char *offering = offering_label (cli, referral->offering_id);
  g_autofree char *patient = patient_label (cli, referral->patient_id);
  g_autofree char *funder = funder_label (cli, referral->funder_id);

  json_object_set_string_member (object, "offering_name", offering);
  json_object_set_string_member (object, "patient_name", patient);
  if (funder != NULL)
    json_object_set_string_member (object, "funder_name", funder);
  else
    json_object_set_null_member (object, "funder_name");
  return object_node (object);
}

static int
cmd_refer (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *route = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *goals = NULL;
  gboolean draft = FALSE;
  const GOptionEntry entries[] = {
    { "route", 0, 0, G_OPTION_ARG_STRING, &route,
      N_("How the patient came to be referred; gp unless given"), N_("ROUTE") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why this referral"), N_("TEXT") },
    { "goals", 0, 0, G_OPTION_ARG_STRING, &goals, N_("What the patient hopes for"), N_("TEXT") },
    { "draft", 0, 0, G_OPTION_ARG_NONE, &draft, N_("Save as a draft, not yet sent"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(SpOffering) offering = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autofree char *name = NULL;

  cli_help_codes (cli, SP_VOCAB_ROUTE, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 2, 2))
    return cli->status;

  patient = find_patient (cli, cli_arg (cli, 0), &error);
  if (patient == NULL)
    return cli_fail (cli, error);
  offering = find_record (cli, &offering_lookup, cli_arg (cli, 1), &error);
  if (offering == NULL)
    return cli_fail (cli, error);

  referral = sp_store_refer (cli->store, patient->record.id, offering->record.id, route, reason, goals, draft, &error);
  if (referral == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = referral_node (cli, referral);
      print_json (root);
      return CLI_EXIT_OK;
    }

  name = sp_patient_display_name (patient);
  if (draft)
    g_print (_("Drafted a referral of %s to “%s”.\n"), name, offering->name);
  else
    g_print (_("Referred %s to “%s”.\n"), name, offering->name);
  g_print (_("Referral id: %s\n"), referral->record.id);
  g_print (_("Co-payment per session, fixed now for this referral:\n"));
  print_share (cli, referral);
  return CLI_EXIT_OK;
}

/* ---- referral status | list | attend ------------------------------------- */

/* A status code or its label, any case: "accepted", "Did not attend". */
static const char *
status_code (const char *text)
{
  guint n;
  const SpVocabEntry *entries = sp_vocab_entries (SP_VOCAB_REFERRAL_STATUS, &n);

  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (entries[i].code, text) == 0 ||
        same_text (sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, entries[i].code), text))
      return entries[i].code;
  return text;
}

static void
print_next_statuses (const SpReferral *referral)
{
  const char * const *next = sp_referral_next_statuses (referral->status);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *id = short_id (referral->record.id);

  if (next[0] == NULL)
    {
      g_print (_("This status is final. A new episode needs a new referral.\n"));
      return;
    }
  for (guint i = 0; next[i] != NULL; i++)
    g_string_append_printf (out, "%s%s (%s)", i > 0 ? ", " : "", next[i], status_label (next[i]));
  g_print (_("It can become: %s\n"), out->str);
  g_print (_("To move it: signpost-cli referral status %s %s\n"), id, next[0]);
}

static JsonNode *
referral_status_node (Cli        *cli,
                      SpReferral *referral,
                      GPtrArray  *events)
{
  JsonObject *object = json_object_new ();
  JsonArray *history = json_array_new ();
  JsonArray *next_array = json_array_new ();
  const char * const *next = sp_referral_next_statuses (referral->status);

  json_object_set_member (object, "referral", referral_node (cli, referral));
  for (guint i = 0; i < events->len; i++)
    json_array_add_object_element (history, sp_record_to_json (&sp_entity_referral_event, events->pdata[i]));
  json_object_set_array_member (object, "events", history);
  for (guint i = 0; next[i] != NULL; i++)
    json_array_add_string_element (next_array, next[i]);
  json_object_set_array_member (object, "next_statuses", next_array);
  return object_node (object);
}

static int
cmd_referral_status (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const GOptionEntry entries[] = {
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("A note kept with the change"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *patient = NULL;
  g_autofree char *offering = NULL;
  const char *new_status;

  cli_help_codes (cli, SP_VOCAB_REFERRAL_STATUS, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 1, 2))
    return cli->status;
  new_status = cli_arg (cli, 1);
  if (note != NULL && new_status == NULL)
    return cli_usage (cli, _("--note goes with a new status."));

  referral = find_record (cli, &referral_lookup, cli_arg (cli, 0), &error);
  if (referral == NULL)
    return cli_fail (cli, error);

  if (new_status != NULL)
    {
      g_autofree char *from = g_strdup (referral->status);
      g_autofree char *id = g_strdup (referral->record.id);
      const char *to = status_code (new_status);

      if (!sp_store_move_referral (cli->store, id, to, note, &error))
        return cli_fail (cli, error);
      g_clear_pointer (&referral, sp_referral_free);
      referral = sp_store_get_referral (cli->store, id, &error);
      if (referral == NULL)
        return cli_fail (cli, error);
      if (!cli->json)
        g_print (_("The referral moved from %s to %s.\n"), status_label (from), status_label (referral->status));
    }

  events = sp_store_list_referral_events (cli->store, referral->record.id, &error);
  if (events == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = referral_status_node (cli, referral, events);
      print_json (root);
      return CLI_EXIT_OK;
    }

  if (new_status != NULL)
    {
      print_next_statuses (referral);
      return CLI_EXIT_OK;
    }

  patient = patient_label (cli, referral->patient_id);
  offering = offering_label (cli, referral->offering_id);
  g_print (_("Referral of %s to “%s”\n"), patient, offering);
  {
    g_autoptr(Table) table = table_new (2, 2);
    g_autofree char *sessions = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " attended"),
                                                 referral->sessions_attended, referral->sessions_planned);
    g_autofree char *pays = money_per_session (referral->patient_share_pence);

    table_add (table, _("Status"), status_label (referral->status));
    table_add (table, _("Sessions"), sessions);
    table_add (table, _("Patient pays"), pays);
    if (referral->outcome != NULL)
      table_add (table, _("Outcome"), referral->outcome);
    table_add (table, _("Referral id"), referral->record.id);
    table_print (table);
  }

  g_print ("\n%s\n", _("History"));
  {
    g_autoptr(Table) table = table_new (4, 2);

    for (guint i = 0; i < events->len; i++)
      {
        SpReferralEvent *event = events->pdata[i];
        g_autofree char *when = local_time (event->at);
        g_autofree char *move = event->from_status != NULL
          ? g_strdup_printf ("%s → %s", status_label (event->from_status), status_label (event->to_status))
          : g_strdup (status_label (event->to_status));
        g_autofree char *by = event->by != NULL ? g_strdup_printf (_("by %s"), event->by) : NULL;

        table_add (table, when, move, by, event->note);
      }
    table_print (table);
  }
  g_print ("\n");
  print_next_statuses (referral);
  return CLI_EXIT_OK;
}

static int
cmd_referral_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *patient_text = NULL;
  g_autofree char *status_text = NULL;
  const GOptionEntry entries[] = {
    { "patient", 0, 0, G_OPTION_ARG_STRING, &patient_text, N_("Only this patient’s referrals"), N_("PATIENT") },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_text,
      N_("Only referrals with this status, or “open” for all still in play"), N_("STATUS") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) nhs_numbers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(Table) table = NULL;
  const char *status = NULL;
  gboolean open_only = FALSE;
  guint shown = 0;

  cli_help_codes (cli, SP_VOCAB_REFERRAL_STATUS, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 0, 0))
    return cli->status;

  if (status_text != NULL)
    {
      open_only = g_ascii_strcasecmp (status_text, "open") == 0;
      status = status_code (status_text);
      if (!open_only && !sp_vocab_contains (SP_VOCAB_REFERRAL_STATUS, status))
        {
          g_autofree char *codes = sp_vocab_codes (SP_VOCAB_REFERRAL_STATUS);
          return cli_error (cli, _("“%s” is not a referral status. Use one of: %s, or open."), status_text, codes);
        }
    }
  if (patient_text != NULL)
    {
      patient = find_patient (cli, patient_text, &error);
      if (patient == NULL)
        return cli_fail (cli, error);
    }

  referrals = sp_store_list_referrals (cli->store, patient != NULL ? patient->record.id : NULL, &error);
  if (referrals == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
    }
  else
    {
      table = table_new (7, 0);
      table_add (table, _("ID"), _("Patient"), _("NHS number"), _("Offering"), _("Status"),
                 _("Referred"), _("Sessions"));
    }

  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];

      if (!in_my_practices (cli, r->record.practice))
        continue;
      if (open_only ? !sp_referral_status_is_open (r->status) : (status != NULL && g_strcmp0 (r->status, status) != 0))
        continue;
      shown++;

      if (cli->json)
        {
          json_builder_add_value (builder, referral_node (cli, r));
          continue;
        }

      if (!g_hash_table_contains (names, r->patient_id))
        {
          g_autoptr(SpPatient) p = sp_store_get_patient (cli->store, r->patient_id, NULL);
          g_hash_table_insert (names, r->patient_id, p != NULL ? sp_patient_display_name (p) : g_strdup (""));
          g_hash_table_insert (nhs_numbers, r->patient_id, p != NULL ? patient_nhs_number (p) : g_strdup (""));
        }
      {
        g_autofree char *id = short_id (r->record.id);
        g_autofree char *offering = offering_label (cli, r->offering_id);
        g_autofree char *referred = date_only (r->referred_at);
        g_autofree char *sessions = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                                                     r->sessions_attended, r->sessions_planned);

        table_add (table, id, g_hash_table_lookup (names, r->patient_id),
                   g_hash_table_lookup (nhs_numbers, r->patient_id), offering,
                   status_label (r->status), referred, sessions);
      }
    }

  if (cli->json)
    {
      json_builder_end_array (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }
  if (shown == 0)
    {
      g_print (_("No referrals found.\n"));
      return CLI_EXIT_OK;
    }
  table_print (table);
  g_print (ngettext ("%u referral.\n", "%u referrals.\n", shown), shown);
  return CLI_EXIT_OK;
}

static int
cmd_referral_attend (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL;
  g_autofree char *note = NULL;
  gboolean missed = FALSE;
  const GOptionEntry entries[] = {
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, N_("The session’s date (default today)"), N_("YYYY-MM-DD") },
    { "missed", 0, 0, G_OPTION_ARG_NONE, &missed, N_("The patient did not come to this session"), NULL },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("A note about the session"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpReferral) updated = NULL;
  g_autofree char *today = NULL;
  g_autofree char *patient = NULL;
  g_autofree char *offering = NULL;

  if (!cli_begin (cli, entries, 1, 1))
    return cli->status;

  referral = find_record (cli, &referral_lookup, cli_arg (cli, 0), &error);
  if (referral == NULL)
    return cli_fail (cli, error);
  today = sp_store_today (cli->store);
  if (date == NULL)
    date = g_strdup (today);

  if (!sp_store_record_attendance (cli->store, referral->record.id, date, !missed, note, &error))
    return cli_fail (cli, error);
  updated = sp_store_get_referral (cli->store, referral->record.id, &error);
  if (updated == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = referral_node (cli, updated);
      print_json (root);
      return CLI_EXIT_OK;
    }

  patient = patient_label (cli, updated->patient_id);
  offering = offering_label (cli, updated->offering_id);
  if (missed)
    g_print (_("Recorded that %s missed the session of %s at “%s”.\n"), patient, date, offering);
  else
    g_print (_("Recorded that %s attended the session of %s at “%s”.\n"), patient, date, offering);
  g_print (_("Sessions attended: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ". Status: %s.\n"),
           updated->sessions_attended, updated->sessions_planned, status_label (updated->status));
  return CLI_EXIT_OK;
}

/* ---- payment add | reverse | list ---------------------------------------- */

/* The funder's name, or "Patient". */
static char *
payer_name (Cli             *cli,
            const SpPayment *payment)
{
  if (g_strcmp0 (payment->payer, "funder") == 0 && payment->funder_id != NULL)
    return funder_label (cli, payment->funder_id);
  return g_strdup (sp_vocab_label (SP_VOCAB_PAYER, payment->payer));
}

static int
cmd_payment_add (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *payer = NULL;
  g_autofree char *method = NULL;
  g_autofree char *note = NULL;
  g_autofree char *funder_text = NULL;
  const GOptionEntry entries[] = {
    { "payer", 0, 0, G_OPTION_ARG_STRING, &payer, N_("Who paid; the patient unless given"), N_("PAYER") },
    { "funder", 0, 0, G_OPTION_ARG_STRING, &funder_text,
      N_("Which funder paid, when not the referral’s own"), N_("FUNDER") },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method, N_("How it was paid"), N_("METHOD") },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("A note kept with the payment"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpPayment) payment = sp_payment_new ();
  g_autoptr(SpFunder) funder = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *offering = NULL;
  g_autofree char *payer_label = NULL;
  SpBalance balance;

  cli_help_codes (cli, SP_VOCAB_PAYER, SP_VOCAB_PAYMENT_METHOD, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 2, 2))
    return cli->status;

  referral = find_record (cli, &referral_lookup, cli_arg (cli, 0), &error);
  if (referral == NULL)
    return cli_fail (cli, error);
  if (!sp_money_parse (cli_arg (cli, 1), &payment->amount_pence, &error))
    return cli_fail (cli, error);
  if (funder_text != NULL)
    {
      funder = find_record (cli, &funder_lookup, funder_text, &error);
      if (funder == NULL)
        return cli_fail (cli, error);
      if (payer == NULL)
        payer = g_strdup ("funder");
      payment->funder_id = g_strdup (funder->record.id);
    }

  payment->referral_id = g_strdup (referral->record.id);
  payment->payer = payer != NULL ? g_ascii_strdown (payer, -1) : g_strdup ("patient");
  payment->method = method != NULL ? g_ascii_strdown (method, -1) : NULL;
  payment->note = g_steal_pointer (&note);
  if (!sp_store_add_payment (cli->store, payment, &error))
    return cli_fail (cli, error);
  if (!sp_store_referral_balance (cli->store, referral->record.id, &balance, &error))
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_member (builder, "payment", record_node (&sp_entity_payment, payment));
      json_builder_set_member_name (builder, "referral_balance");
      add_balance (builder, &balance);
      json_builder_end_object (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  amount = sp_money_format (payment->amount_pence);
  offering = offering_label (cli, referral->offering_id);
  if (g_strcmp0 (payment->payer, "patient") == 0)
    g_print (_("Recorded a payment of %s from the patient for “%s”.\n"), amount, offering);
  else
    {
      payer_label = payer_name (cli, payment);
      g_print (_("Recorded a payment of %s from %s for “%s”.\n"), amount, payer_label, offering);
    }
  if (payment->method != NULL)
    g_print (_("Method: %s\n"), sp_vocab_label (SP_VOCAB_PAYMENT_METHOD, payment->method));
  g_print (_("Payment id: %s\n"), payment->record.id);
  g_print ("\n%s\n", _("This referral’s balance"));
  print_balance_table (&balance, 2);
  return CLI_EXIT_OK;
}

static int
cmd_payment_reverse (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const GOptionEntry entries[] = {
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("Why the payment is reversed"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPayment) original = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *date = NULL;

  if (!cli_begin (cli, entries, 1, 1))
    return cli->status;

  original = find_record (cli, &payment_lookup, cli_arg (cli, 0), &error);
  if (original == NULL)
    return cli_fail (cli, error);
  reversal = sp_store_reverse_payment (cli->store, original->record.id, note, &error);
  if (reversal == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = record_node (&sp_entity_payment, reversal);
      print_json (root);
      return CLI_EXIT_OK;
    }

  amount = sp_money_format (original->amount_pence);
  date = date_only (original->paid_at);
  g_print (_("Reversed the payment of %s made on %s.\n"), amount, date);
  g_print (_("Reversal id: %s\n"), reversal->record.id);
  return CLI_EXIT_OK;
}

static int
cmd_payment_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(GPtrArray) payments = NULL;
  g_autoptr(Table) table = NULL;
  g_autofree char *offering = NULL;
  g_autofree char *patient = NULL;
  gint64 by_patient = 0, by_funders = 0;

  if (!cli_begin (cli, NULL, 1, 1))
    return cli->status;

  referral = find_record (cli, &referral_lookup, cli_arg (cli, 0), &error);
  if (referral == NULL)
    return cli_fail (cli, error);
  payments = sp_store_list_payments (cli->store, referral->record.id, &error);
  if (payments == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < payments->len; i++)
        json_builder_add_value (builder, record_node (&sp_entity_payment, payments->pdata[i]));
      json_builder_end_array (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  patient = patient_label (cli, referral->patient_id);
  offering = offering_label (cli, referral->offering_id);
  g_print (_("Payments for the referral of %s to “%s”\n"), patient, offering);
  if (payments->len == 0)
    {
      g_print ("  %s\n", _("None yet."));
      return CLI_EXIT_OK;
    }

  table = table_new (6, 2);
  table_align_right (table, 2);
  table_add (table, _("Date"), _("Paid by"), _("Amount"), _("Method"), _("ID"), _("Note"));
  for (guint i = 0; i < payments->len; i++)
    {
      SpPayment *p = payments->pdata[i];
      g_autofree char *date = date_only (p->paid_at);
      g_autofree char *money = sp_money_format (p->amount_pence);
      g_autofree char *id = short_id (p->record.id);
      g_autofree char *payer = payer_name (cli, p);
      g_autofree char *note = NULL;

      if (p->reverses_id != NULL)
        {
          g_autofree char *reversed = short_id (p->reverses_id);
          note = p->note != NULL ? g_strdup_printf (_("reverses %s: %s"), reversed, p->note)
                                 : g_strdup_printf (_("reverses %s"), reversed);
        }
      else
        note = g_strdup (p->note);
      if (g_strcmp0 (p->payer, "patient") == 0)
        by_patient += p->amount_pence;
      else
        by_funders += p->amount_pence;
      table_add (table, date, payer, money,
                 p->method != NULL ? sp_vocab_label (SP_VOCAB_PAYMENT_METHOD, p->method) : NULL, id, note);
    }
  table_print (table);
  {
    g_autofree char *patient_total = sp_money_format (by_patient);
    g_autofree char *funder_total = sp_money_format (by_funders);
    g_print (_("Paid by the patient: %s; by funders: %s.\n"), patient_total, funder_total);
  }
  return CLI_EXIT_OK;
}

/* ---- balance ------------------------------------------------------------- */

static int
balance_of_funder (Cli        *cli,
                   const char *funder_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpFunder) funder = NULL;
  SpFunderSpend spend;
  gint64 remaining;

  funder = find_record (cli, &funder_lookup, funder_text, &error);
  if (funder == NULL || !sp_store_funder_spend (cli->store, funder->record.id, &spend, &error))
    return cli_fail (cli, error);
  remaining = spend.budget - spend.spent - spend.committed;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_member (builder, "funder", record_node (&sp_entity_funder, funder));
      add_int (builder, "budget_pence", spend.budget);
      add_int (builder, "committed_pence", spend.committed);
      add_int (builder, "spent_pence", spend.spent);
      add_int (builder, "paid_pence", spend.paid);
      add_int (builder, "remaining_pence", remaining);
      json_builder_end_object (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  g_print ("%s (%s)\n", funder->name, sp_vocab_label (SP_VOCAB_FUNDER_KIND, funder->kind));
  {
    g_autoptr(Table) table = table_new (3, 2);
    g_autofree char *budget = sp_money_format (spend.budget);
    g_autofree char *committed = sp_money_format (spend.committed);
    g_autofree char *spent = sp_money_format (spend.spent);
    g_autofree char *paid = sp_money_format (spend.paid);
    g_autofree char *left = sp_money_format (remaining);
    g_autofree char *year = funder->year_start != NULL ? g_strdup_printf (_("for the year from %s"), funder->year_start)
                                                        : NULL;

    table_align_right (table, 1);
    table_add (table, _("Budget"), budget, year);
    table_add (table, _("Committed"), committed, _("sessions still to come on open referrals"));
    table_add (table, _("Spent"), spent, _("sessions attended"));
    table_add (table, _("Paid"), paid, _("payments received from the funder"));
    table_add (table, _("Remaining"), left, _("budget less spent and committed"));
    table_print (table);
  }
  return CLI_EXIT_OK;
}

static int
cmd_balance (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *referral_text = NULL;
  g_autofree char *funder_text = NULL;
  const GOptionEntry entries[] = {
    { "referral", 0, 0, G_OPTION_ARG_STRING, &referral_text, N_("The balance of one referral"), N_("REFERRAL") },
    { "funder", 0, 0, G_OPTION_ARG_STRING, &funder_text, N_("A funder’s budget and spending"), N_("FUNDER") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autoptr(Table) table = NULL;
  g_autofree char *name = NULL;
  g_autofree char *nhs = NULL;
  SpBalance balance;
  guint n_given;

  if (!cli_parse (cli, entries, 0, 1))
    return cli->status;
  n_given = (cli_n_args (cli) > 0) + (referral_text != NULL) + (funder_text != NULL);
  if (n_given != 1)
    return cli_usage (cli, _("Give one of: a PATIENT, --referral REFERRAL or --funder FUNDER."));
  if (!cli_open_store (cli))
    return cli->status;

  if (funder_text != NULL)
    return balance_of_funder (cli, funder_text);

  if (referral_text != NULL)
    {
      g_autoptr(SpReferral) referral = find_record (cli, &referral_lookup, referral_text, &error);
      g_autofree char *offering = NULL;

      if (referral == NULL || !sp_store_referral_balance (cli->store, referral->record.id, &balance, &error))
        return cli_fail (cli, error);
      if (cli->json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();

          json_builder_begin_object (builder);
          add_member (builder, "referral", referral_node (cli, referral));
          json_builder_set_member_name (builder, "balance");
          add_balance (builder, &balance);
          json_builder_end_object (builder);
          print_builder (builder);
          return CLI_EXIT_OK;
        }
      name = patient_label (cli, referral->patient_id);
      offering = offering_label (cli, referral->offering_id);
      g_print (_("Balance of the referral of %s to “%s”\n"), name, offering);
      g_print (_("Charged per session attended: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " so far.\n"),
               referral->sessions_attended, referral->sessions_planned);
      print_balance_table (&balance, 2);
      return CLI_EXIT_OK;
    }

  patient = find_patient (cli, cli_arg (cli, 0), &error);
  if (patient == NULL ||
      !sp_store_patient_balance (cli->store, patient->record.id, &balance, &error) ||
      (referrals = sp_store_list_referrals (cli->store, patient->record.id, &error)) == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_member (builder, "patient", record_node (&sp_entity_patient, patient));
      json_builder_set_member_name (builder, "balance");
      add_balance (builder, &balance);
      json_builder_set_member_name (builder, "referrals");
      json_builder_begin_array (builder);
      for (guint i = 0; i < referrals->len; i++)
        {
          SpReferral *r = referrals->pdata[i];
          SpBalance rb;

          if (!sp_store_referral_balance (cli->store, r->record.id, &rb, &error))
            return cli_fail (cli, error);
          json_builder_begin_object (builder);
          add_member (builder, "referral", referral_node (cli, r));
          json_builder_set_member_name (builder, "balance");
          add_balance (builder, &rb);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }

  name = sp_patient_display_name (patient);
  nhs = patient_nhs_number (patient);
  g_print (_("Balance for %s (NHS number %s)\n"), name, nhs);
  print_balance_table (&balance, 2);
  if (referrals->len == 0)
    return CLI_EXIT_OK;

  g_print ("\n%s\n", _("By referral (the patient’s share)"));
  table = table_new (7, 2);
  for (guint i = 4; i < 7; i++)
    table_align_right (table, i);
  table_add (table, _("ID"), _("Offering"), _("Status"), _("Sessions"), _("Due"), _("Paid"), _("Outstanding"));
  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];
      SpBalance rb;
      g_autofree char *id = short_id (r->record.id);
      g_autofree char *offering = offering_label (cli, r->offering_id);
      g_autofree char *sessions = NULL;
      g_autofree char *due = NULL;
      g_autofree char *paid = NULL;
      g_autofree char *outstanding = NULL;

      if (!sp_store_referral_balance (cli->store, r->record.id, &rb, &error))
        return cli_fail (cli, error);
      sessions = g_strdup_printf (_("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                                  r->sessions_attended, r->sessions_planned);
      due = sp_money_format (rb.patient_due);
      paid = sp_money_format (rb.patient_paid);
      outstanding = sp_money_format (rb.patient_due - rb.patient_paid);
      table_add (table, id, offering, status_label (r->status), sessions, due, paid, outstanding);
    }
  table_print (table);
  return CLI_EXIT_OK;
}

/* ---- catalogue list, funder list ----------------------------------------- */

static gint
compare_offerings (gconstpointer a,
                   gconstpointer b)
{
  const SpOffering *oa = *(SpOffering * const *) a;
  const SpOffering *ob = *(SpOffering * const *) b;
  g_autofree char *ka = g_utf8_collate_key (or_empty (oa->name), -1);
  g_autofree char *kb = g_utf8_collate_key (or_empty (ob->name), -1);
  gint cmp = strcmp (ka, kb);

  return cmp != 0 ? cmp : g_strcmp0 (oa->record.id, ob->record.id);
}

static int
cmd_catalogue_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *modality = NULL;
  const GOptionEntry entries[] = {
    { "modality", 0, 0, G_OPTION_ARG_STRING, &modality, N_("Only offerings of this kind"), N_("MODALITY") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GPtrArray) offerings = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GHashTable) provider_names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(Table) table = NULL;
  guint shown = 0;

  cli_help_codes (cli, SP_VOCAB_MODALITY, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 0, 0))
    return cli->status;
  if (modality != NULL && !sp_vocab_contains (SP_VOCAB_MODALITY, modality))
    {
      g_autofree char *codes = sp_vocab_codes (SP_VOCAB_MODALITY);
      return cli_error (cli, _("“%s” is not a modality. Use one of: %s."), modality, codes);
    }

  if ((offerings = sp_store_list (cli->store, &sp_entity_offering, NULL, NULL, &error)) == NULL ||
      (providers = sp_store_list (cli->store, &sp_entity_provider, NULL, NULL, &error)) == NULL)
    return cli_fail (cli, error);
  for (guint i = 0; i < providers->len; i++)
    {
      SpProvider *p = providers->pdata[i];
      g_hash_table_insert (provider_names, p->record.id, p->name);
    }
  g_ptr_array_sort (offerings, compare_offerings);

  if (cli->json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
    }
  else
    {
      table = table_new (7, 0);
      table_align_right (table, 5);
      table_add (table, _("ID"), _("Offering"), _("Provider"), _("Modality"), _("Format"),
                 _("Fee"), _("Sliding scale"));
    }

  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *o = offerings->pdata[i];
      const char *provider = g_hash_table_lookup (provider_names, or_empty (o->provider_id));

      if (modality != NULL && g_strcmp0 (o->modality, modality) != 0)
        continue;
      shown++;
      if (cli->json)
        {
          JsonObject *object = sp_record_to_json (&sp_entity_offering, o);

          if (provider != NULL)
            json_object_set_string_member (object, "provider_name", provider);
          else
            json_object_set_null_member (object, "provider_name");
          json_builder_add_value (builder, object_node (object));
        }
      else
        {
          g_autofree char *id = short_id (o->record.id);
          g_autofree char *fee = sp_money_format (o->fee_pence);
          g_autofree char *scale = sliding_scale_summary (o);
          g_autofree char *name = o->active ? g_strdup (o->name) : g_strdup_printf (_("%s (not running)"), o->name);

          table_add (table, id, name, provider, sp_vocab_label (SP_VOCAB_MODALITY, o->modality),
                     sp_vocab_label (SP_VOCAB_FORMAT, o->format), fee, scale);
        }
    }

  if (cli->json)
    {
      json_builder_end_array (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }
  if (shown == 0)
    {
      g_print (_("No offerings found.\n"));
      return CLI_EXIT_OK;
    }
  table_print (table);
  g_print (ngettext ("%u offering. Fees are per session.\n", "%u offerings. Fees are per session.\n", shown), shown);
  return CLI_EXIT_OK;
}

static int
cmd_funder_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) funders = NULL;
  g_autoptr(Table) table = NULL;

  if (!cli_begin (cli, NULL, 0, 0))
    return cli->status;
  funders = sp_store_list (cli->store, &sp_entity_funder, "WHERE deleted = 0 ORDER BY name, id", NULL, &error);
  if (funders == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < funders->len; i++)
        json_builder_add_value (builder, record_node (&sp_entity_funder, funders->pdata[i]));
      json_builder_end_array (builder);
      print_builder (builder);
      return CLI_EXIT_OK;
    }
  if (funders->len == 0)
    {
      g_print (_("No funders found.\n"));
      return CLI_EXIT_OK;
    }

  table = table_new (5, 0);
  table_align_right (table, 3);
  table_add (table, _("ID"), _("Funder"), _("Kind"), _("Budget"), _("Year from"));
  for (guint i = 0; i < funders->len; i++)
    {
      SpFunder *f = funders->pdata[i];
      g_autofree char *id = short_id (f->record.id);
      g_autofree char *budget = sp_money_format (f->budget_pence);

      table_add (table, id, f->name, sp_vocab_label (SP_VOCAB_FUNDER_KIND, f->kind), budget, f->year_start);
    }
  table_print (table);
  return CLI_EXIT_OK;
}

/* ---- Commands and main --------------------------------------------------- */

static const Command commands[] = {
  { NULL, "init", NULL, N_("Set up the database and the practice; --demo loads the demo"),
    N_("Creates the database if need be and sets the practice this desk works for.\n"
       "Example: signpost-cli init --practice A81001 --practice-name \"Riverside Surgery\""),
    FALSE, cmd_init },
  { "patient", "add", NULL, N_("Add a patient, with their conditions"),
    N_("Example: signpost-cli patient add --nhs-number \"943 476 5919\" --given-name Jane --family-name Smith \\\n"
       "           --dob 1961-03-25 --postcode \"HF1 2UZ\" --msk low_back_pain --mh anxiety"),
    TRUE, cmd_patient_add },
  { "patient", "list", NULL, N_("List patients, with their conditions and open referrals"), NULL,
    TRUE, cmd_patient_list },
  { "patient", "show", N_("PATIENT"), N_("Show a patient’s record, measures, referrals and balance"),
    N_("PATIENT is an NHS number (spaces allowed), a patient id, or a name that fits one patient.\n"
       "Viewing a record is noted in the audit trail."),
    TRUE, cmd_patient_show },
  { "patient", "import", N_("FILE.csv"), N_("Import a caseload spreadsheet saved as CSV"),
    N_("Columns are found by their header: NHS number, first name, surname (or name), date of birth,\n"
       "sex, postcode, address, phone, email, language, interpreter, consent to share with GP,\n"
       "income band, travel, MSK conditions, MH conditions, notes. Other columns are ignored.\n"
       "Every valid row is saved; every rejected row is reported with its line and reason."),
    TRUE, cmd_patient_import },
  { NULL, "assess", N_("PATIENT"), N_("Record an outcome measure (PHQ-9, GAD-7, MSK-HQ, …)"),
    N_("Example: signpost-cli assess \"943 476 5919\" --measure phq9 --answers 1,2,0,1,1,0,2,1,0"),
    TRUE, cmd_assess },
  { NULL, "match", N_("PATIENT"), N_("Rank the offerings that fit a patient, with reasons"), NULL,
    TRUE, cmd_match },
  { NULL, "refer", N_("PATIENT OFFERING"), N_("Refer a patient to an offering"),
    N_("OFFERING is the offering’s id (the start is enough) or its exact name."),
    TRUE, cmd_refer },
  { "referral", "status", N_("REFERRAL [NEW_STATUS]"), N_("Show a referral’s status and history, or move it on"),
    N_("A referral goes draft → referred → accepted → attending → completed, or ends as\n"
       "declined, did_not_attend or withdrawn. Without NEW_STATUS, shows where it is and where it can go."),
    TRUE, cmd_referral_status },
  { "referral", "list", NULL, N_("List referrals"), NULL, TRUE, cmd_referral_list },
  { "referral", "attend", N_("REFERRAL"), N_("Record a session attended, or missed"), NULL,
    TRUE, cmd_referral_attend },
  { "payment", "add", N_("REFERRAL AMOUNT"), N_("Record a payment, e.g. 12.50"), NULL,
    TRUE, cmd_payment_add },
  { "payment", "reverse", N_("PAYMENT"), N_("Reverse a payment recorded in error"),
    N_("Payments are never changed or deleted; a reversal records the correction."),
    TRUE, cmd_payment_reverse },
  { "payment", "list", N_("REFERRAL"), N_("List a referral’s payments"), NULL, TRUE, cmd_payment_list },
  { NULL, "balance", N_("[PATIENT]"), N_("What is due, paid and outstanding, or a funder’s budget"),
    N_("Give a PATIENT, --referral REFERRAL or --funder FUNDER."),
    TRUE, cmd_balance },
  { "catalogue", "list", NULL, N_("List the offerings in the catalogue"), NULL, FALSE, cmd_catalogue_list },
  { "funder", "list", NULL, N_("List the funders"), NULL, FALSE, cmd_funder_list },
};

static gboolean
is_group (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].group, word) == 0)
      return TRUE;
  return FALSE;
}

static const Command *
find_command (const char *group,
              const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].group, group) == 0 && g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static void
print_command_table (const char *group,
                     FILE       *stream)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint width = 0;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *title = command_title (&commands[i]);
      if (group == NULL || g_strcmp0 (commands[i].group, group) == 0)
        width = MAX (width, text_width (title + strlen (PROGRAM " ")));
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *title = command_title (&commands[i]);
      const char *words = title + strlen (PROGRAM " ");

      if (group != NULL && g_strcmp0 (commands[i].group, group) != 0)
        continue;
      g_string_append_printf (out, "  %s", words);
      for (guint k = text_width (words); k < width + 2; k++)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%s\n", _(commands[i].summary));
    }
  fputs (out->str, stream);
}

static void
print_main_help (FILE *stream)
{
  g_autofree char *default_path = sp_store_default_path ();

  fprintf (stream, _("Usage:\n  %s [--db PATH] [--json] COMMAND [ARGUMENTS…]\n\n"), PROGRAM);
  fprintf (stream, "%s\n\n",
           _("Signpost at the command line: record patients who live with both a musculoskeletal and a\n"
             "mental-health problem, match them to local offerings, refer them and track payments."));
  fprintf (stream, "%s\n", _("Commands:"));
  print_command_table (NULL, stream);
  fprintf (stream, "\n%s\n", _("Options for every command:"));
  fprintf (stream, _("  --db PATH   The Signpost database (default: %s)\n"), default_path);
  fprintf (stream, "%s\n", _("  --json      Print JSON for scripts"));
  fprintf (stream, "%s\n", _("  --help      Show help; “signpost-cli COMMAND --help” shows a command’s options"));
  fprintf (stream, "\n%s\n", _("Exit status: 0 done; 1 a problem with the data or the database, explained on stderr;\n"
                               "2 the command was used wrongly."));
}

static void
print_group_help (const char *group,
                  FILE       *stream)
{
  fprintf (stream, _("Usage:\n  %s %s COMMAND [ARGUMENTS…]\n\n"), PROGRAM, group);
  fprintf (stream, "%s\n", _("Commands:"));
  print_command_table (group, stream);
  fprintf (stream, "\n%s\n", _("“signpost-cli COMMAND --help” shows a command’s options."));
}

static gboolean
is_help (const char *arg)
{
  return g_strcmp0 (arg, "--help") == 0 || g_strcmp0 (arg, "-h") == 0 || g_strcmp0 (arg, "-?") == 0 ||
         g_strcmp0 (arg, "help") == 0;
}

static int
usage_error (const char *message)
{
  g_printerr ("%s: %s\n", PROGRAM, message);
  g_printerr (_("Try “%s --help”.\n"), PROGRAM);
  return CLI_EXIT_USAGE;
}

int
main (int    argc,
      char **argv)
{
  Cli cli = { 0, };
  const Command *command;
  guint i = 1;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Global options may come before the command as well as after it. */
  for (; i < (guint) argc && argv[i][0] == '-'; i++)
    {
      if (g_str_equal (argv[i], "--json"))
        cli.json = TRUE;
      else if (g_str_equal (argv[i], "--db") && i + 1 < (guint) argc)
        {
          g_free (cli.db_path);
          cli.db_path = g_strdup (argv[++i]);
        }
      else if (g_str_has_prefix (argv[i], "--db="))
        {
          g_free (cli.db_path);
          cli.db_path = g_strdup (argv[i] + strlen ("--db="));
        }
      else if (is_help (argv[i]))
        {
          print_main_help (stdout);
          cli_clear (&cli);
          return CLI_EXIT_OK;
        }
      else if (g_str_equal (argv[i], "--version"))
        {
          g_print ("%s %s\n", PROGRAM, PACKAGE_VERSION);
          cli_clear (&cli);
          return CLI_EXIT_OK;
        }
      else
        {
          g_autofree char *message = g_strdup_printf (g_str_equal (argv[i], "--db") ? _("--db needs a PATH.")
                                                                                      : _("Unknown option %s"),
                                                      argv[i]);
          cli_clear (&cli);
          return usage_error (message);
        }
    }

  if (i >= (guint) argc)
    {
      print_main_help (stderr);
      cli_clear (&cli);
      return CLI_EXIT_USAGE;
    }
  if (is_help (argv[i]))
    {
      const char *topic = i + 1 < (guint) argc ? argv[i + 1] : NULL;

      cli_clear (&cli);
      if (topic != NULL && is_group (topic))
        print_group_help (topic, stdout);
      else
        print_main_help (stdout);
      return CLI_EXIT_OK;
    }

  if (is_group (argv[i]))
    {
      const char *group = argv[i];
      const char *name = i + 1 < (guint) argc ? argv[i + 1] : NULL;

      if (name == NULL || name[0] == '-')
        {
          gboolean help = name != NULL && is_help (name);

          print_group_help (group, help ? stdout : stderr);
          cli_clear (&cli);
          return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
        }
      command = find_command (group, name);
      if (command == NULL)
        {
          g_autofree char *message = g_strdup_printf (_("“%s %s” is not a command."), group, name);
          cli_clear (&cli);
          return usage_error (message);
        }
      i += 2;
    }
  else
    {
      command = find_command (NULL, argv[i]);
      if (command == NULL)
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not a command."), argv[i]);
          cli_clear (&cli);
          return usage_error (message);
        }
      i += 1;
    }

  /* What the command parses: its title as argv[0], then the rest. */
  {
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    g_autofree char *title = command_title (command);

    g_strv_builder_add (builder, title);
    for (; i < (guint) argc; i++)
      g_strv_builder_add (builder, argv[i]);
    cli.args = g_strv_builder_end (builder);
    g_set_prgname (title);
  }
  cli.command = command;
  status = command->run (&cli);
  cli_clear (&cli);
  return status;
}
