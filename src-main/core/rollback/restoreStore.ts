import { randomUUID } from 'node:crypto';
import type { RestoreRecord } from '../../contract/restore';
import type { Db } from '../db/database';

interface RestoreRow {
  id: string;
  run_id: string;
  target_project_id: string;
  target_name: string;
  endpoint: string;
  state: RestoreRecord['state'];
  phase: RestoreRecord['phase'];
  requested_by: string;
  confirmed_by: string | null;
  override_reason: string | null;
  safety_run_id: string | null;
  safety_file: string | null;
  verified: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

/** The restores table: each restore of a run's backup into a project, its phase and outcome. */
export class RestoreStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(r: { runId: string; targetProjectId: string; endpoint: string; requestedBy: string; confirmedBy: string | null; overrideReason: string | null }): string {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO restores (id, run_id, target_project_id, endpoint, state, phase, requested_by, confirmed_by, override_reason, started_at)
         VALUES (?, ?, ?, ?, 'running', 'safety-backup', ?, ?, ?, ?)`,
      )
      .run(id, r.runId, r.targetProjectId, r.endpoint, r.requestedBy, r.confirmedBy, r.overrideReason, this.now().toISOString());
    return id;
  }

  update(id: string, changes: { phase?: RestoreRecord['phase']; safetyRunId?: string; safetyFile?: string }): void {
    this.db
      .prepare('UPDATE restores SET phase = coalesce(?, phase), safety_run_id = coalesce(?, safety_run_id), safety_file = coalesce(?, safety_file) WHERE id = ?')
      .run(changes.phase ?? null, changes.safetyRunId ?? null, changes.safetyFile ?? null, id);
  }

  finish(id: string, state: Exclude<RestoreRecord['state'], 'running'>, outcome: { verified?: RestoreRecord['verified']; error?: string | null }): void {
    this.db
      .prepare(`UPDATE restores SET state = ?, phase = 'done', verified = ?, error = ?, finished_at = ? WHERE id = ?`)
      .run(state, outcome.verified ? JSON.stringify(outcome.verified) : null, outcome.error ?? null, this.now().toISOString(), id);
  }

  /** A restore whose process died: whatever it had changed is unknown, so the target counts as partially restored. */
  markInterrupted(runId: string, targetProjectId: string, error: string): void {
    this.db
      .prepare(`UPDATE restores SET state = CASE WHEN phase = 'safety-backup' THEN 'failed' ELSE 'partially-restored' END, phase = 'done', error = ?, finished_at = ? WHERE run_id = ? AND target_project_id = ? AND state = 'running'`)
      .run(error, this.now().toISOString(), runId, targetProjectId);
  }

  list(runId: string): RestoreRecord[] {
    const rows = this.db
      .prepare('SELECT r.*, p.name AS target_name FROM restores r JOIN projects p ON p.id = r.target_project_id WHERE r.run_id = ? ORDER BY r.started_at')
      .all(runId) as RestoreRow[];
    return rows.map((r) => ({
      id: r.id,
      targetProjectId: r.target_project_id,
      targetName: r.target_name,
      endpoint: r.endpoint,
      state: r.state,
      phase: r.phase,
      requestedBy: r.requested_by,
      confirmedBy: r.confirmed_by,
      overrideReason: r.override_reason,
      safetyRunId: r.safety_run_id,
      safetyFile: r.safety_file,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      verified: r.verified ? (JSON.parse(r.verified) as RestoreRecord['verified']) : null,
      error: r.error,
    }));
  }
}
