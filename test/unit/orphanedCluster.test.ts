import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postmasterPid, removeOrphanedCluster } from '../../src-main/core/pgtools/postmaster';
import { tempDir } from '../helpers/tmp';

// The server of a scratch cluster's folder, told on Linux by the process that runs there — not by the pid its
// pid file names, which is the number a sandbox's process namespace gave it, and which after a crash may
// belong to any other process. Stand-ins named postgres (copies of sleep and bash) play the server here; the
// real server is found and stopped in test/integration/scratchSandbox.test.ts and test/faults/interrupted.test.ts.

const children: ChildProcess[] = [];
const work = tempDir('bw-orphan-');
const bin = join(work.dir, 'bin');
mkdirSync(bin);
copyFileSync('/bin/bash', join(bin, 'postgres'));
copyFileSync('/bin/sleep', join(bin, 'sleep-as-postgres'));
mkdirSync(join(bin, 'sleeper'));
copyFileSync('/bin/sleep', join(bin, 'sleeper', 'postgres'));
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => work.cleanup());

/** A scratch cluster's folder whose pid file names `pid`. */
function leftover(name: string, pid = 4242): { base: string; data: string } {
  const base = join(work.dir, name);
  const data = join(base, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'postmaster.pid'), `${pid}\n${data}\n1764230400\n5432\n/sock\n\n  1234   5678\nready   \n`);
  return { base, data };
}

async function start(command: string, args: string[], cwd = work.dir): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd, stdio: 'ignore' });
  children.push(child);
  await sleep(100); // exec'd
  return child;
}

const exited = (child: ChildProcess) => new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

describe.runIf(process.platform === 'linux')('the server of a scratch cluster folder', () => {
  it('is the postgres process running in the folder whose parent is not: a child of it is not the server', async () => {
    const { data } = leftover('parent-child');
    // A "postmaster" (bash named postgres) with a child of the same name, both in the folder.
    const server = await start(join(bin, 'postgres'), ['-c', `${join(bin, 'sleeper', 'postgres')} 60 & wait`], data);
    expect(postmasterPid(data)).toBe(server.pid);
  });

  it('is not whichever process has the pid its pid file names (a recycled pid, or a sandbox’s own numbering)', async () => {
    const stranger = await start('sleep', ['60']);
    const { base, data } = leftover('recycled', stranger.pid!);
    expect(postmasterPid(data)).toBeNull();
    removeOrphanedCluster(base);
    await sleep(200);
    expect(running(stranger)).toBe(true);
    expect(existsSync(base)).toBe(false);
  });

  it('an orphaned server is killed and its folder removed', async () => {
    const { base, data } = leftover('orphan');
    const server = await start(join(bin, 'sleeper', 'postgres'), ['60'], data);
    const signal = exited(server);
    removeOrphanedCluster(base);
    expect(await signal).toBe('SIGKILL');
    expect(existsSync(base)).toBe(false);
  });

  it('a process of another name running in the folder is not the server', async () => {
    const { data } = leftover('other-name');
    await start(join(bin, 'sleep-as-postgres'), ['60'], data);
    expect(postmasterPid(data)).toBeNull();
  });
});
