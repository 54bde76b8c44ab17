/* sp-hsds-import.h — fill the catalogue from an Open Referral (HSDS) feed
 *
 * An import happens in two steps. sp_hsds_import_preview() reads a feed
 * against the store and says, record by record, what would happen: new,
 * changed (and which fields), unchanged, or skipped (and why); nothing is
 * written. Once the admin agrees, sp_hsds_import_apply() writes it all in
 * one transaction, or nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sp-store.h"

G_BEGIN_DECLS

/* Signpost ids for feed records are UUIDs derived from this namespace and
 * the feed's own ids (RFC 4122 version 5), so a re-import finds them. */
#define SP_HSDS_NAMESPACE "70a0782b-d2de-4ac5-a06e-98224903c1eb"

/* Signpost's own taxonomy in exported feeds: term codes are
 * "modality:yoga", "msk:knee_pain", "mh:anxiety", "format:group". */
#define SP_HSDS_TAXONOMY_NAME "Signpost social prescribing"

typedef enum
{
  SP_HSDS_ACTION_NEW,
  SP_HSDS_ACTION_CHANGED,
  SP_HSDS_ACTION_UNCHANGED,
  SP_HSDS_ACTION_SKIPPED,
  SP_HSDS_N_ACTIONS
} SpHsdsAction;

typedef struct
{
  SpHsdsAction        action;
  const SpEntityInfo *entity;        /* &sp_entity_provider or &sp_entity_offering */
  char               *feed_id;       /* its id in the feed; NULL when it had none */
  char               *id;            /* the Signpost record it is or will be; NULL when skipped */
  char               *name;          /* as the feed names it, in plain text */
  char               *where;         /* where in the feed: "services.csv line 4", "service 3" */
  GStrv               changed;       /* Signpost field names, for SP_HSDS_ACTION_CHANGED */
  char               *reason;        /* why it was skipped, for SP_HSDS_ACTION_SKIPPED */
  GPtrArray          *notes;         /* char *: what was left out or needs checking */
  gboolean            needs_review;  /* an offering the admin must classify before it is matched */
  gpointer            incoming;      /* private */
} SpHsdsItem;

typedef struct
{
  char      *source;       /* the file or folder read */
  char      *format;       /* "HSDS 3.0 JSON", … (translated) */
  GPtrArray *items;        /* SpHsdsItem *: organizations, then services, in feed order */
  GPtrArray *problems;     /* char *: about the feed as a whole */
  guint      n_providers[SP_HSDS_N_ACTIONS];
  guint      n_offerings[SP_HSDS_N_ACTIONS];
  guint      n_needs_review;
  gboolean   applied;
} SpHsdsImport;

typedef struct _SpHsdsFeed SpHsdsFeed;

SpHsdsFeed   *sp_hsds_feed_load             (const char    *path,
                                             GError       **error);
SpHsdsFeed   *sp_hsds_feed_new_from_json    (const char    *data,
                                             gsize          length,
                                             GError       **error);
SpHsdsFeed   *sp_hsds_feed_new_from_tables  (GHashTable    *files,
                                             GError       **error);
void          sp_hsds_feed_free             (SpHsdsFeed    *feed);
guint         sp_hsds_feed_get_n_services   (SpHsdsFeed    *feed);
const char   *sp_hsds_feed_get_format       (SpHsdsFeed    *feed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpHsdsFeed, sp_hsds_feed_free)

SpHsdsImport *sp_hsds_import_preview        (SpStore       *store,
                                             SpHsdsFeed    *feed,
                                             GError       **error);
gboolean      sp_hsds_import_apply          (SpStore       *store,
                                             SpHsdsImport  *import,
                                             GError       **error);
SpHsdsImport *sp_store_import_hsds          (SpStore       *store,
                                             const char    *path,
                                             gboolean       dry_run,
                                             GError       **error);
void          sp_hsds_import_free           (SpHsdsImport  *import);
const char   *sp_hsds_action_name           (SpHsdsAction   action);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpHsdsImport, sp_hsds_import_free)

char         *sp_hsds_derive_id             (const char    *kind,
                                             const char    *feed_id);
char         *sp_hsds_taxonomy_id           (void);
char         *sp_hsds_term_id               (const char    *code);

G_END_DECLS
