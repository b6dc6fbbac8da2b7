// Issue #16: Supabase Storage objects. The service-role key lives in the keychain (this is its reference);
// each object downloaded for a run's Storage backup is journalled, so an interrupted backup resumes
// without fetching finished objects again (their staged copies are age-encrypted, never plain on disk).
export const sql = `
ALTER TABLE projects ADD COLUMN service_role_key_ref TEXT;
ALTER TABLE projects ADD COLUMN exclude_buckets TEXT NOT NULL DEFAULT '[]';
-- The project's API URL when not https://<ref>.supabase.co (self-hosted Supabase, a local stack).
ALTER TABLE projects ADD COLUMN api_url TEXT;
CREATE TABLE storage_objects (
  run_id         TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  bucket         TEXT NOT NULL,
  path           TEXT NOT NULL,
  size_bytes     INTEGER NOT NULL,
  content_type   TEXT,
  last_modified  TEXT,
  sha256         TEXT NOT NULL,
  staged_file    TEXT NOT NULL,
  PRIMARY KEY (run_id, bucket, path)
);
-- The storage.objects rows the database backup holds (read in its snapshot): the Storage archive is checked against them.
CREATE TABLE storage_rows (
  run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  bucket      TEXT NOT NULL,
  path        TEXT NOT NULL,
  size_bytes  INTEGER,
  PRIMARY KEY (run_id, bucket, path)
);
-- A Storage backup is an activity of its own (its lock, its leftovers): SQLite cannot widen a CHECK, so the table is rebuilt.
CREATE TABLE activities_new (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('backup','verify','rehearsal','restore','storage')),
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE RESTRICT,
  run_id      TEXT REFERENCES runs(id) ON DELETE RESTRICT,
  pid         INTEGER NOT NULL,
  host        TEXT NOT NULL,
  proc_start  TEXT,
  started_at  TEXT NOT NULL,
  leftovers   TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO activities_new SELECT id, kind, project_id, run_id, pid, host, proc_start, started_at, leftovers FROM activities;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
CREATE INDEX activities_project ON activities(project_id, kind);
`;
