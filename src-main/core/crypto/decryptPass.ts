import { createReadStream } from 'node:fs';
import type { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cancelledError } from '../errors';
import { requireZstd, ZSTD_DECOMPRESS } from '../backup/zstd';
import { spawnTool, stderrTail } from '../util/runTool';
import { ageDecryptStream } from './ageStream';
import { HashStream, READ_CHUNK, sha256File } from './hashStream';
import { OffThreadSha256 } from './offThreadHash';

export interface DecryptPass {
  ciphertext: { sha256: string; bytes: number };
  /** null when decryption failed (wrong key, altered or truncated file); its sha256 only when asked for. */
  plaintext: { sha256: string | null; bytes: number } | null;
  decryptError: unknown;
}

/** The digests a backup records: its file's, and (manifests before @4) its decrypted archive's. */
export type RecordedDigests = { ciphertextSha256: string; ciphertextBytes: number; plaintextSha256?: string; plaintextBytes: number };

/**
 * One read of an encrypted backup, shared by the integrity check and every restore: ciphertext hash →
 * authenticated age decryption → [plaintext hash, where `recorded` has one to compare with] → `sink`. A
 * decryption failure is returned, with the whole file's ciphertext hash (so a swapped or altered file is
 * named as such); a cancel throws.
 * `{ zstdInto: fd }` (a backup whose plaintext is a zstd stream): `zstd -d` after the plaintext hash writes
 * the archive into that file itself — the decompressed bytes never pass through this process.
 * `onBytes`: the ciphertext read so far (progress).
 */
export async function decryptAndHash(path: string, identities: string[], recorded: Pick<RecordedDigests, 'plaintextSha256'>, sink: Writable | { zstdInto: number }, signal?: AbortSignal, onBytes?: (read: number) => void): Promise<DecryptPass> {
  // This thread decrypts; the digests are taken on another.
  const hashes = new OffThreadSha256();
  const cipher = hashes.stream(onBytes);
  const plain = recorded.plaintextSha256 === undefined ? new HashStream(undefined, { digest: false }) : hashes.stream();
  let error: unknown;
  try {
    error = await decryptInto(path, identities, sink, signal, cipher, plain);
  } finally {
    void hashes.close();
  }
  // A failed read has no digest of the whole file yet: it is taken apart, so a swapped or altered file is named as such.
  if (error) return { ciphertext: await sha256File(path), plaintext: null, decryptError: error };
  const plaintextSha256 = recorded.plaintextSha256 === undefined ? null : plain.sha256;
  return { ciphertext: { sha256: cipher.sha256, bytes: cipher.bytes }, plaintext: { sha256: plaintextSha256, bytes: plain.bytes }, decryptError: null };
}

/**
 * The streamed restore's read: one digest, taken on this thread (no copy to another one; this read waits
 * on the restore, not on the CPU) — of the file as it is read, or of the decrypted archive where the
 * backup records that (manifests before @4). True when the read succeeded and everything it recorded
 * matches: what was restored is the recorded archive. A read that failed or does not match is read again
 * with every digest.
 */
export async function decryptMatchingRecord(path: string, identities: string[], recorded: RecordedDigests, sink: Writable, signal?: AbortSignal): Promise<boolean> {
  const legacy = recorded.plaintextSha256 !== undefined;
  const cipher = new HashStream(undefined, { digest: !legacy });
  const plain = new HashStream(undefined, { digest: legacy });
  if (await decryptInto(path, identities, sink, signal, cipher, plain)) return false;
  return cipher.bytes === recorded.ciphertextBytes && plain.bytes === recorded.plaintextBytes && (legacy ? plain.sha256 === recorded.plaintextSha256 : cipher.sha256 === recorded.ciphertextSha256);
}

/** age-decrypts `path` into `sink` through the given pass-throughs (before and after decryption); the failure, or null. */
async function decryptInto(path: string, identities: string[], sink: Writable | { zstdInto: number }, signal: AbortSignal | undefined, cipher: Transform | null, plain: Transform): Promise<unknown> {
  const zstd = 'zstdInto' in sink ? spawnTool(requireZstd(), ZSTD_DECOMPRESS, { stdin: 'pipe', stdout: sink.zstdInto, signal }) : null;
  const read = createReadStream(path, { highWaterMark: READ_CHUNK });
  try {
    await pipeline([read, ...(cipher ? [cipher] : []), ageDecryptStream(identities), plain, zstd ? zstd.stdin! : (sink as Writable)], { signal });
  } catch (error) {
    zstd?.child.kill();
    if (signal?.aborted) throw cancelledError('Decrypting the backup', error);
    return error;
  }
  const exit = await zstd?.exited;
  if (exit && exit.code !== 0) {
    const tail = stderrTail(exit.stderr, 2);
    return new Error(`zstd could not decompress the archive (exit ${exit.code}${tail ? `: ${tail}` : ''})`);
  }
  return null;
}
