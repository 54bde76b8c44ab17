/* sp-generate.c — a synthetic caseload and catalogue at regional scale
 *
 * Writes a realistic store for benchmarks and trials: a region of 24
 * fictional towns around Hollinsford, a catalogue made from the demo's 55
 * offerings repeated across the towns' providers, and patients with
 * conditions, referrals and their history, attendance, outcome measures and
 * payments. Everything comes from one GRand seeded with the seed, and every
 * date is counted back from SP_GENERATE_TODAY, so the same seed and sizes
 * give the same rows, byte for byte, on any machine and any day.
 *
 * The rows are a local benchmark dataset, not changes a person made: they
 * are written straight into the tables through prepared INSERTs in one
 * transaction, with rev 0 and no outbox or audit entries (a million outbox
 * rows would be pushed to a server on the first sync, and the audit trail
 * would record views and edits that never happened). meta "generated"
 * marks such a store, so it is never taken for a real desk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-generate"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-generate.h"
#include "sp-measure.h"
#include "sp-money.h"
#include "sp-store-private.h"
#include "sp-vocab.h"

#define N_TEMPLATES_MAX 64
#define MAX_REFERRALS 7
#define DAY_SECONDS 86400

/* ---- The region ------------------------------------------------------------ */

typedef struct
{
  const char *name;
  gdouble     lat;
  gdouble     lon;
} Town;

/* Hollinsford first, where the demo catalogue is; its districts are HF1 and
 * HF2, the next town's HF3 and HF4, and so on. */
static const Town towns[] = {
  { "Hollinsford", 53.1200, -1.5560 },
  { "Dalebridge", 53.1810, -1.4920 },
  { "Kettlewick", 53.0630, -1.6410 },
  { "Ashby Marsh", 53.2350, -1.6030 },
  { "Thornby", 53.0220, -1.4780 },
  { "Netherholme", 53.1490, -1.7250 },
  { "Millbeck", 53.2710, -1.4390 },
  { "Scarrow", 52.9880, -1.6120 },
  { "Upper Wendle", 53.3120, -1.5650 },
  { "Brackenhurst", 53.0950, -1.3820 },
  { "Coldharbour", 53.2020, -1.8010 },
  { "Ravensworth", 52.9510, -1.5040 },
  { "Elmsleigh", 53.3430, -1.6870 },
  { "Hatherley", 53.0440, -1.8320 },
  { "Oakmere", 53.2600, -1.3350 },
  { "Skelby", 52.9620, -1.7290 },
  { "Colebrook", 53.1330, -1.2980 },
  { "Farrowdale", 53.3790, -1.4710 },
  { "Holt End", 53.1060, -1.9020 },
  { "Pennick", 52.9150, -1.3960 },
  { "Sallowfield", 53.2910, -1.2620 },
  { "Tarnside", 53.4010, -1.7600 },
  { "Wickham Moor", 52.8930, -1.6530 },
  { "Easterby", 53.0010, -1.2450 },
};
#define N_TOWNS G_N_ELEMENTS (towns)

/* Second and later branches of a provider in the same town. */
static const char * const branches[] = {
  "North", "South", "East", "West", "Central", "Riverside", "Park", "Old Town",
  "Hillside", "Station", "Market", "Green",
};

static const char * const streets[] = {
  "Mill Lane", "Church Street", "Station Road", "High Street", "Tannery Lane", "Bridge Street",
  "Queen Street", "Victoria Road", "Park Avenue", "Chapel Row", "Moor Lane", "Canal Side",
  "Fernlow Close", "Orchard Way", "School Lane", "Albert Terrace", "Granby Road", "Wharf Street",
  "Heather Drive", "Beech Grove", "Willow Crescent", "King Edward Street", "Priory Walk",
  "Foundry Court", "Hawthorn Avenue", "Sycamore Road", "Cross Lane", "Low Street",
};

/* Names as a region's GP lists hold them: common British names most often,
 * and the names of the communities that live there. */
static const char * const female_names[] = {
  "Margaret", "Susan", "Patricia", "Linda", "Christine", "Elizabeth", "Janet", "Karen", "Julie", "Sarah",
  "Helen", "Deborah", "Alison", "Jacqueline", "Amanda", "Claire", "Nicola", "Emma", "Rachel", "Joanne",
  "Lisa", "Michelle", "Louise", "Gemma", "Laura", "Kelly", "Rebecca", "Hannah", "Charlotte", "Sophie",
  "Amy", "Lucy", "Jessica", "Katie", "Chloe", "Olivia", "Emily", "Grace", "Ellie", "Megan",
  "Jean", "Barbara", "Doreen", "Pauline", "Sandra", "Carol", "Brenda", "Valerie", "Maureen", "Shirley",
  "Anne", "Mary", "Catherine", "Victoria", "Joanna", "Kathryn", "Natalie", "Samantha", "Stephanie", "Zoe",
  "Fatima", "Aisha", "Priya", "Sunita", "Nasreen", "Shabana", "Ayesha", "Zainab", "Parveen", "Harpreet",
  "Agnieszka", "Katarzyna", "Anna", "Magdalena", "Ioana", "Elena", "Chiamaka", "Ngozi", "Abena", "Funmilayo",
  "Siobhan", "Aoife", "Bethan", "Rhiannon", "Fiona", "Morag", "Eilidh", "Kirsty", "Gillian", "Lesley",
  "Beverley", "Tracey", "Dawn", "Wendy", "Lorraine", "Hazel", "Irene", "Sheila", "Joyce", "Eileen",
};

static const char * const male_names[] = {
  "David", "John", "Michael", "Paul", "Andrew", "Peter", "Stephen", "Mark", "Robert", "Richard",
  "Christopher", "James", "Ian", "Gary", "Kevin", "Simon", "Anthony", "Martin", "Neil", "Philip",
  "Daniel", "Matthew", "Thomas", "Jonathan", "Lee", "Craig", "Darren", "Wayne", "Jason", "Stuart",
  "Adam", "Ben", "Luke", "Sam", "Jack", "Joshua", "Ryan", "Liam", "Callum", "Harry",
  "Brian", "Kenneth", "Keith", "Colin", "Derek", "Trevor", "Graham", "Roger", "Alan", "Barry",
  "William", "George", "Edward", "Alexander", "Nicholas", "Timothy", "Patrick", "Dominic", "Owen", "Rhys",
  "Mohammed", "Muhammad", "Ali", "Imran", "Tariq", "Asif", "Rajesh", "Sanjay", "Gurpreet", "Arjun",
  "Piotr", "Tomasz", "Krzysztof", "Marek", "Andrei", "Mihai", "Chinedu", "Oluwaseun", "Kwame", "Emeka",
  "Sean", "Declan", "Gareth", "Dafydd", "Hamish", "Euan", "Fraser", "Ross", "Duncan", "Malcolm",
  "Dennis", "Raymond", "Terence", "Frank", "Stanley", "Ronald", "Norman", "Leslie", "Geoffrey", "Clive",
};

static const char * const family_names[] = {
  "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
  "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
  "Patel", "Khan", "Lewis", "Harris", "Turner", "Hill", "Cooper", "Ward", "Morris", "Moore",
  "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips",
  "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
  "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
  "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster",
  "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell",
  "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
  "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed",
  "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders",
  "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Atkinson",
  "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth",
  "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson",
  "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley",
  "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter",
  "Robertson", "Newton", "Oliver", "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean",
  "Lane", "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson",
  "Holloway", "Okafor", "Nowak", "Kowalski", "Wisniewski", "Popescu", "Adeyemi", "Mensah", "Chaudhry", "Iqbal",
  "Mahmood", "Rahman", "Sharma", "Chowdhury", "Nwosu", "Osei", "Mac Donald", "Fraser", "McKenzie", "Sutherland",
};

static const char * const languages[] = {
  "Polish", "Urdu", "Punjabi", "Bengali", "Romanian", "Arabic", "Gujarati", "Portuguese",
};

static const char * const link_workers[] = {
  "lw.okafor", "lw.patel", "lw.hughes", "lw.kowalska", "lw.reid", "lw.bell", "lw.ahmed", "lw.morgan",
  "lw.fraser", "lw.evans", "lw.shah", "lw.turner",
};

static const char * const gps[] = {
  "Dr Anand", "Dr Whitfield", "Dr Osei", "Dr Carmichael", "Dr Begum", "Dr Lindqvist", "Dr Harrow", "Dr Nkemelu",
};

static const char * const goals[] = {
  "Walk to the shops without stopping.",
  "Sleep through the night more often.",
  "Feel less alone and get out of the house once a week.",
  "Get back to gardening.",
  "Manage flare-ups without going to A&E.",
  "Play with the grandchildren again.",
  "Return to work part-time.",
  "Feel calmer and worry less about the pain.",
  "Be able to climb the stairs at home.",
  "Find an activity to keep up after the course.",
};

static const char * const outcomes[] = {
  "Feels stronger and is keeping up the exercises at home.",
  "Mood better; has joined a follow-on group.",
  "Pain about the same but copes better with it.",
  "Sleeping better and walking further.",
  "Made friends in the group and plans to carry on.",
  "Little change; discussed other options.",
  "Back at work three days a week.",
};

static const char * const patient_notes[] = {
  "Lives alone; prefers morning sessions.",
  "Carer for her husband, so needs sessions close to home.",
  "Works shifts: ask before booking.",
  "Does not drive; on a bus route.",
  "Daughter helps with appointments.",
  "Prefers a female practitioner.",
  "Anxious in large groups at first.",
  "Recently bereaved.",
};

/* ---- Randomness, dates and text ------------------------------------------ */

typedef struct
{
  SpStore          *store;
  const char       *practice;
  GRand            *rand;
  SpGenerateCounts *counts;
  gint64            today;        /* days since 1970-01-01 */

  GPtrArray        *offerings;    /* SpOffering* */
  GArray           *by_code[2][16];        /* [msk/mh][code] → guint offering index */
  GArray           *by_town_code[N_TOWNS][2][16];
  guint             n_codes[2];
  const SpVocabEntry *codes[2];

  SpStmt           *funder_stmt;
  SpStmt           *provider_stmt;
  SpStmt           *offering_stmt;
  SpStmt           *patient_stmt;
  SpStmt           *condition_stmt;
  SpStmt           *referral_stmt;
  SpStmt           *event_stmt;
  SpStmt           *attendance_stmt;
  SpStmt           *assessment_stmt;
  SpStmt           *payment_stmt;

  GString          *json;         /* scratch */
} Gen;

static guint
pick (Gen  *gen,
      guint n)
{
  return (guint) g_rand_int_range (gen->rand, 0, (gint32) n);
}

static gint
between (Gen  *gen,
         gint  low,
         gint  high)
{
  return g_rand_int_range (gen->rand, low, high + 1);
}

static gboolean
chance (Gen     *gen,
        gdouble  p)
{
  return g_rand_double (gen->rand) < p;
}

/* Index into weights[] with probability proportional to its weight. */
static guint
weighted (Gen          *gen,
          const guint  *weights,
          guint         n)
{
  guint total = 0, r;

  for (guint i = 0; i < n; i++)
    total += weights[i];
  r = pick (gen, total);
  for (guint i = 0; i < n; i++)
    {
      if (r < weights[i])
        return i;
      r -= weights[i];
    }
  return n - 1;
}

/* Earlier entries more often: common names are common. With n = 200 the
 * first comes about 1.7% of the time, as Smith does in England and Wales. */
static guint
skewed (Gen  *gen,
        guint n)
{
  gdouble u = g_rand_double (gen->rand);

  return MIN ((guint) (n * pow (u, 1.3)), n - 1);
}

static gdouble
normal (Gen     *gen,
        gdouble  mean,
        gdouble  sd)
{
  /* Box–Muller; one of the pair is enough here. */
  gdouble u1 = g_rand_double_range (gen->rand, 1e-12, 1.0);
  gdouble u2 = g_rand_double (gen->rand);

  return mean + sd * sqrt (-2.0 * log (u1)) * cos (2 * G_PI * u2);
}

static const char hex[] = "0123456789abcdef";

static void
put_hex (char    *out,
         guint32  value,
         guint    digits)
{
  for (guint i = 0; i < digits; i++)
    out[i] = hex[(value >> (4 * (digits - 1 - i))) & 0xf];
}

/* A version 4 UUID, as sp_uuid_new() makes, from the seeded generator. */
static void
make_uuid (Gen  *gen,
           char  out[37])
{
  guint32 a = g_rand_int (gen->rand);
  guint32 b = (g_rand_int (gen->rand) & 0xffff0fff) | 0x00004000;
  guint32 c = (g_rand_int (gen->rand) & 0x3fffffff) | 0x80000000;
  guint32 d = g_rand_int (gen->rand);

  put_hex (out, a, 8);
  out[8] = '-';
  put_hex (out + 9, b >> 16, 4);
  out[13] = '-';
  put_hex (out + 14, b & 0xffff, 4);
  out[18] = '-';
  put_hex (out + 19, c >> 16, 4);
  out[23] = '-';
  put_hex (out + 24, c & 0xffff, 4);
  put_hex (out + 28, d, 8);
  out[36] = '\0';
}

/* Days since 1970-01-01 and back (Howard Hinnant's civil calendar
 * algorithms): no GDate or GDateTime for millions of rows. */
static gint64
days_from_civil (gint y,
                 guint m,
                 guint d)
{
  gint era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint) (y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (gint64) era * 146097 + (gint64) doe - 719468;
}

static void
civil_from_days (gint64  z,
                 gint   *y,
                 guint  *m,
                 guint  *d)
{
  gint64 era;
  guint doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (guint) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (gint) yoe + (gint) era * 400 + (*m <= 2);
}

static void
put_digits (char  *out,
            guint  value,
            guint  digits)
{
  for (guint i = digits; i > 0; i--)
    {
      out[i - 1] = (char) ('0' + value % 10);
      value /= 10;
    }
}

/* "YYYY-MM-DD" */
static void
format_date (gint64  day,
             char    out[11])
{
  gint y;
  guint m, d;

  civil_from_days (day, &y, &m, &d);
  put_digits (out, (guint) y, 4);
  out[4] = '-';
  put_digits (out + 5, m, 2);
  out[7] = '-';
  put_digits (out + 8, d, 2);
  out[10] = '\0';
}

/* "YYYY-MM-DDTHH:MM:SSZ" from seconds since 1970. */
static void
format_time (gint64  t,
             char    out[21])
{
  guint s = (guint) (t % DAY_SECONDS);

  format_date (t / DAY_SECONDS, out);
  out[10] = 'T';
  put_digits (out + 11, s / 3600, 2);
  out[13] = ':';
  put_digits (out + 14, s / 60 % 60, 2);
  out[16] = ':';
  put_digits (out + 17, s % 60, 2);
  out[19] = 'Z';
  out[20] = '\0';
}

/* A moment in working hours on @day, on the quarter hour. */
static gint64
working_time (Gen    *gen,
              gint64  day)
{
  return day * DAY_SECONDS + 9 * 3600 + pick (gen, 32) * 900;
}

/* A postcode in the town's districts: "HF3 7QB". Inward letters leave out
 * C, I, K, M, O and V, as Royal Mail does. */
static void
make_postcode (Gen   *gen,
               guint  town,
               char   out[9])
{
  static const char letters[] = "ABDEFGHJLNPQRSTUWXYZ";

  g_snprintf (out, 9, "HF%u %u%c%c", town * 2 + 1 + pick (gen, 2), pick (gen, 10),
              letters[pick (gen, sizeof letters - 1)], letters[pick (gen, sizeof letters - 1)]);
}

static const char *
code_at (Gen   *gen,
         guint  side,
         guint  i)
{
  return gen->codes[side][i].code;
}

static guint
code_index (Gen        *gen,
            guint       side,
            const char *code)
{
  for (guint i = 0; i < gen->n_codes[side]; i++)
    if (g_str_equal (gen->codes[side][i].code, code))
      return i;
  return G_MAXUINT;
}

/* A JSON array of plain codes; none of them needs escaping, but a name
 * from a template might, so escape anyway. */
static const char *
strv_json (Gen         *gen,
           char       **strv)
{
  g_string_assign (gen->json, "[");
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      g_string_append (gen->json, i > 0 ? ",\"" : "\"");
      for (const char *p = strv[i]; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (gen->json, '\\');
          g_string_append_c (gen->json, *p);
        }
      g_string_append_c (gen->json, '"');
    }
  g_string_append_c (gen->json, ']');
  return gen->json->str;
}

/* ---- Writing rows ----------------------------------------------------------- */

#define COMMON_COLUMNS "id, practice, rev, deleted, updated_at, updated_by"

static SpStmt *
prepare_insert (Gen         *gen,
                const char  *table,
                const char  *columns,
                GError     **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  guint n = 7;

  for (const char *p = columns; *p != '\0'; p++)
    n += *p == ',';
  g_string_printf (sql, "INSERT INTO %s (" COMMON_COLUMNS ", %s) VALUES (", table, columns);
  for (guint i = 1; i <= n; i++)
    g_string_append_printf (sql, "%s?%u", i > 1 ? ", " : "", i);
  g_string_append_c (sql, ')');
  return sp_store_prepare (gen->store, sql->str, error);
}

static void
bind_text (SpStmt     *stmt,
           int         i,
           const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, i);
  else
    sqlite3_bind_text (stmt, i, text, -1, SQLITE_STATIC);
}

static void
bind_copy (SpStmt     *stmt,
           int         i,
           const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, i);
  else
    sqlite3_bind_text (stmt, i, text, -1, SQLITE_TRANSIENT);
}

static void
bind_int (SpStmt *stmt,
          int     i,
          gint64  value,
          gboolean nullable)
{
  if (nullable && value == SP_UNSET)
    sqlite3_bind_null (stmt, i);
  else
    sqlite3_bind_int64 (stmt, i, value);
}

static void
bind_real (SpStmt  *stmt,
           int      i,
           gdouble  value)
{
  if (isnan (value))
    sqlite3_bind_null (stmt, i);
  else
    sqlite3_bind_double (stmt, i, value);
}

/* The six columns every record starts with; returns the next index. */
static int
bind_common (SpStmt     *stmt,
             const char *id,
             const char *practice,
             const char *updated_at,
             const char *updated_by)
{
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, practice);
  sqlite3_bind_int64 (stmt, 3, 0);
  sqlite3_bind_int (stmt, 4, 0);
  bind_text (stmt, 5, updated_at);
  bind_text (stmt, 6, updated_by);
  return 7;
}

static gboolean
insert (Gen      *gen,
        SpStmt   *stmt,
        guint64  *count,
        GError  **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (gen->store, rc, error);
      return FALSE;
    }
  (*count)++;
  return TRUE;
}

/* ---- The catalogue ---------------------------------------------------------- */

/* A funder made for a zone. */
typedef struct
{
  char id[37];
  guint town;
} Made;

static JsonNode *
load_demo_catalogue (GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  bytes = g_resources_lookup_data ("/org/signpost/core/demo/catalogue.json", G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), error))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

static GPtrArray *
records_from (JsonObject          *root,
              const char          *member,
              const SpEntityInfo  *info,
              GError             **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (info->free_func);
  JsonArray *array = json_object_get_array_member (root, member);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      gpointer rec = sp_record_from_json (info, json_array_get_object_element (array, i), FALSE, error);

      if (rec == NULL)
        return NULL;
      g_ptr_array_add (records, rec);
    }
  return g_steal_pointer (&records);
}

/* "Hollinsford Leisure Centre" in Dalebridge is "Dalebridge Leisure Centre";
 * names without the town gain it. */
static char *
place_name (const char *name,
            guint       town,
            guint       branch)
{
  g_autoptr(GString) s = g_string_new (name);

  if (g_string_replace (s, "Hollinsford", towns[town].name, 0) == 0 &&
      g_string_replace (s, "Hollinshire", towns[town].name, 0) == 0 &&
      g_string_replace (s, "Hollin Dales", towns[town].name, 0) == 0)
    g_string_append_printf (s, " %s", towns[town].name);
  if (branch > 0)
    g_string_append_printf (s, " %s", branches[(branch - 1) % G_N_ELEMENTS (branches)]);
  if (branch > G_N_ELEMENTS (branches))
    g_string_append_printf (s, " %u", (guint) ((branch - 1) / G_N_ELEMENTS (branches) + 1));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
write_funder (Gen       *gen,
              SpFunder  *funder,
              const char *updated_at,
              GError   **error)
{
  SpStmt *stmt = gen->funder_stmt;
  int i = bind_common (stmt, funder->record.id, NULL, updated_at, "admin.generated");

  bind_text (stmt, i++, funder->name);
  bind_text (stmt, i++, funder->kind);
  sqlite3_bind_int64 (stmt, i++, funder->budget_pence);
  bind_text (stmt, i++, funder->year_start);
  return insert (gen, stmt, &gen->counts->funders, error);
}

static gboolean
write_provider (Gen         *gen,
                SpProvider  *provider,
                const char  *updated_at,
                GError     **error)
{
  SpStmt *stmt = gen->provider_stmt;
  int i = bind_common (stmt, provider->record.id, NULL, updated_at, "admin.generated");

  bind_text (stmt, i++, provider->name);
  bind_text (stmt, i++, provider->phone);
  bind_text (stmt, i++, provider->email);
  bind_text (stmt, i++, provider->website);
  bind_text (stmt, i++, provider->address);
  bind_text (stmt, i++, provider->regulator);
  bind_text (stmt, i++, provider->registration_number);
  bind_text (stmt, i++, provider->notes);
  return insert (gen, stmt, &gen->counts->providers, error);
}

static gboolean
write_offering (Gen         *gen,
                SpOffering  *o,
                GError     **error)
{
  SpStmt *stmt = gen->offering_stmt;
  int i = bind_common (stmt, o->record.id, NULL, o->record.updated_at, o->record.updated_by);
  g_autofree char *schedule = o->schedule ? json_to_string (o->schedule, FALSE) : NULL;
  g_autofree char *scale = o->sliding_scale ? json_to_string (o->sliding_scale, FALSE) : NULL;

  bind_text (stmt, i++, o->provider_id);
  bind_text (stmt, i++, o->name);
  bind_text (stmt, i++, o->modality);
  bind_text (stmt, i++, o->description);
  bind_text (stmt, i++, o->format);
  bind_text (stmt, i++, o->location_name);
  bind_text (stmt, i++, o->address);
  bind_text (stmt, i++, o->postcode);
  bind_real (stmt, i++, o->lat);
  bind_real (stmt, i++, o->lon);
  bind_text (stmt, i++, schedule);
  bind_text (stmt, i++, o->schedule_note);
  sqlite3_bind_int64 (stmt, i++, o->sessions);
  sqlite3_bind_int64 (stmt, i++, o->fee_pence);
  bind_text (stmt, i++, scale);
  bind_copy (stmt, i++, strv_json (gen, o->funder_ids));
  bind_copy (stmt, i++, strv_json (gen, o->targets_msk));
  bind_copy (stmt, i++, strv_json (gen, o->targets_mh));
  bind_copy (stmt, i++, strv_json (gen, o->contraindications));
  bind_text (stmt, i++, o->intensity);
  bind_copy (stmt, i++, strv_json (gen, o->access_features));
  bind_int (stmt, i++, o->capacity, TRUE);
  sqlite3_bind_int64 (stmt, i++, o->wait_weeks);
  bind_text (stmt, i++, o->evidence);
  bind_text (stmt, i++, o->evidence_note);
  sqlite3_bind_int64 (stmt, i++, o->step);
  sqlite3_bind_int (stmt, i++, o->active);
  bind_text (stmt, i++, o->last_verified);
  bind_int (stmt, i++, o->age_min, TRUE);
  bind_int (stmt, i++, o->age_max, TRUE);
  bind_text (stmt, i++, o->eligibility);
  sqlite3_bind_int (stmt, i++, o->needs_review);
  return insert (gen, stmt, &gen->counts->offerings, error);
}

static void
index_offering (Gen        *gen,
                guint       index,
                SpOffering *o,
                guint       town)
{
  char **targets[2] = { o->targets_msk, o->targets_mh };
  gboolean remote = g_strcmp0 (o->format, "online") == 0 || g_strcmp0 (o->format, "telephone") == 0;

  if (!o->active)
    return;
  for (guint side = 0; side < 2; side++)
    for (guint k = 0; targets[side] != NULL && targets[side][k] != NULL; k++)
      {
        guint c = code_index (gen, side, targets[side][k]);

        if (c == G_MAXUINT)
          continue;
        g_array_append_val (gen->by_code[side][c], index);
        if (!remote)
          g_array_append_val (gen->by_town_code[town][side][c], index);
      }
}

/* Rounds pence to the nearest 50p, as fees are set. */
static gint64
round_fee (gdouble pence)
{
  return (gint64) (round (pence / 50.0) * 50.0);
}

static JsonNode *
scale_sliding (JsonNode *template_scale,
               gint64    old_fee,
               gint64    new_fee)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  JsonObject *tiers;
  g_autoptr(GList) members = NULL;

  if (template_scale == NULL || !JSON_NODE_HOLDS_OBJECT (template_scale))
    return NULL;
  tiers = json_node_get_object (template_scale);
  members = json_object_get_members (tiers);
  json_builder_begin_object (builder);
  for (GList *l = members; l != NULL; l = l->next)
    {
      gint64 tier = json_object_get_int_member (tiers, l->data);

      json_builder_set_member_name (builder, l->data);
      json_builder_add_int_value (builder, old_fee > 0 ? MIN (round_fee ((gdouble) tier * new_fee / old_fee), new_fee) : 0);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static gboolean
generate_catalogue (Gen                    *gen,
                    const SpGenerateOptions *options,
                    GError                **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) t_funders = NULL;
  g_autoptr(GPtrArray) t_providers = NULL;
  g_autoptr(GPtrArray) t_offerings = NULL;
  g_autoptr(GHashTable) template_funder = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) funders = g_array_new (FALSE, TRUE, sizeof (Made));
  guint n_zones, n_copies;
  char stamp[21];

  root = load_demo_catalogue (error);
  if (root == NULL)
    return FALSE;
  t_funders = records_from (json_node_get_object (root), "funders", &sp_entity_funder, error);
  t_providers = t_funders ? records_from (json_node_get_object (root), "providers", &sp_entity_provider, error) : NULL;
  t_offerings = t_providers ? records_from (json_node_get_object (root), "offerings", &sp_entity_offering, error) : NULL;
  if (t_offerings == NULL)
    return FALSE;
  g_assert (t_offerings->len > 0 && t_offerings->len <= N_TEMPLATES_MAX);

  format_time (working_time (gen, gen->today - 400), stamp);

  /* Funders by zone: a zone is a group of towns sharing an ICB fund, a
   * council and so on, one zone per thousand offerings. */
  n_zones = MAX (1u, MIN ((options->n_offerings + 999) / 1000, (guint) N_TOWNS));
  for (guint z = 0; z < n_zones; z++)
    for (guint f = 0; f < t_funders->len; f++)
      {
        SpFunder *t = t_funders->pdata[f];
        g_autofree char *name = z == 0 ? g_strdup (t->name) : place_name (t->name, z, 0);
        SpFunder funder = *t;
        Made made = { .town = z };

        make_uuid (gen, made.id);
        funder.record.id = made.id;
        funder.name = name;
        funder.budget_pence = round_fee ((gdouble) t->budget_pence * g_rand_double_range (gen->rand, 0.6, 1.6));
        if (!write_funder (gen, &funder, stamp, error))
          return FALSE;
        g_array_append_val (funders, made);
        if (z == 0)
          g_hash_table_insert (template_funder, t->record.id, GUINT_TO_POINTER (f));
      }

  /* Copies of the demo catalogue, one town after another: each copy is a
   * provider's branch in that town, with its offerings. */
  n_copies = (options->n_offerings + t_offerings->len - 1) / t_offerings->len;
  for (guint copy = 0; copy < n_copies; copy++)
    {
      guint town = copy % N_TOWNS;
      guint branch = copy / N_TOWNS;
      guint zone = town % n_zones;
      g_autoptr(GHashTable) provider_ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

      for (guint k = 0; k < t_offerings->len && gen->offerings->len < options->n_offerings; k++)
        {
          SpOffering *t = t_offerings->pdata[k];
          SpOffering *o;
          char *provider_id = g_hash_table_lookup (provider_ids, t->provider_id);
          g_autoptr(GStrvBuilder) funder_ids = g_strv_builder_new ();
          char postcode[9];
          char id[37];
          char verified[11];
          gboolean remote = g_strcmp0 (t->format, "online") == 0 || g_strcmp0 (t->format, "telephone") == 0;

          if (provider_id == NULL)
            {
              SpProvider *tp = NULL;
              SpProvider provider;
              g_autofree char *name = NULL;
              g_autofree char *address = NULL;
              g_autofree char *email = NULL;
              g_autofree char *website = NULL;
              char phone[16];

              for (guint p = 0; p < t_providers->len; p++)
                if (g_str_equal (((SpProvider *) t_providers->pdata[p])->record.id, t->provider_id))
                  tp = t_providers->pdata[p];
              g_assert (tp != NULL);
              provider = *tp;
              make_uuid (gen, id);
              provider_id = g_strdup (id);
              g_hash_table_insert (provider_ids, t->provider_id, provider_id);
              name = place_name (tp->name, town, branch);
              address = g_strdup_printf ("%u %s, %s", between (gen, 1, 120), streets[pick (gen, G_N_ELEMENTS (streets))],
                                         towns[town].name);
              email = g_strdup_printf ("hello@provider-%.8s.example", provider_id);
              website = g_strdup_printf ("https://provider-%.8s.example", provider_id);
              g_snprintf (phone, sizeof phone, "01632 960%03u", pick (gen, 1000));
              provider.record.id = provider_id;
              provider.name = name;
              provider.address = address;
              provider.email = email;
              provider.website = website;
              provider.phone = phone;
              provider.source_id = NULL;
              if (!write_provider (gen, &provider, stamp, error))
                return FALSE;
            }

          o = sp_record_copy (&sp_entity_offering, t);
          make_uuid (gen, id);
          g_free (o->record.id);
          o->record.id = g_strdup (id);
          g_free (o->record.updated_at);
          o->record.updated_at = g_strdup (stamp);
          g_free (o->record.updated_by);
          o->record.updated_by = g_strdup ("admin.generated");
          g_free (o->provider_id);
          o->provider_id = g_strdup (provider_id);
          if (copy > 0)
            {
              char *name = remote ? g_strdup_printf ("%s (%s)", t->name, towns[town].name)
                                  : place_name (t->name, town, branch);
              g_free (o->name);
              o->name = name;
            }
          if (!remote)
            {
              /* The demo's geography, moved to the town. */
              g_free (o->location_name);
              o->location_name = place_name (t->location_name ? t->location_name : "Community Centre", town, branch);
              g_free (o->address);
              o->address = g_strdup_printf ("%u %s, %s", between (gen, 1, 120),
                                            streets[pick (gen, G_N_ELEMENTS (streets))], towns[town].name);
              make_postcode (gen, town, postcode);
              g_free (o->postcode);
              o->postcode = g_strdup (postcode);
              o->lat = towns[town].lat + normal (gen, 0, 0.012);
              o->lon = towns[town].lon + normal (gen, 0, 0.02);
              o->lat = round (o->lat * 10000) / 10000;
              o->lon = round (o->lon * 10000) / 10000;
            }
          if (copy > 0 && o->fee_pence > 0)
            {
              /* Never a random draw inside MAX (), MIN () or CLAMP (): they
               * evaluate their arguments more than once. */
              gint64 fee = round_fee ((gdouble) t->fee_pence * g_rand_double_range (gen->rand, 0.8, 1.3));
              JsonNode *scale;

              fee = MAX (100, fee);
              scale = scale_sliding (t->sliding_scale, t->fee_pence, fee);

              g_clear_pointer (&o->sliding_scale, json_node_unref);
              o->sliding_scale = scale;
              o->fee_pence = fee;
            }
          for (guint f = 0; t->funder_ids != NULL && t->funder_ids[f] != NULL; f++)
            {
              gpointer index;

              if (g_hash_table_lookup_extended (template_funder, t->funder_ids[f], NULL, &index))
                g_strv_builder_add (funder_ids, g_array_index (funders, Made, zone * t_funders->len +
                                                                            GPOINTER_TO_UINT (index)).id);
            }
          g_strfreev (o->funder_ids);
          o->funder_ids = g_strv_builder_end (funder_ids);
          if (o->capacity != SP_UNSET)
            {
              gint64 capacity = o->capacity + between (gen, -4, 6);
              o->capacity = MAX (4, capacity);
            }
          o->wait_weeks = chance (gen, 0.3) ? 0 : between (gen, 1, 12);
          o->active = !chance (gen, 0.04);
          format_date (gen->today - pick (gen, 540), verified);
          g_free (o->last_verified);
          o->last_verified = chance (gen, 0.03) ? NULL : g_strdup (verified);

          if (!write_offering (gen, o, error))
            {
              sp_offering_free (o);
              return FALSE;
            }
          index_offering (gen, gen->offerings->len, o, town);
          g_ptr_array_add (gen->offerings, o);
        }
    }
  return TRUE;
}

/* ---- Patients ---------------------------------------------------------------- */

typedef struct
{
  char         id[37];
  const char  *income_band;
  const char  *user;
  gint         age;
  guint        town;
  gint64       registered;     /* day */
  gboolean     consent_gp;
  guint        msk[3], n_msk;  /* code indexes */
  guint        mh[2], n_mh;
  gdouble      severity[2];    /* how unwell, 0–1, msk and mh */
  const char  *given;
  const char  *family;
} Patient;

/* The i-th NHS number of a permutation of the 999 range, skipping the base
 * numbers that have no valid check digit. */
typedef struct
{
  guint32 a, b;
  guint32 next;
} NhsNumbers;

static void
nhs_numbers_init (NhsNumbers *nhs,
                  Gen        *gen)
{
  /* a coprime with 10^6 makes k ↦ a·k + b a permutation of 0…999,999. */
  do
    nhs->a = (guint32) pick (gen, 1000000);
  while (nhs->a % 2 == 0 || nhs->a % 5 == 0);
  nhs->b = (guint32) pick (gen, 1000000);
  nhs->next = 0;
}

static void
nhs_numbers_next (NhsNumbers *nhs,
                  char        out[11])
{
  for (;;)
    {
      guint32 k = (guint32) (((guint64) nhs->a * nhs->next + nhs->b) % 1000000);
      guint sum = 0, check;

      nhs->next++;
      out[0] = out[1] = out[2] = '9';
      put_digits (out + 3, k, 6);
      for (guint i = 0; i < 9; i++)
        sum += (guint) (out[i] - '0') * (10 - i);
      check = 11 - sum % 11;
      if (check == 11)
        check = 0;
      if (check == 10)
        continue;
      out[9] = (char) ('0' + check);
      out[10] = '\0';
      return;
    }
}

static char **
some_codes (Gen     *gen,
            SpVocab  vocab,
            guint    max)
{
  guint n;
  const SpVocabEntry *entries = sp_vocab_entries (vocab, &n);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint count = (guint) between (gen, 1, (gint) max);
  guint first = pick (gen, n);

  for (guint i = 0; i < count && i < n; i++)
    g_strv_builder_add (builder, entries[(first + i * 3) % n].code);
  return g_strv_builder_end (builder);
}

/* "margaret.obrien42@mail.example": letters and digits only. */
static void
make_email (char       *out,
            gsize       size,
            const char *given,
            const char *family,
            guint       number)
{
  const char *names[] = { given, family };
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    {
      if (k > 0)
        g_string_append_c (s, '.');
      for (const char *c = names[k]; *c != '\0'; c++)
        if (g_ascii_isalnum (*c))
          g_string_append_c (s, g_ascii_tolower (*c));
    }
  g_snprintf (out, size, "%s%u@mail.example", s->str, number);
}

static gboolean
write_patient (Gen         *gen,
               Patient     *p,
               const char  *nhs_number,
               GError     **error)
{
  static const guint sex_weights[] = { 58, 40, 1, 1 };
  static const char * const sexes[] = { "female", "male", "other", "not_stated" };
  static const guint band_weights[] = { 18, 25, 22, 20, 15 };
  static const char * const bands[] = { "exempt", "low", "middle", "standard", "unknown" };
  static const guint travel_weights[] = { 8, 15, 35, 30, 12 };
  static const char * const travels[] = { "remote_only", "walk", "local", "town", "any" };
  static const guint contact_weights[] = { 55, 25, 12, 8 };
  static const char * const contacts[] = { "phone", "sms", "email", "letter" };
  static const gint64 max_costs[] = { 0, 300, 500, 800, 1000, 1500 };
  SpStmt *stmt = gen->patient_stmt;
  const char *sex = sexes[weighted (gen, sex_weights, G_N_ELEMENTS (sex_weights))];
  gboolean female = g_str_equal (sex, "female") || (!g_str_equal (sex, "male") && chance (gen, 0.5));
  g_auto(GStrv) access = chance (gen, 0.2) ? some_codes (gen, SP_VOCAB_ACCESS, 2) : NULL;
  g_auto(GStrv) precautions = chance (gen, 0.15) ? some_codes (gen, SP_VOCAB_PRECAUTION, 1) : NULL;
  g_auto(GStrv) formats = chance (gen, 0.5) ? some_codes (gen, SP_VOCAB_FORMAT, 2) : NULL;
  g_auto(GStrv) days = chance (gen, 0.4) ? some_codes (gen, SP_VOCAB_DAY, 3) : NULL;
  char dob[11], postcode[9], updated_at[21], address[96], phone[16], email[96];
  gboolean interpreter = chance (gen, 0.03);
  gint64 born;
  int i;

  p->given = female ? female_names[skewed (gen, G_N_ELEMENTS (female_names))]
                    : male_names[skewed (gen, G_N_ELEMENTS (male_names))];
  p->family = family_names[skewed (gen, G_N_ELEMENTS (family_names))];
  /* Adults, most of them between forty and eighty. */
  p->age = (gint) normal (gen, 58, 15);
  p->age = CLAMP (p->age, 18, 97);
  born = gen->today - (gint64) p->age * 365 - pick (gen, 365) - p->age / 4;
  format_date (born, dob);
  p->age = (gint) ((gen->today - born) / 365.2425);
  p->town = skewed (gen, N_TOWNS);
  make_postcode (gen, p->town, postcode);
  p->registered = gen->today - between (gen, 60, 1100);
  format_time (working_time (gen, p->registered), updated_at);
  p->user = link_workers[pick (gen, G_N_ELEMENTS (link_workers))];
  p->income_band = bands[weighted (gen, band_weights, G_N_ELEMENTS (band_weights))];
  p->consent_gp = chance (gen, 0.92);
  g_snprintf (address, sizeof address, "%u %s, %s", between (gen, 1, 180),
              streets[pick (gen, G_N_ELEMENTS (streets))], towns[p->town].name);
  g_snprintf (phone, sizeof phone, "07700 900%03u", pick (gen, 1000));
  make_email (email, sizeof email, p->given, p->family, pick (gen, 100));

  i = bind_common (stmt, p->id, gen->practice, updated_at, p->user);
  bind_text (stmt, i++, nhs_number);
  bind_text (stmt, i++, p->given);
  bind_text (stmt, i++, p->family);
  bind_text (stmt, i++, dob);
  bind_text (stmt, i++, sex);
  bind_text (stmt, i++, postcode);
  bind_text (stmt, i++, address);
  bind_text (stmt, i++, phone);
  bind_text (stmt, i++, chance (gen, 0.3) ? email : NULL);
  bind_text (stmt, i++, contacts[weighted (gen, contact_weights, G_N_ELEMENTS (contact_weights))]);
  sqlite3_bind_int (stmt, i++, interpreter);
  bind_text (stmt, i++, interpreter ? languages[pick (gen, G_N_ELEMENTS (languages))] : "English");
  sqlite3_bind_int (stmt, i++, p->consent_gp);
  sqlite3_bind_int (stmt, i++, chance (gen, 0.88));
  sqlite3_bind_int (stmt, i++, chance (gen, 0.8));
  bind_text (stmt, i++, p->income_band);
  bind_copy (stmt, i++, strv_json (gen, access));
  bind_copy (stmt, i++, strv_json (gen, precautions));
  bind_text (stmt, i++, travels[weighted (gen, travel_weights, G_N_ELEMENTS (travel_weights))]);
  if (chance (gen, 0.9))
    {
      bind_real (stmt, i++, round ((towns[p->town].lat + normal (gen, 0, 0.015)) * 10000) / 10000);
      bind_real (stmt, i++, round ((towns[p->town].lon + normal (gen, 0, 0.025)) * 10000) / 10000);
    }
  else
    {
      bind_real (stmt, i++, NAN);
      bind_real (stmt, i++, NAN);
    }
  bind_int (stmt, i++, chance (gen, 0.35) ? max_costs[pick (gen, G_N_ELEMENTS (max_costs))] : SP_UNSET, TRUE);
  bind_copy (stmt, i++, strv_json (gen, formats));
  bind_copy (stmt, i++, strv_json (gen, days));
  bind_text (stmt, i++, chance (gen, 0.2) ? patient_notes[pick (gen, G_N_ELEMENTS (patient_notes))] : NULL);
  return insert (gen, stmt, &gen->counts->patients, error);
}

static gboolean
write_conditions (Gen      *gen,
                  Patient  *p,
                  GError  **error)
{
  static const guint msk_counts[] = { 60, 30, 10 };
  static const guint mh_counts[] = { 70, 30 };
  gdouble r = g_rand_double (gen->rand);

  /* About 85% live with both a musculoskeletal and a mental-health problem. */
  p->n_msk = r < 0.93 ? 1 + weighted (gen, msk_counts, 3) : 0;
  p->n_mh = r < 0.85 || r >= 0.93 ? 1 + weighted (gen, mh_counts, 2) : 0;

  for (guint side = 0; side < 2; side++)
    {
      guint n = side == 0 ? p->n_msk : p->n_mh;
      guint *codes = side == 0 ? p->msk : p->mh;
      guint first = pick (gen, gen->n_codes[side]);

      p->severity[side] = g_rand_double_range (gen->rand, 0.3, 0.85);
      for (guint k = 0; k < n; k++)
        {
          SpStmt *stmt = gen->condition_stmt;
          char id[37], since[11], updated_at[21];
          int i;

          codes[k] = (first + k * 2) % gen->n_codes[side];
          make_uuid (gen, id);
          format_date (p->registered - between (gen, 30, 4000), since);
          format_time (working_time (gen, p->registered), updated_at);
          i = bind_common (stmt, id, gen->practice, updated_at, p->user);
          bind_text (stmt, i++, p->id);
          bind_text (stmt, i++, side == 0 ? "msk" : "mh");
          bind_text (stmt, i++, code_at (gen, side, codes[k]));
          bind_text (stmt, i++, chance (gen, 0.85) ? since : NULL);
          bind_text (stmt, i++, NULL);
          if (!insert (gen, stmt, &gen->counts->conditions, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* ---- Referrals and what follows them -------------------------------------- */

typedef struct
{
  char        id[37];
  const SpOffering *offering;
  const char *status;
  gint64      referred_day;   /* or when it was drafted */
  gint64      accepted_day;   /* 0 = never accepted */
  gint64      first_session;
  gint64      end_day;        /* when it reached a final status; 0 = still open */
  guint       attended;
  guint       missed;
  guint       stage;          /* how far it got: 0 draft or referred, 1 accepted, 2 attending */
  gboolean    drafted;        /* started as a draft */
  gboolean    sent;           /* was referred (a draft may be withdrawn unsent) */
  SpShare     share;
} Referral;

static gboolean
write_event (Gen            *gen,
             const Patient  *p,
             const Referral *r,
             const char     *from,
             const char     *to,
             gint64          when,
             GError        **error)
{
  SpStmt *stmt = gen->event_stmt;
  char id[37], at[21];
  int i;

  make_uuid (gen, id);
  format_time (when, at);
  i = bind_common (stmt, id, gen->practice, at, p->user);
  bind_text (stmt, i++, r->id);
  bind_text (stmt, i++, from);
  bind_text (stmt, i++, to);
  bind_text (stmt, i++, at);
  bind_text (stmt, i++, p->user);
  bind_text (stmt, i++, NULL);
  return insert (gen, stmt, &gen->counts->referral_events, error);
}

static gboolean
write_attendance (Gen            *gen,
                  const Patient  *p,
                  const Referral *r,
                  gint64          day,
                  gboolean        attended,
                  GError        **error)
{
  SpStmt *stmt = gen->attendance_stmt;
  char id[37], date[11], updated_at[21];
  int i;

  make_uuid (gen, id);
  format_date (day, date);
  format_time (working_time (gen, day), updated_at);
  i = bind_common (stmt, id, gen->practice, updated_at, p->user);
  bind_text (stmt, i++, r->id);
  bind_text (stmt, i++, date);
  sqlite3_bind_int (stmt, i++, attended);
  bind_text (stmt, i++, attended ? NULL : "Did not come; rang later to say she was unwell.");
  return insert (gen, stmt, &gen->counts->attendances, error);
}

static gboolean
write_payment (Gen            *gen,
               const Patient  *p,
               const Referral *r,
               const char     *payer,
               gint64          amount,
               const char     *method,
               gint64          when,
               const char     *reverses_id,
               const char     *note,
               char            id[37],
               GError        **error)
{
  SpStmt *stmt = gen->payment_stmt;
  char paid_at[21];
  int i;

  make_uuid (gen, id);
  format_time (when, paid_at);
  i = bind_common (stmt, id, gen->practice, paid_at, p->user);
  bind_text (stmt, i++, r->id);
  bind_text (stmt, i++, p->id);
  bind_text (stmt, i++, payer);
  bind_text (stmt, i++, g_str_equal (payer, "funder") ? r->share.funder_id : NULL);
  sqlite3_bind_int64 (stmt, i++, amount);
  bind_text (stmt, i++, method);
  bind_text (stmt, i++, paid_at);
  bind_text (stmt, i++, reverses_id);
  bind_text (stmt, i++, note);
  return insert (gen, stmt, &gen->counts->payments, error);
}

/* Answers of one questionnaire for someone this unwell (0–1), as JSON. */
static const char *
answers_json (Gen                 *gen,
              const SpMeasureInfo *info,
              gdouble              severity)
{
  gdouble level = info->higher_is_better ? 1.0 - severity : severity;

  g_string_assign (gen->json, "[");
  for (guint k = 0; k < info->n_items; k++)
    {
      gint v = (gint) lround (info->item_min + level * (info->item_max - info->item_min) + normal (gen, 0, 0.7));

      if (k > 0)
        g_string_append_c (gen->json, ',');
      if (chance (gen, 0.01))
        g_string_append (gen->json, "null");
      else
        g_string_append_printf (gen->json, "%d", CLAMP (v, info->item_min, info->item_max));
    }
  g_string_append_c (gen->json, ']');
  return gen->json->str;
}

static gboolean
write_assessment (Gen                 *gen,
                  const Patient       *p,
                  const Referral      *r,
                  const SpMeasureInfo *info,
                  const char          *stage,
                  gdouble              severity,
                  gint64               when,
                  GError             **error)
{
  SpStmt *stmt = gen->assessment_stmt;
  char id[37], taken_at[21];
  int i;

  make_uuid (gen, id);
  format_time (when, taken_at);
  i = bind_common (stmt, id, gen->practice, taken_at, p->user);
  bind_text (stmt, i++, p->id);
  bind_text (stmt, i++, r->id);
  bind_text (stmt, i++, info->code);
  bind_copy (stmt, i++, answers_json (gen, info, severity));
  bind_text (stmt, i++, stage);
  bind_text (stmt, i++, taken_at);
  return insert (gen, stmt, &gen->counts->assessments, error);
}

/* Which questionnaires fit the patient: one for mood, one for the body. */
static void
measures_for (Gen                  *gen,
              const Patient        *p,
              const SpMeasureInfo **mh,
              const SpMeasureInfo **msk)
{
  *mh = NULL;
  *msk = NULL;
  if (p->n_mh > 0)
    {
      const char *code = code_at (gen, 1, p->mh[0]);

      if (g_str_equal (code, "depression") || g_str_equal (code, "low_mood"))
        *mh = sp_measure_get (SP_MEASURE_PHQ9);
      else if (g_str_equal (code, "anxiety") || g_str_equal (code, "stress"))
        *mh = sp_measure_get (SP_MEASURE_GAD7);
      else
        *mh = sp_measure_get (SP_MEASURE_SWEMWBS);
    }
  if (p->n_msk > 0)
    *msk = sp_measure_get (p->msk[0] % 3 == 0 ? SP_MEASURE_PAIN_NRS : SP_MEASURE_MSKHQ);
}

/* The referral itself, written before its events, sessions, measures and
 * payments: a parent first keeps the deferred foreign keys from searching
 * the child tables at every insert. */
static gboolean
write_referral_row (Gen            *gen,
                    const Patient  *p,
                    const Referral *r,
                    GError        **error)
{
  static const guint route_weights[] = { 55, 20, 15, 10 };
  static const char * const routes[] = { "gp", "self", "nhs_other", "non_nhs" };
  static const guint fft_weights[] = { 50, 30, 8, 4, 2, 6 };
  static const char * const ffts[] = { "very_good", "good", "neither", "poor", "very_poor", "dont_know" };
  const SpOffering *o = r->offering;
  const char *s = r->status;
  gboolean sent = r->sent;
  const char *route;
  SpStmt *stmt = gen->referral_stmt;
  gint64 last_day;
  char referred_at[21], updated_at[21], letter_at[21], sent_at[21], outcome[160], reason[200];
  /* The vocabularies' English labels, untranslated: the same rows in any locale. */
  const char *msk_label = p->n_msk > 0 ? gen->codes[0][p->msk[0]].label : NULL;
  g_autofree char *mh_label = p->n_mh > 0 ? g_ascii_strdown (gen->codes[1][p->mh[0]].label, -1) : NULL;
  int i;

  if (r->end_day != 0)
    last_day = r->end_day;
  else if (r->first_session != 0)
    last_day = r->first_session + 7 * (r->attended + r->missed - 1);
  else if (r->accepted_day != 0)
    last_day = r->accepted_day;
  else
    last_day = r->referred_day;

  format_time (working_time (gen, r->referred_day), referred_at);
  format_time (working_time (gen, last_day), updated_at);
  format_time (working_time (gen, r->referred_day + 1), letter_at);
  format_time (working_time (gen, r->end_day + 2), sent_at);
  if (msk_label != NULL && mh_label != NULL)
    g_snprintf (reason, sizeof reason, "%s and %s; would like support to be more active and feel better.",
                msk_label, mh_label);
  else
    g_snprintf (reason, sizeof reason, "%s; would like support to feel better.",
                msk_label != NULL ? msk_label : gen->codes[1][p->mh[0]].label);
  g_snprintf (outcome, sizeof outcome, "Attended %u of %u sessions. %s", r->attended,
              (guint) o->sessions, outcomes[pick (gen, G_N_ELEMENTS (outcomes))]);

  route = routes[weighted (gen, route_weights, G_N_ELEMENTS (route_weights))];
  i = bind_common (stmt, r->id, gen->practice, updated_at, p->user);
  bind_text (stmt, i++, p->id);
  bind_text (stmt, i++, o->record.id);
  bind_text (stmt, i++, g_str_equal (route, "gp") ? gps[pick (gen, G_N_ELEMENTS (gps))] : p->user);
  bind_text (stmt, i++, route);
  bind_text (stmt, i++, reason);
  bind_text (stmt, i++, goals[pick (gen, G_N_ELEMENTS (goals))]);
  bind_text (stmt, i++, s);
  sqlite3_bind_int64 (stmt, i++, o->sessions);
  sqlite3_bind_int64 (stmt, i++, r->attended);
  sqlite3_bind_int64 (stmt, i++, r->share.fee_pence);
  sqlite3_bind_int64 (stmt, i++, r->share.patient_pence);
  sqlite3_bind_int64 (stmt, i++, r->share.funder_pence);
  bind_text (stmt, i++, r->share.funder_id);
  bind_text (stmt, i++, p->income_band);
  bind_text (stmt, i++, g_str_equal (s, "completed") ? outcome : NULL);
  bind_text (stmt, i++, chance (gen, 0.005) ? "Mentioned thoughts of self-harm; GP informed the same day." : NULL);
  bind_text (stmt, i++, sent ? referred_at : NULL);
  bind_text (stmt, i++, g_str_equal (s, "completed") && p->consent_gp && chance (gen, 0.6) ? sent_at : NULL);
  bind_text (stmt, i++, g_str_equal (s, "completed") && chance (gen, 0.7)
                        ? ffts[weighted (gen, fft_weights, G_N_ELEMENTS (fft_weights))] : NULL);
  bind_text (stmt, i++, sent && p->consent_gp && chance (gen, 0.6) ? letter_at : NULL);
  return insert (gen, stmt, &gen->counts->referrals, error);
}

/* A referral's whole story: status, events, sessions, measures, money. */
static gboolean
write_referral (Gen       *gen,
                Patient   *p,
                Referral  *r,
                GError   **error)
{
  const SpOffering *o = r->offering;
  const SpMeasureInfo *mh_measure, *msk_measure;
  const char *s = r->status;
  gboolean drafted = r->drafted;
  gboolean accepted = r->accepted_day != 0;
  gboolean sent = r->sent;

  sp_offering_share (o, p->income_band, &r->share);
  if (!write_referral_row (gen, p, r, error))
    return FALSE;

  /* Events, in order, each at the moment it happened. */
  if (drafted && !write_event (gen, p, r, NULL, "draft", working_time (gen, r->referred_day - 2), error))
    return FALSE;
  if (sent && !write_event (gen, p, r, drafted ? "draft" : NULL, "referred", working_time (gen, r->referred_day), error))
    return FALSE;
  if (accepted)
    {
      if (!write_event (gen, p, r, "referred", "accepted", working_time (gen, r->accepted_day), error))
        return FALSE;
    }

  mh_measure = NULL;
  msk_measure = NULL;
  if (accepted)
    {
      measures_for (gen, p, &mh_measure, &msk_measure);
      if (mh_measure != NULL &&
          !write_assessment (gen, p, r, mh_measure, "baseline", p->severity[1],
                             working_time (gen, r->accepted_day), error))
        return FALSE;
      if (msk_measure != NULL &&
          !write_assessment (gen, p, r, msk_measure, "baseline", p->severity[0],
                             working_time (gen, r->accepted_day) + 900, error))
        return FALSE;
    }

  /* Weekly sessions; the first attended one makes the referral attending. */
  if (r->attended + r->missed > 0)
    {
      guint attended = 0, missed = 0;
      gint64 day = r->first_session;

      while (attended < r->attended || missed < r->missed)
        {
          gboolean came = missed >= r->missed || (attended < r->attended && !chance (gen, 0.12));

          if (came && attended == 0 &&
              !write_event (gen, p, r, "accepted", "attending", working_time (gen, day), error))
            return FALSE;
          if (!write_attendance (gen, p, r, day, came, error))
            return FALSE;
          if (came)
            attended++;
          else
            missed++;
          day += 7;
        }
    }

  if (r->end_day != 0)
    {
      const char *from = r->attended > 0 ? "attending" : accepted ? "accepted" : sent ? "referred" : "draft";

      if (!write_event (gen, p, r, from, s, working_time (gen, r->end_day), error))
        return FALSE;
    }

  /* Follow-up measures after most completed referrals; the rest are the
   * follow-ups the caseload shows as due. */
  if (g_str_equal (s, "completed") && chance (gen, 0.85))
    {
      gdouble change[2];

      for (guint side = 0; side < 2; side++)
        {
          change[side] = normal (gen, 0.15, 0.15);
          p->severity[side] = CLAMP (p->severity[side] - change[side], 0.0, 1.0);
        }
      if (mh_measure != NULL &&
          !write_assessment (gen, p, r, mh_measure, "follow_up", p->severity[1],
                             working_time (gen, r->end_day), error))
        return FALSE;
      if (msk_measure != NULL &&
          !write_assessment (gen, p, r, msk_measure, "follow_up", p->severity[0],
                             working_time (gen, r->end_day) + 900, error))
        return FALSE;
    }

  /* The patient pays their share in blocks of up to four sessions; the
   * funder pays its share on an invoice after completion. */
  if (r->share.patient_pence > 0 && r->attended > 0)
    {
      static const char * const methods[] = { "cash", "card", "bank_transfer" };

      for (guint done = 0; done < r->attended; done += 4)
        {
          guint n = MIN (4, r->attended - done);
          char pay_id[37];
          const char *method = methods[pick (gen, G_N_ELEMENTS (methods))];
          gint64 when = working_time (gen, r->first_session + 7 * done);

          if (!write_payment (gen, p, r, "patient", r->share.patient_pence * n, method, when,
                              NULL, NULL, pay_id, error))
            return FALSE;
          /* Now and then a payment is entered twice, then reversed. */
          if (chance (gen, 0.005))
            {
              char dup_id[37], rev_id[37];

              if (!write_payment (gen, p, r, "patient", r->share.patient_pence * n, method, when + 60,
                                  NULL, NULL, dup_id, error) ||
                  !write_payment (gen, p, r, "patient", -r->share.patient_pence * n, method, when + 3600,
                                  dup_id, "Entered twice", rev_id, error))
                return FALSE;
            }
        }
    }
  if (g_str_equal (s, "completed") && r->share.funder_id != NULL && r->share.funder_pence > 0 &&
      r->end_day + 30 <= gen->today && chance (gen, 0.75))
    {
      char pay_id[37];

      if (!write_payment (gen, p, r, "funder", r->share.funder_pence * r->attended, "invoice",
                          working_time (gen, r->end_day + between (gen, 10, 30)), NULL, NULL, pay_id, error))
        return FALSE;
    }

  return TRUE;
}

/* Picks an active offering that addresses one of the patient's conditions,
 * near home more often than not, and not one already chosen. */
static const SpOffering *
choose_offering (Gen              *gen,
                 const Patient    *p,
                 const SpOffering **chosen,
                 guint             n_chosen)
{
  for (guint attempt = 0; attempt < 8; attempt++)
    {
      guint side = p->n_mh == 0 || (p->n_msk > 0 && chance (gen, 0.5)) ? 0 : 1;
      guint code = side == 0 ? p->msk[pick (gen, p->n_msk)] : p->mh[pick (gen, p->n_mh)];
      GArray *local = gen->by_town_code[p->town][side][code];
      GArray *any = gen->by_code[side][code];
      GArray *from = local->len > 0 && chance (gen, 0.8) ? local : any;
      const SpOffering *o;
      gboolean again = FALSE;

      if (from->len == 0)
        continue;
      o = gen->offerings->pdata[g_array_index (from, guint, pick (gen, from->len))];
      for (guint k = 0; k < n_chosen; k++)
        again |= chosen[k] == o;
      if (!again)
        return o;
    }
  return NULL;
}

/* The status a referral ended up in, and the days it moved on. */
static void
plan_referral (Gen      *gen,
               Referral *r)
{
  static const guint weights[] = { 4, 8, 7, 10, 38, 8, 9, 16 };
  static const char * const statuses[] = {
    "draft", "referred", "accepted", "attending", "completed", "declined", "did_not_attend", "withdrawn",
  };
  guint planned = (guint) MAX (1, r->offering->sessions);
  gint64 span;
  guint stage;

  r->status = statuses[weighted (gen, weights, G_N_ELEMENTS (weights))];
  r->attended = r->missed = 0;
  r->accepted_day = r->first_session = r->end_day = 0;

  if (g_str_equal (r->status, "draft") || g_str_equal (r->status, "referred"))
    stage = 0;
  else if (g_str_equal (r->status, "accepted"))
    stage = 1;
  else if (g_str_equal (r->status, "attending") || g_str_equal (r->status, "completed"))
    stage = 2;
  else if (g_str_equal (r->status, "declined"))
    stage = chance (gen, 0.3) ? 1 : 0;
  else if (g_str_equal (r->status, "did_not_attend"))
    stage = chance (gen, 0.4) ? 2 : 1;
  else
    stage = pick (gen, 3);
  r->stage = stage;
  r->drafted = g_str_equal (r->status, "draft") || chance (gen, 0.1);
  r->sent = !g_str_equal (r->status, "draft") && !(stage == 0 && r->drafted && g_str_equal (r->status, "withdrawn"));

  if (stage >= 2)
    {
      if (g_str_equal (r->status, "completed"))
        {
          gint attended = (gint) planned - (gint) pick (gen, 3);
          r->attended = (guint) MAX (1, attended);
        }
      else if (g_str_equal (r->status, "attending"))
        r->attended = (guint) between (gen, 1, (gint) MAX (1, planned - 1));
      else
        r->attended = (guint) between (gen, 1, (gint) MIN (3, planned));
      r->missed = chance (gen, 0.3) ? (guint) between (gen, 1, 2) : 0;
    }
  if (g_str_equal (r->status, "did_not_attend") && stage == 1)
    r->missed = (guint) between (gen, 1, 2);

  /* Open referrals are recent; finished ones happened any time. */
  span = 10 + 14 + 7 * (r->attended + r->missed) + 2;
  if (stage == 0 && (g_str_equal (r->status, "draft") || g_str_equal (r->status, "referred")))
    r->referred_day = gen->today - between (gen, 1, 20);
  else if (g_str_equal (r->status, "accepted") || g_str_equal (r->status, "attending"))
    r->referred_day = gen->today - span - between (gen, 0, 10);
  else
    r->referred_day = gen->today - span - between (gen, 0, 730);

  if (stage >= 1 || r->missed > 0)
    r->accepted_day = r->referred_day + between (gen, 2, 10);
  if (r->attended + r->missed > 0)
    r->first_session = r->accepted_day + between (gen, 3, 14);
  if (!g_str_equal (r->status, "draft") && !g_str_equal (r->status, "referred") &&
      !g_str_equal (r->status, "accepted") && !g_str_equal (r->status, "attending"))
    {
      gint64 last = r->first_session != 0 ? r->first_session + 7 * (r->attended + r->missed - 1)
                                          : r->accepted_day != 0 ? r->accepted_day : r->referred_day;
      gint64 end = last + between (gen, 1, 6);

      r->end_day = MIN (end, gen->today);
    }
}

static gboolean
generate_patient (Gen         *gen,
                  NhsNumbers  *nhs,
                  GError     **error)
{
  static const guint referral_counts[] = { 8, 15, 20, 22, 15, 10, 6, 4 };
  Patient p = { 0 };
  const SpOffering *chosen[MAX_REFERRALS + 1];
  Referral referrals[MAX_REFERRALS + 1];
  char nhs_number[11];
  guint n;

  make_uuid (gen, p.id);
  nhs_numbers_next (nhs, nhs_number);
  if (!write_patient (gen, &p, nhs_number, error) ||
      !write_conditions (gen, &p, error))
    return FALSE;

  n = weighted (gen, referral_counts, G_N_ELEMENTS (referral_counts));
  for (guint k = 0; k < n; k++)
    {
      Referral *r = &referrals[k];

      r->offering = choose_offering (gen, &p, chosen, k);
      if (r->offering == NULL)
        {
          n = k;
          break;
        }
      chosen[k] = r->offering;
      make_uuid (gen, r->id);
      plan_referral (gen, r);
    }

  for (guint k = 0; k < n; k++)
    if (!write_referral (gen, &p, &referrals[k], error))
      return FALSE;
  return TRUE;
}

/* ---- The whole store -------------------------------------------------------- */

static gboolean
prepare_all (Gen     *gen,
             GError **error)
{
  return
    (gen->funder_stmt = prepare_insert (gen, "funder", "name, kind, budget_pence, year_start", error)) &&
    (gen->provider_stmt = prepare_insert (gen, "provider",
                                          "name, phone, email, website, address, regulator, registration_number, notes",
                                          error)) &&
    (gen->offering_stmt = prepare_insert (gen, "offering",
                                          "provider_id, name, modality, description, format, location_name, address, "
                                          "postcode, lat, lon, schedule, schedule_note, sessions, fee_pence, "
                                          "sliding_scale, funder_ids, targets_msk, targets_mh, contraindications, "
                                          "intensity, access_features, capacity, wait_weeks, evidence, evidence_note, "
                                          "step, active, last_verified, age_min, age_max, eligibility, needs_review",
                                          error)) &&
    (gen->patient_stmt = prepare_insert (gen, "patient",
                                         "nhs_number, given_name, family_name, date_of_birth, sex, postcode, address, "
                                         "phone, email, preferred_contact, interpreter, language, consent_gp, "
                                         "consent_contact, consent_evaluation, income_band, access_needs, precautions, "
                                         "travel, lat, lon, max_cost_pence, preferred_formats, preferred_days, notes",
                                         error)) &&
    (gen->condition_stmt = prepare_insert (gen, "condition", "patient_id, kind, code, since, note", error)) &&
    (gen->referral_stmt = prepare_insert (gen, "referral",
                                          "patient_id, offering_id, referrer, route, reason, goals, status, "
                                          "sessions_planned, sessions_attended, fee_pence, patient_share_pence, "
                                          "funder_share_pence, funder_id, income_band, outcome, safety_concern, "
                                          "referred_at, gp_letter_sent_at, fft, gp_referral_letter_at",
                                          error)) &&
    (gen->event_stmt = prepare_insert (gen, "referral_event", "referral_id, from_status, to_status, at, by, note",
                                       error)) &&
    (gen->attendance_stmt = prepare_insert (gen, "attendance", "referral_id, session_date, attended, note", error)) &&
    (gen->assessment_stmt = prepare_insert (gen, "assessment",
                                            "patient_id, referral_id, measure, answers, stage, taken_at", error)) &&
    (gen->payment_stmt = prepare_insert (gen, "payment",
                                         "referral_id, patient_id, payer, funder_id, amount_pence, method, paid_at, "
                                         "reverses_id, note",
                                         error));
}

static void
gen_clear (Gen *gen)
{
  SpStmt *stmts[] = {
    gen->funder_stmt, gen->provider_stmt, gen->offering_stmt, gen->patient_stmt, gen->condition_stmt,
    gen->referral_stmt, gen->event_stmt, gen->attendance_stmt, gen->assessment_stmt, gen->payment_stmt,
  };

  /* The statements stay cached in the store: leave them reset, holding no
   * pointers to our buffers. */
  for (guint i = 0; i < G_N_ELEMENTS (stmts); i++)
    sp_stmt_release (stmts[i]);
  g_clear_pointer (&gen->rand, g_rand_free);
  g_clear_pointer (&gen->offerings, g_ptr_array_unref);
  for (guint side = 0; side < 2; side++)
    for (guint c = 0; c < 16; c++)
      {
        g_clear_pointer (&gen->by_code[side][c], g_array_unref);
        for (guint t = 0; t < N_TOWNS; t++)
          g_clear_pointer (&gen->by_town_code[t][side][c], g_array_unref);
      }
  if (gen->json != NULL)
    g_string_free (gen->json, TRUE);
}

static gboolean
generate_in_transaction (Gen                     *gen,
                         const SpGenerateOptions *options,
                         GError                 **error)
{
  NhsNumbers nhs;
  g_autofree char *marker = NULL;

  if (!prepare_all (gen, error) || !generate_catalogue (gen, options, error))
    return FALSE;
  if (options->progress != NULL)
    options->progress ("offerings", gen->counts->offerings, options->n_offerings, options->progress_data);

  nhs_numbers_init (&nhs, gen);
  for (guint i = 0; i < options->n_patients; i++)
    {
      if (!generate_patient (gen, &nhs, error))
        return FALSE;
      if (options->progress != NULL && ((i + 1) % 5000 == 0 || i + 1 == options->n_patients))
        options->progress ("patients", i + 1, options->n_patients, options->progress_data);
    }

  marker = g_strdup_printf ("{\"version\":%d,\"seed\":%" G_GUINT64_FORMAT ",\"patients\":%u,\"offerings\":%u,"
                            "\"today\":\"%s\"}",
                            SP_GENERATE_VERSION, options->seed, options->n_patients, options->n_offerings,
                            SP_GENERATE_TODAY);
  return sp_store_set_meta (gen->store, "generated", marker, error);
}

static gboolean
exec_pragma (SpStore     *store,
             const char  *sql,
             GError     **error)
{
  int rc = sqlite3_exec (sp_store_get_handle (store), sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

/**
 * sp_store_generate:
 * @store: an empty store
 * @options: sizes, seed and an optional progress callback
 * @counts: (out) (optional): how many rows of each kind were written
 * @error: return location for a #GError
 *
 * Fills an empty store with a synthetic region: @options->n_offerings
 * offerings and their providers and funders, and @options->n_patients
 * patients with their history. The same options give the same rows. All or
 * nothing: on failure the store is left empty.
 *
 * Returns: %TRUE when the store was filled
 */
gboolean
sp_store_generate (SpStore                 *store,
                   const SpGenerateOptions *options,
                   SpGenerateCounts        *counts,
                   GError                 **error)
{
  Gen gen = { 0 };
  SpGenerateCounts local_counts = { 0 };
  guint32 seed[2];
  gint y;
  guint m, d;
  gboolean ok;

  g_return_val_if_fail (SP_IS_STORE (store), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options->n_patients > SP_GENERATE_MAX_PATIENTS)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("At most %u patients can be generated: there are no more valid NHS numbers in the 999 range."),
                   (guint) SP_GENERATE_MAX_PATIENTS);
      return FALSE;
    }
  if (options->n_patients > 0 && options->n_offerings == 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID,
                           _("Generated patients need a catalogue to be referred to: ask for at least one offering."));
      return FALSE;
    }
  if (!sp_store_is_empty (store))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_DUPLICATE,
                           _("This database already holds patients or a catalogue, so nothing was generated. "
                             "Generate into a new, empty database."));
      return FALSE;
    }
  if (sp_store_get_practice (store) == NULL &&
      !sp_store_set_local_practice (store, SP_GENERATE_PRACTICE, "Generated benchmark practice", error))
    return FALSE;

  counts = counts != NULL ? counts : &local_counts;
  memset (counts, 0, sizeof *counts);

  seed[0] = (guint32) options->seed;
  seed[1] = (guint32) (options->seed >> 32);
  gen.store = store;
  gen.practice = sp_store_get_practice (store);
  gen.rand = g_rand_new_with_seed_array (seed, G_N_ELEMENTS (seed));
  gen.counts = counts;
  sscanf (SP_GENERATE_TODAY, "%d-%u-%u", &y, &m, &d);
  gen.today = days_from_civil (y, m, d);
  gen.offerings = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_offering_free);
  gen.json = g_string_sized_new (256);
  gen.codes[0] = sp_vocab_entries (SP_VOCAB_MSK_CONDITION, &gen.n_codes[0]);
  gen.codes[1] = sp_vocab_entries (SP_VOCAB_MH_CONDITION, &gen.n_codes[1]);
  g_assert (gen.n_codes[0] <= 16 && gen.n_codes[1] <= 16);
  for (guint side = 0; side < 2; side++)
    for (guint c = 0; c < 16; c++)
      {
        gen.by_code[side][c] = g_array_new (FALSE, FALSE, sizeof (guint));
        for (guint t = 0; t < N_TOWNS; t++)
          gen.by_town_code[t][side][c] = g_array_new (FALSE, FALSE, sizeof (guint));
      }

  /* A bigger page cache while loading: the id indexes take random inserts,
   * and a few hundred megabytes keep them from thrashing. */
  /* Loading, the store is empty and nothing else uses it: a rollback
   * journal writes each page once, where WAL writes it twice (to the log,
   * then to the file at the checkpoint), and a crash still rolls back to
   * the empty store. A bigger page cache keeps the id indexes, which take
   * random inserts, from thrashing. Both are put back afterwards. If
   * another connection holds the file in WAL mode, it stays in WAL. */
  if (!exec_pragma (store, "PRAGMA cache_size = -524288", error))
    {
      gen_clear (&gen);
      return FALSE;
    }
  sqlite3_exec (sp_store_get_handle (store), "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);

  ok = sp_store_begin (store, error);
  if (ok && !generate_in_transaction (&gen, options, error))
    {
      sp_store_rollback (store);
      ok = FALSE;
    }
  else if (ok)
    ok = sp_store_commit (store, error);

  gen_clear (&gen);
  sqlite3_exec (sp_store_get_handle (store), "PRAGMA cache_size = -2000", NULL, NULL, NULL);
  if (!exec_pragma (store, "PRAGMA journal_mode = WAL", ok ? error : NULL))
    ok = FALSE;
  return ok;
}
