import type pg from 'pg';
import type { Manifest } from '../../contract/backup';
import type { RestorePreview } from '../../contract/restore';
import { withPgClient, type PgTarget } from '../pg/connect';

// Names tried first when a table has several timestamp columns: the ones that say when a row arrived.
const PREFERRED = ['created_at', 'inserted_at', 'updated_at', 'createdat', 'created', 'timestamp'];

/**
 * What a restore of `manifest` into `target` would discard: per table of the backup, the rows there now
 * against the rows in the backup, the newest value of its arrival timestamp, and how many rows are newer
 * than the backup. Read-only, as the target's own role; identifiers are quoted, values bound.
 */
export async function lossPreview(target: PgTarget, manifest: Manifest, signal?: AbortSignal): Promise<Pick<RestorePreview, 'tables' | 'notInBackup' | 'totals'> & { serverVersion: string }> {
  return withPgClient(target, async (client) => {
    await client.query('BEGIN READ ONLY');
    const serverVersion = (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
    const present = await client.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
    );
    const there = new Set(present.rows.map((r) => `${r.schema}.${r.name}`));
    const inBackup = new Set(manifest.tables.map((t) => `${t.schema}.${t.name}`));
    const takenAt = manifest.timings.startedAt;
    const tables: RestorePreview['tables'] = [];
    for (const t of manifest.tables) {
      const table = `${t.schema}.${t.name}`;
      if (!there.has(table)) {
        tables.push({ table, rowsInBackup: t.rows, rowsNow: null, newestColumn: null, newestNow: null, rowsAfterBackup: null });
        continue;
      }
      tables.push({ table, rowsInBackup: t.rows, ...(await tableNow(client, t.schema, t.name, takenAt)) });
    }
    const sum = (pick: (r: RestorePreview['tables'][number]) => number | null) => tables.reduce((a, r) => a + (pick(r) ?? 0), 0);
    return {
      serverVersion,
      tables,
      notInBackup: [...there].filter((name) => !inBackup.has(name) && !manifest.dump.excludedSchemas.includes(name.split('.')[0]!)).sort(),
      totals: { rowsInBackup: sum((r) => r.rowsInBackup), rowsNow: sum((r) => r.rowsNow), rowsAfterBackup: sum((r) => r.rowsAfterBackup) },
    };
  }, signal);
}

async function tableNow(client: pg.Client, schema: string, name: string, takenAt: string) {
  const columns = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = (pg_catalog.quote_ident($1) || '.' || pg_catalog.quote_ident($2))::regclass
       AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)`,
    [schema, name],
  );
  const names = columns.rows.map((c) => c.attname);
  const column = PREFERRED.map((p) => names.find((n) => n.toLowerCase() === p)).find(Boolean) ?? names[0] ?? null;
  const relation = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
  await client.query('SAVEPOINT loss');
  try {
    if (!column) {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${relation}`);
      return { rowsNow: Number(rows[0]!.n), newestColumn: null, newestNow: null, rowsAfterBackup: null };
    }
    const col = client.escapeIdentifier(column);
    const { rows } = await client.query<{ n: string; newest: Date | string | null; after: string }>(
      `SELECT count(*) AS n, max(${col}) AS newest, count(*) FILTER (WHERE ${col} > $1::timestamptz) AS after FROM ${relation}`,
      [takenAt],
    );
    const r = rows[0]!;
    return { rowsNow: Number(r.n), newestColumn: column, newestNow: r.newest === null ? null : new Date(r.newest).toISOString(), rowsAfterBackup: Number(r.after) };
  } catch {
    // A table this role may not read: the preview says it does not know rather than failing.
    await client.query('ROLLBACK TO SAVEPOINT loss');
    return { rowsNow: null, newestColumn: null, newestNow: null, rowsAfterBackup: null };
  }
}
