// Sign-off and export (issue #5): who signed each run and in which role; installation settings such as
// the public half of the log-signing key (the private half is in the keychain).
export const sql = `
CREATE TABLE signoffs (
  run_id           TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  role             TEXT NOT NULL CHECK (role IN ('creator','verifier')),
  name             TEXT NOT NULL,
  os_user          TEXT NOT NULL,
  signed_at        TEXT NOT NULL,
  override_reason  TEXT,
  PRIMARY KEY (run_id, role)
);
CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
ALTER TABLE projects ADD COLUMN notify_webhook_ref TEXT;
`;
