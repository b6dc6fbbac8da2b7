import { useEffect, useState } from 'react';
import type { BackupProgress } from '../../../../src-main/contract/backup';
import { isFailure } from '../../../../src-main/contract/evidence';
import { formatBytes } from '../../../../src-main/contract/format';
import { api, unwrap } from '../../api';
import { ProgressBar } from '../../ui/ProgressBar';
import type { PanelProps } from './panelProps';

/** The backup while it runs (live progress, ETA, cancel), then what it produced. It is started from the project. */
export function BackupEvidence({ run, item }: PanelProps<'backup'>) {
  const [progress, setProgress] = useState<BackupProgress | null>(null);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => api().onBackupProgress((e) => e.runId === run.id && setProgress(e.progress)), [run.id]);
  // No progress for a while: the backup runs in another process, or waits on the database.
  const [quiet, setQuiet] = useState(false);
  useEffect(() => {
    if (item.state !== 'running' || progress) return;
    const timer = setTimeout(() => setQuiet(true), 5000);
    return () => clearTimeout(timer);
  }, [item.state, progress]);
  const e = item.evidence;
  if (item.state === 'running') {
    const cancel = () => {
      setCancelling(true);
      void unwrap(api().cancelBackup({ projectId: run.projectId }));
    };
    return (
      <div>
        {progress ? (
          <ProgressBar progress={progress} />
        ) : quiet ? (
          <p className="muted" role="status">
            No progress reaches this window: the backup runs in another process (the command line or another window, which shows its progress), or it waits on the database — a lock a migration still holds, for instance. Cancel stops it either way.
          </p>
        ) : (
          <p className="muted">Connecting and reading the catalog…</p>
        )}
        <div className="actions">
          <button onClick={cancel} disabled={cancelling}>
            {cancelling ? 'Cancelling…' : 'Cancel backup'}
          </button>
        </div>
      </div>
    );
  }
  if (!e) return <p className="muted">Started from the project’s “Start backup”.</p>;
  if (isFailure(e)) return <p className="report bad">{e.error}</p>;
  return (
    <>
      <dl className="facts">
        <dt>File</dt>
        <dd className="mono">{e.file}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(e.ciphertextBytes)} (encrypted with age)</dd>
        <dt>SHA-256</dt>
        <dd className="mono">{e.ciphertextSha256}</dd>
        <dt>Contents</dt>
        <dd>
          {e.publicTables} tables in public, {e.tables} in all, {e.rows.toLocaleString()} rows (exact counts)
        </dd>
        <dt>Roles</dt>
        <dd>{e.roles}</dd>
        <dt>Tools</dt>
        <dd>
          pg_dump {e.pgDump} against PostgreSQL {e.serverVersion}
          {e.jobs > 1 ? `; ${e.jobs} parallel jobs (directory archive, packed with tar)` : ''}
        </dd>
        <dt>Recovery</dt>
        <dd>
          without Backup Warden: <span className="mono">{e.file.replace(/\.dump\.age$/, '.RECOVERY.md')}</span> ({e.jobs > 1 ? 'age, tar' : 'age'} and pg_restore, step by step)
        </dd>
      </dl>
    </>
  );
}
