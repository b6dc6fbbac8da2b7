import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient, Stanza } from 'age-encryption';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgeNativeDecrypt } from '../../src-main/core/crypto/ageNativeDecrypt';
import { AgeNativeEncrypt, LARGE_BATCH } from '../../src-main/core/crypto/ageNativeEncrypt';
import { AgeStream, ageEncryptStream } from '../../src-main/core/crypto/ageStream';
import { decryptAndHash, decryptMatchingRecord, type RecordedDigests } from '../../src-main/core/crypto/decryptPass';
import { x25519Identity, x25519Recipient } from '../../src-main/core/crypto/x25519Keys';
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

describe('X25519 stanzas on node:crypto (every stream and sealed file)', () => {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');
  const stanzaFor = (r: string, fileKey = randomBytes(16)) => x25519Recipient(r).wrapFileKey(fileKey) as Stanza[];

  it('agree with age-encryption’s own X25519 both ways, and with the age CLI for a file made for several recipients', async () => {
    const other = await generateX25519Identity();
    const library = new Encrypter();
    library.addRecipient(recipient);
    const ours = new Decrypter();
    ours.addIdentity(x25519Identity(identity));
    expect(await ours.decrypt(await library.encrypt('by the library'), 'text')).toBe('by the library');
    const sealed = new Encrypter();
    sealed.addRecipient(x25519Recipient(await identityToRecipient(other)));
    sealed.addRecipient(x25519Recipient(recipient));
    const file = await sealed.encrypt('by us');
    const theirs = new Decrypter();
    theirs.addIdentity(identity);
    expect(await theirs.decrypt(file, 'text')).toBe('by us');
    writeFileSync(join(dir.dir, 'two.age'), file);
    expect(execFileSync('age', ['-d', '-i', identityFile, join(dir.dir, 'two.age')], { encoding: 'utf8' })).toBe('by us');
    // The age CLI's file for two recipients, ours second: the first stanza is not ours and is passed over.
    execFileSync('age', ['-r', await identityToRecipient(other), '-r', recipient, '-o', join(dir.dir, 'cli-two.age')], { input: 'by the CLI' });
    expect(await ours.decrypt(readFileSync(join(dir.dir, 'cli-two.age')), 'text')).toBe('by the CLI');
  });

  it('unwraps the file key it wrapped; a stanza for another key is not an error, only not ours', async () => {
    const fileKey = randomBytes(16);
    expect(Buffer.from(x25519Identity(identity).unwrapFileKey(stanzaFor(recipient, fileKey)) as Uint8Array).equals(fileKey)).toBe(true);
    const other = await identityToRecipient(await generateX25519Identity());
    expect(x25519Identity(identity).unwrapFileKey([new Stanza(['scrypt', 'salt', '18'], randomBytes(32)), ...stanzaFor(other)])).toBeNull();
  });

  it('refuses malformed X25519 stanzas: a share that is not canonical base64 of 32 bytes, extra arguments, a body that is not 32 bytes', () => {
    const [good] = stanzaFor(recipient);
    const share = good!.args[1]!;
    // The last of 43 characters carries 2 unused bits: setting one is the same bytes in a non-canonical text.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const nonCanonical = share.slice(0, -1) + alphabet[alphabet.indexOf(share.at(-1)!) ^ 1];
    for (const bad of [
      new Stanza(['X25519', nonCanonical], good!.body),
      new Stanza(['X25519', share + '='], good!.body),
      new Stanza(['X25519', b64(randomBytes(31))], good!.body),
      new Stanza(['X25519', share, 'extra'], good!.body),
      new Stanza(['X25519'], good!.body),
      new Stanza(['X25519', share], good!.body.subarray(0, 31)),
    ]) {
      expect(() => x25519Identity(identity).unwrapFileKey([bad])).toThrow(/invalid X25519 stanza/);
    }
  });

  it('refuses a low-order share (an all-zero shared secret) instead of deriving a key from it', () => {
    expect(() => x25519Identity(identity).unwrapFileKey([new Stanza(['X25519', b64(Buffer.alloc(32))], randomBytes(32))])).toThrow();
  });

  it('refuses keys that are not age X25519 keys, as age-encryption does', () => {
    expect(() => x25519Recipient(recipient.slice(0, -1) + (recipient.endsWith('q') ? 'p' : 'q'))).toThrow(/invalid recipient/);
    expect(() => x25519Recipient('age1pq1' + recipient.slice(7))).toThrow(/invalid recipient/);
    expect(() => x25519Identity(identity.slice(0, -1) + (identity.endsWith('Q') ? 'P' : 'Q'))).toThrow(/invalid identity/);
    expect(() => x25519Identity(recipient)).toThrow(/invalid identity/);
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

describe('the digests a read of a backup takes (manifest@4 records only the file’s)', () => {
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const discard = () => new Writable({ write: (_c, _e, done) => done() });
  let file: string;
  let record: RecordedDigests;
  let plainSha256: string;
  beforeAll(async () => {
    const plain = randomBytes(3 * 65536 + 123);
    const sealed = await run(plain, ageEncryptStream([recipient], { large: true }));
    file = join(dir.dir, 'record.age');
    writeFileSync(file, sealed);
    record = { ciphertextSha256: sha256(sealed), ciphertextBytes: sealed.length, plaintextBytes: plain.length };
    plainSha256 = sha256(plain);
  });

  it('the full pass hashes the decrypted archive only where the record has its digest to compare with', async () => {
    const current = await decryptAndHash(file, [identity], record, discard());
    expect(current).toMatchObject({ ciphertext: { sha256: record.ciphertextSha256, bytes: record.ciphertextBytes }, plaintext: { sha256: null, bytes: record.plaintextBytes }, decryptError: null });
    const legacy = await decryptAndHash(file, [identity], { plaintextSha256: plainSha256 }, discard());
    expect(legacy.plaintext).toEqual({ sha256: plainSha256, bytes: record.plaintextBytes });
  });

  it('the streamed read matches the file’s digest (or, for older records, the archive’s), and refuses any other', async () => {
    expect(await decryptMatchingRecord(file, [identity], record, discard())).toBe(true);
    expect(await decryptMatchingRecord(file, [identity], { ...record, ciphertextSha256: '0'.repeat(64) }, discard())).toBe(false);
    expect(await decryptMatchingRecord(file, [identity], { ...record, plaintextBytes: record.plaintextBytes - 1 }, discard())).toBe(false);
    // An older record: the archive's digest decides (the file's is taken by the full pass that follows a refusal).
    expect(await decryptMatchingRecord(file, [identity], { ...record, ciphertextSha256: '0'.repeat(64), plaintextSha256: plainSha256 }, discard())).toBe(true);
    expect(await decryptMatchingRecord(file, [identity], { ...record, plaintextSha256: '0'.repeat(64) }, discard())).toBe(false);
    expect(await decryptMatchingRecord(file, [await generateX25519Identity()], record, discard())).toBe(false);
  });
});
