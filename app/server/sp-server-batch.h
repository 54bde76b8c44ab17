/* sp-server-batch.h — decoding pushed changes and deciding each one
 *
 * Pure functions, shared by every backend: a batch body is decoded and
 * checked as a whole before anything is applied (a malformed or mistyped
 * batch is refused with nothing stored), and each op is then decided
 * against the stored row — write, already applied, conflict or rejected —
 * by the rules of docs/sync-protocol.md. Nothing here touches a store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "sp-entity.h"
#include "sp-server-error.h"
#include "sp-server-user.h"

G_BEGIN_DECLS

/* Deeper JSON than this is refused before json-glib (which recurses) sees it. */
#define SP_SERVER_JSON_MAX_DEPTH 32

typedef enum
{
  SP_SERVER_OP_CREATE,
  SP_SERVER_OP_UPDATE,
  SP_SERVER_OP_DELETE,
} SpServerOpKind;

typedef struct
{
  char               *op_id;
  const SpEntityInfo *info;
  char               *id;
  gint64              base_rev;
  SpServerOpKind      kind;
  JsonObject         *changed;  /* each value in its column's canonical form */
  JsonObject         *old;      /* likewise; may be empty */
} SpServerOp;

typedef struct
{
  GPtrArray *ops;  /* SpServerOp, in the order given */
} SpServerBatch;

typedef enum
{
  SP_SERVER_DECISION_WRITE,      /* store @row (the backend sets rev, seq, updated_*) */
  SP_SERVER_DECISION_UNCHANGED,  /* applied already: answer with the stored rev and seq */
  SP_SERVER_DECISION_CONFLICT,   /* @fields changed on both sides; nothing applied */
  SP_SERVER_DECISION_REJECT,     /* @code and @reason; nothing applied */
} SpServerDecisionKind;

typedef struct
{
  SpServerDecisionKind  kind;
  JsonObject           *row;
  GPtrArray            *fields;
  SpServerError         code;
  char                 *reason;
} SpServerDecision;

JsonNode      *sp_server_json_parse        (const char          *data,
                                            gsize                length,
                                            GError             **error);

gboolean       sp_server_batch_id_is_valid (const char          *batch_id);
SpServerBatch *sp_server_batch_decode      (const char          *data,
                                            gsize                length,
                                            char               **bad_op_id,
                                            GError             **error);
void           sp_server_batch_free        (SpServerBatch       *batch);
gboolean       sp_server_op_is_audit       (const SpServerOp    *op);
gboolean       sp_server_batch_is_audit_only (const SpServerBatch  *batch);

void           sp_server_decide            (const SpServerOp    *op,
                                            const SpServerUser  *user,
                                            JsonObject          *stored,
                                            SpServerDecision    *decision);
void           sp_server_decision_clear    (SpServerDecision    *decision);

JsonObject    *sp_server_record_canonical  (const SpEntityInfo  *info,
                                            JsonObject          *record,
                                            GError             **error);

JsonObject    *sp_server_result_applied    (const SpServerOp    *op,
                                            gint64               rev,
                                            gint64               seq);
JsonObject    *sp_server_result_conflict   (const SpServerOp    *op,
                                            GPtrArray           *fields,
                                            JsonObject          *server_row);
JsonObject    *sp_server_result_rejected   (const SpServerOp    *op,
                                            SpServerError        code,
                                            const char          *reason);
JsonObject    *sp_server_result_duplicate  (const SpServerOp    *op,
                                            const char          *existing_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerBatch, sp_server_batch_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpServerDecision, sp_server_decision_clear)

G_END_DECLS
