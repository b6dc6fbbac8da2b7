import { useEffect, useState } from 'react';
import type { ProjectView } from '../../../src-main/contract/project';
import type { ProjectStatus, StatusReport } from '../../../src-main/contract/status';
import { api, unwrap } from '../api';
import { ErrorBanner, messageOf } from '../ErrorBanner';
import { RetentionTimeline } from '../ui/RetentionTimeline';
import { SizeHistory } from '../ui/SizeHistory';
import { StateBadge } from '../ui/StateBadge';
import { BackupDialog } from './BackupDialog';

const age = (hours: number) => (hours < 1 ? 'less than an hour ago' : hours < 48 ? `${Math.round(hours)} h ago` : `${Math.round(hours / 24)} days ago`);

/** State at a glance: per project what is protected, what is left, what to do next. */
export function DashboardScreen({ onOpenRun, onProjects }: { onOpenRun: (runId: string) => void; onProjects: () => void }) {
  const [report, setReport] = useState<StatusReport | null>(null);
  const [projects, setProjects] = useState<ProjectView[]>([]);
  const [backingUp, setBackingUp] = useState<ProjectView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([unwrap(api().getStatus()), unwrap(api().listProjects())]).then(
      ([status, list]) => {
        setReport(status);
        setProjects(list);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  if (backingUp) return <BackupDialog project={backingUp} onRun={onOpenRun} onClose={() => setBackingUp(null)} />;
  const next = (p: ProjectStatus) => {
    if (p.next.action === 'open-run' && p.next.runId) return onOpenRun(p.next.runId);
    const project = projects.find((x) => x.id === p.projectId);
    if (project) setBackingUp(project);
  };
  return (
    <section aria-labelledby="dashboard-title">
      <h2 id="dashboard-title">Dashboard</h2>
      <ErrorBanner error={error} />
      {report && !report.ok && (
        <p className="banner error" role="alert">
          A migration window is no longer covered by its platform backup. See the project below for what to do.
        </p>
      )}
      {report?.projects.length === 0 && (
        <div className="card">
          <p className="empty">No projects yet. Add the database you are about to migrate.</p>
          <button className="primary" onClick={onProjects}>
            Add a project
          </button>
        </div>
      )}
      <ul className="cards">
        {report?.projects.map((p) => (
          <li key={p.projectId} className="card" aria-labelledby={`dash-${p.projectId}`}>
            <div className="card-head">
              <h3 id={`dash-${p.projectId}`}>{p.projectName}</h3>
              <span className={`badge env-${p.environment}`}>{p.environment}</span>
              <button className="primary push-right" onClick={() => next(p)}>
                {p.next.label}
              </button>
            </div>
            <dl className="facts">
              <dt>Last verified backup</dt>
              <dd>{p.lastVerified ? `${p.lastVerified.name}, taken ${age(p.lastVerified.ageHours)} (${new Date(p.lastVerified.takenAt).toLocaleString()})` : <span className="warning-text">none yet</span>}</dd>
              <dt>Current run</dt>
              <dd>
                {p.current ? (
                  <>
                    {p.current.name} <StateBadge state={p.current.status} /> · {p.current.passed} of {p.current.total} items passed
                    <span className="progress slim" role="progressbar" aria-label={`${p.current.name}: checklist`} aria-valuemin={0} aria-valuemax={p.current.total} aria-valuenow={p.current.passed}>
                      <span className="progress-fill" style={{ width: `${(100 * p.current.passed) / p.current.total}%` }} />
                    </span>
                  </>
                ) : (
                  'none'
                )}
              </dd>
              {p.current && (
                <>
                  <dt>Sign-off</dt>
                  <dd>
                    {p.current.gateLeft.length ? `waits for ${p.current.gateLeft.join(', ')}` : 'every acceptance item is green'}
                    {p.current.signersLeft.length ? `; still to sign: ${p.current.signersLeft.join(' and ')}` : '; signed by both'}
                  </dd>
                  <dt>Next step</dt>
                  <dd>{p.current.next ? `${p.current.next.title} — ${p.current.next.hint}` : 'Nothing left: every item passed.'}</dd>
                </>
              )}
            </dl>
            <Warnings project={p} />
            <SizeHistory sizes={p.sizes} />
            {p.watch.map((w) => (
              <div key={w.runId} className="watch">
                <h4>Retention watch: {w.runName}</h4>
                <RetentionTimeline run={w} at={report.at} />
              </div>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A project's warnings but protection: the retention watch below shows that one as a timeline. */
function Warnings({ project }: { project: ProjectStatus }) {
  const shown = project.warnings.filter((w) => w.kind !== 'protection');
  if (!shown.length) return null;
  return (
    <ul className="plain" aria-label={`Warnings for ${project.projectName}`}>
      {shown.map((w) => (
        <li key={w.kind + w.text} className="warning">
          {w.text}
        </li>
      ))}
    </ul>
  );
}
