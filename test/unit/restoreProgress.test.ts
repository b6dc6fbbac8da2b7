import { describe, expect, it } from 'vitest';
import { restoreProgress } from '../../src-main/core/rehearse/restoreProgress';

// pg_restore --verbose as PostgreSQL 15 and 17 print it, against the archive's list (pg_restore --list).
const toc = [
  ';     Selected TOC Entries:',
  '290; 1259 16390 TABLE public users postgres',
  '3893; 0 16390 TABLE DATA public users postgres',
  '3894; 0 16400 TABLE DATA public big_table postgres',
  '3895; 0 16410 TABLE DATA auth users supabase_auth_admin',
].join('\n');
const tables = [
  { schema: 'public', name: 'users', bytes: 100 },
  { schema: 'public', name: 'big_table', bytes: 800 },
  { schema: 'auth', name: 'users', bytes: 100 },
];

describe('restore progress from pg_restore --verbose', () => {
  it('parallel jobs: a table counts once its data item is reported finished, by its weight, even with a name in two schemas', () => {
    const seen: number[] = [];
    const line = restoreProgress(toc, tables, 2, (f) => seen.push(f));
    for (const l of [
      'pg_restore: processing item 290 TABLE users',
      'pg_restore: launching item 3894 TABLE DATA big_table',
      'pg_restore: processing data for table "public.big_table"',
      'pg_restore: launching item 3895 TABLE DATA users',
      'pg_restore: processing data for table "auth.users"',
      'pg_restore: finished item 3895 TABLE DATA users',
      'pg_restore: error: could not execute query: ERROR:  something',
      // A worker's error prefix written between the leader's pieces (parallel jobs share stderr).
      'pg_restore: pg_restore: error: finished item 3894 TABLE DATA big_table',
      'could not execute query: ERROR:  something else',
      'pg_restore: finished item 3893 TABLE DATA users',
      'pg_restore: finished item 3893 TABLE DATA users',
    ]) line(l);
    expect(seen).toEqual([0.1, 0.9, 1]);
  });

  it('one job: a table is done when the next one starts', () => {
    const seen: number[] = [];
    const line = restoreProgress(toc, tables, 1, (f) => seen.push(f));
    for (const t of ['public.users', 'public.big_table', 'auth.users']) line(`pg_restore: processing data for table "${t}"`);
    expect(seen).toEqual([0.1, 0.9]);
  });
});
