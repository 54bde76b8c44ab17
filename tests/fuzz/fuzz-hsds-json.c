/* fuzz-hsds-json.c — libFuzzer target: Open Referral JSON feeds
 *
 * The input is a file as an admin might pick it: HSDS 3.0 JSON (one
 * service, a list, a page) or Open Referral UK v1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-hsds-json"

#include "config.h"

#include "fuzz-common.h"

static void
run (const uint8_t *data,
     size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpHsdsFeed) feed = sp_hsds_feed_new_from_json ((const char *) data, size, &error);

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
    "[{\"id\": \"a\", \"name\": \"<p>Yoga &amp; back pain</p>\", \"organization\": {\"id\": \"o\", \"name\": \"O\"},"
    " \"schedules\": [{\"freq\": \"WEEKLY\", \"byday\": \"MO\", \"opens_at\": \"10:00\"}],"
    " \"cost_options\": [{\"amount\": 3, \"currency\": \"GBP\"}]}]";

  fuzz_open_store ();
  /* Types, quarks and resources are made once; make them before the leak
   * checker starts counting. */
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
