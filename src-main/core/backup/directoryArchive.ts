import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { WardenError } from '../errors';
import { spawnTool, stderrTail, type ToolExit } from '../util/runTool';
import { requireTar } from '../util/tar';
import { behindZstd } from './zstd';

// A parallel backup's directory archive (pg_dump -Fd -j) travels as one tar stream inside the encrypted
// file, toc.dat first, so that reading its table of contents need not wait for the data. Unpacking takes
// only the names the manifest recorded, as regular files, into a private folder: whatever else a forged
// tar holds (links, paths outside) never reaches the disk or pg_restore.

/** The archive's file names as packed: toc.dat first. */
export function directoryNames(archiveDir: string): string[] {
  return ['toc.dat', ...readdirSync(archiveDir).filter((n) => n !== 'toc.dat').sort()];
}

/** tar of the archive's files, in `names` order; the list of names lies beside the archive, not in it. */
export function packDirectory(archiveDir: string, names: string[]): { stdout: Readable; exited: Promise<ToolExit>; kill(): void } {
  const list = join(dirname(archiveDir), 'pack.list');
  writeFileSync(list, names.join('\n') + '\n', { mode: 0o600 });
  const tar = spawnTool(requireTar(), ['-c', '-f', '-', '-C', archiveDir, '-T', list], { stdout: 'pipe' });
  return { stdout: tar.stdout!, exited: tar.exited, kill: () => tar.child.kill() };
}

/**
 * Unpacks `names` from the tar stream written to `sink` ([zstd -d →] tar -x) into `intoDir`, which is
 * created (its parent must be private). `done` settles once tar has ended, after checking that every
 * name arrived as a regular file and nothing else did; it rejects otherwise.
 */
export function spawnUnpack(names: string[], intoDir: string, zstdStream: boolean, signal?: AbortSignal): { sink: Writable; done: Promise<void>; kill(): void } {
  mkdirSync(intoDir, { mode: 0o700 });
  const list = join(dirname(intoDir), 'unpack.list');
  writeFileSync(list, names.join('\n') + '\n', { mode: 0o600 });
  const tar = behindZstd(zstdStream, signal, (stdin) => spawnTool(requireTar(), ['-x', '-f', '-', '-C', intoDir, '--no-same-owner', '--no-same-permissions', '-T', list], { stdin, stdout: 'ignore', signal }));
  const done = tar.tool.exited.then((exit) => {
    if (exit.cancelled) throw new WardenError('CANCELLED', 'Unpacking the backup was cancelled.');
    if (exit.code !== 0) {
      throw new WardenError('CONFLICT', `tar could not unpack the backup's directory archive (exit ${exit.code}): ${stderrTail(exit.stderr, 2) || 'no message'}. Nothing was restored; run the integrity check.`);
    }
    const found = readdirSync(intoDir);
    const odd = found.filter((n) => !names.includes(n) || !lstatSync(join(intoDir, n)).isFile());
    const missing = names.filter((n) => !found.includes(n));
    if (odd.length || missing.length) {
      throw new WardenError('CONFLICT', `The backup's directory archive is not the one recorded (${[...missing.map((n) => `${n} missing`), ...odd.map((n) => `${n} unexpected`)].slice(0, 5).join(', ')}). Nothing was restored; run the integrity check.`);
    }
  });
  return { sink: tar.sink, done, kill: () => tar.kill() };
}
