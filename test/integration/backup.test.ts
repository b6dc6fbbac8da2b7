import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSchema, publicManifest, publicManifestSchema, rolesFileSchema, type BackupProgress } from '../../src-main/contract/backup';
import { practiceExpectedTables } from '../../src-main/contract/constants';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';
import { openSealedText } from '../../src-main/core/crypto/sealedText';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { practiceProject } from '../helpers/practice';
import { findProcesses } from '../helpers/proc';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

const t = openTestWarden('alice');
const { warden } = t;
const out = tempDir('bw-backups-');
let cluster: ScratchCluster;
let projectId: string;
let password: string;
let breakGlass: { identityFile: string; recipient: string };

const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const outDir = (name: string) => {
  const dir = join(out.dir, name);
  mkdirSync(dir);
  return dir;
};

beforeAll(async () => {
  ({ cluster, projectId } = await practiceProject(warden));
  password = cluster.target.password;
  // An offline break-glass key made by the real age CLI, added as an extra recipient.
  const identityFile = join(out.dir, 'break-glass.txt');
  execFileSync('age-keygen', ['-o', identityFile], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', identityFile], { encoding: 'utf8' }).trim();
  breakGlass = { identityFile, recipient };
  await warden.projects.update(projectId, { extraRecipients: [recipient] });
});

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
});

async function exactCounts(): Promise<Map<string, number>> {
  const client = new pg.Client({ ...cluster.target, database: 'practice' });
  await client.connect();
  const { rows } = await client.query<{ s: string; t: string }>(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog','information_schema')`,
  );
  const counts = new Map<string, number>();
  for (const { s, t } of rows) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${client.escapeIdentifier(s)}.${client.escapeIdentifier(t)}`);
    counts.set(`${s}.${t}`, Number(r.rows[0]!.n));
  }
  await client.end();
  return counts;
}

describe('backup engine on a real PostgreSQL', () => {
  it('writes an age-encrypted custom-format dump that the age CLI decrypts and pg_restore reads, with a manifest of exact counts', async () => {
    const dir = outDir('good');
    const progress: BackupProgress[] = [];
    const secretsSeen: string[] = [];
    const result = await warden.backups.run(
      { projectId, name: 'pre-migration-baseline-2026-11-24', description: 'before the forum migration' },
      {
        outputDir: dir,
        onProgress: (p) => {
          progress.push(p);
          // While pg_dump runs: the password must be neither in its argv nor its environment.
          for (const proc of findProcesses('pg_dump')) {
            secretsSeen.push(proc.argv.join(' '), proc.env.join(' '));
            const passfile = proc.env.find((e) => e.startsWith('PGPASSFILE='))?.slice('PGPASSFILE='.length);
            if (passfile && existsSync(passfile)) secretsSeen.push(`mode:${(statSync(passfile).mode & 0o777).toString(8)}`);
          }
        },
      },
    );

    // Files: final names only, nothing partial.
    expect(readdirSync(dir).sort()).toEqual([
      'pre-migration-baseline-2026-11-24.RECOVERY-DETAILS.md.age',
      'pre-migration-baseline-2026-11-24.RECOVERY.md',
      'pre-migration-baseline-2026-11-24.dump.age',
      'pre-migration-baseline-2026-11-24.manifest.json',
      'pre-migration-baseline-2026-11-24.manifest.json.age',
      'pre-migration-baseline-2026-11-24.roles.json.age',
    ]);
    // Beside the file in plain text: only what checking it without the key needs. The full manifest
    // (host, user, every table and its rows) is sealed to the same recipients.
    const manifest = result.manifest;
    const plain = readFileSync(result.manifestFile, 'utf8');
    expect(publicManifestSchema.strict().parse(JSON.parse(plain))).toEqual(publicManifest(manifest));
    for (const privateFact of [manifest.source.host + ':', `"${manifest.source.user}"`, 'courses', 'enrollments', String(manifest.totals.rows)]) expect(plain).not.toContain(privateFact);
    const key0 = await warden.projects.backupKey(projectId);
    expect(manifestSchema.parse(JSON.parse(await openSealedText(result.dumpFile.replace(/\.dump\.age$/, '.manifest.json.age'), [key0.identity])))).toEqual(manifest);
    expect(sha256File(result.dumpFile)).toBe(manifest.files.dump.ciphertextSha256);
    // One digest, the file's: it determines what the file decrypts to (a second one cost more than the encryption without SHA instructions).
    expect(manifest.format).toBe('backup-warden/manifest@4');
    expect(manifest.files.dump).not.toHaveProperty('plaintextSha256');
    expect(statSync(result.dumpFile).size).toBe(manifest.files.dump.ciphertextBytes);

    // The project's key (from the keychain) and the CLI-made break-glass key both open it with Debian's age.
    const key = await warden.projects.backupKey(projectId);
    const projectIdentity = join(out.dir, 'project-identity.txt');
    writeFileSync(projectIdentity, key.identity + '\n', { mode: 0o600 });
    expect(manifest.encryption.recipients).toEqual([key.recipient, breakGlass.recipient]);
    for (const identity of [projectIdentity, breakGlass.identityFile]) {
      const plain = join(dir, `plain-${identity === projectIdentity ? 'p' : 'b'}.dump`);
      execFileSync('age', ['-d', '-i', identity, '-o', plain, result.dumpFile]);
      expect(statSync(plain).size).toBe(manifest.files.dump.plaintextBytes);
      // pg_dump ≤ 15: an uncompressed archive, compressed by zstd -T0 outside it; ≥ 16: zstd inside the archive.
      const { path: pgRestore, major } = await choosePgTool('pg_restore');
      expect(manifest.dump).toMatchObject(major >= 16 ? { compression: 'zstd:1', stream: null } : { compression: 'none (zstd -1 outside the archive)', stream: 'zstd' });
      if (manifest.dump.stream === 'zstd') execFileSync('zstd', ['-d', '-q', '-f', '--rm', '-o', `${plain}.archive`, plain]);
      const list = execFileSync(pgRestore, ['--list', manifest.dump.stream === 'zstd' ? `${plain}.archive` : plain], { encoding: 'utf8' });
      for (const table of ['users', 'forum_post_limits', 'chat_messages']) expect(list).toMatch(new RegExp(`TABLE DATA public ${table} `));
      expect(list).toMatch(/TABLE DATA auth users /);
      expect(list).toMatch(/POLICY public chat_messages participants read messages /);
    }

    // Exact counts: every table in the manifest equals SELECT count(*) right now (nothing writes meanwhile).
    const counts = await exactCounts();
    expect(manifest.tables.map((x) => `${x.schema}.${x.name}`).sort()).toEqual([...counts.keys()].sort());
    for (const table of manifest.tables) expect(table.rows, `${table.schema}.${table.name}`).toBe(counts.get(`${table.schema}.${table.name}`));
    expect(manifest.totals.publicTables).toBe(31);
    expect(manifest.schemas.public!.sort()).toEqual([...practiceExpectedTables].sort());
    expect(manifest.totals.rows).toBe([...counts.values()].reduce((a, b) => a + b, 0));
    expect(manifest.dump.snapshot).toMatch(/^[0-9A-F-]+$/);
    expect(manifest.server.databaseSizeBytes).toBeGreaterThan(30e6);
    expect(manifest.schemaFingerprint).toMatch(/^[0-9a-f]{64}$/);

    // Roles: captured as data by postgres (not a superuser: pg_dumpall could not read them), without
    // passwords, encrypted to the same recipients; the manifest names them only.
    expect(manifest.files.roles).toMatchObject({ status: 'captured', format: 'json' });
    const rolesText = execFileSync('age', ['-d', '-i', projectIdentity, join(dir, 'pre-migration-baseline-2026-11-24.roles.json.age')], { encoding: 'utf8' });
    const roles = rolesFileSchema.parse(JSON.parse(rolesText)).roles;
    expect(roles.find((r) => r.name === 'postgres')).toMatchObject({ superuser: false, createrole: true, bypassrls: true, login: true });
    expect(roles.find((r) => r.name === 'supabase_admin')).toMatchObject({ superuser: true });
    expect(roles.find((r) => r.name === 'authenticator')!.memberOf.map((m) => m.role)).toEqual(['anon', 'authenticated', 'service_role', 'supabase_admin']);
    expect(roles.find((r) => r.name === 'anon')!.settings).toEqual([{ database: null, name: 'statement_timeout', value: '3s' }]);
    expect(roles.find((r) => r.name === 'edupath_reporting')).toMatchObject({ comment: 'Read-only role for the weekly admissions report', login: false });
    expect(rolesText).not.toMatch(/password|SCRAM-SHA/i);
    expect(manifest.catalog!.roles).toEqual(roles.map((r) => r.name));
    // Catalog facts the restore prepares from: schema owners, extensions, the platform's event trigger.
    expect(manifest.catalog!.schemas.find((s) => s.name === 'auth')).toMatchObject({ owner: 'supabase_admin' });
    expect(manifest.catalog!.extensions.find((e) => e.name === 'pgcrypto')).toMatchObject({ schema: 'extensions', dependents: expect.arrayContaining([{ table: 'auth.users', column: 'id' }]) });
    expect(manifest.catalog!.eventTriggers).toEqual(['pgrst_ddl_watch']);

    // Progress: per-table, monotonic bytes, ends finalized.
    expect(progress.some((p) => p.phase === 'dumping' && p.currentTable === 'public.chat_messages')).toBe(true);
    const bytes = progress.map((p) => p.bytesDumped);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: 'finalizing', fraction: 1 });

    // Secrets: seen pg_dump processes carried none; the passfile was 0600.
    expect(secretsSeen.length).toBeGreaterThan(0);
    expect(secretsSeen.join('\n')).not.toContain(password);
    expect(secretsSeen).toContain('mode:600');
    expect(readFileSync(result.manifestFile, 'utf8')).not.toContain(password);
    expect(JSON.stringify(warden.audit.list())).not.toContain(password);
    expect(JSON.stringify(warden.audit.list())).not.toContain(key.identity);

    // Run state and audit.
    expect(warden.runs.items(result.runId).find((i) => i.key === 'backup')).toMatchObject({ state: 'passed' });
    const actions = warden.audit.list({ runId: result.runId }).map((e) => e.action);
    expect(actions.filter((a) => a !== 'evidence.recorded')).toEqual(['backup.started', 'artifact.recorded', 'backup.completed']);
  });

  it('killing pg_dump mid-run leaves no backup file, fails the run and records it in the audit trail', async () => {
    const dir = outDir('killed');
    let killed = false;
    const run = warden.backups.run(
      { projectId, name: 'killed' },
      {
        outputDir: dir,
        onProgress: (p) => {
          if (killed || p.currentTable === null) return;
          for (const proc of findProcesses('pg_dump')) process.kill(proc.pid, 'SIGKILL');
          killed = true;
        },
      },
    );
    await expect(run).rejects.toThrow(/pg_dump was killed \(SIGKILL\); the backup is incomplete and was discarded/);
    expect(killed).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    const failed = warden.audit.list().filter((e) => e.action === 'backup.failed').at(-1)!;
    expect(failed.details.error).toMatch(/pg_dump was killed/);
    expect(warden.runs.get(failed.runId!)).toMatchObject({ status: 'failed' });
    expect(warden.audit.verify().ok).toBe(true);
  });

  it('cancelling stops pg_dump, keeps nothing and marks the run cancelled', async () => {
    const dir = outDir('cancelled');
    const controller = new AbortController();
    const run = warden.backups.run(
      { projectId, name: 'cancelled' },
      { outputDir: dir, signal: controller.signal, onProgress: (p) => p.currentTable && controller.abort() },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('was cancelled') });
    expect(readdirSync(dir)).toEqual([]);
    const cancelled = warden.audit.list().filter((e) => e.action === 'backup.cancelled').at(-1)!;
    expect(warden.runs.get(cancelled.runId!)).toMatchObject({ status: 'cancelled' });
    await new Promise((r) => setTimeout(r, 200));
    // This server's pg_dump (other test files back up their own servers meanwhile).
    expect(findProcesses('pg_dump').filter((p) => p.argv.includes(String(cluster.target.port)))).toEqual([]);
  });

  it('rejects bad names and never overwrites', async () => {
    const dir = outDir('names');
    await expect(warden.backups.run({ projectId, name: '../escape' }, { outputDir: dir })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('name must be 1–100') });
    await expect(warden.backups.run({ projectId, name: 'a/b' }, { outputDir: dir })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(warden.backups.run({ projectId, name: 'x'.repeat(101) }, { outputDir: dir })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(warden.backups.run({ projectId }, { outputDir: 'relative/dir' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('absolute path') });
    writeFileSync(join(dir, 'taken.dump.age'), 'precious');
    await expect(warden.backups.run({ projectId, name: 'taken' }, { outputDir: dir })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(readFileSync(join(dir, 'taken.dump.age'), 'utf8')).toBe('precious');
  });

  it('explains when no pg_dump is new enough, naming what was found and what to install', async () => {
    await expect(choosePgTool('pg_dump', { minMajor: 99 })).rejects.toMatchObject({
      code: 'TOOL_MISSING',
      message: expect.stringMatching(/pg_dump version 99 or newer is required \(found \d+\.\d+ in .*\)\. Install the PostgreSQL 99 client tools: Debian\/Ubuntu postgresql-client-99.*PGDG.*then on PATH and in the usual install folders\.$/),
    });
    // initdb is a server tool: the advice names the server package, and the tools folder setting that exists.
    const initdb = await choosePgTool('initdb', { minMajor: 99 }).then(() => '', (e: Error) => e.message);
    expect(initdb).toContain('initdb comes with the PostgreSQL server package, not the client tools: Debian/Ubuntu postgresql-99');
    expect(initdb).toContain('PostgreSQL tools folder (Settings; CLI: settings set --tools-dir)');
  });
});
