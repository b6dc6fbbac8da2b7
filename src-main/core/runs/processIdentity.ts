import { hostname } from 'node:os';
import { procStatFields } from '../util/procStat';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Kernel start time of the process where the OS tells it (Linux), so a recycled pid is not mistaken for it. */
  start: string | null;
}

const startTime = (pid: number): string | null => procStatFields(pid)?.[19] ?? null;

export const currentProcess = (): ProcessIdentity => ({ pid: process.pid, host: hostname(), start: startTime(process.pid) });

/** Whether the process is still running. Another host's process cannot be checked, so it counts as alive. */
export function isAlive(p: ProcessIdentity): boolean {
  if (p.host !== hostname()) return true;
  try {
    process.kill(p.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(p.pid);
  return p.start === null || now === null || now === p.start;
}
