/* sp-server-backend.h — the one interface between HTTP and the server's store
 *
 * The HTTP layer (sp-server.c) and the admin commands talk only to the
 * public sp_server_backend_*() functions below; a store implements the
 * vfuncs. The policy every store shares — argon2id, lockout, token digests,
 * paging, the merge rules of sp-server-batch.c — lives in the public
 * functions, so a new store (PostgreSQL beside SpServerSqlite) implements
 * storage only.
 *
 * Every function may block (disk, network, argon2): call them from a worker
 * thread (GTask), never from the main loop. Implementations must be safe to
 * call from several threads at once.
 *
 * The change sequence. Each write gives its row a new `seq`, global and
 * strictly increasing, and a reader paging by `since` must never skip a row
 * whose seq is below one it has already seen. So seq must be assigned in
 * commit order: SpServerSqlite assigns it inside its BEGIN IMMEDIATE
 * transaction, and SQLite runs one writer at a time, so seq N+1 cannot
 * commit before seq N. A PostgreSQL backend, where writers run concurrently
 * and a sequence hands out numbers before commit, must either take a lock
 * for the assignment (e.g. pg_advisory_xact_lock, or a counter row updated
 * with SELECT … FOR UPDATE) so numbers are handed out in commit order, or
 * answer changes only up to the lowest seq of a transaction still in flight
 * (xid/snapshot tracking), so a late commit is never passed by a cursor.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "sp-server-batch.h"
#include "sp-server-user.h"

G_BEGIN_DECLS

#define SP_TYPE_SERVER_BACKEND (sp_server_backend_get_type ())
G_DECLARE_INTERFACE (SpServerBackend, sp_server_backend, SP, SERVER_BACKEND, GObject)

#define SP_SERVER_CHANGES_MAX_LIMIT     1000
#define SP_SERVER_CHANGES_DEFAULT_LIMIT 500

/* What a store remembers about signing in as one user name. */
typedef struct
{
  char     *password_hash;  /* NULL: no such user */
  gboolean  disabled;
  guint     failures;       /* failed sign-ins since the last success */
  gint64    last_failure;   /* Unix seconds, 0 = none */
  gint64    locked_until;   /* Unix seconds, 0 = not locked */
} SpServerLoginState;

/* How signing in is guarded. */
typedef struct
{
  guint lock_after;       /* failures in a row that lock the account */
  guint lock_seconds;     /* for how long; also the window failures count in */
  guint delay_base_ms;    /* the second failure waits this, then doubling */
  guint session_seconds;  /* how long a token lives */
} SpServerLoginPolicy;

/* One entry of the change log, ready to send: an entry never changes
 * once written (a row written again gets a new seq and a new entry). */
typedef struct
{
  gint64  seq;
  char   *text;  /* {"entity", "id", "rev", "seq", "deleted", "data"} */
} SpServerChange;

SpServerChange *sp_server_change_new  (gint64          seq,
                                       char           *text);
void            sp_server_change_free (SpServerChange *change);

#define SP_SERVER_LOGIN_POLICY_DEFAULT { 10, 15 * 60, 250, 12 * 60 * 60 }

typedef struct
{
  char         *token;       /* the only time the server holds it in clear */
  char         *expires_at;
  SpServerUser *user;
} SpServerSession;

struct _SpServerBackendInterface
{
  GTypeInterface parent_iface;

  /* Sessions. Tokens reach a store only as their SHA-256 digest. */
  gboolean      (*get_login_state) (SpServerBackend     *self,
                                    const char          *username,
                                    SpServerLoginState  *state,
                                    GError             **error);
  gboolean      (*set_login_state) (SpServerBackend     *self,
                                    const char          *username,
                                    guint                failures,
                                    gint64               last_failure,
                                    gint64               locked_until,
                                    GError             **error);
  SpServerUser *(*create_session)  (SpServerBackend     *self,
                                    const char          *username,
                                    const char          *token_digest,
                                    gint64               expires_at,
                                    GError             **error);
  SpServerUser *(*find_session)    (SpServerBackend     *self,
                                    const char          *token_digest,
                                    gint64               now,
                                    GError             **error);
  gboolean      (*delete_session)  (SpServerBackend     *self,
                                    const char          *token_digest,
                                    GError             **error);

  /* Tenancy: the practices @username is granted, sorted. */
  GStrv         (*get_grants)      (SpServerBackend     *self,
                                    const char          *username,
                                    GError             **error);

  /* Sync. changes_since returns up to @limit change entries
   * (SpServerChange: the seq and the JSON text of {entity, id, rev, seq,
   * deleted, data}, as written when the row was stored) after @since, in
   * seq order:
   * the catalogue and the rows of @user's granted practices only; and in
   * *@max_seq the highest seq handed out so far (to any row), read in the
   * same snapshot. apply_batch applies the ops in order, each decided by
   * sp_server_decide(), and stores the answer with them in one
   * transaction; a batch id seen before is answered from that record,
   * applying nothing. A write that a unique key refuses (a patient's NHS
   * number in a practice) is that op's `rejected` result with code
   * `duplicate` (sp_server_result_duplicate()), never a failed batch. It
   * returns the answer's JSON text. */
  GPtrArray    *(*changes_since)   (SpServerBackend     *self,
                                    const SpServerUser  *user,
                                    gint64               since,
                                    guint                limit,
                                    gint64              *max_seq,
                                    GError             **error);
  char         *(*apply_batch)     (SpServerBackend     *self,
                                    const SpServerUser  *user,
                                    const char          *batch_id,
                                    SpServerBatch       *batch,
                                    GError             **error);
  gboolean      (*health)          (SpServerBackend     *self,
                                    GError             **error);
  /* A random UUID made when the store was created, the same for its life
   * (and in any backup of it): a new one tells desks it is another store.
   * renew_server_id stores a new one, for after a restore from a backup,
   * and returns it; a server already running goes on saying the old one
   * until it is started again. */
  const char   *(*get_server_id)   (SpServerBackend     *self);
  char         *(*renew_server_id) (SpServerBackend     *self,
                                    GError             **error);

  /* Administration. Changing a password or disabling a user ends all of
   * that user's sessions. */
  gboolean      (*add_practice)    (SpServerBackend     *self,
                                    const char          *ods,
                                    const char          *name,
                                    GError             **error);
  gboolean      (*add_user)        (SpServerBackend     *self,
                                    const SpServerUser  *user,
                                    const char          *password_hash,
                                    GError             **error);
  gboolean      (*set_password)    (SpServerBackend     *self,
                                    const char          *username,
                                    const char          *password_hash,
                                    GError             **error);
  gboolean      (*disable_user)    (SpServerBackend     *self,
                                    const char          *username,
                                    GError             **error);
  GPtrArray    *(*list_users)      (SpServerBackend     *self,
                                    GError             **error);
};

SpServerSession *sp_server_backend_login        (SpServerBackend            *self,
                                                 const char                 *username,
                                                 const char                 *password,
                                                 const SpServerLoginPolicy  *policy,
                                                 guint                      *retry_after,
                                                 guint                      *delay_ms,
                                                 GError                    **error);
SpServerUser    *sp_server_backend_authenticate (SpServerBackend            *self,
                                                 const char                 *token,
                                                 GError                    **error);
gboolean         sp_server_backend_logout       (SpServerBackend            *self,
                                                 const char                 *token,
                                                 GError                    **error);
GStrv            sp_server_backend_get_grants   (SpServerBackend            *self,
                                                 const char                 *username,
                                                 GError                    **error);
char            *sp_server_backend_changes      (SpServerBackend            *self,
                                                 const SpServerUser         *user,
                                                 gint64                      since,
                                                 guint                       limit,
                                                 GError                    **error);
char            *sp_server_backend_apply_batch  (SpServerBackend            *self,
                                                 const SpServerUser         *user,
                                                 const char                 *batch_id,
                                                 SpServerBatch              *batch,
                                                 GError                    **error);
gboolean         sp_server_backend_health       (SpServerBackend            *self,
                                                 GError                    **error);
const char      *sp_server_backend_get_server_id   (SpServerBackend          *self);
char            *sp_server_backend_renew_server_id (SpServerBackend          *self,
                                                    GError                  **error);

gboolean         sp_server_backend_add_practice (SpServerBackend            *self,
                                                 const char                 *ods,
                                                 const char                 *name,
                                                 GError                    **error);
gboolean         sp_server_backend_add_user     (SpServerBackend            *self,
                                                 const char                 *username,
                                                 const char                 *display_name,
                                                 SpServerRole                role,
                                                 const char * const         *practices,
                                                 const char                 *password,
                                                 GError                    **error);
gboolean         sp_server_backend_set_password (SpServerBackend            *self,
                                                 const char                 *username,
                                                 const char                 *password,
                                                 GError                    **error);
gboolean         sp_server_backend_disable_user (SpServerBackend            *self,
                                                 const char                 *username,
                                                 GError                    **error);
GPtrArray       *sp_server_backend_list_users   (SpServerBackend            *self,
                                                 GError                    **error);

void             sp_server_login_state_clear    (SpServerLoginState         *state);
void             sp_server_session_free         (SpServerSession            *session);
char            *sp_server_format_time          (gint64                      unix_seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerSession, sp_server_session_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpServerLoginState, sp_server_login_state_clear)

G_END_DECLS
