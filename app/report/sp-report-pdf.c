/* sp-report-pdf.c — reports and GP letters as A4 PDF files
 *
 * The PDF goes through GFile's replace, so a failed export never leaves a
 * half-written file where a good one was.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sp-report-pdf"

#include "config.h"

#include <cairo-pdf.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "sp-error.h"
#include "sp-report-draw-private.h"
#include "sp-report-pdf.h"

typedef struct
{
  GOutputStream *stream;
  GError        *error;   /* the first write error */
} Sink;

static cairo_status_t
write_to_stream (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  Sink *sink = closure;

  if (sink->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (sink->stream, data, length, NULL, NULL, &sink->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

typedef guint (*DrawAllFunc) (gconstpointer  data,
                              cairo_t       *cr,
                              gdouble        width,
                              gdouble        height);

static gboolean
write_pdf (const char     *path,
           const char     *title,
           DrawAllFunc     draw_all,
           gconstpointer   data,
           GError        **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  Sink sink = { 0, };
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local_error);
  if (stream == NULL)
    {
      SpError code = SP_ERROR_FAILED;

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        code = SP_ERROR_NO_DIRECTORY;
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
               g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_READ_ONLY))
        code = SP_ERROR_READ_ONLY;
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        code = SP_ERROR_DISK_FULL;
      g_set_error (error, SP_ERROR, code, _("The PDF could not be saved as “%s”: %s"), path, local_error->message);
      return FALSE;
    }
  sink.stream = G_OUTPUT_STREAM (stream);

  surface = cairo_pdf_surface_create_for_stream (write_to_stream, &sink, SP_A4_WIDTH, SP_A4_HEIGHT);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Signpost");
  cr = cairo_create (surface);
  draw_all (data, cr, SP_A4_WIDTH, SP_A4_HEIGHT);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS || sink.error != NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED, _("The PDF could not be saved as “%s”: %s"), path,
                   sink.error != NULL ? sink.error->message : cairo_status_to_string (status));
      g_clear_error (&sink.error);
      /* Cancel the replace: the file that was there stays as it was. */
      {
        g_autoptr(GCancellable) cancellable = g_cancellable_new ();
        g_cancellable_cancel (cancellable);
        g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, NULL);
      }
      return FALSE;
    }

  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, &local_error))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED, _("The PDF could not be saved as “%s”: %s"), path,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static guint
draw_document (gconstpointer  data,
               cairo_t       *cr,
               gdouble        width,
               gdouble        height)
{
  return _sp_report_document_draw_all (data, cr, width, height);
}

static guint
draw_letter (gconstpointer  data,
             cairo_t       *cr,
             gdouble        width,
             gdouble        height)
{
  return _sp_letter_draw_all (data, cr, width, height);
}

gboolean
sp_report_document_write_pdf (const SpReportDocument  *document,
                              const char              *path,
                              GError                 **error)
{
  g_autofree char *title = NULL;

  g_return_val_if_fail (document != NULL && path != NULL, FALSE);

  title = g_strdup_printf (_("%s report"), document->title);
  return write_pdf (path, title, draw_document, document, error);
}

gboolean
sp_letter_write_pdf (const SpLetter  *letter,
                     const char      *path,
                     GError         **error)
{
  g_return_val_if_fail (letter != NULL && path != NULL, FALSE);

  return write_pdf (path, letter->title, draw_letter, letter, error);
}
