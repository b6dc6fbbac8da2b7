// npm run bench: on one generated Supabase-shaped database, in the same run, our backup against raw
// `pg_dump -Fc -f file`, our verify against our backup, and our rehearsal against raw
// `age -d | pg_restore` into a fresh database. Prints figures and ratios; asserts nothing (not a test).
// BW_BENCH_BYTES sets the database size (default 1 GiB).
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPgClient, type PgTarget } from '../../src-main/core/pg/connect';
import { connectionArgs, withLibpqEnv } from '../../src-main/core/pg/libpqEnv';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';
import { startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import { KeychainVault } from '../../src-main/core/vault/vault';
import { openWarden } from '../../src-main/core/warden';
import { tempDir } from '../helpers/tmp';
import { measure, type Measured } from './measure';

const targetBytes = Number(process.env.BW_BENCH_BYTES ?? 1024 ** 3);
const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const peak = (m: Measured) => Object.values(m.peakRss).reduce((a, b) => a + b, 0);

const work = tempDir('bw-bench-');
const t0 = performance.now();
const { cluster, source, built } = await startPracticeServer({
  targetBytes,
  onRound: (round, bytes) => process.stderr.write(`\rbuilding practice database: ${mib(bytes)} (round ${round})`),
});
try {
  process.stderr.write(`\nbuilt ${mib(built.databaseSizeBytes)} in ${secs(performance.now() - t0)}\n`);

  const service = `Backup Warden bench ${randomUUID()}`;
  const dataDir = join(work.dir, 'data');
  const warden = openWarden({ dataDir, vault: new KeychainVault(service), actor: 'bench' });
  const project = await warden.projects.create({
    name: 'bench', environment: 'local', host: source.host, port: source.port,
    database: source.database, user: source.user, sslmode: 'disable', secrets: { dbPassword: source.password },
  });
  warden.close();
  // The expert's pg_dump connects as the same role as ours: postgres, not a superuser.
  const target = source;
  const pgDump = await choosePgTool('pg_dump');

  const rawFile = join(work.dir, 'raw.dump');
  const raw = await withLibpqEnv(target, pgDump.major, (env) => measure(pgDump.path, [...connectionArgs(target), '--dbname', 'practice', '-Fc', '-f', rawFile], env));
  const outDir = join(work.dir, 'ours');
  mkdirSync(outDir);
  // Measure shipped-shape JavaScript (as the app bundles it), not TypeScript compiled on the fly.
  await build({
    entryPoints: { child: 'test/bench/child.ts', ageWorker: 'src-main/core/crypto/ageWorker.ts' },
    outdir: 'out/bench',
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const child = (...args: string[]) => measure(process.execPath, ['out/bench/child.js', ...args.slice(0, 1), dataDir, service, ...args.slice(1)]);
  const ours = await child('backup', project.id, outDir, 'bench');
  const oursResult = JSON.parse(ours.stdout) as { runId: string; ciphertextBytes: number; dumpMs: number; totalMs: number };
  const verify = await child('verify', oursResult.runId);

  // Raw restore first, as with pg_dump: the age CLI piped into pg_restore, into a fresh database on the running server.
  const reopened = openWarden({ dataDir, vault: new KeychainVault(service), actor: 'bench' });
  const identityFile = join(work.dir, 'identity.txt');
  writeFileSync(identityFile, (await reopened.projects.backupKey(project.id, { create: false })).identity + '\n', { mode: 0o600 });
  reopened.close();
  await withPgClient(cluster.target, async (client) => void (await client.query('CREATE DATABASE raw_restore')));
  const rawRestoreMs = await ageIntoPgRestore(identityFile, join(outDir, 'bench.dump.age'), { ...cluster.target, database: 'raw_restore' });
  const rehearse = await child('rehearse', oursResult.runId);
  const rehearseResult = JSON.parse(rehearse.stdout) as { rtoMs: number; totalMs: number };

  const rows: [string, string, string][] = [
    ['database size', mib(built.databaseSizeBytes), ''],
    ['raw pg_dump -Fc -f (gzip level 6, no encryption)', secs(raw.wallMs), `peak RSS ${mib(peak(raw))}, file ${mib(statSync(rawFile).size)}`],
    [
      'Backup Warden backup (pg_dump -Fc -Z1 → age, hashes, exact counts, roles, manifest)',
      secs(ours.wallMs),
      `peak RSS node ${mib(ours.peakRss.node ?? 0)} + pg_dump ${mib(ours.peakRss.pg_dump ?? 0)}, file ${mib(oursResult.ciphertextBytes)}`,
    ],
  ];
  console.log(`\nBackup Warden benchmark (${new Date().toISOString().slice(0, 10)}, PostgreSQL ${pgDump.version}, ${process.platform} ${process.arch})`);
  for (const [what, value, note] of rows) console.log(`  ${what.padEnd(86)} ${value.padStart(12)}  ${note}`);
  console.log(`  of which in the backup engine: ${secs(oursResult.totalMs)} (dump with counts ${secs(oursResult.dumpMs)}); the rest is process start, keychain and SQLite`);
  console.log(`  ratio backup / raw pg_dump -Fc (wall time): ${(ours.wallMs / raw.wallMs).toFixed(2)}  (goal ≤ 1.0)`);
  console.log(`  our node process peak RSS: ${mib(ours.peakRss.node ?? 0)}  (goal < 200 MiB, flat in database size)`);
  console.log(`  verify (hashes, full authenticated decrypt, pg_restore --list, size and table checks): ${secs(verify.wallMs)}`);
  console.log(`  ratio verify / backup (wall time): ${(verify.wallMs / ours.wallMs).toFixed(2)}  (goal ≤ 0.3)`);
  console.log(`  raw age -d | pg_restore into a fresh database: ${secs(rawRestoreMs)}`);
  console.log(`  rehearsal (scratch initdb, roles, hashes, decrypt, parallel pg_restore, counts, fingerprints, teardown): ${secs(rehearse.wallMs)}, measured RTO ${secs(rehearseResult.rtoMs)}`);
  console.log(`  ratio rehearsal / raw restore (wall time): ${(rehearse.wallMs / rawRestoreMs).toFixed(2)}  (goal ≤ 1.2)`);
} finally {
  await cluster.stop();
  work.cleanup();
}

/** age -d -i identity file | pg_restore --dbname target: two processes joined by a pipe, timed together. */
async function ageIntoPgRestore(identityFile: string, file: string, target: PgTarget): Promise<number> {
  const { path: pgRestore, major } = await choosePgTool('pg_restore');
  return withLibpqEnv(target, major, async (env) => {
    const started = performance.now();
    const age = spawn('age', ['-d', '-i', identityFile, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const restore = spawn(pgRestore, [...connectionArgs(target), '--dbname', target.database], { env, stdio: ['pipe', 'ignore', 'inherit'] });
    age.stdout.pipe(restore.stdin);
    const exit = (p: ReturnType<typeof spawn>, name: string) =>
      new Promise<void>((resolve, reject) => p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`)))));
    await Promise.all([exit(age, 'age'), exit(restore, 'pg_restore')]);
    return performance.now() - started;
  });
}
