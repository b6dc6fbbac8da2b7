import { countRows, readTables } from '../backup/catalog';
import { withPgClient, type PgTarget } from '../pg/connect';
import type { Manifest, TableFacts } from '../../contract/backup';
import type { CheckResult, ExtensionOutcome, RehearsalOutcome, RehearsalReport, TableDiff } from '../../contract/verify';
import type { RestoreResult } from './restore';
import { describeErrorGroups } from './restoreErrors';

const key = (t: Pick<TableFacts, 'schema' | 'name'>) => `${t.schema}.${t.name}`;

/** What differs between the tables recorded at backup time and those found after restore. A missing table is a count mismatch too. */
export function diffTables(expected: readonly TableFacts[], actual: readonly TableFacts[]): TableDiff {
  const restored = new Map(actual.map((t) => [key(t), t]));
  const recorded = new Set(expected.map(key));
  const diff: TableDiff = { missing: [], extra: [], countMismatches: [], fingerprintMismatches: [] };
  for (const t of expected) {
    const r = restored.get(key(t));
    if (!r) {
      diff.missing.push(key(t));
      diff.countMismatches.push({ table: key(t), expected: t.rows, actual: null });
      continue;
    }
    if (r.rows !== t.rows) diff.countMismatches.push({ table: key(t), expected: t.rows, actual: r.rows });
    if (r.fingerprint !== t.fingerprint) diff.fingerprintMismatches.push(key(t));
  }
  for (const t of actual) if (!recorded.has(key(t))) diff.extra.push(key(t));
  return diff;
}

/** Said of a restore that ran from a decrypted file because the streamed one rolled back at an error. */
const AFTER_STREAM = (restore: RestoreResult) =>
  restore.afterStream ? ' (First tried as the backup was decrypted, in one transaction, which rolled back at the first error; then restored from a decrypted copy, entry by entry, to name every error.)' : '';
const list = (names: readonly string[], max = 12) => (names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', '));

export interface Judgement {
  outcome: RehearsalOutcome;
  checks: CheckResult[];
  diff: TableDiff;
  totals: RehearsalReport['totals'];
  tables: RehearsalReport['tables'];
}

/**
 * The rehearsal's verdict. Tables that depend on an extension the server lacks (or that a rehearsal
 * refuses to install) are expected to be missing: they make it partial, never green. Anything else
 * that is missing, differs or failed makes it failed.
 */
export function judgeRehearsal(args: {
  manifest: Manifest;
  restored: readonly TableFacts[];
  restore: RestoreResult;
  extensions: readonly ExtensionOutcome[];
  restoredAs: string;
  notes: readonly string[];
  extraChecks: readonly CheckResult[];
}): Judgement {
  const { manifest, restored, restore, extensions } = args;
  const lacking = extensions.filter((e) => e.status !== 'installed');
  const excused = new Set(lacking.flatMap((e) => e.tables));
  const diff = diffTables(manifest.tables, restored);
  const byTable = new Map(restored.map((t) => [key(t), t]));
  const tablesRestored = manifest.tables.filter((t) => byTable.has(key(t))).length;
  const rowsRestored = manifest.tables.reduce((sum, t) => sum + (t.kind === 'table' ? (byTable.get(key(t))?.rows ?? 0) : 0), 0);
  const totals = { tablesExpected: manifest.tables.length, tablesRestored, rowsExpected: manifest.totals.rows, rowsRestored };

  const missingExcused = diff.missing.filter((t) => excused.has(t));
  const missingOther = diff.missing.filter((t) => !excused.has(t));
  const countsOther = diff.countMismatches.filter((m) => !excused.has(m.table));
  const shapesOther = diff.fingerprintMismatches.filter((t) => !excused.has(t));
  const explained = (kind: string) => kind === 'missing-extension' || kind === 'missing-object';

  const checks: CheckResult[] = [];
  const restoreStatus = restore.ok ? 'passed' : lacking.length && restore.errors.every((g) => explained(g.kind)) ? 'partial' : 'failed';
  checks.push({
    key: 'restore',
    title: 'pg_restore completed without errors',
    status: restoreStatus,
    detail: restore.ok
      ? `${restore.streamed ? 'Restored as it was decrypted, in one transaction (no decrypted copy written),' : `Restored with ${restore.jobs} parallel jobs`} as ${args.restoredAs}; the decrypted archive matches the manifest's SHA-256.${AFTER_STREAM(restore)} ${args.notes.join(' ')}`.trim()
      : `${restore.errors.reduce((n, g) => n + g.count, 0)} restore errors. ${describeErrorGroups(restore.errors)}${AFTER_STREAM(restore)}`,
    numbers: { jobs: restore.jobs, errors: restore.errors.reduce((n, g) => n + g.count, 0) },
  });
  if (extensions.length) {
    checks.push({
      key: 'extensions',
      title: 'Extensions of the backup available here',
      status: lacking.length ? 'partial' : 'passed',
      detail: lacking.length
        ? lacking.map((e) => `${e.name} ${e.status === 'refused' ? 'refused' : 'missing'} (${e.tables.length ? `tables ${list(e.tables)}` : 'no table depends on it'}): ${e.detail}`).join(' ')
        : `All ${extensions.length} installed: ${extensions.map((e) => e.name).join(', ')}.`,
      numbers: { extensions: extensions.length, lacking: lacking.length },
    });
  }
  checks.push({
    key: 'tables-match',
    title: 'Same tables as at backup time',
    status: missingOther.length + diff.extra.length ? 'failed' : missingExcused.length ? 'partial' : 'passed',
    detail:
      missingOther.length + diff.extra.length + missingExcused.length === 0
        ? `All ${manifest.tables.length} tables restored.`
        : [
            missingOther.length ? `Missing after restore: ${list(missingOther)}.` : '',
            missingExcused.length ? `Not restorable without their extension: ${list(missingExcused)}.` : '',
            diff.extra.length ? `Not in the backup: ${list(diff.extra)}.` : '',
          ].filter(Boolean).join(' '),
    numbers: { expected: manifest.tables.length, restored: tablesRestored },
  });
  checks.push({
    key: 'row-counts',
    title: 'Exact row counts equal the manifest',
    status: countsOther.length ? 'failed' : missingExcused.length ? 'partial' : 'passed',
    detail: countsOther.length
      ? countsOther.map((m) => (m.actual === null ? `${m.table}: missing (${m.expected} rows at backup)` : `${m.table}: ${m.actual} restored, ${m.expected} at backup`)).join('; ')
      : missingExcused.length
        ? `Every restored table has its exact count; ${missingExcused.length} tables could not be restored without their extension.`
        : `${rowsRestored} rows in ${tablesRestored} tables, all equal.`,
    numbers: { mismatches: countsOther.length, rows: manifest.totals.rows, rowsRestored, tablesRestored },
  });
  checks.push({
    key: 'schema-fingerprint',
    title: 'Table definitions equal the manifest (columns, constraints, indexes, policies)',
    status: shapesOther.length ? 'failed' : 'passed',
    detail: shapesOther.length
      ? `Definitions differ for: ${list(shapesOther)}.`
      : excused.size
        ? `Definitions equal for every table restored with its extensions.`
        : `Schema fingerprint ${manifest.schemaFingerprint.slice(0, 16)}… reproduced.`,
    numbers: { mismatches: shapesOther.length },
  });
  checks.push(...args.extraChecks);
  const outcome: RehearsalOutcome = checks.some((c) => c.status === 'failed') ? 'failed' : checks.some((c) => c.status === 'partial') ? 'partial' : 'passed';
  return {
    outcome,
    checks,
    diff,
    totals,
    tables: manifest.tables.map((t) => ({ table: key(t), expected: t.rows, restored: byTable.get(key(t))?.rows ?? null })),
  };
}

/**
 * The tables of a restored database with their rows counted over two connections (nothing else writes
 * to a restored copy during the check, so no shared snapshot is needed).
 */
export async function countRestored(target: PgTarget, excludeSchemas: string[], signal?: AbortSignal): Promise<TableFacts[]> {
  const tables = await withPgClient(target, async (client) => {
    await client.query('BEGIN READ ONLY');
    return readTables(client, excludeSchemas);
  }, signal);
  // Largest first, dealt alternately: the two halves take about the same time.
  const bySize = [...tables].sort((a, b) => b.bytes - a.bytes);
  const halves = [bySize.filter((_, i) => i % 2 === 0), bySize.filter((_, i) => i % 2 === 1)];
  const counted = await Promise.all(
    halves.map((half) =>
      withPgClient(target, async (client) => {
        await client.query('BEGIN READ ONLY');
        return countRows(client, half);
      }, signal),
    ),
  );
  const order = new Map(tables.map((t, i) => [`${t.schema}.${t.name}`, i]));
  return counted.flat().sort((a, b) => order.get(`${a.schema}.${a.name}`)! - order.get(`${b.schema}.${b.name}`)!);
}
