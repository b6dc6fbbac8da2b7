import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src-main/contract/backup';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { runCli } from '../helpers/cli';
import { postgresWithout } from '../helpers/pgWithout';
import { practiceProject } from '../helpers/practice';
import { privateTmpdir, tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';
import { testPgMajor } from '../helpers/pgMatrix';
import { PRACTICE_BREAK_GLASS } from '../helpers/practice';
import { creatorKey } from '../helpers/sshKeys';

// The rehearsal tells the truth about a database shaped like a real Supabase project (postgres is not
// a superuser): green when everything restored, failed naming a lost table, and partial — never green —
// when a table needs an extension (citext, which Supabase offers) that the rehearsal's server lacks.
const privateTmp = privateTmpdir('bw-ext-tmp-');
const t = openTestWarden('alice');
const out = tempDir('bw-ext-');
let cluster: ScratchCluster;
let projectId: string;
let runId: string;
let manifest: Manifest;
let withoutCitext: { binDir: string; cleanup: () => void };

beforeAll(async () => {
  ({ cluster, projectId } = await practiceProject(t.warden, 1));
  // As the app's migrations would, connected as postgres (citext is a trusted extension).
  const client = new pg.Client({ ...cluster.target, user: 'postgres', database: 'practice' });
  await client.connect();
  await client.query(`CREATE EXTENSION citext WITH SCHEMA extensions;
    CREATE TABLE public.newsletter_subscribers (id bigserial PRIMARY KEY, email extensions.citext NOT NULL UNIQUE);
    INSERT INTO public.newsletter_subscribers (email) SELECT 'Reader' || g || '@Example.edu' FROM generate_series(1, 25) g;`);
  await client.end();
  const backup = await t.warden.backups.run({ projectId, name: 'with-citext' }, { outputDir: out.dir });
  ({ runId, manifest } = backup);
  t.warden.storage.outOfScope(runId, 'Alice Creator', 'The migration under test does not touch Storage.');
  await t.warden.integrity.verify(runId);
  withoutCitext = await postgresWithout(['citext'], testPgMajor);
});

afterAll(async () => {
  t.close();
  out.cleanup();
  withoutCitext?.cleanup();
  await cluster?.stop();
  privateTmp.cleanup();
});

describe('restore rehearsal on a Supabase-shaped project', () => {
  it('the manifest records each extension with the tables and columns that need it', () => {
    expect(manifest.catalog!.extensions.find((e) => e.name === 'citext')).toMatchObject({
      schema: 'extensions',
      version: expect.stringMatching(/^\d+\.\d+$/),
      dependents: [{ table: 'public.newsletter_subscribers', column: 'email' }],
    });
  });

  it('backed up as postgres, which is not a superuser, it rehearses green on the embedded scratch server', async () => {
    const source = new pg.Client({ ...cluster.target, user: 'postgres', database: 'practice' });
    await source.connect();
    const { rows } = await source.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`);
    await source.end();
    expect(rows).toEqual([{ rolsuper: false }]);
    expect(manifest.source.user).toBe('postgres');
    const report = await t.warden.rehearsal.rehearse(runId);
    expect(report.outcome).toBe('passed');
    expect(report.restoreErrors).toEqual([]);
    expect(report.totals).toEqual({ tablesExpected: manifest.tables.length, tablesRestored: manifest.tables.length, rowsExpected: manifest.totals.rows, rowsRestored: manifest.totals.rows });
    expect(report.extensions.find((e) => e.name === 'citext')).toMatchObject({ status: 'installed' });
  });

  it('a table lost in the restore fails the counts check naming it, and the log states the real numbers', async () => {
    const report = await t.warden.rehearsal.rehearse(runId, {
      afterRestore: async (target) => {
        const client = new pg.Client({ ...target, password: target.password ?? undefined });
        await client.connect();
        await client.query('DROP TABLE public.forum_post_reports');
        await client.end();
      },
    });
    const { tablesExpected, rowsExpected } = report.totals;
    const lost = report.tables.find((r) => r.table === 'public.forum_post_reports')!.expected!;
    expect(report.totals).toMatchObject({ tablesRestored: tablesExpected - 1, rowsRestored: rowsExpected - lost });
    expect(report.checks.find((c) => c.key === 'tables-match')).toMatchObject({ status: 'failed', detail: 'Missing after restore: public.forum_post_reports.' });
    expect(report.checks.find((c) => c.key === 'row-counts')).toMatchObject({
      status: 'failed',
      detail: `public.forum_post_reports: missing (${lost} rows at backup)`,
    });
    const { markdown } = t.warden.exports.preview(runId);
    expect(markdown).toContain(
      `- [ ] Restoration FAILED: restored into ${report.target}; ${tablesExpected - 1} of ${tablesExpected} tables restored, ${(rowsExpected - lost).toLocaleString('en-US')} of ${rowsExpected.toLocaleString('en-US')} rows. public.forum_post_reports: missing (${lost} rows at backup)`,
    );
    expect(markdown).not.toContain('Restoration confirmed');
  });


  it('a server without it comes out partial: extension, table and package named; the rest compared; no sign-off without an override', async () => {
    const report = await t.warden.rehearsal.rehearse(runId, { pgToolsDir: withoutCitext.binDir });
    expect(report.outcome).toBe('partial');
    expect(report.ok).toBe(false);
    expect(report.extensions.find((e) => e.name === 'citext')).toMatchObject({
      status: 'missing',
      tables: ['public.newsletter_subscribers'],
      detail: expect.stringContaining(`not available on this PostgreSQL ${testPgMajor}`),
    });
    const status = Object.fromEntries(report.checks.map((c) => [c.key, c.status]));
    expect(status).toMatchObject({ restore: 'partial', extensions: 'partial', 'tables-match': 'partial', 'row-counts': 'partial', 'schema-fingerprint': 'passed' });
    expect(report.checks.find((c) => c.key === 'tables-match')!.detail).toBe('Not restorable without their extension: public.newsletter_subscribers.');
    expect(report.restoreErrors.map((g) => g.kind)).toContain('missing-extension');
    expect(report.totals).toMatchObject({ tablesRestored: manifest.tables.length - 1, tablesExpected: manifest.tables.length, rowsRestored: manifest.totals.rows - 25 });
    expect(report.timings.rtoMs).toBeNull();
    expect(t.warden.runs.items(runId).find((i) => i.key === 'rehearsal')!.state).toBe('partial');
    expect(t.warden.audit.list({ runId }).at(-1)!.action).toBe('rehearsal.partial');

    // Never green: the log says partial and the sign-off gate holds without an override.
    const { markdown } = t.warden.exports.preview(runId);
    expect(markdown).toContain(`[ ] Restoration PARTIAL: restored into embedded PostgreSQL ${testPgMajor} (private socket); ${manifest.tables.length - 1} of ${manifest.tables.length} tables restored`);
    expect(markdown).toContain(`- [ ] Extension citext missing: not available on this PostgreSQL ${testPgMajor}`);
    await expect(t.warden.signOffs.signOff(runId, { role: 'creator', name: 'Alice Creator', keyFile: creatorKey().keyFile })).rejects.toThrow(/"Restore rehearsed" is partial/);
  });

  it('the CLI says partial with what to do, and exits 1 (tools found on PATH first, as discovery does)', async () => {
    const dataDir = join(out.dir, 'cli-data');
    const env = { ...process.env, PATH: `${withoutCitext.binDir}:${process.env.PATH}` };
    const run = (args: string[], input?: string) => runCli(args, { dataDir, env, input });
    const added = await run(['project', 'add', '--name', 'Citext', '--env', 'production', '--host', cluster.target.host, '--port', String(cluster.target.port),
      '--db', 'practice', '--user', 'postgres', '--sslmode', 'disable', '--recipient', PRACTICE_BREAK_GLASS, '--password-stdin'], `${cluster.target.password}\n`);
    expect(added.code, added.stderr).toBe(0);
    const backup = await run(['backup', 'Citext', '--out', out.dir, '--name', 'cli-citext', '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    const rehearsal = await run(['rehearse', (JSON.parse(backup.stdout) as { runId: string }).runId]);
    expect(rehearsal.code).toBe(1);
    expect(rehearsal.stdout).toMatch(/^PART {2}Extensions of the backup available here: citext missing \(tables public\.newsletter_subscribers\)/m);
    expect(rehearsal.stdout).toContain(`- Extension citext missing (tables public.newsletter_subscribers): not available on this PostgreSQL ${testPgMajor}.`);
    expect(rehearsal.stdout).toMatch(/Rehearsal PARTIAL \(not green\): (\d+) of \d+ tables restored/);
  });
});
