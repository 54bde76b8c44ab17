/* test-sync-stress.c — sync under concurrent edits, crashes and cut connections
 *
 * The real signpost-server on loopback (tests/sp-server-fixture.h), real
 * HTTP, desks with their own stores, and what the issue asks of them:
 *
 *   /sync/stress/conflicts  the same 100 referrals edited offline on two
 *                           desks: different fields merge; the same field
 *                           gives exactly 100 conflicts and no overwrite.
 *   /sync/stress/kills      the server SIGKILLed and restarted over and over
 *                           while two desks push 1,000 one-op batches.
 *   /sync/stress/cuts       every desk's connection goes through a proxy that
 *                           cuts it at a pseudo-random byte of the request or
 *                           the response.
 *
 * Every check is on what a user would see: the rows and their values on
 * each desk and on the server (read by pulling into a fresh desk), the
 * outboxes, the conflict list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-sync-stress"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <gio/gio.h>
#include <glib.h>

#include "sp-referrals.h"
#include "sp-sync-client-private.h"

#include "sp-sync-test-util.h"
#include "sp-server-fixture.h"

#define PRACTICE_A "A81001"

typedef struct
{
  char            *dir;
  SpServerFixture *server;
} Net;

static void
net_setup (Net           *net,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  net->dir = sp_test_make_dir ();
  net->server = sp_server_fixture_new (SIGNPOST_SERVER, &error);
  g_assert_no_error (error);
  sp_server_fixture_add_practice (net->server, PRACTICE_A, "Riverside Surgery");
  sp_server_fixture_add_user (net->server, "lw.a1", "link-worker", SP_SYNC_TEST_PASSWORD, PRACTICE_A);
  sp_server_fixture_add_user (net->server, "lw.a2", "link-worker", SP_SYNC_TEST_PASSWORD, PRACTICE_A);
  sp_server_fixture_add_user (net->server, "lw.a3", "link-worker", SP_SYNC_TEST_PASSWORD, PRACTICE_A);
}

static void
net_teardown (Net           *net,
              gconstpointer  data)
{
  g_clear_pointer (&net->server, sp_server_fixture_free);
  sp_test_remove_tree (net->dir);
  g_free (net->dir);
}

static SpTestDesk *
net_desk (Net        *net,
          const char *username)
{
  return sp_test_desk_new (net->dir, sp_server_fixture_get_url (net->server), username);
}

/* Syncs until a sync completes with nothing left to send, riding out the
 * failures a dead server or a cut connection causes (the client has already
 * retried each request with backoff). Returns how many syncs failed. */
static guint
sync_until_done (SpTestDesk *desk,
                 guint       max_syncs)
{
  guint failures = 0;

  for (guint i = 0; i < max_syncs; i++)
    {
      g_autoptr(GError) error = NULL;
      SpSyncCounts counts;

      if (sp_sync_test_sync_now (desk->client, &counts, &error) && sp_store_outbox_count (desk->store) == 0)
        return failures;
      if (error == NULL)
        continue;
      g_test_message ("%s: sync failed: %s", desk->name, error->message);
      /* Nothing but "could not reach" and "stopped answering": anything
       * else would be shown to the user as a real error. */
      if (!g_error_matches (error, SP_SYNC_ERROR, SP_SYNC_ERROR_UNREACHABLE) &&
          !g_error_matches (error, SP_SYNC_ERROR, SP_SYNC_ERROR_INTERRUPTED))
        g_error ("%s: unexpected sync error: %s", desk->name, error->message);
      failures++;
    }
  g_error ("%s: still not synced after %u syncs", desk->name, max_syncs);
  return failures;
}

static gint64
count_live (SpTestDesk *desk,
            const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE deleted = 0", table);

  return sp_test_query_int (desk->store, sql, NULL);
}

/* No row twice: as many distinct ids as rows. */
static void
assert_no_duplicates (SpTestDesk *desk,
                      const char *table)
{
  g_autofree char *all = g_strdup_printf ("SELECT count(*) FROM %s", table);
  g_autofree char *distinct = g_strdup_printf ("SELECT count(DISTINCT id) FROM %s", table);

  g_assert_cmpint (sp_test_query_int (desk->store, all, NULL), ==,
                   sp_test_query_int (desk->store, distinct, NULL));
}

/* The patients of @ids on @desk: each with phone @phones[i] and rev @rev. */
static void
assert_patients (SpTestDesk *desk,
                 GPtrArray  *ids,
                 GPtrArray  *phones,
                 gint64      rev)
{
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(SpPatient) p = sp_test_desk_get_patient (desk, ids->pdata[i]);

      g_assert_cmpstr (p->phone, ==, phones->pdata[i]);
      g_assert_cmpint (p->record.rev, ==, rev);
    }
}

/* ---- (a) The same 100 referrals edited offline on two desks -------------------- */

#define N_REFERRALS 100

static void
edit_referral (SpTestDesk *desk,
               const char *id,
               const char *reason,
               const char *goals)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = sp_store_get_referral (desk->store, id, &error);

  g_assert_no_error (error);
  if (reason != NULL)
    {
      g_free (referral->reason);
      referral->reason = g_strdup (reason);
    }
  if (goals != NULL)
    {
      g_free (referral->goals);
      referral->goals = g_strdup (goals);
    }
  g_assert_true (sp_store_save (desk->store, &sp_entity_referral, referral, &error));
  g_assert_no_error (error);
}

static SpReferral *
get_referral (SpTestDesk *desk,
              const char *id)
{
  g_autoptr(GError) error = NULL;
  SpReferral *referral = sp_store_get_referral (desk->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (referral);
  return referral;
}

static void
test_conflicts (Net           *net,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GHashTable) conflicted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(SpTestDesk) a1 = NULL;
  g_autoptr(SpTestDesk) a2 = NULL;
  g_autoptr(SpTestDesk) a3 = NULL;
  g_autofree char *offering_id = NULL;
  SpSyncCounts counts;

  /* The catalogue comes from an admin's desk. */
  sp_server_fixture_add_user (net->server, "admin.cat", "admin", SP_SYNC_TEST_PASSWORD, NULL);
  {
    g_autoptr(SpTestDesk) admin = net_desk (net, "admin.cat");
    g_autoptr(SpProvider) provider = sp_test_add_provider (admin->store, "Hollinsford Leisure");
    g_autoptr(SpOffering) offering = sp_test_add_offering (admin->store, provider->record.id, "Gentle yoga",
                                                           800, 8, NULL, NULL);

    offering_id = g_strdup (offering->record.id);
    sp_test_desk_sync (admin, NULL);
  }

  a1 = net_desk (net, "lw.a1");
  a2 = net_desk (net, "lw.a2");
  sp_test_desk_sync (a1, NULL);
  for (guint i = 0; i < N_REFERRALS; i++)
    {
      g_autoptr(SpPatient) p = sp_test_desk_add_patient (a1, i, "Adaeze");
      g_autoptr(SpReferral) r = sp_store_refer (a1->store, p->record.id, offering_id, NULL,
                                                "Back pain and low mood", NULL, FALSE, &error);

      g_assert_no_error (error);
      g_ptr_array_add (ids, g_strdup (r->record.id));
    }
  sp_test_desk_sync (a1, NULL);
  sp_test_desk_sync (a2, NULL);
  g_assert_cmpint (count_live (a2, "referral"), ==, N_REFERRALS);

  /* Offline, different fields of the same referrals: they merge. */
  for (guint i = 0; i < N_REFERRALS; i++)
    {
      g_autofree char *reason = g_strdup_printf ("reason from a1 #%u", i);
      g_autofree char *goals = g_strdup_printf ("goals from a2 #%u", i);

      edit_referral (a1, ids->pdata[i], reason, NULL);
      edit_referral (a2, ids->pdata[i], NULL, goals);
    }
  sp_test_desk_sync (a1, &counts);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  sp_test_desk_sync (a2, &counts);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  sp_test_desk_sync (a1, NULL);
  for (guint i = 0; i < N_REFERRALS; i++)
    {
      g_autofree char *reason = g_strdup_printf ("reason from a1 #%u", i);
      g_autofree char *goals = g_strdup_printf ("goals from a2 #%u", i);
      g_autoptr(SpReferral) on_a1 = get_referral (a1, ids->pdata[i]);
      g_autoptr(SpReferral) on_a2 = get_referral (a2, ids->pdata[i]);

      g_assert_cmpstr (on_a1->reason, ==, reason);
      g_assert_cmpstr (on_a2->reason, ==, reason);
      g_assert_cmpstr (on_a1->goals, ==, goals);
      g_assert_cmpstr (on_a2->goals, ==, goals);
      g_assert_cmpint (on_a1->record.rev, ==, 3);
      g_assert_cmpint (on_a2->record.rev, ==, 3);
    }
  g_assert_cmpint (sp_sync_store_count_conflicts (a1->store), ==, 0);
  g_assert_cmpint (sp_sync_store_count_conflicts (a2->store), ==, 0);

  /* Offline, the same field of the same referrals: A1 syncs first, so A2
   * meets 100 conflicts, and keeps its own values until it resolves them. */
  for (guint i = 0; i < N_REFERRALS; i++)
    {
      g_autofree char *mine1 = g_strdup_printf ("second reason from a1 #%u", i);
      g_autofree char *mine2 = g_strdup_printf ("second reason from a2 #%u", i);

      edit_referral (a1, ids->pdata[i], mine1, NULL);
      edit_referral (a2, ids->pdata[i], mine2, NULL);
    }
  sp_test_desk_sync (a1, &counts);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  sp_test_desk_sync (a2, &counts);
  g_assert_cmpuint (counts.conflicts, ==, N_REFERRALS);
  /* A sync again surfaces nothing new and keeps every conflict. */
  sp_test_desk_sync (a2, &counts);
  g_assert_cmpuint (counts.conflicts, ==, 0);
  sp_test_desk_sync (a1, NULL);

  g_assert_cmpuint (sp_sync_client_get_n_conflicts (a2->client), ==, N_REFERRALS);
  g_assert_cmpint (sp_sync_store_count_conflicts (a2->store), ==, N_REFERRALS);
  g_assert_cmpint (sp_test_count_rows (a2->store, "conflict"), ==, N_REFERRALS);
  g_assert_cmpint (sp_sync_store_count_conflicts (a1->store), ==, 0);
  g_assert_cmpint (sp_sync_store_count_rejected (a2->store), ==, 0);
  conflicts = sp_sync_store_list_conflicts (a2->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conflicts->len, ==, N_REFERRALS);
  for (guint i = 0; i < conflicts->len; i++)
    {
      SpConflict *c = conflicts->pdata[i];

      g_assert_cmpstr (c->entity, ==, "referral");
      g_assert_cmpuint (g_strv_length (c->fields), ==, 1);
      g_assert_cmpstr (c->fields[0], ==, "reason");
      g_assert_true (g_hash_table_add (conflicted, g_strdup (c->row_id)));
    }

  /* Nobody's value was lost: A2 shows its own, A1 and the server A1's,
   * each conflict holds both, and the goals merged before stay. */
  a3 = net_desk (net, "lw.a3");
  sp_test_desk_sync (a3, NULL);
  g_assert_cmpint (count_live (a3, "referral"), ==, N_REFERRALS);
  for (guint i = 0; i < N_REFERRALS; i++)
    {
      g_autofree char *mine1 = g_strdup_printf ("second reason from a1 #%u", i);
      g_autofree char *mine2 = g_strdup_printf ("second reason from a2 #%u", i);
      g_autofree char *goals = g_strdup_printf ("goals from a2 #%u", i);
      g_autoptr(SpReferral) on_a1 = get_referral (a1, ids->pdata[i]);
      g_autoptr(SpReferral) on_a2 = get_referral (a2, ids->pdata[i]);
      g_autoptr(SpReferral) on_server = get_referral (a3, ids->pdata[i]);

      g_assert_true (g_hash_table_contains (conflicted, ids->pdata[i]));
      g_assert_cmpstr (on_a1->reason, ==, mine1);
      g_assert_cmpstr (on_server->reason, ==, mine1);
      g_assert_cmpstr (on_a2->reason, ==, mine2);
      g_assert_cmpstr (on_a1->goals, ==, goals);
      g_assert_cmpstr (on_a2->goals, ==, goals);
      g_assert_cmpstr (on_server->goals, ==, goals);
      g_assert_cmpint (on_server->record.rev, ==, 4);
      g_assert_cmpint (on_a1->record.rev, ==, 4);
    }
  for (guint i = 0; i < conflicts->len; i++)
    {
      SpConflict *c = conflicts->pdata[i];
      guint n;

      for (n = 0; n < ids->len && g_strcmp0 (ids->pdata[n], c->row_id) != 0; n++)
        ;
      g_assert_cmpuint (n, <, ids->len);
      {
        g_autofree char *mine1 = g_strdup_printf ("second reason from a1 #%u", n);
        g_autofree char *mine2 = g_strdup_printf ("second reason from a2 #%u", n);

        g_assert_cmpstr (json_object_get_string_member (c->mine, "reason"), ==, mine2);
        g_assert_nonnull (c->theirs);
        g_assert_cmpstr (json_object_get_string_member (c->theirs, "reason"), ==, mine1);
      }
    }
  assert_no_duplicates (a1, "referral");
  assert_no_duplicates (a2, "referral");
  assert_no_duplicates (a3, "referral");
}

/* ---- (b) SIGKILL and restart while desks push 1,000 batches --------------------- */

/* 2 desks × 25 patients × 10 rounds of one edit each, and each edit is two
 * ops in the outbox (the patient's update and its audit event): 1,000 ops.
 * The batch size is set to one op, so this is also 1,000 batches, counted
 * from the client's hook (answers applied: a resent batch counts once). */
#define KILL_PATIENTS   25
#define KILL_ROUNDS     10
#define KILL_EVERY_MS   60

typedef struct
{
  SpServerFixture *server;
  guint            kills;
} Killer;

static gboolean
kill_and_restart (gpointer user_data)
{
  Killer *killer = user_data;
  g_autoptr(GError) error = NULL;

  sp_server_fixture_kill (killer->server);
  killer->kills++;
  g_assert_true (sp_server_fixture_start (killer->server, &error));
  g_assert_no_error (error);
  return G_SOURCE_CONTINUE;
}

static void
count_batches (SpSyncStage  stage,
               guint        n,
               gpointer     user_data)
{
  if (stage == SP_SYNC_STAGE_BATCH_DONE)
    g_atomic_int_inc ((gint *) user_data);
}

static void
test_kills (Net           *net,
            gconstpointer  data)
{
  g_autoptr(SpTestDesk) a1 = net_desk (net, "lw.a1");
  g_autoptr(SpTestDesk) a2 = net_desk (net, "lw.a2");
  g_autoptr(SpTestDesk) a3 = NULL;
  SpTestDesk *desks[2] = { a1, a2 };
  GPtrArray *ids[2] = { g_ptr_array_new_with_free_func (g_free),
                                  g_ptr_array_new_with_free_func (g_free) };
  GPtrArray *phones[2] = { g_ptr_array_new_with_free_func (g_free),
                                     g_ptr_array_new_with_free_func (g_free) };
  Killer killer = { net->server, 0 };
  gint batches = 0;
  guint failures = 0;
  guint ops = 0;
  guint source;
  gint64 start;

  for (guint d = 0; d < 2; d++)
    {
      for (guint i = 0; i < KILL_PATIENTS; i++)
        {
          g_autoptr(SpPatient) p = sp_test_desk_add_patient (desks[d], d * KILL_PATIENTS + i, "Kit");

          g_ptr_array_add (ids[d], g_strdup (p->record.id));
          g_ptr_array_add (phones[d], NULL);
        }
      sp_test_desk_sync (desks[d], NULL);
    }
  sp_test_desk_sync (a1, NULL);

  start = g_get_monotonic_time ();
  for (guint d = 0; d < 2; d++)
    {
      sp_sync_client_set_batch_size (desks[d]->client, 1);
      sp_sync_client_set_retry_policy (desks[d]->client, 6, 20, 200);
      sp_sync_client_set_test_hook (desks[d]->client, count_batches, &batches);
    }
  source = g_timeout_add (KILL_EVERY_MS, kill_and_restart, &killer);
  for (guint round = 0; round < KILL_ROUNDS; round++)
    for (guint d = 0; d < 2; d++)
      {
        for (guint i = 0; i < KILL_PATIENTS; i++)
          {
            g_free (phones[d]->pdata[i]);
            phones[d]->pdata[i] = g_strdup_printf ("01632 9%02u%03u", round, d * KILL_PATIENTS + i);
            sp_test_desk_edit_patient (desks[d], ids[d]->pdata[i], phones[d]->pdata[i], NULL);
          }
        g_assert_cmpint (sp_store_outbox_count (desks[d]->store), ==, 2 * KILL_PATIENTS);
        ops += 2 * KILL_PATIENTS;
        failures += sync_until_done (desks[d], 400);
      }
  g_source_remove (source);
  g_test_message ("%u ops, %d batches, %u kills, %u failed syncs, %.1f s", ops, batches, killer.kills,
                  failures, (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (ops, ==, 1000);
  g_assert_cmpint (batches, ==, (gint) ops);
  g_assert_cmpuint (killer.kills, >=, 10);

  /* Settled with the server up: both sides' rows equal, every edit there
   * once (rev = 1 + one per round: an op applied twice would show). */
  for (guint d = 0; d < 2; d++)
    sp_sync_client_set_test_hook (desks[d]->client, NULL, NULL);
  sp_test_desk_sync (a1, NULL);
  sp_test_desk_sync (a2, NULL);
  sp_test_desk_sync (a1, NULL);
  a3 = net_desk (net, "lw.a3");
  sp_test_desk_sync (a3, NULL);
  for (guint d = 0; d < 2; d++)
    {
      g_assert_cmpint (sp_store_outbox_count (desks[d]->store), ==, 0);
      g_assert_cmpint (sp_sync_store_count_conflicts (desks[d]->store), ==, 0);
      g_assert_cmpint (sp_sync_store_count_rejected (desks[d]->store), ==, 0);
    }
  for (guint k = 0; k < 3; k++)
    {
      SpTestDesk *desk = k == 2 ? a3 : desks[k];

      g_assert_cmpint (count_live (desk, "patient"), ==, 2 * KILL_PATIENTS);
      assert_no_duplicates (desk, "patient");
      for (guint d = 0; d < 2; d++)
        assert_patients (desk, ids[d], phones[d], 1 + KILL_ROUNDS);
    }
  for (guint d = 0; d < 2; d++)
    {
      g_ptr_array_unref (ids[d]);
      g_ptr_array_unref (phones[d]);
    }
}

/* ---- (c) Connections cut at random points --------------------------------------- */

#define CUT_SEED        20260104
#define CUT_MAX         60
#define CUT_PATIENTS    20
#define CUT_ROUNDS      3

typedef struct
{
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;
  GSocketService *service;
  GRand          *rand;       /* only in the proxy's thread */
  guint16         port;
  guint16         target_port;
  GMutex          lock;
  GCond           ready;
  gboolean        started;
  gint            cutting;    /* atomic: cut connections from now on */
  gint            cuts;       /* atomic */
  gint            connections;
} Proxy;

typedef struct
{
  gint               ref;
  Proxy             *proxy;
  GSocketConnection *down;     /* the desk's side */
  GSocketConnection *up;       /* the server's side */
  GCancellable      *cancellable;
  guint              cut_direction;  /* 0: none, 1: the request, 2: the response */
  gsize              cut_at;
} ProxyConn;

typedef struct
{
  ProxyConn     *conn;
  GInputStream  *in;
  GOutputStream *out;
  guint          direction;  /* 1: desk → server, 2: server → desk */
  gsize          total;
  guint8         buffer[4096];
} ProxyPump;

static void
proxy_conn_unref (ProxyConn *conn)
{
  if (!g_atomic_int_dec_and_test (&conn->ref))
    return;
  g_object_unref (conn->down);
  g_object_unref (conn->up);
  g_object_unref (conn->cancellable);
  g_free (conn);
}

/* Both ends cut at once, as a dropped line or a dead peer. */
static void
proxy_conn_close (ProxyConn *conn)
{
  g_cancellable_cancel (conn->cancellable);
  g_socket_shutdown (g_socket_connection_get_socket (conn->down), TRUE, TRUE, NULL);
  g_socket_shutdown (g_socket_connection_get_socket (conn->up), TRUE, TRUE, NULL);
}

static void proxy_pump_read (ProxyPump *pump);

static void
proxy_pump_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ProxyPump *pump = user_data;
  ProxyConn *conn = pump->conn;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  gsize keep;

  if (n <= 0)
    {
      proxy_conn_close (conn);
      proxy_conn_unref (conn);
      g_free (pump);
      return;
    }
  keep = (gsize) n;
  if (conn->cut_direction == pump->direction && pump->total + keep >= conn->cut_at)
    keep = conn->cut_at - pump->total;
  if (keep > 0 && !g_output_stream_write_all (pump->out, pump->buffer, keep, NULL, conn->cancellable, NULL))
    keep = 0, n = -1;
  pump->total += keep;
  if (keep < (gsize) n)
    {
      if (n > 0)
        g_atomic_int_inc (&conn->proxy->cuts);
      proxy_conn_close (conn);
      proxy_conn_unref (conn);
      g_free (pump);
      return;
    }
  proxy_pump_read (pump);
}

static void
proxy_pump_read (ProxyPump *pump)
{
  g_input_stream_read_async (pump->in, pump->buffer, sizeof pump->buffer, G_PRIORITY_DEFAULT,
                             pump->conn->cancellable, proxy_pump_done, pump);
}

static void
proxy_pump_start (ProxyConn         *conn,
                  GSocketConnection *from,
                  GSocketConnection *to,
                  guint              direction)
{
  ProxyPump *pump = g_new0 (ProxyPump, 1);

  g_atomic_int_inc (&conn->ref);
  pump->conn = conn;
  pump->in = g_io_stream_get_input_stream (G_IO_STREAM (from));
  pump->out = g_io_stream_get_output_stream (G_IO_STREAM (to));
  pump->direction = direction;
  proxy_pump_read (pump);
}

static gboolean
proxy_incoming (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source_object,
                gpointer           user_data)
{
  Proxy *proxy = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  ProxyConn *conn;
  GSocketConnection *up;

  up = g_socket_client_connect_to_host (client, "127.0.0.1", proxy->target_port, NULL, &error);
  if (up == NULL)
    return TRUE;  /* the desk sees the connection dropped, as if the server were down */

  conn = g_new0 (ProxyConn, 1);
  conn->ref = 1;
  conn->proxy = proxy;
  conn->down = g_object_ref (connection);
  conn->up = up;
  conn->cancellable = g_cancellable_new ();
  proxy->connections++;
  /* Two connections in three are cut, half in the request, half in the
   * response, somewhere in their first 1,500 bytes (cumulative over the
   * requests a kept-alive connection carries). */
  if (g_atomic_int_get (&proxy->cutting) && g_atomic_int_get (&proxy->cuts) < CUT_MAX &&
      g_rand_int_range (proxy->rand, 0, 3) != 0)
    {
      conn->cut_direction = (guint) g_rand_int_range (proxy->rand, 1, 3);
      conn->cut_at = (gsize) g_rand_int_range (proxy->rand, 0, 1500);
      if (conn->cut_at == 0)
        {
          g_atomic_int_inc (&proxy->cuts);
          proxy_conn_close (conn);
          proxy_conn_unref (conn);
          return TRUE;
        }
    }
  proxy_pump_start (conn, connection, up, 1);
  proxy_pump_start (conn, up, connection, 2);
  proxy_conn_unref (conn);
  return TRUE;
}

static gpointer
proxy_thread (gpointer data)
{
  Proxy *proxy = data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (proxy->context);
  proxy->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (proxy_incoming), proxy);
  g_socket_service_start (proxy->service);

  g_mutex_lock (&proxy->lock);
  proxy->started = TRUE;
  g_cond_signal (&proxy->ready);
  g_mutex_unlock (&proxy->lock);

  g_main_loop_run (proxy->loop);

  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_clear_object (&proxy->service);
  /* Let the pumps see their streams cancelled and free themselves. */
  while (g_main_context_iteration (proxy->context, FALSE))
    ;
  g_main_context_pop_thread_default (proxy->context);
  return NULL;
}

static Proxy *
proxy_new (guint16 target_port)
{
  Proxy *proxy = g_new0 (Proxy, 1);

  proxy->context = g_main_context_new ();
  proxy->loop = g_main_loop_new (proxy->context, FALSE);
  proxy->rand = g_rand_new_with_seed (CUT_SEED);
  proxy->target_port = target_port;
  g_mutex_init (&proxy->lock);
  g_cond_init (&proxy->ready);
  proxy->thread = g_thread_new ("cutting-proxy", proxy_thread, proxy);
  g_mutex_lock (&proxy->lock);
  while (!proxy->started)
    g_cond_wait (&proxy->ready, &proxy->lock);
  g_mutex_unlock (&proxy->lock);
  return proxy;
}

static gboolean
proxy_quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
proxy_free (Proxy *proxy)
{
  g_main_context_invoke (proxy->context, proxy_quit, proxy->loop);
  g_thread_join (proxy->thread);
  g_main_loop_unref (proxy->loop);
  g_main_context_unref (proxy->context);
  g_rand_free (proxy->rand);
  g_mutex_clear (&proxy->lock);
  g_cond_clear (&proxy->ready);
  g_free (proxy);
}

static void
test_cuts (Net           *net,
           gconstpointer  data)
{
  Proxy *proxy = proxy_new (sp_server_fixture_get_port (net->server));
  g_autofree char *proxy_url = g_strdup_printf ("http://127.0.0.1:%u", proxy->port);
  g_autoptr(SpTestDesk) a1 = sp_test_desk_new (net->dir, proxy_url, "lw.a1");
  g_autoptr(SpTestDesk) a2 = sp_test_desk_new (net->dir, proxy_url, "lw.a2");
  g_autoptr(SpTestDesk) a3 = NULL;
  SpTestDesk *desks[2] = { a1, a2 };
  GPtrArray *ids[2] = { g_ptr_array_new_with_free_func (g_free),
                                  g_ptr_array_new_with_free_func (g_free) };
  GPtrArray *phones[2] = { g_ptr_array_new_with_free_func (g_free),
                                     g_ptr_array_new_with_free_func (g_free) };
  guint failures = 0;
  guint ops = 0;
  gint64 start = g_get_monotonic_time ();

  g_test_message ("proxy on port %u, seed %u", proxy->port, CUT_SEED);
  g_atomic_int_set (&proxy->cutting, TRUE);
  for (guint d = 0; d < 2; d++)
    {
      /* Small batches and pages: many requests, so many places to cut. */
      sp_sync_client_set_batch_size (desks[d]->client, 4);
      sp_sync_client_set_page_size (desks[d]->client, 10);
      sp_sync_client_set_retry_policy (desks[d]->client, 8, 5, 50);
      for (guint i = 0; i < CUT_PATIENTS; i++)
        {
          g_autoptr(SpPatient) p = sp_test_desk_add_patient (desks[d], d * CUT_PATIENTS + i, "Cut");

          g_ptr_array_add (ids[d], g_strdup (p->record.id));
          g_ptr_array_add (phones[d], NULL);
        }
      ops += (guint) sp_store_outbox_count (desks[d]->store);
      failures += sync_until_done (desks[d], 100);
    }
  for (guint round = 0; round < CUT_ROUNDS; round++)
    for (guint d = 0; d < 2; d++)
      {
        for (guint i = 0; i < CUT_PATIENTS; i++)
          {
            g_free (phones[d]->pdata[i]);
            phones[d]->pdata[i] = g_strdup_printf ("01632 8%02u%03u", round, d * CUT_PATIENTS + i);
            sp_test_desk_edit_patient (desks[d], ids[d]->pdata[i], phones[d]->pdata[i], NULL);
          }
        ops += (guint) sp_store_outbox_count (desks[d]->store);
        failures += sync_until_done (desks[d], 100);
      }
  for (guint d = 0; d < 2; d++)
    failures += sync_until_done (desks[d], 100);
  g_test_message ("%u ops, %d connections, %d cuts, %u failed syncs, %.1f s", ops, proxy->connections,
                  g_atomic_int_get (&proxy->cuts), failures, (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_atomic_int_get (&proxy->cuts), >=, 20);

  /* The line mended: every change there once, on every desk and the server. */
  g_atomic_int_set (&proxy->cutting, FALSE);
  for (guint d = 0; d < 2; d++)
    sp_test_desk_sync (desks[d], NULL);
  a3 = net_desk (net, "lw.a3");
  sp_test_desk_sync (a3, NULL);
  for (guint d = 0; d < 2; d++)
    {
      g_assert_cmpint (sp_store_outbox_count (desks[d]->store), ==, 0);
      g_assert_cmpint (sp_sync_store_count_conflicts (desks[d]->store), ==, 0);
      g_assert_cmpint (sp_sync_store_count_rejected (desks[d]->store), ==, 0);
    }
  for (guint k = 0; k < 3; k++)
    {
      SpTestDesk *desk = k == 2 ? a3 : desks[k];

      g_assert_cmpint (count_live (desk, "patient"), ==, 2 * CUT_PATIENTS);
      assert_no_duplicates (desk, "patient");
      for (guint d = 0; d < 2; d++)
        assert_patients (desk, ids[d], phones[d], 1 + CUT_ROUNDS);
    }

  g_clear_pointer (&a1, sp_test_desk_free);
  g_clear_pointer (&a2, sp_test_desk_free);
  proxy_free (proxy);
  for (guint d = 0; d < 2; d++)
    {
      g_ptr_array_unref (ids[d]);
      g_ptr_array_unref (phones[d]);
    }
}

/* ---- main ------------------------------------------------------------------------- */

int
main (int    argc,
      char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define NET(path, func) g_test_add (path, Net, NULL, net_setup, func, net_teardown)
  NET ("/sync/stress/conflicts", test_conflicts);
  NET ("/sync/stress/kills", test_kills);
  NET ("/sync/stress/cuts", test_cuts);

  return g_test_run ();
}
