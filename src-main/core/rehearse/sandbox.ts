import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { AclEntry, CapturedRole, ExtensionFacts, Manifest } from '../../contract/backup';
import type { ExtensionOutcome } from '../../contract/verify';
import { withPgClient, type PgTarget } from '../pg/connect';
import { affectedTables, packageHint, REFUSED_EXTENSIONS } from './extensions';
import { createStandIns, eventTriggersRefused, extensionMembers } from './prepareTarget';
import type { TocSkips } from './restoreList';
import { SUPABASE_DEFAULT_ROLES } from '../supabase/platformRoles';
import { recreateRoles } from './roles';

/** Schema (owned by the scratch superuser, out of the restore's reach) that holds amcheck when asked for. */
export const AMCHECK_SCHEMA = 'bw_amcheck';

export interface Sandbox {
  /** The restricted role pg_restore, the comparison and the sample checks run as. */
  restorer: PgTarget & { password: string };
  notes: string[];
  refused: string[];
  extensions: ExtensionOutcome[];
  skips: TocSkips;
}

/**
 * Prepares a scratch server for a restore of untrusted content, as its bootstrap superuser, from the
 * backup's catalog facts (data, never SQL text from the dump): roles without privileges, a restoring
 * role that is not a superuser and holds no pg_execute_server_program / pg_read_server_files /
 * pg_write_server_files, the database owned by that role, schemas with their owners and privileges,
 * and the extensions (installed here, in a database that holds nothing from the dump yet). Everything
 * of the dump then runs as the restoring role.
 */
export async function prepareSandbox(
  admin: PgTarget,
  manifest: Manifest,
  captured: CapturedRole[] | null,
  options: { amcheck: boolean; serverMajor: number; signal?: AbortSignal },
): Promise<Sandbox> {
  const database = manifest.source.database;
  const catalog = manifest.catalog;
  const restorer = { ...admin, database, user: `bw_restore_${randomBytes(6).toString('hex')}`, password: randomBytes(24).toString('base64url') };
  await withPgClient(admin, async (client) => {
    if (database !== admin.database) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  }, options.signal);
  return withPgClient({ ...admin, database }, async (client) => {
    const id = (n: string) => client.escapeIdentifier(n);
    const names = catalog?.roles ?? SUPABASE_DEFAULT_ROLES;
    const roles = await recreateRoles(client, names, captured, { sourceDatabase: database, targetDatabase: database, canCreate: true });
    const notes = [...roles.notes];
    const refused = [...roles.refused, ...eventTriggersRefused(manifest)];
    if (!catalog) notes.push('This backup predates catalog facts: Supabase roles were created, schemas and extensions are left to pg_restore. Back up again for a complete rehearsal.');

    await client.query(
      `CREATE ROLE ${id(restorer.user)} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION BYPASSRLS PASSWORD ${client.escapeLiteral(restorer.password)}`,
    );
    // Membership lets it create objects and hand them to their recorded owners (ALTER … OWNER TO).
    for (const name of roles.present) await client.query(`GRANT ${id(name)} TO ${id(restorer.user)}`);
    // Owning the database makes it the owner of schema public (pg_database_owner) and lets it create schemas.
    await client.query(`ALTER DATABASE ${id(database)} OWNER TO ${id(restorer.user)}`);

    const known = new Set(roles.present);
    const skips: TocSkips = { schemaOids: [], extensions: [], eventTriggers: true, extensionMembers: [] };
    if (catalog) {
      await grantAll(client, 'DATABASE', database, catalog.databaseAcl, known);
      if (known.has(catalog.databaseOwner)) await client.query(`GRANT ALL ON DATABASE ${id(database)} TO ${id(catalog.databaseOwner)}`);
      // Schemas exist with their owners and privileges before any object is restored into them: a
      // non-superuser may only give an object to an owner that can create in its schema.
      for (const schema of catalog.schemas) {
        const owner = known.has(schema.owner) ? schema.owner : restorer.user;
        if (schema.name === 'public') {
          if (schema.owner === 'pg_database_owner' && known.has(catalog.databaseOwner)) await client.query(`GRANT ALL ON SCHEMA public TO ${id(catalog.databaseOwner)}`);
        } else {
          await client.query(`CREATE SCHEMA ${id(schema.name)} AUTHORIZATION ${id(owner)}`);
          skips.schemaOids.push(schema.oid);
        }
        await grantAll(client, 'SCHEMA', schema.name, schema.acl, known);
      }
    }

    notes.push(...(await createStandIns(client, manifest)));
    const extensions = await installExtensions(client, catalog?.extensions ?? [], options.serverMajor);
    skips.extensions = (catalog?.extensions ?? []).map((e) => ({ oid: e.oid, name: e.name }));
    for (const e of extensions.filter((x) => x.status === 'refused')) refused.push(`Extension ${e.name} not installed: ${e.detail}`);
    skips.extensionMembers = await extensionMembers(client);

    if (options.amcheck) {
      await client.query(`CREATE SCHEMA ${id(AMCHECK_SCHEMA)}`);
      await client.query(`CREATE EXTENSION IF NOT EXISTS amcheck WITH SCHEMA ${id(AMCHECK_SCHEMA)}`);
      // Wherever amcheck is (the backup may have installed it in a schema of its own), the restoring role may call it.
      const { rows } = await client.query<{ schema: string }>(
        `SELECT n.nspname AS schema FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'`,
      );
      await client.query(`GRANT USAGE ON SCHEMA ${id(rows[0]!.schema)} TO ${id(restorer.user)}`);
      await client.query(
        `DO $$ DECLARE f regprocedure; BEGIN
           FOR f IN SELECT d.objid::regprocedure FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                    WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'amcheck'
           LOOP EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, ${client.escapeLiteral(restorer.user)}); END LOOP;
         END $$`,
      );
    }
    return { restorer, notes, refused, extensions, skips };
  }, options.signal);
}

/** Privileges from the catalog facts, granted to roles that exist here (and PUBLIC). */
async function grantAll(client: pg.Client, kind: 'DATABASE' | 'SCHEMA', name: string, acl: readonly AclEntry[], known: ReadonlySet<string>): Promise<void> {
  const privileges = new Set(kind === 'DATABASE' ? ['CREATE', 'CONNECT', 'TEMPORARY'] : ['CREATE', 'USAGE']);
  for (const entry of acl) {
    if (!privileges.has(entry.privilege) || (entry.grantee !== 'PUBLIC' && !known.has(entry.grantee))) continue;
    const grantee = entry.grantee === 'PUBLIC' ? 'PUBLIC' : client.escapeIdentifier(entry.grantee);
    await client.query(`GRANT ${entry.privilege} ON ${kind} ${client.escapeIdentifier(name)} TO ${grantee}${entry.grantable ? ' WITH GRANT OPTION' : ''}`);
  }
}

/** Installs each recorded extension that this server has and that is safe here; reports the others. */
async function installExtensions(client: pg.Client, wanted: readonly ExtensionFacts[], major: number): Promise<ExtensionOutcome[]> {
  const { rows } = await client.query<{ name: string; version: string }>('SELECT name, version FROM pg_catalog.pg_available_extension_versions');
  const versions = new Map<string, Set<string>>();
  for (const r of rows) versions.set(r.name, (versions.get(r.name) ?? new Set()).add(r.version));
  const outcomes = new Map<string, ExtensionOutcome>();
  const base = (e: ExtensionFacts) => ({ name: e.name, version: e.version, schema: e.schema, tables: affectedTables(e) });
  let pending = wanted.filter((e) => {
    if (REFUSED_EXTENSIONS[e.name]) {
      outcomes.set(e.name, { ...base(e), status: 'refused', detail: `${REFUSED_EXTENSIONS[e.name]}; a rehearsal on this workstation never installs it. Rehearse on a staging target to include what depends on it.` });
      return false;
    }
    if (!versions.has(e.name)) {
      outcomes.set(e.name, { ...base(e), status: 'missing', detail: `not available on this PostgreSQL ${major}. ${packageHint(e.name, major)}` });
      return false;
    }
    return true;
  });
  // Dependencies between extensions (earthdistance needs cube): install in rounds until nothing moves.
  while (pending.length) {
    const failed: { ext: ExtensionFacts; error: string }[] = [];
    for (const e of pending) {
      const version = versions.get(e.name)!.has(e.version) ? ` VERSION ${client.escapeLiteral(e.version)}` : '';
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(e.schema)}`);
        await client.query(`CREATE EXTENSION IF NOT EXISTS ${client.escapeIdentifier(e.name)} WITH SCHEMA ${client.escapeIdentifier(e.schema)}${version}`);
        outcomes.set(e.name, { ...base(e), status: 'installed', detail: version ? `version ${e.version}, as in the source` : `version ${e.version} is not available here; the default version was installed` });
      } catch (error) {
        failed.push({ ext: e, error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (failed.length === pending.length) {
      for (const f of failed) outcomes.set(f.ext.name, { ...base(f.ext), status: 'missing', detail: `could not be installed here (${f.error}). ${packageHint(f.ext.name, major)}` });
      break;
    }
    pending = failed.map((f) => f.ext);
  }
  return wanted.map((e) => outcomes.get(e.name)!);
}

