/* sp-cli-lookup.c — finding records from what a person types
 *
 * A person types the start of an id as a table shows it, an NHS number with
 * or without spaces, or a name; a script gives the full id. Records of
 * patients at other practices are never found.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-error.h"
#include "sp-patients.h"
#include "sp-validate.h"

/* Candidates named in a message when what was typed fits more than one. */
#define MAX_CANDIDATES 5

gboolean
in_my_practices (Cli        *cli,
                 const char *practice)
{
  const char * const *practices = sp_store_get_practices (cli->store);

  return practice != NULL && practices != NULL && g_strv_contains (practices, practice);
}

/* Ignoring case, in any script. */
gboolean
same_text (const char *a,
           const char *b)
{
  g_autofree char *fa = NULL;
  g_autofree char *fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  fa = g_utf8_casefold (a, -1);
  fb = g_utf8_casefold (b, -1);
  return g_str_equal (fa, fb);
}

static gboolean
looks_like_id_prefix (const char *text)
{
  if (strlen (text) < MIN_ID_PREFIX)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/* Offerings and funders are also found by their name; other records have
 * none. */
static const char *
record_name (const SpEntityInfo *info,
             gconstpointer       record)
{
  if (info == &sp_entity_offering)
    return ((const SpOffering *) record)->name;
  if (info == &sp_entity_funder)
    return ((const SpFunder *) record)->name;
  return NULL;
}

typedef char *(*DescribeFunc) (gconstpointer item,
                               gconstpointer data);

/* "a, b, c, …": the first few of @found, in the words of @describe. */
static char *
candidates_text (GPtrArray     *found,
                 DescribeFunc   describe,
                 gconstpointer  data)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < found->len && i < MAX_CANDIDATES; i++)
    {
      g_autofree char *candidate = describe (found->pdata[i], data);
      g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", candidate);
    }
  if (found->len > MAX_CANDIDATES)
    g_string_append (out, ", …");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* "Canal Evening Stroll (id)", or the id of a record without a name. */
static char *
describe_record (gconstpointer record,
                 gconstpointer info)
{
  const char *name = record_name (info, record);
  const char *id = ((const SpRecord *) record)->id;

  return name != NULL ? g_strdup_printf ("%s (%s)", name, id) : g_strdup (id);
}

/* "Jane Smith (943 476 5919)" */
static char *
describe_patient (gconstpointer patient,
                  gconstpointer unused)
{
  g_autofree char *name = sp_patient_display_name (patient);
  g_autofree char *nhs = patient_nhs_number (patient);

  return g_strdup_printf ("%s (%s)", name, nhs);
}

/* Each message whole, for the translators; @candidates NULL for none found. */
static void
set_lookup_error (const SpEntityInfo  *info,
                  const char          *text,
                  const char          *candidates,
                  GError             **error)
{
  if (info == &sp_entity_referral && candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No referral with the id “%s” was found. "
                   "“signpost-cli referral list” shows the referrals."), text);
  else if (info == &sp_entity_referral)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” is the start of more than one referral id: %s. Type more of the id."), text, candidates);
  else if (info == &sp_entity_offering && candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No offering with the id or name “%s” was found. "
                   "“signpost-cli catalogue list” shows the catalogue."),
                 text);
  else if (info == &sp_entity_offering)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” could be more than one offering: %s. Use the offering’s id."), text, candidates);
  else if (info == &sp_entity_payment && candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No payment with the id “%s” was found. "
                   "“signpost-cli payment list REFERRAL” shows a referral’s payments."),
                 text);
  else if (info == &sp_entity_payment)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” is the start of more than one payment id: %s. Type more of the id."), text, candidates);
  else if (candidates == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No funder with the id or name “%s” was found. "
                   "“signpost-cli funder list” shows the funders."), text);
  else
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("“%s” could be more than one funder: %s. Use the funder’s id."), text, candidates);
}

/* A referral, offering, payment or funder by its full id, a unique start of
 * its id (as the tables show it), or its exact name, ignoring case. */
gpointer
find_record (Cli                 *cli,
             const SpEntityInfo  *info,
             const char          *text,
             GError             **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) by_id = g_ptr_array_new ();
  g_autoptr(GPtrArray) by_name = g_ptr_array_new ();
  GPtrArray *found;
  g_autofree char *lower = g_ascii_strdown (text, -1);
  g_autofree char *candidates = NULL;

  if (sp_uuid_is_valid (lower))
    {
      gpointer record = sp_store_load (cli->store, info, lower, NULL);
      if (record != NULL)
        return record;
    }

  all = sp_store_list (cli->store, info, NULL, NULL, error);
  if (all == NULL)
    return NULL;
  for (guint i = 0; i < all->len; i++)
    {
      SpRecord *record = all->pdata[i];

      if ((info->flags & SP_ENTITY_PATIENT) && !in_my_practices (cli, record->practice))
        continue;
      if (looks_like_id_prefix (lower) && g_str_has_prefix (record->id, lower))
        g_ptr_array_add (by_id, record);
      else if (same_text (record_name (info, record), text))
        g_ptr_array_add (by_name, record);
    }

  found = by_id->len > 0 ? by_id : by_name;
  if (found->len == 1)
    return sp_record_copy (info, found->pdata[0]);

  if (found->len > 1)
    candidates = candidates_text (found, describe_record, info);
  set_lookup_error (info, text, candidates, error);
  return NULL;
}

/* A patient by id or NHS number (as sp_store_find_patient), or by name when
 * what was typed has letters and only one patient fits. */
SpPatient *
find_patient (Cli         *cli,
              const char  *text,
              GError     **error)
{
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();
  gboolean has_letters = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    has_letters |= g_ascii_isalpha (*p) || (guchar) *p >= 0x80;

  if (sp_uuid_is_valid (text) || !has_letters)
    return sp_store_find_patient (cli->store, text, error);

  found = sp_store_search_patients (cli->store, text, 0, error);
  if (found == NULL)
    return NULL;
  for (guint i = 0; i < found->len; i++)
    {
      SpPatient *patient = found->pdata[i];
      if (in_my_practices (cli, patient->record.practice))
        g_ptr_array_add (mine, patient);
    }

  if (mine->len == 1)
    return sp_patient_copy (mine->pdata[0]);
  if (mine->len == 0)
    g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                 _("No patient called “%s” was found. "
                   "Use the NHS number, or “signpost-cli patient list --search” to look."),
                 text);
  else
    {
      g_autofree char *candidates = candidates_text (mine, describe_patient, NULL);

      g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                   _("More than one patient fits “%s”: %s. Use the NHS number."), text, candidates);
    }
  return NULL;
}

/* ---- Names for ids, in what is printed ----------------------------------- */

char *
offering_label (Cli        *cli,
                const char *offering_id)
{
  g_autoptr(SpOffering) offering = NULL;

  if (offering_id != NULL)
    offering = sp_store_load (cli->store, &sp_entity_offering, offering_id, NULL);
  return g_strdup (offering != NULL ? offering->name : or_empty (offering_id));
}

/* NULL when there is no funder. */
char *
funder_label (Cli        *cli,
              const char *funder_id)
{
  g_autoptr(SpFunder) funder = NULL;

  if (funder_id == NULL)
    return NULL;
  funder = sp_store_load (cli->store, &sp_entity_funder, funder_id, NULL);
  return g_strdup (funder != NULL ? funder->name : funder_id);
}

char *
patient_label (Cli        *cli,
               const char *patient_id)
{
  g_autoptr(SpPatient) patient = sp_store_get_patient (cli->store, patient_id, NULL);

  return patient != NULL ? sp_patient_display_name (patient) : g_strdup (or_empty (patient_id));
}
