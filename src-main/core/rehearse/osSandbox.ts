import { existsSync, lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { runTool } from '../util/runTool';
import { findSystemTool } from '../util/systemTool';

// bubblewrap (Linux) around the scratch server, where it is installed and the kernel lets it create
// namespaces: no network, and none of /tmp (passfiles, decrypted archives of other work), home folders
// (keys, keyrings) or /run (the session bus that reaches the Secret Service). Only the server's own
// folder is writable. A second wall behind the restricted PostgreSQL role.

const HIDDEN = ['/tmp', '/var/tmp', '/home', '/root', '/run', '/mnt', '/media', '/srv'];
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
        await runTool(exe, ['--ro-bind', '/', '/', '--unshare-net', '--', '/bin/true'], { runAs, timeoutMs: 10_000 });
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
    '--dev', '/dev',
    '--proc', '/proc',
    ...hidden.flatMap((p) => ['--tmpfs', p]),
    ...installationRoots(toolsBin, hidden).flatMap((p) => ['--ro-bind', p, p]),
    '--bind', writable, writable,
    '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--new-session',
    '--',
  ];
}

/**
 * The argv prefix that runs a client (pg_restore) in the network of the sandboxed process `pid` (util-linux
 * nsenter), where the scratch server also listens on loopback TCP; null where that is not safe or possible.
 * Only root joins: it enters the network namespace alone, and the server runs under an account of its own
 * that cannot reach a root process. An ordinary account would have to enter the sandbox's user namespace
 * first, and there a server process of the same account could reach into pg_restore (/proc/PID/mem,
 * ptrace) — which reads and writes as the operator outside the sandbox.
 */
export function joinNetworkPrefix(pid: number): string[] | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const nsenter = findSystemTool('nsenter');
  return nsenter ? [nsenter, `--net=/proc/${pid}/ns/net`, '--'] : null;
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
