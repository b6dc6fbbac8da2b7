import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { practiceExpectedTables } from '../../src-main/contract/constants';
import type { StatusReport } from '../../src-main/contract/status';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { protectionAlert } from '../../src-main/core/watch/projectStatus';
import { runCli } from '../helpers/cli';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// The retention watch and state at a glance, through `backup-warden status` on the data directory the core
// wrote: a fixed clock (--at) decides, not the time the test happens to run.
const DAY = 86_400_000;
const t = openTestWarden('Alice Creator');
const out = tempDir('bw-status-');
let cluster: ScratchCluster;
let close: () => Promise<void>;
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
let risky: { projectId: string; runId: string; file: string };
let safe: { projectId: string; runId: string };

/** A backup run of a project whose platform backup (Pro: 7 days) was taken an hour ago, checked against a migration window. */
async function backupWithWindow(projectId: string, name: string, window: { start: number; end: number }) {
  const result = await t.warden.backups.run({ projectId, name }, { outputDir: out.dir });
  t.warden.platform.attest(result.runId, {
    backupId: `daily-${name}`, status: 'COMPLETED', insertedAt: iso(now - 3_600_000), plan: 'pro',
    migrationWindow: { start: iso(window.start), end: iso(window.end) }, attestedBy: 'Alice Creator',
  });
  return { projectId, runId: result.runId, file: t.warden.artifacts.backupPath(result.runId)! };
}

beforeAll(async () => {
  const practice = await practiceProject(t.warden, 1);
  cluster = practice.cluster;
  close = () => practice.storage.close();
  // Expires in 7 days less an hour: inside a window from day 6 to day 8.
  risky = await backupWithWindow(practice.projectId, 'risky', { start: now + 6 * DAY, end: now + 8 * DAY });
  // A second profile of the same database, whose window the platform backup outlives.
  const target = await t.warden.projects.target(practice.projectId);
  const second = await t.warden.projects.create({
    name: 'Safe profile', environment: 'staging', host: target.host, port: target.port, database: target.database, user: target.user,
    sslmode: 'disable', expectedTables: [...practiceExpectedTables], secrets: { dbPassword: target.password },
  });
  safe = await backupWithWindow(second.id, 'safe', { start: now + 2 * DAY, end: now + 3 * DAY });
}, 180_000);

afterAll(async () => {
  await close?.();
  await cluster?.stop();
  t.close();
  out.cleanup();
});

const status = async (...args: string[]) => {
  const r = await runCli(['status', ...args], { dataDir: t.dataDir, entry: 'bundle' });
  return { ...r, report: args.includes('--json') ? (JSON.parse(r.stdout) as StatusReport) : null };
};

describe('backup-warden status: the retention watch', () => {
  it('exits 1 when a platform backup expires inside its run’s migration window, naming run, expiry and window', async () => {
    const r = await status('--at', iso(now + DAY));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('PROTECTION AT RISK');
    expect(r.stdout).toMatch(new RegExp(`AT-RISK +risky: window ${iso(now + 6 * DAY)} – ${iso(now + 8 * DAY)}; platform backup until ${iso(now - 3_600_000 + 7 * DAY)}`));
    expect(r.stdout).toContain('during the migration window');
    expect(r.stdout).toMatch(/PROTECTED +safe: /);
  });

  it('exits 0 for a project whose window the platform backup outlives', async () => {
    const r = await status('--project', 'Safe profile', '--at', iso(now + DAY), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.report!.ok).toBe(true);
    expect(r.report!.projects.map((p) => p.projectName)).toEqual(['Safe profile']);
    expect(r.report!.projects[0]!.watch).toMatchObject([{ runName: 'safe', state: 'protected', localBackup: { present: true } }]);
    expect(protectionAlert(r.report!)).toBeNull();
  });

  it('says lapsed once the platform backup has expired while the window is still ahead, and stops watching after the window', async () => {
    const lapsed = await status('--at', iso(now + 7 * DAY), '--json');
    expect(lapsed.code).toBe(1);
    const watch = lapsed.report!.projects.flatMap((p) => p.watch);
    expect(watch.find((w) => w.runName === 'risky')).toMatchObject({ state: 'lapsed', reasons: [expect.stringMatching(/expired .*before the migration window ends/)] });
    // The app's desktop notification on start names it.
    expect(protectionAlert(lapsed.report!)).toEqual({ title: 'A migration window is not covered', body: expect.stringMatching(/^Practice \w+ \/ risky: protection lapsed\n/) });
    // The safe run's window ended on day 3: no longer watched.
    expect(watch.find((w) => w.runName === 'safe')).toBeUndefined();
    const after = await status('--at', iso(now + 9 * DAY));
    expect(after.code, after.stdout).toBe(0);
  });

  it('reports the project’s state at a glance: last verified backup, next step, warnings, one next action', async () => {
    await t.warden.storage.outOfScope(safe.runId, 'Alice Creator', 'This profile is a second view of the same database; Storage is backed up with the first.');
    await t.warden.integrity.verify(safe.runId);
    const r = await status('--project', 'Safe profile', '--at', iso(now + DAY), '--json');
    const p = r.report!.projects[0]!;
    expect(p.lastVerified).toMatchObject({ runId: safe.runId, name: 'safe' });
    expect(p.lastVerified!.ageHours).toBeGreaterThan(23);
    expect(p.current).toMatchObject({ runId: safe.runId, passed: 4, total: 9, signersLeft: ['creator', 'verifier'], next: { key: 'recovery' } });
    expect(p.current!.gateLeft).toEqual(['Restore rehearsed']);
    expect(p.next).toEqual({ action: 'open-run', label: 'Continue: Backup opens without this workstation', runId: safe.runId });
    expect(p.warnings.map((w) => w.kind)).toContain('key-not-escrowed');
    expect(p.sizes).toEqual([{ runId: safe.runId, name: 'safe', takenAt: expect.any(String), bytes: expect.any(Number) }]);
    expect(p.sizes[0]!.bytes).toBeGreaterThan(10_000);
    const text = await status('--project', 'Safe profile', '--at', iso(now + DAY));
    expect(text.stdout).toMatch(/next +Backup opens without this workstation — Open the backup with the escrowed recovery key/);
    expect(text.stdout).toMatch(/sign-off waits for Restore rehearsed; to sign: creator, verifier/);
    expect(text.stdout).toMatch(/^ {2}backup sizes {10}[\d.]+ (KiB|MiB) \(oldest to newest\)$/m);
  });

  it('a run whose local backup file is gone has lapsed, even when the platform backup covers the window', async () => {
    rmSync(risky.file);
    const r = await status('--at', iso(now + DAY), '--json');
    const w = r.report!.projects.flatMap((p) => p.watch).find((x) => x.runName === 'risky')!;
    expect(w).toMatchObject({ state: 'lapsed', localBackup: { present: false } });
    expect(w.reasons.join(' ')).toContain('The local backup file of this run is gone');
  });

  it('refuses a time that is not ISO 8601', async () => {
    const r = await status('--at', 'friday');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--at must be an ISO 8601 date-time/);
  });
});
