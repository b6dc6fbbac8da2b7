// age payload decryption with the platform's ChaCha20-Poly1305 (OpenSSL), about ten times faster than
// the pure-JS cipher: verify and rehearsal read whole backups, and this is their bottleneck.
// age-encryption still does the part that needs care — header, stanzas, header MAC — through
// Decrypter.decryptHeader, the X25519 unwrapping from x25519Keys; this file implements only the STREAM
// framing of the payload (age-encryption.org/v1): 16-byte nonce, HKDF-SHA-256(file key, nonce, "payload")
// as key, then 64 KiB chunks, each sealed with nonce = 11-byte big-endian counter ‖ last-chunk flag.
import { Decrypter } from 'age-encryption';
import { createDecipheriv, getCiphers, hkdfSync } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { identityFor } from './x25519Keys';

const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED = CHUNK + TAG;
const MAX_HEADER = 1024 * 1024;
const HEADER_END = Buffer.from('\n--- ');

/** Whether this runtime's crypto offers ChaCha20-Poly1305 (Node's OpenSSL does; some embedders do not). */
export const nativeChaChaAvailable = (): boolean => getCiphers().includes('chacha20-poly1305');

export class AgeNativeDecrypt extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private key: Buffer | null = null;
  private counter = 0n;
  private readonly decrypter = new Decrypter();

  constructor(identities: string[]) {
    super();
    for (const identity of identities) this.decrypter.addIdentity(identityFor(identity));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.advance(false).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.advance(true).then(() => callback(), callback);
  }

  private async advance(atEnd: boolean): Promise<void> {
    if (this.key === null && !(await this.readHeader(atEnd))) return;
    // A sealed chunk is the last one only when nothing follows it, so keep one back until the end.
    while (this.pendingBytes > SEALED) this.push(this.open(this.takeBytes(SEALED), false));
    if (atEnd) {
      if (this.pendingBytes < TAG || (this.pendingBytes === TAG && this.counter > 0n)) {
        throw new Error('failed to decrypt payload: the file is truncated');
      }
      this.push(this.open(this.takeBytes(this.pendingBytes), true));
    }
  }

  /** Reads header and payload nonce once enough bytes are in; false while more input is needed. */
  private async readHeader(atEnd: boolean): Promise<boolean> {
    const all = Buffer.concat(this.pending);
    this.pending = [all];
    const marker = all.indexOf(HEADER_END);
    const end = marker < 0 ? -1 : all.indexOf(0x0a, marker + HEADER_END.length);
    if (end < 0 || all.length < end + 1 + 16) {
      if (atEnd) throw new Error('failed to read header: the file is truncated or not an age file');
      if (all.length > MAX_HEADER) throw new Error('failed to read header: no age header found');
      return false;
    }
    const fileKey = await this.decrypter.decryptHeader(all.subarray(0, end + 1));
    const nonce = all.subarray(end + 1, end + 17);
    this.key = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
    this.takeBytes(end + 17);
    return true;
  }

  /** The next n bytes: a view when they lie in one input buffer (the usual case with large reads), else one copy of n bytes. */
  private takeBytes(n: number): Buffer {
    this.pendingBytes -= n;
    const first = this.pending[0];
    if (first && first.length >= n) {
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    for (let off = 0; off < n; ) {
      const b = this.pending[0]!;
      const take = Math.min(b.length, n - off);
      b.copy(out, off, 0, take);
      off += take;
      if (take === b.length) this.pending.shift();
      else this.pending[0] = b.subarray(take);
    }
    return out;
  }

  private open(sealed: Buffer, last: boolean): Buffer {
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(this.counter, 3); // 11-byte counter: the top bytes stay zero
    nonce[11] = last ? 1 : 0;
    const decipher = createDecipheriv('chacha20-poly1305', this.key!, nonce, { authTagLength: TAG });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    const plain = decipher.update(sealed.subarray(0, sealed.length - TAG));
    try {
      decipher.final();
    } catch {
      throw new Error(`failed to decrypt and authenticate payload chunk ${this.counter}: the file was altered${last ? ' or truncated' : ''}`);
    }
    this.counter++;
    return plain;
  }
}
