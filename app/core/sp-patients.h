/* sp-patients.h — patients, their conditions and their measures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

gboolean    sp_patient_validate           (SpPatient    *patient,
                                           GError      **error);
char       *sp_patient_display_name       (const SpPatient *patient);
gint        sp_patient_age                (const SpPatient *patient,
                                           const char   *on_date);

gboolean    sp_store_add_patient          (SpStore      *store,
                                           SpPatient    *patient,
                                           GError      **error);
gboolean    sp_store_update_patient       (SpStore      *store,
                                           SpPatient    *patient,
                                           GError      **error);
SpPatient  *sp_store_get_patient          (SpStore      *store,
                                           const char   *id,
                                           GError      **error);
SpPatient  *sp_store_find_patient         (SpStore      *store,
                                           const char   *id_or_nhs_number,
                                           GError      **error);
GPtrArray  *sp_store_search_patients      (SpStore      *store,
                                           const char   *text,
                                           guint         limit,
                                           GError      **error);

gboolean    sp_condition_validate         (SpCondition  *condition,
                                           GError      **error);
gboolean    sp_store_add_condition        (SpStore      *store,
                                           SpCondition  *condition,
                                           GError      **error);
GPtrArray  *sp_store_list_conditions      (SpStore      *store,
                                           const char   *patient_id,
                                           GError      **error);
gboolean    sp_conditions_are_comorbid    (GPtrArray    *conditions);
gboolean    sp_store_patient_is_comorbid  (SpStore      *store,
                                           const char   *patient_id);

gboolean    sp_store_add_assessment       (SpStore      *store,
                                           SpAssessment *assessment,
                                           GError      **error);
GPtrArray  *sp_store_list_assessments     (SpStore      *store,
                                           const char   *patient_id,
                                           GError      **error);
gboolean    sp_assessment_answers         (const SpAssessment *assessment,
                                           gint         *answers,
                                           guint        *n_answers);

G_END_DECLS
