import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { PG17_HOME, testPgMajor } from '../helpers/pgMatrix';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

let cluster: ScratchCluster;
const t = openTestWarden('alice');
const { projects } = t.warden;

beforeAll(async () => {
  cluster = await startScratchCluster({ tcp: true });
  const client = new pg.Client(cluster.target);
  await client.connect();
  await client.query(`CREATE DATABASE shop`);
  await client.end();
  const shop = new pg.Client({ ...cluster.target, database: 'shop' });
  await shop.connect();
  await shop.query(`CREATE TABLE public.customers (id int primary key, name text);
    CREATE TABLE public.orders (id int primary key, customer int references customers);
    CREATE TABLE public.items (id int);
    CREATE SCHEMA audit; CREATE TABLE audit.log (id int);
    INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 5000) g;`);
  await shop.end();
});

const out = tempDir('bw-shop-');

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
});

const profile = (over: Record<string, unknown> = {}) => ({
  name: `shop ${Math.random().toString(36).slice(2, 8)}`,
  environment: 'local',
  host: '127.0.0.1',
  port: cluster.target.port,
  database: 'shop',
  user: cluster.target.user,
  sslmode: 'disable',
  secrets: { dbPassword: cluster.target.password },
  ...over,
});

async function independentFacts(): Promise<{ version: string; size: number }> {
  const client = new pg.Client({ ...cluster.target, database: 'shop' });
  await client.connect();
  const { rows } = await client.query(`SELECT current_setting('server_version') AS v, pg_database_size('shop') AS s`);
  await client.end();
  return { version: rows[0].v, size: Number(rows[0].s) };
}

describe('connection test against a real PostgreSQL', () => {
  it('reports the real server version, database size and public table count, with the password from the keychain', async () => {
    const p = await projects.create(profile());
    const report = await projects.testConnection(p.id);
    const facts = await independentFacts();
    expect(report.serverVersion).toBe(facts.version);
    expect(Math.floor(report.serverVersionNum / 10000)).toBe(cluster.major);
    expect(report.databaseSizeBytes).toBe(facts.size);
    expect(report.publicTableCount).toBe(3); // audit.log is not in public
    expect(report.ssl).toBe(false);
    const last = t.warden.audit.list().at(-1)!;
    expect(last).toMatchObject({ action: 'project.connection-tested', projectId: p.id, details: { ok: true, publicTableCount: 3 } });
  });

  it('sslmode prefer falls back to plain TCP on a server without TLS', async () => {
    const p = await projects.create(profile({ sslmode: 'prefer' }));
    expect((await projects.testConnection(p.id)).ssl).toBe(false);
  });

  it('sslmode require against a server without TLS fails and says why', async () => {
    const p = await projects.create(profile({ sslmode: 'require' }));
    await expect(projects.testConnection(p.id)).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('does not accept SSL') });
  });

  it('a wrong password is an AUTH error that does not repeat the password', async () => {
    const wrong = 'definitely-the-wrong-password';
    const p = await projects.create(profile({ secrets: { dbPassword: wrong } }));
    const error = await projects.testConnection(p.id).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'AUTH', message: expect.stringContaining(`Password authentication failed for role "${cluster.target.user}"`) });
    expect((error as Error).message).not.toContain(wrong);
    expect(JSON.stringify(t.warden.audit.list())).not.toContain(wrong);
  });

  it('a missing database and a closed port get errors that say what to check', async () => {
    const noDb = await projects.create(profile({ database: 'nope' }));
    await expect(projects.testConnection(noDb.id)).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('Database "nope" does not exist') });
    const closed = await projects.create(profile({ port: 1 }));
    await expect(projects.testConnection(closed.id)).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('connection refused') });
  });

  it('a new project proposes its public tables: unconfirmed, the integrity check fails saying what to do; confirmed, it passes', async () => {
    const p = await projects.create(profile({ name: 'shop fresh' }));
    expect(p.expectedTables).toEqual([]);
    const report = await projects.testConnection(p.id);
    expect(report).toMatchObject({ publicTables: ['customers', 'items', 'orders'], tablesConfirmed: false, toolAdvice: null });
    expect(report.tools.map((x) => [x.tool, x.usable])).toEqual([['pg_dump', true], ['pg_restore', true], ['initdb', true]]);
    const backup = await t.warden.backups.run({ projectId: p.id, name: 'shop' }, { outputDir: out.dir });
    const unconfirmed = await t.warden.integrity.verify(backup.runId);
    expect(unconfirmed.ok).toBe(false);
    expect(unconfirmed.checks.find((c) => c.key === 'expected-tables')).toMatchObject({ status: 'failed', detail: expect.stringContaining('No expected tables are confirmed for this project: run the connection test and confirm') });
    expect(await projects.testConnection(p.id, { confirmTables: true })).toMatchObject({ tablesConfirmed: true });
    expect(projects.get(p.id).expectedTables).toEqual(['customers', 'items', 'orders']);
    expect(t.warden.audit.list().filter((e) => e.projectId === p.id).at(-1)).toMatchObject({ action: 'project.expected-tables-confirmed', details: { count: 3, tables: ['customers', 'items', 'orders'] } });
    const confirmed = await t.warden.integrity.verify(backup.runId);
    expect(confirmed.ok, JSON.stringify(confirmed.checks.filter((c) => c.status !== 'passed'))).toBe(true);
  });

  // The PostgreSQL 15 pass only: a PostgreSQL 17 server while this workstation has only the 15 tools.
  it.runIf(testPgMajor === 15 && existsSync(join(PG17_HOME, 'bin', 'initdb')))('a PostgreSQL 17 server with only 15 tools here: the connection test warns with the right packages, and backup refuses the same way', async () => {
    const newer = await startScratchCluster({ tcp: true, binDir: join(PG17_HOME, 'bin') });
    try {
      expect(newer.major).toBe(17);
      const p = await projects.create(profile({ name: 'newer server', port: newer.target.port, database: 'postgres', user: newer.target.user, secrets: { dbPassword: newer.target.password } }));
      const report = await projects.testConnection(p.id);
      expect(report.tools.map((x) => [x.tool, x.usable])).toEqual([['pg_dump', false], ['pg_restore', false], ['initdb', false]]);
      expect(report.toolAdvice).toMatch(/^The server runs PostgreSQL 17: backup and rehearsal need 17 or newer of pg_dump \(found 15\.\d+\), pg_restore \(found 15\.\d+\), initdb \(found 15\.\d+\)\. /);
      expect(report.toolAdvice).toContain('Debian/Ubuntu postgresql-client-17');
      expect(report.toolAdvice).toContain('initdb comes with the PostgreSQL server package, not the client tools: Debian/Ubuntu postgresql-17');
      expect(report.toolAdvice).toContain('PGDG');
      await expect(t.warden.backups.run({ projectId: p.id, name: 'too-new' }, { outputDir: out.dir })).rejects.toMatchObject({
        code: 'TOOL_MISSING',
        message: expect.stringMatching(/^pg_dump version 17 or newer is required \(found 15\.\d+ in .+\)\. Install the PostgreSQL 17 client tools: Debian\/Ubuntu postgresql-client-17/),
      });
    } finally {
      await newer.stop();
    }
  });

  it('the tools folder of the project, then of the installation, is looked in before PATH; a folder without tools is refused', async () => {
    // Stand-ins that only answer --version, so the report shows which folder was chosen.
    const fakeTools = (name: string, version: string) => {
      const dir = join(out.dir, name);
      mkdirSync(dir);
      for (const tool of ['pg_dump', 'pg_restore', 'initdb']) writeFileSync(join(dir, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) ${version}"\n`, { mode: 0o755 });
      return dir;
    };
    const installation = fakeTools('installation-tools', '98.1');
    const own = fakeTools('project-tools', '99.2');
    expect(() => t.warden.settings.update({ pgToolsDir: out.dir })).toThrow(`${out.dir} holds none of pg_dump, pg_restore or initdb`);
    t.warden.settings.update({ pgToolsDir: installation });
    const p = await projects.create(profile({ name: 'tools order' }));
    expect((await projects.testConnection(p.id)).tools.map((x) => [x.tool, x.version, x.dir])).toEqual([['pg_dump', '98.1', installation], ['pg_restore', '98.1', installation], ['initdb', '98.1', installation]]);
    await projects.update(p.id, { pgToolsDir: own });
    expect((await projects.testConnection(p.id)).tools.map((x) => x.dir)).toEqual([own, own, own]);
    await expect(projects.update(p.id, { pgToolsDir: '/nonexistent/bin' })).rejects.toMatchObject({ code: 'VALIDATION', message: 'The PostgreSQL tools folder /nonexistent/bin does not exist or is not a folder.' });
    t.warden.settings.update({ pgToolsDir: null });
    await projects.update(p.id, { pgToolsDir: null });
    expect((await projects.testConnection(p.id)).tools.every((x) => x.dir !== own && x.dir !== installation)).toBe(true);
    expect(t.warden.audit.list().filter((e) => e.action === 'settings.updated').map((e) => e.details)).toEqual([
      { pgToolsDir: { before: null, after: installation } },
      { pgToolsDir: { before: installation, after: null } },
    ]);
  });
});
