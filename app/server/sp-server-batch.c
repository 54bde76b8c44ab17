/* sp-server-batch.c — decoding pushed changes and deciding each one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-json.h"
#include "sp-validate.h"
#include "sp-server-batch.h"

#define BATCH_ID_MAX_LENGTH 64

/* ---- JSON in ------------------------------------------------------------- */

/* Parses a request body: UTF-8, one value, bounded nesting, valid JSON.
 * Every failure is SP_SERVER_ERROR_MALFORMED_JSON. */
JsonNode *
sp_server_json_parse (const char  *data,
                      gsize        length,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON,
                           _("The request has no JSON body."));
      return NULL;
    }
  if (length > G_MAXSSIZE || !g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON,
                           _("The request is not valid UTF-8 text."));
      return NULL;
    }
  switch (sp_json_text_shape (data, length, SP_SERVER_JSON_MAX_DEPTH))
    {
    case SP_JSON_SHAPE_TOO_DEEP:
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON,
                   _("The request nests lists or objects more than %d deep."),
                   SP_SERVER_JSON_MAX_DEPTH);
      return NULL;
    case SP_JSON_SHAPE_SEVERAL:
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON,
                           _("The request is not valid JSON: more follows the end of its first value."));
      return NULL;
    case SP_JSON_SHAPE_OK:
    default:
      break;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* json-glib quotes the text it stopped at, maybe part of a character;
       * the answer must be UTF-8 all the same. */
      g_autofree char *detail = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON,
                   _("The request is not valid JSON: %s"), detail);
      return NULL;
    }
  root = json_parser_steal_root (parser);
  if (root == NULL)
    g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_MALFORMED_JSON,
                         _("The request has no JSON body."));
  return root;
}

/* ---- Decoding a batch ---------------------------------------------------- */

gboolean
sp_server_batch_id_is_valid (const char *batch_id)
{
  gsize length;

  if (batch_id == NULL)
    return FALSE;
  length = strlen (batch_id);
  if (length == 0 || length > BATCH_ID_MAX_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (batch_id[i]) && batch_id[i] != '-' && batch_id[i] != '_')
      return FALSE;
  return TRUE;
}

static void
sp_server_op_free (SpServerOp *op)
{
  if (op == NULL)
    return;
  g_free (op->op_id);
  g_free (op->id);
  g_clear_pointer (&op->changed, json_object_unref);
  g_clear_pointer (&op->old, json_object_unref);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerOp, sp_server_op_free)

void
sp_server_batch_free (SpServerBatch *batch)
{
  if (batch == NULL)
    return;
  g_clear_pointer (&batch->ops, g_ptr_array_unref);
  g_free (batch);
}

/* A name from the request, for a message: at most 64 characters, cut on a
 * character boundary (the body was checked to be UTF-8). */
static char *
shorten (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  return g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), 64));
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Server-kept header fields: whatever a client says about them is ignored. */
static gboolean
is_server_field (const char *name)
{
  return g_str_equal (name, "rev") || g_str_equal (name, "updated_at") ||
         g_str_equal (name, "updated_by");
}

/* The fields of @fields with each value put in its column's form (a whole
 * number for a real column becomes a double, and so on), so comparing two
 * values is comparing JSON nodes. Unknown fields and wrong types are refused,
 * naming the field. */
static JsonObject *
canonical_fields (const SpEntityInfo  *info,
                  JsonObject          *fields,
                  guint                index,
                  GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GList) members = NULL;
  gpointer rec;
  JsonObject *out;

  rec = sp_record_from_json (info, fields, TRUE, &local_error);
  if (rec == NULL)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u: %s"), index, local_error->message);
      return NULL;
    }

  out = json_object_new ();
  members = json_object_get_members (fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (is_server_field (name))
        continue;
      json_object_set_member (out, name,
                              sp_record_get_node (info, rec, sp_entity_find_column (info, name)));
    }
  sp_record_free (info, rec);
  return out;
}

static SpServerOp *
decode_op (JsonNode  *node,
           guint      index,
           char     **bad_op_id,
           GError   **error)
{
  static const char * const known[] = { "op_id", "entity", "id", "base_rev", "op", "changed", "old", NULL };
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  JsonNode *member;
  const char *text;
  const char *id;
  g_autoptr(SpServerOp) op = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u of the batch is not a JSON object."), index);
      return NULL;
    }
  object = json_node_get_object (node);

  text = member_string (object, "op_id");
  if (text == NULL || !sp_uuid_is_valid (text))
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u needs an op_id that is a UUID."), index);
      return NULL;
    }
  g_free (*bad_op_id);
  *bad_op_id = g_strdup (text);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_autofree char *name = shorten (l->data);

        g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                     _("Change %u has a member “%s” that the protocol does not have."), index, name);
        return NULL;
      }

  op = g_new0 (SpServerOp, 1);
  op->op_id = g_strdup (text);

  text = member_string (object, "entity");
  op->info = sp_entity_lookup (text);
  if (op->info == NULL)
    {
      g_autofree char *name = shorten (text);

      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u is for “%s”, which is not a kind of record this server keeps."), index, name);
      return NULL;
    }

  id = member_string (object, "id");
  if (id == NULL || !sp_uuid_is_valid (id))
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u needs a record id that is a UUID."), index);
      return NULL;
    }
  op->id = g_strdup (id);

  member = json_object_get_member (object, "base_rev");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_INT64 || json_node_get_int (member) < 0)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u needs base_rev as a whole number from 0 up."), index);
      return NULL;
    }
  op->base_rev = json_node_get_int (member);

  text = member_string (object, "op");
  if (g_strcmp0 (text, "create") == 0)
    op->kind = SP_SERVER_OP_CREATE;
  else if (g_strcmp0 (text, "update") == 0)
    op->kind = SP_SERVER_OP_UPDATE;
  else if (g_strcmp0 (text, "delete") == 0)
    op->kind = SP_SERVER_OP_DELETE;
  else
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u needs op to be create, update or delete."), index);
      return NULL;
    }

  member = json_object_get_member (object, "changed");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u needs “changed” as a JSON object."), index);
      return NULL;
    }
  op->changed = canonical_fields (op->info, json_node_get_object (member), index, error);
  if (op->changed == NULL)
    {
      return NULL;
    }

  member = json_object_get_member (object, "old");
  if (member != NULL && !JSON_NODE_HOLDS_OBJECT (member) && !JSON_NODE_HOLDS_NULL (member))
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u needs “old” as a JSON object."), index);
      return NULL;
    }
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    op->old = canonical_fields (op->info, json_node_get_object (member), index, error);
  else
    op->old = json_object_new ();
  if (op->old == NULL)
    {
      return NULL;
    }

  text = member_string (op->changed, "id");
  if (json_object_has_member (op->changed, "id") && g_strcmp0 (text, op->id) != 0)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("Change %u names two different record ids."), index);
      return NULL;
    }

  return g_steal_pointer (&op);
}

/* Decodes and checks a whole batch: {"ops": [...]}. Any problem refuses the
 * batch (nothing of it is applied); @bad_op_id then names the op at fault
 * when it got that far. */
SpServerBatch *
sp_server_batch_decode (const char  *data,
                        gsize        length,
                        char       **bad_op_id,
                        GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SpServerBatch) batch = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *op_id = NULL;
  JsonObject *object;
  JsonNode *ops;
  JsonArray *array;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = sp_server_json_parse (data, length, error);
  if (root == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("A batch must be a JSON object with a list of changes in “ops”."));
      return NULL;
    }
  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "ops"))
      {
        g_autofree char *name = shorten (l->data);

        g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                     _("A batch has a member “%s” that the protocol does not have."), name);
        return NULL;
      }
  ops = json_object_get_member (object, "ops");
  if (ops == NULL || !JSON_NODE_HOLDS_ARRAY (ops))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("A batch must be a JSON object with a list of changes in “ops”."));
      return NULL;
    }

  batch = g_new0 (SpServerBatch, 1);
  batch->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_server_op_free);
  array = json_node_get_array (ops);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      SpServerOp *op;

      g_clear_pointer (&op_id, g_free);
      op = decode_op (json_array_get_element (array, i), i + 1, &op_id, error);
      if (op == NULL)
        {
          if (bad_op_id != NULL)
            *bad_op_id = g_steal_pointer (&op_id);
          return NULL;
        }
      g_ptr_array_add (batch->ops, op);
    }
  return g_steal_pointer (&batch);
}

/* The one kind of op a GP may send: the creation of an audit event, the
 * record that someone looked at a patient's records. */
gboolean
sp_server_op_is_audit (const SpServerOp *op)
{
  g_return_val_if_fail (op != NULL, FALSE);

  return op->kind == SP_SERVER_OP_CREATE && op->info == &sp_entity_audit_event;
}

/* TRUE when every op of @batch (none, too) is the creation of an audit event. */
gboolean
sp_server_batch_is_audit_only (const SpServerBatch *batch)
{
  g_return_val_if_fail (batch != NULL, FALSE);

  for (guint i = 0; i < batch->ops->len; i++)
    if (!sp_server_op_is_audit (g_ptr_array_index (batch->ops, i)))
      return FALSE;
  return TRUE;
}

/* ---- Deciding an op ------------------------------------------------------ */

/* A record in the exact form sp_record_to_json makes. */
JsonObject *
sp_server_record_canonical (const SpEntityInfo  *info,
                            JsonObject          *record,
                            GError             **error)
{
  gpointer rec = sp_record_from_json (info, record, FALSE, error);
  JsonObject *out;

  if (rec == NULL)
    return NULL;
  out = sp_record_to_json (info, rec);
  sp_record_free (info, rec);
  return out;
}

static gboolean
member_equal (JsonObject *a,
              JsonObject *b,
              const char *name)
{
  JsonNode *x = json_object_get_member (a, name);
  JsonNode *y = json_object_get_member (b, name);

  if (x == NULL || y == NULL)
    return x == y;
  return json_node_equal (x, y);
}

/* A new object with the same members. (json_node_copy() would share the
 * object itself.) Nested values are shared: they are replaced, never
 * changed in place. */
static JsonObject *
object_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (copy, name, json_node_copy (node));
  return copy;
}

static void
reject (SpServerDecision *decision,
        SpServerError     code,
        const char       *reason)
{
  decision->kind = SP_SERVER_DECISION_REJECT;
  decision->code = code;
  decision->reason = g_strdup (reason);
}

static void
reject_not_found (SpServerDecision *decision)
{
  reject (decision, SP_SERVER_ERROR_NOT_FOUND, _("There is no such record in your practices."));
}

static void
reject_ledger (SpServerDecision *decision)
{
  reject (decision, SP_SERVER_ERROR_INVALID,
          _("This entry is part of a permanent record and is never changed or deleted."));
}

/* Fields a client may not set through "changed": the id is the op's, the
 * practice is checked against the grants, the rest are the server's. */
static gboolean
is_header_field (const char *name)
{
  return g_str_equal (name, "id") || g_str_equal (name, "practice") || is_server_field (name);
}

/* What a create sets. An audit event says who acted, and that is the
 * signed-in account, whatever the body says: the server fills in its user
 * and role from the token. */
static JsonObject *
create_fields (const SpServerOp   *op,
               const SpServerUser *user)
{
  JsonObject *changed;

  if (op->info != &sp_entity_audit_event)
    return json_object_ref (op->changed);
  changed = object_copy (op->changed);
  json_object_set_string_member (changed, "user", user->username);
  json_object_set_string_member (changed, "role", sp_server_role_to_string (user->role));
  return changed;
}

static void
decide_create (const SpServerOp    *op,
               const SpServerUser  *user,
               const char          *practice,
               JsonObject          *stored,
               SpServerDecision    *decision)
{
  g_autoptr(JsonObject) input = NULL;
  g_autoptr(JsonObject) changed = create_fields (op, user);
  g_autoptr(GList) members = json_object_get_members (changed);
  g_autoptr(GError) error = NULL;

  if (stored != NULL)
    {
      /* A create seen before (an earlier batch, another desk): the same
       * content is the same change; anything else is not. */
      g_autoptr(GPtrArray) differ = g_ptr_array_new_with_free_func (g_free);

      for (GList *l = members; l != NULL; l = l->next)
        if (!is_header_field (l->data) && !member_equal (changed, stored, l->data))
          g_ptr_array_add (differ, g_strdup (l->data));

      if (differ->len == 0)
        {
          decision->kind = SP_SERVER_DECISION_UNCHANGED;
          return;
        }
      if (op->info->flags & SP_ENTITY_APPEND_ONLY)
        {
          reject (decision, SP_SERVER_ERROR_INVALID,
                  _("This entry was already recorded with different details, and recorded entries are never changed."));
          return;
        }
      decision->kind = SP_SERVER_DECISION_CONFLICT;
      decision->fields = g_steal_pointer (&differ);
      return;
    }

  input = json_object_new ();
  for (GList *l = members; l != NULL; l = l->next)
    if (!is_header_field (l->data))
      json_object_set_member (input, l->data,
                              json_node_copy (json_object_get_member (changed, l->data)));
  json_object_set_string_member (input, "id", op->id);
  if (practice != NULL)
    json_object_set_string_member (input, "practice", practice);
  else
    json_object_set_null_member (input, "practice");

  decision->row = sp_server_record_canonical (op->info, input, &error);
  if (decision->row == NULL)
    {
      reject (decision, SP_SERVER_ERROR_INVALID, error->message);
      return;
    }
  decision->kind = SP_SERVER_DECISION_WRITE;
}

static void
decide_update (const SpServerOp  *op,
               JsonObject        *stored,
               SpServerDecision  *decision)
{
  g_autoptr(GList) members = json_object_get_members (op->changed);
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) merged = NULL;
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  gint64 stored_rev = json_object_get_int_member (stored, "rev");

  if (op->base_rev != stored_rev)
    {
      /* Someone else wrote the row since this desk read it. Each field
       * this op changes merges if the server still holds the value the
       * desk started from, or already holds the new one. */
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *name = l->data;

          if (is_header_field (name) || member_equal (op->changed, stored, name))
            continue;
          if (json_object_has_member (op->old, name) && member_equal (op->old, stored, name))
            continue;
          g_ptr_array_add (conflicts, g_strdup (name));
        }
      /* An edit to a row someone has since deleted is not silently lost. */
      if (json_object_get_boolean_member (stored, "deleted") &&
          !json_object_has_member (op->changed, "deleted") && conflicts->len == 0)
        g_ptr_array_add (conflicts, g_strdup ("deleted"));
    }
  if (conflicts->len > 0)
    {
      decision->kind = SP_SERVER_DECISION_CONFLICT;
      decision->fields = g_steal_pointer (&conflicts);
      return;
    }

  merged = object_copy (stored);
  for (GList *l = members; l != NULL; l = l->next)
    if (!is_header_field (l->data))
      json_object_set_member (merged, l->data,
                              json_node_copy (json_object_get_member (op->changed, l->data)));

  row = sp_server_record_canonical (op->info, merged, &error);
  if (row == NULL)
    {
      reject (decision, SP_SERVER_ERROR_INVALID, error->message);
      return;
    }

  a = json_node_init_object (json_node_alloc (), row);
  b = json_node_init_object (json_node_alloc (), stored);
  if (json_node_equal (a, b))
    {
      decision->kind = SP_SERVER_DECISION_UNCHANGED;
      return;
    }
  decision->kind = SP_SERVER_DECISION_WRITE;
  decision->row = g_steal_pointer (&row);
}

static void
decide_delete (const SpServerOp  *op,
               JsonObject        *stored,
               SpServerDecision  *decision)
{
  if (json_object_get_boolean_member (stored, "deleted"))
    {
      decision->kind = SP_SERVER_DECISION_UNCHANGED;
      return;
    }
  if (op->base_rev != json_object_get_int_member (stored, "rev"))
    {
      decision->kind = SP_SERVER_DECISION_CONFLICT;
      decision->fields = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (decision->fields, g_strdup ("deleted"));
      return;
    }
  decision->kind = SP_SERVER_DECISION_WRITE;
  decision->row = object_copy (stored);
  json_object_set_boolean_member (decision->row, "deleted", TRUE);
}

/* Decides one op for @user against @stored, the row as the server holds it
 * (canonical record JSON, or NULL when there is none). Roles first, then
 * tenancy, so a refusal says nothing about rows of other practices. */
void
sp_server_decide (const SpServerOp   *op,
                  const SpServerUser *user,
                  JsonObject         *stored,
                  SpServerDecision   *decision)
{
  gboolean catalogue = (op->info->flags & SP_ENTITY_CATALOGUE) != 0;
  const char *practice = NULL;

  memset (decision, 0, sizeof *decision);

  if (user->role == SP_SERVER_ROLE_GP && !sp_server_op_is_audit (op))
    {
      reject (decision, SP_SERVER_ERROR_FORBIDDEN,
              _("A GP account can look records up but cannot change them."));
      return;
    }
  if (catalogue && user->role != SP_SERVER_ROLE_ADMIN)
    {
      reject (decision, SP_SERVER_ERROR_FORBIDDEN,
              _("Only a catalogue admin can change the catalogue of providers, offerings and funders."));
      return;
    }

  if (!catalogue)
    {
      const char *stored_practice = stored != NULL ? json_object_get_string_member (stored, "practice") : NULL;

      if (stored != NULL && !sp_server_user_has_practice (user, stored_practice))
        {
          reject_not_found (decision);
          return;
        }
      if (op->kind == SP_SERVER_OP_CREATE)
        {
          practice = member_string (op->changed, "practice");
          if (practice == NULL)
            {
              g_autofree char *reason =
                g_strdup_printf (_("A new %s record must say which of your practices it belongs to."),
                                 op->info->name);
              reject (decision, SP_SERVER_ERROR_INVALID, reason);
              return;
            }
          if (!sp_server_user_has_practice (user, practice))
            {
              reject_not_found (decision);
              return;
            }
        }
      else if (stored == NULL)
        {
          reject_not_found (decision);
          return;
        }
      if (stored != NULL && json_object_has_member (op->changed, "practice") &&
          g_strcmp0 (member_string (op->changed, "practice"), stored_practice) != 0)
        {
          reject (decision, SP_SERVER_ERROR_INVALID, _("A record cannot be moved to another practice."));
          return;
        }
    }
  else if (op->kind != SP_SERVER_OP_CREATE && stored == NULL)
    {
      reject_not_found (decision);
      return;
    }

  if ((op->info->flags & SP_ENTITY_APPEND_ONLY) && op->kind != SP_SERVER_OP_CREATE)
    {
      reject_ledger (decision);
      return;
    }

  switch (op->kind)
    {
    case SP_SERVER_OP_CREATE:
      decide_create (op, user, practice, stored, decision);
      break;
    case SP_SERVER_OP_UPDATE:
      decide_update (op, stored, decision);
      break;
    case SP_SERVER_OP_DELETE:
      decide_delete (op, stored, decision);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
sp_server_decision_clear (SpServerDecision *decision)
{
  g_clear_pointer (&decision->row, json_object_unref);
  g_clear_pointer (&decision->fields, g_ptr_array_unref);
  g_clear_pointer (&decision->reason, g_free);
}

/* ---- Results ------------------------------------------------------------- */

JsonObject *
sp_server_result_applied (const SpServerOp *op,
                          gint64            rev,
                          gint64            seq)
{
  JsonObject *result = json_object_new ();

  json_object_set_string_member (result, "op_id", op->op_id);
  json_object_set_string_member (result, "status", "applied");
  json_object_set_int_member (result, "rev", rev);
  json_object_set_int_member (result, "seq", seq);
  return result;
}

JsonObject *
sp_server_result_conflict (const SpServerOp *op,
                           GPtrArray        *fields,
                           JsonObject       *server_row)
{
  JsonObject *result = json_object_new ();
  JsonArray *array = json_array_new ();

  json_object_set_string_member (result, "op_id", op->op_id);
  json_object_set_string_member (result, "status", "conflict");
  for (guint i = 0; i < fields->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (fields, i));
  json_object_set_array_member (result, "fields", array);
  json_object_set_object_member (result, "server_row", json_object_ref (server_row));
  return result;
}

/* Refused because a unique key is taken. The one such key today is a
 * patient's NHS number within a practice: two desks registered the same
 * person before either synced. The reason names the record that holds it,
 * so the link worker can find both and merge them. */
JsonObject *
sp_server_result_duplicate (const SpServerOp *op,
                            const char       *existing_id)
{
  g_autofree char *reason = NULL;

  if (op->info == &sp_entity_patient)
    reason = g_strdup_printf (_("A patient with this NHS number is already recorded in this practice (record %s). "
                                "Merge the two records on one desk."), existing_id);
  else
    reason = g_strdup_printf (_("A %s record with the same details is already recorded (record %s)."),
                              op->info->name, existing_id);
  return sp_server_result_rejected (op, SP_SERVER_ERROR_DUPLICATE, reason);
}

JsonObject *
sp_server_result_rejected (const SpServerOp *op,
                           SpServerError     code,
                           const char       *reason)
{
  JsonObject *result = json_object_new ();

  json_object_set_string_member (result, "op_id", op->op_id);
  json_object_set_string_member (result, "status", "rejected");
  json_object_set_string_member (result, "code", sp_server_error_code (code));
  json_object_set_string_member (result, "reason", reason);
  return result;
}
