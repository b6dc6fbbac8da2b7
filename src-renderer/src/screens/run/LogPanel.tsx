import { useState } from 'react';
import type { IpcOutput } from '../../../../src-main/contract/ipc';
import { api, unwrap } from '../../api';
import { ErrorBanner } from '../../ErrorBanner';
import { useAction } from '../../useAsync';
import type { PanelProps } from './panelProps';

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
        <div className={exported.verified ? 'banner good' : 'banner error'} role="status">
          <p>
            {exported.verified ? 'Signed log exported; its signature verifies.' : 'Exported, but the signature did NOT verify — do not use this export.'} Key {exported.fingerprint}
          </p>
          <ul className="plain mono">
            {[exported.markdownFile, exported.jsonFile, ...exported.signatureFiles, exported.allowedSignersFile].map((f) => (
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
        {!signed && <span className="muted small">Export opens after both sign-offs, so the log carries them.</span>}
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
