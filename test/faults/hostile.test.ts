import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RehearsalReport } from '../../src-main/contract/verify';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { practiceProject } from '../helpers/practice';
import { findProcesses } from '../helpers/proc';
import { sqlOn } from '../helpers/sql';
import { privateTmpdir, tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Production is untrusted input. A role that may create tables in production (here: Supabase's
// postgres, not a superuser) plants functions that try to run a program and to read a server file
// when they are evaluated somewhere else than in production: through a CHECK constraint, an index
// expression, a column default, a trigger, a view and a materialized view. Roles add a comment with a
// newline payload, a superuser and a member of pg_execute_server_program. Backup, integrity check,
// rehearsal and guarded restore must leave no file and no process behind, and say what they refused.

const privateTmp = privateTmpdir('bw-hostile-tmp-');
const t = openTestWarden('alice');
const out = tempDir('bw-hostile-');
// Writable by every account, the server's included: an attack that ran would leave its file here.
const markers = mkdtempSync(join(tmpdir(), 'bw-hostile-markers-'));
chmodSync(markers, 0o777);
let cluster: ScratchCluster;
let projectId: string;
let runId: string;

const commentPayload = `Reporting role\nALTER ROLE hostile_commenter SUPERUSER;\nCOPY (SELECT 1) TO PROGRAM 'touch ${markers}/comment-program';`;

const sql = (query: string, target: pg.ClientConfig) => sqlOn(target, query);
const asSuperuser = (database = 'practice') => ({ ...cluster.target, database });
const asPostgres = () => ({ ...cluster.target, user: 'postgres', database: 'practice' });

/** Nothing the attack would leave: no marker file, no process that names the marker folder. */
function expectNoTrace(): void {
  expect(readdirSync(markers)).toEqual([]);
  expect(findProcesses().filter((p) => p.argv.join(' ').includes(markers))).toEqual([]);
}

beforeAll(async () => {
  ({ cluster, projectId } = await practiceProject(t.warden, 1));
  // The payload stays quiet in production itself, so that the fixture can be built.
  await sql(`ALTER DATABASE practice SET bw.fixture = 'production'`, asSuperuser());
  await sql(
    `CREATE FUNCTION public.pwn(site text) RETURNS boolean LANGUAGE plpgsql AS $f$
     BEGIN
       IF current_setting('bw.fixture', true) IS DISTINCT FROM 'production' THEN
         -- The program reads what COPY writes first: one that exits before (touch) fails COPY with a broken pipe, now and then.
         EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'cat > /dev/null; touch ${markers}/' || site || '-program');
         EXECUTE format('COPY (SELECT pg_read_file(%L)) TO %L', '/etc/hostname', '${markers}/' || site || '-read');
       END IF;
       RETURN true;
     END $f$;
     -- An index expression needs an immutable function: one that lies, calling the volatile payload.
     CREATE FUNCTION public.pwn_immutable(site text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN RETURN public.pwn(site); END $f$;
     CREATE TABLE public.hostile_check (id int, CHECK (public.pwn('check')));
     INSERT INTO public.hostile_check SELECT generate_series(1, 5);
     CREATE TABLE public.hostile_index (id int);
     INSERT INTO public.hostile_index SELECT generate_series(1, 5);
     CREATE INDEX hostile_index_expr ON public.hostile_index ((public.pwn_immutable('index') AND id > 0));
     CREATE TABLE public.hostile_default (id int, planted boolean DEFAULT public.pwn('default'));
     INSERT INTO public.hostile_default (id) VALUES (1);
     CREATE FUNCTION public.hostile_trigger_fn() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN PERFORM public.pwn('trigger'); RETURN NEW; END $f$;
     CREATE TABLE public.hostile_trigger (id int);
     CREATE TRIGGER hostile_trigger BEFORE INSERT ON public.hostile_trigger FOR EACH ROW EXECUTE FUNCTION public.hostile_trigger_fn();
     INSERT INTO public.hostile_trigger VALUES (1);
     CREATE VIEW public.hostile_view AS SELECT public.pwn('view') AS planted;
     CREATE MATERIALIZED VIEW public.hostile_matview AS SELECT public.pwn('matview') AS planted;`,
    asPostgres(),
  );
  await sql(
    `CREATE ROLE hostile_commenter NOLOGIN;
     COMMENT ON ROLE hostile_commenter IS ${pg.Client.prototype.escapeLiteral(commentPayload)};
     CREATE ROLE hostile_root SUPERUSER NOLOGIN;
     CREATE ROLE hostile_member NOLOGIN IN ROLE pg_execute_server_program, pg_read_server_files;
     ALTER FUNCTION public.hostile_trigger_fn() OWNER TO hostile_root;`,
    asSuperuser(),
  );
  // The payload works on this machine when a superuser evaluates it: the checks below can fail.
  await sql(`SET bw.fixture = 'elsewhere'; SELECT public.pwn('control')`, asSuperuser());
  expect(readdirSync(markers).sort()).toEqual(['control-program', 'control-read']);
  for (const f of readdirSync(markers)) rmSync(join(markers, f));
});

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
  rmSync(markers, { recursive: true, force: true });
  privateTmp.cleanup();
});

describe('a hostile production database', () => {
  it('backup and integrity check evaluate none of it', async () => {
    const backup = await t.warden.backups.run({ projectId, name: 'hostile' }, { outputDir: out.dir });
    runId = backup.runId;
    expectNoTrace();
    expect(backup.manifest.catalog!.roles).toEqual(expect.arrayContaining(['hostile_commenter', 'hostile_root', 'hostile_member']));
    await t.warden.integrity.verify(runId);
    expectNoTrace();
  });

  it('the rehearsal restores it as a restricted role: nothing runs, and the report says what was refused', async () => {
    let inside: Record<string, unknown> = {};
    const report: RehearsalReport = await t.warden.rehearsal.rehearse(runId, {
      afterRestore: async (target) => {
        const client = new pg.Client({ ...target, password: target.password ?? undefined });
        await client.connect();
        try {
          const q = async (text: string) => (await client.query(text)).rows;
          inside = {
            superusers: (await q(`SELECT rolname FROM pg_roles WHERE rolsuper`)).map((r) => r.rolname as string),
            restorer: (await q(`SELECT rolsuper, pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') AS program,
                                       pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') AS files FROM pg_roles WHERE rolname = current_user`))[0],
            members: (await q(`SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
                               WHERE g.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files')`)).map((r) => r.rolname as string),
            comment: (await q(`SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = 'hostile_commenter'`))[0]?.c,
            languages: (await q(`SELECT lanname FROM pg_language WHERE NOT lanpltrusted AND lanname NOT IN ('c', 'internal')`)).map((r) => r.lanname as string),
          };
        } finally {
          await client.end();
        }
      },
    });
    expectNoTrace();
    // Only the scratch server's own bootstrap superuser; the restoring role reaches no program or file.
    expect(inside.superusers).toEqual([expect.stringMatching(/^bw_admin_[0-9a-f]{12}$/)]);
    expect(inside.restorer).toEqual({ rolsuper: false, program: false, files: false });
    expect(inside.members).toEqual([]);
    expect(inside.languages).toEqual([]);
    // The comment is data, kept verbatim; nothing of it ran.
    expect(inside.comment).toBe(commentPayload);

    expect(report.outcome).toBe('failed');
    expect(report.isolation).toContain('a private 0700 socket folder, no TCP');
    expect(report.timings.rtoMs).toBeNull();
    const refusedErrors = report.restoreErrors.find((g) => g.kind === 'refused')!;
    expect(refusedErrors.count).toBeGreaterThanOrEqual(2);
    expect(refusedErrors.examples.join('\n')).toMatch(/COPY to or from an external program/);
    expect(report.refused).toEqual(
      expect.arrayContaining([
        'Role hostile_root is a superuser in the source; here it is an ordinary role.',
        'Membership of hostile_member in pg_execute_server_program not restored (it reaches the server\'s programs, files or network).',
        'Membership of hostile_member in pg_read_server_files not restored (it reaches the server\'s programs, files or network).',
      ]),
    );
    // The table whose CHECK ran the payload lost its rows: the counts check names it.
    expect(report.checks.find((c) => c.key === 'row-counts')).toMatchObject({ status: 'failed', detail: expect.stringContaining('public.hostile_check: 0 restored, 5 at backup') });
    expect(t.warden.runs.items(runId).find((i) => i.key === 'rehearsal')!.state).toBe('failed');
  });

  it('the guarded restore runs it as the target database owner only: nothing runs there either', async () => {
    await sql(`CREATE ROLE hostile_target_owner LOGIN PASSWORD '${cluster.target.password}'`, asSuperuser('postgres'));
    await sql('CREATE DATABASE hostile_rollback OWNER hostile_target_owner', asSuperuser('postgres'));
    const target = await t.warden.projects.create({
      name: 'Hostile rollback target', environment: 'staging', host: cluster.target.host, port: cluster.target.port,
      database: 'hostile_rollback', user: 'hostile_target_owner', sslmode: 'disable', secrets: { dbPassword: cluster.target.password },
    });
    const result = await t.warden.rehearsal.restoreTo(runId, { targetProjectId: target.id, confirmDatabase: 'hostile_rollback' });
    expectNoTrace();
    expect(result.ok).toBe(false);
    expect(result.errors.find((g) => g.kind === 'refused')!.examples.join('\n')).toMatch(/COPY to or from an external program/);
  });
});
