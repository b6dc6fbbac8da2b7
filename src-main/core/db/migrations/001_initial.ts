// Projects, runs, checklist items, artifacts and the audit trail.
// Secrets are never stored here: *_ref columns name entries in the OS keychain.
export const sql = `
CREATE TABLE projects (
  id                    TEXT PRIMARY KEY,
  name                  TEXT NOT NULL UNIQUE COLLATE NOCASE,
  environment           TEXT NOT NULL CHECK (environment IN ('production','staging','development','local')),
  supabase_ref          TEXT,
  db_host               TEXT NOT NULL,
  db_port               INTEGER NOT NULL CHECK (db_port BETWEEN 1 AND 65535),
  db_name               TEXT NOT NULL,
  db_user               TEXT NOT NULL,
  sslmode               TEXT NOT NULL CHECK (sslmode IN ('disable','allow','prefer','require','verify-ca','verify-full')),
  storage_bucket        TEXT,
  expected_tables       TEXT NOT NULL,
  db_password_ref       TEXT,
  management_token_ref  TEXT,
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL
);

CREATE TABLE runs (
  id           TEXT PRIMARY KEY,
  project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL CHECK (status IN ('pending','running','succeeded','failed','cancelled','interrupted')),
  created_by   TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  error        TEXT
);
CREATE INDEX runs_project ON runs(project_id, started_at);

CREATE TABLE checklist_items (
  run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  key          TEXT NOT NULL,
  position     INTEGER NOT NULL,
  title        TEXT NOT NULL,
  mode         TEXT NOT NULL CHECK (mode IN ('verified','attested')),
  state        TEXT NOT NULL CHECK (state IN ('pending','running','passed','failed','skipped')),
  evidence     TEXT,
  attested_by  TEXT,
  attested_at  TEXT,
  note         TEXT,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);

CREATE TABLE artifacts (
  id             TEXT PRIMARY KEY,
  run_id         TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  kind           TEXT NOT NULL,
  path           TEXT NOT NULL,
  size_bytes     INTEGER,
  sha256_plain   TEXT,
  sha256_cipher  TEXT,
  manifest       TEXT,
  created_at     TEXT NOT NULL
);
CREATE INDEX artifacts_run ON artifacts(run_id);

-- Append-only, hash-chained: hash = sha256(prev_hash || canonical row content).
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  project_id  TEXT,
  run_id      TEXT,
  details     TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_run ON audit_log(run_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END;
`;
