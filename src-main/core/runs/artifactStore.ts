import { randomUUID } from 'node:crypto';
import { manifestSchema, type Manifest } from '../../contract/backup';
import { storageManifestSchema, type StorageManifest } from '../../contract/storage';
import type { AuditTrail } from '../audit/auditTrail';
import { factsDetail, type LabelledFact } from '../audit/factChain';
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

interface ArtifactRow {
  id: string;
  run_id: string;
  kind: 'backup' | 'log' | 'storage';
  path: string;
  size_bytes: number;
  sha256_plain: string | null;
  sha256_cipher: string | null;
  manifest: string | null;
  created_at: string;
}

/**
 * The one owner of the artifacts table: what a run produced (its backup, its exported logs). Each row's
 * content is vouched for by the chained audit entry written with it (factChain).
 */
export class ArtifactStore {
  constructor(
    private readonly deps: { db: Db; audit: AuditTrail; actor: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get db(): Db {
    return this.deps.db;
  }

  addBackup(runId: string, path: string, manifest: Manifest): void {
    this.insert({
      id: manifest.backupId, run_id: runId, kind: 'backup', path, size_bytes: manifest.files.dump.ciphertextBytes, sha256_plain: manifest.files.dump.plaintextSha256 ?? null,
      sha256_cipher: manifest.files.dump.ciphertextSha256, manifest: JSON.stringify(manifest), created_at: this.now().toISOString(),
    });
  }

  /** A Storage archive: its hashes, and the object manifest as recorded (the trusted copy). */
  addStorage(runId: string, path: string, plaintextSha256: string, manifest: StorageManifest): void {
    this.insert({
      id: randomUUID(), run_id: runId, kind: 'storage', path, size_bytes: manifest.archive.ciphertextBytes, sha256_plain: plaintextSha256,
      sha256_cipher: manifest.archive.ciphertextSha256, manifest: JSON.stringify(manifest), created_at: this.now().toISOString(),
    });
  }

  addLog(runId: string, path: string, sizeBytes: number, sha256: string): void {
    this.insert({ id: randomUUID(), run_id: runId, kind: 'log', path, size_bytes: sizeBytes, sha256_plain: sha256, sha256_cipher: null, manifest: null, created_at: this.now().toISOString() });
  }

  private insert(row: ArtifactRow): void {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO artifacts (id, run_id, kind, path, size_bytes, sha256_plain, sha256_cipher, manifest, created_at) VALUES (@id, @run_id, @kind, @path, @size_bytes, @sha256_plain, @sha256_cipher, @manifest, @created_at)`)
        .run(row);
      const { project_id } = this.db.prepare('SELECT project_id FROM runs WHERE id = ?').get(row.run_id) as { project_id: string };
      this.deps.audit.append({
        actor: this.deps.actor,
        action: 'artifact.recorded',
        projectId: project_id,
        runId: row.run_id,
        details: { kind: row.kind, path: row.path, ...factsDetail([{ kind: 'artifact', key: row.id, value: row }]) },
      });
    })();
  }

  /** Every artifact row of the run as it is now, to check against the chain. */
  facts(runId: string): LabelledFact[] {
    return (this.db.prepare('SELECT id, run_id, kind, path, size_bytes, sha256_plain, sha256_cipher, manifest, created_at FROM artifacts WHERE run_id = ?').all(runId) as ArtifactRow[]).map((row) => ({
      kind: 'artifact',
      key: row.id,
      label: `${{ backup: 'backup', log: 'exported log', storage: 'Storage archive' }[row.kind]} artifact ${row.path}`,
      value: row,
    }));
  }

  /** The run's Storage backup as recorded (the trusted copy of its object manifest), or null before one. */
  storage(runId: string): { path: string; manifest: StorageManifest } | null {
    const row = this.db.prepare(`SELECT path, manifest FROM artifacts WHERE run_id = ? AND kind = 'storage'`).get(runId) as { path: string; manifest: string } | undefined;
    return row ? { path: row.path, manifest: storageManifestSchema.parse(JSON.parse(row.manifest)) } : null;
  }

  /** Where the run's backup file is, or null before it exists. */
  backupPath(runId: string): string | null {
    return (this.db.prepare(`SELECT path FROM artifacts WHERE run_id = ? AND kind = 'backup'`).get(runId) as { path: string } | undefined)?.path ?? null;
  }

  /** How long the backup took (its manifest's total), without parsing the whole manifest; null without a backup. */
  backupMs(runId: string): number | null {
    const row = this.db.prepare(`SELECT json_extract(manifest, '$.timings.totalMs') AS ms FROM artifacts WHERE run_id = ? AND kind = 'backup'`).get(runId) as { ms: number | null } | undefined;
    return row?.ms ?? null;
  }

  /** The backup a run produced, from the app database (not from the folder, which anyone may edit). */
  backup(runId: string): BackupRecord {
    const found = this.findBackup(runId);
    if (found) return found;
    const run = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string } | undefined;
    if (!run) throw new WardenError('NOT_FOUND', `No backup run with id ${runId}.`);
    throw new WardenError('NOT_FOUND', `Run ${runId} has no finished backup (it is ${run.status}). Create the backup first.`);
  }

  /** As backup(), null before the run has one. */
  findBackup(runId: string): BackupRecord | null {
    const row = this.db
      .prepare(`SELECT a.id, a.path, a.manifest, r.project_id FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE a.run_id = ? AND a.kind = 'backup'`)
      .get(runId) as { id: string; path: string; manifest: string; project_id: string } | undefined;
    return row ? { runId, projectId: row.project_id, backupId: row.id, path: row.path, manifest: manifestSchema.parse(JSON.parse(row.manifest)) } : null;
  }
}
