import { z } from 'zod';
import { projectIdSchema } from './project';

/** One integrity or rehearsal check: what was checked, whether it held, and the numbers behind it. */
export const checkResultSchema = z.object({
  key: z.string(),
  title: z.string(),
  /** partial: held for what could be restored, but extensions the server lacks kept part of it out. */
  status: z.enum(['passed', 'partial', 'failed', 'not-run']),
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
  /** A database of another (non-production) project profile, e.g. staging; empty, or cleaned when the operator typed its name. */
  z.object({ kind: z.literal('project'), projectId: projectIdSchema, confirmClean: z.string().trim().max(63).optional() }).strict(),
]);
export type RehearsalTarget = z.infer<typeof rehearsalTargetSchema>;

export const tableDiffSchema = z.object({
  missing: z.array(z.string()),
  extra: z.array(z.string()),
  countMismatches: z.array(z.object({ table: z.string(), expected: z.number().nullable(), actual: z.number().nullable() })),
  fingerprintMismatches: z.array(z.string()),
});
export type TableDiff = z.infer<typeof tableDiffSchema>;

/** pg_restore's errors grouped by cause, with the action that resolves them. */
export const restoreErrorGroupSchema = z.object({
  kind: z.enum(['refused', 'missing-extension', 'missing-role', 'missing-object', 'other']),
  title: z.string(),
  action: z.string(),
  count: z.number().int(),
  /** The first few error lines, as pg_restore printed them (redacted). */
  examples: z.array(z.string()),
});
export type RestoreErrorGroup = z.infer<typeof restoreErrorGroupSchema>;

/** Each extension of the backup and what the rehearsal could do with it. */
export const extensionOutcomeSchema = z.object({
  name: z.string(),
  version: z.string(),
  schema: z.string(),
  status: z.enum(['installed', 'missing', 'refused']),
  detail: z.string(),
  tables: z.array(z.string()),
});
export type ExtensionOutcome = z.infer<typeof extensionOutcomeSchema>;

/** passed: every check held; partial: what could be restored matched, but extensions the server lacks kept part of it out; failed. */
export const rehearsalOutcomeSchema = z.enum(['passed', 'partial', 'failed']);
export type RehearsalOutcome = z.infer<typeof rehearsalOutcomeSchema>;

export const rehearsalReportSchema = z.object({
  runId: z.string(),
  backupId: z.string(),
  ok: z.boolean(),
  outcome: rehearsalOutcomeSchema,
  target: z.string(),
  /** What kept the restore apart from the operator's machine (socket, OS account, sandbox) or whose role it ran as. */
  isolation: z.string().default(''),
  checks: z.array(checkResultSchema),
  diff: tableDiffSchema.nullable(),
  tables: z.array(z.object({ table: z.string(), expected: z.number().nullable(), restored: z.number().nullable() })),
  /** "N of M tables restored, R of T rows": what the log states. */
  totals: z.object({ tablesExpected: z.number().int(), tablesRestored: z.number().int(), rowsExpected: z.number().int(), rowsRestored: z.number().int() }),
  restoreErrors: z.array(restoreErrorGroupSchema),
  extensions: z.array(extensionOutcomeSchema),
  /** What the restore refused to carry over from production, and why (privileged role attributes, memberships, event triggers). */
  refused: z.array(z.string()),
  /** prepareMs: scratch server, archive check and decryption (overlapped), roles; rtoMs: archive check, decryption and restore (null when the restore failed); totalMs: with comparison and teardown. */
  timings: z.object({ prepareMs: z.number(), rtoMs: z.number().nullable(), totalMs: z.number() }),
});
export type RehearsalReport = z.infer<typeof rehearsalReportSchema>;
