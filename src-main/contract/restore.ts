import { z } from 'zod';
import { storageRestorePreviewSchema } from './storage';

/** What a restore into a live database would discard, per table of the backup. */
export const lossRowSchema = z.object({
  table: z.string(),
  rowsInBackup: z.number().int().nullable(),
  /** Rows there now; null when the table does not exist there (the restore creates it). */
  rowsNow: z.number().int().nullable(),
  /** The newest timestamp column found (created_at, updated_at, … first), its newest value now, and the rows newer than the backup. */
  newestColumn: z.string().nullable(),
  newestNow: z.string().nullable(),
  rowsAfterBackup: z.number().int().nullable(),
});

export const restorePreviewSchema = z.object({
  backupTakenAt: z.string(),
  target: z.object({ projectId: z.string(), projectName: z.string(), environment: z.string(), endpoint: z.string(), database: z.string(), serverVersion: z.string() }),
  tables: z.array(lossRowSchema),
  /** Tables there that the backup does not have: a restore leaves them as they are. */
  notInBackup: z.array(z.string()),
  totals: z.object({ rowsInBackup: z.number().int(), rowsNow: z.number().int(), rowsAfterBackup: z.number().int() }),
  /** Who must confirm: the run's verifier by name for a production target, or an override with a reason. */
  needsSecondPerson: z.boolean(),
  verifier: z.string().nullable(),
  /**
   * Storage, when the run has a Storage archive: what re-uploading it would change (null with the reason
   * when the target's Storage cannot be reached).
   */
  storage: z.object({ preview: storageRestorePreviewSchema.nullable(), unavailable: z.string().nullable() }).nullable(),
});
export type RestorePreview = z.infer<typeof restorePreviewSchema>;

export const restoreStates = ['running', 'restored', 'partially-restored', 'failed', 'cancelled'] as const;

/** One restore of a run's backup into a project (a rollback), as the run shows it. */
export const restoreRecordSchema = z.object({
  id: z.string(),
  targetProjectId: z.string(),
  targetName: z.string(),
  endpoint: z.string(),
  /** running; restored (verified); partially-restored (the target was changed and is not the backup: use the safety backup); failed or cancelled before anything changed. */
  state: z.enum(restoreStates),
  phase: z.enum(['safety-backup', 'restoring', 'verifying', 'done']),
  requestedBy: z.string(),
  confirmedBy: z.string().nullable(),
  overrideReason: z.string().nullable(),
  /** The verified backup of the target taken first: the way back. */
  safetyRunId: z.string().nullable(),
  safetyFile: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Tables of the backup checked after the restore, and those that differ (missing, count, fingerprint). */
  verified: z
    .object({
      tables: z.number().int(),
      rows: z.number().int(),
      mismatches: z.array(z.string()),
      /** The Storage objects uploaded again (restores with Storage), and the buckets created for them. */
      storage: z.object({ objects: z.number().int(), bytes: z.number(), createdBuckets: z.array(z.string()) }).nullable().default(null),
    })
    .nullable(),
  error: z.string().nullable(),
});
export type RestoreRecord = z.infer<typeof restoreRecordSchema>;
