import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgeNativeDecrypt } from '../../src-main/core/crypto/ageNativeDecrypt';
import { AgeNativeEncrypt, LARGE_BATCH } from '../../src-main/core/crypto/ageNativeEncrypt';
import { AgeStream, ageEncryptStream } from '../../src-main/core/crypto/ageStream';
import { tempDir } from '../helpers/tmp';

const dir = tempDir('bw-age-');
let identity: string;
let recipient: string;
const identityFile = join(dir.dir, 'identity.txt');
afterAll(() => dir.cleanup());
beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  writeFileSync(identityFile, identity + '\n', { mode: 0o600 });
});

async function run(input: Buffer, stream: Duplex): Promise<Buffer> {
  const out: Buffer[] = [];
  // Feed in odd-sized pieces so chunk boundaries never line up with age's 64 KiB chunks.
  const pieces = (function* () {
    for (let i = 0; i < input.length; i += 40_000) yield input.subarray(i, i + 40_000);
  })();
  await pipeline(Readable.from(pieces), stream, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return Buffer.concat(out);
}

const decrypters: [string, (identities: string[]) => Duplex][] = [
  ['native ChaCha20-Poly1305', (identities) => new AgeNativeDecrypt(identities)],
  ['pure-JS worker (fallback)', (identities) => new AgeStream('decrypt', identities)],
];
const sizes = [0, 1, 65_536, 65_537, 131_072, 1_000_003];

describe.each(decrypters)('age decryption: %s', (_name, decrypter) => {
  it.each(sizes)('round-trips %i bytes encrypted by our worker', async (size) => {
    const plain = randomBytes(size);
    const sealed = await run(plain, ageEncryptStream([recipient]));
    expect((await run(sealed, decrypter([identity]))).equals(plain)).toBe(true);
  });

  it('decrypts what the age CLI encrypted', async () => {
    const plain = randomBytes(300_000);
    writeFileSync(join(dir.dir, 'cli.bin'), plain);
    execFileSync('age', ['-r', recipient, '-o', join(dir.dir, 'cli.age'), join(dir.dir, 'cli.bin')]);
    expect((await run(readFileSync(join(dir.dir, 'cli.age')), decrypter([identity]))).equals(plain)).toBe(true);
  });

  it('rejects a flipped payload byte', async () => {
    const sealed = await run(randomBytes(200_000), ageEncryptStream([recipient]));
    sealed[sealed.length - 70_000]! ^= 0x20;
    await expect(run(sealed, decrypter([identity]))).rejects.toThrow(/failed to decrypt and authenticate .*altered/);
  });

  it('rejects a file cut exactly at a chunk boundary (the last-chunk flag catches it)', async () => {
    const sealed = await run(randomBytes(3 * 65_536 + 100), ageEncryptStream([recipient]));
    await expect(run(sealed.subarray(0, sealed.length - (100 + 16)), decrypter([identity]))).rejects.toThrow(/failed to decrypt and authenticate .*truncated/);
  });

  it('rejects the wrong identity', async () => {
    const sealed = await run(randomBytes(1000), ageEncryptStream([recipient]));
    await expect(run(sealed, decrypter([await generateX25519Identity()]))).rejects.toThrow(/no identity matched/i);
  });
});

const encrypters: [string, (recipients: string[]) => Duplex][] = [
  ['native ChaCha20-Poly1305, chunk by chunk', (recipients) => new AgeNativeEncrypt(recipients)],
  ['native ChaCha20-Poly1305, in large batches', (recipients) => new AgeNativeEncrypt(recipients, LARGE_BATCH)],
  ['pure-JS worker (fallback)', (recipients) => new AgeStream('encrypt', recipients)],
];

describe.each(encrypters)('age encryption interop: %s', (_name, encrypter) => {
  it('the age CLI decrypts what we encrypted, for every size class (exact multiples of a chunk included)', async () => {
    // Across the large batches too (exactly one batch, one byte more, several).
    for (const size of [...sizes, 3 * 65_536, 16 * 65_536, 16 * 65_536 + 1, 3_000_017]) {
      const plain = randomBytes(size);
      writeFileSync(join(dir.dir, 'ours.age'), await run(plain, encrypter([recipient])));
      expect([size, execFileSync('age', ['-d', '-i', identityFile, join(dir.dir, 'ours.age')], { maxBuffer: 8 * 1024 ** 2 }).equals(plain)]).toEqual([size, true]);
    }
  });

  it('each of several recipients opens it with the age CLI; each file has its own key', async () => {
    const second = await generateX25519Identity();
    writeFileSync(join(dir.dir, 'second.txt'), second + '\n', { mode: 0o600 });
    const plain = randomBytes(100_000);
    const sealed = await run(plain, encrypter([recipient, await identityToRecipient(second)]));
    writeFileSync(join(dir.dir, 'two.age'), sealed);
    for (const key of [identityFile, join(dir.dir, 'second.txt')]) expect(execFileSync('age', ['-d', '-i', key, join(dir.dir, 'two.age')]).equals(plain)).toBe(true);
    expect((await run(plain, encrypter([recipient]))).subarray(0, 200).equals(sealed.subarray(0, 200))).toBe(false);
  });
});

describe('age encryption, in process', () => {
  it('in-process Encrypter output (used for the small roles file) also opens natively', async () => {
    const e = new Encrypter();
    e.addRecipient(recipient);
    const sealed = Buffer.from(await e.encrypt('CREATE ROLE anon;'));
    expect((await run(sealed, new AgeNativeDecrypt([identity]))).toString()).toBe('CREATE ROLE anon;');
  });
});

describe('age worker lifetime', () => {
  it('a reader that drains slowly after the worker finished still gets the whole file (the worker is stopped, not failed)', async () => {
    const plain = randomBytes(1000);
    const stream = new AgeStream('encrypt', [recipient]);
    const finished = new Promise<void>((resolve, reject) => (stream.once('finish', resolve), stream.once('error', reject)));
    stream.end(plain);
    stream.read(0); // one credit: the worker encrypts, says done, and is terminated (exit code 1)
    await finished;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stream.destroyed).toBe(false);
    const out: Buffer[] = [];
    for await (const chunk of stream) out.push(chunk as Buffer);
    writeFileSync(join(dir.dir, 'slow.age'), Buffer.concat(out));
    expect(execFileSync('age', ['-d', '-i', identityFile, join(dir.dir, 'slow.age')]).equals(plain)).toBe(true);
  });
});
