import { z } from 'zod';
import { practiceExpectedTables, environments, sslModes } from './constants';
import { sampleCheckSchema } from './sampleCheck';
import { toolsDirSchema } from './settings';

export { practiceExpectedTables, environments, sslModes };

const HOSTNAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[?[0-9A-Fa-f:.]{2,45}\]?$/;
// Names for the database and role: what Supabase and ordinary setups use (pooler users contain a dot).
const PG_NAME = /^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/;
// Expected tables are matched against the catalog and quoted when used; still, only plain identifiers are accepted.
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** An age X25519 recipient: "age1" and 58 bech32 characters. */
export const AGE_RECIPIENT = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;

export const projectIdSchema = z.uuid({ message: 'must be a project id (UUID)' });

export const hostSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  // All-digit dotted names are addresses, not host names: 999.1.1.1 must fail as an IPv4 address.
  .refine((h) => (/^[\d.]+$/.test(h) ? IPV4.test(h) : HOSTNAME.test(h) || (h.includes(':') && IPV6.test(h))), {
    message: 'must be a hostname (db.<ref>.supabase.co), an IPv4 address or an IPv6 address, without scheme, port or path',
  });

export const projectFieldsSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(64, 'must be at most 64 characters')
    .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._()-]*$/u, 'may contain letters, digits, spaces and . _ ( ) - only, starting with a letter or digit'),
  environment: z.enum(environments, { message: `must be one of ${environments.join(', ')}` }),
  supabaseRef: z
    .string()
    .trim()
    .regex(/^[a-z]{20}$/, 'must be the 20 lowercase letters of the Supabase project ref (Project Settings → General)')
    .nullable(),
  host: hostSchema,
  port: z
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535'),
  database: z.string().trim().regex(PG_NAME, 'must be a database name of letters, digits, _ $ . - (at most 63, not starting with a digit)'),
  user: z.string().trim().regex(PG_NAME, 'must be a role name of letters, digits, _ $ . - (at most 63, not starting with a digit)'),
  sslmode: z.enum(sslModes, { message: `must be one of ${sslModes.join(', ')}` }),
  /** The CA certificate(s) that sign the server's certificate, as PEM text; null trusts the system's CA store. */
  sslRootCert: z
    .string()
    .trim()
    .max(65_536, 'must be at most 64 KiB of PEM text')
    .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/, 'must be PEM text: one or more -----BEGIN CERTIFICATE----- blocks (the .crt file Supabase lets you download)')
    .nullable(),
  /** This project's PostgreSQL tools folder, looked in before the installation's and PATH; null: none of its own. */
  pgToolsDir: toolsDirSchema.nullable(),
  storageBucket: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'must be a bucket name: 2–63 lowercase letters, digits, . _ -')
    .nullable(),
  expectedTables: z
    .array(z.string().trim().regex(TABLE_NAME, 'must be a plain table name: letters, digits and _, at most 63, not starting with a digit'))
    .max(2000, 'may list at most 2000 tables')
    .refine((names) => new Set(names).size === names.length, { message: 'lists a table more than once' }),
  extraRecipients: z
    .array(z.string().trim().regex(AGE_RECIPIENT, 'must be an age X25519 recipient (age1… as printed by age-keygen -y)'))
    .max(10, 'may list at most 10 extra recipients'),
  excludeSchemas: z
    .array(z.string().trim().regex(TABLE_NAME, 'must be a plain schema name: letters, digits and _'))
    .max(100, 'may list at most 100 schemas'),
  sampleChecks: z.array(sampleCheckSchema).max(50, 'may list at most 50 sample checks'),
  /** The project's API URL (Storage, Auth) when it is not https://<ref>.supabase.co: self-hosted Supabase, a local stack. */
  apiUrl: z
    .url({ protocol: /^https?$/, message: 'must be an https:// URL' })
    .refine((u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(u), { message: 'must be an https:// URL (http only for loopback)' })
    .nullable(),
  /** Storage buckets the Storage backup leaves out (e.g. public caches that can be rebuilt). */
  excludeBuckets: z
    .array(z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be a bucket id: letters, digits, . _ -'))
    .max(100, 'may list at most 100 buckets'),
});
const fields = projectFieldsSchema.shape;

/** Secrets are write-only: set a new value, null to remove, absent to keep. They are never read back. */
export const projectSecretsSchema = z.object({
  dbPassword: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').nullable().optional(),
  managementToken: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').nullable().optional(),
  /** Supabase service-role key (reads every Storage object); fetched once through the Management API when a token is set. */
  serviceRoleKey: z.string().min(20, 'must be the project’s service-role key').max(4096, 'must be at most 4096 characters').nullable().optional(),
  /** Slack-compatible incoming webhook; the URL itself is the credential, so it is a secret. */
  notifyWebhook: z
    .url({ protocol: /^https?$/, message: 'must be an https:// webhook URL' })
    .refine((u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(u), { message: 'must be an https:// webhook URL (http only for loopback)' })
    .nullable()
    .optional(),
});

/** Creating a project: optional fields get their defaults; TLS verified against the system's CAs unless a CA certificate is given. */
export const projectInputSchema = projectFieldsSchema
  .extend({
    supabaseRef: fields.supabaseRef.default(null),
    port: fields.port.default(5432),
    database: fields.database.default('postgres'),
    user: fields.user.default('postgres'),
    sslmode: fields.sslmode.default('verify-full'),
    sslRootCert: fields.sslRootCert.default(null),
    pgToolsDir: fields.pgToolsDir.default(null),
    storageBucket: fields.storageBucket.default(null),
    // None until the operator confirms the list the first connection test proposes (an empty list never passes the check).
    expectedTables: fields.expectedTables.default([]),
    extraRecipients: fields.extraRecipients.default([]),
    excludeSchemas: fields.excludeSchemas.default([]),
    sampleChecks: fields.sampleChecks.default([]),
    excludeBuckets: fields.excludeBuckets.default([]),
    apiUrl: fields.apiUrl.default(null),
    secrets: projectSecretsSchema.default({}),
  })
  .strict();
/** Changing a project: only the fields given change (no defaults here, or a patch would reset them). */
export const projectPatchSchema = projectFieldsSchema
  .partial()
  .extend({ secrets: projectSecretsSchema.optional() })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'must name at least one field to change' });

export type ProjectInput = z.input<typeof projectInputSchema>;
export type ProjectPatch = z.input<typeof projectPatchSchema>;
export type ProjectFields = z.output<typeof projectFieldsSchema>;

/** What leaves the main process: no secret, only whether one is set. */
export const projectViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  environment: z.enum(environments),
  supabaseRef: z.string().nullable(),
  host: z.string(),
  port: z.number(),
  database: z.string(),
  user: z.string(),
  sslmode: z.enum(sslModes),
  sslRootCert: z.string().nullable(),
  pgToolsDir: z.string().nullable(),
  storageBucket: z.string().nullable(),
  expectedTables: z.array(z.string()),
  extraRecipients: z.array(z.string()),
  excludeSchemas: z.array(z.string()),
  sampleChecks: z.array(sampleCheckSchema),
  excludeBuckets: z.array(z.string()),
  apiUrl: z.string().nullable(),
  /** Public half of the project's backup key; the identity stays in the keychain. */
  ageRecipient: z.string().nullable(),
  /** When the recovery key was last exported for escrow; null: only this workstation's keychain holds it. */
  keyEscrowedAt: z.string().nullable(),
  hasDbPassword: z.boolean(),
  hasManagementToken: z.boolean(),
  hasNotifyWebhook: z.boolean(),
  hasServiceRoleKey: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProjectView = z.infer<typeof projectViewSchema>;

/** A PostgreSQL tool this workstation would use for a server of some major, or why none fits. */
export const toolFitSchema = z.object({
  tool: z.string(),
  /** The version found (the newest), or null when none is installed. */
  version: z.string().nullable(),
  dir: z.string().nullable(),
  /** Same or newer major than the server: pg_dump refuses newer servers, a dump restores into the same or newer. */
  usable: z.boolean(),
});

export const connectionReportSchema = z.object({
  serverVersion: z.string(),
  serverVersionNum: z.number().int(),
  databaseSizeBytes: z.number(),
  publicTableCount: z.number().int(),
  /** The public tables, proposed as the expected list until the operator confirms one. */
  publicTables: z.array(z.string()),
  ssl: z.boolean(),
  latencyMs: z.number(),
  tools: z.array(toolFitSchema),
  /** What to install when a tool does not fit the server's major, else null. */
  toolAdvice: z.string().nullable(),
  /** True when this test confirmed the public tables as the project's expected list. */
  tablesConfirmed: z.boolean(),
});
export type ConnectionReport = z.infer<typeof connectionReportSchema>;
