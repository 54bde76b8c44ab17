/* sp-server-user.h — who is asking: a user, their role and their practices
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SP_SERVER_ROLE_LINK_WORKER,
  SP_SERVER_ROLE_GP,
  SP_SERVER_ROLE_ADMIN,
} SpServerRole;

typedef struct
{
  char         *username;
  char         *display_name;
  SpServerRole  role;
  GStrv         practices;  /* granted ODS codes, sorted; never NULL */
  gboolean      disabled;
} SpServerUser;

SpServerUser *sp_server_user_new            (const char          *username,
                                             const char          *display_name,
                                             SpServerRole         role,
                                             GStrv                practices);
SpServerUser *sp_server_user_copy           (const SpServerUser  *user);
void          sp_server_user_free           (SpServerUser        *user);
gboolean      sp_server_user_has_practice   (const SpServerUser  *user,
                                             const char          *practice);
JsonObject   *sp_server_user_to_json        (const SpServerUser  *user);

const char   *sp_server_role_to_string      (SpServerRole         role);
gboolean      sp_server_role_from_string    (const char          *text,
                                             SpServerRole        *role);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerUser, sp_server_user_free)

G_END_DECLS
