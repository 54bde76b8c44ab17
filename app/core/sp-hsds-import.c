/* sp-hsds-import.c — fill the catalogue from an Open Referral (HSDS) feed
 *
 * Reads, in one shape, what councils and directories publish:
 *
 *  - HSDS 3.0 JSON (schema/compiled/service.json in the reference copy):
 *    one service, a page of the /services API ({"contents": [...]}), or an
 *    array of services, each with its organization, service_at_locations
 *    (location, addresses), schedules, cost_options and attributes
 *    (taxonomy_term) nested;
 *  - the HSDS 3.0 tabular form: services.csv, organizations.csv,
 *    service_at_location.csv, locations.csv, addresses.csv, schedules.csv,
 *    cost_options.csv, attributes.csv, taxonomy_terms.csv, taxonomies.csv
 *    and datapackage.json, related by id, in a folder or a .zip. The
 *    tables are joined into the nested JSON shape, so one mapping serves;
 *  - the Open Referral UK v1 service, as its API serves it (read from the
 *    OpenReferralUK/human-services reference implementation, models
 *    Service, RegularSchedule, CostOption, Location, Taxonomy):
 *    "regular_schedules" (opens_at/closes_at "HH:mm", freq, interval,
 *    byday, bymonthday), "service_at_locations[].location.physical_addresses",
 *    "cost_options" (no currency: pounds), "service_taxonomys[].taxonomy"
 *    {name, vocabulary}, "eligibilitys[]" {eligibility, minimum_age,
 *    maximum_age}, "attending_type" (phone, online, venue, home visit) and
 *    Spring-style pages ({"content": [...]}).
 *
 * What the feed knows (name, description, place, times, fee, status, ages,
 * eligibility, dates) is taken from it; what only Signpost knows (sliding
 * scale, funders, contraindications, intensity, step, evidence, access,
 * capacity, waiting time) is never touched. Modality, conditions and format
 * are filled in only where the record has none yet and the admin has not
 * reviewed it. A member the feed leaves out (an API list page need not
 * carry schedules, say) keeps what Signpost has.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-hsds-import"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sp-error.h"
#include "sp-hsds-import.h"
#include "sp-json.h"
#include "sp-html-text.h"
#include "sp-patient-import.h"
#include "sp-validate.h"
#include "sp-vocab.h"
#include "sp-zip.h"

#define MAX_FEED_BYTES  ((gsize) 256 * 1024 * 1024)
#define MAX_JSON_DEPTH  64
#define MAX_NAME_CHARS  300
#define MAX_TEXT_CHARS  20000
#define MAX_ID_CHARS    500
#define MAX_NOTE_CHARS  60

/* ---- Identity ------------------------------------------------------------ */

/* A version 5 (SHA-1, name-based) UUID for "hsds:KIND:FEED_ID" in Signpost's
 * namespace: the same feed id always gives the same Signpost id. */
char *
sp_hsds_derive_id (const char *kind,
                   const char *feed_id)
{
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  const char *ns = SP_HSDS_NAMESPACE;
  guint8 ns_bytes[16];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  guint n = 0;

  g_return_val_if_fail (kind != NULL && feed_id != NULL, NULL);

  for (const char *p = ns; *p != '\0' && n < 16; p++)
    {
      if (*p == '-')
        continue;
      ns_bytes[n++] = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
      p++;
    }
  g_checksum_update (sha1, ns_bytes, sizeof ns_bytes);
  g_checksum_update (sha1, (const guchar *) "hsds:", 5);
  g_checksum_update (sha1, (const guchar *) kind, (gssize) strlen (kind));
  g_checksum_update (sha1, (const guchar *) ":", 1);
  g_checksum_update (sha1, (const guchar *) feed_id, (gssize) strlen (feed_id));
  g_checksum_get_digest (sha1, digest, &digest_len);

  digest[6] = (guint8) ((digest[6] & 0x0F) | 0x50);
  digest[8] = (guint8) ((digest[8] & 0x3F) | 0x80);
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                          digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                          digest[12], digest[13], digest[14], digest[15]);
}

/* Signpost's taxonomy and its terms ("modality:yoga", …) have fixed ids,
 * so a feed exported by one Signpost is understood by another. */
char *
sp_hsds_taxonomy_id (void)
{
  return sp_hsds_derive_id ("signpost-taxonomy", "signpost");
}

char *
sp_hsds_term_id (const char *code)
{
  g_return_val_if_fail (code != NULL, NULL);
  return sp_hsds_derive_id ("signpost-term", code);
}

/* ---- Reading members leniently ------------------------------------------- */

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  return object != NULL ? json_object_get_member (object, name) : NULL;
}

static gboolean
has_member (JsonObject *object,
            const char *name)
{
  return object != NULL && json_object_has_member (object, name);
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonObject *
array_object (JsonArray *array,
              guint      i)
{
  JsonNode *node = json_array_get_element (array, i);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* A trimmed copy, or NULL when empty. */
static char *
trimmed (const char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  copy = g_strstrip (g_utf8_make_valid (text, -1));
  if (*copy == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

/* An id may be written as a string or a whole number. */
static char *
get_id (JsonObject *object,
        const char *name)
{
  JsonNode *node = member (object, name);
  char *id = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    id = trimmed (json_node_get_string (node));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (id != NULL && g_utf8_strlen (id, -1) > MAX_ID_CHARS)
    g_clear_pointer (&id, g_free);
  return id;
}

/* A number, written as one or as text (the tabular form has only text). */
static gboolean
get_number (JsonObject *object,
            const char *name,
            gdouble    *value)
{
  JsonNode *node = member (object, name);
  gdouble v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      v = (gdouble) json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      v = json_node_get_double (node);
      break;
    case G_TYPE_STRING:
      {
        g_autofree char *text = trimmed (json_node_get_string (node));
        char *end = NULL;

        if (text == NULL)
          return FALSE;
        v = g_ascii_strtod (text, &end);
        if (end == text || *end != '\0')
          return FALSE;
        break;
      }
    default:
      return FALSE;
    }
  if (!isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

static char *
truncate_chars (char  *text,
                glong  max_chars)
{
  char *cut;

  if (text == NULL || g_utf8_strlen (text, -1) <= max_chars)
    return text;
  *g_utf8_offset_to_pointer (text, max_chars - 1) = '\0';
  cut = g_strconcat (text, "…", NULL);
  g_free (text);
  return cut;
}

/* One line of plain text from what may be HTML, or NULL when empty. */
static char *
clean_line (const char *html)
{
  char *text = sp_text_one_line (html);

  if (text != NULL && *text == '\0')
    g_clear_pointer (&text, g_free);
  return truncate_chars (text, MAX_NAME_CHARS);
}

/* Plain text with its paragraphs, or NULL when empty. */
static char *
clean_text (const char *html)
{
  char *text = sp_html_to_text (html);

  if (text != NULL && *text == '\0')
    g_clear_pointer (&text, g_free);
  return truncate_chars (text, MAX_TEXT_CHARS);
}

/* For quoting feed text in a note: short, on one line, never NULL. */
static char *
quote_for_note (const char *text)
{
  char *line = clean_line (text);

  return line != NULL ? truncate_chars (line, MAX_NOTE_CHARS) : g_strdup ("");
}

/* ---- The feed ---------------------------------------------------------------- */

struct _SpHsdsFeed
{
  char      *format;
  GPtrArray *services;  /* JsonObject *, or NULL for an item that is not an object */
  GPtrArray *where;     /* char * */
  GPtrArray *problems;  /* char * */
};

static void
service_unref (gpointer service)
{
  if (service != NULL)
    json_object_unref (service);
}

static SpHsdsFeed *
feed_new (const char *format)
{
  SpHsdsFeed *feed = g_new0 (SpHsdsFeed, 1);

  feed->format = g_strdup (format);
  feed->services = g_ptr_array_new_with_free_func (service_unref);
  feed->where = g_ptr_array_new_with_free_func (g_free);
  feed->problems = g_ptr_array_new_with_free_func (g_free);
  return feed;
}

void
sp_hsds_feed_free (SpHsdsFeed *feed)
{
  if (feed == NULL)
    return;
  g_free (feed->format);
  g_ptr_array_unref (feed->services);
  g_ptr_array_unref (feed->where);
  g_ptr_array_unref (feed->problems);
  g_free (feed);
}

guint
sp_hsds_feed_get_n_services (SpHsdsFeed *feed)
{
  g_return_val_if_fail (feed != NULL, 0);
  return feed->services->len;
}

const char *
sp_hsds_feed_get_format (SpHsdsFeed *feed)
{
  g_return_val_if_fail (feed != NULL, NULL);
  return feed->format;
}

static void
feed_add (SpHsdsFeed *feed,
          JsonObject *service,
          char       *where)
{
  g_ptr_array_add (feed->services, service != NULL ? json_object_ref (service) : NULL);
  g_ptr_array_add (feed->where, where);
}

static gboolean
looks_like_oruk (JsonObject *service)
{
  return has_member (service, "regular_schedules") || has_member (service, "service_taxonomys") ||
         has_member (service, "eligibilitys") || has_member (service, "attending_type");
}

/* A page says where it sits among others; only this page is read. */
static void
note_page (SpHsdsFeed *feed,
           JsonObject *root,
           const char *pages_member,
           const char *page_member,
           gboolean    page_from_zero)
{
  gdouble pages = 0, page = 0;

  if (get_number (root, pages_member, &pages) && pages > 1 && pages < 1e9)
    {
      if (!get_number (root, page_member, &page) || page < 0 || page > 1e9)
        page = page_from_zero ? 0 : 1;
      g_ptr_array_add (feed->problems,
                       g_strdup_printf (_("This file is page %u of %u of the feed; only the services on this page were read. "
                                          "Services on other pages are left as they are."),
                                        (guint) page + (page_from_zero ? 1 : 0), (guint) pages));
    }
}

SpHsdsFeed *
sp_hsds_feed_new_from_json (const char  *data,
                            gsize        length,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SpHsdsFeed) feed = NULL;
  JsonNode *root;
  JsonArray *list = NULL;
  gboolean oruk = FALSE;
  gboolean single = FALSE;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > MAX_FEED_BYTES)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("The file is larger than %u MB, more than a catalogue feed should be. Check it is the right file."),
                   (guint) (MAX_FEED_BYTES / (1024 * 1024)));
      return NULL;
    }
  switch (sp_json_text_shape (data, length, MAX_JSON_DEPTH))
    {
    case SP_JSON_SHAPE_TOO_DEEP:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The file is nested more deeply than any Open Referral feed, so it was not read."));
      return NULL;
    case SP_JSON_SHAPE_SEVERAL:
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The file is not valid JSON: more follows the end of its first value."));
      return NULL;
    case SP_JSON_SHAPE_OK:
    default:
      break;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, length > 0 ? data : "", (gssize) length, &local_error))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("The file is not valid JSON: %s"), local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID, _("The file is empty."));
      return NULL;
    }

  if (JSON_NODE_HOLDS_ARRAY (root))
    list = json_node_get_array (root);
  else if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);

      if ((list = get_array (object, "contents")) != NULL)
        {
          feed = feed_new (NULL);
          note_page (feed, object, "total_pages", "page_number", FALSE);
        }
      else if ((list = get_array (object, "content")) != NULL)
        {
          feed = feed_new (NULL);
          oruk = TRUE;
          note_page (feed, object, "totalPages", "number", TRUE);
        }
      else if ((list = get_array (object, "services")) == NULL)
        {
          if (!has_member (object, "id") && !has_member (object, "name"))
            {
              g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                                   _("The file is JSON, but not an Open Referral service, list of services or page of services."));
              return NULL;
            }
          single = TRUE;
        }
    }
  else
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("The file is JSON, but not an Open Referral service, list of services or page of services."));
      return NULL;
    }

  if (feed == NULL)
    feed = feed_new (NULL);

  if (single)
    {
      JsonObject *service = json_node_get_object (root);

      feed_add (feed, service, g_strdup (_("the service in the file")));
      oruk = looks_like_oruk (service);
    }
  else
    {
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonObject *service = array_object (list, i);

          feed_add (feed, service, g_strdup_printf (_("service %u in the file"), i + 1));
          oruk = oruk || (service != NULL && looks_like_oruk (service));
        }
    }

  feed->format = g_strdup (oruk ? _("Open Referral UK v1 JSON") : _("HSDS 3.0 JSON"));
  return g_steal_pointer (&feed);
}

/* ---- The tabular form -------------------------------------------------------- */

enum
{
  T_SERVICE,
  T_ORGANIZATION,
  T_SERVICE_AT_LOCATION,
  T_LOCATION,
  T_ADDRESS,
  T_SCHEDULE,
  T_COST_OPTION,
  T_ATTRIBUTE,
  T_TAXONOMY_TERM,
  T_TAXONOMY,
  T_PHONE,
  N_TABLES
};

/* Resource names in datapackage.json, and the file names to try when it
 * does not say (HSDS 3.0's first; the others seen in the wild). */
static const struct
{
  const char *resource;
  const char *files[3];
} table_names[N_TABLES] = {
  [T_SERVICE] = { "service", { "services.csv", "service.csv", NULL } },
  [T_ORGANIZATION] = { "organization", { "organizations.csv", "organization.csv", NULL } },
  [T_SERVICE_AT_LOCATION] = { "service_at_location", { "service_at_location.csv", "service_at_locations.csv", NULL } },
  [T_LOCATION] = { "location", { "locations.csv", "location.csv", NULL } },
  [T_ADDRESS] = { "address", { "addresses.csv", "physical_addresses.csv", "address.csv" } },
  [T_SCHEDULE] = { "schedule", { "schedules.csv", "regular_schedules.csv", "schedule.csv" } },
  [T_COST_OPTION] = { "cost_option", { "cost_options.csv", "cost_option.csv", NULL } },
  [T_ATTRIBUTE] = { "attribute", { "attributes.csv", "attribute.csv", NULL } },
  [T_TAXONOMY_TERM] = { "taxonomy_term", { "taxonomy_terms.csv", "taxonomy_term.csv", NULL } },
  [T_TAXONOMY] = { "taxonomy", { "taxonomies.csv", "taxonomy.csv", NULL } },
  [T_PHONE] = { "phone", { "phones.csv", "phone.csv", NULL } },
};

typedef struct
{
  char      *file;
  GPtrArray *rows;   /* JsonObject *: every column, null when empty */
  GArray    *lines;  /* guint, the line each row starts on */
} Table;

static void
table_free (Table *table)
{
  if (table == NULL)
    return;
  g_free (table->file);
  g_ptr_array_unref (table->rows);
  g_array_unref (table->lines);
  g_free (table);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Table, table_free)

static Table *
table_parse (const char  *file,
             GBytes      *bytes,
             GError     **error)
{
  g_autoptr(Table) table = g_new0 (Table, 1);
  g_autoptr(GPtrArray) cells = NULL;
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) header = g_ptr_array_new_with_free_func (g_free);
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  table->file = g_strdup (file);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  table->lines = g_array_new (FALSE, FALSE, sizeof (guint));

  cells = sp_csv_parse (data != NULL ? data : "", length, lines, &local_error);
  if (cells == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID, "%s: %s", file, local_error->message);
      return NULL;
    }
  if (cells->len == 0)
    return g_steal_pointer (&table);

  for (char **h = cells->pdata[0]; *h != NULL; h++)
    {
      char *name = g_ascii_strdown (g_strstrip (*h), -1);
      g_ptr_array_add (header, name);
    }

  for (guint r = 1; r < cells->len; r++)
    {
      char **row = cells->pdata[r];
      JsonObject *object = json_object_new ();
      gboolean any = FALSE;
      guint n = g_strv_length (row);

      for (guint c = 0; c < header->len; c++)
        {
          const char *name = header->pdata[c];
          g_autofree char *value = c < n ? trimmed (row[c]) : NULL;

          if (*name == '\0' || json_object_has_member (object, name))
            continue;
          if (value != NULL)
            {
              json_object_set_string_member (object, name, value);
              any = TRUE;
            }
          else
            json_object_set_null_member (object, name);
        }
      if (!any)
        {
          json_object_unref (object);
          continue;
        }
      g_ptr_array_add (table->rows, object);
      g_array_append_val (table->lines, g_array_index (lines, guint, r));
    }
  return g_steal_pointer (&table);
}

/* Rows of a table keyed by one column; the arrays hold borrowed rows. */
static GHashTable *
table_index (Table      *table,
             const char *column)
{
  GHashTable *index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; table != NULL && i < table->rows->len; i++)
    {
      JsonObject *row = table->rows->pdata[i];
      g_autofree char *key = get_id (row, column);
      GPtrArray *rows;

      if (key == NULL)
        continue;
      rows = g_hash_table_lookup (index, key);
      if (rows == NULL)
        {
          rows = g_ptr_array_new ();
          g_hash_table_insert (index, g_strdup (key), rows);
        }
      g_ptr_array_add (rows, row);
    }
  return index;
}

static JsonObject *
index_first (GHashTable *index,
             const char *key)
{
  GPtrArray *rows = key != NULL ? g_hash_table_lookup (index, key) : NULL;

  return rows != NULL ? rows->pdata[0] : NULL;
}

static JsonObject *
copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (copy, name, json_node_copy (node));
  return copy;
}

static JsonArray *
rows_array (GHashTable *index,
            const char *key)
{
  GPtrArray *rows = key != NULL ? g_hash_table_lookup (index, key) : NULL;
  JsonArray *array = json_array_new ();

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    json_array_add_object_element (array, copy_object (rows->pdata[i]));
  return array;
}

/* The file name datapackage.json gives a resource, lower-cased, or NULL. */
static char *
datapackage_path (JsonObject *package,
                  const char *resource)
{
  JsonArray *resources = get_array (package, "resources");

  for (guint i = 0; resources != NULL && i < json_array_get_length (resources); i++)
    {
      JsonObject *r = array_object (resources, i);
      const char *name = get_string (r, "name");
      const char *path = get_string (r, "path");
      const char *base;

      if (name == NULL || path == NULL || g_ascii_strcasecmp (name, resource) != 0)
        continue;
      base = strrchr (path, '/');
      return g_ascii_strdown (base != NULL ? base + 1 : path, -1);
    }
  return NULL;
}

/* Rows of @table whose @column names no service in @services. */
static void
note_orphans (SpHsdsFeed *feed,
              Table      *table,
              const char *column,
              GHashTable *services)
{
  guint n = 0;

  for (guint i = 0; table != NULL && i < table->rows->len; i++)
    {
      g_autofree char *id = get_id (table->rows->pdata[i], column);

      if (id != NULL && !g_hash_table_contains (services, id))
        n++;
    }
  if (n > 0)
    g_ptr_array_add (feed->problems,
                     g_strdup_printf (ngettext ("%s: %u row names a service that is not in the services table; it was not used.",
                                                "%s: %u rows name a service that is not in the services table; they were not used.",
                                                n),
                                      table->file, n));
}

/* @files: lower-cased file name → GBytes. Joins the tables into nested
 * services, as the JSON form has them. A table the package lacks leaves
 * its member out, so Signpost keeps what it has for it. */
SpHsdsFeed *
sp_hsds_feed_new_from_tables (GHashTable  *files,
                              GError     **error)
{
  g_autoptr(SpHsdsFeed) feed = feed_new (_("HSDS 3.0 tabular (CSV)"));
  g_autoptr(JsonObject) package = NULL;
  Table *tables[N_TABLES] = { NULL, };
  GBytes *package_bytes;
  g_autoptr(GHashTable) orgs = NULL, sals = NULL, locations = NULL, addresses = NULL;
  g_autoptr(GHashTable) service_schedules = NULL, sal_schedules = NULL, costs = NULL;
  g_autoptr(GHashTable) attributes = NULL, terms = NULL, taxonomies = NULL, services = NULL, phones = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (files != NULL, NULL);

  package_bytes = g_hash_table_lookup (files, "datapackage.json");
  if (package_bytes != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      gsize length = 0;
      const char *data = g_bytes_get_data (package_bytes, &length);

      if (data != NULL && sp_json_text_shape (data, length, MAX_JSON_DEPTH) == SP_JSON_SHAPE_OK &&
          json_parser_load_from_data (parser, data, (gssize) length, NULL) &&
          json_parser_get_root (parser) != NULL && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        package = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
      else
        g_ptr_array_add (feed->problems,
                         g_strdup (_("datapackage.json could not be read, so the tables were found by their usual file names.")));
    }

  for (guint t = 0; t < N_TABLES; t++)
    {
      g_autofree char *declared = package != NULL ? datapackage_path (package, table_names[t].resource) : NULL;
      const char *file = NULL;
      GBytes *bytes = NULL;

      if (declared != NULL && (bytes = g_hash_table_lookup (files, declared)) != NULL)
        file = declared;
      for (guint k = 0; bytes == NULL && k < G_N_ELEMENTS (table_names[t].files) && table_names[t].files[k] != NULL; k++)
        {
          file = table_names[t].files[k];
          bytes = g_hash_table_lookup (files, file);
        }
      if (bytes == NULL)
        continue;
      tables[t] = table_parse (file, bytes, error);
      if (tables[t] == NULL)
        goto out;
    }

  if (tables[T_SERVICE] == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("There is no services.csv, so this is not an Open Referral tabular data package."));
      goto out;
    }

  services = table_index (tables[T_SERVICE], "id");
  orgs = table_index (tables[T_ORGANIZATION], "id");
  sals = table_index (tables[T_SERVICE_AT_LOCATION], "service_id");
  locations = table_index (tables[T_LOCATION], "id");
  addresses = table_index (tables[T_ADDRESS], "location_id");
  service_schedules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  sal_schedules = table_index (tables[T_SCHEDULE], "service_at_location_id");
  costs = table_index (tables[T_COST_OPTION], "service_id");
  attributes = table_index (tables[T_ATTRIBUTE], "link_id");
  terms = table_index (tables[T_TAXONOMY_TERM], "id");
  taxonomies = table_index (tables[T_TAXONOMY], "id");
  phones = table_index (tables[T_PHONE], "organization_id");

  /* A schedule tied to a service at a location belongs there, not to the
   * service as a whole. */
  for (guint i = 0; tables[T_SCHEDULE] != NULL && i < tables[T_SCHEDULE]->rows->len; i++)
    {
      JsonObject *row = tables[T_SCHEDULE]->rows->pdata[i];
      g_autofree char *sal_id = get_id (row, "service_at_location_id");
      g_autofree char *service_id = get_id (row, "service_id");
      GPtrArray *rows;

      if (sal_id != NULL || service_id == NULL)
        continue;
      rows = g_hash_table_lookup (service_schedules, service_id);
      if (rows == NULL)
        {
          rows = g_ptr_array_new ();
          g_hash_table_insert (service_schedules, g_strdup (service_id), rows);
        }
      g_ptr_array_add (rows, row);
    }

  note_orphans (feed, tables[T_SERVICE_AT_LOCATION], "service_id", services);
  note_orphans (feed, tables[T_COST_OPTION], "service_id", services);

  for (guint i = 0; i < tables[T_SERVICE]->rows->len; i++)
    {
      JsonObject *row = tables[T_SERVICE]->rows->pdata[i];
      g_autoptr(JsonObject) service = copy_object (row);
      g_autofree char *id = get_id (row, "id");
      g_autofree char *org_id = get_id (row, "organization_id");
      JsonObject *org = index_first (orgs, org_id);

      if (org != NULL)
        {
          JsonObject *copy = copy_object (org);

          if (tables[T_PHONE] != NULL)
            json_object_set_array_member (copy, "phones", rows_array (phones, org_id));
          json_object_set_object_member (service, "organization", copy);
        }

      if (tables[T_SERVICE_AT_LOCATION] != NULL)
        {
          GPtrArray *rows = id != NULL ? g_hash_table_lookup (sals, id) : NULL;
          JsonArray *array = json_array_new ();

          for (guint k = 0; rows != NULL && k < rows->len; k++)
            {
              JsonObject *sal = copy_object (rows->pdata[k]);
              g_autofree char *sal_id = get_id (sal, "id");
              g_autofree char *location_id = get_id (sal, "location_id");
              JsonObject *location = index_first (locations, location_id);

              if (location != NULL)
                {
                  JsonObject *copy = copy_object (location);

                  if (tables[T_ADDRESS] != NULL)
                    json_object_set_array_member (copy, "addresses", rows_array (addresses, location_id));
                  json_object_set_object_member (sal, "location", copy);
                }
              if (tables[T_SCHEDULE] != NULL)
                json_object_set_array_member (sal, "schedules", rows_array (sal_schedules, sal_id));
              json_array_add_object_element (array, sal);
            }
          json_object_set_array_member (service, "service_at_locations", array);
        }

      if (tables[T_SCHEDULE] != NULL)
        json_object_set_array_member (service, "schedules", rows_array (service_schedules, id));
      if (tables[T_COST_OPTION] != NULL)
        json_object_set_array_member (service, "cost_options", rows_array (costs, id));

      if (tables[T_ATTRIBUTE] != NULL)
        {
          GPtrArray *rows = id != NULL ? g_hash_table_lookup (attributes, id) : NULL;
          JsonArray *array = json_array_new ();

          for (guint k = 0; rows != NULL && k < rows->len; k++)
            {
              JsonObject *attribute = rows->pdata[k];
              const char *entity = get_string (attribute, "link_entity");
              g_autofree char *term_id = get_id (attribute, "taxonomy_term_id");
              JsonObject *term = index_first (terms, term_id);
              JsonObject *copy;

              if (entity != NULL && g_ascii_strcasecmp (entity, "service") != 0)
                continue;
              copy = copy_object (attribute);
              if (term != NULL)
                {
                  JsonObject *term_copy = copy_object (term);
                  g_autofree char *taxonomy_id = get_id (term, "taxonomy_id");
                  JsonObject *taxonomy = index_first (taxonomies, taxonomy_id);

                  if (taxonomy != NULL)
                    json_object_set_object_member (term_copy, "taxonomy_detail", copy_object (taxonomy));
                  json_object_set_object_member (copy, "taxonomy_term", term_copy);
                }
              json_array_add_object_element (array, copy);
            }
          json_object_set_array_member (service, "attributes", array);
        }

      feed_add (feed, service, g_strdup_printf (_("%s line %u"), tables[T_SERVICE]->file,
                                                g_array_index (tables[T_SERVICE]->lines, guint, i)));
    }
  ok = TRUE;

out:
  for (guint t = 0; t < N_TABLES; t++)
    table_free (tables[t]);
  return ok ? g_steal_pointer (&feed) : NULL;
}

/* ---- Files, folders and archives ------------------------------------------------ */

static gboolean
read_bounded (const char  *path,
              GBytes     **bytes,
              gsize       *budget,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, &local_error);

  if (mapped == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                   _("“%s” could not be read: %s"), path, local_error->message);
      return FALSE;
    }
  if (g_mapped_file_get_length (mapped) > *budget)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("The feed is larger than %u MB, more than a catalogue feed should be. Check it is the right file."),
                   (guint) (MAX_FEED_BYTES / (1024 * 1024)));
      return FALSE;
    }
  *budget -= g_mapped_file_get_length (mapped);
  /* A copy: the file may change on disk while it is being read. */
  *bytes = g_bytes_new (g_mapped_file_get_contents (mapped) ? g_mapped_file_get_contents (mapped) : "",
                        g_mapped_file_get_length (mapped));
  return TRUE;
}

static GHashTable *
new_file_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
}

static SpHsdsFeed *
load_folder (const char  *path,
             GError     **error)
{
  g_autoptr(GHashTable) files = new_file_table ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &local_error);
  gsize budget = MAX_FEED_BYTES;
  const char *name;

  if (dir == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND,
                   _("The folder “%s” could not be read: %s"), path, local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      g_autofree char *file = NULL;
      GBytes *bytes = NULL;

      if (!g_str_has_suffix (lower, ".csv") && !g_str_equal (lower, "datapackage.json"))
        continue;
      if (g_hash_table_contains (files, lower))
        continue;
      file = g_build_filename (path, name, NULL);
      if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!read_bounded (file, &bytes, &budget, error))
        return NULL;
      g_hash_table_insert (files, g_steal_pointer (&lower), bytes);
    }
  return sp_hsds_feed_new_from_tables (files, error);
}

/* A JSON file, a .zip of the tabular form, a folder of it, or one of its
 * CSV files (which stands for its folder). */
SpHsdsFeed *
sp_hsds_feed_load (const char  *path,
                   GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize budget = MAX_FEED_BYTES;
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return load_folder (path, error);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_NOT_FOUND, _("There is no file or folder “%s”."), path);
      return NULL;
    }
  if (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"))
    {
      g_autofree char *folder = g_path_get_dirname (path);
      return load_folder (folder, error);
    }

  if (!read_bounded (path, &bytes, &budget, error))
    return NULL;
  data = g_bytes_get_data (bytes, &length);

  if (length >= 4 && data[0] == 'P' && data[1] == 'K' && (data[2] == 3 || data[2] == 5))
    {
      g_autoptr(GHashTable) entries = sp_zip_read (bytes, MAX_FEED_BYTES, error);
      g_autoptr(GHashTable) files = new_file_table ();
      GHashTableIter iter;
      gpointer key, value;

      if (entries == NULL)
        return NULL;
      g_hash_table_iter_init (&iter, entries);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          char *lower = g_ascii_strdown (key, -1);

          if (g_hash_table_contains (files, lower))
            g_free (lower);
          else
            g_hash_table_insert (files, lower, g_bytes_ref (value));
        }
      return sp_hsds_feed_new_from_tables (files, error);
    }

  return sp_hsds_feed_new_from_json (data, length, error);
}

/* ---- Recognising what a service is ------------------------------------------- */

typedef struct
{
  const char *code;
  const char *words;  /* "|"-separated; a trailing '*' matches any ending */
} Keywords;

/* Most specific first: the first that fits names the modality. */
static const Keywords modality_words[] = {
  { "tai_chi", "tai chi|taichi|tai ji" },
  { "qigong", "qigong|qi gong|chi kung" },
  { "pilates", "pilates" },
  { "yoga", "yoga|yogic" },
  { "aquatic_exercise", "aquatic*|aqua*|hydrotherap*|swim*|water exercise|water based exercise|pool based" },
  { "strength_balance", "strength and balance|falls prevention|otago|postural stability|steady steps" },
  { "walking_group", "walking group*|health walk*|walking for health|nordic walking|walking|walks|ramblers" },
  { "acupuncture", "acupunctur*" },
  { "massage", "massag*" },
  { "osteopathy", "osteopath*" },
  { "chiropractic", "chiropract*" },
  { "physiotherapy", "physiotherap*|physio" },
  { "pain_management", "pain management|pain self management|living well with pain|escape pain|pain programme*|pain clinic*" },
  { "mindfulness", "mindful*|mbct|mbsr" },
  { "meditation", "meditat*" },
  { "telephone_cbt", "cbt|cognitive behavioural*|cognitive behavioral*" },
  { "gardening", "garden*|allotment*|green gym|horticultur*" },
  { "singing", "sing|singing|choir*|singers" },
  { "arts", "art|arts|craft*|painting|drawing|pottery|creative" },
  { "peer_support", "peer support|support group*|peer group*" },
  { "homeopathy", "homeopath*|homoeopath*" },
  { "exercise_class", "exercise*|fitness|gym|keep fit|circuits|zumba|dance*|dancing|aerobics" },
};

static const Keywords msk_words[] = {
  { "low_back_pain", "back pain|backache|back ache|low back|lower back|back care|backcare|bad back|sciatica|spinal pain" },
  { "neck_pain", "neck" },
  { "shoulder_pain", "shoulder*" },
  { "knee_pain", "knee*" },
  { "hip_pain", "hip|hips" },
  { "inflammatory_arthritis", "rheumatoid|inflammatory arthritis|psoriatic arthritis|ankylosing*|spondyloarthritis|lupus|gout" },
  { "osteoarthritis", "osteoarthritis|arthritis|arthritic|joint pain|stiff joints|painful joints|aching joints" },
  { "fibromyalgia", "fibromyalgia|chronic pain|persistent pain|widespread pain|long term pain" },
  { "msk_other", "musculoskeletal|msk|muscle pain|muscle and joint|joint problem*|mobility problem*|back problem*" },
};

static const Keywords mh_words[] = {
  { "depression", "depression|depressed|depressive" },
  { "anxiety", "anxiety|anxious|panic*|phobia*|worry|worries" },
  { "low_mood", "low mood|feeling low|feeling down" },
  { "stress", "stress|stressed|stressful|burnout|burn out" },
  { "mh_other", "mental health|mental wellbeing|mental well being|emotional wellbeing|emotional well being|loneliness|lonely|social isolation|bereavement" },
};

/* A sentence with one of these says who a service is not for. */
static const char negation_words[] =
  "not suitable|unsuitable|not for|not recommended|not appropriate|not able|avoid|unless|exclud*|"
  "contraindicat*|cannot|can t|should not|must not|do not|don t";

static const char online_words[] = "online|zoom|video call*|virtual|webinar*|microsoft teams";
static const char telephone_words[] = "telephone|by phone|phone call*|over the phone|helpline";
static const char one_to_one_words[] = "one to one|1 to 1|one on one|individual session*|individual appointment*|"
                                       "individual treatment*|private session*";

/* Lower case; everything but letters and digits a single space; "&" is
 * "and"; with a space at each end so words are found by " word ". */
static char *
normalize_words (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text != NULL ? text : "", -1);
  GString *out = g_string_new (" ");

  for (const char *p = lower; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (g_ascii_isalnum (c) || c >= 0x80)
        g_string_append_c (out, (char) c);
      else if (c == '&')
        g_string_append (out, out->str[out->len - 1] == ' ' ? "and " : " and ");
      else if (out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  if (out->str[out->len - 1] != ' ')
    g_string_append_c (out, ' ');
  return g_string_free (out, FALSE);
}

/* Is one of @words in @text (made by normalize_words)? */
static gboolean
has_words (const char *text,
           const char *words)
{
  const char *w = words;

  while (*w != '\0')
    {
      const char *bar = strchr (w, '|');
      gsize len = bar != NULL ? (gsize) (bar - w) : strlen (w);
      gboolean stem = len > 0 && w[len - 1] == '*';
      char needle[64];
      gsize n = stem ? len - 1 : len;

      if (n > 0 && n + 2 < sizeof needle)
        {
          needle[0] = ' ';
          memcpy (needle + 1, w, n);
          needle[n + 1] = '\0';
          for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
            {
              const char *after = p + n + 1;

              if (stem || *after == ' ' || (*after == 's' && after[1] == ' '))
                return TRUE;
            }
        }
      w += len;
      if (*w == '|')
        w++;
    }
  return FALSE;
}

/* The sentences of @text that do not say who a service is not for, as
 * normalized words. */
static char *
affirmative_words (const char *text)
{
  g_autoptr(GString) kept = g_string_new (NULL);
  const char *start = text != NULL ? text : "";

  for (const char *p = start;; p++)
    {
      if (*p == '\0' || *p == '.' || *p == '!' || *p == '?' || *p == ';' || *p == '\n')
        {
          g_autofree char *sentence = g_strndup (start, (gsize) (p - start));
          g_autofree char *words = normalize_words (sentence);

          if (!has_words (words, negation_words))
            g_string_append (kept, words);
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
  return g_string_free (g_steal_pointer (&kept), FALSE);
}

static void
add_code (GPtrArray  *codes,
          const char *code)
{
  for (guint i = 0; i < codes->len; i++)
    if (g_str_equal (codes->pdata[i], code))
      return;
  g_ptr_array_add (codes, g_strdup (code));
}

static void
find_conditions (const char     *text,
                 const Keywords *table,
                 gsize           n_table,
                 GPtrArray      *codes)
{
  for (gsize i = 0; i < n_table; i++)
    {
      const char *search = text;
      g_autofree char *without = NULL;

      /* "Rheumatoid arthritis" is not osteoarthritis. */
      if (g_str_equal (table[i].code, "osteoarthritis"))
        {
          static const char * const inflammatory[] = {
            " rheumatoid arthritis ", " inflammatory arthritis ", " psoriatic arthritis ", " juvenile arthritis ",
          };
          GString *copy = g_string_new (text);

          for (guint k = 0; k < G_N_ELEMENTS (inflammatory); k++)
            g_string_replace (copy, inflammatory[k], " ", 0);
          without = g_string_free (copy, FALSE);
          search = without;
        }
      if (has_words (search, table[i].words))
        add_code (codes, table[i].code);
    }
}

static const char *
find_modality (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (modality_words); i++)
    if (has_words (text, modality_words[i].words))
      return modality_words[i].code;
  return NULL;
}

typedef struct
{
  const char *modality;    /* a vocabulary code, or NULL */
  GPtrArray  *msk;         /* char * codes */
  GPtrArray  *mh;
  const char *format;      /* a vocabulary code, or NULL */
  gboolean    exact;       /* from Signpost's own taxonomy */
  gboolean    unreviewed;  /* that taxonomy says an admin has not checked it */
} Classification;

static void
classification_clear (Classification *c)
{
  g_clear_pointer (&c->msk, g_ptr_array_unref);
  g_clear_pointer (&c->mh, g_ptr_array_unref);
}

/* A term of Signpost's own taxonomy ("modality:yoga", …): sets it on @c. */
static gboolean
take_signpost_term (Classification *c,
                    const char     *code)
{
  static const struct { const char *prefix; SpVocab vocab; } kinds[] = {
    { "modality:", SP_VOCAB_MODALITY }, { "msk:", SP_VOCAB_MSK_CONDITION },
    { "mh:", SP_VOCAB_MH_CONDITION }, { "format:", SP_VOCAB_FORMAT },
  };

  if (g_strcmp0 (code, "review:needed") == 0)
    {
      c->unreviewed = TRUE;
      return TRUE;
    }
  for (guint k = 0; code != NULL && k < G_N_ELEMENTS (kinds); k++)
    {
      const char *value;
      const SpVocabEntry *entries;
      guint n = 0;

      if (!g_str_has_prefix (code, kinds[k].prefix))
        continue;
      value = code + strlen (kinds[k].prefix);
      entries = sp_vocab_entries (kinds[k].vocab, &n);
      for (guint i = 0; i < n; i++)
        {
          if (!g_str_equal (entries[i].code, value))
            continue;
          /* The static vocabulary outlives the classification. */
          if (kinds[k].vocab == SP_VOCAB_MODALITY)
            c->modality = entries[i].code;
          else if (kinds[k].vocab == SP_VOCAB_FORMAT)
            c->format = entries[i].code;
          else
            add_code (kinds[k].vocab == SP_VOCAB_MSK_CONDITION ? c->msk : c->mh, entries[i].code);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
is_signpost_term (JsonObject *term)
{
  JsonObject *detail = get_object (term, "taxonomy_detail");
  g_autofree char *taxonomy_id = get_id (term, "taxonomy_id");
  g_autofree char *detail_id = get_id (detail, "id");
  g_autofree char *signpost_id = sp_hsds_taxonomy_id ();
  const char *names[] = { get_string (term, "taxonomy"), get_string (detail, "name") };

  if (g_strcmp0 (taxonomy_id, signpost_id) == 0 || g_strcmp0 (detail_id, signpost_id) == 0)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i] != NULL && g_ascii_strcasecmp (names[i], SP_HSDS_TAXONOMY_NAME) == 0)
      return TRUE;
  return FALSE;
}

/* The words of the taxonomy terms a service carries, in any of the shapes
 * feeds use; terms of Signpost's own taxonomy go straight into @c. */
static void
collect_terms (JsonObject     *service,
               GString        *words,
               Classification *c)
{
  JsonArray *attributes = get_array (service, "attributes");
  JsonArray *oruk_terms = get_array (service, "service_taxonomys");
  JsonArray *eligibilitys = get_array (service, "eligibilitys");

  for (guint i = 0; attributes != NULL && i < json_array_get_length (attributes); i++)
    {
      JsonObject *term = get_object (array_object (attributes, i), "taxonomy_term");
      const char *code = get_string (term, "code");

      if (term == NULL)
        continue;
      if (is_signpost_term (term) && take_signpost_term (c, code))
        {
          c->exact = TRUE;
          continue;
        }
      g_string_append_printf (words, " %s %s ", code ? code : "", get_string (term, "name") ? get_string (term, "name") : "");
    }

  for (guint i = 0; oruk_terms != NULL && i < json_array_get_length (oruk_terms); i++)
    {
      JsonObject *entry = array_object (oruk_terms, i);
      JsonObject *taxonomy = get_object (entry, "taxonomy");
      const char *name = get_string (taxonomy != NULL ? taxonomy : entry, "name");

      if (name != NULL)
        g_string_append_printf (words, " %s ", name);
    }

  for (guint i = 0; eligibilitys != NULL && i < json_array_get_length (eligibilitys); i++)
    {
      JsonArray *taxonomys = get_array (array_object (eligibilitys, i), "taxonomys");

      for (guint k = 0; taxonomys != NULL && k < json_array_get_length (taxonomys); k++)
        {
          const char *name = get_string (array_object (taxonomys, k), "name");
          if (name != NULL)
            g_string_append_printf (words, " %s ", name);
        }
    }
}

static const char *
format_from_attending_type (const char *attending_type)
{
  g_autofree char *words = normalize_words (attending_type);

  if (has_words (words, "phone|telephone"))
    return "telephone";
  if (has_words (words, "online"))
    return "online";
  if (has_words (words, "home visit*"))
    return "one_to_one";
  return NULL;
}

static gboolean
is_hands_on (const char *modality)
{
  static const char * const individual[] = {
    "acupuncture", "massage", "osteopathy", "chiropractic", "physiotherapy", "homeopathy",
  };

  for (guint i = 0; modality != NULL && i < G_N_ELEMENTS (individual); i++)
    if (g_str_equal (individual[i], modality))
      return TRUE;
  return FALSE;
}

/* ---- Mapping a service ------------------------------------------------------- */

enum
{
  HAS_DESCRIPTION = 1 << 0,
  HAS_LOCATION    = 1 << 1,
  HAS_SCHEDULE    = 1 << 2,
  HAS_FEE         = 1 << 3,
  HAS_STATUS      = 1 << 4,
  HAS_AGES        = 1 << 5,
  HAS_ELIGIBILITY = 1 << 6,
  HAS_ASSURED     = 1 << 7,
  HAS_MODIFIED    = 1 << 8,
};

/* What the feed says about one record, before it meets the store. */
typedef struct
{
  gpointer        record;        /* SpProvider or SpOffering, feed-owned fields only */
  guint           has;
  gboolean        fee_unknown;   /* the feed prices it, but not in a way Signpost can read */
  Classification  classification;
  char           *provider_id;   /* offerings: the Signpost provider */
} Incoming;

/* The record itself is freed by the item, which knows its kind. */
static void
incoming_free (Incoming *in)
{
  if (in == NULL)
    return;
  classification_clear (&in->classification);
  g_free (in->provider_id);
  g_free (in);
}

static void
note (GPtrArray  *notes,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
note (GPtrArray  *notes,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (notes, g_strdup_vprintf (format, args));
  va_end (args);
}

/* "10:00", "10:00:00", "10:00:00Z", "9:30", "10am", "2.30 pm" → "HH:MM". */
static char *
time_of_day (const char *text)
{
  g_autofree char *t = trimmed (text);
  g_autofree char *lower = NULL;
  guint hour = 0, minute = 0;
  const char *p;
  guint digits = 0;

  if (t == NULL)
    return NULL;
  lower = g_ascii_strdown (t, -1);
  p = lower;
  for (; g_ascii_isdigit (*p) && digits < 2; p++, digits++)
    hour = hour * 10 + (guint) (*p - '0');
  if (digits == 0)
    return NULL;
  if (*p == ':' || *p == '.')
    {
      p++;
      if (!g_ascii_isdigit (p[0]) || !g_ascii_isdigit (p[1]))
        return NULL;
      minute = (guint) ((p[0] - '0') * 10 + (p[1] - '0'));
      p += 2;
      if (*p == ':' && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]))
        p += 3;
    }
  while (*p == ' ')
    p++;
  if (g_str_has_prefix (p, "am") || g_str_has_prefix (p, "pm"))
    {
      if (hour < 1 || hour > 12)
        return NULL;
      hour = hour % 12 + (p[0] == 'p' ? 12 : 0);
      p += 2;
    }
  /* A time zone or fraction of a second may follow; opening times are
   * local clock times either way. */
  if (*p != '\0' && *p != 'z' && *p != '+' && *p != '-' && *p != '.')
    return NULL;
  if (hour > 23 || minute > 59)
    return NULL;
  return g_strdup_printf ("%02u:%02u", hour, minute);
}

static const char * const rrule_days[] = { "MO", "TU", "WE", "TH", "FR", "SA", "SU" };
static const char * const day_codes[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* "MO" → 0 … "SU" → 6, also "Monday"/"mon"; or -1. */
static gint
day_index (const char *token)
{
  for (gint i = 0; i < 7; i++)
    if (g_ascii_strcasecmp (token, rrule_days[i]) == 0 ||
        g_ascii_strncasecmp (token, day_codes[i], 3) == 0)
      return i;
  return -1;
}

static const char *
ordinal_word (gint n)
{
  switch (n)
    {
    case 1: return _("first");
    case 2: return _("second");
    case 3: return _("third");
    case 4: return _("fourth");
    case 5: return _("fifth");
    case -1: return _("last");
    default: return NULL;
    }
}

static void
add_slot (JsonArray  *slots,
          gint        day,
          const char *start,
          const char *end)
{
  for (guint i = 0; i < json_array_get_length (slots); i++)
    {
      JsonObject *s = json_array_get_object_element (slots, i);

      if (g_strcmp0 (get_string (s, "day"), day_codes[day]) == 0 &&
          g_strcmp0 (get_string (s, "start"), start) == 0 && g_strcmp0 (get_string (s, "end"), end) == 0)
        return;
    }
  {
    JsonObject *slot = json_object_new ();

    json_object_set_string_member (slot, "day", day_codes[day]);
    if (start != NULL)
      json_object_set_string_member (slot, "start", start);
    if (end != NULL)
      json_object_set_string_member (slot, "end", end);
    json_array_add_object_element (slots, slot);
  }
}

static void
add_piece (GPtrArray  *pieces,
           const char *piece)
{
  if (piece == NULL || *piece == '\0')
    return;
  for (guint i = 0; i < pieces->len; i++)
    if (g_str_equal (pieces->pdata[i], piece))
      return;
  g_ptr_array_add (pieces, g_strdup (piece));
}

/* One HSDS (or ORUK) schedule: weekly days become slots; anything else
 * becomes words for the schedule note. */
static void
map_schedule (JsonObject *schedule,
              JsonArray  *slots,
              GPtrArray  *pieces,
              GPtrArray  *notes)
{
  g_autofree char *freq = trimmed (get_string (schedule, "freq"));
  g_autofree char *byday = trimmed (get_string (schedule, "byday"));
  g_autofree char *weekday = trimmed (get_string (schedule, "weekday"));
  g_autofree char *bymonthday = trimmed (get_string (schedule, "bymonthday"));
  g_autofree char *start = time_of_day (get_string (schedule, "opens_at"));
  g_autofree char *end = time_of_day (get_string (schedule, "closes_at"));
  g_autofree char *description = clean_line (get_string (schedule, "description"));
  g_autofree char *times = NULL;
  g_auto(GStrv) tokens = NULL;
  gdouble interval = 1;
  gboolean monthly;
  gboolean weekly;

  if (get_string (schedule, "opens_at") != NULL && start == NULL)
    {
      g_autofree char *shown = quote_for_note (get_string (schedule, "opens_at"));
      note (notes, _("The opening time “%s” was not understood; the day was kept without times."), shown);
    }
  if (get_string (schedule, "closes_at") != NULL && end == NULL)
    {
      g_autofree char *shown = quote_for_note (get_string (schedule, "closes_at"));
      note (notes, _("The closing time “%s” was not understood; the day was kept without times."), shown);
    }
  if (start != NULL || end != NULL)
    times = g_strdup_printf ("%s–%s", start ? start : "?", end ? end : "?");

  /* ORUK's regular schedules may name the day ("Monday", or 1 for Monday). */
  if (byday == NULL && weekday == NULL)
    {
      gdouble n;
      if (get_number (schedule, "weekday", &n) && n >= 1 && n <= 7)
        weekday = g_strdup (rrule_days[(gint) n - 1]);
    }
  if (byday == NULL && weekday != NULL && day_index (weekday) >= 0)
    byday = g_strdup (rrule_days[day_index (weekday)]);

  if (get_number (schedule, "interval", &interval) && (interval < 1 || interval > 52))
    interval = 1;

  monthly = freq != NULL && g_ascii_strcasecmp (freq, "MONTHLY") == 0;
  weekly = !monthly && (freq == NULL || g_ascii_strcasecmp (freq, "WEEKLY") == 0 ||
                        g_ascii_strcasecmp (freq, "DAILY") == 0);

  if (freq != NULL && g_ascii_strcasecmp (freq, "DAILY") == 0 && byday == NULL)
    byday = g_strdup ("MO,TU,WE,TH,FR,SA,SU");

  tokens = g_strsplit (byday != NULL ? byday : "", ",", 16);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      char *token = g_strstrip (tokens[i]);
      gint ordinal = 0;
      char *rest = token;
      gint day;

      if (*token == '\0')
        continue;
      if (*rest == '+' || *rest == '-' || g_ascii_isdigit (*rest))
        {
          ordinal = (gint) g_ascii_strtoll (rest, &rest, 10);
          if (ordinal == 0)
            ordinal = 99;
        }
      day = strlen (rest) >= 2 ? day_index (rest) : -1;
      if (day < 0)
        {
          g_autofree char *shown = quote_for_note (token);
          note (notes, _("The day “%s” in a schedule was not understood and was left out."), shown);
          continue;
        }

      if (weekly && ordinal == 0)
        {
          add_slot (slots, day, start, end);
          if (interval >= 2)
            {
              g_autofree char *piece = g_strdup_printf (_("Every %u weeks on %s"), (guint) interval,
                                                        sp_vocab_label (SP_VOCAB_DAY, day_codes[day]));
              add_piece (pieces, piece);
            }
        }
      else
        {
          const char *which = ordinal_word (ordinal);
          g_autofree char *piece = NULL;

          if (which != NULL)
            piece = g_strdup_printf (_("Monthly, the %s %s%s%s"), which,
                                     sp_vocab_label (SP_VOCAB_DAY, day_codes[day]),
                                     times ? " " : "", times ? times : "");
          else
            piece = g_strdup_printf (_("Monthly, on a %s%s%s"),
                                     sp_vocab_label (SP_VOCAB_DAY, day_codes[day]),
                                     times ? " " : "", times ? times : "");
          add_piece (pieces, piece);
        }
    }

  if (monthly && bymonthday != NULL)
    {
      g_autofree char *piece = g_strdup_printf (_("Monthly, on day %s of the month%s%s"), bymonthday,
                                                times ? " " : "", times ? times : "");
      g_autofree char *clean = clean_line (piece);
      add_piece (pieces, clean);
    }
  else if (monthly && byday == NULL)
    {
      g_autofree char *piece = g_strdup_printf ("%s%s%s", _("Monthly"), times ? " " : "", times ? times : "");
      add_piece (pieces, piece);
    }
  else if (!weekly && !monthly)
    {
      g_autofree char *shown = quote_for_note (freq);
      note (notes, _("A schedule repeats “%s”, which Signpost does not read; see the schedule note."), shown);
    }

  add_piece (pieces, description);
}

static void
collect_schedules (JsonArray *schedules,
                   JsonArray *slots,
                   GPtrArray *pieces,
                   GPtrArray *notes)
{
  for (guint i = 0; schedules != NULL && i < json_array_get_length (schedules); i++)
    {
      JsonObject *schedule = array_object (schedules, i);
      if (schedule != NULL)
        map_schedule (schedule, slots, pieces, notes);
    }
}

static JsonArray *
schedules_of (JsonObject *object)
{
  JsonArray *a = get_array (object, "schedules");

  if (a == NULL)
    a = get_array (object, "regular_schedules");
  if (a == NULL)
    a = get_array (object, "regular_schedule");
  return a;
}

static gboolean
has_schedules (JsonObject *object)
{
  return has_member (object, "schedules") || has_member (object, "regular_schedules") ||
         has_member (object, "regular_schedule");
}

static gboolean
is_uk_country (const char *country)
{
  static const char * const uk[] = {
    "gb", "gbr", "uk", "united kingdom", "great britain", "england", "scotland", "wales", "northern ireland",
  };
  g_autofree char *c = trimmed (country);

  for (guint i = 0; c != NULL && i < G_N_ELEMENTS (uk); i++)
    if (g_ascii_strcasecmp (c, uk[i]) == 0)
      return TRUE;
  return c == NULL;
}

static void
map_address (SpOffering *o,
             JsonObject *location,
             GPtrArray  *notes)
{
  JsonArray *addresses = get_array (location, "addresses");
  JsonObject *address = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  const char * const parts[] = { "address_1", "address_2", "city" };
  g_autofree char *postcode = NULL;

  if (addresses == NULL)
    addresses = get_array (location, "physical_addresses");
  for (guint i = 0; addresses != NULL && i < json_array_get_length (addresses); i++)
    {
      JsonObject *a = array_object (addresses, i);
      const char *type = get_string (a, "address_type");

      if (a == NULL)
        continue;
      if (address == NULL || (type != NULL && g_ascii_strcasecmp (type, "physical") == 0))
        address = a;
      if (type != NULL && g_ascii_strcasecmp (type, "physical") == 0)
        break;
    }
  if (address == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *part = clean_line (get_string (address, parts[i]));
      if (part != NULL)
        g_string_append_printf (line, "%s%s", line->len > 0 ? ", " : "", part);
    }
  if (line->len > 0)
    o->address = truncate_chars (g_strdup (line->str), MAX_NAME_CHARS);

  postcode = trimmed (get_string (address, "postal_code"));
  if (postcode != NULL)
    {
      o->postcode = sp_postcode_normalize (postcode, NULL);
      if (o->postcode == NULL)
        {
          g_autofree char *shown = quote_for_note (postcode);
          note (notes, _("“%s” is not a UK postcode, so the postcode was left out."), shown);
        }
    }
  if (!is_uk_country (get_string (address, "country")))
    {
      g_autofree char *shown = quote_for_note (get_string (address, "country"));
      note (notes, _("The address is in “%s”, not the UK."), shown);
    }
}

/* Great Britain and Northern Ireland, roughly: a point outside is a typo,
 * swapped coordinates or a placeholder. */
static gboolean
coordinates_in_uk (gdouble lat,
                   gdouble lon)
{
  return lat >= 49.0 && lat <= 61.0 && lon >= -9.0 && lon <= 2.0;
}

/* The first place a service happens in person; where it happens only
 * online, a hint for its format. Returns the service at location used. */
static JsonObject *
map_location (SpOffering *o,
              JsonObject *service,
              GPtrArray  *notes,
              gboolean   *virtual_only)
{
  JsonArray *sals = get_array (service, "service_at_locations");
  JsonObject *chosen = NULL;
  JsonObject *location = NULL;
  guint n_physical = 0;
  guint n_virtual = 0;
  gdouble lat = 0, lon = 0;
  gboolean has_lat, has_lon;

  for (guint i = 0; sals != NULL && i < json_array_get_length (sals); i++)
    {
      JsonObject *sal = array_object (sals, i);
      JsonObject *loc = get_object (sal, "location");
      const char *type = get_string (loc, "location_type");

      if (loc == NULL)
        continue;
      if (type != NULL && g_ascii_strcasecmp (type, "virtual") == 0)
        {
          n_virtual++;
          continue;
        }
      if (n_physical++ == 0)
        {
          chosen = sal;
          location = loc;
        }
    }
  *virtual_only = n_virtual > 0 && n_physical == 0;
  if (n_physical > 1)
    note (notes, ngettext ("The feed gives %u more place for this service; Signpost keeps one place per offering, so only the first was imported.",
                           "The feed gives %u more places for this service; Signpost keeps one place per offering, so only the first was imported.",
                           n_physical - 1),
          n_physical - 1);
  if (location == NULL)
    return NULL;

  o->location_name = clean_line (get_string (location, "name"));
  map_address (o, location, notes);

  has_lat = get_number (location, "latitude", &lat);
  has_lon = get_number (location, "longitude", &lon);
  if (has_lat && has_lon && coordinates_in_uk (lat, lon))
    {
      o->lat = lat;
      o->lon = lon;
    }
  else if (has_lat || has_lon)
    {
      g_autofree char *shown_lat = has_lat ? g_strdup_printf ("%g", lat) : g_strdup ("?");
      g_autofree char *shown_lon = has_lon ? g_strdup_printf ("%g", lon) : g_strdup ("?");
      note (notes, _("The map position (latitude %s, longitude %s) is not in the UK, so it was left out."),
            shown_lat, shown_lon);
    }
  return chosen;
}

/* ---- Fees ---------------------------------------------------------------------- */

typedef enum
{
  FEE_UNCLEAR,
  FEE_FOUND,
  FEE_FREE,
} FeeResult;

/* Reads a price from words, carefully: one amount in pounds (or pence),
 * said to be per session, class, visit, lesson, hour or week, or standing
 * alone with at most a label ("£5", "Cost: £5.00"). Different amounts, a
 * price for a course, "from £5", concessions or donations are left for
 * the admin. */
static FeeResult
fee_from_words (const char *text,
                gint64     *pence)
{
  static const char * const per_session[] = {
    " per session", " a session", " each session", " per class", " a class", " each class",
    " per visit", " a visit", " per lesson", " a lesson", " per hour", " an hour",
    " per week", " a week", " session",
  };
  static const char labels[] = "cost|costs|fee|fees|price|prices|charge|charges|gbp|is";
  g_autofree char *lower = g_utf8_strdown (text, -1);
  g_autoptr(GString) rest = g_string_new (NULL);
  g_autofree char *words = NULL;
  g_auto(GStrv) tokens = NULL;
  gint64 found = -1;
  gboolean per = FALSE;

  for (const char *p = lower; *p != '\0';)
    {
      const char *q = NULL;
      const char *start;
      gboolean in_pence = FALSE;
      g_autofree char *amount_text = NULL;
      g_autofree char *after = NULL;
      g_autofree char *after_words = NULL;
      gint64 amount = 0;

      if (g_str_has_prefix (p, "£"))
        q = p + strlen ("£");
      else if (g_str_has_prefix (p, "gbp") && (p == lower || !g_ascii_isalpha (p[-1])))
        q = p + 3;
      else if (g_ascii_isdigit (*p) && (p == lower || (!g_ascii_isalnum (p[-1]) && p[-1] != '.' && p[-1] != ',')))
        {
          /* "50p" is pence. */
          const char *d = p;

          while (g_ascii_isdigit (*d))
            d++;
          if (*d == 'p' && !g_ascii_isalpha (d[1]))
            {
              q = p;
              in_pence = TRUE;
            }
        }
      if (q == NULL)
        {
          g_string_append_c (rest, *p++);
          continue;
        }

      while (*q == ' ')
        q++;
      start = q;
      while (g_ascii_isdigit (*q) || (*q == ',' && g_ascii_isdigit (q[1])) ||
             (*q == '.' && g_ascii_isdigit (q[1]) && !in_pence))
        q++;
      if (q == start)
        {
          g_string_append_c (rest, *p++);
          continue;
        }
      amount_text = g_strndup (start, (gsize) (q - start));
      if (in_pence)
        {
          if (strlen (amount_text) > 6)
            return FEE_UNCLEAR;
          amount = g_ascii_strtoll (amount_text, NULL, 10);
          q++;
        }
      else if (!sp_money_parse (amount_text, &amount, NULL) || amount > 10000000)
        return FEE_UNCLEAR;

      if (found >= 0 && amount != found)
        return FEE_UNCLEAR;
      found = amount;

      after = g_strndup (q, 24);
      after_words = normalize_words (after);
      for (guint k = 0; k < G_N_ELEMENTS (per_session); k++)
        if (g_str_has_prefix (after_words, per_session[k]) &&
            (after_words[strlen (per_session[k])] == ' ' || after_words[strlen (per_session[k])] == 's'))
          per = TRUE;
      g_string_append_c (rest, ' ');
      p = q;
    }

  words = normalize_words (rest->str);
  if (found < 0)
    {
      if (!has_words (words, "free|no charge|no cost|without charge"))
        return FEE_UNCLEAR;
      *pence = 0;
      return FEE_FREE;
    }
  if (has_words (words, "course|block|term|total|in advance|series|concession*|reduced|donation*|from|upwards|vary|varies"))
    return FEE_UNCLEAR;

  if (!per)
    {
      tokens = g_strsplit (g_strstrip (words), " ", -1);
      for (guint i = 0; tokens[i] != NULL; i++)
        {
          g_autofree char *token = g_strdup_printf (" %s ", tokens[i]);
          if (*tokens[i] != '\0' && !has_words (token, labels))
            return FEE_UNCLEAR;
        }
    }
  *pence = found;
  return found == 0 ? FEE_FREE : FEE_FOUND;
}

static gboolean
is_pounds (const char *currency)
{
  g_autofree char *c = trimmed (currency);

  return c == NULL || g_ascii_strcasecmp (c, "GBP") == 0 || g_str_equal (c, "£");
}

/* The full fee per session: the highest usable price in pounds. Costs in
 * other currencies, without an amount, out of date, or for a whole course
 * are left out, each with a note. */
static void
map_fee (SpOffering *o,
         JsonObject *service,
         const char *today,
         Incoming   *in,
         GPtrArray  *notes)
{
  JsonArray *costs = get_array (service, "cost_options");
  const char *words = get_string (service, "fees_description");
  gint64 highest = -1;
  gint64 full = -1;
  guint n_usable = 0;
  gboolean several = FALSE;

  if (words == NULL || *words == '\0')
    words = get_string (service, "fees");

  for (guint i = 0; costs != NULL && i < json_array_get_length (costs); i++)
    {
      JsonObject *cost = array_object (costs, i);
      g_autofree char *label = NULL;
      g_autofree char *valid_to = NULL;
      g_autofree char *per = NULL;
      gdouble amount = 0;
      gint64 pence;

      if (cost == NULL)
        continue;
      label = quote_for_note (get_string (cost, "option") ? get_string (cost, "option") : get_string (cost, "amount_description"));
      if (!is_pounds (get_string (cost, "currency")))
        {
          g_autofree char *currency = quote_for_note (get_string (cost, "currency"));
          note (notes, _("A price (%s) is in %s, not pounds, so it was not used."),
                *label ? label : _("no name"), currency);
          continue;
        }
      if (!get_number (cost, "amount", &amount))
        {
          if (has_member (cost, "amount") && !JSON_NODE_HOLDS_NULL (member (cost, "amount")))
            note (notes, _("A price (%s) has an amount that is not a number, so it was not used."),
                  *label ? label : _("no name"));
          continue;
        }
      if (amount < 0 || amount > 100000)
        {
          note (notes, _("A price (%s) of %g is not believable, so it was not used."), *label ? label : _("no name"), amount);
          continue;
        }
      valid_to = trimmed (get_string (cost, "valid_to"));
      if (valid_to != NULL && strlen (valid_to) >= 10)
        valid_to[10] = '\0';
      if (valid_to != NULL && today != NULL && sp_date_is_valid (valid_to) && strcmp (valid_to, today) < 0)
        {
          note (notes, _("A price (%s) ended on %s, so it was not used."), *label ? label : _("no name"), valid_to);
          continue;
        }
      per = normalize_words (get_string (cost, "amount_description"));
      if (has_words (per, "course|per course|block|per term|in total|whole programme"))
        {
          note (notes, _("A price (%s) is for a whole course, not one session, so it was not used."),
                *label ? label : _("no name"));
          continue;
        }
      pence = (gint64) llround (amount * 100.0);
      if (highest >= 0 && pence != highest)
        several = TRUE;
      highest = MAX (highest, pence);
      n_usable++;
      /* A price named as the full or standard one is the fee, whatever
       * concessions sit beside it. */
      {
        g_autofree char *option = normalize_words (get_string (cost, "option"));
        if (full < 0 && (g_str_equal (option, " full fee ") || g_str_equal (option, " full price ") ||
                         g_str_equal (option, " standard ") || g_str_equal (option, " standard fee ")))
          full = pence;
      }
    }

  if (full >= 0)
    {
      o->fee_pence = full;
      in->has |= HAS_FEE;
      return;
    }
  if (n_usable > 0)
    {
      g_autofree char *money = sp_money_format (highest);

      o->fee_pence = highest;
      in->has |= HAS_FEE;
      if (several)
        note (notes, _("The feed gives several prices; the highest, %s, was taken as the full fee per session."), money);
      return;
    }

  if (words != NULL && *words != '\0')
    {
      g_autofree char *plain = clean_line (words);
      g_autofree char *shown = quote_for_note (words);
      gint64 pence = 0;

      switch (plain != NULL ? fee_from_words (plain, &pence) : FEE_UNCLEAR)
        {
        case FEE_FOUND:
          {
            g_autofree char *money = sp_money_format (pence);
            o->fee_pence = pence;
            in->has |= HAS_FEE;
            note (notes, _("The fee, %s per session, was read from the words “%s”."), money, shown);
            return;
          }
        case FEE_FREE:
          o->fee_pence = 0;
          in->has |= HAS_FEE;
          return;
        case FEE_UNCLEAR:
        default:
          in->fee_unknown = TRUE;
          note (notes, _("The price is given only in words (“%s”) that do not say one fee per session; an admin should set the fee."),
                shown);
          return;
        }
    }

  if (costs != NULL && json_array_get_length (costs) > 0)
    in->fee_unknown = TRUE;
}

/* ---- Dates -------------------------------------------------------------------- */

static char *
date_from_feed (const char *text)
{
  g_autofree char *t = trimmed (text);
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  if (t == NULL)
    return NULL;
  if (strlen (t) >= 10)
    {
      g_autofree char *day = g_strndup (t, 10);
      if (sp_date_is_valid (day) && (t[10] == '\0' || t[10] == 'T' || t[10] == ' '))
        return g_steal_pointer (&day);
    }
  dt = g_date_time_new_from_iso8601 (t, utc);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : NULL;
}

static char *
time_from_feed (const char *text)
{
  g_autofree char *t = trimmed (text);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) in_utc = NULL;

  if (t == NULL)
    return NULL;
  dt = g_date_time_new_from_iso8601 (t, utc);
  if (dt == NULL && strlen (t) == 10 && sp_date_is_valid (t))
    {
      g_autofree char *midnight = g_strconcat (t, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (midnight, utc);
    }
  if (dt == NULL)
    return NULL;
  in_utc = g_date_time_to_utc (dt);
  return in_utc != NULL ? g_date_time_format (in_utc, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

/* ---- Services and organizations to records -------------------------------------- */

static void
map_ages (SpOffering *o,
          JsonObject *service,
          Incoming   *in,
          GPtrArray  *notes)
{
  JsonArray *eligibilitys = get_array (service, "eligibilitys");
  gdouble lo = -1, hi = -1;
  gdouble v;

  if (has_member (service, "minimum_age") || has_member (service, "maximum_age") || eligibilitys != NULL)
    in->has |= HAS_AGES;

  if (get_number (service, "minimum_age", &v))
    lo = v;
  if (get_number (service, "maximum_age", &v))
    hi = v;
  for (guint i = 0; eligibilitys != NULL && i < json_array_get_length (eligibilitys); i++)
    {
      JsonObject *e = array_object (eligibilitys, i);

      if (get_number (e, "minimum_age", &v) && (lo < 0 || v < lo))
        lo = v;
      if (get_number (e, "maximum_age", &v) && (hi < 0 || v > hi))
        hi = v;
    }

  if (lo > 130 || (lo < 0 && lo != -1))
    {
      note (notes, _("The minimum age %g is not believable, so it was left out."), lo);
      lo = -1;
    }
  if (hi > 130 || (hi < 0 && hi != -1))
    {
      note (notes, _("The maximum age %g is not believable, so it was left out."), hi);
      hi = -1;
    }
  if (lo >= 0 && hi >= 0 && lo > hi)
    {
      note (notes, _("The minimum age (%g) is above the maximum age (%g), so both were left out."), lo, hi);
      lo = hi = -1;
    }
  o->age_min = lo >= 0 ? (gint64) lo : SP_UNSET;
  o->age_max = hi >= 0 ? (gint64) hi : SP_UNSET;
}

static void
map_eligibility (SpOffering *o,
                 JsonObject *service,
                 Incoming   *in)
{
  JsonArray *eligibilitys = get_array (service, "eligibilitys");
  g_autoptr(GString) text = g_string_new (NULL);

  if (has_member (service, "eligibility_description") || eligibilitys != NULL)
    in->has |= HAS_ELIGIBILITY;
  {
    g_autofree char *description = clean_text (get_string (service, "eligibility_description"));
    if (description != NULL)
      g_string_append (text, description);
  }
  for (guint i = 0; eligibilitys != NULL && i < json_array_get_length (eligibilitys); i++)
    {
      g_autofree char *line = clean_text (get_string (array_object (eligibilitys, i), "eligibility"));
      if (line != NULL)
        g_string_append_printf (text, "%s%s", text->len > 0 ? "\n" : "", line);
    }
  o->eligibility = text->len > 0 ? truncate_chars (g_strdup (text->str), MAX_TEXT_CHARS) : NULL;
}

static void
map_status (SpOffering *o,
            JsonObject *service,
            Incoming   *in,
            GPtrArray  *notes)
{
  g_autofree char *status = trimmed (get_string (service, "status"));

  o->active = TRUE;
  if (status == NULL)
    return;
  in->has |= HAS_STATUS;
  if (g_ascii_strcasecmp (status, "active") == 0)
    return;
  if (g_ascii_strcasecmp (status, "inactive") == 0 || g_ascii_strcasecmp (status, "defunct") == 0 ||
      g_ascii_strcasecmp (status, "temporarily closed") == 0 || g_ascii_strcasecmp (status, "closed") == 0)
    {
      o->active = FALSE;
      return;
    }
  {
    g_autofree char *shown = quote_for_note (status);
    note (notes, _("The status “%s” is not one Open Referral defines; the service was taken to be running."), shown);
  }
}

static char **
codes_strv (GPtrArray *codes)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **strv;

  for (guint i = 0; codes != NULL && i < codes->len; i++)
    g_strv_builder_add (builder, codes->pdata[i]);
  strv = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return strv;
}

static void
classify (Incoming   *in,
          JsonObject *service,
          JsonObject *sal,
          gboolean    virtual_only)
{
  Classification *c = &in->classification;
  SpOffering *o = in->record;
  g_autoptr(GString) term_text = g_string_new (NULL);
  g_autofree char *terms = NULL;
  g_autofree char *name = normalize_words (o->name);
  g_autofree char *description = affirmative_words (o->description);
  g_autofree char *eligibility = affirmative_words (o->eligibility);
  const char *sources[4];
  g_autofree char *all = NULL;

  c->msk = g_ptr_array_new_with_free_func (g_free);
  c->mh = g_ptr_array_new_with_free_func (g_free);
  collect_terms (service, term_text, c);
  if (c->exact)
    return;

  terms = normalize_words (term_text->str);
  sources[0] = terms;
  sources[1] = name;
  sources[2] = description;
  sources[3] = eligibility;
  for (guint i = 0; i < G_N_ELEMENTS (sources) && c->modality == NULL; i++)
    c->modality = find_modality (sources[i]);
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      find_conditions (sources[i], msk_words, G_N_ELEMENTS (msk_words), c->msk);
      find_conditions (sources[i], mh_words, G_N_ELEMENTS (mh_words), c->mh);
    }

  all = g_strconcat (terms, name, description, NULL);
  c->format = format_from_attending_type (get_string (service, "attending_type"));
  if (c->format == NULL && sal == NULL && (virtual_only || has_words (all, online_words)) && !has_words (all, telephone_words))
    c->format = "online";
  else if (c->format == NULL && sal == NULL && has_words (all, telephone_words))
    c->format = "telephone";
  if (c->format == NULL && (has_words (all, one_to_one_words) || is_hands_on (c->modality)))
    c->format = "one_to_one";
}

static Incoming *
map_service (JsonObject *service,
             const char *today,
             GPtrArray  *notes)
{
  Incoming *in = g_new0 (Incoming, 1);
  SpOffering *o = sp_offering_new ();
  JsonArray *slots = json_array_new ();
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  JsonObject *sal = NULL;
  gboolean virtual_only = FALSE;

  in->record = o;
  o->name = clean_line (get_string (service, "name"));

  if (has_member (service, "description"))
    {
      in->has |= HAS_DESCRIPTION;
      o->description = clean_text (get_string (service, "description"));
    }

  map_status (o, service, in, notes);
  map_ages (o, service, in, notes);
  map_eligibility (o, service, in);

  if (has_member (service, "service_at_locations"))
    {
      in->has |= HAS_LOCATION;
      sal = map_location (o, service, notes, &virtual_only);
    }

  if (has_schedules (service) || has_schedules (sal))
    {
      in->has |= HAS_SCHEDULE;
      collect_schedules (schedules_of (service), slots, pieces, notes);
      collect_schedules (schedules_of (sal), slots, pieces, notes);
      if (pieces->len > 0)
        {
          g_autofree char *joined = NULL;
          g_ptr_array_add (pieces, NULL);
          joined = g_strjoinv ("; ", (char **) pieces->pdata);
          o->schedule_note = truncate_chars (g_steal_pointer (&joined), MAX_NAME_CHARS * 2);
        }
    }
  o->schedule = json_node_init_array (json_node_alloc (), slots);
  json_array_unref (slots);

  map_fee (o, service, today, in, notes);

  {
    const char *assured = get_string (service, "assured_date");
    const char *modified = get_string (service, "last_modified");

    if ((o->last_verified = date_from_feed (assured)) != NULL)
      in->has |= HAS_ASSURED;
    else if (assured != NULL && *assured != '\0')
      {
        g_autofree char *shown = quote_for_note (assured);
        note (notes, _("The date it was last checked (“%s”) was not understood."), shown);
      }
    if ((o->source_modified = time_from_feed (modified)) != NULL)
      in->has |= HAS_MODIFIED;
    else if (modified != NULL && *modified != '\0')
      {
        g_autofree char *shown = quote_for_note (modified);
        note (notes, _("The date it last changed (“%s”) was not understood."), shown);
      }
  }

  classify (in, service, sal, virtual_only);
  return in;
}

/* Phone numbers in feeds come quoted, spaced and labelled every which way;
 * the first is kept as written, without stray quotes. */
static char *
first_phone (JsonObject *org)
{
  JsonArray *phones = get_array (org, "phones");

  for (guint i = 0; phones != NULL && i < json_array_get_length (phones); i++)
    {
      g_autofree char *number = clean_line (get_string (array_object (phones, i), "number"));

      if (number != NULL)
        {
          g_strdelimit (number, "\"", ' ');
          return trimmed (number);
        }
    }
  return NULL;
}

static Incoming *
map_organization (JsonObject *org)
{
  Incoming *in = g_new0 (Incoming, 1);
  SpProvider *p = sp_provider_new ();
  const char *website = get_string (org, "website");

  in->record = p;
  p->name = clean_line (get_string (org, "name"));
  p->notes = clean_text (get_string (org, "description"));
  p->email = trimmed (get_string (org, "email"));
  p->website = trimmed (website != NULL && *website != '\0' ? website : get_string (org, "url"));
  p->phone = first_phone (org);
  return in;
}

/* ---- Meeting the store ------------------------------------------------------------ */

static void
set_text (char       **field,
          const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

static gboolean
is_empty_strv (char **strv)
{
  return strv == NULL || strv[0] == NULL;
}

/* What the record becomes: @existing (or a new record) with what the feed
 * knows laid over it. Never changes @existing. */
static SpProvider *
merge_provider (const SpProvider *existing,
                Incoming         *in,
                const char       *id,
                const char       *feed_id)
{
  const SpProvider *f = in->record;
  SpProvider *m = existing != NULL ? sp_provider_copy (existing) : sp_provider_new ();

  set_text (&m->record.id, id);
  set_text (&m->name, f->name);
  if (f->phone != NULL)
    set_text (&m->phone, f->phone);
  if (f->email != NULL)
    set_text (&m->email, f->email);
  if (f->website != NULL)
    set_text (&m->website, f->website);
  /* Notes are the admin's; a description only starts them off. */
  if (existing == NULL)
    set_text (&m->notes, f->notes);
  if (existing == NULL || g_strcmp0 (existing->record.id, feed_id) != 0)
    set_text (&m->source_id, feed_id);
  return m;
}

static SpOffering *
merge_offering (const SpOffering *existing,
                Incoming         *in,
                const char       *id,
                const char       *feed_id)
{
  const SpOffering *f = in->record;
  const Classification *c = &in->classification;
  SpOffering *m;
  gboolean reviewed = existing != NULL && !existing->needs_review;

  if (existing != NULL)
    m = sp_offering_copy (existing);
  else
    {
      /* A new entry: Signpost's own fields start at their defaults. */
      m = sp_offering_new ();
      m->sessions = 1;
      m->step = 2;
      m->wait_weeks = 0;
      m->active = TRUE;
      m->schedule = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (m->schedule, json_array_new ());
    }

  set_text (&m->record.id, id);
  set_text (&m->provider_id, in->provider_id);
  set_text (&m->name, f->name);
  if (in->has & HAS_DESCRIPTION)
    set_text (&m->description, f->description);
  if (in->has & HAS_LOCATION)
    {
      set_text (&m->location_name, f->location_name);
      set_text (&m->address, f->address);
      set_text (&m->postcode, f->postcode);
      m->lat = f->lat;
      m->lon = f->lon;
    }
  if (in->has & HAS_SCHEDULE)
    {
      g_clear_pointer (&m->schedule, json_node_unref);
      m->schedule = json_node_copy (f->schedule);
      set_text (&m->schedule_note, f->schedule_note);
    }
  if (in->has & HAS_FEE)
    m->fee_pence = f->fee_pence;
  if (in->has & HAS_STATUS)
    m->active = f->active;
  if (in->has & HAS_AGES)
    {
      m->age_min = f->age_min;
      m->age_max = f->age_max;
    }
  if (in->has & HAS_ELIGIBILITY)
    set_text (&m->eligibility, f->eligibility);
  if (in->has & HAS_ASSURED)
    set_text (&m->last_verified, f->last_verified);
  /* A record met under its own id is Signpost's own, exported and read
   * back: it did not come from a feed, and keeps no feed id or date. */
  if (existing == NULL || g_strcmp0 (existing->record.id, feed_id) != 0)
    {
      set_text (&m->source_id, feed_id);
      if (in->has & HAS_MODIFIED)
        set_text (&m->source_modified, f->source_modified);
    }

  /* Classification: only where the admin has not reviewed the entry, and
   * only where it has none yet; the feed never overwrites a choice. */
  if (!reviewed)
    {
      if (m->modality == NULL || g_str_equal (m->modality, "other"))
        set_text (&m->modality, c->modality != NULL ? c->modality : "other");
      if (is_empty_strv (m->targets_msk))
        {
          g_strfreev (m->targets_msk);
          m->targets_msk = codes_strv (c->msk);
        }
      if (is_empty_strv (m->targets_mh))
        {
          g_strfreev (m->targets_mh);
          m->targets_mh = codes_strv (c->mh);
        }
      if (m->format == NULL)
        set_text (&m->format, c->format != NULL ? c->format : "group");
      /* Signpost's own taxonomy carries the admin's review; words need
       * a kind of activity and at least one condition, MSK or MH. */
      if (c->exact)
        m->needs_review = c->unreviewed || in->fee_unknown;
      else
        m->needs_review = g_str_equal (m->modality, "other") ||
                          (is_empty_strv (m->targets_msk) && is_empty_strv (m->targets_mh)) || in->fee_unknown;
    }
  return m;
}

/* The names of the entity's own fields that differ. */
static GStrv
changed_fields (const SpEntityInfo *info,
                gconstpointer       old,
                gconstpointer       new)
{
  g_autoptr(JsonObject) a = sp_record_to_json (info, old);
  g_autoptr(JsonObject) b = sp_record_to_json (info, new);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < info->n_columns; i++)
    {
      const char *name = info->columns[i].name;

      if (!json_node_equal (json_object_get_member (a, name), json_object_get_member (b, name)))
        g_strv_builder_add (builder, name);
    }
  if (((const SpRecord *) old)->deleted != ((const SpRecord *) new)->deleted)
    g_strv_builder_add (builder, "deleted");
  return g_strv_builder_end (builder);
}

static void
item_free (SpHsdsItem *item)
{
  Incoming *in;

  if (item == NULL)
    return;
  in = item->incoming;
  if (in != NULL && in->record != NULL)
    sp_record_free (item->entity, in->record);
  incoming_free (in);
  g_free (item->feed_id);
  g_free (item->id);
  g_free (item->name);
  g_free (item->where);
  g_strfreev (item->changed);
  g_free (item->reason);
  g_ptr_array_unref (item->notes);
  g_free (item);
}

static SpHsdsItem *
item_new (const SpEntityInfo *entity,
          const char         *feed_id,
          const char         *where)
{
  SpHsdsItem *item = g_new0 (SpHsdsItem, 1);

  item->entity = entity;
  item->feed_id = g_strdup (feed_id);
  item->where = g_strdup (where);
  item->notes = g_ptr_array_new_with_free_func (g_free);
  return item;
}

static void
item_skip (SpHsdsItem *item,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
item_skip (SpHsdsItem *item,
           const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  g_free (item->reason);
  item->reason = g_strdup_vprintf (format, args);
  va_end (args);
  item->action = SP_HSDS_ACTION_SKIPPED;
  g_clear_pointer (&item->id, g_free);
}

void
sp_hsds_import_free (SpHsdsImport *import)
{
  if (import == NULL)
    return;
  g_free (import->source);
  g_free (import->format);
  g_ptr_array_unref (import->items);
  g_ptr_array_unref (import->problems);
  g_free (import);
}

const char *
sp_hsds_action_name (SpHsdsAction action)
{
  switch (action)
    {
    case SP_HSDS_ACTION_NEW:
      return "new";
    case SP_HSDS_ACTION_CHANGED:
      return "changed";
    case SP_HSDS_ACTION_UNCHANGED:
      return "unchanged";
    case SP_HSDS_ACTION_SKIPPED:
      return "skipped";
    case SP_HSDS_N_ACTIONS:
    default:
      return NULL;
    }
}

typedef struct
{
  SpStore      *store;
  SpHsdsImport *import;
  GPtrArray    *providers;        /* SpProvider *, all of them, deleted too */
  GPtrArray    *offerings;
  GHashTable   *providers_by_id;
  GHashTable   *providers_by_source;
  GHashTable   *offerings_by_id;
  GHashTable   *offerings_by_source;
  GHashTable   *org_items;        /* feed organization id → SpHsdsItem */
  GHashTable   *service_items;    /* feed service id → SpHsdsItem */
  GHashTable   *claimed;          /* Signpost id → SpHsdsItem that will write it */
  GHashTable   *content;          /* what a service says → its SpHsdsItem */
  GPtrArray    *provider_items;
  GPtrArray    *offering_items;
  char         *today;
} Preview;

static void
preview_clear (Preview *p)
{
  g_clear_pointer (&p->providers_by_id, g_hash_table_unref);
  g_clear_pointer (&p->providers_by_source, g_hash_table_unref);
  g_clear_pointer (&p->offerings_by_id, g_hash_table_unref);
  g_clear_pointer (&p->offerings_by_source, g_hash_table_unref);
  g_clear_pointer (&p->providers, g_ptr_array_unref);
  g_clear_pointer (&p->offerings, g_ptr_array_unref);
  g_clear_pointer (&p->org_items, g_hash_table_unref);
  g_clear_pointer (&p->service_items, g_hash_table_unref);
  g_clear_pointer (&p->claimed, g_hash_table_unref);
  g_clear_pointer (&p->content, g_hash_table_unref);
  g_clear_pointer (&p->provider_items, g_ptr_array_unref);
  g_clear_pointer (&p->offering_items, g_ptr_array_unref);
  g_clear_pointer (&p->today, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Preview, preview_clear)

static void
index_records (GPtrArray   *records,
               gsize        source_offset,
               GHashTable **by_id,
               GHashTable **by_source)
{
  *by_id = g_hash_table_new (g_str_hash, g_str_equal);
  *by_source = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < records->len; i++)
    {
      SpRecord *r = records->pdata[i];
      const char *source = *(char **) ((guint8 *) r + source_offset);
      SpRecord *other;

      g_hash_table_insert (*by_id, r->id, r);
      if (source == NULL)
        continue;
      /* A live record wins over a deleted one with the same feed id. */
      other = g_hash_table_lookup (*by_source, source);
      if (other == NULL || (other->deleted && !r->deleted))
        g_hash_table_insert (*by_source, (gpointer) source, r);
    }
}

/* The record a feed id stands for: by the id derived from it, by the feed
 * id it came from, or (for Signpost's own exports) by the id itself. */
static gpointer
find_existing (GHashTable *by_id,
               GHashTable *by_source,
               const char *derived,
               const char *feed_id)
{
  gpointer r = g_hash_table_lookup (by_id, derived);

  if (r == NULL)
    r = g_hash_table_lookup (by_source, feed_id);
  if (r == NULL && sp_uuid_is_valid (feed_id))
    r = g_hash_table_lookup (by_id, feed_id);
  return r;
}

static const char *
item_label (SpHsdsItem *item)
{
  return item->name != NULL ? item->name : item->feed_id != NULL ? item->feed_id : item->where;
}

static void
count_item (SpHsdsImport *import,
            SpHsdsItem   *item)
{
  if (item->entity == &sp_entity_provider)
    import->n_providers[item->action]++;
  else
    {
      import->n_offerings[item->action]++;
      if (item->needs_review && item->action != SP_HSDS_ACTION_SKIPPED)
        import->n_needs_review++;
    }
}

/* The organization a service belongs to, as an item: made the first time
 * it is met, looked up after. */
static SpHsdsItem *
preview_organization (Preview    *p,
                      JsonObject *org,
                      const char *org_id,
                      const char *where)
{
  SpHsdsItem *item = g_hash_table_lookup (p->org_items, org_id);
  g_autofree char *derived = NULL;
  SpProvider *existing;
  Incoming *in;
  SpProvider *merged;

  if (item != NULL)
    return item;

  item = item_new (&sp_entity_provider, org_id, where);
  g_hash_table_insert (p->org_items, g_strdup (org_id), item);
  g_ptr_array_add (p->provider_items, item);

  derived = sp_hsds_derive_id ("organization", org_id);
  existing = find_existing (p->providers_by_id, p->providers_by_source, derived, org_id);

  in = org != NULL ? map_organization (org) : NULL;

  /* Only the id, or no name: the provider Signpost already has for it, as
   * it is, if there is one. */
  if (in == NULL || ((SpProvider *) in->record)->name == NULL)
    {
      if (in != NULL)
        {
          sp_record_free (&sp_entity_provider, in->record);
          incoming_free (in);
        }
      if (existing != NULL && !existing->record.deleted && !g_hash_table_contains (p->claimed, existing->record.id))
        {
          item->action = SP_HSDS_ACTION_UNCHANGED;
          item->id = g_strdup (existing->record.id);
          item->name = g_strdup (existing->name);
          in = g_new0 (Incoming, 1);
          in->record = sp_provider_copy (existing);
          item->incoming = in;
          g_hash_table_insert (p->claimed, g_strdup (item->id), item);
          if (org != NULL)
            note (item->notes, _("The organization has no name in the feed; Signpost’s provider was kept as it is."));
          return item;
        }
      if (org != NULL)
        item_skip (item, _("The organization has no name."));
      else
        item_skip (item, _("The organization “%s” is not in the feed, and Signpost does not know it from an earlier import."),
                   org_id);
      return item;
    }

  item->incoming = in;
  item->name = g_strdup (((SpProvider *) in->record)->name);
  if (existing != NULL && existing->record.deleted)
    {
      item_skip (item, _("The provider was deleted in Signpost, so it is not brought back."));
      return item;
    }
  if (existing != NULL && g_hash_table_contains (p->claimed, existing->record.id))
    {
      SpHsdsItem *first = g_hash_table_lookup (p->claimed, existing->record.id);
      item_skip (item, _("This is the same provider as organization “%s”, which comes first in the feed."), item_label (first));
      return item;
    }

  item->id = g_strdup (existing != NULL ? existing->record.id : derived);
  g_hash_table_insert (p->claimed, g_strdup (item->id), item);
  merged = merge_provider (existing, in, item->id, org_id);
  if (existing == NULL)
    item->action = SP_HSDS_ACTION_NEW;
  else
    {
      item->changed = changed_fields (&sp_entity_provider, existing, merged);
      item->action = item->changed[0] != NULL ? SP_HSDS_ACTION_CHANGED : SP_HSDS_ACTION_UNCHANGED;
    }
  sp_provider_free (merged);
  return item;
}

/* What a service says, for spotting the same service listed twice under
 * two ids. */
static char *
content_key (SpOffering *o,
             const char *provider_id)
{
  g_autofree char *schedule = o->schedule ? json_to_string (o->schedule, FALSE) : NULL;

  return g_strdup_printf ("%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%" G_GINT64_FORMAT,
                          provider_id, o->name ? o->name : "", o->description ? o->description : "",
                          o->address ? o->address : "", o->postcode ? o->postcode : "",
                          schedule ? schedule : "", o->schedule_note ? o->schedule_note : "", o->fee_pence);
}

static void
needs_review_notes (SpHsdsItem       *item,
                    const SpOffering *merged,
                    gboolean          fee_unknown)
{
  g_autoptr(GString) why = g_string_new (NULL);

  if (!merged->needs_review)
    return;
  if (g_str_equal (merged->modality, "other"))
    g_string_append (why, _("no kind of activity was recognised"));
  if (is_empty_strv (merged->targets_msk) && is_empty_strv (merged->targets_mh))
    g_string_append_printf (why, "%s%s", why->len ? _(", ") : "",
                            _("no condition it helps (musculoskeletal or mental health) was recognised"));
  if (fee_unknown)
    g_string_append_printf (why, "%s%s", why->len ? _(", ") : "", _("the fee is not known"));
  if (why->len == 0)
    g_string_append (why, _("the feed says it has not been checked"));
  note (item->notes, _("An admin must check it before it is matched: %s."), why->str);
}

static void
preview_service (Preview    *p,
                 JsonObject *service,
                 const char *where)
{
  SpHsdsItem *item;
  g_autofree char *feed_id = NULL;
  g_autofree char *org_id = NULL;
  g_autofree char *derived = NULL;
  g_autofree char *key = NULL;
  JsonObject *org;
  SpHsdsItem *org_item;
  SpOffering *existing;
  SpOffering *incoming;
  SpOffering *merged;
  Incoming *in;

  feed_id = get_id (service, "id");
  item = item_new (&sp_entity_offering, feed_id, where);
  g_ptr_array_add (p->offering_items, item);

  if (service == NULL)
    {
      item_skip (item, _("This entry of the list is not a service record."));
      return;
    }
  item->name = clean_line (get_string (service, "name"));

  if (feed_id == NULL)
    {
      item_skip (item, _("The service has no id, so a later import could not find it again."));
      return;
    }
  if (item->name == NULL)
    {
      item_skip (item, _("The service has no name."));
      return;
    }
  if (g_hash_table_contains (p->service_items, feed_id))
    {
      SpHsdsItem *first = g_hash_table_lookup (p->service_items, feed_id);
      item_skip (item, _("Duplicate of service “%s” (%s): the id appears twice in the feed, and only the first was used."),
                 item_label (first), feed_id);
      return;
    }
  g_hash_table_insert (p->service_items, g_strdup (feed_id), item);

  org = get_object (service, "organization");
  org_id = get_id (org, "id");
  if (org_id == NULL)
    org_id = get_id (service, "organization_id");
  if (org_id == NULL)
    {
      item_skip (item, org != NULL ? _("Its organization has no id, so Signpost cannot tell who provides it.")
                                   : _("It names no organization, so Signpost cannot tell who provides it."));
      return;
    }
  org_item = preview_organization (p, org, org_id, where);
  if (org_item->action == SP_HSDS_ACTION_SKIPPED)
    {
      item_skip (item, _("Its organization “%s” was skipped: %s"), item_label (org_item), org_item->reason);
      return;
    }

  in = map_service (service, p->today, item->notes);
  item->incoming = in;
  in->provider_id = g_strdup (org_item->id);
  incoming = in->record;

  derived = sp_hsds_derive_id ("service", feed_id);
  existing = find_existing (p->offerings_by_id, p->offerings_by_source, derived, feed_id);

  if (existing != NULL && existing->record.deleted)
    {
      item_skip (item, _("The offering was deleted in Signpost, so it is not brought back."));
      return;
    }
  if (existing != NULL && g_hash_table_contains (p->claimed, existing->record.id))
    {
      SpHsdsItem *first = g_hash_table_lookup (p->claimed, existing->record.id);
      item_skip (item, _("Duplicate of service “%s”: both stand for the same Signpost offering."), item_label (first));
      return;
    }
  if (existing != NULL && incoming->source_modified != NULL && existing->source_modified != NULL &&
      strcmp (incoming->source_modified, existing->source_modified) < 0)
    {
      item_skip (item, _("The feed’s copy (changed %s) is older than the one Signpost has (changed %s)."),
                 incoming->source_modified, existing->source_modified);
      return;
    }

  key = content_key (incoming, in->provider_id);
  if (g_hash_table_contains (p->content, key))
    {
      SpHsdsItem *first = g_hash_table_lookup (p->content, key);
      item_skip (item, _("Duplicate of service “%s” (%s): the same service, place and times are listed again under another id."),
                 item_label (first), first->feed_id);
      return;
    }
  g_hash_table_insert (p->content, g_steal_pointer (&key), item);

  item->id = g_strdup (existing != NULL ? existing->record.id : derived);
  g_hash_table_insert (p->claimed, g_strdup (item->id), item);
  merged = merge_offering (existing, in, item->id, feed_id);
  item->needs_review = merged->needs_review;
  if (existing == NULL)
    {
      item->action = SP_HSDS_ACTION_NEW;
      needs_review_notes (item, merged, in->fee_unknown);
    }
  else
    {
      item->changed = changed_fields (&sp_entity_offering, existing, merged);
      item->action = item->changed[0] != NULL ? SP_HSDS_ACTION_CHANGED : SP_HSDS_ACTION_UNCHANGED;
      if (!(in->has & HAS_FEE) && in->fee_unknown)
        note (item->notes, _("The fee Signpost has was kept."));
    }
  sp_offering_free (merged);
}

/* Reads @feed against the store and says what an import would do, record
 * by record. Nothing is written. */
SpHsdsImport *
sp_hsds_import_preview (SpStore     *store,
                        SpHsdsFeed  *feed,
                        GError     **error)
{
  g_auto(Preview) p = { 0, };
  g_autoptr(SpHsdsImport) import = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (feed != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p.store = store;
  p.providers = sp_store_list (store, &sp_entity_provider, "", NULL, error);
  if (p.providers == NULL)
    return NULL;
  p.offerings = sp_store_list (store, &sp_entity_offering, "", NULL, error);
  if (p.offerings == NULL)
    return NULL;
  index_records (p.providers, G_STRUCT_OFFSET (SpProvider, source_id), &p.providers_by_id, &p.providers_by_source);
  index_records (p.offerings, G_STRUCT_OFFSET (SpOffering, source_id), &p.offerings_by_id, &p.offerings_by_source);
  p.org_items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p.service_items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p.claimed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p.content = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p.provider_items = g_ptr_array_new ();
  p.offering_items = g_ptr_array_new ();
  p.today = sp_store_today (store);

  import = g_new0 (SpHsdsImport, 1);
  import->format = g_strdup (feed->format);
  import->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  import->problems = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < feed->problems->len; i++)
    g_ptr_array_add (import->problems, g_strdup (feed->problems->pdata[i]));
  p.import = import;

  for (guint i = 0; i < feed->services->len; i++)
    preview_service (&p, feed->services->pdata[i], feed->where->pdata[i]);

  for (guint i = 0; i < p.provider_items->len; i++)
    g_ptr_array_add (import->items, p.provider_items->pdata[i]);
  for (guint i = 0; i < p.offering_items->len; i++)
    g_ptr_array_add (import->items, p.offering_items->pdata[i]);
  for (guint i = 0; i < import->items->len; i++)
    count_item (import, import->items->pdata[i]);

  return g_steal_pointer (&import);
}

/* ---- Applying ----------------------------------------------------------------------- */

/* Writes what the preview showed, in one transaction: every record or
 * none. Each record is merged again with what the store holds now, so an
 * edit made since the preview is kept, not overwritten. */
gboolean
sp_hsds_import_apply (SpStore       *store,
                      SpHsdsImport  *import,
                      GError       **error)
{
  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (import != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (import->applied)
    return TRUE;
  if (!sp_store_check_role (store, SP_ROLE_ADMIN, error))
    return FALSE;
  if (!sp_store_begin (store, error))
    return FALSE;

  for (guint i = 0; i < import->items->len; i++)
    {
      SpHsdsItem *item = import->items->pdata[i];
      g_autoptr(GError) local_error = NULL;
      GPtrArray *rows;
      gpointer existing;
      gpointer merged;
      gboolean ok;

      if (item->action == SP_HSDS_ACTION_SKIPPED)
        continue;
      rows = sp_store_list (store, item->entity, "WHERE id = ?1", item->id, &local_error);
      if (rows == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          sp_store_rollback (store);
          return FALSE;
        }
      existing = rows->len > 0 ? g_steal_pointer (&rows->pdata[0]) : NULL;
      g_clear_pointer (&rows, g_ptr_array_unref);
      /* Deleted since the preview: the admin's deletion stands. */
      if (existing != NULL && ((SpRecord *) existing)->deleted)
        {
          sp_record_free (item->entity, existing);
          continue;
        }
      if (item->entity == &sp_entity_provider)
        merged = merge_provider (existing, item->incoming, item->id, item->feed_id);
      else
        merged = merge_offering (existing, item->incoming, item->id, item->feed_id);
      ok = sp_store_save (store, item->entity, merged, error);
      sp_record_free (item->entity, merged);
      sp_record_free (item->entity, existing);
      if (!ok)
        {
          sp_store_rollback (store);
          return FALSE;
        }
    }

  if (!sp_store_commit (store, error))
    return FALSE;
  import->applied = TRUE;
  return TRUE;
}

/* Reads the feed at @path and, unless @dry_run, applies it: the preview,
 * with applied set when it was written. */
SpHsdsImport *
sp_store_import_hsds (SpStore     *store,
                      const char  *path,
                      gboolean     dry_run,
                      GError     **error)
{
  g_autoptr(SpHsdsFeed) feed = NULL;
  g_autoptr(SpHsdsImport) import = NULL;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  feed = sp_hsds_feed_load (path, error);
  if (feed == NULL)
    return NULL;
  import = sp_hsds_import_preview (store, feed, error);
  if (import == NULL)
    return NULL;
  import->source = g_strdup (path);
  if (!dry_run && !sp_hsds_import_apply (store, import, error))
    return NULL;
  return g_steal_pointer (&import);
}
