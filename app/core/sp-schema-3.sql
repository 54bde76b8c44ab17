-- Signpost schema, version 3: what the sync client keeps beside the records.
-- Applied by sp-store.c inside one transaction; every v2 table and row is
-- kept as it was.
--
-- The sync settings live in meta under sync.* keys: server_url, username,
-- display_name, role, practices (a JSON array), cursor (the last change
-- sequence applied), last_synced_at and last_error.

-- A change of mine the server could not apply because someone else changed
-- the same fields first. The local row keeps my values until the user
-- chooses; pulls leave the row alone meanwhile (but refresh "theirs").
CREATE TABLE conflict (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  entity      TEXT NOT NULL,
  row_id      TEXT NOT NULL,
  fields      TEXT NOT NULL,            -- JSON array: the fields both sides changed
  mine        TEXT NOT NULL,            -- JSON object: every field my change set, my values
  theirs      TEXT,                     -- JSON object: the server's row (record JSON)
  server_rev  INTEGER NOT NULL DEFAULT 0,
  reason      TEXT,                     -- plain words, when the server's row could not be stored here
  detected_at TEXT NOT NULL,
  UNIQUE (entity, row_id)
);

-- A change of mine the server refused (wrong values, a practice or role that
-- does not allow it). Kept so the user can read why; it leaves the outbox
-- so a sync never loops on it.
CREATE TABLE rejected_change (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  op_id       TEXT NOT NULL UNIQUE,
  entity      TEXT NOT NULL,
  row_id      TEXT NOT NULL,
  op          TEXT NOT NULL,
  base_rev    INTEGER NOT NULL DEFAULT 0,
  changed     TEXT NOT NULL,
  old         TEXT NOT NULL,
  reason      TEXT NOT NULL,
  rejected_at TEXT NOT NULL
);
CREATE INDEX rejected_change_row ON rejected_change (entity, row_id);

-- The batch being sent, found quickly on resume.
CREATE INDEX outbox_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL;
