import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { OffThreadSha256 } from '../../src-main/core/crypto/offThreadHash';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('SHA-256 on another thread', () => {
  it('gives the digest and length of what passed through, for several streams at once, the bytes unchanged', async () => {
    const hashes = new OffThreadSha256();
    try {
      // 0 bytes, one chunk, and more than may be in flight at once (the stream then waits for the worker).
      const inputs = [Buffer.alloc(0), randomBytes(1000), ...Array.from({ length: 2 }, () => randomBytes(20 * 1024 * 1024))];
      const results = await Promise.all(
        inputs.map(async (input) => {
          const stream = hashes.stream();
          const out: Buffer[] = [];
          const chunks = Array.from({ length: Math.ceil(input.length / 65536) }, (_, i) => input.subarray(i * 65536, (i + 1) * 65536));
          await pipeline(Readable.from(chunks), stream, new Writable({ write: (c, _e, cb) => (out.push(c as Buffer), cb()) }));
          return { sha256: stream.sha256, bytes: stream.bytes, passed: Buffer.concat(out) };
        }),
      );
      results.forEach((r, i) => {
        expect(r.sha256).toBe(createHash('sha256').update(inputs[i]!).digest('hex'));
        expect(r.bytes).toBe(inputs[i]!.length);
        expect(r.passed.equals(inputs[i]!)).toBe(true);
      });
    } finally {
      await hashes.close();
    }
  });

  it('fails its streams, instead of leaving them waiting, when the thread ends early', async () => {
    const hashes = new OffThreadSha256();
    const stream = hashes.stream();
    const input = new PassThrough();
    const piped = pipeline(input, stream, sink());
    input.write(randomBytes(1000)); // and never ended: only the thread's end can settle this
    await (hashes as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(piped).rejects.toThrow(/hashing thread ended early/);
  });
});
