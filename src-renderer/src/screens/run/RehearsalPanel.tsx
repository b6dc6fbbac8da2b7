import { useEffect, useState } from 'react';
import type { ProjectView } from '../../../../src-main/contract/project';
import { isFailure } from '../../../../src-main/contract/evidence';
import type { RehearsalReport, RehearsalTarget } from '../../../../src-main/contract/verify';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { CancelCheck } from '../../ui/CancelCheck';
import { RunningElsewhere } from '../../ui/RunningElsewhere';
import { ChecksList } from '../../ui/ChecksList';
import { RowCountChart } from '../../ui/RowCountChart';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const n = (x: number) => x.toLocaleString();
const OUTCOME = {
  passed: { className: 'good', text: 'Rehearsal passed' },
  partial: { className: 'warn', text: 'Rehearsal PARTIAL — not green: part of the backup needs extensions this server lacks' },
  failed: { className: 'bad', text: 'Rehearsal FAILED' },
} as const;

/** What the rehearsal found, readable at a glance: outcome and real numbers first, then each finding with what to do. */
function Findings({ report }: { report: RehearsalReport }) {
  const t = report.totals;
  const outcome = OUTCOME[report.outcome];
  const lacking = report.extensions.filter((e) => e.status !== 'installed');
  return (
    <>
      <p className={`report ${outcome.className}`} role="status">
        <strong>{outcome.text}:</strong> {t.tablesRestored} of {t.tablesExpected} tables restored, {n(t.rowsRestored)} of {n(t.rowsExpected)} rows, into {report.target}.{' '}
        {report.timings.rtoMs === null ? 'No restore time: the restore did not complete cleanly.' : <strong>Measured RTO {secs(report.timings.rtoMs)}</strong>}{' '}
        <span className="muted">(whole rehearsal {secs(report.timings.totalMs)})</span>
      </p>
      {report.isolation && <p className="muted small">Isolation: {report.isolation}.</p>}
      {report.restoreErrors.length > 0 && (
        <div className="findings" aria-label="Restore errors by cause">
          <h4>Restore errors by cause</h4>
          <ul className="plain">
            {report.restoreErrors.map((g) => (
              <li key={g.kind}>
                <strong>
                  {g.title}: {g.count}
                </strong>{' '}
                — {g.action}
                <details>
                  <summary>First {g.examples.length} messages</summary>
                  <ul className="mono small">
                    {g.examples.map((x, i) => (
                      <li key={i}>{x}</li>
                    ))}
                  </ul>
                </details>
              </li>
            ))}
          </ul>
        </div>
      )}
      {lacking.length > 0 && (
        <table className="grid compact" aria-label="Extensions this server lacks">
          <thead>
            <tr>
              <th>Extension</th>
              <th>Tables that need it</th>
              <th>What to do</th>
            </tr>
          </thead>
          <tbody>
            {lacking.map((e) => (
              <tr key={e.name} className="mismatch">
                <td className="mono">
                  {e.name} {e.version} ({e.status})
                </td>
                <td className="mono">{e.tables.length ? e.tables.join(', ') : 'none'}</td>
                <td>{e.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.refused.length > 0 && (
        <div className="findings" aria-label="Refused by the rehearsal">
          <h4>Not carried over from production, on purpose</h4>
          <ul className="plain small">
            {report.refused.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

export function RehearsalPanel({ run, item }: PanelProps<'rehearsal'>) {
  const action = useAction();
  const [amcheck, setAmcheck] = useState(true);
  const [showAll, setShowAll] = useState(false);
  const [staging, setStaging] = useState<ProjectView[]>([]);
  const [targetId, setTargetId] = useState('embedded');
  const [confirmClean, setConfirmClean] = useState('');
  useEffect(() => {
    // Staging targets: any other project that is not production (main refuses the rest anyway).
    void unwrap(api().listProjects()).then((all) => setStaging(all.filter((p) => p.environment !== 'production' && p.id !== run.projectId)), () => setStaging([]));
  }, [run.projectId]);
  const failure = item.evidence && isFailure(item.evidence) ? item.evidence.error : null;
  const report = item.evidence && !isFailure(item.evidence) ? item.evidence : null;
  const target: RehearsalTarget =
    targetId === 'embedded' ? { kind: 'embedded' } : { kind: 'project', projectId: targetId, ...(confirmClean.trim() ? { confirmClean: confirmClean.trim() } : {}) };
  const rehearse = () => action.run(() => unwrap(api().rehearse({ runId: run.id, amcheck, target })));
  const tables = report ? report.tables.filter((t) => showAll || t.table.startsWith('public.') || t.expected !== t.restored) : [];
  return (
    <div>
      {failure && <p className="report bad">{failure}</p>}
      {report && (
        <>
          <Findings report={report} />
          <ChecksList checks={report.checks} />
          <RowCountChart tables={tables} />
          <table className="grid compact" aria-label="Row counts: backup against restored database">
            <thead>
              <tr>
                <th>Table</th>
                <th className="num">Rows in backup</th>
                <th className="num">Rows restored</th>
              </tr>
            </thead>
            <tbody>
              {tables.map((t) => (
                <tr key={t.table} className={t.expected === t.restored ? '' : 'mismatch'}>
                  <td className="mono">{t.table}</td>
                  <td className="num">{t.expected?.toLocaleString() ?? '—'}</td>
                  <td className="num">{t.restored?.toLocaleString() ?? 'missing'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <label className="inline">
            <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> Show tables of every schema ({report.tables.length})
          </label>
        </>
      )}
      {/* The item's own error already says it (a failed or cancelled rehearsal): no second banner. */}
      <ErrorBanner error={action.error === failure ? null : action.error} />
      {item.state === 'running' && !action.busy && <RunningElsewhere what="rehearsal" cancel={() => api().cancelCheck({ runId: run.id })} />}
      <div className="actions">
        <label className="inline">
          Restore into{' '}
          <select aria-label="Rehearsal target" value={targetId} onChange={(e) => setTargetId(e.target.value)}>
            <option value="embedded">a sandboxed scratch PostgreSQL on this workstation</option>
            {staging.map((p) => (
              <option key={p.id} value={p.id}>
                staging project “{p.name}” ({p.database} on {p.host})
              </option>
            ))}
          </select>
        </label>
        {targetId !== 'embedded' && (
          <label className="inline">
            If it is not empty, type its database name to clean it: <input aria-label="Database name to clean" value={confirmClean} onChange={(e) => setConfirmClean(e.target.value)} />
          </label>
        )}
        <label className="inline">
          <input type="checkbox" checked={amcheck} onChange={(e) => setAmcheck(e.target.checked)} /> Also check indexes with pg_amcheck
        </label>
        <button className={item.state === 'passed' ? '' : 'primary'} disabled={action.busy || !run.backupFile} onClick={() => void rehearse()}>
          {action.busy ? 'Rehearsing… (prepare server, decrypt, restore, compare)' : item.state === 'pending' ? 'Rehearse restore' : 'Rehearse again'}
        </button>
        {action.busy && <CancelCheck runId={run.id} what="rehearsal" />}
      </div>
    </div>
  );
}
