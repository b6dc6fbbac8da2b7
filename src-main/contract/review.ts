import { z } from 'zod';

/** One thing the verifier's workstation checked before signing a review bundle. */
export const reviewCheckSchema = z.object({ key: z.string(), title: z.string(), status: z.enum(['passed', 'failed', 'skipped']), detail: z.string() });
export type ReviewCheck = z.infer<typeof reviewCheckSchema>;

export const reviewResultSchema = z.object({
  creator: z.object({ name: z.string(), principal: z.string(), fingerprint: z.string() }),
  backupName: z.string(),
  checks: z.array(reviewCheckSchema),
  /** The verifier's principal and key, as now in the bundle. */
  principal: z.string(),
  fingerprint: z.string(),
});
export type ReviewResult = z.infer<typeof reviewResultSchema>;
