import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import type { ChecklistKey } from '../../contract/checklist';
import type { FailureEvidence } from '../../contract/evidence';
import type { AuditTrail } from '../audit/auditTrail';
import type { Db } from '../db/database';
import { cancelledError, WardenError } from '../errors';
import { redact } from '../util/redact';
import { removeOrphanedCluster } from '../pgtools/postmaster';
import { currentProcess, isAlive } from './processIdentity';
import type { RunStore } from './runStore';

export type ActivityKind = 'backup' | 'verify' | 'rehearsal' | 'recovery' | 'restore' | 'storage';

/** What a crashed activity may leave behind: an incomplete file, a private temp dir (decrypted data), a running scratch server. */
export interface Leftover {
  kind: 'partial' | 'temp-dir' | 'scratch-cluster';
  path: string;
}

interface ActivityRow {
  id: string;
  kind: ActivityKind;
  project_id: string;
  run_id: string | null;
  pid: number;
  host: string;
  proc_start: string | null;
  started_at: string;
  leftovers: string;
  cancel_requested: string | null;
}

/**
 * A running activity: its id, and the signal its work listens to — aborted by the caller's own signal
 * (Ctrl-C, the app's Cancel in this process), by a cancel another process writes on the activity, or
 * with the activity it runs within.
 */
export interface Activity {
  readonly id: string;
  readonly signal: AbortSignal;
}

/** A cancel written on a live activity, for the requester to report and wait on. */
export interface CancelRequested {
  kind: ActivityKind;
  pid: number;
  host: string;
}

/** How often a running activity looks for a cancel written by another process. */
const CANCEL_POLL_MS = 200;

export interface Recovered {
  kind: ActivityKind;
  runId: string | null;
  pid: number;
  removed: string[];
}

/** One line for the operator about work a dead process left behind. */
export const describeRecovered = (r: Recovered): string =>
  `a ${r.kind}${r.runId ? ` of run ${r.runId}` : ''} was interrupted (process ${r.pid} is gone)${r.removed.length ? `; removed ${r.removed.join(', ')}` : ''}`;

/** The checks on a run's backup: one at a time, since each reads the whole backup and writes the run. */
export const CHECKS: readonly ActivityKind[] = ['verify', 'rehearsal', 'recovery'];
const CHECK_NAMES: Partial<Record<ActivityKind, string>> = { verify: 'integrity check', rehearsal: 'rehearsal', recovery: 'recovery check' };

/**
 * The lock each activity takes, declared once and held across every process sharing the data directory:
 * one backup per project; one check (integrity, rehearsal or recovery check) per run (CHECKS); a restore excludes backups of its target and other restores into it.
 */
const LOCKS: Record<ActivityKind, { scope: 'project' | 'run'; excludes: readonly ActivityKind[]; busy: (holder: ActivityKind) => string }> = {
  backup: { scope: 'project', excludes: ['backup', 'restore'], busy: (h) => (h === 'backup' ? 'A backup of this project is already running' : 'A restore into this project is running') },
  verify: { scope: 'run', excludes: CHECKS, busy: (h) => `A ${CHECK_NAMES[h]} is already running on this backup` },
  rehearsal: { scope: 'run', excludes: CHECKS, busy: (h) => `A ${CHECK_NAMES[h]} is already running on this backup` },
  recovery: { scope: 'run', excludes: CHECKS, busy: (h) => `A ${CHECK_NAMES[h]} is already running on this backup` },
  restore: { scope: 'project', excludes: ['backup', 'restore'], busy: (h) => (h === 'backup' ? 'A backup of the target project is running' : 'A restore into the target project is already running') },
  storage: { scope: 'run', excludes: ['storage'], busy: () => 'A Storage backup of this run is already running' },
};

/** The checklist item an activity works on; a restore into another database has none. */
const itemOf: Partial<Record<ActivityKind, ChecklistKey>> = { backup: 'backup', verify: 'integrity', rehearsal: 'rehearsal', recovery: 'recovery', storage: 'storage' };

/**
 * Long operations in progress, in SQLite so every process sharing the data directory sees them. One
 * live backup per project; an activity whose process has died is recovered: its leftovers removed, its
 * checklist item failed, a backup run marked interrupted, and all of it recorded in the audit trail.
 */
export class ActivityStore {
  constructor(
    private readonly deps: { db: Db; audit: AuditTrail; runs: RunStore; restores?: { markInterrupted(runId: string, targetProjectId: string, error: string): void }; actor: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  private readonly watches = new Map<string, ReturnType<typeof setInterval>>();

  /**
   * Registers an activity; refuses while a live one holds the lock it needs (LOCKS). Work within another
   * activity (a rollback's safety backup and restore) is not refused by the lock its parent holds.
   */
  start(kind: ActivityKind, projectId: string, runId: string | null = null, options: { signal?: AbortSignal; within?: Activity } = {}): Activity {
    const { db } = this.deps;
    const me = currentProcess();
    const id = randomUUID();
    db.transaction(() => {
      this.recover();
      const busy = this.holder(kind, projectId, runId, options.within?.id);
      if (busy) {
        const who = busy.pid === me.pid && busy.host === me.host ? '' : ` by process ${busy.pid} on ${busy.host}`;
        throw new WardenError('BUSY', `${LOCKS[kind].busy(busy.kind)} (started ${busy.started_at}${who}). Wait for it to finish or cancel it first.`);
      }
      db.prepare('INSERT INTO activities (id, kind, project_id, run_id, pid, host, proc_start, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, kind, projectId, runId, me.pid, me.host, me.start, this.now().toISOString(),
      );
    }).immediate();
    const requested = new AbortController();
    const watch = setInterval(() => {
      let row: { cancel_requested: string | null } | undefined;
      try {
        row = db.prepare('SELECT cancel_requested FROM activities WHERE id = ?').get(id) as typeof row;
      } catch {
        row = undefined; // the database was closed under the work: nothing can ask any more
      }
      if (row?.cancel_requested) requested.abort();
      if (!row || requested.signal.aborted) clearInterval(watch);
    }, CANCEL_POLL_MS);
    watch.unref();
    this.watches.set(id, watch);
    const signals = [requested.signal, options.signal, options.within?.signal].filter((s): s is AbortSignal => s !== undefined);
    return { id, signal: AbortSignal.any(signals) };
  }

  /**
   * A check on a run's checklist item, run the same way for each (integrity check, rehearsal, Storage
   * backup): its lock, the item marked running, the work given a signal that the caller and a cancel from
   * another process both abort; on failure, once the work has cleaned up, the item failed with the
   * redacted reason, the audit entry `<kind>.failed` or `<kind>.cancelled`, and the error rethrown.
   */
  async run<T>(
    spec: {
      kind: ActivityKind;
      projectId: string;
      runId: string;
      /** The item it works on; none for a run made before the item existed. */
      item?: ChecklistKey;
      /** "The rehearsal": the subject of the cancelled message. */
      what: string;
      signal?: AbortSignal;
      /** What the failed item's evidence says, given the reason (default: the reason). */
      failedEvidence?: (message: string) => FailureEvidence;
      /** What the failure's audit entry records besides the reason (read when it fails). */
      details?: () => Record<string, unknown>;
      /** The audit actions' prefix, when not the kind's ("recovery.failed"). */
      audit?: string;
    },
    work: (activity: Activity) => Promise<T>,
  ): Promise<T> {
    const { audit, runs, actor } = this.deps;
    // Taken before the item turns running: a check already running on this run refuses it and keeps its state.
    const activity = this.start(spec.kind, spec.projectId, spec.runId, { signal: spec.signal });
    try {
      if (spec.item) runs.setItem(spec.runId, spec.item, 'running');
      return await work(activity);
    } catch (error) {
      const cancelled = activity.signal.aborted;
      const failure = cancelled ? cancelledError(spec.what, error) : error;
      const message = redact(failure instanceof Error ? failure.message : String(failure));
      if (spec.item) runs.setItem(spec.runId, spec.item, 'failed', spec.failedEvidence?.(message) ?? { error: message });
      audit.append({ actor, action: `${spec.audit ?? spec.kind}.${cancelled ? 'cancelled' : 'failed'}`, projectId: spec.projectId, runId: spec.runId, details: { ...spec.details?.(), error: message } });
      throw failure;
    } finally {
      this.finish(activity);
    }
  }

  /** A live activity holding the lock `kind` needs: the same scope (project or run), a conflicting kind, not the one it runs within. */
  private holder(kind: ActivityKind, projectId: string, runId: string | null, parent = ''): ActivityRow | undefined {
    const { scope, excludes } = LOCKS[kind];
    const key = scope === 'project' ? 'project_id' : 'run_id';
    const value = scope === 'project' ? projectId : runId;
    if (value === null) return undefined;
    return this.deps.db
      .prepare(`SELECT * FROM activities WHERE ${key} = ? AND id <> ? AND kind IN (${excludes.map(() => '?').join(', ')}) ORDER BY started_at LIMIT 1`)
      .get(value, parent, ...excludes) as ActivityRow | undefined;
  }

  attachRun(activity: Activity, runId: string): void {
    this.deps.db.prepare('UPDATE activities SET run_id = ? WHERE id = ?').run(runId, activity.id);
  }

  /** Records something this activity creates that must not outlive a crash. */
  addLeftover(activity: Activity, leftover: Leftover): void {
    this.deps.db.prepare(`UPDATE activities SET leftovers = json_insert(leftovers, '$[#]', json(?)) WHERE id = ?`).run(JSON.stringify(leftover), activity.id);
  }

  finish(activity: Activity): void {
    clearInterval(this.watches.get(activity.id));
    this.watches.delete(activity.id);
    this.deps.db.prepare('DELETE FROM activities WHERE id = ?').run(activity.id);
  }

  /**
   * Asks the live activities of these kinds on `key` (a project or a run, by each kind's lock scope) to
   * stop, whichever process runs them; each request is in the audit trail with who made it.
   */
  requestCancel(kinds: readonly ActivityKind[], key: string): CancelRequested[] {
    const { db, audit, actor } = this.deps;
    return db.transaction(() => {
      this.recover();
      const live = this.onKey(kinds, key).filter((a) => a.cancel_requested === null);
      const at = this.now().toISOString();
      for (const a of live) {
        db.prepare('UPDATE activities SET cancel_requested = ? WHERE id = ?').run(JSON.stringify({ by: actor, at }), a.id);
        audit.append({ actor, action: 'cancel.requested', projectId: a.project_id, runId: a.run_id, details: { kind: a.kind, pid: a.pid, host: a.host, startedAt: a.started_at } });
      }
      return live.map((a) => ({ kind: a.kind, pid: a.pid, host: a.host }));
    }).immediate();
  }

  /** Whether live activities of these kinds run on `key`; those whose process died are cleaned up first. */
  isRunning(kinds: readonly ActivityKind[], key: string): boolean {
    this.recover();
    return this.onKey(kinds, key).length > 0;
  }

  private onKey(kinds: readonly ActivityKind[], key: string): ActivityRow[] {
    return (this.deps.db.prepare(`SELECT * FROM activities WHERE kind IN (${kinds.map(() => '?').join(', ')})`).all(...kinds) as ActivityRow[]).filter(
      (a) => (LOCKS[a.kind].scope === 'project' ? a.project_id : a.run_id) === key,
    );
  }

  /** Finds activities whose process is gone and cleans up after them. Safe to call from any process at any time. */
  recover(): Recovered[] {
    const { db, audit, runs, actor } = this.deps;
    const dead = (db.prepare('SELECT * FROM activities').all() as ActivityRow[]).filter((a) => !isAlive({ pid: a.pid, host: a.host, start: a.proc_start }));
    return dead.map((a) =>
      db.transaction((): Recovered => {
        const removed: string[] = [];
        for (const leftover of JSON.parse(a.leftovers) as Leftover[]) {
          if (!existsSync(leftover.path)) continue;
          if (leftover.kind === 'scratch-cluster') removeOrphanedCluster(leftover.path);
          else rmSync(leftover.path, { recursive: true, force: true });
          removed.push(leftover.path);
        }
        const error = `Interrupted: process ${a.pid} on ${a.host} stopped (crash, kill or power loss) during the ${a.kind} started ${a.started_at}.`;
        const item = itemOf[a.kind];
        if (a.run_id && item && runs.item(a.run_id, item)) {
          runs.setItem(a.run_id, item, 'failed', { error, removed });
          if (a.kind === 'backup') runs.finish(a.run_id, 'interrupted', error);
        }
        // A restore changed a database we cannot see into now: it counts as partially restored.
        if (a.kind === 'restore' && a.run_id) this.deps.restores?.markInterrupted(a.run_id, a.project_id, error);
        audit.append({ actor, action: `${a.kind}.interrupted`, projectId: a.project_id, runId: a.run_id, details: { pid: a.pid, host: a.host, startedAt: a.started_at, removed } });
        db.prepare('DELETE FROM activities WHERE id = ?').run(a.id);
        return { kind: a.kind, runId: a.run_id, pid: a.pid, removed };
      }).immediate(),
    );
  }
}
