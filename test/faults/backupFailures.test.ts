import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupProgress } from '../../src-main/contract/backup';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// The database goes away mid-dump, the disk fills up mid-write: the run fails with a clear error and
// nothing is left that looks like a backup.
const t = openTestWarden('alice');
const { warden } = t;
const work = tempDir('bw-failures-');
let cluster: ScratchCluster;
let projectId: string;

// A 2 MiB tmpfs: a real ENOSPC from the kernel. Mounting needs root (CI and this machine run as root).
const small = join(work.dir, 'small-disk');
mkdirSync(small);
const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small], { encoding: 'utf8' });
const noMount = mount.status === 0 ? '' : ` (skipped: cannot mount a small tmpfs here: ${(mount.stderr || mount.error?.message || '').trim()})`;

beforeAll(async () => {
  ({ cluster, projectId } = await practiceProject(warden));
});

afterAll(async () => {
  if (!noMount) spawnSync('umount', [small]);
  t.close();
  await cluster?.stop();
  work.cleanup();
});

const itemState = (runId: string) => warden.runs.items(runId).find((i) => i.key === 'backup')!;
const lastRun = () => warden.runs.list(projectId)[0]!;

describe('backup failures', () => {
  // pg_dump's own session (the one running COPY), or every session of the database including the one
  // that holds the snapshot and counts rows: either way the run fails as a connection error.
  it.each([
    ['pg_dump’s session', `query LIKE 'COPY %'`, /^The database connection was lost during the dump; the backup is incomplete and was discarded\. Check that the database is up and reachable, then run the backup again\.\n[\s\S]*(terminating connection|server closed the connection)/],
    ['every session of the database', `pid <> pg_backend_pid()`, /connection was lost|ended the session|Connection terminated/],
  ])('the database connection is terminated mid-dump (pg_terminate_backend on %s): the run fails as a connection error, no file is kept', async (label, which, message) => {
    const out = join(work.dir, `terminated-${label.length}`);
    mkdirSync(out);
    const admin = new pg.Client({ ...cluster.target, database: 'postgres' });
    await admin.connect();
    let terminated = 0;
    // The backup can fail (its sessions ended) before the terminating query's own answer is read: awaited below.
    let terminating: Promise<unknown> | undefined;
    const onProgress = (p: BackupProgress) => {
      if (terminated === 0 && p.phase === 'dumping' && p.currentTable !== null) {
        terminated = -1;
        terminating = admin
          .query(`SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'practice' AND ${which}) t`)
          .then((r) => (terminated = (r.rows[0] as { n: number }).n));
      }
    };
    try {
      await expect(warden.backups.run({ projectId, name: 'terminated' }, { outputDir: out, onProgress })).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringMatching(message) });
      await terminating;
    } finally {
      await admin.end();
    }
    expect(terminated).toBeGreaterThanOrEqual(1);
    expect(readdirSync(out)).toEqual([]);
    const run = lastRun();
    expect(run).toMatchObject({ name: 'terminated', status: 'failed' });
    expect(itemState(run.id)).toMatchObject({ state: 'failed', evidence: { error: expect.stringMatching(message) } });
    expect(warden.audit.list({ runId: run.id }).at(-1)).toMatchObject({ action: 'backup.failed' });
  });

  it.skipIf(noMount !== '')(`the output disk fills up mid-write (ENOSPC): the run fails saying so, the partial file is removed${noMount}`, async () => {
    await expect(warden.backups.run({ projectId, name: 'full-disk' }, { outputDir: small })).rejects.toThrow(
      /^Writing the backup failed \(ENOSPC: no space left on device, write\); the partial file was removed\. The output folder is out of space: free some or pick a folder on a larger disk, then run the backup again\.$/,
    );
    expect(readdirSync(small)).toEqual([]);
    const run = lastRun();
    expect(run).toMatchObject({ name: 'full-disk', status: 'failed' });
    expect(warden.audit.list({ runId: run.id }).at(-1)).toMatchObject({ action: 'backup.failed', details: { error: expect.stringContaining('ENOSPC') } });
    // The same name works once there is room.
    const roomy = join(work.dir, 'roomy');
    mkdirSync(roomy);
    expect(existsSync((await warden.backups.run({ projectId, name: 'full-disk' }, { outputDir: roomy })).dumpFile)).toBe(true);
  });
});
