import type { ExtensionFacts } from '../../contract/backup';

/**
 * Extensions a rehearsal never installs, whatever the dump says: they give code in the database a way
 * out of it (programs, files, the network, background jobs), and the scratch server runs on the
 * operator's workstation.
 */
export const REFUSED_EXTENSIONS: Record<string, string> = {
  adminpack: 'writes server files',
  file_fdw: 'reads server files and runs programs',
  dblink: 'opens network connections',
  postgres_fdw: 'opens network connections',
  http: 'makes HTTP requests',
  pg_net: 'makes HTTP requests',
  pg_cron: 'runs scheduled jobs',
  pg_background: 'runs background jobs',
  pgsodium: 'runs a key-fetching program',
  wrappers: 'opens network connections',
  plperlu: 'an untrusted language (runs programs)',
  plpython3u: 'an untrusted language (runs programs)',
  plpythonu: 'an untrusted language (runs programs)',
  plpython2u: 'an untrusted language (runs programs)',
  pltclu: 'an untrusted language (runs programs)',
  plsh: 'an untrusted language (runs programs)',
};

/** Where to get an extension's files, per platform, for the ones Supabase projects commonly use. */
const PACKAGES: Record<string, (major: number) => string> = {
  vector: (m) => `Debian/Ubuntu: postgresql-${m}-pgvector; macOS: brew install pgvector; Windows: build from github.com/pgvector/pgvector`,
  postgis: (m) => `Debian/Ubuntu: postgresql-${m}-postgis-3; macOS: brew install postgis`,
  pg_graphql: () => 'not packaged by distributions: rehearse on a local Supabase stack or a branch project (staging target)',
  pg_jsonschema: () => 'not packaged by distributions: rehearse on a local Supabase stack or a branch project (staging target)',
  supabase_vault: () => 'not packaged by distributions: rehearse on a local Supabase stack or a branch project (staging target)',
  pgjwt: () => 'not packaged by distributions: rehearse on a local Supabase stack or a branch project (staging target)',
  pg_hashids: (m) => `Debian/Ubuntu: postgresql-${m}-hashids`,
  pgaudit: (m) => `Debian/Ubuntu: postgresql-${m}-pgaudit; macOS: brew install pgaudit`,
  timescaledb: () => 'packages from the TimescaleDB repository',
  pgroonga: () => 'packages from the PGroonga repository',
  rum: (m) => `Debian/Ubuntu: postgresql-${m}-rum`,
  plv8: () => 'not packaged by Debian: rehearse on a local Supabase stack or a branch project (staging target)',
  hypopg: (m) => `Debian/Ubuntu: postgresql-${m}-hypopg`,
  pg_repack: (m) => `Debian/Ubuntu: postgresql-${m}-repack`,
  pgtap: (m) => `Debian/Ubuntu: postgresql-${m}-pgtap`,
  pg_partman: (m) => `Debian/Ubuntu: postgresql-${m}-partman`,
};

export function packageHint(name: string, major: number): string {
  const hint = PACKAGES[name]?.(major);
  return hint
    ? `Install it (${hint}), or rehearse on a staging target that has it.`
    : `Install the package that provides "${name}" for PostgreSQL ${major} (contrib extensions: postgresql-contrib / the server package), or rehearse on a staging target that has it.`;
}

/** The user tables an extension's absence keeps out of a restore, "schema.table" or "schema.table (column)". */
export function affectedTables(extension: ExtensionFacts): string[] {
  return [...new Set(extension.dependents.map((d) => d.table))];
}
