import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgTarget } from './connect';

const escapeField = (value: string): string => value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');

/** Arguments that name the server and role for libpq tools (pg_dump, pg_dumpall, pg_restore, psql). */
export function connectionArgs(target: PgTarget): string[] {
  return ['--host', target.host, '--port', String(target.port), '--username', target.user, '--no-password'];
}

/**
 * Runs fn with an environment for libpq tools. The password is in a 0600 passfile inside a private
 * 0700 directory, removed afterwards: never in argv (visible in ps) nor in the environment. Inherited
 * PG* variables are dropped so the operator's shell settings cannot redirect a backup.
 */
export async function withLibpqEnv<T>(target: PgTarget, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  env.PGSSLMODE = target.sslmode;
  env.PGAPPNAME = 'backup-warden';
  env.PGCONNECT_TIMEOUT = '15';
  if (target.password === null) return fn(env);
  const dir = mkdtempSync(join(tmpdir(), 'bw-pass-'));
  try {
    const file = join(dir, 'pgpass');
    const line = [target.host, String(target.port), '*', target.user, target.password].map(escapeField).join(':');
    writeFileSync(file, line + '\n', { mode: 0o600 });
    env.PGPASSFILE = file;
    return await fn(env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
