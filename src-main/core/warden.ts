import { userInfo } from 'node:os';
import { join } from 'node:path';
import { AuditTrail } from './audit/auditTrail';
import { BackupService } from './backup/backupService';
import { openDatabase, type Db } from './db/database';
import { ProjectService } from './projects/projectService';
import { RunStore } from './runs/runStore';
import { KeychainVault, type SecretStore } from './vault/vault';

/** The core, assembled once per process by a shell (Electron app, CLI, tests). */
export interface Warden {
  db: Db;
  audit: AuditTrail;
  projects: ProjectService;
  runs: RunStore;
  backups: BackupService;
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
  return {
    db,
    audit,
    actor,
    projects,
    runs,
    backups: new BackupService({ db, audit, projects, runs, actor }),
    close: () => db.close(),
  };
}
