import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PRACTICE_USER, startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { startFakeSupabase, type FakeSupabase } from '../helpers/fakeSupabase';
import { startFakeStorage, type FakeStorage } from '../helpers/fakeStorage';
import { postgresWithout } from '../helpers/pgWithout';
import { spawnCli } from '../helpers/cli';
import { sshVerify } from '../helpers/sshVerify';
import { creatorKey, verifierKey } from '../helpers/sshKeys';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';
import { axeFindings, type AxeFinding } from './axe';
import { installWardenShim, startBridge, type Bridge } from './bridge';

// The renderer, built as shipped, in Debian's Chromium; behind window.warden the real IPC router,
// core, PostgreSQL, keychain and files. One walk through the whole checklist to a signed export.
const shots = join(import.meta.dirname, '../../test-output/screenshots');
const SUPABASE_TOKEN = 'sbp_e2e0123456789abcdef0123456789abcdef';
let supabase: FakeSupabase;
let storage: FakeStorage;
/** Staging's own Storage, empty: the rollback brings the backed-up objects there. */
let stagingStorage: FakeStorage;
let t: ReturnType<typeof openTestWarden>;
const files = tempDir('bw-e2e-');
const backupDir = join(files.dir, 'backups');
const exportDir = join(files.dir, 'repo');
let cluster: ScratchCluster;
let withoutCitext: { binDir: string; cleanup: () => void };
let bridge: Bridge;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const alice = creatorKey();
const bob = verifierKey();

const item = (title: string): Locator => page.locator('li.item', { has: page.getByRole('heading', { name: title, exact: true }) });
const passed = (title: string, timeout = 60_000) => item(title).locator('.card-head .state-passed').waitFor({ timeout });
/** What axe-core found on each screen the walk photographs (test-output/accessibility.json). */
const accessibility: AxeFinding[] = [];
const shot = async (name: string) => {
  await page.screenshot({ path: join(shots, name), fullPage: true });
  accessibility.push(...(await axeFindings(page, name.replace(/\.png$/, ''))));
};

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const storageObjects = [
    { bucket: 'documents', path: 'courses/algebra/week-1/syllabus.pdf', size: 48_000, contentType: 'application/pdf' },
    { bucket: 'documents', path: 'courses/algebra/week-2/notes.pdf', size: 52_000, contentType: 'application/pdf' },
    { bucket: 'documents', path: 'transcripts/2026/s-1001.pdf', size: 12_000, contentType: 'application/pdf' },
    { bucket: 'avatars', path: 'u1.png', size: 9_000, contentType: 'image/png' },
    { bucket: 'avatars', path: 'u2.png', size: 11_000, contentType: 'image/png' },
    { bucket: 'avatars', path: 'teams/blue.png', size: 7_000, contentType: 'image/png' },
    { bucket: 'cache', path: 'thumbs/t1.webp', size: 3_000 },
  ];
  storage = await startFakeStorage(storageObjects);
  stagingStorage = await startFakeStorage([], 'sb_secret_stagingservicerolekey0123456789');
  mkdirSync(backupDir);
  mkdirSync(exportDir);
  ({ cluster } = await startPracticeServer({ targetBytes: 80e6 }));
  // A staging database for the rehearsal's second target: owned by a role without superuser or
  // CREATEROLE, with the extension that role may not create, and a table left from an earlier try.
  const admin = new pg.Client({ ...cluster.target, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE ROLE staging_owner LOGIN PASSWORD ${admin.escapeLiteral(cluster.target.password)}`);
  await admin.query('CREATE DATABASE staging OWNER staging_owner');
  await admin.end();
  const staging = new pg.Client({ ...cluster.target, database: 'staging' });
  await staging.connect();
  await staging.query('CREATE SCHEMA extensions AUTHORIZATION staging_owner; CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions');
  await staging.query('CREATE TABLE public.universities (id bigint); ALTER TABLE public.universities OWNER TO staging_owner');
  await staging.end();
  // A table that needs citext (in a schema of its own, so public keeps the 31 expected tables).
  const source = new pg.Client({ ...cluster.target, user: PRACTICE_USER, database: 'practice' });
  await source.connect();
  await source.query(`CREATE EXTENSION citext WITH SCHEMA extensions; CREATE SCHEMA marketing;
    CREATE TABLE marketing.newsletter_subscribers (id bigserial PRIMARY KEY, email extensions.citext NOT NULL UNIQUE);
    INSERT INTO marketing.newsletter_subscribers (email) SELECT 'Reader' || g || '@Example.edu' FROM generate_series(1, 25) g;`);
  await source.end();
  // storage.objects as Supabase keeps it for those files (the left-out bucket's too).
  const storageAdmin = new pg.Client({ ...cluster.target, database: 'practice' });
  await storageAdmin.connect();
  await storageAdmin.query(`DELETE FROM storage.objects; INSERT INTO storage.buckets (id, name) VALUES ('cache', 'cache') ON CONFLICT DO NOTHING`);
  for (const o of storageObjects) {
    await storageAdmin.query(`INSERT INTO storage.objects (bucket_id, name, metadata) VALUES ($1, $2, jsonb_build_object('size', $3::bigint))`, [o.bucket, o.path, o.size]);
  }
  await storageAdmin.end();
  withoutCitext = await postgresWithout(['citext']);
  supabase = await startFakeSupabase(SUPABASE_TOKEN);
  // The app's keychain service: the CLI, started below on the same data folder, finds the same secrets.
  t = openTestWarden('operator', { managementApiUrl: supabase.url, sharedKeychain: true });
  bridge = await startBridge(t.warden);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(`${m.text()} (${m.location().url})`));
  await page.addInitScript(installWardenShim, bridge.shim);
  await page.goto(bridge.url);
});

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  t?.close();
  await supabase?.close();
  await storage?.close();
  await stagingStorage?.close();
  await cluster?.stop();
  withoutCitext?.cleanup();
  files.cleanup();
});

describe('renderer end to end (Chromium, real core)', () => {
  it('walks the whole checklist to a signed export, showing real data on every screen', async () => {
    onTestFailed(async () => {
      await shot('failure.png');
    });
    const password = cluster.target.password;
    // The dashboard is the first screen: with no project yet, it leads to adding one.
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('No projects yet').waitFor();
    await page.getByRole('button', { name: 'Add a project' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();

    // A Supabase project's connection forms, read through the Management API with a token typed once.
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Supabase project ref').fill('abcdefghijklmnopqrst');
    await page.getByLabel('Management API token').fill(SUPABASE_TOKEN);
    await page.getByRole('button', { name: 'Fill from Supabase…' }).click();
    await page.getByTestId('supabase-lookup').getByText('PostgreSQL 15').waitFor();
    await page.getByRole('button', { name: /^Session pooler aws-0-eu-central-1\.pooler\.supabase\.com:5432/ }).click();
    expect(await page.getByLabel('Host', { exact: true }).inputValue()).toBe('aws-0-eu-central-1.pooler.supabase.com');
    expect(await page.getByLabel('Port', { exact: true }).inputValue()).toBe('5432');
    expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe('postgres.abcdefghijklmnopqrst');
    await shot('01c-supabase-lookup.png');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('No projects yet').waitFor();
    expect(await page.content()).not.toContain(SUPABASE_TOKEN.slice(8)); // used for the lookup, never sent back to the page

    // Project: created through the form, secret typed once and never shown again.
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Project name', { exact: true }).fill('Practice production');
    await page.getByLabel('Host', { exact: true }).fill(cluster.target.host);
    await page.getByLabel('Port', { exact: true }).fill(String(cluster.target.port));
    await page.getByLabel('Database', { exact: true }).fill('practice');
    await page.getByLabel('User', { exact: true }).fill(PRACTICE_USER);
    // TLS is verified unless the operator says otherwise; a weaker mode shows what it risks.
    expect(await page.getByLabel('SSL mode').inputValue()).toBe('verify-full');
    expect(await page.getByTestId('tls-warning').count()).toBe(0);
    await page.getByLabel('SSL mode').selectOption('disable');
    await page.getByTestId('tls-warning').getByText(/anyone on the network path can pose as your database/).waitFor();
    await page.getByLabel('Database password').fill(password);
    await shot('01a-project-form-tls.png');
    await page.getByRole('button', { name: 'Add sample check' }).click();
    const check = page.getByRole('group', { name: 'Sample check 1' });
    await check.getByLabel('Name').fill('students exist');
    await check.getByLabel('Table').fill('public.users');
    await check.getByLabel('Where column').fill('role');
    await check.getByLabel('equals').fill('student');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Practice production' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/Connected: PostgreSQL 15\.\d+.*, [\d.]+ MiB, 31 tables in public/).waitFor();
    // A new project has no expected tables: the connection test proposes the 31 public ones; the operator confirms.
    await page.getByTestId('tables-proposal').getByText('No expected tables confirmed yet.').waitFor();
    expect(await page.getByTestId('tools-warning').count()).toBe(0); // this workstation's tools fit the server
    await shot('01b-tables-proposal.png');
    await page.getByRole('button', { name: 'Confirm these 31 tables as expected' }).click();
    await page.getByText('31 public tables confirmed as the expected list.').waitFor();
    expect(await page.getByTestId('tables-proposal').count()).toBe(0);
    expect(await page.locator('.card').innerText()).toContain('stored in keychain');
    expect(await page.locator('.card').innerText()).toContain('not verified: the server’s identity is not checked');
    // Production, recovery key only in this keychain: escrowed before the first backup (a file, 0600, outside the data folder).
    expect(await page.locator('.card').innerText()).toContain('not escrowed: only this workstation’s keychain holds it');
    const escrowDir = join(files.dir, 'escrow');
    mkdirSync(escrowDir);
    bridge.nextFolders.push(escrowDir);
    await page.getByRole('button', { name: 'Export recovery key…' }).click();
    await page.getByText(/^Recovery key written to .*Practice-production-recovery-key\.txt\. Keep it offline/).waitFor();
    expect(statSync(join(escrowDir, 'Practice-production-recovery-key.txt')).mode & 0o777).toBe(0o600);
    await page.locator('.card').getByText(/^escrowed /).waitFor();
    expect(await page.content()).not.toContain('AGE-SECRET-KEY');
    await shot('01-projects.png');
    // A second profile, for the staging rehearsal below (made here so the first screen shows the empty state).
    await t.warden.projects.create({
      name: 'Staging', environment: 'staging', host: cluster.target.host, port: cluster.target.port,
      database: 'staging', user: 'staging_owner', sslmode: 'disable', secrets: { dbPassword: cluster.target.password },
    });

    // A backup cancelled from its run view: nothing kept, the run says cancelled.
    bridge.nextFolders.push(backupDir);
    await page.locator('.card', { hasText: 'Practice production' }).getByRole('button', { name: 'Start backup…' }).click();
    await page.getByLabel('Backup name').fill('e2e-cancelled');
    expect(await page.getByRole('button', { name: 'Start backup' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Choose folder…' }).click();
    await page.getByText(backupDir).waitFor();
    await page.getByRole('button', { name: 'Start backup' }).click();
    await page.getByRole('heading', { name: /e2e-cancelled/ }).waitFor({ timeout: 30_000 });
    await item('Backup created and encrypted').getByRole('button', { name: 'Cancel backup' }).click();
    await page.getByRole('heading', { name: /e2e-cancelled cancelled/ }).waitFor({ timeout: 30_000 });
    expect(readdirSync(backupDir)).toEqual([]);

    // Work another process runs shows here, and Cancel reaches it there: a backup started on the command
    // line waits behind a migration's lock on public.users; the operator cancels it from the app.
    const migration = new pg.Client({ ...cluster.target, database: 'practice' });
    await migration.connect();
    await migration.query('BEGIN; LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE');
    const cliBackup = spawnCli(['backup', 'Practice production', '--out', backupDir, '--name', 'e2e-cli-blocked'], { dataDir: t.dataDir });
    await expect
      .poll(() => {
        const run = t.warden.runs.list().find((r) => r.name === 'e2e-cli-blocked');
        return run && t.warden.runs.items(run.id).find((i) => i.key === 'backup')!.state;
      }, { timeout: 60_000 })
      .toBe('running');
    await page.getByRole('button', { name: 'Backup runs' }).click();
    await page.getByRole('button', { name: 'e2e-cli-blocked' }).click();
    await page.getByRole('heading', { name: /e2e-cli-blocked/ }).waitFor();
    await item('Backup created and encrypted').getByText(/^No progress reaches this window: the backup runs in another process/).waitFor({ timeout: 15_000 });
    await shot('02a-backup-elsewhere.png');
    await item('Backup created and encrypted').getByRole('button', { name: 'Cancel backup' }).click();
    const cancelledThere = await cliBackup.done;
    expect(cancelledThere.code, cancelledThere.stderr).toBe(130);
    expect(cancelledThere.stderr).toContain('error (CANCELLED): Backup "e2e-cli-blocked" was cancelled; no backup file was kept.');
    await page.getByRole('heading', { name: /e2e-cli-blocked cancelled/ }).waitFor({ timeout: 30_000 });
    await migration.query('ROLLBACK');
    await migration.end();
    expect(readdirSync(backupDir)).toEqual([]);
    const cliRun = t.warden.runs.list().find((r) => r.name === 'e2e-cli-blocked')!;
    expect(t.warden.audit.list({ runId: cliRun.id }).map((e) => e.action)).toEqual(expect.arrayContaining(['cancel.requested', 'backup.cancelled']));

    // The real backup: the run view shows it live (progress, ETA) into the folder the picker hands out.
    await page.getByRole('button', { name: 'Projects' }).click();
    await page.locator('.card', { hasText: 'Practice production' }).getByRole('button', { name: 'Start backup…' }).click();
    await page.getByLabel('Backup name').fill('e2e-baseline');
    await page.getByLabel('Purpose').fill('Baseline before the forum schema migration');
    // A break-glass key for this backup only (an offline key kept in a safe).
    const breakGlass = await identityToRecipient(await generateX25519Identity());
    await page.getByLabel(/Extra recipients for this backup only/).fill(breakGlass);
    // Two parallel jobs: every step after this one (checks, rehearsal, sign-off, rollback) works on a directory archive.
    await page.getByLabel('Parallel jobs').fill('2');
    await page.getByText(/^2 pg_dump jobs read tables at once \(3 database sessions\)/).waitFor();
    bridge.nextFolders.push(backupDir);
    await page.getByRole('button', { name: 'Choose folder…' }).click();
    await page.getByText(backupDir).waitFor();
    await shot('02b-backup-parallel.png');
    await page.getByRole('button', { name: 'Start backup' }).click();
    await page.getByRole('heading', { name: /e2e-baseline/ }).waitFor({ timeout: 30_000 });
    await item('Backup created and encrypted').getByRole('progressbar', { name: 'Backup progress' }).waitFor({ timeout: 30_000 });
    expect(await item('Backup created and encrypted').innerText()).toMatch(/(Preparing|Dumping and encrypting|Capturing roles|Writing manifest)[^:]*: \d+%/);
    await shot('02-backup-progress.png');
    // The operator looks elsewhere while it runs: the backup's late result does not pull them back.
    await page.getByRole('button', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await expect
      .poll(() => t.warden.runs.list().find((r) => r.name === 'e2e-baseline') && t.warden.runs.items(t.warden.runs.list().find((r) => r.name === 'e2e-baseline')!.id).find((i) => i.key === 'backup')!.state, { timeout: 120_000 })
      .toBe('passed');
    await page.waitForTimeout(300);
    expect(await page.getByRole('heading', { name: 'Audit trail' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Backup runs' }).click();
    await page.getByRole('button', { name: 'e2e-baseline' }).click();
    await passed('Backup created and encrypted', 120_000);
    expect(await item('Backup created and encrypted').innerText()).toMatch(/31 tables in public, \d+ in all, [\d,]+ rows/);
    expect(await item('Backup created and encrypted').innerText()).toContain(`without Backup Warden: ${join(backupDir, 'e2e-baseline.RECOVERY.md')}`);
    expect(await item('Backup created and encrypted').innerText()).toContain('2 parallel jobs (directory archive, packed with tar)');
    expect(readdirSync(backupDir).sort()).toEqual(['e2e-baseline.RECOVERY-DETAILS.md.age', 'e2e-baseline.RECOVERY.md', 'e2e-baseline.dump.age', 'e2e-baseline.manifest.json', 'e2e-baseline.manifest.json.age', 'e2e-baseline.roles.json.age']);
    expect((JSON.parse(readFileSync(join(backupDir, 'e2e-baseline.manifest.json'), 'utf8')) as { encryption: { recipients: string[] } }).encryption.recipients).toContain(breakGlass);

    // Storage objects are not in the database backup: backed up beside it, from a local server speaking the
    // Storage API (the project gets its ref, service-role key and API URL here; the form has the same fields).
    const practiceProject = t.warden.projects.list().find((p) => p.name === 'Practice production')!;
    await t.warden.projects.update(practiceProject.id, { supabaseRef: 'abcdefghijklmnopqrst', apiUrl: storage.url, excludeBuckets: ['cache'], secrets: { serviceRoleKey: storage.serviceKey } });
    await page.getByRole('button', { name: 'Backup runs' }).click();
    await page.getByRole('button', { name: 'e2e-baseline' }).click();
    const storageItem = item('Storage objects backed up');
    expect(await storageItem.innerText()).toContain('pending');
    await storageItem.getByText('The database backup holds only the rows describing Storage objects, not the files.').waitFor();
    // The other way to settle it: a person leaves Storage out, saying why (not taken here).
    await storageItem.getByRole('button', { name: 'Leave Storage out of this run…' }).click();
    await storageItem.getByRole('form', { name: 'Leave Storage out of this run' }).waitFor();
    await storageItem.screenshot({ path: join(shots, '03d-storage-choice.png') });
    await storageItem.getByRole('button', { name: 'Keep it in' }).click();
    await storageItem.getByRole('button', { name: 'Back up Storage objects' }).click();
    await storageItem.getByText(/^6 objects, .+ from avatars, documents \(left out: cache\) in .*e2e-baseline\.storage\.tar\.age — a tar inside age/).waitFor({ timeout: 60_000 });
    await storageItem.getByText('Matches the database: all 7 storage.objects rows have their file').waitFor();
    await passed('Storage objects backed up');
    await storageItem.screenshot({ path: join(shots, '03d-storage.png') });

    // Integrity, then the restore rehearsal with its counts table and measured RTO.
    await item('Integrity verified').getByRole('button', { name: 'Run integrity check' }).click();
    await passed('Integrity verified');

    // The backup opens without this workstation: the escrowed key file, chosen in the page, decrypts it in full.
    const recovery = item('Backup opens without this workstation');
    await recovery.locator('input[type=file]').setInputFiles(join(files.dir, 'escrow', 'Practice-production-recovery-key.txt'));
    await passed('Backup opens without this workstation');
    expect(await recovery.innerText()).toMatch(/Decrypted in full with the escrowed recovery key \(age1[0-9a-z]{58}\), not this keychain’s copy/);
    expect(await page.content()).not.toContain('AGE-SECRET-KEY');
    await recovery.scrollIntoViewIfNeeded();
    await shot('03c-recovery-check.png');
    expect(await item('Integrity verified').innerText()).not.toContain('FAIL');
    // A rehearsal cancelled while it runs: the UI says so, the core removed what it made at once.
    await item('Restore rehearsed').getByRole('button', { name: 'Rehearse restore' }).click();
    // Where it runs: its phase, how far, and cancel.
    await item('Restore rehearsed').getByRole('progressbar', { name: 'Restore rehearsed: progress' }).waitFor();
    expect(await item('Restore rehearsed').locator('.progress-text').innerText()).toMatch(/^Step [123] of 3: (Starting a scratch server and opening the backup|Restoring|Counting rows and comparing) · \d+%/);
    await item('Restore rehearsed').screenshot({ path: join(shots, '03f-rehearsal-progress.png') });
    await item('Restore rehearsed').getByRole('button', { name: 'Cancel rehearsal' }).click();
    await item('Restore rehearsed').getByText('The rehearsal was cancelled by the operator; nothing it made was kept').first().waitFor({ timeout: 60_000 });
    await item('Restore rehearsed').scrollIntoViewIfNeeded();
    await shot('03a-rehearsal-cancelled.png');
    await item('Restore rehearsed').getByRole('button', { name: 'Rehearse again' }).click();
    await passed('Restore rehearsed', 120_000);
    const rehearsal = await item('Restore rehearsed').innerText();
    expect(rehearsal).toMatch(/Rehearsal passed: (\d+) of \1 tables restored, ([\d,]+) of \2 rows, into embedded PostgreSQL 15 \(private socket\)/);
    expect(rehearsal).toMatch(/Measured RTO \d+\.\d s/);
    expect(rehearsal).toContain('Event trigger pgrst_ddl_watch not restored');
    expect(rehearsal).toContain('students exist');
    const usersRow = await item('Restore rehearsed').getByRole('row', { name: /public\.users/ }).innerText();
    const [, expected, restored] = usersRow.split('\t');
    expect(Number(expected!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(restored).toBe(expected);
    // The comparison as a picture too: every public table, backup against restored, all equal here.
    const chart = item('Restore rehearsed').getByRole('img', { name: /^Row counts of \d+ tables, backup against restored: all equal\.$/ });
    await chart.scrollIntoViewIfNeeded();
    await chart.screenshot({ path: join(shots, '03e-rehearsal-chart.png') });
    await item('Restore rehearsed').scrollIntoViewIfNeeded();
    await shot('03-rehearsal.png');

    // The same backup on the staging project: not empty, so it is cleaned only once its name is typed.
    const rehearsalItem = item('Restore rehearsed');
    await rehearsalItem.getByLabel('Rehearsal target').selectOption({ label: 'staging project “Staging” (staging on 127.0.0.1)' });
    await rehearsalItem.getByRole('button', { name: 'Rehearse again' }).click();
    await rehearsalItem.getByText('Type the database name "staging" to let the rehearsal clean it').waitFor();
    await rehearsalItem.getByLabel('Database name to clean').fill('staging');
    await rehearsalItem.getByRole('button', { name: 'Rehearse again' }).click();
    await rehearsalItem.getByText(/Rehearsal passed: .* into project "Staging"/).waitFor({ timeout: 120_000 });
    await passed('Restore rehearsed');
    await rehearsalItem.scrollIntoViewIfNeeded();
    await shot('03b-rehearsal-staging.png');

    // Platform backup attested (no Management API token in a practice project).
    await item('Prerequisites checked').getByText('Attest the platform backup').click();
    await item('Prerequisites checked').getByLabel('Backup id').fill('daily-2026-11-25');
    await item('Prerequisites checked').getByLabel('Your full name').fill('Alice Creator');
    await item('Prerequisites checked').getByLabel('Note').fill('Seen in Dashboard → Database → Backups');
    await item('Prerequisites checked').getByRole('button', { name: 'Attest platform backup' }).click();
    await passed('Prerequisites checked');

    // The dashboard mid-run: the last verified backup, how far the run is, who still signs, the next step as one button.
    await page.getByRole('button', { name: 'Dashboard' }).click();
    const practiceCard = page.locator('li.card', { has: page.getByRole('heading', { name: 'Practice production', exact: true }) });
    await practiceCard.getByText(/e2e-baseline\s*running · \d of 9 items passed/).waitFor();
    const glance = await practiceCard.innerText();
    expect(glance).toMatch(/Last verified backup\s+e2e-baseline, taken less than an hour ago/);
    expect(glance).toContain('still to sign: creator and verifier');
    expect(glance).toMatch(/Covered\. The platform backup lasts until \d{4}-\d\d-\d\d \d\d:\d\d UTC, after the window ends/);
    await shot('10-dashboard.png');
    await practiceCard.getByRole('button', { name: /^Continue: / }).click();
    await page.getByRole('heading', { name: /e2e-baseline/ }).waitFor();
    // The run as a stepper mid-run: the summary stays in view, the next step is marked, finished steps are one line each.
    const summary = page.getByRole('region', { name: 'Run summary' });
    expect(await summary.innerText()).toMatch(/6 of 9 items passed[\s\S]*Acceptance gate green[\s\S]*To sign: creator, verifier[\s\S]*Next: Backup log filled in/);
    expect(await page.locator('li.item[aria-current="step"] h3').innerText()).toBe('Backup log filled in');
    await page.getByRole('img', { name: /^Time per step: Backup created and encrypted [\d.]+ s, Storage objects backed up [\d.]+ s, Integrity verified [\d.]+ s, Restore rehearsed [\d.]+ s\.$/ }).waitFor();
    expect(await item('Integrity verified').locator('.evidence-line').innerText()).toMatch(/^\d+ of \d+ checks passed\.$/);
    expect(await item('Backup created and encrypted').locator('.evidence-line').innerText()).toMatch(/^31 tables in public, \d+ in all, [\d,]+ rows; [\d.]+ MiB encrypted with age\.$/);
    await summary.getByRole('button', { name: 'Next: Backup log filled in' }).click();
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Backup log filled in');
    await item('Integrity verified').getByRole('button', { name: 'Show details' }).click();
    await item('Integrity verified').getByRole('button', { name: 'Check again' }).waitFor();
    await item('Integrity verified').getByRole('button', { name: 'Hide details' }).click();
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('04c-stepper-mid-run.png');

    // Two-person sign-off, each with their own key: the same person or the same key cannot verify.
    const signOff = item('Two-person sign-off');
    await signOff.getByLabel('Creator’s full name').fill('Alice Creator');
    bridge.nextFiles.push(alice.keyFile);
    await signOff.getByRole('button', { name: 'Choose key file…' }).click();
    await signOff.getByText(alice.keyFile).waitFor();
    await signOff.getByRole('button', { name: 'Sign as creator' }).click();
    await signOff.getByText(`principal alice.creator, key ${alice.fingerprint}`).waitFor();
    await signOff.getByLabel('Verifier’s full name (a different person)').fill('alice  creator');
    bridge.nextFiles.push(bob.keyFile);
    await signOff.getByRole('button', { name: 'Choose key file…' }).click();
    await signOff.getByRole('button', { name: 'Sign as verifier' }).click();
    expect(await signOff.getByRole('alert').innerText()).toMatch(/must be a different person from the creator \(Alice Creator\)\. Ask a second person to verify/);
    await signOff.getByLabel('Verifier’s full name (a different person)').fill('Bob Verifier');
    bridge.nextFiles.push(alice.keyFile);
    await signOff.getByRole('button', { name: 'Choose key file…' }).click();
    await signOff.getByText(alice.keyFile).waitFor();
    await signOff.getByRole('button', { name: 'Sign as verifier' }).click();
    expect(await signOff.getByRole('alert').innerText()).toContain(`signed with the creator’s key (${alice.fingerprint})`);
    // Bob reviews on his own workstation: the review bundle goes to him with the backup file.
    bridge.nextFolders.push(exportDir);
    await signOff.getByRole('button', { name: 'Export review bundle…' }).click();
    const bundle = join(exportDir, 'review-e2e-baseline');
    await signOff.getByText(bundle).waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    await page.getByRole('button', { name: 'Review as verifier' }).click();
    bridge.nextFolders.push(bundle);
    await page.getByRole('button', { name: 'Choose review bundle…' }).click();
    bridge.nextFiles.push(join(backupDir, 'e2e-baseline.dump.age'));
    await page.getByRole('button', { name: 'Choose the backup file…' }).click();
    await page.getByLabel('Your full name (the verifier)').fill('Bob Verifier');
    bridge.nextFiles.push(bob.keyFile);
    await page.getByRole('button', { name: 'Choose key file…' }).click();
    await page.getByText(bob.keyFile).waitFor();
    await page.getByRole('button', { name: 'Check and sign' }).click();
    await page.getByText(`Signed as bob.verifier with ${bob.fingerprint}`).waitFor();
    expect(await page.locator('.checks').innerText()).toMatch(/PASS\s+Backup file matches the signed hash/);
    await shot('04a-review-as-verifier.png');
    // Back at the run, the signed bundle becomes the verifier's sign-off.
    await page.getByRole('button', { name: 'Backup runs' }).click();
    await page.getByRole('button', { name: 'e2e-baseline' }).click();
    await item('Two-person sign-off').getByLabel('Verifier’s full name (a different person)').fill('Bob Verifier');
    bridge.nextFolders.push(bundle);
    await item('Two-person sign-off').getByRole('button', { name: 'Import signed review bundle…' }).click();
    await passed('Two-person sign-off');
    await item('Two-person sign-off').getByText(`principal bob.verifier, key ${bob.fingerprint}`).waitFor();
    await item('Two-person sign-off').screenshot({ path: join(shots, '04b-two-keys-signed.png') });

    // Log preview, then the signed export into the picked folder; auditors' ssh-keygen agrees, for each person.
    const log = item('Backup log filled in');
    await log.getByRole('button', { name: 'Preview log' }).click();
    expect(await log.locator('pre').innerText()).toContain('| Created by | Alice Creator | alice.creator |');
    bridge.nextFolders.push(exportDir);
    await log.getByRole('button', { name: 'Export signed log…' }).click();
    await log.getByText('Signed log exported; every signature verifies.').waitFor();
    expect(await log.getByRole('status').innerText()).toContain(`Verifier bob.verifier: good signature, key ${bob.fingerprint}`);
    await passed('Backup log filled in');
    const logDir = join(exportDir, 'docs/phase2');
    const markdown = readdirSync(logDir).find((f) => f.endsWith('.md'))!;
    const ssh = sshVerify(join(logDir, markdown), join(logDir, 'allowed_signers'));
    expect(ssh.stdout + ssh.stderr).toMatch(/Good "backup-warden-log" signature/);
    const creatorSsh = sshVerify(join(logDir, markdown), join(logDir, 'allowed_signers'), 'alice.creator', join(logDir, `${markdown}.creator.sig`));
    expect(creatorSsh.stdout + creatorSsh.stderr).toMatch(/Good "backup-warden-log" signature for alice\.creator/);

    // Team notified, by a person who says where.
    const notify = item('Team notified');
    await notify.getByRole('button', { name: 'Show message' }).click();
    expect(await notify.locator('pre').innerText()).toContain('verified and signed off');
    await notify.getByLabel('Sent by').fill('Alice Creator');
    await notify.getByLabel('Where').fill('#db-migrations');
    await notify.getByRole('button', { name: 'Confirm sent' }).click();
    await passed('Team notified');
    await page.getByText('9 of 9 items passed').waitFor();
    expect(await page.getByRole('heading', { name: /e2e-baseline/ }).innerText()).toContain('succeeded');
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('04-run-checklist.png');

    // History and the audit trail with its chain status.
    // History and the way back into a run, by keyboard alone.
    await page.getByRole('button', { name: 'Backup runs' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'e2e-baseline' }).waitFor();
    await shot('05-history.png');
    await page.getByRole('button', { name: 'e2e-baseline' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('9 of 9 items passed').waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('run-title');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('← All runs');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Backup runs' }).waitFor();
    await page.getByRole('button', { name: 'Audit trail' }).click();
    const chain = await page.getByRole('status').innerText();
    expect(chain).toMatch(/Chain intact: (\d+) entries, each hashed with the one before\. Head \1:[0-9a-f]{64}/);
    // One sentence per entry, newest first; the raw details only on demand.
    const trail = page.getByRole('list', { name: 'Audit entries, newest first' });
    await trail.getByText(/^operator exported the signed backup log$/).first().waitFor();
    expect(await trail.innerText()).not.toMatch(/[{[]"/); // no raw JSON until Details is opened
    await shot('06-audit.png');
    // Narrowed to one run's sign-offs and searched for Bob: his sentence, its details when asked for.
    await page.getByRole('combobox', { name: /^Run/ }).selectOption({ label: 'e2e-baseline' });
    await page.getByLabel('Action').selectOption('signoff');
    await page.getByLabel('Search').fill('bob');
    await trail.getByText('Alice Creator signed as creator').waitFor({ state: 'detached' });
    expect(await trail.locator('.audit-sentence').allInnerTexts()).toEqual(['Bob Verifier signed as verifier', "Bob Verifier's sign-off as verifier was refused: same key as the creator"]);
    await trail.getByText('Details').first().click();
    expect(await trail.locator('dd.mono').first().innerText()).toBe('signoff.verifier');
    await shot('06a-audit-filtered.png');
    await page.getByRole('button', { name: 'Clear' }).click();
    bridge.nextFolders.push(exportDir);
    await page.getByRole('button', { name: 'Export CSV…' }).click();
    await page.getByText(/Exported \d+ entries to/).waitFor();
    const csv = readdirSync(exportDir).find((f) => /^backup-warden-audit-.+\.csv$/.test(f))!;
    expect(readFileSync(join(exportDir, csv), 'utf8')).toContain('notify.attested');

    // Settings: the PostgreSQL installations found here, and a tools folder looked in first. A folder
    // without PostgreSQL tools is refused; then a PostgreSQL that lacks citext is chosen.
    await page.getByRole('button', { name: 'Settings' }).click();
    const found = await page.getByRole('table', { name: 'PostgreSQL tools found here' }).innerText();
    expect(found).toMatch(/pg_dump\s+15\.\d+\s+\S+/);
    expect(found).toMatch(/initdb\s+15\.\d+/);
    const toolsField = page.getByLabel(/PostgreSQL tools folder/);
    await toolsField.fill(exportDir);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`${exportDir} holds none of pg_dump, pg_restore or initdb`).waitFor();
    await toolsField.fill(withoutCitext.binDir);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    expect(await page.getByRole('table', { name: 'PostgreSQL tools found here' }).innerText()).toContain(withoutCitext.binDir);
    await shot('08-settings.png');
    expect(t.warden.audit.list().at(-1)).toMatchObject({ action: 'settings.updated', details: { pgToolsDir: { before: null, after: withoutCitext.binDir } } });

    // The same backup rehearsed with that folder: partial, not green, with the extension, its table and what to do.
    await page.getByRole('button', { name: 'Backup runs' }).click();
    await page.getByRole('button', { name: 'e2e-baseline' }).click();
    await item('Restore rehearsed').getByRole('button', { name: 'Show details' }).click();
    await item('Restore rehearsed').getByRole('button', { name: 'Rehearse again' }).click();
    await item('Restore rehearsed').getByText(/Rehearsal PARTIAL/).waitFor({ timeout: 120_000 });
    t.warden.settings.update({ pgToolsDir: null });
    const partial = item('Restore rehearsed');
    expect(await partial.locator('.card-head .state-partial').innerText()).toBe('partial — not green');
    const lacking = await partial.getByRole('table', { name: 'Extensions this server lacks' }).innerText();
    expect(lacking).toContain('citext');
    expect(lacking).toContain('marketing.newsletter_subscribers');
    expect(lacking).toContain('not available on this PostgreSQL 15');
    expect(await partial.getByLabel('Restore errors by cause').innerText()).toMatch(/Needs an extension this server lacks: \d+/);
    await partial.scrollIntoViewIfNeeded();
    await shot('07-rehearsal-partial.png');

    // Rollback: the staging database (rehearsed into above) got rows after the backup; the loss preview
    // shows them, the database name is typed, a safety backup is taken, every table is checked after.
    const staging = new pg.Client({ ...cluster.target, user: 'staging_owner', database: 'staging' });
    await staging.connect();
    await staging.query(`INSERT INTO public.forum_comments (post_id, author_id, body) SELECT post_id, author_id, 'after the backup' FROM public.forum_comments LIMIT 5`);
    await staging.end();
    const stagingProject = t.warden.projects.list().find((p) => p.name === 'Staging')!;
    await t.warden.projects.update(stagingProject.id, { apiUrl: stagingStorage.url, secrets: { serviceRoleKey: stagingStorage.serviceKey } });
    const rollback = page.getByRole('region', { name: 'Roll back to this backup' });
    await rollback.getByLabel('Restore into').selectOption({ label: 'Staging (staging) — staging' });
    await rollback.getByRole('button', { name: 'Show what will be lost' }).click();
    const loss = await rollback.getByRole('table', { name: 'What the restore will discard' }).innerText();
    expect(loss).toMatch(/public\.forum_comments\s+[\d,]+\s+[\d,]+\s+5\s+created_at/);
    expect(await rollback.getByRole('button', { name: 'Restore into Staging' }).isDisabled()).toBe(true);
    // Storage too (checked by default): staging's Storage is empty, so every object comes back, in buckets created for them.
    const storageLoss = rollback.getByTestId('storage-loss');
    expect(await storageLoss.getByRole('checkbox', { name: /Also restore Storage objects: 6 objects from avatars, documents/ }).isChecked()).toBe(true);
    expect(await storageLoss.innerText()).toMatch(/6 brought back, 0 replaced by their backed-up version; 0 not in the backup are left as they are; buckets created private: avatars, documents/);
    await rollback.getByLabel(/Type the database name/).fill('staging');
    await rollback.scrollIntoViewIfNeeded();
    await shot('09-rollback-preview.png');
    await rollback.getByRole('button', { name: 'Restore into Staging' }).click();
    await rollback.getByText('Restored and verified').waitFor({ timeout: 120_000 });
    expect(await rollback.innerText()).toMatch(/Checked \d+ tables, [\d,]+ rows against the backup: all as in the backup\./);
    expect(await rollback.innerText()).toMatch(/Safety backup of what was replaced: .*safety-before-restore-/);
    expect(await rollback.innerText()).toContain('Storage: 6 objects uploaded again; buckets created (private, check their settings): avatars, documents.');
    expect(stagingStorage.objects()).toHaveLength(6);
    await rollback.scrollIntoViewIfNeeded();
    await shot('09-rollback-done.png');

    // Platform rollback: with a Supabase ref and token, point-in-time recovery to the backup's moment,
    // requested only once the ref is typed and the verifier confirms.
    const practice = t.warden.projects.list().find((p) => p.name === 'Practice production')!;
    await t.warden.projects.update(practice.id, { supabaseRef: 'pitraaaaaaaaaaaaaaaa', secrets: { managementToken: SUPABASE_TOKEN } });
    await page.getByRole('button', { name: 'Backup runs' }).click();
    await page.getByRole('button', { name: 'e2e-baseline' }).click();
    const platformRollback = page.getByRole('region', { name: 'Roll back to this backup' }).getByLabel('Platform rollback');
    const pitrButton = platformRollback.getByRole('button', { name: 'Point-in-time restore to this backup' });
    expect(await pitrButton.isDisabled()).toBe(true);
    await platformRollback.getByLabel(/Type the project ref/).fill('pitraaaaaaaaaaaaaaaa');
    await platformRollback.getByLabel('The run’s verifier types their name').fill('Bob Verifier');
    await pitrButton.click();
    await platformRollback.getByText(/^Supabase accepted the point-in-time recovery of pitraaaaaaaaaaaaaaaa to /).waitFor();
    expect(supabase.pitrRequests).toHaveLength(1);
    await platformRollback.scrollIntoViewIfNeeded();
    await shot('09-rollback-platform.png');

    // The retention watch: the next migration of staging is planned for tomorrow, but its platform backup
    // (Pro: 7 days, taken 5 days ago) expires in the middle of the window — the dashboard shows the overlap.
    const nextMigration = await t.warden.backups.run({ projectId: stagingProject.id, name: 'e2e-next-migration' }, { outputDir: backupDir });
    const nowMs = Date.now();
    t.warden.platform.attest(nextMigration.runId, {
      backupId: 'daily-staging', status: 'COMPLETED', insertedAt: new Date(nowMs - 5 * 86_400_000).toISOString(), plan: 'pro',
      migrationWindow: { start: new Date(nowMs + 86_400_000).toISOString(), end: new Date(nowMs + 3 * 86_400_000).toISOString() }, attestedBy: 'Alice Creator',
    });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.getByRole('button', { name: 'Dashboard' }).click();
    await page.getByRole('alert').filter({ hasText: 'A migration window is no longer covered by its platform backup' }).waitFor();
    const stagingCard = page.locator('li.card', { has: page.getByRole('heading', { name: 'Staging', exact: true }) });
    await stagingCard.getByRole('img', { name: /^e2e-next-migration: platform backup from .* the platform backup expires before the window ends\.$/ }).waitFor();
    expect(await stagingCard.locator('.timeline figcaption').innerText()).toMatch(/^At risk\. The platform backup daily-staging expires .* \(7-day retention\), during the migration window/);
    expect(await stagingCard.getByText('not covered by the platform backup').count()).toBe(1);
    // Its backups by size: the safety backup the rollback took, then this one.
    await stagingCard.getByRole('img', { name: /^Backup sizes, 2 backups from safety-before-restore-.* to e2e-next-migration/ }).waitFor();
    await stagingCard.scrollIntoViewIfNeeded();
    await stagingCard.screenshot({ path: join(shots, '11-retention-watch.png') });
    await shot('11a-dashboard-at-risk.png');

    // Accessibility: no serious or critical axe-core violation on any screen photographed above.
    writeFileSync(join(shots, '../accessibility.json'), JSON.stringify(accessibility, null, 2));
    expect(accessibility.filter((f) => f.impact === 'serious' || f.impact === 'critical')).toEqual([]);

    // The secret never reached the page after it was typed; no script error or CSP violation happened.
    expect(await page.content()).not.toContain(password);
    expect(pageErrors).toEqual([]);
    for (const name of ['01-projects', '02-backup-progress', '03-rehearsal', '03a-rehearsal-cancelled', '03b-rehearsal-staging', '04-run-checklist', '05-history', '06-audit', '07-rehearsal-partial', '08-settings', '01a-project-form-tls', '01b-tables-proposal', '01c-supabase-lookup', '09-rollback-preview', '09-rollback-done', '09-rollback-platform', '03c-recovery-check', '03d-storage-choice', '03d-storage', '10-dashboard', '11-retention-watch', '06a-audit-filtered', '03e-rehearsal-chart', '04c-stepper-mid-run', '11a-dashboard-at-risk']) {
      expect(statSync(join(shots, `${name}.png`)).size).toBeGreaterThan(10_000);
    }
  });
});
