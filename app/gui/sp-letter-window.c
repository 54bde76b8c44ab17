/* sp-letter-window.c — the letter to the patient's GP: preview, copy, print, send
 *
 * The letter after referral or, once the referral has ended, the one after
 * it ended, as the core writes it (sp_store_letter, already cut down to
 * what the patient's consent allows) and drawn as it prints
 * (sp_letter_draw_page), page by page; a screen reader hears the plain-text
 * copy. Without consent a banner says why the letter says so little.
 *
 * Copy Text puts the plain-text copy on the clipboard for the GP record;
 * Print… goes through GtkPrintOperation (whose dialog can also save a PDF);
 * Save as PDF… writes one in a worker thread on its own SpStore. Each time
 * the letter leaves Signpost the audit trail says so. Mark as Sent dates the
 * letter on the referral (sp_store_mark_letter_sent) and says "sent".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-letter-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-gui-util.h"
#include "sp-letter-window.h"
#include "sp-referrals.h"
#include "sp-report-draw.h"
#include "sp-report-pdf.h"

struct _SpLetterWindow
{
  AdwWindow             parent_instance;

  GtkToggleButton      *referral_button;
  GtkToggleButton      *completion_button;
  AdwToastOverlay      *toast_overlay;
  GtkWidget            *consent_banner;
  GtkBox               *pages_box;
  GtkLabel             *sent_label;
  GtkButton            *sent_button;

  SpStore              *store;
  SpReferral           *referral;
  SpLetter             *letter;
  char                 *text;
  GtkFileChooserNative *chooser;
  GCancellable         *cancellable;
  gboolean              setting;
  guint                 n_saves;
};

G_DEFINE_FINAL_TYPE (SpLetterWindow, sp_letter_window, ADW_TYPE_WINDOW)

enum {
  SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
toast (SpLetterWindow *self,
       const char     *text)
{
  /* A toast's title is markup. */
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));
}

static void
audit (SpLetterWindow *self,
       const char     *what)
{
  g_autoptr(GError) error = NULL;

  if (!sp_store_audit (self->store, "referral", self->referral->record.id, self->referral->record.practice,
                       what, &error))
    g_warning ("Cannot note the letter in the audit trail: %s", error->message);
}

/* ---- The preview ------------------------------------------------------- */

static void
page_draw_cb (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        user_data)
{
  SpLetterWindow *self = SP_LETTER_WINDOW (gtk_widget_get_root (GTK_WIDGET (area)));
  gint page = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (area), "sp-page"));

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (!SP_IS_LETTER_WINDOW (self) || self->letter == NULL)
    return;
  cairo_scale (cr, width / SP_A4_WIDTH, height / SP_A4_HEIGHT);
  sp_letter_draw_page (self->letter, cr, SP_A4_WIDTH, SP_A4_HEIGHT, page);
}

static guint
count_pages (const SpLetter *letter)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);
  guint n = sp_letter_draw_page (letter, cr, SP_A4_WIDTH, SP_A4_HEIGHT, -1);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return MAX (n, 1);
}

static void
show_letter (SpLetterWindow *self)
{
  GtkWidget *child;
  guint n_pages = count_pages (self->letter);
  const char *sent_at = self->letter->kind == SP_LETTER_COMPLETION ? self->referral->gp_letter_sent_at
                                                                    : self->referral->gp_referral_letter_at;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->pages_box))) != NULL)
    gtk_box_remove (self->pages_box, child);
  for (guint i = 0; i < n_pages; i++)
    {
      GtkWidget *area = gtk_drawing_area_new ();
      g_autofree char *label = g_strdup_printf (_("The letter, page %u of %u"), i + 1, n_pages);

      g_object_set_data (G_OBJECT (area), "sp-page", GINT_TO_POINTER (i));
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), (int) SP_A4_WIDTH);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), (int) SP_A4_HEIGHT);
      gtk_widget_set_halign (area, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (area, "card");
      gtk_widget_set_overflow (area, GTK_OVERFLOW_HIDDEN);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), page_draw_cb, NULL, NULL);
      /* The whole letter in words, once, on its first page. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      if (i == 0)
        gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->text, -1);
      gtk_box_append (self->pages_box, area);
    }

  gtk_widget_set_visible (self->consent_banner, !self->letter->consent);
  if (sent_at != NULL)
    {
      g_autofree char *date = sp_gui_format_date (sent_at);
      g_autofree char *text = g_strdup_printf (_("Sent to the GP on %s"), date);

      gtk_label_set_label (self->sent_label, text);
      gtk_button_set_label (self->sent_button, _("_Mark as Sent Again"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->sent_button), "suggested-action");
    }
  else
    {
      gtk_label_set_label (self->sent_label, _("Not sent yet"));
      gtk_button_set_label (self->sent_button, _("_Mark as Sent"));
      gtk_widget_add_css_class (GTK_WIDGET (self->sent_button), "suggested-action");
    }
}

static gboolean
load_letter (SpLetterWindow  *self,
             SpLetterKind     kind,
             GError         **error)
{
  g_autoptr(SpReferral) referral = sp_store_get_referral (self->store, self->referral->record.id, error);
  g_autoptr(SpLetter) letter = NULL;

  if (referral == NULL)
    return FALSE;
  letter = sp_store_letter (self->store, referral->record.id, kind, error);
  if (letter == NULL)
    return FALSE;
  g_clear_pointer (&self->referral, sp_referral_free);
  self->referral = g_steal_pointer (&referral);
  g_clear_pointer (&self->letter, sp_letter_free);
  self->letter = g_steal_pointer (&letter);
  g_free (self->text);
  self->text = sp_letter_to_text (self->letter);

  self->setting = TRUE;
  gtk_toggle_button_set_active (kind == SP_LETTER_COMPLETION ? self->completion_button : self->referral_button, TRUE);
  self->setting = FALSE;
  show_letter (self);
  return TRUE;
}

static void
kind_toggled_cb (SpLetterWindow *self)
{
  g_autoptr(GError) error = NULL;
  SpLetterKind kind = gtk_toggle_button_get_active (self->completion_button) ? SP_LETTER_COMPLETION
                                                                             : SP_LETTER_REFERRAL;

  if (self->setting || self->letter == NULL || kind == self->letter->kind)
    return;
  if (!load_letter (self, kind, &error))
    sp_gui_show_error (GTK_WIDGET (self), _("The Letter Cannot Be Shown"), error);
}

/* ---- Copy, print, save, send ------------------------------------------- */

static void
copy_text_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SpLetterWindow *self = SP_LETTER_WINDOW (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->text);
  audit (self, "export");
  toast (self, _("Copied the letter: paste it into the GP record"));
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                SpLetterWindow    *self)
{
  guint n = sp_letter_draw_page (self->letter, gtk_print_context_get_cairo_context (context),
                                 gtk_print_context_get_width (context), gtk_print_context_get_height (context), -1);

  gtk_print_operation_set_n_pages (operation, MAX (n, 1));
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              gint               page,
              SpLetterWindow    *self)
{
  sp_letter_draw_page (self->letter, gtk_print_context_get_cairo_context (context),
                       gtk_print_context_get_width (context), gtk_print_context_get_height (context), page);
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               SpLetterWindow          *self)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      sp_gui_show_error (GTK_WIDGET (self), _("The Letter Was Not Printed"), error);
    }
  else if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    audit (self, "export");
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SpLetterWindow *self = SP_LETTER_WINDOW (widget);
  g_autoptr(GtkPrintOperation) operation = gtk_print_operation_new ();
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  g_autoptr(GError) error = NULL;
  GtkPrintOperationResult result;

  gtk_page_setup_set_paper_size_and_default_margins (setup, a4);
  gtk_print_operation_set_default_page_setup (operation, setup);
  gtk_print_operation_set_job_name (operation, self->letter->title);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect_object (operation, "begin-print", G_CALLBACK (begin_print_cb), self, 0);
  g_signal_connect_object (operation, "draw-page", G_CALLBACK (draw_page_cb), self, 0);
  g_signal_connect_object (operation, "done", G_CALLBACK (print_done_cb), self, 0);
  result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, GTK_WINDOW (self), &error);
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    sp_gui_show_error (widget, _("The Letter Was Not Printed"), error);
}

typedef struct
{
  char         *path;
  char         *user;
  SpRoles       roles;
  char        **practices;
  char         *referral_id;
  SpLetterKind  kind;
  GFile        *file;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_free (job->path);
  g_free (job->user);
  g_strfreev (job->practices);
  g_free (job->referral_id);
  g_object_unref (job->file);
  g_free (job);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpLetter) letter = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autofree char *path = g_file_get_path (job->file);

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Choose a folder on this computer to save the letter in."));
      return;
    }
  store = sp_store_open (job->path, &error);
  if (store != NULL)
    {
      sp_store_set_actor (store, job->user, job->roles, (const char * const *) job->practices);
      referral = sp_store_get_referral (store, job->referral_id, &error);
    }
  if (referral != NULL)
    letter = sp_store_letter (store, job->referral_id, job->kind, &error);
  /* The letter carries patient data out of Signpost: the audit trail says so. */
  if (letter == NULL || !sp_letter_write_pdf (letter, path, &error) ||
      !sp_store_audit (store, "referral", referral->record.id, referral->record.practice, "export", &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
save_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SpLetterWindow *self = SP_LETTER_WINDOW (source_object);
  SaveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->n_saves--;
      sp_gui_show_error (GTK_WIDGET (self), _("The Letter Was Not Saved"), error);
      return;
    }
  self->n_saves--;
  {
    g_autofree char *name = g_file_get_basename (job->file);
    /* Translators: a toast; %s is the file's name */
    g_autofree char *text = g_strdup_printf (_("Saved the letter as “%s”"), name);

    toast (self, text);
  }
}

/* Writes the letter shown as a PDF, in a worker thread. */
void
sp_letter_window_save_pdf (SpLetterWindow *self,
                           GFile          *file)
{
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  g_return_if_fail (SP_IS_LETTER_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  job = g_new0 (SaveJob, 1);
  job->path = g_strdup (sp_store_get_path (self->store));
  job->user = g_strdup (sp_store_get_user (self->store));
  job->roles = sp_store_get_roles (self->store);
  job->practices = g_strdupv ((char **) sp_store_get_practices (self->store));
  job->referral_id = g_strdup (self->referral->record.id);
  job->kind = self->letter->kind;
  job->file = g_object_ref (file);
  task = g_task_new (self, self->cancellable, save_cb, NULL);
  g_task_set_source_tag (task, sp_letter_window_save_pdf);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  self->n_saves++;
  g_task_run_in_thread (task, save_thread);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     SpLetterWindow  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        sp_letter_window_save_pdf (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
save_pdf_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SpLetterWindow *self = SP_LETTER_WINDOW (widget);
  g_autofree char *name = NULL;
  GtkFileFilter *filter;

  if (self->chooser != NULL)
    return;
  /* Translators: a file name; keep it short, without spaces */
  name = g_strdup_printf (_("gp-letter-%s.pdf"), self->letter->date ? self->letter->date : "");
  self->chooser = gtk_file_chooser_native_new (_("Save the Letter as PDF"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("PDF documents"));
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_filter_add_suffix (filter, "pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_unref (filter);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
mark_sent_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SpLetterWindow *self = SP_LETTER_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!sp_store_mark_letter_sent (self->store, self->referral->record.id, self->letter->kind, &error) ||
      !load_letter (self, self->letter->kind, &error))
    {
      sp_gui_show_error (widget, _("The Letter Was Not Marked as Sent"), error);
      return;
    }
  toast (self, _("Recorded that the letter was sent"));
  g_signal_emit (self, signals[SENT], 0);
}

/* ---- GObject ----------------------------------------------------------- */

static void
sp_letter_window_dispose (GObject *object)
{
  SpLetterWindow *self = SP_LETTER_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_LETTER_WINDOW);
  g_clear_pointer (&self->letter, sp_letter_free);
  g_clear_pointer (&self->referral, sp_referral_free);
  g_clear_pointer (&self->text, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sp_letter_window_parent_class)->dispose (object);
}

static void
sp_letter_window_class_init (SpLetterWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_letter_window_dispose;

  /* The letter was marked sent: the referral changed. */
  signals[SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-letter-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpLetterWindow, referral_button);
  gtk_widget_class_bind_template_child (widget_class, SpLetterWindow, completion_button);
  gtk_widget_class_bind_template_child (widget_class, SpLetterWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SpLetterWindow, consent_banner);
  gtk_widget_class_bind_template_child (widget_class, SpLetterWindow, pages_box);
  gtk_widget_class_bind_template_child (widget_class, SpLetterWindow, sent_label);
  gtk_widget_class_bind_template_child (widget_class, SpLetterWindow, sent_button);
  gtk_widget_class_bind_template_callback (widget_class, kind_toggled_cb);

  gtk_widget_class_install_action (widget_class, "letter.copy-text", NULL, copy_text_action);
  gtk_widget_class_install_action (widget_class, "letter.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "letter.save-pdf", NULL, save_pdf_action);
  gtk_widget_class_install_action (widget_class, "letter.mark-sent", NULL, mark_sent_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_C, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "letter.copy-text", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "letter.print", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "letter.save-pdf", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sp_letter_window_init (SpLetterWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/* The letter for a referral: after completion once it has ended, else
 * after referral. NULL, with the core's reason, for a draft. */
SpLetterWindow *
sp_letter_window_new (SpStore     *store,
                      const char  *referral_id,
                      GError     **error)
{
  SpLetterWindow *self;
  g_autoptr(SpReferral) referral = NULL;
  gboolean ended;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (referral_id != NULL, NULL);

  referral = sp_store_get_referral (store, referral_id, error);
  if (referral == NULL)
    return NULL;
  ended = !sp_referral_status_is_open (referral->status);

  self = g_object_new (SP_TYPE_LETTER_WINDOW, NULL);
  self->store = g_object_ref (store);
  self->referral = g_steal_pointer (&referral);
  gtk_widget_set_sensitive (GTK_WIDGET (self->completion_button), ended);
  if (!ended)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->completion_button),
                                 _("The letter after completion can be written once the referral has ended"));
  if (!load_letter (self, ended ? SP_LETTER_COMPLETION : SP_LETTER_REFERRAL, error))
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return NULL;
    }
  audit (self, "view");
  return self;
}

SpLetterKind
sp_letter_window_get_kind (SpLetterWindow *self)
{
  g_return_val_if_fail (SP_IS_LETTER_WINDOW (self), 0);
  return self->letter->kind;
}

gboolean
sp_letter_window_set_kind (SpLetterWindow *self,
                           SpLetterKind    kind)
{
  g_return_val_if_fail (SP_IS_LETTER_WINDOW (self), FALSE);

  if (kind == SP_LETTER_COMPLETION && !gtk_widget_get_sensitive (GTK_WIDGET (self->completion_button)))
    return FALSE;
  gtk_toggle_button_set_active (kind == SP_LETTER_COMPLETION ? self->completion_button : self->referral_button, TRUE);
  return self->letter->kind == kind;
}

const SpLetter *
sp_letter_window_get_letter (SpLetterWindow *self)
{
  g_return_val_if_fail (SP_IS_LETTER_WINDOW (self), NULL);
  return self->letter;
}

/* The plain-text copy: what Copy Text copies, and what a screen reader
 * hears of the preview. */
const char *
sp_letter_window_get_text (SpLetterWindow *self)
{
  g_return_val_if_fail (SP_IS_LETTER_WINDOW (self), NULL);
  return self->text;
}

GtkWidget *
sp_letter_window_get_consent_banner (SpLetterWindow *self)
{
  g_return_val_if_fail (SP_IS_LETTER_WINDOW (self), NULL);
  return self->consent_banner;
}

gboolean
sp_letter_window_get_saving (SpLetterWindow *self)
{
  g_return_val_if_fail (SP_IS_LETTER_WINDOW (self), FALSE);
  return self->n_saves > 0;
}
