import { z } from 'zod';
import type { ChecklistKey } from './checklist';
import { platformEvidenceSchema } from './platform';
import { signOffSchema } from './signoff';
import { storageConsistencySchema } from './storage';
import { rehearsalReportSchema, verifyReportSchema } from './verify';

/** A step that could not run or was stopped: what happened, and what was removed after it. */
export const failureEvidenceSchema = z.object({ error: z.string(), removed: z.array(z.string()).optional() });
export type FailureEvidence = z.infer<typeof failureEvidenceSchema>;

export const backupEvidenceSchema = z.object({
  backupId: z.string(),
  file: z.string(),
  ciphertextBytes: z.number(),
  ciphertextSha256: z.string(),
  /** Of the decrypted archive: backups before manifest@4. */
  plaintextSha256: z.string().optional(),
  tables: z.number().int(),
  publicTables: z.number().int(),
  rows: z.number().int(),
  roles: z.enum(['captured', 'skipped']),
  pgDump: z.string(),
  serverVersion: z.string(),
  /** pg_dump's parallel jobs: above 1, a directory archive packed with tar (absent before parallel backups). */
  jobs: z.number().int().min(1).default(1),
});
export type BackupEvidence = z.infer<typeof backupEvidenceSchema>;

/** What each checklist item records when it succeeds (or is checked): one schema per item. */
export const evidenceSchemas = {
  prerequisites: z.object({ platform: platformEvidenceSchema }),
  backup: backupEvidenceSchema,
  storage: z.discriminatedUnion('scope', [
    /** Nothing to back up: the database backup's snapshot has no storage.objects rows (or no Storage schema). */
    z.object({ scope: z.literal('none'), reason: z.string() }),
    z.object({
      scope: z.literal('backed-up'),
      archiveFile: z.string(),
      buckets: z.array(z.string()),
      excludedBuckets: z.array(z.string()),
      objects: z.number().int(),
      bytes: z.number(),
      ciphertextSha256: z.string(),
      consistency: storageConsistencySchema.nullable(),
    }),
    /** The operator left Storage out of this run, with a reason (audited). */
    z.object({ scope: z.literal('out-of-scope'), reason: z.string(), by: z.string(), objectRows: z.number().int() }),
  ]),
  integrity: verifyReportSchema,
  recovery: z.object({
    /** Whose key opened it: the project's recovery key (its escrow copy) or a break-glass recipient. */
    keyKind: z.enum(['escrowed recovery key', 'break-glass key']),
    recipient: z.string(),
    /** The file's digest, read in the same pass (checks since manifest@4); the decrypted archive's before. */
    ciphertextSha256: z.string().optional(),
    plaintextSha256: z.string().optional(),
    bytes: z.number(),
    checkedAt: z.string(),
  }),
  log: z.object({ renderedAt: z.string() }),
  rehearsal: rehearsalReportSchema,
  'sign-off': z.object({ creator: signOffSchema, verifier: signOffSchema.optional() }),
  notify: z.object({ channel: z.string(), status: z.number().int().optional(), message: z.string() }),
} satisfies Record<ChecklistKey, z.ZodType>;
export type Evidence<K extends ChecklistKey> = z.infer<(typeof evidenceSchemas)[K]>;

/** An item's evidence: its own record, or why the step failed. */
export const itemEvidenceSchema = <K extends ChecklistKey>(key: K) => z.union([evidenceSchemas[key], failureEvidenceSchema]).nullable();

export const isFailure = (evidence: object | null): evidence is FailureEvidence => evidence !== null && 'error' in evidence;
