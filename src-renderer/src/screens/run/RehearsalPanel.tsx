import { useState } from 'react';
import type { RehearsalReport } from '../../../../src-main/contract/verify';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { ChecksList } from '../../ui/ChecksList';
import { useAction } from '../../useAsync';
import type { PanelProps } from '../RunScreen';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function RehearsalPanel({ run, item }: PanelProps) {
  const action = useAction();
  const [amcheck, setAmcheck] = useState(true);
  const [showAll, setShowAll] = useState(false);
  const evidence = item.evidence as (RehearsalReport & { error?: undefined }) | { error: string } | null;
  const report = evidence && 'checks' in evidence ? evidence : null;
  const rehearse = () => action.run(() => unwrap(api().rehearseRestore({ runId: run.id, amcheck })));
  const tables = report ? report.tables.filter((t) => showAll || t.table.startsWith('public.') || t.expected !== t.restored) : [];
  return (
    <div>
      {evidence?.error && <p className="report bad">{evidence.error}</p>}
      {report && (
        <>
          <p>
            Restored into {report.target}. <strong>Measured RTO {secs(report.timings.rtoMs)}</strong> (decrypt and restore); whole rehearsal {secs(report.timings.totalMs)}.
          </p>
          <ChecksList checks={report.checks} />
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
      <ErrorBanner error={action.error} />
      <div className="actions">
        <label className="inline">
          <input type="checkbox" checked={amcheck} onChange={(e) => setAmcheck(e.target.checked)} /> Also check indexes with pg_amcheck
        </label>
        <button className={item.state === 'passed' ? '' : 'primary'} disabled={action.busy || !run.backupFile} onClick={() => void rehearse()}>
          {action.busy ? 'Rehearsing… (scratch PostgreSQL, decrypt, restore, compare)' : item.state === 'pending' ? 'Rehearse restore' : 'Rehearse again'}
        </button>
      </div>
    </div>
  );
}
