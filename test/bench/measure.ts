import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Measured {
  wallMs: number;
  /** Peak resident memory per command name in the process tree (VmHWM), in bytes. */
  peakRss: Record<string, number>;
  stdout: string;
}

/** Runs a command, sampling the peak RSS of it and every descendant (e.g. the pg_dump it spawns). */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const peaks: Record<string, number> = {};
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  const sample = () => {
    for (const pid of tree(child.pid!)) {
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
      if (code !== 0) return reject(new Error(`${command} exited with ${code}`));
      resolve({ wallMs: performance.now() - started, peakRss: peaks, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

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
