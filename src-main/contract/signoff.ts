import { z } from 'zod';
import { signOffGate } from './constants';

export { signOffGate };

export const signOffRequestSchema = z
  .object({
    role: z.enum(['creator', 'verifier']),
    name: z.string().trim().min(2, 'must be the signer’s full name').max(120),
    /** Sign although an acceptance item is not green: only with a reason, which the audit trail keeps. */
    overrideReason: z.string().trim().min(10, 'must explain the override in at least 10 characters').max(2000).optional(),
    // The signer's own SSH key — exactly one of these (a review bundle only for a verifier on another workstation).
    /** A private key file (absolute path); ssh-keygen reads it, this app never does. */
    keyFile: z.string().trim().min(1).max(4096).optional(),
    /** The SHA256 fingerprint of a key held by ssh-agent (hardware tokens work through the agent). */
    agentKey: z.string().trim().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a key fingerprint as ssh-add -l prints it (SHA256:…)').optional(),
    /** A review bundle the verifier signed on another workstation (folder path). */
    reviewBundle: z.string().trim().min(1).max(4096).optional(),
  })
  .strict();
export type SignOffRequest = z.input<typeof signOffRequestSchema>;

export const signOffSchema = z.object({
  role: z.enum(['creator', 'verifier']),
  name: z.string(),
  osUser: z.string(),
  signedAt: z.string(),
  overrideReason: z.string().nullable(),
  /** The allowed_signers principal and the key that signed the log (null for sign-offs made before personal keys). */
  principal: z.string().nullable().default(null),
  fingerprint: z.string().nullable().default(null),
  /** Where the verifier checked the backup file: here, or from a review bundle on another workstation. */
  checkedOn: z.enum(['this workstation', 'another workstation']).nullable().default(null),
});
export type SignOff = z.infer<typeof signOffSchema>;

/** A key ssh-agent offers for signing. */
export const agentKeySchema = z.object({ publicKey: z.string(), fingerprint: z.string(), comment: z.string() });

/** One person's signature over an exported log, as ssh-keygen -Y verify judged it. */
export const signatureVerdictSchema = z.object({ role: z.enum(['creator', 'verifier']), principal: z.string(), ok: z.boolean(), fingerprint: z.string().nullable(), reason: z.string().nullable() });
export type SignatureVerdictView = z.infer<typeof signatureVerdictSchema>;
