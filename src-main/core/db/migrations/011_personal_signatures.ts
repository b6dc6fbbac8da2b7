// Issue #15: each signer signs the log with their own SSH key. The log is frozen as a review document when
// the creator signs, and the verifier signs those same bytes (here, or from a review bundle elsewhere).
export const sql = `
ALTER TABLE signoffs ADD COLUMN principal TEXT;
ALTER TABLE signoffs ADD COLUMN public_key TEXT;
ALTER TABLE signoffs ADD COLUMN signature TEXT;
ALTER TABLE signoffs ADD COLUMN checked_on TEXT;
CREATE TABLE review_documents (
  run_id        TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE RESTRICT,
  generated_at  TEXT NOT NULL,
  markdown      TEXT NOT NULL,
  json          TEXT NOT NULL,
  -- seq:hash of the audit trail's newest entry the document states (its anchor outside the database)
  audit_head    TEXT
);
`;
