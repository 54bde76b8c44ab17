/* sp-payments-view.c — balances per patient, and each funder's spend
 *
 * Two pages. Patients: every patient with a co-payment due or paid, most
 * outstanding first, in a GtkListView (a region's 100,000 patients make
 * only the rows on screen); choosing one shows, beside the list or in its
 * place when the window is narrow, that patient's referrals with their
 * balances, a button to record a payment on each, and the ledger entries
 * with a way to reverse one. Funders: each funder's budget for the year
 * against what is spent, committed and paid, with a bar for how much of
 * the budget is used.
 *
 * The list comes from the core in two queries (sp_store_foreach_patient_balance,
 * sp_store_list_funder_years), read in a worker thread on its own SpStore,
 * and only when the view is shown: a hidden page of a GtkStack is still
 * laid out, and the window must not wait for a page nobody is looking at.
 * The one patient shown in detail is read from the window's store, a
 * handful of small queries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-payments-view"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-patients.h"
#include "sp-payment-dialog.h"
#include "sp-payment-patient-row.h"
#include "sp-payments-view.h"
#include "sp-referrals.h"
#include "sp-validate.h"
#include "sp-vocab.h"

/* ---- A patient in the list -------------------------------------------- */

#define SP_TYPE_PAYMENTS_PATIENT (sp_payments_patient_get_type ())
G_DECLARE_FINAL_TYPE (SpPaymentsPatient, sp_payments_patient, SP, PAYMENTS_PATIENT, GObject)

/* Small, as there may be 100,000 of them: the three strings share one block. */
struct _SpPaymentsPatient
{
  GObject     parent_instance;

  char       *strings;
  const char *patient_id;
  const char *name;
  const char *nhs_number;
  SpBalance   balance;
};

G_DEFINE_FINAL_TYPE (SpPaymentsPatient, sp_payments_patient, G_TYPE_OBJECT)

static void
sp_payments_patient_finalize (GObject *object)
{
  g_free (SP_PAYMENTS_PATIENT (object)->strings);

  G_OBJECT_CLASS (sp_payments_patient_parent_class)->finalize (object);
}

static void
sp_payments_patient_class_init (SpPaymentsPatientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sp_payments_patient_finalize;
}

static void
sp_payments_patient_init (SpPaymentsPatient *self)
{
}

static SpPaymentsPatient *
sp_payments_patient_new (const SpPatientBalance *row)
{
  SpPaymentsPatient *self = g_object_new (SP_TYPE_PAYMENTS_PATIENT, NULL);
  GString *strings = g_string_sized_new (80);
  gsize name_at, nhs_at;

  /* The name as sp_patient_display_name() gives it. */
  g_string_append (strings, row->patient_id);
  g_string_append_c (strings, '\0');
  name_at = strings->len;
  g_string_append_printf (strings, "%s %s", row->given_name ? row->given_name : "",
                          row->family_name ? row->family_name : "");
  g_string_append_c (strings, '\0');
  nhs_at = strings->len;
  g_string_append (strings, row->nhs_number ? row->nhs_number : "");

  self->strings = g_string_free (strings, FALSE);
  self->patient_id = self->strings;
  self->name = self->strings + name_at;
  self->nhs_number = self->strings + nhs_at;
  self->balance = row->balance;
  return self;
}

static gint64
outstanding (const SpBalance *balance)
{
  return balance->patient_due - balance->patient_paid;
}

/* ---- What is read in the worker thread -------------------------------- */

typedef struct
{
  GListStore *patients;   /* SpPaymentsPatient, most outstanding first */
  guint       n_owing;    /* so the first n_owing are those who owe */
  gint64      owed;       /* what they owe between them */
  gint64      paid;       /* what every patient listed has paid */
  GPtrArray  *funders;    /* SpFunderYear, by name */
  char       *patient_id; /* the patient shown in detail when the load began */
  guint       position;   /* theirs in the list, or GTK_INVALID_LIST_POSITION */
} Ledger;

static void release_in_worker (gpointer object);

static void
ledger_free (Ledger *ledger)
{
  /* Dropping 100,000 items takes a while too: not on the main thread. */
  release_in_worker (ledger->patients);
  g_clear_pointer (&ledger->funders, g_ptr_array_unref);
  g_free (ledger->patient_id);
  g_free (ledger);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ledger, ledger_free)

typedef struct
{
  char    *path;
  char    *user;
  SpRoles  roles;
  char   **practices;
  char    *patient_id;   /* the patient shown in detail, to find again */
  guint    generation;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_free (job->user);
  g_strfreev (job->practices);
  g_free (job->patient_id);
  g_free (job);
}

typedef struct
{
  Ledger     *ledger;
  GPtrArray  *items;
  const char *patient_id;
} Collect;

static void
collect_patient (const SpPatientBalance *row,
                 gpointer                user_data)
{
  Collect *collect = user_data;
  gint64 left = outstanding (&row->balance);

  if (collect->patient_id != NULL && collect->ledger->position == GTK_INVALID_LIST_POSITION &&
      g_str_equal (row->patient_id, collect->patient_id))
    collect->ledger->position = collect->items->len;
  /* The core lists them most outstanding first: those who owe come first. */
  g_warn_if_fail (left <= 0 || collect->ledger->n_owing == collect->items->len);
  if (left > 0)
    {
      collect->ledger->n_owing++;
      collect->ledger->owed += left;
    }
  collect->ledger->paid += row->balance.patient_paid;
  g_ptr_array_add (collect->items, sp_payments_patient_new (row));
}

static Ledger *
ledger_load (SpStore     *store,
             const char  *patient_id,
             GError     **error)
{
  g_autoptr(Ledger) ledger = g_new0 (Ledger, 1);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  Collect collect = { ledger, items, patient_id };

  ledger->patient_id = g_strdup (patient_id);
  ledger->position = GTK_INVALID_LIST_POSITION;
  if (!sp_store_foreach_patient_balance (store, collect_patient, &collect, error))
    return NULL;
  ledger->patients = g_list_store_new (SP_TYPE_PAYMENTS_PATIENT);
  g_list_store_splice (ledger->patients, 0, 0, items->pdata, items->len);

  ledger->funders = sp_store_list_funder_years (store, error);
  if (ledger->funders == NULL)
    return NULL;
  return g_steal_pointer (&ledger);
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
  Ledger *ledger;

  store = sp_store_open (job->path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The same person, with the same practices, as the window's store. */
  sp_store_set_actor (store, job->user, job->roles, (const char * const *) job->practices);
  ledger = ledger_load (store, job->patient_id, &error);
  if (ledger == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, ledger, (GDestroyNotify) ledger_free);
}

static void
release_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_object_unref (task_data);
  g_task_return_boolean (task, TRUE);
}

/* Drops what may be the last reference to @object in a worker thread. */
static void
release_in_worker (gpointer object)
{
  g_autoptr(GTask) task = NULL;

  if (object == NULL)
    return;
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, release_in_worker);
  g_task_set_task_data (task, object, NULL);
  g_task_run_in_thread (task, release_thread);
}

/* ---- The view --------------------------------------------------------- */

struct _SpPaymentsView
{
  AdwBin               parent_instance;

  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwStatusPage       *error_page;
  AdwViewStack        *view_stack;
  AdwLeaflet          *leaflet;
  GtkWidget           *list_pane;
  GtkWidget           *detail_pane;
  GtkLabel            *totals_label;
  GtkLabel            *count_label;
  GtkToggleButton     *outstanding_button;
  GtkStack            *list_stack;
  GtkListView         *list_view;
  AdwStatusPage       *empty_page;
  GtkStack            *detail_stack;
  GtkBox              *detail_box;
  AdwPreferencesGroup *funders_group;

  SpStore             *store;
  GListStore          *patients;       /* SpPaymentsPatient, most outstanding first */
  GtkSliceListModel   *slice;          /* all of them, or those who owe */
  GtkSingleSelection  *selection;
  guint                n_owing;
  gint64               owed;
  gint64               paid;
  GPtrArray           *funders;        /* SpFunderYear */
  GPtrArray           *funder_rows;
  gboolean             funders_shown;  /* the rows are of self->funders */
  char                *patient_id;     /* the patient shown in detail */
  gboolean             outstanding_only;
  gboolean             restoring;      /* selecting the patient shown again after a load */

  gboolean             needs_load;     /* the ledger may be out of date: read it when shown */
  guint                load_idle;
  GCancellable        *cancellable;
  guint                n_loads;
  guint                last_load;
};

G_DEFINE_FINAL_TYPE (SpPaymentsView, sp_payments_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_OUTSTANDING_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_load   (SpPaymentsView *self);
static void show_patient (SpPaymentsView *self);

static guint
n_shown (SpPaymentsView *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->slice));
}

static SpPaymentsPatient *
selected_patient (SpPaymentsView *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

/* ---- The list --------------------------------------------------------- */

static void
update_list_state (SpPaymentsView *self)
{
  guint n = n_shown (self);
  g_autofree char *number = sp_gui_format_count (n);
  /* Translators: %s is a count, e.g. "1,665" */
  g_autofree char *count = g_strdup_printf (ngettext ("%s patient", "%s patients", n), number);

  gtk_label_set_label (self->count_label, count);
  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->list_stack, "list");
      return;
    }
  adw_status_page_set_title (self->empty_page, self->outstanding_only ? _("Nobody owes anything")
                                                                      : _("No co-payments yet"));
  adw_status_page_set_description (self->empty_page, _("A co-payment falls due for each session a patient attends."));
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

/* The list is in order of what is owed, so those who owe are its first
 * n_owing patients: "Outstanding only" is a slice of it, which keeps the
 * rows above where they were and costs nothing however long the list. */
static void
update_slice (SpPaymentsView *self)
{
  gtk_slice_list_model_set_size (self->slice, self->outstanding_only ? self->n_owing : G_MAXUINT);
  update_list_state (self);
}

static void
update_totals (SpPaymentsView *self)
{
  g_autofree char *owed_text = sp_money_format (self->owed);
  g_autofree char *paid_text = sp_money_format (self->paid);
  g_autofree char *totals = NULL;

  /* Translators: e.g. "£42.50 outstanding from 6 patients; £120.00 paid so far" */
  totals = g_strdup_printf (ngettext ("%s outstanding from %u patient; %s paid so far",
                                      "%s outstanding from %u patients; %s paid so far", self->n_owing),
                            owed_text, self->n_owing, paid_text);
  gtk_label_set_label (self->totals_label, totals);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, sp_payment_patient_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  SpPaymentsPatient *patient = gtk_list_item_get_item (list_item);

  sp_payment_patient_row_set_patient (SP_PAYMENT_PATIENT_ROW (gtk_list_item_get_child (list_item)),
                                      patient->name, patient->nhs_number, &patient->balance);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  sp_payment_patient_row_set_patient (SP_PAYMENT_PATIENT_ROW (gtk_list_item_get_child (list_item)),
                                      NULL, NULL, NULL);
}

static gboolean
showing_detail_alone (SpPaymentsView *self)
{
  return adw_leaflet_get_folded (self->leaflet) &&
         adw_leaflet_get_visible_child (self->leaflet) == self->detail_pane;
}

static void
set_patient (SpPaymentsView *self,
             const char     *patient_id)
{
  if (g_strcmp0 (self->patient_id, patient_id) == 0)
    return;
  g_free (self->patient_id);
  self->patient_id = g_strdup (patient_id);
  show_patient (self);
}

/* Beside the list, the patient chosen shows at once, as the arrow keys
 * move through the list; folded, only when activated. */
static void
selected_changed_cb (SpPaymentsView *self)
{
  SpPaymentsPatient *patient = selected_patient (self);

  if (self->restoring || patient == NULL || adw_leaflet_get_folded (self->leaflet))
    return;
  set_patient (self, patient->patient_id);
}

static void
list_activate_cb (SpPaymentsView *self,
                  guint           position)
{
  g_autoptr(SpPaymentsPatient) patient = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (patient == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, position);
  set_patient (self, patient->patient_id);
  adw_leaflet_set_visible_child (self->leaflet, self->detail_pane);
  /* Into the patient's detail, to its first control. */
  gtk_widget_child_focus (GTK_WIDGET (self->detail_box), GTK_DIR_TAB_FORWARD);
}

static void
folded_changed_cb (SpPaymentsView *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  /* Folded, a click opens the patient, as elsewhere in the app. */
  gtk_list_view_set_single_click_activate (self->list_view, folded);
  if (!folded)
    selected_changed_cb (self);
}

/* ---- One patient in detail -------------------------------------------- */

static GtkWidget *
action_button (const char *mnemonic,
               const char *accessible,
               const char *action,
               const char *target)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (mnemonic);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", target);
  return button;
}

/* "£12.00 outstanding", or "£8.00 in credit" when more was paid than due. */
static char *
owed_text (gint64 left)
{
  g_autofree char *amount = sp_money_format (ABS (left));

  if (left >= 0)
    /* Translators: what a patient still owes, e.g. "£12.00 outstanding" */
    return g_strdup_printf (_("%s outstanding"), amount);
  /* Translators: a patient who paid more than was due, e.g. "£8.00 in credit" */
  return g_strdup_printf (_("%s in credit"), amount);
}

/* A figure over its caption, as on a statement. */
static GtkWidget *
figure (const char *caption,
        gint64      pence,
        gboolean    dim)
{
  g_autofree char *text = sp_gui_format_money (pence);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *value = sp_gui_value_label (text, caption);
  GtkWidget *label = gtk_label_new (caption);

  gtk_widget_add_css_class (value, "title-3");
  if (dim)
    gtk_widget_add_css_class (value, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  /* The value already says what it is to a screen reader. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_box_append (GTK_BOX (box), value);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

static GtkWidget *
patient_header (const SpPatient *patient,
                const SpBalance *balance)
{
  g_autofree char *name = sp_patient_display_name (patient);
  g_autofree char *nhs = sp_nhs_number_format (patient->nhs_number);
  g_autofree char *nhs_text = g_strdup_printf (_("NHS %s"), nhs);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *names = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *figures = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *nhs_label = gtk_label_new (nhs_text);
  GtkWidget *open;
  gint64 left = outstanding (balance);

  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_wrap (GTK_LABEL (name_label), TRUE);
  gtk_widget_add_css_class (name_label, "title-2");
  gtk_label_set_xalign (GTK_LABEL (nhs_label), 0);
  gtk_widget_add_css_class (nhs_label, "dim-label");
  gtk_widget_add_css_class (nhs_label, "numeric");
  gtk_widget_set_hexpand (names, TRUE);
  gtk_box_append (GTK_BOX (names), name_label);
  gtk_box_append (GTK_BOX (names), nhs_label);

  /* Everything else about the patient is on their own page. */
  open = action_button (_("_Open Patient"), _("Open the patient"), "win.open-patient", patient->record.id);
  gtk_widget_set_valign (open, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (top), names);
  gtk_box_append (GTK_BOX (top), open);

  gtk_box_append (GTK_BOX (figures), figure (_("Outstanding"), left, left <= 0));
  gtk_box_append (GTK_BOX (figures), figure (_("Due"), balance->patient_due, TRUE));
  gtk_box_append (GTK_BOX (figures), figure (_("Paid"), balance->patient_paid, TRUE));

  gtk_box_append (GTK_BOX (header), top);
  gtk_box_append (GTK_BOX (header), figures);
  return header;
}

static void
add_payment_rows (AdwPreferencesGroup *group,
                  GPtrArray           *payments)
{
  g_autoptr(GHashTable) reversed = sp_gui_reversed_payments (payments);

  for (guint i = 0; i < payments->len; i++)
    {
      GtkWidget *row = sp_gui_ledger_row (payments->pdata[i], reversed, "payments.reverse");

      gtk_widget_add_css_class (row, "ledger-entry");
      adw_preferences_group_add (group, row);
    }
  if (payments->len == 0)
    {
      GtkWidget *row = sp_gui_plain_row (_("No payments recorded yet"), NULL);

      gtk_widget_add_css_class (row, "ledger-entry");
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (group, row);
    }
}

/* A referral as a card: what it is (opening its own page, with its
 * history and attendance), its balance with a way to record a payment,
 * then its ledger. */
static GtkWidget *
referral_group (SpStore     *store,
                SpReferral  *referral,
                GError     **error)
{
  g_autoptr(SpOffering) offering = sp_store_load (store, &sp_entity_offering, referral->offering_id, NULL);
  g_autoptr(GPtrArray) payments = NULL;
  g_autofree char *each = sp_money_format (referral->patient_share_pence);
  g_autofree char *each_text = NULL;
  g_autofree char *owed = NULL;
  g_autofree char *due = NULL;
  g_autofree char *paid = NULL;
  g_autofree char *due_paid = NULL;
  g_autofree char *label = NULL;
  const char *name = offering != NULL ? offering->name : _("Offering no longer in the catalogue");
  GtkWidget *group, *row, *arrow;
  SpBalance money;

  if (!sp_store_referral_balance (store, referral->record.id, &money, error))
    return NULL;
  payments = sp_store_list_payments (store, referral->record.id, error);
  if (payments == NULL)
    return NULL;

  group = adw_preferences_group_new ();

  /* Translators: a referral's state and what the patient pays a session, e.g. "Attending · £12.00 a session" */
  each_text = g_strdup_printf (_("%s · %s a session"), sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, referral->status),
                               each);
  row = sp_gui_plain_row (name, each_text);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-referral");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", referral->record.id);
  arrow = g_object_new (GTK_TYPE_IMAGE,
                        "icon-name", "go-next-symbolic",
                        "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                        NULL);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  owed = owed_text (outstanding (&money));
  due = sp_money_format (money.patient_due);
  paid = sp_money_format (money.patient_paid);
  /* Translators: a referral's co-payments: what was due for the sessions attended, what was paid */
  due_paid = g_strdup_printf (_("Due %s · Paid %s"), due, paid);
  row = sp_gui_plain_row (owed, due_paid);
  label = g_strdup_printf (_("Record a payment for %s"), name);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             action_button (_("_Record Payment…"), label, "payments.record", referral->record.id));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  add_payment_rows (ADW_PREFERENCES_GROUP (group), payments);
  return group;
}

/* The control that had the focus in the detail, to find it again in the
 * rebuilt one: a keyboard user who recorded a payment stays where they were. */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action,
                 GVariant   *target)
{
  if (GTK_IS_ACTIONABLE (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0 &&
      target != NULL && gtk_actionable_get_action_target_value (GTK_ACTIONABLE (root)) != NULL &&
      g_variant_equal (gtk_actionable_get_action_target_value (GTK_ACTIONABLE (root)), target))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action, target);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
focused_in (GtkWidget *ancestor)
{
  GtkRoot *root = gtk_widget_get_root (ancestor);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && gtk_widget_is_ancestor (focus, ancestor) ? focus : NULL;
}

/* Builds the detail for self->patient_id, from the window's store: one
 * patient's referrals and payments, a few small queries. */
static void
show_patient (SpPaymentsView *self)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *focus_action = NULL;
  g_autoptr(GVariant) focus_target = NULL;
  gboolean had_focus = FALSE;
  GtkWidget *focus, *child, *heading;
  SpBalance balance;
  guint n_groups = 0;

  focus = focused_in (GTK_WIDGET (self->detail_box));
  if (focus != NULL)
    {
      had_focus = TRUE;
      for (GtkWidget *w = focus; w != NULL && w != GTK_WIDGET (self->detail_box); w = gtk_widget_get_parent (w))
        if (GTK_IS_ACTIONABLE (w) && gtk_actionable_get_action_name (GTK_ACTIONABLE (w)) != NULL)
          {
            focus_action = g_strdup (gtk_actionable_get_action_name (GTK_ACTIONABLE (w)));
            focus_target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (w));
            if (focus_target != NULL)
              g_variant_ref (focus_target);
            break;
          }
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->detail_box))) != NULL)
    gtk_box_remove (self->detail_box, child);

  if (self->patient_id == NULL || self->store == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }

  patient = sp_store_get_patient (self->store, self->patient_id, &error);
  if (patient == NULL || !sp_store_patient_balance (self->store, self->patient_id, &balance, &error))
    {
      /* Removed since the list was read: nothing to show. */
      g_debug ("Patient %s not shown: %s", self->patient_id, error->message);
      g_clear_pointer (&self->patient_id, g_free);
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }
  referrals = sp_store_list_referrals (self->store, self->patient_id, &error);
  if (referrals == NULL)
    {
      sp_gui_show_error (GTK_WIDGET (self), _("The Payments Cannot Be Read"), error);
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }

  gtk_box_append (self->detail_box, patient_header (patient, &balance));
  heading = g_object_new (GTK_TYPE_LABEL,
                          "label", _("Referrals"),
                          "xalign", 0.0f,
                          "accessible-role", GTK_ACCESSIBLE_ROLE_HEADING,
                          NULL);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (self->detail_box, heading);

  /* Newest first; a draft is not priced yet, so nothing is due on it. */
  for (guint i = referrals->len; i-- > 0;)
    {
      SpReferral *r = referrals->pdata[i];
      GtkWidget *group;

      if (g_strcmp0 (r->status, "draft") == 0)
        continue;
      group = referral_group (self->store, r, &error);
      if (group == NULL)
        {
          sp_gui_show_error (GTK_WIDGET (self), _("The Payments Cannot Be Read"), error);
          break;
        }
      gtk_box_append (self->detail_box, group);
      n_groups++;
    }
  if (n_groups == 0)
    {
      GtkWidget *none = gtk_label_new (_("No referrals with a co-payment"));

      gtk_label_set_xalign (GTK_LABEL (none), 0);
      gtk_widget_add_css_class (none, "dim-label");
      gtk_box_append (self->detail_box, none);
    }
  gtk_stack_set_visible_child_name (self->detail_stack, "patient");

  if (had_focus)
    {
      GtkWidget *again = focus_action != NULL ? find_actionable (GTK_WIDGET (self->detail_box), focus_action,
                                                                 focus_target)
                                              : NULL;
      if (again != NULL)
        gtk_widget_grab_focus (again);
      else
        gtk_widget_child_focus (GTK_WIDGET (self->detail_box), GTK_DIR_TAB_FORWARD);
    }
}

/* ---- Funders ---------------------------------------------------------- */

static GtkWidget *
funder_row (const SpFunderYear *year)
{
  const SpFunderSpend *s = &year->spend;
  g_autofree char *budget = sp_money_format (s->budget);
  g_autofree char *spent = sp_money_format (s->spent);
  g_autofree char *committed = sp_money_format (s->committed);
  g_autofree char *paid = sp_money_format (s->paid);
  g_autofree char *remaining = sp_gui_format_money (s->budget - s->spent - s->committed);
  g_autofree char *subtitle = NULL;
  g_autofree char *bar_label = NULL;
  double used = s->budget > 0 ? (double) (s->spent + s->committed) / (double) s->budget : 0.0;
  GtkWidget *row, *bar;

  /* Translators: a funder's year: budget, spent, committed, paid and what is left */
  subtitle = g_strdup_printf (_("Budget %s · Spent %s · Committed %s · Paid %s · Remaining %s"),
                              budget, spent, committed, paid, remaining);
  if (year->funder->kind != NULL)
    {
      g_autofree char *with_kind = g_strdup_printf ("%s\n%s", sp_vocab_label (SP_VOCAB_FUNDER_KIND, year->funder->kind),
                                                    subtitle);
      g_free (subtitle);
      subtitle = g_steal_pointer (&with_kind);
    }
  row = sp_gui_plain_row (year->funder->name, subtitle);

  bar = gtk_level_bar_new_for_interval (0.0, 1.0);
  /* Adwaita colours a block by the first offset at or above its value:
   * up to 90 % of the budget in the usual colour, beyond it in warning. */
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH, 0.9);
  gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW, 1.0);
  gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), CLAMP (used, 0.0, 1.0));
  gtk_widget_set_size_request (bar, 120, -1);
  /* Translators: how much of a funder's budget is spent or committed */
  bar_label = g_strdup_printf (_("%.0f %% of the budget spent or committed"), used * 100);
  gtk_widget_set_tooltip_text (bar, bar_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, bar_label, -1);

  /* The share in figures under the bar: a sliver of a bar says little. */
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    /* xgettext:no-c-format */
    g_autofree char *share = used > 0 && used < 0.01 ? g_strdup (_("under 1 % used"))
                                                     : g_strdup_printf (_("%.0f %% used"), used * 100);
    GtkWidget *caption = gtk_label_new (share);

    gtk_widget_add_css_class (caption, "caption");
    gtk_widget_add_css_class (caption, "dim-label");
    gtk_widget_add_css_class (caption, "numeric");
    gtk_label_set_xalign (GTK_LABEL (caption), 1);
    gtk_accessible_update_property (GTK_ACCESSIBLE (caption), GTK_ACCESSIBLE_PROPERTY_LABEL, bar_label, -1);
    gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
    gtk_box_append (GTK_BOX (box), bar);
    gtk_box_append (GTK_BOX (box), caption);
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  }
  return row;
}

static void
add_funder_row (SpPaymentsView *self,
                GtkWidget      *row)
{
  adw_preferences_group_add (self->funders_group, row);
  g_ptr_array_add (self->funder_rows, row);
}

/* The funders' rows are made when their page is first shown and when
 * the figures change while it shows: a hidden page of the view stack is
 * still measured, and a region's sixty funders, each with a budget bar,
 * made the list wait a frame of over 100 ms for a page nobody was on. */
static void
fill_funders (SpPaymentsView *self)
{
  if (self->funders == NULL || self->funders_shown ||
      g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "funders") != 0)
    return;
  self->funders_shown = TRUE;

  for (guint i = 0; i < self->funder_rows->len; i++)
    adw_preferences_group_remove (self->funders_group, self->funder_rows->pdata[i]);
  g_ptr_array_set_size (self->funder_rows, 0);

  for (guint i = 0; i < self->funders->len; i++)
    add_funder_row (self, funder_row (self->funders->pdata[i]));
  if (self->funders->len == 0)
    add_funder_row (self, sp_gui_plain_row (_("No funders in the catalogue"), NULL));
}

/* ---- Loading ---------------------------------------------------------- */

static void
show_ledger (SpPaymentsView *self,
             Ledger         *ledger)
{
  GListStore *old = g_steal_pointer (&self->patients);

  self->patients = g_steal_pointer (&ledger->patients);
  self->n_owing = ledger->n_owing;
  self->owed = ledger->owed;
  self->paid = ledger->paid;
  g_clear_pointer (&self->funders, g_ptr_array_unref);
  self->funders = g_steal_pointer (&ledger->funders);
  self->funders_shown = FALSE;

  /* The patient shown stays chosen, and in view, when the list comes again. */
  self->restoring = TRUE;
  gtk_slice_list_model_set_model (self->slice, G_LIST_MODEL (self->patients));
  update_slice (self);
  if (self->patient_id != NULL && g_strcmp0 (self->patient_id, ledger->patient_id) == 0 &&
      ledger->position < n_shown (self))
    {
      gtk_single_selection_set_selected (self->selection, ledger->position);
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", ledger->position);
    }
  self->restoring = FALSE;

  /* The list's rows now hold the new items: the old go elsewhere. */
  release_in_worker (old);
  update_totals (self);
  fill_funders (self);
  show_patient (self);
  gtk_stack_set_visible_child_name (self->stack, "content");
}

static void
load_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (source_object);
  g_autoptr(GError) error = NULL;
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(Ledger) ledger = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->n_loads--;
  /* A later load is on its way: it is the one to show. */
  if (job->generation != self->last_load)
    return;

  gtk_spinner_stop (self->spinner);
  if (ledger == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  show_ledger (self, ledger);
}

static void
start_load (SpPaymentsView *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_clear_handle_id (&self->load_idle, g_source_remove);
  self->needs_load = FALSE;
  if (self->store == NULL)
    return;

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (sp_store_get_path (self->store));
  job->user = g_strdup (sp_store_get_user (self->store));
  job->roles = sp_store_get_roles (self->store);
  job->practices = g_strdupv ((char **) sp_store_get_practices (self->store));
  job->patient_id = g_strdup (self->patient_id);
  job->generation = ++self->last_load;

  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, sp_payments_view_refresh);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  self->n_loads++;
  /* What was read before stays in view until the new figures arrive. */
  if (self->patients == NULL)
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
    }
  g_task_run_in_thread (task, load_thread);
}

static gboolean
load_idle_cb (gpointer user_data)
{
  SpPaymentsView *self = user_data;

  self->load_idle = 0;
  start_load (self);
  return G_SOURCE_REMOVE;
}

/* The ledger is read when the view is first shown, not at start-up, and
 * again each time it is shown. In an idle, so a refresh asked for in the
 * same breath (the window asks when it shows the view) reads it once. */
static void
sp_payments_view_map (GtkWidget *widget)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);

  GTK_WIDGET_CLASS (sp_payments_view_parent_class)->map (widget);

  if (self->needs_load && self->load_idle == 0)
    self->load_idle = g_idle_add (load_idle_cb, self);
}

/* Hidden, the view cannot see what changes in the store (a payment on a
 * referral's page, an attendance): it reads the ledger again when shown. */
static void
sp_payments_view_unmap (GtkWidget *widget)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);

  g_clear_handle_id (&self->load_idle, g_source_remove);
  self->needs_load = self->store != NULL;

  GTK_WIDGET_CLASS (sp_payments_view_parent_class)->unmap (widget);
}

/* ---- Actions ---------------------------------------------------------- */

/* A payment changed the patient shown: their detail at once, from the
 * window's store; the list in the background. */
static void
ledger_changed (SpPaymentsView *self)
{
  show_patient (self);
  sp_payments_view_refresh (self);
}

static void
payment_saved_cb (SpPaymentsView *self)
{
  ledger_changed (self);
  sp_gui_add_toast (GTK_WIDGET (self), adw_toast_new (_("Payment recorded")));
}

static void
record_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);
  g_autoptr(GError) error = NULL;
  SpPaymentDialog *dialog;

  dialog = sp_payment_dialog_new (self->store, g_variant_get_string (parameter, NULL), &error);
  if (dialog == NULL)
    {
      sp_gui_show_error (widget, _("The Payment Cannot Be Recorded"), error);
      return;
    }
  g_signal_connect_object (dialog, "saved", G_CALLBACK (payment_saved_cb), self, G_CONNECT_SWAPPED);
  sp_gui_present_dialog (widget, GTK_WINDOW (dialog));
}

static void
reverse_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     SpPaymentsView   *self)
{
  if (sp_gui_apply_reversal (dialog, response, GTK_WIDGET (self), self->store))
    ledger_changed (self);
}

static void
reverse_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);
  AdwMessageDialog *dialog = sp_gui_confirm_reversal (widget, self->store, g_variant_get_string (parameter, NULL));

  if (dialog != NULL)
    g_signal_connect_object (dialog, "response", G_CALLBACK (reverse_response_cb), self, 0);
}

/* Folded, from a patient back to the list. */
static void
show_list_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
set_outstanding_only (SpPaymentsView *self,
                      gboolean        outstanding_only)
{
  outstanding_only = !!outstanding_only;
  if (self->outstanding_only == outstanding_only)
    return;
  self->outstanding_only = outstanding_only;
  update_slice (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTSTANDING_ONLY]);
}

/* ---- GObject ---------------------------------------------------------- */

static gboolean
sp_payments_view_grab_focus (GtkWidget *widget)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (widget);

  if (showing_detail_alone (self))
    return gtk_widget_child_focus (GTK_WIDGET (self->detail_box), GTK_DIR_TAB_FORWARD);
  if (n_shown (self) > 0)
    return gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
  return gtk_widget_grab_focus (GTK_WIDGET (self->outstanding_button));
}

static void
sp_payments_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_OUTSTANDING_ONLY:
      g_value_set_boolean (value, self->outstanding_only);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_payments_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_OUTSTANDING_ONLY:
      set_outstanding_only (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_payments_view_dispose (GObject *object)
{
  SpPaymentsView *self = SP_PAYMENTS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->load_idle, g_source_remove);
  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PAYMENTS_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->slice);
  g_clear_object (&self->patients);
  g_clear_pointer (&self->funders, g_ptr_array_unref);
  g_clear_pointer (&self->funder_rows, g_ptr_array_unref);
  g_clear_pointer (&self->patient_id, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_payments_view_parent_class)->dispose (object);
}

static void
sp_payments_view_class_init (SpPaymentsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_payments_view_dispose;
  object_class->get_property = sp_payments_view_get_property;
  object_class->set_property = sp_payments_view_set_property;
  widget_class->grab_focus = sp_payments_view_grab_focus;
  widget_class->map = sp_payments_view_map;
  widget_class->unmap = sp_payments_view_unmap;

  /* Whether the list shows only the patients who owe something. */
  properties[PROP_OUTSTANDING_ONLY] =
    g_param_spec_boolean ("outstanding-only", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-payments-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, stack);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, error_page);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, list_pane);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, detail_pane);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, totals_label);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, outstanding_button);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, detail_box);
  gtk_widget_class_bind_template_child (widget_class, SpPaymentsView, funders_group);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, folded_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, fill_funders);

  gtk_widget_class_install_action (widget_class, "payments.record", "s", record_action);
  gtk_widget_class_install_action (widget_class, "payments.reverse", "s", reverse_action);
  gtk_widget_class_install_action (widget_class, "payments.show-list", NULL, show_list_action);
  gtk_widget_class_install_property_action (widget_class, "payments.outstanding-only", "outstanding-only");
}

static void
sp_payments_view_init (SpPaymentsView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->funder_rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  self->needs_load = TRUE;

  self->slice = gtk_slice_list_model_new (NULL, 0, G_MAXUINT);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slice)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected", G_CALLBACK (selected_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  folded_changed_cb (self);
  update_list_state (self);
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

void
sp_payments_view_set_store (SpPaymentsView *self,
                            SpStore        *store)
{
  g_return_if_fail (SP_IS_PAYMENTS_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  /* Another store (signed in or out): nobody from the last one stays shown. */
  g_clear_pointer (&self->patient_id, g_free);
  show_patient (self);
  sp_payments_view_refresh (self);
}

/* Reads the balances again, in a worker thread, if the view is showing;
 * otherwise when it is next shown. The view keeps showing what it had
 * until the new figures arrive. */
void
sp_payments_view_refresh (SpPaymentsView *self)
{
  g_return_if_fail (SP_IS_PAYMENTS_VIEW (self));

  if (self->store == NULL)
    return;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_load (self);
  else
    self->needs_load = TRUE;
}

gboolean
sp_payments_view_get_loading (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), FALSE);
  return self->n_loads > 0 || self->load_idle != 0;
}

/* Every patient with a co-payment to account for, whether or not the list
 * shows only those who owe. */
guint
sp_payments_view_get_n_patients (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), 0);
  return self->patients ? g_list_model_get_n_items (G_LIST_MODEL (self->patients)) : 0;
}

/* The patients the list shows now. */
guint
sp_payments_view_get_n_shown (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), 0);
  return n_shown (self);
}

guint
sp_payments_view_get_n_funders (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), 0);
  return self->funders ? self->funders->len : 0;
}

/* The balance shown for a patient; FALSE when they are not listed. */
gboolean
sp_payments_view_get_patient_balance (SpPaymentsView *self,
                                      const char     *patient_id,
                                      SpBalance      *balance)
{
  guint n;

  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);

  n = sp_payments_view_get_n_patients (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpPaymentsPatient) patient = g_list_model_get_item (G_LIST_MODEL (self->patients), i);

      if (g_str_equal (patient->patient_id, patient_id))
        {
          *balance = patient->balance;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
sp_payments_view_get_funder_spend (SpPaymentsView *self,
                                   const char     *funder_id,
                                   SpFunderSpend  *spend)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), FALSE);

  for (guint i = 0; self->funders != NULL && i < self->funders->len; i++)
    {
      SpFunderYear *year = self->funders->pdata[i];

      if (g_strcmp0 (year->funder->record.id, funder_id) == 0)
        {
          *spend = year->spend;
          return TRUE;
        }
    }
  return FALSE;
}

/* The patient whose referrals and payments are shown, or NULL. */
const char *
sp_payments_view_get_shown_patient (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->detail_stack), "patient") != 0)
    return NULL;
  return self->patient_id;
}

GtkListView *
sp_payments_view_get_list_view (SpPaymentsView *self)
{
  g_return_val_if_fail (SP_IS_PAYMENTS_VIEW (self), NULL);
  return self->list_view;
}
