import type { ConnectionReport } from '../../contract/project';
import { withPgClient, type PgTarget } from '../pg/connect';

/** Connects read-only and reports what an operator checks first: version, size, how many public tables. */
export async function testConnection(target: PgTarget): Promise<ConnectionReport> {
  const started = performance.now();
  return withPgClient(target, async (client) => {
    await client.query('BEGIN READ ONLY');
    const { rows } = await client.query<{ version: string; num: number; size: string; tables: number; ssl: boolean | null }>(`
      SELECT current_setting('server_version') AS version,
             current_setting('server_version_num')::int AS num,
             pg_catalog.pg_database_size(current_database()) AS size,
             (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public')::int AS tables,
             (SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()) AS ssl`);
    await client.query('COMMIT');
    const row = rows[0]!;
    return {
      serverVersion: row.version,
      serverVersionNum: row.num,
      databaseSizeBytes: Number(row.size),
      publicTableCount: row.tables,
      ssl: row.ssl === true,
      latencyMs: Math.round(performance.now() - started),
    };
  });
}
