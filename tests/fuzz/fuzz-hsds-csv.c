/* fuzz-hsds-csv.c — libFuzzer target: the Open Referral tabular form
 *
 * The input is a data package with its files joined by form feeds ('\f'):
 * services.csv, organizations.csv, service_at_location.csv, locations.csv,
 * addresses.csv, schedules.csv, cost_options.csv, attributes.csv,
 * taxonomy_terms.csv, taxonomies.csv, phones.csv, datapackage.json, in
 * that order; missing ones are simply absent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-hsds-csv"

#include "config.h"

#include <string.h>

#include "fuzz-common.h"

static const char * const file_names[] = {
  "services.csv", "organizations.csv", "service_at_location.csv", "locations.csv", "addresses.csv",
  "schedules.csv", "cost_options.csv", "attributes.csv", "taxonomy_terms.csv", "taxonomies.csv",
  "phones.csv", "datapackage.json",
};

static void
run (const uint8_t *data,
     size_t         size)
{
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpHsdsFeed) feed = NULL;
  const uint8_t *start = data;
  const uint8_t *end = data + size;
  guint n = 0;

  while (n < G_N_ELEMENTS (file_names))
    {
      const uint8_t *stop = size > 0 ? memchr (start, '\f', (size_t) (end - start)) : NULL;

      if (stop == NULL)
        stop = end;
      g_hash_table_insert (files, (gpointer) file_names[n++], g_bytes_new (start, (gsize) (stop - start)));
      if (stop == end)
        break;
      start = stop + 1;
    }

  feed = sp_hsds_feed_new_from_tables (files, &error);
  if (feed == NULL)
    {
      if (error == NULL || error->message == NULL)
        abort ();
      return;
    }
  fuzz_exercise (feed);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  static const char warm_up[] =
    "id,name,organization_id,status,description\nsvc,Chair yoga for back pain,org,active,<p>Hi</p>\n"
    "\fid,name\norg,Org\n\f\f\f\fid,service_id,freq,byday,opens_at,closes_at\ns1,svc,WEEKLY,TU,10:00,11:00\n";

  fuzz_open_store ();
  run ((const uint8_t *) warm_up, sizeof warm_up - 1);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  run (data, size);
  return 0;
}
