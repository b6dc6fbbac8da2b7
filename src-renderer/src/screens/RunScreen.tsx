import { useEffect, useRef, useState, type ReactNode } from 'react';
import { runProgress } from '../../../src-main/contract/runProgress';
import type { ProjectView } from '../../../src-main/contract/project';
import type { ChecklistItemView, RunView } from '../../../src-main/contract/runs';
import { ErrorBanner } from '../ErrorBanner';
import { useRun } from '../useRun';
import { evidenceLine } from '../ui/evidenceLine';
import { StateBadge } from '../ui/StateBadge';
import { StepDurations } from '../ui/StepDurations';
import { CheckProgressBar } from '../ui/ProgressBar';
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

/**
 * Which steps are open: every unfinished one (its action is there), the one finished last (its result),
 * and any the operator opened; other finished steps are their evidence line.
 */
function useOpenSteps(run: RunView | null) {
  const [toggled, setToggled] = useState<Record<string, boolean>>({});
  const latest = run?.items.filter((i) => i.state !== 'pending').reduce<ChecklistItemView | null>((a, i) => (!a || i.updatedAt > a.updatedAt ? i : a), null);
  const isOpen = (item: ChecklistItemView) => toggled[item.key] ?? (item.state !== 'passed' || item.key === latest?.key);
  const toggle = (item: ChecklistItemView) => setToggled((t) => ({ ...t, [item.key]: !isOpen(item) }));
  return { isOpen, toggle };
}

/** One backup run as a stepper: a summary that stays in view, the next step marked, finished steps as one line each. */
export function RunScreen({ runId, onBack }: { runId: string; onBack: () => void }) {
  const { run, project, error } = useRun(runId);
  const steps = useOpenSteps(run);
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
  const { passed: green, next: current, gateLeft, signersLeft: toSign } = runProgress(run);
  const goTo = (key: string) => document.getElementById(`item-${key}`)?.focus();
  return (
    <section aria-labelledby="run-title">
      <button className="link" onClick={onBack}>
        ← All runs
      </button>
      <div className="section-head">
        <h2 id="run-title" ref={heading} tabIndex={-1}>
          {run.name} <StateBadge state={run.status} />
        </h2>
      </div>
      <div className="run-summary" role="region" aria-label="Run summary">
        <span className="summary-count" aria-label="Checklist progress">
          {green} of {run.items.length} items passed
        </span>
        <span className="progress slim" role="progressbar" aria-label="Checklist" aria-valuemin={0} aria-valuemax={run.items.length} aria-valuenow={green}>
          <span className="progress-fill" style={{ width: `${(100 * green) / run.items.length}%` }} />
        </span>
        <span>{gateLeft.length ? `Sign-off waits for: ${gateLeft.map((i) => i.title).join(', ')}` : 'Acceptance gate green'}</span>
        <span>{toSign.length ? `To sign: ${toSign.join(', ')}` : 'Signed by both'}</span>
        {current && (
          <button className="link" onClick={() => goTo(current.key)}>
            Next: {current.title}
          </button>
        )}
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
      <StepDurations durations={run.durations} />
      <ErrorBanner error={error} />
      <ol className="checklist">
        {run.items.map((item) => {
          const open = steps.isOpen(item);
          const isCurrent = item.key === current?.key;
          return (
            <li key={item.key} className={`card item item-${item.state}${isCurrent ? ' item-current' : ''}`} aria-labelledby={`item-${item.key}`} aria-current={isCurrent ? 'step' : undefined}>
              <div className="card-head">
                <h3 id={`item-${item.key}`} tabIndex={-1}>
                  {item.title}
                </h3>
                <StateBadge state={item.state} />
                {isCurrent && <span className="badge next">next</span>}
                <span className="muted small">{provenance(item)}</span>
                {item.state === 'passed' && (
                  <button className="link push-right" aria-expanded={open} aria-controls={`panel-${item.key}`} onClick={() => steps.toggle(item)}>
                    {open ? 'Hide details' : 'Show details'}
                  </button>
                )}
              </div>
              {item.state === 'running' && (item.key === 'integrity' || item.key === 'rehearsal') && <CheckProgressBar runId={run.id} title={item.title} activity={item.key} />}
              {item.state === 'running' && !['backup', 'integrity', 'rehearsal'].includes(item.key) && (
                <div className="progress indeterminate" role="progressbar" aria-label={`${item.title}: in progress`} aria-busy="true">
                  <div className="progress-fill" />
                </div>
              )}
              {open ? (
                <div id={`panel-${item.key}`}>
                  <ItemPanel run={run} project={project} item={item} />
                </div>
              ) : (
                <p className="evidence-line" id={`panel-${item.key}`}>
                  {evidenceLine(item)}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      <RollbackPanel run={run} project={project} />
    </section>
  );
}
