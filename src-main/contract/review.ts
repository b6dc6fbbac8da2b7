import { z } from 'zod';
import { checkResultSchema, type CheckResult } from './verify';

/** One thing the verifier's workstation checked before signing a review bundle (not-run: no recipient key given). */
export const reviewCheckSchema = checkResultSchema;
export type ReviewCheck = CheckResult;

export const reviewResultSchema = z.object({
  creator: z.object({ name: z.string(), principal: z.string(), fingerprint: z.string() }),
  backupName: z.string(),
  checks: z.array(reviewCheckSchema),
  /** The verifier's principal and key, as now in the bundle. */
  principal: z.string(),
  fingerprint: z.string(),
});
export type ReviewResult = z.infer<typeof reviewResultSchema>;
