import { randomBytes } from 'node:crypto';
import { accessSync, appendFileSync, chownSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { freemem, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultCacheDir } from '../dataDir';
import { WardenError } from '../errors';
import { choosePgTool } from '../pgtools/discovery';
import { killPostmaster, postmasterPid, postmasterReady, quitPostmaster } from '../pgtools/postmaster';
import { runTool, spawnTool, toolFailure, type ToolProcess } from '../util/runTool';
import { initCluster } from './clusterTemplate';
import { bubblewrapPrefix, findBubblewrap, joinNetworkPrefix } from './osSandbox';
import type { PgTarget } from '../pg/connect';

/**
 * A throwaway PostgreSQL for restore rehearsals (and tests): reachable only through a private 0700
 * Unix socket directory (TCP on loopback where the platform has no Unix sockets), run by a dedicated
 * OS account when this process is root. stop() removes every trace.
 */
export interface ScratchCluster {
  /** The bootstrap superuser. Its name is random, so nothing in a dump can name it (own to it, grant it). */
  target: PgTarget & { password: string };
  major: number;
  dataDir: string;
  /** What keeps the server apart from this machine, for the report. */
  isolation: string;
  /** pg_restore's way in over loopback TCP inside the sandbox's own network (loopbackRoute); null: the socket. */
  loopback: LoopbackRoute | null;
  stop(): Promise<void>;
}

/** A client reaches the server at host:port when run through `wrap` (an argv prefix that joins the sandbox's network). */
export interface LoopbackRoute {
  host: string;
  port: number;
  wrap: string[];
}

export interface ScratchOptions {
  /** Lowest server major acceptable (a dump restores into the same or a newer major). */
  minMajor?: number;
  binDir?: string;
  /** Folders to look in first (the project's and the installation's tools folder). */
  prefer?: readonly string[];
  /** Name of the bootstrap superuser (default: random). The practice server uses Supabase's, supabase_admin. */
  superuser?: string;
  /** Listen on loopback TCP: for a cluster that plays a remote production server (tests, the practice demo), never for a rehearsal. */
  tcp?: boolean;
  /** Stops the start-up; the half-made server is removed. */
  signal?: AbortSignal;
  /** About how much data a rehearsal will restore: when it fits in memory with room to spare, the server's files live there (scratchPlacement). */
  expectedBytes?: number;
  /** OS user to run the server as when this process is root (postgres refuses root); created when missing. */
  rootRunAs?: string;
  /** Cache folder of pristine clusters this one is copied from (initCluster); default the app's cache, null: initdb. */
  templates?: string | null;
}

/** The account scratch servers run as when Backup Warden runs as root: owns nothing, has no home, no keychain. */
export const SANDBOX_ACCOUNT = 'bw-sandbox';
const UNIX_SOCKETS = process.platform !== 'win32';

export async function startScratchCluster(options: ScratchOptions = {}): Promise<ScratchCluster> {
  const initdb = await choosePgTool('initdb', { minMajor: options.minMajor, dir: options.binDir, prefer: options.prefer });
  const pgCtl = join(initdb.dir, 'pg_ctl');
  const runAs = process.getuid?.() === 0 ? (options.rootRunAs ?? SANDBOX_ACCOUNT) : null;
  const owner = runAs ? await ensureAccount(runAs) : null;

  const tcp = options.tcp === true || !UNIX_SOCKETS;
  // A rehearsal server runs inside bubblewrap where it works; a server that plays production (tcp) does not.
  const sandboxed = tcp ? Promise.resolve(null) : findBubblewrap(runAs);
  // A server that plays production stays on disk; a rehearsal's throwaway data goes to memory when it fits.
  const inMemory = !tcp && options.expectedBytes !== undefined && scratchPlacement(options.expectedBytes, memoryRoom()) === 'memory';
  const base = mkdtempSync(join(inMemory ? MEMORY_FS : tmpdir(), 'bw-scratch-'));
  const dataDir = join(base, 'data');
  const socketDir = join(base, 'socket');
  const superuser = options.superuser ?? `bw_admin_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(24).toString('base64url');
  let started = false;
  /** The server in the foreground (Unix): this process's child, or the sandbox's, through runuser and bwrap. */
  let foreground: ToolProcess | null = null;

  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      if (UNIX_SOCKETS) await quitPostmaster(dataDir);
      else await runTool(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '60'], { runAs }).catch(() => killPostmaster(dataDir));
    }
    if (foreground) {
      // Whatever is left — a server that never became ready, runuser and bubblewrap around it — ends with its process group.
      const server = foreground;
      foreground = null;
      killGroup(server);
      server.child.ref(); // this process waits for it now
      await server.exited;
    }
    rmSync(base, { recursive: true, force: true });
  };

  try {
    if (owner) chownSync(base, owner.uid, owner.gid);
    mkdirSync(socketDir, { mode: 0o700 });
    if (owner) chownSync(socketDir, owner.uid, owner.gid);
    await initCluster({ initdb, dataDir, superuser, password, runAs, owner, templates: options.templates === undefined ? join(defaultCacheDir(), 'scratch-templates') : options.templates, signal: options.signal });
    const bwrap = await sandboxed;

    // The socket directory is private (0700, this account's or the sandbox account's): no TCP port for
    // other local users to reach. Inside bubblewrap, under the sandbox account, the server also listens on
    // loopback, which is the sandbox's own: only what joins its network reaches it (loopbackRoute). The port
    // number then names the socket file.
    const port = tcp ? await freePort() : 5432;
    const joinable = bwrap !== null;
    // Scratch data is disposable: trade durability for speed. No autovacuum: nothing of the restored
    // content runs in the background while the rehearsal compares it. A rehearsal server also takes
    // wal_level=minimal, so that pg_restore's parallel COPY into a table it created (TRUNCATE first, same
    // transaction) and its index builds skip the WAL, and index builds get more memory; a server that plays
    // production (tcp) keeps production's WAL.
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      [
        `port = ${port}`,
        `listen_addresses = '${tcp || joinable ? '127.0.0.1' : ''}'`,
        `unix_socket_directories = '${UNIX_SOCKETS ? socketDir : ''}'`,
        'unix_socket_permissions = 0700',
        'autovacuum = off',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        // In memory, the WAL counts against the room scratchPlacement keeps.
        `max_wal_size = ${inMemory ? '1GB' : '4GB'}`,
        'logging_collector = off',
        ...(tcp ? [] : ['wal_level = minimal', 'max_wal_senders = 0', 'shared_buffers = 256MB', 'maintenance_work_mem = 256MB']),
        '',
      ].join('\n'),
    );
    // The server pg_ctl would start: beside pg_ctl's real path (an installation's initdb may be a wrapper script elsewhere).
    const postgres = join(dirname(realpathSync(pgCtl)), 'postgres');
    const wrap = bwrap ? bubblewrapPrefix(bwrap, base, dirname(postgres)) : undefined;
    if (UNIX_SOCKETS) {
      // In the foreground, not daemonized by pg_ctl: the sandbox's process namespace ends with its first process.
      const log = openSync(join(base, 'server.log'), 'a', 0o600);
      try {
        // A process group of its own (as pg_ctl's setsid): a Ctrl-C at the terminal reaches this process, which stops it.
        foreground = spawnTool(postgres, ['-D', dataDir], { runAs, wrap, stdout: log, stderr: log, signal: options.signal, noTerminal: true });
      } finally {
        closeSync(log);
      }
      // Like the daemon pg_ctl starts, it does not keep this process alive: stop() ends it.
      foreground.child.unref();
      await readyOrEnded(dataDir, foreground);
    } else {
      const starting = runTool(pgCtl, ['start', '-D', dataDir, '-l', join(base, 'server.log'), '-w', '-t', '120'], { runAs, wrap, timeoutMs: 150_000, signal: options.signal });
      // Ready when the server says so, not at pg_ctl's next look; once it is, how pg_ctl ends changes nothing.
      await Promise.race([starting, postmasterReady(dataDir, starting)]);
      starting.catch(() => {});
    }
    started = true;
    const loopback = joinable ? await loopbackRoute(dataDir, port) : null;
    const isolation = [
      tcp ? 'TCP on 127.0.0.1' : `a private 0700 socket folder, no TCP${loopback ? " outside the sandbox (pg_restore joins the sandbox's network to reach its loopback)" : ''}`,
      runAs ? `OS account ${runAs}` : "the operator's OS account",
      bwrap ? "bubblewrap: no network, no /tmp, home folders or /run, none of this machine's processes in sight" : 'no OS sandbox (bubblewrap not available)',
      ...(inMemory ? ['its files in memory (tmpfs), gone when it stops'] : []),
    ].join('; ');
    return {
      target: { host: tcp ? '127.0.0.1' : socketDir, port, database: 'postgres', user: superuser, password, sslmode: 'disable' },
      major: initdb.major,
      dataDir,
      isolation,
      loopback,
      stop,
    };
  } catch (error) {
    const log = readLog(join(base, 'server.log'));
    await stop();
    if (error instanceof WardenError && (error.code === 'TOOL_MISSING' || error.code === 'CANCELLED')) throw error;
    throw new WardenError('INTERNAL', `Could not start a scratch PostgreSQL: ${error instanceof Error ? error.message : String(error)}${log}`, { cause: error });
  }
}

/** How long a server may take to say it is ready (pg_ctl start's -t). */
const START_TIMEOUT_MS = 120_000;

/** Resolves once the server in the foreground is ready; fails, with what it logged, if it ends or takes too long first. */
async function readyOrEnded(dataDir: string, server: ToolProcess): Promise<void> {
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), killGroup(server)), START_TIMEOUT_MS);
  try {
    if (await postmasterReady(dataDir, server.exited)) return;
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new WardenError('INTERNAL', `postgres did not say it was ready within ${START_TIMEOUT_MS / 1000} s, and was stopped`);
  throw toolFailure('postgres', await server.exited);
}

/**
 * SIGKILL to the process group a server was started in (noTerminal): runuser and the outer bubblewrap with it,
 * whose end ends the sandbox (--die-with-parent) — killing runuser alone would leave bubblewrap running.
 */
function killGroup(server: ToolProcess): void {
  // Its leader gone, the group's number may be another's.
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  try {
    process.kill(-server.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * pg_restore's way to a sandboxed server: loopback TCP inside the sandbox's network, joined with nsenter
 * (joinNetworkPrefix).
 * Through the Unix socket the send buffer keeps the kernel's default size (net.core.wmem_default, 208 KiB
 * here: about a millisecond of what a loading server reads), so whenever pg_restore waits for a core
 * behind the decryption the server runs dry; TCP's buffers grow. Used only once the join works and the
 * server listens there (its socket in that network's /proc/net/tcp); null otherwise: the Unix socket.
 */
async function loopbackRoute(dataDir: string, port: number): Promise<LoopbackRoute | null> {
  const pid = postmasterPid(dataDir);
  const wrap = pid === null ? null : joinNetworkPrefix(pid);
  if (!wrap) return null;
  try {
    const { stdout } = await runTool('cat', ['/proc/net/tcp'], { wrap, timeoutMs: 10_000 });
    // 127.0.0.1 as the kernel prints it (little-endian hex), the port in big-endian hex; 0A: listening.
    const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    const listening = stdout.split('\n').some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === local && fields[3] === '0A';
    });
    return listening ? { host: '127.0.0.1', port, wrap } : null;
  } catch {
    return null;
  }
}

/** Linux's memory-backed file system for throwaway files. */
const MEMORY_FS = '/dev/shm';
/** Beyond the restored data: catalogs, the WAL (max_wal_size 1GB there) and the server's working files. */
const MEMORY_MARGIN = 1.5 * 1024 ** 3;

/**
 * Where a rehearsal server keeps its files: in memory when the restored data (about `bytes`, indexes
 * included; half again for what a restore writes besides) and the margin take at most half of what is
 * free both in memory and in the memory file system; on disk otherwise. This machine's disk makes
 * initdb's thousand files slow (0.9–1.3 s, 0.36 s in memory): a rehearsal of a 1 GiB backup ends
 * about 1.2 s sooner there (measured).
 */
export function scratchPlacement(bytes: number, room: { memory: number; fileSystem: number } | null): 'memory' | 'disk' {
  if (!room) return 'disk';
  const need = bytes * 1.5 + MEMORY_MARGIN;
  return need <= room.memory / 2 && need <= room.fileSystem / 2 ? 'memory' : 'disk';
}

/** Free memory and free space in the memory file system; null where there is none this process can write. */
function memoryRoom(): { memory: number; fileSystem: number } | null {
  if (process.platform !== 'linux') return null;
  try {
    accessSync(MEMORY_FS, constants.W_OK);
    const fs = statfsSync(MEMORY_FS);
    return { memory: freemem(), fileSystem: fs.bavail * fs.bsize };
  } catch {
    return null;
  }
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await runTool('id', ['-u', name])).stdout.trim());
    const gid = Number((await runTool('id', ['-g', name])).stdout.trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** The OS account a root process runs scratch servers as: a system account of its own, created once. */
async function ensureAccount(name: string): Promise<{ uid: number; gid: number }> {
  const existing = await lookupUser(name);
  if (existing) return existing;
  try {
    await runTool('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  } catch (error) {
    // Another process may have created it meanwhile.
    const raced = await lookupUser(name);
    if (raced) return raced;
    throw new WardenError(
      'FORBIDDEN',
      `Running as root (${userInfo().username}): PostgreSQL refuses to run as root, and the account "${name}" to run it as could not be created (${error instanceof Error ? error.message : String(error)}). ` +
        'Run Backup Warden as an ordinary user, or create that account.',
      { cause: error },
    );
  }
  return (await lookupUser(name))!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function readLog(file: string): string {
  try {
    const tail = readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
    return tail ? `\nserver log:\n${tail}` : '';
  } catch {
    return '';
  }
}
