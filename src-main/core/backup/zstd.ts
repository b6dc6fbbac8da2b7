import type { Readable, Writable } from 'node:stream';
import { WardenError } from '../errors';
import { ChildStdinSink } from '../util/childSink';
import { spawnTool, type ToolProcess } from '../util/runTool';
import { findSystemTool } from '../util/systemTool';

// zstd, the standard tool: with pg_dump ≤ 15 (whose custom format compresses only with gzip, in its one
// thread) the backup asks pg_dump for an uncompressed archive and compresses it with `zstd -1 -T0` on
// every core — the pipeline an expert types. The encrypted file then holds a zstd stream of a custom
// archive: `age -d … | zstd -d` gives back what pg_restore reads.

/** zstd on PATH (or where package managers put it); null when this workstation has none. */
export const findZstd = (): string | null => findSystemTool('zstd');

export function requireZstd(): string {
  const path = findZstd();
  if (!path) throw new WardenError('TOOL_MISSING', 'This backup was compressed with zstd outside the archive, and zstd is not installed here: install it (Debian/Ubuntu: apt install zstd; macOS: brew install zstd), then try again.');
  return path;
}

export const ZSTD_COMPRESS = ['-1', '-T0', '-q', '-c'] as const;
export const ZSTD_DECOMPRESS = ['-d', '-q', '-c'] as const;

/**
 * A tool that reads a backup's plaintext on stdin, started by `spawn` — behind `zstd -d` (an OS pipe: the
 * decompressed bytes never pass through this process) when the plaintext is a zstd stream. `sink` takes the
 * plaintext and drops what comes after the tool stops reading; `kill()` stops both.
 */
export function behindZstd(zstdStream: boolean, signal: AbortSignal | undefined, spawn: (stdin: Readable | 'pipe') => ToolProcess): {
  tool: ToolProcess;
  zstd: ToolProcess | null;
  sink: Writable;
  kill(toolSignal?: NodeJS.Signals): void;
} {
  const zstd = zstdStream ? spawnTool(requireZstd(), ZSTD_DECOMPRESS, { stdin: 'pipe', stdout: 'pipe', signal }) : null;
  const tool = spawn(zstd ? zstd.stdout! : 'pipe');
  zstd?.stdout!.destroy(); // the tool holds the read end now
  return {
    tool,
    zstd,
    sink: new ChildStdinSink(zstd ? zstd.stdin! : tool.stdin!),
    kill: (toolSignal) => {
      tool.child.kill(toolSignal);
      zstd?.child.kill();
    },
  };
}
