import { existsSync, readFileSync } from 'node:fs';
import { connect as connectSocket, isIP } from 'node:net';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { sslModes } from '../../contract/constants';
import { cancelledError, WardenError } from '../errors';
import { supabaseEndpoint } from '../supabase/connection';
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
  /** PEM text of the CA(s) that sign the server's certificate; null or absent: the system's CA store. */
  sslRootCert?: string | null;
}

type SslOption = false | ConnectionOptions;
const LAX: SslOption = { rejectUnauthorized: false };

/** Where Linux distributions and macOS keep the system's CA bundle (libpq before 16 needs a file). */
const SYSTEM_CA_FILES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem', '/etc/ssl/ca-bundle.pem'];
export const systemCaFile = (): string | null => SYSTEM_CA_FILES.find((f) => existsSync(f)) ?? null;

/** The CAs a verified connection trusts: the profile's own, else Node's bundled store plus the system's file. */
function trustedCas(target: PgTarget): string | string[] {
  if (target.sslRootCert) return target.sslRootCert;
  const file = systemCaFile();
  return file ? [...rootCertificates, readFileSync(file, 'utf8')] : [...rootCertificates];
}

/** libpq's sslmode semantics as an ordered list of attempts (allow/prefer fall back on SSL negotiation errors only). */
function sslAttempts(target: PgTarget): SslOption[] {
  switch (target.sslmode) {
    case 'disable':
      return [false];
    case 'allow':
      return [false, LAX];
    case 'prefer':
      return [LAX, false];
    case 'require':
      return [LAX];
    case 'verify-ca':
      return [{ rejectUnauthorized: true, ca: trustedCas(target), checkServerIdentity: () => undefined }];
    case 'verify-full':
      // SNI carries host names only; an IP address is still checked against the certificate's IP entries.
      return [{ rejectUnauthorized: true, ca: trustedCas(target), ...(isIP(target.host) ? {} : { servername: target.host }) }];
  }
}

/** The error a server gets when it asks for the password in a form that exposes it. */
export const WEAK_AUTH = 'BW_WEAK_AUTH';

/**
 * node-postgres, refusing to send the password in cleartext or as an MD5 hash (which can be replayed
 * or cracked): only SCRAM-SHA-256, which never shows the password to the server. The connection is
 * closed before anything is sent.
 */
class ScramOnlyClient extends pg.Client {
  _handleAuthCleartextPassword(): void {
    this.refuse('the password in cleartext');
  }

  _handleAuthMD5Password(): void {
    this.refuse('an MD5 hash of the password');
  }

  private refuse(what: string): void {
    const self = this as unknown as { connection: { stream: { destroy(): void } }; _handleErrorWhileConnecting(error: Error): void };
    self.connection.stream.destroy();
    self._handleErrorWhileConnecting(Object.assign(new Error(`the server asked for ${what}`), { code: WEAK_AUTH }));
  }
}

/**
 * Asks the server to cancel the statement a session is running, as psql's Ctrl-C does: a query waiting
 * behind a migration's lock would otherwise hold the session (and a closing client) until its timeout.
 * The CancelRequest carries only the session's id and key and is read before any TLS or authentication;
 * a server or pooler that ignores it leaves the statement to its timeout, nothing worse.
 */
export function cancelStatement(target: PgTarget, client: pg.Client): void {
  // An idle session ignores it; the connection is closing either way.
  const session = client as unknown as { processID: number | null; secretKey: number | null };
  if (session.processID === null || session.secretKey === null) return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4); // the CancelRequest code
  packet.writeInt32BE(session.processID, 8);
  packet.writeInt32BE(session.secretKey, 12);
  const socket = target.host.startsWith('/') ? connectSocket(`${target.host}/.s.PGSQL.${target.port}`) : connectSocket(target.port, target.host);
  socket.setTimeout(5000, () => socket.destroy());
  socket.on('error', () => undefined);
  socket.on('connect', () => socket.end(packet));
}

export function describeTarget(t: Pick<PgTarget, 'host' | 'port' | 'database' | 'user'>): string {
  return `${t.user}@${t.host}:${t.port}/${t.database}`;
}

/** Connects, runs fn, always closes. Errors become WardenErrors that say what to check; an abort closes the connection and ends in CANCELLED. */
export async function withPgClient<T>(target: PgTarget, fn: (client: pg.Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  const attempts = sslAttempts(target);
  let lastError: unknown;
  for (const [i, ssl] of attempts.entries()) {
    const client = new ScramOnlyClient({
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
    const onAbort = () => {
      cancelStatement(target, client);
      void client.end().catch(() => undefined);
    };
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
  // Supabase's direct host has only an IPv6 address unless the project bought the IPv4 add-on.
  const ipv6Only = supabaseEndpoint(target) === 'direct' && ['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA'].includes(e?.code ?? '');
  if (ipv6Only) {
    const ref = /^db\.([a-z]{20})\./i.exec(target.host)?.[1];
    return new WardenError(
      'CONNECTION',
      `Could not reach ${where} (${e?.code}). Check the project ref in the host name; if it is right: Supabase's direct host has only an IPv6 address (unless the project has the IPv4 add-on), and this network does not reach it over IPv6. ` +
        `Use the session pooler instead: host <region>.pooler.supabase.com, port 5432, user ${target.user}.${ref ?? '<project-ref>'} (Dashboard → Connect → Session pooler).`,
      { cause: error },
    );
  }
  switch (e?.code) {
    case WEAK_AUTH:
      return new WardenError(
        'AUTH',
        `${where} asked for ${raw.replace(/^the server asked for /, '')}; Backup Warden sends the password only through SCRAM-SHA-256, so nothing was sent. ` +
          'Set password_encryption = scram-sha-256 on the server and reset the role’s password (Supabase does this already); if this is not your server, someone may be posing as it.',
        { cause: error },
      );
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
  if (/certificate|self[- ]signed|altnames|Hostname\/IP/i.test(raw)) {
    return new WardenError(
      'CONNECTION',
      `The server certificate of ${where} could not be verified (${raw}), so the password was not sent. ` +
        `Give the profile the CA certificate that signs the server's certificate (Supabase: Project Settings → Database → SSL configuration → Download certificate)` +
        `${target.sslmode === 'verify-full' ? ' and use the host name the certificate names' : ''}. If it is not your server, someone may be posing as it.`,
      { cause: error },
    );
  }
  // The session died under us (terminated, network cut): the next query on it fails this way.
  if (/not queryable|Connection terminated|connection (?:was )?(?:closed|ended)/i.test(raw)) {
    return new WardenError('CONNECTION', `The server at ${where} ended the session (${raw}). Check that the database is up and reachable, then try again.`, { cause: error });
  }
  return new WardenError('CONNECTION', `Could not use ${describeTarget(target)}: ${raw}`, { cause: error });
}
