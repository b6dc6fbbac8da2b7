import { useEffect, useState } from 'react';
import type { BackupProgress } from '../../../src-main/contract/backup';
import type { CheckProgress } from '../../../src-main/contract/runs';
import { api } from '../api';
import { formatBytes } from '../../../src-main/contract/format';

const phaseText: Record<BackupProgress['phase'], string> = {
  preparing: 'Preparing (snapshot, row counts)',
  dumping: 'Dumping and encrypting',
  roles: 'Capturing roles',
  finalizing: 'Writing manifest and checking files',
};

const seconds = (ms: number) => (ms < 60_000 ? `${Math.ceil(ms / 1000)} s` : `${Math.floor(ms / 60_000)} min ${Math.ceil((ms % 60_000) / 1000)} s`);

/** Live backup progress: a real progressbar for assistive technology, and the numbers behind it. */
export function ProgressBar({ progress }: { progress: BackupProgress }) {
  const pct = Math.round(progress.fraction * 100);
  return (
    <div className="progress-block">
      <div className="progress" role="progressbar" aria-label="Backup progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="progress-text" aria-live="polite">
        {phaseText[progress.phase]}: {pct}% · {formatBytes(progress.bytesDumped)} dumped
        {progress.tablesTotal ? ` · ${progress.tablesDone}/${progress.tablesTotal} tables` : ''}
        {progress.currentTable ? ` · ${progress.currentTable}` : ''}
        {progress.etaMs !== null ? ` · about ${seconds(progress.etaMs)} left` : ''}
      </p>
    </div>
  );
}

/**
 * A running integrity check or rehearsal: its phase, how far overall and the time left, as the core
 * reports them; an indeterminate bar until the first report arrives.
 */
export function CheckProgressBar({ runId, title, activity }: { runId: string; title: string; activity: CheckProgress['activity'] }) {
  const [progress, setProgress] = useState<CheckProgress | null>(null);
  useEffect(() => api().onCheckProgress((e) => e.runId === runId && e.progress.activity === activity && setProgress(e.progress)), [runId, activity]);
  if (!progress) {
    return (
      <div className="progress indeterminate" role="progressbar" aria-label={`${title}: in progress`} aria-busy="true">
        <div className="progress-fill" />
      </div>
    );
  }
  const pct = Math.round(progress.fraction * 100);
  return (
    <div className="progress-block">
      <div className="progress" role="progressbar" aria-label={`${title}: progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="progress-text" aria-live="polite">
        Step {progress.step} of {progress.steps}: {progress.phase} · {pct}%{progress.etaMs !== null ? ` · about ${seconds(progress.etaMs)} left` : ''}
      </p>
    </div>
  );
}
