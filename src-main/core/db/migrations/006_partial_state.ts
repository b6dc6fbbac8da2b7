// Issue #11: a rehearsal can come out "partial" (extensions the scratch server lacks kept part of the
// backup out): a state of its own, never green. SQLite cannot alter a CHECK constraint, so the table is rebuilt.
export const sql = `
CREATE TABLE checklist_items_new (
  run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
  key          TEXT NOT NULL,
  position     INTEGER NOT NULL,
  title        TEXT NOT NULL,
  mode         TEXT NOT NULL CHECK (mode IN ('verified','attested')),
  state        TEXT NOT NULL CHECK (state IN ('pending','running','passed','partial','failed','skipped')),
  evidence     TEXT,
  attested_by  TEXT,
  attested_at  TEXT,
  note         TEXT,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
INSERT INTO checklist_items_new SELECT run_id, key, position, title, mode, state, evidence, attested_by, attested_at, note, updated_at FROM checklist_items;
DROP TABLE checklist_items;
ALTER TABLE checklist_items_new RENAME TO checklist_items;
`;
