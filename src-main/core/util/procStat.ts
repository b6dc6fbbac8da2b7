import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat that follow the parenthesised command name (which may hold spaces and
 * parentheses): [0] is field 3 (state), [1] the parent's pid, [19] field 22 (start time). Null when the
 * process is gone, not this account's to read, or the OS has no /proc.
 */
export function procStatFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
