import { closeSync, openSync, readdirSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckProgress } from '../../src-main/contract/runs';
import type { VerifyReport } from '../../src-main/contract/verify';
import { startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { withCorruptedFile } from '../helpers/corrupt';
import { practiceProject } from '../helpers/practice';
import { findProcesses } from '../helpers/proc';
import { sqlOn } from '../helpers/sql';
import { privateTmpdir, tempDir } from '../helpers/tmp';
import { testPgMajor } from '../helpers/pgMatrix';
import { openTestWarden } from '../helpers/warden';

// A private TMPDIR: "no scratch directory left behind" is not confused by clusters that other test files start at the same time.
const privateTmp = privateTmpdir('bw-verify-tmp-');

const t = openTestWarden('alice');
const { warden } = t;
const out = tempDir('bw-verify-');
let cluster: ScratchCluster;
let projectId: string;
let runId: string;
let dumpFile: string;

const scratchDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('bw-scratch-') || d.startsWith('bw-restore-'));
const statusOf = (report: VerifyReport) => Object.fromEntries(report.checks.map((c) => [c.key, c.status]));
const detailOf = (report: VerifyReport, key: string) => report.checks.find((c) => c.key === key)!.detail;

const sql = (query: string, database = 'practice') => sqlOn({ ...cluster.target, database }, query);

beforeAll(async () => {
  ({ cluster, projectId } = await practiceProject(warden));
  // Production has amcheck of its own, in the extensions schema: the rehearsal's pg_amcheck must still be allowed to use it.
  await sql('CREATE EXTENSION amcheck WITH SCHEMA extensions');
  await warden.projects.update(projectId, {
    sampleChecks: [
      { name: 'students exist', table: 'public.users', where: { column: 'role', equals: 'student' }, expect: { op: '>=', rows: 1 } },
      { name: 'four subscription plans', table: 'public.subscription_plans', expect: { op: '=', rows: 4 } },
    ],
  });
  const result = await warden.backups.run({ projectId, name: 'baseline' }, { outputDir: out.dir });
  runId = result.runId;
  dumpFile = result.dumpFile;
});

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
  privateTmp.cleanup();
});

describe('integrity verification', () => {
  it('passes every check on a good backup and stores them as evidence', async () => {
    const progress: CheckProgress[] = [];
    const report = await warden.integrity.verify(runId, { onProgress: (p) => progress.push(p) });
    // Its progress: the decryption pass, measured by the bytes read, never going back.
    expect(progress[0]).toMatchObject({ activity: 'integrity', phase: 'Reading, decrypting and hashing the backup', step: 1, steps: 1, fraction: 0 });
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(progress.at(-1)!.fraction).toBe(0.99); // the whole file read (the last 1% is the verdict)
    expect(statusOf(report)).toEqual({
      'file-present': 'passed',
      'manifest-match': 'passed',
      'sealed-manifest': 'passed',
      'ciphertext-sha256': 'passed',
      decrypt: 'passed',
      'archive-readable': 'passed',
      'archive-complete': 'passed',
      'table-count': 'passed',
      'expected-tables': 'passed',
      'size-sanity': 'passed',
    });
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.key === 'table-count')!.numbers).toMatchObject({ publicTables: 31, expected: 31 });
    expect(warden.runs.items(runId).find((i) => i.key === 'integrity')).toMatchObject({ state: 'passed', evidence: { ok: true } });
    expect(warden.audit.list({ runId }).at(-1)!.action).toBe('verify.passed');
  });
});

describe('restore rehearsal', () => {
  it('restores into an embedded PostgreSQL, matches every count and fingerprint, runs sample checks, measures RTO and tears down', async () => {
    const before = scratchDirs();
    const progress: CheckProgress[] = [];
    const report = await warden.rehearsal.rehearse(runId, { amcheck: true, onProgress: (p) => progress.push(p) });
    // Its progress: three phases in order; the restore's share grows from pg_restore's own reports (--verbose).
    expect([...new Set(progress.map((p) => `${p.step}/${p.steps} ${p.phase}`))]).toEqual(['1/3 Starting a scratch server and opening the backup', '2/3 Restoring', '3/3 Counting rows and comparing']);
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(Math.max(...progress.filter((p) => p.phase === 'Restoring').map((p) => p.fraction))).toBeCloseTo(0.9, 5); // the restore's end is told
    expect(report.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.key)).toEqual(['restore', 'extensions', 'tables-match', 'row-counts', 'schema-fingerprint', 'sample:students exist', 'sample:four subscription plans', 'amcheck']);
    expect(report.outcome).toBe('passed');
    expect(report.restoreErrors).toEqual([]);
    expect(report.totals).toMatchObject({ tablesRestored: report.totals.tablesExpected, rowsRestored: report.totals.rowsExpected });
    // The platform's event trigger is a superuser feature: left out, and said so.
    expect(report.refused).toContain('Event trigger pgrst_ddl_watch not restored (only a superuser may create event triggers).');
    expect(report.extensions.map((e) => `${e.name}:${e.status}`)).toEqual(['amcheck:installed', 'pg_stat_statements:installed', 'pgcrypto:installed', 'uuid-ossp:installed']);
    expect(report.tables.length).toBeGreaterThan(31);
    for (const row of report.tables) expect(row.restored, row.table).toBe(row.expected);
    expect(report.tables.find((r) => r.table === 'public.chat_messages')!.restored).toBeGreaterThan(10_000);
    expect(report.timings.rtoMs).toBeGreaterThan(0);
    expect(report.outcome).toBe("passed");
    // Data spread over many tables, a small file: decrypted first, restored with parallel jobs (streamingPaysOff).
    expect(report.checks.find((c) => c.key === 'restore')!.detail).toMatch(/^Restored with \d+ parallel jobs as a restricted role/);
    // RTO counts decrypting the file, which runs beside the scratch server's preparation (prepareMs): neither adds up with the other.
    expect(report.timings.totalMs).toBeGreaterThan(report.timings.rtoMs!);
    expect(report.timings.totalMs).toBeGreaterThan(report.timings.prepareMs);
    expect(report.target).toBe(`embedded PostgreSQL ${testPgMajor} (private socket)`);
    expect(warden.runs.items(runId).find((i) => i.key === 'rehearsal')).toMatchObject({ state: 'passed' });
    expect(scratchDirs()).toEqual(before);
    // Postmasters carry their data directory in argv: only the practice cluster's may remain.
    const postmasters = findProcesses('postgres').filter((p) => p.argv.join(' ').includes(process.env.TMPDIR!));
    expect(postmasters.map((p) => p.argv.join(' '))).toEqual([expect.stringContaining(cluster.dataDir)]);
  });

  it('one large table of incompressible bytes restores as it is decrypted, in one transaction, leaving no decrypted copy; an error there rolls it back and the file path reports it', async () => {
    // Uploads kept in the database: one table of random bytes holds nearly everything, the file is as large as the data.
    await sql('CREATE DATABASE uploads', 'postgres');
    await sql(`CREATE TABLE public.blobs (id int PRIMARY KEY, body bytea NOT NULL);
      INSERT INTO public.blobs SELECT g, extensions.gen_random_bytes(1024) FROM generate_series(1, 24000) g;
      CREATE TABLE public.owners (id int PRIMARY KEY, name text); INSERT INTO public.owners VALUES (1, 'a'), (2, 'b');`, 'uploads').catch(async () => {
      await sql('CREATE EXTENSION pgcrypto WITH SCHEMA public', 'uploads');
      await sql(`CREATE TABLE public.blobs (id int PRIMARY KEY, body bytea NOT NULL);
        INSERT INTO public.blobs SELECT g, public.gen_random_bytes(1024) FROM generate_series(1, 24000) g;
        CREATE TABLE public.owners (id int PRIMARY KEY, name text); INSERT INTO public.owners VALUES (1, 'a'), (2, 'b');`, 'uploads');
    });
    const uploads = await warden.projects.create({
      name: 'Uploads', environment: 'staging', host: cluster.target.host, port: cluster.target.port,
      database: 'uploads', user: cluster.target.user, sslmode: 'disable', secrets: { dbPassword: cluster.target.password }, expectedTables: ['blobs', 'owners'],
    });
    const first = await warden.backups.run({ projectId: uploads.id, name: 'uploads' }, { outputDir: out.dir });
    const before = scratchDirs();
    const streamed = await warden.rehearsal.rehearse(first.runId);
    expect(streamed.ok, JSON.stringify(streamed.checks)).toBe(true);
    expect(streamed.checks.find((c) => c.key === 'restore')!.detail).toMatch(/^Restored as it was decrypted, in one transaction \(no decrypted copy written\), as a restricted role/);
    expect(streamed.tables.find((r) => r.table === 'public.blobs')).toMatchObject({ expected: 24000, restored: 24000 });
    expect(scratchDirs()).toEqual(before);

    // A byte changed at the start of the file: its contents cannot be read, and the file path refuses it in its words.
    // Flipped, not overwritten: a fixed byte written over ciphertext is already there one time in 256.
    await withCorruptedFile(first.dumpFile, (f) => {
      const fd = openSync(f, 'r+');
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, 300);
      byte[0]! ^= 0x01;
      writeSync(fd, byte, 0, 1, 300);
      closeSync(fd);
    }, async () => {
      await expect(warden.rehearsal.rehearse(first.runId)).rejects.toThrow(/is not the recorded backup: its SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}\. Nothing was restored/);
    });
    expect(scratchDirs()).toEqual(before);

    // Cancelled while the stream runs: pg_restore, zstd and the scratch server stop, nothing is left.
    const controller = new AbortController();
    const watcher = setInterval(() => findProcesses('pg_restore').some((p) => p.argv.includes('--single-transaction')) && controller.abort(), 10);
    try {
      await expect(warden.rehearsal.rehearse(first.runId, { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      clearInterval(watcher);
    }
    expect(findProcesses('pg_restore')).toEqual([]);
    expect(scratchDirs()).toEqual(before);

    // A CHECK that reads a server file: the restricted role may not, so the load fails inside the one
    // transaction, which rolls back; restored again from a decrypted file, entry by entry, the error is named.
    await sql(`CREATE FUNCTION public.reads_server_file(bytea) RETURNS boolean LANGUAGE sql AS $$ SELECT length(pg_read_file('PG_VERSION')) > 0 $$;
      ALTER TABLE public.owners ADD CONSTRAINT reads CHECK (public.reads_server_file(name::bytea));`, 'uploads');
    const second = await warden.backups.run({ projectId: uploads.id, name: 'uploads-trap' }, { outputDir: out.dir });
    const fallback = await warden.rehearsal.rehearse(second.runId);
    expect(fallback.ok).toBe(false);
    expect(fallback.checks.find((c) => c.key === 'restore')!.detail).toMatch(/restore errors\. .*\(First tried as the backup was decrypted, in one transaction, which rolled back at the first error; then restored from a decrypted copy, entry by entry, to name every error\.\)$/s);
    expect(fallback.restoreErrors.flatMap((g) => g.examples).join('\n')).toMatch(/pg_read_file|permission denied/);
    expect(fallback.checks.find((c) => c.key === 'restore')!.status).toBe('failed');
    expect(fallback.tables.find((r) => r.table === 'public.blobs')).toMatchObject({ expected: 24000, restored: 24000 });
    expect(scratchDirs()).toEqual(before);
  });

  it('reports a row deleted before the comparison with its table and both counts', async () => {
    const report = await warden.rehearsal.rehearse(runId, {
      afterRestore: async (target) => {
        const client = new pg.Client({ ...target, password: target.password ?? undefined });
        await client.connect();
        await client.query('DELETE FROM public.chat_messages WHERE id = (SELECT min(id) FROM public.chat_messages)');
        await client.end();
      },
    });
    expect(report.ok).toBe(false);
    const expected = report.tables.find((r) => r.table === 'public.chat_messages')!.expected!;
    expect(report.diff!.countMismatches).toEqual([{ table: 'public.chat_messages', expected, actual: expected - 1 }]);
    const { tablesExpected, rowsExpected } = report.totals;
    expect(report.totals).toMatchObject({ tablesRestored: tablesExpected, rowsRestored: rowsExpected - 1 });
    expect(report.checks.find((c) => c.key === 'row-counts')).toMatchObject({
      status: 'failed',
      detail: `public.chat_messages: ${expected - 1} restored, ${expected} at backup`,
    });
    expect(report.outcome).toBe('failed');
    expect(warden.audit.list({ runId }).at(-1)!.action).toBe('rehearsal.failed');
  });

  it('tears the scratch cluster down when the rehearsal fails midway', async () => {
    const before = scratchDirs();
    await withCorruptedFile(
      dumpFile,
      (file) => {
        const bytes = readFileSync(file);
        bytes[bytes.length - 100]! ^= 0xff;
        writeFileSync(file, bytes);
      },
      () => expect(warden.rehearsal.rehearse(runId)).rejects.toThrow(/is not the recorded backup: its SHA-256 is/),
    );
    expect(scratchDirs()).toEqual(before);
    expect(warden.runs.items(runId).find((i) => i.key === 'rehearsal')!.state).toBe('failed');
  });

  it('refuses the production profile as a rehearsal target', async () => {
    await expect(warden.rehearsal.rehearse(runId, { target: { kind: 'project', projectId } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('guarded restore: refuses a superuser or CREATEROLE target, refuses without the typed database name, restores as the database owner with it, audits all', async () => {
    // The target's owner restores: no superuser, no CREATEROLE (on PostgreSQL 15 it could grant itself pg_execute_server_program).
    await sql(`CREATE ROLE rollback_owner LOGIN PASSWORD '${cluster.target.password}'`, 'postgres');
    await sql('CREATE DATABASE rollback_target OWNER rollback_owner', 'postgres');
    // An administrator provides the extensions the restoring role may not create itself.
    await sql('CREATE SCHEMA extensions AUTHORIZATION rollback_owner; CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions; CREATE EXTENSION amcheck WITH SCHEMA extensions', 'rollback_target');
    // The same database through three profiles: only the owner's role may restore into it.
    const profileAs = (name: string, user: string) =>
      warden.projects.create({
        name, environment: 'staging', host: cluster.target.host, port: cluster.target.port,
        database: 'rollback_target', user, sslmode: 'disable', secrets: { dbPassword: cluster.target.password },
      });
    const refusals = [
      ['Rollback as superuser', cluster.target.user, 'is a superuser, so functions in the backup could do the same on that server'],
      // From PostgreSQL 16 on, CREATEROLE no longer lets a role grant itself what it does not hold.
      ...(testPgMajor < 16 ? [['Rollback as postgres', 'postgres', 'it has CREATEROLE on PostgreSQL 15, which before 16 lets it grant itself pg_execute_server_program'] as const] : []),
    ] as const;
    for (const [name, user, refusal] of refusals) {
      const refused = await profileAs(name, user);
      await expect(warden.rehearsal.restoreTo(runId, { targetProjectId: refused.id, confirmDatabase: 'rollback_target' })).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining(refusal),
      });
    }
    const target = await profileAs('Rollback target', 'rollback_owner');
    await expect(warden.rehearsal.restoreTo(runId, { targetProjectId: target.id, confirmDatabase: 'rollback' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('type the database name "rollback_target" exactly'),
    });
    const result = await warden.rehearsal.restoreTo(runId, { targetProjectId: target.id, confirmDatabase: 'rollback_target' });
    expect(result).toMatchObject({ ok: true, errors: [] });
    const restored = await sql('SELECT count(*)::int AS n FROM public.forum_comments', 'rollback_target');
    const original = await sql('SELECT count(*)::int AS n FROM public.forum_comments');
    expect(restored.rows[0].n).toBe(original.rows[0].n);
    const refused = refusals.flatMap(() => ['restore.started', 'restore.failed']);
    expect(warden.audit.list({ runId }).slice(-(refused.length + 3)).map((e) => e.action)).toEqual([...refused, 'restore.refused', 'restore.started', 'restore.completed']);
  });

  // The PostgreSQL 17 pass: a backup of 17 and a target that still runs the machine's 15.
  it.runIf(testPgMajor > 15)('a target on an older major than the backup is refused before anything changes there', async () => {
    const older = await startScratchCluster({ tcp: true, binDir: '/usr/lib/postgresql/15/bin' });
    try {
      expect(older.major).toBe(15);
      const admin = new pg.Client(older.target);
      await admin.connect();
      await admin.query(`CREATE ROLE old_owner LOGIN PASSWORD '${older.target.password}'`);
      await admin.query('CREATE DATABASE old_target OWNER old_owner');
      await admin.end();
      const target = await warden.projects.create({
        name: 'Older target', environment: 'staging', host: older.target.host, port: older.target.port,
        database: 'old_target', user: 'old_owner', sslmode: 'disable', secrets: { dbPassword: older.target.password },
      });
      await expect(warden.rehearsal.restoreTo(runId, { targetProjectId: target.id, confirmDatabase: 'old_target' })).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining(`it runs PostgreSQL 15, and the backup comes from PostgreSQL ${testPgMajor}. A backup restores into the same or a newer major only`),
      });
      const check = new pg.Client({ ...older.target, database: 'old_target' });
      await check.connect();
      expect((await check.query(`SELECT count(*)::int AS n FROM pg_catalog.pg_class WHERE relnamespace = 'public'::regnamespace`)).rows[0].n).toBe(0);
      await check.end();
    } finally {
      await older.stop();
    }
  });

  it('a backup of a database missing an expected table fails the expected-tables check naming it', async () => {
    await sql('DROP TABLE public.forum_post_limits');
    const second = await warden.backups.run({ projectId, name: 'missing-table' }, { outputDir: out.dir });
    const report = await warden.integrity.verify(second.runId);
    expect(statusOf(report)).toMatchObject({ 'expected-tables': 'failed', 'table-count': 'failed', 'ciphertext-sha256': 'passed' });
    expect(detailOf(report, 'expected-tables')).toBe('Missing from the backup: public.forum_post_limits.');
    expect(detailOf(report, 'table-count')).toBe('30 tables in public; the project expects 31.');
  });
});
