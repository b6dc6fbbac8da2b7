import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementApi } from '../../src-main/core/platform/managementApi';
import { startFakeSupabase, type FakeSupabase } from '../helpers/fakeSupabase';
import { openTestWarden } from '../helpers/warden';

const token = 'sbp_fake0123456789abcdef0123456789abcdef';
let api: FakeSupabase;
const sleeps: number[] = [];
const client = (t = token) => new ManagementApi({ baseUrl: api.url, token: t, sleep: async (ms) => void sleeps.push(ms) });

beforeAll(async () => (api = await startFakeSupabase(token)));
afterAll(() => api.close());

describe('Supabase Management API client', () => {
  it('reads project info and backups with the Bearer token', async () => {
    const project = await client().getProject('abcdefghijklmnopqrst');
    expect(project).toMatchObject({ ref: 'abcdefghijklmnopqrst', status: 'ACTIVE_HEALTHY', database: { version: '15.8.1.079' } });
    const backups = await client().listBackups('abcdefghijklmnopqrst');
    expect(backups).toMatchObject({ walg_enabled: true, pitr_enabled: false });
    expect(backups.backups).toHaveLength(3);
    expect(api.requests.at(-1)).toMatchObject({ path: '/v1/projects/abcdefghijklmnopqrst/database/backups', authorization: `Bearer ${token}` });
  });

  it.each([
    ['401 (bad token)', () => client('sbp_wrong').getProject('abcdefghijklmnopqrst'), 'AUTH', /rejected the access token \(401\).*Access Tokens/],
    ['401 (project)', () => client().getProject('unauthorizedaaaaaaaa'), 'AUTH', /rejected the access token \(401\)/],
    ['404', () => client().listBackups('missingaaaaaaaaaaaaa'), 'NOT_FOUND', /No Supabase project "missingaaaaaaaaaaaaa" is visible to this token \(404\)/],
    ['500', () => client().getProject('brokenaaaaaaaaaaaaaa'), 'CONNECTION', /failed \(500\).*attest the platform backup by hand/],
    ['an unexpected body', () => client().getProject('shapeaaaaaaaaaaaaaaa'), 'INTERNAL', /unexpected shape/],
  ])('maps %s to a clear error without the token', async (_what, call, code, message) => {
    const error = await call().catch((e: Error & { code: string }) => e);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain(token);
  });

  it('reveals the service-role key for Storage, and says what to do when the token sees none', async () => {
    expect(await client().serviceRoleKey('abcdefghijklmnopqrst')).toBe(api.serviceRoleKey);
    expect(api.requests.at(-1)).toMatchObject({ path: '/v1/projects/abcdefghijklmnopqrst/api-keys?reveal=true' });
    await expect(client().serviceRoleKey('nokeysaaaaaaaaaaaaaa')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('Paste the service-role key in the project settings') });
  });

  it('reads the health of the database, pooler, Storage and Auth services', async () => {
    expect(await client().health('abcdefghijklmnopqrst')).toEqual(['auth', 'db', 'pooler', 'storage'].map((name) => ({ name, healthy: true, status: 'ACTIVE_HEALTHY' })));
    expect((await client().health('unhealthyaaaaaaaaaaa')).find((s) => s.name === 'storage')).toMatchObject({ healthy: false, status: 'UNHEALTHY' });
  });

  it('backs off on 429 using Retry-After, then succeeds', async () => {
    sleeps.length = 0;
    api.recoverAfter = 2;
    const project = await client().getProject('ratelimitedaaaaaaaaa');
    expect(project.ref).toBe('ratelimitedaaaaaaaaa');
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('gives up after repeated 429 with a clear error', async () => {
    api.recoverAfter = 1000;
    const error = await new ManagementApi({ baseUrl: api.url, token, maxRetries: 3, sleep: async () => undefined }).getProject('ratelimitedbbbbbbbbb').catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'CONNECTION', message: expect.stringMatching(/kept rate-limiting \(429\) after 4 attempts/) });
  });

  it('reports an unreachable API as a connection error', async () => {
    const error = await new ManagementApi({ baseUrl: 'http://127.0.0.1:1', token }).getProject('abcdefghijklmnopqrst').catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('Could not reach the Supabase Management API at http://127.0.0.1:1') });
  });

  it('fills a profile’s connection forms: direct host, session pooler on 5432 (not the configured 6543), user, PostgreSQL major', async () => {
    const t = openTestWarden('alice', { managementApiUrl: api.url });
    try {
      const ref = 'abcdefghijklmnopqrst';
      await expect(t.warden.platform.lookup(ref, {})).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('Give a Management API token') });
      const found = await t.warden.platform.lookup(ref, { token });
      expect(found).toEqual({
        ref, name: 'Reference project', region: 'eu-central-1', postgresMajor: 15,
        direct: { host: `db.${ref}.supabase.co`, port: 5432, database: 'postgres', user: 'postgres' },
        sessionPooler: { host: 'aws-0-eu-central-1.pooler.supabase.com', port: 5432, database: 'postgres', user: `postgres.${ref}` },
      });
      expect(api.requests.slice(-2).map((r) => r.path).sort()).toEqual([`/v1/projects/${ref}`, `/v1/projects/${ref}/config/database/pooler`]);
      // With a project's stored token instead of a typed one; the token is in no audit row.
      const p = await t.warden.projects.create({ name: 'Looked up', environment: 'production', host: found.sessionPooler!.host, user: found.sessionPooler!.user, supabaseRef: ref, secrets: { managementToken: token } });
      expect((await t.warden.platform.lookup(ref, { projectId: p.id })).direct.host).toBe(`db.${ref}.supabase.co`);
      expect(t.warden.audit.list().filter((e) => e.action === 'supabase.looked-up').map((e) => e.details)).toEqual([
        { ref, region: 'eu-central-1', postgresMajor: 15 },
        { ref, region: 'eu-central-1', postgresMajor: 15 },
      ]);
      expect(JSON.stringify(t.warden.audit.list())).not.toContain(token);
      await expect(t.warden.platform.lookup('missingaaaaaaaaaaaaa', { token })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      t.close();
    }
  });
});
