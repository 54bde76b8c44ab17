/* sp-offering-list.c — the catalogue's offerings that pass a filter, as a GListModel
 *
 * Holds every offering (SpOfferingItem, in the order given) and the
 * positions of those the filter lets through. The items it gives out keep
 * their positions: when the filter or the offerings change, each item
 * still alive is made to stand for the offering now at its position
 * (sp_offering_item_assign(), which emits "changed"), and only the tail of
 * the list is reported as added or removed. GTK 4.8's list view makes a
 * new row for every new item, some 200 at a time; this way a new filter
 * rebinds the rows it has instead, in a few milliseconds at 10,000
 * offerings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-offering-list"

#include "config.h"

#include "sp-live-items.h"
#include "sp-offering-list.h"

struct _SpOfferingList
{
  GObject              parent_instance;

  GPtrArray           *offerings;  /* SpOfferingItem, never given out */
  GArray              *shown;      /* guint indexes into offerings */
  SpLiveItems         *live;       /* the SpOfferingItems given out and alive, by position */

  SpOfferingListFilter filter;
  gpointer             filter_data;
};

static void sp_offering_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpOfferingList, sp_offering_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, sp_offering_list_model_init))

/* ---- GListModel ----------------------------------------------------------- */

static GType
sp_offering_list_get_item_type (GListModel *model)
{
  return SP_TYPE_OFFERING_ITEM;
}

static guint
sp_offering_list_get_n_items (GListModel *model)
{
  return SP_OFFERING_LIST (model)->shown->len;
}

static gpointer
sp_offering_list_get_item (GListModel *model,
                           guint       position)
{
  SpOfferingList *self = SP_OFFERING_LIST (model);
  SpOfferingItem *item;

  if (position >= self->shown->len)
    return NULL;

  item = sp_live_items_get (self->live, position);
  if (item != NULL)
    return item;

  item = sp_offering_item_copy (self->offerings->pdata[g_array_index (self->shown, guint, position)]);
  sp_live_items_add (self->live, position, item);
  return item;
}

static void
sp_offering_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = sp_offering_list_get_item_type;
  iface->get_n_items = sp_offering_list_get_n_items;
  iface->get_item = sp_offering_list_get_item;
}

/* ---- GObject ---------------------------------------------------------------- */

static void
sp_offering_list_finalize (GObject *object)
{
  SpOfferingList *self = SP_OFFERING_LIST (object);

  g_clear_pointer (&self->live, sp_live_items_free);
  g_clear_pointer (&self->offerings, g_ptr_array_unref);
  g_clear_pointer (&self->shown, g_array_unref);

  G_OBJECT_CLASS (sp_offering_list_parent_class)->finalize (object);
}

static void
sp_offering_list_class_init (SpOfferingListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sp_offering_list_finalize;
}

static void
sp_offering_list_init (SpOfferingList *self)
{
  self->offerings = g_ptr_array_new_with_free_func (g_object_unref);
  self->shown = g_array_new (FALSE, FALSE, sizeof (guint));
  self->live = sp_live_items_new ();
}

/* ---- Public --------------------------------------------------------------- */

/**
 * sp_offering_list_new:
 * @filter: (nullable): which offerings to show; %NULL for all
 * @user_data: for @filter, which must outlive the list
 *
 * Returns: (transfer full): a new, empty list
 */
SpOfferingList *
sp_offering_list_new (SpOfferingListFilter filter,
                      gpointer             user_data)
{
  SpOfferingList *self = g_object_new (SP_TYPE_OFFERING_LIST, NULL);

  self->filter = filter;
  self->filter_data = user_data;
  return self;
}

static void
assign_item (gpointer item,
             guint    position,
             gpointer user_data)
{
  SpOfferingList *self = user_data;

  sp_offering_item_assign (item, self->offerings->pdata[g_array_index (self->shown, guint, position)]);
}

/* Works out which offerings are shown, gives the live items the offerings
 * now at their positions, and reports the change of the tail. */
void
sp_offering_list_refilter (SpOfferingList *self)
{
  guint old_n, new_n, common;

  g_return_if_fail (SP_IS_OFFERING_LIST (self));

  old_n = self->shown->len;
  g_array_set_size (self->shown, 0);
  for (guint i = 0; i < self->offerings->len; i++)
    if (self->filter == NULL || self->filter (self->offerings->pdata[i], self->filter_data))
      g_array_append_val (self->shown, i);
  new_n = self->shown->len;
  common = MIN (old_n, new_n);

  /* Items past the new end go with the tail; the others change offering. */
  sp_live_items_reassign (self->live, new_n, assign_item, self);

  if (old_n != new_n)
    g_list_model_items_changed (G_LIST_MODEL (self), common, old_n - common, new_n - common);
}

/**
 * sp_offering_list_set_offerings:
 * @self: the list
 * @offerings: (transfer none): SpOfferingItem, in the order to show them
 *
 * Replaces every offering, and filters them.
 */
void
sp_offering_list_set_offerings (SpOfferingList *self,
                                GPtrArray      *offerings)
{
  g_return_if_fail (SP_IS_OFFERING_LIST (self));
  g_return_if_fail (offerings != NULL);

  g_ptr_array_set_size (self->offerings, 0);
  for (guint i = 0; i < offerings->len; i++)
    g_ptr_array_add (self->offerings, g_object_ref (offerings->pdata[i]));
  sp_offering_list_refilter (self);
}

/* How many offerings there are, shown or not. */
guint
sp_offering_list_get_n_offerings (SpOfferingList *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_LIST (self), 0);
  return self->offerings->len;
}

/* The position of the offering @id among those shown, or -1. */
gint
sp_offering_list_find (SpOfferingList *self,
                       const char     *id)
{
  g_return_val_if_fail (SP_IS_OFFERING_LIST (self), -1);

  for (guint i = 0; id != NULL && i < self->shown->len; i++)
    if (g_strcmp0 (sp_offering_item_get_id (self->offerings->pdata[g_array_index (self->shown, guint, i)]), id) == 0)
      return (gint) i;
  return -1;
}
