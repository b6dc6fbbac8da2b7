import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
/**
 * The CLI as installed — the bundle `npm run build` writes, run as an executable so its #! line (and the
 * node flags in it) applies as it does for users — or straight from source through tsx.
 */
export const cliEntry = { bundle: [join(root, 'out/cli/backup-warden.js')], source: [process.execPath, '--import', 'tsx', join(root, 'src-main/cli/main.ts')] } as const;

export interface CliOptions {
  dataDir?: string;
  input?: string;
  entry?: keyof typeof cliEntry;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts backup-warden in a child process; `done` settles when it exits. */
export function spawnCli(args: string[], options: CliOptions = {}): { child: ChildProcessWithoutNullStreams; done: Promise<CliResult> } {
  const [command, ...entryArgs] = cliEntry[options.entry ?? 'source'];
  const argv = [...entryArgs, ...(options.dataDir ? ['--data-dir', options.dataDir] : []), ...args];
  const child = spawn(command!, argv, { cwd: options.cwd ?? root, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => stdout.push(b));
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  child.stdin.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
  return { child, done };
}

export const runCli = (args: string[], options: CliOptions = {}): Promise<CliResult> => spawnCli(args, options).done;
