import { useEffect, useRef, type ReactNode } from 'react';
import type { ProjectView } from '../../../src-main/contract/project';
import type { ChecklistItemView, RunView } from '../../../src-main/contract/runs';
import { ErrorBanner } from '../ErrorBanner';
import { useRun } from '../useRun';
import { StateBadge } from '../ui/StateBadge';
import { BackupEvidence } from './run/BackupEvidence';
import { IntegrityPanel } from './run/IntegrityPanel';
import { LogPanel } from './run/LogPanel';
import { NotifyPanel } from './run/NotifyPanel';
import { PlatformPanel } from './run/PlatformPanel';
import { RecoveryPanel } from './run/RecoveryPanel';
import { RehearsalPanel } from './run/RehearsalPanel';
import { RollbackPanel } from './run/RollbackPanel';
import { SignOffPanel } from './run/SignOffPanel';
import { StoragePanel } from './run/StoragePanel';

/** Each item's panel, typed by its key: the item's evidence reaches the panel with its own type. */
function ItemPanel({ run, project, item }: { run: RunView; project: ProjectView; item: ChecklistItemView }): ReactNode {
  switch (item.key) {
    case 'prerequisites':
      return <PlatformPanel run={run} project={project} item={item} />;
    case 'backup':
      return <BackupEvidence run={run} project={project} item={item} />;
    case 'storage':
      return <StoragePanel run={run} project={project} item={item} />;
    case 'integrity':
      return <IntegrityPanel run={run} project={project} item={item} />;
    case 'recovery':
      return <RecoveryPanel run={run} project={project} item={item} />;
    case 'log':
      return <LogPanel run={run} project={project} item={item} />;
    case 'rehearsal':
      return <RehearsalPanel run={run} project={project} item={item} />;
    case 'sign-off':
      return <SignOffPanel run={run} project={project} item={item} />;
    case 'notify':
      return <NotifyPanel run={run} project={project} item={item} />;
  }
}

function provenance(item: ChecklistItemView): string {
  if (item.mode === 'attested' && item.attestedBy) return `attested by ${item.attestedBy} at ${new Date(item.attestedAt!).toLocaleString()}${item.note ? ` — ${item.note}` : ''}`;
  if (item.state === 'pending') return item.mode === 'verified' ? 'checked by the app' : 'vouched for by a person';
  if (item.state === 'running') return `in progress since ${new Date(item.updatedAt).toLocaleString()}`;
  return `${item.mode === 'verified' ? 'verified by the app' : 'attested'} · ${new Date(item.updatedAt).toLocaleString()}`;
}

/** One backup run as its checklist: every item with its evidence and the action that moves it on. */
export function RunScreen({ runId, onBack }: { runId: string; onBack: () => void }) {
  const { run, project, error } = useRun(runId);
  // Keyboard and screen-reader users land on the run they opened, not on the top of the page.
  const heading = useRef<HTMLHeadingElement>(null);
  const loaded = run !== null && project !== null;
  useEffect(() => {
    if (loaded) heading.current?.focus();
  }, [loaded]);

  if (!run || !project) {
    return (
      <section aria-labelledby="run-title">
        <h2 id="run-title">Backup run</h2>
        <ErrorBanner error={error} />
        {!error && <p className="muted">Loading…</p>}
      </section>
    );
  }
  const green = run.items.filter((i) => i.state === 'passed').length;
  return (
    <section aria-labelledby="run-title">
      <button className="link" onClick={onBack}>
        ← All runs
      </button>
      <div className="section-head">
        <h2 id="run-title" ref={heading} tabIndex={-1}>
          {run.name} <StateBadge state={run.status} />
        </h2>
        <span className="muted" aria-label="Checklist progress">
          {green} of {run.items.length} items passed
        </span>
      </div>
      <dl className="facts">
        <dt>Project</dt>
        <dd>
          {run.projectName} <span className={`badge env-${project.environment}`}>{project.environment}</span>
        </dd>
        <dt>Started</dt>
        <dd>
          {new Date(run.startedAt).toLocaleString()} by {run.createdBy}
        </dd>
        {run.description && (
          <>
            <dt>Purpose</dt>
            <dd>{run.description}</dd>
          </>
        )}
        {run.error && (
          <>
            <dt>Error</dt>
            <dd className="report bad">{run.error}</dd>
          </>
        )}
      </dl>
      <ErrorBanner error={error} />
      <ol className="checklist">
        {run.items.map((item) => {
          return (
            <li key={item.key} className={`card item item-${item.state}`} aria-labelledby={`item-${item.key}`}>
              <div className="card-head">
                <h3 id={`item-${item.key}`}>{item.title}</h3>
                <StateBadge state={item.state} />
                <span className="muted small">{provenance(item)}</span>
              </div>
              {item.state === 'running' && item.key !== 'backup' && (
                <div className="progress indeterminate" role="progressbar" aria-label={`${item.title}: in progress`} aria-busy="true">
                  <div className="progress-fill" />
                </div>
              )}
              <ItemPanel run={run} project={project} item={item} />
            </li>
          );
        })}
      </ol>
      <RollbackPanel run={run} project={project} />
    </section>
  );
}
