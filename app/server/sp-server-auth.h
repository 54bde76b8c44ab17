/* sp-server-auth.h — passwords, tokens and names, backend-independent
 *
 * Passwords are argon2id (libsodium crypto_pwhash_str, interactive limits);
 * session tokens are 256 random bits, base64url, and are kept only as their
 * SHA-256 digest. Hashing is slow on purpose: call these from a worker
 * thread, never from the main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SP_SERVER_PASSWORD_MIN 8
#define SP_SERVER_PASSWORD_MAX 1024

gboolean  sp_server_auth_init            (GError      **error);

char     *sp_server_password_hash        (const char   *password,
                                          GError      **error);
gboolean  sp_server_password_verify      (const char   *hash,
                                          const char   *password);
gboolean  sp_server_password_check       (const char   *password,
                                          GError      **error);

char     *sp_server_token_new            (void);
char     *sp_server_token_digest         (const char   *token);

gboolean  sp_server_username_is_valid    (const char   *username);

guint     sp_server_login_delay_ms       (guint         failures,
                                          guint         base_ms);

G_END_DECLS
