/* sp-sync-test-util.h — desks signed in to a real signpost-server, for the
 * sync stress tests (tests/test-sync-stress.c)
 *
 * A desk is one local store and its sync client; the helpers run the
 * client's async calls to completion on the default main context, as the
 * app's UI thread would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "sp-patients.h"
#include "sp-sync-client.h"
#include "sp-sync-store.h"

#include "sp-test-util.h"

G_BEGIN_DECLS

#define SP_SYNC_TEST_PASSWORD "correct horse battery staple"

typedef struct
{
  char         *name;
  char         *path;
  SpStore      *store;
  SpSyncClient *client;
} SpTestDesk;

static inline void
sp_sync_test_keep_result (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

/* One sync, run to its end; the default main context turns meanwhile. */
static inline gboolean
sp_sync_test_sync_now (SpSyncClient  *client,
                       SpSyncCounts  *counts,
                       GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sp_sync_client_sync_async (client, NULL, sp_sync_test_keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return sp_sync_client_sync_finish (client, result, counts, error);
}

static inline void
sp_test_desk_free (SpTestDesk *desk)
{
  if (desk == NULL)
    return;
  g_clear_object (&desk->client);
  if (desk->store != NULL)
    g_assert_finalize_object (desk->store);
  g_free (desk->name);
  g_free (desk->path);
  g_free (desk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpTestDesk, sp_test_desk_free)

/* A fresh desk (its own database file in @dir) signed in to @server_url as
 * @username, with quick retries. */
static inline SpTestDesk *
sp_test_desk_new (const char *dir,
                  const char *server_url,
                  const char *username)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpSyncAccount) account = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *file = g_strdup_printf ("%s.db", username);
  SpTestDesk *desk = g_new0 (SpTestDesk, 1);

  desk->name = g_strdup (username);
  desk->path = g_build_filename (dir, file, NULL);
  desk->store = sp_test_open (desk->path);
  desk->client = sp_sync_client_new (desk->store);
  sp_sync_client_set_retry_policy (desk->client, 3, 10, 40);
  sp_sync_client_sign_in_async (desk->client, server_url, username, SP_SYNC_TEST_PASSWORD, NULL,
                                sp_sync_test_keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  account = sp_sync_client_sign_in_finish (desk->client, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (account);
  return desk;
}

/* A sync that must complete. */
static inline void
sp_test_desk_sync (SpTestDesk   *desk,
                   SpSyncCounts *counts)
{
  g_autoptr(GError) error = NULL;
  SpSyncCounts local;

  g_assert_true (sp_sync_test_sync_now (desk->client, counts != NULL ? counts : &local, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_sync_client_get_state (desk->client), ==, SP_SYNC_STATE_IDLE);
  g_assert_null (sp_sync_client_get_last_error (desk->client));
}

static inline SpPatient *
sp_test_desk_add_patient (SpTestDesk *desk,
                          guint       n,
                          const char *given_name)
{
  g_autofree char *nhs = sp_test_nhs_number (n);

  return sp_test_add_patient (desk->store, given_name, "Okonkwo", nhs, "low");
}

static inline SpPatient *
sp_test_desk_get_patient (SpTestDesk *desk,
                          const char *id)
{
  g_autoptr(GError) error = NULL;
  SpPatient *patient = sp_store_get_patient (desk->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (patient);
  return patient;
}

/* Sets the phone (when not NULL) and the email (when not NULL). */
static inline void
sp_test_desk_edit_patient (SpTestDesk *desk,
                           const char *id,
                           const char *phone,
                           const char *email)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) patient = sp_test_desk_get_patient (desk, id);

  if (phone != NULL)
    {
      g_free (patient->phone);
      patient->phone = g_strdup (phone);
    }
  if (email != NULL)
    {
      g_free (patient->email);
      patient->email = g_strdup (email);
    }
  g_assert_true (sp_store_update_patient (desk->store, patient, &error));
  g_assert_no_error (error);
}

G_END_DECLS
