/* fuzz-common.h — what the Open Referral fuzz targets share
 *
 * One store, opened once in a temporary folder. Each input is read,
 * previewed against the empty catalogue and applied inside a transaction
 * that is then rolled back, so every input meets the same store. A feed
 * may be refused with an error; it may not crash, leak, or produce a
 * preview that the store then refuses to write.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sp-hsds-import.h"
#include "sp-store.h"

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

static SpStore *fuzz_store;
static char *fuzz_dir;

static void
fuzz_cleanup (void)
{
  const char * const files[] = { "fuzz.db", "fuzz.db-wal", "fuzz.db-shm" };

  g_clear_object (&fuzz_store);
  for (guint i = 0; fuzz_dir != NULL && i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (fuzz_dir, files[i], NULL);
      g_remove (path);
    }
  if (fuzz_dir != NULL)
    g_rmdir (fuzz_dir);
  g_clear_pointer (&fuzz_dir, g_free);
}

static void
fuzz_open_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fuzz_dir = g_dir_make_tmp ("signpost-fuzz-XXXXXX", &error);
  if (fuzz_dir == NULL)
    {
      fprintf (stderr, "fuzz: %s\n", error->message);
      abort ();
    }
  path = g_build_filename (fuzz_dir, "fuzz.db", NULL);
  fuzz_store = sp_store_open (path, &error);
  if (fuzz_store == NULL)
    {
      fprintf (stderr, "fuzz: %s\n", error->message);
      abort ();
    }
  sp_store_set_clock (fuzz_store, "2026-05-04T09:00:00Z");
  atexit (fuzz_cleanup);
}

/* Preview, then apply and roll back. */
static void
fuzz_exercise (SpHsdsFeed *feed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpHsdsImport) import = NULL;

  (void) sp_hsds_feed_get_n_services (feed);
  (void) sp_hsds_feed_get_format (feed);
  import = sp_hsds_import_preview (fuzz_store, feed, &error);
  if (import == NULL)
    {
      fprintf (stderr, "fuzz: the preview failed: %s\n", error->message);
      abort ();
    }
  for (guint i = 0; i < import->items->len; i++)
    {
      SpHsdsItem *item = import->items->pdata[i];

      if ((item->action == SP_HSDS_ACTION_SKIPPED) != (item->reason != NULL) ||
          (item->action == SP_HSDS_ACTION_SKIPPED) == (item->id != NULL) ||
          (item->name != NULL && !g_utf8_validate (item->name, -1, NULL)))
        {
          fprintf (stderr, "fuzz: item %u of the preview is inconsistent\n", i);
          abort ();
        }
    }

  if (!sp_store_begin (fuzz_store, &error))
    {
      fprintf (stderr, "fuzz: %s\n", error->message);
      abort ();
    }
  if (!sp_hsds_import_apply (fuzz_store, import, &error))
    {
      fprintf (stderr, "fuzz: the store refused what the preview accepted: %s\n", error->message);
      abort ();
    }
  sp_store_rollback (fuzz_store);
}
