import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageManifestSchema } from '../../src-main/contract/storage';
import { openDatabase } from '../../src-main/core/db/database';
import { openSealedText } from '../../src-main/core/crypto/sealedText';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { storagePaths } from '../../src-main/core/storage/storageBackup';
import { storageConsistency } from '../../src-main/core/storage/storageRows';
import { runView } from '../../src-main/core/runs/runView';
import pg from 'pg';
import { spawnCli } from '../helpers/cli';
import { objectSha256, startFakeStorage, type FakeObject, type FakeStorage } from '../helpers/fakeStorage';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// A Supabase project's Storage, served by a local server speaking the Storage API, read by the real
// supabase-js: 3 buckets, nested folders, 1,000+ objects, one of 200 MB, a bucket the project leaves out.
const BIG = { bucket: 'exports', path: 'yearly/2026/full-export.bin', size: 200 * 1024 * 1024, contentType: 'application/octet-stream' };
const LONG = { bucket: 'documents', path: `${'nested-folder-with-a-long-name/'.repeat(5)}syllabus.pdf`, size: 2048, contentType: 'application/pdf' };
const objects: FakeObject[] = [
  ...Array.from({ length: 1040 }, (_, i) => ({ bucket: 'documents', path: `courses/c${i % 13}/week-${i % 7}/file-${i}.pdf`, size: 700 + ((i * 37) % 3000), contentType: 'application/pdf' })),
  LONG,
  ...Array.from({ length: 40 }, (_, i) => ({ bucket: 'avatars', path: `u${i}.png`, size: 100 + i, contentType: 'image/png' })),
  { bucket: 'cache', path: 'thumbs/t1.webp', size: 300 },
  BIG,
];
const t = openTestWarden('alice', { sharedKeychain: true });
const out = tempDir('bw-storage-');
let fake: FakeStorage;
// The same project shape with a 20 MB object instead of 200 MB: memory must not grow with object size.
let smaller: FakeStorage;
let smallerRunId: string;
let smallerBackup: Awaited<ReturnType<typeof peakRss>>;
let cluster: ScratchCluster;
let runId: string;
let dumpFile: string;
let identityFile: string;
let projectId: string;

beforeAll(async () => {
  fake = await startFakeStorage(objects);
  ({ cluster, projectId } = await practiceProject(t.warden, 1));
  await t.warden.projects.update(projectId, { supabaseRef: 'abcdefghijklmnopqrst', apiUrl: fake.url, excludeBuckets: ['cache'], secrets: { serviceRoleKey: fake.serviceKey } });
  // storage.objects as Supabase keeps it for these files, with three seeded disagreements.
  const admin = new pg.Client({ ...cluster.target, database: 'practice' });
  await admin.connect();
  const rows = objects.filter((o) => o.path !== 'u5.png').map((o) => (o.path === 'u3.png' ? { ...o, size: 999 } : o));
  rows.push({ bucket: 'documents', path: 'courses/ghost/lost.pdf', size: 1234, contentType: 'application/pdf' });
  await admin.query(`DELETE FROM storage.objects; INSERT INTO storage.buckets (id, name) VALUES ('exports', 'exports'), ('cache', 'cache') ON CONFLICT DO NOTHING`);
  await admin.query(
    `INSERT INTO storage.objects (bucket_id, name, metadata) SELECT b, n, jsonb_build_object('size', s, 'mimetype', 'application/octet-stream') FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r(b, n, s)`,
    [rows.map((r) => r.bucket), rows.map((r) => r.path), rows.map((r) => r.size)],
  );
  await admin.end();
  ({ runId, dumpFile } = await t.warden.backups.run({ projectId, name: 'with-storage' }, { outputDir: out.dir }));
  smaller = await startFakeStorage(objects.map((o) => (o === BIG ? { ...o, size: 20 * 1024 * 1024 } : o)));
  await t.warden.projects.update(projectId, { apiUrl: smaller.url });
  smallerRunId = (await t.warden.backups.run({ projectId, name: 'with-smaller-storage' }, { outputDir: out.dir })).runId;
  smallerBackup = await peakRss(smallerRunId);
  await t.warden.projects.update(projectId, { apiUrl: fake.url });
  identityFile = join(out.dir, 'identity.txt');
  writeFileSync(identityFile, (await t.warden.projects.backupKey(projectId, { create: false })).identity + '\n', { mode: 0o600 });
}, 240_000);

afterAll(async () => {
  t.close();
  out.cleanup();
  await fake?.close();
  await smaller?.close();
  await cluster?.stop();
});

/** Runs `storage backup` in the built CLI, sampling its peak resident memory (VmHWM) as it runs. */
async function peakRss(run: string): Promise<{ r: Awaited<ReturnType<typeof spawnCli>['done']>; peakMiB: number }> {
  const { child, done } = spawnCli(['storage', 'backup', run, '--json'], { dataDir: t.dataDir, entry: 'bundle' });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // exited
    }
  }, 50);
  const r = await done;
  clearInterval(poll);
  return { r, peakMiB: peakKb / 1024 };
}

/** Edits one kept storage.objects row behind the app, as someone with the database file could. */
function setSize(db: ReturnType<typeof openDatabase>, path: string, size: number): void {
  for (const { seq, page } of db.prepare('SELECT seq, page FROM storage_row_pages WHERE run_id = ?').all(runId) as { seq: number; page: string }[]) {
    const rows = JSON.parse(page) as [string, string, number | null][];
    if (!rows.some((r) => r[1] === path)) continue;
    const edited = rows.map((r) => (r[1] === path ? [r[0], r[1], size] : r));
    db.prepare('UPDATE storage_row_pages SET page = ? WHERE run_id = ? AND seq = ?').run(JSON.stringify(edited), runId, seq);
  }
}

describe('Storage backup', () => {
  it('an interrupted backup (cancelled mid-way) keeps what it fetched, encrypted, and nothing that looks finished', async () => {
    const controller = new AbortController();
    let seen = 0;
    await expect(
      t.warden.storage.backup(runId, { signal: controller.signal, onProgress: (p) => p.phase === 'downloading' && (seen = p.objectsDone) >= 300 && controller.abort() }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toBeGreaterThanOrEqual(300);
    const paths = storagePaths(dumpFile);
    expect(() => readFileSync(paths.archive)).toThrow();
    expect(() => readFileSync(paths.archive + '.partial')).toThrow();
    // What is staged is ciphertext only: no object's bytes lie there in plain text.
    const staged = execFileSync('find', [paths.staging, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    expect(staged.length).toBeGreaterThanOrEqual(300);
    expect(readFileSync(staged[0]!).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(t.warden.audit.list({ runId }).at(-1)).toMatchObject({ action: 'storage.cancelled' });
  });

  it('resumes from the command line without downloading finished objects again, through 429s and a dropped connection, with flat memory', async () => {
    const before = new Map(fake.downloads);
    // What the interrupted attempt staged (its journal), and so must not be fetched again.
    const db = openDatabase(join(t.dataDir, 'warden.sqlite'));
    const journalled = new Set((db.prepare(`SELECT bucket || '/' || path AS k FROM storage_objects WHERE run_id = ?`).all(runId) as { k: string }[]).map((r) => r.k));
    db.close();
    expect(journalled.size).toBeGreaterThanOrEqual(300);
    fake.failNext('avatars/u7.png', 429, 2);
    fake.cutNext('documents/courses/c5/week-5/file-1000.pdf', 300);
    const small = smallerBackup;
    expect(small.r.stderr).toBe('');
    const { r, peakMiB } = await peakRss(runId);
    // Exit 1: the archive does not match the database's rows (the next test reads why).
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as { objects: number; resumed: number; buckets: string[]; bytes: number };
    const backedUp = objects.filter((o) => o.bucket !== 'cache');
    expect(result).toMatchObject({ objects: backedUp.length, buckets: ['avatars', 'documents', 'exports'] });
    expect(result.resumed).toBe(journalled.size);
    // Nothing staged before was fetched again; everything else was fetched (the cut one completed on its retry); the excluded bucket never.
    for (const o of backedUp) {
      const k = `${o.bucket}/${o.path}`;
      if (journalled.has(k)) expect([k, fake.downloads.get(k)]).toEqual([k, before.get(k)]);
      else expect([k, (fake.downloads.get(k) ?? 0) > (before.get(k) ?? 0)]).toEqual([k, true]);
    }
    expect(fake.downloads.has('cache/thumbs/t1.webp')).toBe(false);
    // The 200 MB object streamed: the process's peak resident memory is that of the same backup with a
    // 20 MB object, within the runtime's garbage lag. V8 collects dead Buffers once 64 MB more of them are
    // held (its external-memory soft limit) and its heap at ~2.3× what is live, so runs of the same backup
    // peak 154–206 MiB (measured, ~30 runs); an object held whole would add its 200 MB. The 200 MB goal is
    // not always met (README, Storage): the bound is the measured spread's, to catch any growth beyond it.
    console.log(`Storage backup peak RSS: ${peakMiB.toFixed(0)} MiB with a 200 MB object, ${small.peakMiB.toFixed(0)} MiB with 20 MB`);
    expect(small.peakMiB).toBeGreaterThan(0);
    expect(peakMiB - small.peakMiB).toBeLessThan(64);
    expect(peakMiB).toBeLessThan(224);
  }, 300_000);

  it('the archive opens with age -d | tar -t (every object, long paths included) and its bytes are the objects’', () => {
    const paths = storagePaths(dumpFile);
    const listing = spawnSync('bash', ['-o', 'pipefail', '-c', `age -d -i "$1" "$2" | tar -t`, 'sh', identityFile, paths.archive], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(listing.status, listing.stderr).toBe(0);
    const names = listing.stdout.trim().split('\n');
    expect(names).toHaveLength(objects.length - 1);
    expect(names).toContain(`${LONG.bucket}/${LONG.path}`);
    const sample = objects[123]!;
    const bytes = spawnSync('bash', ['-o', 'pipefail', '-c', `age -d -i "$1" "$2" | tar -xO "$3" | sha256sum`, 'sh', identityFile, paths.archive, `${sample.bucket}/${sample.path}`], { encoding: 'utf8' });
    expect(bytes.stdout.split(' ')[0]).toBe(objectSha256(sample));
    expect(() => readFileSync(paths.staging)).toThrow(); // staging removed once the archive is whole
  });

  it('the integrity check reads the Storage archive in full against its object manifest; a changed byte is named', async () => {
    const storageCheck = async () => (await t.warden.integrity.verify(runId)).checks.find((c) => c.key === 'storage-archive');
    expect(await storageCheck()).toMatchObject({ status: 'passed', detail: expect.stringMatching(/^1082 objects, [\d.]+ MiB: decrypted in full, each object's size and SHA-256 as its manifest records\.$/) });
    const { archive } = storagePaths(dumpFile);
    const original = readFileSync(archive);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 5000]! ^= 0x01;
    writeFileSync(archive, damaged);
    try {
      expect(await storageCheck()).toMatchObject({ status: 'failed', detail: expect.stringContaining('is not the Storage archive this run recorded') });
      expect(t.warden.runs.items(runId).find((i) => i.key === 'integrity')!.state).toBe('failed');
    } finally {
      writeFileSync(archive, original);
    }
  });

  it('the object manifest is sealed beside it and recorded on the run: bucket, path, size, type, last modified, SHA-256', async () => {
    const paths = storagePaths(dumpFile);
    const identity = readFileSync(identityFile, 'utf8').trim();
    const manifest = storageManifestSchema.parse(JSON.parse(await openSealedText(paths.manifest, [identity])));
    expect(manifest.totals.objects).toBe(objects.length - 1);
    expect(manifest.excludedBuckets).toEqual(['cache']);
    expect(manifest.objects.find((o) => o.path === BIG.path)).toEqual({ ...BIG, lastModified: '2026-11-20T10:00:00.000Z', sha256: objectSha256(BIG) });
    expect(t.warden.audit.list({ runId }).filter((e) => e.action === 'storage.completed')).toHaveLength(1);
    expect(t.warden.exports.preview(runId).markdown).toBeTruthy(); // the new artifact is chained like the others
  });

  it('reports what the database and the archive disagree on, naming the objects: a row without a file, a file of another size, a file without a row', () => {
    const view = runView(t.warden, runId).storage!;
    expect(view.consistency).toEqual({
      rows: objects.length, // a row for every object but u5.png, plus the ghost (the left-out bucket's row counts, unchecked)
      objects: objects.length - 1,
      missingFiles: { count: 1, sample: [{ bucket: 'documents', path: 'courses/ghost/lost.pdf', size: 1234 }] },
      sizeMismatches: { count: 1, sample: [{ bucket: 'avatars', path: 'u3.png', rowSize: 999, fileSize: 103 }] },
      filesWithoutRow: { count: 1, sample: [{ bucket: 'avatars', path: 'u5.png', size: 105 }] },
      ok: false,
    });
    expect(t.warden.audit.list({ runId }).find((e) => e.action === 'storage.completed')!.details).toMatchObject({ consistency: { ok: false, missingFiles: 1, sizeMismatches: 1, filesWithoutRow: 1 } });
    // The checklist item is red with that evidence, and it blocks sign-off by name.
    expect(t.warden.runs.items(runId).find((i) => i.key === 'storage')).toMatchObject({ state: 'failed', evidence: { scope: 'backed-up', objects: objects.length - 1, consistency: { ok: false } } });
    expect(t.warden.exports.preview(runId).markdown).toContain('- [ ] Storage DOES NOT match the database (1,083 storage.objects rows): rows without a file 1, files of another size 1, files without a row 1');
  });

  it('a run is not green without its Storage: the item waits for the backup, or for a person to leave Storage out with a reason (audited, in the log)', async () => {
    const run = await t.warden.backups.run({ projectId, name: 'left-out' }, { outputDir: out.dir });
    expect(t.warden.runs.items(run.runId).find((i) => i.key === 'storage')).toMatchObject({ state: 'pending', evidence: null });
    await expect(t.warden.signOffs.signOff(run.runId, { role: 'creator', name: 'Alice Creator', keyFile: 'unused' })).rejects.toThrow(/"Storage objects backed up" is pending/);
    // From the command line, as the catalog parses it: a reason is required.
    const short = await spawnCli(['storage', 'out-of-scope', run.runId, '--by', 'Alice Creator', '--reason', 'nope'], { dataDir: t.dataDir, entry: 'bundle' }).done;
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 10 characters/);
    const left = await spawnCli(['storage', 'out-of-scope', run.runId, '--by', 'Alice Creator', '--reason', 'Storage is synced to our S3 archive nightly'], { dataDir: t.dataDir, entry: 'bundle' }).done;
    expect(left.code, left.stderr).toBe(0);
    expect(left.stdout).toMatch(/Storage left out of this run by Alice Creator \(1083 storage.objects rows\)/);
    expect(t.warden.runs.items(run.runId).find((i) => i.key === 'storage')).toMatchObject({
      state: 'passed', mode: 'attested', attestedBy: 'Alice Creator', note: 'Storage is synced to our S3 archive nightly',
      evidence: { scope: 'out-of-scope', by: 'Alice Creator', objectRows: 1083 },
    });
    expect(t.warden.audit.list({ runId: run.runId }).find((e) => e.action === 'storage.out-of-scope')!.details).toMatchObject({ by: 'Alice Creator', reason: 'Storage is synced to our S3 archive nightly' });
    expect(t.warden.exports.preview(run.runId).markdown).toContain('| Storage objects | left out of this run by Alice Creator (1,083 storage.objects rows): Storage is synced to our S3 archive nightly |');
    // A run whose Storage is backed up keeps that evidence.
    expect(() => t.warden.storage.outOfScope(smallerRunId, 'Alice Creator', 'Changed my mind about the archive')).toThrow(/Storage is already settled|is backed up/);
  });

  it('a database without Storage objects needs no Storage backup: the item passes, saying why', async () => {
    const admin = new pg.Client({ ...cluster.target, database: 'practice' });
    await admin.connect();
    await admin.query('BEGIN');
    const saved = (await admin.query('SELECT * FROM storage.objects')).rows;
    await admin.query('DELETE FROM storage.objects');
    await admin.query('COMMIT');
    try {
      const run = await t.warden.backups.run({ projectId, name: 'no-objects' }, { outputDir: out.dir });
      expect(t.warden.runs.items(run.runId).find((i) => i.key === 'storage')).toMatchObject({ state: 'passed', mode: 'verified', evidence: { scope: 'none', reason: expect.stringContaining('no rows in the backup’s snapshot') } });
    } finally {
      await admin.query(`INSERT INTO storage.objects SELECT * FROM json_populate_recordset(NULL::storage.objects, $1)`, [JSON.stringify(saved)]);
      await admin.end();
    }
  });

  it('a database without a Storage schema needs no Storage backup: the item passes, saying so, and the backup vouches for no rows', async () => {
    const admin = new pg.Client({ ...cluster.target, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE no_storage');
    await admin.end();
    const plain = await t.warden.projects.create({
      name: 'No Storage', environment: 'local', host: cluster.target.host, port: cluster.target.port, database: 'no_storage',
      user: cluster.target.user, sslmode: 'disable', secrets: { dbPassword: cluster.target.password },
    });
    const run = await t.warden.backups.run({ projectId: plain.id, name: 'no-storage-schema' }, { outputDir: out.dir });
    expect(t.warden.runs.items(run.runId).find((i) => i.key === 'storage')).toMatchObject({ state: 'passed', mode: 'verified', evidence: { scope: 'none', reason: 'The database has no Supabase Storage schema (storage.objects).' } });
    expect(t.warden.audit.list({ runId: run.runId }).find((e) => e.action === 'backup.completed')!.details.storageRows).toBeNull();
  });

  it('the rows kept with the run are the ones the backup recorded: one edited behind the app is refused', () => {
    const recorded = t.warden.audit.list({ runId }).find((e) => e.action === 'backup.completed')!.details.storageRows as { count: number; sha256: string };
    const db = openDatabase(join(t.dataDir, 'warden.sqlite'));
    try {
      expect(storageConsistency(db, runId, ['cache'], recorded)?.rows).toBe(recorded.count);
      setSize(db, 'u3.png', 103);
      expect(() => storageConsistency(db, runId, ['cache'], recorded)).toThrow(/not the ones the backup recorded/);
    } finally {
      setSize(db, 'u3.png', 999);
      db.close();
    }
  });
});
