/* sp-cli-hsds.c — `catalogue import` and `catalogue export`: Open Referral
 *
 * The import reads the feed, prints what it would do to each record (with
 * the reason for each one skipped), and then, unless --dry-run, writes it
 * all in one transaction. The export writes the catalogue as HSDS 3.0.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-hsds-export.h"
#include "sp-hsds-import.h"

static const char *
action_label (SpHsdsAction action)
{
  switch (action)
    {
    case SP_HSDS_ACTION_NEW:
      return C_("import", "new");
    case SP_HSDS_ACTION_CHANGED:
      return C_("import", "changed");
    case SP_HSDS_ACTION_UNCHANGED:
      return C_("import", "unchanged");
    case SP_HSDS_ACTION_SKIPPED:
      return C_("import", "skipped");
    case SP_HSDS_N_ACTIONS:
    default:
      return "";
    }
}

static const char *
kind_name (const SpHsdsItem *item)
{
  return item->entity == &sp_entity_provider ? "organization" : "service";
}

static void
add_counts (JsonBuilder *b,
            const char  *name,
            const guint *counts)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (guint a = 0; a < SP_HSDS_N_ACTIONS; a++)
    add_int (b, sp_hsds_action_name (a), counts[a]);
  json_builder_end_object (b);
}

static void
add_strings (JsonBuilder *b,
             const char  *name,
             GPtrArray   *strings)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; strings != NULL && i < strings->len; i++)
    json_builder_add_string_value (b, strings->pdata[i]);
  json_builder_end_array (b);
}

static JsonNode *
import_node (const SpHsdsImport *import,
             gboolean            dry_run)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string_or_null (b, "source", import->source);
  add_string_or_null (b, "format", import->format);
  add_boolean (b, "dry_run", dry_run);
  add_boolean (b, "applied", import->applied);
  add_counts (b, "organizations", import->n_providers);
  add_counts (b, "services", import->n_offerings);
  add_int (b, "needs_review", import->n_needs_review);
  add_strings (b, "problems", import->problems);

  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  for (guint i = 0; i < import->items->len; i++)
    {
      SpHsdsItem *item = import->items->pdata[i];

      json_builder_begin_object (b);
      add_string_or_null (b, "kind", kind_name (item));
      add_string_or_null (b, "action", sp_hsds_action_name (item->action));
      add_string_or_null (b, "feed_id", item->feed_id);
      add_string_or_null (b, "id", item->id);
      add_string_or_null (b, "name", item->name);
      add_string_or_null (b, "where", item->where);
      json_builder_set_member_name (b, "changed");
      json_builder_begin_array (b);
      for (guint k = 0; item->changed != NULL && item->changed[k] != NULL; k++)
        json_builder_add_string_value (b, item->changed[k]);
      json_builder_end_array (b);
      add_string_or_null (b, "reason", item->reason);
      add_strings (b, "notes", item->notes);
      if (item->entity == &sp_entity_offering)
        add_boolean (b, "needs_review", item->needs_review);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_counts (const char  *label,
              const guint *counts)
{
  /* Translators: the counts of an import: new, changed, unchanged, skipped. */
  g_print (_("%s %u new, %u changed, %u unchanged, %u skipped.\n"), label,
           counts[SP_HSDS_ACTION_NEW], counts[SP_HSDS_ACTION_CHANGED],
           counts[SP_HSDS_ACTION_UNCHANGED], counts[SP_HSDS_ACTION_SKIPPED]);
}

/* One line for each record that changes or is skipped, and the notes of
 * those that are new; unchanged records are counted, not listed. */
static void
print_items (const SpHsdsImport *import)
{
  gboolean any = FALSE;

  for (guint i = 0; i < import->items->len; i++)
    {
      SpHsdsItem *item = import->items->pdata[i];
      g_autofree char *name = NULL;
      g_autofree char *where = NULL;

      if (item->action == SP_HSDS_ACTION_UNCHANGED ||
          (item->action == SP_HSDS_ACTION_NEW && item->notes->len == 0))
        continue;
      if (!any)
        g_print ("\n");
      any = TRUE;

      name = item->name != NULL ? g_strdup_printf ("“%s”", item->name) : g_strdup (_("(no name)"));
      if (item->feed_id != NULL)
        where = g_strdup_printf ("%s %s", item->entity == &sp_entity_provider ? _("organization") : _("service"),
                                 item->feed_id);
      else
        where = g_strdup (item->where);
      g_print ("  %-9s %s (%s)", action_label (item->action), name, where);
      if (item->action == SP_HSDS_ACTION_CHANGED && item->changed != NULL)
        {
          g_autofree char *fields = g_strjoinv (", ", item->changed);
          g_print (_(": %s"), fields);
        }
      else if (item->action == SP_HSDS_ACTION_SKIPPED)
        g_print (_(": %s"), item->reason);
      g_print ("\n");
      for (guint k = 0; item->action != SP_HSDS_ACTION_SKIPPED && k < item->notes->len; k++)
        g_print ("            %s\n", (const char *) item->notes->pdata[k]);
    }
}

int
cmd_catalogue_import (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpHsdsFeed) feed = NULL;
  g_autoptr(SpHsdsImport) import = NULL;
  gboolean dry_run = FALSE;
  const GOptionEntry entries[] = {
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Show what would change, but save nothing"), NULL },
    G_OPTION_ENTRY_NULL
  };
  const char *path;
  guint n_written;

  if (!cli_begin (cli, entries, 1, 1))
    return cli->status;
  path = cli_arg (cli, 0);

  feed = sp_hsds_feed_load (path, &error);
  if (feed == NULL)
    return cli_fail (cli, error);
  import = sp_hsds_import_preview (cli->store, feed, &error);
  if (import == NULL)
    return cli_fail (cli, error);
  import->source = g_strdup (path);

  if (!dry_run && !sp_hsds_import_apply (cli->store, import, &error))
    {
      if (!cli->json)
        print_items (import);
      cli_error (cli, _("Nothing was imported: %s"), error->message);
      return cli->status;
    }

  if (cli->json)
    return reply_json (import_node (import, dry_run));

  g_print (ngettext ("%s: %s, %u service.\n", "%s: %s, %u services.\n", sp_hsds_feed_get_n_services (feed)),
           path, import->format, sp_hsds_feed_get_n_services (feed));
  print_counts (_("Organizations:"), import->n_providers);
  print_counts (_("Services:"), import->n_offerings);
  if (import->n_needs_review > 0)
    g_print (ngettext ("%u service needs an admin to classify it (modality, conditions or fee) before it is matched.\n",
                       "%u services need an admin to classify them (modality, conditions or fee) before they are matched.\n",
                       import->n_needs_review),
             import->n_needs_review);

  for (guint i = 0; i < import->problems->len; i++)
    g_print ("%s%s\n", i == 0 ? "\n" : "", (const char *) import->problems->pdata[i]);

  print_items (import);

  n_written = import->n_providers[SP_HSDS_ACTION_NEW] + import->n_providers[SP_HSDS_ACTION_CHANGED] +
              import->n_offerings[SP_HSDS_ACTION_NEW] + import->n_offerings[SP_HSDS_ACTION_CHANGED];
  g_print ("\n");
  if (dry_run)
    g_print (ngettext ("Dry run: nothing was saved; %u record would be written.\n",
                       "Dry run: nothing was saved; %u records would be written.\n", n_written),
             n_written);
  else
    g_print (ngettext ("Imported: %u record written.\n", "Imported: %u records written.\n", n_written), n_written);
  return CLI_EXIT_OK;
}

int
cmd_catalogue_export (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *format_name = NULL;
  gboolean unreviewed = FALSE;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, N_("hsds-json (one file) or hsds-csv (a folder)"), N_("FORMAT") },
    { "include-unreviewed", 0, 0, G_OPTION_ARG_NONE, &unreviewed,
      N_("Also publish imported entries an admin has not classified yet"), NULL },
    G_OPTION_ENTRY_NULL
  };
  SpHsdsFormat format = SP_HSDS_FORMAT_JSON;
  const char *path;
  guint n = 0;

  if (!cli_parse (cli, entries, 1, 1))
    return cli->status;
  if (format_name != NULL && !sp_hsds_format_from_string (format_name, &format))
    return cli_usage (cli, _("“%s” is not an export format. Use hsds-json or hsds-csv."), format_name);
  if (!cli_open_store (cli))
    return cli->status;
  path = cli_arg (cli, 0);

  if (!sp_hsds_export (cli->store, format, path, unreviewed ? SP_HSDS_EXPORT_INCLUDE_UNREVIEWED : SP_HSDS_EXPORT_DEFAULT,
                       &n, &error))
    return cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      add_string_or_null (b, "path", path);
      add_string_or_null (b, "format", format == SP_HSDS_FORMAT_CSV ? "hsds-csv" : "hsds-json");
      add_int (b, "services", n);
      json_builder_end_object (b);
      return reply_json (json_builder_get_root (b));
    }
  g_print (ngettext ("%u service written to %s (Open Referral HSDS 3.0).\n",
                     "%u services written to %s (Open Referral HSDS 3.0).\n", n),
           n, path);
  return CLI_EXIT_OK;
}
