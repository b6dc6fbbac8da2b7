import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Manifest } from '../../contract/backup';
import type { RestoreErrorGroup } from '../../contract/verify';
import { ageDecryptStream } from '../crypto/ageStream';
import { HashStream, sha256File } from '../crypto/hashStream';
import { cancelledError, WardenError } from '../errors';
import type { PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { choosePgTool } from '../pgtools/discovery';
import { redact } from '../util/redact';
import { runTool } from '../util/runTool';
import { groupRestoreErrors } from './restoreErrors';
import { restoreList, type TocSkips } from './restoreList';

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
 * Checks the ciphertext hash first, so a damaged or swapped file is refused before anything reaches a
 * target, then decrypts into a private 0600 temp file (parallel pg_restore needs a seekable file;
 * decryption is native and fast) and checks the plaintext hash. The caller disposes of the file.
 */
export async function prepareArchive(path: string, identities: string[], manifest: Manifest, onTempDir?: (dir: string) => void, signal?: AbortSignal): Promise<PlainArchive> {
  const started = performance.now();
  const file = await sha256File(path);
  signal?.throwIfAborted();
  if (file.sha256 !== manifest.files.dump.ciphertextSha256) {
    throw new WardenError('CONFLICT', `${path} is not the recorded backup: its SHA-256 is ${file.sha256}, the manifest says ${manifest.files.dump.ciphertextSha256}. Nothing was restored; run the integrity check.`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'bw-restore-'));
  onTempDir?.(dir);
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const archive = join(dir, 'archive.dump');
    const plain = new HashStream();
    try {
      await pipeline(createReadStream(path), ageDecryptStream(identities), plain, createWriteStream(archive, { mode: 0o600 }), { signal });
    } catch (error) {
      if (signal?.aborted) throw cancelledError('Decrypting the backup', error);
      const message = error instanceof Error ? error.message : String(error);
      throw new WardenError('INTERNAL', `Could not decrypt ${path}: ${/no identity matched/i.test(message) ? "none of the keys used matches the backup's recipients" : redact(message)}. Nothing was restored; run the integrity check for details.`, { cause: error });
    }
    if (plain.sha256 !== manifest.files.dump.plaintextSha256) {
      throw new WardenError('CONFLICT', `The decrypted archive's SHA-256 (${plain.sha256}) differs from the manifest (${manifest.files.dump.plaintextSha256}); nothing was restored.`);
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
  options: { clean?: boolean; pgToolsDir?: string; jobs?: number; skips?: TocSkips; rehearsal?: boolean; noOwner?: boolean; signal?: AbortSignal } = {},
): Promise<RestoreResult> {
  const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), dir: options.pgToolsDir });
  const jobs = options.jobs ?? Math.min(4, availableParallelism());
  let skipped: string[] = [];
  const listArgs: string[] = [];
  if (options.skips) {
    // The list lives beside the decrypted archive (same private directory, removed with it).
    const toc = (await runTool(pgRestore.path, ['--list', archive], { timeoutMs: 600_000, signal: options.signal })).stdout;
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
    archive,
  ];
  return withLibpqEnv(target, (env) =>
    new Promise<RestoreResult>((resolve, reject) => {
      const child = spawn(pgRestore.path, args, { env, stdio: ['ignore', 'ignore', 'pipe'], signal: options.signal, killSignal: 'SIGTERM' });
      const stderr: Buffer[] = [];
      child.stderr.on('data', (b: Buffer) => stderr.push(b));
      child.on('error', (error) => reject(options.signal?.aborted ? cancelledError('pg_restore', error) : error));
      child.on('close', (code) => {
        if (options.signal?.aborted) return reject(cancelledError('pg_restore'));
        const errors = groupRestoreErrors(Buffer.concat(stderr).toString('utf8'));
        const failed = code !== 0 && errors.length === 0 ? [{ kind: 'other' as const, title: 'pg_restore failed', action: 'Read pg_restore\'s exit status and rehearse again.', count: 1, examples: [`pg_restore exited with code ${code}`] }] : [];
        resolve({ ok: code === 0, errors: [...errors, ...failed], jobs, skipped });
      });
    }),
  );
}
