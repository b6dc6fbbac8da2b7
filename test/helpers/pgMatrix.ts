import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The PostgreSQL major a test run uses. BW_TEST_PG=17 puts the PostgreSQL 17 tools that
 * scripts/install-pg17.sh set up first on PATH, so discovery picks them — as it would pick an
 * operator's newest installation — for the practice servers, scratch servers, pg_dump and pg_restore.
 * Unset: the machine's own installation (PostgreSQL 15 on Debian 12).
 */
export const PG17_HOME = process.env.BW_PG17_HOME ?? '/var/cache/backup-warden/pg17';
export const testPgMajor = Number(process.env.BW_TEST_PG ?? 15);

if (testPgMajor === 17) {
  const bin = join(PG17_HOME, 'bin');
  if (!existsSync(join(bin, 'pg_dump'))) throw new Error(`BW_TEST_PG=17 needs PostgreSQL 17 in ${bin}: run bash scripts/install-pg17.sh`);
  if (!(process.env.PATH ?? '').startsWith(bin + delimiter)) process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
} else if (testPgMajor !== 15) {
  throw new Error(`BW_TEST_PG must be 15 or 17 (got ${process.env.BW_TEST_PG}).`);
}
