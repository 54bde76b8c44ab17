/* sp-offering-item.c — one offering of the catalogue, for its list and filters
 *
 * Wraps a copy of the SpOffering with its provider's name, and works out
 * once what the filters ask of every item on every change: the words a
 * search looks in, the days it runs and the lowest a patient pays on its
 * sliding scale. That is made in the catalogue's worker thread and never
 * changes after; items share it. An item the list has given out can be
 * made to stand for another offering (sp_offering_item_assign(), then
 * "changed"), so that a new filter rebinds the rows GTK has rather than
 * having it make new ones.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-offering-item"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-money.h"
#include "sp-offering-item.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* What is known of one offering; shared, never changed once made. */
typedef struct
{
  SpOffering *offering;
  char       *provider_name;
  char       *search_text;  /* casefolded */
  guint       days;         /* bit i: the i-th day of SP_VOCAB_DAY */
  gint64      lowest_cost;  /* per session, the lowest tier of the sliding scale */
} Data;

static void
data_clear (Data *data)
{
  g_clear_pointer (&data->offering, sp_offering_free);
  g_clear_pointer (&data->provider_name, g_free);
  g_clear_pointer (&data->search_text, g_free);
}

static void
data_unref (Data *data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) data_clear);
}

struct _SpOfferingItem
{
  GObject  parent_instance;

  Data    *data;
};

G_DEFINE_FINAL_TYPE (SpOfferingItem, sp_offering_item, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint
day_index (const char *day)
{
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (SP_VOCAB_DAY, &n);
  for (guint i = 0; day != NULL && i < n; i++)
    if (strcmp (entries[i].code, day) == 0)
      return (gint) i;
  return -1;
}

/* Calls @func for each {day, start, end} slot of the schedule. */
static void
foreach_slot (const SpOffering *offering,
              void            (*func) (const char *day,
                                       const char *start,
                                       const char *end,
                                       gpointer    data),
              gpointer          data)
{
  JsonArray *slots;

  if (offering->schedule == NULL || !JSON_NODE_HOLDS_ARRAY (offering->schedule))
    return;
  slots = json_node_get_array (offering->schedule);
  for (guint i = 0; i < json_array_get_length (slots); i++)
    {
      JsonNode *node = json_array_get_element (slots, i);
      JsonObject *slot;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      slot = json_node_get_object (node);
      func (json_object_get_string_member_with_default (slot, "day", NULL),
            json_object_get_string_member_with_default (slot, "start", NULL),
            json_object_get_string_member_with_default (slot, "end", NULL),
            data);
    }
}

static void
add_day (const char *day,
         const char *start,
         const char *end,
         gpointer    data)
{
  guint *days = data;
  gint i = day_index (day);

  if (i >= 0)
    *days |= 1u << i;
}

static void
sp_offering_item_finalize (GObject *object)
{
  SpOfferingItem *self = SP_OFFERING_ITEM (object);

  g_clear_pointer (&self->data, data_unref);

  G_OBJECT_CLASS (sp_offering_item_parent_class)->finalize (object);
}

static void
sp_offering_item_class_init (SpOfferingItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sp_offering_item_finalize;

  /**
   * SpOfferingItem::changed:
   *
   * The item now stands for another offering.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sp_offering_item_init (SpOfferingItem *self)
{
}

/**
 * sp_offering_item_new:
 * @offering: (transfer full): the offering
 * @provider_name: (nullable): who runs it
 *
 * Returns: (transfer full): a new item
 */
SpOfferingItem *
sp_offering_item_new (SpOffering *offering,
                      const char *provider_name)
{
  SpOfferingItem *self;
  Data *data;
  const SpVocabEntry *bands;
  guint n_bands;
  g_autofree char *msk = NULL;
  g_autofree char *mh = NULL;
  g_autofree char *joined = NULL;

  g_return_val_if_fail (offering != NULL, NULL);

  self = g_object_new (SP_TYPE_OFFERING_ITEM, NULL);
  self->data = data = g_atomic_rc_box_new0 (Data);
  data->offering = offering;
  data->provider_name = g_strdup (provider_name);

  foreach_slot (offering, add_day, &data->days);

  data->lowest_cost = offering->fee_pence;
  bands = sp_vocab_entries (SP_VOCAB_INCOME_BAND, &n_bands);
  for (guint i = 0; i < n_bands; i++)
    data->lowest_cost = MIN (data->lowest_cost, sp_offering_item_get_cost (self, bands[i].code));

  msk = sp_offering_labels_text (SP_VOCAB_MSK_CONDITION, offering->targets_msk);
  mh = sp_offering_labels_text (SP_VOCAB_MH_CONDITION, offering->targets_mh);
  joined = g_strjoin (" ", offering->name ? offering->name : "",
                      sp_vocab_label (SP_VOCAB_MODALITY, offering->modality),
                      sp_vocab_label (SP_VOCAB_FORMAT, offering->format),
                      provider_name ? provider_name : "",
                      offering->location_name ? offering->location_name : "",
                      offering->postcode ? offering->postcode : "",
                      msk, mh, NULL);
  data->search_text = g_utf8_casefold (joined, -1);
  return self;
}

/* A new item standing for the same offering as @item. */
SpOfferingItem *
sp_offering_item_copy (SpOfferingItem *item)
{
  SpOfferingItem *self;

  g_return_val_if_fail (SP_IS_OFFERING_ITEM (item), NULL);

  self = g_object_new (SP_TYPE_OFFERING_ITEM, NULL);
  self->data = g_atomic_rc_box_acquire (item->data);
  return self;
}

/* Makes @self stand for the offering @from stands for; "changed" says so
 * when that is another offering. */
void
sp_offering_item_assign (SpOfferingItem *self,
                         SpOfferingItem *from)
{
  g_return_if_fail (SP_IS_OFFERING_ITEM (self));
  g_return_if_fail (SP_IS_OFFERING_ITEM (from));

  if (self->data == from->data)
    return;
  data_unref (self->data);
  self->data = g_atomic_rc_box_acquire (from->data);
  g_signal_emit (self, signals[CHANGED], 0);
}

const SpOffering *
sp_offering_item_get_offering (SpOfferingItem *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), NULL);
  return self->data->offering;
}

const char *
sp_offering_item_get_id (SpOfferingItem *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), NULL);
  return self->data->offering->record.id;
}

const char *
sp_offering_item_get_provider_name (SpOfferingItem *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), NULL);
  return self->data->provider_name;
}

/* The least any patient pays a session, whatever their income band. */
gint64
sp_offering_item_get_lowest_cost (SpOfferingItem *self)
{
  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), 0);
  return self->data->lowest_cost;
}

/* What a patient in @income_band pays a session. */
gint64
sp_offering_item_get_cost (SpOfferingItem *self,
                           const char     *income_band)
{
  SpShare share;

  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), 0);

  sp_offering_share (self->data->offering, income_band, &share);
  return share.patient_pence;
}

/* Whether a session is held on @day (an SP_VOCAB_DAY code). */
gboolean
sp_offering_item_runs_on (SpOfferingItem *self,
                          const char     *day)
{
  gint i;

  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), FALSE);

  i = day_index (day);
  return i >= 0 && (self->data->days & (1u << i)) != 0;
}

/* Whether it is meant for @condition, an MSK or an MH condition code. */
gboolean
sp_offering_item_targets (SpOfferingItem *self,
                          const char     *condition)
{
  const SpOffering *offering;

  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), FALSE);

  offering = self->data->offering;
  return (offering->targets_msk != NULL && g_strv_contains ((const char * const *) offering->targets_msk, condition)) ||
         (offering->targets_mh != NULL && g_strv_contains ((const char * const *) offering->targets_mh, condition));
}

/* Whether every word is found in its name, activity, format, provider,
 * place or conditions. */
gboolean
sp_offering_item_has_words (SpOfferingItem  *self,
                            char           **casefolded_words)
{
  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), FALSE);

  for (guint i = 0; casefolded_words != NULL && casefolded_words[i] != NULL; i++)
    if (*casefolded_words[i] != '\0' && strstr (self->data->search_text, casefolded_words[i]) == NULL)
      return FALSE;
  return TRUE;
}

/* ---- Text -------------------------------------------------------------- */

/* "£6.00 a session · patient pays £0.00–£6.00": the full fee, and the
 * least and most a patient pays when the sliding scale lowers it. */
char *
sp_offering_item_dup_cost_text (SpOfferingItem *self)
{
  g_autofree char *fee = NULL;
  g_autofree char *low = NULL;
  g_autofree char *high = NULL;

  g_return_val_if_fail (SP_IS_OFFERING_ITEM (self), NULL);

  fee = sp_offering_fee_text (self->data->offering);
  if (self->data->lowest_cost >= self->data->offering->fee_pence)
    return g_steal_pointer (&fee);
  low = sp_money_format (self->data->lowest_cost);
  high = sp_money_format (self->data->offering->fee_pence);
  /* Translators: the full fee ("£6.00 a session"), then the least and the
   * most a patient pays after the sliding scale, e.g. £0.00–£6.00 */
  return g_strdup_printf (_("%s · patient pays %s–%s"), fee, low, high);
}

char *
sp_offering_labels_text (SpVocab   vocab,
                         char    **codes)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, sp_vocab_label (vocab, codes[i]));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
append_slot (const char *day,
             const char *start,
             const char *end,
             gpointer    data)
{
  GString *text = data;

  if (text->len > 0)
    g_string_append (text, "; ");
  if (day != NULL)
    g_string_append (text, sp_vocab_label (SP_VOCAB_DAY, day));
  if (start != NULL && end != NULL)
    /* Translators: a session's start and end times, e.g. 10:00–11:00 */
    g_string_append_printf (text, _(" %s–%s"), start, end);
}

/* "Monday 10:00–11:00; Thursday 10:00–11:00", or "". */
char *
sp_offering_slots_text (const SpOffering *offering)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (offering != NULL, NULL);

  foreach_slot (offering, append_slot, text);
  return g_string_free (text, FALSE);
}

/* The slots and the schedule's note, or "". */
char *
sp_offering_schedule_text (const SpOffering *offering)
{
  g_autofree char *slots = NULL;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (offering != NULL, NULL);

  slots = sp_offering_slots_text (offering);
  text = g_string_new (slots);
  if (offering->schedule_note != NULL && *offering->schedule_note != '\0')
    {
      if (text->len > 0)
        g_string_append (text, ". ");
      g_string_append (text, offering->schedule_note);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "Place, street, postcode", leaving out the parts not known; or "". */
char *
sp_offering_place_text (const SpOffering *offering)
{
  const char *parts[] = { offering->location_name, offering->address, offering->postcode };
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] != NULL && *parts[i] != '\0')
      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", parts[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "Free", or the full fee: "£6.00 a session". */
char *
sp_offering_fee_text (const SpOffering *offering)
{
  g_autofree char *fee = NULL;

  if (offering->fee_pence == 0)
    return g_strdup (_("Free"));
  fee = sp_money_format (offering->fee_pence);
  /* Translators: the full fee, e.g. £6.00 a session */
  return g_strdup_printf (_("%s a session"), fee);
}

/* The MSK and MH conditions it is meant for, or "". */
char *
sp_offering_targets_text (const SpOffering *offering)
{
  g_autofree char *msk = sp_offering_labels_text (SP_VOCAB_MSK_CONDITION, offering->targets_msk);
  g_autofree char *mh = sp_offering_labels_text (SP_VOCAB_MH_CONDITION, offering->targets_mh);

  return g_strjoin (*msk != '\0' && *mh != '\0' ? "; " : "", msk, mh, NULL);
}
