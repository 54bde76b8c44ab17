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
  g_autoptr(SpApplication) app = sp_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
