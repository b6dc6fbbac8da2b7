import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Manifest } from '../../contract/backup';
import type { RestoreErrorGroup } from '../../contract/verify';
import { pipeline } from 'node:stream/promises';
import { behindZstd } from '../backup/zstd';
import { ageDecryptStream } from '../crypto/ageStream';
import { decryptAndHash, decryptMatchingRecord, type DecryptPass } from '../crypto/decryptPass';
import { READ_CHUNK } from '../crypto/hashStream';
import { spawnArchiveList } from '../integrity/archiveToc';
import { spawnUnpack } from '../backup/directoryArchive';
import { WardenError } from '../errors';
import type { PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { choosePgTool } from '../pgtools/discovery';
import { redact } from '../util/redact';
import { runTool, spawnTool, stderrTail, toolFailure } from '../util/runTool';
import { fillDataOffsets } from './archiveOffsets';
import { groupRestoreErrors } from './restoreErrors';
import { restoreList, type TocSkips } from './restoreList';
import { restoreProgress } from './restoreProgress';
import type { LoopbackRoute } from './scratchCluster';

export interface RestoreResult {
  ok: boolean;
  errors: RestoreErrorGroup[];
  jobs: number;
  /** Restored from the decrypting stream, not from a decrypted file (streamRestore). */
  streamed?: boolean;
  /** Restored from a decrypted file after the streamed restore rolled back at an error. */
  afterStream?: boolean;
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
 * Decrypts the backup into a private 0600 temp file (parallel pg_restore needs a seekable file) — a
 * directory archive into a private folder — in one read that also hashes the file (and the decrypted
 * archive where the manifest records its digest); a damaged, swapped or wrongly keyed file is refused, and its temp file deleted, before
 * anything reaches a target. The caller disposes of the file.
 */
export async function prepareArchive(
  path: string,
  identities: string[],
  manifest: Manifest,
  { onTempDir, signal, onFraction }: { onTempDir?: (dir: string) => void; signal?: AbortSignal; onFraction?: (fraction: number) => void } = {},
): Promise<PlainArchive> {
  const onBytes = onFraction && ((read: number) => onFraction(read / Math.max(1, manifest.files.dump.ciphertextBytes)));
  const started = performance.now();
  const { dir, dispose } = restoreDir(onTempDir);
  try {
    if (manifest.dump.format === 'directory') return { file: await unpackDirectory(path, identities, manifest, dir, signal, onBytes), ms: performance.now() - started, dispose };
    const archive = join(dir, 'archive.dump');
    let pass;
    if (manifest.dump.stream === 'zstd') {
      // zstd -d writes the archive itself: the decompressed bytes never pass through this process.
      const fd = openSync(archive, 'wx', 0o600);
      try {
        pass = await decryptAndHash(path, identities, manifest.files.dump, { zstdInto: fd }, signal, onBytes);
      } finally {
        closeSync(fd);
      }
    } else {
      pass = await decryptAndHash(path, identities, manifest.files.dump, createWriteStream(archive, { flags: 'wx', mode: 0o600 }), signal, onBytes);
    }
    checkPass(pass, path, manifest);
    // Streamed through zstd and age, the archive has no data offsets; pg_restore --jobs needs them to go straight to each table.
    await fillDataOffsets(archive);
    return { file: archive, ms: performance.now() - started, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** A directory archive unpacked into dir/archive as it is decrypted, each recorded file a regular file; the digests checked first. */
async function unpackDirectory(path: string, identities: string[], manifest: Manifest, dir: string, signal?: AbortSignal, onBytes?: (read: number) => void): Promise<string> {
  const archive = join(dir, 'archive');
  const unpack = spawnUnpack(manifest.dump.files ?? ['toc.dat'], archive, manifest.dump.stream === 'zstd', signal);
  try {
    checkPass(await decryptAndHash(path, identities, manifest.files.dump, unpack.sink, signal, onBytes), path, manifest);
  } catch (error) {
    // A refused or cancelled read stops tar and waits for it: its end is never left unhandled.
    unpack.kill();
    await unpack.done.catch(() => undefined);
    throw error;
  }
  await unpack.done;
  return archive;
}

/** A private folder for a restore's files (the decrypted archive, the restore list), registered before anything is written to it. */
export function restoreDir(onTempDir?: (dir: string) => void): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-restore-'));
  onTempDir?.(dir);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Refuses a read of the backup that was not the recorded file, or did not decrypt to the recorded archive. */
function checkPass(pass: DecryptPass, path: string, manifest: Manifest): void {
  if (pass.ciphertext.sha256 !== manifest.files.dump.ciphertextSha256) {
    throw new WardenError('CONFLICT', `${path} is not the recorded backup: its SHA-256 is ${pass.ciphertext.sha256}, the manifest says ${manifest.files.dump.ciphertextSha256}. Nothing was restored; run the integrity check.`);
  }
  if (pass.decryptError) {
    const message = pass.decryptError instanceof Error ? pass.decryptError.message : String(pass.decryptError);
    throw new WardenError('INTERNAL', `Could not decrypt ${path}: ${/no identity matched/i.test(message) ? "none of the keys used matches the backup's recipients" : redact(message)}. Nothing was restored; run the integrity check for details.`, { cause: pass.decryptError });
  }
  const recorded = manifest.files.dump.plaintextSha256;
  if (recorded !== undefined && pass.plaintext!.sha256 !== recorded) {
    throw new WardenError('CONFLICT', `The decrypted archive's SHA-256 (${pass.plaintext!.sha256}) differs from the manifest (${recorded}); nothing was restored.`);
  }
}

/**
 * The archive's table of contents, for the restore list: decrypted from the start of the file until
 * `pg_restore --list` has read it (the contents come first in a custom-format archive), then the read stops.
 */
export async function readArchiveToc(path: string, identities: string[], manifest: Manifest, options: { pgToolsDir?: string; toolDirs?: string[]; signal?: AbortSignal } = {}): Promise<string> {
  const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), dir: options.pgToolsDir, prefer: options.toolDirs });
  const lister = spawnArchiveList(pgRestore.path, manifest.dump, { signal: options.signal });
  // Once pg_restore has the contents, the read stops.
  const enough = new AbortController();
  const listed = lister.listing.then((listing) => (enough.abort(), listing));
  try {
    await pipeline(createReadStream(path, { highWaterMark: READ_CHUNK }), ageDecryptStream(identities), lister.sink, { signal: options.signal ? AbortSignal.any([options.signal, enough.signal]) : enough.signal });
  } catch (error) {
    if (!enough.signal.aborted) {
      lister.kill();
      throw error;
    }
  }
  lister.kill(); // zstd still waits for input that will not come
  const listing = await listed;
  if (listing.cancelled) throw toolFailure(pgRestore.path, listing);
  if (listing.code !== 0) throw new WardenError('CONFLICT', `pg_restore could not read the archive's table of contents: ${stderrTail(listing.stderr, 2)}`);
  return listing.stdout;
}

/**
 * Writes the restore list (pg_restore -L) into dir, with the entries the restore prepared itself or
 * refuses commented out; returns pg_restore's arguments for it and what was left out.
 */
function useList(toc: string, skips: TocSkips, dir: string): { args: string[]; skipped: string[] } {
  const filtered = restoreList(toc, skips);
  const listFile = join(dir, 'restore.list');
  writeFileSync(listFile, filtered.list, { mode: 0o600 });
  return { args: ['--use-list', listFile], skipped: filtered.skipped };
}

interface RestoreOptions {
  clean?: boolean;
  pgToolsDir?: string;
  toolDirs?: string[];
  jobs?: number;
  skips?: TocSkips;
  rehearsal?: boolean;
  noOwner?: boolean;
  signal?: AbortSignal;
  onFraction?: (fraction: number) => void;
  /** A scratch server's loopback inside its sandbox: pg_restore connects there instead of the target's socket. */
  loopback?: LoopbackRoute | null;
}

/** Where pg_restore connects: the target, or the same server and role over its sandbox's loopback. */
function restoreConnection(target: PgTarget, options: RestoreOptions): { target: PgTarget; wrap?: string[] } {
  const route = options.loopback;
  return route ? { target: { ...target, host: route.host, port: route.port }, wrap: route.wrap } : { target };
}

/** pg_restore's arguments but the archive's: the target, and what every restore of ours leaves out or adds. */
function restoreArgs(target: PgTarget, options: RestoreOptions, extra: string[]): string[] {
  return [
    ...connectionArgs(target),
    '--dbname',
    target.database,
    ...extra,
    ...(options.clean ? ['--clean', '--if-exists'] : []),
    // Into a database we do not control, objects belong to the role that restores them.
    ...(options.noOwner ? ['--no-owner'] : []),
    // A rehearsal never connects out (subscriptions) nor needs the source's tablespaces.
    ...(options.rehearsal ? ['--no-subscriptions', '--no-tablespaces'] : []),
    // Progress comes from its --verbose lines (errors are still told apart by their "error: " level: logLine).
    ...(options.onFraction ? ['--verbose'] : []),
  ];
}

/**
 * A rehearsal's restore while the backup is decrypted, into the scratch server: the stream goes from age
 * (and zstd) straight into `pg_restore --single-transaction`, so no decrypted copy is written and the
 * restore does not wait for the decryption; its tables are created in the same transaction as their
 * COPY, which under `wal_level=minimal` writes no WAL. Any error rolls everything back. What was restored
 * counts only if the one digest this read takes (the file's; the decrypted archive's for manifests before @4)
 * is the recorded one: otherwise, as after an error, the answer is null, and the caller restores from a
 * decrypted file, whose read checks every digest
 * and reports what went wrong.
 */
export async function streamRestore(
  path: string,
  identities: string[],
  target: PgTarget,
  manifest: Manifest,
  toc: string,
  options: RestoreOptions & { listDir: string },
): Promise<(RestoreResult & { ms: number }) | null> {
  const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), dir: options.pgToolsDir, prefer: options.toolDirs });
  const started = performance.now();
  const list = options.skips ? useList(toc, options.skips, options.listDir) : { args: [], skipped: [] };
  const onStderrLine = options.onFraction && restoreProgress(toc, manifest.tables, 1, options.onFraction);
  const via = restoreConnection(target, options);
  return withLibpqEnv(via.target, pgRestore.major, async (env) => {
    const restore = behindZstd(manifest.dump.stream === 'zstd', options.signal, (stdin) =>
      spawnTool(pgRestore.path, restoreArgs(via.target, options, ['--single-transaction', ...list.args]), { wrap: via.wrap, stdin, stdout: 'ignore', env, signal: options.signal, killSignal: 'SIGTERM', onStderrLine }),
    );
    const matched = await decryptMatchingRecord(path, identities, manifest.files.dump, restore.sink, options.signal);
    if (!matched) restore.kill('SIGTERM');
    await restore.zstd?.exited;
    const exit = await restore.tool.exited;
    if (exit.cancelled || exit.spawnError) throw toolFailure(pgRestore.path, exit);
    if (exit.code !== 0 || !matched) return null;
    return { ok: true, errors: [], jobs: 1, streamed: true, skipped: list.skipped, ms: performance.now() - started };
  });
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
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), dir: options.pgToolsDir, prefer: options.toolDirs });
  const jobs = options.jobs ?? Math.min(4, availableParallelism());
  let toc = '';
  if (options.skips || options.onFraction) toc = (await runTool(pgRestore.path, ['--list', archive], { timeoutMs: 600_000, signal: options.signal })).stdout;
  // The list lives beside the decrypted archive (same private directory, removed with it).
  const list = options.skips ? useList(toc, options.skips, dirname(archive)) : { args: [], skipped: [] };
  const via = restoreConnection(target, options);
  const args = [...restoreArgs(via.target, options, [`--jobs=${jobs}`, ...list.args]), archive];
  const onStderrLine = options.onFraction && restoreProgress(toc, manifest.tables, jobs, options.onFraction);
  return withLibpqEnv(via.target, pgRestore.major, async (env) => {
    const exit = await spawnTool(pgRestore.path, args, { wrap: via.wrap, env, stdout: 'ignore', signal: options.signal, killSignal: 'SIGTERM', onStderrLine }).exited;
    if (exit.cancelled || exit.spawnError) throw toolFailure(pgRestore.path, exit);
    const errors = groupRestoreErrors(exit.stderr);
    const failed = exit.code !== 0 && errors.length === 0 ? [{ kind: 'other' as const, title: 'pg_restore failed', action: "Read pg_restore's exit status and rehearse again.", count: 1, examples: [`pg_restore exited with code ${exit.code}`] }] : [];
    return { ok: exit.code === 0, errors: [...errors, ...failed], jobs, skipped: list.skipped };
  });
}
