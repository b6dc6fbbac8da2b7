import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WardenError } from '../errors';
import { currentProcess, isAlive } from '../runs/processIdentity';
import { systemCaFile, type PgTarget } from './connect';

const escapeField = (value: string): string => value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');

/** Arguments that name the server and role for libpq tools (pg_dump, pg_dumpall, pg_restore, psql). */
export function connectionArgs(target: PgTarget): string[] {
  return ['--host', target.host, '--port', String(target.port), '--username', target.user, '--no-password'];
}

/**
 * Runs fn with an environment for libpq tools of major `libpqMajor`. The password is in a 0600 passfile
 * inside a private 0700 directory, removed afterwards: never in argv (visible in ps) nor in the
 * environment. Inherited PG* variables are dropped so the operator's shell settings cannot redirect a
 * backup. Verified TLS uses the profile's CA certificate (a file beside the passfile) or the system's
 * store; from libpq 16 on, a password goes only through SCRAM-SHA-256 (require_auth), never in cleartext
 * or as MD5. Older libpq cannot refuse that itself: the app's own SCRAM-only connection to the same,
 * certificate-verified server precedes every tool run.
 */
export async function withLibpqEnv<T>(target: PgTarget, libpqMajor: number, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  env.PGSSLMODE = target.sslmode;
  env.PGAPPNAME = 'backup-warden';
  env.PGCONNECT_TIMEOUT = '15';
  const verifies = target.sslmode === 'verify-ca' || target.sslmode === 'verify-full';
  if (verifies && !target.sslRootCert) {
    const system = libpqMajor >= 16 ? 'system' : systemCaFile();
    if (!system) throw new WardenError('CONNECTION', `No system CA store was found for sslmode ${target.sslmode}: give the profile the CA certificate that signs the server's certificate.`);
    env.PGSSLROOTCERT = system;
  }
  if (target.password !== null && libpqMajor >= 16) env.PGREQUIREAUTH = 'scram-sha-256';
  if (target.password === null && !(verifies && target.sslRootCert)) return fn(env);
  const dir = mkdtempSync(join(tmpdir(), passDirPrefix()));
  try {
    if (verifies && target.sslRootCert) {
      env.PGSSLROOTCERT = join(dir, 'root.crt');
      writeFileSync(env.PGSSLROOTCERT, target.sslRootCert + '\n', { mode: 0o600 });
    }
    if (target.password !== null) {
      const file = join(dir, 'pgpass');
      const line = [target.host, String(target.port), '*', target.user, target.password].map(escapeField).join(':');
      writeFileSync(file, line + '\n', { mode: 0o600 });
      env.PGPASSFILE = file;
    }
    return await fn(env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The folder holding a passfile is named after the process that made it (pid and kernel start time),
// so that one a crash or kill -9 left behind is found and removed by the next start on this machine.
const PASS_DIR = /^bw-pass-(\d+)-(\w+)-/;
function passDirPrefix(): string {
  const me = currentProcess();
  return `bw-pass-${me.pid}-${me.start ?? 'x'}-`;
}

/** Removes passfile folders whose process is gone; returns what it removed. */
export function removeOrphanedPassfiles(): string[] {
  const removed: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(tmpdir());
  } catch {
    return removed;
  }
  for (const name of entries) {
    const m = PASS_DIR.exec(name);
    if (!m || isAlive({ pid: Number(m[1]), host: hostname(), start: m[2] === 'x' ? null : m[2]! })) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
    removed.push(join(tmpdir(), name));
  }
  return removed;
}
