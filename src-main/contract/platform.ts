import { z } from 'zod';
import { backupStatuses, plans } from './constants';

export { backupStatuses, plans };

// Response shapes of the Supabase Management API (DESIGN.md). Unknown fields are ignored: the API grows.
export const platformProjectSchema = z.object({
  ref: z.string(),
  name: z.string(),
  region: z.string(),
  created_at: z.string(),
  status: z.string(),
  organization_slug: z.string().optional(),
  database: z.object({ host: z.string(), version: z.string(), postgres_engine: z.string().optional(), release_channel: z.string().optional() }).optional(),
});
export type PlatformProject = z.infer<typeof platformProjectSchema>;

/** GET /v1/projects/{ref}/config/database/pooler: the project's Supavisor endpoints. */
export const platformPoolersSchema = z.array(
  z.object({
    database_type: z.string(),
    db_host: z.string(),
    db_port: z.number().int(),
    db_user: z.string(),
    db_name: z.string(),
    pool_mode: z.string(),
  }),
);
export type PlatformPoolers = z.infer<typeof platformPoolersSchema>;

/** A project's connection forms, from the Management API, to fill a profile with. */
export const supabaseLookupSchema = z.object({
  ref: z.string(),
  name: z.string(),
  region: z.string(),
  /** The server's PostgreSQL major (postgres_engine, else the version's first number). */
  postgresMajor: z.number().int().nullable(),
  /** db.<ref>.supabase.co:5432 as postgres: IPv6 only unless the project has the IPv4 add-on. */
  direct: z.object({ host: z.string(), port: z.number(), database: z.string(), user: z.string() }),
  /** The shared pooler in session mode (5432, works over IPv4); null when the project has none. */
  sessionPooler: z.object({ host: z.string(), port: z.number(), database: z.string(), user: z.string() }).nullable(),
});
export type SupabaseLookup = z.infer<typeof supabaseLookupSchema>;

export const platformBackupsSchema = z.object({
  region: z.string(),
  walg_enabled: z.boolean(),
  pitr_enabled: z.boolean(),
  backups: z.array(z.object({ id: z.number().or(z.string()).optional(), is_physical_backup: z.boolean(), status: z.string(), inserted_at: z.string() })),
  physical_backup_data: z.object({ earliest_physical_backup_date_unix: z.number().optional(), latest_physical_backup_date_unix: z.number().optional() }).default({}),
});
export type PlatformBackups = z.infer<typeof platformBackupsSchema>;

/** Days of daily backups each plan keeps (Supabase docs); Enterprise is "up to 30": set it per contract. */
export const defaultRetentionDays: Record<(typeof plans)[number], number> = { pro: 7, team: 14, enterprise: 30 };

const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-11-25T18:00:00Z' });

export const migrationWindowSchema = z
  .object({ start: isoDate, end: isoDate })
  .strict()
  .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: 'end must be after start' });

export const platformCheckRequestSchema = z
  .object({
    plan: z.enum(plans),
    retentionDays: z.number().int().min(1).max(365).optional(),
    migrationWindow: migrationWindowSchema,
  })
  .strict();
export type PlatformCheckRequest = z.input<typeof platformCheckRequestSchema>;

export const platformAttestationSchema = z
  .object({
    backupId: z.string().trim().min(1).max(200),
    status: z.enum(backupStatuses),
    insertedAt: isoDate,
    plan: z.enum(plans),
    retentionDays: z.number().int().min(1).max(365).optional(),
    migrationWindow: migrationWindowSchema,
    attestedBy: z.string().trim().min(1).max(120),
    note: z.string().trim().max(2000).default(''),
  })
  .strict();
export type PlatformAttestation = z.input<typeof platformAttestationSchema>;

export const platformEvidenceSchema = z.object({
  mode: z.enum(['verified', 'attested']),
  source: z.string(),
  projectRef: z.string().nullable(),
  projectStatus: z.string().nullable(),
  postgres: z.string().nullable(),
  backupId: z.string(),
  backupStatus: z.string(),
  insertedAt: z.string(),
  physical: z.boolean().nullable(),
  pitrEnabled: z.boolean().nullable(),
  retentionDays: z.number(),
  expiresAt: z.string(),
  migrationWindow: z.object({ start: z.string(), end: z.string() }),
  warnings: z.array(z.string()),
  /** The PostgreSQL major Supabase runs the project on (postgres_engine): the tools must be that major or newer. */
  postgresEngine: z.number().int().nullable().optional(),
  /** Where retentionDays comes from: the organization's entitlement, or the plan table when it cannot be read. */
  retentionSource: z.string().optional(),
  /** The point-in-time recovery add-on's window in days (pitr_7/14/28), when the project has one. */
  pitrDays: z.number().int().nullable().optional(),
  /** Auth users: in the run's backup (auth.users rows) and live now (auth.admin.listUsers), a sanity check. */
  authUsers: z.object({ inBackup: z.number().int().nullable(), live: z.number().int() }).optional(),
  /** The project's services as Supabase reported them (GET …/health); absent when attested. */
  services: z.array(z.object({ name: z.string(), healthy: z.boolean(), status: z.string() })).optional(),
  attestedBy: z.string().optional(),
  note: z.string().optional(),
});
export type PlatformEvidence = z.infer<typeof platformEvidenceSchema>;

/** GET /v1/projects/{ref}/api-keys?reveal=true: legacy (anon, service_role) and new (publishable, secret) keys. */
export const platformApiKeysSchema = z.array(
  z.object({ name: z.string(), api_key: z.string().nullable().optional(), type: z.string().nullable().optional() }),
);

/** GET /v1/projects/{ref}/health?services=…: each service's state. */
export const platformHealthSchema = z.array(z.object({ name: z.string(), healthy: z.boolean(), status: z.string(), error: z.string().nullable().optional() }));
export type PlatformHealth = z.infer<typeof platformHealthSchema>;

/** GET /v1/organizations/{slug}/entitlements: each feature, whether the organization has it, and its setting. */
export const platformEntitlementsSchema = z.object({
  entitlements: z.array(
    z.object({
      feature: z.object({ key: z.string(), type: z.string().optional() }),
      hasAccess: z.boolean(),
      config: z.object({ enabled: z.boolean().optional(), value: z.number().optional(), unlimited: z.boolean().optional(), unit: z.string().optional(), set: z.array(z.string()).optional() }).partial().optional(),
    }),
  ),
});
export type PlatformEntitlements = z.infer<typeof platformEntitlementsSchema>;

/** GET /v1/projects/{ref}/billing/addons: the add-ons the project has (PITR: variant pitr_7, pitr_14 or pitr_28). */
export const platformAddonsSchema = z.object({
  selected_addons: z.array(z.object({ type: z.string(), variant: z.object({ id: z.string(), name: z.string().optional() }) })),
});
export type PlatformAddons = z.infer<typeof platformAddonsSchema>;
