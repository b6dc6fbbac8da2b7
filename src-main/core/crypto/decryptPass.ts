import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cancelledError } from '../errors';
import { ageDecryptStream } from './ageStream';
import { HashStream, sha256File } from './hashStream';

export interface DecryptPass {
  ciphertext: { sha256: string; bytes: number };
  /** null when decryption failed (wrong key, altered or truncated file). */
  plaintext: { sha256: string; bytes: number } | null;
  decryptError: unknown;
}

/**
 * One read of an encrypted backup, shared by the integrity check and every restore: ciphertext hash →
 * authenticated age decryption → plaintext hash → `sink`. A decryption failure is returned, with the
 * whole file's ciphertext hash (so a swapped or altered file is named as such); a cancel throws.
 */
export async function decryptAndHash(path: string, identities: string[], sink: Writable, signal?: AbortSignal): Promise<DecryptPass> {
  const cipher = new HashStream();
  const plain = new HashStream();
  try {
    await pipeline(createReadStream(path), cipher, ageDecryptStream(identities), plain, sink, { signal });
  } catch (error) {
    if (signal?.aborted) throw cancelledError('Decrypting the backup', error);
    return { ciphertext: await sha256File(path), plaintext: null, decryptError: error };
  }
  return { ciphertext: { sha256: cipher.sha256, bytes: cipher.bytes }, plaintext: { sha256: plain.sha256, bytes: plain.bytes }, decryptError: null };
}
