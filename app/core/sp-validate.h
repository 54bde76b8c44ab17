/* sp-validate.h — checks for identifiers people type: NHS number, postcode, dates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *sp_nhs_number_normalize (const char  *input,
                                   GError     **error);
gboolean  sp_nhs_number_is_valid  (const char  *digits);
char     *sp_nhs_number_format    (const char  *digits);

char     *sp_postcode_normalize   (const char  *input,
                                   GError     **error);
char     *sp_postcode_district    (const char  *postcode);

gboolean  sp_date_is_valid        (const char  *iso_date);
gboolean  sp_date_check           (const char  *iso_date,
                                   const char  *what,
                                   GError     **error);
gint      sp_age_on               (const char  *date_of_birth,
                                   const char  *on_date);

gboolean  sp_ods_code_is_valid    (const char  *code);

char     *sp_money_format         (gint64       pence);
gboolean  sp_money_parse          (const char  *input,
                                   gint64      *pence,
                                   GError     **error);

char     *sp_uuid_new             (void);
gboolean  sp_uuid_is_valid        (const char  *uuid);
char     *sp_now_utc              (void);
char     *sp_today_utc            (void);

G_END_DECLS
