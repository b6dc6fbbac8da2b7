import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../src-main/app/ipc/handlers';
import { createIpcRouter } from '../../src-main/app/ipc/router';
import { createSenderCheck } from '../../src-main/app/security';
import { openTestWarden } from '../helpers/warden';

const t = openTestWarden('alice');
const trusted = 'app://warden/index.html';
const noShell = { pickFolder: async () => null, pickFile: async () => null, emit: () => undefined };
const dispatch = createIpcRouter(createHandlers(t.warden, noShell), createSenderCheck({ appEntry: trusted }));
const profile = { name: 'IPC project', environment: 'staging', host: 'localhost', port: 5432, database: 'postgres', user: 'postgres' };

afterAll(async () => {
  for (const p of t.warden.projects.list()) await t.warden.projects.remove(p.id);
  t.close();
});

describe('IPC router', () => {
  it('rejects a malformed payload with a VALIDATION error naming the field, before any handler runs', async () => {
    const result = await dispatch('createProject', { ...profile, port: 'five' }, trusted);
    expect(result).toEqual({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining('port must be a number') } });
    expect(t.warden.projects.list()).toHaveLength(0);
    expect(t.warden.audit.list()).toHaveLength(0);
  });

  it.each([
    ['a non-object', 'createProject', 42],
    ['a huge string', 'createProject', { ...profile, name: 'x'.repeat(1_000_000) }],
    ['an extra field', 'getProject', { id: '5b0c3a4e-1f2a-4c1e-9a63-1b2d3c4e5f60', admin: true }],
    ['a payload where none is expected', 'listProjects', { sql: 'SELECT 1' }],
    ['a non-UUID id', 'testConnection', { id: '../../etc/passwd' }],
  ])('rejects %s', async (_what, method, payload) => {
    const result = await dispatch(method, payload, trusted);
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('refuses a sender that is not the app window', async () => {
    for (const sender of ['https://evil.example/', 'file:///tmp/other.html', undefined]) {
      expect(await dispatch('listProjects', undefined, sender)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
  });

  it('refuses a folder the user did not pick', async () => {
    const result = await dispatch('exportAudit', { format: 'csv', folder: '/etc' }, trusted);
    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: 'Choose the folder with the folder picker first.' } });
  });

  it('tells views of a run to reload around every action on it, even one that fails', async () => {
    const emitted: unknown[] = [];
    const watching = createIpcRouter(createHandlers(t.warden, { ...noShell, emit: (event, payload) => void emitted.push([event, payload]) }), () => true);
    const runId = '7d9f3c1e-2b4a-4e6f-8a1c-0d2e3f4a5b6c';
    expect(await watching('signOff', { runId, request: { role: 'creator', name: 'Alice Operator' } }, trusted)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(emitted).toEqual([
      ['runChanged', { runId }],
      ['runChanged', { runId }],
    ]);
  });

  it('refuses an unknown method', async () => {
    expect(await dispatch('runSql', 'DROP TABLE x', trusted)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('runs a valid request and returns the view without secrets', async () => {
    const created = await dispatch('createProject', { ...profile, secrets: { dbPassword: 'ipc-secret-value' } }, trusted);
    expect(created).toMatchObject({ ok: true, value: { name: 'IPC project', hasDbPassword: true } });
    expect(JSON.stringify(created)).not.toContain('ipc-secret-value');
    const listed = await dispatch('listProjects', undefined, trusted);
    expect(listed).toMatchObject({ ok: true, value: [{ name: 'IPC project' }] });
  });

  it('parses handler output, so fields the contract does not name never leave main', async () => {
    const leaky = createIpcRouter(
      { ...createHandlers(t.warden, noShell), verifyAudit: () => ({ ok: true, rows: 0, headHash: 'x', password: 'leak' }) as never },
      () => true,
    );
    const result = await leaky('verifyAudit', undefined, trusted);
    expect(result).toEqual({ ok: true, value: { ok: true, rows: 0, headHash: 'x' } });
  });

  it('turns an unexpected handler failure into INTERNAL with a redacted message', async () => {
    const failing = createIpcRouter(
      {
        ...createHandlers(t.warden, noShell),
        listProjects: () => {
          throw new Error('boom at postgres://admin:s3cr3t-pw@db.example.com/postgres');
        },
      },
      () => true,
    );
    const result = await failing('listProjects', undefined, trusted);
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Unexpected error: boom at postgres://admin:[redacted]@db.example.com/postgres' } });
  });
});
