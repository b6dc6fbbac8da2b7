import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { redact } from '../util/redact';

export interface DumpExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines pg_dump wrote that were not progress chatter, redacted. */
  errorTail: string;
}

export interface DumpProcess {
  pid: number | undefined;
  stdout: Readable;
  exited: Promise<DumpExit>;
  kill(): void;
}

const TABLE_LINE = /dumping contents of table "([^"]+)"/;

/** Spawns pg_dump (argument array, no shell) and turns its --verbose stderr into per-table progress. */
export function spawnPgDump(path: string, args: readonly string[], env: NodeJS.ProcessEnv, onTable: (qualifiedName: string) => void): DumpProcess {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(path, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const table = TABLE_LINE.exec(line);
      if (table) onTable(table[1]!);
      else if (!/^pg_dump: (reading|identifying|finding|flagging|saving|dumping|last built-in|processing|creating|setting owner)/.test(line)) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    }
  });
  const exited = new Promise<DumpExit>((resolve) => {
    child.on('error', (error) => {
      tail.push(`could not start pg_dump: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      if (partial) tail.push(partial);
      resolve({ code, signal, errorTail: redact(tail.filter(Boolean).join('\n')) });
    });
  });
  return { pid: child.pid, stdout: child.stdout, exited, kill: () => child.kill('SIGTERM') };
}
