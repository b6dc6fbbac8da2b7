import { createHash } from 'node:crypto';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { canonicalJson } from '../util/canonicalJson';

/**
 * Rows the signed log states facts from (run, checklist items, sign-offs, artifacts) live in plain
 * tables that the hash chain does not cover. Each write therefore puts the SHA-256 of the row's content
 * into the chained audit entry that records it (`details.facts`); an export recomputes every row and
 * refuses when one differs from, or is missing in, the chain.
 */
export type FactKind = 'run' | 'item' | 'signoff' | 'artifact' | 'review';

export interface Fact {
  kind: FactKind;
  key: string;
  value: unknown;
}

const factId = (f: Pick<Fact, 'kind' | 'key'>) => `${f.kind}:${f.key}`;
const factHash = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** The `facts` field of the audit entry that records these rows. */
export const factsDetail = (facts: Fact[]): { facts: Record<string, string> } => ({
  facts: Object.fromEntries(facts.map((f) => [factId(f), factHash(f.value)])),
});

export interface LabelledFact extends Fact {
  /** How the operator knows the row: `checklist item "Integrity check"`. */
  label: string;
}

/**
 * Compares the run's rows with the newest hash the chain holds for each, and the chain's facts with the
 * rows (a recorded sign-off or artifact whose row was deleted). Throws naming the first that disagrees.
 * The chain itself must be intact first (the caller runs audit verify).
 */
export function checkFacts(db: Db, runId: string, current: LabelledFact[]): void {
  const recorded = new Map<string, { seq: number; sha256: string }>();
  const rows = db.prepare('SELECT seq, details FROM audit_log WHERE run_id = ? ORDER BY seq').all(runId) as { seq: number; details: string }[];
  for (const row of rows) {
    const facts = (JSON.parse(row.details) as { facts?: Record<string, string> }).facts;
    for (const [id, sha256] of Object.entries(facts ?? {})) recorded.set(id, { seq: row.seq, sha256 });
  }
  const refuse = (what: string) => {
    throw new WardenError(
      'TAMPERED',
      `The log is built only from evidence the audit trail vouches for, and ${what}. Someone changed the app's database outside Backup Warden: do not sign or export this run; run \`backup-warden audit verify\`, keep the database for investigation, and redo the affected step.`,
    );
  };
  const seen = new Set<string>();
  for (const fact of current) {
    const id = factId(fact);
    seen.add(id);
    const entry = recorded.get(id);
    if (!entry) refuse(`the ${fact.label} has no entry in the trail`);
    if (entry!.sha256 !== factHash(fact.value)) refuse(`the ${fact.label} differs from what audit entry ${entry!.seq} recorded`);
  }
  for (const [id, entry] of recorded) {
    const kind = id.slice(0, id.indexOf(':'));
    const what = { signoff: 'sign-off', artifact: 'artifact', review: 'review document of run' }[kind];
    if (what && !seen.has(id)) refuse(`the ${what} ${id.slice(kind.length + 1)} recorded in audit entry ${entry.seq} is missing from the database`);
  }
}
