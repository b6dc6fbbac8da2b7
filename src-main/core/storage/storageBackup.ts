import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import type { Evidence } from '../../contract/evidence';
import type { StorageBackupResult, StorageManifest, StorageObjectFacts, StorageProgress } from '../../contract/storage';
import type { AuditTrail } from '../audit/auditTrail';
import { ageDecryptStream, ageEncryptStream } from '../crypto/ageStream';
import { HashStream } from '../crypto/hashStream';
import { sealText } from '../crypto/sealedText';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { ManagementApi } from '../platform/managementApi';
import type { ProjectService } from '../projects/projectService';
import type { Activity, ActivityStore } from '../runs/activities';
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { PARTIAL_SUFFIX, promotePartial, writeFileAtomic } from '../util/atomicFile';
import { makeFolders } from '../util/makeFolders';
import { StorageSource } from './storageSource';
import { storageRecoveryDocument } from './storageRecoveryDocument';
import { storageConsistency, storageRowCount, type RecordedStorageRows } from './storageRows';

export interface StorageBackupOptions {
  signal?: AbortSignal;
  onProgress?: (progress: StorageProgress) => void;
  /** Downloads at once (default 4): enough to hide latency, few enough not to be throttled. */
  concurrency?: number;
}

interface Deps {
  db: Db;
  audit: AuditTrail;
  projects: ProjectService;
  activities: ActivityStore;
  artifacts: ArtifactStore;
  runs: RunStore;
  actor: string;
  managementApiUrl?: string;
}

interface JournalRow {
  bucket: string;
  path: string;
  size_bytes: number;
  content_type: string | null;
  last_modified: string | null;
  sha256: string;
  staged_file: string;
}

/** Where a Storage backup's files lie, beside the run's database backup. */
export function storagePaths(dumpFile: string): { archive: string; manifest: string; recovery: string; staging: string } {
  const stem = dumpFile.replace(/\.dump\.age$/, '');
  return { archive: `${stem}.storage.tar.age`, manifest: `${stem}.storage-manifest.json.age`, recovery: `${stem}.storage.RECOVERY.md`, staging: `${stem}.storage.partial` };
}

/** The storage.objects rows the database backup recorded (count and digest, in its chained entry); null without a Storage schema. */
function recordedRows(db: Db, runId: string): RecordedStorageRows | null {
  const row = db.prepare(`SELECT details FROM audit_log WHERE run_id = ? AND action = 'backup.completed' ORDER BY seq DESC LIMIT 1`).get(runId) as { details: string } | undefined;
  return (row && (JSON.parse(row.details) as { storageRows?: RecordedStorageRows | null }).storageRows) ?? null;
}

/** A staged object's file name: a digest, so the folder names no production path. */
const stagedName = (o: Pick<StorageObjectFacts, 'bucket' | 'path'>) => `${createHash('sha256').update(`${o.bucket}\0${o.path}`).digest('hex').slice(0, 40)}.age`;

/**
 * Backs up every Storage object of the run's Supabase project beside its database backup: downloads
 * stream through SHA-256 and age into a private staging folder (journalled, so an interrupted backup
 * resumes without fetching finished objects again, and nothing lies there in plain text), then one tar
 * of bucket/path entries, age-encrypted to the backup's recipients, and the sealed object manifest.
 */
export class StorageBackupService {
  constructor(
    private readonly deps: Deps,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async backup(runId: string, options: StorageBackupOptions = {}): Promise<StorageBackupResult> {
    const { artifacts, projects, activities, audit, actor, runs } = this.deps;
    const backup = artifacts.backup(runId);
    const project = projects.get(backup.projectId);
    if (!project.apiUrl && !project.supabaseRef) {
      throw new WardenError('VALIDATION', `Storage belongs to a Supabase project: set the Supabase project ref (or, self-hosted, the API URL) of "${project.name}" first — or mark Storage out of scope for this run, with the reason.`);
    }
    // Runs made before Storage was on the checklist have no item: their Storage backup is evidence of its own.
    const item = runs.item(runId, 'storage') !== undefined;
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: project.id, runId, details });
    return activities.run(
      {
        kind: 'storage', projectId: project.id, runId, item: item ? 'storage' : undefined, what: 'The Storage backup', signal: options.signal,
        failedEvidence: (message) => ({ error: `${message} Finished objects are kept (encrypted): running it again resumes.` }),
        details: () => ({ resumable: 'finished objects are kept (encrypted) for the next attempt' }),
      },
      async (activity) => {
        const result = await this.run(runId, backup.path, backup.manifest.encryption.recipients, project.id, project.excludeBuckets, activity, { ...options, signal: activity.signal }, log);
        if (item) {
          const { archiveFile, buckets, objects, bytes, ciphertextSha256, consistency } = result;
          runs.setItem(runId, 'storage', consistency === null || consistency.ok ? 'passed' : 'failed', {
            scope: 'backed-up', archiveFile, buckets, excludedBuckets: project.excludeBuckets, objects, bytes, ciphertextSha256, consistency,
          });
        }
        return result;
      },
    );
  }

  /**
   * Storage left out of this run by a person, with the reason (e.g. the migration does not touch Storage
   * and its files are backed up elsewhere): the item passes as attested, and the audit trail says why.
   */
  outOfScope(runId: string, by: string, reason: string): Evidence<'storage'> {
    const { runs, artifacts, audit, actor, db } = this.deps;
    const backup = artifacts.backup(runId);
    const item = runs.item(runId, 'storage');
    if (!item) throw new WardenError('CONFLICT', 'This run was made before Storage was on the checklist: there is nothing to mark.');
    if (item.state === 'running') throw new WardenError('BUSY', 'A Storage backup of this run is running: cancel it first.');
    if (item.state === 'passed') throw new WardenError('CONFLICT', 'Storage is already settled for this run (its evidence stands).');
    if (artifacts.storage(runId)) throw new WardenError('CONFLICT', 'This run’s Storage is backed up: its archive and the check against the database stand as the evidence.');
    const objectRows = storageRowCount(db, runId);
    const evidence: Evidence<'storage'> = { scope: 'out-of-scope', by, reason, objectRows };
    db.transaction(() => {
      audit.append({ actor, action: 'storage.out-of-scope', projectId: backup.projectId, runId, details: { by, reason, objectRows } });
      runs.attestItem(runId, 'storage', by, reason, evidence);
    })();
    return evidence;
  }

  private async run(
    runId: string, dumpFile: string, recipients: string[], projectId: string, excluded: string[], activity: Activity,
    options: StorageBackupOptions, log: (action: string, details: Record<string, unknown>) => void,
  ): Promise<StorageBackupResult> {
    const { db, projects, activities, artifacts } = this.deps;
    const startedAt = this.now();
    const paths = storagePaths(dumpFile);
    if (existsSync(paths.archive)) throw new WardenError('CONFLICT', `${paths.archive} already exists: this run's Storage is backed up. Start a new backup run for a newer copy.`);
    activities.addLeftover(activity, { kind: 'partial', path: paths.archive + PARTIAL_SUFFIX });
    makeFolders(paths.staging, 0o700);

    const source = await this.source(projectId, 'backup', log);
    const key = await projects.backupKey(projectId, { create: false });
    const report = (p: Omit<StorageProgress, 'resumed'> & { resumed?: number }) => options.onProgress?.({ resumed: 0, ...p });
    report({ phase: 'listing', objectsDone: 0, objectsTotal: 0, bytesDone: 0, bytesTotal: 0 });
    const { buckets, objects } = await source.inventory(excluded, options.signal);
    const bytesTotal = objects.reduce((n, o) => n + o.size, 0);
    log('storage.started', { buckets, objects: objects.length, bytes: bytesTotal });

    // What an earlier, interrupted attempt already fetched (same object, same size, staged file present).
    const journal = new Map((db.prepare('SELECT * FROM storage_objects WHERE run_id = ?').all(runId) as JournalRow[]).map((r) => [`${r.bucket}\0${r.path}`, r]));
    const staged = (o: StorageObjectFacts) => {
      const row = journal.get(`${o.bucket}\0${o.path}`);
      return row && row.size_bytes === o.size && existsSync(join(paths.staging, row.staged_file)) ? row : null;
    };
    const done = new Set(objects.filter((o) => staged(o)));
    const resumed = done.size;
    let objectsDone = resumed;
    let bytesDone = [...done].reduce((n, o) => n + o.size, 0);
    report({ phase: 'downloading', objectsDone, objectsTotal: objects.length, bytesDone, bytesTotal, resumed });

    const record = db.prepare(
      `INSERT OR REPLACE INTO storage_objects (run_id, bucket, path, size_bytes, content_type, last_modified, sha256, staged_file) VALUES (@runId, @bucket, @path, @size, @contentType, @lastModified, @sha256, @stagedFile)`,
    );
    const queue = objects.filter((o) => !done.has(o));
    const fetchOne = async (o: StorageObjectFacts) => {
      const stagedFile = stagedName(o);
      const target = join(paths.staging, stagedFile);
      // The whole download is retried after a failure mid-stream: a staged file is complete or absent.
      const sha256 = await source.retrying(`download ${o.bucket}/${o.path}`, async (attempt) => {
        // This download's share of the progress (downloads run side by side), taken back if it fails.
        let mine = 0;
        const hash = new HashStream((n) => {
          bytesDone += n - mine;
          mine = n;
        });
        try {
          // Every object streams through age, never whole in memory.
          await pipeline(await source.open(o, attempt), hash, ageEncryptStream([key.recipient]), createWriteStream(target + PARTIAL_SUFFIX, { mode: 0o600 }), { signal: attempt });
        } catch (error) {
          bytesDone -= mine;
          rmSync(target + PARTIAL_SUFFIX, { force: true });
          throw error;
        }
        if (hash.bytes !== o.size) {
          bytesDone -= mine;
          throw new WardenError('CONFLICT', `${o.bucket}/${o.path} is ${hash.bytes} bytes, but was listed with ${o.size}: it changed during the backup. Run the Storage backup again.`);
        }
        return hash.sha256;
      }, options.signal);
      renameSync(target + PARTIAL_SUFFIX, target);
      record.run({ runId, ...o, sha256, stagedFile });
      objectsDone++;
      report({ phase: 'downloading', objectsDone, objectsTotal: objects.length, bytesDone, bytesTotal, resumed });
    };
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, async () => {
        for (let o = queue.shift(); o; o = queue.shift()) await fetchOne(o);
      }),
    );

    // One archive, in the listing's order: each staged object decrypted into its tar entry, checked again.
    report({ phase: 'archiving', objectsDone, objectsTotal: objects.length, bytesDone, bytesTotal, resumed });
    const rows = new Map((db.prepare('SELECT * FROM storage_objects WHERE run_id = ?').all(runId) as JournalRow[]).map((r) => [`${r.bucket}\0${r.path}`, r]));
    const tar = tarPack();
    const plain = new HashStream();
    const cipher = new HashStream();
    const written = pipeline(tar, plain, ageEncryptStream(recipients, { large: true }), cipher, createWriteStream(paths.archive + PARTIAL_SUFFIX, { mode: 0o600 }), { signal: options.signal });
    const entries = (async () => {
      for (const o of objects) {
        const row = rows.get(`${o.bucket}\0${o.path}`)!;
        const check = new HashStream();
        await new Promise<void>((resolve, reject) => {
          const entry = tar.entry({ name: `${o.bucket}/${o.path}`, size: o.size, mtime: o.lastModified ? new Date(o.lastModified) : startedAt, mode: 0o644 }, (error) => (error ? reject(error) : resolve()));
          pipeline(createReadStream(join(paths.staging, row.staged_file)), ageDecryptStream([key.identity]), check, entry).catch(reject);
        });
        if (check.sha256 !== row.sha256) throw new WardenError('CONFLICT', `The staged copy of ${o.bucket}/${o.path} no longer matches what was downloaded. Run the Storage backup again.`);
      }
      tar.finalize();
    })();
    try {
      await Promise.all([written, entries]);
    } catch (error) {
      tar.destroy();
      rmSync(paths.archive + PARTIAL_SUFFIX, { force: true });
      throw error;
    }
    promotePartial(paths.archive + PARTIAL_SUFFIX, paths.archive);

    const consistency = storageConsistency(db, runId, excluded, recordedRows(db, runId));
    const finishedAt = this.now();
    const manifest: StorageManifest = {
      format: 'backup-warden/storage@1', runId, apiUrl: source.apiUrl, buckets, excludedBuckets: excluded,
      objects: objects.map((o) => ({ ...o, sha256: rows.get(`${o.bucket}\0${o.path}`)!.sha256 })),
      totals: { objects: objects.length, bytes: bytesTotal },
      archive: { file: paths.archive.slice(dirname(paths.archive).length + 1), ciphertextBytes: statSync(paths.archive).size, ciphertextSha256: cipher.sha256 },
      encryption: { scheme: 'age-x25519', recipients },
      consistency,
      timings: { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), totalMs: finishedAt.getTime() - startedAt.getTime() },
    };
    await sealText(JSON.stringify(manifest, null, 2) + '\n', recipients, paths.manifest);
    // How to put it back with standard tools only, beside it.
    writeFileAtomic(paths.recovery, storageRecoveryDocument(manifest, paths));
    artifacts.addStorage(runId, paths.archive, plain.sha256, manifest);
    rmSync(paths.staging, { recursive: true, force: true });
    log('storage.completed', {
      buckets, objects: objects.length, bytes: bytesTotal, resumed, ciphertextSha256: cipher.sha256, archive: paths.archive,
      consistency: consistency && { ok: consistency.ok, rows: consistency.rows, missingFiles: consistency.missingFiles.count, sizeMismatches: consistency.sizeMismatches.count, filesWithoutRow: consistency.filesWithoutRow.count },
    });
    return { runId, archiveFile: paths.archive, buckets, objects: objects.length, bytes: bytesTotal, resumed, ciphertextSha256: cipher.sha256, consistency };
  }

  /**
   * The project's Storage through supabase-js with its service-role key: the stored one; else, with a
   * Management API token, fetched once and kept in the keychain (`log` records that it was).
   */
  async source(projectId: string, work: 'backup' | 'restore', log: (action: string, details: Record<string, unknown>) => void): Promise<StorageSource> {
    const project = this.deps.projects.get(projectId);
    const ref = project.supabaseRef;
    if (!project.apiUrl && !ref) throw new WardenError('VALIDATION', `Project "${project.name}" has no Supabase project ref or API URL: its Storage cannot be reached. Add one in the project settings.`);
    return new StorageSource(project.apiUrl ?? `https://${ref}.supabase.co`, await this.serviceRoleKey(projectId, ref, log), { work });
  }

  private async serviceRoleKey(projectId: string, ref: string | null, log: (action: string, details: Record<string, unknown>) => void): Promise<string> {
    const { projects } = this.deps;
    const stored = await projects.serviceRoleKey(projectId);
    if (stored) return stored;
    const token = ref ? await projects.managementToken(projectId) : null;
    if (!ref || !token) throw new WardenError('NOT_FOUND', 'Backing up Storage needs the project’s service-role key: paste it in the project settings (Dashboard → Project Settings → API Keys), or save a Management API token so it can be fetched.');
    const key = await new ManagementApi({ token, baseUrl: this.deps.managementApiUrl }).serviceRoleKey(ref);
    await projects.update(projectId, { secrets: { serviceRoleKey: key } });
    log('storage.key-fetched', { from: 'Management API (api-keys?reveal=true)' });
    return key;
  }
}

