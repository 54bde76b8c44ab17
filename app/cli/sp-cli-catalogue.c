/* sp-cli-catalogue.c — `catalogue list` and `funder list`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-validate.h"

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

/* By name in the reader's alphabet, then by id so the order is stable. */
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

/* Provider id → name; the names belong to @providers. */
static GHashTable *
provider_names (GPtrArray *providers)
{
  GHashTable *names = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < providers->len; i++)
    {
      SpProvider *p = providers->pdata[i];
      g_hash_table_insert (names, p->record.id, p->name);
    }
  return names;
}

static JsonNode *
offering_node (const SpOffering *offering,
               const char       *provider)
{
  JsonObject *object = sp_record_to_json (&sp_entity_offering, offering);

  if (provider != NULL)
    json_object_set_string_member (object, "provider_name", provider);
  else
    json_object_set_null_member (object, "provider_name");
  return object_node (object);
}

static void
add_offering_row (Table            *table,
                  const SpOffering *o,
                  const char       *provider)
{
  g_autofree char *id = short_id (o->record.id);
  g_autofree char *fee = sp_money_format (o->fee_pence);
  g_autofree char *scale = sliding_scale_summary (o);
  g_autofree char *name = o->active ? g_strdup (o->name) : g_strdup_printf (_("%s (not running)"), o->name);

  table_add (table, id, name, provider, sp_vocab_label (SP_VOCAB_MODALITY, o->modality),
             sp_vocab_label (SP_VOCAB_FORMAT, o->format), fee, scale);
}

int
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
  g_autoptr(GHashTable) providers_by_id = NULL;
  g_autoptr(Listing) listing = NULL;
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
  providers_by_id = provider_names (providers);
  g_ptr_array_sort (offerings, compare_offerings);

  listing = listing_new (cli, 7);
  table_align_right (listing->table, 5);
  table_add (listing->table, _("ID"), _("Offering"), _("Provider"), _("Modality"), _("Format"),
             _("Fee"), _("Sliding scale"));
  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *o = offerings->pdata[i];
      const char *provider = g_hash_table_lookup (providers_by_id, or_empty (o->provider_id));

      if (modality != NULL && g_strcmp0 (o->modality, modality) != 0)
        continue;
      shown++;
      if (listing->json != NULL)
        json_builder_add_value (listing->json, offering_node (o, provider));
      else
        add_offering_row (listing->table, o, provider);
    }

  if (listing_print (listing, shown, _("No offerings found.\n")))
    g_print (ngettext ("%u offering. Fees are per session.\n", "%u offerings. Fees are per session.\n", shown),
             shown);
  return CLI_EXIT_OK;
}

int
cmd_funder_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) funders = NULL;
  g_autoptr(Listing) listing = NULL;

  if (!cli_begin (cli, NULL, 0, 0))
    return cli->status;
  funders = sp_store_list (cli->store, &sp_entity_funder, "WHERE deleted = 0 ORDER BY name, id", NULL, &error);
  if (funders == NULL)
    return cli_fail (cli, error);

  listing = listing_new (cli, 5);
  table_align_right (listing->table, 3);
  table_add (listing->table, _("ID"), _("Funder"), _("Kind"), _("Budget"), _("Year from"));
  for (guint i = 0; i < funders->len; i++)
    {
      SpFunder *f = funders->pdata[i];
      g_autofree char *id = NULL;
      g_autofree char *budget = NULL;

      if (listing->json != NULL)
        {
          json_builder_add_value (listing->json, record_node (&sp_entity_funder, f));
          continue;
        }
      id = short_id (f->record.id);
      budget = sp_money_format (f->budget_pence);
      table_add (listing->table, id, f->name, sp_vocab_label (SP_VOCAB_FUNDER_KIND, f->kind), budget, f->year_start);
    }
  listing_print (listing, funders->len, _("No funders found.\n"));
  return CLI_EXIT_OK;
}
