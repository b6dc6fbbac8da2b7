import { existsSync, lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { runTool } from '../util/runTool';
import { findSystemTool } from '../util/systemTool';

// bubblewrap (Linux) around the scratch server, where it is installed and the kernel lets it create
// namespaces: no network, none of /tmp (passfiles, decrypted archives of other work), home folders
// (keys, keyrings) or /run (the session bus that reaches the Secret Service), and no process of this
// machine in sight (a process namespace of its own, which ends with the sandbox's first process and with
// whoever started it). Only the server's own folder is writable. A second wall behind the restricted
// PostgreSQL role.

const HIDDEN = ['/tmp', '/var/tmp', '/home', '/root', '/run', '/mnt', '/media', '/srv'];
// The devices a server uses, and a /dev/shm of its own. Not bwrap's --dev: it also mounts a devpts, for which
// bwrap nests a second user namespace — the network namespace then belongs to one that no process is in, and
// an ordinary account could not join it (joinNetworkPrefix).
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom'];
const probes = new Map<string, Promise<string | null>>();

/** The bwrap executable, when present and working for `runAs` (or this process); probed once. */
export function findBubblewrap(runAs: string | null): Promise<string | null> {
  if (process.platform !== 'linux') return Promise.resolve(null);
  const key = runAs ?? '';
  let probe = probes.get(key);
  if (!probe) {
    probe = (async () => {
      const exe = findSystemTool('bwrap');
      if (!exe) return null;
      try {
        await runTool(exe, ['--ro-bind', '/', '/', '--unshare-net', '--unshare-pid', '--', '/bin/true'], { runAs, timeoutMs: 10_000 });
        return exe;
      } catch {
        return null; // installed, but user namespaces are not allowed here
      }
    })();
    probes.set(key, probe);
  }
  return probe;
}

/**
 * The argv prefix that runs a command inside the sandbox, with `writable` (the server's folder) as the
 * only writable place and `toolsBin` (the PostgreSQL installation it runs from) readable.
 */
export function bubblewrapPrefix(bwrap: string, writable: string, toolsBin: string): string[] {
  const hidden = HIDDEN.filter((p) => existsSync(p) && !lstatSync(p).isSymbolicLink());
  return [
    bwrap,
    '--ro-bind', '/', '/',
    '--tmpfs', '/dev',
    ...DEVICES.flatMap((d) => ['--dev-bind', `/dev/${d}`, `/dev/${d}`]),
    '--dir', '/dev/shm',
    '--proc', '/proc',
    ...hidden.flatMap((p) => ['--tmpfs', p]),
    ...installationRoots(toolsBin, hidden).flatMap((p) => ['--ro-bind', p, p]),
    '--bind', writable, writable,
    '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-pid', '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    '--',
  ];
}

/**
 * The argv prefix that runs a client (pg_restore) in the network of the sandboxed process `pid` (util-linux
 * nsenter), where the scratch server also listens on loopback TCP; null without nsenter. Root enters the
 * network namespace alone. An ordinary account first enters the user namespace that owns it (its own: it
 * made the sandbox), keeping its uid; a server process of that account there could reach into a process it
 * can name (/proc/PID/mem, ptrace), but the sandbox has a process namespace of its own (bubblewrapPrefix), in
 * which pg_restore has no number: it stays out of sight and out of reach.
 */
export function joinNetworkPrefix(pid: number): string[] | null {
  const nsenter = process.platform === 'linux' ? findSystemTool('nsenter') : null;
  if (!nsenter) return null;
  const ns = (kind: 'net' | 'user') => `--${kind}=/proc/${pid}/ns/${kind}`;
  return process.getuid?.() === 0 ? [nsenter, ns('net'), '--'] : [nsenter, ns('user'), ns('net'), '--preserve-credentials', '--'];
}

/**
 * An installation inside a hidden folder (a build in a home folder, a test copy in /tmp) must stay
 * visible: PostgreSQL finds its share and lib folders up to four levels above bin. Never re-expose a
 * hidden folder itself.
 */
function installationRoots(bin: string, hidden: string[]): string[] {
  const inside = (p: string) => hidden.some((h) => p === h || p.startsWith(`${h}/`));
  if (!inside(bin)) return [];
  let root = bin;
  for (let i = 0; i < 4; i++) {
    const up = dirname(root);
    if (up === root || hidden.includes(up) || up === '/') break;
    root = up;
  }
  return [root];
}
