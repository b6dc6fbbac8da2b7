import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { recoveryDocument } from '../../src-main/core/backup/recoveryDocument';
import { startPracticeStorage, type PracticeStorage } from '../../src-main/core/practice/practiceStorage';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Issue 14: the recovery document beside every backup restores it with only age and PostgreSQL's
// client tools. This test follows it literally: it runs its shell blocks, in order, with the variables
// the document names, against a fresh database, and reads step 4's verdict.
const t = openTestWarden('alice');
const out = tempDir('bw-recovery-doc-');
let cluster: ScratchCluster;
let doc: string;
let details: string;
let keyFile: string;
let backupDir: string;
let storage: PracticeStorage;
let runId: string;

beforeAll(async () => {
  let projectId: string;
  ({ cluster, projectId, storage } = await practiceProject(t.warden, 1));
  // A table whose name tries to break out of the document's quoting and here-documents.
  const hostile = new pg.Client({ ...cluster.target, user: 'postgres', database: 'practice' });
  await hostile.connect();
  await hostile.query(`CREATE TABLE public."evil""; DROP TABLE public.users; --\nSQL" (id int); INSERT INTO public."evil""; DROP TABLE public.users; --\nSQL" VALUES (1), (2)`);
  await hostile.end();
  const safe = join(out.dir, 'safe');
  mkdirSync(safe);
  keyFile = (await t.warden.keyEscrow.export(projectId, safe, 'identity-file')).file;
  backupDir = join(out.dir, 'backups');
  mkdirSync(backupDir);
  const backup = await t.warden.backups.run({ projectId, name: 'documented' }, { outputDir: backupDir });
  doc = readFileSync(join(backupDir, 'documented.RECOVERY.md'), 'utf8');
  expect(backup.dumpFile).toBe(join(backupDir, 'documented.dump.age'));
  runId = backup.runId;
  // A parallel backup: a tar of a directory archive inside the encrypted file.
  await t.warden.backups.run({ projectId, name: 'documented-parallel', jobs: 2 }, { outputDir: backupDir });
});

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
});

const blocksOf = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('the recovery document', () => {
  it.each([
    ['documented', 'age and pg_restore'],
    ['documented-parallel', 'age, tar and pg_restore (a parallel backup)'],
  ])('restores the practice backup %s with only %s, as written, and its check finds every row', async (name) => {
    const database = name.replace(/-/g, '_');
    const owner = `${database}_owner`;
    const admin = new pg.Client({ ...cluster.target, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD '${cluster.target.password}'`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${owner}`);
    await admin.end();
    const work = join(out.dir, `work-${name}`);
    mkdirSync(work, { mode: 0o700 });
    const env = {
      PATH: process.env.PATH, HOME: out.dir,
      RECOVERY_KEY: keyFile, BACKUP_DIR: backupDir, WORK: work,
      PGHOST: cluster.target.host, PGPORT: String(cluster.target.port), TARGET_DB: database,
      ADMIN_USER: cluster.target.user, OWNER: owner, PGPASSWORD: cluster.target.password,
    };
    const run = (block: string) => execFileSync('bash', ['-euo', 'pipefail', '-c', block], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // The plain half: check the file, open the sealed details with the recovery key.
    const first = blocksOf(readFileSync(join(backupDir, `${name}.RECOVERY.md`), 'utf8'));
    expect(first).toHaveLength(2);
    expect(run(first[0]!)).toMatch(new RegExp(`${name}\\.dump\\.age: OK`));
    run(first[1]!);
    const opened = readFileSync(join(work, `${name}.RECOVERY-DETAILS.md`), 'utf8');
    if (name === 'documented') details = opened;
    const rest = blocksOf(opened);
    expect(rest).toHaveLength(3);
    const outputs = rest.map(run);
    // Step 5 prints the tables whose rows differ from the backup's record: none.
    expect(outputs[2]).toBe('');
    // The decrypted dump and the opened details are gone again; the hostile name was restored as a name, not run.
    expect(execFileSync('ls', ['-A', work], { encoding: 'utf8' })).toBe('');
    const check = new pg.Client({ ...cluster.target, database });
    await check.connect();
    expect((await check.query(`SELECT count(*)::int AS n FROM public."evil""; DROP TABLE public.users; --\nSQL"`)).rows[0].n).toBe(2);
    expect((await check.query('SELECT count(*)::int AS n FROM public.users')).rows[0].n).toBeGreaterThan(0);
    await check.end();
  });

  it('says what the backup holds only under seal: the plain half names the file and its hash, the sealed one the tables, rows and roles', () => {
    const manifest = t.warden.artifacts.backup(runId).manifest;
    expect(doc).toContain(`echo "${manifest.files.dump.ciphertextSha256}  $BACKUP_DIR/documented.dump.age" | sha256sum -c -`);
    for (const secretish of [manifest.source.host, `${manifest.source.user}@`, 'public.users', 'authenticated', `${manifest.totals.rows} rows`]) expect(doc).not.toContain(secretish);
    expect(details).toContain(`${manifest.totals.tables} tables, ${manifest.totals.rows} rows.`);
    expect(details).toContain(`${manifest.source.user}@${manifest.source.host}:${manifest.source.port}/${manifest.source.database}`);
    expect(details).toContain('CREATE ROLE "authenticated" NOLOGIN');
    for (const text of [doc, details]) expect(text).not.toContain('AGE-SECRET-KEY'); // it names the key to use, never holds it
    // Step 1's digest of the file determines the decrypted archive; a backup before manifest@4 recorded the archive's too, and its document checks it.
    expect(details).not.toMatch(/\$WORK\/[^"]*" \| sha256sum -c -/);
    const older = { ...manifest, format: 'backup-warden/manifest@3' as const, files: { ...manifest.files, dump: { ...manifest.files.dump, plaintextSha256: 'ab'.repeat(32) } } };
    expect(recoveryDocument(older, join(backupDir, 'documented.dump.age')).details).toMatch(new RegExp(`echo "${'ab'.repeat(32)}  \\$WORK/[^"]+" \\| sha256sum -c -`));
  });

  it('puts the Storage objects back into an empty project with only age, tar, jq and curl, as written, naming none of them in plain text', async () => {
    await t.warden.storage.backup(runId);
    const storageDoc = readFileSync(join(backupDir, 'documented.storage.RECOVERY.md'), 'utf8');
    const empty = await startPracticeStorage([]);
    const work = join(out.dir, 'storage-work');
    mkdirSync(work, { mode: 0o700 });
    const serviceKeyFile = join(out.dir, 'service-role-key');
    writeFileSync(serviceKeyFile, `${empty.serviceKey}\n`, { mode: 0o600 });
    const env = { PATH: process.env.PATH, HOME: out.dir, RECOVERY_KEY: keyFile, BACKUP_DIR: backupDir, WORK: work, SUPABASE_URL: empty.url, SERVICE_KEY_FILE: serviceKeyFile };
    const blocks = blocksOf(storageDoc);
    expect(blocks).toHaveLength(4);
    // Run asynchronously: the Storage server answering curl lives in this process.
    const outputs: string[] = [];
    for (const block of blocks) outputs.push((await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })).stdout);
    expect(outputs[0]).toMatch(/documented\.storage\.tar\.age: OK/);
    const objects = storage.objects();
    expect(objects.length).toBe(324);
    expect(empty.objects()).toHaveLength(objects.length);
    for (const o of objects) expect([o.path, await empty.sha256(o.bucket, o.path)]).toEqual([o.path, await storage.sha256(o.bucket, o.path)]);
    expect(execFileSync('ls', ['-A', work], { encoding: 'utf8' })).toBe('');
    for (const named of ['avatars', 'exports', 'cohort-', 'summary.csv', storage.url]) expect(storageDoc).not.toContain(named);
    await empty.close();
  });
});
