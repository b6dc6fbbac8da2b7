import type pg from 'pg';
import type { SampleCheck } from '../../contract/sampleCheck';
import type { CheckResult } from '../../contract/verify';

/** Runs structured sample checks (identifiers quoted, value bound) inside the caller's read-only transaction. */
export async function runSampleChecks(client: pg.Client, checks: readonly SampleCheck[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const [schema, table] = check.table.split('.') as [string, string];
    const from = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`;
    const where = check.where ? ` WHERE ${client.escapeIdentifier(check.where.column)} = $1` : '';
    const description = `count(*) of ${check.table}${check.where ? ` where ${check.where.column} = ${JSON.stringify(check.where.equals)}` : ''} ${check.expect.op} ${check.expect.rows}`;
    await client.query('SAVEPOINT bw_sample');
    try {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${from}${where}`, check.where ? [check.where.equals] : []);
      await client.query('RELEASE SAVEPOINT bw_sample');
      const n = Number(rows[0]!.n);
      const ok = check.expect.op === '=' ? n === check.expect.rows : check.expect.op === '>=' ? n >= check.expect.rows : n <= check.expect.rows;
      results.push({ key: `sample:${check.name}`, title: `Sample query: ${check.name}`, status: ok ? 'passed' : 'failed', detail: `${description}: got ${n}.`, numbers: { rows: n, expected: check.expect.rows } });
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT bw_sample');
      results.push({ key: `sample:${check.name}`, title: `Sample query: ${check.name}`, status: 'failed', detail: `${description}: ${error instanceof Error ? error.message : String(error)}`, numbers: {} });
    }
  }
  return results;
}
