import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { cancelledError, WardenError } from '../errors';
import { redact } from './redact';

// The one process layer: every external tool (pg_dump, pg_restore, pg_dumpall, initdb, pg_ctl,
// pg_amcheck, bwrap, useradd) starts here — an argument array, never a shell; an environment the
// caller chose (secrets travel in 0600 files, never in argv or the environment); a signal that stops it;
// a timeout; stderr kept for the caller, and failures described by a redacted tail.

export interface RunOptions {
  /** Run as this OS user via runuser (PostgreSQL server tools refuse to run as root). */
  runAs?: string | null;
  /** An argv prefix the command runs inside (a sandbox such as bubblewrap). */
  wrap?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Killed (SIGKILL) after this long; none for streaming work that ends when its input does. */
  timeoutMs?: number;
  /** Stops the tool when aborted; the call then fails with CANCELLED. */
  signal?: AbortSignal;
}

export interface SpawnOptions extends RunOptions {
  /** pipe: the caller writes the tool's input; a stream with a descriptor (another tool's stdout): joined at the OS level, never through this process. */
  stdin?: 'pipe' | 'ignore' | Readable;
  /** pipe: the caller reads the tool's output as a stream; a file descriptor: the tool writes there itself. */
  stdout?: 'pipe' | 'ignore' | number;
  /** A file descriptor the tool writes its stderr to itself (a server's log); ToolExit.stderr is then empty. */
  stderr?: number;
  /** Signal on abort (default SIGKILL): pg_dump and pg_restore get SIGTERM to end their sessions. */
  killSignal?: NodeJS.Signals;
  /** Each stderr line as it arrives (pg_dump --verbose progress). */
  onStderrLine?: (line: string) => void;
  /** Keep all of stderr for ToolExit (default); off for chatty tools whose lines the caller reads as they come. */
  keepStderr?: boolean;
  /** In a new session without a controlling terminal, so the tool cannot stop to prompt on it (ssh-keygen). */
  noTerminal?: boolean;
}

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything the tool wrote to stderr (not redacted: the caller parses it, and redacts what it shows). */
  stderr: string;
  /** The process could not start (ENOENT…). */
  spawnError: NodeJS.ErrnoException | null;
  cancelled: boolean;
}

export interface ToolProcess {
  child: ChildProcess;
  stdin: Writable | null;
  stdout: Readable | null;
  exited: Promise<ToolExit>;
}

export const toolName = (command: string): string => command.split('/').pop()!;

/** Starts a tool; `exited` settles (never rejects) once it is gone. */
export function spawnTool(command: string, args: readonly string[], options: SpawnOptions = {}): ToolProcess {
  const inner = [...(options.wrap ?? []), command, ...args];
  const [cmd, argv] = options.runAs ? ['runuser', ['-u', options.runAs, '--', ...inner]] : [inner[0]!, inner.slice(1)];
  const child = spawn(cmd, argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', options.stderr ?? 'pipe'],
    timeout: options.timeoutMs,
    killSignal: options.killSignal ?? 'SIGKILL',
    signal: options.signal,
    detached: options.noTerminal ?? false,
  });
  const err: Buffer[] = [];
  let partial = '';
  child.stderr?.on('data', (b: Buffer) => {
    if (options.keepStderr !== false) err.push(b);
    if (!options.onStderrLine) return;
    const lines = (partial + b.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onStderrLine(line);
  });
  let spawnError: NodeJS.ErrnoException | null = null;
  child.on('error', (error: NodeJS.ErrnoException) => {
    if (error.name !== 'AbortError') spawnError = error;
  });
  const exited = new Promise<ToolExit>((resolve) => {
    child.on('close', (code, signal) => {
      if (partial) options.onStderrLine?.(partial);
      resolve({ code, signal, stderr: Buffer.concat(err).toString('utf8'), spawnError, cancelled: options.signal?.aborted === true });
    });
  });
  return { child, stdin: child.stdin, stdout: child.stdout, exited };
}

/** The last `lines` lines a tool wrote to stderr, redacted, for an error message. */
export const stderrTail = (stderr: string, lines: number, separator = ' '): string => redact(stderr.trim().split('\n').slice(-lines).join(separator));

/** Why a tool failed, in the operator's terms; CANCELLED when it was stopped on purpose. */
export function toolFailure(command: string, exit: ToolExit): WardenError {
  if (exit.cancelled) return cancelledError(toolName(command), exit.spawnError ?? undefined);
  if (exit.spawnError?.code === 'ENOENT') return new WardenError('TOOL_MISSING', `${toolName(command)} was not found. Install it or check the configured path.`, { cause: exit.spawnError });
  if (exit.spawnError) return new WardenError('INTERNAL', `${toolName(command)} could not be started: ${redact(exit.spawnError.message)}`, { cause: exit.spawnError });
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  const tail = stderrTail(exit.stderr, 5, '\n');
  return new WardenError('INTERNAL', `${toolName(command)} ${how}${tail ? `: ${tail}` : ''}`);
}

/** Runs a tool to its end, `input` on its stdin, and returns its output; fails with its stderr tail, redacted. */
export async function runTool(command: string, args: readonly string[], options: RunOptions & { input?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  const tool = spawnTool(command, args, { ...options, stdin: options.input === undefined ? 'ignore' : 'pipe', timeoutMs: options.timeoutMs ?? 120_000 });
  // A tool that ends without reading all of its input fails on its own terms (its exit), not with EPIPE.
  tool.stdin?.on('error', () => {});
  tool.stdin?.end(options.input);
  const out: Buffer[] = [];
  tool.stdout!.on('data', (b: Buffer) => out.push(b));
  const exit = await tool.exited;
  if (exit.code !== 0 || exit.cancelled || exit.spawnError) throw toolFailure(command, exit);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: exit.stderr };
}
