import { useState } from 'react';
import type { IpcOutput } from '../../../../src-main/contract/ipc';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

const allGood = (r: IpcOutput<'exportLog'>) => r.verified && r.signatures.length === 2 && r.signatures.every((s) => s.ok);

/** The backup log filled in from evidence: preview at any time, export signed once both have signed off. */
export function LogPanel({ run }: PanelProps<'log'>) {
  const action = useAction();
  const [preview, setPreview] = useState<IpcOutput<'previewLog'> | null>(null);
  const [exported, setExported] = useState<IpcOutput<'exportLog'> | null>(null);
  const signed = run.signOffs.length === 2;
  const showPreview = () => action.run(() => unwrap(api().previewLog({ runId: run.id }))).then((p) => p && setPreview(p));
  const exportLog = () =>
    action
      .run(async () => {
        const folder = await unwrap(api().pickFolder({ purpose: 'export' }));
        if (!folder) return undefined;
        return unwrap(api().exportLog({ runId: run.id, folder }));
      })
      .then((r) => r && setExported(r));
  return (
    <div>
      {exported && (
        <div className={allGood(exported) ? 'banner good' : 'banner error'} role="status">
          <p>{allGood(exported) ? 'Signed log exported; every signature verifies.' : 'Exported, but a signature did NOT verify — do not use this export.'}</p>
          <ul className="plain">
            {exported.signatures.map((s) => (
              <li key={s.role}>
                <strong>{s.role === 'creator' ? 'Creator' : 'Verifier'}</strong> {s.principal}: {s.ok ? <>good signature, key <span className="mono">{s.fingerprint}</span></> : <>BAD — {s.reason}</>}
              </li>
            ))}
            <li>
              <strong>Machine attestation</strong> (this installation, not a person): {exported.verified ? 'good' : 'BAD'}, key <span className="mono">{exported.fingerprint}</span>
            </li>
          </ul>
          <ul className="plain mono">
            {[exported.markdownFile, exported.jsonFile, exported.receiptFile, ...exported.signatureFiles, exported.allowedSignersFile].map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
          <p className="muted small">Auditors check it with: ssh-keygen -Y verify -f allowed_signers -I &lt;principal&gt; -n backup-warden-log -s FILE.sig &lt; FILE</p>
        </div>
      )}
      <ErrorBanner error={action.error} />
      <div className="actions">
        <button disabled={action.busy} onClick={() => void showPreview()}>
          Preview log
        </button>
        <button className={signed ? 'primary' : ''} disabled={action.busy || !signed} onClick={() => void exportLog()}>
          Export signed log…
        </button>
        {!signed && <span className="muted small">Export opens after both people signed with their own keys, so the log carries both signatures.</span>}
      </div>
      {preview && (
        <figure className="log-preview">
          <figcaption className="muted small">Preview of {preview.suggestedPath}</figcaption>
          <pre tabIndex={0}>{preview.markdown}</pre>
        </figure>
      )}
    </div>
  );
}
