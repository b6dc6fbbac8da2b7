import { chmodSync, closeSync, fdatasync, fsyncSync, lstatSync, openSync, renameSync, writeFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { WardenError } from '../errors';

export const PARTIAL_SUFFIX = '.partial';

/** Flushes a finished .partial file to disk and renames it into place; a file under its final name is always complete. */
export function promotePartial(partial: string, final: string): void {
  // lstat, not exists: a link (even a dangling one) under the final name is refused like a file.
  if (lexists(final)) throw new WardenError('CONFLICT', `${final} already exists; Backup Warden never overwrites a file it writes. Choose another name or folder.`);
  flushInto(partial, final);
}

/**
 * Sends a large file's written bytes to disk while it is still being written, every `every` bytes, on the
 * thread pool, so that the fsync promoting it finds little left: for a backup of 1 GB that hardly
 * compresses, that fsync had taken 0.4 s after the dump (measured). Best effort; promotePartial's fsync is
 * what makes the file durable. Call it with the count of bytes handed to `out` so far.
 */
export function flushWhileWriting(out: WriteStream, every = 64 * 1024 ** 2): (handed: number) => void {
  let fd: number | null = null;
  out.once('open', (opened: number) => (fd = opened));
  out.once('close', () => (fd = null));
  let flushedAt = 0;
  let flushing = false;
  return (handed) => {
    if (fd === null || flushing || handed - flushedAt < every) return;
    flushing = true;
    flushedAt = handed;
    fdatasync(fd, () => (flushing = false));
  };
}

/** Writes a small file the same way: .partial, fsync, rename. 0600 unless the caller chooses (a log meant for a repository). */
export function writeFileAtomic(final: string, data: string | Uint8Array, mode = 0o600): void {
  promotePartial(writePartial(final, data, mode), final);
}

/** Replaces a file the caller has read (never a link: the rename replaces the link itself, not its target). */
export function replaceFileAtomic(final: string, data: string | Uint8Array, mode = 0o600): void {
  flushInto(writePartial(final, data, mode), final);
}

function writePartial(final: string, data: string | Uint8Array, mode: number): string {
  const partial = final + PARTIAL_SUFFIX;
  writeFileSync(partial, data, { mode, flag: 'wx' });
  if (process.platform !== 'win32') chmodSync(partial, mode); // the mode as chosen, not as the umask leaves it
  return partial;
}

/** fsync, rename into place, make the rename durable. */
function flushInto(partial: string, final: string): void {
  const fd = openSync(partial, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, final);
  syncDirectory(dirname(final));
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
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
