import { useState } from 'react';
import { signOffGate } from '../../../../src-main/contract/constants';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

/** The creator signs, then a different person verifies; both only on green evidence, unless overridden with a reason. */
export function SignOffPanel({ run }: PanelProps<'sign-off'>) {
  const action = useAction();
  const [name, setName] = useState('');
  const [override, setOverride] = useState('');
  const role = run.signOffs.some((s) => s.role === 'creator') ? 'verifier' : 'creator';
  const done = run.signOffs.length === 2;
  const red = run.items.filter((i) => (signOffGate as readonly string[]).includes(i.key) && i.state !== 'passed');
  const sign = () =>
    action
      .run(() => unwrap(api().signOff({ runId: run.id, request: { role, name, ...(override.trim() ? { overrideReason: override } : {}) } })))
      .then((signed) => {
        if (!signed) return;
        setName('');
        setOverride('');
      });
  return (
    <div>
      {run.signOffs.length > 0 && (
        <ul className="plain">
          {run.signOffs.map((s) => (
            <li key={s.role}>
              <strong>{s.role === 'creator' ? 'Created' : 'Verified'} by {s.name}</strong> <span className="muted">(OS user {s.osUser}, {new Date(s.signedAt).toLocaleString()})</span>
              {s.overrideReason && <span className="report bad"> — override: {s.overrideReason}</span>}
            </li>
          ))}
        </ul>
      )}
      {!done && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void sign();
          }}
        >
          {red.length > 0 && (
            <p className="banner error">
              Not yet green: {red.map((i) => i.title).join(', ')}. Signing now needs an override with a reason, kept in the audit trail.
            </p>
          )}
          <label>
            {role === 'creator' ? 'Creator’s full name' : 'Verifier’s full name (a different person)'}
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" required minLength={2} />
          </label>
          {red.length > 0 && (
            <label>
              Override reason
              <input value={override} onChange={(e) => setOverride(e.target.value)} />
            </label>
          )}
          <ErrorBanner error={action.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={action.busy}>
              Sign as {role}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
