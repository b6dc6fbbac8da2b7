import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * mkdir -p, one level at a time, each folder made with `mode`. Node's own recursive mkdir never returns
 * where a parent exists but takes no folders (a path under /proc: mkdir says ENOENT, the parent EEXIST,
 * for ever); here that mkdir's error is thrown.
 */
export function makeFolders(folder: string, mode = 0o777): void {
  const parent = dirname(folder);
  if (parent !== folder && !existsSync(parent)) makeFolders(parent, mode);
  try {
    mkdirSync(folder, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
