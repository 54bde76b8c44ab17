/* sp-server-user.c — who is asking
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-server"

#include "config.h"

#include <string.h>

#include "sp-server-user.h"

SpServerUser *
sp_server_user_new (const char   *username,
                    const char   *display_name,
                    SpServerRole  role,
                    GStrv         practices)
{
  SpServerUser *user = g_new0 (SpServerUser, 1);

  user->username = g_strdup (username);
  user->display_name = g_strdup (display_name != NULL ? display_name : username);
  user->role = role;
  user->practices = practices != NULL ? practices : g_new0 (char *, 1);
  return user;
}

SpServerUser *
sp_server_user_copy (const SpServerUser *user)
{
  SpServerUser *copy;

  if (user == NULL)
    return NULL;
  copy = sp_server_user_new (user->username, user->display_name, user->role,
                             g_strdupv (user->practices));
  copy->disabled = user->disabled;
  return copy;
}

void
sp_server_user_free (SpServerUser *user)
{
  if (user == NULL)
    return;
  g_free (user->username);
  g_free (user->display_name);
  g_strfreev (user->practices);
  g_free (user);
}

gboolean
sp_server_user_has_practice (const SpServerUser *user,
                             const char         *practice)
{
  return user != NULL && practice != NULL &&
         g_strv_contains ((const char * const *) user->practices, practice);
}

/* The "user" member of the session answer. */
JsonObject *
sp_server_user_to_json (const SpServerUser *user)
{
  JsonObject *object = json_object_new ();
  JsonArray *practices = json_array_new ();

  json_object_set_string_member (object, "username", user->username);
  json_object_set_string_member (object, "display_name", user->display_name);
  json_object_set_string_member (object, "role", sp_server_role_to_string (user->role));
  for (guint i = 0; user->practices[i] != NULL; i++)
    json_array_add_string_element (practices, user->practices[i]);
  json_object_set_array_member (object, "practices", practices);
  return object;
}

const char *
sp_server_role_to_string (SpServerRole role)
{
  switch (role)
    {
    case SP_SERVER_ROLE_GP:
      return "gp";
    case SP_SERVER_ROLE_ADMIN:
      return "admin";
    case SP_SERVER_ROLE_LINK_WORKER:
    default:
      return "link_worker";
    }
}

/* Accepts the protocol's "link_worker" and the command line's "link-worker". */
gboolean
sp_server_role_from_string (const char   *text,
                            SpServerRole *role)
{
  if (g_strcmp0 (text, "link_worker") == 0 || g_strcmp0 (text, "link-worker") == 0)
    *role = SP_SERVER_ROLE_LINK_WORKER;
  else if (g_strcmp0 (text, "gp") == 0)
    *role = SP_SERVER_ROLE_GP;
  else if (g_strcmp0 (text, "admin") == 0)
    *role = SP_SERVER_ROLE_ADMIN;
  else
    return FALSE;
  return TRUE;
}
