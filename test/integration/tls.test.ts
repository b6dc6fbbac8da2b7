import { randomBytes } from 'node:crypto';
import { chownSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/core/db/database';
import { connectionArgs, withLibpqEnv } from '../../src-main/core/pg/libpqEnv';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';
import { startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { runTool } from '../../src-main/core/util/runTool';
import { makeCertificates, type TestCertificates } from '../helpers/certs';
import { startFakePgServer, type FakePgServer } from '../helpers/fakePgServer';
import { testPgMajor } from '../helpers/pgMatrix';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Issue 13: a profile verifies who the server is before it sends the password, and sends the password
// only through SCRAM; the password belongs to the endpoint it was entered for. Impostors here are
// servers speaking PostgreSQL's protocol that record every password message they receive.
const t = openTestWarden('alice');
const { projects, backups } = t.warden;
const files = tempDir('bw-tls-');
const PASSWORD = `prod-${randomBytes(12).toString('hex')}`;
let certs: TestCertificates;
let impostor: FakePgServer;
let cleartext: FakePgServer;
let md5: FakePgServer;
let cluster: ScratchCluster;

beforeAll(async () => {
  certs = makeCertificates(files.dir);
  impostor = await startFakePgServer({ key: certs.impostorKey, cert: certs.impostorCert, ask: 'cleartext' });
  cleartext = await startFakePgServer({ key: certs.serverKey, cert: certs.serverCert, ask: 'cleartext' });
  md5 = await startFakePgServer({ key: certs.serverKey, cert: certs.serverCert, ask: 'md5' });
  // A real server with a certificate from the private CA, as a Supabase database has one from Supabase's.
  cluster = await startScratchCluster({ tcp: true });
  const owner = statSync(cluster.dataDir);
  for (const [name, text] of [['server.crt', certs.serverCert], ['server.key', certs.serverKey]] as const) {
    writeFileSync(join(cluster.dataDir, name), text, { mode: 0o600 });
    chownSync(join(cluster.dataDir, name), owner.uid, owner.gid);
  }
  const admin = new pg.Client(cluster.target);
  await admin.connect();
  await admin.query(`ALTER SYSTEM SET ssl = on`);
  await admin.query(`SELECT pg_reload_conf()`);
  await admin.end();
});

afterAll(async () => {
  t.close();
  await Promise.all([impostor?.close(), cleartext?.close(), md5?.close(), cluster?.stop()]);
  files.cleanup();
});

const profile = (port: number, over: Record<string, unknown> = {}) => ({
  name: `tls ${Math.random().toString(36).slice(2, 8)}`,
  environment: 'staging',
  host: 'localhost',
  port,
  database: 'postgres',
  user: 'postgres',
  secrets: { dbPassword: PASSWORD },
  ...over,
});

/** pg_dump, as a backup runs it, straight at the project's endpoint. */
async function pgDumpAt(projectId: string): Promise<void> {
  const pgDump = await choosePgTool('pg_dump');
  const target = await projects.target(projectId);
  await withLibpqEnv(target, pgDump.major, (env) => runTool(pgDump.path, [...connectionArgs(target), '--dbname', target.database, '--file', '/dev/null'], { env, timeoutMs: 30_000 }));
}

describe('TLS and password exposure', () => {
  it('a new profile verifies the server: a self-signed impostor gets no password from the connection test, the backup or pg_dump', async () => {
    const p = await projects.create(profile(impostor.port));
    expect(p.sslmode).toBe('verify-full');
    await expect(projects.testConnection(p.id)).rejects.toMatchObject({
      code: 'CONNECTION',
      message: expect.stringMatching(/^The server certificate of localhost:\d+ could not be verified \(.*self[- ]signed.*\), so the password was not sent\. Give the profile the CA certificate/),
    });
    await expect(backups.run({ projectId: p.id, name: 'to-impostor' }, { outputDir: files.dir })).rejects.toMatchObject({ code: 'CONNECTION' });
    await expect(pgDumpAt(p.id)).rejects.toThrow();
    expect(impostor.startups).toBe(0); // no client got past the certificate check
    expect(impostor.received).toEqual([]);
  });

  it('with the server’s CA, a server that asks for the password in cleartext or as MD5 gets a refusal, not the password', async () => {
    const plain = await projects.create(profile(cleartext.port, { sslRootCert: certs.caCert }));
    await expect(projects.testConnection(plain.id)).rejects.toMatchObject({
      code: 'AUTH',
      message: expect.stringMatching(/asked for the password in cleartext; Backup Warden sends the password only through SCRAM-SHA-256, so nothing was sent/),
    });
    // A backup connects with the app's SCRAM-only client before pg_dump runs: it stops there.
    await expect(backups.run({ projectId: plain.id, name: 'to-cleartext' }, { outputDir: files.dir })).rejects.toMatchObject({ code: 'AUTH' });
    if (testPgMajor >= 16) {
      // libpq 16 and later refuse it themselves (require_auth=scram-sha-256).
      await expect(pgDumpAt(plain.id)).rejects.toThrow(/server requested a cleartext password|authentication method requirement "scram-sha-256" failed/);
    }
    expect(cleartext.startups).toBeGreaterThan(0); // the CA made TLS succeed: the refusal is about the password
    expect(cleartext.received).toEqual([]);

    const hashed = await projects.create(profile(md5.port, { sslRootCert: certs.caCert }));
    await expect(projects.testConnection(hashed.id)).rejects.toMatchObject({ code: 'AUTH', message: expect.stringContaining('asked for an MD5 hash of the password') });
    if (testPgMajor >= 16) await expect(pgDumpAt(hashed.id)).rejects.toThrow();
    expect(md5.received).toEqual([]);
  });

  it('verify-full with the right CA connects to a real PostgreSQL over TLS and backs it up through libpq with the same CA', async () => {
    const p = await projects.create(profile(cluster.target.port, { user: cluster.target.user, secrets: { dbPassword: cluster.target.password }, sslRootCert: certs.caCert, expectedTables: [] }));
    expect(await projects.testConnection(p.id)).toMatchObject({ ssl: true });
    const backup = await backups.run({ projectId: p.id, name: 'over-tls' }, { outputDir: files.dir });
    expect(backup.manifest.source).toMatchObject({ host: 'localhost' });
    // The same server without its CA: the system's store does not know it.
    const unknownCa = await projects.create(profile(cluster.target.port, { user: cluster.target.user, secrets: { dbPassword: cluster.target.password } }));
    await expect(projects.testConnection(unknownCa.id)).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('could not be verified') });
  });

  it('a mode that does not verify the server is the operator’s recorded choice', async () => {
    const p = await projects.create(profile(cluster.target.port, { sslmode: 'require' }));
    expect(t.warden.audit.list().filter((e) => e.projectId === p.id).map((e) => e.action)).toEqual(['project.created', 'project.tls-unverified']);
    expect(t.warden.audit.list().at(-1)!.details).toMatchObject({ sslmode: 'require', warning: expect.stringContaining('anyone on the network path can pose as your database') });
  });
});

describe('the password belongs to the endpoint it was entered for', () => {
  it('editing host, port, database or user needs the password again; the change is audited with both endpoints', async () => {
    const p = await projects.create(profile(cluster.target.port, { user: cluster.target.user, secrets: { dbPassword: cluster.target.password }, sslRootCert: certs.caCert }));
    await expect(projects.update(p.id, { port: cleartext.port })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: `Changing the database endpoint from ${cluster.target.user}@localhost:${cluster.target.port}/postgres to ${cluster.target.user}@localhost:${cleartext.port}/postgres needs the database password again: the stored one was entered for ${cluster.target.user}@localhost:${cluster.target.port}/postgres and is never sent anywhere else. Give the password with the change.`,
    });
    expect(projects.get(p.id).port).toBe(cluster.target.port);
    await projects.update(p.id, { host: '127.0.0.1', secrets: { dbPassword: cluster.target.password } });
    expect(await projects.testConnection(p.id)).toMatchObject({ ssl: true });
    expect(t.warden.audit.list().find((e) => e.projectId === p.id && e.action === 'project.endpoint-changed')!.details).toEqual({
      before: `${cluster.target.user}@localhost:${cluster.target.port}/postgres`,
      after: `${cluster.target.user}@127.0.0.1:${cluster.target.port}/postgres`,
    });
  });

  it('a profile redirected behind the app’s back (one SQLite UPDATE) never sends the password to the new endpoint', async () => {
    const p = await projects.create(profile(cluster.target.port, { user: cluster.target.user, secrets: { dbPassword: cluster.target.password }, sslRootCert: certs.caCert }));
    const db = openDatabase(join(t.dataDir, 'warden.sqlite'));
    db.prepare('UPDATE projects SET db_port = ? WHERE id = ?').run(cleartext.port, p.id);
    db.close();
    const before = cleartext.startups;
    await expect(projects.testConnection(p.id)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining(`was entered for ${cluster.target.user}@localhost:${cluster.target.port}/postgres, but the profile now names ${cluster.target.user}@localhost:${cleartext.port}/postgres; it is not sent there`),
    });
    await expect(backups.run({ projectId: p.id, name: 'redirected' }, { outputDir: files.dir })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(cleartext.startups).toBe(before); // not even a connection
    expect(cleartext.received).toEqual([]);
    expect(t.warden.audit.list().filter((e) => e.projectId === p.id).map((e) => e.action)).toContain('project.password-withheld');
  });
});
