import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import type { ChecklistKey } from '../../contract/checklist';
import type { AuditTrail } from '../audit/auditTrail';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { removeOrphanedCluster } from '../pgtools/postmaster';
import { currentProcess, isAlive } from './processIdentity';
import type { RunStore } from './runStore';

export type ActivityKind = 'backup' | 'verify' | 'rehearsal' | 'restore';

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

/** The checklist item an activity works on; a restore into another database has none. */
const itemOf: Partial<Record<ActivityKind, ChecklistKey>> = { backup: 'backup', verify: 'integrity', rehearsal: 'rehearsal' };

/**
 * Long operations in progress, in SQLite so every process sharing the data directory sees them. One
 * live backup per project; an activity whose process has died is recovered: its leftovers removed, its
 * checklist item failed, a backup run marked interrupted, and all of it recorded in the audit trail.
 */
export class ActivityStore {
  constructor(
    private readonly deps: { db: Db; audit: AuditTrail; runs: RunStore; actor: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Registers an activity; for a backup, refuses while another live process backs up the same project. */
  start(kind: ActivityKind, projectId: string, runId: string | null = null): string {
    const { db } = this.deps;
    const me = currentProcess();
    const id = randomUUID();
    db.transaction(() => {
      this.recover();
      if (kind === 'backup') {
        const busy = db.prepare(`SELECT * FROM activities WHERE project_id = ? AND kind = 'backup'`).get(projectId) as ActivityRow | undefined;
        if (busy) {
          const who = busy.pid === me.pid && busy.host === me.host ? '' : ` by process ${busy.pid} on ${busy.host}`;
          throw new WardenError('CONFLICT', `A backup of this project is already running (started ${busy.started_at}${who}). Wait for it to finish or cancel it first.`);
        }
      }
      db.prepare('INSERT INTO activities (id, kind, project_id, run_id, pid, host, proc_start, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, kind, projectId, runId, me.pid, me.host, me.start, this.now().toISOString(),
      );
    }).immediate();
    return id;
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
        if (a.run_id && item) {
          runs.setItem(a.run_id, item, 'failed', { error, removed });
          if (a.kind === 'backup') runs.finish(a.run_id, 'interrupted', error);
        }
        audit.append({ actor, action: `${a.kind}.interrupted`, projectId: a.project_id, runId: a.run_id, details: { pid: a.pid, host: a.host, startedAt: a.started_at, removed } });
        db.prepare('DELETE FROM activities WHERE id = ?').run(a.id);
        return { kind: a.kind, runId: a.run_id, pid: a.pid, removed };
      }).immediate(),
    );
  }
}
