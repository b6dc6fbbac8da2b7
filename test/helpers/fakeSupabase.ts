import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server answering like the Supabase Management API (shapes from DESIGN.md), plus a
 * webhook sink. Refs pick behaviours: "unauthorized…" 401, "missing…" 404, "ratelimited…" 429 until
 * `recoverAfter` hits, "broken…" 500, "shape…" an unexpected body.
 */
export interface FakeSupabase {
  url: string;
  token: string;
  requests: { method: string; path: string; authorization: string | undefined }[];
  webhookBodies: string[];
  /** Bodies of POST …/database/backups/restore-pitr, by ref. Refs starting with "pitr" have PITR enabled; "pitrgone…" answers 400. */
  pitrRequests: { ref: string; body: unknown }[];
  backups: { id?: number; is_physical_backup: boolean; status: string; inserted_at: string }[];
  recoverAfter: number;
  /** What GET …/api-keys?reveal=true reveals as the service_role key. */
  serviceRoleKey: string;
  close(): Promise<void>;
}

/** An ISO time `h` hours before now (whole seconds). */
export const hoursAgo = (h: number): string => new Date(Math.floor((Date.now() - h * 3_600_000) / 1000) * 1000).toISOString();

export async function startFakeSupabase(token: string): Promise<FakeSupabase> {
  const state: Omit<FakeSupabase, 'url' | 'close'> = {
    token,
    requests: [],
    webhookBodies: [],
    pitrRequests: [],
    // Daily backups as a healthy project has them: yesterday's, this morning's, and one being taken.
    backups: [
      { id: 101, is_physical_backup: true, status: 'COMPLETED', inserted_at: hoursAgo(27) },
      { id: 102, is_physical_backup: true, status: 'COMPLETED', inserted_at: hoursAgo(3) },
      { id: 103, is_physical_backup: true, status: 'PENDING', inserted_at: hoursAgo(0.1) },
    ],
    recoverAfter: 2,
    serviceRoleKey: 'sb_secret_fakeservicerolekey0123456789abcdef',
  };
  let rateLimited = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      state.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' && path.split('?')[0] === '/hook') {
        state.webhookBodies.push(Buffer.concat(chunks).toString('utf8'));
        return send(200, { ok: true });
      }
      if (req.headers.authorization !== `Bearer ${state.token}`) return send(401, { message: 'Unauthorized' });
      const pitr = /^\/v1\/projects\/([^/]+)\/database\/backups\/restore-pitr$/.exec(path);
      if (pitr && req.method === 'POST') {
        const ref = pitr[1]!;
        if (!ref.startsWith('pitr') || ref.startsWith('pitrgone')) return send(400, { message: 'PITR is not enabled for this project' });
        state.pitrRequests.push({ ref, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
        return send(201, {});
      }
      // The project's API keys, revealed (legacy anon and service_role); "nokeys…" refs have none.
      const keys = /^\/v1\/projects\/([^/]+)\/api-keys\?reveal=true$/.exec(path);
      if (keys && req.method === 'GET') {
        if (keys[1]!.startsWith('nokeys')) return send(200, []);
        return send(200, [
          { name: 'anon', api_key: 'sb_anon_publicanonkey0123456789', type: 'legacy' },
          { name: 'service_role', api_key: state.serviceRoleKey, type: 'legacy' },
        ]);
      }
      // Service health; "unhealthy…" refs report Storage unhealthy.
      const health = /^\/v1\/projects\/([^/]+)\/health\?services=([a-z,]+)$/.exec(path);
      if (health && req.method === 'GET') {
        return send(200, health[2]!.split(',').map((name) => (health[1]!.startsWith('unhealthy') && name === 'storage' ? { name, healthy: false, status: 'UNHEALTHY', error: 'storage is not responding' } : { name, healthy: true, status: 'ACTIVE_HEALTHY' })));
      }
      // The organization's entitlements (org-<ref>): 7 days of backups, 14 for "team…" refs; "noent…" tokens may not read them.
      const entitlements = /^\/v1\/organizations\/org-([^/]+)\/entitlements$/.exec(path);
      if (entitlements && req.method === 'GET') {
        if (entitlements[1]!.startsWith('noent')) return send(403, { message: 'Your access token does not have the organization read scope' });
        const days = entitlements[1]!.startsWith('team') ? 14 : 7;
        return send(200, {
          entitlements: [
            { feature: { key: 'backup.retention_days', type: 'numeric' }, hasAccess: true, type: 'numeric', config: { enabled: true, value: days, unlimited: false, unit: 'days' } },
            { feature: { key: 'pitr.available_variants', type: 'set' }, hasAccess: true, type: 'set', config: { enabled: true, set: ['pitr_7', 'pitr_14', 'pitr_28'] } },
            { feature: { key: 'backup.schedule', type: 'boolean' }, hasAccess: false, type: 'boolean', config: { enabled: false } },
          ],
        });
      }
      // Add-ons: "pitr…" refs have the 7-day point-in-time recovery add-on.
      const addons = /^\/v1\/projects\/([^/]+)\/billing\/addons$/.exec(path);
      if (addons && req.method === 'GET') {
        return send(200, {
          selected_addons: addons[1]!.startsWith('pitr') ? [{ type: 'pitr', variant: { id: 'pitr_7', name: '7 days', price: { description: '$100/month', type: 'fixed', interval: 'monthly', amount: 100 } } }] : [],
          available_addons: [],
        });
      }
      const m = /^\/v1\/projects\/([^/]+)(\/database\/backups|\/config\/database\/pooler)?$/.exec(path);
      if (!m) return send(404, { message: 'Not found' });
      const ref = m[1]!;
      if (ref.startsWith('unauthorized')) return send(401, { message: 'Unauthorized' });
      if (ref.startsWith('missing')) return send(404, { message: 'Project not found' });
      if (ref.startsWith('broken')) return send(500, { message: 'Internal error' });
      if (ref.startsWith('shape')) return send(200, { unexpected: true });
      if (ref.startsWith('ratelimited') && rateLimited++ < state.recoverAfter) return send(429, { message: 'Too many requests' }, { 'Retry-After': '2' });
      if (m[2] === '/config/database/pooler') {
        const connection = `postgresql://postgres.${ref}:[YOUR-PASSWORD]@aws-0-eu-central-1.pooler.supabase.com:6543/postgres`;
        return send(200, [
          {
            identifier: ref, database_type: 'PRIMARY', is_using_scram_auth: true, db_user: `postgres.${ref}`, db_host: 'aws-0-eu-central-1.pooler.supabase.com',
            db_port: 6543, db_name: 'postgres', connection_string: connection, connectionString: connection, default_pool_size: 15, max_client_conn: 200, pool_mode: 'transaction',
          },
        ]);
      }
      if (!m[2]) {
        return send(200, {
          ref, name: 'Reference project', region: 'eu-central-1', created_at: '2025-01-10T10:00:00Z', status: 'ACTIVE_HEALTHY', organization_id: 'org', organization_slug: `org-${ref}`,
          // "future…" refs run on a PostgreSQL major no workstation has tools for.
          database: { host: `db.${ref}.supabase.co`, version: ref.startsWith('future') ? '99.0.1.001' : '15.8.1.079', postgres_engine: ref.startsWith('future') ? '99' : '15', release_channel: 'ga' },
        });
      }
      // PITR projects keep a window up to now; the others report daily backups only.
      const now = Math.floor(Date.now() / 1000);
      return send(200, {
        region: 'eu-central-1', walg_enabled: true, pitr_enabled: ref.startsWith('pitr'), backups: state.backups,
        physical_backup_data: ref.startsWith('pitr') ? { earliest_physical_backup_date_unix: now - 7 * 86_400, latest_physical_backup_date_unix: now + 60 } : { earliest_physical_backup_date_unix: 1763780400, latest_physical_backup_date_unix: 1763953200 },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeSupabase;
}
