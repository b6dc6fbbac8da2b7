import { Transform, type TransformCallback } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/worker';
import type { FromHashWorker, ToHashWorker } from './hashWorker';

/** Bytes a digest may have on their way to the worker before its stream waits: memory stays flat. */
const IN_FLIGHT = 4 * 1024 * 1024;
const MIN_BUFFER = 64 * 1024;

/**
 * One worker thread that takes the SHA-256 of several streams (HashStream's work, off this thread): each
 * stream passes its bytes through unchanged and sends a copy to the worker. For whole-backup reads, whose
 * main thread decrypts: 1 GB decrypted and hashed twice there took 1.6 s, mostly hashing. close() when done.
 */
export class OffThreadSha256 {
  private readonly worker: Worker;
  private readonly streams = new Map<number, OffThreadHashStream>();
  private nextId = 0;

  constructor() {
    this.worker = startWorker(import.meta.url, 'hashWorker', { resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } });
    this.worker.on('message', (msg: FromHashWorker) => this.streams.get(msg.id)?.onWorker(msg));
    this.worker.on('error', (error) => this.fail(error));
    // A worker that ended before close() would leave its streams waiting for digests forever.
    this.worker.on('exit', (code) => this.fail(new Error(`the hashing thread ended early (code ${code})`)));
  }

  private fail(error: Error): void {
    for (const s of this.streams.values()) s.destroy(error);
  }

  /** A pass-through stream whose `sha256` and `bytes` are there once it has finished. */
  stream(onBytes?: (total: number) => void): OffThreadHashStream {
    const id = this.nextId++;
    const stream = new OffThreadHashStream((msg, transfer) => this.worker.postMessage(msg, transfer), id, onBytes);
    this.streams.set(id, stream);
    stream.once('close', () => this.streams.delete(id));
    return stream;
  }

  close(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }
}

export class OffThreadHashStream extends Transform {
  bytes = 0;
  private inFlight = 0;
  /** The held callback of a chunk that took the bytes in flight over the limit. */
  private held: (() => void) | null = null;
  private onDigest: ((sha256: string) => void) | null = null;
  private hex: string | null = null;
  /** Buffers back from the worker, for the next chunks. */
  private readonly pool: ArrayBuffer[] = [];

  constructor(
    private readonly post: (msg: ToHashWorker, transfer: ArrayBuffer[]) => void,
    private readonly id: number,
    private readonly onBytes?: (total: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // A copy into a buffer of our own, transferred (the chunk itself goes on downstream); it comes back hashed.
    let buffer = this.pool.pop();
    if (!buffer || buffer.byteLength < chunk.length) buffer = new ArrayBuffer(Math.max(chunk.length, MIN_BUFFER));
    new Uint8Array(buffer).set(chunk);
    this.post({ type: 'chunk', id: this.id, data: buffer, length: chunk.length }, [buffer]);
    this.inFlight += chunk.length;
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    this.push(chunk);
    if (this.inFlight <= IN_FLIGHT) callback();
    else this.held = callback;
  }

  override _flush(callback: TransformCallback): void {
    this.onDigest = (sha256) => {
      this.hex = sha256;
      callback();
    };
    this.post({ type: 'end', id: this.id }, []);
  }

  onWorker(msg: FromHashWorker): void {
    if (msg.type === 'digest') return this.onDigest?.(msg.sha256);
    this.inFlight -= msg.length;
    this.pool.push(msg.data);
    if (this.held && this.inFlight <= IN_FLIGHT) {
      const held = this.held;
      this.held = null;
      held();
    }
  }

  /** Available once the stream has finished. */
  get sha256(): string {
    if (this.hex === null) throw new Error('OffThreadHashStream: digest read before the stream finished');
    return this.hex;
  }
}
