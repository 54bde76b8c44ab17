/* sp-sync-token.h — keeping the sign-in token between runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SP_TOKEN_PLACE_KEYRING,  /* the desktop's keyring (Secret Service, via libsecret) */
  SP_TOKEN_PLACE_FILE,     /* a file only this user can read: say so to the user */
} SpTokenPlace;

gboolean  sp_sync_token_save      (const char    *server_url,
                                   const char    *username,
                                   const char    *token,
                                   SpTokenPlace  *place,
                                   GError       **error);
char     *sp_sync_token_load      (const char    *server_url,
                                   const char    *username,
                                   GError       **error);
gboolean  sp_sync_token_clear     (const char    *server_url,
                                   const char    *username,
                                   GError       **error);
char     *sp_sync_token_file_path (void);
gboolean  sp_sync_keyring_available (void);

G_END_DECLS
