/* sp-patient-editor.c — add or edit a patient, checked as you type
 *
 * Each field is checked by the core's own rules (sp_nhs_number_normalize,
 * sp_postcode_normalize, sp_date_check) as it changes. A field in error is
 * marked (the "error" style and the reason under its group, also given to
 * screen readers) once the user has left it, or at once when the mistake
 * is plain (ten digits with a wrong check digit). Save stays off until the
 * form is valid. A failed save keeps everything typed and says why.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-patient-editor"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-error.h"
#include "sp-patient-editor.h"
#include "sp-patients.h"
#include "sp-validate.h"
#include "sp-vocab.h"

struct _SpPatientEditor
{
  AdwWindow            parent_instance;

  AdwWindowTitle      *window_title;
  GtkWidget           *save_button;
  GtkLabel            *form_error;
  AdwEntryRow         *nhs_row;
  GtkLabel            *nhs_error;
  AdwEntryRow         *given_row;
  AdwEntryRow         *family_row;
  AdwEntryRow         *dob_row;
  AdwComboRow         *sex_row;
  GtkLabel            *person_error;
  AdwEntryRow         *address_row;
  AdwEntryRow         *postcode_row;
  GtkLabel            *postcode_error;
  AdwEntryRow         *phone_row;
  AdwEntryRow         *email_row;
  AdwComboRow         *contact_row;
  GtkLabel            *email_error;
  AdwPreferencesGroup *conditions_group;
  AdwComboRow         *msk_row;
  AdwComboRow         *mh_row;
  AdwComboRow         *income_row;
  AdwComboRow         *travel_row;
  GtkSwitch           *consent_gp_switch;
  GtkSwitch           *consent_contact_switch;
  GtkSwitch           *consent_evaluation_switch;

  SpStore             *store;
  SpPatient           *original;   /* NULL when adding */
  GHashTable          *touched;    /* rows the user has left */
  gboolean             valid;
};

G_DEFINE_FINAL_TYPE (SpPatientEditor, sp_patient_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Choice rows over a vocabulary ------------------------------------- */

static void
setup_choice (AdwComboRow *row,
              SpVocab      vocab,
              const char  *none_label)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (vocab, &n);
  if (none_label != NULL)
    gtk_string_list_append (labels, none_label);
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (labels, sp_vocab_label (vocab, entries[i].code));

  g_object_set_data (G_OBJECT (row), "sp-vocab", GUINT_TO_POINTER (vocab));
  g_object_set_data (G_OBJECT (row), "sp-has-none", GINT_TO_POINTER (none_label != NULL));
  adw_combo_row_set_model (row, G_LIST_MODEL (labels));
}

static const char *
choice_get (AdwComboRow *row)
{
  SpVocab vocab = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "sp-vocab"));
  gboolean has_none = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "sp-has-none"));
  guint selected = adw_combo_row_get_selected (row);
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (vocab, &n);
  if (selected == GTK_INVALID_LIST_POSITION || (has_none && selected == 0))
    return NULL;
  selected -= has_none ? 1 : 0;
  return selected < n ? entries[selected].code : NULL;
}

static void
choice_set (AdwComboRow *row,
            const char  *code)
{
  SpVocab vocab = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "sp-vocab"));
  gboolean has_none = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "sp-has-none"));
  const SpVocabEntry *entries;
  guint n;

  entries = sp_vocab_entries (vocab, &n);
  for (guint i = 0; code != NULL && i < n; i++)
    if (g_str_equal (entries[i].code, code))
      {
        adw_combo_row_set_selected (row, i + (has_none ? 1 : 0));
        return;
      }
  adw_combo_row_set_selected (row, 0);
}

/* ---- Checking ---------------------------------------------------------- */

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static gboolean
is_blank (const char *text)
{
  for (; text != NULL && *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static char *
trimmed_or_null (AdwEntryRow *row)
{
  const char *text = text_of (row);

  return is_blank (text) ? NULL : g_strstrip (g_strdup (text));
}

static gboolean
was_touched (SpPatientEditor *self,
             AdwEntryRow     *row)
{
  return g_hash_table_contains (self->touched, row);
}

/* Marks @row as in error, or clears it; tells assistive technologies too. */
static void
mark_row (AdwEntryRow *row,
          const char  *message)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
show_message (GtkLabel   *label,
              const char *message)
{
  gtk_label_set_label (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static guint
count_digits (const char *text)
{
  guint n = 0;

  for (; text != NULL && *text != '\0'; text++)
    n += g_ascii_isdigit (*text) ? 1 : 0;
  return n;
}

static gboolean
plainly_wrong_nhs (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && *p != ' ' && *p != '-')
      return TRUE;
  return count_digits (text) >= 10;
}

static gboolean
check_date_of_birth (const char  *text,
                     GError     **error)
{
  g_autofree char *today = sp_today_utc ();

  if (!sp_date_check (text, _("date of birth"), error))
    return FALSE;
  if (strcmp (text, today) > 0 || sp_age_on (text, today) > 125)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID,
                   _("The date of birth %s cannot be right: check the year."), text);
      return FALSE;
    }
  return TRUE;
}

/* Checks every field, marks those to show, and turns Save on or off. */
static void
validate (SpPatientEditor *self)
{
  g_autoptr(GError) nhs_error = NULL;
  g_autoptr(GError) dob_error = NULL;
  g_autoptr(GError) postcode_error = NULL;
  g_autofree char *nhs = NULL;
  g_autofree char *postcode = NULL;
  g_autofree char *email_message = NULL;
  g_autofree char *dob = NULL;
  g_autofree char *email = NULL;
  const char *person_message = NULL;
  gboolean names_ok, dob_ok, email_ok;
  const char *text;

  /* NHS number: required. */
  text = text_of (self->nhs_row);
  nhs = sp_nhs_number_normalize (text, &nhs_error);
  if (nhs == NULL && (was_touched (self, self->nhs_row) || plainly_wrong_nhs (text)))
    {
      mark_row (self->nhs_row, nhs_error->message);
      show_message (self->nhs_error, nhs_error->message);
    }
  else
    {
      mark_row (self->nhs_row, NULL);
      show_message (self->nhs_error, NULL);
    }

  /* Names: both required. Date of birth: optional, but a real date. */
  names_ok = !is_blank (text_of (self->given_row)) && !is_blank (text_of (self->family_row));
  dob = trimmed_or_null (self->dob_row);
  dob_ok = dob == NULL || check_date_of_birth (dob, &dob_error);

  mark_row (self->given_row, NULL);
  mark_row (self->family_row, NULL);
  mark_row (self->dob_row, NULL);
  if (!names_ok && (was_touched (self, self->given_row) || was_touched (self, self->family_row)))
    {
      person_message = _("Enter the patient’s given name and family name.");
      if (is_blank (text_of (self->given_row)) && was_touched (self, self->given_row))
        mark_row (self->given_row, person_message);
      if (is_blank (text_of (self->family_row)) && was_touched (self, self->family_row))
        mark_row (self->family_row, person_message);
    }
  if (!dob_ok && (was_touched (self, self->dob_row) || strlen (dob) >= 10))
    {
      person_message = dob_error->message;
      mark_row (self->dob_row, person_message);
    }
  show_message (self->person_error, person_message);

  /* Postcode: optional, but a UK postcode. */
  text = text_of (self->postcode_row);
  if (!is_blank (text))
    postcode = sp_postcode_normalize (text, &postcode_error);
  if (postcode_error != NULL && was_touched (self, self->postcode_row))
    {
      mark_row (self->postcode_row, postcode_error->message);
      show_message (self->postcode_error, postcode_error->message);
    }
  else
    {
      mark_row (self->postcode_row, NULL);
      show_message (self->postcode_error, NULL);
    }

  /* Email: optional. */
  email = trimmed_or_null (self->email_row);
  email_ok = email == NULL || (strchr (email, '@') != NULL && strchr (email, ' ') == NULL);
  if (!email_ok)
    email_message = g_strdup_printf (_("“%s” is not an email address."), email);
  if (!email_ok && was_touched (self, self->email_row))
    {
      mark_row (self->email_row, email_message);
      show_message (self->email_error, email_message);
    }
  else
    {
      mark_row (self->email_row, NULL);
      show_message (self->email_error, NULL);
    }

  self->valid = nhs != NULL && names_ok && dob_ok && postcode_error == NULL && email_ok;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", self->valid);
}

static void
field_changed_cb (SpPatientEditor *self)
{
  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || self->nhs_row == NULL)
    return;
  /* An earlier save error no longer applies once the form changes. */
  show_message (self->form_error, NULL);
  validate (self);
}

static void
field_left_cb (GtkEventControllerFocus *controller,
               SpPatientEditor         *self)
{
  /* Focus also leaves as the window closes. */
  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || self->nhs_row == NULL)
    return;
  g_hash_table_add (self->touched, gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
  validate (self);
}

static void
field_activated_cb (AdwEntryRow     *row,
                    SpPatientEditor *self)
{
  if (self->nhs_row == NULL)
    return;
  g_hash_table_add (self->touched, row);
  validate (self);
}

static void
watch_field (SpPatientEditor *self,
             AdwEntryRow     *row)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect_object (focus, "leave", G_CALLBACK (field_left_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (row), focus);
  g_signal_connect_object (row, "changed", G_CALLBACK (field_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "entry-activated", G_CALLBACK (field_activated_cb), self, 0);
}

/* ---- Saving ------------------------------------------------------------ */

static void
replace (char       **field,
         char        *value)
{
  g_free (*field);
  *field = value;
}

static gboolean
add_condition (SpPatientEditor  *self,
               const char       *patient_id,
               const char       *kind,
               const char       *code,
               GError          **error)
{
  g_autoptr(GPtrArray) existing = NULL;
  g_autoptr(SpCondition) condition = NULL;

  if (code == NULL)
    return TRUE;

  /* Choosing a condition already recorded adds nothing. */
  existing = sp_store_list_conditions (self->store, patient_id, error);
  if (existing == NULL)
    return FALSE;
  for (guint i = 0; i < existing->len; i++)
    if (g_strcmp0 (((SpCondition *) existing->pdata[i])->code, code) == 0)
      return TRUE;

  condition = sp_condition_new ();
  condition->patient_id = g_strdup (patient_id);
  condition->kind = g_strdup (kind);
  condition->code = g_strdup (code);
  return sp_store_add_condition (self->store, condition, error);
}

gboolean
sp_patient_editor_save (SpPatientEditor *self)
{
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_return_val_if_fail (SP_IS_PATIENT_EDITOR (self), FALSE);

  validate (self);
  if (!self->valid)
    return FALSE;

  patient = self->original ? sp_patient_copy (self->original) : sp_patient_new ();
  replace (&patient->nhs_number, g_strdup (text_of (self->nhs_row)));
  replace (&patient->given_name, trimmed_or_null (self->given_row));
  replace (&patient->family_name, trimmed_or_null (self->family_row));
  replace (&patient->date_of_birth, trimmed_or_null (self->dob_row));
  replace (&patient->sex, g_strdup (choice_get (self->sex_row)));
  replace (&patient->address, trimmed_or_null (self->address_row));
  replace (&patient->postcode, trimmed_or_null (self->postcode_row));
  replace (&patient->phone, trimmed_or_null (self->phone_row));
  replace (&patient->email, trimmed_or_null (self->email_row));
  replace (&patient->preferred_contact, g_strdup (choice_get (self->contact_row)));
  replace (&patient->income_band, g_strdup (choice_get (self->income_row)));
  replace (&patient->travel, g_strdup (choice_get (self->travel_row)));
  patient->consent_gp = gtk_switch_get_active (self->consent_gp_switch);
  patient->consent_contact = gtk_switch_get_active (self->consent_contact_switch);
  patient->consent_evaluation = gtk_switch_get_active (self->consent_evaluation_switch);

  /* The patient and their conditions are saved together, or not at all. */
  ok = sp_store_begin (self->store, &error);
  if (ok)
    {
      ok = (self->original ? sp_store_update_patient (self->store, patient, &error)
                           : sp_store_add_patient (self->store, patient, &error)) &&
           add_condition (self, patient->record.id, "msk", choice_get (self->msk_row), &error) &&
           add_condition (self, patient->record.id, "mh", choice_get (self->mh_row), &error);
      if (ok)
        ok = sp_store_commit (self->store, &error);
      else
        sp_store_rollback (self->store);
    }

  if (!ok)
    {
      /* Keep everything typed; say why at the field when it is the field's fault. */
      g_autofree char *nhs = sp_nhs_number_format (patient->nhs_number);

      if (g_error_matches (error, SP_ERROR, SP_ERROR_DUPLICATE) && nhs != NULL &&
          strstr (error->message, nhs) != NULL)
        {
          mark_row (self->nhs_row, error->message);
          show_message (self->nhs_error, error->message);
          gtk_widget_grab_focus (GTK_WIDGET (self->nhs_row));
        }
      else
        show_message (self->form_error, error->message);
      return FALSE;
    }

  g_signal_emit (self, signals[SAVED], 0, patient->record.id);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sp_patient_editor_save (SP_PATIENT_EDITOR (widget));
}

/* ---- GObject ----------------------------------------------------------- */

static void
sp_patient_editor_dispose (GObject *object)
{
  SpPatientEditor *self = SP_PATIENT_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PATIENT_EDITOR);
  g_clear_pointer (&self->original, sp_patient_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_patient_editor_parent_class)->dispose (object);
}

static void
sp_patient_editor_finalize (GObject *object)
{
  SpPatientEditor *self = SP_PATIENT_EDITOR (object);

  g_clear_pointer (&self->touched, g_hash_table_unref);

  G_OBJECT_CLASS (sp_patient_editor_parent_class)->finalize (object);
}

static void
sp_patient_editor_class_init (SpPatientEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_patient_editor_dispose;
  object_class->finalize = sp_patient_editor_finalize;

  /**
   * SpPatientEditor::saved:
   * @patient_id: the patient's id
   *
   * The patient was saved to the store; the editor closes.
   */
  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-patient-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, form_error);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, nhs_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, nhs_error);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, given_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, family_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, dob_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, sex_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, person_error);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, address_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, postcode_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, postcode_error);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, phone_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, email_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, contact_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, email_error);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, conditions_group);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, msk_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, mh_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, income_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, travel_row);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, consent_gp_switch);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, consent_contact_switch);
  gtk_widget_class_bind_template_child (widget_class, SpPatientEditor, consent_evaluation_switch);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sp_patient_editor_init (SpPatientEditor *self)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *travel = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->touched = g_hash_table_new (NULL, NULL);

  setup_choice (self->sex_row, SP_VOCAB_SEX, _("Not recorded"));
  setup_choice (self->contact_row, SP_VOCAB_CONTACT, _("Not recorded"));
  setup_choice (self->msk_row, SP_VOCAB_MSK_CONDITION, _("None"));
  setup_choice (self->mh_row, SP_VOCAB_MH_CONDITION, _("None"));
  setup_choice (self->income_row, SP_VOCAB_INCOME_BAND, NULL);
  setup_choice (self->travel_row, SP_VOCAB_TRAVEL, NULL);
  choice_set (self->income_row, "unknown");
  travel = g_settings_get_string (settings, "default-travel");
  choice_set (self->travel_row, travel);

  watch_field (self, self->nhs_row);
  watch_field (self, self->given_row);
  watch_field (self, self->family_row);
  watch_field (self, self->dob_row);
  watch_field (self, self->address_row);
  watch_field (self, self->postcode_row);
  watch_field (self, self->phone_row);
  watch_field (self, self->email_row);

  validate (self);
}

static void
set_text (AdwEntryRow *row,
          const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
}

/* @patient_id: the patient to edit, or NULL to add one. */
SpPatientEditor *
sp_patient_editor_new (SpStore     *store,
                       const char  *patient_id,
                       GError     **error)
{
  g_autoptr(SpPatient) original = NULL;
  SpPatientEditor *self;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);

  if (patient_id != NULL)
    {
      original = sp_store_get_patient (store, patient_id, error);
      if (original == NULL)
        return NULL;
    }

  self = g_object_new (SP_TYPE_PATIENT_EDITOR, NULL);
  self->store = g_object_ref (store);

  if (original != NULL)
    {
      g_autofree char *nhs = sp_nhs_number_format (original->nhs_number);

      gtk_window_set_title (GTK_WINDOW (self), _("Edit Patient"));
      adw_window_title_set_title (self->window_title, _("Edit Patient"));
      adw_preferences_group_set_title (self->conditions_group, _("Add a Condition"));
      adw_preferences_group_set_description (self->conditions_group,
                                             _("Conditions already recorded stay as they are. Choose one here to add it."));
      set_text (self->nhs_row, nhs);
      set_text (self->given_row, original->given_name);
      set_text (self->family_row, original->family_name);
      set_text (self->dob_row, original->date_of_birth);
      set_text (self->address_row, original->address);
      set_text (self->postcode_row, original->postcode);
      set_text (self->phone_row, original->phone);
      set_text (self->email_row, original->email);
      choice_set (self->sex_row, original->sex);
      choice_set (self->contact_row, original->preferred_contact);
      choice_set (self->income_row, original->income_band);
      choice_set (self->travel_row, original->travel);
      gtk_switch_set_active (self->consent_gp_switch, original->consent_gp);
      gtk_switch_set_active (self->consent_contact_switch, original->consent_contact);
      gtk_switch_set_active (self->consent_evaluation_switch, original->consent_evaluation);
      self->original = g_steal_pointer (&original);

      /* Whatever is already recorded is shown as it is, errors included. */
      g_hash_table_add (self->touched, self->nhs_row);
      g_hash_table_add (self->touched, self->postcode_row);
      g_hash_table_add (self->touched, self->email_row);
      validate (self);
    }

  return self;
}

const char *
sp_patient_editor_get_patient_id (SpPatientEditor *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_EDITOR (self), NULL);
  return self->original ? self->original->record.id : NULL;
}

gboolean
sp_patient_editor_get_valid (SpPatientEditor *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_EDITOR (self), FALSE);
  return self->valid;
}

GtkEditable *
sp_patient_editor_get_field (SpPatientEditor *self,
                             const char      *name)
{
  struct { const char *name; AdwEntryRow *row; } fields[] = {
    { "nhs", self->nhs_row }, { "given", self->given_row }, { "family", self->family_row },
    { "dob", self->dob_row }, { "address", self->address_row }, { "postcode", self->postcode_row },
    { "phone", self->phone_row }, { "email", self->email_row },
  };

  g_return_val_if_fail (SP_IS_PATIENT_EDITOR (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_strcmp0 (fields[i].name, name) == 0)
      return GTK_EDITABLE (fields[i].row);
  g_return_val_if_reached (NULL);
}

GtkLabel *
sp_patient_editor_get_message (SpPatientEditor *self,
                               const char      *name)
{
  struct { const char *name; GtkLabel *label; } messages[] = {
    { "nhs", self->nhs_error }, { "person", self->person_error }, { "postcode", self->postcode_error },
    { "email", self->email_error }, { "form", self->form_error },
  };

  g_return_val_if_fail (SP_IS_PATIENT_EDITOR (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    if (g_strcmp0 (messages[i].name, name) == 0)
      return messages[i].label;
  g_return_val_if_reached (NULL);
}

GtkWidget *
sp_patient_editor_get_save_button (SpPatientEditor *self)
{
  g_return_val_if_fail (SP_IS_PATIENT_EDITOR (self), NULL);
  return self->save_button;
}

AdwComboRow *
sp_patient_editor_get_condition_row (SpPatientEditor *self,
                                     const char      *kind)
{
  g_return_val_if_fail (SP_IS_PATIENT_EDITOR (self), NULL);
  return g_strcmp0 (kind, "mh") == 0 ? self->mh_row : self->msk_row;
}
