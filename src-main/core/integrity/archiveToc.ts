import type { Writable } from 'node:stream';
import { requireZstd, ZSTD_DECOMPRESS } from '../backup/zstd';
import { ChildStdinSink } from '../util/childSink';
import { spawnTool, type ToolExit } from '../util/runTool';

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
 * decompressed bytes never pass through this process) for a zstd-stream archive. It reads only the table of
 * contents; `sink` drops what comes after. `listing` settles once it has ended, `kill()` stops both tools.
 */
export function spawnArchiveList(pgRestore: string, zstdStream: boolean, signal?: AbortSignal): {
  sink: Writable;
  listing: Promise<ToolExit & { stdout: string }>;
  zstdExited: Promise<unknown>;
  kill(): void;
} {
  const zstd = zstdStream ? spawnTool(requireZstd(), ZSTD_DECOMPRESS, { stdin: 'pipe', stdout: 'pipe', signal }) : null;
  const list = spawnTool(pgRestore, ['--list'], { stdin: zstd ? zstd.stdout! : 'pipe', signal });
  zstd?.stdout!.destroy();
  const out: Buffer[] = [];
  list.stdout!.on('data', (b: Buffer) => out.push(b));
  return {
    sink: new ChildStdinSink(zstd ? zstd.stdin! : list.stdin!),
    listing: list.exited.then((exit) => ({ ...exit, stdout: Buffer.concat(out).toString('utf8') })),
    zstdExited: zstd?.exited ?? Promise.resolve(),
    kill: () => {
      list.child.kill();
      zstd?.child.kill();
    },
  };
}
