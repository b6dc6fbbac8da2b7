import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/core/db/database';
import { makeFolders } from '../../src-main/core/util/makeFolders';
import { tempDir } from '../helpers/tmp';

describe('makeFolders', () => {
  let work: ReturnType<typeof tempDir> | null = null;
  afterEach(() => work?.cleanup());

  it('makes every missing level with the mode given, and leaves existing ones', () => {
    work = tempDir('bw-folders-');
    const deep = join(work.dir, 'a', 'b', 'c');
    makeFolders(deep, 0o700);
    for (const f of [join(work.dir, 'a'), join(work.dir, 'a', 'b'), deep]) expect(statSync(f).mode & 0o777).toBe(0o700);
    makeFolders(deep, 0o700);
    expect(existsSync(deep)).toBe(true);
  });

  // Node's recursive mkdir spins for ever on such a path: a data folder named there hung the app instead of failing.
  it.skipIf(process.platform !== 'linux')('fails, not hangs, where a parent takes no folders (under /proc), for the data folder too', () => {
    expect(() => makeFolders('/proc/bw-no-such/a', 0o700)).toThrow(/ENOENT/);
    expect(() => openDatabase('/proc/bw-no-such/data/warden.sqlite')).toThrow(/ENOENT/);
  });
});
