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
  stdout: string;
}

/**
 * Runs a command under GNU time (its CPU, children included), sampling the peak RSS of it and every
 * descendant (e.g. the pg_dump it spawns).
 */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  // Each command starts with nothing left to write back: the gigabytes the one before wrote would
  // otherwise be flushed to disk during it (the rehearsal after three backups measured 40 % slower).
  spawnSync('sync');
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-time-'));
  const timeFile = join(dir, 'time');
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, command, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const peaks: Record<string, number> = {};
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  const sample = () => {
    for (const pid of tree(child.pid!).slice(1)) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const name = /^Name:\s+(.+)$/m.exec(status)?.[1] ?? '?';
        const hwm = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
        peaks[name] = Math.max(peaks[name] ?? 0, hwm);
      } catch {
        // exited between listing and reading
      }
    }
  };
  const timer = setInterval(sample, 50);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const wallMs = performance.now() - started;
      const cpu = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`${command} exited with ${code}`));
      resolve({ wallMs, cpuS: cpu[0]! + cpu[1]!, peakRss: peaks, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

/** A shell pipeline (bash -o pipefail), measured like one command. */
export const measurePipeline = (script: string, env: NodeJS.ProcessEnv = process.env): Promise<Measured> => measure('bash', ['-o', 'pipefail', '-c', script], env);

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(entry));
    } catch {
      // gone
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}
