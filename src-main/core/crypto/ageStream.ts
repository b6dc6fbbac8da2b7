import { Duplex } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { WardenError } from '../errors';
import { AgeNativeDecrypt, nativeChaChaAvailable } from './ageNativeDecrypt';
import { AgeNativeEncrypt, LARGE_BATCH } from './ageNativeEncrypt';
import { startWorker } from '../util/worker';
import type { AgeMode, AgeWorkerData, FromWorker, ToWorker } from './ageWorker';

/**
 * A Node Duplex that age-encrypts (to recipients) or decrypts (with identities) in a worker thread.
 * Backpressure holds both ways, so a 1 GB backup streams with flat memory.
 */
export class AgeStream extends Duplex {
  private readonly worker: Worker;
  private waiting: { chunk: Buffer; callback: (error?: Error | null) => void } | null = null;
  private workerWantsData = false;
  private endRequested = false;
  private finalCallback: ((error?: Error | null) => void) | null = null;
  /** Set when the worker said 'done': we terminate it then (exit code 1), while the reader may still be draining. */
  private workerDone = false;

  constructor(mode: AgeMode, keys: string[]) {
    super({ allowHalfOpen: true });
    if (keys.length === 0) throw new WardenError('VALIDATION', mode === 'encrypt' ? 'At least one age recipient is required to encrypt.' : 'At least one age identity is required to decrypt.');
    // A small heap: the worker streams 64 KiB chunks, and a capped heap collects their garbage early
    // instead of letting resident memory grow with the file.
    this.worker = startWorker(import.meta.url, 'ageWorker', { workerData: { mode, keys } satisfies AgeWorkerData, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 } });
    this.worker.on('message', (msg: FromWorker) => this.onWorkerMessage(msg));
    this.worker.on('error', (error) => this.destroy(error));
    this.worker.on('exit', (code) => {
      if (!this.workerDone && !this.destroyed) this.destroy(new Error(`age worker exited early (code ${code})`));
    });
  }

  private post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private sendChunk(chunk: Buffer): void {
    const copy = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
    this.post({ type: 'chunk', data: copy }, [copy]);
  }

  private onWorkerMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'pull':
        if (this.waiting) {
          const { chunk, callback } = this.waiting;
          this.waiting = null;
          this.sendChunk(chunk);
          callback();
        } else if (this.endRequested) {
          this.post({ type: 'end' });
        } else {
          this.workerWantsData = true;
        }
        return;
      case 'out':
        this.push(Buffer.from(msg.data));
        return;
      case 'done':
        this.workerDone = true;
        this.push(null);
        this.finalCallback?.();
        this.finalCallback = null;
        void this.worker.terminate();
        return;
      case 'error':
        // Same wording as the native path: an authentication failure means altered or truncated data.
        this.destroy(
          new WardenError('INTERNAL', /invalid tag/i.test(msg.message) ? 'failed to decrypt and authenticate a payload chunk: the file was altered or truncated' : `age: ${msg.message}`),
        );
        return;
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.workerWantsData) {
      this.workerWantsData = false;
      this.sendChunk(chunk);
      callback();
    } else {
      this.waiting = { chunk, callback };
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finalCallback = callback;
    this.endRequested = true;
    if (this.workerWantsData) {
      this.workerWantsData = false;
      this.post({ type: 'end' });
    }
  }

  override _read(): void {
    this.post({ type: 'credit' });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.worker.terminate().finally(() => callback(error));
  }
}

/**
 * Native ChaCha20-Poly1305 where the runtime has it (fast, on this thread); else the pure-JS cipher in a worker.
 * `large`: the one big stream of a run (its chunks go on in 1 MiB batches: faster, a 1 MiB buffer per stream); not for streams run side by side.
 */
export const ageEncryptStream = (recipients: string[], options: { large?: boolean } = {}): Duplex => {
  if (recipients.length === 0) throw new WardenError('VALIDATION', 'At least one age recipient is required to encrypt.');
  return nativeChaChaAvailable() ? new AgeNativeEncrypt(recipients, options.large ? LARGE_BATCH : undefined) : new AgeStream('encrypt', recipients);
};

/** Native ChaCha20-Poly1305 where the runtime has it (fast, on this thread); else the pure-JS cipher in a worker. */
export const ageDecryptStream = (identities: string[]): Duplex =>
  nativeChaChaAvailable() ? new AgeNativeDecrypt(identities) : new AgeStream('decrypt', identities);
