import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { publicManifest, sealedManifestFile, sealsFullManifest, type Manifest } from '../../contract/backup';
import { formatBytes } from '../../contract/format';
import type { CheckResult, VerifyReport } from '../../contract/verify';
import type { AuditTrail } from '../audit/auditTrail';
import type { ArtifactStore, BackupRecord } from '../runs/artifactStore';
import { decryptAndHash } from '../crypto/decryptPass';
import type { CheckProgress } from '../../contract/runs';
import { PhasedProgress } from '../runs/phasedProgress';
import { openSealedText } from '../crypto/sealedText';
import { choosePgTool } from '../pgtools/discovery';
import type { ProjectService } from '../projects/projectService';
import type { ActivityStore } from '../runs/activities';
import type { RunStore } from '../runs/runStore';
import { canonicalJson } from '../util/canonicalJson';
import { redact } from '../util/redact';
import { stderrTail } from '../util/runTool';
import { parseToc, spawnArchiveList, type TocEntry } from './archiveToc';
import type { StorageManifest } from '../../contract/storage';
import { readStorageArchive } from '../storage/storageArchive';

/** The run's Storage archive read in full: its recorded hash, every object's size and SHA-256, none missing. */
async function storageArchiveMatches(storage: { path: string; manifest: StorageManifest }, identities: string[], signal?: AbortSignal): Promise<[boolean, string]> {
  if (!existsSync(storage.path)) return [false, `${storage.path} is missing.`];
  let objects = 0;
  try {
    const missing = await readStorageArchive({
      archive: storage.path, manifest: storage.manifest, identities, signal,
      onEntry: async (_o, bytes) => {
        for await (const _chunk of bytes) void _chunk;
        objects++;
      },
    });
    if (missing.length) return [false, `${missing.length} object(s) of its manifest are not in the archive: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}.`];
    return [true, `${objects} objects, ${formatBytes(storage.manifest.totals.bytes)}: decrypted in full, each object's size and SHA-256 as its manifest records.`];
  } catch (error) {
    if (signal?.aborted) throw error;
    return [false, redact(error instanceof Error ? error.message : String(error))];
  }
}

/**
 * Smallest plausible dump relative to the database: pg_dump leaves out indexes and compresses (zstd of a
 * nearly empty database to ~0.15% of its size, mostly catalog pages), but not to nothing.
 */
const MIN_DUMP_FRACTION = 0.001;
const MIN_DUMP_BYTES = 8 * 1024;

export interface IntegrityOptions {
  /** Identities to decrypt with (e.g. an offline break-glass key); default: the project's key from the keychain. */
  identities?: string[];
  pgToolsDir?: string;
  /** Cancels the check: the read, decryption and pg_restore --list stop at once. */
  signal?: AbortSignal;
  /** Its phases and how far it is, with an estimate of the time left. */
  onProgress?: (progress: CheckProgress) => void;
}

const DECRYPTING = 'Reading, decrypting and hashing the backup';
const STORAGE = 'Reading the Storage archive';

interface DecryptPass {
  ciphertextSha256: string;
  ciphertextBytes: number;
  plaintextSha256: string | null;
  plaintextBytes: number;
  decryptError: string | null;
  toc: TocEntry[] | null;
  listError: string | null;
}

export class IntegrityService {
  constructor(private readonly deps: { audit: AuditTrail; projects: ProjectService; runs: RunStore; activities: ActivityStore; artifacts: ArtifactStore; actor: string }) {}

  async verify(runId: string, options: IntegrityOptions = {}): Promise<VerifyReport> {
    const backup = this.deps.artifacts.backup(runId);
    // Checks report what they find; a failure here means the check itself could not run (keychain, tools) or was cancelled.
    return this.deps.activities.run(
      { kind: 'verify', projectId: backup.projectId, runId, item: 'integrity', what: 'The integrity check', signal: options.signal, details: () => ({ backupId: backup.backupId }) },
      (activity) => this.check(runId, backup, { ...options, signal: activity.signal }, (dir) => this.deps.activities.addLeftover(activity, { kind: 'temp-dir', path: dir })),
    );
  }

  private async check(runId: string, backup: BackupRecord, options: IntegrityOptions, onTempDir: (dir: string) => void): Promise<VerifyReport> {
    const { audit, projects, runs, actor } = this.deps;
    const started = performance.now();
    const { manifest } = backup;
    const project = projects.get(backup.projectId);
    const checks: CheckResult[] = [];
    const add = (key: string, title: string, ok: boolean | null, detail: string, numbers: CheckResult['numbers'] = {}) =>
      checks.push({ key, title, status: ok === null ? 'not-run' : ok ? 'passed' : 'failed', detail, numbers });

    const present = existsSync(backup.path);
    const size = present ? statSync(backup.path).size : 0;
    add('file-present', 'Backup file present with the recorded size', present && size === manifest.files.dump.ciphertextBytes,
      !present ? `${backup.path} is missing.` : size === manifest.files.dump.ciphertextBytes ? `${size} bytes, as recorded.` : `${size} bytes on disk, ${manifest.files.dump.ciphertextBytes} recorded: the file was truncated, extended or replaced.`,
      { expectedBytes: manifest.files.dump.ciphertextBytes, actualBytes: size });
    add('manifest-match', 'Manifest beside the file matches the recorded one', ...manifestMatches(backup.path, manifest));

    if (!present) {
      for (const [key, title] of PASS_CHECKS) if (key !== 'plaintext-sha256' || manifest.files.dump.plaintextSha256 !== undefined) add(key, title, null, 'Not run: the backup file is missing.');
    } else {
      const identities = options.identities ?? [(await projects.backupKey(project.id, { create: false })).identity];
      const storage = this.deps.artifacts.storage(runId);
      const progress = options.onProgress && new PhasedProgress('integrity', [{ name: DECRYPTING, weight: manifest.files.dump.ciphertextBytes }, ...(storage ? [{ name: STORAGE, weight: storage.manifest.archive.ciphertextBytes }] : [])], options.onProgress);
      progress?.phase(DECRYPTING);
      const onBytes = progress && ((read: number) => progress.advance(read / Math.max(1, manifest.files.dump.ciphertextBytes)));
      const pass = await this.decryptPass(backup.path, identities, manifest, { dir: options.pgToolsDir, prefer: projects.toolDirs(backup.projectId) }, { signal: options.signal, onBytes, onTempDir });
      const cipherOk = pass.ciphertextSha256 === manifest.files.dump.ciphertextSha256;
      add('ciphertext-sha256', 'Ciphertext SHA-256 matches', cipherOk,
        cipherOk ? `sha256 ${pass.ciphertextSha256}` : `sha256 is ${pass.ciphertextSha256}, recorded ${manifest.files.dump.ciphertextSha256}: the file's bytes changed since the backup.`,
        { expected: manifest.files.dump.ciphertextSha256, actual: pass.ciphertextSha256 });
      add('decrypt', 'Full decryption pass (authenticated)', pass.decryptError === null,
        pass.decryptError === null ? `Decrypted ${pass.plaintextBytes} bytes; every 64 KiB chunk authenticated.` : pass.decryptError);
      // Recorded before manifest@4 only: the file's digest determines what it decrypts to.
      const recordedPlain = manifest.files.dump.plaintextSha256;
      if (recordedPlain !== undefined && pass.plaintextSha256 === null) {
        add('plaintext-sha256', 'Plaintext SHA-256 matches', null, 'Not run: decryption failed.');
      } else if (recordedPlain !== undefined) {
        const ok = pass.plaintextSha256 === recordedPlain;
        add('plaintext-sha256', 'Plaintext SHA-256 matches', ok, ok ? `sha256 ${pass.plaintextSha256}` : `sha256 is ${pass.plaintextSha256}, recorded ${recordedPlain}.`,
          { expected: recordedPlain, actual: pass.plaintextSha256 });
      }
      if (sealsFullManifest(manifest)) add('sealed-manifest', 'Encrypted full manifest matches the recorded one', ...(await sealedManifestMatches(backup.path, manifest, identities)));
      this.archiveChecks(pass, manifest, project.expectedTables, add);
      if (storage) {
        progress?.phase(STORAGE);
        add('storage-archive', 'Storage archive decrypts and matches its object manifest', ...(await storageArchiveMatches(storage, identities, options.signal)));
      }
    }
    this.sizeCheck(manifest, add);

    const ok = checks.every((c) => c.status === 'passed');
    const report: VerifyReport = { runId, backupId: backup.backupId, ok, checks, durationMs: Math.round(performance.now() - started) };
    runs.setItem(runId, 'integrity', ok ? 'passed' : 'failed', report);
    audit.append({
      actor,
      action: ok ? 'verify.passed' : 'verify.failed',
      projectId: project.id,
      runId,
      details: { backupId: backup.backupId, failed: checks.filter((c) => c.status !== 'passed').map((c) => `${c.key}: ${c.detail}`), durationMs: report.durationMs },
    });
    return report;
  }

  /** One read of the file: ciphertext hash → decrypt (worker) → [plaintext hash] → pg_restore --list (of toc.dat, unpacked, for a directory archive). */
  private async decryptPass(
    path: string,
    identities: string[],
    manifest: Manifest,
    tools: { dir?: string; prefer: string[] },
    { signal, onBytes, onTempDir }: { signal?: AbortSignal; onBytes?: (read: number) => void; onTempDir: (dir: string) => void },
  ): Promise<DecryptPass> {
    const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), ...tools });
    // pg_restore --list stops once the table of contents is read; the plaintext hash vouches for the rest.
    const lister = spawnArchiveList(pgRestore.path, manifest.dump, { onTempDir });
    let pass;
    try {
      pass = await decryptAndHash(path, identities, manifest.files.dump, lister.sink, signal, onBytes);
    } finally {
      // They wait for input that will not come.
      if (!pass || pass.decryptError) lister.kill();
    }
    await lister.zstdExited;
    const decryptError = pass.decryptError ? describeDecryptError(pass.decryptError, manifest) : null;
    const { code, stderr, stdout } = await lister.listing;
    return {
      ciphertextSha256: pass.ciphertext.sha256,
      ciphertextBytes: pass.ciphertext.bytes,
      plaintextSha256: pass.plaintext?.sha256 ?? null,
      plaintextBytes: pass.plaintext?.bytes ?? 0,
      decryptError,
      toc: decryptError === null && code === 0 ? parseToc(stdout) : null,
      listError: decryptError !== null ? null : code === 0 ? null : stderrTail(stderr, 3) || `pg_restore exited with ${code}`,
    };
  }

  private archiveChecks(pass: DecryptPass, manifest: Manifest, expectedTables: string[], add: (...a: Parameters<AddFn>) => void): void {
    if (pass.decryptError !== null) {
      for (const [key, title] of ARCHIVE_CHECKS) add(key, title, null, 'Not run: decryption failed.');
      return;
    }
    const toc = pass.toc;
    add('archive-readable', 'pg_restore reads the archive', toc !== null,
      toc ? `pg_restore --list read ${toc.length} entries.` : `pg_restore --list failed: ${pass.listError}`, { entries: toc?.length ?? 0 });
    if (!toc) {
      for (const [key, title] of ARCHIVE_CHECKS.slice(1)) add(key, title, null, 'Not run: the archive is unreadable.');
      return;
    }
    const data = new Set(toc.filter((e) => e.type === 'TABLE DATA').map((e) => `${e.schema}.${e.name}`));
    const withoutData = manifest.tables.filter((t) => t.kind === 'table' && (t.rows ?? 0) > 0 && !data.has(`${t.schema}.${t.name}`)).map((t) => `${t.schema}.${t.name}`);
    add('archive-complete', 'Archive holds data for every non-empty table', withoutData.length === 0,
      withoutData.length === 0 ? `${data.size} tables with data in the archive.` : `No data in the archive for: ${withoutData.join(', ')}.`, { tablesWithData: data.size, missing: withoutData.length });
    const publicTables = new Set(toc.filter((e) => e.type === 'TABLE' && e.schema === 'public').map((e) => e.name));
    add('table-count', 'Public table count at least the expected count', publicTables.size >= expectedTables.length,
      `${publicTables.size} tables in public; the project expects ${expectedTables.length}.`, { publicTables: publicTables.size, expected: expectedTables.length });
    const missing = expectedTables.filter((t) => !publicTables.has(t));
    // No list is not a pass: the operator confirms what "complete" means for this database first.
    add('expected-tables', 'Every expected table is in the backup', expectedTables.length > 0 && missing.length === 0,
      expectedTables.length === 0
        ? 'No expected tables are confirmed for this project: run the connection test and confirm the public tables it proposes (CLI: project test <project> --confirm-tables), then check again.'
        : missing.length === 0 ? `All ${expectedTables.length} expected tables are present.` : `Missing from the backup: ${missing.map((t) => `public.${t}`).join(', ')}.`,
      { missing: missing.length, expected: expectedTables.length });
  }

  private sizeCheck(manifest: Manifest, add: (...a: Parameters<AddFn>) => void): void {
    const db = manifest.server.databaseSizeBytes;
    const dump = manifest.files.dump.plaintextBytes;
    const min = Math.max(MIN_DUMP_BYTES, Math.round(db * MIN_DUMP_FRACTION));
    const pct = ((dump / Math.max(1, db)) * 100).toFixed(1);
    add('size-sanity', 'Backup size plausible for the database size', dump >= min,
      dump >= min
        ? `Archive ${formatBytes(dump)} for a ${formatBytes(db)} database (${pct}%); pg_dump leaves out index contents and compresses, so a few percent is usual.`
        : `Archive is only ${formatBytes(dump)} for a ${formatBytes(db)} database (${pct}%, minimum ${formatBytes(min)}): a backup of kilobytes from a database of megabytes usually means pg_dump saw no data (wrong database, missing permissions or a schema-only dump).`,
      { archiveBytes: dump, databaseBytes: db, minimumBytes: min });
  }
}

type AddFn = (key: string, title: string, ok: boolean | null, detail: string, numbers?: CheckResult['numbers']) => void;

const PASS_CHECKS = [
  ['ciphertext-sha256', 'Ciphertext SHA-256 matches'],
  ['decrypt', 'Full decryption pass (authenticated)'],
  ['plaintext-sha256', 'Plaintext SHA-256 matches'],
] as const;
const ARCHIVE_CHECKS = [
  ['archive-readable', 'pg_restore reads the archive'],
  ['archive-complete', 'Archive holds data for every non-empty table'],
  ['table-count', 'Public table count at least the expected count'],
  ['expected-tables', 'Every expected table is in the backup'],
] as const;

/** The checks that speak for the backup file itself, whatever the project's expected-table list says. */
export const FILE_CHECK_KEYS: ReadonlySet<string> = new Set([
  'file-present',
  'manifest-match',
  'sealed-manifest',
  ...PASS_CHECKS.map(([key]) => key),
  ...ARCHIVE_CHECKS.map(([key]) => key).filter((key) => key !== 'table-count' && key !== 'expected-tables'),
]);

/** The plain manifest beside the file states what the record says (sizes, hashes, recipients). */
function manifestMatches(dumpPath: string, manifest: Manifest): [boolean, string] {
  const file = join(dirname(dumpPath), manifest.files.dump.file.replace(/\.dump\.age$/, '.manifest.json'));
  try {
    // Before @3 the full manifest itself lay beside the file.
    const expected = sealsFullManifest(manifest) ? publicManifest(manifest) : manifest;
    const same = canonicalJson(JSON.parse(readFileSync(file, 'utf8'))) === canonicalJson(expected);
    return [same, same ? `${file} matches the record.` : `${file} differs from the manifest recorded when the backup was made: it was edited or belongs to another backup.`];
  } catch {
    return [false, `${file} is missing or unreadable; the recorded manifest is used.`];
  }
}

/** The encrypted full manifest beside the file opens with the same key and is the recorded one. */
async function sealedManifestMatches(dumpPath: string, manifest: Manifest, identities: string[]): Promise<[boolean, string]> {
  const file = sealedManifestFile(dumpPath);
  let text: string;
  try {
    text = await openSealedText(file, identities);
  } catch (error) {
    return [false, `${file} is missing or does not open with this key (${redact(error instanceof Error ? error.message : String(error))}); the recorded manifest is used.`];
  }
  try {
    const same = canonicalJson(JSON.parse(text)) === canonicalJson(manifest);
    return [same, same ? `${file} opens and matches the record.` : `${file} differs from the manifest recorded when the backup was made.`];
  } catch {
    return [false, `${file} does not hold a manifest.`];
  }
}

function describeDecryptError(error: unknown, manifest: Manifest): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/no identity matched/i.test(message)) {
    return `None of the keys used matches the backup's recipients (${manifest.encryption.recipients.join(', ')}). Use the project's key or a break-glass key it was encrypted to.`;
  }
  if (/truncat|unexpected end|too short|EOF/i.test(message)) return `Decryption failed: the file is truncated (${redact(message)}).`;
  return `Decryption failed: the file was altered or is not this backup (${redact(message)}); age authenticates every chunk, so no byte of it can be trusted.`;
}

