import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { attestRecentPlatformBackup, practiceProject } from '../helpers/practice';
import { createHandlers } from '../../src-main/app/ipc/handlers';
import { createIpcRouter } from '../../src-main/app/ipc/router';
import { spawnCli } from '../helpers/cli';
import { findProcesses } from '../helpers/proc';
import { sqlOn } from '../helpers/sql';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';
import { creatorKey, verifierKey } from '../helpers/sshKeys';
import { startFakeStorage, type FakeStorage } from '../helpers/fakeStorage';
import type { PracticeStorage } from '../../src-main/core/practice/practiceStorage';
import { until } from '../helpers/until';

// Issue 14, rollback: a verified backup restored into a live database, with the loss shown first, a
// typed confirmation, the run's verifier for production, a verified safety backup, a check of every
// table afterwards, and a cancelled restore that says the target is partly restored.
const t = openTestWarden('alice', { sharedKeychain: true });
const { warden } = t;
const out = tempDir('bw-rollback-');
let cluster: ScratchCluster;
let runId: string;
let targetId: string;
let sourceStorage: PracticeStorage;

const sql = (query: string, database = 'rollback_prod', params?: unknown[]) => sqlOn({ ...cluster.target, database }, query, params);
const count = async (table: string, database = 'rollback_prod') => (await sql(`SELECT count(*)::int AS n FROM ${table}`, database)).rows[0].n as number;
const decryptedDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('bw-restore-'));

beforeAll(async () => {
  let projectId: string;
  ({ cluster, projectId, storage: sourceStorage } = await practiceProject(warden));
  const backup = await warden.backups.run({ projectId, name: 'before-migration' }, { outputDir: out.dir });
  runId = backup.runId;
  expect((await warden.storage.backup(runId)).consistency?.ok).toBe(true);
  expect((await warden.integrity.verify(runId)).ok).toBe(true);
  expect((await warden.rehearsal.rehearse(runId)).ok).toBe(true);
  attestRecentPlatformBackup(warden, runId);
  await warden.signOffs.signOff(runId, { role: 'creator', name: 'Alice Creator', keyFile: creatorKey().keyFile });
  await warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Verifier', keyFile: verifierKey().keyFile });
  // The production database the migration went wrong on: owned by the role the profile connects as.
  await sql(`CREATE ROLE prod_owner LOGIN PASSWORD '${cluster.target.password}'`, 'postgres');
  await sql('CREATE DATABASE rollback_prod OWNER prod_owner', 'postgres');
  await sql('CREATE SCHEMA extensions AUTHORIZATION prod_owner; CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions', 'rollback_prod');
  const target = await warden.projects.create({
    name: 'Production after migration', environment: 'production', host: cluster.target.host, port: cluster.target.port,
    database: 'rollback_prod', user: 'prod_owner', sslmode: 'disable', secrets: { dbPassword: cluster.target.password }, expectedTables: [],
  });
  targetId = target.id;
  // It held the backed-up data, then the failed migration added rows after the backup.
  await warden.rehearsal.restoreTo(runId, { targetProjectId: targetId, confirmDatabase: 'rollback_prod' });
  await sql(`INSERT INTO public.forum_comments (post_id, author_id, body) SELECT post_id, author_id, 'after the backup ' || g FROM public.forum_comments, generate_series(1, 3) g LIMIT 7`);
}, 240_000);

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
});

describe('rollback (guarded restore)', () => {
  it('the loss preview shows, per table, the rows now, in the backup, and those added after the backup', async () => {
    const preview = await warden.rollback.preview(runId, targetId);
    expect(preview.target).toMatchObject({ projectName: 'Production after migration', environment: 'production', database: 'rollback_prod', serverVersion: expect.stringMatching(/^\d+\.\d+/) });
    const comments = preview.tables.find((r) => r.table === 'public.forum_comments')!;
    expect(comments.rowsNow).toBe(comments.rowsInBackup! + 7);
    expect(comments).toMatchObject({ newestColumn: 'created_at', rowsAfterBackup: 7 });
    const unchanged = preview.tables.filter((r) => r.table !== 'public.forum_comments' && r.rowsNow !== null);
    expect(unchanged.length).toBeGreaterThan(20);
    for (const r of unchanged) expect([r.table, r.rowsNow, r.rowsAfterBackup ?? 0]).toEqual([r.table, r.rowsInBackup, 0]);
    expect(preview).toMatchObject({ needsSecondPerson: true, verifier: 'Bob Verifier', totals: { rowsAfterBackup: 7 } });
  });

  it('refuses a wrong database name, a production restore without the verifier, and a confirmation by someone else — nothing changes', async () => {
    const before = await count('public.forum_comments');
    await expect(warden.rollback.restore(runId, { targetProjectId: targetId, confirmDatabase: 'rollback', confirmedBy: 'Bob Verifier' })).rejects.toMatchObject({
      code: 'VALIDATION', message: expect.stringContaining('type its database name "rollback_prod" exactly'),
    });
    await expect(warden.rollback.restore(runId, { targetProjectId: targetId, confirmDatabase: 'rollback_prod' })).rejects.toMatchObject({
      code: 'FORBIDDEN', message: expect.stringContaining("needs a second person: the run's verifier (Bob Verifier) confirms by name, or an override"),
    });
    await expect(warden.rollback.restore(runId, { targetProjectId: targetId, confirmDatabase: 'rollback_prod', confirmedBy: 'Alice Creator' })).rejects.toMatchObject({
      code: 'FORBIDDEN', message: expect.stringContaining("Only the run's verifier (Bob Verifier) can confirm"),
    });
    expect(await count('public.forum_comments')).toBe(before);
    expect(warden.restores.list(runId)).toEqual([]);
    expect(warden.audit.list({ runId }).slice(-3).map((e) => e.action)).toEqual(['restore.refused', 'restore.refused', 'restore.refused']);
  });

  it('a confirmed rollback takes a verified safety backup, restores the backup’s exact counts and fingerprints, and says so', async () => {
    const manifest = warden.artifacts.backup(runId).manifest;
    const replaced = await count('public.forum_comments');
    const record = await warden.rollback.restore(runId, { targetProjectId: targetId, confirmDatabase: 'rollback_prod', confirmedBy: 'bob verifier' });
    expect(record).toMatchObject({ state: 'restored', phase: 'done', confirmedBy: 'Bob Verifier', overrideReason: null, verified: { tables: manifest.tables.length, rows: manifest.totals.rows, mismatches: [] }, error: null });
    expect(await count('public.forum_comments')).toBe(manifest.tables.find((x) => x.schema === 'public' && x.name === 'forum_comments')!.rows);
    // The state it replaced is kept, verified: its own run with the 7 rows added after the backup.
    expect(existsSync(record.safetyFile!)).toBe(true);
    const safety = warden.artifacts.backup(record.safetyRunId!).manifest;
    expect(safety.tables.find((x) => x.schema === 'public' && x.name === 'forum_comments')!.rows).toBe(replaced);
    expect(warden.runs.items(record.safetyRunId!).find((i) => i.key === 'integrity')!.state).toBe('failed'); // unconfirmed expected tables, but the file checks passed
    expect(warden.runs.items(record.safetyRunId!).find((i) => i.key === 'backup')!.state).toBe('passed');
    expect(warden.audit.list({ runId }).map((e) => e.action)).toEqual(expect.arrayContaining(['restore.requested', 'restore.started', 'restore.completed', 'restore.verified']));
    expect(decryptedDirs()).toEqual([]);
  });

  it('with Storage: the preview says what uploading the archive changes; the restore backs up the target’s Storage first, uploads every object again, creates a missing bucket, keeps newer objects, and checks them all', async () => {
    const backedUp = sourceStorage.objects();
    const avatars = backedUp.filter((o) => o.bucket === 'avatars');
    const [gone, changed] = [avatars[0]!, avatars[1]!];
    // The target's Storage after the failed migration: an avatar deleted, one replaced by other bytes, a new
    // upload, and the exports bucket dropped altogether.
    const after = [
      ...backedUp.filter((o) => o !== gone && o !== changed && o.bucket !== 'exports'),
      { ...changed, size: changed.size + 17 },
      { bucket: 'avatars', path: 'cohort-new/uploaded-after-the-backup.png', size: 4321, contentType: 'image/png' },
    ];
    const exportsCount = backedUp.filter((o) => o.bucket === 'exports').length;
    const target: FakeStorage = await startFakeStorage(after, 'sb_secret_rollbacktargetkey0123456789ab');
    try {
      await warden.projects.update(targetId, { apiUrl: target.url, secrets: { serviceRoleKey: target.serviceKey } });
      const preview = await warden.rollback.preview(runId, targetId);
      expect(preview.storage).toEqual({
        unavailable: null,
        preview: expect.objectContaining({
          objects: backedUp.length, buckets: ['avatars', 'documents', 'exports'], missingBuckets: ['exports'],
          broughtBack: 1 + exportsCount, replaced: backedUp.length - 1 - exportsCount,
          changedSince: { count: 1, sample: [`${changed.bucket}/${changed.path}`] }, keptNotInBackup: 1,
        }),
      });
      const progress: string[] = [];
      const record = await warden.rollback.restore(runId, { targetProjectId: targetId, confirmDatabase: 'rollback_prod', confirmedBy: 'Bob Verifier', withStorage: true }, { onStorageProgress: (p) => progress.push(p.phase) });
      expect(record).toMatchObject({ state: 'restored', verified: { mismatches: [], storage: { objects: backedUp.length, createdBuckets: ['exports'] } } });
      expect(progress).toContain('uploading');
      for (const o of backedUp) expect([o.path, await target.sha256(o.bucket, o.path)]).toEqual([o.path, await sourceStorage.sha256(o.bucket, o.path)]);
      expect(await target.sha256('avatars', 'cohort-new/uploaded-after-the-backup.png')).not.toBeNull();
      // The way back for Storage too: the safety run holds the target's objects as they were, the changed one included.
      const safety = warden.artifacts.storage(record.safetyRunId!)!;
      expect(safety.manifest.objects.find((o) => o.path === changed.path)!.size).toBe(changed.size + 17);
      expect(safety.manifest.objects.some((o) => o.path === gone.path)).toBe(false);
      expect(warden.audit.list({ runId }).find((e) => e.action === 'restore.storage-uploaded')!.details).toMatchObject({ objects: backedUp.length, createdBuckets: ['exports'], mismatches: 0 });
    } finally {
      await warden.projects.update(targetId, { apiUrl: null, secrets: { serviceRoleKey: null } });
      await target.close();
    }
  });

  it('a restore cancelled while pg_restore runs leaves no decrypted file, marks the target partially restored and names the safety backup', async () => {
    const controller = new AbortController();
    const watcher = setInterval(() => {
      if (findProcesses('pg_restore').some((p) => p.argv.some((a) => a.includes('rollback_prod')))) controller.abort();
    }, 20);
    try {
      await expect(
        warden.rollback.restore(runId, { targetProjectId: targetId, confirmDatabase: 'rollback_prod', overrideReason: 'Bob is away; incident INC-42 approved by the on-call lead' }, { signal: controller.signal }),
      ).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      clearInterval(watcher);
    }
    const last = warden.restores.list(runId).at(-1)!;
    expect(last).toMatchObject({ state: 'partially-restored', overrideReason: 'Bob is away; incident INC-42 approved by the on-call lead', error: expect.stringContaining('is the way back') });
    expect(existsSync(last.safetyFile!)).toBe(true);
    expect(decryptedDirs()).toEqual([]);
    expect(findProcesses('pg_restore')).toEqual([]);
    expect(warden.audit.list({ runId }).at(-1)).toMatchObject({ action: 'restore.partially-restored' });
  });

  it('from the app: Cancel stops a running restore (cancelRestore), the same way', async () => {
    const announced: string[] = [];
    const dispatch = createIpcRouter(createHandlers(warden, { pickFolder: async () => null, pickFile: async () => null, emit: (event, payload) => event === 'runChanged' && (payload as { runId: string }).runId === runId && void announced.push(warden.restores.list(runId).at(-1)!.phase) }), () => true);
    const restoring = dispatch('restore', { runId, targetProjectId: targetId, confirmDatabase: 'rollback_prod', confirmedBy: 'Bob Verifier' }, 'app://warden/');
    await until(() => findProcesses('pg_restore').some((p) => p.argv.some((a) => a.includes('rollback_prod'))));
    expect(await dispatch('cancelRestore', { targetProjectId: targetId }, 'app://warden/')).toEqual({ ok: true, value: true });
    expect(await restoring).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(warden.restores.list(runId).at(-1)).toMatchObject({ state: 'partially-restored' });
    expect(decryptedDirs()).toEqual([]);
    // The run view was told as each phase began: it shows where the restore is.
    expect(announced.slice(0, 2)).toEqual(['safety-backup', 'restoring']);
    expect(announced.at(-1)).toBe('done');
  });

  it('from the command line: preview, Ctrl-C during the restore (exit 130, nothing decrypted or secret left), then a rollback that verifies', async () => {
    const childTmp = mkdtempSync(join(tmpdir(), 'bw-rollback-cli-'));
    const env = { ...process.env, TMPDIR: childTmp };
    const cli = (args: string[]) => spawnCli(args, { dataDir: t.dataDir, env });
    try {
      const preview = await cli(['restore', 'preview', runId, '--target', 'Production after migration']).done;
      expect(preview.code, preview.stderr).toBe(0);
      expect(preview.stdout).toMatch(/^Target: Production after migration \(production\) prod_owner@.+\/rollback_prod, PostgreSQL \d+/m);
      expect(preview.stdout).toMatch(/^Storage: cannot be restored into this target: Project "Production after migration" has no Supabase project ref or API URL/m);
      const args = ['restore', runId, '--target', 'Production after migration', '--confirm-database', 'rollback_prod', '--confirmed-by', 'Bob Verifier'];
      // With Storage into a target whose Storage cannot be reached: refused before anything changes.
      const restoresBefore = warden.restores.list(runId).length;
      const noStorage = await cli([...args, '--with-storage']).done;
      expect(noStorage.code).not.toBe(0);
      expect(noStorage.stderr).toMatch(/has no Supabase project ref or API URL: its Storage cannot be reached/);
      expect(warden.restores.list(runId)).toHaveLength(restoresBefore);
      const { child, done } = cli(args);
      await until(() => findProcesses('pg_restore').some((p) => p.argv.some((a) => a.includes('rollback_prod'))));
      child.kill('SIGINT');
      const cancelled = await done;
      expect(cancelled.code, cancelled.stderr).toBe(130);
      expect(cancelled.stderr).toMatch(/error \(CANCELLED\): The restore was cancelled by the operator/);
      expect(readdirSync(childTmp).filter((d) => /^bw-(restore|pass)-/.test(d))).toEqual([]);
      expect(warden.restores.list(runId).at(-1)).toMatchObject({ state: 'partially-restored' });
      const restored = await cli(args).done;
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toMatch(/^Restored and verified: \d+ tables, \d+ rows as in the backup\.$/m);
      expect(restored.stdout).toMatch(/^Safety backup of what was replaced: .+safety-before-restore-.+\.dump\.age \(run [0-9a-f-]{36}\)$/m);
    } finally {
      rmSync(childTmp, { recursive: true, force: true });
    }
  });
});

describe('cancelled from another process', () => {
  it('"cancel restore" reaches a restore the command line runs, in any phase: here its safety backup, waiting behind a lock, so nothing changed', async () => {
    const childTmp = mkdtempSync(join(tmpdir(), 'bw-rollback-cancel-'));
    const env = { ...process.env, TMPDIR: childTmp };
    // A migration still holds a lock in the target: the safety backup waits behind it.
    const migration = new pg.Client({ ...cluster.target, database: 'rollback_prod' });
    await migration.connect();
    await migration.query('BEGIN; LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE');
    const before = await sql('SELECT count(*)::int AS n FROM public.forum_comments', 'rollback_prod');
    const restoresBefore = warden.restores.list(runId).length;
    const safetyBefore = new Set(warden.runs.list(targetId).map((r) => r.id));
    try {
      const { done } = spawnCli(['restore', runId, '--target', 'Production after migration', '--confirm-database', 'rollback_prod', '--confirmed-by', 'Bob Verifier'], { dataDir: t.dataDir, env });
      // This restore's own safety run: an earlier restore's stays open (its checklist is not complete).
      const safetyRun = () => warden.runs.list(targetId).find((r) => r.name.startsWith('safety-before-restore-') && r.status === 'running' && !safetyBefore.has(r.id));
      await until(() => warden.restores.list(runId).length > restoresBefore && safetyRun() !== undefined);
      const safetyId = safetyRun()!.id;
      const cancel = await spawnCli(['cancel', 'restore', 'Production after migration'], { dataDir: t.dataDir, env }).done;
      expect(cancel.code, cancel.stderr).toBe(0);
      expect(cancel.stdout).toMatch(/^The restore has stopped and removed its decrypted copy\./m);
      const restoring = await done;
      expect(restoring.code, restoring.stderr).toBe(130);
      expect(restoring.stderr).toMatch(/error \(CANCELLED\): The restore was cancelled by the operator/);
      expect(warden.restores.list(runId).at(-1)).toMatchObject({ state: 'cancelled', phase: 'done', error: expect.stringContaining('Nothing was changed in the target.') });
      expect(warden.runs.list(targetId).find((r) => r.id === safetyId)).toMatchObject({ status: 'cancelled' });
      const requested = warden.audit.list({ limit: 10_000 }).filter((e) => e.action === 'cancel.requested').at(-1);
      expect(requested).toMatchObject({ projectId: targetId, runId, details: { kind: 'restore' } });
      expect(readdirSync(childTmp).filter((d) => /^bw-(restore|pass)-/.test(d))).toEqual([]);
      // Nothing is running any more: a second cancel says so.
      const again = await spawnCli(['cancel', 'restore', 'Production after migration'], { dataDir: t.dataDir, env }).done;
      expect(again.stdout).toContain('No restore into this project was running.');
    } finally {
      await migration.query('ROLLBACK');
      await migration.end();
      rmSync(childTmp, { recursive: true, force: true });
    }
    expect(await sql('SELECT count(*)::int AS n FROM public.forum_comments', 'rollback_prod')).toMatchObject({ rows: before.rows });
  });
});

describe('the integrity check cancels too', () => {
  it('Ctrl-C from the CLI mid-check: exit 130, the item says cancelled, nothing decrypted left; Cancel in the app the same', async () => {
    const childTmp = mkdtempSync(join(tmpdir(), 'bw-verify-cli-'));
    try {
      const { child, done } = spawnCli(['verify', runId], { dataDir: t.dataDir, env: { ...process.env, TMPDIR: childTmp } });
      const integrity = () => warden.runs.items(runId).find((i) => i.key === 'integrity')!.state;
      await until(() => integrity() === 'running');
      // Paused first, so the signal lands mid-check however fast the check is.
      child.kill('SIGSTOP');
      child.kill('SIGINT');
      child.kill('SIGCONT');
      const result = await done;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toMatch(/error \(CANCELLED\): The integrity check was cancelled by the operator/);
      expect(readdirSync(childTmp).filter((d) => d.startsWith('bw-'))).toEqual([]); // (tsx keeps its cache there)
      expect(warden.runs.items(runId).find((i) => i.key === 'integrity')).toMatchObject({ state: 'failed', evidence: { error: expect.stringContaining('cancelled by the operator') } });
      expect(warden.audit.list({ runId }).at(-1)).toMatchObject({ action: 'verify.cancelled' });

      const dispatch = createIpcRouter(createHandlers(warden, { pickFolder: async () => null, pickFile: async () => null, emit: () => undefined }), () => true);
      const checking = dispatch('checkIntegrity', { runId }, 'app://warden/');
      expect(await dispatch('cancelCheck', { runId }, 'app://warden/')).toEqual({ ok: true, value: true });
      expect(await checking).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      expect(decryptedDirs()).toEqual([]);
      // Checked again, it is green again.
      expect((await warden.integrity.verify(runId)).ok).toBe(true);
    } finally {
      rmSync(childTmp, { recursive: true, force: true });
    }
  });
});
