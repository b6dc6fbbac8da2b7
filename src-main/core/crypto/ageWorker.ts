// Runs age encryption/decryption (pure JS, CPU-bound) off the main thread. Both directions are
// pull-driven so memory stays flat: input is requested only when age wants it ('pull'), output is
// sent only when the main side has room for it ('credit').
import { Decrypter, Encrypter } from 'age-encryption';
import { parentPort, workerData } from 'node:worker_threads';

export type AgeMode = 'encrypt' | 'decrypt';
export interface AgeWorkerData {
  mode: AgeMode;
  /** age1… recipients to encrypt to, or AGE-SECRET-KEY-1… identities to decrypt with. */
  keys: string[];
}
export type ToWorker = { type: 'chunk'; data: ArrayBuffer } | { type: 'end' } | { type: 'credit' };
export type FromWorker = { type: 'pull' } | { type: 'out'; data: ArrayBuffer } | { type: 'done' } | { type: 'error'; message: string };

const port = parentPort!;
const { mode, keys } = workerData as AgeWorkerData;
const send = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

let pending: { controller: ReadableStreamDefaultController<Uint8Array>; resolve: () => void } | null = null;
let credits = 0;
let creditWaiter: (() => void) | null = null;

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'credit') {
    credits++;
    creditWaiter?.();
    creditWaiter = null;
    return;
  }
  const p = pending;
  pending = null;
  if (!p) return;
  if (msg.type === 'chunk') p.controller.enqueue(new Uint8Array(msg.data));
  else p.controller.close();
  p.resolve();
});

const input = new ReadableStream<Uint8Array>(
  {
    pull: (controller) =>
      new Promise<void>((resolve) => {
        pending = { controller, resolve };
        send({ type: 'pull' });
      }),
  },
  { highWaterMark: 0 },
);

async function run(): Promise<void> {
  let output: ReadableStream<Uint8Array>;
  if (mode === 'encrypt') {
    const encrypter = new Encrypter();
    for (const key of keys) encrypter.addRecipient(key);
    output = await encrypter.encrypt(input);
  } else {
    const decrypter = new Decrypter();
    for (const key of keys) decrypter.addIdentity(key);
    output = await decrypter.decrypt(input);
  }
  const reader = output.getReader();
  for (;;) {
    if (credits === 0) await new Promise<void>((resolve) => (creditWaiter = resolve));
    const { done, value } = await reader.read();
    if (done) break;
    credits--;
    const copy = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
    send({ type: 'out', data: copy.buffer as ArrayBuffer }, [copy.buffer as ArrayBuffer]);
  }
  send({ type: 'done' });
}

run().catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
