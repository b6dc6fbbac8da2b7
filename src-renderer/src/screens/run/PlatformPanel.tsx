import { useState } from 'react';
import { backupStatuses, plans } from '../../../../src-main/contract/constants';
import { isFailure } from '../../../../src-main/contract/evidence';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { inHours, toIso } from '../../ui/dates';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

/** Supabase's own daily backup must outlive the migration window: read from the Management API, or attested. */
export function PlatformPanel({ run, project, item }: PanelProps<'prerequisites'>) {
  const action = useAction();
  const evidence = item.evidence && !isFailure(item.evidence) ? item.evidence.platform : null;
  const failure = item.evidence && isFailure(item.evidence) ? item.evidence.error : null;
  const [plan, setPlan] = useState<(typeof plans)[number]>('pro');
  const [start, setStart] = useState(() => inHours(1));
  const [end, setEnd] = useState(() => inHours(4));
  const [backupId, setBackupId] = useState('');
  const [status, setStatus] = useState<(typeof backupStatuses)[number]>('COMPLETED');
  const [insertedAt, setInsertedAt] = useState(() => inHours(-3));
  const [attestedBy, setAttestedBy] = useState('');
  const [note, setNote] = useState('');
  const migrationWindow = () => ({ start: toIso(start), end: toIso(end) });
  const canQuery = project.hasManagementToken && project.supabaseRef !== null;

  const check = () => action.run(() => unwrap(api().checkPlatform({ runId: run.id, request: { plan, migrationWindow: migrationWindow() } })));
  const attest = () =>
    action.run(() => unwrap(api().attestPlatform({ runId: run.id, attestation: { backupId, status, insertedAt: toIso(insertedAt), plan, migrationWindow: migrationWindow(), attestedBy, note } })));

  return (
    <div>
      {failure && <p className="report bad">{failure}</p>}
      {evidence && (
        <dl className="facts">
          <dt>Platform backup</dt>
          <dd>
            {evidence.backupId} · {evidence.backupStatus} · taken {new Date(evidence.insertedAt).toLocaleString()}
            {evidence.physical !== null && (evidence.physical ? ' · physical' : ' · logical')}
          </dd>
          <dt>Kept until</dt>
          <dd>
            {new Date(evidence.expiresAt).toLocaleString()} ({evidence.retentionDays}-day retention{evidence.retentionSource ? `, from ${evidence.retentionSource}` : ''})
            {evidence.pitrDays ? ` · point-in-time recovery add-on: ${evidence.pitrDays} days` : ''}
          </dd>
          {evidence.postgresEngine != null && (
            <>
              <dt>PostgreSQL</dt>
              <dd>{evidence.postgresEngine} on Supabase (postgres_engine); the tools here must be that major or newer</dd>
            </>
          )}
          {evidence.authUsers && (
            <>
              <dt>Auth users</dt>
              <dd>
                {evidence.authUsers.live.toLocaleString()} in Supabase Auth now; {evidence.authUsers.inBackup === null ? 'no auth.users in the backup' : `${evidence.authUsers.inBackup.toLocaleString()} in the backup’s auth.users`}
              </dd>
            </>
          )}
          <dt>Source</dt>
          <dd>{evidence.mode === 'verified' ? `Management API (${evidence.source})` : `attested by ${evidence.attestedBy ?? 'the operator'}`}</dd>
        </dl>
      )}
      {evidence?.warnings.map((w) => (
        <p key={w} className="banner error" role="alert">
          {w}
        </p>
      ))}
      <div className="row">
        <label>
          Plan
          <select value={plan} onChange={(e) => setPlan(e.target.value as typeof plan)}>
            {plans.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Migration window starts
          <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label>
          ends
          <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />
        </label>
      </div>
      <ErrorBanner error={action.error} />
      <div className="actions">
        <button disabled={action.busy || !canQuery} onClick={() => void check()}>
          Check with the Management API
        </button>
        {!canQuery && <span className="muted small">Needs the project’s Supabase ref and a Management API token; otherwise attest below.</span>}
      </div>
      <details className="attest">
        <summary>Attest the platform backup (Dashboard → Database → Backups)</summary>
        <div className="row">
          <label>
            Backup id
            <input value={backupId} onChange={(e) => setBackupId(e.target.value)} placeholder="as shown in the Dashboard" />
          </label>
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
              {backupStatuses.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label>
            Taken at
            <input type="datetime-local" value={insertedAt} onChange={(e) => setInsertedAt(e.target.value)} />
          </label>
        </div>
        <div className="row">
          <label>
            Your full name
            <input value={attestedBy} onChange={(e) => setAttestedBy(e.target.value)} autoComplete="name" />
          </label>
          <label>
            Note
            <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="where you saw it" />
          </label>
        </div>
        <div className="actions">
          <button className="primary" disabled={action.busy} onClick={() => void attest()}>
            Attest platform backup
          </button>
        </div>
      </details>
    </div>
  );
}
