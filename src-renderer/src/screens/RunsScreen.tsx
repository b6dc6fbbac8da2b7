import { useEffect, useState } from 'react';
import type { RunView } from '../../../src-main/contract/runs';
import { api, unwrap } from '../api';
import { ErrorBanner, messageOf } from '../ErrorBanner';
import { StateBadge } from '../ui/StateBadge';

export function RunsScreen({ onOpen }: { onOpen: (runId: string) => void }) {
  const [runs, setRuns] = useState<RunView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    unwrap(api().listRuns({})).then(setRuns, (e: unknown) => setError(messageOf(e)));
  }, []);
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Backup runs</h2>
      <ErrorBanner error={error} />
      {runs?.length === 0 && <p className="empty">No runs yet. Start one from a project.</p>}
      {runs && runs.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Started</th>
              <th>Project</th>
              <th>Backup</th>
              <th>Status</th>
              <th>Checklist</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td>{new Date(r.startedAt).toLocaleString()}</td>
                <td>{r.projectName}</td>
                <td>
                  <button className="link" onClick={() => onOpen(r.id)}>
                    {r.name}
                  </button>
                </td>
                <td>
                  <StateBadge state={r.status} />
                </td>
                <td className="dots" aria-label={r.items.map((i) => `${i.title}: ${i.state}`).join(', ')}>
                  {r.items.map((i) => (
                    <span key={i.key} className={`dot state-${i.state}`} title={`${i.title}: ${i.state}`} />
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
