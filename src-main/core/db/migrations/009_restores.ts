// Issue #14: restores of a run's backup into a project (rollbacks), each with its safety backup and outcome.
export const sql = `
CREATE TABLE restores (
  id                 TEXT PRIMARY KEY,
  run_id             TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  target_project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
  endpoint           TEXT NOT NULL,
  state              TEXT NOT NULL CHECK (state IN ('running','restored','partially-restored','failed','cancelled')),
  phase              TEXT NOT NULL CHECK (phase IN ('safety-backup','restoring','verifying','done')),
  requested_by       TEXT NOT NULL,
  confirmed_by       TEXT,
  override_reason    TEXT,
  safety_run_id      TEXT REFERENCES runs(id) ON DELETE RESTRICT,
  safety_file        TEXT,
  verified           TEXT,
  error              TEXT,
  started_at         TEXT NOT NULL,
  finished_at        TEXT
);
CREATE INDEX restores_run ON restores(run_id);
`;
