import { describe, expect, it } from 'vitest';
import type { BackupProgress } from '../../src-main/contract/backup';
import { ProgressTracker } from '../../src-main/core/backup/progress';

const tables = [
  { schema: 'public', name: 'small', bytes: 100 },
  { schema: 'public', name: 'big', bytes: 700 },
  { schema: 'auth', name: 'users', bytes: 200 },
];

describe('backup progress from pg_dump table lines', () => {
  it('weighs each finished table by its size on disk', () => {
    const seen: BackupProgress[] = [];
    const tracker = new ProgressTracker((p) => seen.push(p));
    tracker.sizeTables(tables);
    tracker.phase = 'dumping';
    tracker.tableStarted('public.big');
    tracker.tableStarted('public.small');
    expect(seen.at(-1)).toMatchObject({ currentTable: 'public.small', tablesDone: 1, tablesTotal: 3, fraction: 0.7 });
    tracker.tableStarted('auth.users');
    expect(seen.at(-1)).toMatchObject({ tablesDone: 2, fraction: 0.8 });
  });

  // pg_dump starts before the backup has read the tables: on a slow catalog read it may finish some first.
  it('counts the tables pg_dump finished before their sizes were known, once they are', () => {
    const seen: BackupProgress[] = [];
    const tracker = new ProgressTracker((p) => seen.push(p));
    tracker.phase = 'dumping';
    tracker.tableStarted('public.big');
    tracker.tableStarted('public.small');
    expect(seen.at(-1)).toMatchObject({ tablesDone: 1, tablesTotal: 0, fraction: 0 });
    tracker.sizeTables(tables);
    tracker.tableStarted('auth.users');
    expect(seen.at(-1)).toMatchObject({ tablesDone: 2, tablesTotal: 3, fraction: 0.8 });
  });
});
