import { createHash, type Hash } from 'node:crypto';
import type pg from 'pg';
import type { StorageConsistency } from '../../contract/storage';
import { writeUnsynced, type Db } from '../db/database';
import { WardenError } from '../errors';

// The storage.objects rows of a Supabase database, read in the database backup's snapshot and kept with
// the run: what the database says exists, to check the Storage archive against.

/** Rows per page (its JSON some tens of KB). */
const PAGE = 1000;

/**
 * One row as JSON, built by the server: a size that is not 1 to 18 digits (production content is untrusted)
 * is read as unknown, never cast into an error. Checked with ltrim, not a regular expression, which cost
 * the server more per row (0.52–0.68 against 0.48–0.49 s for 116,000 rows, measured).
 */
const ITEM = `pg_catalog.json_build_array(bucket_id, name, CASE WHEN pg_catalog.length(metadata->>'size') BETWEEN 1 AND 18 AND pg_catalog.ltrim(metadata->>'size', '0123456789') = '' THEN (metadata->>'size')::bigint END)::text`;
const ROWS = 'FROM storage.objects WHERE bucket_id IS NOT NULL AND name IS NOT NULL';

/** Supabase's unique btree index on (bucket_id, name), with the columns' own collations: what keyset pages need. */
const UNIQUE_KEY_INDEX = `SELECT EXISTS (
  SELECT FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_am am ON am.oid = c.relam
   WHERE i.indrelid = pg_catalog.to_regclass('storage.objects') AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
     AND am.amname = 'btree' AND i.indnkeyatts = 2
     AND (SELECT pg_catalog.array_agg(k.attname::text ORDER BY k.pos) = ARRAY['bucket_id', 'name'] AND pg_catalog.bool_and(k.attcollation = k.indcoll)
            FROM (SELECT a.attname, a.attcollation, i.indcollation[n] AS indcoll, n AS pos
                    FROM pg_catalog.generate_series(0, 1) n JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[n]) k))`;

/**
 * Reads storage.objects page by page (millions of objects stay out of memory as a whole), each page as JSON
 * text — `[[bucket, path, size|null], …]`, built by the server and kept as it came: no object per row on
 * this thread. Null when there is no Storage schema.
 */
export async function readStorageRows(client: pg.Client, sink: (page: string) => void): Promise<number | null> {
  // Only Supabase's shape counts: any database may hold a table of that name, with other columns.
  const { rows: shape } = await client.query<{ n: number; keyed: boolean }>(
    `SELECT count(*)::int AS n, (${UNIQUE_KEY_INDEX}) AS keyed FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = pg_catalog.to_regclass('storage.objects') AND NOT a.attisdropped
        AND (a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)) IN (('bucket_id', 'text'), ('name', 'text'), ('metadata', 'jsonb'))`,
  );
  if (shape[0]?.n !== 3) return null;
  return shape[0].keyed ? readByKey(client, sink) : readByCursor(client, sink);
}

/**
 * Along Supabase's unique (bucket_id, name) index, one row per page: the server joins the page's JSON (an
 * ARRAY of a subquery keeps its ORDER BY), and the next page starts after the last key of this one, read back
 * from its JSON. The backup's thread spends about half the CPU of a row per object through the driver
 * (0.22–0.31 against 0.48–0.53 CPU-s for 584,000 objects, measured), in the same time.
 */
async function readByKey(client: pg.Client, sink: (page: string) => void): Promise<number> {
  const page = (after: boolean) => ({
    name: after ? 'bw-storage-rows-after' : 'bw-storage-rows-first',
    // OFFSET 0 keeps the ARRAY evaluated once, not once per use of `items`.
    text: `SELECT '[' || pg_catalog.array_to_string(items, ',') || ']' AS page, pg_catalog.cardinality(items) AS n,
                  items[pg_catalog.cardinality(items)]::json->>0 AS last_bucket, items[pg_catalog.cardinality(items)]::json->>1 AS last_name
             FROM (SELECT ARRAY(SELECT ${ITEM} ${ROWS} ${after ? 'AND (bucket_id, name) > ($1, $2)' : ''} ORDER BY bucket_id, name LIMIT ${PAGE}) AS items OFFSET 0) p`,
  });
  let total = 0;
  let last: string[] = [];
  for (;;) {
    const { rows } = await client.query<{ page: string; n: number; last_bucket: string; last_name: string }>({ ...page(last.length > 0), values: last });
    const row = rows[0]!;
    if (row.n === 0) return total;
    // Keys only grow along a unique index; one that came back would read the same page forever.
    if (last[0] === row.last_bucket && last[1] === row.last_name) throw new WardenError('INTERNAL', 'Reading storage.objects did not advance past one row; the rows were not kept. Report this to the team with the project\'s storage schema.');
    total += row.n;
    sink(row.page);
    last = [row.last_bucket, row.last_name];
  }
}

/** Without that index (not Supabase's schema, or its index dropped), through a cursor: one scan, a row per object. */
async function readByCursor(client: pg.Client, sink: (page: string) => void): Promise<number> {
  await client.query(`DECLARE bw_storage_rows NO SCROLL CURSOR FOR SELECT ${ITEM} ${ROWS} ORDER BY bucket_id, name`);
  let total = 0;
  for (;;) {
    const { rows } = await client.query<[string]>({ text: `FETCH ${PAGE} FROM bw_storage_rows`, rowMode: 'array' });
    if (!rows.length) break;
    total += rows.length;
    sink(`[${rows.map((r) => r[0]).join(',')}]`);
  }
  await client.query('CLOSE bw_storage_rows');
  return total;
}

/**
 * The digest a backup's chained entry holds for the rows it kept: of the pages as the server sent them
 * ('pages', since #17: no per-object work on the backup's busiest thread), or — for runs kept before — of
 * one line `bucket NUL path NUL size LF` per row, in the order they were read ('rows').
 */
export interface RecordedStorageRows {
  count: number;
  sha256: string;
  digestOf?: 'pages';
}

/** Keeps a run's rows as the pages they were read in, one SQLite row each, and takes the digest of those pages as they come. */
export function storageRowsRecorder(db: Db, runId: string): { add(page: string): void; recorded(count: number): RecordedStorageRows } {
  const insert = db.prepare('INSERT INTO storage_row_pages (run_id, seq, page) VALUES (?, ?, ?)');
  const hash = createHash('sha256');
  let seq = 0;
  return {
    add: (page) => {
      writeUnsynced(db, () => insert.run(runId, seq, page));
      hashPage(hash, seq++, page);
    },
    recorded: (count) => ({ count, sha256: hash.digest('hex'), digestOf: 'pages' }),
  };
}

/** How many storage.objects rows a run keeps. */
export function storageRowCount(db: Db, runId: string): number {
  return (db.prepare('SELECT coalesce(sum(json_array_length(page)), 0) AS n FROM storage_row_pages WHERE run_id = ?').get(runId) as { n: number }).n;
}

/** A page in the digest: its number and length first, so no page's bytes can pass for another's. */
function hashPage(hash: Hash, seq: number, page: string): void {
  hash.update(`${seq} ${Buffer.byteLength(page)}\n`).update(page);
}

/** The digest of a run's kept rows, recomputed from what was kept, as the recorded one was taken. */
function storageRowsDigest(db: Db, runId: string, recorded: RecordedStorageRows): string {
  const hash = createHash('sha256');
  const pages = db.prepare('SELECT seq, page FROM storage_row_pages WHERE run_id = ? ORDER BY seq').raw().iterate(runId) as IterableIterator<[number, string]>;
  for (const [seq, page] of pages) {
    if (recorded.digestOf === 'pages') hashPage(hash, seq, page);
    else for (const [bucket, path, size] of JSON.parse(page) as [string, string, number | null][]) hash.update(`${bucket}\0${path}\0${size ?? ''}\n`);
  }
  return hash.digest('hex');
}

const SAMPLE = 50;

/**
 * The Storage archive against the storage.objects rows of the database backup: rows whose file is missing,
 * files of another size, files no row describes. Buckets left out are not compared. Null when the database
 * has no Storage schema. The rows are first recomputed against the digest the chained backup entry holds.
 */
export function storageConsistency(db: Db, runId: string, excluded: string[], recorded: RecordedStorageRows | null): StorageConsistency | null {
  if (recorded === null) return null;
  const count = storageRowCount(db, runId);
  if (count !== recorded.count || storageRowsDigest(db, runId, recorded) !== recorded.sha256) {
    throw new WardenError('TAMPERED', `The storage.objects rows kept with this run (${count}) are not the ones the backup recorded (${recorded.count}, chained in its audit entry): the database was changed outside Backup Warden. Run \`backup-warden audit verify\` and take a new backup.`);
  }
  const skip = JSON.stringify(excluded);
  const list = <T>(sql: string) => {
    const all = db.prepare(sql).all({ run: runId, skip }) as T[];
    return { count: all.length, sample: all.slice(0, SAMPLE) };
  };
  const { missingFiles, sizeMismatches, filesWithoutRow } = withKeptRows(db, runId, () => ({
    missingFiles: list<{ bucket: string; path: string; size: number | null }>(
      `SELECT r.bucket, r.path, r.size_bytes AS size FROM temp.kept_rows r LEFT JOIN storage_objects o ON o.run_id = @run AND o.bucket = r.bucket AND o.path = r.path
       WHERE o.path IS NULL AND r.bucket NOT IN (SELECT value FROM json_each(@skip)) ORDER BY r.bucket, r.path`,
    ),
    sizeMismatches: list<{ bucket: string; path: string; rowSize: number; fileSize: number }>(
      `SELECT r.bucket, r.path, r.size_bytes AS rowSize, o.size_bytes AS fileSize FROM temp.kept_rows r JOIN storage_objects o ON o.run_id = @run AND o.bucket = r.bucket AND o.path = r.path
       WHERE r.size_bytes IS NOT NULL AND r.size_bytes <> o.size_bytes ORDER BY r.bucket, r.path`,
    ),
    filesWithoutRow: list<{ bucket: string; path: string; size: number }>(
      `SELECT o.bucket, o.path, o.size_bytes AS size FROM storage_objects o LEFT JOIN temp.kept_rows r ON r.bucket = o.bucket AND r.path = o.path
       WHERE o.run_id = @run AND r.path IS NULL ORDER BY o.bucket, o.path`,
    ),
  }));
  const objects = (db.prepare('SELECT count(*) AS n FROM storage_objects WHERE run_id = ?').get(runId) as { n: number }).n;
  return { rows: count, objects, missingFiles, sizeMismatches, filesWithoutRow, ok: missingFiles.count + sizeMismatches.count + filesWithoutRow.count === 0 };
}

/** A run's kept rows unpacked from their pages into a temporary table, indexed for the comparisons, dropped afterwards. */
function withKeptRows<T>(db: Db, runId: string, compare: () => T): T {
  db.exec('CREATE TEMP TABLE kept_rows (bucket TEXT, path TEXT, size_bytes INTEGER)');
  try {
    db.prepare(`INSERT INTO temp.kept_rows SELECT j.value->>0, j.value->>1, j.value->>2 FROM storage_row_pages p, json_each(p.page) j WHERE p.run_id = ?`).run(runId);
    db.exec('CREATE INDEX temp.kept_rows_key ON kept_rows (bucket, path)');
    return compare();
  } finally {
    db.exec('DROP TABLE temp.kept_rows');
  }
}
