import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Removes a scratch cluster whose owner died (kill -9): the server is killed and its directory removed. */
export function removeOrphanedCluster(base: string): void {
  killPostmaster(join(base, 'data'));
  rmSync(base, { recursive: true, force: true });
}

export function killPostmaster(dataDir: string): void {
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
