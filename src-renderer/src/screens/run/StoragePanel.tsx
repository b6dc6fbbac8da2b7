import { useEffect, useState } from 'react';
import { formatBytes } from '../../../../src-main/contract/format';
import { isFailure } from '../../../../src-main/contract/evidence';
import type { RunView } from '../../../../src-main/contract/runs';
import type { StorageProgress } from '../../../../src-main/contract/storage';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { RunningElsewhere } from '../../ui/RunningElsewhere';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

/**
 * Supabase Storage objects are not in the database backup: they get their own archive beside it. While it
 * runs: objects and bytes, and Cancel (finished objects are kept for the next attempt); then what it holds.
 * A person may leave Storage out of the run instead, saying why.
 */
export function StoragePanel({ run, project, item }: PanelProps<'storage'>) {
  const action = useAction();
  const [progress, setProgress] = useState<StorageProgress | null>(null);
  const [leaving, setLeaving] = useState(false);
  const [by, setBy] = useState('');
  const [reason, setReason] = useState('');
  useEffect(() => api().onStorageProgress((e) => e.runId === run.id && setProgress(e.progress)), [run.id]);
  const s = run.storage;
  const evidence = item.evidence && !isFailure(item.evidence) ? item.evidence : null;
  const reachable = project.supabaseRef !== null || project.apiUrl !== null;
  const start = () => action.run(() => unwrap(api().backupStorage({ runId: run.id }))).finally(() => setProgress(null));
  const leaveOut = () => action.run(() => unwrap(api().leaveStorageOut({ runId: run.id, by, reason }))).then(() => setLeaving(false));
  if (evidence?.scope === 'none') return <p className="muted">{evidence.reason}</p>;
  if (evidence?.scope === 'out-of-scope') {
    return (
      <p className="report" role="status">
        Left out of this run by {evidence.by} ({evidence.objectRows.toLocaleString()} storage.objects rows): {evidence.reason}
      </p>
    );
  }
  return (
    <section className="storage" aria-label="Storage objects">
      {s ? (
        <>
          <p className="report good" role="status">
            {s.objects.toLocaleString()} objects, {formatBytes(s.bytes)} from {s.buckets.join(', ') || 'no bucket'}
            {s.excludedBuckets.length > 0 && <> (left out: {s.excludedBuckets.join(', ')})</>} in <span className="mono">{s.archiveFile}</span> — a tar inside age; SHA-256{' '}
            <span className="mono">{s.ciphertextSha256}</span>.
          </p>
          <Consistency c={s.consistency} />
        </>
      ) : (
        <p className="muted">
          The database backup holds only the rows describing Storage objects, not the files. Back them up beside it before the migration.
          {!reachable && ' This project has no Supabase project ref or API URL: add one in the project settings, or leave Storage out with the reason.'}
        </p>
      )}
      {action.busy && progress && (
        <p role="status">
          {progress.phase === 'listing' ? 'Listing buckets and folders…' : `${progress.phase === 'archiving' ? 'Writing the archive' : 'Downloading'}: ${progress.objectsDone.toLocaleString()} of ${progress.objectsTotal.toLocaleString()} objects, ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`}
          {progress.resumed > 0 && ` (${progress.resumed.toLocaleString()} from an earlier attempt)`}
        </p>
      )}
      <ErrorBanner error={action.error} />
      {item.state === 'running' && !action.busy && <RunningElsewhere what="Storage backup" cancel={() => api().cancelStorage({ runId: run.id })} />}
      {!s && run.backupFile && item.state !== 'running' && (
        <div className="actions">
          {reachable && (
            <button className="primary" disabled={action.busy} onClick={() => void start()}>
              {action.busy ? 'Backing up Storage…' : action.error || item.state === 'failed' ? 'Resume the Storage backup' : 'Back up Storage objects'}
            </button>
          )}
          {action.busy && <button onClick={() => void api().cancelStorage({ runId: run.id })}>Cancel</button>}
          {!action.busy && !leaving && <button onClick={() => setLeaving(true)}>Leave Storage out of this run…</button>}
        </div>
      )}
      {leaving && (
        <form
          className="row"
          aria-label="Leave Storage out of this run"
          onSubmit={(e) => {
            e.preventDefault();
            void leaveOut();
          }}
        >
          <label>
            Decided by
            <input value={by} onChange={(e) => setBy(e.target.value)} required minLength={2} />
          </label>
          <label>
            Why (kept in the audit trail and the log)
            <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={10} placeholder="Storage is backed up by our nightly S3 sync" />
          </label>
          <button type="submit" disabled={action.busy}>
            Leave out
          </button>
          <button type="button" onClick={() => setLeaving(false)}>
            Keep it in
          </button>
        </form>
      )}
    </section>
  );
}

/** The archive against the database backup's storage.objects rows, naming what disagrees. */
function Consistency({ c }: { c: NonNullable<RunView['storage']>['consistency'] }) {
  if (!c) return <p className="muted">The database backup has no storage.objects table to compare the archive with.</p>;
  if (c.ok) return <p className="report good">Matches the database: all {c.rows.toLocaleString()} storage.objects rows have their file, with the size the row records.</p>;
  const more = (n: number, shown: number) => (n > shown ? <li className="muted">and {n - shown} more</li> : null);
  return (
    <div className="banner error" data-testid="storage-inconsistent">
      <p>
        <strong>Does not match the database</strong> ({c.rows.toLocaleString()} storage.objects rows). Find out why before the migration: a file deleted behind the database, an upload that
        never finished. The archive holds what Storage had.
      </p>
      <ul className="plain mono small">
        {c.missingFiles.sample.map((o) => (
          <li key={`m${o.bucket}/${o.path}`}>missing file: {o.bucket}/{o.path}</li>
        ))}
        {more(c.missingFiles.count, c.missingFiles.sample.length)}
        {c.sizeMismatches.sample.map((o) => (
          <li key={`s${o.bucket}/${o.path}`}>
            other size: {o.bucket}/{o.path} (file {o.fileSize} bytes, row {o.rowSize})
          </li>
        ))}
        {more(c.sizeMismatches.count, c.sizeMismatches.sample.length)}
        {c.filesWithoutRow.sample.map((o) => (
          <li key={`n${o.bucket}/${o.path}`}>no row: {o.bucket}/{o.path}</li>
        ))}
        {more(c.filesWithoutRow.count, c.filesWithoutRow.sample.length)}
      </ul>
    </div>
  );
}
