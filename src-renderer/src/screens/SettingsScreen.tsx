import { useEffect, useState, type FormEvent } from 'react';
import type { IpcOutput } from '../../../src-main/contract/ipc';
import { api, unwrap } from '../api';
import { ErrorBanner, messageOf } from '../ErrorBanner';

type SettingsView = IpcOutput<'getSettings'>;

/** This installation's settings: where to look first for PostgreSQL tools, and what was found. */
export function SettingsScreen() {
  const [view, setView] = useState<SettingsView | null>(null);
  const [toolsDir, setToolsDir] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const show = (v: SettingsView) => {
    setView(v);
    setToolsDir(v.pgToolsDir ?? '');
  };
  useEffect(() => {
    unwrap(api().getSettings()).then(show, (e: unknown) => setError(messageOf(e)));
  }, []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      show(await unwrap(api().updateSettings({ pgToolsDir: toolsDir.trim() || null })));
      setSaved(true);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <ErrorBanner error={error} />
      <form className="form" onSubmit={(e) => void save(e)}>
        <label>
          PostgreSQL tools folder (looked in first; then PATH and the usual install folders)
          <input className="mono" value={toolsDir} onChange={(e) => setToolsDir(e.target.value)} placeholder="/usr/lib/postgresql/17/bin — empty: discovery only" />
        </label>
        <p className="hint">
          Backups need pg_dump of the server’s major or newer; rehearsals need pg_restore and initdb of that major or newer. A project can name a folder of its own in its profile.
        </p>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          {saved ? <span className="report good" role="status">Saved.</span> : null}
        </div>
      </form>
      <h3>PostgreSQL tools found here</h3>
      {view && view.detected.length === 0 ? <p className="warning">No pg_dump, pg_restore or initdb found. Install the PostgreSQL client and server packages of your server’s major.</p> : null}
      {view && view.detected.length > 0 ? (
        <table className="grid" aria-label="PostgreSQL tools found here">
          <thead>
            <tr>
              <th>Tool</th>
              <th>Version</th>
              <th>Folder</th>
            </tr>
          </thead>
          <tbody>
            {view.detected.map((d) => (
              <tr key={`${d.tool} ${d.dir}`}>
                <td>{d.tool}</td>
                <td>{d.version}</td>
                <td className="mono">{d.dir}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
