import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';
import { startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';

// Scratch servers start from a copy of one pristine cluster (initdb once per installation): each copy
// must still be a server of its own — its own superuser name and password, nothing of the template's role.
const folders: string[] = [];
const clusters: ScratchCluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.stop();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

function cacheFolder(mode = 0o700): string {
  const folder = mkdtempSync(join(tmpdir(), 'bw-templates-test-'));
  chmodSync(folder, mode);
  folders.push(folder);
  return folder;
}

async function start(templates: string | null): Promise<ScratchCluster> {
  const cluster = await startScratchCluster({ templates });
  clusters.push(cluster);
  return cluster;
}

async function query<T>(target: pg.ClientConfig, text: string): Promise<T[]> {
  const client = new pg.Client(target);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The identifier initdb gives a cluster: copies of one template share it, clusters initdb made do not. */
const systemId = async (c: ScratchCluster) => (await query<{ id: string }>(c.target, 'SELECT system_identifier::text AS id FROM pg_control_system()'))[0]!.id;
const roles = async (c: ScratchCluster) => (await query<{ rolname: string }>(c.target, `SELECT rolname FROM pg_authid WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1`)).map((r) => r.rolname);
const templatesIn = (folder: string) => readdirSync(folder);

describe('scratch servers from a pristine template', () => {
  it('are copies of one cluster, each with its own superuser and password, nothing of the template role left', async () => {
    const folder = cacheFolder();
    const [a, b] = [await start(folder), await start(folder)];
    expect(await systemId(a)).toBe(await systemId(b));
    expect(templatesIn(folder)).toEqual([expect.stringMatching(/^pg\d+-[0-9a-f]{16}$/)]);

    expect(a.target.user).not.toBe(b.target.user);
    expect(await roles(a)).toEqual([a.target.user]);
    expect(await roles(b)).toEqual([b.target.user]);
    const [boot] = await query<{ rolname: string; rolsuper: boolean }>(a.target, 'SELECT rolname, rolsuper FROM pg_authid WHERE oid = 10');
    expect(boot).toEqual({ rolname: a.target.user, rolsuper: true });

    // Each password opens its own server only.
    await expect(query(b.target, 'SELECT 1')).resolves.toHaveLength(1);
    await expect(query({ ...b.target, password: a.target.password }, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it('gives a named superuser its name (the practice server plays supabase_admin)', async () => {
    const folder = cacheFolder();
    await start(folder);
    const cluster = await startScratchCluster({ templates: folder, superuser: 'supabase_admin', tcp: true });
    clusters.push(cluster);
    expect(await roles(cluster)).toEqual(['supabase_admin']);
  });

  it('runs initdb when the cache folder is not this account’s alone, or there is none, and puts nothing there', async () => {
    const open = cacheFolder(0o777);
    const [a, b] = [await start(open), await start(open)];
    expect(await systemId(a)).not.toBe(await systemId(b));
    expect(templatesIn(open)).toEqual([]);
    const [c, d] = [await start(null), await start(null)];
    expect(await systemId(c)).not.toBe(await systemId(d));
    // A folder that cannot be made (Node's own recursive mkdir would spin there for ever).
    if (process.platform === 'linux') expect((await start('/proc/bw-no-such-folder/templates')).target.user).toMatch(/^bw_admin_/);
  });

  it('runs initdb for an installation whose initdb is a wrapper script, with no postgres beside it', async () => {
    const realInitdb = (await choosePgTool('initdb')).path;
    const bin = cacheFolder(0o755);
    writeFileSync(join(bin, 'initdb'), `#!/bin/sh\nexec '${realInitdb}' "$@"\n`, { mode: 0o755 });
    symlinkSync(join(dirname(realInitdb), 'pg_ctl'), join(bin, 'pg_ctl'));
    const folder = cacheFolder();
    const cluster = await startScratchCluster({ binDir: bin, templates: folder });
    clusters.push(cluster);
    expect(await roles(cluster)).toEqual([cluster.target.user]);
    expect(templatesIn(folder)).toEqual([]);
  });

  it('replaces a damaged template: that start runs initdb and keeps a new one', async () => {
    const folder = cacheFolder();
    const first = await start(folder);
    const [template] = templatesIn(folder);
    rmSync(join(folder, template!, 'global', 'pg_control'));

    const second = await start(folder);
    expect(await systemId(second)).not.toBe(await systemId(first));
    expect(templatesIn(folder)).toEqual([template]);
    expect(existsSync(join(folder, template!, 'global', 'pg_control'))).toBe(true);
    expect(await systemId(await start(folder))).toBe(await systemId(second));
  });
});
