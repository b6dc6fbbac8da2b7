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

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : null;
  } catch {
    return null; // not started, or stopped
  }
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
