import type { IpcMethod } from '../contract/methods';
import type { IpcOutput, IpcParsedInput } from '../contract/ipc';
import { operations, type ActivityLock, type Operation } from '../contract/operations';
import { WardenError } from '../core/errors';
import { CHECKS, type ActivityKind } from '../core/runs/activities';
import type { Warden } from '../core/warden';
import { operationHandlers, type Call, type Shell } from './handlers';

/** A handler as a shell calls it: the input, and optionally the caller's own signal and CLI-only material. */
export type BoundOperations = {
  [M in IpcMethod]: (input: IpcParsedInput<M>, extra?: { signal?: AbortSignal; identities?: string[] }) => Promise<IpcOutput<M>>;
};

/** The core's activities each lock covers (a check: the integrity check, rehearsal or recovery check — the core's CHECKS). */
const KINDS: Record<ActivityLock['lock'], readonly ActivityKind[]> = { backup: ['backup'], check: CHECKS, restore: ['restore'], storage: ['storage'] };
/** How long a cancel waits for the work to have stopped and removed what it made (a scratch server's stop included). */
const STOP_WAIT_MS = 120_000;

const BUSY: Record<ActivityLock['lock'], string> = {
  backup: 'A backup of this project is already running',
  check: 'A check is already running on this backup',
  restore: 'A restore into this project is already running',
  storage: 'A Storage backup of this run is already running',
};

/**
 * The catalog's declarations put to work around every handler, the same in both shells: an activity
 * holds its lock in this process (so Cancel reaches it), gets a signal that the shell's cancel and the
 * caller's own signal (Ctrl-C) both abort; operations that change a run announce it before and after.
 */
export function bindOperations(warden: Warden, shell: Shell): BoundOperations {
  const handlers = operationHandlers(warden, shell);
  const running = new Map<string, AbortController>();
  const lockKey = (lock: ActivityLock['lock'], key: string) => `${lock}:${key}`;
  /**
   * Stops the activity holding a lock: at once when it runs in this process; in another process (the CLI,
   * the app) through a request written on it, which it watches. Resolves once it has stopped.
   */
  const cancel = async (lock: ActivityLock['lock'], key: string): Promise<boolean> => {
    const here = running.get(lockKey(lock, key));
    here?.abort();
    const asked = warden.activities.requestCancel(KINDS[lock], key);
    if (!here && asked.length === 0) return false;
    const end = Date.now() + STOP_WAIT_MS;
    while (warden.activities.isRunning(KINDS[lock], key)) {
      if (Date.now() > end) {
        const who = asked.map((a) => `process ${a.pid} on ${a.host}`).join(', ');
        throw new WardenError('BUSY', `Asked the ${KINDS[lock].join(' or ')} to stop${who ? ` (${who})` : ''}, but it is still running after ${STOP_WAIT_MS / 1000} s; it stops at its next step. Look again with "runs show".`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  };
  const announce = (runId: string) => shell.emit('runChanged', { runId });

  const bind = (method: IpcMethod) => {
    const op: Operation = operations[method];
    const handle = handlers[method] as (input: unknown, call: Call) => unknown;
    return async (input: unknown, extra: { signal?: AbortSignal; identities?: string[] } = {}) => {
      const controller = new AbortController();
      const signal = extra.signal ? AbortSignal.any([controller.signal, extra.signal]) : controller.signal;
      const call: Call = { signal, identities: extra.identities, cancel };
      let held: string | undefined;
      if (op.activity) {
        held = lockKey(op.activity.lock, (input as Record<string, string>)[op.activity.key]!);
        // Refused here too, so a second request never replaces the first one's cancel handle.
        if (running.has(held)) throw new WardenError('BUSY', `${BUSY[op.activity.lock]}. Wait for it to finish or cancel it first.`);
        running.set(held, controller);
      }
      const runId = op.changesRun ? (input as { runId: string }).runId : undefined;
      try {
        const pending = (async () => handle(input, call))(); // runs up to its first await right here
        // Long checks have marked their item running by their first await: views reload now, and again at the end.
        if (runId) announce(runId);
        return await pending;
      } finally {
        if (held) running.delete(held);
        if (runId) announce(runId);
      }
    };
  };
  return Object.fromEntries(Object.keys(operations).map((m) => [m, bind(m as IpcMethod)])) as BoundOperations;
}
