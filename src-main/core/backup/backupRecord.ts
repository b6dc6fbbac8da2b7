import { manifestSchema, type Manifest } from '../../contract/backup';
import type { Db } from '../db/database';
import { WardenError } from '../errors';

export interface BackupRecord {
  runId: string;
  projectId: string;
  backupId: string;
  path: string;
  /** The manifest as recorded in SQLite when the backup finished: the trusted copy. */
  manifest: Manifest;
}

/** The backup a run produced, from the app database (not from the folder, which anyone may edit). */
export function loadBackup(db: Db, runId: string): BackupRecord {
  const row = db
    .prepare(`SELECT a.id, a.path, a.manifest, r.project_id FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE a.run_id = ? AND a.kind = 'backup'`)
    .get(runId) as { id: string; path: string; manifest: string; project_id: string } | undefined;
  if (!row) {
    const run = db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string } | undefined;
    if (!run) throw new WardenError('NOT_FOUND', `No backup run with id ${runId}.`);
    throw new WardenError('NOT_FOUND', `Run ${runId} has no finished backup (it is ${run.status}). Create the backup first.`);
  }
  return { runId, projectId: row.project_id, backupId: row.id, path: row.path, manifest: manifestSchema.parse(JSON.parse(row.manifest)) };
}
