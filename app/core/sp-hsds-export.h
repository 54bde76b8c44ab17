/* sp-hsds-export.h — publish the catalogue as Open Referral (HSDS 3.0) data
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

typedef enum
{
  SP_HSDS_FORMAT_JSON,  /* one service_list page, every service nested */
  SP_HSDS_FORMAT_CSV,   /* the tabular data package: a folder of CSV files */
} SpHsdsFormat;

typedef enum
{
  SP_HSDS_EXPORT_DEFAULT            = 0,
  SP_HSDS_EXPORT_INCLUDE_UNREVIEWED = 1 << 0,  /* also entries an admin has not classified yet */
} SpHsdsExportFlags;

gboolean  sp_hsds_format_from_string  (const char         *name,
                                       SpHsdsFormat       *format);
JsonNode *sp_hsds_export_service_list (SpStore            *store,
                                       SpHsdsExportFlags   flags,
                                       GError            **error);
gboolean  sp_hsds_export              (SpStore            *store,
                                       SpHsdsFormat        format,
                                       const char         *path,
                                       SpHsdsExportFlags   flags,
                                       guint              *n_services,
                                       GError            **error);

G_END_DECLS
