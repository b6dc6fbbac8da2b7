import fc from 'fast-check';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../src-main/app/ipc/handlers';
import { createIpcRouter, type IpcHandlers } from '../../src-main/app/ipc/router';
import { errorCodes } from '../../src-main/contract/errors';
import { ipcContract } from '../../src-main/contract/ipc';
import { ipcMethods, type IpcMethod } from '../../src-main/contract/methods';
import { WardenError } from '../../src-main/core/errors';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Malformed input over IPC and the CLI: wrong types, huge strings, path traversal, SQL in identifiers,
// invalid ports and hosts, unicode. Refused with VALIDATION (or FORBIDDEN) naming the field, before the core acts.
const t = openTestWarden('alice');
const files = tempDir('bw-badinput-');
const trusted = 'file:///opt/backup-warden/out/renderer/index.html';
const picked = join(files.dir, 'picked');
mkdirSync(picked);
const shell = { pickFolder: async () => picked, pickFile: async () => null, emit: () => undefined };
const dispatch = createIpcRouter(createHandlers(t.warden, shell), () => true);
const profile = { name: 'Bad input target', environment: 'staging', host: 'db.example.com', port: 5432, database: 'postgres', user: 'postgres' };
const uuid = '5b0c3a4e-1f2a-4c1e-9a63-1b2d3c4e5f60';

afterAll(() => {
  t.close();
  files.cleanup();
});

describe('malformed IPC requests', () => {
  it.each([
    ['port 0', 'createProject', { ...profile, port: 0 }, 'port must be between 1 and 65535'],
    ['port 65536', 'createProject', { ...profile, port: 65536 }, 'port must be between 1 and 65535'],
    ['a fractional port', 'createProject', { ...profile, port: 5432.5 }, 'port must be a whole number'],
    ['a port as text', 'createProject', { ...profile, port: '5432' }, 'port must be a number'],
    ['a host with a scheme', 'createProject', { ...profile, host: 'postgres://db.example.com' }, 'host must be a hostname'],
    ['a host with a port', 'createProject', { ...profile, host: 'db.example.com:5432' }, 'host must be a hostname'],
    ['an IPv4 out of range', 'createProject', { ...profile, host: '999.1.1.1' }, 'host must be a hostname'],
    ['SQL in an expected table name', 'createProject', { ...profile, expectedTables: ['users; DROP TABLE users'] }, 'expectedTables.0 must be a plain table name'],
    ['a quoted identifier', 'createProject', { ...profile, expectedTables: ['users"--'] }, 'expectedTables.0 must be a plain table name'],
    ['SQL in a sample check table', 'createProject', { ...profile, sampleChecks: [{ name: 'x', table: 'public.users; DROP TABLE x', expect: { op: '=', rows: 1 } }] }, 'sampleChecks.0.table must be schema.table'],
    ['SQL in a sample check column', 'createProject', { ...profile, sampleChecks: [{ name: 'x', table: 'public.users', where: { column: "role' OR '1'='1", equals: 'x' }, expect: { op: '=', rows: 1 } }] }, 'sampleChecks.0.where.column must be a plain column name'],
    ['an emoji in a project name', 'createProject', { ...profile, name: 'Prod 🚀' }, 'name may contain letters, digits, spaces'],
    ['a huge project name', 'createProject', { ...profile, name: 'x'.repeat(100_000) }, 'name must be at most 64 characters'],
    ['path traversal in a backup name', 'startBackup', { projectId: uuid, name: '../../etc/cron.d/x', outputDir: picked }, 'name must be 1–100 letters, digits'],
    ['a hidden backup name', 'startBackup', { projectId: uuid, name: '.bashrc', outputDir: picked }, 'name must be 1–100 letters, digits'],
    ['a huge description', 'startBackup', { projectId: uuid, description: 'x'.repeat(2001), outputDir: picked }, 'description'],
    ['path traversal in a run id', 'getRun', { runId: '../../warden.sqlite' }, 'runId must be a run id (UUID)'],
    ['a wrong type for a flag', 'rehearse', { runId: uuid, amcheck: 'yes' }, 'amcheck'],
    ['an unknown sign-off role', 'signOff', { runId: uuid, request: { role: 'admin', name: 'Eve Mallory' } }, 'request.role'],
  ])('%s is refused naming the field', async (_label, method, payload, message) => {
    const before = t.warden.audit.list({ limit: 1000 }).length;
    const result = await dispatch(method, payload, trusted);
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining(message) } });
    expect(t.warden.audit.list({ limit: 1000 }).length).toBe(before); // nothing happened
  });

  it.each([
    ['a folder that was never picked', '/etc'],
    ['a path that climbs out of the picked folder', `${picked}/../../../etc`],
    ['a relative path', 'picked'],
  ])('writing into %s is FORBIDDEN', async (_label, folder) => {
    await dispatch('pickFolder', { purpose: 'export' }, trusted);
    const result = await dispatch('exportAudit', { format: 'csv', folder }, trusted);
    expect(result).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'Choose the folder with the folder picker first.' } });
  });

  it('unicode names round-trip exactly', async () => {
    for (const name of ['Produktion Zürich', 'Производство', '本番 データベース']) {
      const created = await dispatch('createProject', { ...profile, name }, trusted);
      expect(created).toMatchObject({ ok: true, value: { name } });
    }
    const listed = await dispatch('listProjects', undefined, trusted);
    expect(listed.ok && (listed.value as { name: string }[]).map((p) => p.name).sort()).toEqual(['Produktion Zürich', 'Производство', '本番 データベース'].sort());
  });
});

describe('fuzzing every IPC method with arbitrary payloads', () => {
  // Stub handlers record what reaches them; the property is about the router and the contract.
  const reached: { method: IpcMethod; input: unknown }[] = [];
  const stubs = Object.fromEntries(
    ipcMethods.map((method) => [
      method,
      (input: unknown) => {
        reached.push({ method, input });
        throw new WardenError('NOT_FOUND', 'stub');
      },
    ]),
  ) as unknown as IpcHandlers;
  const fuzzDispatch = createIpcRouter(stubs, () => true);
  /** Objects with the method's own field names (the likeliest way to get past a strict schema), holding anything. */
  const payloadFor = (method: IpcMethod) => {
    const schema = ipcContract[method].input as unknown as { shape?: Record<string, unknown> };
    const keys = schema.shape ? Object.keys(schema.shape) : [];
    return fc.oneof(
      fc.anything(),
      fc.jsonValue(),
      keys.length ? fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.anything(), fc.string({ maxLength: 5000 }), fc.integer(), fc.uuid())) : fc.constant(undefined),
    );
  };

  it(`every method (${ipcMethods.length}) answers {ok} or {ok:false, code, message} to arbitrary payloads, and only contract-valid input reaches a handler`, async () => {
    for (const method of ipcMethods) {
      await fc.assert(
        fc.asyncProperty(payloadFor(method), async (payload) => {
          const result = await fuzzDispatch(method, payload, trusted);
          expect(typeof result.ok, method).toBe('boolean');
          if (!result.ok) {
            expect(errorCodes, method).toContain(result.error.code);
            expect(result.error.code, `${method}: ${result.error.message}`).not.toBe('INTERNAL');
            expect(result.error.message.length, method).toBeLessThan(4000);
          }
        }),
        { numRuns: 150 },
      );
      for (const call of reached.filter((c) => c.method === method)) expect(ipcContract[method].input.safeParse(call.input).success, method).toBe(true);
    }
    // Some fuzzed payloads were valid and did reach their handler: the property is not vacuous.
    expect(new Set(reached.map((c) => c.method)).size).toBeGreaterThan(5);
  });

  it('arbitrary method names and senders are refused without reaching any handler', async () => {
    const before = reached.length;
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.anything(), async (method, payload) => {
        fc.pre(!(ipcMethods as readonly string[]).includes(method));
        expect(await fuzzDispatch(method, payload, trusted)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      }),
      { numRuns: 300 },
    );
    const strict = createIpcRouter(stubs, (url) => url === trusted);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.webUrl(), fc.string()), async (sender) => {
        fc.pre(sender !== trusted);
        expect(await strict('listProjects', undefined, sender)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }),
      { numRuns: 300 },
    );
    expect(reached.length).toBe(before);
  });
});

describe('malformed CLI input', () => {
  it('a 100,000-character argument and an emoji name are refused naming the field, exit 2', async () => {
    const dataDir = join(files.dir, 'cli');
    for (const name of ['y'.repeat(100_000), 'Prod 🚀']) {
      const r = await runCli(['project', 'add', '--name', name, '--env', 'production', '--host', 'db.example.com'], { dataDir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/error \(VALIDATION\): Invalid project add: --name (must be at most 64 characters|may contain letters)/);
      expect(r.stderr.length).toBeLessThan(2000);
    }
  });
});
