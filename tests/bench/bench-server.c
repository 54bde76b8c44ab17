/* bench-server.c — a signpost-server database loaded in-process
 *
 * Loading a server the way a desk does, by queuing a create for every row
 * of a generated store and pushing them over HTTP, takes over 15 minutes
 * at size L (3.5 million rows), most of it in the desk's outbox and in
 * JSON on both sides of the connection. Here the server's own store code
 * (app/server, linked as libsignpost-server) takes the very batches such a
 * desk sends: the same JSON body, decoded by sp_server_batch_decode() and
 * applied by sp_server_backend_apply_batch() as PUT /v1/batches/ID does,
 * so the rows, their revs and seqs, the change log and the stored answers
 * are what a real push makes. Only HTTP and the desk are left out.
 *
 * The store is read a chunk of rows at a time, never whole: at L it would
 * not fit in memory as records or JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "bench-common.h"
#include "bench-server.h"
#include "sp-entity.h"
#include "sp-server-backend.h"
#include "sp-server-batch.h"
#include "sp-server-sqlite.h"
#include "sp-store-private.h"

/* A desk's batch (DEFAULT_BATCH_SIZE and MAX_BATCH_BYTES in sp-sync-client.c):
 * up to 200 ops and about 2 MB of JSON, but at least one op. */
#define BATCH_OPS    200
#define BATCH_BYTES  (2 * 1024 * 1024)
/* Rows read from the store at a time. */
#define CHUNK_ROWS   5000
/* A progress line every so many ops. */
#define REPORT_EVERY 500000

typedef struct
{
  SpServerBackend    *backend;
  const SpServerUser *user;
  GString            *body;     /* {"ops":[… of the batch being filled */
  guint               n_ops;
  gint64              applied;
  gint64              total;
  gint64              next_report;
  gdouble             started;
} Pusher;

/* The batch sent as PUT /v1/batches/ID is taken (sp-server.c): decoded,
 * then applied; every op must be applied, as a desk pushing to a new
 * server would see. */
static void
pusher_send (Pusher *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpServerBatch) batch = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *bad_op_id = NULL;
  g_autofree char *batch_id = g_uuid_string_random ();
  g_autofree char *answer = NULL;
  JsonArray *results;

  if (self->n_ops == 0)
    return;
  g_string_append (self->body, "]}");
  batch = sp_server_batch_decode (self->body->str, self->body->len, &bad_op_id, &error);
  if (batch == NULL)
    g_error ("The server refused a batch (op %s): %s", bad_op_id != NULL ? bad_op_id : "-", error->message);
  answer = sp_server_backend_apply_batch (self->backend, self->user, batch_id, batch, &error);
  g_assert_no_error (error);

  json_parser_load_from_data (parser, answer, -1, &error);
  g_assert_no_error (error);
  results = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "results");
  g_assert_cmpuint (json_array_get_length (results), ==, self->n_ops);
  for (guint i = 0; i < self->n_ops; i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);

      if (g_strcmp0 (json_object_get_string_member (result, "status"), "applied") != 0)
        g_error ("The server did not apply op %s: %s", json_object_get_string_member (result, "op_id"),
                 answer);
    }

  self->applied += self->n_ops;
  self->n_ops = 0;
  g_string_assign (self->body, "{\"ops\":[");

  if (self->applied >= self->next_report)
    {
      printf ("# loading: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " records, %.0f s\n",
              self->applied, self->total, bench_now () - self->started);
      fflush (stdout);
      self->next_report += REPORT_EVERY;
    }
}

static void
pusher_add (Pusher     *self,
            const char *op)
{
  gsize size = strlen (op);

  if (self->n_ops > 0 && self->body->len + size + 3 > BATCH_BYTES)
    pusher_send (self);
  if (self->n_ops > 0)
    g_string_append_c (self->body, ',');
  g_string_append_len (self->body, op, size);
  if (++self->n_ops == BATCH_OPS)
    pusher_send (self);
}

/* A create as a desk sends it for a row it made (op_node() in
 * sp-sync-store.c): its columns as its outbox holds them, and the row's
 * practice unless it is the catalogue's. */
static char *
create_op (const SpEntityInfo *info,
           gconstpointer       record)
{
  const SpRecord *r = record;
  g_autoptr(JsonObject) op = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *op_id = g_uuid_string_random ();
  JsonObject *changed = bench_record_changes (info, record);

  if (!(info->flags & SP_ENTITY_CATALOGUE) && r->practice != NULL)
    json_object_set_string_member (changed, "practice", r->practice);
  json_object_set_string_member (op, "op_id", op_id);
  json_object_set_string_member (op, "entity", info->name);
  json_object_set_string_member (op, "id", r->id);
  json_object_set_int_member (op, "base_rev", 0);
  json_object_set_string_member (op, "op", "create");
  json_object_set_object_member (op, "changed", changed);
  json_object_set_object_member (op, "old", json_object_new ());
  node = json_node_init_object (json_node_alloc (), op);
  return json_to_string (node, FALSE);
}

/* The next chunk of @info's rows after rowid *@after, as ops; empty at
 * the end. The read is over before any of them is applied. */
static GPtrArray *
read_chunk (sqlite3_stmt       *select,
            const SpEntityInfo *info,
            gint64             *after)
{
  GPtrArray *ops = g_ptr_array_new_with_free_func (g_free);
  int rc;

  sqlite3_bind_int64 (select, 1, *after);
  sqlite3_bind_int (select, 2, CHUNK_ROWS);
  while ((rc = sqlite3_step (select)) == SQLITE_ROW)
    {
      gpointer record = sp_store_record_from_stmt (info, select, 1);

      *after = sqlite3_column_int64 (select, 0);
      g_ptr_array_add (ops, create_op (info, record));
      sp_record_free (info, record);
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_reset (select);
  return ops;
}

gint64
bench_server_push_store (const char *server_db,
                         const char *source,
                         const char *username)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpServerSqlite) server = NULL;
  g_autoptr(GPtrArray) users = NULL;
  const SpEntityInfo * const *all;
  guint n_entities;
  sqlite3 *db = NULL;
  Pusher pusher = { 0 };

  server = sp_server_sqlite_open (server_db, &error);
  g_assert_no_error (error);
  pusher.backend = SP_SERVER_BACKEND (server);
  /* The user as the server reads it when a token is presented. */
  users = sp_server_backend_list_users (pusher.backend, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < users->len && pusher.user == NULL; i++)
    if (g_str_equal (((SpServerUser *) users->pdata[i])->username, username))
      pusher.user = users->pdata[i];
  if (pusher.user == NULL)
    g_error ("No user %s in %s", username, server_db);

  pusher.body = g_string_new ("{\"ops\":[");
  pusher.total = bench_count_rows (source);
  pusher.next_report = REPORT_EVERY;
  pusher.started = bench_now ();

  /* In the order a desk's outbox would send them (bench_queue_every_row()):
   * entity by entity, parents first, each in rowid order. */
  /* Only read; read-write so that closing removes the -wal and -shm files
   * a read-only connection leaves behind. */
  g_assert_cmpint (sqlite3_open_v2 (source, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  all = sp_entity_all (&n_entities);
  for (guint e = 0; e < n_entities; e++)
    {
      const SpEntityInfo *info = all[e];
      /* sp_store_select_sql() is "SELECT columns FROM table ": the rowid first. */
      g_autofree char *sql = g_strconcat ("SELECT rowid, ", sp_store_select_sql (info) + strlen ("SELECT "),
                                          "WHERE rowid > ?1 ORDER BY rowid LIMIT ?2", NULL);
      sqlite3_stmt *select = NULL;
      gint64 after = G_MININT64;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &select, NULL), ==, SQLITE_OK);
      for (;;)
        {
          g_autoptr(GPtrArray) ops = read_chunk (select, info, &after);

          for (guint i = 0; i < ops->len; i++)
            pusher_add (&pusher, ops->pdata[i]);
          if (ops->len < CHUNK_ROWS)
            break;
        }
      sqlite3_finalize (select);
    }
  pusher_send (&pusher);
  sqlite3_close (db);
  g_string_free (pusher.body, TRUE);
  g_assert_cmpint (pusher.applied, ==, pusher.total);
  /* Closing the store flushes its log and checkpoints it: a file to copy. */
  g_clear_object (&server);
  return pusher.applied;
}

gint64
bench_server_schema_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 version = -1;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return -1;
  /* Read-write (never created), as in bench_server_push_store(). */
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return version;
}
