/* sp-server-auth.c — passwords, tokens and names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <sodium.h>

#include "sp-server-auth.h"
#include "sp-server-error.h"

#define TOKEN_BYTES 32
#define TOKEN_MAX_LENGTH 128
#define USERNAME_MAX_LENGTH 64
#define LOGIN_DELAY_MAX_MS 5000

/* Each verification takes MEMLIMIT_INTERACTIVE (64 MiB): a burst of logins
 * must queue, not take all the memory. */
#define MAX_CONCURRENT_HASHES 4

static GMutex hash_lock;
static GCond  hash_cond;
static guint  hashes_running;

gboolean
sp_server_auth_init (GError **error)
{
  static gsize initialized = 0;
  static gboolean ok = FALSE;

  if (g_once_init_enter (&initialized))
    {
      ok = sodium_init () >= 0;
      g_once_init_leave (&initialized, 1);
    }
  if (!ok)
    g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                         _("The cryptography library could not be started."));
  return ok;
}

static void
hash_slot_acquire (void)
{
  g_mutex_lock (&hash_lock);
  while (hashes_running >= MAX_CONCURRENT_HASHES)
    g_cond_wait (&hash_cond, &hash_lock);
  hashes_running++;
  g_mutex_unlock (&hash_lock);
}

static void
hash_slot_release (void)
{
  g_mutex_lock (&hash_lock);
  hashes_running--;
  g_cond_signal (&hash_cond);
  g_mutex_unlock (&hash_lock);
}

gboolean
sp_server_password_check (const char  *password,
                          GError     **error)
{
  glong length;

  if (password == NULL || !g_utf8_validate (password, -1, NULL))
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                           _("The password must be text."));
      return FALSE;
    }
  length = g_utf8_strlen (password, -1);
  if (length < SP_SERVER_PASSWORD_MIN)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("The password is too short: use at least %d characters."),
                   SP_SERVER_PASSWORD_MIN);
      return FALSE;
    }
  if (strlen (password) > SP_SERVER_PASSWORD_MAX)
    {
      g_set_error (error, SP_SERVER_ERROR, SP_SERVER_ERROR_INVALID,
                   _("The password is too long: use at most %d characters."),
                   SP_SERVER_PASSWORD_MAX);
      return FALSE;
    }
  return TRUE;
}

char *
sp_server_password_hash (const char  *password,
                         GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];
  int rc;

  if (!sp_server_auth_init (error) || !sp_server_password_check (password, error))
    return NULL;

  hash_slot_acquire ();
  rc = crypto_pwhash_str (hash, password, strlen (password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE);
  hash_slot_release ();
  if (rc != 0)
    {
      g_set_error_literal (error, SP_SERVER_ERROR, SP_SERVER_ERROR_FAILED,
                           _("The password could not be hashed: the server is out of memory."));
      return NULL;
    }
  return g_strdup (hash);
}

/* A hash of nothing anyone knows, verified against when the user does not
 * exist, so an unknown name takes as long to refuse as a wrong password. */
static const char *
decoy_hash (void)
{
  static gsize initialized = 0;
  static char hash[crypto_pwhash_STRBYTES];

  if (g_once_init_enter (&initialized))
    {
      guint8 secret[16];
      char text[2 * sizeof secret + 1];

      randombytes_buf (secret, sizeof secret);
      sodium_bin2hex (text, sizeof text, secret, sizeof secret);
      if (crypto_pwhash_str (hash, text, strlen (text),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        hash[0] = '\0';
      sodium_memzero (text, sizeof text);
      g_once_init_leave (&initialized, 1);
    }
  return hash;
}

/* TRUE only for a real hash and its password; an absent hash (unknown user)
 * costs the same time and answers FALSE. */
gboolean
sp_server_password_verify (const char *hash,
                           const char *password)
{
  const char *against;
  gboolean ok;

  if (!sp_server_auth_init (NULL) || password == NULL)
    return FALSE;

  against = hash != NULL ? hash : decoy_hash ();
  if (strlen (password) > SP_SERVER_PASSWORD_MAX || against[0] == '\0')
    return FALSE;

  hash_slot_acquire ();
  ok = crypto_pwhash_str_verify (against, password, strlen (password)) == 0;
  hash_slot_release ();
  return ok && hash != NULL;
}

/* 256 random bits, base64url without padding: 43 characters. */
char *
sp_server_token_new (void)
{
  guint8 bytes[TOKEN_BYTES];
  char text[sodium_base64_ENCODED_LEN (TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  sp_server_auth_init (NULL);
  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (text, sizeof text, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);
  return g_strdup (text);
}

/* The SHA-256 of a token, in hex: all the server keeps. NULL when the text
 * cannot be a token of ours, so junk never reaches the store. */
char *
sp_server_token_digest (const char *token)
{
  gsize length;

  if (token == NULL)
    return NULL;
  length = strlen (token);
  if (length == 0 || length > TOKEN_MAX_LENGTH)
    return NULL;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return NULL;
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, length);
}

/* Lower-case letters, digits, '.', '_' and '-', starting with a letter or
 * digit: safe in logs, paths and shells. */
gboolean
sp_server_username_is_valid (const char *username)
{
  gsize length;

  if (username == NULL)
    return FALSE;
  length = strlen (username);
  if (length == 0 || length > USERNAME_MAX_LENGTH)
    return FALSE;
  if (!g_ascii_islower (username[0]) && !g_ascii_isdigit (username[0]))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = username[i];
      if (!g_ascii_islower (c) && !g_ascii_isdigit (c) && c != '.' && c != '_' && c != '-')
        return FALSE;
    }
  return TRUE;
}

/* How long to hold the answer to a failed login: nothing for the first
 * slip, then doubling from @base_ms, capped at five seconds. */
guint
sp_server_login_delay_ms (guint failures,
                          guint base_ms)
{
  guint64 delay;

  if (failures <= 1 || base_ms == 0)
    return 0;
  delay = (guint64) base_ms << MIN (failures - 2, 16u);
  return (guint) MIN (delay, (guint64) LOGIN_DELAY_MAX_MS);
}
