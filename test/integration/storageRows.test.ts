import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { readStorageRows } from '../../src-main/core/storage/storageRows';
import { sqlOn } from '../helpers/sql';

// storage.objects as the backup reads it, in its snapshot: page by page along Supabase's unique
// (bucket_id, name) index, or through a cursor where that index is missing. Both must give every row once,
// in the same order, whatever the names hold and wherever a page ends.

let cluster: ScratchCluster;
let db: pg.ClientConfig;

type Row = [bucket: string, path: string, size: number | null];

beforeAll(async () => {
  cluster = await startScratchCluster({ tcp: true });
  await sqlOn(cluster.target, 'CREATE DATABASE shop');
  db = { ...cluster.target, database: 'shop' };
  // As Supabase creates it: name in the "C" collation, unique (bucket_id, name).
  await sqlOn(db, `CREATE SCHEMA storage;
    CREATE TABLE storage.objects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), bucket_id text, name text COLLATE "C", metadata jsonb,
      CONSTRAINT bucketid_objname UNIQUE (bucket_id, name))`);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Replaces the table's rows: names that JSON and SQL both have to escape, sizes that are not plain numbers. */
async function seed(count: number): Promise<Row[]> {
  const names = ['plain.txt', 'quote"d.txt', 'back\\slash\\.bin', 'comma,],[.json', 'émoji 😀/ünï.png', "it's.pdf", 'tab\there'];
  const rows = Array.from({ length: count }, (_, i) => {
    // Buckets change inside pages and right at a page's end (row 1000), names repeat across buckets.
    const bucket = i < 1000 ? 'avatars' : i < 1700 ? 'documents' : 'zz-exports';
    const size = i % 11 === 0 ? '12abc' : i % 13 === 0 ? -5 : i % 17 === 0 ? null : i % 19 === 0 ? 1.5 : i % 23 === 0 ? 12345678901234567000 : i % 29 === 0 ? ' 42' : i * 10;
    return { bucket, name: `${String(i % 997).padStart(4, '0')}/${names[i % names.length]}-${i}`, size };
  });
  await sqlOn(db, 'DELETE FROM storage.objects');
  await sqlOn(
    db,
    `INSERT INTO storage.objects (bucket_id, name, metadata)
       SELECT b, n, CASE WHEN s IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('size', s::jsonb) END FROM unnest($1::text[], $2::text[], $3::text[]) AS r(b, n, s)`,
    [rows.map((r) => r.bucket), rows.map((r) => r.name), rows.map((r) => (r.size === null ? null : JSON.stringify(r.size)))],
  );
  // Left out: rows without a bucket.
  await sqlOn(db, `INSERT INTO storage.objects (bucket_id, name, metadata) VALUES (NULL, 'orphan.txt', '{"size": 1}')`);
  // A size counts only as 1 to 18 digits (it is read as bigint); anything else is unknown.
  const plain = (s: string | number | null) => (typeof s === 'number' && Number.isInteger(s) && s >= 0 && String(s).length <= 18 ? s : null);
  const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  return rows.map((r): Row => [r.bucket, r.name, plain(r.size)]).sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
}

/** What readStorageRows hands over, and whether it went through the cursor, read in one snapshot as the backup does. */
async function read(): Promise<{ total: number | null; pages: string[]; rows: Row[]; cursor: boolean }> {
  const client = new pg.Client(db);
  await client.connect();
  const texts: string[] = [];
  const query = client.query.bind(client) as (q: unknown, v?: unknown) => Promise<unknown>;
  (client as unknown as { query: typeof query }).query = (q, v) => (texts.push(typeof q === 'string' ? q : (q as { text: string }).text), query(q, v));
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL search_path = pg_catalog');
    const pages: string[] = [];
    const total = await readStorageRows(client, (page) => pages.push(page));
    await client.query('COMMIT');
    return { total, pages, rows: pages.flatMap((p) => JSON.parse(p) as Row[]), cursor: texts.some((t) => t.includes('DECLARE bw_storage_rows')) };
  } finally {
    await client.end();
  }
}

describe('storage.objects rows', () => {
  it('along the unique (bucket_id, name) index: every row once, in order, pages of 1,000 whose ends fall anywhere, escapes intact', async () => {
    const expected = await seed(2345);
    const byKey = await read();
    expect(byKey.cursor).toBe(false);
    expect(byKey.total).toBe(2345);
    expect(byKey.pages.map((p) => (JSON.parse(p) as Row[]).length)).toEqual([1000, 1000, 345]);
    expect(byKey.rows).toEqual(expected);
  });

  it('exactly full pages end without an empty page, and an empty table gives none', async () => {
    await seed(2000);
    expect((await read()).pages.length).toBe(2);
    await sqlOn(db, 'DELETE FROM storage.objects');
    expect(await read()).toMatchObject({ total: 0, pages: [], cursor: false });
  });

  it('without that index (dropped, another order, not unique), through the cursor: the same rows in the same pages', async () => {
    const expected = await seed(2345);
    const byKey = await read();
    await sqlOn(db, 'ALTER TABLE storage.objects DROP CONSTRAINT bucketid_objname');
    try {
      const others: [string, string | null][] = [
        ['other_order', 'CREATE UNIQUE INDEX other_order ON storage.objects (name, bucket_id)'],
        ['not_unique', 'CREATE INDEX not_unique ON storage.objects (bucket_id, name)'],
        ['none', null],
      ];
      for (const [name, create] of others) {
        if (create) await sqlOn(db, create);
        const byCursor = await read();
        expect([name, byCursor.cursor]).toEqual([name, true]);
        expect(byCursor.total).toBe(2345);
        expect(byCursor.pages).toEqual(byKey.pages);
        expect(byCursor.rows).toEqual(expected);
        if (create) await sqlOn(db, `DROP INDEX storage.${name}`);
      }
    } finally {
      await sqlOn(db, 'ALTER TABLE storage.objects ADD CONSTRAINT bucketid_objname UNIQUE (bucket_id, name)');
    }
  });

  it('is null without Supabase’s storage.objects shape', async () => {
    await sqlOn(db, 'ALTER TABLE storage.objects RENAME COLUMN metadata TO meta');
    try {
      expect((await read()).total).toBeNull();
    } finally {
      await sqlOn(db, 'ALTER TABLE storage.objects RENAME COLUMN meta TO metadata');
    }
  });
});
