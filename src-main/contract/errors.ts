import { z } from 'zod';

/** Every error that crosses a boundary (IPC, CLI) carries one of these codes and a message fit for an operator. */
export const errorCodes = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  /** Another backup, check or restore holds the lock this work needs: try again when it ends. */
  'BUSY',
  'FORBIDDEN',
  'VAULT_UNAVAILABLE',
  'CONNECTION',
  'AUTH',
  'DB_SCHEMA_TOO_NEW',
  /** A recorded fact (evidence, sign-off, artifact) differs from what the hash-chained audit trail vouches for. */
  'TAMPERED',
  'TOOL_MISSING',
  /** The operator stopped the work; what it had made was removed. */
  'CANCELLED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const wardenErrorSchema = z.object({ code: z.enum(errorCodes), message: z.string() });
export type WardenErrorShape = z.infer<typeof wardenErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: WardenErrorShape };
