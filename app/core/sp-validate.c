/* sp-validate.c — checks for identifiers people type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-validate"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-validate.h"

/* NHS number: 10 digits, Modulus 11 check digit. Weights 10..2 on digits
 * 1–9; check = 11 − (sum mod 11); 11 means 0; 10 means the number cannot
 * be valid (NHS Digital data dictionary, shared/reference/measures.md). */
gboolean
sp_nhs_number_is_valid (const char *digits)
{
  guint sum = 0;
  guint check;

  if (digits == NULL || strlen (digits) != 10)
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (!g_ascii_isdigit (digits[i]))
      return FALSE;

  for (guint i = 0; i < 9; i++)
    sum += (guint) (digits[i] - '0') * (10 - i);
  check = 11 - (sum % 11);
  if (check == 11)
    check = 0;
  if (check == 10)
    return FALSE;
  return check == (guint) (digits[9] - '0');
}

/* Accepts "943 476 5919", "943-476-5919" and "9434765919"; returns the ten
 * digits, or NULL with an error a receptionist can act on. */
char *
sp_nhs_number_normalize (const char  *input,
                         GError     **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (input == NULL || *input == '\0')
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("Enter the NHS number: ten digits, for example 943 476 5919."));
      return NULL;
    }

  for (const char *p = input; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p != ' ' && *p != '-' && *p != '\t')
        {
          g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                               _("An NHS number holds only digits, spaces and hyphens."));
          return NULL;
        }
    }

  if (digits->len != 10)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("An NHS number has ten digits; this one has %u."),
                   (guint) digits->len);
      return NULL;
    }

  if (!sp_nhs_number_is_valid (digits->str))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("This is not a valid NHS number: its check digit does not match. Check it against the patient’s record."));
      return NULL;
    }

  return g_string_free (g_steal_pointer (&digits), FALSE);
}

/* Shown as 3 3 4, the way the NHS prints it. */
char *
sp_nhs_number_format (const char *digits)
{
  if (digits == NULL || strlen (digits) != 10)
    return g_strdup (digits);
  return g_strdup_printf ("%.3s %.3s %.4s", digits, digits + 3, digits + 6);
}

/* UK postcode shape: outward code A9, A99, AA9, AA99, A9A or AA9A, then an
 * inward code 9AA. GIR 0AA is the one historical exception. */
static gboolean
outward_is_valid (const char *o,
                  gsize       len)
{
  #define A(i) g_ascii_isalpha (o[i])
  #define D(i) g_ascii_isdigit (o[i])
  switch (len)
    {
    case 2:
      return A (0) && D (1);
    case 3:
      return (A (0) && D (1) && D (2)) || (A (0) && A (1) && D (2)) || (A (0) && D (1) && A (2));
    case 4:
      return (A (0) && A (1) && D (2) && D (3)) || (A (0) && A (1) && D (2) && A (3));
    default:
      return FALSE;
    }
  #undef A
  #undef D
}

char *
sp_postcode_normalize (const char  *input,
                       GError     **error)
{
  g_autoptr(GString) compact = g_string_new (NULL);
  const char *s;
  gsize len;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (const char *p = input ? input : ""; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (compact, g_ascii_toupper (*p));

  s = compact->str;
  len = compact->len;

  if (len == 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("Enter a postcode, for example LS1 4AP."));
      return NULL;
    }

  if (g_str_equal (s, "GIR0AA"))
    return g_strdup ("GIR 0AA");

  if (len < 5 || len > 7 ||
      !g_ascii_isdigit (s[len - 3]) || !g_ascii_isalpha (s[len - 2]) ||
      !g_ascii_isalpha (s[len - 1]) || !outward_is_valid (s, len - 3))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is not a UK postcode. A postcode looks like LS1 4AP or SW1A 1AA."),
                   input);
      return NULL;
    }

  return g_strdup_printf ("%.*s %s", (int) (len - 3), s, s + len - 3);
}

/* The outward code ("HF1" of "HF1 2AB"): the district. */
char *
sp_postcode_district (const char *postcode)
{
  const char *space;

  if (postcode == NULL)
    return NULL;
  space = strchr (postcode, ' ');
  return space ? g_strndup (postcode, space - postcode) : g_strdup (postcode);
}

gboolean
sp_date_is_valid (const char *iso_date)
{
  gint y, m, d;
  char tail;

  if (iso_date == NULL || strlen (iso_date) != 10 || iso_date[4] != '-' || iso_date[7] != '-')
    return FALSE;
  if (sscanf (iso_date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return FALSE;
  return g_date_valid_dmy (d, m, y);
}

gboolean
sp_date_check (const char  *iso_date,
               const char  *what,
               GError     **error)
{
  if (sp_date_is_valid (iso_date))
    return TRUE;
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
               _("The %s “%s” is not a date. Write it as year-month-day, for example 1961-03-25."),
               what, iso_date ? iso_date : "");
  return FALSE;
}

/* Whole years between a date of birth and a day, both YYYY-MM-DD. */
gint
sp_age_on (const char *date_of_birth,
           const char *on_date)
{
  gint by, bm, bd, y, m, d, age;

  if (!sp_date_is_valid (date_of_birth) || !sp_date_is_valid (on_date))
    return -1;
  sscanf (date_of_birth, "%d-%d-%d", &by, &bm, &bd);
  sscanf (on_date, "%d-%d-%d", &y, &m, &d);
  age = y - by;
  if (m < bm || (m == bm && d < bd))
    age--;
  return age;
}

/* ODS organisation codes for GP practices: a letter and five digits, but
 * other organisations use 3–6 alphanumerics; accept that shape. */
gboolean
sp_ods_code_is_valid (const char *code)
{
  gsize len;

  if (code == NULL)
    return FALSE;
  len = strlen (code);
  if (len < 3 || len > 6 || !g_ascii_isalpha (code[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (code[i]) || g_ascii_islower (code[i]))
      return FALSE;
  return TRUE;
}

/* Pence to "£1,234.50" / "−£3.00", grouped in thousands as on a UK invoice. */
char *
sp_money_format (gint64 pence)
{
  guint64 magnitude = pence < 0 ? (guint64) (-(pence + 1)) + 1 : (guint64) pence;
  g_autofree char *pounds = g_strdup_printf ("%" G_GUINT64_FORMAT, magnitude / 100);
  g_autoptr(GString) grouped = g_string_new (NULL);
  gsize len = strlen (pounds);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (grouped, ',');
      g_string_append_c (grouped, pounds[i]);
    }
  return g_strdup_printf ("%s£%s.%02u", pence < 0 ? "−" : "", grouped->str,
                          (guint) (magnitude % 100));
}

/* "12", "12.5", "£12.50", "-3" to pence, exactly: no floating point. */
gboolean
sp_money_parse (const char  *input,
                gint64      *pence,
                GError     **error)
{
  const char *p = input;
  gboolean negative = FALSE;
  guint64 pounds = 0;
  guint64 fraction = 0;
  guint n_fraction = 0;
  gboolean any_digit = FALSE;

  g_return_val_if_fail (pence != NULL, FALSE);

  if (p == NULL)
    p = "";
  while (g_ascii_isspace (*p))
    p++;
  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  else if (g_str_has_prefix (p, "−"))
    {
      negative = TRUE;
      p += strlen ("−");
    }
  if (g_str_has_prefix (p, "£"))
    p += strlen ("£");

  for (; g_ascii_isdigit (*p) || (*p == ',' && any_digit); p++)
    {
      /* A comma only groups thousands: "1,250.00", never "12,50". */
      if (*p == ',')
        {
          if (!(g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]) && g_ascii_isdigit (p[3])) ||
              g_ascii_isdigit (p[4]))
            goto bad;
          continue;
        }
      any_digit = TRUE;
      pounds = pounds * 10 + (guint64) (*p - '0');
      if (pounds > G_MAXINT64 / 1000)
        goto bad;
    }
  if (*p == '.')
    {
      p++;
      for (; g_ascii_isdigit (*p); p++)
        {
          any_digit = TRUE;
          if (++n_fraction > 2)
            goto bad;
          fraction = fraction * 10 + (guint64) (*p - '0');
        }
      if (n_fraction == 1)
        fraction *= 10;
    }
  while (g_ascii_isspace (*p))
    p++;
  if (!any_digit || *p != '\0')
    goto bad;

  *pence = (gint64) (pounds * 100 + fraction) * (negative ? -1 : 1);
  return TRUE;

bad:
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
               _("“%s” is not an amount of money. Write pounds and pence, for example 12.50."),
               input ? input : "");
  return FALSE;
}

char *
sp_uuid_new (void)
{
  return g_uuid_string_random ();
}

gboolean
sp_uuid_is_valid (const char *uuid)
{
  return uuid != NULL && g_uuid_string_is_valid (uuid);
}

/* Times are stored in UTC as ISO 8601 with a Z, to the second, so they sort
 * as text. */
char *
sp_now_utc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

char *
sp_today_utc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%d");
}
