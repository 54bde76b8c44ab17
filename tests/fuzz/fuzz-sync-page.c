/* fuzz-sync-page.c — libFuzzer target: a page of changes from the server
 *
 * The input is the body of a GET /v1/changes answer, as the desk reads it
 * (sp_sync_page_decode) with its cursor at 0. A page may be refused with
 * an error; one that is taken must be what the protocol says (changes in
 * seq order after the cursor, the cursor never ahead of them), and the
 * desk must then be able to apply it: its server check and the page with
 * its cursor, inside a transaction that is rolled back, so every input
 * meets the same store. The store is the sync thread's kind: a link
 * worker of two practices, foreign keys off.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-sync-page"

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sp-store-private.h"
#include "sp-sync-store.h"
#include "sp-validate.h"

#define CURSOR 0

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

static SpStore *fuzz_store;
static char *fuzz_dir;

static void G_GNUC_NORETURN
fail (const char *what,
      const char *detail)
{
  fprintf (stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort ();
}

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
  const char * const practices[] = { "A81001", "B82002", NULL };

  fuzz_dir = g_dir_make_tmp ("signpost-fuzz-XXXXXX", &error);
  if (fuzz_dir == NULL)
    fail ("no folder", error->message);
  path = g_build_filename (fuzz_dir, "fuzz.db", NULL);
  fuzz_store = sp_store_open (path, &error);
  if (fuzz_store == NULL)
    fail ("no store", error->message);
  sp_store_set_clock (fuzz_store, "2026-05-04T09:00:00Z");
  sp_store_set_actor (fuzz_store, "lw.fuzz", SP_ROLE_LINK_WORKER, practices);
  /* As in the sync's worker thread: a child may come a page before its parent. */
  sqlite3_exec (sp_store_get_handle (fuzz_store), "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
  atexit (fuzz_cleanup);
}

/* What sp_sync_page_decode promises of a page it takes. */
static void
check_page (SpSyncPage *page)
{
  gint64 seq = CURSOR;

  if (page->changes == NULL)
    fail ("a page without its list of changes", NULL);
  for (guint i = 0; i < page->changes->len; i++)
    {
      SpSyncChange *change = page->changes->pdata[i];

      if (change->info == NULL || !sp_uuid_is_valid (change->id) || change->seq <= seq || change->rev < 0 ||
          (change->record == NULL && !change->deleted))
        fail ("a change the decoder should have refused", NULL);
      seq = change->seq;
    }
  if (page->last_seq < seq || (page->more && page->last_seq <= CURSOR) ||
      (page->max_seq >= 0 && page->changes->len > 0 && page->max_seq < seq) ||
      (page->server_id != NULL && (page->server_id[0] == '\0' || !g_utf8_validate (page->server_id, -1, NULL))))
    fail ("a page the decoder should have refused", NULL);
}

static void
run (const uint8_t *data,
     size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncPage) page = NULL;
  SpSyncCounts counts = { 0, };
  gboolean reset = FALSE;

  page = sp_sync_page_decode ((const char *) data, size, CURSOR, &error);
  if (page == NULL)
    {
      if (error == NULL || error->message == NULL || !g_utf8_validate (error->message, -1, NULL))
        fail ("a page refused without a readable reason", NULL);
      return;
    }
  if (error != NULL)
    fail ("a page taken with an error set", error->message);
  check_page (page);

  /* Applied with the cursor where the decoder was told it is, then undone. */
  if (!sp_store_begin (fuzz_store, &error) ||
      !sp_store_set_meta (fuzz_store, "sync.cursor", G_STRINGIFY (CURSOR), &error))
    fail ("the store", error->message);
  if (!sp_sync_store_check_server (fuzz_store, page->server_id, page->max_seq, &reset, &error))
    fail ("the server check failed", error->message);
  if (!reset && !sp_sync_store_apply_page (fuzz_store, page, &counts, &error))
    fail ("the store refused a page the decoder took", error->message);
  if (!reset && sp_sync_store_get_cursor (fuzz_store) != MAX (CURSOR, page->last_seq))
    fail ("the cursor is not where the page put it", NULL);
  sp_store_rollback (fuzz_store);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  static const char warm_up[] =
    "{\"changes\": [{\"entity\": \"funder\", \"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", \"rev\": 2, "
    "\"seq\": 11, \"deleted\": false, \"data\": {\"id\": \"6a1d9f0e-5b0c-4c7a-9a55-0b8e2d1f3c4a\", "
    "\"practice\": null, \"rev\": 2, \"deleted\": false, \"updated_at\": \"2026-05-04T09:00:00Z\", "
    "\"updated_by\": \"admin\", \"name\": \"Hollinsford ICB\", \"kind\": \"icb\", \"budget_pence\": 100000, "
    "\"year_start\": \"2026-04-01\"}}], \"last_seq\": 12, \"more\": false, "
    "\"server_id\": \"0d9a3c52-6f1e-4b7a-8c2d-1e5f9a7b3c40\", \"max_seq\": 12}";

  fuzz_open_store ();
  /* Types, quarks and cached statements are made once; make them before
   * the leak checker starts counting. */
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
