import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBubblewrap } from '../../src-main/core/rehearse/osSandbox';
import { SANDBOX_ACCOUNT, startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';

// The second wall: even code that ran as the scratch server's superuser (which nothing from a dump
// does) sees no network, none of /tmp (passfiles, decrypted archives), no home folders and no /run
// (the session bus that reaches the keychain), and cannot leave a file outside its own folder.
const bwrap = await findBubblewrap(process.getuid?.() === 0 ? SANDBOX_ACCOUNT : null);
let cluster: ScratchCluster;
const marker = join(tmpdir(), `bw-sandbox-marker-${process.pid}`);

beforeAll(async () => {
  writeFileSync(marker, 'a secret left in /tmp by other work', { mode: 0o644 });
  cluster = await startScratchCluster();
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(marker, { force: true });
  rmSync(`${marker}-from-inside`, { force: true });
});

async function superuserQuery(text: string): Promise<unknown[]> {
  const client = new pg.Client(cluster.target);
  await client.connect();
  try {
    return (await client.query(text)).rows.map((r: Record<string, unknown>) => Object.values(r)[0]);
  } finally {
    await client.end();
  }
}

describe('scratch server isolation', () => {
  it('listens on a private socket folder only', () => {
    expect(cluster.target.host).toMatch(/\/socket$/);
    expect(cluster.isolation).toContain('a private 0700 socket folder, no TCP');
  });

  describe.skipIf(!bwrap)(`inside bubblewrap (${bwrap ? 'available' : 'not available on this machine: install bubblewrap and allow user namespaces'})`, () => {
    it('says so in its isolation', () => {
      expect(cluster.isolation).toContain('bubblewrap: no network, no /tmp, home folders or /run');
    });

    it('has no network but loopback', async () => {
      const [dev] = (await superuserQuery(`SELECT pg_read_file('/proc/net/dev')`)) as string[];
      const interfaces = dev!.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
      expect(interfaces).toEqual(['lo']);
      const host = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
      expect(host.length).toBeGreaterThan(1); // the check above can fail: this machine has more than loopback
    });

    it('sees none of /tmp, home folders or /run, and writes nothing outside its folder', async () => {
      await expect(superuserQuery(`SELECT pg_read_file('${marker}')`)).rejects.toThrow(/could not open file|No such file/);
      expect(await superuserQuery(`SELECT pg_ls_dir('/run')`)).toEqual([]);
      expect(await superuserQuery(`SELECT pg_ls_dir('/root')`)).toEqual([]);
      await superuserQuery(`COPY (SELECT 1) TO PROGRAM 'touch ${marker}-from-inside'`);
      expect(existsSync(`${marker}-from-inside`)).toBe(false);
    });
  });
});
