import { isFailure } from '../../../../src-main/contract/evidence';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { CancelCheck } from '../../ui/CancelCheck';
import { RunningElsewhere } from '../../ui/RunningElsewhere';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

/**
 * Proof that losing this workstation does not lose the backup: the operator chooses the escrowed recovery
 * key file (or a break-glass key file); the page reads it and main decrypts the whole backup with it.
 */
export function RecoveryPanel({ run, project, item }: PanelProps<'recovery'>) {
  const action = useAction();
  const evidence = item.evidence && !isFailure(item.evidence) ? item.evidence : null;
  const failure = item.evidence && isFailure(item.evidence) ? item.evidence.error : null;
  const check = (file: File | undefined) => file && action.run(async () => unwrap(api().checkRecovery({ runId: run.id, key: await file.text() })));
  return (
    <div>
      {failure && <p className="report bad">{failure}</p>}
      {evidence && (
        <p className="report good" role="status">
          Decrypted in full with the <strong>{evidence.keyKind}</strong> (<span className="mono">{evidence.recipient}</span>), not this keychain’s copy; {evidence.plaintextSha256 ? 'archive SHA-256 as recorded' : 'file SHA-256 as recorded, every chunk authenticated'}. Checked{' '}
          {new Date(evidence.checkedAt).toLocaleString()}.
        </p>
      )}
      {!evidence && !project.keyEscrowedAt && (
        <p className="muted">The recovery key has not been escrowed yet: export it from the project (Projects → Export recovery key…), then check with that file here.</p>
      )}
      <ErrorBanner error={action.error} />
      {item.state === 'running' && !action.busy && <RunningElsewhere what="recovery check" cancel={() => api().cancelCheck({ runId: run.id })} />}
      <div className="actions">
        <label className={`file-button${item.state === 'passed' ? '' : ' primary'}`} aria-disabled={action.busy || !run.backupFile}>
          {action.busy ? 'Decrypting with that key…' : item.state === 'passed' ? 'Check with another key file…' : 'Check with the recovery key file…'}
          <input type="file" accept=".txt,.key" disabled={action.busy || !run.backupFile} onChange={(e) => void check(e.target.files?.[0])} />
        </label>
        {action.busy && <CancelCheck runId={run.id} what="recovery check" />}
      </div>
    </div>
  );
}
