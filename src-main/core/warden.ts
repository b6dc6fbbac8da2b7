import { userInfo } from 'node:os';
import { join } from 'node:path';
import { AuditTrail } from './audit/auditTrail';
import { BackupService } from './backup/backupService';
import { openDatabase, type Db } from './db/database';
import { ProjectService } from './projects/projectService';
import { RehearsalService } from './rehearse/rehearsalService';
import { RunStore } from './runs/runStore';
import { VerifyService } from './verify/verifyService';
import { KeychainVault, type SecretStore } from './vault/vault';

/** The core, assembled once per process by a shell (Electron app, CLI, tests). */
export interface Warden {
  db: Db;
  audit: AuditTrail;
  projects: ProjectService;
  runs: RunStore;
  backups: BackupService;
  verifier: VerifyService;
  rehearsals: RehearsalService;
  actor: string;
  close(): void;
}

export interface WardenOptions {
  dataDir: string;
  vault?: SecretStore;
  /** Who acts, as recorded in the audit trail: the OS user unless a shell knows better. */
  actor?: string;
}

export function openWarden(options: WardenOptions): Warden {
  const db = openDatabase(join(options.dataDir, 'warden.sqlite'));
  const audit = new AuditTrail(db);
  const actor = options.actor ?? userInfo().username;
  const vault = options.vault ?? new KeychainVault();
  const projects = new ProjectService(db, vault, audit, actor);
  const runs = new RunStore(db);
  const deps = { db, audit, projects, runs, actor };
  return {
    db,
    audit,
    actor,
    projects,
    runs,
    backups: new BackupService(deps),
    verifier: new VerifyService(deps),
    rehearsals: new RehearsalService(deps),
    close: () => db.close(),
  };
}
