import pg from 'pg';

/** A query on a connection of its own, closed afterwards (without params: several statements may run at once). */
export async function sqlOn(target: pg.ClientConfig, text: string, params?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client(target);
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}
