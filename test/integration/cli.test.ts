import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { PRACTICE_USER, startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import { practiceApiContentOf, startPracticeStorage, type PracticeStorage } from '../../src-main/core/practice/practiceStorage';
import { withPgClient } from '../../src-main/core/pg/connect';
import { runCli } from '../helpers/cli';
import { sshVerify } from '../helpers/sshVerify';
import { creatorKey, verifierKey } from '../helpers/sshKeys';
import { tempDir } from '../helpers/tmp';

// The CLI as installed (`npx backup-warden` runs out/cli/backup-warden.js), in child processes, on
// real PostgreSQL, the real keychain (this test session's) and real files.
const root = join(import.meta.dirname, '../..');
const work = tempDir('bw-cli-');
let cluster: ScratchCluster;
let storage: PracticeStorage;

const cli = (args: string[], options: { dataDir?: string; input?: string } = {}) => runCli(args, { ...options, entry: 'bundle', cwd: work.dir });


beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'scripts/build-cli.mjs')], { cwd: root });
  let source: Parameters<typeof withPgClient>[0];
  ({ cluster, source } = await startPracticeServer({ targetBytes: 1 }));
  const content = await withPgClient(source, practiceApiContentOf);
  storage = await startPracticeStorage(content.objects, { authUsers: content.authUsers });
});

afterAll(async () => {
  await storage?.close();
  await cluster?.stop();
  work.cleanup();
});

const alice = creatorKey();
const bob = verifierKey();

describe('backup-warden CLI: bad input', () => {
  const data = () => join(work.dir, `data-${Math.random().toString(36).slice(2)}`);
  const add = ['project', 'add', '--name', 'Prod', '--env', 'production', '--host', 'db.abcdefghijklmnopqrst.supabase.co'];

  it('prints every command with --help and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['project add', 'backup <project>', 'verify <run>', 'rehearse <run>', 'cancel check <run>', 'cancel restore <target>', 'log export', 'signoff <run>', 'verify-signature <file>', 'audit verify', 'audit export', 'demo']) {
      expect(r.stdout).toContain(c);
    }
  });

  it.each([
    [[], 2, /Usage: backup-warden <command>/],
    [['frobnicate'], 2, /error: unknown command "frobnicate"\.\nRun "backup-warden --help"/],
    [['backup'], 2, /error: "backup" takes 1 argument\(s\), got 0\.\nusage: backup-warden backup <project> --out DIR/],
    [['project', 'list', 'extra'], 2, /"project list" takes 0 argument\(s\), got 1 \(extra\)/],
    [['project', 'list', '--bogus'], 2, /Unknown option '--bogus'[\s\S]*usage: backup-warden project list/],
    [[...add, '--port', '99999'], 2, /error \(VALIDATION\): Invalid project add: --port must be between 1 and 65535/],
    [[...add, '--port', 'abc'], 2, /--port must be a number/],
    [['project', 'add', '--name', '../../etc/passwd', '--env', 'production', '--host', 'h'], 2, /name may contain letters, digits, spaces and \. _ \( \) - only/],
    [['project', 'add', '--name', 'X', '--env', 'production', '--host', "db'; DROP TABLE users; --"], 2, /host must be a hostname/],
    [['project', 'add', '--name', 'X', '--env', 'prod', '--host', 'h'], 2, /--env must be one of production, staging, development, local/],
    [['project', 'add', '--name', 'X', '--env', 'production'], 2, /--host is required/],
    [[...add, '--password-stdin'], 2, /No database password arrived on standard input/],
    [['verify', '00000000-0000-4000-8000-000000000000'], 1, /error \(NOT_FOUND\): No backup run with id 00000000-0000-4000-8000-000000000000/],
    [['cancel', 'check', '00000000-0000-4000-8000-000000000000'], 1, /error \(NOT_FOUND\): No backup run with id 00000000-0000-4000-8000-000000000000/],
    [['cancel', 'restore', 'nope'], 1, /error \(NOT_FOUND\): No project "nope"/],
    [['project', 'test', 'nope'], 1, /error \(NOT_FOUND\): No project "nope"\. Known projects: none yet \(add one with "project add"\)/],
    [['audit', 'export', '--format', 'xml'], 2, /--format must be csv or json/],
    [['audit', 'verify', '--head', '12'], 2, /--head must be SEQ:HASH as printed in the signed log/],
    [['verify', '00000000-0000-4000-8000-000000000000', '--identity', '/nonexistent/key.txt'], 2, /Cannot read the identity file \/nonexistent\/key\.txt \(ENOENT\)\. Give the path of an age key file\./],
    [['demo', '--out', '/etc'], 1, /\/etc exists and is not a previous demo output; choose another --out folder/],
  ])('%j exits %i with a clear message', async (args, code, message) => {
    const r = await cli(args, { dataDir: data() });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('reports errors as JSON on stdout with --json', async () => {
    const r = await cli(['verify', 'nope', '--json'], { dataDir: data() });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'VALIDATION', message: 'Invalid verify: <run> must be a run id (UUID), as "backup" and "runs list" print it' } });
  });
});

describe('backup-warden CLI: the whole job', () => {
  it('adds a project, backs up, verifies, rehearses, signs off and exports a log that ssh-keygen accepts', async () => {
    const dataDir = join(work.dir, 'flow');
    const out = join(work.dir, 'backups');
    const repo = join(work.dir, 'repo');
    mkdirSync(out);
    mkdirSync(repo);
    const json = async (args: string[], input?: string) => {
      const r = await cli([...args, '--json'], { dataDir, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const { host, port, password } = cluster.target;
    const user = PRACTICE_USER;
    const project = await json(['project', 'add', '--name', 'CLI practice', '--env', 'production', '--host', host, '--port', String(port), '--db', 'practice', '--user', user, '--sslmode', 'disable', '--password-stdin'], `${password}\n`);
    expect(project).toMatchObject({ name: 'CLI practice', hasDbPassword: true });
    expect(JSON.stringify(project)).not.toContain(password);
    // A new project has no expected tables: the connection test proposes the public ones, --confirm-tables takes them.
    expect(await json(['project', 'test', 'cli practice'])).toMatchObject({ publicTableCount: 31, tablesConfirmed: false });
    expect((await json(['project', 'show', 'cli practice'])).expectedTables).toEqual([]);
    const confirmed = await cli(['project', 'test', 'cli practice', '--confirm-tables'], { dataDir });
    expect(confirmed.stdout).toMatch(/^31 public tables confirmed as the expected list\.$/m);
    expect((await json(['project', 'show', 'cli practice'])).expectedTables).toHaveLength(31);
    // Its Storage: the API URL and the service-role key (from stdin, into the keychain).
    expect(await json(['project', 'edit', 'cli practice', '--api-url', storage.url, '--service-role-key-stdin'], `${storage.serviceKey}\n`)).toMatchObject({ apiUrl: storage.url, hasServiceRoleKey: true });

    // Production, and only this keychain would hold the key: refused until the recovery key is escrowed.
    const single = await cli(['backup', 'CLI practice', '--out', out, '--name', 'single-key'], { dataDir });
    expect(single).toMatchObject({ code: 1, stderr: expect.stringContaining('error (FORBIDDEN): Only this workstation\'s keychain could open a backup of production "CLI practice"') });
    const escrowDir = join(work.dir, 'escrow');
    mkdirSync(escrowDir);
    expect((await cli(['key', 'export', 'CLI practice', '--out', join(dataDir)], { dataDir })).stderr).toContain('never written into Backup Warden’s data folder');
    const escrowed = await json(['key', 'export', 'CLI practice', '--out', escrowDir]);
    expect(statSync(escrowed.file as string).mode & 0o777).toBe(0o600);
    expect(readFileSync(escrowed.file as string, 'utf8')).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/m);
    const backup = await json(['backup', 'CLI practice', '--out', out, '--name', 'cli-baseline']);
    const runId = backup.runId as string;
    expect(backup.dumpFile).toBe(join(out, 'cli-baseline.dump.age'));
    expect(await json(['verify', runId])).toMatchObject({ ok: true });
    expect(await json(['storage', 'backup', runId])).toMatchObject({ objects: 324, buckets: ['avatars', 'exports'], consistency: { ok: true, rows: 324 } });
    // Opens without this keychain: a wrong key file is refused, the escrowed one decrypts it in full.
    const notAKey = await cli(['recovery', 'check', runId, '--key', join(work.dir, 'escrow', '..', 'nope.txt')], { dataDir });
    expect(notAKey).toMatchObject({ code: 2, stderr: expect.stringContaining('Cannot read the key file') });
    expect(await json(['recovery', 'check', runId, '--key', escrowed.file as string])).toMatchObject({ keyKind: 'escrowed recovery key' });
    expect(await json(['rehearse', runId])).toMatchObject({ ok: true });
    const window = ['--window-start', new Date(Date.now() + 3_600_000).toISOString(), '--window-end', new Date(Date.now() + 7_200_000).toISOString()];
    await json(['platform', 'attest', runId, '--backup-id', 'daily-1', '--status', 'COMPLETED', '--inserted-at', new Date(Date.now() - 3_600_000).toISOString(), '--plan', 'pro', ...window, '--by', 'Alice Creator']);
    expect(await json(['signoff', runId, '--role', 'creator', '--name', 'Alice Creator', '--ssh-key', alice.keyFile])).toMatchObject({ principal: 'alice.creator', fingerprint: alice.fingerprint });
    const same = await cli(['signoff', runId, '--role', 'verifier', '--name', 'ALICE CREATOR', '--ssh-key', bob.keyFile], { dataDir });
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/error \(FORBIDDEN\): The verifier must be a different person from the creator/);
    // The verifier works on another workstation (its own data directory): the review bundle travels.
    const bundle = (await json(['review', 'export', runId, '--out', work.dir])).bundle as string;
    const elsewhere = join(work.dir, 'verifier-data');
    const reviewed = await cli(['review', 'sign', bundle, '--backup', backup.dumpFile as string, '--name', 'Bob Verifier', '--ssh-key', bob.keyFile, '--identity', escrowed.file as string], { dataDir: elsewhere });
    expect(reviewed, reviewed.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining(`Creator Alice Creator (alice.creator, key ${alice.fingerprint})`) });
    expect(reviewed.stdout).toMatch(/^PASS {2}Decrypted in full with the verifier’s key/m);
    expect(await json(['signoff', runId, '--role', 'verifier', '--name', 'Bob Verifier', '--review-bundle', bundle])).toMatchObject({ fingerprint: bob.fingerprint, checkedOn: 'another workstation' });

    const exported = await json(['log', 'export', runId, '--out', repo]);
    const markdown = exported.markdownFile as string;
    expect(sshVerify(markdown, exported.allowedSignersFile as string).status).toBe(0);
    const verified = await cli(['verify-signature', markdown], { dataDir });
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Good signature \(SHA256:.*machine attestation/) });
    expect(verified.stdout).toContain(`creator   good signature by alice.creator (${alice.fingerprint})`);
    expect(verified.stdout).toContain(`verifier  good signature by bob.verifier (${bob.fingerprint})`);
    expect(await json(['notify', runId, '--confirm', '--by', 'Alice Creator', '--channel', '#db'])).toMatchObject({ status: null, message: expect.stringContaining('cli-baseline') });

    // The exported log, changed by one character, no longer verifies.
    appendFileSync(markdown, ' ');
    const bad = await cli(['verify-signature', markdown], { dataDir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^BAD signature/);
    expect(bad.stdout).toMatch(/^creator {3}BAD: /m);

    expect(await json(['audit', 'verify'])).toMatchObject({ ok: true });
    const auditDir = join(work.dir, 'audit-export');
    mkdirSync(auditDir);
    const csvFile = (await json(['audit', 'export', '--format', 'csv', '--out', auditDir])).file as string;
    expect(csvFile).toMatch(new RegExp(`^${auditDir}/backup-warden-audit-.+\\.csv$`));
    const csv = readFileSync(csvFile, 'utf8');
    expect(csv).toContain('log.exported');
    expect(csv).not.toContain(password);

    // The export itself is in the trail, as in the app.
    const audit = await json(['audit', 'list', '--limit', '1000']) as unknown as { action: string; details: Record<string, unknown> }[];
    expect(audit.at(-1)).toMatchObject({ action: 'audit.exported', details: { file: csvFile, format: 'csv' } });
    const text = await cli(['audit', 'list', '--run', runId], { dataDir });
    expect(text.stdout).toMatch(/^\d+\t\S+\tbackup\.started\t.+ started the backup "cli-baseline"\trun /m);
    // Narrowed and newest first, one sentence each: who signed, as what.
    const signed = await cli(['audit', 'list', '--action', 'signoff', '--newest', '--search', 'bob'], { dataDir });
    expect(signed.stdout.trim().split('\n').map((l) => l.split('\t')[3])).toEqual(['Bob Verifier signed as verifier']);

    // Runs and their checklists.
    const runs = await json(['runs', 'list']) as unknown as { id: string; status: string }[];
    expect(runs.map((r) => [r.id, r.status])).toEqual([[runId, 'succeeded']]);
    const shown = await cli(['runs', 'show', runId], { dataDir });
    expect(shown.stdout).toMatch(/^cli-baseline \(CLI practice\) — succeeded/);
    expect(shown.stdout).toMatch(/^passed {3}Restore rehearsed$/m);
    expect(shown.stdout).toMatch(/^took {5}backup [\d.]+ s, storage [\d.]+ s, integrity [\d.]+ s, rehearsal [\d.]+ s$/m);
    expect(shown.stdout).toMatch(/^signed {3}verifier Bob Verifier/m);
  });

  it('shows, edits and removes a project: lists, secrets from standard input, typed confirmation', async () => {
    const dataDir = join(work.dir, 'edit');
    const json = async (args: string[], input?: string) => {
      const r = await cli([...args, '--json'], { dataDir, input });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    await json(['project', 'add', '--name', 'Editable', '--env', 'staging', '--host', 'db.abcdefghijklmnopqrst.supabase.co']);
    const checks = join(work.dir, 'checks.json');
    writeFileSync(checks, JSON.stringify([{ name: 'plans', table: 'public.subscription_plans', expect: { op: '=', rows: 4 } }]));
    const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
    const edited = await json(['project', 'edit', 'Editable', '--expected-table', 'users', '--expected-table', 'courses', '--exclude-schema', 'graphql',
      '--recipient', recipient, '--sample-checks', checks, '--port', '6543', '--password-stdin'], 'new-secret-password\n');
    expect(edited).toMatchObject({ expectedTables: ['users', 'courses'], excludeSchemas: ['graphql'], extraRecipients: [recipient], port: 6543, hasDbPassword: true });
    expect(edited.sampleChecks).toEqual([{ name: 'plans', table: 'public.subscription_plans', expect: { op: '=', rows: 4 } }]);
    const shown = await cli(['project', 'show', 'Editable'], { dataDir });
    expect(shown.stdout).toContain('password   stored in keychain');
    expect(shown.stdout).not.toContain('new-secret-password');
    expect(await json(['project', 'edit', 'Editable', '--clear-expected-tables', '--clear-recipients'])).toMatchObject({ expectedTables: [], extraRecipients: [] });
    // Bad input is refused naming the field, exit 2; nothing changes.
    const bad = await cli(['project', 'edit', 'Editable', '--expected-table', 'users; DROP TABLE x'], { dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--expected-table value 1 must be a plain table name/);
    expect((await cli(['project', 'edit', 'Editable'], { dataDir })).stderr).toMatch(/changes must name at least one field to change/);
    // Removing needs the name typed again.
    const refused = await cli(['project', 'remove', 'Editable', '--confirm', 'editable'], { dataDir });
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('repeat its name exactly to confirm ("Editable")') });
    expect(await json(['project', 'remove', 'Editable', '--confirm', 'Editable'])).toBeNull();
    expect(await json(['project', 'list'])).toEqual([]);

    // The installation's tools folder: refused without tools, cleared with "none"; what is found here is listed.
    const noTools = await cli(['settings', 'set', '--tools-dir', work.dir], { dataDir });
    expect(noTools).toMatchObject({ code: 2, stderr: expect.stringContaining(`${work.dir} holds none of pg_dump, pg_restore or initdb`) });
    expect(await json(['settings', 'set', '--tools-dir', 'none'])).toMatchObject({ pgToolsDir: null });
    const settings = await cli(['settings', 'show'], { dataDir });
    expect(settings.stdout).toMatch(/^tools folder {2}none \(PATH and the usual install folders\)$/m);
    expect(settings.stdout).toMatch(/^ {2}pg_dump {4}\d+\.\d+\s+\//m);
  });
});

describe('backup-warden demo', () => {
  it('runs the practice job into an empty folder and leaves a log that ssh-keygen verifies', async () => {
    const outDir = join(work.dir, 'demo-output');
    const r = await cli(['demo', '--out', outDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Practice run complete/);
    expect(r.stdout).toMatch(/checklist +prerequisites=passed backup=passed storage=passed integrity=passed recovery=passed log=passed rehearsal=passed sign-off=passed notify=passed/);
    const log = /log +(\S+\.md)/.exec(r.stdout)![1]!;
    for (const [principal, role] of [['practice.creator', 'creator'], ['practice.verifier', 'verifier']] as const) {
      const verdict = sshVerify(log, join(outDir, 'docs/phase2/allowed_signers'), principal, `${log}.${role}.sig`);
      expect(verdict.stdout + verdict.stderr).toMatch(new RegExp(`Good "backup-warden-log" signature for ${principal.replace('.', '\\.')}`));
    }
    expect(r.stdout).toMatch(/signatures +ssh-keygen -Y verify: practice\.creator good, practice\.verifier good; machine attestation good/);
    expect(JSON.parse(readFileSync(join(outDir, 'audit.json'), 'utf8'))).toMatchObject({ chain: { ok: true } });
    // A second run replaces its own earlier output.
    writeFileSync(join(outDir, 'backups', 'stale.txt'), 'from an earlier run');
    const again = await cli(['demo', '--out', outDir, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, outDir });
    expect(() => readFileSync(join(outDir, 'backups', 'stale.txt'))).toThrow();
    // Two whole practice jobs: about a minute each on a 2-core machine without SHA instructions, more beside other test files.
  }, 360_000);
});
