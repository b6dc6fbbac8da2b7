import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Manifest } from '../../contract/backup';
import { spawnUnpack } from '../backup/directoryArchive';
import { behindZstd } from '../backup/zstd';
import { spawnTool, type ToolExit, type ToolProcess } from '../util/runTool';

/** One line of `pg_restore --list`: "3421; 0 16530 TABLE DATA public users postgres". */
export interface TocEntry {
  type: string;
  schema: string;
  name: string;
}

const TYPES = ['TABLE DATA', 'SEQUENCE SET', 'FK CONSTRAINT', 'ROW SECURITY', 'TABLE', 'INDEX', 'CONSTRAINT', 'POLICY', 'SCHEMA', 'EXTENSION', 'FUNCTION', 'SEQUENCE', 'DEFAULT', 'TRIGGER', 'VIEW', 'COMMENT', 'ACL'];

export function parseToc(listing: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of listing.split('\n')) {
    const m = /^\d+; \d+ \d+ (.*)$/.exec(line);
    if (!m) continue;
    const rest = m[1]!;
    const type = TYPES.find((t) => rest.startsWith(t + ' '));
    if (!type) continue;
    const [schema = '', name = ''] = rest.slice(type.length + 1).split(' ');
    entries.push({ type, schema, name });
  }
  return entries;
}

/**
 * `pg_restore --list` fed with a backup's plaintext as it is decrypted — through `zstd -d` (an OS pipe, the
 * decompressed bytes never pass through this process) for a zstd stream. It reads only the table of
 * contents; `sink` drops what comes after. A directory archive's toc.dat is unpacked from its tar into a
 * private folder (`onTempDir`, removed once listed) and listed there. `listing` settles once it has ended,
 * `kill()` stops the tools.
 */
export function spawnArchiveList(pgRestore: string, dump: Pick<Manifest['dump'], 'format' | 'stream'>, options: { signal?: AbortSignal; onTempDir?: (dir: string) => void } = {}): {
  sink: Writable;
  listing: Promise<ToolExit & { stdout: string }>;
  zstdExited: Promise<unknown>;
  kill(): void;
} {
  const { signal } = options;
  if (dump.format === 'directory') return listDirectoryToc(pgRestore, dump.stream === 'zstd', options);
  const list = behindZstd(dump.stream === 'zstd', signal, (stdin) => spawnTool(pgRestore, ['--list'], { stdin, signal }));
  return { sink: list.sink, listing: withStdout(list.tool), zstdExited: list.zstd?.exited ?? Promise.resolve(), kill: () => list.kill() };
}

function listDirectoryToc(pgRestore: string, zstdStream: boolean, { signal, onTempDir }: { signal?: AbortSignal; onTempDir?: (dir: string) => void }): ReturnType<typeof spawnArchiveList> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-toc-'));
  onTempDir?.(dir);
  const archive = join(dir, 'archive');
  const unpack = spawnUnpack(['toc.dat'], archive, zstdStream, signal);
  const listing = unpack.done
    .then(
      () => withStdout(spawnTool(pgRestore, ['--list', archive], { signal, timeoutMs: 600_000 })),
      (error: unknown) => ({ code: 1, signal: null, stdout: '', stderr: error instanceof Error ? error.message : String(error), spawnError: null, cancelled: signal?.aborted === true }),
    )
    .finally(() => rmSync(dir, { recursive: true, force: true }));
  return { sink: unpack.sink, listing, zstdExited: unpack.done.catch(() => undefined), kill: unpack.kill };
}

/** A tool's exit with all it wrote to stdout. */
function withStdout(tool: ToolProcess): Promise<ToolExit & { stdout: string }> {
  const out: Buffer[] = [];
  tool.stdout!.on('data', (b: Buffer) => out.push(b));
  return tool.exited.then((exit) => ({ ...exit, stdout: Buffer.concat(out).toString('utf8') }));
}
