import { useState } from 'react';
import { signOffGate } from '../../../../src-main/contract/constants';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { SignerKeyPicker, type SignerChoice } from '../../ui/SignerKeyPicker';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

/**
 * The creator signs the log with their own SSH key; a different person, with a different key, verifies and
 * signs the same document — here, or on their own workstation through a review bundle.
 */
export function SignOffPanel({ run }: PanelProps<'sign-off'>) {
  const action = useAction();
  const [name, setName] = useState('');
  const [override, setOverride] = useState('');
  const [key, setKey] = useState<SignerChoice>(null);
  const [bundle, setBundle] = useState<string | null>(null);
  const role = run.signOffs.some((s) => s.role === 'creator') ? 'verifier' : 'creator';
  const done = run.signOffs.length === 2;
  const red = run.items.filter((i) => (signOffGate as readonly string[]).includes(i.key) && i.state !== 'passed');
  const reset = () => {
    setName('');
    setOverride('');
    setKey(null);
  };
  const sign = (via: { keyFile: string } | { agentKey: string } | { reviewBundle: string }) =>
    action.run(() => unwrap(api().signOff({ runId: run.id, request: { role, name, ...via, ...(override.trim() ? { overrideReason: override } : {}) } }))).then((signed) => signed && reset());
  const exportBundle = () =>
    action
      .run(async () => {
        const folder = await unwrap(api().pickFolder({ purpose: 'export' }));
        return folder ? unwrap(api().exportReview({ runId: run.id, folder })) : undefined;
      })
      .then((r) => r && setBundle(r.bundle));
  const importBundle = () =>
    action.run(async () => {
      const folder = await unwrap(api().pickFolder({ purpose: 'review' }));
      if (!folder) return undefined;
      const signed = await unwrap(api().signOff({ runId: run.id, request: { role: 'verifier', name, reviewBundle: folder, ...(override.trim() ? { overrideReason: override } : {}) } }));
      reset();
      return signed;
    });
  return (
    <div>
      {run.signOffs.length > 0 && (
        <ul className="plain">
          {run.signOffs.map((s) => (
            <li key={s.role}>
              <strong>
                {s.role === 'creator' ? 'Created' : 'Verified'} by {s.name}
              </strong>{' '}
              <span className="muted">
                ({s.principal ? <>principal {s.principal}, key <span className="mono">{s.fingerprint}</span>, </> : 'no personal key, '}
                OS user {s.osUser}, {new Date(s.signedAt).toLocaleString()}
                {s.checkedOn === 'another workstation' ? ', checked on another workstation' : ''})
              </span>
              {s.overrideReason && <span className="report bad"> — override: {s.overrideReason}</span>}
            </li>
          ))}
        </ul>
      )}
      {role === 'verifier' && !done && (
        <div className="banner info">
          <p>
            The verifier checks the evidence and signs the same document with <strong>their own</strong> key. On another workstation: export a review bundle, give it to them with the backup file; their Backup
            Warden checks the file and signs (Review screen); then import it here.
          </p>
          <div className="actions">
            <button type="button" onClick={() => void exportBundle()} disabled={action.busy}>
              Export review bundle…
            </button>
            {bundle && (
              <span className="small">
                Written: <span className="mono">{bundle}</span>
              </span>
            )}
          </div>
        </div>
      )}
      {!done && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (key) void sign(key);
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
          <SignerKeyPicker value={key} onChange={setKey} label={role === 'creator' ? 'Your own SSH key (signs the log)' : 'Your own SSH key (not the creator’s)'} />
          <ErrorBanner error={action.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={action.busy || !key}>
              Sign as {role}
            </button>
            {role === 'verifier' && (
              <button type="button" disabled={action.busy || name.trim().length < 2} onClick={() => void importBundle()}>
                Import signed review bundle…
              </button>
            )}
          </div>
        </form>
      )}
    </div>
  );
}
