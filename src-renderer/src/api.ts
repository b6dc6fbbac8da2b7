import type { WardenApi } from '../../src-main/contract/ipc';
import type { Result } from '../../src-main/contract/errors';

declare global {
  interface Window {
    warden: WardenApi;
  }
}

export const api = (): WardenApi => window.warden;

/** Unwraps a result for React state: throws an Error whose message is the operator-facing text. */
export async function unwrap<T>(promise: Promise<Result<T>>): Promise<T> {
  const result = await promise;
  if (result.ok) return result.value;
  throw Object.assign(new Error(result.error.message), { code: result.error.code });
}
