import { useState } from 'react';
import { isFailure } from '../../../../src-main/contract/evidence';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

/** Tell the team: through the project's webhook, or paste the prepared message and say where it went. */
export function NotifyPanel({ run, project, item }: PanelProps<'notify'>) {
  const action = useAction();
  const [message, setMessage] = useState<string | null>(item.evidence && !isFailure(item.evidence) ? item.evidence.message : null);
  const [by, setBy] = useState('');
  const [channel, setChannel] = useState('');
  const show = () => action.run(() => unwrap(api().notifyTeam({ mode: 'message', runId: run.id }))).then((r) => r && setMessage(r.message));
  const send = () => action.run(() => unwrap(api().notifyTeam({ mode: 'send', runId: run.id })));
  const confirm = () => action.run(() => unwrap(api().notifyTeam({ mode: 'confirm', runId: run.id, by, channel })));
  return (
    <div>
      {message && <pre className="message" tabIndex={0}>{message}</pre>}
      <ErrorBanner error={action.error} />
      <div className="actions">
        <button disabled={action.busy} onClick={() => void show()}>
          Show message
        </button>
        <button disabled={action.busy || !project.hasNotifyWebhook} onClick={() => void send()}>
          Send to team webhook
        </button>
        {!project.hasNotifyWebhook && <span className="muted small">No webhook in the project settings: copy the message and confirm below.</span>}
      </div>
      {item.state !== 'passed' && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <label>
            Sent by
            <input value={by} onChange={(e) => setBy(e.target.value)} required minLength={2} />
          </label>
          <label>
            Where
            <input value={channel} onChange={(e) => setChannel(e.target.value)} required minLength={2} placeholder="#db-migrations" />
          </label>
          <button type="submit" disabled={action.busy}>
            Confirm sent
          </button>
        </form>
      )}
    </div>
  );
}
