import type pg from 'pg';
import type { CapturedRole } from '../../contract/backup';
import { isReservedRole, reservedShape } from '../supabase/platformRoles';

// Roles are recreated from data (names, flags, memberships, settings, comments) with quoted identifiers
// and literals: never by executing role SQL taken from production. What a restored role may have is
// decided here, not by the dump: no SUPERUSER, CREATEROLE, REPLICATION, BYPASSRLS or LOGIN, and no
// membership in a predefined role that reaches the server's programs or files.

/** Predefined roles a restored role may keep membership in: none of them reaches programs, files or the network. */
const HARMLESS_PREDEFINED = new Set([
  'pg_read_all_data', 'pg_write_all_data', 'pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables', 'pg_monitor',
  'pg_signal_backend', 'pg_checkpoint', 'pg_maintain', 'pg_use_reserved_connections',
]);

export interface RoleOutcome {
  /** Roles that now exist on the target, created here or already there. */
  present: string[];
  created: string[];
  /** Roles the target lacks and that could not be created (no CREATEROLE). */
  missing: string[];
  notes: string[];
  /** What was deliberately not carried over, for the report. */
  refused: string[];
}

/**
 * Creates the roles a restore refers to. `names` are the roles the backup knew; `captured` their data
 * (null for old backups). With `settingsFor`, per-role settings of the backed-up database and role-wide
 * ones are applied (only user-settable parameters, values bound, never a superuser-only one).
 */
export async function recreateRoles(
  client: pg.Client,
  names: readonly string[],
  captured: readonly CapturedRole[] | null,
  options: { sourceDatabase: string; targetDatabase: string; canCreate: boolean },
): Promise<RoleOutcome> {
  const byName = new Map((captured ?? []).map((r) => [r.name, r]));
  const id = (n: string) => client.escapeIdentifier(n);
  const existing = new Set((await client.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles')).rows.map((r) => r.rolname));
  const outcome: RoleOutcome = { present: [], created: [], missing: [], notes: [], refused: [] };

  for (const name of names) {
    if (existing.has(name)) {
      outcome.present.push(name);
      continue;
    }
    if (!options.canCreate) {
      outcome.missing.push(name);
      continue;
    }
    const reserved = isReservedRole(name);
    const role = reserved ? undefined : byName.get(name);
    const inherit = reserved ? reservedShape(name).inherit : (role?.inherit ?? true);
    await client.query(`CREATE ROLE ${id(name)} NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS NOLOGIN ${inherit ? 'INHERIT' : 'NOINHERIT'}`);
    existing.add(name);
    outcome.present.push(name);
    outcome.created.push(name);
    if (role?.superuser) outcome.refused.push(`Role ${name} is a superuser in the source; here it is an ordinary role.`);
    if (role?.comment !== null && role?.comment !== undefined) await client.query(`COMMENT ON ROLE ${id(name)} IS ${client.escapeLiteral(role.comment)}`);
  }

  const grant = async (member: string, group: string) => {
    try {
      await client.query(`GRANT ${id(group)} TO ${id(member)}`);
    } catch (error) {
      outcome.notes.push(`Membership of ${member} in ${group} not granted: ${error instanceof Error ? error.message : String(error)}.`);
    }
  };
  const created = new Set(outcome.created);
  // Only roles of the backup (or harmless predefined ones) are granted: never a role of the target's own, such as its bootstrap superuser.
  const known = new Set(names);
  for (const name of outcome.created) {
    if (isReservedRole(name)) for (const group of reservedShape(name).memberOf) if (existing.has(group) && !group.startsWith('pg_')) await grant(name, group);
  }
  for (const role of captured ?? []) {
    if (!created.has(role.name) || isReservedRole(role.name)) continue;
    for (const m of role.memberOf) {
      if (m.role.startsWith('pg_') && !HARMLESS_PREDEFINED.has(m.role)) {
        outcome.refused.push(`Membership of ${role.name} in ${m.role} not restored (it reaches the server's programs, files or network).`);
      } else if (existing.has(m.role) && (known.has(m.role) || m.role.startsWith('pg_'))) {
        await grant(role.name, m.role);
      }
    }
    for (const s of role.settings) {
      if (s.database !== null && s.database !== options.sourceDatabase) continue;
      await applySetting(client, role.name, s.database === null ? null : options.targetDatabase, s.name, s.value, outcome);
    }
  }
  if (outcome.created.length) outcome.notes.push(`Roles created without privileges: ${outcome.created.join(', ')}.`);
  if (outcome.missing.length) outcome.notes.push(`Roles the target lacks (the restoring role may not create roles): ${outcome.missing.join(', ')}.`);
  return outcome;
}

/** ALTER ROLE … SET from data: the value is bound through set_config, and only user-settable parameters are accepted. */
async function applySetting(client: pg.Client, role: string, database: string | null, name: string, value: string, outcome: RoleOutcome): Promise<void> {
  const { rows } = await client.query<{ context: string }>('SELECT context FROM pg_catalog.pg_settings WHERE name = $1', [name]);
  if (rows[0]?.context !== 'user') {
    outcome.notes.push(`Setting ${name} of role ${role} not applied (${rows[0] ? `a ${rows[0].context}-level parameter` : 'unknown here'}).`);
    return;
  }
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_catalog.set_config($1, $2, true)', [name, value]);
    const where = database === null ? '' : ` IN DATABASE ${client.escapeIdentifier(database)}`;
    await client.query(`ALTER ROLE ${client.escapeIdentifier(role)}${where} SET ${client.escapeIdentifier(name)} FROM CURRENT`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    outcome.notes.push(`Setting ${name} of role ${role} not applied: ${error instanceof Error ? error.message : String(error)}.`);
  }
}
