import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cancelledError } from '../errors';
import { requireZstd, ZSTD_DECOMPRESS } from '../backup/zstd';
import { redact } from '../util/redact';
import { spawnTool } from '../util/runTool';
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
 * `unpack: 'zstd'` (a backup whose plaintext is a zstd stream) puts `zstd -d` between the plaintext hash and
 * the sink — or a file descriptor, which zstd then writes itself (the decompressed bytes never pass through here).
 */
export async function decryptAndHash(path: string, identities: string[], sink: Writable, signal?: AbortSignal): Promise<DecryptPass>;
export async function decryptAndHash(path: string, identities: string[], sink: Writable | { descriptor: number }, signal: AbortSignal | undefined, unpack: 'zstd'): Promise<DecryptPass>;
export async function decryptAndHash(path: string, identities: string[], sink: Writable | { descriptor: number }, signal?: AbortSignal, unpack?: 'zstd'): Promise<DecryptPass> {
  const cipher = new HashStream();
  const plain = new HashStream();
  const toFile = 'descriptor' in sink ? sink.descriptor : null;
  const zstd = unpack === 'zstd' ? spawnTool(requireZstd(), ZSTD_DECOMPRESS, { stdin: 'pipe', stdout: toFile ?? 'pipe', signal }) : null;
  const [decrypted, unpacked] = await Promise.allSettled([
    pipeline(createReadStream(path), cipher, ageDecryptStream(identities), plain, zstd ? zstd.stdin! : (sink as Writable), { signal }),
    zstd && toFile === null ? pipeline(zstd.stdout!, sink as Writable, { signal }) : Promise.resolve(),
  ]);
  if (decrypted.status === 'rejected' || unpacked.status === 'rejected') {
    zstd?.child.kill();
    const error = decrypted.status === 'rejected' ? decrypted.reason : (unpacked as PromiseRejectedResult).reason;
    if (signal?.aborted) throw cancelledError('Decrypting the backup', error);
    return { ciphertext: await sha256File(path), plaintext: null, decryptError: error };
  }
  const exit = await zstd?.exited;
  if (exit && exit.code !== 0) {
    const tail = redact(exit.stderr.trim().split('\n').slice(-2).join(' '));
    return { ciphertext: { sha256: cipher.sha256, bytes: cipher.bytes }, plaintext: null, decryptError: new Error(`zstd could not decompress the archive (exit ${exit.code}${tail ? `: ${tail}` : ''})`) };
  }
  return { ciphertext: { sha256: cipher.sha256, bytes: cipher.bytes }, plaintext: { sha256: plain.sha256, bytes: plain.bytes }, decryptError: null };
}
