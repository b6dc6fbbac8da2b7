import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isServerOf, removeOrphanedCluster } from '../../src-main/core/pgtools/postmaster';
import { tempDir } from '../helpers/tmp';

// The cleanup after a process that died with a scratch server running: the pid file left in the server's
// folder names a pid that may since belong to another process. Processes stand in for the server here; the
// real orphaned server is killed in test/faults/interrupted.test.ts.

const children: ChildProcess[] = [];
const work = tempDir('bw-orphan-');
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => work.cleanup());

/** A scratch cluster's folder whose pid file names `pid`. */
function leftover(name: string, pid: number): { base: string; data: string } {
  const base = join(work.dir, name);
  const data = join(base, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'postmaster.pid'), `${pid}\n${data}\n1764230400\n5432\n/sock\n\n  1234   5678\nready   \n`);
  return { base, data };
}

function start(args: string[], cwd = work.dir): ChildProcess {
  const child = spawn(args[0]!, args.slice(1), { cwd, stdio: 'ignore' });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) => new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

describe('removing an orphaned scratch cluster', () => {
  it('kills the process its pid file names when that process runs in the cluster folder, and removes the folder', async () => {
    const { base, data } = leftover('ours', 0);
    const server = start(['sleep', '60'], data);
    writeFileSync(join(data, 'postmaster.pid'), `${server.pid}\n${data}\n`);
    const signal = exited(server);
    removeOrphanedCluster(base);
    expect(await signal).toBe('SIGKILL');
    expect(existsSync(base)).toBe(false);
  });

  it('leaves alone another process that now has the pid (a recycled pid), and still removes the folder', async () => {
    const stranger = start(['sleep', '60']);
    const { base } = leftover('recycled', stranger.pid!);
    removeOrphanedCluster(base);
    await sleep(200);
    expect(running(stranger)).toBe(true);
    expect(existsSync(base)).toBe(false);
  });

  it('off Linux (no /proc to tell it by) nothing is killed: the server stops by itself once its folder is gone', () => {
    const { data } = leftover('elsewhere', 0);
    const server = start(['sleep', '60'], data);
    expect(isServerOf(server.pid!, data, 'linux')).toBe(true);
    expect(isServerOf(server.pid!, data, 'darwin')).toBe(false);
  });

  it('a pid that no longer runs is left alone', () => {
    const { data } = leftover('gone', 0);
    expect(isServerOf(2 ** 22 + 1, data)).toBe(false);
  });
});
