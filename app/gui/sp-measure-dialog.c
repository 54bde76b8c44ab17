/* sp-measure-dialog.c — take a measure: answer a questionnaire's items
 *
 * Every item of the chosen questionnaire with its answers to choose from:
 * the anchors where the measure has them (PHQ-9, GAD-7, SWEMWBS), or the
 * points of its scale with what the ends mean (ONS4 and pain 0–10, MSK-HQ
 * 0–4). As the answers come in, the bar at the top shows the score and band
 * from the core's own scoring (sp_measure_score), and the change since the
 * baseline by the measure's reliable-change rule. Until every item is
 * answered it says "incomplete": a gap is never read as a low score.
 * Save writes the answers with sp_store_add_assessment; unanswered items
 * are saved as skipped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-measure-dialog"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-measure-dialog.h"
#include "sp-patients.h"
#include "sp-vocab.h"

/* The widest scale is 0–10. */
#define MAX_CHOICES 11

struct _SpMeasureDialog
{
  AdwWindow            parent_instance;

  AdwWindowTitle      *window_title;
  GtkWidget           *save_button;
  GtkLabel            *score_label;
  GtkLabel            *band_label;
  GtkLabel            *change_label;
  GtkScrolledWindow   *scroller;
  GtkLabel            *form_error;
  AdwComboRow         *measure_row;
  AdwComboRow         *stage_row;
  GtkLabel            *licence_label;
  GtkLabel            *stem_label;
  GtkBox              *items_box;

  SpStore             *store;
  SpPatient           *patient;
  char                *referral_id;
  GPtrArray           *assessments;  /* the patient's, to find the baseline */
  const SpMeasureInfo *info;
  gint                 answers[SP_MEASURE_MAX_ITEMS];
  GtkWidget           *choices[SP_MEASURE_MAX_ITEMS][MAX_CHOICES];
  GtkLabel            *item_bands[SP_MEASURE_MAX_ITEMS];
  GtkWidget           *item_boxes[SP_MEASURE_MAX_ITEMS];
  char                *score_text;
  char                *band_text;
  char                *change_text;
  gboolean             building;
};

G_DEFINE_FINAL_TYPE (SpMeasureDialog, sp_measure_dialog, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The stages offered, in the order of the stage row. */
static const char * const stages[] = { "baseline", "follow_up", "other" };

/* What the questions are about: the stem the printed forms put above them. */
static const char *
stem_of (const SpMeasureInfo *info)
{
  switch (info->id)
    {
    case SP_MEASURE_PHQ9:
    case SP_MEASURE_GAD7:
      return _("Over the last 2 weeks, how often have you been bothered by any of the following problems?");
    case SP_MEASURE_SWEMWBS:
      return _("How often over the last 2 weeks? Read each statement from the registered questionnaire.");
    case SP_MEASURE_MSKHQ:
      return _("Read each question from the licensed questionnaire. 0 is the worst answer, 4 the best.");
    case SP_MEASURE_ONS4:
      return _("Answer each question on a scale of 0 to 10, where 0 is “not at all” and 10 is “completely”.");
    case SP_MEASURE_PAIN_NRS:
      return _("On a scale of 0 to 10, where 0 is no pain and 10 is the worst pain imaginable:");
    case SP_N_MEASURES:
    default:
      return "";
    }
}

/* ---- The live summary ------------------------------------------------- */

/* The baseline to compare with: the one taken for this referral, else the
 * patient's first. */
static SpAssessment *
find_baseline (SpMeasureDialog *self)
{
  SpAssessment *first = NULL;

  for (guint i = 0; self->assessments != NULL && i < self->assessments->len; i++)
    {
      SpAssessment *a = self->assessments->pdata[i];

      if (g_strcmp0 (a->measure, self->info->code) != 0 || g_strcmp0 (a->stage, "baseline") != 0)
        continue;
      if (self->referral_id != NULL && g_strcmp0 (a->referral_id, self->referral_id) == 0)
        return a;
      if (first == NULL)
        first = a;
    }
  return first;
}

static const char *
selected_stage (SpMeasureDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->stage_row);

  return selected < G_N_ELEMENTS (stages) ? stages[selected] : "baseline";
}

static void
set_text (char      **field,
          GtkLabel   *label,
          char       *text)
{
  g_free (*field);
  *field = text;
  gtk_label_set_label (label, text);
}

static char *
describe_change (SpMeasureDialog      *self,
                 const SpMeasureScore *score)
{
  SpAssessment *baseline = find_baseline (self);
  SpMeasureScore base_score;
  g_autofree char *base_text = NULL;
  g_autofree char *base_date = NULL;
  g_autofree char *change = NULL;

  if (g_str_equal (selected_stage (self), "baseline"))
    {
      if (baseline == NULL)
        return g_strdup (_("This is the first baseline: later follow-ups are compared with it."));
      base_date = sp_gui_format_date (baseline->taken_at);
      return g_strdup_printf (_("A baseline was already taken on %s. Choose Follow-up to see the change."), base_date);
    }
  if (baseline == NULL || !sp_gui_assessment_score (baseline, &base_score))
    return g_strdup (_("No baseline to compare with: take one first."));

  base_text = sp_gui_score_text (self->info, &base_score);
  base_date = sp_gui_format_date (baseline->taken_at);
  if (!score->complete)
    change = g_strdup (_("the change shows when every question is answered"));
  else
    change = sp_gui_change_text (self->info, &base_score, score);
  /* Translators: the baseline's date and score, then the change since, e.g.
   * "Since the baseline on 5 Feb 2026 (18): −12 points: Reliable improvement" */
  return g_strdup_printf (_("Since the baseline on %s (%s): %s"), base_date, base_text, change);
}

static void
update_summary (SpMeasureDialog *self)
{
  SpMeasureScore score;
  g_autoptr(GError) error = NULL;
  guint answered = 0;

  if (self->info == NULL || self->building)
    return;

  for (guint i = 0; i < self->info->n_items; i++)
    {
      answered += self->answers[i] != SP_ANSWER_MISSING;
      if (self->info->id == SP_MEASURE_ONS4 && self->item_bands[i] != NULL)
        {
          const char *band = sp_measure_ons4_item_band (i, self->answers[i]);
          gtk_label_set_label (self->item_bands[i], band ? band : "");
          gtk_widget_set_visible (GTK_WIDGET (self->item_bands[i]), band != NULL);
        }
    }

  if (!sp_measure_score (self->info, self->answers, self->info->n_items, &score, &error))
    {
      set_text (&self->score_text, self->score_label, g_strdup (_("Incomplete")));
      set_text (&self->band_text, self->band_label, g_strdup (error->message));
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "measure.save", FALSE);
      return;
    }

  if (!score.complete && self->info->n_items == 1)
    {
      set_text (&self->score_text, self->score_label, g_strdup (_("Incomplete")));
      set_text (&self->band_text, self->band_label, g_strdup (_("Not answered yet")));
    }
  else if (!score.complete)
    {
      set_text (&self->score_text, self->score_label, g_strdup (_("Incomplete")));
      set_text (&self->band_text, self->band_label,
                g_strdup_printf (ngettext ("%u of %u question answered: no score until every one is answered",
                                           "%u of %u questions answered: no score until every one is answered",
                                           self->info->n_items),
                                 answered, self->info->n_items));
    }
  else if (!self->info->summed)
    {
      g_autoptr(GString) bands = g_string_new (NULL);

      set_text (&self->score_text, self->score_label, sp_gui_score_text (self->info, &score));
      for (guint i = 0; i < score.n_items; i++)
        g_string_append_printf (bands, "%s%s", i ? " · " : "", sp_measure_ons4_item_band (i, score.items[i]));
      set_text (&self->band_text, self->band_label, g_string_free (g_steal_pointer (&bands), FALSE));
    }
  else
    {
      g_autofree char *total = sp_gui_score_text (self->info, &score);
      gint top = self->info->item_max * (gint) self->info->n_items;

      set_text (&self->score_text, self->score_label, g_strdup (total));
      if (score.band != NULL)
        set_text (&self->band_text, self->band_label, g_strdup (score.band));
      else if (self->info->id == SP_MEASURE_SWEMWBS)
        set_text (&self->band_text, self->band_label,
                  /* Translators: SWEMWBS shows a metric score converted from the raw total */
                  g_strdup_printf (_("Metric score (raw total %d of %d); higher is better"), score.raw_total, top));
      else
        set_text (&self->band_text, self->band_label,
                  self->info->higher_is_better
                    /* Translators: a total out of the highest possible, e.g. "out of 56; higher is better" */
                    ? g_strdup_printf (_("out of %d; higher is better"), top)
                    : g_strdup_printf (_("out of %d; lower is better"), top));
    }

  set_text (&self->change_text, self->change_label, describe_change (self, &score));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "measure.save", answered > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), FALSE);
}

/* ---- The questions ---------------------------------------------------- */

static void
choice_toggled_cb (GtkToggleButton *button,
                   SpMeasureDialog *self)
{
  guint item = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "sp-item"));
  gint value = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "sp-value"));

  if (!gtk_toggle_button_get_active (button) || item >= SP_MEASURE_MAX_ITEMS)
    return;
  self->answers[item] = value;
  update_summary (self);
}

static GtkWidget *
build_item (SpMeasureDialog *self,
            guint            item)
{
  const SpMeasureInfo *info = self->info;
  GtkWidget *box, *prompt, *choices, *first = NULL;
  g_autofree char *prompt_text = g_strdup_printf ("%u. %s", item + 1, sp_measure_get_item (info, item));
  g_autofree char *group_name = g_strdup_printf (_("Answer to question %u"), item + 1);
  gboolean numeric = info->anchors == NULL;
  guint n_choices = (guint) (info->item_max - info->item_min + 1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "measure-item");

  prompt = gtk_label_new (prompt_text);
  gtk_label_set_wrap (GTK_LABEL (prompt), TRUE);
  gtk_label_set_xalign (GTK_LABEL (prompt), 0);
  gtk_box_append (GTK_BOX (box), prompt);

  if (numeric)
    {
      /* A scale reads as one row of points, however narrow the window. */
      choices = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      gtk_box_set_homogeneous (GTK_BOX (choices), TRUE);
      gtk_widget_add_css_class (choices, "linked");
      gtk_widget_add_css_class (choices, "scale");
    }
  else
    {
      /* Worded answers wrap to as many lines as the window needs. */
      choices = gtk_flow_box_new ();
      gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (choices), GTK_SELECTION_NONE);
      gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (choices), TRUE);
      gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (choices), 4);
      gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (choices), 4);
      gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (choices), n_choices);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (choices), GTK_ACCESSIBLE_PROPERTY_LABEL, group_name, -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (choices), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, prompt, NULL, -1);

  for (gint value = info->item_min; value <= info->item_max; value++)
    {
      guint index = (guint) (value - info->item_min);
      g_autofree char *number = g_strdup_printf ("%d", value);
      GtkWidget *button;

      if (numeric)
        {
          button = gtk_toggle_button_new_with_label (number);
          if (value == info->item_min || value == info->item_max)
            {
              g_autofree char *name = g_strdup_printf ("%d, %s", value,
                                                       _(value == info->item_min ? info->scale_low : info->scale_high));
              gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
            }
        }
      else
        {
          button = gtk_toggle_button_new_with_label (_(info->anchors[index]));
          gtk_label_set_wrap (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), TRUE);
          gtk_label_set_justify (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), GTK_JUSTIFY_CENTER);
          /* The points each answer scores, as on the printed form. */
          gtk_widget_set_tooltip_text (button, number);
        }
      if (first == NULL)
        first = button;
      else
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), GTK_TOGGLE_BUTTON (first));
      g_object_set_data (G_OBJECT (button), "sp-item", GUINT_TO_POINTER (item));
      g_object_set_data (G_OBJECT (button), "sp-value", GINT_TO_POINTER (value));
      g_signal_connect_object (button, "toggled", G_CALLBACK (choice_toggled_cb), self, 0);
      if (numeric)
        gtk_box_append (GTK_BOX (choices), button);
      else
        {
          gtk_flow_box_append (GTK_FLOW_BOX (choices), button);
          gtk_widget_set_focusable (gtk_widget_get_parent (button), FALSE);
        }
      self->choices[item][index] = button;
    }
  gtk_box_append (GTK_BOX (box), choices);

  if (numeric)
    {
      GtkWidget *ends = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      g_autofree char *low = g_strdup_printf ("%d = %s", info->item_min, _(info->scale_low));
      g_autofree char *high = g_strdup_printf ("%d = %s", info->item_max, _(info->scale_high));
      GtkWidget *low_label = gtk_label_new (low);
      GtkWidget *high_label = gtk_label_new (high);

      gtk_widget_set_hexpand (low_label, TRUE);
      gtk_label_set_xalign (GTK_LABEL (low_label), 0);
      gtk_label_set_xalign (GTK_LABEL (high_label), 1);
      gtk_widget_add_css_class (low_label, "caption");
      gtk_widget_add_css_class (low_label, "dim-label");
      gtk_widget_add_css_class (high_label, "caption");
      gtk_widget_add_css_class (high_label, "dim-label");
      gtk_box_append (GTK_BOX (ends), low_label);
      gtk_box_append (GTK_BOX (ends), high_label);
      gtk_box_append (GTK_BOX (box), ends);
    }

  if (info->id == SP_MEASURE_ONS4)
    {
      GtkWidget *band = sp_gui_badge ("", "status");

      gtk_widget_set_halign (band, GTK_ALIGN_START);
      gtk_widget_set_visible (band, FALSE);
      gtk_widget_set_tooltip_text (band, _("The ONS band for this answer"));
      gtk_box_append (GTK_BOX (box), band);
      self->item_bands[item] = GTK_LABEL (band);
    }
  return box;
}

static void
build_items (SpMeasureDialog *self)
{
  for (guint i = 0; i < SP_MEASURE_MAX_ITEMS; i++)
    {
      if (self->item_boxes[i] != NULL)
        gtk_box_remove (self->items_box, self->item_boxes[i]);
      self->item_boxes[i] = NULL;
      self->item_bands[i] = NULL;
      self->answers[i] = SP_ANSWER_MISSING;
      for (guint j = 0; j < MAX_CHOICES; j++)
        self->choices[i][j] = NULL;
    }

  self->building = TRUE;
  for (guint i = 0; i < self->info->n_items; i++)
    {
      self->item_boxes[i] = build_item (self, i);
      gtk_box_append (self->items_box, self->item_boxes[i]);
    }
  self->building = FALSE;

  gtk_label_set_label (self->stem_label, stem_of (self->info));
  gtk_label_set_label (self->licence_label, self->info->licence ? _(self->info->licence) : "");
  gtk_widget_set_visible (GTK_WIDGET (self->licence_label), self->info->licence != NULL);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

static void
choose_default_stage (SpMeasureDialog *self)
{
  /* A follow-up once there is a baseline to follow. */
  adw_combo_row_set_selected (self->stage_row, find_baseline (self) != NULL ? 1 : 0);
}

static void
measure_changed_cb (SpMeasureDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->measure_row);

  if (selected >= SP_N_MEASURES || self->building)
    return;
  self->info = sp_measure_get (selected);
  build_items (self);
  self->building = TRUE;
  choose_default_stage (self);
  self->building = FALSE;
  update_summary (self);
}

static void
stage_changed_cb (SpMeasureDialog *self)
{
  update_summary (self);
}

/* ---- Saving ----------------------------------------------------------- */

gboolean
sp_measure_dialog_save (SpMeasureDialog *self)
{
  g_autoptr(SpAssessment) assessment = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint answered = 0;

  g_return_val_if_fail (SP_IS_MEASURE_DIALOG (self), FALSE);

  json_builder_begin_array (builder);
  for (guint i = 0; i < self->info->n_items; i++)
    {
      if (self->answers[i] == SP_ANSWER_MISSING)
        json_builder_add_null_value (builder);
      else
        {
          json_builder_add_int_value (builder, self->answers[i]);
          answered++;
        }
    }
  json_builder_end_array (builder);
  if (answered == 0)
    return FALSE;

  assessment = sp_assessment_new ();
  assessment->patient_id = g_strdup (self->patient->record.id);
  assessment->referral_id = g_strdup (self->referral_id);
  assessment->measure = g_strdup (self->info->code);
  assessment->answers = json_builder_get_root (builder);
  assessment->stage = g_strdup (selected_stage (self));

  if (!sp_store_add_assessment (self->store, assessment, &error))
    {
      gtk_label_set_label (self->form_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->form_error), TRUE);
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
      return FALSE;
    }

  g_signal_emit (self, signals[SAVED], 0, sp_measure_get_name (self->info));
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sp_measure_dialog_save (SP_MEASURE_DIALOG (widget));
}

/* ---- GObject ---------------------------------------------------------- */

static void
sp_measure_dialog_dispose (GObject *object)
{
  SpMeasureDialog *self = SP_MEASURE_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_MEASURE_DIALOG);
  g_clear_pointer (&self->assessments, g_ptr_array_unref);
  g_clear_pointer (&self->patient, sp_patient_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_measure_dialog_parent_class)->dispose (object);
}

static void
sp_measure_dialog_finalize (GObject *object)
{
  SpMeasureDialog *self = SP_MEASURE_DIALOG (object);

  g_free (self->referral_id);
  g_free (self->score_text);
  g_free (self->band_text);
  g_free (self->change_text);

  G_OBJECT_CLASS (sp_measure_dialog_parent_class)->finalize (object);
}

static void
sp_measure_dialog_class_init (SpMeasureDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_measure_dialog_dispose;
  object_class->finalize = sp_measure_dialog_finalize;

  /**
   * SpMeasureDialog::saved:
   * @measure_name: the questionnaire's name
   *
   * The answers were saved to the store; the dialog closes.
   */
  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-measure-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, score_label);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, band_label);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, change_label);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, scroller);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, form_error);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, measure_row);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, stage_row);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, licence_label);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, stem_label);
  gtk_widget_class_bind_template_child (widget_class, SpMeasureDialog, items_box);
  gtk_widget_class_bind_template_callback (widget_class, measure_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stage_changed_cb);

  gtk_widget_class_install_action (widget_class, "measure.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "measure.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sp_measure_dialog_init (SpMeasureDialog *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) stage_names = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < SP_MEASURE_MAX_ITEMS; i++)
    self->answers[i] = SP_ANSWER_MISSING;
  for (guint i = 0; i < SP_N_MEASURES; i++)
    gtk_string_list_append (names, sp_measure_get_name (sp_measure_get (i)));
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    gtk_string_list_append (stage_names, sp_vocab_label (SP_VOCAB_STAGE, stages[i]));

  self->building = TRUE;
  adw_combo_row_set_model (self->measure_row, G_LIST_MODEL (names));
  adw_combo_row_set_model (self->stage_row, G_LIST_MODEL (stage_names));
  self->building = FALSE;
}

/* @referral_id: the referral the measure is for, or NULL. */
SpMeasureDialog *
sp_measure_dialog_new (SpStore     *store,
                       const char  *patient_id,
                       const char  *referral_id,
                       GError     **error)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) assessments = NULL;
  g_autofree char *name = NULL;
  SpMeasureDialog *self;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (patient_id != NULL, NULL);

  patient = sp_store_get_patient (store, patient_id, error);
  if (patient == NULL)
    return NULL;
  assessments = sp_store_list_assessments (store, patient_id, error);
  if (assessments == NULL)
    return NULL;

  self = g_object_new (SP_TYPE_MEASURE_DIALOG, NULL);
  self->store = g_object_ref (store);
  self->patient = g_steal_pointer (&patient);
  self->assessments = g_steal_pointer (&assessments);
  self->referral_id = g_strdup (referral_id);

  name = sp_patient_display_name (self->patient);
  adw_window_title_set_subtitle (self->window_title, name);

  adw_combo_row_set_selected (self->measure_row, SP_MEASURE_PHQ9);
  measure_changed_cb (self);
  return self;
}

SpMeasureId
sp_measure_dialog_get_measure (SpMeasureDialog *self)
{
  g_return_val_if_fail (SP_IS_MEASURE_DIALOG (self), SP_MEASURE_PHQ9);
  return self->info->id;
}

/* Chooses the questionnaire as the user would; the answers start empty. */
void
sp_measure_dialog_set_measure (SpMeasureDialog *self,
                               SpMeasureId      measure)
{
  g_return_if_fail (SP_IS_MEASURE_DIALOG (self));
  g_return_if_fail ((guint) measure < SP_N_MEASURES);

  if (adw_combo_row_get_selected (self->measure_row) == (guint) measure)
    measure_changed_cb (self);
  else
    adw_combo_row_set_selected (self->measure_row, measure);
}

const char *
sp_measure_dialog_get_stage (SpMeasureDialog *self)
{
  g_return_val_if_fail (SP_IS_MEASURE_DIALOG (self), NULL);
  return selected_stage (self);
}

void
sp_measure_dialog_set_stage (SpMeasureDialog *self,
                             const char      *stage)
{
  g_return_if_fail (SP_IS_MEASURE_DIALOG (self));

  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    if (g_strcmp0 (stages[i], stage) == 0)
      adw_combo_row_set_selected (self->stage_row, i);
}

/* Answers item @item (from 0) as a click on the answer would. */
void
sp_measure_dialog_set_answer (SpMeasureDialog *self,
                              guint            item,
                              gint             value)
{
  g_return_if_fail (SP_IS_MEASURE_DIALOG (self));
  g_return_if_fail (item < self->info->n_items);
  g_return_if_fail (value >= self->info->item_min && value <= self->info->item_max);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->choices[item][value - self->info->item_min]), TRUE);
}

const char *
sp_measure_dialog_get_score_text (SpMeasureDialog *self)
{
  g_return_val_if_fail (SP_IS_MEASURE_DIALOG (self), NULL);
  return self->score_text;
}

const char *
sp_measure_dialog_get_band_text (SpMeasureDialog *self)
{
  g_return_val_if_fail (SP_IS_MEASURE_DIALOG (self), NULL);
  return self->band_text;
}

const char *
sp_measure_dialog_get_change_text (SpMeasureDialog *self)
{
  g_return_val_if_fail (SP_IS_MEASURE_DIALOG (self), NULL);
  return self->change_text;
}

GtkWidget *
sp_measure_dialog_get_save_button (SpMeasureDialog *self)
{
  g_return_val_if_fail (SP_IS_MEASURE_DIALOG (self), NULL);
  return self->save_button;
}
