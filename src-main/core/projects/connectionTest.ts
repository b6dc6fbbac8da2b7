import type { ConnectionReport } from '../../contract/project';
import { withPgClient, type PgTarget } from '../pg/connect';
import { toolsFor } from '../pgtools/discovery';

/**
 * Connects read-only and reports what an operator checks first: version, size, the public tables (the
 * proposed expected list), and whether this workstation's PostgreSQL tools fit the server's major.
 */
export async function testConnection(target: PgTarget, toolDirs: readonly string[] = []): Promise<Omit<ConnectionReport, 'tablesConfirmed'>> {
  const started = performance.now();
  const server = await withPgClient(target, async (client) => {
    await client.query('BEGIN READ ONLY');
    const { rows } = await client.query<{ version: string; num: number; size: string; tables: string[]; ssl: boolean | null }>(`
      SELECT current_setting('server_version') AS version,
             current_setting('server_version_num')::int AS num,
             pg_catalog.pg_database_size(current_database()) AS size,
             ARRAY(SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename LIMIT 2000) AS tables,
             (SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()) AS ssl`);
    await client.query('COMMIT');
    return rows[0]!;
  });
  const latencyMs = Math.round(performance.now() - started);
  const { tools, advice } = await toolsFor(Math.floor(server.num / 10_000), toolDirs);
  return {
    serverVersion: server.version,
    serverVersionNum: server.num,
    databaseSizeBytes: Number(server.size),
    publicTableCount: server.tables.length,
    publicTables: server.tables,
    ssl: server.ssl === true,
    latencyMs,
    tools,
    toolAdvice: advice,
  };
}
