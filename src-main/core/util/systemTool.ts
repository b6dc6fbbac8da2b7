import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A standard tool (zstd, tar) on PATH or where package managers put it; null when this workstation has none. */
export function findSystemTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'];
  for (const dir of dirs) {
    const path = join(dir, process.platform === 'win32' ? `${name}.exe` : name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}
