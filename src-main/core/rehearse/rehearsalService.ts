import { Decrypter } from 'age-encryption';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TableFacts } from '../../contract/backup';
import type { SampleCheck } from '../../contract/sampleCheck';
import { rehearsalTargetSchema, type CheckResult, type RehearsalReport, type RehearsalTarget } from '../../contract/verify';
import type { AuditTrail } from '../audit/auditTrail';
import { loadBackup, type BackupRecord } from '../backup/backupRecord';
import { countRows, readTables } from '../backup/catalog';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { describeTarget, withPgClient, type PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { choosePgTool } from '../pgtools/discovery';
import type { ProjectService } from '../projects/projectService';
import type { ActivityStore } from '../runs/activities';
import type { RunStore } from '../runs/runStore';
import { redact } from '../util/redact';
import { runTool } from '../util/runTool';
import { parseOrThrow } from '../util/validation';
import { diffTables } from './compare';
import { prepareForRestore } from './prepareTarget';
import { prepareArchive, restoreArchive, type PlainArchive } from './restore';
import { runSampleChecks } from './sampleChecks';
import { startScratchCluster } from './scratchCluster';

export interface RehearsalOptions {
  target?: RehearsalTarget;
  /** Also run pg_amcheck (B-tree and heap consistency) on the restored copy. */
  amcheck?: boolean;
  identities?: string[];
  pgToolsDir?: string;
  /** Fault injection for tests: runs after the restore, before the comparison. */
  afterRestore?: (target: PgTarget) => Promise<void>;
}

interface Deps {
  db: Db;
  audit: AuditTrail;
  projects: ProjectService;
  runs: RunStore;
  activities: ActivityStore;
  actor: string;
}

export class RehearsalService {
  constructor(private readonly deps: Deps) {}

  /** Restores the run's backup into a scratch server (or an empty staging database) and compares it with the manifest. */
  async rehearse(runId: string, options: RehearsalOptions = {}): Promise<RehearsalReport> {
    const { db, audit, projects, runs, actor } = this.deps;
    const started = performance.now();
    const backup = loadBackup(db, runId);
    const { manifest } = backup;
    const target = parseOrThrow(rehearsalTargetSchema, options.target ?? { kind: 'embedded' }, 'rehearsal target');
    const identities = options.identities ?? [(await projects.backupKey(backup.projectId, { create: false })).identity];
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: backup.projectId, runId, details });

    runs.setItem(runId, 'rehearsal', 'running');
    // Registered so that a kill -9 leaves nothing behind: the next start removes the scratch server and the decrypted temp file.
    const activity = this.deps.activities.start('rehearsal', backup.projectId, runId);
    let where = 'embedded PostgreSQL';
    let teardown = async () => {};
    let archive: PlainArchive | undefined;
    try {
      // The scratch server starts while the archive is checked and decrypted: neither waits for the other.
      const [targetInfo, prepared] = await Promise.allSettled([
        this.rehearsalTarget(backup, target, options.pgToolsDir, activity),
        prepareArchive(backup.path, identities, manifest, (dir) => this.deps.activities.addLeftover(activity, { kind: 'temp-dir', path: dir })),
      ]);
      if (targetInfo.status === 'fulfilled') teardown = targetInfo.value.teardown;
      if (prepared.status === 'fulfilled') archive = prepared.value;
      if (targetInfo.status === 'rejected') throw targetInfo.reason;
      if (prepared.status === 'rejected') throw prepared.reason;
      const restoreTarget = targetInfo.value.target;
      where = targetInfo.value.where;
      log('rehearsal.started', { backupId: backup.backupId, target: where });

      const notes = await prepareForRestore(restoreTarget, manifest, await readRoles(backup, identities));
      const prepareMs = performance.now() - started;
      const t0 = performance.now();
      const restore = await restoreArchive(archive!.file, restoreTarget, manifest, { pgToolsDir: options.pgToolsDir });
      archive!.dispose();
      // RTO as an operator lives it: checking and decrypting the file, then restoring it.
      const rtoMs = archive!.ms + (performance.now() - t0);
      await options.afterRestore?.(restoreTarget);

      const checks: CheckResult[] = [
        {
          key: 'restore',
          title: 'pg_restore completed without errors',
          status: restore.ok ? 'passed' : 'failed',
          detail: restore.ok ? `Restored with ${restore.jobs} parallel jobs; the decrypted archive matches the manifest's SHA-256. ${notes.join(' ')}` : `Restore reported errors: ${restore.errors.join(' | ')}`,
          numbers: { jobs: restore.jobs, errors: restore.errors.length },
        },
      ];
      const project = projects.get(backup.projectId);
      const { restored, samples } = await compareRestored(restoreTarget, manifest.dump.excludedSchemas, project.sampleChecks);
      const diff = diffTables(manifest.tables, restored);
      checks.push(
        {
          key: 'tables-match',
          title: 'Same tables as at backup time',
          status: diff.missing.length + diff.extra.length === 0 ? 'passed' : 'failed',
          detail:
            diff.missing.length + diff.extra.length === 0
              ? `All ${manifest.tables.length} tables restored.`
              : [diff.missing.length ? `Missing after restore: ${diff.missing.join(', ')}.` : '', diff.extra.length ? `Not in the backup: ${diff.extra.join(', ')}.` : ''].join(' ').trim(),
          numbers: { expected: manifest.tables.length, restored: restored.length },
        },
        {
          key: 'row-counts',
          title: 'Exact row counts equal the manifest',
          status: diff.countMismatches.length === 0 ? 'passed' : 'failed',
          detail:
            diff.countMismatches.length === 0
              ? `${manifest.totals.rows} rows in ${manifest.tables.length} tables, all equal.`
              : diff.countMismatches.map((m) => `${m.table}: ${m.actual} restored, ${m.expected} at backup`).join('; '),
          numbers: { mismatches: diff.countMismatches.length, rows: manifest.totals.rows },
        },
        {
          key: 'schema-fingerprint',
          title: 'Table definitions equal the manifest (columns, constraints, indexes, policies)',
          status: diff.fingerprintMismatches.length === 0 ? 'passed' : 'failed',
          detail: diff.fingerprintMismatches.length === 0 ? `Schema fingerprint ${manifest.schemaFingerprint.slice(0, 16)}… reproduced.` : `Definitions differ for: ${diff.fingerprintMismatches.join(', ')}.`,
          numbers: { mismatches: diff.fingerprintMismatches.length },
        },
        ...samples,
      );
      if (options.amcheck) checks.push(await amcheck(restoreTarget, options.pgToolsDir));

      const ok = checks.every((c) => c.status === 'passed');
      const byTable = new Map(restored.map((t) => [`${t.schema}.${t.name}`, t.rows]));
      const report: RehearsalReport = {
        runId,
        backupId: backup.backupId,
        ok,
        target: where,
        checks,
        diff,
        tables: manifest.tables.map((t) => ({ table: `${t.schema}.${t.name}`, expected: t.rows, restored: byTable.get(`${t.schema}.${t.name}`) ?? null })),
        timings: { prepareMs: Math.round(prepareMs), rtoMs: Math.round(rtoMs), totalMs: Math.round(performance.now() - started) },
      };
      runs.setItem(runId, 'rehearsal', ok ? 'passed' : 'failed', report);
      log(ok ? 'rehearsal.passed' : 'rehearsal.failed', {
        backupId: backup.backupId,
        target: where,
        rtoMs: report.timings.rtoMs,
        failed: checks.filter((c) => c.status !== 'passed').map((c) => `${c.key}: ${c.detail}`),
      });
      return report;
    } catch (error) {
      const message = redact(error instanceof Error ? error.message : String(error));
      runs.setItem(runId, 'rehearsal', 'failed', { error: message });
      log('rehearsal.failed', { backupId: backup.backupId, target: where, error: message });
      throw error;
    } finally {
      archive?.dispose();
      await teardown();
      this.deps.activities.finish(activity);
    }
  }

  private async rehearsalTarget(
    backup: BackupRecord,
    target: RehearsalTarget,
    pgToolsDir: string | undefined,
    activity: string,
  ): Promise<{ target: PgTarget; where: string; teardown: () => Promise<void> }> {
    if (target.kind === 'project') {
      const restoreTarget = await this.stagingTarget(backup, target.projectId);
      return { target: restoreTarget, where: `project "${this.deps.projects.get(target.projectId).name}" (${describeTarget(restoreTarget)})`, teardown: async () => {} };
    }
    const cluster = await startScratchCluster({ minMajor: Math.floor(backup.manifest.server.versionNum / 10000), binDir: pgToolsDir });
    this.deps.activities.addLeftover(activity, { kind: 'scratch-cluster', path: dirname(cluster.dataDir) });
    try {
      const restoreTarget = await scratchDatabase(cluster.target, backup.manifest.source.database);
      return { target: restoreTarget, where: `embedded PostgreSQL ${cluster.major} on port ${cluster.target.port}`, teardown: cluster.stop };
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /**
   * The rollback plan: restore this backup into a chosen project's database. The operator confirms by
   * typing that database's name; every request, refusal and outcome is in the audit trail.
   */
  async restoreTo(runId: string, request: { targetProjectId: string; confirmDatabase: string; clean?: boolean }, options: { identities?: string[]; pgToolsDir?: string } = {}): Promise<{ ok: boolean; errors: string[]; durationMs: number }> {
    const { db, audit, projects, actor } = this.deps;
    const backup = loadBackup(db, runId);
    const targetProject = projects.get(request.targetProjectId);
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: targetProject.id, runId, details });
    const where = `${describeTarget(targetProject)} (project "${targetProject.name}", ${targetProject.environment})`;
    if (request.confirmDatabase !== targetProject.database) {
      log('restore.refused', { backupId: backup.backupId, target: where, reason: 'confirmation did not match the database name' });
      throw new WardenError('VALIDATION', `To restore into ${where}, type the database name "${targetProject.database}" exactly as confirmation.`);
    }
    const identities = options.identities ?? [(await projects.backupKey(backup.projectId, { create: false })).identity];
    log('restore.started', { backupId: backup.backupId, target: where, clean: request.clean === true });
    const started = performance.now();
    // Registered so that a kill -9 leaves no decrypted copy behind: the next start deletes it.
    const activity = this.deps.activities.start('restore', targetProject.id, runId);
    try {
      const target = await projects.target(targetProject.id);
      const archive = await prepareArchive(backup.path, identities, backup.manifest, (dir) => this.deps.activities.addLeftover(activity, { kind: 'temp-dir', path: dir }));
      let result;
      try {
        await prepareForRestore(target, backup.manifest, await readRoles(backup, identities));
        result = await restoreArchive(archive.file, target, backup.manifest, { clean: request.clean, pgToolsDir: options.pgToolsDir });
      } finally {
        archive.dispose();
      }
      const durationMs = Math.round(performance.now() - started);
      log(result.ok ? 'restore.completed' : 'restore.failed', { backupId: backup.backupId, target: where, errors: result.errors, durationMs });
      return { ok: result.ok, errors: result.errors, durationMs };
    } catch (error) {
      log('restore.failed', { backupId: backup.backupId, target: where, error: redact(error instanceof Error ? error.message : String(error)) });
      throw error;
    } finally {
      this.deps.activities.finish(activity);
    }
  }

  /** A staging project as rehearsal target: never the production profile, and only an empty database. */
  private async stagingTarget(backup: BackupRecord, projectId: string): Promise<PgTarget> {
    const { projects } = this.deps;
    const source = projects.get(backup.projectId);
    const candidate = projects.get(projectId);
    const sameDatabase = candidate.host === source.host && candidate.port === source.port && candidate.database === source.database;
    if (candidate.id === source.id || candidate.environment === 'production' || sameDatabase) {
      throw new WardenError('FORBIDDEN', `Refusing to rehearse into "${candidate.name}": it is a production profile or the very database that was backed up. Use the embedded PostgreSQL or an empty staging database.`);
    }
    const target = await projects.target(projectId);
    const tables = await withPgClient(target, async (client) => {
      await client.query('BEGIN READ ONLY');
      return readTables(client, []);
    });
    if (tables.length > 0) {
      throw new WardenError('CONFLICT', `Rehearsal needs an empty database, but ${describeTarget(target)} has ${tables.length} tables. Create a fresh database for it, or use the embedded PostgreSQL.`);
    }
    return target;
  }
}

/**
 * Reads the restored tables and counts their rows over two connections (nothing else writes to the copy,
 * so no shared snapshot is needed), then runs the sample checks read-only.
 */
async function compareRestored(target: PgTarget, excludeSchemas: string[], sampleChecks: SampleCheck[]): Promise<{ restored: TableFacts[]; samples: CheckResult[] }> {
  const tables = await withPgClient(target, async (client) => {
    await client.query('BEGIN READ ONLY');
    return readTables(client, excludeSchemas);
  });
  // Largest first, dealt alternately: the two halves take about the same time.
  const bySize = [...tables].sort((a, b) => b.bytes - a.bytes);
  const halves = [bySize.filter((_, i) => i % 2 === 0), bySize.filter((_, i) => i % 2 === 1)];
  const counted = await Promise.all(
    halves.map((half) =>
      withPgClient(target, async (client) => {
        await client.query('BEGIN READ ONLY');
        return countRows(client, half);
      }),
    ),
  );
  const samples = await withPgClient(target, async (client) => {
    await client.query('BEGIN READ ONLY');
    return runSampleChecks(client, sampleChecks);
  });
  const order = new Map(tables.map((t, i) => [`${t.schema}.${t.name}`, i]));
  return { restored: counted.flat().sort((a, b) => order.get(`${a.schema}.${a.name}`)! - order.get(`${b.schema}.${b.name}`)!), samples };
}

/** Supabase backups come from database "postgres": restore into the scratch server's own; others get a new database. */
async function scratchDatabase(admin: PgTarget, name: string): Promise<PgTarget> {
  if (name !== admin.database) {
    await withPgClient(admin, async (client) => {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    });
  }
  return { ...admin, database: name };
}

async function readRoles(backup: BackupRecord, identities: string[]): Promise<string | null> {
  const roles = backup.manifest.files.roles;
  if (roles.status !== 'captured') return null;
  try {
    const decrypter = new Decrypter();
    for (const identity of identities) decrypter.addIdentity(identity);
    return await decrypter.decrypt(readFileSync(join(dirname(backup.path), roles.file)), 'text');
  } catch {
    return null; // the reserved roles still get created; a missing custom role shows up as a restore error
  }
}

async function amcheck(target: PgTarget, pgToolsDir: string | undefined): Promise<CheckResult> {
  const title = 'pg_amcheck: heap and B-tree indexes consistent';
  try {
    const tool = await choosePgTool('pg_amcheck', { dir: pgToolsDir });
    await withLibpqEnv(target, (env) =>
      runTool(tool.path, [...connectionArgs(target), '--database', target.database, '--install-missing', '--heapallindexed'], { env, timeoutMs: 3_600_000 }),
    );
    return { key: 'amcheck', title, status: 'passed', detail: 'No corruption found.', numbers: {} };
  } catch (error) {
    return { key: 'amcheck', title, status: 'failed', detail: redact(error instanceof Error ? error.message : String(error)), numbers: {} };
  }
}

