import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Removes a scratch cluster whose owner died (kill -9): its server is killed (if it is still that folder's) and the folder removed. */
export function removeOrphanedCluster(base: string): void {
  killPostmaster(join(base, 'data'));
  rmSync(base, { recursive: true, force: true });
}

/**
 * Kills the server its pid file names, only if that process is the server of dataDir: a pid file outlives
 * its server (killed with its session, out of memory), and the pid it names may since belong to any other
 * process — which, when Backup Warden runs as root, a blind SIGKILL would end.
 */
export function killPostmaster(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid !== null && isServerOf(pid, dataDir)) signal(pid, 'SIGKILL');
}

/**
 * Whether process `pid` is the server of dataDir: on Linux, its working folder is dataDir (the postmaster
 * moves there as it starts; /proc shows it as the server's own mount namespace does, where bubblewrap binds
 * the folder at the same path). False where it cannot be told — another platform, a process gone or not ours
 * to look at: an orphan left running stops by itself once its folder is removed (the postmaster checks its
 * pid file every minute and shuts down when it is gone: 20 s after, tried with PostgreSQL 15). Windows is not
 * checked: it cannot remove the folder of a server still running.
 */
export function isServerOf(pid: number, dataDir: string, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return true;
  if (platform !== 'linux') return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir);
  } catch {
    return false;
  }
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
 * Resolves once the server in dataDir accepts connections (its pid file says "ready"), looked at every
 * 10 ms — pg_ctl start -w looks every 100 ms: a scratch server in memory was ready after 35–40 ms, pg_ctl
 * returned after 115 ms (5 runs). Ends, without telling, when `starting` (pg_ctl) settles first: race the two,
 * pg_ctl reports a failed start.
 */
export async function postmasterReady(dataDir: string, starting: Promise<unknown>): Promise<void> {
  let settled = false;
  starting.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    if (pidFileLines(dataDir)?.[7]?.trim() === 'ready') return;
    await sleep(10);
  }
}

function pidFileLines(dataDir: string): string[] | null {
  try {
    return readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null; // not started, or stopped
  }
}

/** The server's process id, from its pid file; null when it is not running. */
export function postmasterPid(dataDir: string): number | null {
  const pid = Number(pidFileLines(dataDir)?.[0]);
  return pid > 0 ? pid : null;
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
