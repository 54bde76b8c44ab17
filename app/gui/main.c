/* main.c — the signpost desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sp-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SpApplication) app = NULL;
  g_autofree char *compiled = g_build_filename (BUILD_DATADIR, "gschemas.compiled", NULL);

  /* Run straight from the build tree (the README's first command), the
   * settings schema is the one compiled there; an installed copy has none
   * there and uses the system's. */
  if (g_file_test (compiled, G_FILE_TEST_EXISTS))
    g_setenv ("GSETTINGS_SCHEMA_DIR", BUILD_DATADIR, FALSE);

  app = sp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
