import { z } from 'zod';
import { projectIdSchema } from './project';

/** One integrity or rehearsal check: what was checked, whether it held, and the numbers behind it. */
export const checkResultSchema = z.object({
  key: z.string(),
  title: z.string(),
  status: z.enum(['passed', 'failed', 'not-run']),
  detail: z.string(),
  numbers: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).default({}),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

export const verifyReportSchema = z.object({
  runId: z.string(),
  backupId: z.string(),
  ok: z.boolean(),
  checks: z.array(checkResultSchema),
  durationMs: z.number(),
});
export type VerifyReport = z.infer<typeof verifyReportSchema>;

export const rehearsalTargetSchema = z.discriminatedUnion('kind', [
  /** A PostgreSQL the app starts in a temp dir and removes afterwards. */
  z.object({ kind: z.literal('embedded') }).strict(),
  /** An empty database of another (non-production) project profile, e.g. staging. */
  z.object({ kind: z.literal('project'), projectId: projectIdSchema }).strict(),
]);
export type RehearsalTarget = z.infer<typeof rehearsalTargetSchema>;

export const tableDiffSchema = z.object({
  missing: z.array(z.string()),
  extra: z.array(z.string()),
  countMismatches: z.array(z.object({ table: z.string(), expected: z.number().nullable(), actual: z.number().nullable() })),
  fingerprintMismatches: z.array(z.string()),
});
export type TableDiff = z.infer<typeof tableDiffSchema>;

export const rehearsalReportSchema = z.object({
  runId: z.string(),
  backupId: z.string(),
  ok: z.boolean(),
  target: z.string(),
  checks: z.array(checkResultSchema),
  diff: tableDiffSchema.nullable(),
  tables: z.array(z.object({ table: z.string(), expected: z.number().nullable(), restored: z.number().nullable() })),
  /** prepareMs: scratch server, archive check and decryption (overlapped), roles; rtoMs: archive check, decryption and restore; totalMs: with comparison and teardown. */
  timings: z.object({ prepareMs: z.number(), rtoMs: z.number(), totalMs: z.number() }),
});
export type RehearsalReport = z.infer<typeof rehearsalReportSchema>;
