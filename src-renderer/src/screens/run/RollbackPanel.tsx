import { useEffect, useState } from 'react';
import type { ProjectView } from '../../../../src-main/contract/project';
import type { RestorePreview, RestoreRecord } from '../../../../src-main/contract/restore';
import type { RunView } from '../../../../src-main/contract/runs';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { useAction } from '../../useAsync';

const n = (x: number | null) => (x === null ? '—' : x.toLocaleString());
const STATE: Record<RestoreRecord['state'], { className: string; text: string }> = {
  running: { className: 'warn', text: 'Restoring' },
  restored: { className: 'good', text: 'Restored and verified' },
  'partially-restored': { className: 'bad', text: 'PARTIALLY RESTORED — the target is neither the backup nor what it was' },
  failed: { className: 'bad', text: 'Refused or failed before anything changed' },
  cancelled: { className: 'warn', text: 'Cancelled before anything changed' },
};
const PHASE: Record<RestoreRecord['phase'], string> = {
  'safety-backup': 'taking and verifying a safety backup of the target',
  restoring: 'restoring the backup (then Storage objects, when chosen)',
  verifying: 'checking every table against the backup',
  done: 'done',
};

/** One restore's outcome: state, what it checked, and the safety backup as the way back. */
function RestoreOutcome({ r }: { r: RestoreRecord }) {
  const s = STATE[r.state];
  return (
    <li>
      <p className={`report ${s.className}`} role="status">
        <strong>{s.text}</strong> into {r.targetName} ({r.endpoint}) — {r.state === 'running' ? PHASE[r.phase] : new Date(r.finishedAt ?? r.startedAt).toLocaleString()}; requested by {r.requestedBy}
        {r.confirmedBy ? `, confirmed by ${r.confirmedBy}` : r.overrideReason ? `, override: ${r.overrideReason}` : ''}.
      </p>
      {r.verified && (
        <p className="muted small">
          Checked {r.verified.tables} tables, {n(r.verified.rows)} rows against the backup{r.verified.mismatches.length ? `: ${r.verified.mismatches.length} differ — ${r.verified.mismatches.slice(0, 5).join('; ')}` : ': all as in the backup'}.
        </p>
      )}
      {r.verified?.storage && (
        <p className="muted small">
          Storage: {n(r.verified.storage.objects)} objects uploaded again{r.verified.storage.createdBuckets.length ? `; buckets created (private, check their settings): ${r.verified.storage.createdBuckets.join(', ')}` : ''}.
        </p>
      )}
      {r.error && <p className="report bad small">{r.error}</p>}
      {r.safetyFile && <p className="muted small">Safety backup of what was replaced: <span className="mono">{r.safetyFile}</span></p>}
    </li>
  );
}

/**
 * Rollback: the backup restored into a live database. The operator picks the target, reads what will
 * be lost, types the database name, and — for production — the run's verifier confirms by name (or an
 * override is given with its reason). The app takes a verified safety backup first and checks every table after.
 */
export function RollbackPanel({ run, project }: { run: RunView; project: ProjectView }) {
  const [projects, setProjects] = useState<ProjectView[]>([]);
  const [targetId, setTargetId] = useState('');
  const [preview, setPreview] = useState<RestorePreview | null>(null);
  const [database, setDatabase] = useState('');
  const [confirmedBy, setConfirmedBy] = useState('');
  const [override, setOverride] = useState('');
  const [withStorage, setWithStorage] = useState(true);
  const action = useAction();
  const running = run.restores.find((r) => r.state === 'running');
  const verified = run.items.find((i) => i.key === 'integrity')?.state === 'passed';

  useEffect(() => {
    void unwrap(api().listProjects()).then((list) => {
      setProjects(list);
      setTargetId((id) => id || project.id);
    });
  }, [project.id]);
  useEffect(() => setPreview(null), [targetId]);

  const look = () => action.run(async () => setPreview(await unwrap(api().previewRestore({ runId: run.id, targetProjectId: targetId }))));
  const restore = () =>
    action.run(async () => {
      await unwrap(
        api().restore({
          runId: run.id,
          targetProjectId: targetId,
          confirmDatabase: database,
          withStorage: withStorage && preview?.storage?.preview != null,
          ...(confirmedBy.trim() ? { confirmedBy: confirmedBy.trim() } : {}),
          ...(override.trim() ? { overrideReason: override.trim() } : {}),
        }),
      );
      setPreview(null);
      setDatabase('');
    });
  const changed = preview?.tables.filter((t) => t.rowsNow !== t.rowsInBackup || (t.rowsAfterBackup ?? 0) > 0) ?? [];

  return (
    <section className="card rollback" aria-labelledby="rollback-title">
      <div className="card-head">
        <h3 id="rollback-title">Roll back to this backup</h3>
      </div>
      {run.restores.length > 0 && <ul className="plain">{run.restores.map((r) => <RestoreOutcome key={r.id} r={r} />)}</ul>}
      {!verified ? (
        <p className="muted">Only a verified backup is restored: run its integrity check first.</p>
      ) : (
        <>
          <div className="row">
            <label>
              Restore into
              <select value={targetId} onChange={(e) => setTargetId(e.target.value)} disabled={action.busy}>
                {projects.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.environment}) — {p.database}
                  </option>
                ))}
              </select>
            </label>
            <button className="align-end" onClick={() => void look()} disabled={action.busy || !targetId}>
              Show what will be lost
            </button>
          </div>
          {preview && (
            <div className="findings" data-testid="loss-preview">
              <p>
                <strong>Target:</strong> {preview.target.projectName} ({preview.target.environment}), <span className="mono">{preview.target.endpoint}</span>, PostgreSQL {preview.target.serverVersion}.
                The backup was taken {new Date(preview.backupTakenAt).toLocaleString()}: the restore discards every change made there since —{' '}
                <strong>{n(preview.totals.rowsAfterBackup)} rows newer than the backup</strong>, {n(preview.totals.rowsNow)} rows now against {n(preview.totals.rowsInBackup)} in the backup.
              </p>
              {changed.length > 0 ? (
                <table className="grid compact" aria-label="What the restore will discard">
                  <thead>
                    <tr>
                      <th>Table</th>
                      <th>Rows now</th>
                      <th>In the backup</th>
                      <th>Newer than the backup</th>
                      <th>Newest now</th>
                    </tr>
                  </thead>
                  <tbody>
                    {changed.map((t) => (
                      <tr key={t.table}>
                        <td className="mono">{t.table}</td>
                        <td>{n(t.rowsNow)}</td>
                        <td>{n(t.rowsInBackup)}</td>
                        <td>{t.rowsAfterBackup ? <strong>{n(t.rowsAfterBackup)}</strong> : '—'}</td>
                        <td className="small">{t.newestNow ? `${t.newestColumn} ${new Date(t.newestNow).toLocaleString()}` : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="muted">Every table holds what the backup holds: nothing would be lost.</p>
              )}
              {preview.notInBackup.length > 0 && <p className="muted small">Not in the backup, left as they are: {preview.notInBackup.join(', ')}.</p>}
              {preview.storage && <StorageLoss storage={preview.storage} withStorage={withStorage} setWithStorage={setWithStorage} />}
              <p className="hint">A verified safety backup of the target is taken first; it is the way back if the restore goes wrong.</p>
              <label>
                Type the database name <strong className="mono">{preview.target.database}</strong> to confirm
                <input className="mono" value={database} onChange={(e) => setDatabase(e.target.value)} autoComplete="off" />
              </label>
              {preview.needsSecondPerson && (
                <div className="row">
                  <SecondPerson verifier={preview.verifier} confirmedBy={confirmedBy} setConfirmedBy={setConfirmedBy} override={override} setOverride={setOverride} />
                </div>
              )}
              <div className="actions">
                <button className="danger" disabled={action.busy || database !== preview.target.database} onClick={() => void restore()}>
                  Restore into {preview.target.projectName}
                </button>
              </div>
            </div>
          )}
          {running && (
            <div className="actions">
              <span className="muted">Restore running: {PHASE[running.phase]}…</span>
              <button onClick={() => void unwrap(api().cancelRestore({ targetProjectId: running.targetProjectId }))}>Cancel restore</button>
            </div>
          )}
        </>
      )}
      {verified && project.supabaseRef && <PlatformRollback run={run} project={project} />}
      <ErrorBanner error={action.error} />
    </section>
  );
}

/** Storage in the rollback: what uploading the run's archive again would change, and the choice to do it. */
function StorageLoss({ storage, withStorage, setWithStorage }: { storage: NonNullable<RestorePreview['storage']>; withStorage: boolean; setWithStorage: (v: boolean) => void }) {
  const s = storage.preview;
  if (!s) return <p className="report warn small">Storage objects cannot be restored into this target: {storage.unavailable}</p>;
  return (
    <div data-testid="storage-loss">
      <label className="check">
        <input type="checkbox" checked={withStorage} onChange={(e) => setWithStorage(e.target.checked)} />
        Also restore Storage objects: {n(s.objects)} objects from {s.buckets.join(', ')}, backed up {new Date(s.backedUpAt).toLocaleString()}
      </label>
      {withStorage && (
        <p className="muted small">
          {n(s.broughtBack)} brought back, {n(s.replaced)} replaced by their backed-up version
          {s.changedSince.count > 0 && (
            <>
              {' '}— <strong>{n(s.changedSince.count)} changed since the backup lose that change</strong> ({s.changedSince.sample.slice(0, 5).join(', ')}
              {s.changedSince.count > 5 ? ', …' : ''})
            </>
          )}
          ; {n(s.keptNotInBackup)} not in the backup are left as they are{s.missingBuckets.length ? `; buckets created private: ${s.missingBuckets.join(', ')}` : ''}. The target’s Storage is backed up first.
        </p>
      )}
    </div>
  );
}

/** Supabase's point-in-time recovery of the whole project to the backup's moment, behind the same confirmations. */
function PlatformRollback({ run, project }: { run: RunView; project: ProjectView }) {
  const [ref, setRef] = useState('');
  const [confirmedBy, setConfirmedBy] = useState('');
  const [override, setOverride] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const prerequisites = run.items.find((i) => i.key === 'prerequisites');
  const platform = prerequisites?.evidence && 'platform' in prerequisites.evidence ? prerequisites.evidence.platform : null;
  const production = project.environment === 'production';
  const request = () =>
    action.run(async () => {
      const r = await unwrap(
        api().restorePlatform({
          runId: run.id,
          confirmRef: ref.trim(),
          ...(confirmedBy.trim() ? { confirmedBy: confirmedBy.trim() } : {}),
          ...(override.trim() ? { overrideReason: override.trim() } : {}),
        }),
      );
      setDone(`Supabase accepted the point-in-time recovery of ${r.ref} to ${new Date(r.recoveryTime).toLocaleString()}. Follow it in the Dashboard; the project is unavailable while it runs.`);
    });
  return (
    <div className="findings" aria-label="Platform rollback">
      <h4>Platform rollback (Supabase project {project.supabaseRef})</h4>
      {platform && platform.pitrEnabled === false ? (
        <p>
          Point-in-time recovery is not enabled on this project. Restore the platform backup <strong>{platform.backupId}</strong> (taken {new Date(platform.insertedAt).toLocaleString()}) in the
          Dashboard: Database → Backups → Scheduled backups → Restore. It holds that moment, not this backup’s.
        </p>
      ) : (
        <>
          <p className="hint">Rolls the whole project (database, not Storage files) back to the moment this backup was taken, through the Management API. Everything since is lost.</p>
          <div className="row">
            <label>
              Type the project ref <strong className="mono">{project.supabaseRef}</strong>
              <input className="mono" value={ref} onChange={(e) => setRef(e.target.value)} autoComplete="off" />
            </label>
            {production && <SecondPerson verifier={null} confirmedBy={confirmedBy} setConfirmedBy={setConfirmedBy} override={override} setOverride={setOverride} />}
          </div>
          <div className="actions">
            <button className="danger" disabled={action.busy || ref.trim() !== project.supabaseRef} onClick={() => void request()}>
              Point-in-time restore to this backup
            </button>
          </div>
        </>
      )}
      {done && (
        <p className="report good" role="status">
          {done}
        </p>
      )}
      <ErrorBanner error={action.error} />
    </div>
  );
}

/** For production: the run's verifier confirms by typing their name, or someone gives an override with its reason (recorded). */
function SecondPerson(p: { verifier: string | null; confirmedBy: string; setConfirmedBy: (v: string) => void; override: string; setOverride: (v: string) => void }) {
  return (
    <>
      <label>
        The run’s verifier{p.verifier ? ` (${p.verifier})` : ''} types their name
        <input value={p.confirmedBy} onChange={(e) => p.setConfirmedBy(e.target.value)} autoComplete="off" />
      </label>
      <label>
        …or an override, with the reason (recorded)
        <input value={p.override} onChange={(e) => p.setOverride(e.target.value)} autoComplete="off" />
      </label>
    </>
  );
}
