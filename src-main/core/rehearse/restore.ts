import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Manifest } from '../../contract/backup';
import { ageDecryptStream } from '../crypto/ageStream';
import { HashStream } from '../crypto/hashStream';
import { WardenError } from '../errors';
import type { PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { choosePgTool } from '../pgtools/discovery';
import { redact } from '../util/redact';

export interface PlainArchive {
  file: string;
  dispose(): void;
}

/**
 * Decrypts the backup into a private temp file (parallel pg_restore needs a seekable file) and checks
 * the plaintext hash against the manifest, so what gets restored is exactly what was backed up.
 */
export async function decryptToTempFile(path: string, identities: string[], manifest: Manifest): Promise<PlainArchive> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-restore-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  const file = join(dir, 'archive.dump');
  const hash = new HashStream();
  try {
    await pipeline(createReadStream(path), ageDecryptStream(identities), hash, createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    dispose();
    const message = error instanceof Error ? error.message : String(error);
    throw new WardenError('INTERNAL', `Could not decrypt ${path}: ${/no identity matched/i.test(message) ? "none of the keys used matches the backup's recipients" : redact(message)}. Run the integrity check for details.`, { cause: error });
  }
  if (hash.sha256 !== manifest.files.dump.plaintextSha256) {
    dispose();
    throw new WardenError('INTERNAL', `The decrypted archive's SHA-256 (${hash.sha256}) differs from the manifest (${manifest.files.dump.plaintextSha256}); refusing to restore it.`);
  }
  return { file, dispose };
}

export interface PgRestoreResult {
  ok: boolean;
  errors: string[];
  jobs: number;
}

/** pg_restore into target (argument array, passfile). Errors are collected, not fatal: the caller decides. */
export async function runPgRestore(
  archive: string,
  target: PgTarget,
  manifest: Manifest,
  options: { clean?: boolean; pgToolsDir?: string; jobs?: number } = {},
): Promise<PgRestoreResult> {
  const pgRestore = await choosePgTool('pg_restore', { minMajor: Number.parseInt(manifest.tools.pgDump, 10), dir: options.pgToolsDir });
  const jobs = options.jobs ?? Math.min(4, availableParallelism());
  const args = [...connectionArgs(target), '--dbname', target.database, `--jobs=${jobs}`, ...(options.clean ? ['--clean', '--if-exists'] : []), archive];
  return withLibpqEnv(target, (env) =>
    new Promise<PgRestoreResult>((resolve, reject) => {
      const child = spawn(pgRestore.path, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const stderr: Buffer[] = [];
      child.stderr.on('data', (b: Buffer) => stderr.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        const errors = redact(Buffer.concat(stderr).toString('utf8'))
          .split('\n')
          .filter((l) => /error|fatal/i.test(l))
          .slice(0, 50);
        resolve({ ok: code === 0, errors: code === 0 ? [] : errors.length ? errors : [`pg_restore exited with code ${code}`], jobs });
      });
    }),
  );
}
