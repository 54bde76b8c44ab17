/* sp-hsds-export.c — publish the catalogue as Open Referral (HSDS 3.0) data
 *
 * Each offering becomes an HSDS service with its organization, its place
 * (service_at_locations → location → addresses), its weekly times
 * (schedules, one per slot; the schedule note as a schedule's
 * description), its fee and sliding-scale tiers (cost_options in GBP, the
 * full fee named "Full fee") and what it is for, as attributes whose
 * taxonomy terms come from Signpost's own taxonomy: "modality:yoga",
 * "format:group", "msk:knee_pain", "mh:anxiety", and "review:needed" on
 * an entry no admin has checked yet. Every id is a UUID; those
 * of the parts are derived from the offering's, so exporting twice gives
 * the same file. What Signpost alone decides — funders, contraindications,
 * evidence, step — is not published.
 *
 * The published text is English whatever the admin's language: a feed is
 * read by other systems, and its words should not change with the desk
 * that wrote it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-hsds-export"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sp-error.h"
#include "sp-hsds-export.h"
#include "sp-hsds-import.h"
#include "sp-validate.h"
#include "sp-vocab.h"

static const char * const rrule_days[] = { "MO", "TU", "WE", "TH", "FR", "SA", "SU" };
static const char * const day_codes[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

gboolean
sp_hsds_format_from_string (const char   *name,
                            SpHsdsFormat *format)
{
  g_return_val_if_fail (format != NULL, FALSE);

  if (g_strcmp0 (name, "hsds-json") == 0 || g_strcmp0 (name, "json") == 0)
    *format = SP_HSDS_FORMAT_JSON;
  else if (g_strcmp0 (name, "hsds-csv") == 0 || g_strcmp0 (name, "csv") == 0)
    *format = SP_HSDS_FORMAT_CSV;
  else
    return FALSE;
  return TRUE;
}

/* The id of a part of a record: "schedule" 2 of offering X. */
static char *
part_id (const char *kind,
         const char *owner_id,
         const char *part)
{
  g_autofree char *name = part != NULL ? g_strconcat (owner_id, ":", part, NULL) : g_strdup (owner_id);

  return sp_hsds_derive_id (kind, name);
}

/* The English label of a code: exported words do not follow the locale. */
static const char *
english_label (SpVocab     vocab,
               const char *code)
{
  guint n = 0;
  const SpVocabEntry *entries = sp_vocab_entries (vocab, &n);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (entries[i].code, code) == 0)
      return entries[i].label;
  return code;
}

static void
set_string_if (JsonObject *object,
               const char *name,
               const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (object, name, value);
}

/* Pounds as a JSON number: whole pounds as an integer, else with pence. */
static void
set_pounds (JsonObject *object,
            const char *name,
            gint64      pence)
{
  if (pence % 100 == 0)
    json_object_set_int_member (object, name, pence / 100);
  else
    json_object_set_double_member (object, name, (gdouble) pence / 100.0);
}

static JsonObject *
taxonomy_detail (void)
{
  JsonObject *detail = json_object_new ();
  g_autofree char *id = sp_hsds_taxonomy_id ();

  json_object_set_string_member (detail, "id", id);
  json_object_set_string_member (detail, "name", SP_HSDS_TAXONOMY_NAME);
  json_object_set_string_member (detail, "description",
                                 "What a social-prescribing offering is (modality, format) and which "
                                 "musculoskeletal (msk) and mental-health (mh) conditions it is for.");
  json_object_set_string_member (detail, "version", "1");
  return detail;
}

static JsonObject *
term_object (const char *prefix,
             SpVocab     vocab,
             const char *value)
{
  JsonObject *term = json_object_new ();
  g_autofree char *code = g_strconcat (prefix, ":", value, NULL);
  g_autofree char *id = sp_hsds_term_id (code);
  g_autofree char *taxonomy_id = sp_hsds_taxonomy_id ();
  g_autofree char *description = g_strdup_printf ("Signpost %s: %s", prefix, english_label (vocab, value));

  json_object_set_string_member (term, "id", id);
  json_object_set_string_member (term, "code", code);
  json_object_set_string_member (term, "name", english_label (vocab, value));
  json_object_set_string_member (term, "description", description);
  json_object_set_string_member (term, "taxonomy", SP_HSDS_TAXONOMY_NAME);
  json_object_set_string_member (term, "taxonomy_id", taxonomy_id);
  json_object_set_object_member (term, "taxonomy_detail", taxonomy_detail ());
  json_object_set_string_member (term, "language", "en");
  return term;
}

static void
add_attribute (JsonArray  *attributes,
               const char *offering_id,
               const char *prefix,
               SpVocab     vocab,
               const char *value)
{
  JsonObject *attribute;
  JsonObject *term;
  g_autofree char *code = NULL;
  g_autofree char *id = NULL;

  if (value == NULL || !sp_vocab_contains (vocab, value))
    return;
  code = g_strconcat (prefix, ":", value, NULL);
  id = part_id ("signpost-attribute", offering_id, code);
  term = term_object (prefix, vocab, value);
  attribute = json_object_new ();
  json_object_set_string_member (attribute, "id", id);
  json_object_set_string_member (attribute, "link_id", offering_id);
  json_object_set_string_member (attribute, "link_entity", "service");
  json_object_set_string_member (attribute, "taxonomy_term_id", json_object_get_string_member (term, "id"));
  json_object_set_object_member (attribute, "taxonomy_term", term);
  json_array_add_object_element (attributes, attribute);
}

/* An entry published before an admin classified it says so, so another
 * Signpost importing it keeps it out of matching too. */
static void
add_review_attribute (JsonArray  *attributes,
                      const char *offering_id)
{
  JsonObject *attribute = json_object_new ();
  JsonObject *term = json_object_new ();
  g_autofree char *id = part_id ("signpost-attribute", offering_id, "review:needed");
  g_autofree char *term_id = sp_hsds_term_id ("review:needed");
  g_autofree char *taxonomy_id = sp_hsds_taxonomy_id ();

  json_object_set_string_member (term, "id", term_id);
  json_object_set_string_member (term, "code", "review:needed");
  json_object_set_string_member (term, "name", "Not yet checked");
  json_object_set_string_member (term, "description",
                                 "Imported from a directory and not yet checked by a Signpost catalogue admin.");
  json_object_set_string_member (term, "taxonomy", SP_HSDS_TAXONOMY_NAME);
  json_object_set_string_member (term, "taxonomy_id", taxonomy_id);
  json_object_set_object_member (term, "taxonomy_detail", taxonomy_detail ());
  json_object_set_string_member (term, "language", "en");

  json_object_set_string_member (attribute, "id", id);
  json_object_set_string_member (attribute, "link_id", offering_id);
  json_object_set_string_member (attribute, "link_entity", "service");
  json_object_set_string_member (attribute, "taxonomy_term_id", term_id);
  json_object_set_object_member (attribute, "taxonomy_term", term);
  json_array_add_object_element (attributes, attribute);
}

static gboolean
is_web_address (const char *text)
{
  return text != NULL && (g_str_has_prefix (text, "http://") || g_str_has_prefix (text, "https://")) &&
         g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL);
}

static gboolean
is_email_address (const char *text)
{
  const char *at = text != NULL ? strchr (text, '@') : NULL;

  return at != NULL && at != text && strchr (at, '.') != NULL && strchr (text, ' ') == NULL;
}

static JsonObject *
organization_object (const SpProvider *p)
{
  JsonObject *org = json_object_new ();

  json_object_set_string_member (org, "id", p->record.id);
  json_object_set_string_member (org, "name", p->name != NULL ? p->name : "");
  json_object_set_string_member (org, "description", p->notes != NULL ? p->notes : "");
  if (is_email_address (p->email))
    json_object_set_string_member (org, "email", p->email);
  if (is_web_address (p->website))
    json_object_set_string_member (org, "website", p->website);
  if (p->phone != NULL && *p->phone != '\0')
    {
      JsonArray *phones = json_array_new ();
      JsonObject *phone = json_object_new ();
      g_autofree char *id = part_id ("signpost-phone", p->record.id, NULL);

      json_object_set_string_member (phone, "id", id);
      json_object_set_string_member (phone, "organization_id", p->record.id);
      json_object_set_string_member (phone, "number", p->phone);
      json_array_add_object_element (phones, phone);
      json_object_set_array_member (org, "phones", phones);
    }
  return org;
}

static JsonObject *
address_object (const SpOffering *o,
                const char       *location_id)
{
  JsonObject *address = json_object_new ();
  g_autofree char *id = part_id ("signpost-address", location_id, NULL);
  g_autofree char *street = g_strdup (o->address != NULL ? o->address : "");
  char *last_comma = strrchr (street, ',');
  const char *city = "";

  /* Signpost keeps the address as one line; its last part is the town. */
  if (last_comma != NULL)
    {
      *last_comma = '\0';
      city = g_strchug (last_comma + 1);
    }
  json_object_set_string_member (address, "id", id);
  json_object_set_string_member (address, "location_id", location_id);
  json_object_set_string_member (address, "address_1", g_strchomp (street));
  json_object_set_string_member (address, "city", city);
  json_object_set_string_member (address, "state_province", "");
  json_object_set_string_member (address, "postal_code", o->postcode != NULL ? o->postcode : "");
  json_object_set_string_member (address, "country", "GB");
  json_object_set_string_member (address, "address_type", "physical");
  return address;
}

/* Offerings at the same place share a location. */
static char *
location_id (const SpOffering *o)
{
  g_autofree char *key = g_strdup_printf ("%s\x1f%s\x1f%s\x1f%s\x1f%.7f\x1f%.7f",
                                          o->provider_id ? o->provider_id : "",
                                          o->location_name ? o->location_name : "",
                                          o->address ? o->address : "", o->postcode ? o->postcode : "",
                                          isnan (o->lat) ? 0.0 : o->lat, isnan (o->lon) ? 0.0 : o->lon);

  return sp_hsds_derive_id ("signpost-location", key);
}

static JsonArray *
service_at_locations (const SpOffering *o)
{
  JsonArray *sals = json_array_new ();
  JsonObject *sal;
  JsonObject *location;
  g_autofree char *sal_id = NULL;
  g_autofree char *loc_id = NULL;

  if (o->location_name == NULL && o->address == NULL && o->postcode == NULL && (isnan (o->lat) || isnan (o->lon)))
    return sals;

  loc_id = location_id (o);
  sal_id = part_id ("signpost-service-at-location", o->record.id, NULL);
  location = json_object_new ();
  json_object_set_string_member (location, "id", loc_id);
  json_object_set_string_member (location, "location_type", "physical");
  json_object_set_string_member (location, "organization_id", o->provider_id);
  set_string_if (location, "name", o->location_name);
  if (!isnan (o->lat) && !isnan (o->lon))
    {
      json_object_set_double_member (location, "latitude", o->lat);
      json_object_set_double_member (location, "longitude", o->lon);
    }
  if (o->address != NULL || o->postcode != NULL)
    {
      JsonArray *addresses = json_array_new ();
      json_array_add_object_element (addresses, address_object (o, loc_id));
      json_object_set_array_member (location, "addresses", addresses);
    }

  sal = json_object_new ();
  json_object_set_string_member (sal, "id", sal_id);
  json_object_set_string_member (sal, "service_id", o->record.id);
  json_object_set_string_member (sal, "location_id", loc_id);
  json_object_set_object_member (sal, "location", location);
  json_array_add_object_element (sals, sal);
  return sals;
}

static JsonArray *
schedules (const SpOffering *o)
{
  JsonArray *out = json_array_new ();
  JsonArray *slots = o->schedule != NULL && JSON_NODE_HOLDS_ARRAY (o->schedule) ? json_node_get_array (o->schedule) : NULL;

  for (guint i = 0; slots != NULL && i < json_array_get_length (slots); i++)
    {
      JsonNode *node = json_array_get_element (slots, i);
      JsonObject *slot = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *day_node = slot != NULL ? json_object_get_member (slot, "day") : NULL;
      JsonNode *start = slot != NULL ? json_object_get_member (slot, "start") : NULL;
      JsonNode *end = slot != NULL ? json_object_get_member (slot, "end") : NULL;
      const char *day = day_node != NULL && JSON_NODE_HOLDS_VALUE (day_node) &&
                        json_node_get_value_type (day_node) == G_TYPE_STRING ? json_node_get_string (day_node) : NULL;
      JsonObject *schedule;
      g_autofree char *n = g_strdup_printf ("%u", i);
      g_autofree char *id = part_id ("signpost-schedule", o->record.id, n);
      gint d = -1;

      for (gint k = 0; day != NULL && k < 7; k++)
        if (g_str_equal (day_codes[k], day))
          d = k;
      if (d < 0)
        continue;

      schedule = json_object_new ();
      json_object_set_string_member (schedule, "id", id);
      json_object_set_string_member (schedule, "service_id", o->record.id);
      json_object_set_string_member (schedule, "freq", "WEEKLY");
      json_object_set_int_member (schedule, "interval", 1);
      json_object_set_string_member (schedule, "byday", rrule_days[d]);
      if (start != NULL && JSON_NODE_HOLDS_VALUE (start) && json_node_get_value_type (start) == G_TYPE_STRING)
        set_string_if (schedule, "opens_at", json_node_get_string (start));
      if (end != NULL && JSON_NODE_HOLDS_VALUE (end) && json_node_get_value_type (end) == G_TYPE_STRING)
        set_string_if (schedule, "closes_at", json_node_get_string (end));
      json_array_add_object_element (out, schedule);
    }

  if (o->schedule_note != NULL && *o->schedule_note != '\0')
    {
      JsonObject *schedule = json_object_new ();
      g_autofree char *id = part_id ("signpost-schedule", o->record.id, "note");

      json_object_set_string_member (schedule, "id", id);
      json_object_set_string_member (schedule, "service_id", o->record.id);
      json_object_set_string_member (schedule, "description", o->schedule_note);
      json_array_add_object_element (out, schedule);
    }
  return out;
}

static JsonObject *
cost_option (const char *offering_id,
             const char *part,
             const char *option,
             gint64      pence)
{
  JsonObject *cost = json_object_new ();
  g_autofree char *id = part_id ("signpost-cost", offering_id, part);

  json_object_set_string_member (cost, "id", id);
  json_object_set_string_member (cost, "service_id", offering_id);
  json_object_set_string_member (cost, "option", option);
  json_object_set_string_member (cost, "currency", "GBP");
  set_pounds (cost, "amount", pence);
  json_object_set_string_member (cost, "amount_description", "per session");
  return cost;
}

/* The full fee, then what each income band pays on the sliding scale. */
static JsonArray *
cost_options (const SpOffering *o)
{
  JsonArray *costs = json_array_new ();
  JsonObject *tiers = o->sliding_scale != NULL && JSON_NODE_HOLDS_OBJECT (o->sliding_scale)
                      ? json_node_get_object (o->sliding_scale) : NULL;
  guint n = 0;
  const SpVocabEntry *bands = sp_vocab_entries (SP_VOCAB_INCOME_BAND, &n);

  json_array_add_object_element (costs, cost_option (o->record.id, NULL, "Full fee", o->fee_pence));
  for (guint i = 0; tiers != NULL && i < n; i++)
    {
      JsonNode *tier = json_object_get_member (tiers, bands[i].code);

      if (tier == NULL || !JSON_NODE_HOLDS_VALUE (tier) || json_node_get_value_type (tier) != G_TYPE_INT64 ||
          json_node_get_int (tier) < 0 || json_node_get_int (tier) > o->fee_pence)
        continue;
      json_array_add_object_element (costs, cost_option (o->record.id, bands[i].code, bands[i].label,
                                                         json_node_get_int (tier)));
    }
  return costs;
}

static JsonArray *
attributes (const SpOffering *o)
{
  JsonArray *out = json_array_new ();

  add_attribute (out, o->record.id, "modality", SP_VOCAB_MODALITY, o->modality);
  add_attribute (out, o->record.id, "format", SP_VOCAB_FORMAT, o->format);
  for (guint i = 0; o->targets_msk != NULL && o->targets_msk[i] != NULL; i++)
    add_attribute (out, o->record.id, "msk", SP_VOCAB_MSK_CONDITION, o->targets_msk[i]);
  for (guint i = 0; o->targets_mh != NULL && o->targets_mh[i] != NULL; i++)
    add_attribute (out, o->record.id, "mh", SP_VOCAB_MH_CONDITION, o->targets_mh[i]);
  if (o->needs_review)
    add_review_attribute (out, o->record.id);
  return out;
}

static JsonObject *
service_object (const SpOffering *o,
                const SpProvider *p)
{
  JsonObject *service = json_object_new ();
  g_autofree char *money = sp_money_format (o->fee_pence);
  g_autofree char *fees = o->fee_pence == 0 ? g_strdup ("Free") : g_strdup_printf ("%s per session", money);

  json_object_set_string_member (service, "id", o->record.id);
  json_object_set_string_member (service, "organization_id", p->record.id);
  json_object_set_string_member (service, "name", o->name != NULL ? o->name : "");
  set_string_if (service, "description", o->description);
  json_object_set_string_member (service, "status", o->active ? "active" : "inactive");
  json_object_set_string_member (service, "fees_description", fees);
  set_string_if (service, "eligibility_description", o->eligibility);
  if (o->age_min != SP_UNSET)
    json_object_set_int_member (service, "minimum_age", o->age_min);
  if (o->age_max != SP_UNSET)
    json_object_set_int_member (service, "maximum_age", o->age_max);
  if (sp_date_is_valid (o->last_verified))
    json_object_set_string_member (service, "assured_date", o->last_verified);
  if (o->record.updated_at != NULL)
    json_object_set_string_member (service, "last_modified", o->record.updated_at);

  json_object_set_object_member (service, "organization", organization_object (p));
  json_object_set_array_member (service, "service_at_locations", service_at_locations (o));
  json_object_set_array_member (service, "schedules", schedules (o));
  json_object_set_array_member (service, "cost_options", cost_options (o));
  json_object_set_array_member (service, "attributes", attributes (o));
  return service;
}

/* The catalogue as one HSDS 3.0 service_list page holding every service:
 * live offerings with a live provider, by name; those still waiting for
 * an admin only with SP_HSDS_EXPORT_INCLUDE_UNREVIEWED. */
JsonNode *
sp_hsds_export_service_list (SpStore            *store,
                             SpHsdsExportFlags   flags,
                             GError            **error)
{
  g_autoptr(GPtrArray) offerings = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *page;
  JsonArray *contents = json_array_new ();
  guint n;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  offerings = sp_store_list (store, &sp_entity_offering, "WHERE deleted = 0 ORDER BY name, id", NULL, error);
  if (offerings == NULL)
    {
      json_array_unref (contents);
      return NULL;
    }
  providers = sp_store_list (store, &sp_entity_provider, NULL, NULL, error);
  if (providers == NULL)
    {
      json_array_unref (contents);
      return NULL;
    }
  for (guint i = 0; i < providers->len; i++)
    g_hash_table_insert (by_id, ((SpProvider *) providers->pdata[i])->record.id, providers->pdata[i]);

  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *o = offerings->pdata[i];
      SpProvider *p = o->provider_id != NULL ? g_hash_table_lookup (by_id, o->provider_id) : NULL;

      if (p == NULL || (o->needs_review && !(flags & SP_HSDS_EXPORT_INCLUDE_UNREVIEWED)))
        continue;
      json_array_add_object_element (contents, service_object (o, p));
    }

  n = json_array_get_length (contents);
  page = json_object_new ();
  json_object_set_int_member (page, "total_items", n);
  json_object_set_int_member (page, "total_pages", 1);
  json_object_set_int_member (page, "page_number", 1);
  json_object_set_int_member (page, "size", n);
  json_object_set_boolean_member (page, "first_page", TRUE);
  json_object_set_boolean_member (page, "last_page", TRUE);
  json_object_set_boolean_member (page, "empty", n == 0);
  json_object_set_array_member (page, "contents", contents);
  return json_node_init_object (json_node_alloc (), page);
}

/* ---- The tabular form ------------------------------------------------------ */

typedef struct
{
  const char *resource;
  const char *file;
  const char *columns;  /* comma-separated; "name:number" for numbers */
} TableSpec;

enum
{
  T_ORGANIZATION,
  T_SERVICE,
  T_SERVICE_AT_LOCATION,
  T_LOCATION,
  T_ADDRESS,
  T_PHONE,
  T_SCHEDULE,
  T_COST_OPTION,
  T_ATTRIBUTE,
  T_TAXONOMY_TERM,
  T_TAXONOMY,
  N_TABLES
};

/* File names and columns as HSDS 3.0 defines them (the "path" of each table schema). */
static const TableSpec table_specs[N_TABLES] = {
  [T_ORGANIZATION] = { "organization", "organizations.csv", "id,name,description,email,website" },
  [T_SERVICE] = { "service", "services.csv",
                  "id,organization_id,name,description,status,fees_description,eligibility_description,"
                  "minimum_age:number,maximum_age:number,assured_date,last_modified" },
  [T_SERVICE_AT_LOCATION] = { "service_at_location", "service_at_location.csv", "id,service_id,location_id,description" },
  [T_LOCATION] = { "location", "locations.csv", "id,location_type,organization_id,name,latitude:number,longitude:number" },
  [T_ADDRESS] = { "address", "addresses.csv",
                  "id,location_id,address_1,address_2,city,region,state_province,postal_code,country,address_type" },
  [T_PHONE] = { "phone", "phones.csv", "id,organization_id,service_id,number" },
  [T_SCHEDULE] = { "schedule", "schedules.csv",
                   "id,service_id,service_at_location_id,freq,interval:number,byday,opens_at,closes_at,description" },
  [T_COST_OPTION] = { "cost_option", "cost_options.csv", "id,service_id,option,currency,amount:number,amount_description" },
  [T_ATTRIBUTE] = { "attribute", "attributes.csv", "id,link_id,taxonomy_term_id,link_type,link_entity,value" },
  [T_TAXONOMY_TERM] = { "taxonomy_term", "taxonomy_terms.csv", "id,code,name,description,parent_id,taxonomy,language,taxonomy_id,term_uri" },
  [T_TAXONOMY] = { "taxonomy", "taxonomies.csv", "id,name,description,uri,version" },
};

typedef struct
{
  GString    *csv[N_TABLES];
  GStrv       columns[N_TABLES];
  GHashTable *seen;   /* table:id already written */
} Tables;

/* RFC 4180: quoted when it holds a comma, quote or line break. */
static void
append_field (GString    *out,
              const char *value)
{
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL && !g_ascii_isspace (value[0]))
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* A number as short as it can be written and still read back exactly. */
static char *
number_text (gdouble value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  for (int digits = 6; digits <= 17; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);

      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  return g_strdup (buffer);
}

static char *
cell_text (JsonObject *object,
           const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return number_text (json_node_get_double (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

static void
tables_add_row (Tables     *t,
                guint       table,
                JsonObject *object,
                const char *extra_name,
                const char *extra_value)
{
  GString *out = t->csv[table];
  const char *id = json_object_get_string_member_with_default (object, "id", "");
  g_autofree char *key = g_strdup_printf ("%u:%s", table, id);

  if (g_hash_table_contains (t->seen, key))
    return;
  g_hash_table_add (t->seen, g_steal_pointer (&key));

  for (guint c = 0; t->columns[table][c] != NULL; c++)
    {
      const char *column = t->columns[table][c];
      g_autofree char *value = NULL;

      if (extra_name != NULL && g_str_equal (column, extra_name) && !json_object_has_member (object, column))
        value = g_strdup (extra_value);
      else
        value = cell_text (object, column);
      if (c > 0)
        g_string_append_c (out, ',');
      append_field (out, value);
    }
  g_string_append (out, "\r\n");
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The nested services, flattened into tables related by id. */
static void
tables_add_service (Tables     *t,
                    JsonObject *service)
{
  JsonObject *org = member_object (service, "organization");
  JsonArray *array;
  const char *service_id = json_object_get_string_member (service, "id");

  if (org != NULL)
    {
      tables_add_row (t, T_ORGANIZATION, org, NULL, NULL);
      array = member_array (org, "phones");
      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        tables_add_row (t, T_PHONE, json_array_get_object_element (array, i), NULL, NULL);
    }
  tables_add_row (t, T_SERVICE, service, NULL, NULL);

  array = member_array (service, "service_at_locations");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *sal = json_array_get_object_element (array, i);
      JsonObject *location = member_object (sal, "location");
      JsonArray *addresses = location != NULL ? member_array (location, "addresses") : NULL;

      tables_add_row (t, T_SERVICE_AT_LOCATION, sal, NULL, NULL);
      if (location != NULL)
        tables_add_row (t, T_LOCATION, location, NULL, NULL);
      for (guint k = 0; addresses != NULL && k < json_array_get_length (addresses); k++)
        tables_add_row (t, T_ADDRESS, json_array_get_object_element (addresses, k), NULL, NULL);
    }

  array = member_array (service, "schedules");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    tables_add_row (t, T_SCHEDULE, json_array_get_object_element (array, i), "service_id", service_id);

  array = member_array (service, "cost_options");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    tables_add_row (t, T_COST_OPTION, json_array_get_object_element (array, i), "service_id", service_id);

  array = member_array (service, "attributes");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *attribute = json_array_get_object_element (array, i);
      JsonObject *term = member_object (attribute, "taxonomy_term");
      JsonObject *detail = term != NULL ? member_object (term, "taxonomy_detail") : NULL;

      tables_add_row (t, T_ATTRIBUTE, attribute, "link_id", service_id);
      if (term != NULL)
        tables_add_row (t, T_TAXONOMY_TERM, term, NULL, NULL);
      if (detail != NULL)
        tables_add_row (t, T_TAXONOMY, detail, NULL, NULL);
    }
}

/* datapackage.json: the Frictionless Data descriptor naming each file and
 * its columns, so a reader need not guess. */
static JsonNode *
datapackage (void)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "signpost-catalogue");
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, "Signpost social-prescribing catalogue (Open Referral HSDS 3.0)");
  json_builder_set_member_name (b, "profile");
  json_builder_add_string_value (b, "tabular-data-package");
  json_builder_set_member_name (b, "resources");
  json_builder_begin_array (b);
  for (guint i = 0; i < N_TABLES; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, table_specs[i].resource);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, table_specs[i].file);
      json_builder_set_member_name (b, "profile");
      json_builder_add_string_value (b, "tabular-data-resource");
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, "csv");
      json_builder_set_member_name (b, "mediatype");
      json_builder_add_string_value (b, "text/csv");
      json_builder_set_member_name (b, "encoding");
      json_builder_add_string_value (b, "utf-8");
      json_builder_set_member_name (b, "schema");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "fields");
      json_builder_begin_array (b);
      {
        g_auto(GStrv) columns = g_strsplit (table_specs[i].columns, ",", -1);

        for (guint c = 0; columns[c] != NULL; c++)
          {
            char *colon = strchr (columns[c], ':');

            json_builder_begin_object (b);
            json_builder_set_member_name (b, "name");
            if (colon != NULL)
              *colon = '\0';
            json_builder_add_string_value (b, columns[c]);
            json_builder_set_member_name (b, "type");
            json_builder_add_string_value (b, colon != NULL ? "number" : "string");
            json_builder_end_object (b);
          }
      }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "primaryKey");
      json_builder_add_string_value (b, "id");
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
write_file (const char  *path,
            const char  *contents,
            gsize        length,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (g_file_set_contents_full (path, contents, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local_error))
    return TRUE;
  g_set_error (error, SP_ERROR,
               g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOSPC) ? SP_ERROR_DISK_FULL
               : g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
                 g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ROFS) ? SP_ERROR_READ_ONLY
               : SP_ERROR_FAILED,
               _("“%s” could not be written: %s"), path, local_error->message);
  return FALSE;
}

static char *
to_json_text (JsonNode *node,
              gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, length);
}

static gboolean
write_tables (JsonNode    *list,
              const char  *folder,
              GError     **error)
{
  JsonArray *contents = member_array (json_node_get_object (list), "contents");
  Tables t = { { NULL, }, { NULL, }, NULL };
  gboolean ok = TRUE;

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, SP_ERROR, saved_errno == EACCES || saved_errno == EROFS ? SP_ERROR_READ_ONLY : SP_ERROR_FAILED,
                   _("The folder “%s” could not be made: %s"), folder, g_strerror (saved_errno));
      return FALSE;
    }

  t.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < N_TABLES; i++)
    {
      g_auto(GStrv) columns = g_strsplit (table_specs[i].columns, ",", -1);
      GStrvBuilder *names = g_strv_builder_new ();

      t.csv[i] = g_string_new (NULL);
      for (guint c = 0; columns[c] != NULL; c++)
        {
          char *colon = strchr (columns[c], ':');
          if (colon != NULL)
            *colon = '\0';
          g_strv_builder_add (names, columns[c]);
          g_string_append_printf (t.csv[i], "%s%s", c > 0 ? "," : "", columns[c]);
        }
      g_string_append (t.csv[i], "\r\n");
      t.columns[i] = g_strv_builder_end (names);
      g_strv_builder_unref (names);
    }

  for (guint i = 0; contents != NULL && i < json_array_get_length (contents); i++)
    tables_add_service (&t, json_array_get_object_element (contents, i));

  for (guint i = 0; ok && i < N_TABLES; i++)
    {
      g_autofree char *path = g_build_filename (folder, table_specs[i].file, NULL);
      ok = write_file (path, t.csv[i]->str, t.csv[i]->len, error);
    }
  if (ok)
    {
      g_autoptr(JsonNode) package = datapackage ();
      g_autofree char *path = g_build_filename (folder, "datapackage.json", NULL);
      gsize length = 0;
      g_autofree char *text = to_json_text (package, &length);

      ok = write_file (path, text, length, error);
    }

  for (guint i = 0; i < N_TABLES; i++)
    {
      g_string_free (t.csv[i], TRUE);
      g_strfreev (t.columns[i]);
    }
  g_hash_table_unref (t.seen);
  return ok;
}

/* Writes the catalogue to @path: a JSON file (SP_HSDS_FORMAT_JSON), or a
 * folder of CSV files with datapackage.json (SP_HSDS_FORMAT_CSV), made if
 * need be. Each file is replaced whole, never left half-written. */
gboolean
sp_hsds_export (SpStore            *store,
                SpHsdsFormat        format,
                const char         *path,
                SpHsdsExportFlags   flags,
                guint              *n_services,
                GError            **error)
{
  g_autoptr(JsonNode) list = NULL;
  JsonArray *contents;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (format == SP_HSDS_FORMAT_CSV && g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is a file; the CSV form is a folder of files. Give a folder name."), path);
      return FALSE;
    }
  if (format == SP_HSDS_FORMAT_JSON && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("“%s” is a folder; give the name of the JSON file to write."), path);
      return FALSE;
    }

  list = sp_hsds_export_service_list (store, flags, error);
  if (list == NULL)
    return FALSE;
  contents = member_array (json_node_get_object (list), "contents");
  if (n_services != NULL)
    *n_services = contents != NULL ? json_array_get_length (contents) : 0;

  if (format == SP_HSDS_FORMAT_CSV)
    return write_tables (list, path, error);

  {
    gsize length = 0;
    g_autofree char *text = to_json_text (list, &length);
    return write_file (path, text, length, error);
  }
}
