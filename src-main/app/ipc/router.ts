import { ipcContract, type IpcOutput, type IpcParsedInput } from '../../contract/ipc';
import type { Result } from '../../contract/errors';
import { ipcMethods, type IpcMethod } from '../../contract/methods';
import { toErrorShape, WardenError } from '../../core/errors';
import { parseOrThrow } from '../../core/util/validation';

export type IpcHandlers = {
  [M in IpcMethod]: (input: IpcParsedInput<M>) => Promise<IpcOutput<M>> | IpcOutput<M>;
};

export type IpcDispatch = (method: string, payload: unknown, senderUrl: string | undefined) => Promise<Result<unknown>>;

/**
 * Electron-free IPC dispatch: checks the sender, validates the payload against the contract, runs
 * the handler, parses its output and turns every failure into {ok:false, error:{code,message}}.
 */
export function createIpcRouter(
  handlers: IpcHandlers,
  isTrustedSender: (url: string) => boolean,
  onError: (method: string, error: unknown) => void = () => undefined,
): IpcDispatch {
  const known = new Set<string>(ipcMethods);
  return async (method, payload, senderUrl) => {
    try {
      if (!known.has(method)) throw new WardenError('NOT_FOUND', `Unknown request "${String(method).slice(0, 64)}".`);
      if (!senderUrl || !isTrustedSender(senderUrl)) {
        throw new WardenError('FORBIDDEN', 'Request refused: it did not come from the Backup Warden window.');
      }
      const m = method as IpcMethod;
      const { input, output } = ipcContract[m];
      const parsed = parseOrThrow(input, payload, `request ${m}`);
      const value = await (handlers[m] as (i: unknown) => unknown)(parsed);
      return { ok: true, value: output.parse(value) };
    } catch (error) {
      onError(method, error);
      return { ok: false, error: toErrorShape(error) };
    }
  };
}
