import { useEffect, useState } from 'react';
import type { AuditEntry, ChainVerdict } from '../../../src-main/contract/audit';
import { api, unwrap } from '../api';
import { ErrorBanner, messageOf } from '../ErrorBanner';
import { useAction } from '../useAsync';

export function AuditScreen() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [verdict, setVerdict] = useState<ChainVerdict | null>(null);
  const [error, setError] = useState<string | null>(null);
  const action = useAction();
  const [exported, setExported] = useState<string | null>(null);
  const exportAs = (format: 'csv' | 'json') =>
    action
      .run(async () => {
        const folder = await unwrap(api().pickFolder({ purpose: 'export' }));
        return folder ? unwrap(api().exportAudit({ format, folder })) : undefined;
      })
      .then((r) => r && setExported(`Exported ${r.entries} entries to ${r.file}`));

  useEffect(() => {
    Promise.all([unwrap(api().listAudit({ limit: 500 })), unwrap(api().verifyAudit())]).then(
      ([list, chain]) => {
        setEntries(list);
        setVerdict(chain);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  return (
    <section aria-labelledby="audit-title">
      <div className="section-head">
        <h2 id="audit-title">Audit trail</h2>
        <div className="actions">
          <button disabled={action.busy} onClick={() => void exportAs('csv')}>
            Export CSV…
          </button>
          <button disabled={action.busy} onClick={() => void exportAs('json')}>
            Export JSON…
          </button>
        </div>
      </div>
      <ErrorBanner error={error ?? action.error} />
      {exported && <p className="banner good">{exported}</p>}
      {verdict && (
        <p className={verdict.ok ? 'banner good' : 'banner error'} role="status">
          {verdict.ok
            ? `Chain intact: ${verdict.rows} entries, head ${verdict.headHash.slice(0, 16)}…`
            : `Chain broken at entry ${verdict.firstBadSeq}: ${verdict.reason}`}
        </p>
      )}
      <table className="grid">
        <thead>
          <tr>
            <th>#</th>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td className="mono">{JSON.stringify(e.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
