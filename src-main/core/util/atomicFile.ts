import { closeSync, existsSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { WardenError } from '../errors';

export const PARTIAL_SUFFIX = '.partial';

/** Flushes a finished .partial file to disk and renames it into place; a file under its final name is always complete. */
export function promotePartial(partial: string, final: string): void {
  if (existsSync(final)) throw new WardenError('CONFLICT', `${final} already exists; Backup Warden never overwrites a backup. Choose another name.`);
  const fd = openSync(partial, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, final);
  syncDirectory(dirname(final));
}

/** Writes a small file the same way: .partial, fsync, rename. */
export function writeFileAtomic(final: string, data: string | Uint8Array): void {
  const partial = final + PARTIAL_SUFFIX;
  writeFileSync(partial, data, { mode: 0o600, flag: 'wx' });
  promotePartial(partial, final);
}

/** Makes the rename itself durable. Not possible on every platform (Windows): best effort there. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Directory fsync is unsupported here; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
