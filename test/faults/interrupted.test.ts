import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../src-main/app/ipc/handlers';
import { createIpcRouter } from '../../src-main/app/ipc/router';
import { AuditTrail } from '../../src-main/core/audit/auditTrail';
import { openDatabase } from '../../src-main/core/db/database';
import { startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import { postmasterPid } from '../../src-main/core/pgtools/postmaster';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { KeychainVault } from '../../src-main/core/vault/vault';
import { openWarden, type Warden } from '../../src-main/core/warden';
import { runCli, spawnCli } from '../helpers/cli';
import { findProcesses } from '../helpers/proc';
import { tempDir } from '../helpers/tmp';
import { PRACTICE_BREAK_GLASS } from '../helpers/practice';

// kill -9 in the middle of the work, and two backups of one project at once, across processes: the
// CLI in a child process and the core in this one share a data directory, as the CLI and the app do.
const work = tempDir('bw-interrupt-');
const dataDir = join(work.dir, 'data');
const out = join(work.dir, 'backups');
// The children's temp dir, private so leftovers can be counted; postgres must traverse it.
const childTmp = mkdtempSync(join(tmpdir(), 'bw-interrupt-tmp-'));
chmodSync(childTmp, 0o711);
const env = { ...process.env, TMPDIR: childTmp };
let password: string;
let cluster: ScratchCluster;
let projectId: string;

const open = (): Warden => openWarden({ dataDir, vault: new KeychainVault(), actor: 'tester' });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
}
const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};
const partialBytes = (file: string) => (existsSync(file) ? statSync(file).size : 0);
/** Every file under dir (recursively) whose bytes contain text. */
const filesHolding = (dir: string, text: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => {
      try {
        return statSync(f).isFile() && readFileSync(f).includes(text);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    });
const tempLeftovers = () => readdirSync(childTmp).filter((d) => d.startsWith('bw-scratch-') || d.startsWith('bw-restore-'));
/** The scratch server folder a rehearsal of runId registered as its leftover: in memory or in the temp folder (scratchPlacement). */
function scratchOf(runId: string): string | undefined {
  const db = openDatabase(join(dataDir, 'warden.sqlite'));
  try {
    const row = db.prepare(`SELECT leftovers FROM activities WHERE run_id = ? AND kind = 'rehearsal'`).get(runId) as { leftovers: string } | undefined;
    return (JSON.parse(row?.leftovers ?? '[]') as { kind: string; path: string }[]).find((l) => l.kind === 'scratch-cluster')?.path;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  mkdirSync(out);
  const server = await startPracticeServer({ targetBytes: 80e6 });
  cluster = server.cluster;
  const { source } = server;
  password = source.password;
  const w = open();
  const project = await w.projects.create({
    name: 'Interrupted practice', environment: 'production', host: source.host, port: source.port,
    database: source.database, user: source.user, sslmode: 'disable', secrets: { dbPassword: source.password }, extraRecipients: [PRACTICE_BREAK_GLASS],
  });
  projectId = project.id;
  w.close();
});

afterAll(async () => {
  await cluster?.stop();
  work.cleanup();
  rmSync(childTmp, { recursive: true, force: true });
});

describe('interrupted work', () => {
  it('kill -9 mid-backup: the next start marks the run interrupted, removes the partial file and the passfile (no file in the temp folder holds the password) and audits it', async () => {
    const partial = join(out, 'killed.dump.age.partial');
    const { child, done } = spawnCli(['backup', projectId, '--out', out, '--name', 'killed'], { dataDir, env });
    await until('the backup to write encrypted bytes', () => partialBytes(partial) > 64 * 1024);
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    expect(existsSync(partial)).toBe(true); // what a crash leaves behind, until a restart cleans up
    expect(existsSync(join(out, 'killed.dump.age'))).toBe(false);

    const w = open();
    try {
      expect(w.recovered).toEqual([{ kind: 'backup', runId: expect.any(String), pid: child.pid, removed: [partial] }]);
      const runId = w.recovered[0]!.runId!;
      expect(existsSync(partial)).toBe(false);
      expect(w.runs.get(runId)).toMatchObject({ status: 'interrupted', error: expect.stringMatching(new RegExp(`^Interrupted: process ${child.pid} on .+ stopped`)) });
      expect(w.runs.items(runId).find((i) => i.key === 'backup')).toMatchObject({ state: 'failed', evidence: { removed: [partial] } });
      const actions = w.audit.list({ runId }).map((e) => e.action);
      expect([actions[0], actions.at(-1)]).toEqual(['backup.started', 'backup.interrupted']);
      expect(w.audit.verify().ok).toBe(true);
      // The passfile (the production password) the killed process left in its temp folder is removed by
      // the next start there, and that is on record.
      const leftover = () => readdirSync(childTmp).filter((d) => d.startsWith(`bw-pass-${child.pid}-`));
      expect(leftover()).toHaveLength(1);
      expect(filesHolding(childTmp, password)).not.toEqual([]); // the check below can fail
      expect((await runCli(['runs', 'list'], { dataDir, env })).code).toBe(0);
      expect(leftover()).toEqual([]);
      expect(filesHolding(childTmp, password)).toEqual([]);
      expect(w.audit.list().at(-1)).toMatchObject({ action: 'secret.leftover-removed', details: { removed: [expect.stringContaining(`bw-pass-${child.pid}-`)] } });
      // pg_dump did not outlive its parent.
      await until('pg_dump to exit', () => findProcesses('pg_dump').every((p) => !p.argv.includes(String(cluster.target.port))), 10_000);
      // And the same name can be used again.
      const again = await w.backups.run({ projectId, name: 'killed' }, { outputDir: out });
      expect(existsSync(again.dumpFile)).toBe(true);
    } finally {
      w.close();
    }
  });

  it('kill -9 mid-parallel-backup: pg_dump and its workers stop (their output goes nowhere), the next start removes the unencrypted dump folder', async () => {
    const dumpDirs = () => readdirSync(childTmp).filter((d) => d.startsWith('bw-dump-'));
    const { child, done } = spawnCli(['backup', projectId, '--out', out, '--name', 'killed-parallel', '--jobs', '2'], { dataDir, env });
    const folder = await until('pg_dump to write table data unencrypted', () => {
      const dir = dumpDirs()[0];
      const archive = dir && join(childTmp, dir, 'archive');
      return archive && existsSync(archive) && readdirSync(archive).some((f) => f.endsWith('.dat') && partialBytes(join(archive, f)) > 0) && join(childTmp, dir);
    });
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    await until('pg_dump to exit', () => findProcesses('pg_dump').every((p) => !p.argv.includes('--jobs=2')), 30_000);
    expect(existsSync(folder)).toBe(true); // what the crash left, until a start cleans up
    const w = open();
    try {
      expect(w.recovered).toEqual([{ kind: 'backup', runId: expect.any(String), pid: child.pid, removed: expect.arrayContaining([folder]) }]);
      expect(dumpDirs()).toEqual([]);
      expect(w.runs.get(w.recovered[0]!.runId!)).toMatchObject({ status: 'interrupted' });
    } finally {
      w.close();
    }
  });

  it('kill -9 mid-rehearsal: the next start stops the orphaned scratch server and deletes its temp files', async () => {
    const w = open();
    const runId = w.runs.list(projectId).find((r) => r.name === 'killed' && r.status === 'running')!.id;
    w.close();
    const { child, done } = spawnCli(['rehearse', runId], { dataDir, env });
    // Killed once the scratch server is up and the restore under way (the audit trail says so).
    const db = openDatabase(join(dataDir, 'warden.sqlite'));
    await until('the rehearsal to start restoring', () => db.prepare(`SELECT 1 FROM audit_log WHERE run_id = ? AND action = 'rehearsal.started'`).get(runId) !== undefined);
    db.close();
    const scratch = scratchOf(runId)!;
    const postmaster = postmasterPid(join(scratch, 'data'))!;
    child.kill('SIGKILL');
    await done;
    await pause(300);
    expect(() => process.kill(postmaster, 0)).not.toThrow(); // orphaned and still running

    const again = open();
    try {
      expect(again.recovered).toMatchObject([{ kind: 'rehearsal', runId, pid: child.pid }]);
      expect(again.recovered[0]!.removed).toContain(scratch);
      expect(tempLeftovers()).toEqual([]);
      expect(existsSync(scratch)).toBe(false);
      await until('the orphaned postmaster to exit', () => gone(postmaster), 10_000);
      expect(again.runs.items(runId).find((i) => i.key === 'rehearsal')).toMatchObject({ state: 'failed', evidence: { error: expect.stringMatching(/^Interrupted: process \d+/) } });
      expect(again.audit.list({ runId }).at(-1)).toMatchObject({ action: 'rehearsal.interrupted' });
    } finally {
      again.close();
    }
  });

  it('Ctrl-C mid-rehearsal (CLI): the scratch server stops and the decrypted copy and passfiles are deleted at once, exit 130', async () => {
    const w = open();
    const runId = w.runs.list(projectId).find((r) => r.name === 'killed' && r.status === 'running')!.id;
    w.close();
    const db = openDatabase(join(dataDir, 'warden.sqlite'));
    const startedCount = () => (db.prepare(`SELECT count(*) AS n FROM audit_log WHERE run_id = ? AND action = 'rehearsal.started'`).get(runId) as { n: number }).n;
    const before = startedCount();
    // (Passfiles a process killed with -9 above left behind are issue #15's: removed on the next start.)
    const earlier = readdirSync(childTmp);
    const { child, done } = spawnCli(['rehearse', runId], { dataDir, env });
    await until('the rehearsal to start restoring', () => startedCount() > before);
    db.close();
    const scratch = scratchOf(runId)!;
    const postmaster = postmasterPid(join(scratch, 'data'))!;
    child.kill('SIGINT');
    const result = await done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('SIGINT: cancelling, removing temporary files and servers');
    expect(result.stderr).toMatch(/error \(CANCELLED\): The rehearsal was cancelled by the operator/);
    // Nothing waits for the next start: no scratch folder, no decrypted archive, no new passfile, no server.
    expect(readdirSync(childTmp).filter((d) => /^bw-(scratch|restore|pass)-/.test(d) && !earlier.includes(d))).toEqual([]);
    expect(existsSync(scratch)).toBe(false);
    // The stop waited for the server to remove its pid file; the process itself is gone a moment later.
    await until('the scratch server to exit', () => gone(postmaster), 10_000);
    const again = open();
    try {
      expect(again.recovered).toEqual([]);
      const db = openDatabase(join(dataDir, 'warden.sqlite'));
      expect(db.prepare('SELECT count(*) AS n FROM activities').get()).toEqual({ n: 0 });
      db.close();
      expect(again.runs.items(runId).find((i) => i.key === 'rehearsal')).toMatchObject({ state: 'failed', evidence: { error: expect.stringContaining('cancelled by the operator') } });
      expect(again.audit.list({ runId }).at(-1)).toMatchObject({ action: 'rehearsal.cancelled' });
    } finally {
      again.close();
    }
  });

  it('the app’s Cancel reaches a rehearsal the command line runs (the request is written on its activity): the same clean stop', async () => {
    const w = open();
    try {
      const runId = w.runs.list(projectId).find((r) => r.name === 'killed' && r.status === 'running')!.id;
      const started = () => w.audit.list({ runId }).filter((e) => e.action === 'rehearsal.started').length;
      const before = started();
      const earlier = readdirSync(childTmp);
      const { child, done } = spawnCli(['rehearse', runId], { dataDir, env });
      await until('the rehearsal to start restoring', () => started() > before);
      const scratch = scratchOf(runId)!;
      const dispatch = createIpcRouter(createHandlers(w, { pickFolder: async () => null, pickFile: async () => null, emit: () => undefined }), () => true);
      // Resolves once the other process has stopped and removed what it made.
      expect(await dispatch('cancelCheck', { runId }, 'app://warden')).toEqual({ ok: true, value: true });
      expect(existsSync(scratch)).toBe(false);
      const result = await done;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toMatch(/error \(CANCELLED\): The rehearsal was cancelled by the operator/);
      expect(readdirSync(childTmp).filter((d) => /^bw-(scratch|restore|pass)-/.test(d) && !earlier.includes(d))).toEqual([]);
      const trail = w.audit.list({ runId });
      expect(trail.filter((e) => e.action === 'cancel.requested').at(-1)).toMatchObject({ actor: 'tester', details: { kind: 'rehearsal', pid: child.pid } });
      expect(trail.at(-1)).toMatchObject({ action: 'rehearsal.cancelled' });
    } finally {
      w.close();
    }
  });

  it('SIGTERM mid-backup (CLI): the partial file and the passfile are removed at once, the run is cancelled, exit 130', async () => {
    const partial = join(out, 'terminated.dump.age.partial');
    // (A process killed with -9 above may have left one; issue #15 removes those on the next start.)
    const passfiles = () => readdirSync(childTmp).filter((d) => d.startsWith('bw-pass-'));
    const earlier = passfiles();
    const { child, done } = spawnCli(['backup', projectId, '--out', out, '--name', 'terminated'], { dataDir, env });
    await until('the backup to write encrypted bytes', () => partialBytes(partial) > 64 * 1024);
    expect(passfiles().length).toBe(earlier.length + 1); // pg_dump's passfile, while it runs
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code, result.stderr).toBe(130);
    expect(existsSync(partial)).toBe(false);
    expect(passfiles()).toEqual(earlier);
    const again = open();
    try {
      expect(again.recovered).toEqual([]);
      const run = again.runs.list(projectId).find((r) => r.name === 'terminated')!;
      expect(run.status).toBe('cancelled');
      expect(again.audit.list({ runId: run.id }).at(-1)).toMatchObject({ action: 'backup.cancelled' });
    } finally {
      again.close();
    }
  });

  it('cancelling a rehearsal from the UI (IPC cancelCheck) stops it the same way', async () => {
    const ownTmp = process.env.TMPDIR;
    process.env.TMPDIR = childTmp; // this process's scratch folders go where they are counted
    const w = open();
    try {
      const runId = w.runs.list(projectId).find((r) => r.name === 'killed' && r.status === 'running')!.id;
      const dispatch = createIpcRouter(createHandlers(w, { pickFolder: async () => null, pickFile: async () => null, emit: () => undefined }), () => true);
      const rehearsal = dispatch('rehearse', { runId }, 'app://warden');
      await until('the rehearsal to start restoring', () => w.audit.list({ runId }).at(-1)?.action === 'rehearsal.started' && tempLeftovers().length > 0);
      const scratch = scratchOf(runId)!;
      expect(existsSync(scratch)).toBe(true);
      expect(await dispatch('cancelCheck', { runId }, 'app://warden')).toEqual({ ok: true, value: true });
      expect(await rehearsal).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      expect(tempLeftovers()).toEqual([]);
      expect(existsSync(scratch)).toBe(false);
      expect(w.audit.list({ runId }).at(-1)).toMatchObject({ action: 'rehearsal.cancelled' });
      expect(await dispatch('cancelCheck', { runId }, 'app://warden')).toEqual({ ok: true, value: false });
    } finally {
      w.close();
      // Assigning undefined would set the string "undefined" (and send tools' temp files there).
      if (ownTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = ownTmp;
    }
  });

  it('any dead activity is cleaned up the same way: a restore killed with its decrypted copy still on disk', async () => {
    // A real dead process: one that ran and exited. Its pid is what a crashed restore would have left.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('close', resolve));
    const decrypted = mkdtempSync(join(childTmp, 'bw-restore-'));
    writeFileSync(join(decrypted, 'archive.dump'), 'plaintext of the database');
    const w = open();
    try {
      const activity = w.activities.start('restore', projectId);
      w.activities.addLeftover(activity, { kind: 'temp-dir', path: decrypted });
      const db = openDatabase(join(dataDir, 'warden.sqlite'));
      db.prepare('UPDATE activities SET pid = ?, proc_start = NULL WHERE id = ?').run(gone.pid, activity.id);
      db.close();
      expect(w.activities.recover()).toEqual([{ kind: 'restore', runId: null, pid: gone.pid, removed: [decrypted] }]);
      expect(existsSync(decrypted)).toBe(false);
      expect(w.audit.list({ limit: 10_000 }).at(-1)).toMatchObject({ action: 'restore.interrupted', projectId, details: { pid: gone.pid, removed: [decrypted] } });
      expect(w.activities.recover()).toEqual([]);
    } finally {
      w.close();
    }
  });
});

describe('concurrency', () => {
  it('two backups of one project at once in one process: the second is refused', async () => {
    const w = open();
    try {
      const [a, b] = await Promise.allSettled([
        w.backups.run({ projectId, name: 'same-a' }, { outputDir: out }),
        w.backups.run({ projectId, name: 'same-b' }, { outputDir: out }),
      ]);
      expect(a.status, a.status === 'rejected' ? String(a.reason) : '').toBe('fulfilled');
      expect(b).toMatchObject({ status: 'rejected', reason: { code: 'BUSY', message: expect.stringMatching(/^A backup of this project is already running \(started [^)]+\)\. Wait for it to finish or cancel it first\.$/) } });
      expect(existsSync(join(out, 'same-b.dump.age'))).toBe(false);
    } finally {
      w.close();
    }
  });

  it('a backup while another process (the CLI) backs up the same project is refused, naming that process', async () => {
    const partial = join(out, 'cli-side.dump.age.partial');
    const { child, done } = spawnCli(['backup', projectId, '--out', out, '--name', 'cli-side'], { dataDir, env });
    await until('the CLI backup to start writing', () => partialBytes(partial) > 0);
    // Paused, so it is certainly still running (and holding its lock) while the others try.
    process.kill(child.pid!, 'SIGSTOP');
    const w = open();
    try {
      await expect(w.backups.run({ projectId, name: 'app-side' }, { outputDir: out })).rejects.toThrow(new RegExp(`already running \\(started .+ by process ${child.pid} on `));
      // A second CLI is told it is busy, with its own exit code (11), and touches nothing.
      const second = await runCli(['backup', projectId, '--out', out, '--name', 'second-cli'], { dataDir, env });
      expect(second).toMatchObject({ code: 11, stderr: expect.stringMatching(/^error \(BUSY\): A backup of this project is already running \(started .+ by process \d+ on /) });
      expect(existsSync(join(out, 'second-cli.dump.age.partial'))).toBe(false);
      expect(w.recovered).toEqual([]); // a live process is never mistaken for a dead one
    } finally {
      process.kill(child.pid!, 'SIGCONT');
      w.close();
    }
    const finished = await done;
    expect(finished.code, finished.stderr).toBe(0);
    expect(existsSync(join(out, 'cli-side.dump.age'))).toBe(true);
  });

  it('the audit chain stays whole under 10,000 rapid appends from two processes at once', async () => {
    const file = join(work.dir, 'audit.sqlite');
    // Create the schema first so the two writers do not race to migrate; then both start on one signal.
    openDatabase(file).close();
    const writers = ['one', 'two'].map((actor) => {
      const c = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/appendAudit.ts'), file, '5000', actor], { stdio: ['ignore', 'pipe', 'inherit'] });
      const ready = new Promise<void>((resolve) => c.stdout.once('data', () => resolve()));
      const exited = new Promise<number | null>((resolve, reject) => {
        c.on('error', reject);
        c.on('close', resolve);
      });
      return { ready, exited };
    });
    await Promise.all(writers.map((w) => w.ready));
    writeFileSync(`${file}.go`, '');
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual([0, 0]);
    const db = openDatabase(file);
    try {
      const audit = new AuditTrail(db);
      expect(audit.verify()).toMatchObject({ ok: true, rows: 10_000 });
      const actors = audit.list({ limit: 10_000 }).map((e) => e.actor);
      expect(actors.filter((a) => a === 'one')).toHaveLength(5000);
    } finally {
      db.close();
    }
  });
});
