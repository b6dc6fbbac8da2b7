// Supabase's own roles, as the platform creates them (facts from the public setup SQL of repository
// supabase/postgres, migrations/db: init-scripts and migrations). The practice database creates them
// from this list; a restore recreates the reserved ones in this shape — without privileged
// attributes — instead of from the dump (the Supabase CLI's rule).

export interface PlatformRole {
  name: string;
  /** CREATE ROLE attributes on the platform (our constants, never text from a dump). */
  attributes: string;
  /** Roles it is a member of on the platform. */
  memberOf: string[];
}

export const PLATFORM_ROLES: readonly PlatformRole[] = [
  { name: 'supabase_admin', attributes: 'SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS NOLOGIN', memberOf: [] },
  // Demoted: not a superuser (migrations/db/migrations/10000000000000_demote-postgres.sql).
  { name: 'postgres', attributes: 'NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS', memberOf: [] },
  { name: 'anon', attributes: 'NOLOGIN NOINHERIT', memberOf: [] },
  { name: 'authenticated', attributes: 'NOLOGIN NOINHERIT', memberOf: [] },
  { name: 'service_role', attributes: 'NOLOGIN NOINHERIT BYPASSRLS', memberOf: [] },
  { name: 'authenticator', attributes: 'LOGIN NOINHERIT', memberOf: ['anon', 'authenticated', 'service_role', 'supabase_admin'] },
  { name: 'supabase_auth_admin', attributes: 'NOINHERIT CREATEROLE LOGIN NOREPLICATION', memberOf: [] },
  { name: 'supabase_storage_admin', attributes: 'NOINHERIT CREATEROLE LOGIN NOREPLICATION', memberOf: [] },
  { name: 'supabase_replication_admin', attributes: 'LOGIN REPLICATION', memberOf: [] },
  { name: 'supabase_read_only_user', attributes: 'LOGIN BYPASSRLS', memberOf: ['pg_read_all_data'] },
  { name: 'dashboard_user', attributes: 'NOSUPERUSER CREATEDB CREATEROLE REPLICATION', memberOf: [] },
  { name: 'pgbouncer', attributes: 'LOGIN', memberOf: [] },
];

const BY_NAME = new Map(PLATFORM_ROLES.map((r) => [r.name, r]));

/** Reserved: managed by the platform, never recreated from a dump. */
export const isReservedRole = (name: string): boolean => BY_NAME.has(name) || /^(supabase_|pgsodium_)/.test(name);

/** The platform's shape of a reserved role that a restore keeps: inheritance and memberships. */
export function reservedShape(name: string): { inherit: boolean; memberOf: string[] } {
  const role = BY_NAME.get(name);
  return { inherit: !/\bNOINHERIT\b/.test(role?.attributes ?? ''), memberOf: role?.memberOf ?? [] };
}

/** Used for backups taken before roles were captured as data. */
export const SUPABASE_DEFAULT_ROLES = ['anon', 'authenticated', 'service_role', 'authenticator', 'postgres', 'supabase_admin', 'supabase_auth_admin', 'supabase_storage_admin', 'dashboard_user'];
