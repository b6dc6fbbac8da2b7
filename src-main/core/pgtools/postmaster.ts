import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStatFields } from '../util/procStat';

/** Removes a scratch cluster whose owner died (kill -9): its server is killed where it can be told (killPostmaster) and the folder removed. */
export function removeOrphanedCluster(base: string): void {
  killPostmaster(join(base, 'data'));
  rmSync(base, { recursive: true, force: true });
}

/**
 * Kills the server of dataDir. Off Linux and Windows its pid file is all there is to go by, and that outlives
 * its server (killed with its session, out of memory) while the pid it names may since be another process's:
 * nothing is killed there, and the orphan stops by itself once its folder is removed (the postmaster checks its
 * pid file every minute and shuts down when it is gone: 20 s after, tried with PostgreSQL 15). Windows cannot
 * remove the folder of a server still running: the pid file's process is killed.
 */
export function killPostmaster(dataDir: string): void {
  if (process.platform !== 'linux' && process.platform !== 'win32') return;
  const pid = postmasterPid(dataDir);
  if (pid !== null) signal(pid, 'SIGKILL');
}

/**
 * Immediate shutdown of a throwaway server (SIGQUIT: no checkpoint, its data is deleted next), watched
 * at 10 ms steps — pg_ctl's own wait looks every 100 ms; a rehearsal's teardown took 0.3 s with it.
 * SIGKILL when it has not stopped after timeoutMs. For POSIX systems (signals).
 */
export async function quitPostmaster(dataDir: string, timeoutMs = 60_000): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid === null || !signal(pid, 'SIGQUIT')) return;
  // As pg_ctl: done when the server removed its pid file (its last act, after its children ended); the
  // process itself may linger as a zombie until whoever adopted it reaps it.
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    await sleep(10);
    if (!existsSync(join(dataDir, 'postmaster.pid')) || !signal(pid, 0)) return;
  }
  signal(pid, 'SIGKILL');
}

/**
 * True once the server in dataDir accepts connections (its pid file says "ready"), looked at every
 * 10 ms — pg_ctl start -w looks every 100 ms: a scratch server in memory was ready after 35–40 ms, pg_ctl
 * returned after 115 ms (5 runs). False when `starting` (the server in the foreground, or pg_ctl) settles
 * first: the caller tells a failed start from that.
 */
export async function postmasterReady(dataDir: string, starting: Promise<unknown>): Promise<boolean> {
  let settled = false;
  starting.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    if (pidFileLines(dataDir)?.[7]?.trim() === 'ready') return true;
    await sleep(10);
  }
  return false;
}

function pidFileLines(dataDir: string): string[] | null {
  try {
    return readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null; // not started, or stopped
  }
}

/**
 * The server's process id as this machine numbers it; null when it is not running. On Linux, the postgres
 * process that runs in dataDir (the postmaster moves there as it starts; its children, there too, have it as
 * parent), read from /proc — its pid file holds the number its own process namespace gives it (a sandbox's),
 * and a pid file left behind names whichever process has that number now. Elsewhere, its pid file.
 */
export function postmasterPid(dataDir: string): number | null {
  if (process.platform === 'linux') return postmasterIn(dataDir);
  const pid = Number(pidFileLines(dataDir)?.[0]);
  return pid > 0 ? pid : null;
}

function postmasterIn(dataDir: string): number | null {
  let folder: string;
  try {
    folder = realpathSync(dataDir);
  } catch {
    return null;
  }
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc shows the folder as the process's own mount namespace does: bubblewrap binds it at the same path.
      if (readlinkSync(`/proc/${entry}/cwd`) !== folder || readFileSync(`/proc/${entry}/comm`, 'utf8') !== 'postgres\n') continue;
      const parent = procStatFields(Number(entry))?.[1];
      if (parent !== undefined) parents.set(Number(entry), Number(parent));
    } catch {
      // gone meanwhile, or not this account's to look at (then not its to signal either)
    }
  }
  for (const [pid, parent] of parents) if (!parents.has(parent)) return pid;
  return null;
}

/** Sends a signal (0: only asks whether it lives); false when the process is gone. */
function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
