import pg from 'pg';
import type { ConnectionOptions } from 'node:tls';
import type { sslModes } from '../../contract/constants';
import { cancelledError, WardenError } from '../errors';
import { redact } from '../util/redact';

export type SslMode = (typeof sslModes)[number];

/** Everything needed to reach one database. The password comes from the vault and stays in memory. */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | null;
  sslmode: SslMode;
}

type SslOption = false | ConnectionOptions;
const LAX: SslOption = { rejectUnauthorized: false };
const VERIFY_CA: SslOption = { rejectUnauthorized: true, checkServerIdentity: () => undefined };
const VERIFY_FULL: SslOption = { rejectUnauthorized: true };

/** libpq's sslmode semantics as an ordered list of attempts (allow/prefer fall back on SSL negotiation errors only). */
const SSL_ATTEMPTS: Record<SslMode, SslOption[]> = {
  disable: [false],
  allow: [false, LAX],
  prefer: [LAX, false],
  require: [LAX],
  'verify-ca': [VERIFY_CA],
  'verify-full': [VERIFY_FULL],
};

export function describeTarget(t: Pick<PgTarget, 'host' | 'port' | 'database' | 'user'>): string {
  return `${t.user}@${t.host}:${t.port}/${t.database}`;
}

/** Connects, runs fn, always closes. Errors become WardenErrors that say what to check; an abort closes the connection and ends in CANCELLED. */
export async function withPgClient<T>(target: PgTarget, fn: (client: pg.Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  const attempts = SSL_ATTEMPTS[target.sslmode];
  let lastError: unknown;
  for (const [i, ssl] of attempts.entries()) {
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password ?? undefined,
      ssl,
      application_name: 'backup-warden',
      connectionTimeoutMillis: 15_000,
      statement_timeout: 60_000,
    });
    // An idle connection error after connect would otherwise crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      if (i < attempts.length - 1 && isSslNegotiationError(error)) continue;
      throw describePgError(error, target);
    }
    const onAbort = () => void client.end().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await fn(client);
    } catch (error) {
      if (signal?.aborted) throw cancelledError('The database work', error);
      throw error instanceof WardenError ? error : describePgError(error, target);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await client.end().catch(() => undefined);
    }
  }
  throw describePgError(lastError, target);
}

function isSslNegotiationError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /SSL|encryption/i.test(message);
}

export function describePgError(error: unknown, target: PgTarget): WardenError {
  const e = error as { code?: string; message?: string };
  const where = `${target.host}:${target.port}`;
  const raw = redact(e?.message ?? String(error));
  switch (e?.code) {
    case 'ECONNREFUSED':
      return new WardenError('CONNECTION', `Could not connect to ${where}: connection refused. Check the host and port, and that the server accepts connections from this workstation.`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new WardenError('CONNECTION', `Host "${target.host}" could not be resolved. Check the host name (for Supabase: db.<project-ref>.supabase.co or the pooler host).`, { cause: error });
    case 'ETIMEDOUT':
      return new WardenError('CONNECTION', `Timed out connecting to ${where}. Check the network path and any IP allow-list on the database.`, { cause: error });
    case '28P01':
      return new WardenError('AUTH', `Password authentication failed for role "${target.user}". Update the database password in the project's settings.`, { cause: error });
    case '28000':
      return new WardenError('AUTH', `The server refused role "${target.user}" from this workstation (${raw}). Check the role name, sslmode and the server's access rules.`, { cause: error });
    case '57P01':
    case '57P02':
      return new WardenError('CONNECTION', `The server at ${where} ended the session (${raw}). Check that the database is up and reachable, then try again.`, { cause: error });
    case '3D000':
      return new WardenError('CONNECTION', `Database "${target.database}" does not exist on ${where}. Check the database name.`, { cause: error });
  }
  // Any other SQLSTATE is the server answering, not a connection problem.
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !/^(08|28|3D)/.test(e.code)) {
    return new WardenError('INTERNAL', `${describeTarget(target)} reported an error: ${raw} (SQLSTATE ${e.code})`, { cause: error });
  }
  if (/timeout/i.test(raw)) {
    return new WardenError('CONNECTION', `Timed out connecting to ${where}. Check the network path and any IP allow-list on the database.`, { cause: error });
  }
  if (/does not support SSL/i.test(raw)) {
    return new WardenError('CONNECTION', `${where} does not accept SSL connections, but sslmode is "${target.sslmode}". Use sslmode "disable" or "prefer" only for a local database.`, { cause: error });
  }
  if (/certificate|self[- ]signed/i.test(raw)) {
    return new WardenError('CONNECTION', `The server certificate of ${where} could not be verified (${raw}). With sslmode "${target.sslmode}" the certificate must chain to a trusted CA; use "require" to encrypt without verification.`, { cause: error });
  }
  return new WardenError('CONNECTION', `Could not use ${describeTarget(target)}: ${raw}`, { cause: error });
}
