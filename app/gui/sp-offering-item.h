/* sp-offering-item.h — one offering of the catalogue, for its list and filters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "sp-entity.h"
#include "sp-types.h"
#include "sp-vocab.h"

G_BEGIN_DECLS

#define SP_TYPE_OFFERING_ITEM (sp_offering_item_get_type ())
G_DECLARE_FINAL_TYPE (SpOfferingItem, sp_offering_item, SP, OFFERING_ITEM, GObject)

SpOfferingItem   *sp_offering_item_new               (SpOffering     *offering,
                                                      const char     *provider_name);
SpOfferingItem   *sp_offering_item_copy              (SpOfferingItem *item);
void              sp_offering_item_assign            (SpOfferingItem *self,
                                                      SpOfferingItem *from);
const SpOffering *sp_offering_item_get_offering      (SpOfferingItem *self);
const char       *sp_offering_item_get_id            (SpOfferingItem *self);
const char       *sp_offering_item_get_provider_name (SpOfferingItem *self);
gint64            sp_offering_item_get_lowest_cost   (SpOfferingItem *self);
gint64            sp_offering_item_get_cost          (SpOfferingItem *self,
                                                      const char     *income_band);
gboolean          sp_offering_item_runs_on           (SpOfferingItem *self,
                                                      const char     *day);
gboolean          sp_offering_item_targets           (SpOfferingItem *self,
                                                      const char     *condition);
gboolean          sp_offering_item_has_words         (SpOfferingItem *self,
                                                      char          **casefolded_words);
char             *sp_offering_item_dup_cost_text     (SpOfferingItem *self);

/* Text about an offering, shared by the catalogue and the match page. */
char *sp_offering_slots_text    (const SpOffering *offering);
char *sp_offering_schedule_text (const SpOffering *offering);
char *sp_offering_place_text    (const SpOffering *offering);
char *sp_offering_fee_text      (const SpOffering *offering);
char *sp_offering_targets_text  (const SpOffering *offering);
char *sp_offering_labels_text   (SpVocab           vocab,
                                 char             **codes);

G_END_DECLS
