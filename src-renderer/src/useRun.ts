import { useCallback, useEffect, useState } from 'react';
import type { ProjectView } from '../../src-main/contract/project';
import type { RunView } from '../../src-main/contract/runs';
import { api, unwrap } from './api';
import { messageOf } from './ErrorBanner';

/** A run and its project, reloaded whenever main announces a change to that run (runChanged). */
export function useRun(runId: string): { run: RunView | null; project: ProjectView | null; error: string | null } {
  const [run, setRun] = useState<RunView | null>(null);
  const [project, setProject] = useState<ProjectView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    unwrap(api().getRun({ runId }))
      .then(async (r) => {
        setRun(r);
        setProject(await unwrap(api().getProject({ id: r.projectId })));
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [runId]);
  useEffect(load, [load]);
  // Actions (here, or still running after a screen change) announce changes; the view follows.
  useEffect(() => api().onRunChanged((e) => e.runId === runId && load()), [runId, load]);
  // Work another process runs on this run (the command line, another window) announces nothing here: the
  // view looks again every two seconds while anything runs, every ten otherwise (to see such work start).
  const busy = run !== null && (run.items.some((i) => i.state === 'running') || run.restores.some((r) => r.state === 'running'));
  useEffect(() => {
    const timer = setInterval(load, busy ? 2000 : 10_000);
    return () => clearInterval(timer);
  }, [busy, load]);
  return { run, project, error };
}
