/* sp-gp-view.c — a read-only look-up: one patient's referrals, measures and outcomes
 *
 * What a GP needs from social prescribing: look a patient up by NHS number
 * or name and read where each referral went, what happened, and how their
 * measures moved. Nothing on this page can change the record: the only
 * controls are the look-up itself and the choice between patients found.
 * A patient who has not consented to share clinical detail with their GP
 * shows their name only. Every record opened is audited as a view.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-gp-view"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gp-view.h"
#include "sp-gui-util.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-trend-chart.h"
#include "sp-validate.h"
#include "sp-vocab.h"

#define MAX_RESULTS 50

struct _SpGpView
{
  AdwBin               parent_instance;

  GtkSearchEntry      *lookup_entry;
  GtkScrolledWindow   *scroller;
  GtkLabel            *message_label;
  AdwPreferencesGroup *results_group;
  GtkWidget           *record_box;
  GtkLabel            *name_label;
  GtkLabel            *summary_label;
  GtkLabel            *consent_label;
  AdwPreferencesGroup *conditions_group;
  AdwPreferencesGroup *referrals_group;
  AdwPreferencesGroup *measures_group;

  SpStore             *store;
  char                *patient_id;
  GPtrArray           *rows;   /* (group, row) pairs */
  guint                n_results;
  guint                n_referrals;
  guint                n_measures;
};

G_DEFINE_FINAL_TYPE (SpGpView, sp_gp_view, ADW_TYPE_BIN)

static void
add_row (SpGpView            *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, group);
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (SpGpView *self)
{
  for (guint i = 0; i + 1 < self->rows->len; i += 2)
    adw_preferences_group_remove (self->rows->pdata[i], self->rows->pdata[i + 1]);
  g_ptr_array_set_size (self->rows, 0);
  self->n_results = 0;
  self->n_referrals = 0;
  self->n_measures = 0;
}

static void
show_message (SpGpView   *self,
              const char *message)
{
  gtk_label_set_label (self->message_label, message);
}

/* ---- One patient ------------------------------------------------------ */

static void
fill_conditions (SpGpView  *self,
                 GPtrArray *conditions)
{
  for (guint i = 0; i < conditions->len; i++)
    {
      SpCondition *c = conditions->pdata[i];
      gboolean is_msk = g_strcmp0 (c->kind, "msk") == 0;
      g_autofree char *since = c->since ? sp_gui_format_date (c->since) : NULL;
      g_autofree char *subtitle = since ? g_strdup_printf (_("Since %s"), since) : NULL;
      GtkWidget *row = sp_gui_plain_row (sp_vocab_label (is_msk ? SP_VOCAB_MSK_CONDITION : SP_VOCAB_MH_CONDITION,
                                                         c->code), subtitle);
      GtkWidget *kind = sp_gui_badge (is_msk ? _("MSK") : _("MH"), is_msk ? "msk" : "mh");

      gtk_widget_add_css_class (kind, "kind");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), kind);
      add_row (self, self->conditions_group, row);
    }
  if (conditions->len == 0)
    add_row (self, self->conditions_group, sp_gui_plain_row (_("No conditions recorded"), NULL));
}

static gboolean
fill_referrals (SpGpView   *self,
                GPtrArray  *referrals,
                GError    **error)
{
  self->n_referrals = referrals->len;
  for (guint i = referrals->len; i > 0; i--)
    {
      SpReferral *r = referrals->pdata[i - 1];
      g_autoptr(SpOffering) offering = sp_store_load (self->store, &sp_entity_offering, r->offering_id, NULL);
      g_autoptr(GPtrArray) events = sp_store_list_referral_events (self->store, r->record.id, error);
      g_autoptr(GString) subtitle = g_string_new (sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, r->status));
      GtkWidget *row;

      if (events == NULL)
        return FALSE;
      if (r->referred_at != NULL)
        {
          g_autofree char *date = sp_gui_format_date (r->referred_at);
          g_string_append_printf (subtitle, _(" · referred %s"), date);
        }
      if (r->sessions_planned > 0)
        g_string_append_printf (subtitle,
                                ngettext (" · %d of %d session attended", " · %d of %d sessions attended",
                                          (int) CLAMP (r->sessions_planned, 0, G_MAXINT)),
                                (int) CLAMP (r->sessions_attended, 0, G_MAXINT),
                                (int) CLAMP (r->sessions_planned, 0, G_MAXINT));

      row = adw_expander_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     offering ? offering->name : _("Offering no longer in the catalogue"));
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle->str);

      if (r->reason != NULL)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (row), sp_gui_property_row (_("Reason"), r->reason));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                sp_gui_property_row (_("Outcome"), r->outcome ? r->outcome : _("Not recorded yet")));
      if (r->fft != NULL)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                  sp_gui_property_row (_("Friends and Family Test"),
                                                       sp_vocab_label (SP_VOCAB_FFT, r->fft)));
      if (r->safety_concern != NULL)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                  sp_gui_property_row (_("Safety concern"), r->safety_concern));
      for (guint j = 0; j < events->len; j++)
        {
          SpReferralEvent *e = events->pdata[j];
          g_autofree char *when = sp_gui_format_time (e->at);
          g_autofree char *title = NULL;
          g_autoptr(GString) detail = g_string_new (when);

          if (e->from_status == NULL)
            title = g_strdup_printf (_("Made as %s"), sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, e->to_status));
          else
            title = g_strdup_printf (_("%s → %s"), sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, e->from_status),
                                     sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, e->to_status));
          if (e->by != NULL)
            g_string_append_printf (detail, _(" · by %s"), e->by);
          if (e->note != NULL)
            g_string_append_printf (detail, "\n%s", e->note);
          adw_expander_row_add_row (ADW_EXPANDER_ROW (row), sp_gui_plain_row (title, detail->str));
        }
      add_row (self, self->referrals_group, row);
    }
  if (referrals->len == 0)
    add_row (self, self->referrals_group, sp_gui_plain_row (_("No referrals"), NULL));
  return TRUE;
}

static void
fill_measures (SpGpView  *self,
               GPtrArray *assessments)
{
  for (guint m = 0; m < SP_N_MEASURES; m++)
    {
      const SpMeasureInfo *info = sp_measure_get (m);
      SpAssessment *baseline = NULL, *latest = NULL;
      SpMeasureScore base_score, latest_score;
      g_autoptr(GString) subtitle = g_string_new (NULL);
      g_autofree char *latest_text = NULL;
      g_autofree char *latest_date = NULL;
      GtkWidget *row, *chart;

      for (guint i = 0; i < assessments->len; i++)
        {
          SpAssessment *a = assessments->pdata[i];

          if (g_strcmp0 (a->measure, info->code) != 0)
            continue;
          if (baseline == NULL && g_strcmp0 (a->stage, "baseline") == 0)
            baseline = a;
          latest = a;
        }
      if (latest == NULL || !sp_gui_assessment_score (latest, &latest_score))
        continue;

      latest_text = sp_gui_score_text (info, &latest_score);
      latest_date = sp_gui_format_date (latest->taken_at);
      /* Translators: the latest score, its band if any, and its date */
      g_string_append_printf (subtitle, _("Latest %s on %s"), latest_text, latest_date);
      if (latest_score.band != NULL)
        g_string_append_printf (subtitle, " (%s)", latest_score.band);
      if (baseline != NULL && baseline != latest && sp_gui_assessment_score (baseline, &base_score))
        {
          g_autofree char *base_text = sp_gui_score_text (info, &base_score);
          g_autofree char *change = sp_gui_change_text (info, &base_score, &latest_score);

          g_string_append_printf (subtitle, "\n");
          g_string_append_printf (subtitle, _("Baseline %s: %s"), base_text, change);
        }

      row = sp_gui_plain_row (sp_measure_get_name (info), subtitle->str);
      add_row (self, self->measures_group, row);
      self->n_measures++;

      chart = sp_trend_chart_new (info, assessments);
      if (sp_trend_chart_get_n_points (SP_TREND_CHART (chart)) > 0)
        {
          GtkWidget *chart_row = adw_preferences_row_new ();

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (chart_row), sp_measure_get_name (info));
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (chart_row), FALSE);
          gtk_widget_set_margin_start (chart, 12);
          gtk_widget_set_margin_end (chart, 12);
          gtk_widget_set_margin_top (chart, 8);
          gtk_widget_set_margin_bottom (chart, 8);
          gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (chart_row), chart);
          add_row (self, self->measures_group, chart_row);
        }
      else
        {
          g_object_ref_sink (chart);
          g_object_unref (chart);
        }
    }
  if (self->n_measures == 0)
    add_row (self, self->measures_group, sp_gui_plain_row (_("No measures recorded"), NULL));
}

static gboolean
show_patient (SpGpView    *self,
              const char  *patient_id,
              GError     **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) conditions = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autoptr(GPtrArray) assessments = NULL;
  g_autofree char *name = NULL;
  g_autofree char *nhs = NULL;
  g_autofree char *summary = NULL;
  gint age;

  patient = sp_store_get_patient (self->store, patient_id, error);
  if (patient == NULL)
    return FALSE;
  if (!sp_store_audit (self->store, "patient", patient->record.id, patient->record.practice, "view", error))
    return FALSE;
  conditions = sp_store_list_conditions (self->store, patient_id, error);
  referrals = conditions ? sp_store_list_referrals (self->store, patient_id, error) : NULL;
  assessments = referrals ? sp_store_list_assessments (self->store, patient_id, error) : NULL;
  if (assessments == NULL)
    return FALSE;

  clear_rows (self);
  g_free (self->patient_id);
  self->patient_id = g_strdup (patient_id);

  name = sp_patient_display_name (patient);
  nhs = sp_nhs_number_format (patient->nhs_number);
  age = patient->date_of_birth ? sp_patient_age (patient, NULL) : -1;
  if (age >= 0)
    {
      g_autofree char *dob = sp_gui_format_date (patient->date_of_birth);
      summary = g_strdup_printf (ngettext ("NHS %s · born %s (%d year old)", "NHS %s · born %s (%d years old)", age),
                                 nhs, dob, age);
    }
  else
    summary = g_strdup_printf (_("NHS %s"), nhs);
  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->summary_label, summary);

  /* Without the patient's consent, the GP sees who, not what. */
  gtk_widget_set_visible (GTK_WIDGET (self->consent_label), !patient->consent_gp);
  gtk_widget_set_visible (GTK_WIDGET (self->conditions_group), patient->consent_gp);
  gtk_widget_set_visible (GTK_WIDGET (self->referrals_group), patient->consent_gp);
  gtk_widget_set_visible (GTK_WIDGET (self->measures_group), patient->consent_gp);
  if (patient->consent_gp)
    {
      fill_conditions (self, conditions);
      if (!fill_referrals (self, referrals, error))
        return FALSE;
      fill_measures (self, assessments);
    }

  show_message (self, _("Read-only: nothing here can be changed."));
  gtk_widget_set_visible (GTK_WIDGET (self->results_group), FALSE);
  gtk_widget_set_visible (self->record_box, TRUE);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
  return TRUE;
}

/* ---- Looking up ------------------------------------------------------- */

static gboolean
looks_like_nhs_number (const char *text)
{
  guint digits = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (*p != ' ' && *p != '-')
        return FALSE;
    }
  return digits == 10;
}

/* Looks @text up as the button does: an NHS number opens that patient;
 * a name lists the patients it matches, or opens the only one. */
gboolean
sp_gp_view_look_up (SpGpView   *self,
                    const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (SP_IS_GP_VIEW (self), FALSE);

  if (self->store == NULL)
    return FALSE;
  trimmed = g_strstrip (g_strdup (text ? text : ""));
  if (*trimmed == '\0')
    {
      show_message (self, _("Type an NHS number or a name, then Look Up."));
      return FALSE;
    }

  if (looks_like_nhs_number (trimmed))
    {
      g_autoptr(SpPatient) patient = sp_store_find_patient (self->store, trimmed, &error);

      if (patient == NULL)
        {
          clear_rows (self);
          gtk_widget_set_visible (self->record_box, FALSE);
          gtk_widget_set_visible (GTK_WIDGET (self->results_group), FALSE);
          show_message (self, error->message);
          return FALSE;
        }
      if (!show_patient (self, patient->record.id, &error))
        {
          show_message (self, error->message);
          return FALSE;
        }
      return TRUE;
    }

  found = sp_store_search_patients (self->store, trimmed, MAX_RESULTS, &error);
  if (found == NULL)
    {
      show_message (self, error->message);
      return FALSE;
    }
  if (found->len == 1)
    {
      if (!show_patient (self, ((SpPatient *) found->pdata[0])->record.id, &error))
        {
          show_message (self, error->message);
          return FALSE;
        }
      return TRUE;
    }

  clear_rows (self);
  g_clear_pointer (&self->patient_id, g_free);
  gtk_widget_set_visible (self->record_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->results_group), found->len > 0);
  if (found->len == 0)
    {
      g_autofree char *message = g_strdup_printf (_("No patient in your practices matches “%s”."), trimmed);
      show_message (self, message);
      return FALSE;
    }

  for (guint i = 0; i < found->len; i++)
    {
      SpPatient *p = found->pdata[i];
      g_autofree char *name = sp_patient_display_name (p);
      g_autofree char *nhs = sp_nhs_number_format (p->nhs_number);
      g_autofree char *date = p->date_of_birth ? sp_gui_format_date (p->date_of_birth) : NULL;
      g_autofree char *subtitle = date ? g_strdup_printf (_("NHS %s · born %s"), nhs, date)
                                       : g_strdup_printf (_("NHS %s"), nhs);
      GtkWidget *row = sp_gui_plain_row (name, subtitle);

      /* Choosing a patient only reads: it is navigation. */
      gtk_widget_set_name (row, "navigation");
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "gp.show");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", p->record.id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 g_object_new (GTK_TYPE_IMAGE, "icon-name", "go-next-symbolic",
                                               "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL));
      add_row (self, self->results_group, row);
    }
  self->n_results = found->len;
  {
    g_autofree char *message = g_strdup_printf (ngettext ("%u patient matches. Choose one to read their record.",
                                                          "%u patients match. Choose one to read their record.",
                                                          found->len), found->len);
    show_message (self, message);
  }
  return TRUE;
}

static void
lookup_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpGpView *self = SP_GP_VIEW (widget);

  sp_gp_view_look_up (self, gtk_editable_get_text (GTK_EDITABLE (self->lookup_entry)));
}

static void
lookup_activate_cb (SpGpView *self)
{
  sp_gp_view_look_up (self, gtk_editable_get_text (GTK_EDITABLE (self->lookup_entry)));
}

static void
show_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpGpView *self = SP_GP_VIEW (widget);
  g_autoptr(GError) error = NULL;

  if (!show_patient (self, g_variant_get_string (parameter, NULL), &error))
    show_message (self, error->message);
}

/* ---- GObject ---------------------------------------------------------- */

static gboolean
sp_gp_view_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (SP_GP_VIEW (widget)->lookup_entry));
}

static void
sp_gp_view_dispose (GObject *object)
{
  SpGpView *self = SP_GP_VIEW (object);

  /* AdwBin keeps its own pointer to the child: let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_GP_VIEW);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->patient_id, g_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_gp_view_parent_class)->dispose (object);
}

static void
sp_gp_view_class_init (SpGpViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_gp_view_dispose;
  widget_class->grab_focus = sp_gp_view_grab_focus;

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-gp-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SpGpView, lookup_entry);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, scroller);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, message_label);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, results_group);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, record_box);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, name_label);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, consent_label);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, conditions_group);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, referrals_group);
  gtk_widget_class_bind_template_child (widget_class, SpGpView, measures_group);
  gtk_widget_class_bind_template_callback (widget_class, lookup_activate_cb);

  gtk_widget_class_install_action (widget_class, "gp.lookup", NULL, lookup_action);
  gtk_widget_class_install_action (widget_class, "gp.show", "s", show_action);
}

static void
sp_gp_view_init (SpGpView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();
}

void
sp_gp_view_set_store (SpGpView *self,
                      SpStore  *store)
{
  g_return_if_fail (SP_IS_GP_VIEW (self));
  g_return_if_fail (SP_IS_STORE (store));

  g_set_object (&self->store, store);
}

GtkEditable *
sp_gp_view_get_search_entry (SpGpView *self)
{
  g_return_val_if_fail (SP_IS_GP_VIEW (self), NULL);
  return GTK_EDITABLE (self->lookup_entry);
}

const char *
sp_gp_view_get_patient_id (SpGpView *self)
{
  g_return_val_if_fail (SP_IS_GP_VIEW (self), NULL);
  return self->patient_id;
}

guint
sp_gp_view_get_n_results (SpGpView *self)
{
  g_return_val_if_fail (SP_IS_GP_VIEW (self), 0);
  return self->n_results;
}

guint
sp_gp_view_get_n_referrals (SpGpView *self)
{
  g_return_val_if_fail (SP_IS_GP_VIEW (self), 0);
  return self->n_referrals;
}

guint
sp_gp_view_get_n_measures (SpGpView *self)
{
  g_return_val_if_fail (SP_IS_GP_VIEW (self), 0);
  return self->n_measures;
}
