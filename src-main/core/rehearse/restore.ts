import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Manifest } from '../../contract/backup';
import type { RestoreErrorGroup } from '../../contract/verify';
import { decryptAndHash } from '../crypto/decryptPass';
import { WardenError } from '../errors';
import type { PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { choosePgTool } from '../pgtools/discovery';
import { redact } from '../util/redact';
import { runTool, spawnTool, toolFailure } from '../util/runTool';
import { groupRestoreErrors } from './restoreErrors';
import { restoreList, type TocSkips } from './restoreList';
import { restoreProgress } from './restoreProgress';

export interface RestoreResult {
  ok: boolean;
  errors: RestoreErrorGroup[];
  jobs: number;
  /** TOC entries left out because the restore prepared them itself (or refuses them). */
  skipped: string[];
}

export interface PlainArchive {
  file: string;
  /** Milliseconds spent checking the ciphertext hash and decrypting. */
  ms: number;
  dispose(): void;
}

/**
 * Decrypts the backup into a private 0600 temp file (parallel pg_restore needs a seekable file) in one
 * read that also hashes the ciphertext and the plaintext; a damaged, swapped or wrongly keyed file is
 * refused, and its temp file deleted, before anything reaches a target. The caller disposes of the file.
 */
export async function prepareArchive(
  path: string,
  identities: string[],
  manifest: Manifest,
  { onTempDir, signal, onFraction }: { onTempDir?: (dir: string) => void; signal?: AbortSignal; onFraction?: (fraction: number) => void } = {},
): Promise<PlainArchive> {
  const onBytes = onFraction && ((read: number) => onFraction(read / Math.max(1, manifest.files.dump.ciphertextBytes)));
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'bw-restore-'));
  onTempDir?.(dir);
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const archive = join(dir, 'archive.dump');
    let pass;
    if (manifest.dump.stream === 'zstd') {
      // zstd -d writes the archive itself: the decompressed bytes never pass through this process.
      const fd = openSync(archive, 'wx', 0o600);
      try {
        pass = await decryptAndHash(path, identities, { zstdInto: fd }, signal, onBytes);
      } finally {
        closeSync(fd);
      }
    } else {
      pass = await decryptAndHash(path, identities, createWriteStream(archive, { flags: 'wx', mode: 0o600 }), signal, onBytes);
    }
    if (pass.ciphertext.sha256 !== manifest.files.dump.ciphertextSha256) {
      throw new WardenError('CONFLICT', `${path} is not the recorded backup: its SHA-256 is ${pass.ciphertext.sha256}, the manifest says ${manifest.files.dump.ciphertextSha256}. Nothing was restored; run the integrity check.`);
    }
    if (pass.decryptError) {
      const message = pass.decryptError instanceof Error ? pass.decryptError.message : String(pass.decryptError);
      throw new WardenError('INTERNAL', `Could not decrypt ${path}: ${/no identity matched/i.test(message) ? "none of the keys used matches the backup's recipients" : redact(message)}. Nothing was restored; run the integrity check for details.`, { cause: pass.decryptError });
    }
    if (pass.plaintext!.sha256 !== manifest.files.dump.plaintextSha256) {
      throw new WardenError('CONFLICT', `The decrypted archive's SHA-256 (${pass.plaintext!.sha256}) differs from the manifest (${manifest.files.dump.plaintextSha256}); nothing was restored.`);
    }
    return { file: archive, ms: performance.now() - started, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/**
 * pg_restore of a prepared archive into target with parallel jobs, as target's role. With `skips`, the
 * entries the caller prepared itself (schemas, extensions) or refuses (event triggers) are left out
 * through a -L list. Errors come back grouped by cause.
 */
export async function restoreArchive(
  archive: string,
  target: PgTarget,
  manifest: Manifest,
  options: { clean?: boolean; pgToolsDir?: string; toolDirs?: string[]; jobs?: number; skips?: TocSkips; rehearsal?: boolean; noOwner?: boolean; signal?: AbortSignal; onFraction?: (fraction: number) => void } = {},
): Promise<RestoreResult> {
  const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), dir: options.pgToolsDir, prefer: options.toolDirs });
  const jobs = options.jobs ?? Math.min(4, availableParallelism());
  let skipped: string[] = [];
  const listArgs: string[] = [];
  let toc = '';
  if (options.skips || options.onFraction) toc = (await runTool(pgRestore.path, ['--list', archive], { timeoutMs: 600_000, signal: options.signal })).stdout;
  if (options.skips) {
    // The list lives beside the decrypted archive (same private directory, removed with it).
    const filtered = restoreList(toc, options.skips);
    skipped = filtered.skipped;
    const listFile = join(dirname(archive), 'restore.list');
    writeFileSync(listFile, filtered.list, { mode: 0o600 });
    listArgs.push('--use-list', listFile);
  }
  const args = [
    ...connectionArgs(target),
    '--dbname',
    target.database,
    `--jobs=${jobs}`,
    ...(options.clean ? ['--clean', '--if-exists'] : []),
    // Into a database we do not control, objects belong to the role that restores them.
    ...(options.noOwner ? ['--no-owner'] : []),
    // A rehearsal never connects out (subscriptions) nor needs the source's tablespaces.
    ...(options.rehearsal ? ['--no-subscriptions', '--no-tablespaces'] : []),
    ...listArgs,
    // Progress comes from its --verbose lines (errors are still told apart by "pg_restore: error:").
    ...(options.onFraction ? ['--verbose'] : []),
    archive,
  ];
  const onStderrLine = options.onFraction && restoreProgress(toc, manifest.tables, jobs, options.onFraction);
  return withLibpqEnv(target, pgRestore.major, async (env) => {
    const exit = await spawnTool(pgRestore.path, args, { env, stdout: 'ignore', signal: options.signal, killSignal: 'SIGTERM', onStderrLine }).exited;
    if (exit.cancelled || exit.spawnError) throw toolFailure(pgRestore.path, exit);
    const errors = groupRestoreErrors(exit.stderr);
    const failed = exit.code !== 0 && errors.length === 0 ? [{ kind: 'other' as const, title: 'pg_restore failed', action: "Read pg_restore's exit status and rehearse again.", count: 1, examples: [`pg_restore exited with code ${exit.code}`] }] : [];
    return { ok: exit.code === 0, errors: [...errors, ...failed], jobs, skipped };
  });
}
