import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chownSync, constants, existsSync, lstatSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { copyFile, lchown, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { WardenError } from '../errors';
import { EXE } from '../pgtools/discovery';
import { makeFolders } from '../util/makeFolders';
import { runTool } from '../util/runTool';

// initdb takes 0.36 s in memory (0.9–1.3 s on this machine's disk), most of it running the SQL that fills
// template1; copying its result takes 0.03 s. So initdb runs once per PostgreSQL installation, into a
// cache folder, and each scratch server starts from a copy of that pristine cluster, made its own before
// it starts: in single-user mode (no socket, nothing else connected) the bootstrap superuser takes the
// server's random name and a password that exists only in this process. The cache holds no secret: the
// password initdb was given is thrown away, and no copy keeps it.

export interface ClusterInit {
  initdb: { path: string; major: number; version: string };
  /** Must not exist yet; its parent is the scratch server's private folder. */
  dataDir: string;
  superuser: string;
  password: string;
  /** The OS account that runs the server (root runs it as a sandbox account), and its ids. */
  runAs: string | null;
  owner: { uid: number; gid: number } | null;
  /** The cache folder for pristine clusters; null: initdb every time. */
  templates: string | null;
  signal?: AbortSignal;
}

const INITDB_ARGS = ['--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'];
/** The template's bootstrap superuser; no copy keeps this name. */
const TEMPLATE_ROLE = 'bw_pristine_template';
/** Changes when what a template holds or how a copy is made its own changes: older templates are then not used. */
const TEMPLATE_FORMAT = 1;
/** Templates kept: one per PostgreSQL installation in use, the least recently used removed beyond this. */
const KEEP_TEMPLATES = 4;
/** A template build older than this was interrupted (initdb takes seconds): its folder is removed. */
const STALE_BUILD_MS = 3_600_000;

/** Makes `dataDir` a new cluster whose bootstrap superuser has the given name and password. */
export async function initCluster(init: ClusterInit): Promise<void> {
  const folder = init.templates === null ? null : usableFolder(init.templates);
  const name = folder && templateName(init.initdb.path, init.initdb.major, init.initdb.version);
  if (!folder || !name) return initdbInto(init, init.superuser, init.password);
  const template = join(folder, name);
  if (existsSync(template) && (await fromTemplate(init, template))) return;
  // No template yet, or a damaged one (removed): initdb makes this server as the template would be
  // (in the server's own folder, which the account that runs it can reach), the cache keeps a copy, and
  // then this server is made its own. A password nobody keeps: each copy gets its own.
  await initdbInto(init, TEMPLATE_ROLE, randomBytes(24).toString('base64url'));
  await keepTemplate(init, folder, template);
  await makeOwn(init);
}

/** Copies the template and makes it this server's; false (the template removed, to be built again) when that fails. */
async function fromTemplate(init: ClusterInit, template: string): Promise<boolean> {
  try {
    await copyCluster(template, init.dataDir, init.owner);
    await makeOwn(init);
    const now = new Date();
    utimesSync(template, now, now);
    return true;
  } catch (error) {
    if (error instanceof WardenError && error.code === 'CANCELLED') throw error;
    rmSync(init.dataDir, { recursive: true, force: true });
    rmSync(template, { recursive: true, force: true });
    return false;
  }
}

/** The SCRAM-SHA-256 verifier PostgreSQL keeps for a password (RFC 7677), so the password itself goes nowhere. Our passwords are ASCII: SASLprep leaves them as they are. */
function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${hmac(salted, 'Server Key').toString('base64')}`;
}

async function initdbInto(init: ClusterInit, superuser: string, password: string): Promise<void> {
  // The superuser password reaches initdb through a 0600 file, never argv.
  const pwfile = join(dirname(init.dataDir), 'pwfile');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  try {
    if (init.owner) chownSync(pwfile, init.owner.uid, init.owner.gid);
    await runTool(init.initdb.path, ['-D', init.dataDir, '-U', superuser, `--pwfile=${pwfile}`, ...INITDB_ARGS], { runAs: init.runAs, timeoutMs: 180_000, signal: init.signal });
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The cache folder, made when missing; null when it is not this account's alone (another account could plant a template there) or cannot be made. */
function usableFolder(folder: string): string | null {
  try {
    makeFolders(folder, 0o700);
    const s = lstatSync(folder);
    const mine = process.getuid === undefined || s.uid === process.getuid();
    return s.isDirectory() && mine && (s.mode & 0o022) === 0 ? folder : null;
  } catch {
    return null;
  }
}

/**
 * Names the installation: another build of initdb or postgres (an upgrade, another folder) gets a template of
 * its own. Null when postgres is not beside initdb (initdb is a wrapper script): that installation runs initdb.
 */
function templateName(initdbPath: string, major: number, version: string): string | null {
  try {
    const identity = [realpathSync(initdbPath), postgresBinary(initdbPath)].map((file) => {
      const s = statSync(file);
      return [file, s.size, s.mtimeMs, s.ino];
    });
    const key = createHash('sha256').update(JSON.stringify([TEMPLATE_FORMAT, version, identity, INITDB_ARGS])).digest('hex').slice(0, 16);
    return `pg${major}-${key}`;
  } catch {
    return null;
  }
}

/** The server binary beside initdb, where initdb itself finds it (symbolic links resolved). */
const postgresBinary = (initdbPath: string) => join(dirname(realpathSync(initdbPath)), 'postgres' + EXE);

/**
 * Copies a fresh cluster into the cache, whole or not at all: into a folder of its own, then renamed.
 * The cache only saves time: when it cannot take the copy, this server goes on without it.
 */
async function keepTemplate(init: ClusterInit, folder: string, template: string): Promise<void> {
  let building: string | null = null;
  try {
    building = mkdtempSync(join(folder, '.building-'));
    await copyCluster(init.dataDir, join(building, 'data'), init.owner);
    try {
      renameSync(join(building, 'data'), template);
    } catch (error) {
      if (!existsSync(template)) throw error; // else another start kept one meanwhile
    }
    prune(folder, template);
  } catch {
    // A full or read-only disk: the next start tries again.
  } finally {
    if (building) rmSync(building, { recursive: true, force: true });
  }
}

/** Removes interrupted builds and the templates used least recently beyond KEEP_TEMPLATES. */
function prune(folder: string, current: string): void {
  const entries = readdirSync(folder).map((name) => ({ name, path: join(folder, name), mtime: lstatSync(join(folder, name)).mtimeMs }));
  const stale = entries.filter((e) => e.name.startsWith('.building-') && Date.now() - e.mtime > STALE_BUILD_MS);
  const templates = entries.filter((e) => e.name.startsWith('pg') && e.path !== current).sort((a, b) => b.mtime - a.mtime);
  for (const e of [...stale, ...templates.slice(KEEP_TEMPLATES - 1)]) rmSync(e.path, { recursive: true, force: true });
}

/** Copies a cluster's folder: folders and regular files only, modes kept, owned by `owner` when given. */
async function copyCluster(from: string, to: string, owner: ClusterInit['owner']): Promise<void> {
  await mkdir(to, { mode: (await lstat(from)).mode & 0o777 });
  if (owner) await lchown(to, owner.uid, owner.gid);
  await Promise.all(
    (await readdir(from, { withFileTypes: true })).map(async (entry) => {
      const [source, target] = [join(from, entry.name), join(to, entry.name)];
      if (entry.isDirectory()) return copyCluster(source, target, owner);
      if (!entry.isFile()) throw new Error(`${source} is neither a file nor a folder`);
      await copyFile(source, target, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      if (owner) await lchown(target, owner.uid, owner.gid);
    }),
  );
}

/**
 * Gives the copy's bootstrap superuser the server's name and password, in single-user mode. A session
 * cannot rename its own user, so a passing role does it and is dropped; the password goes in as its
 * verifier. Any error ends the backend (exit_on_error) with a non-zero exit; statements are not logged.
 */
async function makeOwn(init: ClusterInit): Promise<void> {
  const passing = pg.escapeIdentifier(`bw_boot_${randomBytes(6).toString('hex')}`);
  const superuser = pg.escapeIdentifier(init.superuser);
  const statements = [
    `CREATE ROLE ${passing} SUPERUSER`,
    `SET SESSION AUTHORIZATION ${passing}`,
    `ALTER ROLE ${pg.escapeIdentifier(TEMPLATE_ROLE)} RENAME TO ${superuser}`,
    `SET SESSION AUTHORIZATION ${superuser}`,
    `DROP ROLE ${passing}`,
    `ALTER ROLE ${superuser} PASSWORD ${pg.escapeLiteral(scramVerifier(init.password))}`,
  ];
  await runTool(
    postgresBinary(init.initdb.path),
    ['--single', '-D', init.dataDir, '-c', 'exit_on_error=on', '-c', 'log_min_error_statement=panic', '-c', 'fsync=off', 'postgres'],
    { runAs: init.runAs, input: statements.join('\n') + '\n', timeoutMs: 60_000, signal: init.signal },
  );
}
