import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Removes a scratch cluster whose owner died (kill -9): the server is killed and its directory removed. */
export function removeOrphanedCluster(base: string): void {
  killPostmaster(join(base, 'data'));
  rmSync(base, { recursive: true, force: true });
}

export function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

