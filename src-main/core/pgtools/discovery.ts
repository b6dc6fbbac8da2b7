import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { WardenError } from '../errors';
import { runTool } from '../util/runTool';

export interface PgToolDir {
  dir: string;
  major: number;
  version: string;
}

export const EXE = process.platform === 'win32' ? '.exe' : '';

/** Directories that may hold PostgreSQL client/server tools, most specific first. */
function candidateDirs(): string[] {
  const globbed = (parent: string, child: (name: string) => string): string[] => {
    try {
      return readdirSync(parent).map((name) => join(parent, child(name)));
    } catch {
      return [];
    }
  };
  return [
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    ...globbed('/usr/lib/postgresql', (v) => join(v, 'bin')), // Debian/Ubuntu
    ...globbed('/usr', (n) => (n.startsWith('pgsql-') ? join(n, 'bin') : '.nope')), // RHEL/Fedora PGDG
    '/opt/homebrew/opt/libpq/bin',
    '/usr/local/opt/libpq/bin',
    ...globbed('/opt/homebrew/opt', (n) => (n.startsWith('postgresql@') ? join(n, 'bin') : '.nope')),
    ...globbed('/usr/local/opt', (n) => (n.startsWith('postgresql@') ? join(n, 'bin') : '.nope')),
    ...globbed('/Applications/Postgres.app/Contents/Versions', (v) => join(v, 'bin')),
    ...globbed('C:\\Program Files\\PostgreSQL', (v) => join(v, 'bin')),
  ];
}

/** `--version` of each executable seen, by real path and modification time: each call probed every candidate again. */
const versions = new Map<string, Promise<string | null>>();

function versionOf(exe: string, real: string): Promise<string | null> {
  const key = `${real}\0${statSync(real).mtimeMs}`;
  let version = versions.get(key);
  if (!version) {
    version = runTool(exe, ['--version'], { timeoutMs: 10_000 }).then(
      ({ stdout }) => {
        const match = /(\d+)(?:\.(\d+))?/.exec(stdout);
        return match ? `${match[1]}${match[2] ? `.${match[2]}` : ''}` : null;
      },
      () => null, // A broken install is not a candidate.
    );
    versions.set(key, version);
  }
  return version;
}

/**
 * Every distinct installation that has `tool`, with its version, highest major first. Of one major, a
 * real binary goes before Debian's pg_wrapper (/usr/bin/pg_dump): the wrapper picks a version by its own
 * rules (PGCLUSTER, ~/.postgresqlrc) and starts Perl before every run.
 */
export async function findPgToolDirs(tool: string, dirs: readonly string[] = candidateDirs()): Promise<PgToolDir[]> {
  const seen = new Set<string>();
  const candidates: { dir: string; exe: string; real: string }[] = [];
  for (const dir of dirs) {
    const exe = join(dir, tool + EXE);
    if (!existsSync(exe)) continue;
    // One installation reached through several folders (/bin → /usr/bin) is one candidate.
    const real = realpathSync(exe);
    if (seen.has(dir) || seen.has(real)) continue;
    seen.add(dir).add(real);
    candidates.push({ dir, exe, real });
  }
  // Probed at once: Debian's wrapper starts Perl, which took as long as the rest of the search.
  const probed = await Promise.all(candidates.map((c) => versionOf(c.exe, c.real)));
  return candidates
    .flatMap(({ dir, real }, i) => {
      const version = probed[i];
      return version ? [{ dir, major: Number.parseInt(version, 10), version, wrapper: basename(real) === 'pg_wrapper' }] : [];
    })
    .sort((a, b) => b.major - a.major || Number(a.wrapper) - Number(b.wrapper))
    .map(({ wrapper: _, ...d }) => d);
}

/**
 * The installation to use for `tool`: only `dir` when given; else the first of the `prefer`red folders
 * (the project's, then the installation's tools folder) that has a fitting one; else the highest major
 * ≥ minMajor found on PATH and in the usual install folders.
 */
export const choosePgTool = (tool: string, options: { minMajor?: number; dir?: string; prefer?: readonly string[] } = {}): Promise<PgToolDir & { path: string }> =>
  discoverPgTool(tool, options)(options.minMajor ?? 0);

/**
 * choosePgTool in two steps: the search starts now (it runs each candidate's `--version`), the choice is made
 * once the server's major is known — a backup searches while it connects.
 */
export function discoverPgTool(tool: string, options: { dir?: string; prefer?: readonly string[] } = {}): (minMajor: number) => Promise<PgToolDir & { path: string }> {
  const prefer = options.dir ? [] : (options.prefer ?? []);
  const found = findPgToolDirs(tool, options.dir ? [options.dir] : [...prefer, ...candidateDirs()]);
  found.catch(() => {}); // reported to the caller that chooses; a backup that fails to connect never does
  return async (minMajor) => {
    const all = await found;
    const fit = pick(all, minMajor, prefer);
    if (fit) return { ...fit, path: join(fit.dir, tool + EXE) };
    const seen = all.length ? `found ${all.map((d) => `${d.version} in ${d.dir}`).join(', ')}` : 'none found';
    throw new WardenError('TOOL_MISSING', `${tool} ${minMajor ? `version ${minMajor} or newer ` : ''}is required (${seen}). ${installAdvice(tool, minMajor)}`);
  };
}

/**
 * Whether this workstation can back up and rehearse a server of `serverMajor`: pg_dump and pg_restore of
 * that major or newer, and initdb for the scratch server; with what to install for those that do not fit.
 */
export async function toolsFor(serverMajor: number, prefer: readonly string[] = []): Promise<{ tools: { tool: string; version: string | null; dir: string | null; usable: boolean }[]; advice: string | null }> {
  const tools = await Promise.all(
    ['pg_dump', 'pg_restore', 'initdb'].map(async (tool) => {
      const all = await findPgToolDirs(tool, [...prefer, ...candidateDirs()]);
      const best = pick(all, serverMajor, prefer) ?? all[0];
      return { tool, version: best?.version ?? null, dir: best?.dir ?? null, usable: best !== undefined && best.major >= serverMajor };
    }),
  );
  const missing = tools.filter((t) => !t.usable);
  if (!missing.length) return { tools, advice: null };
  const names = missing.map((t) => `${t.tool}${t.version ? ` (found ${t.version})` : ''}`).join(', ');
  const client = missing.find((t) => !SERVER_TOOLS.has(t.tool));
  const server = missing.find((t) => SERVER_TOOLS.has(t.tool));
  return {
    tools,
    advice:
      `The server runs PostgreSQL ${serverMajor}: backup and rehearsal need ${serverMajor} or newer of ${names}. ` +
      [client ? installAdvice(client.tool, serverMajor) : '', server ? installAdvice(server.tool, serverMajor) : ''].filter(Boolean).join(' '),
  };
}

/** Among installations found (one discovery pass): the first preferred folder's that fits, else the highest major ≥ minMajor. */
function pick(found: readonly PgToolDir[], minMajor: number, prefer: readonly string[]): PgToolDir | undefined {
  for (const dir of prefer) {
    const own = found.find((d) => d.dir === dir);
    if (own && own.major >= minMajor) return own;
  }
  return found.find((d) => d.major >= minMajor);
}

/** Every installation of the tools Backup Warden runs, found in `prefer` and by discovery, newest first. */
export async function detectPgTools(prefer: readonly string[] = []): Promise<{ tool: string; version: string; dir: string }[]> {
  const found = await Promise.all(
    ['pg_dump', 'pg_restore', 'initdb'].map(async (tool) => (await findPgToolDirs(tool, [...prefer, ...candidateDirs()])).map((d) => ({ tool, version: d.version, dir: d.dir }))),
  );
  return found.flat();
}

/** A tools folder the operator names must exist and hold at least one PostgreSQL tool Backup Warden runs. */
export function checkToolsDir(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new WardenError('VALIDATION', `The PostgreSQL tools folder ${dir} does not exist or is not a folder.`);
  if (!['pg_dump', 'pg_restore', 'initdb'].some((t) => existsSync(join(dir, t + EXE)))) {
    throw new WardenError('VALIDATION', `${dir} holds none of pg_dump, pg_restore or initdb: choose the bin folder of a PostgreSQL installation (such as /usr/lib/postgresql/17/bin).`);
  }
}

/** Server tools (initdb, pg_ctl) come with the server package, not the client; a release may lack a major. */
const SERVER_TOOLS = new Set(['initdb', 'pg_ctl', 'postgres']);

function installAdvice(tool: string, minMajor: number): string {
  const n = minMajor || 'NN';
  const where = SERVER_TOOLS.has(tool)
    ? `${tool} comes with the PostgreSQL server package, not the client tools: Debian/Ubuntu postgresql-${n}; macOS brew install postgresql@${n} or Postgres.app; Windows the EDB installer.`
    : `Install the PostgreSQL ${minMajor || ''} client tools: Debian/Ubuntu postgresql-client-${n}; macOS brew install libpq or postgresql@${n}; Windows the EDB installer (Command Line Tools).`;
  return (
    `${where} When your Debian or Ubuntu release does not package PostgreSQL ${n}, add the PostgreSQL project's own apt repository (PGDG) first. ` +
    'Backup Warden looks in the project’s and the installation’s PostgreSQL tools folder (Settings; CLI: settings set --tools-dir), then on PATH and in the usual install folders.'
  );
}
