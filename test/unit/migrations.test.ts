import Database from 'better-sqlite3';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../src-main/core/db/database';
import { migrations } from '../../src-main/core/db/migrations';
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
    expect(tables(db)).toEqual(['activities', 'artifacts', 'audit_log', 'checklist_items', 'projects', 'restores', 'review_documents', 'runs', 'settings', 'signoffs', 'storage_objects', 'storage_rows']);
    db.close();
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(migrations.length);
    again.close();
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

  it('rejects a migration list that is not numbered 1..n', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'gap', sql: '' }])).toThrow(/not numbered/);
    db.close();
  });
});
