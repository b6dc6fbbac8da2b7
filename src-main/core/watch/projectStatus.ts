import { existsSync } from 'node:fs';
import type { ProjectView } from '../../contract/project';
import { runProgress } from '../../contract/runProgress';
import type { ProjectService } from '../projects/projectService';
import { listRunViews, type RunViewSources } from '../runs/runView';
import type { ChecklistItemView, RunView } from '../../contract/runs';
import type { ProjectStatus, StatusReport, StatusWarning, WatchedRun } from '../../contract/status';

// State at a glance: per project, the last verified backup, how far the newest run is and its next step,
// and the retention watch over every run whose migration window is still ahead or open. Computed from
// the recorded evidence and a clock, so the app re-checks it on every start and `status` in cron.

const HOUR = 3_600_000;
/** A backup taken this long before the migration starts misses what production writes meanwhile. */
const STALE_BEFORE_WINDOW_HOURS = 24;
/** A platform backup expiring this soon is worth a warning even when the window ends first. */
const EXPIRY_SOON_HOURS = 48;
const SIZE_HISTORY = 12;
/** A run in one of these states goes no further: the next action is a new backup. */
const ENDED: readonly RunView['status'][] = ['failed', 'interrupted', 'cancelled'];

/** A moment as people read it in a notice, the same on every workstation: 2026-11-28 05:19 UTC. */
const utc = (ms: number | string) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const NEXT_HINTS: Record<ChecklistItemView['key'], string> = {
  prerequisites: 'Check the platform backup against the migration window (Supabase Management API), or attest it from the Dashboard.',
  backup: 'Back up the database.',
  storage: 'Back up the Storage objects, or leave Storage out with a reason.',
  integrity: 'Run the integrity check on the backup file.',
  recovery: 'Open the backup with the escrowed recovery key or a break-glass key (not this keychain).',
  log: 'Preview and export the signed backup log.',
  rehearsal: 'Rehearse the restore on a scratch server and compare it with the backup.',
  'sign-off': 'Sign off: the operator who made the run, then a second person as verifier.',
  notify: 'Tell the team the backup is ready (webhook or a copied message).',
};

/** Every project's state (or one's) as of `at`, from what the core recorded. */
export function statusReport(w: RunViewSources & { projects: Pick<ProjectService, 'list' | 'get'> }, at: Date, projectId?: string): StatusReport {
  const statuses = (projectId ? [w.projects.get(projectId)] : w.projects.list()).map((p) => projectStatus(p, listRunViews(w, p.id), at));
  return { at: at.toISOString(), ok: statuses.every((s) => s.watch.every((x) => x.state === 'protected')), projects: statuses };
}

/** The desktop notification the app shows when a watched window is not covered; null when all are. */
export function protectionAlert(report: StatusReport): { title: string; body: string } | null {
  const lines = report.projects.flatMap((p) => p.watch.filter((w) => w.state !== 'protected').map((w) => `${p.projectName} / ${w.runName}: ${w.state === 'lapsed' ? 'protection lapsed' : 'platform backup expires before the window ends'}`));
  return lines.length ? { title: 'A migration window is not covered', body: `${lines.join('\n')}\nOpen Backup Warden's dashboard for what to do.` } : null;
}

/** One project's state; runs newest first, as the run store lists them. */
export function projectStatus(project: ProjectView, runs: RunView[], at: Date): ProjectStatus {
  const now = at.getTime();
  const verified = runs.find((r) => item(r, 'integrity')?.state === 'passed' && item(r, 'backup')?.state === 'passed');
  const verifiedAt = verified ? backupTime(verified) : null;
  const current = runs[0] ?? null;
  const watch = runs.flatMap((r) => watchedRun(r, now) ?? []);
  const warnings: StatusWarning[] = [];

  if (!verified) warnings.push({ kind: 'no-backup', text: 'No verified backup of this project yet: back it up and run the integrity check.' });
  if (!project.keyEscrowedAt) {
    warnings.push({ kind: 'key-not-escrowed', text: "The recovery key lives only in this workstation's keychain: export it for escrow (a file or the paper form) so the backups open without this workstation." });
  }
  for (const w of watch) {
    if (w.state !== 'protected') warnings.push({ kind: 'protection', text: `${w.runName}: ${w.reasons.join(' ')}` });
    else if (Date.parse(w.platformBackup.expiresAt) - now < EXPIRY_SOON_HOURS * HOUR) {
      warnings.push({ kind: 'platform-expiry', text: `${w.runName}: the platform backup expires ${utc(w.platformBackup.expiresAt)}, within ${EXPIRY_SOON_HOURS} h.` });
    }
  }
  if (current) {
    const window = platformOf(current)?.migrationWindow;
    const takenAt = backupTime(current);
    if (window && takenAt && Date.parse(window.start) - Date.parse(takenAt) > STALE_BEFORE_WINDOW_HOURS * HOUR && now < Date.parse(window.end)) {
      const hours = Math.round((Date.parse(window.start) - Date.parse(takenAt)) / HOUR);
      warnings.push({ kind: 'backup-older-than-window', text: `${current.name}: its backup is ${hours} h older than the migration window's start; back up again close to the migration.` });
    }
    if (item(current, 'rehearsal')?.state === 'partial') {
      warnings.push({ kind: 'rehearsal-partial', text: `${current.name}: the restore rehearsal was partial (part of the backup could not be restored); read its findings before the migration.` });
    }
    if (ENDED.includes(current.status)) {
      warnings.push({ kind: 'run-failed', text: `${current.name}: the run ${current.status}${current.error ? ` (${current.error})` : ''}; start a new backup.` });
    }
  }

  const progress = current && currentRun(current);
  const usable = current && !ENDED.includes(current.status);
  return {
    projectId: project.id,
    projectName: project.name,
    environment: project.environment,
    lastVerified: verified && verifiedAt ? { runId: verified.id, name: verified.name, takenAt: verifiedAt, ageHours: Math.max(0, (now - Date.parse(verifiedAt)) / HOUR) } : null,
    current: progress,
    watch,
    sizes: runs
      .flatMap((r) => {
        const backup = item(r, 'backup');
        return backup?.state === 'passed' && backup.evidence && 'ciphertextBytes' in backup.evidence ? [{ runId: r.id, name: r.name, takenAt: backup.updatedAt, bytes: backup.evidence.ciphertextBytes }] : [];
      })
      .slice(0, SIZE_HISTORY)
      .reverse(),
    warnings,
    next:
      usable && progress
        ? { action: 'open-run', label: progress.next ? `Continue: ${progress.next.title}` : 'Open the finished run', runId: current.id }
        : { action: 'start-backup', label: 'Start a backup', runId: null },
  };
}

function currentRun(run: RunView): NonNullable<ProjectStatus['current']> {
  const { passed, total, next, gateLeft, signersLeft } = runProgress(run);
  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    passed,
    total,
    gateLeft: gateLeft.map((i) => i.title),
    signersLeft,
    next: next ? { key: next.key, title: next.title, state: next.state, hint: NEXT_HINTS[next.key] } : null,
  };
}

/** A run under watch: one whose platform check recorded a migration window that has not ended at `now`. */
function watchedRun(run: RunView, now: number): WatchedRun | null {
  const platform = platformOf(run);
  const windowEnd = platform ? Date.parse(platform.migrationWindow.end) : 0;
  if (!platform || now >= windowEnd) return null;
  const expires = Date.parse(platform.expiresAt);
  const takenAt = backupTime(run);
  const present = run.backupFile !== null && existsSync(run.backupFile);
  const reasons: string[] = [];
  let state: WatchedRun['state'] = 'protected';
  if (expires <= now) {
    state = 'lapsed';
    reasons.push(`The platform backup ${platform.backupId} expired ${utc(expires)}, before the migration window ends (${utc(windowEnd)}): take a new platform backup (or rely on PITR) and run the platform check again.`);
  } else if (expires <= windowEnd) {
    state = 'at-risk';
    reasons.push(
      `The platform backup ${platform.backupId} expires ${utc(expires)} (${platform.retentionDays}-day retention), ${expires < Date.parse(platform.migrationWindow.start) ? 'before' : 'during'} the migration window (${utc(platform.migrationWindow.start)} – ${utc(windowEnd)}): move the window earlier, or take a new platform backup closer to it and check again.`,
    );
  }
  if (takenAt && !present) {
    state = 'lapsed';
    reasons.push(`The local backup file of this run is gone (${run.backupFile ?? 'never written'}): back up again before the migration.`);
  }
  if (state === 'protected') reasons.push(`The platform backup lasts until ${utc(expires)}, after the window ends (${utc(windowEnd)}).`);
  return {
    runId: run.id,
    runName: run.name,
    window: platform.migrationWindow,
    platformBackup: { id: platform.backupId, takenAt: platform.insertedAt, expiresAt: platform.expiresAt, retentionDays: platform.retentionDays },
    localBackup: takenAt ? { takenAt, present } : null,
    state,
    reasons,
  };
}

const item = <K extends ChecklistItemView['key']>(run: RunView, key: K) => run.items.find((i): i is Extract<ChecklistItemView, { key: K }> => i.key === key);

function platformOf(run: RunView) {
  const evidence = item(run, 'prerequisites')?.evidence;
  return evidence && 'platform' in evidence ? evidence.platform : null;
}

/** When the run's database backup was taken: its item settled then. */
function backupTime(run: RunView): string | null {
  const backup = item(run, 'backup');
  return backup?.state === 'passed' ? backup.updatedAt : null;
}
