/* sp-server-backend.c — the policy every store shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-validate.h"
#include "sp-server-auth.h"
#include "sp-server-backend.h"
#include "sp-server-error.h"

G_DEFINE_INTERFACE (SpServerBackend, sp_server_backend, G_TYPE_OBJECT)

static void
sp_server_backend_default_init (SpServerBackendInterface *iface)
{
}

#define IFACE(self) SP_SERVER_BACKEND_GET_IFACE (self)

void
sp_server_login_state_clear (SpServerLoginState *state)
{
  g_clear_pointer (&state->password_hash, g_free);
}

void
sp_server_session_free (SpServerSession *session)
{
  if (session == NULL)
    return;
  if (session->token != NULL)
    memset (session->token, 0, strlen (session->token));
  g_free (session->token);
  g_free (session->expires_at);
  sp_server_user_free (session->user);
  g_free (session);
}

char *
sp_server_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- Signing in ---------------------------------------------------------- */

/* One sign-in at a time per user name in this process: a burst of
 * parallel guesses is checked one after another, so each failure is
 * counted before the next guess is tried. */
static GMutex      inflight_lock;
static GCond       inflight_cond;
static GHashTable *inflight;

static void
claim_username (const char *username)
{
  g_mutex_lock (&inflight_lock);
  if (inflight == NULL)
    inflight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while (g_hash_table_contains (inflight, username))
    g_cond_wait (&inflight_cond, &inflight_lock);
  g_hash_table_add (inflight, g_strdup (username));
  g_mutex_unlock (&inflight_lock);
}

static void
release_username (const char *username)
{
  g_mutex_lock (&inflight_lock);
  g_hash_table_remove (inflight, username);
  g_cond_broadcast (&inflight_cond);
  g_mutex_unlock (&inflight_lock);
}

static void
set_locked_out (GError **error,
                guint    retry_after)
{
  guint minutes = MAX (1, (retry_after + 59) / 60);

  g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_LOCKED_OUT,
               ngettext ("Too many wrong passwords: this account is locked. Try again in %u minute.",
                         "Too many wrong passwords: this account is locked. Try again in %u minutes.",
                         minutes),
               minutes);
}

static void
set_bad_credentials (GError **error)
{
  g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_BAD_CREDENTIALS,
                       _("The user name or password is not right."));
}

static SpServerSession *
login_claimed (SpServerBackend            *self,
               const char                 *username,
               const char                 *password,
               const SpServerLoginPolicy  *policy,
               guint                      *retry_after,
               guint                      *delay_ms,
               GError                    **error)
{
  g_auto(SpServerLoginState) state = { 0 };
  g_autoptr(SpServerSession) session = NULL;
  g_autofree char *digest = NULL;
  gint64 now = now_seconds ();
  gint64 expires_at;

  if (!IFACE (self)->get_login_state (self, username, &state, error))
    return NULL;

  if (state.locked_until > now)
    {
      *retry_after = (guint) (state.locked_until - now);
      set_locked_out (error, *retry_after);
      return NULL;
    }

  if (!sp_server_password_verify (state.password_hash, password))
    {
      /* Unknown names are counted too, so a lockout reveals nothing about
       * which names exist. */
      guint failures = 1;
      gint64 locked_until = 0;

      if (state.last_failure > 0 && now - state.last_failure < policy->lock_seconds)
        failures = state.failures + 1;
      if (failures >= policy->lock_after)
        locked_until = now + policy->lock_seconds;
      if (!IFACE (self)->set_login_state (self, username, failures, now, locked_until, error))
        return NULL;

      *delay_ms = sp_server_login_delay_ms (failures, policy->delay_base_ms);
      if (locked_until > 0)
        {
          *retry_after = policy->lock_seconds;
          set_locked_out (error, *retry_after);
        }
      else
        set_bad_credentials (error);
      return NULL;
    }

  if (state.disabled)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FORBIDDEN,
                           _("This account has been turned off. Ask your Signpost administrator."));
      return NULL;
    }

  if ((state.failures > 0 || state.locked_until > 0) &&
      !IFACE (self)->set_login_state (self, username, 0, 0, 0, error))
    return NULL;

  session = g_new0 (SpServerSession, 1);
  session->token = sp_server_token_new ();
  digest = sp_server_token_digest (session->token);
  expires_at = now + policy->session_seconds;
  session->expires_at = sp_server_format_time (expires_at);
  session->user = IFACE (self)->create_session (self, username, digest, expires_at, error);
  if (session->user == NULL)
    return NULL;
  return g_steal_pointer (&session);
}

/* Checks a password (argon2id, slow on purpose) and opens a session.
 * Failures: BAD_CREDENTIALS (with *@delay_ms, how long the answer should be
 * held back), LOCKED_OUT (with *@retry_after seconds), FORBIDDEN for a
 * disabled account (said only to someone who knows its password). */
SpServerSession *
sp_server_backend_login (SpServerBackend            *self,
                         const char                 *username,
                         const char                 *password,
                         const SpServerLoginPolicy  *policy,
                         guint                      *retry_after,
                         guint                      *delay_ms,
                         GError                    **error)
{
  SpServerSession *session;

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);
  g_return_val_if_fail (policy != NULL && retry_after != NULL && delay_ms != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  *retry_after = 0;
  *delay_ms = 0;

  if (!sp_server_username_is_valid (username) || password == NULL)
    {
      /* No such user can exist; answer in the same time as for one that does. */
      sp_server_password_verify (NULL, password != NULL ? password : "");
      set_bad_credentials (error);
      return NULL;
    }

  claim_username (username);
  session = login_claimed (self, username, password, policy, retry_after, delay_ms, error);
  release_username (username);
  return session;
}

/* The user a bearer token belongs to; UNAUTHENTICATED when the token is
 * missing, malformed, unknown, expired or its user is disabled. */
SpServerUser *
sp_server_backend_authenticate (SpServerBackend  *self,
                                const char       *token,
                                GError          **error)
{
  g_autofree char *digest = NULL;
  g_autoptr(GError) local_error = NULL;
  SpServerUser *user;

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);

  digest = sp_server_token_digest (token);
  if (digest != NULL)
    {
      user = IFACE (self)->find_session (self, digest, now_seconds (), &local_error);
      if (user != NULL)
        return user;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_UNAUTHENTICATED,
                       _("Please sign in again: the session has ended or is not known."));
  return NULL;
}

gboolean
sp_server_backend_logout (SpServerBackend  *self,
                          const char       *token,
                          GError          **error)
{
  g_autofree char *digest = sp_server_token_digest (token);

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), FALSE);

  if (digest == NULL)
    return TRUE;
  return IFACE (self)->delete_session (self, digest, error);
}

GStrv
sp_server_backend_get_grants (SpServerBackend  *self,
                              const char       *username,
                              GError          **error)
{
  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);

  return IFACE (self)->get_grants (self, username, error);
}

/* ---- Sync ---------------------------------------------------------------- */

SpServerChange *
sp_server_change_new (gint64  seq,
                      char   *text)
{
  SpServerChange *change = g_new (SpServerChange, 1);

  change->seq = seq;
  change->text = text;
  return change;
}

void
sp_server_change_free (SpServerChange *change)
{
  if (change == NULL)
    return;
  g_free (change->text);
  g_free (change);
}

/* One page of changes: {"changes": [...], "last_seq": N, "more": bool,
 * "server_id": "...", "max_seq": M}. The cursor (last_seq) is the seq of
 * the last change on the page, so it never runs ahead of the data the
 * client has been given. server_id and max_seq (the highest seq this
 * store has handed out, to anyone) let a desk see that the store was
 * replaced or restored from a backup behind its cursor.
 *
 * Returned as text. The entries are the texts json-glib wrote when their
 * rows were stored, and the rest of the page is written by json-glib here;
 * only the array holding the entries is put together around them. Reading
 * an entry back into a tree only to write it out again was most of the
 * server's work for a desk's first sync. */
char *
sp_server_backend_changes (SpServerBackend     *self,
                           const SpServerUser  *user,
                           gint64               since,
                           guint                limit,
                           GError             **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonObject) tail = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *tail_text = NULL;
  GString *page;
  gsize size = 0;
  gint64 last_seq = since;
  gint64 max_seq = 0;
  gboolean more;

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);
  g_return_val_if_fail (user != NULL, NULL);

  limit = CLAMP (limit, 1, SP_SERVER_CHANGES_MAX_LIMIT);
  rows = IFACE (self)->changes_since (self, user, MAX (since, 0), limit + 1, &max_seq, error);
  if (rows == NULL)
    return NULL;

  more = rows->len > limit;
  if (more)
    g_ptr_array_set_size (rows, limit);
  if (rows->len > 0)
    last_seq = ((SpServerChange *) g_ptr_array_index (rows, rows->len - 1))->seq;

  json_object_set_int_member (tail, "last_seq", last_seq);
  json_object_set_boolean_member (tail, "more", more);
  json_object_set_string_member (tail, "server_id", IFACE (self)->get_server_id (self));
  json_object_set_int_member (tail, "max_seq", max_seq);
  node = json_node_init_object (json_node_alloc (), tail);
  tail_text = json_to_string (node, FALSE);
  g_assert (tail_text[0] == '{');

  for (guint i = 0; i < rows->len; i++)
    size += strlen (((SpServerChange *) g_ptr_array_index (rows, i))->text) + 1;
  page = g_string_sized_new (size + strlen (tail_text) + 16);
  g_string_append (page, "{\"changes\":[");
  for (guint i = 0; i < rows->len; i++)
    {
      if (i > 0)
        g_string_append_c (page, ',');
      g_string_append (page, ((SpServerChange *) g_ptr_array_index (rows, i))->text);
    }
  g_string_append (page, "],");
  g_string_append (page, tail_text + 1);
  return g_string_free (page, FALSE);
}

char *
sp_server_backend_apply_batch (SpServerBackend     *self,
                               const SpServerUser  *user,
                               const char          *batch_id,
                               SpServerBatch       *batch,
                               GError             **error)
{
  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);
  g_return_val_if_fail (user != NULL && batch != NULL, NULL);

  /* A GP reads; what a GP's desk sends is the audit trail of that reading
   * (audit events, created, never changed). Anything else refuses the
   * whole batch, before any of it is applied or its id recorded. */
  if (user->role == SP_SERVER_ROLE_GP && !sp_server_batch_is_audit_only (batch))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FORBIDDEN,
                           _("A GP account can look records up but cannot change them."));
      return NULL;
    }
  if (!sp_server_batch_id_is_valid (batch_id))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("The batch id must be 1 to 64 letters, digits, '-' or '_'."));
      return NULL;
    }
  return IFACE (self)->apply_batch (self, user, batch_id, batch, error);
}

gboolean
sp_server_backend_health (SpServerBackend  *self,
                          GError          **error)
{
  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), FALSE);

  return IFACE (self)->health (self, error);
}

/* The store's identity: a UUID made with it, kept for its life, and so
 * carried by a backup of it. */
const char *
sp_server_backend_get_server_id (SpServerBackend *self)
{
  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);

  return IFACE (self)->get_server_id (self);
}

/* ---- Administration ------------------------------------------------------ */

/* A new id for the store, so that every desk pulls everything again: for a
 * store restored from a backup, whose seqs may be handed out a second time
 * (see docs/sync-protocol.md). */
char *
sp_server_backend_renew_server_id (SpServerBackend  *self,
                                   GError          **error)
{
  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);

  return IFACE (self)->renew_server_id (self, error);
}

gboolean
sp_server_backend_add_practice (SpServerBackend  *self,
                                const char       *ods,
                                const char       *name,
                                GError          **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (name != NULL ? name : ""));

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), FALSE);

  if (!sp_ods_code_is_valid (ods))
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("“%s” is not an ODS practice code (like A81001)."), ods != NULL ? ods : "");
      return FALSE;
    }
  if (*trimmed == '\0' || !g_utf8_validate (trimmed, -1, NULL))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("The practice needs a name."));
      return FALSE;
    }
  return IFACE (self)->add_practice (self, ods, trimmed, error);
}

static gboolean
check_username (const char  *username,
                GError     **error)
{
  if (!sp_server_username_is_valid (username))
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("“%s” cannot be a user name: use up to 64 lower-case letters, digits, '.', '_' or '-', "
                     "starting with a letter or digit."), username != NULL ? username : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
sp_server_backend_add_user (SpServerBackend     *self,
                            const char          *username,
                            const char          *display_name,
                            SpServerRole         role,
                            const char * const  *practices,
                            const char          *password,
                            GError             **error)
{
  g_autoptr(SpServerUser) user = NULL;
  g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *hash = NULL;

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), FALSE);

  if (!check_username (username, error))
    return FALSE;
  if (display_name != NULL && !g_utf8_validate (display_name, -1, NULL))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("The display name must be text."));
      return FALSE;
    }
  for (guint i = 0; practices != NULL && practices[i] != NULL; i++)
    {
      if (!sp_ods_code_is_valid (practices[i]))
        {
          g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                       _("“%s” is not an ODS practice code (like A81001)."), practices[i]);
          return FALSE;
        }
      if (!g_ptr_array_find_with_equal_func (codes, practices[i], g_str_equal, NULL))
        g_ptr_array_add (codes, g_strdup (practices[i]));
    }
  if (role == SP_SERVER_ROLE_LINK_WORKER && codes->len == 0)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("A link worker needs at least one practice (--practice ODS)."));
      return FALSE;
    }
  g_ptr_array_sort (codes, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (codes, NULL);

  hash = sp_server_password_hash (password, error);
  if (hash == NULL)
    return FALSE;

  user = sp_server_user_new (username, display_name, role,
                             (GStrv) g_ptr_array_steal (codes, NULL));
  return IFACE (self)->add_user (self, user, hash, error);
}

gboolean
sp_server_backend_set_password (SpServerBackend  *self,
                                const char       *username,
                                const char       *password,
                                GError          **error)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), FALSE);

  if (!check_username (username, error))
    return FALSE;
  hash = sp_server_password_hash (password, error);
  if (hash == NULL)
    return FALSE;
  return IFACE (self)->set_password (self, username, hash, error);
}

gboolean
sp_server_backend_disable_user (SpServerBackend  *self,
                                const char       *username,
                                GError          **error)
{
  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), FALSE);

  if (!check_username (username, error))
    return FALSE;
  return IFACE (self)->disable_user (self, username, error);
}

GPtrArray *
sp_server_backend_list_users (SpServerBackend  *self,
                              GError          **error)
{
  g_return_val_if_fail (SP_IS_SERVER_BACKEND (self), NULL);

  return IFACE (self)->list_users (self, error);
}
