import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { WardenError } from '../errors';
import { makeFolders } from '../util/makeFolders';
import { migrations as releasedMigrations, type Migration } from './migrations';

export type Db = Database.Database;

/** Opens (creating if needed) the app database and brings its schema up to date. */
export function openDatabase(file: string, migrations: readonly Migration[] = releasedMigrations): Db {
  if (file !== ':memory:') {
    makeFolders(dirname(file), 0o700);
    // Readable by this account only, whatever the umask: SQLite gives its -wal and -shm files the same mode.
    // Only a new file is opened here: closing another descriptor of an open database would drop the POSIX
    // locks SQLite holds on it in this process, and another process could then checkpoint under it.
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (process.platform !== 'win32') chmodSync(file, 0o600);
  }
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL'); // the audit trail must survive a power cut once append() returns
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Runs `write` in commits that do not wait for the disk, then waits again: for bulk rows that only an
 * unfinished run needs (a backup's storage.objects pages, one fsync each had stalled the backup's main
 * thread 0.17–0.29 s at 1 GiB). Under WAL the next commit that waits — every audit entry, the run's
 * completion among them — makes them durable with it; a power cut before that loses only the run they
 * belong to, which is then interrupted anyway.
 */
export function writeUnsynced<T>(db: Db, write: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies each pending migration in its own transaction; refuses a database written by a newer build. */
export function migrate(db: Db, migrations: readonly Migration[]): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is not numbered 1..n: found ${m.version} at position ${i + 1}`);
  });
  const latest = migrations.length;
  const from = schemaVersion(db);
  if (from > latest) {
    throw new WardenError(
      'DB_SCHEMA_TOO_NEW',
      `This database was written by a newer Backup Warden (schema version ${from}; this build knows up to ${latest}). ` +
        'Install the newer version to open it; it has not been modified.',
    );
  }
  for (const m of migrations.slice(from)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return { from, to: latest };
}
