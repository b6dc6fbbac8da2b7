import type { ErrorCode, WardenErrorShape } from '../contract/errors';
import { redact } from './util/redact';

/** An error meant for the operator: a stable code and a message that says what was wrong and what to do. */
export class WardenError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WardenError';
  }
}

/** The error cancelled work ends with, once its leftovers are gone. */
export const cancelledError = (what: string, cause?: unknown): WardenError =>
  new WardenError('CANCELLED', `${what} was cancelled by the operator; nothing it made was kept (temporary files and servers removed).`, { cause });

/** The only way an error leaves the process (IPC, CLI): known errors keep their code, anything else becomes INTERNAL; always redacted. */
export function toErrorShape(error: unknown): WardenErrorShape {
  if (error instanceof WardenError) return { code: error.code, message: redact(error.message) };
  const detail = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: redact(`Unexpected error: ${detail}`) };
}
