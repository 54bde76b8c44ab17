/* sp-cli-init.c — `init`: the database, the practice, and the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-demo.h"

/* One database holds one practice's patients: another practice cannot take
 * over a database that already has patients. Says why when it fails. */
static gboolean
set_practice (Cli        *cli,
              const char *ods,
              const char *practice_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = g_ascii_strup (ods, -1);
  const char *practice = sp_store_get_practice (cli->store);

  if (practice != NULL && g_strcmp0 (practice, code) != 0 &&
      sp_store_count (cli->store, &sp_entity_patient, NULL, NULL) > 0)
    {
      cli_error (cli, _("This database already holds the patients of practice %s, "
                        "so it cannot be set up for %s. "
                        "Use a new database (--db PATH) for another practice."),
                 practice, code);
      return FALSE;
    }
  if (!sp_store_set_local_practice (cli->store, code, practice_name, &error))
    {
      cli_fail (cli, error);
      return FALSE;
    }
  return TRUE;
}

int
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

  if (ods != NULL && !set_practice (cli, ods, practice_name))
    return cli->status;

  if (demo && sp_store_is_empty (cli->store))
    {
      if (!sp_store_seed_demo (cli->store, &error))
        return cli_fail (cli, error);
      loaded = TRUE;
    }
  else if (demo)
    not_empty = TRUE;

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
      add_boolean (builder, "demo_loaded", loaded);
      add_int (builder, "patients", n_patients);
      add_int (builder, "offerings", n_offerings);
      json_builder_end_object (builder);
      return reply_json (json_builder_get_root (builder));
    }

  g_print (_("Signpost database: %s\n"), sp_store_get_path (cli->store));
  g_print (_("Practice: %s\n"), practice);
  if (loaded)
    g_print (_("Loaded the Hollinsford demo: %" PRId64 " patients and %" PRId64 " offerings.\n"),
             n_patients, n_offerings);
  else if (not_empty)
    g_print (_("The database already holds records, so the demo was not loaded "
               "(%" PRId64 " patients, %" PRId64 " offerings).\n"),
             n_patients, n_offerings);
  else
    g_print (_("It holds %" PRId64 " patients and %" PRId64 " offerings.\n"),
             n_patients, n_offerings);
  return CLI_EXIT_OK;
}
