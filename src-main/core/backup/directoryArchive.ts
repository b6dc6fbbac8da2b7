import { existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { WardenError } from '../errors';
import { spawnTool, stderrTail, type ToolExit } from '../util/runTool';
import { requireTar } from '../util/tar';
import { behindZstd } from './zstd';

// A parallel backup's directory archive (pg_dump -Fd -j) travels as one tar stream inside the encrypted
// file, each table's file packed once pg_dump has finished it, toc.dat (written last) at the end. Unpacking takes
// only the names the manifest recorded, as regular files, into a private folder: whatever else a forged
// tar holds (links, paths outside) never reaches the disk or pg_restore.

/** A table's data file in a directory archive: `<dump id>.dat`, with the compressor's suffix. */
const DATA_FILE_SUFFIXES = ['.dat', '.dat.gz', '.dat.zst', '.dat.lz4'];

export interface DirectoryPacker {
  /** The tar stream. */
  stdout: Readable;
  exited: Promise<ToolExit>;
  /** pg_dump finished the data of this TOC entry: its file goes into the tar now. */
  finished(dumpId: number): void;
  /** pg_dump has exited successfully: the rest of the files follow, toc.dat (written last) at the end. Returns every name in tar order. */
  end(): string[];
  kill(): void;
}

/**
 * tar of a directory archive while pg_dump writes it: each table's file is packed as soon as pg_dump reports
 * that item finished, so packing (and zstd, age, the digests behind it) runs beside the dump instead of
 * after it; the names reach tar on its standard input, one by one. Creates `archiveDir`, which pg_dump then fills.
 */
export function packWhileDumping(archiveDir: string): DirectoryPacker {
  // tar works in the archive's folder from its start; pg_dump writes into an empty one that exists.
  mkdirSync(archiveDir, { mode: 0o700 });
  const tar = spawnTool(requireTar(), ['-c', '-f', '-', '-C', archiveDir, '-T', '-'], { stdin: 'pipe', stdout: 'pipe' });
  tar.stdin!.on('error', () => undefined); // a tar that died is reported by its exit status
  const sent = new Set<string>();
  const send = (name: string) => {
    sent.add(name);
    tar.stdin!.write(name + '\n');
  };
  return {
    stdout: tar.stdout!,
    exited: tar.exited,
    finished: (dumpId) => {
      for (const name of DATA_FILE_SUFFIXES.map((suffix) => `${dumpId}${suffix}`)) if (!sent.has(name) && existsSync(join(archiveDir, name))) send(name);
    },
    end: () => {
      for (const name of readdirSync(archiveDir).sort()) if (name !== 'toc.dat' && !sent.has(name)) send(name);
      send('toc.dat');
      tar.stdin!.end();
      return [...sent];
    },
    kill: () => tar.child.kill(),
  };
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
