// npm run bench: on generated databases, in the same run and interleaved, our backup against raw
// `pg_dump -Fc -f file` and against the expert's pipeline `pg_dump -Fc -Z0 | zstd -1 -T0 | age -r KEY`,
// our verify against our backup, our rehearsal against `age -d | pg_restore` into a fresh database; the
// median of BW_BENCH_RUNS (default 3) runs of each, wall time and CPU (GNU time), peak RSS. Two datasets:
// the practice database (text that compresses well) and one of random bytes, JSON and text that does not.
// Prints a Markdown table for the README; asserts nothing (not a test).
//   BW_BENCH_BYTES    database size (default 1 GiB)
//   BW_BENCH_RUNS     runs per measurement (default 3)
//   BW_BENCH_DATASETS practice,incompressible (default both)
//   BW_BENCH_BUSY     cores kept busy by a spinning process during every measurement (default 0): a busy workstation
//   BW_BENCH_JOBS     parallel backups measured against ours with one job, and their rehearsals (default 2; 0: none)
import { identityToRecipient } from 'age-encryption';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { countRows, readTables } from '../../src-main/core/backup/catalog';
import { withPgClient, type PgTarget } from '../../src-main/core/pg/connect';
import { readStorageRows } from '../../src-main/core/storage/storageRows';
import { connectionArgs, withLibpqEnv } from '../../src-main/core/pg/libpqEnv';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';
import { startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import { practiceExpectedTables } from '../../src-main/contract/constants';
import { KeychainVault } from '../../src-main/core/vault/vault';
import { openWarden } from '../../src-main/core/warden';
import { tempDir } from '../helpers/tmp';
import { measure, measurePipeline, median, type Measured } from './measure';

const targetBytes = Number(process.env.BW_BENCH_BYTES ?? 1024 ** 3);
const runs = Math.max(1, Number(process.env.BW_BENCH_RUNS ?? 3));
const busy = Math.max(0, Number(process.env.BW_BENCH_BUSY ?? 0));
const parallelJobs = (process.env.BW_BENCH_JOBS ?? '2').split(',').map(Number).filter((n) => n > 1);
const datasets = (process.env.BW_BENCH_DATASETS ?? 'practice,incompressible').split(',') as ('practice' | 'incompressible')[];
const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// Measure shipped-shape JavaScript (bundled as the CLI is), not TypeScript compiled on the fly.
execFileSync(process.execPath, ['scripts/build-cli.mjs', 'out/bench', 'child=test/bench/child.ts'], { stdio: 'inherit' });

const cliNodeFlags = readFileSync('src-main/cli/main.ts', 'utf8').split('\n')[0]!.split(' ').filter((arg) => arg.startsWith('--'));
const rows: string[] = [];
const pgDump = await choosePgTool('pg_dump');
const pgRestore = await choosePgTool('pg_restore');
for (const dataset of datasets) rows.push(...(await benchDataset(dataset)));
const load = busy ? `, ${busy} of them kept busy by a spinning process` : '';
console.log(`\nBackup Warden benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()})${load}, PostgreSQL ${pgDump.version} tools, median of ${runs} interleaved runs\n`);
console.log('| dataset | measured | ours | baseline | ratio (goal) |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);

async function benchDataset(dataset: 'practice' | 'incompressible'): Promise<string[]> {
  const work = tempDir('bw-bench-');
  const t0 = performance.now();
  const { cluster, source, built } = await startPracticeServer({
    targetBytes: dataset === 'practice' ? targetBytes : 1,
    onRound: (round, bytes) => process.stderr.write(`\r${dataset}: building ${mib(bytes)} (round ${round})`),
  });
  try {
    const size = dataset === 'practice' ? built.databaseSizeBytes : await fillIncompressible(cluster.target, targetBytes);
    process.stderr.write(`\n${dataset}: ${mib(size)} built in ${secs(performance.now() - t0)}\n`);
    const service = `Backup Warden bench ${randomUUID()}`;
    const dataDir = join(work.dir, 'data');
    const warden = openWarden({ dataDir, vault: new KeychainVault(service), actor: 'bench' });
    const project = await warden.projects.create({
      name: 'bench', environment: 'local', host: source.host, port: source.port,
      database: source.database, user: source.user, sslmode: 'disable', secrets: { dbPassword: source.password },
      expectedTables: [...practiceExpectedTables, ...(dataset === 'incompressible' ? ['bench_uploads'] : [])],
    });
    const identity = (await warden.projects.backupKey(project.id)).identity;
    warden.close();
    const identityFile = join(work.dir, 'identity.txt');
    writeFileSync(identityFile, identity + '\n', { mode: 0o600 });
    const recipient = await identityToRecipient(identity);
    // Our backup runs as the CLI does (the node flags of its #! line).
    // Every measured command starts on a server at rest: a checkpoint writes out what the one before left
    // dirty (a restore's gigabytes, a dropped database), which the server would otherwise write during it.
    const settle = () => (process.env.BW_BENCH_SETTLE === '0' ? Promise.resolve() : withPgClient(cluster.target, async (client) => void (await client.query('CHECKPOINT'))));
    // The server's CPU counts too: on two cores the backup's wall time follows the CPU of everything it runs.
    const serverPid = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const child = async (...args: string[]) => (await settle(), measure(process.execPath, [...cliNodeFlags, 'out/bench/child.js', args[0]!, dataDir, service, ...args.slice(1)], process.env, serverPid));
    const dumpArgs = [...connectionArgs(source), '--dbname', source.database].map(q).join(' ');

    // What the backup reads beside the dump, alone: exact row counts (a second scan of every table) and storage.objects.
    const sideReads: number[] = [];
    for (let i = 0; i < runs; i++) sideReads.push(await timeSideReads(source));
    const m: Record<'raw' | 'expert' | 'ours' | 'verify' | 'restore' | 'rehearsal', Measured[]> = { raw: [], expert: [], ours: [], verify: [], restore: [], rehearsal: [] };
    const sizes = { raw: 0, expert: 0, ours: 0 };
    const parallel = new Map(parallelJobs.map((n) => [n, { backup: [] as Measured[], rehearsal: [] as Measured[] }]));
    let rto: number[] = [];
    const spinners = startLoad(busy);
    try {
      for (let i = 0; i < runs; i++) {
        process.stderr.write(`${dataset}: run ${i + 1} of ${runs}\n`);
        const dir = join(work.dir, `run-${i}`);
        mkdirSync(dir);
        await withLibpqEnv(source, pgDump.major, async (env) => {
          await settle();
          m.raw.push(await measure(pgDump.path, [...connectionArgs(source), '--dbname', source.database, '-Fc', '-f', join(dir, 'raw.dump')], env));
          await settle();
          m.expert.push(await measurePipeline(`${q(pgDump.path)} ${dumpArgs} -Fc -Z0 | zstd -1 -T0 -q | age -r ${recipient} > ${q(join(dir, 'expert.dump.zst.age'))}`, env, serverPid));
        });
        sizes.raw = statSync(join(dir, 'raw.dump')).size;
        sizes.expert = statSync(join(dir, 'expert.dump.zst.age')).size;
        const ours = await child('backup', project.id, dir, `bench-${i}`);
        m.ours.push(ours);
        const result = JSON.parse(ours.stdout) as { runId: string; ciphertextBytes: number; stream: 'zstd' | null };
        sizes.ours = result.ciphertextBytes;
        m.verify.push(await child('verify', result.runId));
        const database = `raw_restore_${i}`;
        await withPgClient(cluster.target, async (client) => void (await client.query(`CREATE DATABASE ${database}`)));
        const restoreTarget: PgTarget = { ...cluster.target, database };
        await settle();
        m.restore.push(await withLibpqEnv(restoreTarget, pgRestore.major, (env) =>
          measurePipeline(`age -d -i ${q(identityFile)} ${q(join(dir, `bench-${i}.dump.age`))} | ${result.stream === 'zstd' ? 'zstd -d -q | ' : ''}${q(pgRestore.path)} ${[...connectionArgs(restoreTarget), '--dbname', database].map(q).join(' ')}`, env)));
        await withPgClient(cluster.target, async (client) => void (await client.query(`DROP DATABASE ${database}`)));
        const rehearsal = await child('rehearse', result.runId);
        m.rehearsal.push(rehearsal);
        const figures = JSON.parse(rehearsal.stdout) as { rtoMs: number; prepareMs: number; isolation: string };
        rto.push(figures.rtoMs);
        process.stderr.write(`${dataset}: rehearsal ${secs(rehearsal.wallMs)} (prepared in ${secs(figures.prepareMs)}, RTO ${secs(figures.rtoMs)}); ${figures.isolation}\n`);
        for (const f of ['raw.dump', 'expert.dump.zst.age', `bench-${i}.dump.age`]) rmSync(join(dir, f), { force: true });
        // The same database with N pg_dump jobs (a directory archive packed with tar), and its rehearsal.
        for (const [n, measured] of parallel) {
          const backup = await child('backup', project.id, dir, `bench-${i}-j${n}`, String(n));
          measured.backup.push(backup);
          measured.rehearsal.push(await child('rehearse', (JSON.parse(backup.stdout) as { runId: string }).runId));
          rmSync(join(dir, `bench-${i}-j${n}.dump.age`), { force: true });
        }
      }
    } finally {
      for (const spinner of spinners) spinner.kill();
    }
    const wall = (k: keyof typeof m) => median(m[k].map((x) => x.wallMs));
    const cpu = (k: keyof typeof m) => median(m[k].map((x) => x.cpuS));
    const rss = (k: keyof typeof m, name: string) => Math.max(...m[k].map((x) => x.peakRss[name] ?? 0));
    const label = `${dataset} ${mib(size)}`;
    const total = (k: keyof typeof m) => median(m[k].map((x) => Object.values(x.cpuByName).reduce((a, b) => a + b, 0)));
    // Medians per process; what else ran (bash, tar) is under "other".
    const byProcess = (k: keyof typeof m, encrypter: string) => {
      const named = [encrypter, 'pg_dump', 'zstd', 'server'];
      const of = (x: Measured, name: string) =>
        name === 'other' ? Object.entries(x.cpuByName).reduce((a, [n, v]) => (named.includes(n) ? a : a + v), 0) : (x.cpuByName[name] ?? 0);
      return `${[...named, 'other'].map((n) => `${n} ${median(m[k].map((x) => of(x, n))).toFixed(1)}`).join(' + ')} = ${total(k).toFixed(1)} CPU-s`;
    };
    const ratio = (a: number, b: number, goal: string) => `${(a / b).toFixed(2)} (${goal})`;
    rto = [median(rto)];
    return [
      `| ${label} | backup vs raw \`pg_dump -Fc -f\` (wall) | ${secs(wall('ours'))}, ${mib(sizes.ours)} | ${secs(wall('raw'))}, ${mib(sizes.raw)} unencrypted | ${ratio(wall('ours'), wall('raw'), '≤ 1.0')} |`,
      `| ${label} | backup vs \`pg_dump -Z0 \\| zstd -1 -T0 \\| age\` (wall) | ${secs(wall('ours'))} | ${secs(wall('expert'))}, ${mib(sizes.expert)} | ${ratio(wall('ours'), wall('expert'), '≤ 1.1')} |`,
      `| ${label} | of our backup: exact row counts and storage.objects read beside the dump, alone (wall) | ${secs(median(sideReads))} | — | — |`,
      `| ${label} | backup vs the same pipeline (CPU) | ${cpu('ours').toFixed(1)} CPU-s | ${cpu('expert').toFixed(1)} CPU-s | ${ratio(cpu('ours'), cpu('expert'), '≤ 1.5')} |`,
      `| ${label} | backup, CPU by process with the database server's (sampled) | ${byProcess('ours', 'node')} | ${byProcess('expert', 'age')} | ${ratio(total('ours'), total('expert'), '—')} |`,
      `| ${label} | verify vs backup (wall) | ${secs(wall('verify'))} | ${secs(wall('ours'))} | ${ratio(wall('verify'), wall('ours'), '≤ 0.3')} |`,
      `| ${label} | rehearsal vs \`age -d \\| [zstd -d \\|] pg_restore\` into a fresh database (wall) | ${secs(wall('rehearsal'))}, RTO ${secs(rto[0]!)} | ${secs(wall('restore'))} | ${ratio(wall('rehearsal'), wall('restore'), '≤ 1.0')} |`,
      ...[...parallel].flatMap(([n, p]) => {
        const [backup, rehearsal] = [median(p.backup.map((x) => x.wallMs)), median(p.rehearsal.map((x) => x.wallMs))];
        return [
          `| ${label} | backup with ${n} parallel jobs vs with 1 (wall) | ${secs(backup)}, ${median(p.backup.map((x) => x.cpuS)).toFixed(1)} CPU-s | ${secs(wall('ours'))}, ${cpu('ours').toFixed(1)} CPU-s | ${ratio(backup, wall('ours'), 'scales with cores')} |`,
          `| ${label} | rehearsal of the ${n}-job backup vs of the 1-job backup (wall) | ${secs(rehearsal)} | ${secs(wall('rehearsal'))} | ${ratio(rehearsal, wall('rehearsal'), '—')} |`,
        ];
      }),
      `| ${label} | peak RSS of our process (backup / verify / rehearsal) | ${mib(rss('ours', 'node'))} / ${mib(rss('verify', 'node'))} / ${mib(rss('rehearsal', 'node'))} | pg_dump ${mib(rss('raw', 'pg_dump'))} | (< 200 MiB, flat) |`,
    ];
  } finally {
    await cluster.stop();
    work.cleanup();
  }
}

/** Wall time of what the backup reads beside pg_dump in its snapshot: every table counted, storage.objects listed. */
async function timeSideReads(source: PgTarget): Promise<number> {
  return withPgClient(source, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const t0 = performance.now();
    await countRows(client, await readTables(client, []));
    await readStorageRows(client, () => {});
    const ms = performance.now() - t0;
    await client.query('ROLLBACK');
    return ms;
  });
}

/** A busy workstation: `cores` processes that spin until killed. */
function startLoad(cores: number): ChildProcess[] {
  return Array.from({ length: cores }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/**
 * The second dataset: the practice schema with a table of what does not compress — random bytes, JSON of
 * random values, random text — grown to `bytes` (pgcrypto's gen_random_bytes, as on Supabase).
 */
async function fillIncompressible(admin: PgTarget & { password: string }, bytes: number): Promise<number> {
  return withPgClient({ ...admin, database: 'practice' }, async (client) => {
    await client.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
      CREATE TABLE public.bench_uploads (id bigserial PRIMARY KEY, payload bytea NOT NULL, meta jsonb NOT NULL, note text NOT NULL);
      ALTER TABLE public.bench_uploads OWNER TO postgres; ALTER TABLE public.bench_uploads ALTER payload SET STORAGE EXTERNAL`);
    let size = 0;
    for (let round = 1; size < bytes; round++) {
      await client.query(`INSERT INTO public.bench_uploads (payload, meta, note)
        SELECT extensions.gen_random_bytes(1024), jsonb_build_object('k', encode(extensions.gen_random_bytes(24), 'base64'), 'v', random(), 'tags', jsonb_build_array(random(), random())),
               encode(extensions.gen_random_bytes(96), 'base64')
        FROM generate_series(1, 50000)`);
      size = Number((await client.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s')).rows[0]!.s);
      process.stderr.write(`\rincompressible: building ${mib(size)} (round ${round})`);
    }
    await client.query('VACUUM (ANALYZE) public.bench_uploads');
    await client.query('CHECKPOINT');
    return size;
  });
}
