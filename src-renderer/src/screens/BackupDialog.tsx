import { useCallback, useEffect, useRef, useState } from 'react';
import { MAX_BACKUP_JOBS } from '../../../src-main/contract/backup';
import type { ProjectView } from '../../../src-main/contract/project';
import { api, unwrap } from '../api';
import { ErrorBanner } from '../ErrorBanner';
import { useAction } from '../useAsync';

/** Starts a backup of one project into a folder the operator picks, with live progress and cancel. */
export function BackupDialog({ project, onRun, onClose }: { project: ProjectView; onRun: (runId: string) => void; onClose: () => void }) {
  const action = useAction();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [folder, setFolder] = useState<string | null>(null);
  const [recipients, setRecipients] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const [jobs, setJobs] = useState(1);
  // Production whose recovery key only this keychain holds: the operator says so knowingly (recorded).
  const singleKey = project.environment === 'production' && !project.keyEscrowedAt && project.extraRecipients.length === 0 && !recipients.trim();
  // As soon as the run exists, its checklist takes over: the backup's progress shows there. Only once:
  // the backup's result arrives later, when the operator may be elsewhere, and must not pull them back.
  const opened = useRef(false);
  const openOnce = useCallback(
    (runId: string) => {
      if (opened.current) return;
      opened.current = true;
      onRun(runId);
    },
    [onRun],
  );
  useEffect(() => api().onBackupProgress((e) => e.projectId === project.id && openOnce(e.runId)), [project.id, openOnce]);

  const pick = () => action.run(() => unwrap(api().pickFolder({ purpose: 'backup' }))).then((f) => f && setFolder(f));
  const start = () =>
    action
      .run(() =>
        unwrap(
          api().startBackup({
            projectId: project.id,
            ...(name.trim() ? { name: name.trim() } : {}),
            description,
            extraRecipients: recipients.split(/\s+/).filter(Boolean),
            acknowledgeSingleKey: singleKey && acknowledged,
            jobs,
            outputDir: folder!,
          }),
        ),
      )
      .then((r) => r && openOnce(r.runId));
  const cancel = () => void unwrap(api().cancelBackup({ projectId: project.id }));

  return (
    <section className="form" aria-labelledby="backup-title">
      <h2 id="backup-title">Back up {project.name}</h2>
      <p className="muted">
        pg_dump of {project.user}@{project.host}:{project.port}/{project.database}, encrypted with the project’s age key, hashed and written atomically;
        exact row counts in the same snapshot.
      </p>
      <label>
        Backup name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="pre-migration-baseline-YYYY-MM-DD" disabled={action.busy} />
      </label>
      <label>
        Purpose <input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="e.g. baseline before the forum schema migration" disabled={action.busy} />
      </label>
      <label>
        Extra recipients for this backup only (age1…, one per line: e.g. an offline key kept in a safe)
        <textarea rows={2} value={recipients} onChange={(e) => setRecipients(e.target.value)} disabled={action.busy} spellCheck={false} />
      </label>
      <label>
        Parallel jobs{' '}
        <input type="number" min={1} max={MAX_BACKUP_JOBS} value={jobs} onChange={(e) => setJobs(Math.max(1, Math.min(MAX_BACKUP_JOBS, Math.trunc(Number(e.target.value)) || 1)))} disabled={action.busy} />
      </label>
      <p className="muted">
        {jobs === 1
          ? 'One pg_dump streams straight into the encrypted file: the usual choice.'
          : `${jobs} pg_dump jobs read tables at once (${jobs + 1} database sessions), for a large database on a workstation with more cores: the dump is first written unencrypted to a private temporary folder on this workstation (as large as the data), then packed with tar and encrypted into one file, and the folder removed.`}
      </p>
      {singleKey && (
        <div className="warning" role="alert">
          <p>
            <strong>Only this workstation can open this backup.</strong> The project’s recovery key is not escrowed and the backup has no other recipient: if this
            workstation or its keychain is lost, so is the backup. Export the recovery key (Projects → Export recovery key…) or add a break-glass recipient above.
          </p>
          <label className="inline">
            <input type="checkbox" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} /> I accept that risk for this backup (recorded in the audit trail)
          </label>
        </div>
      )}
      <div className="actions">
        <button onClick={() => void pick()} disabled={action.busy}>
          Choose folder…
        </button>
        <span className={folder ? 'mono' : 'muted'}>{folder ?? 'No folder chosen yet'}</span>
      </div>
      <ErrorBanner error={action.error} />
      <div className="actions">
        <button className="primary" disabled={action.busy || !folder || (singleKey && !acknowledged)} onClick={() => void start()}>
          {action.busy ? 'Backing up…' : 'Start backup'}
        </button>
        {action.busy ? <button onClick={cancel}>Cancel backup</button> : <button onClick={onClose}>Close</button>}
      </div>
    </section>
  );
}
