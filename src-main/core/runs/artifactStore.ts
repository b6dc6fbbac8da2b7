import { randomUUID } from 'node:crypto';
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

/** The one owner of the artifacts table: what a run produced (its backup, its exported logs). */
export class ArtifactStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  addBackup(runId: string, path: string, manifest: Manifest): void {
    this.db
      .prepare(`INSERT INTO artifacts (id, run_id, kind, path, size_bytes, sha256_plain, sha256_cipher, manifest, created_at) VALUES (?, ?, 'backup', ?, ?, ?, ?, ?, ?)`)
      .run(manifest.backupId, runId, path, manifest.files.dump.ciphertextBytes, manifest.files.dump.plaintextSha256, manifest.files.dump.ciphertextSha256, JSON.stringify(manifest), this.now().toISOString());
  }

  addLog(runId: string, path: string, sizeBytes: number, sha256: string): void {
    this.db.prepare(`INSERT INTO artifacts (id, run_id, kind, path, size_bytes, sha256_plain, created_at) VALUES (?, ?, 'log', ?, ?, ?, ?)`).run(randomUUID(), runId, path, sizeBytes, sha256, this.now().toISOString());
  }

  /** Where the run's backup file is, or null before it exists. */
  backupPath(runId: string): string | null {
    return (this.db.prepare(`SELECT path FROM artifacts WHERE run_id = ? AND kind = 'backup'`).get(runId) as { path: string } | undefined)?.path ?? null;
  }

  /** The backup a run produced, from the app database (not from the folder, which anyone may edit). */
  backup(runId: string): BackupRecord {
    const row = this.db
      .prepare(`SELECT a.id, a.path, a.manifest, r.project_id FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE a.run_id = ? AND a.kind = 'backup'`)
      .get(runId) as { id: string; path: string; manifest: string; project_id: string } | undefined;
    if (!row) {
      const run = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string } | undefined;
      if (!run) throw new WardenError('NOT_FOUND', `No backup run with id ${runId}.`);
      throw new WardenError('NOT_FOUND', `Run ${runId} has no finished backup (it is ${run.status}). Create the backup first.`);
    }
    return { runId, projectId: row.project_id, backupId: row.id, path: row.path, manifest: manifestSchema.parse(JSON.parse(row.manifest)) };
  }
}
