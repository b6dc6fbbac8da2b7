import type { TableFacts } from '../../contract/backup';
import type { TableDiff } from '../../contract/verify';

const key = (t: Pick<TableFacts, 'schema' | 'name'>) => `${t.schema}.${t.name}`;

/** What differs between the tables recorded at backup time and those found after restore. */
export function diffTables(expected: readonly TableFacts[], actual: readonly TableFacts[]): TableDiff {
  const restored = new Map(actual.map((t) => [key(t), t]));
  const recorded = new Set(expected.map(key));
  const diff: TableDiff = { missing: [], extra: [], countMismatches: [], fingerprintMismatches: [] };
  for (const t of expected) {
    const r = restored.get(key(t));
    if (!r) {
      diff.missing.push(key(t));
      continue;
    }
    if (r.rows !== t.rows) diff.countMismatches.push({ table: key(t), expected: t.rows, actual: r.rows });
    if (r.fingerprint !== t.fingerprint) diff.fingerprintMismatches.push(key(t));
  }
  for (const t of actual) if (!recorded.has(key(t))) diff.extra.push(key(t));
  return diff;
}
