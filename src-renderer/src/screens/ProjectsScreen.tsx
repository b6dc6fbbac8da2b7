import { useCallback, useEffect, useState } from 'react';
import { unverifiedSslModes } from '../../../src-main/contract/constants';
import { formatBytes } from '../../../src-main/contract/format';
import type { ConnectionReport, ProjectView } from '../../../src-main/contract/project';
import { api, unwrap } from '../api';
import { ErrorBanner, messageOf } from '../ErrorBanner';
import { BackupDialog } from './BackupDialog';
import { ProjectForm } from './ProjectForm';

export function ProjectsScreen({ onOpenRun }: { onOpenRun: (runId: string) => void }) {
  const [projects, setProjects] = useState<ProjectView[]>([]);
  const [editing, setEditing] = useState<ProjectView | 'new' | null>(null);
  const [backingUp, setBackingUp] = useState<ProjectView | null>(null);
  const [reports, setReports] = useState<Record<string, ConnectionReport | string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const reload = useCallback(() => {
    unwrap(api().listProjects()).then(setProjects, (e: unknown) => setError(messageOf(e)));
  }, []);
  useEffect(reload, [reload]);

  const test = async (id: string, confirmTables = false) => {
    setReports((r) => ({ ...r, [id]: confirmTables ? 'Confirming…' : 'Testing…' }));
    try {
      const report = await unwrap(api().testConnection({ id, confirmTables }));
      setReports((r) => ({ ...r, [id]: report }));
      if (confirmTables) reload();
    } catch (e) {
      setReports((r) => ({ ...r, [id]: messageOf(e) }));
    }
  };

  const escrow = async (id: string, format: 'identity-file' | 'paper') => {
    try {
      const folder = await unwrap(api().pickFolder({ purpose: 'export' }));
      if (!folder) return;
      const r = await unwrap(api().exportRecoveryKey({ projectId: id, folder, format }));
      setNotice(`Recovery key written to ${r.file}. Keep it offline: it opens every backup of the project.`);
      reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const importKey = async (id: string, file: File | undefined) => {
    if (!file) return;
    try {
      const r = await unwrap(api().importRecoveryKey({ projectId: id, identity: await file.text() }));
      setNotice(`Recovery key of ${r.recipient} is in this workstation's keychain again.`);
      reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  if (backingUp) return <BackupDialog project={backingUp} onRun={onOpenRun} onClose={() => setBackingUp(null)} />;
  if (editing) {
    return (
      <ProjectForm
        project={editing === 'new' ? null : editing}
        onDone={() => {
          setEditing(null);
          reload();
        }}
      />
    );
  }

  return (
    <section aria-labelledby="projects-title">
      <div className="section-head">
        <h2 id="projects-title">Projects</h2>
        <button className="primary" onClick={() => setEditing('new')}>
          New project
        </button>
      </div>
      <ErrorBanner error={error} />
      {notice && (
        <p className="report good" role="status">
          {notice}
        </p>
      )}
      {projects.length === 0 && <p className="empty">No projects yet. Add the database you are about to migrate.</p>}
      <ul className="cards">
        {projects.map((p) => {
          const report = reports[p.id];
          return (
            <li key={p.id} className="card">
              <div className="card-head">
                <h3>{p.name}</h3>
                <span className={`badge env-${p.environment}`}>{p.environment}</span>
              </div>
              <dl className="facts">
                <dt>Database</dt>
                <dd>
                  {p.user}@{p.host}:{p.port}/{p.database} <span className="muted">(sslmode {p.sslmode}{p.sslRootCert ? ', own CA certificate' : ''})</span>
                </dd>
                {unverifiedSslModes.includes(p.sslmode) ? (
                  <>
                    <dt>TLS</dt>
                    <dd className="warning-text">not verified: the server’s identity is not checked. Edit the profile to use verify-full.</dd>
                  </>
                ) : null}
                <dt>Password</dt>
                <dd>{p.hasDbPassword ? 'stored in keychain' : 'not set'}</dd>
                <dt>Expected tables</dt>
                <dd>{p.expectedTables.length || <span className="warning-text">none confirmed: test the connection to propose them</span>}</dd>
                <dt>Sample checks</dt>
                <dd>{p.sampleChecks.length}</dd>
                <dt>Backup key</dt>
                <dd className="mono">{p.ageRecipient ?? 'created with the first backup or escrow'}</dd>
                <dt>Recovery key</dt>
                <dd>
                  {p.keyEscrowedAt ? (
                    `escrowed ${new Date(p.keyEscrowedAt).toLocaleString()}`
                  ) : (
                    <span className="warning-text">not escrowed: only this workstation’s keychain holds it</span>
                  )}
                </dd>
              </dl>
              {report && (
                <p className={typeof report === 'string' ? 'report bad' : 'report good'} role="status">
                  {typeof report === 'string'
                    ? report
                    : `Connected: PostgreSQL ${report.serverVersion}, ${formatBytes(report.databaseSizeBytes)}, ${report.publicTableCount} tables in public${report.ssl ? ', TLS' : ''}`}
                </p>
              )}
              {report && typeof report !== 'string' && report.toolAdvice ? (
                <p className="warning" role="alert" data-testid="tools-warning">
                  {report.toolAdvice}
                </p>
              ) : null}
              {report && typeof report !== 'string' && report.tablesConfirmed ? (
                <p className="report good">{report.publicTables.length} public tables confirmed as the expected list.</p>
              ) : null}
              {report && typeof report !== 'string' && !report.tablesConfirmed && p.expectedTables.length === 0 ? (
                <div className="proposal" data-testid="tables-proposal">
                  <p>
                    <strong>No expected tables confirmed yet.</strong> The integrity check needs the list of tables a complete backup holds. The database has{' '}
                    {report.publicTables.length} tables in public: <span className="mono">{report.publicTables.slice(0, 12).join(', ')}{report.publicTables.length > 12 ? ', …' : ''}</span>
                  </p>
                  <button className="primary" disabled={report.publicTables.length === 0} onClick={() => void test(p.id, true)}>
                    Confirm these {report.publicTables.length} tables as expected
                  </button>{' '}
                  <span className="hint">or edit the list in the profile</span>
                </div>
              ) : null}
              <div className="actions">
                <button className="primary" onClick={() => setBackingUp(p)}>
                  Start backup…
                </button>
                <button onClick={() => void test(p.id)}>Test connection</button>
                <button onClick={() => setEditing(p)}>Edit</button>
                <button onClick={() => void escrow(p.id, 'identity-file')}>Export recovery key…</button>
                <button onClick={() => void escrow(p.id, 'paper')}>Print recovery key…</button>
                <label className="file-button">
                  Import recovery key…
                  <input type="file" accept=".txt,.key" onChange={(e) => void importKey(p.id, e.target.files?.[0])} />
                </label>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
