import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { openSealedText } from '../crypto/sealedText';
import { rolesFileSchema, type CapturedRole, type Manifest, type TableFacts } from '../../contract/backup';
import type { SampleCheck } from '../../contract/sampleCheck';
import {
  rehearsalTargetSchema,
  type CheckResult,
  type ExtensionOutcome,
  type RehearsalReport,
  type RehearsalTarget,
  type RestoreErrorGroup,
} from '../../contract/verify';
import type { AuditTrail } from '../audit/auditTrail';
import type { CheckProgress } from '../../contract/runs';
import { PhasedProgress } from '../runs/phasedProgress';
import type { ArtifactStore, BackupRecord } from '../runs/artifactStore';
import { readTables } from '../backup/catalog';
import { cancelledError, WardenError } from '../errors';
import { describeTarget, withPgClient, type PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { choosePgTool } from '../pgtools/discovery';
import type { ProjectService } from '../projects/projectService';
import type { Activity, ActivityStore } from '../runs/activities';
import type { RunStore } from '../runs/runStore';
import { redact } from '../util/redact';
import { runTool } from '../util/runTool';
import { parseOrThrow } from '../util/validation';
import { countRestored, judgeRehearsal } from './compare';
import { affectedTables } from './extensions';
import { prepareTarget } from './prepareTarget';
import { prepareArchive, readArchiveToc, restoreArchive, restoreDir, streamRestore, type PlainArchive } from './restore';
import type { TocSkips } from './restoreList';
import { runSampleChecks } from './sampleChecks';
import { prepareSandbox } from './sandbox';
import { startScratchCluster, type LoopbackRoute } from './scratchCluster';

export interface RehearsalOptions {
  target?: RehearsalTarget;
  /** Also run pg_amcheck (B-tree and heap consistency) on the restored copy. */
  amcheck?: boolean;
  identities?: string[];
  pgToolsDir?: string;
  /** Fault injection for tests: runs after the restore, before the comparison. */
  afterRestore?: (target: PgTarget) => Promise<void>;
  /** Cancels the rehearsal: pg_restore and the scratch server are stopped and the decrypted copy deleted at once. */
  signal?: AbortSignal;
  /** Its phases and how far it is, with an estimate of the time left. */
  onProgress?: (progress: CheckProgress) => void;
}

/**
 * Whether a rehearsal restores as it decrypts (one transaction, no parallel jobs) rather than from a decrypted
 * file with parallel jobs: when everything but the largest table — what parallel jobs restore beside it — is
 * less than half the encrypted file. Measured on two cores: a gigabyte of one bytea table restored in 9.7 s
 * streamed against 13.7 s from the file (4 s of decryption first); the practice data, its largest table half
 * of it and its file a tenth of it, in 7.7 s from the file against 8.5 s streamed (6.6 s from the file since
 * the decrypted archive gets its data offsets, fillDataOffsets).
 */
export function streamingPaysOff(manifest: { dump: { format: 'custom' | 'directory' }; tables: readonly { bytes: number }[]; files: { dump: { ciphertextBytes: number } } }): boolean {
  // A directory archive is restored from its unpacked files (pg_restore reads a folder, never a stream).
  if (manifest.dump.format === 'directory') return false;
  const sizes = manifest.tables.map((t) => t.bytes);
  const rest = sizes.reduce((a, b) => a + b, 0) - Math.max(0, ...sizes);
  return rest < manifest.files.dump.ciphertextBytes / 2;
}

/** The rehearsal's phases and their share of its time (measured on 1 GiB: decrypting ~1 s, restoring ~7 s, comparing under 1 s). */
const PHASES = [
  { name: 'Starting a scratch server and opening the backup', weight: 15 },
  { name: 'Restoring', weight: 75 },
  { name: 'Counting rows and comparing', weight: 10 },
] as const;

/** Where a rehearsal restores, prepared: the connection pg_restore and the comparison use, and what the preparation found. */
interface PreparedTarget {
  target: PgTarget;
  where: string;
  restoredAs: string;
  isolation: string;
  notes: string[];
  refused: string[];
  /** Known before the restore on a scratch server; read from the target afterwards for a staging project. */
  extensions: ExtensionOutcome[] | null;
  skips: TocSkips;
  noOwner: boolean;
  clean: boolean;
  /** How pg_restore reaches a scratch server (its sandbox's loopback); null: through target. */
  loopback: LoopbackRoute | null;
  teardown: () => Promise<void>;
}

/** A staging project checked for a rehearsal: its connection, and whether the operator agreed to clean it. */
interface Staging {
  target: PgTarget;
  projectName: string;
  clean: boolean;
}

interface Deps {
  audit: AuditTrail;
  projects: ProjectService;
  runs: RunStore;
  artifacts: ArtifactStore;
  activities: ActivityStore;
  actor: string;
}

export class RehearsalService {
  constructor(private readonly deps: Deps) {}

  /**
   * Restores the run's backup and compares it with the manifest. Embedded: a scratch server prepared as
   * its superuser from the backup's catalog facts, then everything from the dump runs as a restricted
   * role (prepareSandbox). A staging project: as the profile's role, which must not be a superuser.
   */
  async rehearse(runId: string, options: RehearsalOptions = {}): Promise<RehearsalReport> {
    const { audit, projects, runs, actor } = this.deps;
    const started = performance.now();
    const backup = this.deps.artifacts.backup(runId);
    const { manifest } = backup;
    const target = parseOrThrow(rehearsalTargetSchema, options.target ?? { kind: 'embedded' }, 'rehearsal target');
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: backup.projectId, runId, details });

    // A staging target is checked before anything changes: a refusal leaves the last rehearsal's evidence as it was.
    let staging: Staging | null = null;
    if (target.kind === 'project') {
      try {
        staging = await this.stagingTarget(backup, target.projectId, target.confirmClean, options.signal);
      } catch (error) {
        log('rehearsal.refused', { backupId: backup.backupId, targetProjectId: target.projectId, reason: redact(error instanceof Error ? error.message : String(error)) });
        throw error;
      }
    }
    // Registered so that a kill -9 leaves nothing behind: the next start removes the scratch server and the decrypted temp file.
    let where = 'embedded PostgreSQL';
    return this.deps.activities.run(
      { kind: 'rehearsal', projectId: backup.projectId, runId, item: 'rehearsal', what: 'The rehearsal', signal: options.signal, details: () => ({ backupId: backup.backupId, target: where }) },
      async (activity) => {
        options = { ...options, signal: activity.signal };
        let teardown = async () => {};
        let archive: PlainArchive | undefined;
        const progress = options.onProgress && new PhasedProgress('rehearsal', PHASES, options.onProgress);
        try {
          progress?.phase(PHASES[0].name);
          // After the item turned running (nothing awaited before it): a view that reloads now sees it running.
          // The key (from the keychain) and the roles are read while the scratch server starts; both are awaited below.
          const keys = options.identities ? Promise.resolve(options.identities) : projects.backupKey(backup.projectId, { create: false }).then((k) => [k.identity]);
          const captured = keys.then((ids) => readCapturedRoles(backup, ids));
          captured.catch(() => {}); // a server that fails to start never awaits it
          // Into the embedded server, when it pays off, the restore runs as the backup is decrypted (streamRestore);
          // the server starts (and is prepared) while the archive's table of contents is read. Otherwise — a staging
          // project, or a streamed restore that met an error — the archive is checked and decrypted into a private
          // file first, and restored from there with parallel jobs.
          const streaming = staging === null && streamingPaysOff(manifest);
          const tools = { pgToolsDir: options.pgToolsDir, toolDirs: projects.toolDirs(backup.projectId), signal: options.signal };
          const onTempDir = (dir: string) => this.deps.activities.addLeftover(activity, { kind: 'temp-dir', path: dir });
          const decryptToFile = async (onFraction?: (f: number) => void) => prepareArchive(backup.path, await keys, manifest, { onTempDir, signal: options.signal, onFraction });
          const tocStarted = performance.now();
          const [targetInfo, prepared] = await Promise.allSettled([
            this.rehearsalTarget(backup, staging, captured, options, activity),
            !streaming
              ? decryptToFile(progress && ((f) => progress.advance(f)))
              : // A file whose contents cannot be read this way (damaged, swapped, another key) takes the file path, which says what is wrong.
                keys.then((ids) => readArchiveToc(backup.path, ids, manifest, tools)).then(
                  (toc) => ({ toc, ms: performance.now() - tocStarted }),
                  (error: unknown) => {
                    if (options.signal?.aborted) throw error;
                    return null;
                  },
                ),
          ]);
          if (targetInfo.status === 'fulfilled') teardown = targetInfo.value.teardown;
          if (prepared.status === 'fulfilled' && prepared.value && 'file' in prepared.value) archive = prepared.value;
          if (targetInfo.status === 'rejected') throw targetInfo.reason;
          if (prepared.status === 'rejected') throw prepared.reason;
          const prep = targetInfo.value;
          const contents = prepared.value && 'toc' in prepared.value ? prepared.value : null;
          where = prep.where;
          log('rehearsal.started', { backupId: backup.backupId, target: where, restoredAs: prep.restoredAs });

          const prepareMs = performance.now() - started;
          const t0 = performance.now();
          progress?.phase(PHASES[1].name);
          const restoreOptions = { ...tools, skips: prep.skips, rehearsal: true, clean: prep.clean, noOwner: prep.noOwner, loopback: prep.loopback, onFraction: progress && ((f: number) => progress.advance(f)) };
          let streamed = null;
          if (contents) {
            const listDir = restoreDir(onTempDir);
            try {
              streamed = await streamRestore(backup.path, await keys, prep.target, manifest, contents.toc, { ...restoreOptions, listDir: listDir.dir });
            } finally {
              listDir.dispose();
            }
          }
          // Not streamed (a staging target), or the stream met an error and rolled back: from the file, which says what
          // (its decryption, now inside the restoring phase, reports no progress of its own).
          archive ??= streamed ? undefined : await decryptToFile();
          const restore = streamed ?? { ...(await restoreArchive(archive!.file, prep.target, manifest, restoreOptions)), afterStream: contents !== null };
          // pg_restore's end is the phase's end: its lines need not name every table (in parallel mode, items the
          // leader restores after the workers, as "missed items", are never reported "finished").
          progress?.advance(1);
          archive?.dispose();
          // RTO as an operator lives it: checking and decrypting the file, then restoring it — or both at once. A failed restore has none.
          const rtoMs = !restore.ok ? null : streamed && contents ? contents.ms + streamed.ms : archive!.ms + (performance.now() - t0);
          await options.afterRestore?.(prep.target);

          progress?.phase(PHASES[2].name);
          const project = projects.get(backup.projectId);
          const { restored, samples } = await compareRestored(prep.target, [...manifest.dump.excludedSchemas], project.sampleChecks, options.signal);
          const extensions = prep.extensions ?? (await extensionsOn(prep.target, manifest, options.signal));
          const extraChecks = [...samples];
          if (options.amcheck) extraChecks.push(await amcheck(prep.target, { dir: options.pgToolsDir, prefer: projects.toolDirs(backup.projectId) }, options.signal));
          const aclsLeftOut = restore.skipped.filter((e) => e.startsWith('ACL ')).length;
          const notes = aclsLeftOut ? [...prep.notes, `Privileges on ${aclsLeftOut} extension objects were not carried over (they belong to the extension's owner, not to the restoring role).`] : prep.notes;
          const verdict = judgeRehearsal({ manifest, restored, restore, extensions, restoredAs: prep.restoredAs, notes, extraChecks });
          const report: RehearsalReport = {
            runId,
            backupId: backup.backupId,
            ok: verdict.outcome === 'passed',
            outcome: verdict.outcome,
            target: where,
            isolation: prep.isolation,
            checks: verdict.checks,
            diff: verdict.diff,
            tables: verdict.tables,
            totals: verdict.totals,
            restoreErrors: restore.errors,
            extensions,
            refused: prep.refused,
            timings: { prepareMs: Math.round(prepareMs), rtoMs: rtoMs === null ? null : Math.round(rtoMs), totalMs: Math.round(performance.now() - started) },
          };
          runs.setItem(runId, 'rehearsal', verdict.outcome, report);
          log(`rehearsal.${verdict.outcome}`, {
            backupId: backup.backupId,
            target: where,
            rtoMs: report.timings.rtoMs,
            totals: report.totals,
            refused: report.refused,
            failed: verdict.checks.filter((c) => c.status !== 'passed').map((c) => `${c.key}: ${c.status}`),
          });
          return report;
        } finally {
          // At once, also when cancelled: the decrypted copy and the scratch server never wait for the next start.
          archive?.dispose();
          await teardown();
        }
      },
    );
  }

  private async rehearsalTarget(
    backup: BackupRecord,
    staging: Staging | null,
    captured: Promise<CapturedRole[] | null>,
    options: RehearsalOptions,
    activity: Activity,
  ): Promise<PreparedTarget> {
    if (staging) {
      const prepared = await prepareTarget(staging.target, backup.manifest, await captured, options.signal);
      return {
        target: staging.target,
        where: `project "${staging.projectName}" (${describeTarget(staging.target)})`,
        restoredAs: `"${staging.target.user}" (the staging profile's role, not a superuser)`,
        isolation: `the staging server, as its role "${staging.target.user}" (no superuser, no access to server programs or files)`,
        notes: prepared.notes,
        refused: prepared.refused,
        extensions: null,
        skips: prepared.skips,
        noOwner: true,
        clean: staging.clean,
        loopback: null,
        teardown: async () => {},
      };
    }
    const cluster = await startScratchCluster({
      minMajor: Math.floor(backup.manifest.server.versionNum / 10000),
      binDir: options.pgToolsDir,
      prefer: this.deps.projects.toolDirs(backup.projectId),
      signal: options.signal,
      expectedBytes: backup.manifest.server.databaseSizeBytes,
    });
    this.deps.activities.addLeftover(activity, { kind: 'scratch-cluster', path: dirname(cluster.dataDir) });
    try {
      const sandbox = await prepareSandbox(cluster.target, backup.manifest, await captured, { amcheck: options.amcheck === true, serverMajor: cluster.major, signal: options.signal });
      return {
        target: sandbox.restorer,
        where: `embedded PostgreSQL ${cluster.major} (private socket)`,
        restoredAs: `a restricted role (not a superuser, no access to server programs or files)`,
        isolation: cluster.isolation,
        notes: sandbox.notes,
        refused: sandbox.refused,
        extensions: sandbox.extensions,
        skips: sandbox.skips,
        noOwner: false,
        clean: false,
        loopback: cluster.loopback,
        teardown: cluster.stop,
      };
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /**
   * The rollback plan: restore this backup into a chosen project's database. The operator confirms by
   * typing that database's name; every request, refusal and outcome is in the audit trail.
   */
  async restoreTo(runId: string, request: { targetProjectId: string; confirmDatabase: string; clean?: boolean }, options: { identities?: string[]; pgToolsDir?: string; signal?: AbortSignal; activity?: Activity } = {}): Promise<{ ok: boolean; errors: RestoreErrorGroup[]; durationMs: number }> {
    const { audit, projects, actor } = this.deps;
    const backup = this.deps.artifacts.backup(runId);
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
    // Registered so that a kill -9 leaves no decrypted copy behind: the next start deletes it. A rollback
    // holds the restore activity through all its phases; this step then runs as that activity.
    const activity = options.activity ?? this.deps.activities.start('restore', targetProject.id, runId, { signal: options.signal });
    options = { ...options, signal: activity.signal };
    try {
      const target = await projects.target(targetProject.id);
      const archive = await prepareArchive(backup.path, identities, backup.manifest, { onTempDir: (dir) => this.deps.activities.addLeftover(activity, { kind: 'temp-dir', path: dir }), signal: options.signal });
      let result;
      try {
        const prepared = await prepareTarget(target, backup.manifest, await readCapturedRoles(backup, identities), options.signal);
        result = await restoreArchive(archive.file, target, backup.manifest, { clean: request.clean, pgToolsDir: options.pgToolsDir, toolDirs: this.deps.projects.toolDirs(targetProject.id), skips: prepared.skips, noOwner: true, signal: options.signal });
      } finally {
        archive.dispose();
      }
      const durationMs = Math.round(performance.now() - started);
      log(result.ok ? 'restore.completed' : 'restore.failed', { backupId: backup.backupId, target: where, errors: result.errors.map((g) => `${g.title}: ${g.count}`), durationMs });
      return { ok: result.ok, errors: result.errors, durationMs };
    } catch (error) {
      const failure = options.signal?.aborted ? cancelledError('The restore', error) : error;
      log(options.signal?.aborted ? 'restore.cancelled' : 'restore.failed', { backupId: backup.backupId, target: where, error: redact(failure instanceof Error ? failure.message : String(failure)) });
      throw failure;
    } finally {
      if (!options.activity) this.deps.activities.finish(activity);
    }
  }

  /**
   * A staging project as rehearsal target: never the production profile nor the backed-up database
   * (compared by endpoint, not name); an empty database, or one the operator agreed to clean by typing its name.
   */
  private async stagingTarget(backup: BackupRecord, projectId: string, confirmClean: string | undefined, signal?: AbortSignal): Promise<Staging> {
    const { projects } = this.deps;
    const source = projects.get(backup.projectId);
    const candidate = projects.get(projectId);
    const sameEndpoint = (a: { host: string; port: number; database: string }, b: typeof a) =>
      a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.database === b.database;
    if (candidate.id === source.id || candidate.environment === 'production' || sameEndpoint(candidate, source) || sameEndpoint(candidate, backup.manifest.source)) {
      throw new WardenError('FORBIDDEN', `Refusing to rehearse into "${candidate.name}": it is a production profile or the very database that was backed up. Use the embedded PostgreSQL or a staging database.`);
    }
    const target = await projects.target(projectId);
    const tables = await withPgClient(target, async (client) => {
      await client.query('BEGIN READ ONLY');
      return readTables(client, []);
    }, signal);
    if (tables.length === 0) return { target, projectName: candidate.name, clean: false };
    if (confirmClean === undefined) {
      throw new WardenError('CONFLICT', `Rehearsal needs an empty database, but ${describeTarget(target)} has ${tables.length} tables. Type the database name "${target.database}" to let the rehearsal clean it (objects of the backup are dropped and recreated), or use an empty database.`);
    }
    if (confirmClean !== target.database) {
      throw new WardenError('VALIDATION', `To clean ${describeTarget(target)} for the rehearsal, type its database name "${target.database}" exactly.`);
    }
    return { target, projectName: candidate.name, clean: true };
  }
}

/** The restored tables with their rows counted, then the sample checks, read-only. */
async function compareRestored(target: PgTarget, excludeSchemas: string[], sampleChecks: SampleCheck[], signal?: AbortSignal): Promise<{ restored: TableFacts[]; samples: CheckResult[] }> {
  const restored = await countRestored(target, excludeSchemas, signal);
  const samples = await withPgClient(target, async (client) => {
    await client.query('BEGIN READ ONLY');
    return runSampleChecks(client, sampleChecks);
  }, signal);
  return { restored, samples };
}

/** The backup's roles as data; null when they were not captured (or only as SQL text by an older version, which is never executed). */
async function readCapturedRoles(backup: BackupRecord, identities: string[]): Promise<CapturedRole[] | null> {
  const roles = backup.manifest.files.roles;
  if (roles.status !== 'captured' || roles.format !== 'json') return null;
  const text = await openSealedText(join(dirname(backup.path), roles.file), identities);
  if (createHash('sha256').update(text).digest('hex') !== roles.plaintextSha256) {
    throw new WardenError('CONFLICT', `${roles.file} is not the roles file recorded with this backup (its SHA-256 differs). Nothing was restored; run the integrity check.`);
  }
  return rolesFileSchema.parse(JSON.parse(text)).roles;
}

/** For a staging target: which of the backup's extensions it has after the restore. */
async function extensionsOn(target: PgTarget, manifest: Manifest, signal?: AbortSignal): Promise<ExtensionOutcome[]> {
  const wanted = manifest.catalog?.extensions ?? [];
  if (!wanted.length) return [];
  const installed = await withPgClient(target, async (client) => new Set((await client.query<{ extname: string }>('SELECT extname FROM pg_catalog.pg_extension')).rows.map((r) => r.extname)), signal);
  return wanted.map((e) => ({
    name: e.name,
    version: e.version,
    schema: e.schema,
    tables: affectedTables(e),
    status: installed.has(e.name) ? ('installed' as const) : ('missing' as const),
    detail: installed.has(e.name) ? 'installed on the staging target' : 'not installed on the staging target; install it there (or ask its administrator) and rehearse again.',
  }));
}

async function amcheck(target: PgTarget, tools: { dir?: string; prefer: string[] }, signal?: AbortSignal): Promise<CheckResult> {
  const title = 'pg_amcheck: heap and B-tree indexes consistent';
  // The restoring role may not install amcheck: a scratch server gets it beforehand, a staging target needs its administrator.
  const installed = await withPgClient(target, async (client) => (await client.query(`SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'amcheck'`)).rowCount === 1, signal);
  if (!installed) {
    return { key: 'amcheck', title, status: 'not-run', detail: `The amcheck extension is not installed in ${target.database}; ask its administrator to run CREATE EXTENSION amcheck there, or rehearse on the embedded server.`, numbers: {} };
  }
  try {
    const tool = await choosePgTool('pg_amcheck', tools);
    await withLibpqEnv(target, tool.major, (env) => runTool(tool.path, [...connectionArgs(target), '--database', target.database, '--heapallindexed'], { env, timeoutMs: 3_600_000, signal }));
    return { key: 'amcheck', title, status: 'passed', detail: 'No corruption found.', numbers: {} };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { key: 'amcheck', title, status: 'failed', detail: redact(error instanceof Error ? error.message : String(error)), numbers: {} };
  }
}
