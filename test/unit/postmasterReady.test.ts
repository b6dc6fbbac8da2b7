import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { postmasterReady } from '../../src-main/core/pgtools/postmaster';
import { tempDir } from '../helpers/tmp';

// A pid file as PostgreSQL (10 and later) writes it: pid, data folder, start time, port, socket folder,
// listen address, shared memory key, status.
const pidFile = (status: string) => ['4242', '/data', '1764230400', '5432', '/sock', '', '  1234   5678', status.padEnd(8), ''].join('\n');

describe('postmasterReady', () => {
  let work: ReturnType<typeof tempDir> | null = null;
  afterEach(() => work?.cleanup());
  const settledWithin = async (promise: Promise<unknown>, ms: number) => Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);

  it('resolves true when the pid file says ready, not while it says starting', async () => {
    work = tempDir('bw-pidfile-');
    const never = new Promise<void>(() => {});
    const ready = postmasterReady(work.dir, never);
    expect(await settledWithin(ready, 50)).toBe(false); // no pid file yet
    writeFileSync(join(work.dir, 'postmaster.pid'), pidFile('starting'));
    expect(await settledWithin(ready, 50)).toBe(false);
    writeFileSync(join(work.dir, 'postmaster.pid'), pidFile('ready'));
    expect(await settledWithin(ready, 1000)).toBe(true);
    expect(await ready).toBe(true);
  });

  it('stops looking, with false, once pg_ctl or the server has ended, either way, so a failed start is not waited on', async () => {
    work = tempDir('bw-pidfile-');
    const failed = Promise.reject(new Error('pg_ctl: could not start server'));
    failed.catch(() => {});
    for (const ending of [Promise.resolve(), failed]) {
      const ready = postmasterReady(work.dir, ending);
      expect(await settledWithin(ready, 1000)).toBe(true);
      expect(await ready).toBe(false);
    }
  });
});
