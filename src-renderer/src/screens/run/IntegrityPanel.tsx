import type { VerifyReport } from '../../../../src-main/contract/verify';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { CancelCheck } from '../../ui/CancelCheck';
import { ChecksList } from '../../ui/ChecksList';
import { useAction } from '../../useAsync';
import type { PanelProps } from '../RunScreen';

export function IntegrityPanel({ run, item }: PanelProps) {
  const action = useAction();
  const report = item.evidence as VerifyReport | null;
  const verify = () => action.run(() => unwrap(api().verifyBackup({ runId: run.id })));
  return (
    <div>
      {report?.checks && <ChecksList checks={report.checks} />}
      <ErrorBanner error={action.error} />
      <div className="actions">
        <button className={item.state === 'passed' ? '' : 'primary'} disabled={action.busy || !run.backupFile} onClick={() => void verify()}>
          {action.busy ? 'Checking… (hashes, full decrypt, archive listing)' : item.state === 'pending' ? 'Run integrity check' : 'Check again'}
        </button>
        {action.busy && <CancelCheck runId={run.id} what="integrity check" />}
      </div>
    </div>
  );
}
