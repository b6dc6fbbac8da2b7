import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Manifest } from '../../contract/backup';
import { ageDecryptStream } from '../crypto/ageStream';
import { HashStream, sha256File } from '../crypto/hashStream';
import { WardenError } from '../errors';
import type { PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { choosePgTool } from '../pgtools/discovery';
import { redact } from '../util/redact';

export interface RestoreResult {
  ok: boolean;
  errors: string[];
  jobs: number;
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
export async function prepareArchive(path: string, identities: string[], manifest: Manifest, onTempDir?: (dir: string) => void): Promise<PlainArchive> {
  const started = performance.now();
  const file = await sha256File(path);
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
      await pipeline(createReadStream(path), ageDecryptStream(identities), plain, createWriteStream(archive, { mode: 0o600 }));
    } catch (error) {
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

/** pg_restore of a prepared archive into target with parallel jobs; errors are collected for the caller. */
export async function restoreArchive(
  archive: string,
  target: PgTarget,
  manifest: Manifest,
  options: { clean?: boolean; pgToolsDir?: string; jobs?: number } = {},
): Promise<RestoreResult> {
  const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), dir: options.pgToolsDir });
  const jobs = options.jobs ?? Math.min(4, availableParallelism());
  const args = [...connectionArgs(target), '--dbname', target.database, `--jobs=${jobs}`, ...(options.clean ? ['--clean', '--if-exists'] : []), archive];
  return withLibpqEnv(target, (env) =>
    new Promise<RestoreResult>((resolve, reject) => {
      const child = spawn(pgRestore.path, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const stderr: Buffer[] = [];
      child.stderr.on('data', (b: Buffer) => stderr.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        const errors = redact(Buffer.concat(stderr).toString('utf8')).split('\n').filter((l) => /error|fatal/i.test(l)).slice(0, 50);
        resolve({ ok: code === 0, errors: code === 0 ? [] : errors.length ? errors : [`pg_restore exited with code ${code}`], jobs });
      });
    }),
  );
}
