import { spawn } from 'node:child_process';
import { cancelledError, WardenError } from '../errors';
import { redact } from './redact';

export interface RunOptions {
  /** Run as this OS user via runuser (PostgreSQL server tools refuse to run as root). */
  runAs?: string | null;
  /** An argv prefix the command runs inside (a sandbox such as bubblewrap). */
  wrap?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Stops the tool (SIGKILL) when aborted; the call then fails with CANCELLED. */
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Spawns a tool with an argument array (never a shell) and fails with its stderr tail, redacted. */
export function runTool(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const inner = [...(options.wrap ?? []), command, ...args];
  const [cmd, argv] = options.runAs ? ['runuser', ['-u', options.runAs, '--', ...inner]] : [inner[0]!, inner.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL',
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (options.signal?.aborted) return reject(cancelledError(command.split('/').pop()!, error));
      reject(
        error.code === 'ENOENT'
          ? new WardenError('TOOL_MISSING', `${cmd} was not found. Install it or check the configured path.`, { cause: error })
          : error,
      );
    });
    child.on('close', (code, signal) => {
      if (options.signal?.aborted) return reject(cancelledError(command.split('/').pop()!));
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ stdout, stderr });
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      const tail = redact(stderr.trim().split('\n').slice(-5).join('\n'));
      reject(new WardenError('INTERNAL', `${command.split('/').pop()} ${how}${tail ? `: ${tail}` : ''}`));
    });
  });
}
