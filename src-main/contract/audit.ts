import { z } from 'zod';

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  projectId: z.string().nullable(),
  runId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const chainVerdictSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), rows: z.number().int(), headHash: z.string() }),
  z.object({
    ok: z.literal(false),
    rows: z.number().int(),
    firstBadSeq: z.number().int(),
    reason: z.string(),
  }),
]);
export type ChainVerdict = z.infer<typeof chainVerdictSchema>;
