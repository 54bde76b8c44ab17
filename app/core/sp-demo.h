/* sp-demo.h — the demo catalogue and caseload of Hollinsford
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

gboolean sp_store_load_catalogue (SpStore     *store,
                                  JsonNode    *root,
                                  GError     **error);
gboolean sp_store_seed_demo      (SpStore     *store,
                                  GError     **error);

G_END_DECLS
