/* sp-catalogue-import-dialog.c — preview and apply an Open Referral import
 *
 * The feed is read and compared with the catalogue in a worker thread on
 * a store of its own (sp_hsds_feed_load, sp_hsds_import_preview); the
 * dialog lists what would happen: each new, changed (with the fields) and
 * skipped (with the reason) record, and how many are unchanged. Apply
 * writes it all, again in a worker, and the dialog says so with "applied".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-catalogue-import-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-catalogue-import-dialog.h"
#include "sp-hsds-import.h"

struct _SpCatalogueImportDialog
{
  AdwWindow     parent_instance;

  GtkWidget    *apply_button;
  GtkSpinner   *spinner;
  GtkLabel     *summary_label;
  GtkListBox   *list_box;

  char         *path;
  char         *db_path;
  char         *user;
  SpRoles       roles;
  GStrv         practices;
  SpHsdsImport *import;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (SpCatalogueImportDialog, sp_catalogue_import_dialog, ADW_TYPE_WINDOW)

enum {
  APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char         *path;
  char         *db_path;
  char         *user;
  SpRoles       roles;
  GStrv         practices;
  SpHsdsImport *import;  /* to apply; owned */
} Job;

static void
job_free (Job *job)
{
  g_free (job->path);
  g_free (job->db_path);
  g_free (job->user);
  g_strfreev (job->practices);
  g_clear_pointer (&job->import, sp_hsds_import_free);
  g_free (job);
}

static Job *
job_new (SpCatalogueImportDialog *self)
{
  Job *job = g_new0 (Job, 1);

  job->path = g_strdup (self->path);
  job->db_path = g_strdup (self->db_path);
  job->user = g_strdup (self->user);
  job->roles = self->roles;
  job->practices = g_strdupv (self->practices);
  return job;
}

static SpStore *
job_open_store (Job     *job,
                GError **error)
{
  SpStore *store = sp_store_open (job->db_path, error);

  if (store != NULL)
    sp_store_set_actor (store, job->user, job->roles, (const char * const *) job->practices);
  return store;
}

static void
preview_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = NULL;
  g_autoptr(SpHsdsFeed) feed = NULL;
  SpHsdsImport *import;

  store = job_open_store (job, &error);
  if (store != NULL)
    feed = sp_hsds_feed_load (job->path, &error);
  if (feed == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  import = sp_hsds_import_preview (store, feed, &error);
  if (import == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, import, (GDestroyNotify) sp_hsds_import_free);
}

static void
apply_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStore) store = job_open_store (job, &error);

  if (store == NULL || !sp_hsds_import_apply (store, job->import, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&job->import), (GDestroyNotify) sp_hsds_import_free);
}

static void
set_busy (SpCatalogueImportDialog *self,
          gboolean                 busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_set_sensitive (self->apply_button, !busy && self->import != NULL && !self->import->applied);
}

static void
add_row (SpCatalogueImportDialog *self,
         const char              *title,
         const char              *subtitle,
         const char              *badge,
         const char              *style)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (badge != NULL)
    {
      GtkWidget *label = gtk_label_new (badge);

      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (label, "badge");
      if (style != NULL)
        gtk_widget_add_css_class (label, style);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  gtk_list_box_append (self->list_box, row);
}

static void
show_preview (SpCatalogueImportDialog *self)
{
  SpHsdsImport *import = self->import;
  guint n_unchanged = import->n_providers[SP_HSDS_ACTION_UNCHANGED] + import->n_offerings[SP_HSDS_ACTION_UNCHANGED];
  guint n_new = import->n_providers[SP_HSDS_ACTION_NEW] + import->n_offerings[SP_HSDS_ACTION_NEW];
  guint n_changed = import->n_providers[SP_HSDS_ACTION_CHANGED] + import->n_offerings[SP_HSDS_ACTION_CHANGED];
  guint n_skipped = import->n_providers[SP_HSDS_ACTION_SKIPPED] + import->n_offerings[SP_HSDS_ACTION_SKIPPED];
  g_autofree char *summary = NULL;

  /* Translators: what an import would do; the first %s is the feed's format */
  summary = g_strdup_printf (_("%s: %u new, %u changed, %u unchanged, %u skipped."),
                             import->format ? import->format : _("Feed"),
                             n_new, n_changed, n_unchanged, n_skipped);
  gtk_label_set_label (self->summary_label, summary);

  for (guint i = 0; i < import->problems->len; i++)
    add_row (self, import->problems->pdata[i], NULL, _("Problem"), "error");

  for (guint i = 0; i < import->items->len; i++)
    {
      SpHsdsItem *item = import->items->pdata[i];
      const char *kind = item->entity == &sp_entity_provider ? _("Provider") : _("Offering");
      const char *name = item->name ? item->name : item->where;
      g_autofree char *subtitle = NULL;

      switch (item->action)
        {
        case SP_HSDS_ACTION_NEW:
          add_row (self, name, item->needs_review ? _("New; needs review") : kind, _("New"), "success");
          break;
        case SP_HSDS_ACTION_CHANGED:
          {
            g_autofree char *fields = item->changed ? g_strjoinv (", ", item->changed) : g_strdup ("");
            /* Translators: %s lists the fields that change */
            subtitle = g_strdup_printf (_("Changes: %s"), fields);
            add_row (self, name, subtitle, _("Changed"), "accent");
          }
          break;
        case SP_HSDS_ACTION_SKIPPED:
          add_row (self, name ? name : kind, item->reason, _("Skipped"), "warning");
          break;
        case SP_HSDS_ACTION_UNCHANGED:
        case SP_HSDS_N_ACTIONS:
        default:
          break;
        }
    }
  if (n_unchanged > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u record unchanged", "%u records unchanged", n_unchanged),
                                               n_unchanged);
      add_row (self, text, NULL, NULL, NULL);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->list_box), gtk_widget_get_first_child (GTK_WIDGET (self->list_box)) != NULL);
}

static void
preview_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SpCatalogueImportDialog *self = SP_CATALOGUE_IMPORT_DIALOG (source);
  g_autoptr(GError) error = NULL;

  self->import = g_task_propagate_pointer (G_TASK (result), &error);
  if (self->import == NULL)
    gtk_label_set_label (self->summary_label, error->message);
  else
    show_preview (self);
  set_busy (self, FALSE);
}

static void
apply_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SpCatalogueImportDialog *self = SP_CATALOGUE_IMPORT_DIALOG (source);
  g_autoptr(GError) error = NULL;
  SpHsdsImport *import = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *message = NULL;

  if (import == NULL)
    {
      gtk_label_set_label (self->summary_label, error->message);
      set_busy (self, FALSE);
      return;
    }
  self->import = import;
  set_busy (self, FALSE);
  /* Translators: after an import of the catalogue */
  message = g_strdup_printf (_("Catalogue imported: %u new, %u changed"),
                             import->n_providers[SP_HSDS_ACTION_NEW] + import->n_offerings[SP_HSDS_ACTION_NEW],
                             import->n_providers[SP_HSDS_ACTION_CHANGED] + import->n_offerings[SP_HSDS_ACTION_CHANGED]);
  g_signal_emit (self, signals[APPLIED], 0, message);
  gtk_window_close (GTK_WINDOW (self));
}

static void
apply_clicked_cb (SpCatalogueImportDialog *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->busy || self->import == NULL || self->import->applied)
    return;
  job = job_new (self);
  /* The worker owns the import until it is written. */
  job->import = g_steal_pointer (&self->import);
  set_busy (self, TRUE);
  gtk_label_set_label (self->summary_label, _("Importing…"));
  task = g_task_new (self, NULL, apply_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, apply_thread);
}

static void
sp_catalogue_import_dialog_dispose (GObject *object)
{
  SpCatalogueImportDialog *self = SP_CATALOGUE_IMPORT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CATALOGUE_IMPORT_DIALOG);
  g_clear_pointer (&self->import, sp_hsds_import_free);

  G_OBJECT_CLASS (sp_catalogue_import_dialog_parent_class)->dispose (object);
}

static void
sp_catalogue_import_dialog_finalize (GObject *object)
{
  SpCatalogueImportDialog *self = SP_CATALOGUE_IMPORT_DIALOG (object);

  g_free (self->path);
  g_free (self->db_path);
  g_free (self->user);
  g_strfreev (self->practices);

  G_OBJECT_CLASS (sp_catalogue_import_dialog_parent_class)->finalize (object);
}

static void
sp_catalogue_import_dialog_class_init (SpCatalogueImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_catalogue_import_dialog_dispose;
  object_class->finalize = sp_catalogue_import_dialog_finalize;

  /* applied (const char *message): the import is written. */
  signals[APPLIED] = g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  sp_application_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/org/signpost/Signpost/sp-catalogue-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueImportDialog, apply_button);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueImportDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueImportDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, SpCatalogueImportDialog, list_box);
  gtk_widget_class_bind_template_callback (widget_class, apply_clicked_cb);
}

static void
sp_catalogue_import_dialog_init (SpCatalogueImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* Opens the dialog and starts reading @path (a .json file or a folder). */
SpCatalogueImportDialog *
sp_catalogue_import_dialog_new (SpStore    *store,
                                const char *path)
{
  SpCatalogueImportDialog *self;
  g_autoptr(GTask) task = NULL;
  const char * const *practices;

  g_return_val_if_fail (SP_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SP_TYPE_CATALOGUE_IMPORT_DIALOG, NULL);
  self->path = g_strdup (path);
  self->db_path = g_strdup (sp_store_get_path (store));
  self->user = g_strdup (sp_store_get_user (store));
  self->roles = sp_store_get_roles (store);
  practices = sp_store_get_practices (store);
  self->practices = practices ? g_strdupv ((char **) practices) : NULL;

  set_busy (self, TRUE);
  task = g_task_new (self, NULL, preview_done_cb, NULL);
  g_task_set_task_data (task, job_new (self), (GDestroyNotify) job_free);
  g_task_run_in_thread (task, preview_thread);
  return self;
}

gboolean
sp_catalogue_import_dialog_get_busy (SpCatalogueImportDialog *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_IMPORT_DIALOG (self), FALSE);
  return self->busy;
}

GtkListBox *
sp_catalogue_import_dialog_get_list (SpCatalogueImportDialog *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_IMPORT_DIALOG (self), NULL);
  return self->list_box;
}

GtkWidget *
sp_catalogue_import_dialog_get_apply_button (SpCatalogueImportDialog *self)
{
  g_return_val_if_fail (SP_IS_CATALOGUE_IMPORT_DIALOG (self), NULL);
  return self->apply_button;
}
