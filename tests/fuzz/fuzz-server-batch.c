/* fuzz-server-batch.c — libFuzzer target: a batch pushed to the server
 *
 * The input is the body of a PUT /v1/batches/{id}, as signpost-server reads
 * it (sp_server_batch_decode). A batch may be refused with an error; one
 * that is taken must hold only ops the protocol allows, and each op is then
 * decided (sp_server_decide) for a link worker, a GP and an admin, against
 * no stored row and against the row the op itself describes, and answered
 * (sp_server_result_*). No store is needed: deciding is pure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "fuzz-server-batch"

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "sp-validate.h"
#include "sp-server-batch.h"

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

static SpServerUser *users[3];

static void G_GNUC_NORETURN
fail (const char *what,
      const char *detail)
{
  fprintf (stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort ();
}

static void
free_users (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    g_clear_pointer (&users[i], sp_server_user_free);
}

static void
make_users (void)
{
  users[0] = sp_server_user_new ("lw.fuzz", NULL, SP_SERVER_ROLE_LINK_WORKER, g_strsplit ("A81001 B82002", " ", -1));
  users[1] = sp_server_user_new ("gp.fuzz", NULL, SP_SERVER_ROLE_GP, g_strsplit ("A81001", " ", -1));
  users[2] = sp_server_user_new ("admin.fuzz", NULL, SP_SERVER_ROLE_ADMIN, NULL);
  atexit (free_users);
}

/* The row an op describes, as a store would hold it at rev 1; NULL when
 * its fields do not make a whole record. */
static JsonObject *
stored_row (const SpServerOp *op)
{
  g_autoptr(JsonObject) raw = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, op->changed);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (raw, name, json_node_copy (node));
  json_object_set_string_member (raw, "id", op->id);
  json_object_set_int_member (raw, "rev", 1);
  json_object_set_string_member (raw, "updated_at", "2026-05-04T09:00:00Z");
  json_object_set_string_member (raw, "updated_by", "lw.other");
  if (!json_object_has_member (raw, "deleted"))
    json_object_set_boolean_member (raw, "deleted", FALSE);
  return sp_server_record_canonical (op->info, raw, NULL);
}

static void
decide (const SpServerOp   *op,
        const SpServerUser *user,
        JsonObject         *stored)
{
  g_auto(SpServerDecision) decision = { 0 };
  g_autoptr(JsonObject) result = NULL;
  g_autoptr(JsonObject) again = NULL;

  sp_server_decide (op, user, stored, &decision);
  switch (decision.kind)
    {
    case SP_SERVER_DECISION_WRITE:
      if (decision.row == NULL)
        fail ("a write with no row", NULL);
      if (user->role == SP_SERVER_ROLE_GP && !sp_server_op_is_audit (op))
        fail ("a GP's change decided as a write", op->info->name);
      if (g_strcmp0 (json_object_get_string_member (decision.row, "id"), op->id) != 0)
        fail ("a write of another row", NULL);
      /* What is written is a record the store can read back as it is. */
      again = sp_server_record_canonical (op->info, decision.row, NULL);
      if (again == NULL)
        fail ("a write the store could not read back", op->info->name);
      if (!(op->info->flags & SP_ENTITY_CATALOGUE) &&
          !sp_server_user_has_practice (user, json_object_get_string_member (decision.row, "practice")))
        fail ("a write to a practice not granted", NULL);
      if (op->info == &sp_entity_audit_event &&
          g_strcmp0 (json_object_get_string_member (decision.row, "user"), user->username) != 0)
        fail ("an audit event in another's name", NULL);
      result = sp_server_result_applied (op, 2, 42);
      break;
    case SP_SERVER_DECISION_UNCHANGED:
      if (stored == NULL)
        fail ("nothing to change, and nothing stored", NULL);
      result = sp_server_result_applied (op, 1, 41);
      break;
    case SP_SERVER_DECISION_CONFLICT:
      if (stored == NULL || decision.fields == NULL || decision.fields->len == 0)
        fail ("a conflict with no row or no fields", NULL);
      result = sp_server_result_conflict (op, decision.fields, stored);
      break;
    case SP_SERVER_DECISION_REJECT:
      if (decision.reason == NULL || !g_utf8_validate (decision.reason, -1, NULL))
        fail ("a refusal without a readable reason", NULL);
      result = sp_server_result_rejected (op, decision.code, decision.reason);
      break;
    default:
      fail ("an unknown decision", NULL);
    }
  if (result == NULL)
    fail ("no result", NULL);
}

static void
run (const uint8_t *data,
     size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpServerBatch) batch = NULL;
  g_autofree char *bad_op_id = NULL;

  batch = sp_server_batch_decode ((const char *) data, size, &bad_op_id, &error);
  if (batch == NULL)
    {
      if (error == NULL || error->domain != SP_SERVER_ERROR ||
          (error->code != SP_SERVER_ERROR_MALFORMED_JSON && error->code != SP_SERVER_ERROR_INVALID) ||
          !g_utf8_validate (error->message, -1, NULL))
        fail ("a batch refused without a protocol error", error ? error->message : NULL);
      if (bad_op_id != NULL && !sp_uuid_is_valid (bad_op_id))
        fail ("a refusal blaming an op that is not named by a UUID", NULL);
      return;
    }
  if (error != NULL)
    fail ("a batch taken with an error set", error->message);
  (void) sp_server_batch_is_audit_only (batch);

  for (guint i = 0; i < batch->ops->len; i++)
    {
      SpServerOp *op = g_ptr_array_index (batch->ops, i);
      g_autoptr(JsonObject) stored = NULL;

      if (op->info == NULL || !sp_uuid_is_valid (op->op_id) || !sp_uuid_is_valid (op->id) || op->base_rev < 0 ||
          op->changed == NULL || op->old == NULL)
        fail ("an op the decoder should have refused", NULL);
      stored = stored_row (op);
      for (guint u = 0; u < G_N_ELEMENTS (users); u++)
        {
          decide (op, users[u], NULL);
          if (stored != NULL)
            decide (op, users[u], stored);
        }
    }
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  static const char warm_up[] =
    "{\"ops\": [{\"op_id\": \"11111111-2222-4333-8444-555555555555\", \"entity\": \"patient\", "
    "\"id\": \"21111111-2222-4333-8444-555555555555\", \"base_rev\": 0, \"op\": \"create\", "
    "\"changed\": {\"practice\": \"A81001\", \"nhs_number\": \"9990000001\", \"given_name\": \"Ada\", "
    "\"family_name\": \"Okonkwo\", \"lat\": 52}, \"old\": {}}]}";

  make_users ();
  /* Types, quarks and the gettext tables are made once; make them before
   * the leak checker starts counting. */
  run ((const uint8_t *) warm_up, sizeof warm_up - 1);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t          size)
{
  run (data, size);
  return 0;
}
