import { z } from 'zod';
import { signOffGate } from './constants';

export { signOffGate };

export const signOffRequestSchema = z
  .object({
    role: z.enum(['creator', 'verifier']),
    name: z.string().trim().min(2, 'must be the signer’s full name').max(120),
    /** Sign although an acceptance item is not green: only with a reason, which the audit trail keeps. */
    overrideReason: z.string().trim().min(10, 'must explain the override in at least 10 characters').max(2000).optional(),
  })
  .strict();
export type SignOffRequest = z.input<typeof signOffRequestSchema>;

export const signOffSchema = z.object({
  role: z.enum(['creator', 'verifier']),
  name: z.string(),
  osUser: z.string(),
  signedAt: z.string(),
  overrideReason: z.string().nullable(),
});
export type SignOff = z.infer<typeof signOffSchema>;
