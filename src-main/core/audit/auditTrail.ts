import { createHash } from 'node:crypto';
import type { AuditEntry, ChainVerdict } from '../../contract/audit';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { canonicalJson } from '../util/canonicalJson';
import { containsKnownSecret } from '../util/redact';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actor: string;
  action: string;
  projectId?: string | null;
  runId?: string | null;
  details?: Record<string, unknown>;
}

interface AuditDbRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  project_id: string | null;
  run_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** The hash binds a row to its content and to the row before it; seq is included so rows cannot be reordered. */
export function auditRowHash(prevHash: string, row: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  const content = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    projectId: row.projectId,
    runId: row.runId,
    details: row.details,
  });
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

/** What AuditTrail.list narrows the trail by (see there). */
export interface AuditQuery {
  afterSeq?: number;
  beforeSeq?: number;
  limit?: number;
  runId?: string;
  projectId?: string;
  action?: string;
  since?: string;
  until?: string;
  text?: string;
  newestFirst?: boolean;
}

/** Append-only, hash-chained audit trail (the triggers in migration 001 reject UPDATE and DELETE). */
export class AuditTrail {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  append(input: AuditInput): AuditEntry {
    const details = input.details ?? {};
    const detailsJson = canonicalJson(details);
    if (containsKnownSecret(detailsJson) || containsKnownSecret(input.action) || containsKnownSecret(input.actor)) {
      // A bug upstream, not an operator error: refuse loudly rather than persist a secret forever.
      throw new WardenError('INTERNAL', `Refused to write a secret into the audit trail (action ${input.action}).`);
    }
    // IMMEDIATE: take the write lock before reading the head, so concurrent writers cannot fork the chain.
    return this.db
      .transaction((): AuditEntry => {
        const head = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
          | { seq: number; hash: string }
          | undefined;
        const row = {
          seq: (head?.seq ?? 0) + 1,
          at: this.now().toISOString(),
          actor: input.actor,
          action: input.action,
          projectId: input.projectId ?? null,
          runId: input.runId ?? null,
          details: JSON.parse(detailsJson) as Record<string, unknown>,
        };
        const prevHash = head?.hash ?? GENESIS_HASH;
        const hash = auditRowHash(prevHash, row);
        this.db
          .prepare(
            `INSERT INTO audit_log (seq, at, actor, action, project_id, run_id, details, prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(row.seq, row.at, row.actor, row.action, row.projectId, row.runId, detailsJson, prevHash, hash);
        return { ...row, prevHash, hash };
      })
      .immediate();
  }

  /**
   * Entries, oldest first from afterSeq, or newest first before beforeSeq; narrowed by run, project, action
   * (exact, or a family: "backup" is every backup.*), time (ISO, inclusive) and text found in actor, action or details.
   */
  list(options: AuditQuery = {}): AuditEntry[] {
    const newestFirst = options.newestFirst === true;
    const rows = this.db
      .prepare(
        `SELECT * FROM audit_log
          WHERE seq > @after AND (@before IS NULL OR seq < @before)
            AND (@run IS NULL OR run_id = @run) AND (@project IS NULL OR project_id = @project)
            AND (@action IS NULL OR action = @action OR substr(action, 1, length(@action) + 1) = @action || '.')
            AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at <= @until)
            AND (@text IS NULL OR instr(lower(actor || ' ' || action || ' ' || details), lower(@text)) > 0)
          ORDER BY seq ${newestFirst ? 'DESC' : 'ASC'} LIMIT @limit`,
      )
      .all({
        after: options.afterSeq ?? 0,
        before: options.beforeSeq ?? null,
        run: options.runId ?? null,
        project: options.projectId ?? null,
        action: options.action ?? null,
        // Stored as toISOString(): the same form compares as text.
        since: options.since ? new Date(options.since).toISOString() : null,
        until: options.until ? new Date(options.until).toISOString() : null,
        text: options.text?.trim() || null,
        limit: options.limit ?? 500,
      }) as AuditDbRow[];
    return rows.map(fromDbRow);
  }

  /** The newest row: exported logs carry it, so a trail cut short after them can be caught. */
  head(): { seq: number; hash: string } | null {
    return (this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? null;
  }

  /**
   * verify(), plus: the trail still holds a head recorded elsewhere (a signed log). A chain alone cannot
   * see its own tail cut off; this catches it.
   */
  verifyAgainst(expected: { seq: number; hash: string }): ChainVerdict {
    const verdict = this.verify();
    if (!verdict.ok) return verdict;
    const row = this.db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(expected.seq) as { hash: string } | undefined;
    if (!row) return { ok: false, rows: verdict.rows, firstBadSeq: verdict.rows + 1, reason: `entry ${expected.seq} recorded in the signed log is missing: the trail was cut after entry ${verdict.rows}` };
    if (row.hash !== expected.hash) return { ok: false, rows: verdict.rows, firstBadSeq: expected.seq, reason: `entry ${expected.seq} differs from the one recorded in the signed log: the trail was rewritten` };
    return verdict;
  }

  /** Walks the whole chain and names the first row whose link or content does not check out. */
  verify(): ChainVerdict {
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let rows = 0;
    for (const raw of this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditDbRow>) {
      rows++;
      const bad = (reason: string): ChainVerdict => ({ ok: false, rows, firstBadSeq: raw.seq, reason });
      if (raw.seq !== expectedSeq) {
        return bad(`row ${expectedSeq} is missing: the chain jumps from row ${expectedSeq - 1} to row ${raw.seq}`);
      }
      if (raw.prev_hash !== prevHash) return bad(`row ${raw.seq} does not link to row ${raw.seq - 1} (prev_hash differs)`);
      let entry: AuditEntry;
      try {
        entry = fromDbRow(raw);
      } catch {
        return bad(`row ${raw.seq} has unreadable details`);
      }
      if (auditRowHash(prevHash, entry) !== raw.hash) return bad(`row ${raw.seq} was altered: its content does not match its hash`);
      prevHash = raw.hash;
      expectedSeq++;
    }
    return { ok: true, rows, headHash: prevHash };
  }
}

function fromDbRow(raw: AuditDbRow): AuditEntry {
  return {
    seq: raw.seq,
    at: raw.at,
    actor: raw.actor,
    action: raw.action,
    projectId: raw.project_id,
    runId: raw.run_id,
    details: JSON.parse(raw.details) as Record<string, unknown>,
    prevHash: raw.prev_hash,
    hash: raw.hash,
  };
}
