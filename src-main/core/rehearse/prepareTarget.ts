import type pg from 'pg';
import type { CapturedRole, Manifest } from '../../contract/backup';
import { WardenError } from '../errors';
import { describeTarget, withPgClient, type PgTarget } from '../pg/connect';
import type { TocSkips } from './restoreList';
import { AUTH_STAND_INS, EMPTY_STAND_IN_SCHEMAS } from '../supabase/managedSchemas';
import { SUPABASE_DEFAULT_ROLES } from '../supabase/platformRoles';
import { recreateRoles } from './roles';

/** Event triggers are a superuser feature: every restore leaves them out (TocSkips.eventTriggers) and says so. */
export const eventTriggersRefused = (manifest: Manifest): string[] =>
  (manifest.catalog?.eventTriggers ?? []).map((name) => `Event trigger ${name} not restored (only a superuser may create event triggers).`);

/** Managed schemas left out of the dump get stand-ins (our own fixed SQL) so public objects that reference them restore. */
export async function createStandIns(client: pg.Client, manifest: Manifest): Promise<string[]> {
  const notes: string[] = [];
  const excluded = new Set(manifest.dump.excludedSchemas);
  if (excluded.has('auth')) {
    await client.query(AUTH_STAND_INS);
    notes.push('Schema auth was left out of the dump: auth.uid(), auth.role() and auth.jwt() stand-ins created.');
  }
  for (const schema of EMPTY_STAND_IN_SCHEMAS.filter((s) => excluded.has(s))) {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(schema)}`);
    notes.push(`Schema ${schema} was left out of the dump: an empty one was created.`);
  }
  return notes;
}

/**
 * Makes a database we do not control (a staging target, a rollback target) ready for the backup, as
 * the profile's own role. That role must not be able to leave the database: a superuser, a member of a
 * superuser role or of pg_execute_server_program / pg_read_server_files / pg_write_server_files, or
 * (before PostgreSQL 16, without Supabase's supautils) a CREATEROLE role would let functions in the
 * dump run programs or read files on that server — refused. Roles the backup refers to are created
 * without privileges when the role may create roles.
 */
export async function prepareTarget(
  target: PgTarget,
  manifest: Manifest,
  captured: CapturedRole[] | null,
  signal?: AbortSignal,
): Promise<{ notes: string[]; refused: string[]; skips: TocSkips }> {
  return withPgClient(target, async (client) => {
    const { rows } = await client.query<{ super: boolean; createrole: boolean; server_access: boolean; major: number; guarded: boolean }>(
      `SELECT r.rolsuper AS super, r.rolcreaterole AS createrole,
              pg_catalog.pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER')
                OR pg_catalog.pg_has_role(current_user, 'pg_read_server_files', 'MEMBER')
                OR pg_catalog.pg_has_role(current_user, 'pg_write_server_files', 'MEMBER')
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles s WHERE s.rolsuper AND s.rolname <> current_user
                                                             AND pg_catalog.pg_has_role(current_user, s.oid, 'MEMBER')) AS server_access,
              current_setting('server_version_num')::int / 10000 AS major,
              EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name LIKE 'supautils.%') AS guarded
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
    );
    const me = rows[0]!;
    // A dump restores into the same or a newer major: an older server lacks what the newer one wrote
    // (syntax, catalog features, settings such as PostgreSQL 17's transaction_timeout).
    const sourceMajor = Math.floor(manifest.server.versionNum / 10_000);
    if (me.major < sourceMajor) {
      throw new WardenError(
        'FORBIDDEN',
        `Refusing to restore into ${describeTarget(target)}: it runs PostgreSQL ${me.major}, and the backup comes from PostgreSQL ${sourceMajor}. ` +
          `A backup restores into the same or a newer major only; use a target on PostgreSQL ${sourceMajor} or newer.`,
      );
    }
    if (me.super || me.server_access) {
      throw new WardenError(
        'FORBIDDEN',
        `Refusing to restore into ${describeTarget(target)} as "${target.user}": that role ${me.super ? 'is a superuser' : "may become a superuser or run programs or read and write the server's files"}, ` +
          'so functions in the backup could do the same on that server. Connect as a role without superuser and without pg_execute_server_program, pg_read_server_files and pg_write_server_files (on Supabase: postgres).',
      );
    }
    // Before PostgreSQL 16, CREATEROLE may grant any non-superuser role, pg_execute_server_program
    // included: a function in the dump could grant it to the restoring role. Supabase blocks that with
    // supautils; elsewhere such a role is refused.
    if (me.createrole && me.major < 16 && !me.guarded) {
      throw new WardenError(
        'FORBIDDEN',
        `Refusing to restore into ${describeTarget(target)} as "${target.user}": it has CREATEROLE on PostgreSQL ${me.major}, which before 16 lets it grant itself pg_execute_server_program, ` +
          'so functions in the backup could run programs on that server. Connect as a role without CREATEROLE (owning the database is enough), or restore into a Supabase server, whose supautils blocks such grants.',
      );
    }
    const roles = await recreateRoles(client, manifest.catalog?.roles ?? SUPABASE_DEFAULT_ROLES, captured, {
      sourceDatabase: manifest.source.database,
      targetDatabase: target.database,
      canCreate: me.createrole,
    });
    const notes = [...roles.notes, ...(await createStandIns(client, manifest))];
    // What the target already has is left alone: its schemas (a Supabase target's auth and storage
    // belong to the platform) and its extensions; pg_restore then runs with --no-owner.
    const schemas = new Set((await client.query<{ nspname: string }>('SELECT nspname FROM pg_catalog.pg_namespace')).rows.map((r) => r.nspname));
    const installed = new Set((await client.query<{ extname: string }>('SELECT extname FROM pg_catalog.pg_extension')).rows.map((r) => r.extname));
    const skips: TocSkips = {
      schemaOids: (manifest.catalog?.schemas ?? []).filter((s) => schemas.has(s.name)).map((s) => s.oid),
      extensions: (manifest.catalog?.extensions ?? []).filter((e) => installed.has(e.name)).map((e) => ({ oid: e.oid, name: e.name })),
      eventTriggers: true,
      extensionMembers: await extensionMembers(client),
      defaultAclsOnlyFor: target.user,
    };
    return { notes, refused: [...roles.refused, ...eventTriggersRefused(manifest)], skips };
  }, signal);
}

/** "schema.name" of every object that belongs to an installed extension (functions, relations, types). */
export async function extensionMembers(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ member: string }>(
    `SELECT n.nspname || '.' || coalesce(p.proname, c.relname, t.typname) AS member
     FROM pg_catalog.pg_depend d
     LEFT JOIN pg_catalog.pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
     LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
     LEFT JOIN pg_catalog.pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
     JOIN pg_catalog.pg_namespace n ON n.oid = coalesce(p.pronamespace, c.relnamespace, t.typnamespace)
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'`,
  );
  return rows.map((r) => r.member);
}
