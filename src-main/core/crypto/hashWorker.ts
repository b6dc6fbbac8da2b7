// SHA-256 off the main thread, for reads whose main thread is the bottleneck (decrypting a whole backup
// there: its two digests took as long as the decryption). Chunks arrive transferred, in order, per digest
// id, and their buffers go back once hashed: the same few buffers circulate (no garbage, flat memory).
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

export type ToHashWorker = { type: 'chunk'; id: number; data: ArrayBuffer; length: number } | { type: 'end'; id: number };
export type FromHashWorker = { type: 'hashed'; id: number; data: ArrayBuffer; length: number } | { type: 'digest'; id: number; sha256: string };

const port = parentPort!;
const hashes = new Map<number, Hash>();

port.on('message', (msg: ToHashWorker) => {
  let hash = hashes.get(msg.id);
  if (!hash) hashes.set(msg.id, (hash = createHash('sha256')));
  if (msg.type === 'chunk') {
    hash.update(new Uint8Array(msg.data, 0, msg.length));
    port.postMessage({ type: 'hashed', id: msg.id, data: msg.data, length: msg.length } satisfies FromHashWorker, [msg.data]);
  } else {
    hashes.delete(msg.id);
    port.postMessage({ type: 'digest', id: msg.id, sha256: hash.digest('hex') } satisfies FromHashWorker);
  }
});
