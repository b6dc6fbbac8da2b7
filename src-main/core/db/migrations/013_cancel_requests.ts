// Issue #12: work running in one process can be cancelled from another (the CLI's "cancel", the app's
// Cancel for work the CLI started): the request is written on the activity, which watches for it. The
// recovery check becomes an activity of its own (its lock, crash recovery, cancel); SQLite cannot widen a
// CHECK, so the table is rebuilt.
export const sql = `
CREATE TABLE activities_new (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('backup','verify','rehearsal','restore','storage','recovery')),
  project_id        TEXT NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
  run_id            TEXT REFERENCES runs(id) ON DELETE RESTRICT,
  pid               INTEGER NOT NULL,
  host              TEXT NOT NULL,
  proc_start        TEXT,
  started_at        TEXT NOT NULL,
  leftovers         TEXT NOT NULL DEFAULT '[]',
  cancel_requested  TEXT
);
INSERT INTO activities_new (id, kind, project_id, run_id, pid, host, proc_start, started_at, leftovers)
  SELECT id, kind, project_id, run_id, pid, host, proc_start, started_at, leftovers FROM activities;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
CREATE INDEX activities_project ON activities(project_id, kind);
`;
