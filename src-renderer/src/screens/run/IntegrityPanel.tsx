import { isFailure } from '../../../../src-main/contract/evidence';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { CancelCheck } from '../../ui/CancelCheck';
import { RunningElsewhere } from '../../ui/RunningElsewhere';
import { ChecksList } from '../../ui/ChecksList';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

export function IntegrityPanel({ run, item }: PanelProps<'integrity'>) {
  const action = useAction();
  const report = item.evidence && !isFailure(item.evidence) ? item.evidence : null;
  const failure = item.evidence && isFailure(item.evidence) ? item.evidence.error : null;
  const verify = () => action.run(() => unwrap(api().checkIntegrity({ runId: run.id })));
  return (
    <div>
      {failure && <p className="report bad">{failure}</p>}
      {report && <ChecksList checks={report.checks} />}
      <ErrorBanner error={action.error} />
      {item.state === 'running' && !action.busy && <RunningElsewhere what="integrity check" cancel={() => api().cancelCheck({ runId: run.id })} />}
      <div className="actions">
        <button className={item.state === 'passed' ? '' : 'primary'} disabled={action.busy || !run.backupFile} onClick={() => void verify()}>
          {action.busy ? 'Checking… (hashes, full decrypt, archive listing)' : item.state === 'pending' ? 'Run integrity check' : 'Check again'}
        </button>
        {action.busy && <CancelCheck runId={run.id} what="integrity check" />}
      </div>
    </div>
  );
}
