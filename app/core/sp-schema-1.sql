-- Signpost schema, version 1. Applied by sp-store.c inside one transaction.
-- Every synced table starts with the same six columns (see sp-types.h).
-- Foreign keys are deferred so a sync page may arrive child before parent.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT
);

CREATE TABLE practice (
  ods  TEXT PRIMARY KEY,
  name TEXT NOT NULL
);

CREATE TABLE funder (
  id TEXT PRIMARY KEY, practice TEXT, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  name TEXT NOT NULL, kind TEXT NOT NULL, budget_pence INTEGER NOT NULL DEFAULT 0
    CHECK (budget_pence >= 0),
  year_start TEXT
);

CREATE TABLE provider (
  id TEXT PRIMARY KEY, practice TEXT, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  name TEXT NOT NULL, phone TEXT, email TEXT, website TEXT, address TEXT,
  regulator TEXT, registration_number TEXT, notes TEXT
);

CREATE TABLE offering (
  id TEXT PRIMARY KEY, practice TEXT, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  provider_id TEXT NOT NULL REFERENCES provider (id) DEFERRABLE INITIALLY DEFERRED,
  name TEXT NOT NULL, modality TEXT NOT NULL, description TEXT, format TEXT NOT NULL,
  location_name TEXT, address TEXT, postcode TEXT, lat REAL, lon REAL,
  schedule TEXT, schedule_note TEXT,
  sessions INTEGER NOT NULL DEFAULT 1 CHECK (sessions >= 0),
  fee_pence INTEGER NOT NULL DEFAULT 0 CHECK (fee_pence >= 0),
  sliding_scale TEXT, funder_ids TEXT, targets_msk TEXT, targets_mh TEXT,
  contraindications TEXT, intensity TEXT, access_features TEXT,
  capacity INTEGER, wait_weeks INTEGER NOT NULL DEFAULT 0, evidence TEXT, evidence_note TEXT,
  step INTEGER NOT NULL DEFAULT 2 CHECK (step BETWEEN 1 AND 4),
  active INTEGER NOT NULL DEFAULT 1, last_verified TEXT, age_min INTEGER, age_max INTEGER
);
CREATE INDEX offering_provider ON offering (provider_id);

CREATE TABLE patient (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  nhs_number TEXT NOT NULL CHECK (length (nhs_number) = 10),
  given_name TEXT NOT NULL, family_name TEXT NOT NULL, date_of_birth TEXT, sex TEXT,
  postcode TEXT, address TEXT, phone TEXT, email TEXT, preferred_contact TEXT,
  interpreter INTEGER NOT NULL DEFAULT 0, language TEXT,
  consent_gp INTEGER NOT NULL DEFAULT 0, consent_contact INTEGER NOT NULL DEFAULT 0,
  consent_evaluation INTEGER NOT NULL DEFAULT 0,
  income_band TEXT, access_needs TEXT, precautions TEXT, travel TEXT, lat REAL, lon REAL,
  max_cost_pence INTEGER, preferred_formats TEXT, preferred_days TEXT, notes TEXT
);
CREATE UNIQUE INDEX patient_nhs_number ON patient (practice, nhs_number) WHERE deleted = 0;
CREATE INDEX patient_family_name ON patient (family_name COLLATE NOCASE);
CREATE INDEX patient_given_name ON patient (given_name COLLATE NOCASE);

CREATE TABLE condition (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  patient_id TEXT NOT NULL REFERENCES patient (id) DEFERRABLE INITIALLY DEFERRED,
  kind TEXT NOT NULL CHECK (kind IN ('msk', 'mh')), code TEXT NOT NULL, since TEXT, note TEXT
);
CREATE INDEX condition_patient ON condition (patient_id);

CREATE TABLE referral (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  patient_id TEXT NOT NULL REFERENCES patient (id) DEFERRABLE INITIALLY DEFERRED,
  offering_id TEXT NOT NULL REFERENCES offering (id) DEFERRABLE INITIALLY DEFERRED,
  referrer TEXT, route TEXT, reason TEXT, goals TEXT, status TEXT NOT NULL,
  sessions_planned INTEGER NOT NULL DEFAULT 0, sessions_attended INTEGER NOT NULL DEFAULT 0
    CHECK (sessions_attended >= 0),
  fee_pence INTEGER NOT NULL DEFAULT 0, patient_share_pence INTEGER NOT NULL DEFAULT 0,
  funder_share_pence INTEGER NOT NULL DEFAULT 0, funder_id TEXT, income_band TEXT,
  outcome TEXT, safety_concern TEXT, referred_at TEXT, gp_letter_sent_at TEXT
);
CREATE INDEX referral_patient ON referral (patient_id);
CREATE INDEX referral_offering ON referral (offering_id, status);
CREATE INDEX referral_status ON referral (status);

CREATE TABLE referral_event (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  referral_id TEXT NOT NULL REFERENCES referral (id) DEFERRABLE INITIALLY DEFERRED,
  from_status TEXT, to_status TEXT NOT NULL, at TEXT NOT NULL, by TEXT, note TEXT
);
CREATE INDEX referral_event_referral ON referral_event (referral_id, at);

CREATE TABLE attendance (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  referral_id TEXT NOT NULL REFERENCES referral (id) DEFERRABLE INITIALLY DEFERRED,
  session_date TEXT NOT NULL, attended INTEGER NOT NULL DEFAULT 1, note TEXT
);
CREATE INDEX attendance_referral ON attendance (referral_id, session_date);

CREATE TABLE assessment (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  patient_id TEXT NOT NULL REFERENCES patient (id) DEFERRABLE INITIALLY DEFERRED,
  referral_id TEXT REFERENCES referral (id) DEFERRABLE INITIALLY DEFERRED,
  measure TEXT NOT NULL, answers TEXT NOT NULL, stage TEXT NOT NULL, taken_at TEXT NOT NULL
);
CREATE INDEX assessment_patient ON assessment (patient_id, measure, taken_at);

CREATE TABLE payment (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  referral_id TEXT NOT NULL REFERENCES referral (id) DEFERRABLE INITIALLY DEFERRED,
  patient_id TEXT NOT NULL REFERENCES patient (id) DEFERRABLE INITIALLY DEFERRED,
  payer TEXT NOT NULL CHECK (payer IN ('patient', 'funder')), funder_id TEXT,
  amount_pence INTEGER NOT NULL CHECK (amount_pence <> 0), method TEXT, paid_at TEXT NOT NULL,
  reverses_id TEXT REFERENCES payment (id) DEFERRABLE INITIALLY DEFERRED, note TEXT
);
CREATE INDEX payment_referral ON payment (referral_id);
CREATE INDEX payment_patient ON payment (patient_id);
CREATE INDEX payment_funder ON payment (funder_id);
CREATE UNIQUE INDEX payment_reversal ON payment (reverses_id) WHERE reverses_id IS NOT NULL;

CREATE TABLE audit_event (
  id TEXT PRIMARY KEY, practice TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
  user TEXT NOT NULL, role TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
  action TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX audit_event_entity ON audit_event (entity_id);

-- Local changes waiting to be pushed. A change and its outbox row are written
-- in one transaction; batch_id is frozen before the first send so a retry
-- resends the same batch.
CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  op_id      TEXT NOT NULL UNIQUE,
  entity     TEXT NOT NULL,
  row_id     TEXT NOT NULL,
  op         TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  base_rev   INTEGER NOT NULL,
  changed    TEXT NOT NULL,
  old        TEXT NOT NULL,
  created_at TEXT NOT NULL,
  batch_id   TEXT
);
CREATE INDEX outbox_row ON outbox (entity, row_id);
