import { z } from 'zod';
import { AGE_RECIPIENT, projectIdSchema } from './project';

/** A backup's file name stem: no path separators, nothing hidden, bounded. */
export const backupNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be 1–100 letters, digits, . _ - (no spaces or path separators), starting with a letter or digit')
  .refine((n) => !n.includes('..'), { message: 'must not contain ".."' });

/** Parallel dump jobs at most: each holds a server session, and a workstation rarely has more cores. */
export const MAX_BACKUP_JOBS = 16;

export const backupRequestSchema = z
  .object({
    projectId: projectIdSchema,
    /** Defaults to pre-migration-baseline-YYYY-MM-DD. */
    name: backupNameSchema.optional(),
    description: z.string().trim().max(2000, 'must be at most 2000 characters').default(''),
    /** Recipients added for this backup only, on top of the project's key and its extra recipients. */
    extraRecipients: z.array(z.string().trim().regex(AGE_RECIPIENT, 'must be an age X25519 recipient (age1…)')).max(10).default([]),
    /**
     * For a production project whose backup only this workstation's keychain could open (no escrowed
     * recovery key, no other recipient): the operator's explicit, recorded acknowledgement.
     */
    acknowledgeSingleKey: z.boolean().default(false),
    /**
     * pg_dump processes (and server sessions) reading tables at once: above 1, a directory archive (`pg_dump
     * -Fd -j`) written to a private temporary folder, then packed (tar) and encrypted into the one backup file.
     */
    jobs: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_BACKUP_JOBS, `must be at most ${MAX_BACKUP_JOBS}`).default(1),
  })
  .strict();
export type BackupRequest = z.input<typeof backupRequestSchema>;

/** How far a long activity is, and an estimate of the time it still needs (null until the pace is known). */
export const progressPace = z.object({ fraction: z.number().min(0).max(1), elapsedMs: z.number(), etaMs: z.number().nullable() });

export const backupProgressSchema = progressPace.extend({
  phase: z.enum(['preparing', 'dumping', 'roles', 'finalizing']),
  bytesDumped: z.number(),
  bytesWritten: z.number(),
  currentTable: z.string().nullable(),
  tablesDone: z.number().int(),
  tablesTotal: z.number().int(),
});
export type BackupProgress = z.infer<typeof backupProgressSchema>;

export const tableFactsSchema = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.enum(['table', 'partitioned']),
  /** Exact count(*) in the dump's snapshot; null when the role may not read the table. */
  rows: z.number().int().nullable(),
  bytes: z.number(),
  fingerprint: z.string(),
  countError: z.string().optional(),
});
export type TableFacts = z.infer<typeof tableFactsSchema>;

/** One privilege from an ACL (aclexplode), grantee "PUBLIC" for everyone. */
export const aclEntrySchema = z.object({ grantee: z.string(), privilege: z.string(), grantable: z.boolean() });
export type AclEntry = z.infer<typeof aclEntrySchema>;

/** A schema as the restore must prepare it: owner and privileges, and its catalog id (to find it in the archive's TOC). */
export const schemaFactsSchema = z.object({ name: z.string(), oid: z.number().int(), owner: z.string(), acl: z.array(aclEntrySchema) });
export type SchemaFacts = z.infer<typeof schemaFactsSchema>;

/** An installed extension and the user tables (and columns) that cannot be restored without it. */
export const extensionFactsSchema = z.object({
  name: z.string(),
  version: z.string(),
  schema: z.string(),
  oid: z.number().int(),
  dependents: z.array(z.object({ table: z.string(), column: z.string().nullable() })),
});
export type ExtensionFacts = z.infer<typeof extensionFactsSchema>;

/**
 * What a restore needs besides the archive, captured as data in the dump's snapshot: it is recreated
 * from these facts with quoted identifiers, never by executing SQL text taken from production.
 */
export const catalogFactsSchema = z.object({
  databaseOwner: z.string(),
  databaseAcl: z.array(aclEntrySchema),
  schemas: z.array(schemaFactsSchema),
  extensions: z.array(extensionFactsSchema),
  /** Role names only; attributes, memberships, settings and comments are in the encrypted roles file. */
  roles: z.array(z.string()),
  /** Event triggers: a superuser feature, never restored by a non-superuser (listed so the report can say so). */
  eventTriggers: z.array(z.string()),
});
export type CatalogFacts = z.infer<typeof catalogFactsSchema>;

/** A role as data (no password): what the encrypted roles file holds. */
export const capturedRoleSchema = z.object({
  name: z.string(),
  superuser: z.boolean(),
  inherit: z.boolean(),
  createrole: z.boolean(),
  createdb: z.boolean(),
  login: z.boolean(),
  replication: z.boolean(),
  bypassrls: z.boolean(),
  connectionLimit: z.number().int(),
  validUntil: z.string().nullable(),
  comment: z.string().nullable(),
  memberOf: z.array(z.object({ role: z.string(), admin: z.boolean() })),
  settings: z.array(z.object({ database: z.string().nullable(), name: z.string(), value: z.string() })),
});
export type CapturedRole = z.infer<typeof capturedRoleSchema>;
export const rolesFileSchema = z.object({ format: z.literal('backup-warden/roles@1'), roles: z.array(capturedRoleSchema) });
export type RolesFile = z.infer<typeof rolesFileSchema>;

export const manifestSchema = z.object({
  /**
   * @1: roles captured as pg_dumpall SQL (never executed since), no catalog facts. @2: this manifest in
   * plain text beside the backup. @3: beside it only the public manifest, this one encrypted. @4: no digest
   * of the decrypted archive — the file's digest determines it (age decrypts deterministically and
   * authenticates every chunk), and a second SHA-256 cost more than the encryption where the CPU has no SHA
   * instructions.
   */
  format: z.enum(['backup-warden/manifest@1', 'backup-warden/manifest@2', 'backup-warden/manifest@3', 'backup-warden/manifest@4']),
  backupId: z.string(),
  runId: z.string(),
  name: z.string(),
  description: z.string(),
  project: z.object({ id: z.string(), name: z.string(), environment: z.string(), supabaseRef: z.string().nullable() }),
  source: z.object({ host: z.string(), port: z.number(), database: z.string(), user: z.string() }),
  server: z.object({ version: z.string(), versionNum: z.number().int(), databaseSizeBytes: z.number() }),
  tools: z.object({ pgDump: z.string(), pgDumpDir: z.string() }),
  dump: z.object({
    /** custom: the file holds a pg_dump custom archive; directory: a tar of a pg_dump directory archive (its files in `files` order). */
    format: z.enum(['custom', 'directory']),
    /** pg_dump's parallel jobs (directory archives only). */
    jobs: z.number().int().min(1).default(1),
    compression: z.string(),
    /** zstd: the encrypted file holds a zstd stream of the archive or its tar (pg_dump ≤ 15, compressed by zstd -T0 outside it). */
    stream: z.enum(['zstd']).nullable().default(null),
    /** directory: the archive's files as packed — all an unpack takes. */
    files: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/).refine((n) => n !== '.' && n !== '..')).optional(),
    excludedSchemas: z.array(z.string()),
    /** Exported snapshot shared by pg_dump and the row counts; null when the server could not export one. */
    snapshot: z.string().nullable(),
  }),
  schemas: z.record(z.string(), z.array(z.string())),
  tables: z.array(tableFactsSchema),
  totals: z.object({ tables: z.number().int(), publicTables: z.number().int(), rows: z.number().int() }),
  schemaFingerprint: z.string(),
  /** null in manifests written before catalog facts were captured. */
  catalog: catalogFactsSchema.nullable().default(null),
  files: z.object({
    /** plaintextSha256: of the decrypted archive, in manifests before @4. */
    dump: z.object({ file: z.string(), plaintextBytes: z.number(), plaintextSha256: z.string().optional(), ciphertextBytes: z.number(), ciphertextSha256: z.string() }),
    roles: z.union([
      z.object({
        status: z.literal('captured'),
        /** json: rolesFileSchema (current); sql: pg_dumpall output of older versions, kept for the operator but never executed. */
        format: z.enum(['json', 'sql']).default('sql'),
        file: z.string(),
        ciphertextSha256: z.string(),
        plaintextSha256: z.string(),
      }),
      z.object({ status: z.literal('skipped'), reason: z.string() }),
    ]),
  }),
  encryption: z.object({ scheme: z.literal('age-x25519'), recipients: z.array(z.string()) }),
  timings: z.object({ startedAt: z.string(), finishedAt: z.string(), dumpMs: z.number(), totalMs: z.number() }),
});
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * The manifest beside the backup, in plain text: only what checking the files without the key needs
 * (sizes, hashes, recipients). The full manifest — host, user, every table and its rows — lies beside it
 * age-encrypted to the same recipients (files.manifest).
 */
export const publicManifestSchema = z.object({
  format: z.literal('backup-warden/manifest-public@1'),
  backupId: z.string(),
  name: z.string(),
  finishedAt: z.string(),
  files: z.object({
    dump: manifestSchema.shape.files.shape.dump,
    roles: z.object({ file: z.string(), ciphertextSha256: z.string() }).nullable(),
    manifest: z.object({ file: z.string() }),
  }),
  encryption: manifestSchema.shape.encryption,
});
export type PublicManifest = z.infer<typeof publicManifestSchema>;

/** Since @3 the full manifest lies beside the backup encrypted, the public one in plain text. */
export const sealsFullManifest = (m: Pick<Manifest, 'format'>): boolean => m.format === 'backup-warden/manifest@3' || m.format === 'backup-warden/manifest@4';

/** Where the encrypted full manifest of a backup file lies. */
export const sealedManifestFile = (dumpFile: string): string => dumpFile.replace(/\.dump\.age$/, '.manifest.json.age');

export function publicManifest(m: Manifest): PublicManifest {
  return {
    format: 'backup-warden/manifest-public@1',
    backupId: m.backupId,
    name: m.name,
    finishedAt: m.timings.finishedAt,
    files: {
      dump: m.files.dump,
      roles: m.files.roles.status === 'captured' ? { file: m.files.roles.file, ciphertextSha256: m.files.roles.ciphertextSha256 } : null,
      manifest: { file: sealedManifestFile(m.files.dump.file) },
    },
    encryption: m.encryption,
  };
}

export const backupResultSchema = z.object({
  runId: z.string(),
  backupId: z.string(),
  dumpFile: z.string(),
  manifestFile: z.string(),
  manifest: manifestSchema,
});
export type BackupResult = z.infer<typeof backupResultSchema>;
