import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../src-main/contract/backup';
import { prepareArchive } from '../../src-main/core/rehearse/restore';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { runCli } from '../helpers/cli';
import { findProcesses } from '../helpers/proc';
import { practiceProject } from '../helpers/practice';
import { sqlOn } from '../helpers/sql';
import { privateTmpdir, tempDir } from '../helpers/tmp';
import { until } from '../helpers/until';
import { openTestWarden } from '../helpers/warden';

// Issue 17: a parallel backup (pg_dump -Fd -j N in one snapshot) is one encrypted file like any other —
// a tar of the directory archive, each table's file packed as its job finishes it, toc.dat last — and
// verifies, rehearses and restores as one.
const privateTmp = privateTmpdir('bw-parallel-tmp-');

const t = openTestWarden('alice', { sharedKeychain: true });
const { warden } = t;
const out = tempDir('bw-parallel-');
let cluster: ScratchCluster;
let projectId: string;
let backup: BackupResult;
let practiceDirs: string[] = [];
let encryptedWhileDumping = 0;
const leftovers = () => readdirSync(tmpdir()).filter((d) => /^bw-(dump|toc|restore|scratch)-/.test(d) && !practiceDirs.includes(d));

const sql = (query: string, database = 'practice') => sqlOn({ ...cluster.target, database }, query);

beforeAll(async () => {
  ({ cluster, projectId } = await practiceProject(warden));
  practiceDirs = readdirSync(tmpdir());
  let jobsSeen: string[] = [];
  const partial = join(out.dir, 'parallel.dump.age.partial');
  const watch = setInterval(() => {
    const dumping = findProcesses('pg_dump');
    jobsSeen = [...jobsSeen, ...dumping.flatMap((p) => p.argv.filter((a) => a.startsWith('--jobs=')))];
    // Packed as the jobs finish their tables: encrypted output is written while pg_dump still runs.
    if (dumping.length && existsSync(partial)) encryptedWhileDumping = Math.max(encryptedWhileDumping, statSync(partial).size);
  }, 20);
  try {
    backup = await warden.backups.run({ projectId, name: 'parallel', jobs: 2 }, { outputDir: out.dir });
  } finally {
    clearInterval(watch);
  }
  expect(jobsSeen).toContain('--jobs=2');
});

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
  privateTmp.cleanup();
});

describe('a parallel backup', () => {
  it('is one encrypted file holding a tar of the directory archive, packed while dumping, toc.dat last, the unencrypted folder gone', async () => {
    const { dump } = backup.manifest;
    expect(dump).toMatchObject({ format: 'directory', jobs: 2 });
    expect(dump.files!.at(-1)).toBe('toc.dat');
    expect(encryptedWhileDumping).toBeGreaterThan(64 * 1024); // at least one age payload chunk before pg_dump ended
    expect(dump.files!.length).toBeGreaterThan(31);
    expect(readdirSync(out.dir).sort()).toEqual(['parallel.RECOVERY-DETAILS.md.age', 'parallel.RECOVERY.md', 'parallel.dump.age', 'parallel.manifest.json', 'parallel.manifest.json.age', 'parallel.roles.json.age']);
    expect(leftovers()).toEqual([]);
    // Opened with the standard tools, it is what the manifest lists, in that order.
    const identity = join(tmpdir(), 'parallel-identity.txt');
    writeFileSync(identity, (await warden.projects.backupKey(projectId)).identity + '\n', { mode: 0o600 });
    try {
      const decrypt = `age -d -i "$1" "$2"${dump.stream === 'zstd' ? ' | zstd -d -q' : ''} | tar -t -f -`;
      expect(execFileSync('bash', ['-o', 'pipefail', '-c', decrypt, '-', identity, backup.dumpFile], { encoding: 'utf8' }).trim().split('\n')).toEqual(dump.files);
    } finally {
      rmSync(identity, { force: true });
    }
  });

  it('passes every integrity check, its table of contents read from toc.dat', async () => {
    const report = await warden.integrity.verify(backup.runId);
    expect(report.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(report.checks.find((c) => c.key === 'archive-complete')!.detail).toMatch(/^\d+ tables with data in the archive\.$/);
    expect(leftovers()).toEqual([]);
  });

  it('rehearses green from the unpacked folder with parallel jobs, every count exact, nothing left', async () => {
    const report = await warden.rehearsal.rehearse(backup.runId);
    expect(report.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(report.checks.find((c) => c.key === 'restore')!.detail).toMatch(/^Restored with \d+ parallel jobs as a restricted role/);
    for (const row of report.tables) expect(row.restored, row.table).toBe(row.expected);
    expect(leftovers()).toEqual([]);
  });

  // A read stopped before its end (cancelled) leaves tar's end awaited too: nothing unhandled, nothing left.
  it('a read of it cancelled while tar unpacks it rejects as cancelled, its folder gone', async () => {
    const identity = (await warden.projects.backupKey(projectId)).identity;
    const dirs: string[] = [];
    await expect(prepareArchive(backup.dumpFile, [identity], backup.manifest, { signal: AbortSignal.abort(), onTempDir: (dir) => dirs.push(dir) })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
    // An unhandled rejection would surface on the next turns of the event loop, and fail this file.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(leftovers()).toEqual([]);
  });

  it('restores into a target as its owner (the guarded restore: --clean over what is there), counts as in the source', async () => {
    await sql(`CREATE ROLE parallel_owner LOGIN PASSWORD '${cluster.target.password}'`, 'postgres');
    await sql('CREATE DATABASE parallel_target OWNER parallel_owner', 'postgres');
    await sql('CREATE SCHEMA extensions AUTHORIZATION parallel_owner; CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions', 'parallel_target');
    const target = await warden.projects.create({
      name: 'Parallel target', environment: 'staging', host: cluster.target.host, port: cluster.target.port,
      database: 'parallel_target', user: 'parallel_owner', sslmode: 'disable', secrets: { dbPassword: cluster.target.password },
    });
    // Twice: the second restore replaces what the first put there.
    for (let i = 0; i < 2; i++) {
      const result = await warden.rehearsal.restoreTo(backup.runId, { targetProjectId: target.id, confirmDatabase: 'parallel_target', clean: i > 0 });
      expect(result).toMatchObject({ ok: true, errors: [] });
    }
    for (const table of ['public.forum_comments', 'public.chat_messages', 'public.users']) {
      const [restored, original] = await Promise.all([sql(`SELECT count(*)::int AS n FROM ${table}`, 'parallel_target'), sql(`SELECT count(*)::int AS n FROM ${table}`)]);
      expect(restored.rows[0].n, table).toBe(original.rows[0].n);
    }
    expect(leftovers()).toEqual([]);
  });

  it('the command line takes --jobs, and refuses a number out of range naming the field', async () => {
    const refused = await runCli(['backup', projectId, '--out', out.dir, '--name', 'too-many', '--jobs', '99'], { dataDir: t.dataDir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--jobs must be at most 16/);
    const cli = await runCli(['backup', projectId, '--out', out.dir, '--name', 'parallel-cli', '--jobs', '2'], { dataDir: t.dataDir });
    expect(cli.code, cli.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out.dir, 'parallel-cli.manifest.json'), 'utf8'));
    expect(manifest.files.dump.file).toBe('parallel-cli.dump.age');
    const run = warden.runs.list(projectId).find((r) => r.name === 'parallel-cli')!;
    expect(warden.runs.item(run.id, 'backup')!.evidence).toMatchObject({ jobs: 2 });
  });

  it('cancelled while its pg_dump jobs run: pg_dump and its workers, the unencrypted folder and every partial file gone', async () => {
    const controller = new AbortController();
    const running = warden.backups.run({ projectId, name: 'parallel-cancelled', jobs: 2 }, { outputDir: out.dir, signal: controller.signal });
    await until(() => findProcesses('pg_dump').some((p) => p.argv.includes('--jobs=2')), 30_000);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(findProcesses('pg_dump')).toEqual([]);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(out.dir).filter((f) => f.startsWith('parallel-cancelled'))).toEqual([]);
    expect(warden.runs.list(projectId).find((r) => r.name === 'parallel-cancelled')).toMatchObject({ status: 'cancelled' });
  });

  it('an exclusive lock asked for while its jobs run (a migration starting) stops it with what to do, nothing kept', async () => {
    const migration = new pg.Client({ ...cluster.target, database: 'practice' });
    await migration.connect();
    try {
      const running = warden.backups.run({ projectId, name: 'parallel-locked', jobs: 2 }, { outputDir: out.dir });
      // Once pg_dump's jobs write table data, its leader holds a share lock on every table; then a migration asks
      // for an exclusive one on the smallest, which the jobs (largest first) reach last.
      await until(() => leftovers().some((d) => d.startsWith('bw-dump-') && existsSync(join(tmpdir(), d, 'archive')) && readdirSync(join(tmpdir(), d, 'archive')).some((f) => f.endsWith('.dat'))), 30_000);
      const locking = migration.query('BEGIN; LOCK TABLE public.subscription_plans IN ACCESS EXCLUSIVE MODE');
      await expect(running).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(/^Another session asked for an exclusive lock on a table while the parallel dump ran .* or with 1 job, which waits for locks instead\.\n.*could not obtain lock on relation/s),
      });
      await locking;
      expect(leftovers()).toEqual([]);
      expect(readdirSync(out.dir).filter((f) => f.startsWith('parallel-locked'))).toEqual([]);
      expect(warden.runs.list(projectId).find((r) => r.name === 'parallel-locked')).toMatchObject({ status: 'failed' });
    } finally {
      await migration.query('ROLLBACK').catch(() => undefined);
      await migration.end();
    }
  });
});
