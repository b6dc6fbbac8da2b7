import { afterAll, describe, expect, it } from 'vitest';
import { supabaseEndpoint } from '../../src-main/core/supabase/connection';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

const t = openTestWarden();
const out = tempDir('bw-pooler-');
afterAll(() => {
  t.close();
  out.cleanup();
});

describe('Supabase connection forms', () => {
  it.each([
    [{ host: 'db.abcdefghijklmnopqrst.supabase.co', port: 5432, user: 'postgres' }, 'direct'],
    [{ host: 'aws-0-eu-central-1.pooler.supabase.com', port: 5432, user: 'postgres.abcdefghijklmnopqrst' }, 'session-pooler'],
    [{ host: 'aws-0-eu-central-1.pooler.supabase.com', port: 6543, user: 'postgres.abcdefghijklmnopqrst' }, 'transaction-pooler'],
    [{ host: 'db.abcdefghijklmnopqrst.supabase.co', port: 6543, user: 'postgres' }, 'transaction-pooler'],
    [{ host: 'db.internal.example.com', port: 6543, user: 'postgres' }, null],
    [{ host: '127.0.0.1', port: 5432, user: 'postgres' }, null],
  ])('%o is %s', (target, kind) => {
    expect(supabaseEndpoint(target)).toBe(kind);
  });

  it('a backup through the transaction-mode pooler is refused before anything connects, with the session-mode alternative', async () => {
    const p = await t.warden.projects.create({
      name: 'Pooler', environment: 'production', host: 'aws-0-eu-central-1.pooler.supabase.com', port: 6543, database: 'postgres',
      user: 'postgres.abcdefghijklmnopqrst', sslmode: 'require',
    });
    await expect(t.warden.backups.run({ projectId: p.id }, { outputDir: out.dir })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining("is Supabase's transaction-mode pooler: pg_dump needs one session for its snapshot and cannot work through it. Use the session pooler on port 5432"),
    });
    expect(t.warden.runs.list(p.id)).toEqual([]);
  });

  it('a direct host this network cannot resolve or reach (IPv6 only) gets the session pooler as the way out', async () => {
    // No network here: the real resolver fails on the direct host, as it does for an IPv6-only host on an IPv4-only network.
    const p = await t.warden.projects.create({
      name: 'Direct', environment: 'production', host: 'db.abcdefghijklmnopqrst.supabase.co', port: 5432, database: 'postgres', user: 'postgres',
      secrets: { dbPassword: 'never-sent' },
    });
    await expect(t.warden.projects.testConnection(p.id)).rejects.toMatchObject({
      code: 'CONNECTION',
      message: expect.stringMatching(
        /^Could not reach db\.abcdefghijklmnopqrst\.supabase\.co:5432 \((ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)\)\. Check the project ref .* only an IPv6 address .* Use the session pooler instead: host <region>\.pooler\.supabase\.com, port 5432, user postgres\.abcdefghijklmnopqrst /,
      ),
    });
  });
});
