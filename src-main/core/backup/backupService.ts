import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { z } from 'zod';
import { backupRequestSchema, publicManifest, sealedManifestFile, type BackupProgress, type BackupRequest, type BackupResult, type CapturedRole, type Manifest, type RolesFile } from '../../contract/backup';
import type { AuditTrail } from '../audit/auditTrail';
import { ageEncryptStream } from '../crypto/ageStream';
import { HashStream } from '../crypto/hashStream';
import { sealText } from '../crypto/sealedText';
import type { Db } from '../db/database';
import { readStorageRows, storageRowsRecorder } from '../storage/storageRows';
import { WardenError } from '../errors';
import { cancelStatement, withPgClient, type PgTarget } from '../pg/connect';
import { connectionArgs, withLibpqEnv } from '../pg/libpqEnv';
import { discoverPgTool } from '../pgtools/discovery';
import { recoveryDetailsFile, recoveryDocument } from './recoveryDocument';
import type { ProjectView } from '../../contract/project';
import type { ProjectService } from '../projects/projectService';
import type { Activity, ActivityStore } from '../runs/activities';
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { flushWhileWriting, PARTIAL_SUFFIX, promotePartial, writeFileAtomic } from '../util/atomicFile';
import { redact } from '../util/redact';
import { supabaseEndpoint } from '../supabase/connection';
import { parseOrThrow } from '../util/validation';
import { countRows, readTables, schemaFingerprint, serverFacts, summarize } from './catalog';
import { readCatalogFacts, readRoles } from './catalogFacts';
import { spawnPgDump, type DumpExit } from './pgDumpProcess';
import { packWhileDumping } from './directoryArchive';
import { findZstd, ZSTD_COMPRESS } from './zstd';
import { spawnTool, stderrTail, type ToolProcess } from '../util/runTool';
import { ProgressTracker } from './progress';

export interface BackupOptions {
  /** Directory the operator picked; must exist. */
  outputDir: string;
  /** Called once the run exists (before any progress), so a shell can show it while the backup runs. */
  onStarted?: (runId: string) => void;
  onProgress?: (progress: BackupProgress) => void;
  signal?: AbortSignal;
  /** The activity this backup is part of (a rollback's safety backup): its lock does not refuse this one. */
  within?: Activity;
  /** PostgreSQL tools directory override (settings). */
  pgToolsDir?: string;
  now?: () => Date;
}

/** What libpq and the server print when a session dies under pg_dump (terminated, restarted, network gone). */
const CONNECTION_LOST = /server closed the connection|terminating connection|could not receive data from server|connection to server .* failed|SSL SYSCALL error|no connection to the server/i;

/** What pg_dump's parallel jobs print when a table's lock (taken with NOWAIT) is refused. */
const LOCK_REFUSED = /could not obtain lock on relation/;

export const defaultBackupName = (date: Date): string => `pre-migration-baseline-${date.toISOString().slice(0, 10)}`;

interface Paths {
  dump: string;
  roles: string;
  /** The public manifest (publicManifestSchema). */
  manifest: string;
  /** The full manifest, age-encrypted. */
  sealedManifest: string;
  recovery: string;
  recoveryDetails: string;
}

export class BackupService {
  constructor(
    private readonly deps: { db: Db; audit: AuditTrail; projects: ProjectService; runs: RunStore; activities: ActivityStore; artifacts: ArtifactStore; actor: string },
  ) {}

  async run(rawRequest: BackupRequest, options: BackupOptions): Promise<BackupResult> {
    const request = parseOrThrow(backupRequestSchema, rawRequest, 'backup request');
    const { activities, projects } = this.deps;
    const project = projects.get(request.projectId);
    if (supabaseEndpoint(project) === 'transaction-pooler') {
      throw new WardenError(
        'VALIDATION',
        `${project.host}:${project.port} is Supabase's transaction-mode pooler: pg_dump needs one session for its snapshot and cannot work through it. ` +
          'Use the session pooler on port 5432 (same host and user) or the direct host db.<project-ref>.supabase.co:5432, then back up again.',
      );
    }
    // Production whose only key is in this keychain: losing this workstation would lose the backup.
    if (onlyThisKeychain(project, request) && !request.acknowledgeSingleKey) {
      throw new WardenError(
        'FORBIDDEN',
        `Only this workstation's keychain could open a backup of production "${project.name}": export the recovery key for escrow (project → Export recovery key; CLI: key export), ` +
          'add a break-glass recipient (an offline age key), or acknowledge that risk for this backup (recorded in the audit trail). Nothing was backed up.',
      );
    }
    // One backup per project at a time, across every process that shares this data directory.
    const activity = activities.start('backup', project.id, null, { signal: options.signal, within: options.within });
    try {
      return await this.runExclusive(request, project, { ...options, signal: activity.signal }, activity);
    } finally {
      activities.finish(activity);
    }
  }

  private async runExclusive(request: z.output<typeof backupRequestSchema>, project: ProjectView, options: BackupOptions, activity: Activity): Promise<BackupResult> {
    const { audit, projects, runs, activities, actor } = this.deps;
    const now = options.now ?? (() => new Date());
    const name = request.name ?? defaultBackupName(now());
    const paths = this.outputPaths(options.outputDir, name);
    for (const file of Object.values(paths)) activities.addLeftover(activity, { kind: 'partial', path: file + PARTIAL_SUFFIX });

    const run = runs.create(project.id, name, request.description, actor, { outputDir: options.outputDir });
    activities.attachRun(activity, run.id);
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: project.id, runId: run.id, details });
    runs.setItem(run.id, 'backup', 'running');
    options.onStarted?.(run.id);

    let tempDir: string | null = null;
    try {
      const target = await projects.target(project.id);
      const key = await projects.backupKey(project.id);
      const recipients = [...new Set([key.recipient, ...project.extraRecipients, ...request.extraRecipients])];
      if (onlyThisKeychain(project, request)) log('backup.single-key-acknowledged', { recipient: key.recipient });
      // A parallel dump is written to disk first, unencrypted: in a private folder, removed once packed, after a crash at the next start.
      if (request.jobs > 1) {
        tempDir = mkdtempSync(join(tmpdir(), 'bw-dump-'));
        activities.addLeftover(activity, { kind: 'temp-dir', path: tempDir });
      }
      const rows = storageRowsRecorder(this.deps.db, run.id);
      // How many storage.objects rows the snapshot held; null without a Storage schema.
      let storageRows: number | null = null;
      const manifest = await this.backup({
        target, recipients, paths, options, excludeSchemas: project.excludeSchemas, toolDirs: projects.toolDirs(project.id), now,
        parallel: tempDir ? { jobs: request.jobs, dir: tempDir } : null,
        storageRows: {
          add: rows.add,
          read: (total) => (storageRows = total),
        },
      });
      const full: Manifest = {
        ...manifest,
        backupId: randomUUID(),
        runId: run.id,
        name,
        description: request.description,
        project: { id: project.id, name: project.name, environment: project.environment, supabaseRef: project.supabaseRef },
        source: { host: target.host, port: target.port, database: target.database, user: target.user },
      };
      // Beside the file in plain text only what checking it without the key needs; the rest (host, user,
      // every table and its rows) travels encrypted to the same recipients.
      await sealText(JSON.stringify(full, null, 2) + '\n', recipients, paths.sealedManifest);
      writeFileAtomic(paths.manifest, JSON.stringify(publicManifest(full), null, 2) + '\n');
      // How to restore it with standard tools only, beside it.
      const recovery = recoveryDocument(full, paths.dump);
      writeFileAtomic(paths.recovery, recovery.plain);
      await sealText(recovery.details, recipients, paths.recoveryDetails);
      this.deps.artifacts.addBackup(run.id, paths.dump, full);
      const evidence = {
        backupId: full.backupId,
        file: paths.dump,
        ciphertextBytes: full.files.dump.ciphertextBytes,
        ciphertextSha256: full.files.dump.ciphertextSha256,
        tables: full.totals.tables,
        publicTables: full.totals.publicTables,
        rows: full.totals.rows,
        roles: full.files.roles.status,
        pgDump: full.tools.pgDump,
        serverVersion: full.server.version,
        jobs: full.dump.jobs,
      };
      runs.setItem(run.id, 'backup', 'passed', evidence);
      log('backup.completed', {
        ...evidence, recipients: full.encryption.recipients, schemaFingerprint: full.schemaFingerprint, dumpMs: full.timings.dumpMs,
        // The storage.objects rows kept with the run, vouched for here: the Storage check recomputes them.
        storageRows: storageRows === null ? null : rows.recorded(storageRows),
      });
      // Storage objects are not in a database backup: with objects, the run needs their backup (or a reason to leave them out).
      if (!storageRows) {
        runs.setItem(run.id, 'storage', 'passed', {
          scope: 'none',
          reason: storageRows === null ? 'The database has no Supabase Storage schema (storage.objects).' : 'storage.objects had no rows in the backup’s snapshot: there are no Storage objects to back up.',
        });
      }
      return { runId: run.id, backupId: full.backupId, dumpFile: paths.dump, manifestFile: paths.manifest, manifest: full };
    } catch (error) {
      for (const file of Object.values(paths)) rmSync(file + PARTIAL_SUFFIX, { force: true });
      this.deps.db.prepare('DELETE FROM storage_row_pages WHERE run_id = ?').run(run.id);
      const cancelled = options.signal?.aborted === true;
      const message = redact(error instanceof Error ? error.message : String(error));
      runs.setItem(run.id, 'backup', 'failed', { error: message });
      runs.finish(run.id, cancelled ? 'cancelled' : 'failed', message);
      log(cancelled ? 'backup.cancelled' : 'backup.failed', { error: message });
      if (cancelled) throw new WardenError('CANCELLED', `Backup "${name}" was cancelled; no backup file was kept.`, { cause: error });
      throw error;
    } finally {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    }
  }

  private outputPaths(outputDir: string, name: string): Paths {
    if (!isAbsolute(outputDir)) throw new WardenError('VALIDATION', `Output folder must be an absolute path (got "${outputDir}").`);
    let isDir = false;
    try {
      isDir = statSync(outputDir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new WardenError('VALIDATION', `Output folder ${outputDir} does not exist or is not a folder. Pick an existing folder.`);
    const paths = {
      dump: join(outputDir, `${name}.dump.age`),
      roles: join(outputDir, `${name}.roles.json.age`),
      manifest: join(outputDir, `${name}.manifest.json`),
      sealedManifest: join(outputDir, sealedManifestFile(`${name}.dump.age`)),
      recovery: join(outputDir, `${name}.RECOVERY.md`),
      recoveryDetails: recoveryDetailsFile(join(outputDir, `${name}.dump.age`)),
    };
    for (const file of Object.values(paths)) {
      if (existsSync(file)) throw new WardenError('CONFLICT', `${file} already exists; Backup Warden never overwrites a backup. Choose another name.`);
      if (existsSync(file + PARTIAL_SUFFIX)) {
        throw new WardenError('CONFLICT', `${file + PARTIAL_SUFFIX} is left from an interrupted backup. It is incomplete: delete it or move it away, then try again.`);
      }
    }
    return paths;
  }

  private async backup(args: {
    target: PgTarget;
    recipients: string[];
    paths: Paths;
    options: BackupOptions;
    excludeSchemas: string[];
    toolDirs: string[];
    now: () => Date;
    /** A directory archive by `jobs` pg_dump processes, written into `dir` (private, the caller removes it). */
    parallel: { jobs: number; dir: string } | null;
    /** Receives the storage.objects rows, read in the dump's snapshot, page by page, then their number (null: no Storage schema). */
    storageRows: { add(page: string): void; read(total: number | null): void };
  }): Promise<Omit<Manifest, 'backupId' | 'runId' | 'name' | 'description' | 'project' | 'source'>> {
    const { target, recipients, paths, options, excludeSchemas, toolDirs, now, parallel } = args;
    const startedAt = now();
    const t0 = performance.now();
    // The tool search (each candidate's --version) runs while the connection opens.
    const choosePgDump = discoverPgTool('pg_dump', { dir: options.pgToolsDir, prefer: toolDirs });
    return withPgClient(target, async (client) => {
      // One snapshot for everything: pg_dump imports it, and the row counts read it, so the manifest
      // describes exactly the data in the dump even while production keeps writing.
      const snapshot = await beginWithExportedSnapshot(client);
      if (parallel && !snapshot) {
        throw new WardenError('VALIDATION', `A parallel backup's ${parallel.jobs} jobs must share one snapshot, and this server could not export one (a standby or a transaction pooler): back up with 1 job.`);
      }
      const server = await serverFacts(client);
      const pgDump = await choosePgDump(server.major);
      // Sized, and first reported, once the tables are read: pg_dump starts first.
      const tracker = new ProgressTracker((p) => options.onProgress?.(p));

      // pg_dump ≥ 16 compresses with zstd inside the archive; older ones only with gzip, in their one thread:
      // then zstd -T0 compresses the uncompressed archive outside it, on every core (gzip:1 without zstd).
      const zstd = pgDump.major >= 16 ? null : findZstd();
      const compression = pgDump.major >= 16 ? 'zstd:1' : zstd ? '0' : '1';
      const archiveDir = parallel && join(parallel.dir, 'archive');
      const dumpArgs = [
        ...connectionArgs(target),
        '--dbname',
        target.database,
        ...(parallel ? ['--format=directory', `--jobs=${parallel.jobs}`, `--file=${archiveDir}`] : ['--format=custom']),
        `--compress=${compression}`,
        '--verbose',
        ...(snapshot ? [`--snapshot=${snapshot}`] : []),
        ...excludeSchemas.map((s) => `--exclude-schema=${s}`),
      ];
      // A failed read stops the dump, and a failed dump the reads (a count may wait on a lock that outlives
      // the dump); both settle before the backup goes on or fails, so a stopped pg_dump has removed its
      // passfile and partial file by then. The first failure is the one reported.
      const readFailed = new AbortController();
      const dumpSignal = options.signal ? AbortSignal.any([options.signal, readFailed.signal]) : readFailed.signal;
      const dumping = withLibpqEnv(target, pgDump.major, (env) => this.dumpToFile(pgDump.path, dumpArgs, env, zstd, recipients, paths.dump, tracker, dumpSignal, archiveDir));
      // Beside the dump, on this connection, in the same snapshot: the tables, roles and catalog facts (while
      // pg_dump reads its own catalog — round trips that a remote server makes long), then the exact counts,
      // then what storage.objects says exists (the Storage backup is checked against it).
      const read = (async () => {
        const tables = await readTables(client, excludeSchemas);
        tracker.sizeTables(tables);
        tracker.report(true);
        // Roles and the catalog facts a restore prepares from, as data.
        const catalog = await readCatalogFacts(client, excludeSchemas);
        const capturedRoles = await readRoles(client);
        const countedTables = await countRows(client, tables);
        args.storageRows.read(await readStorageRows(client, args.storageRows.add));
        return { catalog, capturedRoles, countedTables };
      })();
      const failures: unknown[] = [];
      read.catch((error: unknown) => (failures.push(error), readFailed.abort()));
      dumping.catch((error: unknown) => (failures.push(error), cancelStatement(target, client)));
      const [dumped, readOut] = await Promise.allSettled([dumping, read]);
      if (dumped.status === 'rejected' || readOut.status === 'rejected') throw failures[0];
      const dumpResult = dumped.value;
      const { catalog, capturedRoles, countedTables } = readOut.value;
      await client.query('COMMIT');
      const dumpMs = Math.round(performance.now() - t0);

      tracker.phase = 'roles';
      tracker.report(true);
      const roles = await writeRolesFile(capturedRoles, recipients, paths.roles);

      tracker.phase = 'finalizing';
      tracker.report(true);
      promotePartial(paths.dump + PARTIAL_SUFFIX, paths.dump);
      const { schemas, totals } = summarize(countedTables);
      return {
        format: 'backup-warden/manifest@4' as const,
        server: { version: server.version, versionNum: server.versionNum, databaseSizeBytes: server.databaseSizeBytes },
        tools: { pgDump: pgDump.version, pgDumpDir: pgDump.dir },
        dump: { format: parallel ? ('directory' as const) : ('custom' as const), jobs: parallel?.jobs ?? 1, compression: compression === '1' ? 'gzip:1' : compression === '0' ? 'none (zstd -1 outside the archive)' : compression, stream: zstd ? ('zstd' as const) : null, ...(dumpResult.directoryFiles && { files: dumpResult.directoryFiles }), excludedSchemas: excludeSchemas, snapshot },
        schemas,
        tables: countedTables,
        totals,
        schemaFingerprint: schemaFingerprint(countedTables),
        catalog,
        files: {
          dump: { file: basename(paths.dump), ...dumpResult.file },
          roles,
        },
        encryption: { scheme: 'age-x25519' as const, recipients },
        timings: { startedAt: startedAt.toISOString(), finishedAt: now().toISOString(), dumpMs, totalMs: Math.round(performance.now() - t0) },
      };
    }, options.signal);
  }

  /**
   * pg_dump [→ zstd -T0] → byte count → age → SHA-256 → .partial. With `archiveDir`,
   * pg_dump writes a directory archive there, and tar feeds the same pipeline with each file its jobs have
   * finished, the rest (toc.dat last) once it has exited. Fails unless pg_dump, tar and zstd exit 0.
   */
  private async dumpToFile(
    pgDumpPath: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    zstdPath: string | null,
    recipients: string[],
    finalPath: string,
    tracker: ProgressTracker,
    signal: AbortSignal | undefined,
    archiveDir: string | null,
  ): Promise<{ file: { plaintextBytes: number; ciphertextBytes: number; ciphertextSha256: string }; directoryFiles: string[] | null }> {
    signal?.throwIfAborted();
    tracker.phase = 'dumping';
    // A parallel dump's files go into tar as its jobs finish them: the tar stream is then what is compressed and encrypted.
    const packer = archiveDir ? packWhileDumping(archiveDir) : null;
    const proc = spawnPgDump(pgDumpPath, args, env, { table: (table) => tracker.tableStarted(table), itemFinished: packer ? (dumpId) => packer.finished(dumpId) : undefined });
    let directoryFiles: string[] | null = null;
    let zstd: ToolProcess | null = null;
    // Stops whatever runs: pg_dump, tar, zstd.
    const stop = () => {
      proc.kill();
      packer?.kill();
      zstd?.child.kill();
    };
    signal?.addEventListener('abort', stop, { once: true });
    try {
      if (packer) {
        proc.stdout.resume();
        // Once pg_dump has written everything, the rest of its files follow, toc.dat last; a failed dump stops tar.
        void proc.exited.then((exit) => {
          try {
            if (exit.code === 0 && !signal?.aborted) return void (directoryFiles = packer.end());
          } catch {
            // tar is stopped: its exit status reports it below
          }
          packer.kill();
        });
      }
      const archive = packer?.stdout ?? proc.stdout;
      // The archive goes to zstd through an OS pipe: the uncompressed bytes never pass through this process.
      zstd = zstdPath ? spawnTool(zstdPath, ZSTD_COMPRESS, { stdin: archive, stdout: 'pipe' }) : null;
      if (zstd) archive.destroy(); // zstd holds the read end now
      // Counted, not hashed: the file's digest determines what it decrypts to (manifest@4).
      const plain = new HashStream((n) => {
        tracker.bytesDumped = n;
        tracker.report();
      }, { digest: false });
      const out = createWriteStream(finalPath + PARTIAL_SUFFIX, { flags: 'wx', mode: 0o600 });
      const flush = flushWhileWriting(out);
      const cipher = new HashStream((n) => {
        tracker.bytesWritten = n;
        flush(n);
      });
      const written = pipeline(zstd ? zstd.stdout! : archive, plain, ageEncryptStream(recipients, { large: true }), cipher, out).catch((error: unknown) => {
        stop(); // a failing consumer (disk full) must not leave pg_dump running
        throw error;
      });
      const [piped, dumped, packed, compressed] = await Promise.allSettled([written, proc.exited, packer?.exited, zstd?.exited]);
      signal?.throwIfAborted();
      // A failed write (disk full) is the root cause even though pg_dump was then stopped for it.
      if (piped.status === 'rejected') {
        const reason = piped.reason instanceof Error ? piped.reason.message : String(piped.reason);
        const full = (piped.reason as NodeJS.ErrnoException).code === 'ENOSPC' || (piped.reason as NodeJS.ErrnoException).code === 'EDQUOT';
        throw new WardenError(
          'INTERNAL',
          `Writing the backup failed (${reason}); the partial file was removed. ${full ? 'The output folder is out of space: free some or pick a folder on a larger disk' : 'Check free space and permissions of the output folder'}, then run the backup again.`,
          { cause: piped.reason },
        );
      }
      // pg_dump's exit status decides first: a dump that ended early still closes its output "cleanly", and a failed one stopped tar.
      if (dumped.status === 'fulfilled') throwIfDumpFailed(dumped.value);
      if (packed.status === 'fulfilled' && packed.value && packed.value.code !== 0) {
        throw new WardenError('INTERNAL', `tar exited with code ${packed.value.code} while packing the directory archive; the backup is incomplete and was discarded. ${stderrTail(packed.value.stderr, 2)}`);
      }
      if (compressed.status === 'fulfilled' && compressed.value && compressed.value.code !== 0) {
        throw new WardenError('INTERNAL', `zstd exited with code ${compressed.value.code} while compressing the dump; the backup is incomplete and was discarded. ${stderrTail(compressed.value.stderr, 2)}`);
      }
      tracker.tablesFinished();
      return { file: { plaintextBytes: plain.bytes, ciphertextBytes: cipher.bytes, ciphertextSha256: cipher.sha256 }, directoryFiles };
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }
}

/** pg_dump's exit status: a dump that ended early still closes its output "cleanly". */
function throwIfDumpFailed(exit: DumpExit): void {
  if (exit.code === 0) return;
  const tail = exit.errorTail ? `\n${exit.errorTail}` : '';
  if (CONNECTION_LOST.test(exit.errorTail)) {
    throw new WardenError('CONNECTION', `The database connection was lost during the dump; the backup is incomplete and was discarded. Check that the database is up and reachable, then run the backup again.${tail}`);
  }
  // A parallel dump's jobs take each table's lock without waiting: an exclusive lock asked for meanwhile (a migration) stops the dump.
  if (LOCK_REFUSED.test(exit.errorTail)) {
    throw new WardenError(
      'CONFLICT',
      `Another session asked for an exclusive lock on a table while the parallel dump ran (a migration, VACUUM FULL, ALTER TABLE), and pg_dump's jobs do not wait for locks; the backup is incomplete and was discarded. Back up again once that session is done, or with 1 job, which waits for locks instead.${tail}`,
    );
  }
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  throw new WardenError('INTERNAL', `pg_dump ${how}; the backup is incomplete and was discarded.${tail}`);
}

/** The roles as data (rolesFileSchema), age-encrypted to the backup's recipients, written atomically. */
async function writeRolesFile(roles: CapturedRole[], recipients: string[], finalPath: string): Promise<Manifest['files']['roles']> {
  const text = JSON.stringify({ format: 'backup-warden/roles@1', roles } satisfies RolesFile, null, 2) + '\n';
  return { status: 'captured', format: 'json', file: basename(finalPath), ...(await sealText(text, recipients, finalPath)) };
}

/** Opens the read-only transaction whose snapshot pg_dump will share. Export must be its first statement. */
async function beginWithExportedSnapshot(client: pg.Client): Promise<string | null> {
  const begin = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
  await client.query(begin);
  try {
    const { rows } = await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
    return rows[0]!.id;
  } catch {
    // Standbys and transaction poolers cannot export snapshots: counts are then read in a snapshot of
    // their own, and the manifest says so (dump.snapshot = null).
    await client.query('ROLLBACK');
    await client.query(begin);
    return null;
  }
}

/** A production backup that only the project's key, kept only in this keychain, could open. */
function onlyThisKeychain(project: ProjectView, request: { extraRecipients: readonly string[] }): boolean {
  return project.environment === 'production' && project.extraRecipients.length === 0 && request.extraRecipients.length === 0 && project.keyEscrowedAt === null;
}
