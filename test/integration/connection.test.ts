import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
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

afterAll(async () => {
  for (const p of projects.list()) await projects.remove(p.id);
  t.close();
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
});
