import { randomUUID } from 'node:crypto';
import { checklistItems, type ChecklistKey, type ItemState, type RunStatus } from '../../contract/checklist';
import type { Evidence, FailureEvidence } from '../../contract/evidence';
import type { AuditTrail } from '../audit/auditTrail';
import { factsDetail, type LabelledFact } from '../audit/factChain';
import type { Db } from '../db/database';
import { WardenError } from '../errors';

export interface RunRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  status: RunStatus;
  created_by: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

interface ItemRow {
  key: ChecklistKey;
  title: string;
  mode: 'verified' | 'attested';
  state: ItemState;
  evidence: string | null;
  attested_by: string | null;
  attested_at: string | null;
  note: string | null;
  updated_at: string;
}

export interface ChecklistItem {
  key: ChecklistKey;
  title: string;
  mode: 'verified' | 'attested';
  state: ItemState;
  evidence: unknown;
  attestedBy: string | null;
  attestedAt: string | null;
  note: string | null;
  updatedAt: string;
}

/**
 * Runs and their checklist items. What happened and why is the caller's audit entry; this store adds the
 * entry that vouches for each row's content (factChain), in the same transaction as the write.
 */
export class RunStore {
  constructor(
    private readonly deps: { db: Db; audit: AuditTrail; actor: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get db(): Db {
    return this.deps.db;
  }

  /** The run's immutable row and its items as they are now: what the signed log may state. */
  facts(runId: string): LabelledFact[] {
    const run = this.get(runId);
    return [
      { kind: 'run', key: run.id, label: 'run record', value: runFact(run) },
      ...this.items(runId).map((i) => ({ kind: 'item' as const, key: i.key, label: `checklist item "${i.title}"`, value: i })),
    ];
  }

  private recordItem(runId: string, key: ChecklistKey): void {
    const item = this.item(runId, key)!;
    const run = this.get(runId);
    this.deps.audit.append({
      actor: this.deps.actor,
      action: 'evidence.recorded',
      projectId: run.project_id,
      runId,
      details: { item: key, state: item.state, ...factsDetail([{ kind: 'item', key, value: item }]) },
    });
  }

  /** A run begins with its backup: the chained `backup.started` entry vouches for the new rows. */
  create(projectId: string, name: string, description: string, createdBy: string, startedDetails: Record<string, unknown> = {}): RunRow {
    const id = randomUUID();
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO runs (id, project_id, name, description, status, created_by, started_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`)
        .run(id, projectId, name, description, createdBy, at);
      const item = this.db.prepare(`INSERT INTO checklist_items (run_id, key, position, title, mode, state, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)`);
      checklistItems.forEach((c, i) => item.run(id, c.key, i + 1, c.title, c.mode, at));
      this.deps.audit.append({ actor: this.deps.actor, action: 'backup.started', projectId, runId: id, details: { name, ...startedDetails, ...factsDetail(this.facts(id)) } });
    })();
    return this.get(id);
  }

  get(id: string): RunRow {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new WardenError('NOT_FOUND', `No backup run with id ${id}.`);
    return row;
  }

  /** Newest first. */
  list(projectId?: string): RunRow[] {
    return this.db.prepare('SELECT * FROM runs WHERE (@p IS NULL OR project_id = @p) ORDER BY started_at DESC').all({ p: projectId ?? null }) as RunRow[];
  }

  /** Ends a run (or marks it failed/cancelled/interrupted) with the error that stopped it, if any. */
  finish(id: string, status: Exclude<RunStatus, 'pending' | 'running'>, error: string | null = null): void {
    this.db.prepare('UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?').run(status, this.now().toISOString(), error, id);
  }

  /** Evidence is typed per item (contract/evidence); without it, the item keeps what it had. */
  setItem<K extends ChecklistKey>(runId: string, key: K, state: ItemState, evidence?: Evidence<K> | FailureEvidence): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE checklist_items SET state = ?, evidence = coalesce(?, evidence), updated_at = ? WHERE run_id = ? AND key = ?')
        .run(state, evidence === undefined ? null : JSON.stringify(evidence), this.now().toISOString(), runId, key);
      this.recordItem(runId, key);
      this.settle(runId);
    })();
  }

  /** An item the operator vouches for: who, when and why are kept with it. */
  attestItem<K extends ChecklistKey>(runId: string, key: K, by: string, note: string, evidence: Evidence<K>): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE checklist_items SET state = 'passed', mode = 'attested', evidence = ?, attested_by = ?, attested_at = ?, note = ?, updated_at = ? WHERE run_id = ? AND key = ?`)
        .run(JSON.stringify(evidence), by, at, note, at, runId, key);
      this.recordItem(runId, key);
      this.settle(runId);
    })();
  }

  /** A run is complete when every item has passed; an item that turns red again (a failed re-check) reopens it. */
  private settle(runId: string): void {
    const { open } = this.db.prepare(`SELECT count(*) AS open FROM checklist_items WHERE run_id = ? AND state <> 'passed'`).get(runId) as { open: number };
    if (open === 0) this.db.prepare(`UPDATE runs SET status = 'succeeded', finished_at = ? WHERE id = ? AND status = 'running'`).run(this.now().toISOString(), runId);
    else this.db.prepare(`UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ? AND status = 'succeeded'`).run(runId);
  }

  /** One item; undefined for an item the run does not have (runs made before it joined the checklist). */
  item(runId: string, key: ChecklistKey): ChecklistItem | undefined {
    const row = this.db.prepare('SELECT * FROM checklist_items WHERE run_id = ? AND key = ?').get(runId, key) as ItemRow | undefined;
    return row && toItem(row);
  }

  items(runId: string): ChecklistItem[] {
    return (this.db.prepare('SELECT * FROM checklist_items WHERE run_id = ? ORDER BY position').all(runId) as ItemRow[]).map(toItem);
  }
}

const toItem = (r: ItemRow): ChecklistItem => ({
  key: r.key,
  title: r.title,
  mode: r.mode,
  state: r.state,
  evidence: r.evidence === null ? null : (JSON.parse(r.evidence) as unknown),
  attestedBy: r.attested_by,
  attestedAt: r.attested_at,
  note: r.note,
  updatedAt: r.updated_at,
});

/** What a run row states that never changes (its status follows from the items). */
const runFact = (r: RunRow) => ({ id: r.id, projectId: r.project_id, name: r.name, description: r.description, createdBy: r.created_by, startedAt: r.started_at });
