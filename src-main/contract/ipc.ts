import type { z } from 'zod';
import type { Result } from './errors';
import type { IpcEvent, IpcMethod } from './methods';
import { operations } from './operations';
import { backupProgressEventSchema, checkProgressEventSchema, runChangedEventSchema, storageProgressEventSchema } from './runs';

/**
 * The one IPC contract, derived from the operations catalog. Main validates every input against it;
 * outputs are parsed too, which strips any field the schema does not name, so nothing unlisted (a
 * secret) can leave the main process.
 */
export const ipcContract: { [M in IpcMethod]: { input: (typeof operations)[M]['input']; output: (typeof operations)[M]['output'] } } = operations;

export const ipcEventContract = {
  backupProgress: backupProgressEventSchema,
  storageProgress: storageProgressEventSchema,
  checkProgress: checkProgressEventSchema,
  runChanged: runChangedEventSchema,
} satisfies Record<IpcEvent, z.ZodType>;

export type IpcInput<M extends IpcMethod> = z.input<(typeof ipcContract)[M]['input']>;
export type IpcParsedInput<M extends IpcMethod> = z.output<(typeof ipcContract)[M]['input']>;
export type IpcOutput<M extends IpcMethod> = z.output<(typeof ipcContract)[M]['output']>;
export type IpcEventPayload<E extends IpcEvent> = z.output<(typeof ipcEventContract)[E]>;

/** What the preload exposes as window.warden: one named function per method, and one subscription per event. */
export type WardenApi = {
  [M in IpcMethod]: undefined extends IpcInput<M>
    ? (input?: IpcInput<M>) => Promise<Result<IpcOutput<M>>>
    : (input: IpcInput<M>) => Promise<Result<IpcOutput<M>>>;
} & {
  // One subscription per event, named as ipcEventSubscriber names it (backupProgress → onBackupProgress); returns its unsubscribe.
  [E in IpcEvent as `on${Capitalize<E>}`]: (listener: (event: IpcEventPayload<E>) => void) => () => void;
};
