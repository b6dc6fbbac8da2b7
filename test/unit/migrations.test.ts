import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion, writeUnsynced } from '../../src-main/core/db/database';
import { migrations } from '../../src-main/core/db/migrations';
import { storageConsistency, storageRowCount } from '../../src-main/core/storage/storageRows';
import { tempDir } from '../helpers/tmp';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migrations', () => {
  it('creates the database and its WAL readable by this account only, whatever the umask, and tightens an older file', () => {
    const before = process.umask(0o022);
    try {
      const file = join(dir, 'private.sqlite');
      const db = openDatabase(file);
      db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', 'v');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, statSync(f).mode & 0o777]).toEqual([f, 0o600]);
      db.close();
      const old = join(dir, 'old.sqlite');
      writeFileSync(old, '', { mode: 0o644 });
      openDatabase(old).close();
      expect(statSync(old).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(before);
    }
  });

  it('creates the schema at the latest version and is idempotent on reopen', () => {
    const file = join(dir, 'a.sqlite');
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(tables(db)).toEqual(['activities', 'artifacts', 'audit_log', 'checklist_items', 'projects', 'restores', 'review_documents', 'runs', 'settings', 'signoffs', 'storage_objects', 'storage_row_pages']);
    db.close();
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(migrations.length);
    again.close();
  });

  it('waits for the disk on every commit, and again after bulk rows written without waiting, also when writing them fails', () => {
    const file = join(dir, 'sync.sqlite');
    const db = openDatabase(file);
    const synchronous = () => db.pragma('synchronous', { simple: true });
    const FULL = 2;
    const NORMAL = 1;
    expect(synchronous()).toBe(FULL);
    expect(writeUnsynced(db, () => (db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('bulk', 'v'), synchronous()))).toBe(NORMAL);
    expect(synchronous()).toBe(FULL);
    expect(() => writeUnsynced(db, () => db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('bulk', 'again'))).toThrow(/UNIQUE/);
    expect(synchronous()).toBe(FULL);
    db.close();
    const reopened = openDatabase(file);
    expect(reopened.prepare("SELECT value FROM settings WHERE key = 'bulk'").get()).toEqual({ value: 'v' });
    reopened.close();
  });

  it('refuses a database written by a newer build and leaves it untouched', () => {
    const file = join(dir, 'newer.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.exec('CREATE TABLE from_the_future (x)');
    raw.close();
    expect(() => openDatabase(file)).toThrow(`newer Backup Warden (schema version ${migrations.length + 1}; this build knows up to ${migrations.length})`);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(migrations.length + 1);
    expect(tables(check)).toEqual(['from_the_future']);
    check.close();
  });

  it('runs each migration in one transaction: a failing one leaves the previous version intact', () => {
    const db = new Database(join(dir, 'b.sqlite'));
    const broken = [...migrations, { version: migrations.length + 1, name: 'broken', sql: 'CREATE TABLE half_done (x); SELECT * FROM no_such_table;' }];
    expect(() => migrate(db, broken)).toThrow(/no such table/);
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(tables(db)).not.toContain('half_done');
    db.close();
  });

  it('keeps the storage.objects rows of runs kept before 014 as pages, in the order they were read: their recorded digest still matches', () => {
    const db = new Database(join(dir, 'rows.sqlite'));
    migrate(db, migrations.slice(0, 13));
    db.exec(`INSERT INTO projects (id, name, environment, db_host, db_port, db_name, db_user, sslmode, expected_tables, created_at, updated_at) VALUES ('p', 'P', 'local', 'h', 5432, 'd', 'u', 'disable', '[]', 'now', 'now');
             INSERT INTO runs (id, project_id, name, status, created_by, started_at) VALUES ('r1', 'p', 'n', 'running', 'a', 'now'), ('r2', 'p', 'n', 'running', 'a', 'now')`);
    // Not in bucket/path order (the order they were read is the digest's), sizes unknown and past 2^53 too, 4,500 rows: three pages.
    const rows = Array.from({ length: 4500 }, (_, i) => ['b' + (i % 3), `${4500 - i}/a "quoted" é.png`, i % 7 === 0 ? null : i === 1 ? 2 ** 60 : i]);
    const insert = db.prepare('INSERT INTO storage_rows (run_id, bucket, path, size_bytes) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (const [b, p, s] of rows) insert.run('r1', b, p, s);
      insert.run('r2', 'other', 'x', 1);
    })();
    const digest = (runId: string) => {
      const hash = createHash('sha256');
      for (const [b, p, s] of db.prepare('SELECT bucket, path, size_bytes FROM storage_rows WHERE run_id = ? ORDER BY rowid').raw().all(runId) as [string, string, number | null][]) hash.update(`${b}\0${p}\0${s ?? ''}\n`);
      return hash.digest('hex');
    };
    const before = { r1: digest('r1'), r2: digest('r2') };
    migrate(db, migrations);
    expect(tables(db)).not.toContain('storage_rows');
    expect((db.prepare('SELECT run_id, count(*) AS pages FROM storage_row_pages GROUP BY run_id ORDER BY run_id').all())).toEqual([{ run_id: 'r1', pages: 3 }, { run_id: 'r2', pages: 1 }]);
    for (const runId of ['r1', 'r2'] as const) {
      const count = runId === 'r1' ? 4500 : 1;
      expect(storageRowCount(db, runId)).toBe(count);
      expect(storageConsistency(db, runId, [], { count, sha256: before[runId] })).toMatchObject({ rows: count, objects: 0 });
      expect(() => storageConsistency(db, runId, [], { count, sha256: before[runId === 'r1' ? 'r2' : 'r1'] })).toThrow(/not the ones the backup recorded/);
    }
    db.close();
  });

  it('rejects a migration list that is not numbered 1..n', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'gap', sql: '' }])).toThrow(/not numbered/);
    db.close();
  });
});
