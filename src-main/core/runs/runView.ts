import { isFailure } from '../../contract/evidence';
import { checklistItemViewSchema, type ChecklistItemView, type RunView } from '../../contract/runs';
import type { ArtifactStore } from './artifactStore';
import type { ProjectService } from '../projects/projectService';
import type { SignOffService } from '../signoff/signoffService';
import type { ChecklistItem, RunStore } from './runStore';
import type { RestoreRecord } from '../../contract/restore';

/** What a run view is read from (the Warden has all of it; runs/ does not depend on the Warden). */
export interface RunViewSources {
  artifacts: Pick<ArtifactStore, 'backupPath' | 'storage' | 'backupMs'>;
  runs: RunStore;
  projects: Pick<ProjectService, 'get'>;
  signOffs: Pick<SignOffService, 'list'>;
  restores: { list(runId: string): RestoreRecord[] };
}

/** A run as the UI shows it: status, checklist with evidence, sign-offs, the backup file. */
export function runView(w: RunViewSources, runId: string): RunView {
  const run = w.runs.get(runId);
  const items = w.runs.items(runId).map(typedItem);
  const storage = w.artifacts.storage(runId);
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
    items,
    signOffs: w.signOffs.list(runId),
    backupFile: w.artifacts.backupPath(runId),
    storage: storageSummary(storage),
    durations: durations(items, w.artifacts.backupMs(runId), storage?.manifest.timings.totalMs ?? null),
    restores: w.restores.list(runId),
  };
}

const storageSummary = (s: ReturnType<ArtifactStore['storage']>): RunView['storage'] =>
  s && { archiveFile: s.path, buckets: s.manifest.buckets, excludedBuckets: s.manifest.excludedBuckets, objects: s.manifest.totals.objects, bytes: s.manifest.totals.bytes, ciphertextSha256: s.manifest.archive.ciphertextSha256, finishedAt: s.manifest.timings.finishedAt, consistency: s.manifest.consistency };

function durations(items: ChecklistItemView[], backupMs: number | null, storageMs: number | null): RunView['durations'] {
  const out: RunView['durations'] = [];
  if (backupMs !== null) out.push({ key: 'backup', ms: backupMs });
  if (storageMs !== null) out.push({ key: 'storage', ms: storageMs });
  for (const item of items) {
    if (!item.evidence || isFailure(item.evidence)) continue;
    if (item.key === 'integrity') out.push({ key: 'integrity', ms: item.evidence.durationMs });
    if (item.key === 'rehearsal') out.push({ key: 'rehearsal', ms: item.evidence.timings.totalMs });
  }
  return out;
}

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
