// Work in progress (issue #7): one row per running backup, integrity check, rehearsal or restore, naming the
// process that runs it and the files it may leave behind. A row whose process is gone after a crash
// or kill -9 is how a restart finds the interrupted run; a live backup row refuses a second backup of
// the same project from any process (the app and the CLI share this database).
export const sql = `
CREATE TABLE activities (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('backup','verify','rehearsal','restore')),
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
  run_id      TEXT REFERENCES runs(id) ON DELETE RESTRICT,
  pid         INTEGER NOT NULL,
  host        TEXT NOT NULL,
  proc_start  TEXT,
  started_at  TEXT NOT NULL,
  leftovers   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX activities_project ON activities(project_id, kind);
`;
