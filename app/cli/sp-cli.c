/* sp-cli.c — signpost-cli: the Signpost core for scripts and the command line
 *
 * One function per command, each with its own GOptionContext; this file
 * finds the command, parses the options every command shares and opens the
 * store. Output is plain aligned text for a person, or JSON (through
 * json-glib) for a script. Exit status: 0 success; 1 a problem with the data
 * or the database, with the core's message on stderr; 2 the command was
 * used wrongly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-sync-store.h"

static void
cli_clear (Cli *cli)
{
  g_clear_pointer (&cli->args, g_strfreev);
  g_clear_pointer (&cli->db_path, g_free);
  g_clear_object (&cli->store);
  g_clear_pointer (&cli->codes_help, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Cli, cli_clear)

static char *
command_title (const Command *command)
{
  if (command->group != NULL)
    return g_strdup_printf ("%s %s %s", PROGRAM, command->group, command->name);
  return g_strdup_printf ("%s %s", PROGRAM, command->name);
}

/* ---- Failing ------------------------------------------------------------- */

static void print_message (const char *format,
                           va_list     args) G_GNUC_PRINTF (1, 0);

static void
print_message (const char *format,
               va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_printerr ("%s: %s\n", PROGRAM, message);
}

/* A user error: the core's (or our) message, as it is. Returns the exit
 * status, so a command can end with `return cli_fail (cli, error);`. */
int
cli_fail (Cli    *cli,
          GError *error)
{
  return cli_error (cli, "%s", error->message);
}

int
cli_error (Cli        *cli,
           const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  print_message (format, args);
  va_end (args);
  return cli->status = CLI_EXIT_ERROR;
}

/* Misuse: say what is wrong and where the help is — the command's, or the
 * program's before a command is known. */
int
cli_usage (Cli        *cli,
           const char *format,
           ...)
{
  g_autofree char *title = cli->command != NULL ? command_title (cli->command) : g_strdup (PROGRAM);
  va_list args;

  va_start (args, format);
  print_message (format, args);
  va_end (args);
  g_printerr (_("Try “%s --help”.\n"), title);
  return cli->status = CLI_EXIT_USAGE;
}

/* ---- Options and the store ----------------------------------------------- */

/* "Codes:" and one line per vocabulary, from the core's own lists so the
 * help never drifts from what is accepted. Ends with SP_N_VOCABS. */
void
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

guint
cli_n_args (Cli *cli)
{
  return g_strv_length (cli->args) - 1;
}

const char *
cli_arg (Cli   *cli,
         guint  i)
{
  return i < cli_n_args (cli) ? cli->args[i + 1] : NULL;
}

/* The command's description, then the codes its options take. */
static void
set_description (GOptionContext *context,
                 Cli            *cli)
{
  if (cli->command->description != NULL && cli->codes_help != NULL)
    {
      g_autofree char *description = g_strconcat (_(cli->command->description), "\n\n", cli->codes_help, NULL);
      g_option_context_set_description (context, description);
    }
  else if (cli->command->description != NULL)
    g_option_context_set_description (context, _(cli->command->description));
  else if (cli->codes_help != NULL)
    g_option_context_set_description (context, cli->codes_help);
}

/* Parses the command's options and the global ones, then checks the count
 * of positional arguments. --help prints the command's help and exits 0. */
gboolean
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
  set_description (context, cli);
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

gboolean
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
  /* A desk signed in to a server works as that account, with its role and practices. */
  sp_sync_store_restore_actor (cli->store);

  if (cli->command->needs_practice && sp_store_get_practice (cli->store) == NULL)
    {
      cli_error (cli, _("Run 'signpost-cli init' first to set up the practice."));
      return FALSE;
    }
  return TRUE;
}

/* For a command whose options need no checking before the store opens. */
gboolean
cli_begin (Cli                *cli,
           const GOptionEntry *entries,
           guint               min_args,
           guint               max_args)
{
  return cli_parse (cli, entries, min_args, max_args) && cli_open_store (cli);
}

/* ---- Commands ------------------------------------------------------------ */

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
  { "catalogue", "import", N_("FILE|FOLDER"), N_("Import an Open Referral (HSDS / Open Referral UK) feed"),
    N_("Reads HSDS 3.0 JSON (a service, a list or a page of services), the HSDS tabular form (a folder or\n"
       ".zip of CSV files with datapackage.json) or Open Referral UK v1 JSON. Prints what changes for each\n"
       "record and why any is skipped, then saves it all in one go; --dry-run saves nothing. Signpost’s own\n"
       "fields (sliding scale, funders, targets chosen by an admin, …) are kept. Entries Signpost cannot\n"
       "classify are marked for an admin to check and are not matched until then."),
    FALSE, cmd_catalogue_import },
  { "catalogue", "export", N_("OUT"), N_("Export the catalogue as Open Referral HSDS 3.0"),
    N_("--format hsds-json writes one JSON file (a service_list page); --format hsds-csv writes a folder\n"
       "of CSV files with datapackage.json. Example: signpost-cli catalogue export --format hsds-csv out/"),
    FALSE, cmd_catalogue_export },
  { "funder", "list", NULL, N_("List the funders"), NULL, FALSE, cmd_funder_list },
  { "report", "activity", NULL, N_("Referrals, uptake, completion and waits, for a period"),
    N_("Example: signpost-cli report activity --from 2026-04-01 --to 2027-03-31 --pdf activity.pdf\n"
       "--csv prints CSV for a spreadsheet; --json prints JSON. --suppress is for reports that leave\n"
       "the practice: counts of 1 to 4 show as <5, and only patients who agreed to count in anonymised\n"
       "evaluation are counted."),
    TRUE, cmd_report },
  { "report", "outcomes", NULL, N_("Change in each measure, reliable change and recovery"),
    /* xgettext:no-c-format */
    N_("Mean and median change from baseline to follow-up with a 95% confidence interval, by\n"
       "modality and by offering. Options as for “report activity”."),
    TRUE, cmd_report },
  { "report", "experience", NULL, N_("Friends and Family Test: the share positive"),
    N_("Options as for “report activity”."), TRUE, cmd_report },
  { "report", "money", NULL, N_("Cost of referrals, co-payments and funders’ budgets"),
    N_("Options as for “report activity”."), TRUE, cmd_report },
  { NULL, "letter", N_("REFERRAL"), N_("The letter to the patient’s GP, as text or PDF"),
    N_("The letter after referral, or with --completion the letter after the referral ended. Without\n"
       "the patient’s consent to share with the GP it holds only their identifiers, the referral and\n"
       "the offering. --mark-sent records on the referral that it was sent."),
    TRUE, cmd_letter },
  { NULL, "sync", NULL, N_("Send this desk’s changes to the server and bring down everyone else’s"),
    N_("The first time, give the server and your user name; the password is asked for (or read from\n"
       "SIGNPOST_PASSWORD). Later syncs use the sign-in kept from then.\n"
       "Example: signpost-cli sync --server https://signpost.example.nhs.uk --user lw.okafor"),
    FALSE, cmd_sync },
  { NULL, "conflicts", N_("[list | keep-mine ID | keep-theirs ID | retry ID | dismiss ID]"),
    N_("List records changed here and on the server, and changes the server refused; resolve them"),
    N_("keep-mine sends your version again; keep-theirs takes the server’s. A refused change can be\n"
       "sent again (retry) once the reason is fixed, or cleared (dismiss)."),
    FALSE, cmd_conflicts },
  { NULL, "generate", NULL, N_("Fill an empty database with a synthetic region, for benchmarks"),
    N_("Writes N patients with conditions, referrals and their history, measures and payments, and a\n"
       "catalogue of M offerings, all made up (NHS numbers from the never-issued 999 range). The same\n"
       "--seed gives the same records. The records are not queued for sync and not audited: use a\n"
       "database of its own. Example: signpost-cli generate --patients 100000 --offerings 10000 --db l.db"),
    FALSE, cmd_generate },
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

/* ---- Help ---------------------------------------------------------------- */

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

/* ---- main ---------------------------------------------------------------- */

/* What the command parses: its title as argv[0], then the rest. */
static char **
command_args (const Command  *command,
              char          **rest)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *title = command_title (command);

  g_strv_builder_add (builder, title);
  g_strv_builder_addv (builder, (const char **) rest);
  return g_strv_builder_end (builder);
}

int
main (int    argc,
      char **argv)
{
  g_auto(Cli) cli = { 0, };
  const Command *command;
  guint i = 1;

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
          return CLI_EXIT_OK;
        }
      else if (g_str_equal (argv[i], "--version"))
        {
          g_print ("%s %s\n", PROGRAM, PACKAGE_VERSION);
          return CLI_EXIT_OK;
        }
      else
        return cli_usage (&cli, g_str_equal (argv[i], "--db") ? _("--db needs a PATH.") : _("Unknown option %s"),
                          argv[i]);
    }

  if (i >= (guint) argc)
    {
      print_main_help (stderr);
      return CLI_EXIT_USAGE;
    }
  if (is_help (argv[i]))
    {
      const char *topic = i + 1 < (guint) argc ? argv[i + 1] : NULL;

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
          return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
        }
      command = find_command (group, name);
      if (command == NULL)
        return cli_usage (&cli, _("“%s %s” is not a command."), group, name);
      i += 2;
    }
  else
    {
      command = find_command (NULL, argv[i]);
      if (command == NULL)
        return cli_usage (&cli, _("“%s” is not a command."), argv[i]);
      i += 1;
    }

  cli.args = command_args (command, argv + i);
  cli.command = command;
  g_set_prgname (cli.args[0]);
  return command->run (&cli);
}
