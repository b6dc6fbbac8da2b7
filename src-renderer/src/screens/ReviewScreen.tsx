import { useState } from 'react';
import type { IpcOutput } from '../../../src-main/contract/ipc';
import { api, unwrap } from '../api';
import { ErrorBanner } from '../ErrorBanner';
import { ChecksList } from '../ui/ChecksList';
import { SignerKeyPicker, type SignerChoice } from '../ui/SignerKeyPicker';
import { useAction } from '../useAsync';

/**
 * The verifier's workstation: a review bundle from the creator, the backup file itself and the verifier's
 * own key. Backup Warden checks the creator's signature and the file (and decrypts it in full with a
 * recipient key, if given), and signs only when everything holds.
 */
export function ReviewScreen() {
  const action = useAction();
  const [bundle, setBundle] = useState<string | null>(null);
  const [backupFile, setBackupFile] = useState<string | null>(null);
  const [identity, setIdentity] = useState<{ name: string; text: string } | null>(null);
  const [name, setName] = useState('');
  const [key, setKey] = useState<SignerChoice>(null);
  const [result, setResult] = useState<IpcOutput<'signReview'> | null>(null);
  const pick = (fn: () => Promise<string | null>, set: (v: string) => void) => action.run(fn).then((v) => v && set(v));
  const sign = () =>
    action
      .run(() => unwrap(api().signReview({ bundle: bundle!, backupFile: backupFile!, name, ...key!, ...(identity ? { identity: identity.text } : {}) })))
      .then((r) => r && setResult(r));
  const ready = bundle && backupFile && key && name.trim().length >= 2;
  return (
    <section aria-labelledby="review-title">
      <h2 id="review-title">Review a backup as the verifier</h2>
      <p className="muted">For a verifier on their own workstation. The creator gives you a review bundle and the backup file; you sign the same document with your own key, then send the bundle back.</p>
      <ol className="steps">
        <li>
          <button type="button" onClick={() => void pick(() => unwrap(api().pickFolder({ purpose: 'review' })), setBundle)} disabled={action.busy}>
            Choose review bundle…
          </button>{' '}
          {bundle && <span className="mono small">{bundle}</span>}
        </li>
        <li>
          <button type="button" onClick={() => void pick(() => unwrap(api().pickFile({ purpose: 'backup-file' })), setBackupFile)} disabled={action.busy}>
            Choose the backup file…
          </button>{' '}
          {backupFile && <span className="mono small">{backupFile}</span>}
        </li>
        <li>
          <label className="file-button">
            {identity ? `Recipient key: ${identity.name}` : 'Optional: a recipient key file to decrypt it in full…'}
            <input type="file" accept=".txt,.key" disabled={action.busy} onChange={(e) => void e.target.files?.[0]?.text().then((text) => setIdentity({ name: e.target.files![0]!.name, text }))} />
          </label>
        </li>
        <li>
          <label>
            Your full name (the verifier)
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" minLength={2} />
          </label>
        </li>
        <li>
          <SignerKeyPicker value={key} onChange={setKey} label="Your own SSH key (not the creator’s)" />
        </li>
      </ol>
      <ErrorBanner error={action.error} />
      <div className="actions">
        <button type="button" className="primary" disabled={action.busy || !ready} onClick={() => void sign()}>
          {action.busy ? 'Checking the backup file…' : 'Check and sign'}
        </button>
      </div>
      {result && (
        <div className="banner good" role="status">
          <p>
            Signed as <strong>{result.principal}</strong> with <span className="mono">{result.fingerprint}</span>. Send the bundle back to {result.creator.name}.
          </p>
          <p>
            Creator’s key <span className="mono">{result.creator.fingerprint}</span> ({result.creator.principal}): compare it with the creator before trusting it.
          </p>
          <ChecksList checks={result.checks} />
        </div>
      )}
    </section>
  );
}
