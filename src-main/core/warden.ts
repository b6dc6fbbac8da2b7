import { userInfo } from 'node:os';
import { join } from 'node:path';
import { AuditTrail } from './audit/auditTrail';
import { BackupService } from './backup/backupService';
import { openDatabase } from './db/database';
import { removeOrphanedPassfiles } from './pg/libpqEnv';
import { PlatformService } from './platform/platformService';
import { ProjectService } from './projects/projectService';
import { RehearsalService } from './rehearse/rehearsalService';
import { ExportService } from './log/exportService';
import { NotifyService } from './notify/notifyService';
import { ReviewService } from './signoff/reviewBundle';
import { StorageBackupService } from './storage/storageBackup';
import { SignOffService } from './signoff/signoffService';
import { SigningKeyStore } from './log/signingKey';
import { ActivityStore, type Recovered } from './runs/activities';
import { ArtifactStore } from './runs/artifactStore';
import { RunStore } from './runs/runStore';
import { KeychainVault, type SecretStore } from './vault/vault';
import { IntegrityService } from './integrity/integrityService';
import { SettingsStore } from './settings/settingsStore';
import { RestoreStore } from './rollback/restoreStore';
import { RollbackService } from './rollback/rollbackService';
import { KeyEscrow } from './projects/keyEscrow';
import { RecoveryCheck } from './integrity/recoveryCheck';

/** The core, assembled once per process by a shell (Electron app, CLI, tests). */
export interface Warden {
  audit: AuditTrail;
  settings: SettingsStore;
  artifacts: ArtifactStore;
  projects: ProjectService;
  runs: RunStore;
  activities: ActivityStore;
  /** Activities of processes that died (kill -9, crash), cleaned up when this core opened. */
  recovered: Recovered[];
  backups: BackupService;
  integrity: IntegrityService;
  rehearsal: RehearsalService;
  restores: RestoreStore;
  rollback: RollbackService;
  keyEscrow: KeyEscrow;
  recovery: RecoveryCheck;
  platform: PlatformService;
  signOffs: SignOffService;
  exports: ExportService;
  reviews: ReviewService;
  storage: StorageBackupService;
  notify: NotifyService;
  actor: string;
  close(): void;
}

export interface WardenOptions {
  dataDir: string;
  vault?: SecretStore;
  /** Who acts, as recorded in the audit trail: the OS user unless a shell knows better. */
  actor?: string;
  /** Supabase Management API base URL (tests point it at a local server). */
  managementApiUrl?: string;
}

export function openWarden(options: WardenOptions): Warden {
  const db = openDatabase(join(options.dataDir, 'warden.sqlite'));
  const audit = new AuditTrail(db);
  const actor = options.actor ?? userInfo().username;
  const vault = options.vault ?? new KeychainVault();
  const settings = new SettingsStore({ db, audit, actor });
  const projects = new ProjectService(db, vault, audit, actor, settings);
  const runs = new RunStore({ db, audit, actor });
  const restores = new RestoreStore(db);
  const activities = new ActivityStore({ db, audit, runs, restores, actor });
  // Whatever a crashed or killed process left running is found and cleaned up before anything else.
  const recovered = activities.recover();
  // A passfile (with a production password) a killed process left in the temp folder does not outlive the next start.
  const orphaned = removeOrphanedPassfiles();
  if (orphaned.length) audit.append({ actor, action: 'secret.leftover-removed', details: { removed: orphaned } });
  const artifacts = new ArtifactStore({ db, audit, actor });
  const deps = { db, audit, projects, runs, activities, artifacts, actor };
  const signingKey = new SigningKeyStore({ db, vault, audit, actor });
  // The sign-off freezes the log the export writes: each needs the other, so the exporter is bound late.
  const signOffs: SignOffService = new SignOffService({ ...deps, signingKey, compose: (runId, creator, head) => exports.compose(runId, creator, head) });
  const exports: ExportService = new ExportService({ ...deps, signOffs, signingKey });
  const backups = new BackupService(deps);
  const integrity = new IntegrityService(deps);
  const rehearsal = new RehearsalService(deps);
  const storage = new StorageBackupService({ ...deps, managementApiUrl: options.managementApiUrl });
  return {
    audit,
    settings,
    artifacts,
    actor,
    projects,
    runs,
    activities,
    recovered,
    backups,
    integrity,
    rehearsal,
    restores,
    recovery: new RecoveryCheck(deps),
    keyEscrow: new KeyEscrow({ db, vault, audit, projects, actor, dataDir: options.dataDir }),
    rollback: new RollbackService({ ...deps, restores, backups, integrity, rehearsal, signOffs, storage, managementApiUrl: options.managementApiUrl }),
    platform: new PlatformService(deps, options.managementApiUrl),
    signOffs,
    exports,
    reviews: new ReviewService({ audit, signOffs, artifacts, actor }),
    storage,
    notify: new NotifyService({ ...deps, signOffs }),
    close: () => db.close(),
  };
}
