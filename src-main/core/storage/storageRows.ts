import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { StorageConsistency } from '../../contract/storage';
import type { Db } from '../db/database';
import { WardenError } from '../errors';

// The storage.objects rows of a Supabase database, read in the database backup's snapshot and kept with
// the run: what the database says exists, to check the Storage archive against.

export interface StorageRow {
  bucket: string;
  path: string;
  size: number | null;
}

/** Rows per FETCH: pages of 10,000 raised the backup's peak memory with the number of objects (185 → 156 MiB at 232,000 objects). */
const PAGE = 2000;

/** Reads storage.objects through a cursor (millions of objects stay out of memory as a whole); null when there is no Storage schema. */
export async function readStorageRows(client: pg.Client, sink: (rows: StorageRow[]) => void): Promise<number | null> {
  // Only Supabase's shape counts: any database may hold a table of that name, with other columns.
  const { rows: shape } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = pg_catalog.to_regclass('storage.objects') AND NOT a.attisdropped
        AND (a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)) IN (('bucket_id', 'text'), ('name', 'text'), ('metadata', 'jsonb'))`,
  );
  if (shape[0]?.n !== 3) return null;
  // A size that is not a plain number (production content is untrusted) is read as unknown, never cast into an error.
  await client.query(
    `DECLARE bw_storage_rows NO SCROLL CURSOR FOR
       SELECT bucket_id AS bucket, name AS path, CASE WHEN metadata->>'size' ~ '^[0-9]{1,18}$' THEN (metadata->>'size')::bigint END AS size
         FROM storage.objects WHERE bucket_id IS NOT NULL AND name IS NOT NULL ORDER BY 1, 2`,
  );
  let total = 0;
  for (;;) {
    const { rows } = await client.query<{ bucket: string; path: string; size: string | null }>(`FETCH ${PAGE} FROM bw_storage_rows`);
    if (!rows.length) break;
    total += rows.length;
    sink(rows.map((r) => ({ bucket: r.bucket, path: r.path, size: r.size === null ? null : Number(r.size) })));
  }
  await client.query('CLOSE bw_storage_rows');
  return total;
}

/** Keeps a run's rows, and returns their digest (for the chained entry that vouches for them). */
export function storageRowsRecorder(db: Db, runId: string): { add(rows: StorageRow[]): void; sha256(): string } {
  // One statement per page of rows (SQLite unpacks the JSON): about half the time of a statement per row, on the backup's main thread.
  const insert = db.prepare(`INSERT INTO storage_rows (run_id, bucket, path, size_bytes) SELECT ?, j.value->>0, j.value->>1, j.value->>2 FROM json_each(?) j`);
  const hash = createHash('sha256');
  return {
    add: (rows) => {
      insert.run(runId, JSON.stringify(rows.map((r) => [r.bucket, r.path, r.size])));
      hash.update(rows.map((r) => `${r.bucket}\0${r.path}\0${r.size ?? ''}\n`).join(''));
    },
    sha256: () => hash.digest('hex'),
  };
}

const SAMPLE = 50;

/**
 * The Storage archive against the storage.objects rows of the database backup: rows whose file is missing,
 * files of another size, files no row describes. Buckets left out are not compared. Null when the database
 * has no Storage schema. The rows are first recomputed against the digest the chained backup entry holds.
 */
export function storageConsistency(db: Db, runId: string, excluded: string[], recorded: { count: number; sha256: string } | null): StorageConsistency | null {
  if (recorded === null) return null;
  const count = (db.prepare('SELECT count(*) AS n FROM storage_rows WHERE run_id = ?').get(runId) as { n: number }).n;
  const hash = createHash('sha256');
  for (const r of db.prepare('SELECT bucket, path, size_bytes FROM storage_rows WHERE run_id = ? ORDER BY rowid').iterate(runId) as IterableIterator<{ bucket: string; path: string; size_bytes: number | null }>) {
    hash.update(`${r.bucket}\0${r.path}\0${r.size_bytes ?? ''}\n`);
  }
  if (count !== recorded.count || hash.digest('hex') !== recorded.sha256) {
    throw new WardenError('TAMPERED', `The storage.objects rows kept with this run (${count}) are not the ones the backup recorded (${recorded.count}, chained in its audit entry): the database was changed outside Backup Warden. Run \`backup-warden audit verify\` and take a new backup.`);
  }
  const skip = JSON.stringify(excluded);
  const list = <T>(sql: string) => {
    const all = db.prepare(sql).all({ run: runId, skip }) as T[];
    return { count: all.length, sample: all.slice(0, SAMPLE) };
  };
  const missingFiles = list<{ bucket: string; path: string; size: number | null }>(
    `SELECT r.bucket, r.path, r.size_bytes AS size FROM storage_rows r LEFT JOIN storage_objects o ON o.run_id = r.run_id AND o.bucket = r.bucket AND o.path = r.path
     WHERE r.run_id = @run AND o.path IS NULL AND r.bucket NOT IN (SELECT value FROM json_each(@skip)) ORDER BY r.bucket, r.path`,
  );
  const sizeMismatches = list<{ bucket: string; path: string; rowSize: number; fileSize: number }>(
    `SELECT r.bucket, r.path, r.size_bytes AS rowSize, o.size_bytes AS fileSize FROM storage_rows r JOIN storage_objects o ON o.run_id = r.run_id AND o.bucket = r.bucket AND o.path = r.path
     WHERE r.run_id = @run AND r.size_bytes IS NOT NULL AND r.size_bytes <> o.size_bytes ORDER BY r.bucket, r.path`,
  );
  const filesWithoutRow = list<{ bucket: string; path: string; size: number }>(
    `SELECT o.bucket, o.path, o.size_bytes AS size FROM storage_objects o LEFT JOIN storage_rows r ON r.run_id = o.run_id AND r.bucket = o.bucket AND r.path = o.path
     WHERE o.run_id = @run AND r.path IS NULL ORDER BY o.bucket, o.path`,
  );
  const objects = (db.prepare('SELECT count(*) AS n FROM storage_objects WHERE run_id = ?').get(runId) as { n: number }).n;
  return { rows: count, objects, missingFiles, sizeMismatches, filesWithoutRow, ok: missingFiles.count + sizeMismatches.count + filesWithoutRow.count === 0 };
}
