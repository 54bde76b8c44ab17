/* test-hsds.c — the catalogue speaks Open Referral (HSDS 3.0, Open Referral UK)
 *
 * The official HSDS examples, a crafted messy feed, an Open Referral UK v1
 * page and a 5 MB feed generated here are imported; what is skipped says
 * why; re-imports change nothing; a newer feed keeps what the admin
 * decided; the export validates against the HSDS schema (with Python's
 * jsonschema, when it is installed) and reads back as the same catalogue.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-hsds"

#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <gio/gio.h>

#include "sp-demo.h"
#include "sp-hsds-export.h"
#include "sp-hsds-import.h"
#include "sp-html-text.h"
#include "sp-patient-import.h"
#include "sp-zip.h"
#include "sp-test-util.h"

#define OFFICIAL_SERVICE_ID "ac148810-d857-441c-9679-408f346de14b"
#define OFFICIAL_ORG_ID "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"

/* ---- Helpers ------------------------------------------------------------- */

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "hsds", name, NULL);
}

static SpHsdsImport *
import_path (SpStore    *store,
             const char *path,
             gboolean    apply)
{
  g_autoptr(GError) error = NULL;
  SpHsdsImport *import = sp_store_import_hsds (store, path, !apply, &error);

  g_assert_no_error (error);
  g_assert_nonnull (import);
  g_assert_true (import->applied == apply);
  return import;
}

static SpHsdsImport *
import_data (SpStore    *store,
             const char *name,
             gboolean    apply)
{
  g_autofree char *path = data_path (name);

  return import_path (store, path, apply);
}

/* The @nth (from 0) item from the feed with this id, or where it sits. */
static SpHsdsItem *
find_item (SpHsdsImport       *import,
           const SpEntityInfo *entity,
           const char         *feed_id_or_where,
           guint               nth)
{
  for (guint i = 0; i < import->items->len; i++)
    {
      SpHsdsItem *item = import->items->pdata[i];

      if (item->entity != entity)
        continue;
      if (g_strcmp0 (item->feed_id, feed_id_or_where) != 0 && g_strcmp0 (item->where, feed_id_or_where) != 0)
        continue;
      if (nth-- == 0)
        return item;
    }
  g_error ("no item %s in the import", feed_id_or_where);
  return NULL;
}

static gboolean
has_note (SpHsdsItem *item,
          const char *fragment)
{
  for (guint i = 0; i < item->notes->len; i++)
    if (strstr (item->notes->pdata[i], fragment) != NULL)
      return TRUE;
  return FALSE;
}

static void
assert_skipped (SpHsdsImport *import,
                const char   *feed_id_or_where,
                guint         nth,
                const char   *reason_fragment)
{
  SpHsdsItem *item = find_item (import, &sp_entity_offering, feed_id_or_where, nth);

  g_assert_cmpint (item->action, ==, SP_HSDS_ACTION_SKIPPED);
  g_assert_null (item->id);
  g_assert_nonnull (item->reason);
  if (strstr (item->reason, reason_fragment) == NULL)
    g_error ("%s: skipped because “%s”, expected “%s”", feed_id_or_where, item->reason, reason_fragment);
}

static gpointer
load_by_source (SpStore            *store,
                const SpEntityInfo *info,
                const char         *source_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = sp_store_list (store, info, "WHERE source_id = ?1 AND deleted = 0", source_id, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  return sp_record_copy (info, rows->pdata[0]);
}

static void
assert_slot (JsonNode   *schedule,
             guint       i,
             const char *day,
             const char *start,
             const char *end)
{
  JsonObject *slot;

  g_assert_nonnull (schedule);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (schedule));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (schedule)), >, i);
  slot = json_array_get_object_element (json_node_get_array (schedule), i);
  g_assert_cmpstr (json_object_get_string_member (slot, "day"), ==, day);
  g_assert_cmpstr (json_object_get_string_member_with_default (slot, "start", NULL), ==, start);
  g_assert_cmpstr (json_object_get_string_member_with_default (slot, "end", NULL), ==, end);
}

static guint
schedule_length (const SpOffering *o)
{
  if (o->schedule == NULL)
    return 0;
  g_assert_true (JSON_NODE_HOLDS_ARRAY (o->schedule));
  return json_array_get_length (json_node_get_array (o->schedule));
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
replace_strv (char       ***field,
              const char   *comma_separated)
{
  g_strfreev (*field);
  *field = g_strsplit (comma_separated, ",", -1);
}

static void
replace_text (char       **field,
              const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static void
load_demo_catalogue (SpStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_resources_lookup_data ("/org/signpost/core/demo/catalogue.json",
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_autoptr(JsonNode) root = NULL;

  g_assert_no_error (error);
  root = sp_test_parse_json (g_bytes_get_data (bytes, NULL));
  g_assert_true (sp_store_load_catalogue (store, root, &error));
  g_assert_no_error (error);
}

/* ---- HTML to plain text ----------------------------------------------------- */

static void
test_html_text (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "<p>One</p><p>Two <a href=\"https://x.example/?a=1&amp;b=2\">link text</a> &amp; more&nbsp;here</p>"
      "<ul><li>first</li><li>second</li></ul><script>bad()</script><style>p { color: red }</style>",
      "One\n\nTwo link text & more here\n\n• first\n• second" },
    { "Line one\r\nLine two\n\n\n\nNew   paragraph  ", "Line one\nLine two\n\nNew paragraph" },
    { "Fish & chips <3 and a<b", "Fish & chips <3 and a<b" },
    { "&#163;5, &#x20AC;6, &bogus; &", "£5, €6, &bogus; &" },
    { "a<br>b<br/>c<BR />d", "a\nb\nc\nd" },
    { "<div>kept</div><!-- a comment -->", "kept" },
    { "<DIV CLASS='x'>Upper<P>case</DIV>", "Upper\n\ncase" },
    { "<a href='broken", "<a href='broken" },
    { "<!-- never closed", "" },
    { "<script>never closed", "" },
    { "<h2>Who</h2><p>Adults&#8217;   groups</p>", "Who\n\nAdults’ groups" },
    { "<table><tr><td>Mon</td><td>10am</td></tr><tr><td>Tue</td></tr></table>", "Mon 10am\nTue" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = sp_html_to_text (cases[i].in);
      g_assert_cmpstr (text, ==, cases[i].out);
    }

  {
    g_autofree char *bad = sp_html_to_text ("ok \xff\xfe end");
    g_autofree char *line = sp_text_one_line ("<p>A</p>\n<p>B\n C</p>");

    g_assert_true (g_utf8_validate (bad, -1, NULL));
    g_assert_true (g_str_has_prefix (bad, "ok "));
    g_assert_cmpstr (line, ==, "A B C");
    g_assert_null (sp_html_to_text (NULL));
  }
}

/* ---- Identity ----------------------------------------------------------------- */

static void
test_derived_ids (void)
{
  g_autofree char *a = sp_hsds_derive_id ("service", "svc-1");
  g_autofree char *b = sp_hsds_derive_id ("service", "svc-1");
  g_autofree char *c = sp_hsds_derive_id ("organization", "svc-1");
  g_autofree char *d = sp_hsds_derive_id ("service", "svc-2");

  g_assert_true (sp_uuid_is_valid (a));
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (a, !=, d);
  /* RFC 4122: version 5, variant 10xx. */
  g_assert_cmpint (a[14], ==, '5');
  g_assert_true (strchr ("89ab", a[19]) != NULL);
}

/* ---- The official examples ----------------------------------------------------- */

static void
check_official_service (SpStore    *store,
                        SpHsdsItem *item,
                        gboolean    with_location)
{
  g_autoptr(SpOffering) o = load_by_source (store, &sp_entity_offering, OFFICIAL_SERVICE_ID);
  g_autoptr(SpProvider) p = load_by_source (store, &sp_entity_provider, OFFICIAL_ORG_ID);
  g_autofree char *derived = sp_hsds_derive_id ("service", OFFICIAL_SERVICE_ID);

  g_assert_cmpstr (o->record.id, ==, derived);
  g_assert_cmpstr (o->name, ==, "Community Counselling");
  g_assert_cmpstr (o->provider_id, ==, p->record.id);
  g_assert_true (g_str_has_prefix (o->description, "Counselling Services provided by trained professionals."));
  g_assert_true (o->active);
  g_assert_cmpint (o->age_min, ==, 12);
  g_assert_cmpint (o->age_max, ==, 100);
  g_assert_true (g_str_has_prefix (o->eligibility, "This service is intended for all people aged 12"));
  g_assert_cmpstr (o->last_verified, ==, "2005-01-01");
  g_assert_cmpstr (o->source_modified, ==, "2023-03-15T10:30:45Z");
  /* The one cost option ran out in 2022; the words still say £50 an hour. */
  g_assert_cmpint (o->fee_pence, ==, 5000);
  g_assert_true (has_note (item, "was read from the words"));
  /* Counselling is no Signpost modality; the words name MH conditions. */
  g_assert_cmpstr (o->modality, ==, "other");
  g_assert_true (sp_strv_contains (o->targets_mh, "anxiety"));
  g_assert_true (sp_strv_contains (o->targets_mh, "depression"));
  g_assert_true (o->needs_review);
  g_assert_true (item->needs_review);

  if (with_location)
    {
      g_assert_cmpstr (o->location_name, ==, "MyCity Civic Center");
      g_assert_cmpstr (o->address, ==, "1-30 Main Street, MyVillage, MyCity");
      /* "ABC 1234", latitude 100 and longitude 101 are not in the UK. */
      g_assert_null (o->postcode);
      g_assert_true (isnan (o->lat) && isnan (o->lon));
      g_assert_true (has_note (item, "ended on 2022-12-31"));
      g_assert_true (has_note (item, "“ABC 1234” is not a UK postcode"));
      g_assert_true (has_note (item, "latitude 100, longitude 101"));
      g_assert_cmpuint (schedule_length (o), ==, 2);
      assert_slot (o->schedule, 0, "thu", "10:00", "18:00");
      assert_slot (o->schedule, 1, "fri", "10:00", "18:00");
      g_assert_nonnull (strstr (o->schedule_note, "not available on public holidays"));
    }

  g_assert_cmpstr (p->name, ==, "Example Organization Inc.");
  g_assert_cmpstr (p->email, ==, "email@example.com");
  g_assert_cmpstr (p->website, ==, "http://example.com");
}

static void
test_official_service_full (SpTestStore   *f,
                            gconstpointer  data)
{
  g_autoptr(SpHsdsImport) import = import_data (f->store, "service_full.json", TRUE);
  g_autoptr(SpProvider) p = NULL;

  g_assert_cmpstr (import->format, ==, "HSDS 3.0 JSON");
  g_assert_cmpuint (import->n_providers[SP_HSDS_ACTION_NEW], ==, 1);
  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, 1);
  g_assert_cmpuint (import->n_needs_review, ==, 1);
  check_official_service (f->store, find_item (import, &sp_entity_offering, OFFICIAL_SERVICE_ID, 0), TRUE);

  p = load_by_source (f->store, &sp_entity_provider, OFFICIAL_ORG_ID);
  g_assert_cmpstr (p->phone, ==, "+44 1234 234567");
}

static void
test_official_service_list (SpTestStore   *f,
                            gconstpointer  data)
{
  g_autoptr(SpHsdsImport) import = import_data (f->store, "service_list.json", TRUE);
  gboolean paged = FALSE;

  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, 1);
  check_official_service (f->store, find_item (import, &sp_entity_offering, OFFICIAL_SERVICE_ID, 0), FALSE);
  for (guint i = 0; i < import->problems->len; i++)
    paged |= strstr (import->problems->pdata[i], "page 1 of 10") != NULL;
  g_assert_true (paged);
}

static void
test_official_csv (SpTestStore   *f,
                   gconstpointer  data)
{
  g_autoptr(SpHsdsImport) import = import_data (f->store, "csv", TRUE);
  g_autoptr(SpProvider) p = NULL;
  gboolean noted = FALSE;

  g_assert_cmpstr (import->format, ==, "HSDS 3.0 tabular (CSV)");
  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, 1);
  g_assert_cmpuint (import->n_providers[SP_HSDS_ACTION_NEW], ==, 1);
  check_official_service (f->store, find_item (import, &sp_entity_offering, OFFICIAL_SERVICE_ID, 0), TRUE);
  /* The example's datapackage.json is a link that does not resolve. */
  for (guint i = 0; i < import->problems->len; i++)
    noted |= strstr (import->problems->pdata[i], "datapackage.json could not be read") != NULL;
  g_assert_true (noted);

  p = load_by_source (f->store, &sp_entity_provider, OFFICIAL_ORG_ID);
  g_assert_cmpstr (p->phone, ==, "+44 1234 234567");
}

/* The same offering from the JSON and the tabular example. */
static void
test_official_json_and_csv_agree (SpTestStore   *f,
                                  gconstpointer  data)
{
  g_autoptr(SpHsdsImport) first = import_data (f->store, "service_full.json", TRUE);
  g_autoptr(SpHsdsImport) second = import_data (f->store, "csv", TRUE);
  SpHsdsItem *item = find_item (second, &sp_entity_offering, OFFICIAL_SERVICE_ID, 0);

  g_assert_cmpint (item->action, ==, SP_HSDS_ACTION_UNCHANGED);
}

/* ---- A .zip of the tabular form -------------------------------------------------- */

static void
put16 (GByteArray *out,
       guint       v)
{
  guint8 b[2] = { v & 0xFF, (v >> 8) & 0xFF };
  g_byte_array_append (out, b, 2);
}

static void
put32 (GByteArray *out,
       guint32     v)
{
  guint8 b[4] = { v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, (v >> 24) & 0xFF };
  g_byte_array_append (out, b, 4);
}

static GBytes *
raw_deflate (GBytes *data)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, 6);
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (data);
  g_autoptr(GInputStream) converted = g_converter_input_stream_new (in, G_CONVERTER (compressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_output_stream_splice (out, converted, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                          NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* A zip of every file in @folder under "feed/", alternately stored and
 * deflated, with a macOS resource fork for good measure. */
static GBytes *
make_zip (const char *folder)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) central = g_byte_array_new ();
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strconcat ("feed/", name, NULL));
  g_ptr_array_add (names, g_strdup ("__MACOSX/feed/._services.csv"));

  for (guint i = 0; i < names->len; i++)
    {
      const char *entry = names->pdata[i];
      g_autofree char *path = g_build_filename (folder, strchr (entry, '/') + 1, NULL);
      g_autoptr(GBytes) content = g_str_has_prefix (entry, "__MACOSX") ? g_bytes_new_static ("junk", 4)
                                                                         : sp_test_read_file (path);
      gboolean deflate = i % 2 == 1;
      g_autoptr(GBytes) packed = deflate ? raw_deflate (content) : g_bytes_ref (content);
      guint32 crc = sp_zip_crc32 (0, g_bytes_get_data (content, NULL), g_bytes_get_size (content));
      guint32 offset = out->len;
      gsize name_len = strlen (entry);

      put32 (out, 0x04034b50); put16 (out, 20); put16 (out, 0); put16 (out, deflate ? 8 : 0);
      put16 (out, 0); put16 (out, 0); put32 (out, crc);
      put32 (out, g_bytes_get_size (packed)); put32 (out, g_bytes_get_size (content));
      put16 (out, name_len); put16 (out, 0);
      g_byte_array_append (out, (const guint8 *) entry, name_len);
      g_byte_array_append (out, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));

      put32 (central, 0x02014b50); put16 (central, 20); put16 (central, 20); put16 (central, 0);
      put16 (central, deflate ? 8 : 0); put16 (central, 0); put16 (central, 0); put32 (central, crc);
      put32 (central, g_bytes_get_size (packed)); put32 (central, g_bytes_get_size (content));
      put16 (central, name_len); put16 (central, 0); put16 (central, 0); put16 (central, 0);
      put16 (central, 0); put32 (central, 0); put32 (central, offset);
      g_byte_array_append (central, (const guint8 *) entry, name_len);
      n++;
    }

  {
    guint32 cd_offset = out->len;

    g_byte_array_append (out, central->data, central->len);
    put32 (out, 0x06054b50); put16 (out, 0); put16 (out, 0); put16 (out, n); put16 (out, n);
    put32 (out, central->len); put32 (out, cd_offset); put16 (out, 0);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
test_zip (SpTestStore   *f,
          gconstpointer  data)
{
  g_autofree char *folder = data_path ("csv");
  g_autofree char *zip_path = g_build_filename (f->dir, "feed.zip", NULL);
  g_autofree char *bad_path = g_build_filename (f->dir, "bad.zip", NULL);
  g_autoptr(GBytes) zip = make_zip (folder);
  g_autoptr(SpHsdsImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) damaged = NULL;
  gint64 outbox;

  g_file_set_contents (zip_path, g_bytes_get_data (zip, NULL), g_bytes_get_size (zip), &error);
  g_assert_no_error (error);
  import = import_path (f->store, zip_path, TRUE);
  g_assert_cmpstr (import->format, ==, "HSDS 3.0 tabular (CSV)");
  check_official_service (f->store, find_item (import, &sp_entity_offering, OFFICIAL_SERVICE_ID, 0), TRUE);

  /* A damaged archive is refused whole, and nothing is written. */
  outbox = sp_store_outbox_count (f->store);
  damaged = g_byte_array_new ();
  g_byte_array_append (damaged, g_bytes_get_data (zip, NULL), g_bytes_get_size (zip));
  for (guint i = 40; i < 200 && i < damaged->len; i++)
    damaged->data[i] ^= 0x5A;
  g_file_set_contents (bad_path, (const char *) damaged->data, damaged->len, &error);
  g_assert_no_error (error);
  g_assert_null (sp_store_import_hsds (f->store, bad_path, FALSE, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, outbox);
}

/* ---- Open Referral UK v1 ---------------------------------------------------------- */

static void
test_oruk_v1 (SpTestStore   *f,
              gconstpointer  data)
{
  g_autoptr(SpHsdsImport) import = import_data (f->store, "oruk-v1.json", TRUE);
  g_autoptr(SpOffering) pilates = load_by_source (f->store, &sp_entity_offering, "1041");
  g_autoptr(SpOffering) cbt = load_by_source (f->store, &sp_entity_offering, "1042");
  g_autoptr(SpProvider) trust = load_by_source (f->store, &sp_entity_provider, "77");

  g_assert_cmpstr (import->format, ==, "Open Referral UK v1 JSON");
  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, 2);
  g_assert_cmpuint (import->n_providers[SP_HSDS_ACTION_NEW], ==, 2);

  g_assert_cmpstr (pilates->name, ==, "Pilates for Arthritis");
  g_assert_cmpstr (pilates->provider_id, ==, trust->record.id);
  g_assert_cmpstr (trust->name, ==, "Hollinsford Leisure Trust");
  g_assert_cmpstr (trust->website, ==, "https://leisure.example");
  g_assert_cmpstr (pilates->modality, ==, "pilates");
  g_assert_cmpstr (pilates->format, ==, "group");
  g_assert_true (sp_strv_contains (pilates->targets_msk, "osteoarthritis"));
  g_assert_true (sp_strv_contains (pilates->targets_msk, "low_back_pain"));
  g_assert_true (sp_strv_contains (pilates->targets_mh, "anxiety"));
  g_assert_false (pilates->needs_review);
  g_assert_cmpstr (pilates->location_name, ==, "Station Road Leisure Centre");
  g_assert_cmpstr (pilates->address, ==, "Station Road, Hollinsford");
  g_assert_cmpstr (pilates->postcode, ==, "HF1 4LS");
  g_assert_cmpfloat_with_epsilon (pilates->lat, 53.1168, 1e-9);
  g_assert_cmpfloat_with_epsilon (pilates->lon, -1.5528, 1e-9);
  g_assert_cmpuint (schedule_length (pilates), ==, 1);
  assert_slot (pilates->schedule, 0, "wed", "18:30", "19:30");
  g_assert_cmpstr (pilates->schedule_note, ==, "Term time only");
  g_assert_cmpint (pilates->fee_pence, ==, 450);  /* ORUK v1 costs carry no currency: pounds */
  g_assert_cmpint (pilates->age_min, ==, 18);
  g_assert_cmpint (pilates->age_max, ==, 99);
  g_assert_cmpstr (pilates->eligibility, ==, "Adults with arthritis");
  g_assert_cmpstr (pilates->last_verified, ==, "2025-05-01");

  g_assert_cmpstr (cbt->modality, ==, "telephone_cbt");
  g_assert_cmpstr (cbt->format, ==, "telephone");
  g_assert_true (sp_strv_contains (cbt->targets_mh, "low_mood"));
  assert_slot (cbt->schedule, 0, "fri", "09:00", "17:00");
  g_assert_null (cbt->address);
}

/* ---- A messy feed ----------------------------------------------------------------- */

static void
test_messy_feed (SpTestStore   *f,
                 gconstpointer  data)
{
  g_autoptr(SpHsdsImport) import = import_data (f->store, "messy.json", TRUE);
  g_autoptr(SpOffering) yoga = load_by_source (f->store, &sp_entity_offering, "svc-yoga");
  g_autoptr(SpProvider) riverside = load_by_source (f->store, &sp_entity_provider, "org-riverside");
  SpHsdsItem *item;

  g_assert_cmpuint (import->n_providers[SP_HSDS_ACTION_NEW], ==, 3);
  g_assert_cmpuint (import->n_providers[SP_HSDS_ACTION_SKIPPED], ==, 1);
  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, 11);
  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_SKIPPED], ==, 8);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, NULL, NULL), ==, 11);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_provider, NULL, NULL), ==, 3);

  /* Every skipped record says why. */
  assert_skipped (import, "svc-blank", 0, "has no name");
  assert_skipped (import, "svc-html-only", 0, "has no name");
  assert_skipped (import, "service 4 in the file", 0, "has no id");
  assert_skipped (import, "svc-yoga", 1, "Duplicate of service “Gentle Yoga for Back Pain” (svc-yoga)");
  assert_skipped (import, "svc-yoga-copy", 0, "listed again under another id");
  assert_skipped (import, "svc-orphan", 0, "organization “org-noname” was skipped");
  assert_skipped (import, "svc-no-org", 0, "names no organization");
  assert_skipped (import, "service 18 in the file", 0, "not a service record");
  item = find_item (import, &sp_entity_provider, "org-noname", 0);
  g_assert_cmpint (item->action, ==, SP_HSDS_ACTION_SKIPPED);
  g_assert_nonnull (strstr (item->reason, "has no name"));

  /* HTML, entities and unknown fields. */
  g_assert_cmpstr (yoga->name, ==, "Gentle Yoga for Back Pain");
  g_assert_cmpstr (yoga->description, ==,
                   "A slow, chair-supported yoga class.\n\nBook on our booking page.\n\n• Mats provided\n• Helps with stress");
  g_assert_cmpstr (riverside->name, ==, "Riverside & District Wellbeing");
  g_assert_cmpstr (riverside->notes, ==, "A small charity.");
  g_assert_cmpstr (riverside->phone, ==, "01632 960555");
  g_assert_cmpstr (yoga->postcode, ==, "HF1 2TY");
  g_assert_cmpstr (yoga->address, ==, "Unit 3, Tannery Yard, Bridge Street, Hollinsford");
  g_assert_cmpfloat_with_epsilon (yoga->lat, 53.1161, 1e-9);
  assert_slot (yoga->schedule, 0, "tue", "10:00", "11:00");
  g_assert_cmpint (yoga->fee_pence, ==, 550);
  g_assert_cmpint (yoga->age_min, ==, 18);
  g_assert_cmpint (yoga->age_max, ==, SP_UNSET);
  g_assert_cmpstr (yoga->modality, ==, "yoga");
  g_assert_true (sp_strv_contains (yoga->targets_msk, "low_back_pain"));
  g_assert_true (sp_strv_contains (yoga->targets_mh, "stress"));
  g_assert_false (yoga->needs_review);
  g_assert_cmpstr (yoga->source_modified, ==, "2026-03-01T08:00:00Z");
  g_assert_cmpstr (yoga->last_verified, ==, "2026-02-20");

  /* Impossible coordinates and postcodes are dropped with a note; the
   * service is kept. */
  {
    g_autoptr(SpOffering) walk = load_by_source (f->store, &sp_entity_offering, "svc-walk");
    g_autoptr(SpOffering) swapped = load_by_source (f->store, &sp_entity_offering, "svc-swapped");

    item = find_item (import, &sp_entity_offering, "svc-walk", 0);
    g_assert_cmpint (item->action, ==, SP_HSDS_ACTION_NEW);
    g_assert_true (has_note (item, "latitude 0, longitude 0"));
    g_assert_true (has_note (item, "“NOT A CODE” is not a UK postcode"));
    g_assert_true (isnan (walk->lat) && isnan (walk->lon));
    g_assert_null (walk->postcode);
    g_assert_cmpstr (walk->address, ==, "Wharf Lane, Hollinsford");
    assert_slot (walk->schedule, 0, "mon", "09:30", "11:00");
    assert_slot (walk->schedule, 1, "thu", "09:30", "11:00");
    g_assert_cmpint (walk->fee_pence, ==, 0);
    /* "Not suitable for people who use a wheelchair" names no target. */
    g_assert_true (sp_strv_contains (walk->targets_msk, "knee_pain"));
    g_assert_true (has_note (find_item (import, &sp_entity_offering, "svc-swapped", 0), "latitude -1.55, longitude 53.11"));
    g_assert_true (isnan (swapped->lat));
  }

  /* Prices in another currency are left out; the service stays. */
  {
    g_autoptr(SpOffering) tai_chi = load_by_source (f->store, &sp_entity_offering, "svc-taichi-usd");
    g_autoptr(SpOffering) pilates = load_by_source (f->store, &sp_entity_offering, "svc-pilates-mixed");

    item = find_item (import, &sp_entity_offering, "svc-taichi-usd", 0);
    g_assert_true (has_note (item, "is in USD, not pounds"));
    g_assert_cmpstr (tai_chi->name, ==, "Tai Chi & Qigong");
    g_assert_cmpstr (tai_chi->modality, ==, "tai_chi");
    g_assert_cmpint (tai_chi->fee_pence, ==, 0);
    g_assert_true (tai_chi->needs_review);
    g_assert_true (has_note (find_item (import, &sp_entity_offering, "svc-pilates-mixed", 0), "is in EUR"));
    g_assert_cmpint (pilates->fee_pence, ==, 400);
    g_assert_false (pilates->needs_review);
  }

  /* Prices only in words: one clear one is read, anything else flagged. */
  {
    g_autoptr(SpOffering) art = load_by_source (f->store, &sp_entity_offering, "svc-art");
    g_autoptr(SpOffering) singing = load_by_source (f->store, &sp_entity_offering, "svc-singing");

    g_assert_cmpint (art->fee_pence, ==, 300);
    g_assert_true (has_note (find_item (import, &sp_entity_offering, "svc-art", 0), "£3.00 per session, was read"));
    g_assert_cmpint (singing->fee_pence, ==, 0);
    g_assert_true (singing->needs_review);
    g_assert_true (has_note (find_item (import, &sp_entity_offering, "svc-singing", 0), "given only in words"));
  }

  /* Monthly times, status, impossible ages, unclassifiable services. */
  {
    g_autoptr(SpOffering) garden = load_by_source (f->store, &sp_entity_offering, "svc-garden");
    g_autoptr(SpOffering) closed = load_by_source (f->store, &sp_entity_offering, "svc-closed");
    g_autoptr(SpOffering) ages = load_by_source (f->store, &sp_entity_offering, "svc-ages");
    g_autoptr(SpOffering) advice = load_by_source (f->store, &sp_entity_offering, "svc-advice");

    g_assert_cmpuint (schedule_length (garden), ==, 0);
    g_assert_cmpstr (garden->schedule_note, ==, "Monthly, the first Saturday 10:00–12:00");
    g_assert_cmpstr (garden->modality, ==, "gardening");
    g_assert_false (closed->active);
    g_assert_cmpint (ages->age_min, ==, SP_UNSET);
    g_assert_cmpint (ages->age_max, ==, SP_UNSET);
    g_assert_true (has_note (find_item (import, &sp_entity_offering, "svc-ages", 0), "above the maximum age"));
    g_assert_cmpstr (advice->modality, ==, "other");
    g_assert_true (advice->needs_review);
    g_assert_true (has_note (find_item (import, &sp_entity_offering, "svc-advice", 0), "no kind of activity was recognised"));
  }

  g_assert_cmpuint (import->n_needs_review, ==, 3);
}

/* Prices in words: read only when they say one fee per session. */
static void
test_fees_in_words (SpTestStore   *f,
                    gconstpointer  data)
{
  static const struct { const char *words; gint64 pence; gboolean flagged; } cases[] = {
    { "£5", 500, FALSE },
    { "Cost: £3.00", 300, FALSE },
    { "£4.50 per session", 450, FALSE },
    { "50p a session", 50, FALSE },
    { "£6 each class", 600, FALSE },
    { "Free", 0, FALSE },
    { "No charge", 0, FALSE },
    { "£60 for a six-week course", 0, TRUE },
    { "From £5", 0, TRUE },
    { "£5 per person", 0, TRUE },
    { "£5 or £3 concessions", 0, TRUE },
    { "Donations welcome", 0, TRUE },
    { "Please phone for prices", 0, TRUE },
  };
  g_autoptr(GString) feed = g_string_new ("[");
  g_autofree char *path = g_build_filename (f->dir, "fees.json", NULL);
  g_autoptr(SpHsdsImport) import = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_string_append_printf (feed, "%s{\"id\": \"fee-%u\", \"name\": \"Yoga for back pain and stress %u\", "
                            "\"organization\": {\"id\": \"org\", \"name\": \"Org\"}, \"fees_description\": \"%s\"}",
                            i ? "," : "", i, i, cases[i].words);
  g_string_append (feed, "]");
  write_text (path, feed->str);
  import = import_path (f->store, path, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *id = g_strdup_printf ("fee-%u", i);
      g_autoptr(SpOffering) o = load_by_source (f->store, &sp_entity_offering, id);

      if (o->fee_pence != cases[i].pence || o->needs_review != cases[i].flagged)
        g_error ("“%s”: fee %" G_GINT64_FORMAT ", flagged %d", cases[i].words, o->fee_pence, o->needs_review);
    }
}

/* Found by fuzz-hsds-json: a price in another currency, or without a
 * usable amount, and with no name, once crashed the note about it. */
static void
test_unnamed_costs (SpTestStore   *f,
                    gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "costs.json", NULL);
  g_autoptr(SpHsdsImport) import = NULL;
  g_autoptr(SpOffering) o = NULL;
  SpHsdsItem *item;

  write_text (path, "[{\"id\": \"c\", \"name\": \"Yoga for back pain\", \"organization\": {\"id\": \"o\", \"name\": \"O\"},"
                    " \"cost_options\": [{\"currency\": \"USD\", \"amount\": 3}, {\"currency\": \"GBP\", \"amount\": \"lots\"},"
                    " {\"currency\": \"GBP\", \"amount\": -2}, {\"option\": \"\", \"currency\": \"\", \"amount\": 2.5}]}]");
  import = import_path (f->store, path, TRUE);
  item = find_item (import, &sp_entity_offering, "c", 0);
  g_assert_true (has_note (item, "A price (no name) is in USD"));
  g_assert_true (has_note (item, "A price (no name) has an amount that is not a number"));
  g_assert_true (has_note (item, "A price (no name) of -2 is not believable"));
  o = load_by_source (f->store, &sp_entity_offering, "c");
  g_assert_cmpint (o->fee_pence, ==, 250);
}

/* ---- Preview, apply, all or nothing ------------------------------------------------ */

static void
test_dry_run_writes_nothing (SpTestStore   *f,
                             gconstpointer  data)
{
  gint64 outbox = sp_store_outbox_count (f->store);
  g_autoptr(SpHsdsImport) import = import_data (f->store, "messy.json", FALSE);

  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, 11);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, outbox);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, "", NULL), ==, 0);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_provider, "", NULL), ==, 0);
}

static void
test_preview_then_apply (SpTestStore   *f,
                         gconstpointer  data)
{
  g_autofree char *path = data_path ("messy.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SpHsdsFeed) feed = sp_hsds_feed_load (path, &error);
  g_autoptr(SpHsdsImport) import = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (sp_hsds_feed_get_n_services (feed), ==, 19);
  import = sp_hsds_import_preview (f->store, feed, &error);
  g_assert_no_error (error);
  g_assert_false (import->applied);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, "", NULL), ==, 0);
  g_assert_true (sp_hsds_import_apply (f->store, import, &error));
  g_assert_no_error (error);
  g_assert_true (import->applied);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, NULL, NULL), ==, 11);
  /* Applying twice writes once. */
  g_assert_true (sp_hsds_import_apply (f->store, import, &error));
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, NULL, NULL), ==, 11);
}

/* A failure part-way (here a trigger refusing the tenth offering) leaves
 * the store exactly as it was. */
static void
test_never_half_writes (SpTestStore   *f,
                        gconstpointer  data)
{
  g_autofree char *path = data_path ("messy.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SpHsdsFeed) feed = sp_hsds_feed_load (path, &error);
  g_autoptr(SpHsdsImport) import = sp_hsds_import_preview (f->store, feed, &error);
  sqlite3 *db = sp_store_get_handle (f->store);
  gint64 outbox = sp_store_outbox_count (f->store);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.offering "
                                     "WHEN NEW.name = 'Youth Mindfulness' "
                                     "BEGIN SELECT RAISE (ABORT, 'refused by the test'); END", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (sp_hsds_import_apply (f->store, import, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_CONSTRAINT);
  g_assert_false (import->applied);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, "", NULL), ==, 0);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_provider, "", NULL), ==, 0);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, outbox);
  g_clear_error (&error);

  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER temp.refuse", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (sp_hsds_import_apply (f->store, import, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, NULL, NULL), ==, 11);
}

static void
test_needs_admin (SpTestStore   *f,
                  gconstpointer  data)
{
  const char * const practices[] = { SP_TEST_PRACTICE, NULL };
  g_autofree char *path = data_path ("messy.json");
  g_autoptr(GError) error = NULL;

  sp_store_set_actor (f->store, "lw.only", SP_ROLE_LINK_WORKER, practices);
  g_assert_null (sp_store_import_hsds (f->store, path, FALSE, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_PERMISSION);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, "", NULL), ==, 0);
}

static void
test_bad_input (SpTestStore   *f,
                gconstpointer  data)
{
  static const struct { const char *name; const char *content; gint code; } cases[] = {
    { "not.json", "this is { not json", SP_ERROR_INVALID },
    { "empty.json", "", SP_ERROR_INVALID },
    { "number.json", "42", SP_ERROR_INVALID },
    { "object.json", "{\"hello\": \"world\"}", SP_ERROR_INVALID },
    { "fake.zip", "PK\x03\x04 this is not really a zip archive at all", SP_ERROR_INVALID },
    /* Found by fuzz-hsds-csv: json-glib 1.6 leaks a second value. */
    { "two.json", "\"\"{\"contents\": [{\"id\": \"a\", \"name\": \"Yoga\"}]}", SP_ERROR_INVALID },
    { "three.json", "[] {} 42", SP_ERROR_INVALID },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *deep = g_build_filename (f->dir, "deep.json", NULL);
  g_autofree char *no_services = g_build_filename (f->dir, "no-services", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.json", NULL);
  g_autofree char *other_csv = NULL;
  g_autoptr(GString) nesting = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, cases[i].name, NULL);

      write_text (path, cases[i].content);
      g_assert_null (sp_store_import_hsds (f->store, path, FALSE, &error));
      g_assert_error (error, SP_ERROR, cases[i].code);
      g_clear_error (&error);
    }

  for (guint i = 0; i < 10000; i++)
    g_string_append_c (nesting, '[');
  write_text (deep, nesting->str);
  g_assert_null (sp_store_import_hsds (f->store, deep, FALSE, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (no_services, 0700), ==, 0);
  other_csv = g_build_filename (no_services, "organizations.csv", NULL);
  write_text (other_csv, "id,name\no1,Org\n");
  g_assert_null (sp_store_import_hsds (f->store, no_services, FALSE, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (sp_store_import_hsds (f->store, missing, FALSE, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_cmpint (sp_store_outbox_count (f->store), ==, 0);
}

/* ---- Re-imports ------------------------------------------------------------------- */

static void
assert_reimport_unchanged (SpStore    *store,
                           const char *path)
{
  gint64 outbox = sp_store_outbox_count (store);
  g_autoptr(SpHsdsImport) again = import_path (store, path, TRUE);

  g_assert_cmpuint (again->n_offerings[SP_HSDS_ACTION_NEW], ==, 0);
  g_assert_cmpuint (again->n_offerings[SP_HSDS_ACTION_CHANGED], ==, 0);
  g_assert_cmpuint (again->n_providers[SP_HSDS_ACTION_NEW], ==, 0);
  g_assert_cmpuint (again->n_providers[SP_HSDS_ACTION_CHANGED], ==, 0);
  g_assert_cmpint (sp_store_outbox_count (store), ==, outbox);
}

static void
test_reimport_changes_nothing (SpTestStore   *f,
                               gconstpointer  data)
{
  const char * const feeds[] = { "messy.json", "oruk-v1.json", "service_full.json", "csv" };

  for (guint i = 0; i < G_N_ELEMENTS (feeds); i++)
    {
      g_autofree char *path = data_path (feeds[i]);
      g_autoptr(SpHsdsImport) first = import_path (f->store, path, TRUE);

      assert_reimport_unchanged (f->store, path);
    }
}

static const char feed_v1[] =
  "{\"contents\": [{\"id\": \"svc-1\", \"name\": \"Yoga for Back Pain\", \"status\": \"active\","
  " \"description\": \"Chair yoga for back pain and stress.\", \"last_modified\": \"2026-01-01T10:00:00Z\","
  " \"organization\": {\"id\": \"org-1\", \"name\": \"Studio One\", \"description\": \"From the feed\"},"
  " \"service_at_locations\": [{\"id\": \"sal-1\", \"location\": {\"id\": \"loc-1\", \"name\": \"Old Hall\","
  "   \"latitude\": 53.1, \"longitude\": -1.5, \"addresses\": [{\"id\": \"a1\", \"address_1\": \"1 Mill Lane\","
  "   \"city\": \"Hollinsford\", \"postal_code\": \"HF1 1AA\", \"country\": \"GB\"}]}}],"
  " \"schedules\": [{\"id\": \"s1\", \"freq\": \"WEEKLY\", \"byday\": \"TU\", \"opens_at\": \"10:00\", \"closes_at\": \"11:00\"}],"
  " \"cost_options\": [{\"id\": \"c1\", \"currency\": \"GBP\", \"amount\": 5}]}]}";

static const char feed_v2[] =
  "{\"contents\": [{\"id\": \"svc-1\", \"name\": \"Yoga for Back Pain (new hall)\", \"status\": \"active\","
  " \"description\": \"Chair yoga for back pain, knee pain and stress.\", \"last_modified\": \"2026-02-01T10:00:00Z\","
  " \"organization\": {\"id\": \"org-1\", \"name\": \"Studio One\", \"description\": \"Changed in the feed\"},"
  " \"service_at_locations\": [{\"id\": \"sal-1\", \"location\": {\"id\": \"loc-2\", \"name\": \"New Hall\","
  "   \"latitude\": 53.2, \"longitude\": -1.4, \"addresses\": [{\"id\": \"a2\", \"address_1\": \"2 Church Street\","
  "   \"city\": \"Hollinsford\", \"postal_code\": \"HF1 3BB\", \"country\": \"GB\"}]}}],"
  " \"schedules\": [{\"id\": \"s2\", \"freq\": \"WEEKLY\", \"byday\": \"TH\", \"opens_at\": \"18:00\", \"closes_at\": \"19:00\"}],"
  " \"cost_options\": [{\"id\": \"c1\", \"currency\": \"GBP\", \"amount\": 6}],"
  " \"attributes\": [{\"id\": \"at1\", \"taxonomy_term\": {\"id\": \"t1\", \"name\": \"Tai chi\", \"description\": \"\"}}]}]}";

static void
test_newer_feed_keeps_admin_fields (SpTestStore   *f,
                                    gconstpointer  data)
{
  g_autofree char *v1 = g_build_filename (f->dir, "v1.json", NULL);
  g_autofree char *v2 = g_build_filename (f->dir, "v2.json", NULL);
  g_autoptr(SpHsdsImport) first = NULL;
  g_autoptr(SpHsdsImport) second = NULL;
  g_autoptr(SpHsdsImport) older = NULL;
  g_autoptr(SpFunder) funder = sp_test_add_funder (f->store, "Hollin Dales ICB", 100000, "2026-04-01");
  g_autoptr(SpOffering) o = NULL;
  g_autoptr(SpProvider) p = NULL;
  g_autoptr(GError) error = NULL;
  SpHsdsItem *item;

  write_text (v1, feed_v1);
  write_text (v2, feed_v2);
  first = import_path (f->store, v1, TRUE);
  o = load_by_source (f->store, &sp_entity_offering, "svc-1");
  g_assert_cmpstr (o->modality, ==, "yoga");
  g_assert_false (o->needs_review);

  /* The admin curates it: Signpost's own fields, and a different view of
   * what it is and whom it is for. */
  g_clear_pointer (&o->sliding_scale, json_node_unref);
  o->sliding_scale = sp_test_parse_json ("{\"exempt\": 0, \"low\": 200}");
  replace_strv (&o->funder_ids, funder->record.id);
  replace_strv (&o->contraindications, "pregnancy");
  replace_text (&o->intensity, "gentle");
  replace_text (&o->evidence, "strong");
  replace_text (&o->evidence_note, "NICE NG59");
  o->step = 3;
  o->sessions = 8;
  o->capacity = 12;
  o->wait_weeks = 2;
  replace_text (&o->modality, "pilates");
  replace_strv (&o->targets_msk, "hip_pain");
  replace_strv (&o->targets_mh, "anxiety");
  g_assert_true (sp_store_save (f->store, &sp_entity_offering, o, &error));
  g_assert_no_error (error);
  p = load_by_source (f->store, &sp_entity_provider, "org-1");
  replace_text (&p->notes, "The admin's note");
  replace_text (&p->regulator, "none");
  g_assert_true (sp_store_save (f->store, &sp_entity_provider, p, &error));
  g_assert_no_error (error);
  g_clear_pointer (&o, sp_offering_free);
  g_clear_pointer (&p, sp_provider_free);

  second = import_path (f->store, v2, TRUE);
  item = find_item (second, &sp_entity_offering, "svc-1", 0);
  g_assert_cmpint (item->action, ==, SP_HSDS_ACTION_CHANGED);
  {
    const char * const expected[] = { "name", "description", "location_name", "address", "postcode", "lat", "lon",
                                      "schedule", "fee_pence", "source_modified", NULL };
    g_assert_cmpstrv (item->changed, expected);
  }
  g_assert_cmpint (find_item (second, &sp_entity_provider, "org-1", 0)->action, ==, SP_HSDS_ACTION_UNCHANGED);

  o = load_by_source (f->store, &sp_entity_offering, "svc-1");
  g_assert_cmpstr (o->name, ==, "Yoga for Back Pain (new hall)");
  g_assert_cmpint (o->fee_pence, ==, 600);
  assert_slot (o->schedule, 0, "thu", "18:00", "19:00");
  g_assert_cmpstr (o->postcode, ==, "HF1 3BB");
  g_assert_cmpstr (o->location_name, ==, "New Hall");
  /* What the admin decided is as they left it. */
  g_assert_cmpstr (o->modality, ==, "pilates");
  g_assert_true (sp_strv_contains (o->targets_msk, "hip_pain"));
  g_assert_false (sp_strv_contains (o->targets_msk, "knee_pain"));
  g_assert_cmpstrv (o->targets_mh, ((const char * const[]) { "anxiety", NULL }));
  g_assert_cmpstrv (o->funder_ids, ((const char * const[]) { funder->record.id, NULL }));
  g_assert_cmpstrv (o->contraindications, ((const char * const[]) { "pregnancy", NULL }));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (o->sliding_scale), "low"), ==, 200);
  g_assert_cmpstr (o->intensity, ==, "gentle");
  g_assert_cmpstr (o->evidence, ==, "strong");
  g_assert_cmpstr (o->evidence_note, ==, "NICE NG59");
  g_assert_cmpint (o->step, ==, 3);
  g_assert_cmpint (o->sessions, ==, 8);
  g_assert_cmpint (o->capacity, ==, 12);
  g_assert_cmpint (o->wait_weeks, ==, 2);
  g_assert_false (o->needs_review);
  p = load_by_source (f->store, &sp_entity_provider, "org-1");
  g_assert_cmpstr (p->notes, ==, "The admin's note");
  g_assert_cmpstr (p->regulator, ==, "none");

  /* The same newer feed again changes nothing; the older one is refused. */
  assert_reimport_unchanged (f->store, v2);
  older = import_path (f->store, v1, TRUE);
  assert_skipped (older, "svc-1", 0, "is older than the one Signpost has");
  g_clear_pointer (&o, sp_offering_free);
  o = load_by_source (f->store, &sp_entity_offering, "svc-1");
  g_assert_cmpint (o->fee_pence, ==, 600);
}

/* A later feed that names an organization only by id, or leaves its name
 * out, still reaches the provider Signpost has for it. */
static void
test_known_organization (SpTestStore   *f,
                         gconstpointer  data)
{
  g_autofree char *v1 = g_build_filename (f->dir, "v1.json", NULL);
  g_autofree char *later = g_build_filename (f->dir, "later.json", NULL);
  g_autoptr(SpHsdsImport) first = NULL;
  g_autoptr(SpHsdsImport) second = NULL;
  g_autoptr(SpProvider) p = NULL;
  g_autoptr(SpOffering) o = NULL;

  write_text (v1, feed_v1);
  first = import_path (f->store, v1, TRUE);
  write_text (later, "[{\"id\": \"svc-2\", \"name\": \"Tai chi for arthritis\", \"organization_id\": \"org-1\"},"
                     " {\"id\": \"svc-3\", \"name\": \"Pilates for back pain\", \"organization\": {\"id\": \"org-1\", \"name\": \" \"}},"
                     " {\"id\": \"svc-4\", \"name\": \"Qigong\", \"organization_id\": \"org-unknown\"}]");
  second = import_path (f->store, later, TRUE);
  p = load_by_source (f->store, &sp_entity_provider, "org-1");
  g_assert_cmpstr (p->name, ==, "Studio One");
  g_assert_cmpint (find_item (second, &sp_entity_provider, "org-1", 0)->action, ==, SP_HSDS_ACTION_UNCHANGED);
  o = load_by_source (f->store, &sp_entity_offering, "svc-2");
  g_assert_cmpstr (o->provider_id, ==, p->record.id);
  g_clear_pointer (&o, sp_offering_free);
  o = load_by_source (f->store, &sp_entity_offering, "svc-3");
  g_assert_cmpstr (o->provider_id, ==, p->record.id);
  assert_skipped (second, "svc-4", 0, "Signpost does not know it from an earlier import");
}

static void
test_deleted_stay_deleted (SpTestStore   *f,
                           gconstpointer  data)
{
  g_autoptr(SpHsdsImport) first = import_data (f->store, "messy.json", TRUE);
  g_autoptr(SpOffering) yoga = load_by_source (f->store, &sp_entity_offering, "svc-yoga");
  g_autoptr(SpHsdsImport) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_store_remove (f->store, &sp_entity_offering, yoga->record.id, &error));
  g_assert_no_error (error);
  again = import_data (f->store, "messy.json", TRUE);
  assert_skipped (again, "svc-yoga", 0, "deleted in Signpost");
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, "WHERE deleted = 1", NULL), ==, 1);
}

/* ---- A large feed ----------------------------------------------------------------- */

static const char * const postcodes[] = { "HF1 2TY", "HF1 4LS", "HF2 7QD", "HF3 1AB", "LS1 4AP", "SW1A 1AA" };
static const char * const activities[] = {
  "Chair yoga", "Tai chi", "Pilates", "Health walk", "Aqua fit", "Singing group", "Gardening club",
  "Mindfulness course", "Arts and crafts", "Strength and balance",
};

/* A feed of @n services with HTML descriptions, about 1 KB each. */
static char *
generate_feed (guint  n,
               gsize *length)
{
  GString *out = g_string_sized_new (n * 1100);

  g_string_append (out, "{\"total_items\": ");
  g_string_append_printf (out, "%u, \"total_pages\": 1, \"page_number\": 1, \"contents\": [\n", n);
  for (guint i = 0; i < n; i++)
    {
      const char *activity = activities[i % G_N_ELEMENTS (activities)];

      g_string_append_printf (out,
        "%s{\"id\": \"gen-%05u\", \"name\": \"%s %u\", \"status\": \"%s\","
        " \"description\": \"<p>A friendly <b>%s</b> session for adults living with back pain, arthritis, anxiety or low mood.</p>"
        "<p>Sessions are led by a qualified instructor who adapts every exercise to how you feel on the day. "
        "Bring water and comfortable clothes; you can sit or stand. Carers are welcome at no cost.</p>"
        "<ul><li>Small groups of up to 12</li><li>Step-free access</li><li>Free tea afterwards</li></ul>"
        "<p>See <a href=\\\"https://example.org/%u\\\">the booking page</a> &amp; call us with questions.</p>\","
        " \"minimum_age\": 18, \"last_modified\": \"2026-04-01T09:00:00Z\","
        " \"organization\": {\"id\": \"gen-org-%u\", \"name\": \"Provider %u\", \"description\": \"A community provider\"},"
        " \"service_at_locations\": [{\"id\": \"gen-sal-%u\", \"location\": {\"id\": \"gen-loc-%u\", \"name\": \"Hall %u\","
        "  \"latitude\": %.4f, \"longitude\": %.4f, \"addresses\": [{\"id\": \"gen-addr-%u\", \"address_1\": \"%u High Street\","
        "  \"city\": \"Hollinsford\", \"state_province\": \"\", \"postal_code\": \"%s\", \"country\": \"GB\", \"address_type\": \"physical\"}]}}],"
        " \"schedules\": [{\"id\": \"gen-sch-%u\", \"freq\": \"WEEKLY\", \"byday\": \"%s\", \"opens_at\": \"%02u:00:00\", \"closes_at\": \"%02u:00:00\"}],"
        " \"cost_options\": [{\"id\": \"gen-cost-%u\", \"currency\": \"GBP\", \"amount\": %u.%02u}],"
        " \"attributes\": [{\"id\": \"gen-attr-%u\", \"taxonomy_term\": {\"id\": \"gen-term-%u\", \"name\": \"%s\", \"description\": \"Activity\"}}]}\n",
        i ? "," : "", i, activity, i, i % 17 == 0 ? "inactive" : "active", activity, i,
        i / 10, i / 10, i, i, i, 52.0 + (i % 100) * 0.01, -1.0 - (i % 50) * 0.01, i, i % 200 + 1,
        postcodes[i % G_N_ELEMENTS (postcodes)], i, (const char *[]) { "MO", "TU", "WE", "TH", "FR", "SA", "SU" }[i % 7],
        9 + i % 8, 10 + i % 8, i, 2 + i % 6, (i * 25) % 100, i, i, activity);
    }
  g_string_append (out, "]}\n");
  *length = out->len;
  return g_string_free (out, FALSE);
}

static void
test_large_feed (SpTestStore   *f,
                 gconstpointer  data)
{
  const guint n = 5000;
  g_autofree char *path = g_build_filename (f->dir, "large.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpHsdsFeed) feed = NULL;
  g_autoptr(SpHsdsImport) import = NULL;
  g_autoptr(SpHsdsImport) again = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  gint64 t0, t1, t2, t3, t4, outbox;

  text = generate_feed (n, &length);
  g_file_set_contents (path, text, (gssize) length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 5 * 1000 * 1000);

  t0 = g_get_monotonic_time ();
  feed = sp_hsds_feed_load (path, &error);
  g_assert_no_error (error);
  t1 = g_get_monotonic_time ();
  import = sp_hsds_import_preview (f->store, feed, &error);
  g_assert_no_error (error);
  t2 = g_get_monotonic_time ();
  g_assert_true (sp_hsds_import_apply (f->store, import, &error));
  g_assert_no_error (error);
  t3 = g_get_monotonic_time ();

  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, n);
  g_assert_cmpuint (import->n_providers[SP_HSDS_ACTION_NEW], ==, n / 10);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, NULL, NULL), ==, n);
  g_assert_cmpint (sp_store_count (f->store, &sp_entity_offering, "WHERE active = 0", NULL), ==, (n + 16) / 17);
  g_test_message ("%u services, %.1f MB: read %.2f s, preview %.2f s, apply %.2f s",
                  n, length / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);

  outbox = sp_store_outbox_count (f->store);
  again = import_path (f->store, path, TRUE);
  t4 = g_get_monotonic_time ();
  g_assert_cmpuint (again->n_offerings[SP_HSDS_ACTION_UNCHANGED], ==, n);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, outbox);
  g_test_message ("the same %u services again, all unchanged: %.2f s", n, (t4 - t3) / 1e6);
}

/* ---- Export ----------------------------------------------------------------------- */

static const char validate_script[] =
  "import json, sys\n"
  "try:\n"
  "    import jsonschema\n"
  "except ImportError:\n"
  "    sys.exit(77)\n"
  "schema = json.load(open(sys.argv[1], encoding='utf-8'))\n"
  "page = json.load(open(sys.argv[2], encoding='utf-8'))\n"
  "cls = jsonschema.validators.validator_for(schema)\n"
  "validator = cls(schema, format_checker=jsonschema.FormatChecker())\n"
  "errors = ['%s %s: %s' % (s.get('id'), list(e.absolute_path), e.message)\n"
  "          for s in page['contents'] for e in validator.iter_errors(s)]\n"
  "print('\\n'.join(errors[:20]))\n"
  "sys.exit(1 if errors else 0)\n";

/* 0 valid, 1 invalid, 77 no validator here. */
static int
validate_with_python (const char *json_path)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *schema = data_path ("schema/service_with_definitions.json");
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  const char *argv[] = { python, "-c", validate_script, schema, json_path, NULL };

  if (python == NULL)
    return 77;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &wait_status, &error);
  g_assert_no_error (error);
  if (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 77)
    return 77;
  if (out != NULL && *out != '\0' && *out != '\n')
    g_test_message ("schema: %s", out);
  return WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

static void
test_export_validates (SpTestStore   *f,
                       gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "catalogue.json", NULL);
  g_autofree char *broken_path = g_build_filename (f->dir, "broken.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) broken = NULL;
  g_autoptr(SpHsdsImport) messy = NULL;
  guint n = 0;
  int status;

  load_demo_catalogue (f->store);
  /* Unreviewed imports and offerings without a place are published too. */
  messy = import_data (f->store, "messy.json", TRUE);
  g_assert_true (sp_hsds_export (f->store, SP_HSDS_FORMAT_JSON, path, SP_HSDS_EXPORT_INCLUDE_UNREVIEWED, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 55 + 11);

  status = validate_with_python (path);
  if (status == 77)
    {
      g_test_skip ("python3 with jsonschema (Debian: python3-jsonschema) is not installed");
      return;
    }
  g_assert_cmpint (status, ==, 0);

  /* The validator is really looking: a service without a status fails. */
  {
    g_autoptr(GBytes) bytes = sp_test_read_file (path);
    g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_autofree char *broken_text = NULL;
    g_autoptr(JsonNode) node = NULL;
    JsonObject *first;

    broken = sp_test_parse_object (text);
    first = json_array_get_object_element (json_object_get_array_member (broken, "contents"), 0);
    json_object_remove_member (first, "status");
    json_object_set_string_member (json_object_get_object_member (first, "organization"), "id", "not a uuid");
    node = json_node_init_object (json_node_alloc (), broken);
    broken_text = json_to_string (node, FALSE);
    write_text (broken_path, broken_text);
  }
  g_assert_cmpint (validate_with_python (broken_path), ==, 1);
}

static void
test_export_default_leaves_out_unreviewed (SpTestStore   *f,
                                           gconstpointer  data)
{
  g_autoptr(SpHsdsImport) messy = import_data (f->store, "messy.json", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = sp_hsds_export_service_list (f->store, SP_HSDS_EXPORT_DEFAULT, &error);
  JsonObject *page;

  g_assert_no_error (error);
  page = json_node_get_object (list);
  g_assert_cmpint (json_object_get_int_member (page, "total_items"), ==, 11 - 3);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (page, "contents")), ==, 11 - 3);
  g_assert_true (json_object_get_boolean_member (page, "last_page"));
}

static const char * const compared_fields[] = {
  "name", "description", "modality", "format", "location_name", "address", "postcode", "lat", "lon",
  "schedule", "schedule_note", "fee_pence", "targets_msk", "targets_mh", "active", "age_min", "age_max",
  "eligibility", "last_verified", "needs_review",
};

/* Offerings by name and provider name, as JSON. */
static GHashTable *
catalogue_by_name (SpStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) offerings = sp_store_list (store, &sp_entity_offering, NULL, NULL, &error);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *o = offerings->pdata[i];
      g_autoptr(SpProvider) p = sp_store_load (store, &sp_entity_provider, o->provider_id, &error);
      JsonObject *json = sp_record_to_json (&sp_entity_offering, o);
      char *key;

      g_assert_no_error (error);
      key = g_strdup_printf ("%s / %s", o->name, p->name);
      g_assert_false (g_hash_table_contains (out, key));
      /* No schedule and an empty one say the same. */
      if (JSON_NODE_HOLDS_NULL (json_object_get_member (json, "schedule")))
        json_object_set_array_member (json, "schedule", json_array_new ());
      json_object_set_string_member (json, "provider_name", p->name);
      g_hash_table_insert (out, key, json);
    }
  return out;
}

static void
assert_same_catalogue (SpStore *a,
                       SpStore *b)
{
  g_autoptr(GHashTable) first = catalogue_by_name (a);
  g_autoptr(GHashTable) second = catalogue_by_name (b);
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (first), ==, g_hash_table_size (second));
  g_hash_table_iter_init (&iter, first);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *other = g_hash_table_lookup (second, key);

      if (other == NULL)
        g_error ("%s is missing after the round trip", (const char *) key);
      for (guint i = 0; i < G_N_ELEMENTS (compared_fields); i++)
        {
          JsonNode *x = json_object_get_member (value, compared_fields[i]);
          JsonNode *y = json_object_get_member (other, compared_fields[i]);

          if (!json_node_equal (x, y))
            {
              g_autofree char *xs = json_to_string (x, FALSE);
              g_autofree char *ys = json_to_string (y, FALSE);
              g_error ("%s: %s was %s, is %s after the round trip", (const char *) key, compared_fields[i], xs, ys);
            }
        }
    }
}

static void
round_trip (SpTestStore  *f,
            SpHsdsFormat  format,
            const char   *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  SpTestStore empty = { NULL, };
  g_autoptr(SpHsdsImport) import = NULL;
  g_autoptr(SpHsdsImport) own = NULL;
  gint64 outbox;
  guint n = 0;

  load_demo_catalogue (f->store);
  g_assert_true (sp_hsds_export (f->store, format, path, SP_HSDS_EXPORT_DEFAULT, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 55);

  sp_test_store_setup (&empty, NULL);
  import = import_path (empty.store, path, TRUE);
  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_NEW], ==, 55);
  g_assert_cmpuint (import->n_offerings[SP_HSDS_ACTION_SKIPPED], ==, 0);
  g_assert_cmpuint (import->n_providers[SP_HSDS_ACTION_NEW], ==, 19);
  g_assert_cmpuint (import->n_needs_review, ==, 0);
  assert_same_catalogue (f->store, empty.store);
  assert_reimport_unchanged (empty.store, path);
  sp_test_store_teardown (&empty, NULL);

  /* Read back into the catalogue it came from, it is the same records. */
  outbox = sp_store_outbox_count (f->store);
  own = import_path (f->store, path, TRUE);
  g_assert_cmpuint (own->n_offerings[SP_HSDS_ACTION_UNCHANGED], ==, 55);
  g_assert_cmpuint (own->n_providers[SP_HSDS_ACTION_UNCHANGED], ==, 19);
  g_assert_cmpint (sp_store_outbox_count (f->store), ==, outbox);
}

static void
test_round_trip_json (SpTestStore   *f,
                      gconstpointer  data)
{
  round_trip (f, SP_HSDS_FORMAT_JSON, "catalogue.json");
}

static void
test_round_trip_csv (SpTestStore   *f,
                     gconstpointer  data)
{
  static const char * const files[] = {
    "services.csv", "organizations.csv", "locations.csv", "addresses.csv", "service_at_location.csv",
    "schedules.csv", "cost_options.csv", "attributes.csv", "taxonomy_terms.csv", "taxonomies.csv", "phones.csv",
  };
  g_autofree char *folder = g_build_filename (f->dir, "catalogue", NULL);
  g_autofree char *package_path = g_build_filename (folder, "datapackage.json", NULL);
  g_autofree char *services_path = g_build_filename (folder, "services.csv", NULL);
  g_autoptr(GBytes) package = NULL;
  g_autoptr(GBytes) services = NULL;
  g_autoptr(JsonObject) descriptor = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *package_text = NULL;
  JsonArray *resources;

  round_trip (f, SP_HSDS_FORMAT_CSV, "catalogue");

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (folder, files[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  package = sp_test_read_file (package_path);
  package_text = g_strndup (g_bytes_get_data (package, NULL), g_bytes_get_size (package));
  descriptor = sp_test_parse_object (package_text);
  g_assert_cmpstr (json_object_get_string_member (descriptor, "profile"), ==, "tabular-data-package");
  resources = json_object_get_array_member (descriptor, "resources");
  for (guint i = 0; i < json_array_get_length (resources); i++)
    {
      JsonObject *r = json_array_get_object_element (resources, i);
      g_autofree char *path = g_build_filename (folder, json_object_get_string_member (r, "path"), NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }

  services = sp_test_read_file (services_path);
  rows = sp_csv_parse (g_bytes_get_data (services, NULL), g_bytes_get_size (services), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1 + 55);
}

static void
test_export_refuses_wrong_target (SpTestStore   *f,
                                  gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->dir, "a-file", NULL);
  g_autoptr(GError) error = NULL;

  write_text (file, "x");
  g_assert_false (sp_hsds_export (f->store, SP_HSDS_FORMAT_CSV, file, SP_HSDS_EXPORT_DEFAULT, NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sp_hsds_export (f->store, SP_HSDS_FORMAT_JSON, f->dir, SP_HSDS_EXPORT_DEFAULT, NULL, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID);
}

/* ---- signpost-cli catalogue import / export ------------------------------------------ */

static int
run_cli (const char  *dir,
         char       **out,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *db = g_build_filename (dir, "signpost.db", NULL);
  g_autofree char *captured = NULL;
  g_autofree char *errors = NULL;
  const char *arg;
  int wait_status = 0;
  va_list args;

  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "HOME", dir, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", dir, TRUE);
  g_ptr_array_add (argv, (char *) SIGNPOST_CLI);
  g_ptr_array_add (argv, (char *) "--db");
  g_ptr_array_add (argv, db);
  va_start (args, out);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* Everything it prints is caught: the test's own output is TAP. */
  g_spawn_sync (dir, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &captured, &errors, &wait_status, &error);
  g_assert_no_error (error);
  if (errors != NULL && *errors != '\0')
    g_test_message ("signpost-cli: %s", errors);
  if (out != NULL)
    *out = g_steal_pointer (&captured);
  return WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

static void
test_cli (void)
{
  g_autofree char *dir = sp_test_make_dir ();
  g_autofree char *messy = data_path ("messy.json");
  g_autofree char *out_dir = g_build_filename (dir, "out", NULL);
  g_autofree char *out_services = g_build_filename (out_dir, "services.csv", NULL);
  g_autofree char *out_json = g_build_filename (dir, "out.json", NULL);
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *services;

  g_assert_cmpint (run_cli (dir, NULL, "init", "--practice", SP_TEST_PRACTICE, NULL), ==, 0);

  g_assert_cmpint (run_cli (dir, &out, "--json", "catalogue", "import", messy, "--dry-run", NULL), ==, 0);
  reply = sp_test_parse_object (out);
  g_assert_true (json_object_get_boolean_member (reply, "dry_run"));
  g_assert_false (json_object_get_boolean_member (reply, "applied"));
  services = json_object_get_object_member (reply, "services");
  g_assert_cmpint (json_object_get_int_member (services, "new"), ==, 11);
  g_assert_cmpint (json_object_get_int_member (services, "skipped"), ==, 8);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (reply, "items")), ==, 4 + 19);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_cli (dir, &out, "catalogue", "import", messy, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Services: 11 new, 0 changed, 0 unchanged, 8 skipped."));
  g_assert_nonnull (strstr (out, "skipped   (no name) (service svc-blank): The service has no name."));
  g_assert_nonnull (strstr (out, "is in USD, not pounds"));
  g_assert_nonnull (strstr (out, "Imported: 14 records written."));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_cli (dir, &out, "catalogue", "import", messy, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Services: 0 new, 0 changed, 11 unchanged, 8 skipped."));
  g_assert_nonnull (strstr (out, "Imported: 0 records written."));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_cli (dir, &out, "catalogue", "export", "--format", "hsds-csv", out_dir, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "8 services written"));
  g_assert_true (g_file_test (out_services, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (dir, &out, "catalogue", "export", "--format", "hsds-json", "--include-unreviewed",
                            out_json, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "11 services written"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (dir, NULL, "catalogue", "export", "--format", "xml", out_json, NULL), ==, 2);
  g_assert_cmpint (run_cli (dir, NULL, "catalogue", "import", NULL), ==, 2);
  g_assert_cmpint (run_cli (dir, NULL, "catalogue", "import", "/nonexistent/feed.json", NULL), ==, 1);

  sp_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/hsds/" path, SpTestStore, NULL, sp_test_store_setup, func, sp_test_store_teardown)

  g_test_add_func ("/hsds/html-to-text", test_html_text);
  g_test_add_func ("/hsds/derived-ids", test_derived_ids);
  ADD ("official/service-full", test_official_service_full);
  ADD ("official/service-list", test_official_service_list);
  ADD ("official/csv-folder", test_official_csv);
  ADD ("official/json-and-csv-agree", test_official_json_and_csv_agree);
  ADD ("official/zip", test_zip);
  ADD ("oruk-v1", test_oruk_v1);
  ADD ("messy/skip-reasons-and-notes", test_messy_feed);
  ADD ("messy/fees-in-words", test_fees_in_words);
  ADD ("messy/unnamed-costs", test_unnamed_costs);
  ADD ("apply/dry-run-writes-nothing", test_dry_run_writes_nothing);
  ADD ("apply/preview-then-apply", test_preview_then_apply);
  ADD ("apply/never-half-writes", test_never_half_writes);
  ADD ("apply/needs-admin", test_needs_admin);
  ADD ("apply/bad-input", test_bad_input);
  ADD ("reimport/changes-nothing", test_reimport_changes_nothing);
  ADD ("reimport/newer-feed-keeps-admin-fields", test_newer_feed_keeps_admin_fields);
  ADD ("reimport/known-organization", test_known_organization);
  ADD ("reimport/deleted-stay-deleted", test_deleted_stay_deleted);
  ADD ("large/5000-services", test_large_feed);
  ADD ("export/validates-against-schema", test_export_validates);
  ADD ("export/unreviewed-left-out", test_export_default_leaves_out_unreviewed);
  ADD ("export/round-trip-json", test_round_trip_json);
  ADD ("export/round-trip-csv", test_round_trip_csv);
  ADD ("export/refuses-wrong-target", test_export_refuses_wrong_target);
  g_test_add_func ("/hsds/cli/import-export", test_cli);

  return g_test_run ();
}
