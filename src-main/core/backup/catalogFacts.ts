import type pg from 'pg';
import type { AclEntry, CapturedRole, CatalogFacts } from '../../contract/backup';

// Read with search_path = pg_catalog inside the backup's snapshot transaction: plain catalog reads,
// no user function is evaluated. Predefined roles (pg_*) are never captured as roles of their own.

const ACL = (column: string, owner: string) => `
  (SELECT coalesce(json_agg(json_build_object('grantee', CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                              'privilege', x.privilege_type, 'grantable', x.is_grantable)
                            ORDER BY x.grantee, x.privilege_type), '[]')
   FROM aclexplode(coalesce(${column}, acldefault(${owner === 'db' ? "'d'" : "'n'"}, ${owner === 'db' ? 'd.datdba' : 'n.nspowner'}))) x)`;

/** Schemas, extensions (with the user tables that depend on them), event triggers and role names. */
export async function readCatalogFacts(client: pg.Client, excludeSchemas: readonly string[]): Promise<CatalogFacts> {
  await client.query('SET LOCAL search_path = pg_catalog');
  const db = await client.query<{ owner: string; acl: AclEntry[] }>(
    `SELECT pg_get_userbyid(d.datdba) AS owner, ${ACL('d.datacl', 'db')} AS acl FROM pg_database d WHERE d.datname = current_database()`,
  );
  const schemas = await client.query<{ name: string; oid: number; owner: string; acl: AclEntry[] }>(
    `SELECT n.nspname AS name, n.oid::int8 AS oid, pg_get_userbyid(n.nspowner) AS owner, ${ACL('n.nspacl', 'nsp')} AS acl
     FROM pg_namespace n
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
       AND NOT (n.nspname = ANY($1::text[]))
       AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_namespace'::regclass AND dep.objid = n.oid AND dep.deptype = 'e')
     ORDER BY n.nspname`,
    [excludeSchemas],
  );
  // Objects that use an extension's members (a column of its type, a default or constraint calling its
  // function, an index with its operator class), mapped to the user table they belong to.
  const extensions = await client.query<{ name: string; version: string; schema: string; oid: number; dependents: { table: string; column: string | null }[] }>(
    `WITH members AS (
       SELECT d.refobjid AS ext, d.classid, d.objid FROM pg_depend d
       WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'),
     users AS (
       SELECT m.ext, d.classid, d.objid, d.objsubid FROM members m
       JOIN pg_depend d ON d.refclassid = m.classid AND d.refobjid = m.objid AND d.deptype IN ('n', 'a')),
     placed AS (
       SELECT u.ext,
         CASE WHEN u.classid = 'pg_class'::regclass THEN coalesce((SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = u.objid), u.objid)
              WHEN u.classid = 'pg_attrdef'::regclass THEN (SELECT ad.adrelid FROM pg_attrdef ad WHERE ad.oid = u.objid)
              WHEN u.classid = 'pg_constraint'::regclass THEN (SELECT co.conrelid FROM pg_constraint co WHERE co.oid = u.objid) END AS relid,
         CASE WHEN u.classid = 'pg_class'::regclass AND u.objsubid > 0 THEN u.objsubid
              WHEN u.classid = 'pg_attrdef'::regclass THEN (SELECT ad.adnum FROM pg_attrdef ad WHERE ad.oid = u.objid) END AS attnum
       FROM users u),
     deps AS (
       SELECT DISTINCT p.ext, n.nspname || '.' || c.relname AS tbl, a.attname::text AS col
       FROM placed p JOIN pg_class c ON c.oid = p.relid AND c.relkind IN ('r', 'p')
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.attnum
       WHERE NOT (n.nspname = ANY($1::text[]))
         AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e'))
     SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema, e.oid::int8 AS oid,
       (SELECT coalesce(json_agg(json_build_object('table', d.tbl, 'column', d.col) ORDER BY d.tbl, d.col), '[]') FROM deps d WHERE d.ext = e.oid) AS dependents
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname <> 'plpgsql' AND NOT (n.nspname = ANY($1::text[]))
     ORDER BY e.extname`,
    [excludeSchemas],
  );
  const events = await client.query<{ name: string }>('SELECT evtname AS name FROM pg_event_trigger ORDER BY evtname');
  const roles = await client.query<{ name: string }>(`SELECT rolname AS name FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname`);
  return {
    databaseOwner: db.rows[0]!.owner,
    databaseAcl: db.rows[0]!.acl,
    schemas: schemas.rows.map((s) => ({ ...s, oid: Number(s.oid) })),
    extensions: extensions.rows.map((e) => ({ ...e, oid: Number(e.oid), dependents: withoutTableLevelRepeats(e.dependents) })),
    eventTriggers: events.rows.map((r) => r.name),
    roles: roles.rows.map((r) => r.name),
  };
}

/** Every role as data, without passwords (pg_roles, readable by any role: no superuser needed, unlike pg_dumpall). */
export async function readRoles(client: pg.Client): Promise<CapturedRole[]> {
  const { rows } = await client.query<CapturedRole>(
    `SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolinherit AS inherit, r.rolcreaterole AS createrole, r.rolcreatedb AS createdb,
            r.rolcanlogin AS login, r.rolreplication AS replication, r.rolbypassrls AS bypassrls, r.rolconnlimit AS "connectionLimit",
            to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "validUntil",
            pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment,
            (SELECT coalesce(json_agg(json_build_object('role', g.rolname, 'admin', m.admin_option) ORDER BY g.rolname), '[]')
               FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS "memberOf",
            (SELECT coalesce(json_agg(json_build_object('database', d.datname, 'name', split_part(c.setting, '=', 1),
                                                        'value', substr(c.setting, strpos(c.setting, '=') + 1)) ORDER BY d.datname NULLS FIRST, c.setting), '[]')
               FROM pg_catalog.pg_db_role_setting s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
               CROSS JOIN LATERAL unnest(s.setconfig) AS c(setting)
               WHERE s.setrole = r.oid) AS settings
     FROM pg_catalog.pg_roles r WHERE r.rolname !~ '^pg_' ORDER BY r.rolname`,
  );
  return rows;
}

/** A table-level use (an index, a constraint) adds nothing when a column of the same table is already named. */
function withoutTableLevelRepeats(dependents: { table: string; column: string | null }[]): { table: string; column: string | null }[] {
  const withColumn = new Set(dependents.filter((d) => d.column !== null).map((d) => d.table));
  return dependents.filter((d) => d.column !== null || !withColumn.has(d.table));
}
