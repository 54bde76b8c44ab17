/* sp-patient-page.c — one patient: conditions, referrals, measures, details
 *
 * Read from the store each time it is opened, and audited as a view. The
 * measures show each questionnaire's latest score and band, and the change
 * from the baseline judged by the measure's reliable-change rule.
 *
 * A link worker can remove a condition recorded in error. As with a
 * referral's move, the removal is not written at once: the row goes, and a
 * toast offers Undo. The removal is written when the toast closes, before
 * the page shows anything else, and when the page goes away; Undo brings
 * the row back and writes nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-patient-page"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-measure.h"
#include "sp-money.h"
#include "sp-patient-page.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-trend-chart.h"
#include "sp-validate.h"
#include "sp-vocab.h"

struct _SpPatientPage
{
  AdwBin               parent_instance;

  GtkScrolledWindow   *scroller;
  GtkLabel            *name_label;
  GtkLabel            *summary_label;
  GtkWidget           *msk_badge;
  GtkWidget           *mh_badge;
  GtkWidget           *match_button;
  GtkFlowBox          *actions_box;
  AdwPreferencesGroup *conditions_group;
  AdwPreferencesGroup *referrals_group;
  AdwPreferencesGroup *measures_group;
  AdwPreferencesGroup *details_group;

  SpStore             *store;
  SpPatient           *patient;
  char                *title;
  GPtrArray           *rows;   /* (group, row) pairs added for this patient */
  guint                n_referrals;
  guint                n_conditions;

  /* A removal shown but not yet written: it is written when its toast closes. */
  char                *pending_condition;
  GtkWidget           *pending_row;
  AdwToast            *pending_toast;
};

G_DEFINE_FINAL_TYPE (SpPatientPage, sp_patient_page, ADW_TYPE_BIN)

static void
add_row (SpPatientPage       *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, group);
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (SpPatientPage *self)
{
  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    adw_preferences_group_remove (self->rows->pdata[i], self->rows->pdata[i + 1]);
  g_ptr_array_set_size (self->rows, 0);
}

/* A row whose small title names a field and whose subtitle holds its value. */
static GtkWidget *
property_row (const char *title,
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

static GtkWidget *
plain_row (const char *title,
           const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  return row;
}

static GtkWidget *
badge (const char *text,
       const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "badge");
  gtk_widget_add_css_class (label, style);
  return label;
}

/* "2026-03-02" or "2026-03-02T10:00:00Z" → "2 Mar 2026" in the user's language. */
static char *
format_date (const char *iso)
{
  g_autoptr(GDateTime) when = NULL;
  int y, m, d;

  if (iso == NULL || sscanf (iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return g_strdup (iso ? iso : "");
  when = g_date_time_new_utc (y, m, d, 0, 0, 0);
  if (when == NULL)
    return g_strdup (iso);
  /* Translators: a date as in "2 Mar 2026"; see g_date_time_format() */
  return g_date_time_format (when, _("%-d %b %Y"));
}

static char *
join_labels (SpVocab   vocab,
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
add_property (SpPatientPage *self,
              const char    *title,
              const char    *value)
{
  if (value != NULL && *value != '\0')
    add_row (self, self->details_group, property_row (title, value));
}

static void
fill_details (SpPatientPage *self)
{
  SpPatient *p = self->patient;
  g_autofree char *nhs = sp_nhs_number_format (p->nhs_number);
  g_autofree char *dob = NULL;
  g_autofree char *address = NULL;
  g_autofree char *access = join_labels (SP_VOCAB_ACCESS, p->access_needs);
  g_autofree char *precautions = join_labels (SP_VOCAB_PRECAUTION, p->precautions);
  g_autofree char *formats = join_labels (SP_VOCAB_FORMAT, p->preferred_formats);
  g_autofree char *days = join_labels (SP_VOCAB_DAY, p->preferred_days);
  g_autofree char *ceiling = NULL;
  g_autofree char *language = NULL;
  g_autoptr(GString) consent = g_string_new (NULL);

  add_property (self, _("NHS number"), nhs);
  if (p->date_of_birth != NULL)
    {
      g_autofree char *date = format_date (p->date_of_birth);
      gint age = sp_patient_age (p, NULL);

      dob = g_strdup_printf (ngettext ("%s (%d year old)", "%s (%d years old)", age), date, age);
    }
  add_property (self, _("Date of birth"), dob);
  add_property (self, _("Sex"), p->sex ? sp_vocab_label (SP_VOCAB_SEX, p->sex) : NULL);
  if (p->address != NULL || p->postcode != NULL)
    address = g_strjoin (p->address && p->postcode ? ", " : "", p->address ? p->address : "",
                         p->postcode ? p->postcode : "", NULL);
  add_property (self, _("Address"), address);
  add_property (self, _("Phone"), p->phone);
  add_property (self, _("Email"), p->email);
  add_property (self, _("Preferred contact"),
                p->preferred_contact ? sp_vocab_label (SP_VOCAB_CONTACT, p->preferred_contact) : NULL);
  if (p->language != NULL)
    language = p->interpreter ? g_strdup_printf (_("%s, needs an interpreter"), p->language)
                              : g_strdup (p->language);
  add_property (self, _("Language"), language);
  add_property (self, _("Income band"), p->income_band ? sp_vocab_label (SP_VOCAB_INCOME_BAND, p->income_band) : NULL);
  if (p->max_cost_pence != SP_UNSET)
    {
      g_autofree char *money = sp_money_format (p->max_cost_pence);
      /* Translators: the most a patient can pay, e.g. £5.00 a session */
      ceiling = g_strdup_printf (_("%s a session"), money);
    }
  add_property (self, _("Can pay at most"), ceiling);
  add_property (self, _("Can travel"), p->travel ? sp_vocab_label (SP_VOCAB_TRAVEL, p->travel) : NULL);
  add_property (self, _("Prefers"), formats);
  add_property (self, _("Days that suit"), days);
  add_property (self, _("Access needs"), access);
  add_property (self, _("Precautions"), precautions);

  if (p->consent_gp)
    g_string_append (consent, _("share with the GP"));
  if (p->consent_contact)
    g_string_append_printf (consent, "%s%s", consent->len ? ", " : "", _("contact by providers"));
  if (p->consent_evaluation)
    g_string_append_printf (consent, "%s%s", consent->len ? ", " : "", _("anonymised evaluation"));
  add_property (self, _("Consents to"), consent->len ? consent->str : _("Nothing recorded"));
  add_property (self, _("Notes"), p->notes);
}


static void
update_badges (SpPatientPage *self)
{
  g_autoptr(GPtrArray) conditions = NULL;
  gboolean msk = FALSE, mh = FALSE;

  if (self->store == NULL || self->patient == NULL)
    return;
  conditions = sp_store_list_conditions (self->store, self->patient->record.id, NULL);
  for (guint i = 0; conditions != NULL && i < conditions->len; i++)
    {
      SpCondition *c = conditions->pdata[i];
      gboolean is_msk = g_strcmp0 (c->kind, "msk") == 0;

      if (g_strcmp0 (c->record.id, self->pending_condition) == 0)
        continue;
      msk |= is_msk;
      mh |= !is_msk;
    }
  gtk_widget_set_visible (self->msk_badge, msk);
  gtk_widget_set_visible (self->mh_badge, mh);
}

static void
forget_pending (SpPatientPage *self)
{
  if (self->pending_toast != NULL)
    g_signal_handlers_disconnect_by_data (self->pending_toast, self);
  g_clear_object (&self->pending_toast);
  g_clear_object (&self->pending_row);
  g_clear_pointer (&self->pending_condition, g_free);
}

/* Writes the removal waiting for its toast, if any. */
static gboolean
write_pending (SpPatientPage  *self,
               GError        **error)
{
  g_autofree char *id = g_steal_pointer (&self->pending_condition);
  g_autoptr(AdwToast) toast = g_steal_pointer (&self->pending_toast);

  g_clear_object (&self->pending_row);
  if (toast != NULL)
    {
      /* Saved now: the toast may stay to say so, but without an Undo that
       * could no longer be honoured. It is not dismissed from here, as that
       * could cut its opening animation short, which libadwaita 1.2's toast
       * overlay does not survive. */
      g_signal_handlers_disconnect_by_data (toast, self);
      adw_toast_set_button_label (toast, NULL);
    }
  if (id == NULL || self->store == NULL)
    return TRUE;
  return sp_store_remove (self->store, &sp_entity_condition, id, error);
}

/* Writes the waiting removal now; says so, and shows the row again, if the
 * store refuses it. */
void
sp_patient_page_commit_pending (SpPatientPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkWidget) row = NULL;

  g_return_if_fail (SP_IS_PATIENT_PAGE (self));

  if (self->pending_condition == NULL)
    {
      forget_pending (self);
      return;
    }
  row = self->pending_row ? g_object_ref (self->pending_row) : NULL;
  if (!write_pending (self, &error))
    {
      if (row != NULL && !gtk_widget_in_destruction (GTK_WIDGET (self)))
        {
          gtk_widget_set_visible (row, TRUE);
          self->n_conditions++;
          update_badges (self);
        }
      sp_gui_show_error (GTK_WIDGET (self), _("The Condition Was Not Removed"), error);
    }
}

static void
toast_dismissed_cb (AdwToast      *toast,
                    SpPatientPage *self)
{
  if (toast != self->pending_toast)
    return;
  /* The toast is closing by itself: only the write is left to do. */
  g_signal_handlers_disconnect_by_data (toast, self);
  g_clear_object (&self->pending_toast);
  sp_patient_page_commit_pending (self);
}

static void
toast_undo_cb (AdwToast      *toast,
               SpPatientPage *self)
{
  if (toast != self->pending_toast)
    return;
  /* Nothing was written: showing the row again is the whole undo. The toast
   * closes itself after its button is clicked. */
  if (self->pending_row != NULL)
    {
      gtk_widget_set_visible (self->pending_row, TRUE);
      self->n_conditions++;
    }
  forget_pending (self);
  update_badges (self);
}

static void
remove_clicked_cb (GtkButton     *button,
                   SpPatientPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "sp-condition-id");
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ACTION_ROW);

  if (id != NULL && row != NULL)
    sp_patient_page_remove_condition (self, id, row);
}

static gboolean
fill_conditions (SpPatientPage  *self,
                 GError        **error)
{
  g_autoptr(GPtrArray) conditions = sp_store_list_conditions (self->store, self->patient->record.id, error);
  gboolean msk = FALSE, mh = FALSE;

  gboolean can_remove;

  if (conditions == NULL)
    return FALSE;

  can_remove = (sp_store_get_roles (self->store) & SP_ROLE_LINK_WORKER) != 0;
  self->n_conditions = conditions->len;
  for (guint i = 0; i < conditions->len; i++)
    {
      SpCondition *c = conditions->pdata[i];
      gboolean is_msk = g_strcmp0 (c->kind, "msk") == 0;
      g_autofree char *since = c->since ? format_date (c->since) : NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row;

      msk |= is_msk;
      mh |= !is_msk;
      if (since != NULL)
        subtitle = g_strdup_printf (_("%s, since %s"), is_msk ? _("Musculoskeletal") : _("Mental health"), since);
      else
        subtitle = g_strdup (is_msk ? _("Musculoskeletal") : _("Mental health"));
      row = plain_row (sp_vocab_label (is_msk ? SP_VOCAB_MSK_CONDITION : SP_VOCAB_MH_CONDITION, c->code), subtitle);
      {
        GtkWidget *kind = badge (is_msk ? _("MSK") : _("MH"), is_msk ? "msk" : "mh");

        gtk_widget_add_css_class (kind, "kind");
        adw_action_row_add_prefix (ADW_ACTION_ROW (row), kind);
      }
      if (can_remove)
        {
          const char *label = sp_vocab_label (is_msk ? SP_VOCAB_MSK_CONDITION : SP_VOCAB_MH_CONDITION, c->code);
          GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
          /* Translators: the accessible name of a button, e.g. "Remove condition Low back pain" */
          g_autofree char *name = g_strdup_printf (_("Remove condition %s"), label);

          gtk_widget_set_name (remove, "remove-condition");
          gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (remove, _("Remove, if recorded in error"));
          gtk_widget_add_css_class (remove, "flat");
          gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          g_object_set_data_full (G_OBJECT (remove), "sp-condition-id", g_strdup (c->record.id), g_free);
          g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
        }
      add_row (self, self->conditions_group, row);
    }
  if (conditions->len == 0)
    add_row (self, self->conditions_group,
             plain_row (_("No conditions recorded"), _("Add them with Edit Details.")));

  gtk_widget_set_visible (self->msk_badge, msk);
  gtk_widget_set_visible (self->mh_badge, mh);
  return TRUE;
}

static gboolean
score_of (const SpAssessment *assessment,
          SpMeasureScore     *score)
{
  const SpMeasureInfo *info = sp_measure_lookup (assessment->measure);
  gint answers[SP_MEASURE_MAX_ITEMS];
  guint n_answers = 0;

  return info != NULL &&
         sp_assessment_answers (assessment, answers, &n_answers) &&
         sp_measure_score (info, answers, n_answers, score, NULL);
}

static char *
score_text (const SpMeasureInfo  *info,
            const SpMeasureScore *score)
{
  if (!score->complete)
    return g_strdup (_("incomplete"));
  if (!info->summed)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < score->n_items; i++)
        g_string_append_printf (text, "%s%d", i ? " · " : "", score->items[i]);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  if (score->score != floor (score->score))
    return g_strdup_printf ("%.2f", score->score);
  return g_strdup_printf ("%d", (int) score->score);
}

static gboolean
fill_measures (SpPatientPage  *self,
               GError        **error)
{
  g_autoptr(GPtrArray) assessments = sp_store_list_assessments (self->store, self->patient->record.id, error);
  guint i = 0;

  if (assessments == NULL)
    return FALSE;

  /* Sorted by measure, then time: one row per measure. */
  while (i < assessments->len)
    {
      SpAssessment *first = assessments->pdata[i];
      const SpMeasureInfo *info = sp_measure_lookup (first->measure);
      SpAssessment *baseline = NULL, *latest = NULL;
      SpMeasureScore base_score, latest_score;
      g_autoptr(GString) subtitle = g_string_new (NULL);
      g_autofree char *latest_text = NULL;
      g_autofree char *latest_date = NULL;
      guint n = 0;
      GtkWidget *row, *value;

      for (; i < assessments->len; i++, n++)
        {
          SpAssessment *a = assessments->pdata[i];

          if (g_strcmp0 (a->measure, first->measure) != 0)
            break;
          if (baseline == NULL && g_strcmp0 (a->stage, "baseline") == 0)
            baseline = a;
          latest = a;
        }
      if (info == NULL || !score_of (latest, &latest_score))
        continue;

      latest_text = score_text (info, &latest_score);
      latest_date = format_date (latest->taken_at);
      if (latest_score.band != NULL)
        /* Translators: a score's band and the date it was taken, e.g. "Moderate, 2 Mar 2026" */
        g_string_append_printf (subtitle, _("%s, %s"), latest_score.band, latest_date);
      else
        g_string_append (subtitle, latest_date);

      if (baseline != NULL && baseline != latest && score_of (baseline, &base_score))
        {
          g_autofree char *base_text = score_text (info, &base_score);
          SpChange change = sp_measure_compare (info, &base_score, &latest_score);

          g_string_append_c (subtitle, '\n');
          if (info->summed && change != SP_CHANGE_INCOMPLETE)
            /* Translators: e.g. "Baseline 18: Reliable improvement" */
            g_string_append_printf (subtitle, _("Baseline %s: %s"), base_text, sp_change_to_string (change));
          else
            g_string_append_printf (subtitle, _("Baseline %s"), base_text);
        }
      else if (n == 1)
        {
          g_string_append_c (subtitle, '\n');
          g_string_append (subtitle, _("No follow-up yet"));
        }

      row = plain_row (sp_measure_get_name (info), subtitle->str);
      value = gtk_label_new (latest_text);
      gtk_widget_set_valign (value, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (value, "title-3");
      gtk_widget_add_css_class (value, "numeric");
      gtk_accessible_update_property (GTK_ACCESSIBLE (value),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Latest score"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
      add_row (self, self->measures_group, row);

      /* The trend under its row, once there is a score to draw. */
      {
        GtkWidget *chart = sp_trend_chart_new (info, assessments);
        GtkWidget *chart_row;

        if (sp_trend_chart_get_n_points (SP_TREND_CHART (chart)) == 0)
          {
            g_object_ref_sink (chart);
            g_object_unref (chart);
            continue;
          }
        chart_row = adw_preferences_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (chart_row), sp_measure_get_name (info));
        gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (chart_row), FALSE);
        gtk_widget_set_margin_start (chart, 12);
        gtk_widget_set_margin_end (chart, 12);
        gtk_widget_set_margin_top (chart, 8);
        gtk_widget_set_margin_bottom (chart, 8);
        gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (chart_row), chart);
        add_row (self, self->measures_group, chart_row);
      }
    }
  if (assessments->len == 0)
    add_row (self, self->measures_group, plain_row (_("No measures recorded"), NULL));
  return TRUE;
}

static gboolean
fill_referrals (SpPatientPage  *self,
                GError        **error)
{
  g_autoptr(GPtrArray) referrals = sp_store_list_referrals (self->store, self->patient->record.id, error);
  SpBalance balance = { 0, };

  if (referrals == NULL)
    return FALSE;

  self->n_referrals = referrals->len;
  /* Newest first: what is happening now matters most. */
  for (guint i = referrals->len; i > 0; i--)
    {
      SpReferral *r = referrals->pdata[i - 1];
      g_autoptr(SpOffering) offering = sp_store_load (self->store, &sp_entity_offering, r->offering_id, NULL);
      g_autofree char *referred = r->referred_at ? format_date (r->referred_at) : NULL;
      g_autofree char *share = NULL;
      g_autoptr(GString) subtitle = g_string_new (sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, r->status));
      GtkWidget *row, *cost;

      if (referred != NULL)
        g_string_append_printf (subtitle, " · %s", referred);
      if (r->sessions_planned > 0)
        g_string_append_printf (subtitle,
                                ngettext (" · %d of %d session attended", " · %d of %d sessions attended",
                                          (int) CLAMP (r->sessions_planned, 0, G_MAXINT)),
                                (int) CLAMP (r->sessions_attended, 0, G_MAXINT),
                                (int) CLAMP (r->sessions_planned, 0, G_MAXINT));
      if (r->outcome != NULL)
        g_string_append_printf (subtitle, "\n%s", r->outcome);

      row = plain_row (offering ? offering->name : _("Offering no longer in the catalogue"), subtitle->str);
      /* Opens the referral's own page. */
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-referral");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", r->record.id);
      if (r->patient_share_pence > 0)
        {
          g_autofree char *money = sp_money_format (r->patient_share_pence);
          share = g_strdup_printf (_("%s a session"), money);
        }
      else
        share = g_strdup (_("No charge"));
      cost = gtk_label_new (share);
      gtk_widget_set_valign (cost, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (cost, "numeric");
      gtk_widget_set_tooltip_text (cost, _("What the patient pays a session"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), cost);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 g_object_new (GTK_TYPE_IMAGE, "icon-name", "go-next-symbolic",
                                               "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL));
      add_row (self, self->referrals_group, row);
    }

  if (referrals->len == 0)
    add_row (self, self->referrals_group,
             plain_row (_("No referrals yet"), _("Find Offerings lists what suits this patient.")));
  else if (sp_store_patient_balance (self->store, self->patient->record.id, &balance, NULL) &&
           balance.patient_due > 0)
    {
      g_autofree char *paid = sp_money_format (balance.patient_paid);
      g_autofree char *due = sp_money_format (balance.patient_due);
      g_autofree char *text = g_strdup_printf (_("Paid %s of %s due for sessions attended"), paid, due);

      add_row (self, self->referrals_group, property_row (_("Co-payments"), text));
    }
  return TRUE;
}

/* Reading order starts at the top; the next step is usually to match. */
static gboolean
sp_patient_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (SP_PATIENT_PAGE (widget)->match_button);
}

static void
sp_patient_page_dispose (GObject *object)
{
  SpPatientPage *self = SP_PATIENT_PAGE (object);

  /* A removal waiting for its toast is written, not lost. */
  if (self->pending_condition != NULL && self->store != NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!write_pending (self, &error))
        g_warning ("A condition's removal could not be saved: %s", error->message);
    }
  forget_pending (self);

  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PATIENT_PAGE);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->patient, sp_patient_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_patient_page_parent_class)->dispose (object);
}

static void
sp_patient_page_class_init (SpPatientPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_patient_page_dispose;
  widget_class->grab_focus = sp_patient_page_grab_focus;

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-patient-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, msk_badge);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, mh_badge);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, match_button);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, actions_box);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, conditions_group);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, referrals_group);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, measures_group);
  gtk_widget_class_bind_template_child (widget_class, SpPatientPage, details_group);
}

static void
sp_patient_page_init (SpPatientPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();

  /* Tab goes straight to the buttons, not to the flow box's cells. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->actions_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);
}

void
sp_patient_page_set_store (SpPatientPage *self,
                           SpStore       *store)
{
  g_return_if_fail (SP_IS_PATIENT_PAGE (self));
  g_return_if_fail (SP_IS_STORE (store));

  g_set_object (&self->store, store);
}

/* Reads the patient and everything about them; records the view in the
 * audit trail. On error the page is left as it was. */
gboolean
sp_patient_page_load (SpPatientPage  *self,
                      const char     *patient_id,
                      GError        **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autofree char *nhs = NULL;
  g_autofree char *summary = NULL;
  gint age;

  g_return_val_if_fail (SP_IS_PATIENT_PAGE (self), FALSE);
  g_return_val_if_fail (patient_id != NULL, FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  /* A removal waiting for its toast is written before the store is read. */
  sp_patient_page_commit_pending (self);
  patient = sp_store_get_patient (self->store, patient_id, error);
  if (patient == NULL)
    return FALSE;
  if (!sp_store_audit (self->store, "patient", patient->record.id, patient->record.practice, "view", error))
    return FALSE;

  clear_rows (self);
  g_clear_pointer (&self->patient, sp_patient_free);
  self->patient = g_steal_pointer (&patient);
  self->n_referrals = 0;
  self->n_conditions = 0;

  g_free (self->title);
  self->title = sp_patient_display_name (self->patient);
  gtk_label_set_label (self->name_label, self->title);

  nhs = sp_nhs_number_format (self->patient->nhs_number);
  age = self->patient->date_of_birth ? sp_patient_age (self->patient, NULL) : -1;
  if (age >= 0)
    summary = g_strdup_printf (ngettext ("NHS %s · %d year old", "NHS %s · %d years old", age), nhs, age);
  else
    summary = g_strdup_printf (_("NHS %s"), nhs);
  gtk_label_set_label (self->summary_label, summary);

  fill_details (self);
  if (!fill_conditions (self, error) || !fill_referrals (self, error) || !fill_measures (self, error))
    return FALSE;

  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
  return TRUE;
}

const char *
sp_patient_page_get_patient_id (SpPatientPage *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_PAGE (self), NULL);
  return self->patient ? self->patient->record.id : NULL;
}

const char *
sp_patient_page_get_title (SpPatientPage *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_PAGE (self), NULL);
  return self->title;
}

guint
sp_patient_page_get_n_referrals (SpPatientPage *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_PAGE (self), 0);
  return self->n_referrals;
}

guint
sp_patient_page_get_n_conditions (SpPatientPage *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_PAGE (self), 0);
  return self->n_conditions;
}

/* Removes the condition @condition_id, shown in @row: the row goes at once,
 * and the removal is written when the toast offering Undo closes. */
void
sp_patient_page_remove_condition (SpPatientPage *self,
                                  const char    *condition_id,
                                  GtkWidget     *row)
{
  AdwToast *toast;

  g_return_if_fail (SP_IS_PATIENT_PAGE (self));
  g_return_if_fail (condition_id != NULL);
  g_return_if_fail (GTK_IS_WIDGET (row));

  if (g_strcmp0 (condition_id, self->pending_condition) == 0)
    return;
  /* A removal already waiting is written first. */
  sp_patient_page_commit_pending (self);

  toast = adw_toast_new (_("Condition removed"));
  adw_toast_set_button_label (toast, _("_Undo"));
  /* Normal priority: libadwaita 1.2 can fail an assertion when a toast it
   * postponed for a high-priority one comes back while still hiding. */
  adw_toast_set_timeout (toast, 8);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (toast_undo_cb), self, 0);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);

  self->pending_condition = g_strdup (condition_id);
  self->pending_row = g_object_ref (row);
  self->pending_toast = g_object_ref (toast);
  /* Focus would be lost with the row: move it to the next row, or the
   * previous, or the page's first button. */
  if (gtk_widget_get_focus_child (row) != NULL || gtk_widget_has_focus (row))
    {
      gboolean moved = FALSE;

      for (GtkWidget *w = gtk_widget_get_next_sibling (row); w != NULL && !moved; w = gtk_widget_get_next_sibling (w))
        moved = gtk_widget_get_visible (w) && gtk_widget_child_focus (w, GTK_DIR_TAB_FORWARD);
      for (GtkWidget *w = gtk_widget_get_prev_sibling (row); w != NULL && !moved; w = gtk_widget_get_prev_sibling (w))
        moved = gtk_widget_get_visible (w) && gtk_widget_child_focus (w, GTK_DIR_TAB_FORWARD);
      if (!moved)
        gtk_widget_grab_focus (self->match_button);
    }
  gtk_widget_set_visible (row, FALSE);
  if (self->n_conditions > 0)
    self->n_conditions--;
  update_badges (self);
  sp_gui_add_toast (GTK_WIDGET (self), toast);
}

/* The toast offering Undo for the removal waiting, or NULL. */
AdwToast *
sp_patient_page_get_toast (SpPatientPage *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_PAGE (self), NULL);
  return self->pending_toast;
}
