/* sp-error.h — the one error domain of the Signpost core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SP_ERROR (sp_error_quark ())

/**
 * SpError:
 * Every failure the core reports. Messages are written for a link worker at a
 * surgery desk: they say what went wrong and what to do about it.
 */
typedef enum
{
  SP_ERROR_FAILED,         /* anything not listed below */
  SP_ERROR_INVALID,        /* a value a user typed or a file held is not acceptable */
  SP_ERROR_NOT_FOUND,      /* no such record */
  SP_ERROR_DUPLICATE,      /* the record already exists (e.g. same NHS number) */
  SP_ERROR_TRANSITION,     /* a referral cannot move to the asked state */
  SP_ERROR_NOT_SIGNPOST,   /* the file is not a Signpost database */
  SP_ERROR_NEWER_SCHEMA,   /* the database was made by a newer Signpost */
  SP_ERROR_LOCKED,         /* another program holds the database */
  SP_ERROR_READ_ONLY,      /* the file or folder cannot be written */
  SP_ERROR_NO_DIRECTORY,   /* the folder does not exist */
  SP_ERROR_DISK_FULL,      /* no space left */
  SP_ERROR_CONSTRAINT,     /* the store refused the change as inconsistent */
  SP_ERROR_CORRUPT,        /* the database is damaged */
  SP_ERROR_PERMISSION,     /* the user's role does not allow it */
} SpError;

GQuark sp_error_quark (void);

G_END_DECLS
