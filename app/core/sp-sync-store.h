/* sp-sync-store.h — the desk's side of sync, kept in the local store
 *
 * What the sync client (app/sync) needs from the store, with no network in
 * sight: the account and cursor in meta, the outbox frozen into batches,
 * the server's answers applied, change pages applied with their cursor in
 * one transaction, and the conflicts and refused changes the user resolves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "sp-store.h"

G_BEGIN_DECLS

/* ---- The account this desk syncs as ------------------------------------- */

typedef struct
{
  char    *username;
  char    *display_name;
  SpRoles  roles;
  GStrv    practices;
  guint    catalogue_replaced;  /* after signing in: this desk's own never-synced
                                 * catalogue entries replaced by the server's */
} SpSyncAccount;

SpSyncAccount *sp_sync_account_new        (void);
void           sp_sync_account_free       (SpSyncAccount *account);
SpSyncAccount *sp_sync_account_from_json  (JsonObject    *user,
                                           GError       **error);
SpRoles        sp_sync_role_from_name     (const char    *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpSyncAccount, sp_sync_account_free)

gboolean       sp_sync_store_remember_account (SpStore             *store,
                                               const char          *server_url,
                                               const SpSyncAccount *account,
                                               guint               *n_replaced,
                                               GError             **error);
gboolean       sp_sync_store_forget_account   (SpStore             *store,
                                               GError             **error);
SpSyncAccount *sp_sync_store_get_account      (SpStore             *store);
gboolean       sp_sync_store_restore_actor    (SpStore             *store);

char          *sp_sync_store_get_server_url   (SpStore             *store);
gint64         sp_sync_store_get_cursor       (SpStore             *store);
char          *sp_sync_store_get_server_id    (SpStore             *store);
gboolean       sp_sync_store_check_server     (SpStore             *store,
                                               const char          *server_id,
                                               gint64               max_seq,
                                               gboolean            *reset,
                                               GError             **error);
guint          sp_sync_store_get_catalogue_replaced (SpStore       *store);
char          *sp_sync_store_get_last_synced  (SpStore             *store);
char          *sp_sync_store_get_last_error   (SpStore             *store);
gboolean       sp_sync_store_set_last_result  (SpStore             *store,
                                               const char          *synced_at,
                                               const char          *error_message,
                                               GError             **error);

/* ---- What one sync did --------------------------------------------------- */

typedef enum
{
  SP_SYNC_SNAPSHOT_NONE,
  SP_SYNC_SNAPSHOT_COPIED,   /* copied into the store: another connection had it open */
  SP_SYNC_SNAPSHOT_TAKEN,    /* put in the store's place: nothing copied */
} SpSyncSnapshot;

typedef struct
{
  guint pushed;     /* my changes the server applied */
  guint conflicts;  /* my changes that met someone else's: kept to resolve */
  guint rejected;   /* my changes the server refused, with its reason */
  guint pulled;     /* server rows written here */
  guint skipped;    /* server rows left alone: a change of mine is pending */
  guint pages;
  guint restarts;   /* the server was replaced or restored: pulled again from the start */
  guint replaced;   /* this desk's own never-synced catalogue entries that signing in
                     * replaced with the server's catalogue (reported until a sync completes) */
  guint snapshot;   /* this desk started from the server's snapshot of its practices:
                     * SP_SYNC_SNAPSHOT_TAKEN as its database, or _COPIED into it */
} SpSyncCounts;

/* ---- Pushing ------------------------------------------------------------- */

typedef struct
{
  char     *batch_id;
  JsonNode *body;      /* {"ops": [...]} as PUT /v1/batches/{batch_id} takes it */
  guint     n_ops;
  gboolean  resumed;   /* frozen by an earlier attempt: resent as it was */
} SpSyncBatch;

void         sp_sync_batch_free            (SpSyncBatch   *batch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpSyncBatch, sp_sync_batch_free)

SpSyncBatch *sp_sync_store_next_batch      (SpStore       *store,
                                            guint          max_ops,
                                            gsize          max_bytes,
                                            GError       **error);
gboolean     sp_sync_store_apply_results   (SpStore       *store,
                                            const char    *batch_id,
                                            JsonNode      *answer,
                                            SpSyncCounts  *counts,
                                            GError       **error);
gboolean     sp_sync_store_reject_batch    (SpStore       *store,
                                            const char    *batch_id,
                                            const char    *reason,
                                            SpSyncCounts  *counts,
                                            GError       **error);
gboolean     sp_sync_store_reject_op       (SpStore       *store,
                                            const char    *batch_id,
                                            const char    *op_id,
                                            const char    *reason,
                                            SpSyncCounts  *counts,
                                            GError       **error);
gint64       sp_sync_store_count_unsent    (SpStore       *store);
gboolean     sp_sync_store_hold_back_unsendable (SpStore       *store,
                                                 guint         *n_held_back,
                                                 SpSyncCounts  *counts,
                                                 GError       **error);
gboolean     sp_sync_store_settle_never_sent    (SpStore       *store,
                                                 GError       **error);

/* ---- Pulling ------------------------------------------------------------- */

JsonNode    *sp_sync_json_parse            (const char    *data,
                                            gsize          length,
                                            GError       **error);

typedef struct
{
  const SpEntityInfo *info;
  char               *id;
  gint64              rev;
  gint64              seq;
  gboolean            deleted;
  gpointer            record; /* the record, checked in full, or NULL for a bare tombstone */
} SpSyncChange;

typedef struct
{
  GPtrArray *changes;    /* SpSyncChange, in seq order */
  gint64     last_seq;
  gboolean   more;
  char      *server_id;  /* the server's identity, or NULL from a server that does not say */
  gint64     max_seq;    /* the server's highest seq, or -1 when it does not say */
} SpSyncPage;

void         sp_sync_page_free             (SpSyncPage    *page);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpSyncPage, sp_sync_page_free)

SpSyncPage  *sp_sync_page_decode           (const char    *data,
                                            gsize          length,
                                            gint64         since,
                                            GError       **error);
gboolean     sp_sync_store_apply_page      (SpStore       *store,
                                            SpSyncPage    *page,
                                            SpSyncCounts  *counts,
                                            GError       **error);

gboolean     sp_sync_store_is_new_desk     (SpStore       *store);
void         sp_sync_set_disk_full         (GError       **error);
char        *sp_sync_store_prepare_snapshot (SpStore     *store,
                                             const char  *path,
                                             gint64      *rows,
                                             GError     **error);
gboolean     sp_sync_store_take_snapshot   (SpStore       *store,
                                            const char    *path,
                                            const char    *state,
                                            GError       **error);
gboolean     sp_sync_store_install_snapshot (SpStore      *store,
                                             const char   *path,
                                             const char   *state,
                                             GError      **error);

/* ---- Conflicts and refused changes -------------------------------------- */

typedef struct
{
  gint64      id;
  char       *entity;
  char       *row_id;
  GStrv       fields;      /* the fields both sides changed */
  JsonObject *mine;        /* every field my change set, with my values */
  JsonObject *theirs;      /* the server's row, or NULL */
  gint64      server_rev;
  char       *reason;      /* when the server's row could not be stored here, else NULL */
  char       *detected_at;
} SpConflict;

void         sp_conflict_free              (SpConflict    *conflict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpConflict, sp_conflict_free)

typedef struct
{
  gint64      id;
  char       *op_id;
  char       *entity;
  char       *row_id;
  char       *op;
  JsonObject *changed;
  char       *reason;
  char       *rejected_at;
} SpRejectedChange;

void         sp_rejected_change_free       (SpRejectedChange *change);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpRejectedChange, sp_rejected_change_free)

GPtrArray   *sp_sync_store_list_conflicts  (SpStore       *store,
                                            GError       **error);
SpConflict  *sp_sync_store_get_conflict    (SpStore       *store,
                                            gint64         id,
                                            GError       **error);
gint64       sp_sync_store_count_conflicts (SpStore       *store);
gboolean     sp_sync_store_keep_mine       (SpStore       *store,
                                            gint64         conflict_id,
                                            GError       **error);
gboolean     sp_sync_store_keep_theirs     (SpStore       *store,
                                            gint64         conflict_id,
                                            GError       **error);
gboolean     sp_sync_store_resolve_edit    (SpStore       *store,
                                            gint64         conflict_id,
                                            gpointer       merged_record,
                                            GError       **error);

GPtrArray   *sp_sync_store_list_rejected   (SpStore       *store,
                                            GError       **error);
gint64       sp_sync_store_count_rejected  (SpStore       *store);
gboolean     sp_sync_store_dismiss_rejected (SpStore      *store,
                                            gint64         id,
                                            GError       **error);
gboolean     sp_sync_store_retry_rejected  (SpStore       *store,
                                            gint64         id,
                                            GError       **error);

G_END_DECLS
