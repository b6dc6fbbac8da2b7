import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnUnpack } from '../../src-main/core/backup/directoryArchive';
import { tempDir } from '../helpers/tmp';

// A parallel backup's tar is unpacked before its digests can be checked (they are known once the
// stream ends): what a forged tar holds beyond the recorded names, or in their place, must never
// reach the disk outside the private folder, nor pg_restore. Real GNU tar, real files.
const work = tempDir('bw-unpack-');
afterAll(() => work.cleanup());

let n = 0;
/** A tar built by the real tool from `build` (run in a fresh folder), unpacked with `names` as the recorded list. */
async function unpack(names: string[], build: (dir: string) => string[]): Promise<{ into: string; result: Promise<void> }> {
  const src = join(work.dir, `src-${++n}`);
  mkdirSync(src);
  const members = build(src);
  const tar = execFileSync('tar', ['-c', '-f', '-', '-C', src, '-P', ...members]);
  const root = join(work.dir, `dest-${n}`);
  mkdirSync(root, { mode: 0o700 });
  const into = join(root, 'archive');
  const { sink, done } = spawnUnpack(names, into, false);
  await pipeline(Readable.from([tar]), sink);
  return { into, result: done };
}

describe('unpacking a directory archive', () => {
  it('takes the recorded files, as regular files', async () => {
    const { into, result } = await unpack(['toc.dat', '3001.dat'], (dir) => {
      writeFileSync(join(dir, 'toc.dat'), 'toc');
      writeFileSync(join(dir, '3001.dat'), 'rows');
      return ['toc.dat', '3001.dat'];
    });
    await result;
    expect(readdirSync(into).sort()).toEqual(['3001.dat', 'toc.dat']);
    expect(readFileSync(join(into, '3001.dat'), 'utf8')).toBe('rows');
  });

  it('leaves out members it was not told of, a path outside among them, and says which recorded file is missing', async () => {
    const outside = join(work.dir, 'escaped.txt');
    const { into, result } = await unpack(['toc.dat', '3001.dat'], (dir) => {
      writeFileSync(join(dir, 'toc.dat'), 'toc');
      writeFileSync(join(dir, 'extra.sh'), 'echo owned');
      writeFileSync(outside + '.src', 'out');
      return ['toc.dat', 'extra.sh', outside + '.src'];
    });
    await expect(result).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/3001\.dat(: Not found in archive| missing)/) });
    expect(readdirSync(into)).toEqual(['toc.dat']);
    expect(existsSync(outside)).toBe(false);
  });

  it('refuses a recorded name that arrives as a link (to a file pg_restore would then read)', async () => {
    const { result } = await unpack(['toc.dat', '3001.dat'], (dir) => {
      writeFileSync(join(dir, 'toc.dat'), 'toc');
      symlinkSync('/etc/passwd', join(dir, '3001.dat'));
      return ['toc.dat', '3001.dat'];
    });
    await expect(result).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('3001.dat unexpected') });
  });
});
