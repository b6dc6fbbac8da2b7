import { z } from 'zod';

/** One Storage object as listed: where it is, how big, what type, when it last changed. */
export const storageObjectFactsSchema = z.object({
  bucket: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative(),
  contentType: z.string().nullable(),
  lastModified: z.string().nullable(),
});
export type StorageObjectFacts = z.infer<typeof storageObjectFactsSchema>;

const objectRef = { bucket: z.string(), path: z.string() };
/** The archive against the storage.objects rows of the database backup: each list capped, with its full count. */
export const storageConsistencySchema = z.object({
  rows: z.number().int(),
  objects: z.number().int(),
  missingFiles: z.object({ count: z.number().int(), sample: z.array(z.object({ ...objectRef, size: z.number().nullable() })) }),
  sizeMismatches: z.object({ count: z.number().int(), sample: z.array(z.object({ ...objectRef, rowSize: z.number(), fileSize: z.number() })) }),
  filesWithoutRow: z.object({ count: z.number().int(), sample: z.array(z.object({ ...objectRef, size: z.number() })) }),
  ok: z.boolean(),
});
export type StorageConsistency = z.infer<typeof storageConsistencySchema>;

/**
 * The object manifest of a Storage backup (sealed beside it, as <name>.storage-manifest.json.age): every
 * object with its SHA-256, and the archive (<name>.storage.tar.age: a tar of bucket/path entries, age-encrypted).
 */
export const storageManifestSchema = z.object({
  format: z.literal('backup-warden/storage@1'),
  runId: z.string(),
  apiUrl: z.string(),
  buckets: z.array(z.string()),
  excludedBuckets: z.array(z.string()),
  objects: z.array(storageObjectFactsSchema.extend({ sha256: z.string() })),
  totals: z.object({ objects: z.number().int(), bytes: z.number().int() }),
  archive: z.object({ file: z.string(), ciphertextBytes: z.number().int(), ciphertextSha256: z.string() }),
  encryption: z.object({ scheme: z.literal('age-x25519'), recipients: z.array(z.string()) }),
  /** Null when the database backup has no Storage schema to compare with. */
  consistency: storageConsistencySchema.nullable(),
  timings: z.object({ startedAt: z.string(), finishedAt: z.string(), totalMs: z.number() }),
});
export type StorageManifest = z.infer<typeof storageManifestSchema>;

export const storageProgressSchema = z.object({
  phase: z.enum(['listing', 'downloading', 'archiving', 'uploading']),
  objectsDone: z.number().int(),
  objectsTotal: z.number().int(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  /** Objects a previous, interrupted attempt already fetched (not downloaded again). */
  resumed: z.number().int(),
});
export type StorageProgress = z.infer<typeof storageProgressSchema>;

export const storageBackupResultSchema = z.object({
  runId: z.string(),
  archiveFile: z.string(),
  buckets: z.array(z.string()),
  objects: z.number().int(),
  bytes: z.number(),
  resumed: z.number().int(),
  ciphertextSha256: z.string(),
  consistency: storageConsistencySchema.nullable(),
});
export type StorageBackupResult = z.infer<typeof storageBackupResultSchema>;

/** What uploading a run's Storage archive into a project would change there (a restore never deletes). */
export const storageRestorePreviewSchema = z.object({
  objects: z.number().int(),
  bytes: z.number(),
  buckets: z.array(z.string()),
  backedUpAt: z.string(),
  /** Buckets the target lacks: created private by the restore (their settings were not backed up). */
  missingBuckets: z.array(z.string()),
  /** Objects the target no longer has: uploaded again. */
  broughtBack: z.number().int(),
  /** Objects the target has: replaced by their backed-up version … */
  replaced: z.number().int(),
  /** … of which these changed since the backup: their current version is lost. */
  changedSince: z.object({ count: z.number().int(), sample: z.array(z.string()) }),
  /** Objects in the target that the backup does not have: left as they are. */
  keptNotInBackup: z.number().int(),
});
export type StorageRestorePreview = z.infer<typeof storageRestorePreviewSchema>;
