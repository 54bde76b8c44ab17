/* sp-catalogue-view.c — the shared catalogue of offerings, to browse
 *
 * Read-only: every offering with what it is, who runs it, where and when,
 * what it costs, whom it is for and how good the evidence is. The
 * catalogue is small (tens to a few hundred offerings), so a GtkListBox
 * with a filter is enough. Search matches any word of the name, activity,
 * provider, place or the conditions it targets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-catalogue-view"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-catalogue-view.h"
#include "sp-validate.h"
#include "sp-vocab.h"

struct _SpCatalogueView
{
  AdwBin          parent_instance;

  GtkSearchBar   *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkLabel       *count_label;
  GtkListBox     *list_box;
  AdwStatusPage  *empty_page;

  SpStore        *store;
  guint           n_offerings;
  guint           n_shown;
  char          **search_words;  /* casefolded */
};

G_DEFINE_FINAL_TYPE (SpCatalogueView, sp_catalogue_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SEARCH_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The text a search looks in, kept on each row. */
static GQuark search_text_quark;

static GtkWidget *
detail_row (const char *title,
            const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (row, "property");
  return row;
}

static char *
labels_of (SpVocab   vocab,
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

static char *
schedule_text (const SpOffering *offering)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (offering->schedule != NULL && JSON_NODE_HOLDS_ARRAY (offering->schedule))
    {
      JsonArray *slots = json_node_get_array (offering->schedule);

      for (guint i = 0; i < json_array_get_length (slots); i++)
        {
          JsonNode *node = json_array_get_element (slots, i);
          JsonObject *slot;
          const char *day, *start, *end;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          slot = json_node_get_object (node);
          day = json_object_get_string_member_with_default (slot, "day", NULL);
          start = json_object_get_string_member_with_default (slot, "start", NULL);
          end = json_object_get_string_member_with_default (slot, "end", NULL);
          if (text->len > 0)
            g_string_append (text, "; ");
          if (day != NULL)
            g_string_append (text, sp_vocab_label (SP_VOCAB_DAY, day));
          if (start != NULL && end != NULL)
            /* Translators: a session's start and end times, e.g. 10:00–11:00 */
            g_string_append_printf (text, _(" %s–%s"), start, end);
        }
    }
  if (offering->schedule_note != NULL)
    {
      if (text->len > 0)
        g_string_append (text, ". ");
      g_string_append (text, offering->schedule_note);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "Place, street, postcode", leaving out the parts not known. */
static char *
join_place (const char *name,
            const char *address,
            const char *postcode)
{
  const char *parts[] = { name, address, postcode };
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] != NULL && *parts[i] != '\0')
      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", parts[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
fee_text (const SpOffering *offering)
{
  g_autofree char *fee = NULL;

  if (offering->fee_pence == 0)
    return g_strdup (_("Free"));
  fee = sp_money_format (offering->fee_pence);
  /* Translators: the full fee, e.g. £6.00 a session */
  return g_strdup_printf (_("%s a session"), fee);
}

static GtkWidget *
offering_row (const SpOffering *offering,
              const char       *provider)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *fee_label;
  g_autofree char *subtitle = NULL;
  g_autofree char *fee = fee_text (offering);
  g_autofree char *when = schedule_text (offering);
  g_autofree char *msk = labels_of (SP_VOCAB_MSK_CONDITION, offering->targets_msk);
  g_autofree char *mh = labels_of (SP_VOCAB_MH_CONDITION, offering->targets_mh);
  g_autofree char *access = labels_of (SP_VOCAB_ACCESS, offering->access_features);
  g_autofree char *search = NULL;
  const char *modality = sp_vocab_label (SP_VOCAB_MODALITY, offering->modality);
  const char *format = sp_vocab_label (SP_VOCAB_FORMAT, offering->format);

  subtitle = g_strdup_printf ("%s · %s · %s%s", modality, format, provider ? provider : "",
                              offering->active ? "" : _(" · no longer running"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), offering->name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);

  fee_label = gtk_label_new (fee);
  gtk_widget_set_valign (fee_label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (fee_label, "numeric");
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), fee_label);

  if (offering->description != NULL)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("What it is"), offering->description));
  if (offering->location_name != NULL || offering->address != NULL)
    {
      g_autofree char *where = join_place (offering->location_name, offering->address, offering->postcode);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Where"), where));
    }
  if (*when != '\0')
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("When"), when));
  {
    int n_sessions = (int) CLAMP (offering->sessions, 0, G_MAXINT);
    g_autofree char *sessions = g_strdup_printf (ngettext ("%d session; %s", "%d sessions; %s", n_sessions),
                                                 n_sessions, fee);
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Sessions and fee"), sessions));
  }
  if (*msk != '\0' || *mh != '\0')
    {
      g_autofree char *targets = g_strjoin (*msk != '\0' && *mh != '\0' ? "; " : "", msk, mh, NULL);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Helps with"), targets));
    }
  if (offering->evidence != NULL)
    {
      g_autofree char *evidence = g_strdup_printf ("%s%s%s",
                                                   sp_vocab_label (SP_VOCAB_EVIDENCE, offering->evidence),
                                                   offering->evidence_note ? ". " : "",
                                                   offering->evidence_note ? offering->evidence_note : "");
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Evidence"), evidence));
    }
  if (*access != '\0')
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Access"), access));
  {
    g_autofree char *wait = NULL;

    if (offering->wait_weeks <= 0)
      wait = g_strdup (_("No waiting list"));
    else
      {
        int weeks = (int) CLAMP (offering->wait_weeks, 0, G_MAXINT);
        wait = g_strdup_printf (ngettext ("About %d week", "About %d weeks", weeks), weeks);
      }
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Wait"), wait));
  }

  {
    g_autofree char *joined = g_strjoin (" ", offering->name, modality, format, provider ? provider : "",
                                         offering->location_name ? offering->location_name : "",
                                         msk, mh, NULL);
    search = g_utf8_casefold (joined, -1);
  }
  g_object_set_qdata_full (G_OBJECT (row), search_text_quark, g_steal_pointer (&search), g_free);
  return row;
}

static gboolean
filter_row (GtkListBoxRow *row,
            gpointer       user_data)
{
  SpCatalogueView *self = user_data;
  const char *text = g_object_get_qdata (G_OBJECT (row), search_text_quark);

  for (guint i = 0; self->search_words != NULL && self->search_words[i] != NULL; i++)
    if (*self->search_words[i] != '\0' && (text == NULL || strstr (text, self->search_words[i]) == NULL))
      return FALSE;
  return TRUE;
}

static void
update_state (SpCatalogueView *self)
{
  g_autofree char *count = NULL;

  self->n_shown = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && filter_row (GTK_LIST_BOX_ROW (child), self))
      self->n_shown++;

  if (self->n_shown == self->n_offerings)
    count = g_strdup_printf (ngettext ("%u offering in the catalogue. Open one to see where, when and for whom.",
                                       "%u offerings in the catalogue. Open one to see where, when and for whom.",
                                       self->n_offerings),
                             self->n_offerings);
  else
    count = g_strdup_printf (ngettext ("%u of %u offering", "%u of %u offerings", self->n_offerings),
                             self->n_shown, self->n_offerings);
  gtk_label_set_label (self->count_label, count);
  gtk_stack_set_visible_child_name (self->stack, self->n_shown > 0 ? "list" : "empty");
}

static void
search_changed_cb (SpCatalogueView *self)
{
  g_autofree char *folded = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);

  g_strfreev (self->search_words);
  self->search_words = g_strsplit (g_strstrip (folded), " ", -1);
  gtk_list_box_invalidate_filter (self->list_box);
  update_state (self);
}

static void
stop_search_cb (SpCatalogueView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
search_mode_changed_cb (SpCatalogueView *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static gboolean
sp_catalogue_view_grab_focus (GtkWidget *widget)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (widget);

  if (gtk_search_bar_get_search_mode (self->search_bar))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  return gtk_widget_child_focus (GTK_WIDGET (self->list_box), GTK_DIR_TAB_FORWARD);
}

static void
sp_catalogue_view_dispose (GObject *object)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (object);

  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CATALOGUE_VIEW);
  g_clear_object (&self->store);
  g_clear_pointer (&self->search_words, g_strfreev);

  G_OBJECT_CLASS (sp_catalogue_view_parent_class)->dispose (object);
}

static void
sp_catalogue_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      g_value_set_boolean (value, gtk_search_bar_get_search_mode (self->search_bar));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_catalogue_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SpCatalogueView *self = SP_CATALOGUE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      gtk_search_bar_set_search_mode (self->search_bar, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_catalogue_view_class_init (SpCatalogueViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_catalogue_view_dispose;
  object_class->get_property = sp_catalogue_view_get_property;
  object_class->set_property = sp_catalogue_view_set_property;
  widget_class->grab_focus = sp_catalogue_view_grab_focus;

  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  search_text_quark = g_quark_from_static_string ("sp-catalogue-search-text");

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-catalogue-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, stack);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, list_box);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueView, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
}

static void
sp_catalogue_view_init (SpCatalogueView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_set_filter_func (self->list_box, filter_row, self, NULL);
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_changed_cb), self, G_CONNECT_SWAPPED);
  update_state (self);
}

void
sp_catalogue_view_set_store (SpCatalogueView *self,
                             SpStore         *store)
{
  g_return_if_fail (SP_IS_CATALOGUE_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (g_set_object (&self->store, store))
    sp_catalogue_view_reload (self);
}

void
sp_catalogue_view_reload (SpCatalogueView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) offerings = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GHashTable) provider_names = g_hash_table_new (g_str_hash, g_str_equal);
  GtkWidget *child;

  g_return_if_fail (SP_IS_CATALOGUE_VIEW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  self->n_offerings = 0;

  if (self->store == NULL)
    return;

  providers = sp_store_list (self->store, &sp_entity_provider, NULL, NULL, &error);
  offerings = providers ? sp_store_list (self->store, &sp_entity_offering,
                                         "WHERE deleted = 0 ORDER BY active DESC, name COLLATE NOCASE",
                                         NULL, &error)
                        : NULL;
  if (offerings == NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-error-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Catalogue Cannot Be Read"));
      adw_status_page_set_description (self->empty_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < providers->len; i++)
    {
      SpProvider *provider = providers->pdata[i];
      g_hash_table_insert (provider_names, provider->record.id, provider->name);
    }

  for (guint i = 0; i < offerings->len; i++)
    {
      SpOffering *offering = offerings->pdata[i];
      gtk_list_box_append (self->list_box,
                           offering_row (offering, g_hash_table_lookup (provider_names, offering->provider_id)));
    }
  self->n_offerings = offerings->len;

  if (self->n_offerings == 0)
    {
      adw_status_page_set_icon_name (self->empty_page, "view-grid-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Catalogue Is Empty"));
      adw_status_page_set_description (self->empty_page,
                                       _("No offerings are recorded yet. The catalogue comes from your catalogue admin."));
    }
  update_state (self);
}

guint
sp_catalogue_view_get_n_shown (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), 0);
  return self->n_shown;
}

GtkEditable *
sp_catalogue_view_get_search_entry (SpCatalogueView *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_VIEW (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}
