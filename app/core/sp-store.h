/* sp-store.h — the local SQLite store of one desk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "sp-entity.h"

G_BEGIN_DECLS

/* Schema version kept in PRAGMA user_version. */
#define SP_SCHEMA_VERSION 3

typedef enum
{
  SP_ROLE_LINK_WORKER = 1 << 0,
  SP_ROLE_GP          = 1 << 1,
  SP_ROLE_ADMIN       = 1 << 2,
} SpRoles;

#define SP_TYPE_STORE (sp_store_get_type ())
G_DECLARE_FINAL_TYPE (SpStore, sp_store, SP, STORE, GObject)

char        *sp_store_default_path  (void);
SpStore     *sp_store_open          (const char          *path,
                                     GError             **error);
const char  *sp_store_get_path      (SpStore             *self);
void         sp_store_set_busy_timeout (SpStore          *self,
                                     guint                milliseconds);

void         sp_store_set_actor     (SpStore             *self,
                                     const char          *user,
                                     SpRoles              roles,
                                     const char * const  *practices);
const char  *sp_store_get_user      (SpStore             *self);
SpRoles      sp_store_get_roles     (SpStore             *self);
const char  *sp_store_get_practice  (SpStore             *self);
const char * const *sp_store_get_practices (SpStore      *self);
const char  *sp_store_get_role_name (SpStore             *self);
gboolean     sp_store_check_role    (SpStore             *self,
                                     SpRoles              role,
                                     GError             **error);

void         sp_store_set_clock     (SpStore             *self,
                                     const char          *utc_time);
char        *sp_store_now           (SpStore             *self);
char        *sp_store_today         (SpStore             *self);

gboolean     sp_store_set_local_practice (SpStore        *self,
                                     const char          *ods,
                                     const char          *name,
                                     GError             **error);
char        *sp_store_get_practice_name (SpStore         *self,
                                     const char          *ods);
gboolean     sp_store_is_empty      (SpStore             *self);

gboolean     sp_store_check_write   (SpStore             *self,
                                     const SpEntityInfo  *info,
                                     gconstpointer        record,
                                     GError             **error);

gboolean     sp_store_begin         (SpStore             *self,
                                     GError             **error);
gboolean     sp_store_commit        (SpStore             *self,
                                     GError             **error);
void         sp_store_rollback      (SpStore             *self);

gpointer     sp_store_load          (SpStore             *self,
                                     const SpEntityInfo  *info,
                                     const char          *id,
                                     GError             **error);
GPtrArray   *sp_store_list          (SpStore             *self,
                                     const SpEntityInfo  *info,
                                     const char          *clause,
                                     const char          *param,
                                     GError             **error);
gboolean     sp_store_save          (SpStore             *self,
                                     const SpEntityInfo  *info,
                                     gpointer             record,
                                     GError             **error);
gboolean     sp_store_remove        (SpStore             *self,
                                     const SpEntityInfo  *info,
                                     const char          *id,
                                     GError             **error);
gboolean     sp_store_audit         (SpStore             *self,
                                     const char          *entity,
                                     const char          *entity_id,
                                     const char          *practice,
                                     const char          *action,
                                     GError             **error);

char        *sp_store_get_meta      (SpStore             *self,
                                     const char          *key);
gboolean     sp_store_set_meta      (SpStore             *self,
                                     const char          *key,
                                     const char          *value,
                                     GError             **error);
gint64       sp_store_count         (SpStore             *self,
                                     const SpEntityInfo  *info,
                                     const char          *clause,
                                     const char          *param);
gint64       sp_store_outbox_count  (SpStore             *self);

G_END_DECLS
