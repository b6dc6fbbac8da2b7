import type { Manifest } from '../../contract/backup';
import { withPgClient, type PgTarget } from '../pg/connect';
import { reservedRolesSql } from '../practice/supabaseShape';

/** Supabase-managed schemas whose objects public tables commonly reference (auth.uid() in RLS policies). */
const AUTH_STUBS = `
CREATE SCHEMA IF NOT EXISTS auth;
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('request.jwt.claim.role', true), '') $$;
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;
`;

/**
 * Makes a fresh server ready for a Supabase backup: the reserved roles (and the captured roles, when
 * the backup has them) must exist before ownership, grants and policies can be restored; managed
 * schemas left out of the dump get empty stand-ins so public objects that reference them restore.
 * Returns notes on what was done, for the evidence.
 */
export async function prepareForRestore(target: PgTarget, manifest: Manifest, rolesSql: string | null): Promise<string[]> {
  const notes: string[] = [];
  await withPgClient(target, async (client) => {
    await client.query(reservedRolesSql);
    notes.push('Supabase reserved roles created (anon, authenticated, service_role, authenticator, supabase_*).');
    if (rolesSql) {
      let applied = 0;
      const skipped: string[] = [];
      for (const statement of roleStatements(rolesSql)) {
        try {
          await client.query(statement);
          applied++;
        } catch (error) {
          const code = (error as { code?: string }).code;
          // Existing roles (postgres, the reserved ones) and attributes only a platform superuser may set.
          if (code !== '42710') skipped.push(statement.split(/\s+/).slice(0, 3).join(' '));
        }
      }
      notes.push(`Captured roles applied: ${applied} statements${skipped.length ? `; not applicable here: ${skipped.length}` : ''}.`);
    }
    const excluded = new Set(manifest.dump.excludedSchemas);
    if (excluded.has('auth')) {
      await client.query(AUTH_STUBS);
      notes.push('Schema auth was left out of the dump: auth.uid(), auth.role() and auth.jwt() stand-ins created.');
    }
    for (const schema of ['storage', 'extensions'].filter((s) => excluded.has(s))) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(schema)}`);
      notes.push(`Schema ${schema} was left out of the dump: an empty one was created.`);
    }
  });
  return notes;
}

/** pg_dumpall --roles-only output: one statement per line; psql meta-commands (\restrict) and comments skipped. */
function roleStatements(sql: string): string[] {
  return sql
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('--') && !l.startsWith('\\') && /^(CREATE|ALTER|GRANT|COMMENT) /i.test(l));
}
