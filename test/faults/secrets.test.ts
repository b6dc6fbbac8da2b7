import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../src-main/app/ipc/handlers';
import { createIpcRouter } from '../../src-main/app/ipc/router';
import { PRACTICE_USER, startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { installationSecretRef, KeychainVault, secretRef } from '../../src-main/core/vault/vault';
import { openWarden, type Warden } from '../../src-main/core/warden';
import { runCli } from '../helpers/cli';
import { startFakeSupabase, type FakeSupabase } from '../helpers/fakeSupabase';
import { creatorKey, verifierKey } from '../helpers/sshKeys';
import { tempDir } from '../helpers/tmp';
import { PRACTICE_BREAK_GLASS } from '../helpers/practice';
import { practiceApiContentOf, startPracticeStorage, type PracticeStorage } from '../../src-main/core/practice/practiceStorage';
import { withPgClient } from '../../src-main/core/pg/connect';

// The whole job with known secret values, through the IPC surface the renderer sees and through the
// CLI; then every produced file, output, audit row, export and notification is searched for them.
const work = tempDir('bw-secrets-');
const dataDir = join(work.dir, 'data');
const backups = join(work.dir, 'backups');
const repo = join(work.dir, 'repo');
const token = 'sbp_0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4';
const wrongPassword = 'Wr0ng-but-still-secret-7d41';
let api: FakeSupabase;
let webhook: string;
let cluster: ScratchCluster;
let warden: Warden;
/** The project's Storage and Auth API, with its own service-role key (a secret like the others). */
let storage: PracticeStorage;
const serviceRoleKey = 'sb_secret_5e1f0c2d9a8b7c6d5e4f3a2b1c0d9e8f';
const vault = new KeychainVault();
const seen: [string, string][] = []; // [where, text]

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

/** A line from the private half of an OpenSSH key file (the middle of its body, past the public key). */
const privateKeyLine = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----')).at(-2)!;
const alice = creatorKey();
const bob = verifierKey();
beforeAll(async () => {
  mkdirSync(backups, { recursive: true });
  mkdirSync(repo);
  api = await startFakeSupabase(token);
  webhook = `${api.url}/hook?key=whsec-93a7c1e05b2f4d68`;
  ({ cluster } = await startPracticeServer({ targetBytes: 1 }));
  const content = await withPgClient({ ...cluster.target, database: 'practice', user: PRACTICE_USER }, practiceApiContentOf);
  storage = await startPracticeStorage(content.objects, { serviceKey: serviceRoleKey, authUsers: content.authUsers });
  warden = openWarden({ dataDir, vault, actor: 'alice', managementApiUrl: api.url });
  const folders = [backups, repo, repo];
  const keyFiles = [alice.keyFile, bob.keyFile];
  const shell = { pickFolder: async () => folders.shift() ?? null, pickFile: async () => keyFiles.shift() ?? null, emit: (event: string, payload: unknown) => void seen.push([`event ${event}`, JSON.stringify(payload)]) };
  const router = createIpcRouter(createHandlers(warden, shell), () => true);
  const call = async (method: string, payload?: unknown) => {
    const result = await router(method, payload, 'file:///app/index.html');
    seen.push([`IPC ${method}`, JSON.stringify(result)]);
    return result as { ok: boolean; value?: Record<string, unknown>; error?: { message: string } };
  };
  const ok = async (method: string, payload?: unknown) => {
    const r = await call(method, payload);
    expect(r.ok, `${method}: ${r.error?.message}`).toBe(true);
    return r.value!;
  };

  const { host, port, password } = cluster.target;
  const user = PRACTICE_USER;
  const project = await ok('createProject', {
    name: 'Secret practice', environment: 'production', supabaseRef: 'abcdefghijklmnopqrst', host, port, database: 'practice', user, sslmode: 'disable', apiUrl: storage.url,
    secrets: { dbPassword: password, managementToken: token, notifyWebhook: webhook, serviceRoleKey }, extraRecipients: [PRACTICE_BREAK_GLASS],
  });
  const id = project.id as string;
  const wrong = await ok('createProject', { name: 'Wrong password', environment: 'staging', host, port, database: 'practice', user, sslmode: 'disable', secrets: { dbPassword: wrongPassword } });
  expect((await call('testConnection', { id: wrong.id })).error?.message).toMatch(/Password authentication failed/);
  await ok('testConnection', { id, confirmTables: true });
  const folder = (await ok('pickFolder', { purpose: 'backup' })) as unknown as string;
  const run = await ok('startBackup', { projectId: id, name: 'secret-flow', outputDir: folder });
  const runId = run.runId as string;
  await ok('backupStorage', { runId });
  await ok('checkIntegrity', { runId });
  await ok('rehearse', { runId, amcheck: false });
  const now = Date.now();
  await ok('lookupSupabase', { ref: 'abcdefghijklmnopqrst', token });
  await ok('lookupSupabase', { ref: 'abcdefghijklmnopqrst', projectId: id });
  await ok('checkPlatform', { runId, request: { plan: 'team', migrationWindow: { start: new Date(now + 3_600_000).toISOString(), end: new Date(now + 7_200_000).toISOString() } } });
  await ok('signOff', { runId, request: { role: 'creator', name: 'Alice Operator', keyFile: await ok('pickFile', { purpose: 'ssh-key' }) } });
  await ok('signOff', { runId, request: { role: 'verifier', name: 'Bob Reviewer', keyFile: await ok('pickFile', { purpose: 'ssh-key' }) } });
  await ok('previewLog', { runId });
  await ok('exportLog', { runId, folder: await ok('pickFolder', { purpose: 'export' }) });
  await ok('notifyTeam', { mode: 'send', runId });
  await ok('exportAudit', { format: 'json', folder: repo });
  await ok('exportAudit', { format: 'csv', folder: repo });
  for (const [method, payload] of [['listProjects'], ['getProject', { id }], ['listRuns', {}], ['getRun', { runId }], ['listAudit', { limit: 1000 }], ['verifyAudit']] as const) await ok(method, payload);
  warden.close();

  // The CLI over the same data and keychain.
  for (const args of [['project', 'list', '--json'], ['project', 'test', id, '--json'], ['log', 'preview', runId], ['audit', 'export', '--format', 'csv', '--out', repo], ['verify', runId, '--json'], ['notify', runId, '--message']]) {
    const r = await runCli(args, { dataDir });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    seen.push([`CLI ${args.join(' ')} stdout`, r.stdout], [`CLI ${args.join(' ')} stderr`, r.stderr]);
  }
  for (const f of [...filesUnder(backups).filter((f) => !f.endsWith('.age')), ...filesUnder(repo), ...filesUnder(dataDir)]) seen.push([f, readFileSync(f, 'latin1')]);
  seen.push(['sqlite .dump', execFileSync('sqlite3', [join(dataDir, 'warden.sqlite'), '.dump'], { encoding: 'utf8' })]);
  seen.push(['webhook bodies', api.webhookBodies.join('\n')]);
}, 240_000);

afterAll(async () => {
  await api?.close();
  await storage?.close();
  await cluster?.stop();
  work.cleanup();
});

describe('secrets never leave the keychain', () => {
  it('no password, token, webhook URL, age identity or signing key appears in any IPC answer, event, CLI output, file, audit row, export or notification', async () => {
    const projects = JSON.parse(seen.find(([w]) => w === 'IPC listProjects')![1]).value as { id: string; name: string }[];
    const secrets: Record<string, string> = {
      'database password': cluster.target.password,
      'wrong database password': wrongPassword,
      'Management API token': token,
      'service-role key': serviceRoleKey,
      'webhook URL': webhook,
      'webhook key': 'whsec-93a7c1e05b2f4d68',
      // The signers' private keys: ssh-keygen reads them; nothing of theirs may appear anywhere.
      'creator SSH private key': privateKeyLine(alice.keyFile),
      'verifier SSH private key': privateKeyLine(bob.keyFile),
      'log signing key': (await vault.get(installationSecretRef('log-signing-key')))!.split('\n').slice(1, -2).join(''),
    };
    for (const p of projects) secrets[`age identity of ${p.name}`] = (await vault.get(secretRef(p.id, 'age-identity'))) ?? 'no-identity-for-this-project-xx';
    // Controls: the secrets are real (the keychain has them), and the haystack holds the run's real data.
    expect(JSON.parse((await vault.get(secretRef(projects.find((p) => p.name === 'Secret practice')!.id, 'db-password')))!)).toMatchObject({ password: cluster.target.password });
    expect(secrets['age identity of Secret practice']).toMatch(/^AGE-SECRET-KEY-1/);
    expect(secrets['log signing key']!.length).toBeGreaterThan(40);
    expect(seen.length).toBeGreaterThan(40);
    expect(seen.some(([, text]) => text.includes('Bob Reviewer'))).toBe(true);
    expect(api.webhookBodies).toHaveLength(1);

    const leaks = seen.flatMap(([where, text]) => Object.entries(secrets).filter(([, value]) => text.includes(value)).map(([name]) => `${name} in ${where}`));
    expect(leaks).toEqual([]);
  });
});
