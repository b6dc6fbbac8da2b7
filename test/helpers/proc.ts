import { readdirSync, readFileSync } from 'node:fs';

/** Live processes whose command name is `comm` (every process without it; Linux /proc), with their argv and environment. */
export function findProcesses(comm?: string): { pid: number; argv: string[]; env: string[] }[] {
  const out: { pid: number; argv: string[]; env: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (comm !== undefined && readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
      out.push({
        pid: Number(entry),
        argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean),
        env: readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter(Boolean),
      });
    } catch {
      // exited while we looked
    }
  }
  return out;
}
