import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'bw-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * This test file's own TMPDIR (each file runs in its own process), so "nothing left behind" is about its
 * own work only; 0711 so that postgres, running as another account, can traverse it.
 */
export function privateTmpdir(prefix: string): { dir: string; cleanup: () => void } {
  const tmp = tempDir(prefix);
  chmodSync(tmp.dir, 0o711);
  process.env.TMPDIR = tmp.dir;
  return tmp;
}
