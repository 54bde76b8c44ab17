/* sp-cli-generate.c — `generate`: a synthetic region for benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-generate.h"

typedef struct
{
  gint64 started;
  gint64 last_shown;
} Progress;

/* On stderr, at most a few times a second, so stdout stays the result. */
static void
show_progress (const char *what,
               guint64     done,
               guint64     total,
               gpointer    user_data)
{
  Progress *progress = user_data;
  gint64 now = g_get_monotonic_time ();

  if (done < total && now - progress->last_shown < G_USEC_PER_SEC / 4)
    return;
  progress->last_shown = now;
  g_printerr (_("Generating %s: %" PRIu64 " of %" PRIu64 " (%.1f s)\n"),
              what, done, total, (now - progress->started) / (gdouble) G_USEC_PER_SEC);
}

int
cmd_generate (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  gint n_patients = -1;
  gint n_offerings = -1;
  gint64 seed = 1;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "patients", 0, 0, G_OPTION_ARG_INT, &n_patients, N_("How many patients"), N_("N") },
    { "offerings", 0, 0, G_OPTION_ARG_INT, &n_offerings, N_("How many offerings in the catalogue"), N_("M") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("The seed: the same seed gives the same records (default 1)"),
      N_("S") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print no progress"), NULL },
    G_OPTION_ENTRY_NULL
  };
  SpGenerateOptions options = { 0 };
  SpGenerateCounts counts;
  Progress progress = { 0 };
  gint64 started;
  gdouble seconds;

  if (!cli_parse (cli, entries, 0, 0))
    return cli->status;
  if (n_patients < 0 || n_offerings < 0)
    return cli_usage (cli, _("Give both --patients and --offerings."));
  if (seed < 0)
    return cli_usage (cli, _("The seed is a whole number from 0 up."));
  if (!cli_open_store (cli))
    return cli->status;

  options.n_patients = (guint) n_patients;
  options.n_offerings = (guint) n_offerings;
  options.seed = (guint64) seed;
  /* Progress only where it is worth watching. */
  if (!quiet && !cli->json && n_patients >= 10000)
    {
      options.progress = show_progress;
      options.progress_data = &progress;
    }

  started = progress.started = g_get_monotonic_time ();
  if (!sp_store_generate (cli->store, &options, &counts, &error))
    return cli_fail (cli, error);
  seconds = (g_get_monotonic_time () - started) / (gdouble) G_USEC_PER_SEC;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string_or_null (builder, "path", sp_store_get_path (cli->store));
      add_string_or_null (builder, "practice", sp_store_get_practice (cli->store));
      add_int (builder, "seed", seed);
      add_int (builder, "funders", (gint64) counts.funders);
      add_int (builder, "providers", (gint64) counts.providers);
      add_int (builder, "offerings", (gint64) counts.offerings);
      add_int (builder, "patients", (gint64) counts.patients);
      add_int (builder, "conditions", (gint64) counts.conditions);
      add_int (builder, "referrals", (gint64) counts.referrals);
      add_int (builder, "referral_events", (gint64) counts.referral_events);
      add_int (builder, "attendances", (gint64) counts.attendances);
      add_int (builder, "assessments", (gint64) counts.assessments);
      add_int (builder, "payments", (gint64) counts.payments);
      json_builder_set_member_name (builder, "seconds");
      json_builder_add_double_value (builder, seconds);
      json_builder_end_object (builder);
      return reply_json (json_builder_get_root (builder));
    }

  g_print (_("Generated into %s (practice %s, seed %" PRId64 ") in %.1f s:\n"),
           sp_store_get_path (cli->store), sp_store_get_practice (cli->store), seed, seconds);
  g_print (_("  %" PRIu64 " funders, %" PRIu64 " providers, %" PRIu64 " offerings\n"),
           counts.funders, counts.providers, counts.offerings);
  g_print (_("  %" PRIu64 " patients, %" PRIu64 " conditions, %" PRIu64 " assessments\n"),
           counts.patients, counts.conditions, counts.assessments);
  g_print (_("  %" PRIu64 " referrals, %" PRIu64 " referral events, %" PRIu64
             " sessions, %" PRIu64 " payments\n"),
           counts.referrals, counts.referral_events, counts.attendances, counts.payments);
  return CLI_EXIT_OK;
}
