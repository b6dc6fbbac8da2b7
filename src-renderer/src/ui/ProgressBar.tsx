import type { BackupProgress } from '../../../src-main/contract/backup';
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
        {phaseText[progress.phase]}: {pct}% · {formatBytes(progress.bytesDumped)} dumped · {progress.tablesDone}/{progress.tablesTotal} tables
        {progress.currentTable ? ` · ${progress.currentTable}` : ''}
        {progress.etaMs !== null ? ` · about ${seconds(progress.etaMs)} left` : ''}
      </p>
    </div>
  );
}
