/* sp-store-private.h — for the core's own modules, the sync client and tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "sp-store.h"

G_BEGIN_DECLS

/* A cached statement, reset and cleared when it goes out of scope. */
typedef sqlite3_stmt SpStmt;

static inline void
sp_stmt_release (SpStmt *stmt)
{
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpStmt, sp_stmt_release)

/* PRAGMA application_id of every Signpost database: "SPNT". */
#define SP_APPLICATION_ID 0x53504E54

sqlite3  *sp_store_get_handle   (SpStore       *self);
SpStmt   *sp_store_prepare      (SpStore       *self,
                                 const char    *sql,
                                 GError       **error);
gboolean  sp_store_step_done    (SpStore       *self,
                                 SpStmt        *stmt,
                                 GError       **error);
gboolean  sp_store_reopen       (SpStore       *self,
                                 GError       **error);
gboolean  sp_store_in_transaction (SpStore     *self);
guint     sp_store_get_busy_timeout (SpStore   *self);
void      sp_store_set_error    (SpStore       *self,
                                 int            rc,
                                 GError       **error);
gpointer  sp_store_record_from_stmt (const SpEntityInfo *info,
                                     SpStmt             *stmt,
                                     int                 first_column);
const char *sp_store_select_sql (const SpEntityInfo *info);
gboolean  sp_store_write_row    (SpStore            *self,
                                 const SpEntityInfo *info,
                                 JsonObject         *row,
                                 GError            **error);
gboolean  sp_store_write_record (SpStore            *self,
                                 const SpEntityInfo *info,
                                 gconstpointer       record,
                                 GError            **error);

G_END_DECLS
