/* sp-patient-list.c — the caseload as a GListModel of SpPatientItem
 *
 * Stays smooth at 100,000 patients. Filtering in SQL costs 100–400 ms a
 * keystroke at that size (the order by name, and the comorbid test, visit
 * every row), so the list keeps a compact directory of the caseload in
 * memory instead: one entry per patient with what the filters and a row
 * need, sorted once. The directory is read in a worker thread on its own
 * SpStore (the store is one-per-thread; WAL lets both read), so the window
 * never waits; a filter is then a scan of the directory (about 1 ms at
 * 100,000), and items are made on demand by get_item(), a page at a time,
 * with a small cache of pages. An item keeps its position: when the filter
 * or the store changes, the live items are given the patients now at
 * their positions (SpPatientItem::changed) and only the tail of the list
 * is added or removed, so a view rebinds the rows it has rather than
 * making new ones.
 *
 * Filters, all optional and combined with AND:
 *  - search text: a name prefix (given name, family name, or "given family")
 *    or an NHS number prefix (digits, spaces and hyphens only);
 *  - comorbid: at least one MSK and one mental-health condition;
 *  - open referrals: a referral that is draft, referred, accepted or attending;
 *  - follow-up due: a referral that is attending or completed and has no
 *    follow-up measure recorded against it yet.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-patient-list"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-live-items.h"
#include "sp-patient-list.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"

#define PAGE_SIZE 64
#define MAX_PAGES 16

typedef struct
{
  gint64      rowid;
  const char *id;
  const char *given;
  const char *family;
  const char *nhs_number;
  const char *date_of_birth;
  const char *given_key;    /* casefolded, for search and order */
  const char *family_key;
  const char *status;       /* latest referral status, interned; NULL = none */
  guint       open_referrals;
  guint       has_msk : 1;
  guint       has_mh : 1;
  guint       follow_up_due : 1;
} Entry;

/* The caseload as read from the store at one moment. */
typedef struct
{
  GArray       *entries;  /* Entry, in caseload order */
  GStringChunk *strings;
  char         *today;
} Directory;

static void
directory_free (Directory *dir)
{
  g_array_unref (dir->entries);
  g_string_chunk_free (dir->strings);
  g_free (dir->today);
  g_free (dir);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Directory, directory_free)

struct _SpPatientList
{
  GObject     parent_instance;

  SpStore    *store;
  char       *search_text;
  gboolean    comorbid_only;
  gboolean    open_referrals_only;
  gboolean    follow_up_due_only;

  Directory  *dir;
  GArray     *visible;     /* guint indexes into dir->entries */
  GHashTable *pages;       /* page number → GPtrArray of SpPatientItem */
  GQueue      page_order;  /* page numbers, most recently used first */
  SpLiveItems *live;       /* every item given out and alive, by position */

  GCancellable *cancellable;
  guint         n_loads;   /* loads under way */
  guint         last_load; /* generation of the latest load asked for … */
  guint         shown_load;/* … and of the directory shown */
  gboolean      partial;   /* a first page is shown; the whole caseload is on its way */
  GError       *error;
};

static void sp_patient_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpPatientList, sp_patient_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, sp_patient_list_model_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_SEARCH_TEXT,
  PROP_COMORBID_ONLY,
  PROP_OPEN_REFERRALS_ONLY,
  PROP_FOLLOW_UP_DUE_ONLY,
  PROP_N_ITEMS,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Reading the directory (worker thread) ------------------------------ */

typedef struct
{
  char  *path;
  char **practices;
  char  *today;
  guint  generation;
  gboolean first_page;  /* nothing shown yet: send the first page ahead */
  SpPatientList *list;  /* unowned: the task's callback holds a reference */
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_strfreev (job->practices);
  g_free (job->today);
  g_free (job);
}

static const char *
chunk_dup (GStringChunk *chunk,
           const char   *text)
{
  return text != NULL ? g_string_chunk_insert_const (chunk, text) : NULL;
}

static const char *
chunk_casefold (GStringChunk *chunk,
                const char   *text)
{
  g_autofree char *folded = g_utf8_casefold (text ? text : "", -1);

  return g_string_chunk_insert_const (chunk, folded);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const Entry *x = a, *y = b;
  int c = strcmp (x->family_key, y->family_key);

  if (c == 0)
    c = strcmp (x->given_key, y->given_key);
  if (c == 0)
    c = x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
  return c;
}

/* Appended to a query of rows about patients to read only those of a first
 * page: ?1 is a JSON array of their ids. */
#define ONLY_THESE " AND patient_id IN (SELECT value FROM json_each (?1))"

/* Runs @sql (restricted to the patients in @only, a JSON array of ids,
 * unless it is NULL) and calls @func on the entry named by its first column. */
static gboolean
for_each_patient_row (SpStore     *store,
                      const char  *sql,
                      const char  *only,
                      GHashTable  *by_id,
                      GArray      *entries,
                      void       (*func) (Entry *entry, SpStmt *stmt),
                      GError     **error)
{
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree char *full_sql = g_strconcat (sql, only ? ONLY_THESE : NULL, NULL);
  int rc;

  stmt = sp_store_prepare (store, full_sql, error);
  if (stmt == NULL)
    return FALSE;
  if (only != NULL)
    sqlite3_bind_text (stmt, 1, only, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gpointer index;

      if (g_hash_table_lookup_extended (by_id, sqlite3_column_text (stmt, 0), NULL, &index))
        func (&g_array_index (entries, Entry, GPOINTER_TO_UINT (index)), stmt);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

static void
add_condition (Entry  *entry,
               SpStmt *stmt)
{
  const char *kind = (const char *) sqlite3_column_text (stmt, 1);

  if (g_strcmp0 (kind, "msk") == 0)
    entry->has_msk = TRUE;
  else if (g_strcmp0 (kind, "mh") == 0)
    entry->has_mh = TRUE;
}

/* The referrals that have a follow-up measure, as "referral id\npatient
 * id": one pass over the assessments, where a lookup for each referral
 * visited 900,000 rows at 100,000 patients. */
static GHashTable *
followed_up_referrals (SpStore     *store,
                       const char  *only,
                       GError     **error)
{
  g_autoptr(GHashTable) followed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree char *sql = g_strconcat ("SELECT referral_id || char (10) || patient_id FROM assessment "
                                      "WHERE deleted = 0 AND stage = 'follow_up' AND referral_id IS NOT NULL",
                                      only ? ONLY_THESE : NULL, NULL);
  int rc;

  stmt = sp_store_prepare (store, sql, error);
  if (stmt == NULL)
    return NULL;
  if (only != NULL)
    sqlite3_bind_text (stmt, 1, only, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (followed, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&followed);
}

typedef struct
{
  char   at[24];  /* coalesce (referred_at, updated_at) of the latest referral */
  gint64 rowid;
} Latest;

/* Each patient's latest referral status (by when it was made, then
 * rowid), open referrals, and follow-ups due: a referral attending or
 * completed with no follow-up measure yet. In one pass, unsorted. */
static gboolean
add_referrals (SpStore     *store,
               const char  *only,
               GHashTable  *by_id,
               GArray      *entries,
               GError     **error)
{
  g_autoptr(GHashTable) followed = followed_up_referrals (store, only, error);
  g_autoptr(SpStmt) stmt = NULL;
  g_autofree Latest *latest = NULL;
  g_autofree char *sql = g_strconcat ("SELECT patient_id, status, coalesce (referred_at, updated_at), rowid, "
                                      "id || char (10) || patient_id FROM referral WHERE deleted = 0",
                                      only ? ONLY_THESE : NULL, NULL);
  int rc;

  if (followed == NULL)
    return FALSE;
  stmt = sp_store_prepare (store, sql, error);
  if (stmt == NULL)
    return FALSE;
  if (only != NULL)
    sqlite3_bind_text (stmt, 1, only, -1, SQLITE_STATIC);
  latest = g_new0 (Latest, entries->len);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *status = (const char *) sqlite3_column_text (stmt, 1);
      const char *at = (const char *) sqlite3_column_text (stmt, 2);
      gint64 rowid = sqlite3_column_int64 (stmt, 3);
      gpointer index;
      Entry *entry;
      Latest *l;
      int c;

      if (!g_hash_table_lookup_extended (by_id, sqlite3_column_text (stmt, 0), NULL, &index))
        continue;
      entry = &g_array_index (entries, Entry, GPOINTER_TO_UINT (index));
      l = &latest[GPOINTER_TO_UINT (index)];

      c = entry->status == NULL ? 1 : strcmp (at ? at : "", l->at);
      if (c > 0 || (c == 0 && rowid > l->rowid))
        {
          entry->status = g_intern_string (status);
          g_strlcpy (l->at, at ? at : "", sizeof l->at);
          l->rowid = rowid;
        }
      if (sp_referral_status_is_open (status))
        entry->open_referrals++;
      if ((g_strcmp0 (status, "attending") == 0 || g_strcmp0 (status, "completed") == 0) &&
          !g_hash_table_contains (followed, sqlite3_column_text (stmt, 4)))
        entry->follow_up_due = TRUE;
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return FALSE;
    }
  return TRUE;
}

/* The whole caseload, or with @limit only about its first @limit patients
 * in name order (by the family name index, which folds ASCII case only:
 * the whole directory, read next, is the one that counts). */
static Directory *
directory_load (SpStore             *store,
                const char * const  *practices,
                const char          *today,
                guint                limit,
                GError             **error)
{
  g_autoptr(Directory) dir = g_new0 (Directory, 1);
  /* "+practice": read the table in order; the practice index would visit
   * nearly every row of it in NHS number order, at random. */
  g_autoptr(GString) sql = g_string_new ("SELECT rowid, id, given_name, family_name, nhs_number, date_of_birth "
                                         "FROM patient WHERE deleted = 0 AND +practice IN (");
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SpStmt) stmt = NULL;
  g_autoptr(JsonArray) ids = limit > 0 ? json_array_new () : NULL;
  g_autofree char *only = NULL;
  guint n_practices = practices ? g_strv_length ((char **) practices) : 0;
  int rc;

  dir->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  dir->strings = g_string_chunk_new (64 * 1024);
  dir->today = g_strdup (today);

  /* Patient data never crosses to a practice the user is not granted. */
  if (n_practices == 0)
    return g_steal_pointer (&dir);

  for (guint i = 0; i < n_practices; i++)
    g_string_append_printf (sql, "%s?%u", i > 0 ? ", " : "", i + 1);
  g_string_append_c (sql, ')');
  if (limit > 0)
    g_string_append_printf (sql, " ORDER BY family_name COLLATE NOCASE LIMIT %u", limit);

  stmt = sp_store_prepare (store, sql->str, error);
  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < n_practices; i++)
    sqlite3_bind_text (stmt, (int) i + 1, practices[i], -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Entry entry = { 0, };

      entry.rowid = sqlite3_column_int64 (stmt, 0);
      entry.id = chunk_dup (dir->strings, (const char *) sqlite3_column_text (stmt, 1));
      entry.given = chunk_dup (dir->strings, (const char *) sqlite3_column_text (stmt, 2));
      entry.family = chunk_dup (dir->strings, (const char *) sqlite3_column_text (stmt, 3));
      entry.nhs_number = chunk_dup (dir->strings, (const char *) sqlite3_column_text (stmt, 4));
      entry.date_of_birth = chunk_dup (dir->strings, (const char *) sqlite3_column_text (stmt, 5));
      entry.given_key = chunk_casefold (dir->strings, entry.given);
      entry.family_key = chunk_casefold (dir->strings, entry.family);
      g_hash_table_insert (by_id, (gpointer) entry.id, GUINT_TO_POINTER (dir->entries->len));
      g_array_append_val (dir->entries, entry);
      if (ids != NULL)
        json_array_add_string_element (ids, entry.id);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  g_clear_pointer (&stmt, sp_stmt_release);

  if (ids != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), ids);
      only = json_to_string (node, FALSE);
    }
  if (!for_each_patient_row (store,
                             "SELECT patient_id, kind FROM condition WHERE deleted = 0",
                             only, by_id, dir->entries, add_condition, error) ||
      !add_referrals (store, only, by_id, dir->entries, error))
    return NULL;

  g_array_sort (dir->entries, compare_entries);
  return g_steal_pointer (&dir);
}

/* A first page, read ahead of the whole caseload, on its way to the list. */
typedef struct
{
  SpPatientList *list;
  Directory     *dir;
  guint          generation;
} FirstPage;

static void show_first_page (SpPatientList *self,
                             Directory     *dir,
                             guint          generation);

static gboolean
first_page_cb (gpointer data)
{
  FirstPage *first = data;

  show_first_page (first->list, g_steal_pointer (&first->dir), first->generation);
  return G_SOURCE_REMOVE;
}

static void
first_page_free (gpointer data)
{
  FirstPage *first = data;

  g_clear_pointer (&first->dir, directory_free);
  g_object_unref (first->list);
  g_free (first);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;
  Directory *dir;

  store = sp_store_open (job->path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Reading a region's whole caseload takes most of a second: the first
   * screenful, found by the name index, is shown meanwhile. (If it cannot
   * be read, the whole read below says why.) */
  if (job->first_page)
    {
      dir = directory_load (store, (const char * const *) job->practices, job->today, PAGE_SIZE, NULL);
      if (dir != NULL)
        {
          FirstPage *first = g_new0 (FirstPage, 1);

          g_array_sort (dir->entries, compare_entries);
          first->list = g_object_ref (job->list);
          first->dir = dir;
          first->generation = job->generation;
          g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT, first_page_cb, first,
                                      first_page_free);
        }
    }

  dir = directory_load (store, (const char * const *) job->practices, job->today, 0, &error);
  if (dir == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, dir, (GDestroyNotify) directory_free);
}

/* ---- Filtering (main thread) ------------------------------------------- */

typedef struct
{
  gboolean  by_number;
  char     *digits;      /* NHS number prefix */
  gsize     n_digits;
  char     *key;         /* casefolded name prefix */
  char     *first_key;   /* "margaret hol": "margaret" … */
  char     *rest_key;    /* … and "hol" */
} Search;

static void
search_clear (Search *search)
{
  g_free (search->digits);
  g_free (search->key);
  g_free (search->first_key);
  g_free (search->rest_key);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Search, search_clear)

static void
search_init (Search     *search,
             const char *text)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));
  gboolean numeric = TRUE;
  const char *space;

  memset (search, 0, sizeof *search);
  if (*trimmed == '\0')
    return;

  for (const char *p = trimmed; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p != ' ' && *p != '-')
        numeric = FALSE;
    }

  if (numeric && digits->len > 0)
    {
      search->by_number = TRUE;
      search->n_digits = digits->len;
      search->digits = g_string_free (g_steal_pointer (&digits), FALSE);
      return;
    }

  search->key = g_utf8_casefold (trimmed, -1);
  space = strchr (search->key, ' ');
  if (space != NULL)
    {
      search->first_key = g_strndup (search->key, space - search->key);
      search->rest_key = g_strstrip (g_strdup (space + 1));
    }
}

static gboolean
has_prefix (const char *text,
            const char *prefix)
{
  return strncmp (text, prefix, strlen (prefix)) == 0;
}

static gboolean
entry_matches (SpPatientList *self,
               const Search  *search,
               const Entry   *entry)
{
  if (self->comorbid_only && !(entry->has_msk && entry->has_mh))
    return FALSE;
  if (self->open_referrals_only && entry->open_referrals == 0)
    return FALSE;
  if (self->follow_up_due_only && !entry->follow_up_due)
    return FALSE;

  if (search->by_number)
    return strncmp (entry->nhs_number, search->digits, search->n_digits) == 0;
  if (search->key == NULL)
    return TRUE;
  if (has_prefix (entry->family_key, search->key) || has_prefix (entry->given_key, search->key))
    return TRUE;
  return search->first_key != NULL &&
         has_prefix (entry->given_key, search->first_key) &&
         has_prefix (entry->family_key, search->rest_key);
}

static void
clear_pages (SpPatientList *self)
{
  g_hash_table_remove_all (self->pages);
  g_queue_clear (&self->page_order);
}

static SpPatientItem *make_item (SpPatientList *self,
                                 const Entry   *entry);

/* The item at @position, the one already given out if it is alive: a
 * position keeps its item for as long as anyone holds it. */
static SpPatientItem *
item_at (SpPatientList *self,
         guint          position)
{
  SpPatientItem *item = sp_live_items_get (self->live, position);
  guint index;

  if (item != NULL)
    return item;
  index = g_array_index (self->visible, guint, position);
  item = make_item (self, &g_array_index (self->dir->entries, Entry, index));
  sp_live_items_add (self->live, position, item);
  return item;
}

static void
assign_item (gpointer item,
             guint    position,
             gpointer user_data)
{
  SpPatientList *self = user_data;
  guint index = g_array_index (self->visible, guint, position);
  g_autoptr(SpPatientItem) now = make_item (self, &g_array_index (self->dir->entries, Entry, index));

  sp_patient_item_assign (item, now);
}

/* After the visible list changed: each live item below the new end is
 * given the patient now at its position; those beyond it are let go, and
 * the cached pages cut to the new end. */
static void
reassign_items (SpPatientList *self)
{
  guint n = self->visible->len;
  GHashTableIter iter;
  gpointer key, value;

  sp_live_items_reassign (self->live, n, assign_item, self);

  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint first = GPOINTER_TO_UINT (key) * PAGE_SIZE;

      /* A page past the end, or no longer the right length, goes: made
       * again, it finds its live items. */
      if (first >= n || ((GPtrArray *) value)->len != MIN (PAGE_SIZE, n - first))
        {
          g_queue_remove (&self->page_order, key);
          g_hash_table_iter_remove (&iter);
        }
    }
}

/* Filters the directory again and tells the views. @force: the directory
 * was read again, so rows may look different where the same patients match. */
static void
update (SpPatientList *self,
        gboolean       force)
{
  g_auto(Search) search;
  g_autoptr(GArray) visible = NULL;
  guint old_n = self->visible->len;
  guint new_n;

  /* Room for every patient up front: no reallocation while scanning. */
  visible = g_array_sized_new (FALSE, FALSE, sizeof (guint), self->dir ? self->dir->entries->len : 0);
  search_init (&search, self->search_text);
  for (guint i = 0; self->dir != NULL && i < self->dir->entries->len; i++)
    if (entry_matches (self, &search, &g_array_index (self->dir->entries, Entry, i)))
      g_array_append_val (visible, i);

  new_n = visible->len;
  if (!force && old_n == new_n &&
      (new_n == 0 || memcmp (self->visible->data, visible->data, new_n * sizeof (guint)) == 0))
    return;

  g_array_unref (self->visible);
  self->visible = g_steal_pointer (&visible);

  /* Positions below both ends keep their items, which now show the
   * patients there: a view keeps its row widgets and only rebinds them.
   * Only the tail is added or removed. */
  reassign_items (self);
  if (old_n != new_n)
    {
      guint common = MIN (old_n, new_n);

      g_list_model_items_changed (G_LIST_MODEL (self), common, old_n - common, new_n - common);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

/* The first page, while the whole caseload is still being read: shown only
 * if nothing is shown yet and no later load was asked for. */
static void
show_first_page (SpPatientList *self,
                 Directory     *dir,
                 guint          generation)
{
  if (self->dir != NULL || generation != self->last_load || self->shown_load >= generation)
    {
      directory_free (dir);
      return;
    }
  self->dir = dir;
  self->partial = TRUE;
  update (self, TRUE);
}

static void
load_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SpPatientList) self = user_data;
  g_autoptr(GError) error = NULL;
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  Directory *dir;

  self->n_loads--;
  dir = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (job->generation < self->shown_load)
    {
      /* A later load already answered: it is the one to show. */
      g_clear_pointer (&dir, directory_free);
    }
  else if (dir == NULL)
    {
      g_debug ("The caseload could not be read: %s", error->message);
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
    }
  else
    {
      self->shown_load = job->generation;
      self->partial = FALSE;
      g_clear_error (&self->error);
      g_clear_pointer (&self->dir, directory_free);
      self->dir = dir;
      update (self, TRUE);
    }

  if (self->n_loads == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* ---- GListModel -------------------------------------------------------- */

static SpPatientItem *
make_item (SpPatientList *self,
           const Entry   *entry)
{
  g_autofree char *name = g_strdup_printf ("%s %s", entry->given ? entry->given : "",
                                           entry->family ? entry->family : "");
  g_autofree char *nhs = sp_nhs_number_format (entry->nhs_number);
  gint age = entry->date_of_birth != NULL ? sp_age_on (entry->date_of_birth, self->dir->today) : -1;

  return g_object_new (SP_TYPE_PATIENT_ITEM,
                       "id", entry->id,
                       "name", name,
                       "nhs-number", nhs,
                       "age", age,
                       "has-msk", (gboolean) entry->has_msk,
                       "has-mh", (gboolean) entry->has_mh,
                       "open-referrals", entry->open_referrals,
                       "referral-status", entry->status,
                       "follow-up-due", (gboolean) entry->follow_up_due,
                       NULL);
}

static GType
sp_patient_list_get_item_type (GListModel *model)
{
  return SP_TYPE_PATIENT_ITEM;
}

static guint
sp_patient_list_get_n_items (GListModel *model)
{
  return SP_PATIENT_LIST (model)->visible->len;
}

static gpointer
sp_patient_list_get_item (GListModel *model,
                          guint       position)
{
  SpPatientList *self = SP_PATIENT_LIST (model);
  guint page = position / PAGE_SIZE;
  GPtrArray *items;

  if (position >= self->visible->len)
    return NULL;

  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items == NULL)
    {
      guint first = page * PAGE_SIZE;
      guint last = MIN (first + PAGE_SIZE, self->visible->len);

      items = g_ptr_array_new_full (last - first, g_object_unref);
      for (guint i = first; i < last; i++)
        g_ptr_array_add (items, item_at (self, i));
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);
      g_queue_push_head (&self->page_order, GUINT_TO_POINTER (page));
      while (self->page_order.length > MAX_PAGES)
        g_hash_table_remove (self->pages, g_queue_pop_tail (&self->page_order));
    }
  else if (g_queue_peek_head (&self->page_order) != GUINT_TO_POINTER (page))
    {
      g_queue_remove (&self->page_order, GUINT_TO_POINTER (page));
      g_queue_push_head (&self->page_order, GUINT_TO_POINTER (page));
    }

  return g_object_ref (g_ptr_array_index (items, position % PAGE_SIZE));
}

static void
sp_patient_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = sp_patient_list_get_item_type;
  iface->get_n_items = sp_patient_list_get_n_items;
  iface->get_item = sp_patient_list_get_item;
}

/* ---- GObject ----------------------------------------------------------- */

static void
sp_patient_list_constructed (GObject *object)
{
  SpPatientList *self = SP_PATIENT_LIST (object);

  G_OBJECT_CLASS (sp_patient_list_parent_class)->constructed (object);

  g_assert (SP_IS_STORE (self->store));
  sp_patient_list_refresh (self);
}

static void
sp_patient_list_dispose (GObject *object)
{
  SpPatientList *self = SP_PATIENT_LIST (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (sp_patient_list_parent_class)->dispose (object);
}

static void
sp_patient_list_finalize (GObject *object)
{
  SpPatientList *self = SP_PATIENT_LIST (object);

  clear_pages (self);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->live, sp_live_items_free);
  g_clear_pointer (&self->visible, g_array_unref);
  g_clear_pointer (&self->dir, directory_free);
  g_clear_pointer (&self->search_text, g_free);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_patient_list_parent_class)->finalize (object);
}

static void
sp_patient_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SpPatientList *self = SP_PATIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SEARCH_TEXT:
      g_value_set_string (value, self->search_text);
      break;
    case PROP_COMORBID_ONLY:
      g_value_set_boolean (value, self->comorbid_only);
      break;
    case PROP_OPEN_REFERRALS_ONLY:
      g_value_set_boolean (value, self->open_referrals_only);
      break;
    case PROP_FOLLOW_UP_DUE_ONLY:
      g_value_set_boolean (value, self->follow_up_due_only);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->visible->len);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->n_loads > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_patient_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SpPatientList *self = SP_PATIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_SEARCH_TEXT:
      sp_patient_list_set_search_text (self, g_value_get_string (value));
      break;
    case PROP_COMORBID_ONLY:
      sp_patient_list_set_comorbid_only (self, g_value_get_boolean (value));
      break;
    case PROP_OPEN_REFERRALS_ONLY:
      sp_patient_list_set_open_referrals_only (self, g_value_get_boolean (value));
      break;
    case PROP_FOLLOW_UP_DUE_ONLY:
      sp_patient_list_set_follow_up_due_only (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_patient_list_class_init (SpPatientListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sp_patient_list_constructed;
  object_class->dispose = sp_patient_list_dispose;
  object_class->finalize = sp_patient_list_finalize;
  object_class->get_property = sp_patient_list_get_property;
  object_class->set_property = sp_patient_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, SP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_TEXT] =
    g_param_spec_string ("search-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMORBID_ONLY] =
    g_param_spec_boolean ("comorbid-only", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OPEN_REFERRALS_ONLY] =
    g_param_spec_boolean ("open-referrals-only", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLLOW_UP_DUE_ONLY] =
    g_param_spec_boolean ("follow-up-due-only", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* TRUE while the caseload is being read from the store. */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_patient_list_init (SpPatientList *self)
{
  self->visible = g_array_new (FALSE, FALSE, sizeof (guint));
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->live = sp_live_items_new ();
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->page_order);
}

SpPatientList *
sp_patient_list_new (SpStore *store)
{
  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  return g_object_new (SP_TYPE_PATIENT_LIST, "store", store, NULL);
}

SpStore *
sp_patient_list_get_store (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), NULL);
  return self->store;
}

gboolean
sp_patient_list_get_loading (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), FALSE);
  return self->n_loads > 0;
}

const char *
sp_patient_list_get_search_text (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), NULL);
  return self->search_text;
}

void
sp_patient_list_set_search_text (SpPatientList *self,
                                 const char    *text)
{
  g_return_if_fail (SP_IS_PATIENT_LIST (self));

  if (g_strcmp0 (self->search_text, text) == 0)
    return;
  g_free (self->search_text);
  self->search_text = g_strdup (text);
  update (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_TEXT]);
}

static void
set_flag (SpPatientList *self,
          gboolean      *flag,
          gboolean       value,
          guint          prop)
{
  value = !!value;
  if (*flag == value)
    return;
  *flag = value;
  update (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

gboolean
sp_patient_list_get_comorbid_only (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), FALSE);
  return self->comorbid_only;
}

void
sp_patient_list_set_comorbid_only (SpPatientList *self,
                                   gboolean       comorbid_only)
{
  g_return_if_fail (SP_IS_PATIENT_LIST (self));
  set_flag (self, &self->comorbid_only, comorbid_only, PROP_COMORBID_ONLY);
}

gboolean
sp_patient_list_get_open_referrals_only (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), FALSE);
  return self->open_referrals_only;
}

void
sp_patient_list_set_open_referrals_only (SpPatientList *self,
                                         gboolean       open_only)
{
  g_return_if_fail (SP_IS_PATIENT_LIST (self));
  set_flag (self, &self->open_referrals_only, open_only, PROP_OPEN_REFERRALS_ONLY);
}

gboolean
sp_patient_list_get_follow_up_due_only (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), FALSE);
  return self->follow_up_due_only;
}

void
sp_patient_list_set_follow_up_due_only (SpPatientList *self,
                                        gboolean       due_only)
{
  g_return_if_fail (SP_IS_PATIENT_LIST (self));
  set_flag (self, &self->follow_up_due_only, due_only, PROP_FOLLOW_UP_DUE_ONLY);
}

/* Reads the caseload from the store again, in a worker thread; the list
 * keeps showing what it had until the new directory arrives. Call it after
 * the store changed. */
void
sp_patient_list_refresh (SpPatientList *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (SP_IS_PATIENT_LIST (self));

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (sp_store_get_path (self->store));
  job->practices = g_strdupv ((char **) sp_store_get_practices (self->store));
  job->today = sp_store_today (self->store);
  job->generation = ++self->last_load;
  job->first_page = self->dir == NULL;
  job->list = self;

  task = g_task_new (NULL, self->cancellable, load_cb, g_object_ref (self));
  g_task_set_source_tag (task, sp_patient_list_refresh);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);

  self->n_loads++;
  if (self->n_loads == 1)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_task_run_in_thread (task, load_thread);
}

/* The position of a patient in the list, or G_MAXUINT (which is
 * GTK_INVALID_LIST_POSITION) when the filters hide them. */
guint
sp_patient_list_find (SpPatientList *self,
                      const char    *patient_id)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), G_MAXUINT);
  g_return_val_if_fail (patient_id != NULL, G_MAXUINT);

  for (guint i = 0; i < self->visible->len; i++)
    {
      guint index = g_array_index (self->visible, guint, i);

      if (g_strcmp0 (g_array_index (self->dir->entries, Entry, index).id, patient_id) == 0)
        return i;
    }
  return G_MAXUINT;
}

/* TRUE while the list shows only the first page of the caseload, read
 * ahead at the first load, and the whole of it is still being read. */
gboolean
sp_patient_list_is_partial (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), FALSE);
  return self->partial;
}

/* Why the list could not be read at the last attempt; NULL when it could. */
const GError *
sp_patient_list_get_error (SpPatientList *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_LIST (self), NULL);
  return self->error;
}
