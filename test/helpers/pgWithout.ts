import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { choosePgTool } from '../../src-main/core/pgtools/discovery';

/**
 * A PostgreSQL installation like the machine's Debian one but without the named extensions: the
 * binaries are copied (PostgreSQL finds its share and lib folders relative to its real path), the
 * rest is linked, leaving out the extensions' files. Plays a server that lacks those extensions.
 */
export async function postgresWithout(extensions: string[], major = 15): Promise<{ binDir: string; cleanup: () => void }> {
  // The installation's own folder, not a link to it (this machine links initdb into /usr/local/bin).
  const bin = dirname(realpathSync((await choosePgTool('initdb', { minMajor: major })).path));
  const prefix = join(bin, '..', '..', '..', '..'); // /usr/lib/postgresql/15/bin → /usr
  const root = mkdtempSync(join(tmpdir(), 'bw-pg-without-'));
  chmodSync(root, 0o755);
  const dropped = (name: string) => extensions.some((e) => name === `${e}.so` || name === `${e}.control` || name.startsWith(`${e}--`));
  const mirror = (from: string, to: string, copy: boolean) => {
    mkdirSync(to, { recursive: true, mode: 0o755 });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (dropped(entry.name)) continue;
      if (entry.isDirectory() && entry.name === 'extension') mirror(join(from, entry.name), join(to, entry.name), false);
      else if (copy) copyFileSync(join(from, entry.name), join(to, entry.name));
      else symlinkSync(join(from, entry.name), join(to, entry.name));
    }
  };
  const binDir = join(root, 'lib', 'postgresql', String(major), 'bin');
  mirror(bin, binDir, true);
  for (const f of readdirSync(binDir)) chmodSync(join(binDir, f), 0o755);
  mirror(join(prefix, 'lib', 'postgresql', String(major), 'lib'), join(root, 'lib', 'postgresql', String(major), 'lib'), false);
  mirror(join(prefix, 'share', 'postgresql', String(major)), join(root, 'share', 'postgresql', String(major)), false);
  return { binDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
