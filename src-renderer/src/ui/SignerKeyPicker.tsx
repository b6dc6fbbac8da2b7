import { useState } from 'react';
import type { IpcOutput } from '../../../src-main/contract/ipc';
import { api, unwrap } from '../api';
import { ErrorBanner } from '../ErrorBanner';
import { useAction } from '../useAsync';

/** The key a person signs with: a private key file (passed to ssh-keygen by path) or a key in ssh-agent. */
export type SignerChoice = { keyFile: string } | { agentKey: string } | null;

/** Choose your own SSH key: a file through the picker, or one of the keys ssh-agent offers (hardware tokens too). */
export function SignerKeyPicker({ value, onChange, label }: { value: SignerChoice; onChange: (choice: SignerChoice) => void; label: string }) {
  const action = useAction();
  const [agentKeys, setAgentKeys] = useState<IpcOutput<'listAgentKeys'> | null>(null);
  const chooseFile = () =>
    action.run(() => unwrap(api().pickFile({ purpose: 'ssh-key' }))).then((file) => file && onChange({ keyFile: file }));
  const loadAgent = () => action.run(() => unwrap(api().listAgentKeys())).then((keys) => keys && setAgentKeys(keys));
  return (
    <fieldset className="signer-key">
      <legend>{label}</legend>
      <div className="actions">
        <button type="button" onClick={() => void chooseFile()} disabled={action.busy}>
          Choose key file…
        </button>
        <button type="button" onClick={() => void loadAgent()} disabled={action.busy}>
          Use a key from ssh-agent…
        </button>
      </div>
      {agentKeys && agentKeys.length === 0 && <p className="muted small">ssh-agent holds no keys: add yours with ssh-add, or choose your key file.</p>}
      {agentKeys && agentKeys.length > 0 && (
        <label>
          ssh-agent key
          <select value={value && 'agentKey' in value ? value.agentKey : ''} onChange={(e) => onChange(e.target.value ? { agentKey: e.target.value } : null)}>
            <option value="">Choose…</option>
            {agentKeys.map((k) => (
              <option key={k.fingerprint} value={k.fingerprint}>
                {k.comment || k.publicKey.split(' ')[0]} — {k.fingerprint}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="small" aria-live="polite">
        {value === null ? <span className="muted">No key chosen yet. The key never leaves ssh-keygen or your agent.</span> : 'keyFile' in value ? <>Key file <span className="mono">{value.keyFile}</span></> : <>Agent key <span className="mono">{value.agentKey}</span></>}
      </p>
      <ErrorBanner error={action.error} />
    </fieldset>
  );
}
