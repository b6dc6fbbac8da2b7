import type { z } from 'zod';
import {
  platformAddonsSchema,
  platformApiKeysSchema,
  platformBackupsSchema,
  platformEntitlementsSchema,
  platformHealthSchema,
  platformPoolersSchema,
  platformProjectSchema,
  type PlatformAddons,
  type PlatformBackups,
  type PlatformEntitlements,
  type PlatformHealth,
  type PlatformPoolers,
  type PlatformProject,
} from '../../contract/platform';
import { WardenError } from '../errors';
import { redact } from '../util/redact';

export const DEFAULT_MANAGEMENT_API = 'https://api.supabase.com';

export interface ManagementApiOptions {
  baseUrl?: string;
  token: string;
  /** Attempts after a 429 (or 503) before giving up. */
  maxRetries?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Read-only client for the Supabase Management API: Bearer token, 429 back-off, errors that say what to do. */
export class ManagementApi {
  private readonly baseUrl: string;

  constructor(private readonly options: ManagementApiOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_MANAGEMENT_API).replace(/\/+$/, '');
  }

  getProject(ref: string): Promise<PlatformProject> {
    return this.get(`/v1/projects/${encodeURIComponent(ref)}`, platformProjectSchema, ref);
  }

  listPoolers(ref: string): Promise<PlatformPoolers> {
    return this.get(`/v1/projects/${encodeURIComponent(ref)}/config/database/pooler`, platformPoolersSchema, ref);
  }

  /** The project's secret (service-role) key, revealed: GET /v1/projects/{ref}/api-keys?reveal=true. */
  async serviceRoleKey(ref: string): Promise<string> {
    const keys = await this.get(`/v1/projects/${encodeURIComponent(ref)}/api-keys?reveal=true`, platformApiKeysSchema, ref);
    const key = keys.find((k) => k.name === 'service_role' && k.api_key) ?? keys.find((k) => k.type === 'secret' && k.api_key);
    if (!key?.api_key) throw new WardenError('NOT_FOUND', `Project ${ref} shows this token no service-role or secret API key. Paste the service-role key in the project settings (Dashboard → Project Settings → API Keys).`);
    return key.api_key;
  }

  /** The database, pooler, Storage and Auth services' health: a migration starts on a healthy project. */
  health(ref: string): Promise<PlatformHealth> {
    return this.get(`/v1/projects/${encodeURIComponent(ref)}/health?services=auth,db,pooler,storage`, platformHealthSchema, ref);
  }

  /** The organization's entitlements (backup.retention_days, pitr.available_variants, …). */
  entitlements(slug: string, ref: string): Promise<PlatformEntitlements> {
    return this.get(`/v1/organizations/${encodeURIComponent(slug)}/entitlements`, platformEntitlementsSchema, ref);
  }

  addons(ref: string): Promise<PlatformAddons> {
    return this.get(`/v1/projects/${encodeURIComponent(ref)}/billing/addons`, platformAddonsSchema, ref);
  }

  listBackups(ref: string): Promise<PlatformBackups> {
    return this.get(`/v1/projects/${encodeURIComponent(ref)}/database/backups`, platformBackupsSchema, ref);
  }

  /**
   * Point-in-time recovery of the whole project to `at` (POST …/database/backups/restore-pitr). Not
   * retried on 429: a restore is requested once; the caller asks the operator again.
   */
  async restorePitr(ref: string, at: Date): Promise<void> {
    await this.request('POST', `/v1/projects/${encodeURIComponent(ref)}/database/backups/restore-pitr`, null, ref, { recovery_time_target_unix: Math.floor(at.getTime() / 1000) });
  }

  private get<S extends z.ZodType>(path: string, schema: S, ref: string): Promise<z.output<S>> {
    return this.request('GET', path, schema, ref) as Promise<z.output<S>>;
  }

  private async request<S extends z.ZodType>(method: 'GET' | 'POST', path: string, schema: S | null, ref: string, body?: unknown): Promise<z.output<S> | undefined> {
    const maxRetries = method === 'GET' ? (this.options.maxRetries ?? 4) : 0;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const url = this.baseUrl + path;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { Authorization: `Bearer ${this.options.token}`, Accept: 'application/json', 'User-Agent': 'backup-warden', ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
        });
      } catch (error) {
        throw new WardenError('CONNECTION', `Could not reach the Supabase Management API at ${this.baseUrl} (${redact(error instanceof Error ? error.message : String(error))}). Check the network, or attest the platform backup by hand.`, { cause: error });
      }
      if ((response.status === 429 || response.status === 503) && attempt < maxRetries) {
        await response.body?.cancel();
        await sleep(retryDelay(response.headers.get('retry-after'), attempt));
        continue;
      }
      if (response.status === 400) {
        // The API says why (e.g. "PITR is not enabled"): the operator reads it as it is.
        const reason = await response.json().then((b: unknown) => ((b as { message?: unknown } | null)?.message ?? null)).then((m) => (typeof m === "string" ? m : null)).catch(() => null);
        throw new WardenError('VALIDATION', `The Supabase Management API refused ${method} ${path} (400)${reason ? `: ${redact(reason).slice(0, 300)}` : ''}.`);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw describeStatus(response.status, `${method} ${path}`, ref, attempt + 1);
      }
      if (!schema) {
        await response.body?.cancel();
        return undefined;
      }
      const parsed = schema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) {
        throw new WardenError('INTERNAL', `The Management API answered GET ${path} with an unexpected shape; it may have changed. Attest the platform backup by hand and report this.`);
      }
      return parsed.data;
    }
  }
}

/** Retry-After (seconds or HTTP date) when given, else exponential back-off from 1 s; capped at 60 s. */
export function retryDelay(retryAfter: string | null, attempt: number): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, 60_000);
  }
  return Math.min(1000 * 2 ** attempt, 60_000);
}

function describeStatus(status: number, what: string, ref: string, attempts: number): WardenError {
  switch (status) {
    case 401:
      return new WardenError('AUTH', 'The Supabase Management API rejected the access token (401). Create a new personal access token in the Supabase dashboard (Account → Access Tokens) and save it in the project settings.');
    case 403:
      return new WardenError('FORBIDDEN', `The access token may not read project ${ref} (403). Use a token of a member of its organization, or attest the platform backup by hand.`);
    case 404:
      return new WardenError('NOT_FOUND', `No Supabase project "${ref}" is visible to this token (404). Check the project ref in the project settings.`);
    case 429:
      return new WardenError('CONNECTION', `The Management API kept rate-limiting (429) after ${attempts} attempts (about 120 requests per minute are allowed). Wait a minute and try again.`);
    default:
      return status >= 500
        ? new WardenError('CONNECTION', `The Supabase Management API failed (${status}) on ${what}; the platform may be degraded. Try again later, or attest the platform backup by hand.`)
        : new WardenError('INTERNAL', `The Supabase Management API answered ${status} on ${what}.`);
  }
}
