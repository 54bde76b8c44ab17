/* sp-live-items.c — the items a list model has given out, by position
 *
 * GTK 4.8's list view makes a new row widget for every new item it is
 * given, some 200 at a time, and only rebinds a row whose item stays. So a
 * long list (the caseload, the catalogue) keeps each item it gives out at
 * its position, for as long as anyone holds it (a weak reference: the
 * table owns nothing). When its filter or its data changes, every live
 * item below the new end is made to stand for what is now at its position
 * (sp_live_items_reassign(); the item says so with a signal its row
 * follows), those past the end are let go, and the model reports only its
 * tail as added or removed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-live-items"

#include "config.h"

#include "sp-live-items.h"

struct _SpLiveItems
{
  GHashTable *items;  /* position → GObject, unowned */
};

static GQuark
position_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("sp-live-items-position");
  return quark;
}

static void
item_gone_cb (gpointer  data,
              GObject  *where_the_item_was)
{
  SpLiveItems *self = data;
  gpointer position = g_object_get_qdata (where_the_item_was, position_quark ());

  /* Another item may hold the position by now. */
  if (g_hash_table_lookup (self->items, position) == (gpointer) where_the_item_was)
    g_hash_table_remove (self->items, position);
}

SpLiveItems *
sp_live_items_new (void)
{
  SpLiveItems *self = g_new0 (SpLiveItems, 1);

  self->items = g_hash_table_new (NULL, NULL);
  return self;
}

void
sp_live_items_free (SpLiveItems *self)
{
  GHashTableIter iter;
  gpointer item;

  if (self == NULL)
    return;
  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, NULL, &item))
    g_object_weak_unref (item, item_gone_cb, self);
  g_hash_table_unref (self->items);
  g_free (self);
}

/* The item given out at @position and still alive, with a new reference,
 * or NULL. */
gpointer
sp_live_items_get (SpLiveItems *self,
                   guint        position)
{
  gpointer item = g_hash_table_lookup (self->items, GUINT_TO_POINTER (position));

  return item != NULL ? g_object_ref (item) : NULL;
}

/* Remembers @item as given out at @position, for as long as it lives. */
void
sp_live_items_add (SpLiveItems *self,
                   guint        position,
                   gpointer     item)
{
  g_return_if_fail (G_IS_OBJECT (item));

  g_object_set_qdata (item, position_quark (), GUINT_TO_POINTER (position));
  g_object_weak_ref (item, item_gone_cb, self);
  g_hash_table_insert (self->items, GUINT_TO_POINTER (position), item);
}

/* After the model now holds @n_items: each live item below it is given
 * what is at its position by @assign; those past it are let go. */
void
sp_live_items_reassign (SpLiveItems       *self,
                        guint              n_items,
                        SpLiveItemsAssign  assign,
                        gpointer           user_data)
{
  GHashTableIter iter;
  gpointer key, item;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, &key, &item))
    {
      guint position = GPOINTER_TO_UINT (key);

      if (position < n_items)
        assign (item, position, user_data);
      else
        {
          g_object_weak_unref (item, item_gone_cb, self);
          g_hash_table_iter_remove (&iter);
        }
    }
}
