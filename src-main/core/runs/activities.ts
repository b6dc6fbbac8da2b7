import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import type { ChecklistKey } from '../../contract/checklist';
import type { AuditTrail } from '../audit/auditTrail';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { removeOrphanedCluster } from '../pgtools/postmaster';
import { currentProcess, isAlive } from './processIdentity';
import type { RunStore } from './runStore';

export type ActivityKind = 'backup' | 'verify' | 'rehearsal' | 'restore' | 'storage';

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
}

export interface Recovered {
  kind: ActivityKind;
  runId: string | null;
  pid: number;
  removed: string[];
}

/** One line for the operator about work a dead process left behind. */
export const describeRecovered = (r: Recovered): string =>
  `a ${r.kind}${r.runId ? ` of run ${r.runId}` : ''} was interrupted (process ${r.pid} is gone)${r.removed.length ? `; removed ${r.removed.join(', ')}` : ''}`;

/**
 * The lock each activity takes, declared once and held across every process sharing the data directory:
 * one backup per project; one check (integrity or rehearsal) per run, since both read the same decrypted
 * backup and write the same run; a restore excludes backups of its target and other restores into it.
 */
const LOCKS: Record<ActivityKind, { scope: 'project' | 'run'; excludes: ActivityKind[]; busy: (holder: ActivityKind) => string }> = {
  backup: { scope: 'project', excludes: ['backup', 'restore'], busy: (h) => (h === 'backup' ? 'A backup of this project is already running' : 'A restore into this project is running') },
  verify: { scope: 'run', excludes: ['verify', 'rehearsal'], busy: (h) => `A ${h === 'verify' ? 'integrity check' : 'rehearsal'} is already running on this backup` },
  rehearsal: { scope: 'run', excludes: ['verify', 'rehearsal'], busy: (h) => `A ${h === 'verify' ? 'integrity check' : 'rehearsal'} is already running on this backup` },
  restore: { scope: 'project', excludes: ['backup', 'restore'], busy: (h) => (h === 'backup' ? 'A backup of the target project is running' : 'A restore into the target project is already running') },
  storage: { scope: 'run', excludes: ['storage'], busy: () => 'A Storage backup of this run is already running' },
};

/** The checklist item an activity works on; a restore into another database has none. */
const itemOf: Partial<Record<ActivityKind, ChecklistKey>> = { backup: 'backup', verify: 'integrity', rehearsal: 'rehearsal', storage: 'storage' };

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

  /** Registers an activity; refuses while a live one holds the lock it needs (LOCKS). */
  start(kind: ActivityKind, projectId: string, runId: string | null = null): string {
    const { db } = this.deps;
    const me = currentProcess();
    const id = randomUUID();
    db.transaction(() => {
      this.recover();
      const busy = this.holder(kind, projectId, runId);
      if (busy) {
        const who = busy.pid === me.pid && busy.host === me.host ? '' : ` by process ${busy.pid} on ${busy.host}`;
        throw new WardenError('BUSY', `${LOCKS[kind].busy(busy.kind)} (started ${busy.started_at}${who}). Wait for it to finish or cancel it first.`);
      }
      db.prepare('INSERT INTO activities (id, kind, project_id, run_id, pid, host, proc_start, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, kind, projectId, runId, me.pid, me.host, me.start, this.now().toISOString(),
      );
    }).immediate();
    return id;
  }

  /** A live activity holding the lock `kind` needs: the same scope (project or run), a conflicting kind. */
  private holder(kind: ActivityKind, projectId: string, runId: string | null): ActivityRow | undefined {
    const { scope, excludes } = LOCKS[kind];
    const key = scope === 'project' ? 'project_id' : 'run_id';
    const value = scope === 'project' ? projectId : runId;
    if (value === null) return undefined;
    return this.deps.db
      .prepare(`SELECT * FROM activities WHERE ${key} = ? AND kind IN (${excludes.map(() => '?').join(', ')}) ORDER BY started_at LIMIT 1`)
      .get(value, ...excludes) as ActivityRow | undefined;
  }

  attachRun(id: string, runId: string): void {
    this.deps.db.prepare('UPDATE activities SET run_id = ? WHERE id = ?').run(runId, id);
  }

  /** Records something this activity creates that must not outlive a crash. */
  addLeftover(id: string, leftover: Leftover): void {
    this.deps.db.prepare(`UPDATE activities SET leftovers = json_insert(leftovers, '$[#]', json(?)) WHERE id = ?`).run(JSON.stringify(leftover), id);
  }

  finish(id: string): void {
    this.deps.db.prepare('DELETE FROM activities WHERE id = ?').run(id);
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
