import type { RehearsalReport } from '../../contract/verify';

/** One line an operator reads first: the outcome, the real numbers and the restore time (none when the restore failed). */
export function rehearsalHeadline(r: RehearsalReport): string {
  const t = r.totals;
  const outcome = r.outcome === 'passed' ? 'Rehearsal passed' : r.outcome === 'partial' ? 'Rehearsal PARTIAL (not green)' : 'Rehearsal FAILED';
  const rto = r.timings.rtoMs === null ? 'no restore time: the restore did not complete cleanly' : `restore time (RTO) ${(r.timings.rtoMs / 1000).toFixed(1)} s`;
  return `${outcome}: ${t.tablesRestored} of ${t.tablesExpected} tables restored, ${t.rowsRestored.toLocaleString('en-US')} of ${t.rowsExpected.toLocaleString('en-US')} rows into ${r.target}; ${rto}.`;
}

/** The findings behind a rehearsal that is not green, each with what to do: restore errors, extensions, refusals. */
export function rehearsalFindings(r: RehearsalReport): string[] {
  return [
    ...r.restoreErrors.map((g) => `${g.title}: ${g.count}. ${g.action}${g.examples.length ? `\n    first: ${g.examples.slice(0, 3).join('\n    ')}` : ''}`),
    ...r.extensions.filter((e) => e.status !== 'installed').map((e) => `Extension ${e.name} ${e.status}${e.tables.length ? ` (tables ${e.tables.join(', ')})` : ''}: ${e.detail}`),
    ...r.refused.map((x) => `Refused: ${x}`),
  ];
}
