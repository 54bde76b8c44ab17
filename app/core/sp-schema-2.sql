-- Signpost schema, version 2: what evidence reports, GP letters and catalogue
-- import need.

-- The patient's NHS Friends and Family Test answer, asked at completion.
ALTER TABLE referral ADD COLUMN fft TEXT;
-- When the letter telling the GP about the referral was sent (the letter
-- after completion is gp_letter_sent_at).
ALTER TABLE referral ADD COLUMN gp_referral_letter_at TEXT;

-- Catalogue entries brought in from an Open Referral (HSDS) feed: the feed's
-- own ids, when the feed last changed them, and whether an admin still has
-- to classify them before they are matched.
ALTER TABLE offering ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offering ADD COLUMN source_id TEXT;
ALTER TABLE offering ADD COLUMN source_modified TEXT;
ALTER TABLE offering ADD COLUMN eligibility TEXT;
ALTER TABLE provider ADD COLUMN source_id TEXT;
CREATE INDEX offering_source ON offering (source_id);
CREATE INDEX provider_source ON provider (source_id);
