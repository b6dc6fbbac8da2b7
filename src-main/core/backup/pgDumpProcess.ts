import type { Readable } from 'node:stream';
import { logLine } from '../pgtools/logLine';
import { redact } from '../util/redact';
import { spawnTool } from '../util/runTool';

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

const TABLE_LINE = /^dumping contents of table "([^"]+)"/;
/** A parallel dump's leader, once a job has written (and closed) an item's data. */
const FINISHED_LINE = /^finished item (\d+) TABLE DATA /;

/** Starts pg_dump through the process layer and turns its --verbose stderr into per-table progress (and, with --jobs, finished items). */
export function spawnPgDump(
  path: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  on: { table(qualifiedName: string): void; itemFinished?(dumpId: number): void },
): DumpProcess {
  const tail: string[] = [];
  const tool = spawnTool(path, args, {
    env,
    keepStderr: false,
    killSignal: 'SIGTERM',
    onStderrLine: (line) => {
      // Parallel jobs may interleave the pieces of their lines (logLine): progress is read from the message alone.
      const { message } = logLine(line);
      const table = TABLE_LINE.exec(message);
      const finished = FINISHED_LINE.exec(message);
      if (table) on.table(table[1]!);
      else if (finished) on.itemFinished?.(Number(finished[1]));
      else if (!/^(reading|identifying|finding|flagging|saving|dumping|last built-in|processing|creating|setting owner|finished)/.test(message)) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    },
  });
  const exited = tool.exited.then((exit): DumpExit => {
    if (exit.spawnError) tail.push(`could not start pg_dump: ${exit.spawnError.message}`);
    return { code: exit.code, signal: exit.signal, errorTail: redact(tail.filter(Boolean).join('\n')) };
  });
  return { pid: tool.child.pid, stdout: tool.stdout!, exited, kill: () => tool.child.kill('SIGTERM') };
}
