import { dirname } from 'node:path';
import type { RestorePreview, RestoreRecord } from '../../contract/restore';
import type { AuditTrail } from '../audit/auditTrail';
import type { BackupService } from '../backup/backupService';
import { cancelledError, WardenError } from '../errors';
import { FILE_CHECK_KEYS, type IntegrityService } from '../integrity/integrityService';
import { describeTarget } from '../pg/connect';
import type { ProjectService } from '../projects/projectService';
import { countRestored, diffTables } from '../rehearse/compare';
import type { RehearsalService } from '../rehearse/rehearsalService';
import type { ArtifactStore } from '../runs/artifactStore';
import type { Activity, ActivityStore } from '../runs/activities';
import type { RunStore } from '../runs/runStore';
import type { SignOffService } from '../signoff/signoffService';
import { redact } from '../util/redact';
import { ManagementApi } from '../platform/managementApi';
import type { StorageBackupService } from '../storage/storageBackup';
import { storageRestorePreview, uploadStorageArchive, type StorageRestoreResult } from '../storage/storageRestore';
import type { StorageProgress } from '../../contract/storage';
import { lossPreview } from './lossPreview';
import type { RestoreStore } from './restoreStore';

export interface RestoreRequest {
  targetProjectId: string;
  /** The target database's name, typed by the operator. */
  confirmDatabase: string;
  /** For a production target: the run's verifier, confirming by name … */
  confirmedBy?: string;
  /** … or an override with its reason, recorded. */
  overrideReason?: string;
  /** Also upload the run's Storage archive again, after a safety backup of the target's Storage. */
  withStorage?: boolean;
}


/**
 * Rollback: a verified backup restored into a project's live database. Before anything changes there,
 * the operator sees what will be lost, types the database name, a production target needs the run's
 * verifier (or an override with a reason), and a verified safety backup of the target is taken. After
 * the restore, every table of the backup is checked (exact counts, fingerprints). A failed or cancelled
 * restore leaves the target marked partially restored, with the safety backup as the way back.
 */
export class RollbackService {
  constructor(
    private readonly deps: {
      audit: AuditTrail;
      projects: ProjectService;
      runs: RunStore;
      artifacts: ArtifactStore;
      restores: RestoreStore;
      activities: ActivityStore;
      backups: BackupService;
      integrity: IntegrityService;
      rehearsal: RehearsalService;
      signOffs: SignOffService;
      storage: StorageBackupService;
      actor: string;
      managementApiUrl?: string;
    },
  ) {}

  async preview(runId: string, targetProjectId: string, signal?: AbortSignal): Promise<RestorePreview> {
    const { projects } = this.deps;
    const backup = this.verifiedBackup(runId);
    const project = projects.get(targetProjectId);
    const target = await projects.target(targetProjectId);
    const loss = await lossPreview(target, backup.manifest, signal);
    const archive = this.deps.artifacts.storage(runId);
    let storage: RestorePreview['storage'] = null;
    if (archive) {
      try {
        const source = await this.deps.storage.source(project.id, 'restore', () => undefined);
        storage = { preview: await storageRestorePreview(source, archive.manifest, signal), unavailable: null };
      } catch (error) {
        if (signal?.aborted) throw error;
        storage = { preview: null, unavailable: redact(error instanceof Error ? error.message : String(error)) };
      }
    }
    return {
      storage,
      backupTakenAt: backup.manifest.timings.startedAt,
      target: { projectId: project.id, projectName: project.name, environment: project.environment, endpoint: describeTarget(project), database: project.database, serverVersion: loss.serverVersion },
      tables: loss.tables,
      notInBackup: loss.notInBackup,
      totals: loss.totals,
      needsSecondPerson: project.environment === 'production',
      verifier: this.verifier(runId),
    };
  }

  async restore(
    runId: string,
    request: RestoreRequest,
    options: { signal?: AbortSignal; identities?: string[]; onPhase?: (phase: RestoreRecord['phase']) => void; onStorageProgress?: (p: StorageProgress) => void } = {},
  ): Promise<RestoreRecord> {
    const { audit, projects, restores, actor } = this.deps;
    const backup = this.verifiedBackup(runId);
    const project = projects.get(request.targetProjectId);
    const endpoint = describeTarget(project);
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: project.id, runId, details: { target: endpoint, ...details } });
    const refuse = (code: 'VALIDATION' | 'FORBIDDEN', reason: string): never => {
      log('restore.refused', { reason });
      throw new WardenError(code, reason);
    };
    if (request.confirmDatabase !== project.database) {
      refuse('VALIDATION', `To restore into ${endpoint} (project "${project.name}"), type its database name "${project.database}" exactly as confirmation. Nothing was changed.`);
    }
    const { confirmedBy, override } = this.secondPerson(runId, project, request, refuse);
    // Storage is checked before anything changes: the run has an archive, and the target's Storage answers.
    const archive = request.withStorage ? (this.deps.artifacts.storage(runId) ?? refuse('VALIDATION', 'This run has no Storage backup to restore: restore without Storage, or back Storage up in a new run.')) : null;
    const storageTarget = archive
      ? await this.deps.storage
          .source(project.id, 'restore', (action, details) => log(action, details))
          .then(async (source) => (await source.bucketIds(options.signal), source))
          .catch((error: unknown) => refuse('VALIDATION', `${redact(error instanceof Error ? error.message : String(error))} Nothing was changed.`))
      : null;
    // The restore lock is held through every phase: a cancel (from this process or another) reaches each of
    // them, and a crash in any of them leaves the target marked as the next start finds it.
    const activity = this.deps.activities.start('restore', project.id, runId, { signal: options.signal });
    const signal = activity.signal;
    const id = restores.start({ runId, targetProjectId: project.id, endpoint, requestedBy: actor, confirmedBy, overrideReason: confirmedBy ? null : override });
    log('restore.requested', { restoreId: id, backupId: backup.backupId, confirmedBy, overrideReason: confirmedBy ? null : override, withStorage: archive !== null });
    let phase: RestoreRecord['phase'] = 'safety-backup';
    let safety: { runId: string; file: string } | null = null;
    try {
      safety = await this.safetyBackup(project.id, dirname(backup.path), activity);
      // The target's Storage too, before any object is replaced: the safety run holds its archive.
      if (archive) await this.deps.storage.backup(safety.runId, { signal });
      restores.update(id, { safetyRunId: safety.runId, safetyFile: safety.file, phase: (phase = 'restoring') });
      options.onPhase?.(phase);
      const restored = await this.deps.rehearsal.restoreTo(runId, { targetProjectId: project.id, confirmDatabase: request.confirmDatabase, clean: true }, { ...options, activity });
      let storage: StorageRestoreResult | null = null;
      if (archive && storageTarget) {
        const identities = options.identities ?? [(await projects.backupKey(backup.projectId, { create: false })).identity];
        storage = await uploadStorageArchive({ archive: archive.path, manifest: archive.manifest, identities, target: storageTarget, signal, onProgress: options.onStorageProgress });
        log('restore.storage-uploaded', { restoreId: id, objects: storage.objects, bytes: storage.bytes, createdBuckets: storage.createdBuckets, mismatches: storage.mismatches.length });
      }
      restores.update(id, { phase: (phase = 'verifying') });
      options.onPhase?.(phase);
      const facts = await countRestored(await projects.target(project.id), [...backup.manifest.dump.excludedSchemas], signal);
      const diff = diffTables(backup.manifest.tables, facts);
      const mismatches = [
        ...diff.missing.map((t) => `${t} is missing`),
        ...diff.countMismatches.map((m) => `${m.table}: ${m.actual} rows, the backup has ${m.expected}`),
        ...diff.fingerprintMismatches.map((t) => `${t}: its structure differs from the backup`),
        ...restored.errors.map((g) => `pg_restore: ${g.title} (${g.count})`),
        ...(storage?.mismatches.map((m) => `Storage ${m}`) ?? []),
      ];
      const verified = {
        tables: backup.manifest.tables.length, rows: backup.manifest.totals.rows, mismatches,
        storage: storage && { objects: storage.objects, bytes: storage.bytes, createdBuckets: storage.createdBuckets },
      };
      const ok = restored.ok && mismatches.length === 0;
      const error = ok ? null : `The target differs from the backup after the restore; the safety backup ${safety.file} (run ${safety.runId}) is the way back.`;
      restores.finish(id, ok ? 'restored' : 'partially-restored', { verified, error });
      log(ok ? 'restore.verified' : 'restore.partial', { restoreId: id, safetyRunId: safety.runId, mismatches: mismatches.slice(0, 50) });
    } catch (error) {
      const cancelled = signal.aborted;
      const failure = cancelled ? cancelledError('The restore', error) : error;
      const changed = phase !== 'safety-backup';
      const message = redact(failure instanceof Error ? failure.message : String(failure));
      const state = changed ? 'partially-restored' : cancelled ? 'cancelled' : 'failed';
      const way = changed && safety ? ` The target may be partly restored: the safety backup ${safety.file} (run ${safety.runId}) is the way back.` : ' Nothing was changed in the target.';
      restores.finish(id, state, { error: `${message}${way}` });
      log(`restore.${state}`, { restoreId: id, phase, error: message, safetyRunId: safety?.runId ?? null });
      throw failure;
    } finally {
      this.deps.activities.finish(activity);
    }
    return this.deps.restores.list(runId).find((r) => r.id === id)!;
  }

  /**
   * Platform rollback: Supabase's point-in-time recovery of the whole project to the moment this backup
   * was taken, behind the same typed confirmation (the project ref) and two-person rule. Called only
   * after both, and only where the project has PITR covering that moment; otherwise the error says which
   * platform backup to restore in the Dashboard instead.
   */
  async restorePlatform(runId: string, request: { confirmRef: string; confirmedBy?: string; overrideReason?: string }): Promise<{ ref: string; recoveryTime: string; requestedAt: string }> {
    const { audit, projects, actor, runs } = this.deps;
    const backup = this.verifiedBackup(runId);
    const project = projects.get(backup.projectId);
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: project.id, runId, details });
    const refuse = (code: 'VALIDATION' | 'FORBIDDEN' | 'CONFLICT' | 'NOT_FOUND', reason: string): never => {
      log('pitr.refused', { reason });
      throw new WardenError(code, reason);
    };
    const ref = project.supabaseRef ?? refuse('VALIDATION', `Project "${project.name}" has no Supabase project ref: a platform rollback needs one (project settings).`);
    if (request.confirmRef.trim() !== ref) refuse('VALIDATION', `To roll the whole Supabase project back, type its project ref "${ref}" exactly as confirmation. Nothing was requested.`);
    const { confirmedBy, override } = this.secondPerson(runId, project, request, refuse);
    const token = (await projects.managementToken(project.id)) ?? refuse('NOT_FOUND', `Project "${project.name}" has no Management API token: add one in the project settings, or restore in the Dashboard.`);
    const api = new ManagementApi({ baseUrl: this.deps.managementApiUrl, token });
    const at = new Date(backup.manifest.timings.startedAt);
    const platform = await api.listBackups(ref);
    const recorded = (runs.item(runId, 'prerequisites')?.evidence as { platform?: { backupId?: string } } | null)?.platform?.backupId;
    const dashboard = `Restore in the Dashboard instead: Database → Backups → Scheduled backups${recorded ? ` → backup ${recorded}` : ''} → Restore.`;
    if (!platform.pitr_enabled) refuse('CONFLICT', `Point-in-time recovery is not enabled on Supabase project ${ref}. ${dashboard}`);
    const earliest = platform.physical_backup_data.earliest_physical_backup_date_unix;
    const latest = platform.physical_backup_data.latest_physical_backup_date_unix;
    const t = at.getTime() / 1000;
    if ((earliest !== undefined && t < earliest) || (latest !== undefined && t > latest)) {
      const window = `${earliest ? new Date(earliest * 1000).toISOString() : '?'} – ${latest ? new Date(latest * 1000).toISOString() : '?'}`;
      refuse('CONFLICT', `The backup's moment ${at.toISOString()} is outside the project's point-in-time window (${window}). ${dashboard}`);
    }
    log('pitr.requested', { ref, recoveryTime: at.toISOString(), confirmedBy, overrideReason: confirmedBy ? null : override });
    try {
      await api.restorePitr(ref, at);
    } catch (error) {
      log('pitr.failed', { ref, error: redact(error instanceof Error ? error.message : String(error)) });
      throw error;
    }
    const requestedAt = new Date().toISOString();
    log('pitr.started', { ref, recoveryTime: at.toISOString() });
    return { ref, recoveryTime: at.toISOString(), requestedAt };
  }

  /** For a production project: the run's verifier confirming by name, or an override with a reason of at least 10 characters. */
  private secondPerson(
    runId: string,
    project: { name: string; environment: string },
    request: { confirmedBy?: string; overrideReason?: string },
    refuse: (code: 'FORBIDDEN', reason: string) => never,
  ): { confirmedBy: string | null; override: string | null } {
    const override = request.overrideReason?.trim() || null;
    if (project.environment !== 'production') return { confirmedBy: null, override };
    const verifier = this.verifier(runId);
    if (request.confirmedBy !== undefined) {
      if (!verifier || verifier.toLowerCase() !== request.confirmedBy.trim().toLowerCase()) {
        refuse('FORBIDDEN', `Only the run's verifier${verifier ? ` (${verifier})` : ' (nobody has signed as verifier yet)'} can confirm a restore into production "${project.name}". Nothing was changed.`);
      }
      return { confirmedBy: verifier, override: null };
    }
    if (!override || override.length < 10) {
      refuse(
        'FORBIDDEN',
        `Restoring into production "${project.name}" needs a second person: the run's verifier${verifier ? ` (${verifier})` : ''} confirms by name, or an override with a reason of at least 10 characters, recorded in the audit trail. Nothing was changed.`,
      );
    }
    return { confirmedBy: null, override };
  }

  /** A normal backup of the target, beside the backup being restored, whose file must check out. */
  private async safetyBackup(projectId: string, outputDir: string, within: Activity): Promise<{ runId: string; file: string }> {
    const { signal } = within;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    // Acknowledged for the operator: the restore itself was confirmed, and the safety copy must not block the way back.
    const run = await this.deps.backups.run(
      { projectId, name: `safety-before-restore-${stamp}`, description: 'Safety backup taken before a restore replaced this database.', acknowledgeSingleKey: true },
      { outputDir, signal, within },
    );
    const report = await this.deps.integrity.verify(run.runId, { signal });
    // The file's own checks: the target's expected-table list may be unconfirmed.
    const bad = report.checks.filter((c) => FILE_CHECK_KEYS.has(c.key) && c.status !== 'passed');
    if (bad.length) {
      throw new WardenError('CONFLICT', `The safety backup ${run.dumpFile} did not verify (${bad.map((c) => `${c.title}: ${c.detail}`).join('; ')}), so nothing was restored.`);
    }
    return { runId: run.runId, file: run.dumpFile };
  }

  /** The run's backup, only once its integrity check passed. */
  private verifiedBackup(runId: string) {
    const backup = this.deps.artifacts.backup(runId);
    const integrity = this.deps.runs.item(runId, 'integrity');
    if (integrity?.state !== 'passed') throw new WardenError('CONFLICT', 'Only a verified backup is restored: run its integrity check first.');
    return backup;
  }

  private verifier(runId: string): string | null {
    return this.deps.signOffs.list(runId).find((s) => s.role === 'verifier')?.name ?? null;
  }
}
