/* test-contrast.c — the caseload's badges stay readable in every style
 *
 * A caseload row with all four badges (MSK, MH, follow-up due, a referral
 * state) is drawn in a real window under Xvfb, and each badge's pixels are
 * read back: the colour of its fill, and the colour of its text (the pixel
 * that stands out most from the fill). Small bold text needs a contrast of
 * 4.5:1 (WCAG 2.1 AA, 1.4.3); every badge is checked in the light and the
 * dark style, and at 200 % text. Meson runs this program a second time with
 * ADW_DEBUG_HIGH_CONTRAST=1, which is how libadwaita 1.2 is told to use its
 * high-contrast style, so the same checks hold there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <adwaita.h>

#include "sp-application.h"
#include "sp-patient-item.h"
#include "sp-patient-row.h"

#define WCAG_AA 4.5
#define ROW_WIDTH 1024

typedef struct
{
  guint8 r, g, b;
} Rgb;

/* WCAG 2.1 relative luminance of an sRGB colour. */
static double
luminance (Rgb c)
{
  double channel[3] = { c.r / 255.0, c.g / 255.0, c.b / 255.0 };

  for (guint i = 0; i < 3; i++)
    channel[i] = channel[i] <= 0.04045 ? channel[i] / 12.92 : pow ((channel[i] + 0.055) / 1.055, 2.4);
  return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2];
}

static double
contrast (Rgb a,
          Rgb b)
{
  double la = luminance (a), lb = luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

typedef struct
{
  GtkWindow *window;
  GtkWidget *row;
  guchar    *pixels;  /* the window drawn, RGBA, straight alpha */
  int        width;
  int        height;
  int        stride;
} Drawn;

static void
collect_badges (GtkWidget *widget,
                GPtrArray *badges)
{
  if (gtk_widget_has_css_class (widget, "badge") && gtk_widget_get_visible (widget))
    g_ptr_array_add (badges, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_badges (child, badges);
}

static gboolean
stop_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, stop_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* A row for a patient with every badge, in a window of its own, drawn. */
static void
draw_row (Drawn *drawn,
          int    xft_dpi)
{
  g_autoptr(SpPatientItem) item = g_object_new (SP_TYPE_PATIENT_ITEM,
                                                "id", "6b1f5d1e-1b7a-4c1e-9a52-7c3e1f0d2a11",
                                                "name", "Bronwen Pritchard-Hughes",
                                                "nhs-number", "999 000 0018",
                                                "age", 58,
                                                "has-msk", TRUE,
                                                "has-mh", TRUE,
                                                "follow-up-due", TRUE,
                                                "referral-status", "attending",
                                                NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;

  drawn->window = GTK_WINDOW (gtk_window_new ());
  drawn->row = sp_patient_row_new ();
  sp_patient_row_set_item (SP_PATIENT_ROW (drawn->row), item);
  gtk_window_set_child (drawn->window, drawn->row);
  gtk_window_set_default_size (drawn->window, ROW_WIDTH, -1);
  gtk_window_present (drawn->window);
  while (!gtk_widget_get_mapped (drawn->row) || gtk_widget_get_width (drawn->row) < ROW_WIDTH)
    g_main_context_iteration (NULL, TRUE);
  /* The text scale changed with the window open, as a user changes it. */
  if (xft_dpi > 0)
    g_object_set (gtk_settings_get_default (), "gtk-xft-dpi", xft_dpi, NULL);
  spin (300);

  drawn->width = gtk_widget_get_width (GTK_WIDGET (drawn->window));
  drawn->height = gtk_widget_get_height (GTK_WIDGET (drawn->window));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (drawn->window));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, drawn->width, drawn->height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (GTK_NATIVE (drawn->window));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, drawn->width, drawn->height));
  /* gdk_texture_download() gives cairo's layout: native-endian ARGB32,
   * premultiplied. The window's background is opaque, so every pixel is. */
  drawn->stride = drawn->width * 4;
  drawn->pixels = g_malloc (drawn->stride * drawn->height);
  gdk_texture_download (texture, drawn->pixels, drawn->stride);
}

static void
drawn_clear (Drawn *drawn)
{
  gtk_window_destroy (drawn->window);
  g_free (drawn->pixels);
  memset (drawn, 0, sizeof *drawn);
}

static Rgb
pixel (const Drawn *drawn,
       int          x,
       int          y)
{
  guint32 argb;
  Rgb c;

  memcpy (&argb, drawn->pixels + y * drawn->stride + x * 4, 4);
  c.r = (argb >> 16) & 0xff;
  c.g = (argb >> 8) & 0xff;
  c.b = argb & 0xff;
  return c;
}

/* The fill of a badge (its commonest colour, away from the rounded ends)
 * against its text (the colour there that stands out most from it). */
static double
badge_contrast (const Drawn *drawn,
                GtkWidget   *badge)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  graphene_rect_t bounds;
  int x0, x1, y0, y1;
  guint best_count = 0;
  guint32 fill_key = 0;
  Rgb fill, text = { 0, };
  double best = 1.0;

  g_assert_true (gtk_widget_compute_bounds (badge, GTK_WIDGET (drawn->window), &bounds));
  y0 = (int) ceil (bounds.origin.y);
  y1 = (int) floor (bounds.origin.y + bounds.size.height);
  /* The straight middle of the pill: its ends show the row behind. */
  x0 = (int) ceil (bounds.origin.x + bounds.size.height / 2);
  x1 = (int) floor (bounds.origin.x + bounds.size.width - bounds.size.height / 2);
  g_assert_cmpint (x1 - x0, >, 4);
  g_assert_cmpint (y1 - y0, >, 4);
  g_assert_cmpint (x1, <=, drawn->width);
  g_assert_cmpint (y1, <=, drawn->height);

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        Rgb c = pixel (drawn, x, y);
        guint32 key = (c.r << 16) | (c.g << 8) | c.b | 0x1000000;
        guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, GUINT_TO_POINTER (key))) + 1;

        g_hash_table_insert (counts, GUINT_TO_POINTER (key), GUINT_TO_POINTER (n));
        if (n > best_count)
          {
            best_count = n;
            fill_key = key;
          }
      }
  fill.r = (fill_key >> 16) & 0xff;
  fill.g = (fill_key >> 8) & 0xff;
  fill.b = fill_key & 0xff;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        Rgb c = pixel (drawn, x, y);
        double ratio = contrast (c, fill);

        if (ratio > best)
          {
            best = ratio;
            text = c;
          }
      }
  g_test_message ("badge “%s”: fill #%02x%02x%02x, text #%02x%02x%02x, contrast %.2f:1",
                  gtk_label_get_label (GTK_LABEL (badge)), fill.r, fill.g, fill.b,
                  text.r, text.g, text.b, best);
  return best;
}

static void
check_badges (gboolean dark)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autoptr(GPtrArray) badges = g_ptr_array_new ();
  Drawn drawn = { 0, };

  adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_assert_true (adw_style_manager_get_dark (style) == dark);
  g_test_message ("%s style, %s contrast", dark ? "dark" : "light",
                  adw_style_manager_get_high_contrast (style) ? "high" : "normal");

  draw_row (&drawn, 0);
  collect_badges (drawn.row, badges);
  g_assert_cmpuint (badges->len, ==, 4);
  for (guint i = 0; i < badges->len; i++)
    {
      double ratio = badge_contrast (&drawn, badges->pdata[i]);

      if (ratio < WCAG_AA)
        g_error ("the “%s” badge has a contrast of %.2f:1 in the %s style; small text needs %.1f:1",
                 gtk_label_get_label (GTK_LABEL (badges->pdata[i])), ratio, dark ? "dark" : "light", WCAG_AA);
    }
  drawn_clear (&drawn);
}

static void
test_light (void)
{
  check_badges (FALSE);
}

static void
test_dark (void)
{
  check_badges (TRUE);
}

/* At 200 % text a caseload row as wide as a small laptop's window still
 * shows every badge whole and some of the name, and the badges keep their
 * contrast. */
static void
test_large_text (void)
{
  GtkSettings *settings = gtk_settings_get_default ();
  g_autoptr(GPtrArray) badges = g_ptr_array_new ();
  GtkWidget *name = NULL;
  int dpi = 0;
  Drawn drawn = { 0, };

  g_object_get (settings, "gtk-xft-dpi", &dpi, NULL);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);

  draw_row (&drawn, 2 * 96 * 1024);
  collect_badges (drawn.row, badges);
  g_assert_cmpuint (badges->len, ==, 4);
  for (guint i = 0; i < badges->len; i++)
    {
      GtkWidget *badge = badges->pdata[i];
      int natural = 0;

      graphene_rect_t bounds;

      /* The border box, drawn, against what the badge asks for. */
      gtk_widget_measure (badge, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
      g_assert_true (gtk_widget_compute_bounds (badge, GTK_WIDGET (drawn.window), &bounds));
      g_test_message ("“%s” at 200 %%: %.0f px wide, asks for %d", gtk_label_get_label (GTK_LABEL (badge)),
                      bounds.size.width, natural);
      g_assert_cmpfloat (bounds.size.width, >=, natural);
      g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, drawn.width);
      g_assert_cmpfloat (badge_contrast (&drawn, badge), >=, WCAG_AA);
    }

  /* The name: the first label of the row. */
  for (GtkWidget *w = drawn.row; w != NULL; w = gtk_widget_get_first_child (w))
    if (GTK_IS_LABEL (w))
      {
        name = w;
        break;
      }
  g_assert_nonnull (name);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (name)), ==, "Bronwen Pritchard-Hughes");
  /* Room for more than a few letters of it. */
  g_assert_cmpint (gtk_widget_get_width (name), >=, ROW_WIDTH / 5);

  drawn_clear (&drawn);
  g_object_set (settings, "gtk-xft-dpi", dpi, NULL);
}

int
main (int   argc,
      char *argv[])
{
  /* The same rendering everywhere: cairo, as on a desk without a GPU. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  sp_application_ensure_resources ();
  {
    g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (provider, "/org/signpost/Signpost/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/contrast/badges/light", test_light);
  g_test_add_func ("/contrast/badges/dark", test_dark);
  g_test_add_func ("/contrast/large-text", test_large_text);
  return g_test_run ();
}
