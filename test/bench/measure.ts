import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  wallMs: number;
  /** CPU seconds (user + system) of the command and every child it waited for, as GNU time reports them. */
  cpuS: number;
  /** Peak resident memory per command name in the process tree (VmHWM), in bytes. */
  peakRss: Record<string, number>;
  /**
   * CPU seconds per command name in the process tree, and of the database server's processes ('server')
   * when its postmaster is given, as last sampled (every 50 ms): a process that exits between two samples
   * loses its last few milliseconds, so these add up to a little less than cpuS.
   */
  cpuByName: Record<string, number>;
  stdout: string;
}

/**
 * Runs a command under GNU time (its CPU, children included), sampling the peak RSS and CPU of it and every
 * descendant (e.g. the pg_dump it spawns), and with `serverPid` (a postmaster) the CPU its server spent meanwhile.
 */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, serverPid?: number): Promise<Measured> {
  // Each command starts with nothing left to write back: the gigabytes the one before wrote would
  // otherwise be flushed to disk during it (the rehearsal after three backups measured 40 % slower).
  spawnSync('sync');
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-time-'));
  const timeFile = join(dir, 'time');
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, command, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const peaks: Record<string, number> = {};
  /** pid → [name, CPU seconds when first seen (server processes already running), CPU seconds last seen]. */
  const cpu = new Map<number, [string, number, number]>();
  const serverBefore = serverPid ? processes().cpuS : new Map<number, number>();
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  const sample = () => {
    const now = processes();
    for (const pid of tree(now, child.pid!).slice(1)) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const name = /^Name:\s+(.+)$/m.exec(status)?.[1] ?? '?';
        const hwm = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
        peaks[name] = Math.max(peaks[name] ?? 0, hwm);
        cpu.set(pid, [name, 0, now.cpuS.get(pid) ?? 0]);
      } catch {
        // exited between listing and reading
      }
    }
    for (const pid of serverPid ? tree(now, serverPid) : []) cpu.set(pid, ['server', serverBefore.get(pid) ?? 0, now.cpuS.get(pid) ?? 0]);
  };
  const timer = setInterval(sample, 50);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const wallMs = performance.now() - started;
      const times = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`${command} exited with ${code}`));
      const cpuByName: Record<string, number> = {};
      for (const [name, first, last] of cpu.values()) cpuByName[name] = (cpuByName[name] ?? 0) + last - first;
      resolve({ wallMs, cpuS: times[0]! + times[1]!, peakRss: peaks, cpuByName, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

/** A shell pipeline (bash -o pipefail), measured like one command. */
export const measurePipeline = (script: string, env: NodeJS.ProcessEnv = process.env, serverPid?: number): Promise<Measured> => measure('bash', ['-o', 'pipefail', '-c', script], env, serverPid);

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Every process now: who its children are, and the user + system CPU seconds it has used (/proc/PID/stat, in clock ticks of 1/100 s). */
function processes(): { children: Map<number, number[]>; cpuS: Map<number, number> } {
  const children = new Map<number, number[]>();
  const cpuS = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(entry));
      cpuS.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // gone
    }
  }
  return { children, cpuS };
}

/** `root` and every process below it. */
function tree({ children }: ReturnType<typeof processes>, root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}
