import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionArgs, withLibpqEnv } from '../../src-main/core/pg/libpqEnv';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';
import { postmasterPid } from '../../src-main/core/pgtools/postmaster';
import { runTool, spawnTool } from '../../src-main/core/util/runTool';
import { findBubblewrap } from '../../src-main/core/rehearse/osSandbox';
import { SANDBOX_ACCOUNT, startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';

// The second wall: even code that ran as the scratch server's superuser (which nothing from a dump
// does) sees no network, none of /tmp (passfiles, decrypted archives), no home folders and no /run
// (the session bus that reaches the keychain), and cannot leave a file outside its own folder.
const asRoot = process.getuid?.() === 0;
const bwrap = await findBubblewrap(asRoot ? SANDBOX_ACCOUNT : null);
const marker = join(tmpdir(), `bw-sandbox-marker-${process.pid}`);
// Other work's files in the memory file system, where a small rehearsal's server keeps its own.
const shmMarker = `/dev/shm/bw-sandbox-marker-${process.pid}`;
const hasShm = process.platform === 'linux' && existsSync('/dev/shm');

beforeAll(() => {
  writeFileSync(marker, 'a secret left in /tmp by other work', { mode: 0o644 });
  if (hasShm) writeFileSync(shmMarker, 'a secret left in /dev/shm by other work', { mode: 0o644 });
});
afterAll(() => {
  for (const f of [marker, `${marker}-from-inside`, shmMarker]) rmSync(f, { force: true });
});

describe.each([
  { placement: 'on disk', expectedBytes: undefined },
  // A rehearsal of a small backup: its server's files in memory (scratchPlacement).
  ...(hasShm ? [{ placement: 'in memory', expectedBytes: 1 }] : []),
])('scratch server isolation, its files $placement', ({ placement, expectedBytes }) => {
  let cluster: ScratchCluster;
  beforeAll(async () => {
    cluster = await startScratchCluster({ expectedBytes });
  });
  afterAll(async () => {
    const base = cluster ? dirname(cluster.dataDir) : null;
    await cluster?.stop();
    if (base) expect(existsSync(base)).toBe(false);
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

  it('listens on a private socket folder only, its files where the placement says', () => {
    expect(cluster.target.host).toMatch(/\/socket$/);
    expect(cluster.isolation).toContain('a private 0700 socket folder, no TCP');
    if (placement === 'in memory') {
      expect(cluster.dataDir.startsWith('/dev/shm/bw-scratch-')).toBe(true);
      expect(cluster.isolation).toContain('its files in memory (tmpfs), gone when it stops');
    } else {
      expect(cluster.dataDir.startsWith(join(tmpdir(), 'bw-scratch-'))).toBe(true);
      expect(cluster.isolation).not.toContain('in memory');
    }
  });

  describe.skipIf(!bwrap)(`inside bubblewrap (${bwrap ? 'available' : 'not available on this machine: install bubblewrap and allow user namespaces'})`, () => {
    it('says so in its isolation', () => {
      expect(cluster.isolation).toContain("bubblewrap: no network, no /tmp, home folders or /run, none of this machine's processes in sight");
      expect(cluster.isolation).toContain("no TCP outside the sandbox (pg_restore joins the sandbox's network to reach its loopback)");
    });

    it("sees none of this machine's processes: a process namespace of its own, whose first process is the sandbox's", async () => {
      expect(await superuserQuery(`SELECT pg_read_file('/proc/1/comm')`)).toEqual(['bwrap\n']);
      expect(readFileSync('/proc/1/comm', 'utf8')).not.toBe('bwrap\n'); // the check above can fail: this machine's first process is another
      await expect(superuserQuery(`SELECT pg_read_file('/proc/${process.pid}/comm')`)).rejects.toThrow(/could not open file|No such file/);
      expect(existsSync(`/proc/${process.pid}/comm`)).toBe(true); // here it is
      // The server's pid file holds the sandbox's number for it; this machine's is another, and names the server.
      const own = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const here = postmasterPid(cluster.dataDir)!;
      expect(own).toBeLessThan(10);
      expect(here).not.toBe(own);
      expect(readlinkSync(`/proc/${here}/cwd`)).toBe(cluster.dataDir);
    });

    it("is reached over loopback TCP only from inside the sandbox's network (pg_restore's route)", async () => {
      const route = cluster.loopback!;
      expect(route).toMatchObject({ host: '127.0.0.1', port: 5432 });
      // A real client through the route: the server answers on TCP there.
      const psql = await choosePgTool('psql');
      const inside = { ...cluster.target, host: route.host, port: route.port };
      const answer = await withLibpqEnv(inside, psql.major, (env) =>
        runTool(psql.path, [...connectionArgs(inside), '--dbname', inside.database, '-Atc', 'SELECT inet_server_addr()'], { wrap: route.wrap, env }),
      );
      expect(answer.stdout.trim()).toBe('127.0.0.1');
      // The same address from this machine's network is not that server: refused, or another server that
      // does not know its random superuser.
      const outside = new pg.Client({ ...inside, connectionTimeoutMillis: 5_000 });
      await expect(outside.connect()).rejects.toThrow(/ECONNREFUSED|password authentication failed|does not exist/);
      await outside.end().catch(() => {});
    });

    it('a process that took the route stays out of sight and out of reach of the sandboxed server', async () => {
      const joined = spawnTool('sleep', ['30'], { wrap: cluster.loopback!.wrap, env: { ...process.env, BW_ROUTE_MARK: 'pg_restore would be here' } });
      try {
        const pid = joined.child.pid!;
        await new Promise((r) => setTimeout(r, 200)); // nsenter has exec'd sleep
        expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toBe('sleep\n'); // it runs, in the sandbox's network
        expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(readlinkSync(`/proc/${postmasterPid(cluster.dataDir)}/ns/net`));
        // The server's account can name it by no number: neither its name nor its environment or memory.
        await expect(superuserQuery(`COPY (SELECT 1) TO PROGRAM 'cat > /dev/null; grep -q sleep /proc/${pid}/comm'`)).rejects.toThrow(/failed/);
        await expect(superuserQuery(`COPY (SELECT 1) TO PROGRAM 'cat > /dev/null; cat /proc/${pid}/environ > /dev/null'`)).rejects.toThrow(/failed/);
        await superuserQuery(`COPY (SELECT 1) TO PROGRAM 'cat > /dev/null; grep -q bwrap /proc/1/comm'`); // the same command does read what it can name
      } finally {
        joined.child.kill('SIGKILL');
        await joined.exited;
      }
    });

    it('has no network but loopback', async () => {
      const [dev] = (await superuserQuery(`SELECT pg_read_file('/proc/net/dev')`)) as string[];
      const interfaces = dev!.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
      expect(interfaces).toEqual(['lo']);
      const host = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
      expect(host.length).toBeGreaterThan(1); // the check above can fail: this machine has more than loopback
    });

    it('sees none of /tmp, other files in /dev/shm, home folders or /run, and writes nothing outside its folder', async () => {
      await expect(superuserQuery(`SELECT pg_read_file('${marker}')`)).rejects.toThrow(/could not open file|No such file/);
      if (hasShm) await expect(superuserQuery(`SELECT pg_read_file('${shmMarker}')`)).rejects.toThrow(/could not open file|No such file/);
      expect(await superuserQuery(`SELECT pg_ls_dir('/run')`)).toEqual([]);
      expect(await superuserQuery(`SELECT pg_ls_dir('/root')`)).toEqual([]);
      // cat first: a program that exits before reading (touch) can fail COPY with a broken pipe.
      await superuserQuery(`COPY (SELECT 1) TO PROGRAM 'cat > /dev/null; touch ${marker}-from-inside'`);
      expect(existsSync(`${marker}-from-inside`)).toBe(false);
    });
  });
});

describe('scratch server start', () => {
  it("a server that does not start is reported with what it logged, and leaves nothing behind", async () => {
    // The real initdb beside a postgres that fails: startScratchCluster waits on the server's pid file and
    // on the server at once, and the failure must come from the server rather than a wait that never ends.
    const realInitdb = (await choosePgTool('initdb')).path;
    const bin = mkdtempSync(join(tmpdir(), 'bw-fake-bin-'));
    const work = mkdtempSync(join(tmpdir(), 'bw-scratch-parent-'));
    chmodSync(bin, 0o755);
    chmodSync(work, 0o711);
    symlinkSync(realInitdb, join(bin, 'initdb'));
    // The server is the postgres beside pg_ctl (where pg_ctl itself would look for it).
    writeFileSync(join(bin, 'pg_ctl'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    writeFileSync(join(bin, 'postgres'), '#!/bin/sh\necho "FATAL:  could not start server (test double)" >&2\nexit 1\n', { mode: 0o755 });
    const tmpBefore = process.env.TMPDIR;
    process.env.TMPDIR = work;
    try {
      await expect(startScratchCluster({ binDir: bin, templates: null })).rejects.toThrow(/Could not start a scratch PostgreSQL: postgres exited with code 1.*could not start server \(test double\)/s);
      expect(readdirSync(work)).toEqual([]);
    } finally {
      process.env.TMPDIR = tmpBefore;
      rmSync(bin, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  });
});
