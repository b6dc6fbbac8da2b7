import { checklistItemViewSchema, type ChecklistItemView, type RunView } from '../../contract/runs';
import type { ArtifactStore } from './artifactStore';
import type { ProjectService } from '../projects/projectService';
import type { SignOffService } from '../signoff/signoffService';
import type { ChecklistItem, RunStore } from './runStore';
import type { RestoreRecord } from '../../contract/restore';

/** What a run view is read from (the Warden has all of it; runs/ does not depend on the Warden). */
export interface RunViewSources {
  artifacts: Pick<ArtifactStore, 'backupPath' | 'storage'>;
  runs: RunStore;
  projects: Pick<ProjectService, 'get'>;
  signOffs: Pick<SignOffService, 'list'>;
  restores: { list(runId: string): RestoreRecord[] };
}

/** A run as the UI shows it: status, checklist with evidence, sign-offs, the backup file. */
export function runView(w: RunViewSources, runId: string): RunView {
  const run = w.runs.get(runId);
  return {
    id: run.id,
    projectId: run.project_id,
    projectName: w.projects.get(run.project_id).name,
    name: run.name,
    description: run.description,
    status: run.status,
    createdBy: run.created_by,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    error: run.error,
    items: w.runs.items(runId).map(typedItem),
    signOffs: w.signOffs.list(runId),
    backupFile: w.artifacts.backupPath(runId),
    storage: storageSummary(w.artifacts.storage(runId)),
    restores: w.restores.list(runId),
  };
}

const storageSummary = (s: ReturnType<ArtifactStore['storage']>): RunView['storage'] =>
  s && { archiveFile: s.path, buckets: s.manifest.buckets, excludedBuckets: s.manifest.excludedBuckets, objects: s.manifest.totals.objects, bytes: s.manifest.totals.bytes, ciphertextSha256: s.manifest.archive.ciphertextSha256, finishedAt: s.manifest.timings.finishedAt, consistency: s.manifest.consistency };

export function listRunViews(w: RunViewSources, projectId?: string): RunView[] {
  return w.runs.list(projectId).map((r) => runView(w, r.id));
}

/** The item with its evidence typed by the contract; evidence an older version stored in another shape says so instead. */
function typedItem(item: ChecklistItem): ChecklistItemView {
  const parsed = checklistItemViewSchema.safeParse(item);
  if (parsed.success) return parsed.data;
  return checklistItemViewSchema.parse({
    ...item,
    evidence: { error: 'This evidence was recorded by an older version of Backup Warden in another shape; run this step again to see it here.' },
  });
}
