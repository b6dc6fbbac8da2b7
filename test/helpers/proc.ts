import { readdirSync, readFileSync } from 'node:fs';

/** Live processes whose command name (or argv[0]) is `comm` (every process without it; Linux /proc), with their argv and environment. */
export function findProcesses(comm?: string): { pid: number; argv: string[]; env: string[] }[] {
  const out: { pid: number; argv: string[]; env: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // A tool started through its loader (the PostgreSQL 17 test tools, scripts/install-pg17.sh) is named by --argv0.
      const loaded = argv[0]?.includes('ld-linux') && argv.includes('--argv0') ? argv[argv.indexOf('--argv0') + 1] : undefined;
      if (comm !== undefined && readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm && loaded !== comm) continue;
      out.push({ pid: Number(entry), argv, env: readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // exited while we looked
    }
  }
  return out;
}
