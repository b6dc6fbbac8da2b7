import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import { connectionArgs, withLibpqEnv } from '../../src-main/core/pg/libpqEnv';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';
import { fillDataOffsets } from '../../src-main/core/rehearse/archiveOffsets';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { sqlOn } from '../helpers/sql';
import { tempDir } from '../helpers/tmp';

// Issue 17: a custom archive streamed through zstd and age has no data offsets, and pg_restore --jobs
// restores it much slower without them. Filled in, the archive must be exactly what pg_dump writes
// when it can seek back to its TOC — checked against the real pg_dump (15 and 17) on the practice data
// with large objects (blocks of another kind) — and anything else is left untouched.
const work = tempDir('bw-offsets-');
let cluster: ScratchCluster;
let seekable: Buffer;
let streamed: Buffer;
let compression: string;

beforeAll(async () => {
  const started = await startPracticeServer({ targetBytes: 4e6 });
  cluster = started.cluster;
  const source = started.source;
  await sqlOn(source, `SELECT lo_from_bytea(0, 'a large object'), lo_from_bytea(0, repeat('x', 100000)::bytea)`);
  const pgDump = await choosePgTool('pg_dump');
  // The compression our backups use: none inside the archive up to pg_dump 15 (zstd outside it), zstd:1 from 16.
  compression = pgDump.major >= 16 ? 'zstd:1' : '0';
  const args = [...connectionArgs(source), '--dbname', source.database, '--format=custom', `--compress=${compression}`];
  await withLibpqEnv(source, pgDump.major, async (env) => {
    execFileSync(pgDump.path, [...args, '--file', join(work.dir, 'seekable.dump')], { env });
    writeFileSync(join(work.dir, 'streamed.dump'), execFileSync(pgDump.path, args, { env, maxBuffer: 1 << 30 }));
  });
  seekable = readFileSync(join(work.dir, 'seekable.dump'));
  streamed = readFileSync(join(work.dir, 'streamed.dump'));
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  work.cleanup();
});

/** The header's creation time (7 integers after the compression field) differs between two dumps: blanked. */
function withoutCreationTime(archive: Buffer): Buffer {
  const copy = Buffer.from(archive);
  const [minor, intSize] = [archive[6]!, archive[8]!];
  const timeAt = 11 + (minor >= 15 ? 1 : 1 + intSize);
  copy.fill(0, timeAt, timeAt + 7 * (1 + intSize));
  return copy;
}

describe('filling in the data offsets of a streamed custom archive', () => {
  it('makes it byte for byte what pg_dump writes to a seekable file', async () => {
    expect(withoutCreationTime(streamed).equals(withoutCreationTime(seekable))).toBe(false);
    const file = join(work.dir, 'filled.dump');
    writeFileSync(file, streamed);
    const filled = await fillDataOffsets(file);
    expect(filled).toBeGreaterThan(30); // every table's data, the sequences' none, the large objects' block
    expect(withoutCreationTime(readFileSync(file)).equals(withoutCreationTime(seekable))).toBe(true);
    // Already filled: nothing more to do.
    expect(await fillDataOffsets(file)).toBe(0);
  });

  it('leaves an archive whose layout it does not know as it is', async () => {
    const cases: [string, Buffer][] = [
      ['not an archive', Buffer.from('-- a plain SQL script\nSELECT 1;\n')],
      ['cut short in its data', streamed.subarray(0, streamed.length - 1000)],
      ['cut short in its TOC', streamed.subarray(0, 2000)],
      ['a newer archive version', Buffer.concat([streamed.subarray(0, 6), Buffer.from([99]), streamed.subarray(7)])],
      ['a damaged chunk length', Buffer.from(streamed).fill(7, streamed.length - 3, streamed.length)],
    ];
    for (const [what, bytes] of cases) {
      const file = join(work.dir, `${what.replace(/ /g, '-')}.dump`);
      writeFileSync(file, bytes);
      expect(await fillDataOffsets(file), what).toBe(0);
      expect(readFileSync(file).equals(bytes), what).toBe(true);
    }
  });
});
