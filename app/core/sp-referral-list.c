/* sp-referral-list.c — every referral of the practice as a GListModel of SpReferralItem
 *
 * The referrals, newest first, each with its patient's name and NHS number
 * and the offering's name. They are read in a worker thread on the list's
 * own SpStore (the store is one-per-thread; WAL lets both read), so the
 * window never waits; filtering is then a scan in memory.
 *
 * Filters, both optional and combined with AND:
 *  - status: one SP_VOCAB_REFERRAL_STATUS code, or SP_REFERRAL_LIST_OPEN
 *    for draft, referred, accepted and attending;
 *  - search text: every word found in the patient's name or the offering's
 *    name, or an NHS number prefix (digits, spaces and hyphens only).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-referral-list"

#include "config.h"

#include <string.h>

#include "sp-referral-list.h"
#include "sp-referrals.h"
#include "sp-store-private.h"
#include "sp-validate.h"

typedef struct
{
  SpReferralItem *item;
  char           *key;     /* casefolded "given family offering" */
  char           *digits;  /* the NHS number's ten digits */
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->item);
  g_clear_pointer (&entry->key, g_free);
  g_clear_pointer (&entry->digits, g_free);
}

struct _SpReferralList
{
  GObject       parent_instance;

  SpStore      *store;
  char         *status_filter;
  char         *search_text;

  GArray       *entries;  /* Entry, newest referral first */
  GPtrArray    *visible;  /* SpReferralItem, a reference each */

  GCancellable *cancellable;
  guint         n_loads;    /* loads under way */
  guint         last_load;  /* generation of the latest load asked for … */
  guint         shown_load; /* … and of the entries shown */
  GError       *error;
};

static void sp_referral_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpReferralList, sp_referral_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, sp_referral_list_model_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_STATUS_FILTER,
  PROP_SEARCH_TEXT,
  PROP_N_ITEMS,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Reading (worker thread) ------------------------------------------- */

typedef struct
{
  char  *path;
  char **practices;
  guint  generation;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_strfreev (job->practices);
  g_free (job);
}

static const char *
column_text (SpStmt *stmt,
             int     column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static GArray *
entries_load (SpStore             *store,
              const char * const  *practices,
              GError             **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_autoptr(GString) sql = g_string_new ("SELECT r.id, r.patient_id, p.given_name, p.family_name, p.nhs_number, "
                                         "o.name, r.status, r.referred_at, r.sessions_attended, r.sessions_planned "
                                         "FROM referral r JOIN patient p ON p.id = r.patient_id AND p.deleted = 0 "
                                         "LEFT JOIN offering o ON o.id = r.offering_id "
                                         "WHERE r.deleted = 0 AND r.practice IN (");
  g_autoptr(SpStmt) stmt = NULL;
  guint n_practices = practices ? g_strv_length ((char **) practices) : 0;
  int rc;

  g_array_set_clear_func (entries, entry_clear);

  /* Patient data never crosses to a practice the user is not granted. */
  if (n_practices == 0)
    return g_steal_pointer (&entries);

  for (guint i = 0; i < n_practices; i++)
    g_string_append_printf (sql, "%s?%u", i > 0 ? ", " : "", i + 1);
  /* The order of sp_store_list_referrals (store, NULL, …). */
  g_string_append (sql, ") ORDER BY coalesce (r.referred_at, r.updated_at) DESC, r.id");

  stmt = sp_store_prepare (store, sql->str, error);
  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < n_practices; i++)
    sqlite3_bind_text (stmt, (int) i + 1, practices[i], -1, SQLITE_TRANSIENT);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *given = column_text (stmt, 2);
      const char *family = column_text (stmt, 3);
      const char *offering = column_text (stmt, 5);
      g_autofree char *name = g_strdup_printf ("%s %s", given ? given : "", family ? family : "");
      g_autofree char *nhs = sp_nhs_number_format (column_text (stmt, 4));
      g_autofree char *key = g_strdup_printf ("%s %s", name, offering ? offering : "");
      Entry entry = { 0, };

      entry.item = g_object_new (SP_TYPE_REFERRAL_ITEM,
                                 "id", column_text (stmt, 0),
                                 "patient-id", column_text (stmt, 1),
                                 "patient-name", g_strstrip (name),
                                 "nhs-number", nhs,
                                 "offering-name", offering,
                                 "status", column_text (stmt, 6),
                                 "referred-at", column_text (stmt, 7),
                                 "sessions-attended", (gint) CLAMP (sqlite3_column_int64 (stmt, 8), 0, G_MAXINT),
                                 "sessions-planned", (gint) CLAMP (sqlite3_column_int64 (stmt, 9), 0, G_MAXINT),
                                 NULL);
      entry.key = g_utf8_casefold (key, -1);
      entry.digits = g_strdup (column_text (stmt, 4));
      g_array_append_val (entries, entry);
    }
  if (rc != SQLITE_DONE)
    {
      sp_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&entries);
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
  GArray *entries;

  store = sp_store_open (job->path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  entries = entries_load (store, (const char * const *) job->practices, &error);
  if (entries == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, entries, (GDestroyNotify) g_array_unref);
}

/* ---- Filtering (main thread) ------------------------------------------- */

typedef struct
{
  char  *digits;  /* an NHS number prefix, or NULL */
  char **words;   /* casefolded words, all to be found; NULL = no search */
} Search;

static void
search_clear (Search *search)
{
  g_clear_pointer (&search->digits, g_free);
  g_clear_pointer (&search->words, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Search, search_clear)

static void
search_init (Search     *search,
             const char *text)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autofree char *folded = NULL;
  gboolean numeric = TRUE;

  memset (search, 0, sizeof *search);
  if (text == NULL)
    return;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p != ' ' && *p != '-')
        numeric = FALSE;
    }
  if (numeric && digits->len > 0)
    {
      search->digits = g_string_free (g_steal_pointer (&digits), FALSE);
      return;
    }

  folded = g_utf8_casefold (text, -1);
  search->words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  if (search->words[0] == NULL || *search->words[0] == '\0')
    g_clear_pointer (&search->words, g_strfreev);
}

static gboolean
status_matches (const char *filter,
                const char *status)
{
  if (filter == NULL)
    return TRUE;
  if (g_str_equal (filter, SP_REFERRAL_LIST_OPEN))
    return sp_referral_status_is_open (status);
  return g_strcmp0 (filter, status) == 0;
}

static gboolean
entry_matches (SpReferralList *self,
               const Search   *search,
               const Entry    *entry)
{
  if (!status_matches (self->status_filter, sp_referral_item_get_status (entry->item)))
    return FALSE;
  if (search->digits != NULL)
    return entry->digits != NULL && g_str_has_prefix (entry->digits, search->digits);
  for (guint i = 0; search->words != NULL && search->words[i] != NULL; i++)
    if (*search->words[i] != '\0' && strstr (entry->key, search->words[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* Filters again and tells the views. @force: the entries were read again,
 * so rows may look different where the same referrals match. */
static void
update (SpReferralList *self,
        gboolean        force)
{
  g_auto(Search) search;
  g_autoptr(GPtrArray) visible = NULL;
  guint old_n = self->visible->len;
  guint new_n;
  gboolean same;

  visible = g_ptr_array_new_full (self->entries->len, g_object_unref);
  search_init (&search, self->search_text);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = &g_array_index (self->entries, Entry, i);

      if (entry_matches (self, &search, entry))
        g_ptr_array_add (visible, g_object_ref (entry->item));
    }

  new_n = visible->len;
  same = !force && old_n == new_n;
  for (guint i = 0; same && i < new_n; i++)
    same = visible->pdata[i] == self->visible->pdata[i];
  if (same)
    return;

  g_ptr_array_unref (self->visible);
  self->visible = g_steal_pointer (&visible);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, new_n);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
load_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SpReferralList) self = user_data;
  g_autoptr(GError) error = NULL;
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  GArray *entries;

  self->n_loads--;
  entries = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (job->generation < self->shown_load)
    {
      /* A later load already answered: it is the one to show. */
      g_clear_pointer (&entries, g_array_unref);
    }
  else if (entries == NULL)
    {
      g_debug ("The referrals could not be read: %s", error->message);
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
    }
  else
    {
      self->shown_load = job->generation;
      g_clear_error (&self->error);
      g_array_unref (self->entries);
      self->entries = entries;
      update (self, TRUE);
    }

  if (self->n_loads == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* ---- GListModel -------------------------------------------------------- */

static GType
sp_referral_list_get_item_type (GListModel *model)
{
  return SP_TYPE_REFERRAL_ITEM;
}

static guint
sp_referral_list_get_n_items (GListModel *model)
{
  return SP_REFERRAL_LIST (model)->visible->len;
}

static gpointer
sp_referral_list_get_item (GListModel *model,
                           guint       position)
{
  SpReferralList *self = SP_REFERRAL_LIST (model);

  if (position >= self->visible->len)
    return NULL;
  return g_object_ref (self->visible->pdata[position]);
}

static void
sp_referral_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = sp_referral_list_get_item_type;
  iface->get_n_items = sp_referral_list_get_n_items;
  iface->get_item = sp_referral_list_get_item;
}

/* ---- GObject ----------------------------------------------------------- */

static void
sp_referral_list_constructed (GObject *object)
{
  SpReferralList *self = SP_REFERRAL_LIST (object);

  G_OBJECT_CLASS (sp_referral_list_parent_class)->constructed (object);

  g_assert (SP_IS_STORE (self->store));
  sp_referral_list_refresh (self);
}

static void
sp_referral_list_dispose (GObject *object)
{
  SpReferralList *self = SP_REFERRAL_LIST (object);

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (sp_referral_list_parent_class)->dispose (object);
}

static void
sp_referral_list_finalize (GObject *object)
{
  SpReferralList *self = SP_REFERRAL_LIST (object);

  g_clear_pointer (&self->visible, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_array_unref);
  g_clear_pointer (&self->status_filter, g_free);
  g_clear_pointer (&self->search_text, g_free);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_referral_list_parent_class)->finalize (object);
}

static void
sp_referral_list_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpReferralList *self = SP_REFERRAL_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_STATUS_FILTER:
      g_value_set_string (value, self->status_filter);
      break;
    case PROP_SEARCH_TEXT:
      g_value_set_string (value, self->search_text);
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
sp_referral_list_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpReferralList *self = SP_REFERRAL_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_STATUS_FILTER:
      sp_referral_list_set_status_filter (self, g_value_get_string (value));
      break;
    case PROP_SEARCH_TEXT:
      sp_referral_list_set_search_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_referral_list_class_init (SpReferralListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sp_referral_list_constructed;
  object_class->dispose = sp_referral_list_dispose;
  object_class->finalize = sp_referral_list_finalize;
  object_class->get_property = sp_referral_list_get_property;
  object_class->set_property = sp_referral_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, SP_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* NULL for every referral, a status code, or SP_REFERRAL_LIST_OPEN. */
  properties[PROP_STATUS_FILTER] =
    g_param_spec_string ("status-filter", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_TEXT] =
    g_param_spec_string ("search-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* TRUE while the referrals are being read from the store. */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_referral_list_init (SpReferralList *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  self->visible = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
}

SpReferralList *
sp_referral_list_new (SpStore *store)
{
  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  return g_object_new (SP_TYPE_REFERRAL_LIST, "store", store, NULL);
}

SpStore *
sp_referral_list_get_store (SpReferralList *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_LIST (self), NULL);
  return self->store;
}

gboolean
sp_referral_list_get_loading (SpReferralList *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_LIST (self), FALSE);
  return self->n_loads > 0;
}

const char *
sp_referral_list_get_status_filter (SpReferralList *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_LIST (self), NULL);
  return self->status_filter;
}

/* @status: a status code, SP_REFERRAL_LIST_OPEN, or NULL (or "") for all. */
void
sp_referral_list_set_status_filter (SpReferralList *self,
                                    const char     *status)
{
  g_return_if_fail (SP_IS_REFERRAL_LIST (self));

  if (status != NULL && *status == '\0')
    status = NULL;
  if (g_strcmp0 (self->status_filter, status) == 0)
    return;
  g_free (self->status_filter);
  self->status_filter = g_strdup (status);
  update (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_FILTER]);
}

const char *
sp_referral_list_get_search_text (SpReferralList *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_LIST (self), NULL);
  return self->search_text;
}

void
sp_referral_list_set_search_text (SpReferralList *self,
                                  const char     *text)
{
  g_return_if_fail (SP_IS_REFERRAL_LIST (self));

  if (g_strcmp0 (self->search_text, text) == 0)
    return;
  g_free (self->search_text);
  self->search_text = g_strdup (text);
  update (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_TEXT]);
}

/* Reads the referrals again, in a worker thread; the list keeps showing
 * what it had until they arrive. Call it after the store changed. */
void
sp_referral_list_refresh (SpReferralList *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (SP_IS_REFERRAL_LIST (self));

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (sp_store_get_path (self->store));
  job->practices = g_strdupv ((char **) sp_store_get_practices (self->store));
  job->generation = ++self->last_load;

  task = g_task_new (NULL, self->cancellable, load_cb, g_object_ref (self));
  g_task_set_source_tag (task, sp_referral_list_refresh);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);

  self->n_loads++;
  if (self->n_loads == 1)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_task_run_in_thread (task, load_thread);
}

/* Every referral read, whatever the filters. */
guint
sp_referral_list_get_n_total (SpReferralList *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_LIST (self), 0);
  return self->entries->len;
}

/* Why the list could not be read at the last attempt; NULL when it could. */
const GError *
sp_referral_list_get_error (SpReferralList *self)
{
  g_return_val_if_fail (SP_IS_REFERRAL_LIST (self), NULL);
  return self->error;
}
