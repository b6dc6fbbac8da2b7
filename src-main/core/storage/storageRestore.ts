import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import type { StorageManifest, StorageProgress, StorageRestorePreview } from '../../contract/storage';
import { ageDecryptStream } from '../crypto/ageStream';
import { HashStream, sha256File } from '../crypto/hashStream';
import { WardenError } from '../errors';
import type { StorageSource } from './storageSource';

// The way back for Storage: a run's archive uploaded again into a project's Storage with supabase-js
// (upsert: each object replaced by its backed-up version). A restore never deletes: objects uploaded
// after the backup stay, and the preview says how many.

const key = (o: { bucket: string; path: string }) => `${o.bucket}/${o.path}`;
const SAMPLE = 20;
/** Up to this size an object is read whole from the archive, so its upload can be retried and run beside others. */
const SMALL_OBJECT = 4 * 1024 * 1024;
const PARALLEL_UPLOADS = 4;

/** What uploading the archive into `target` would change, from the archive's manifest and the target's listing now. */
export async function storageRestorePreview(target: StorageSource, manifest: StorageManifest, signal?: AbortSignal): Promise<StorageRestorePreview> {
  const buckets = await target.bucketIds(signal);
  const { objects: now } = await target.inventory(buckets.filter((b) => !manifest.buckets.includes(b)), signal);
  const current = new Map(now.map((o) => [key(o), o]));
  const archived = new Set(manifest.objects.map(key));
  const changed: string[] = [];
  let replaced = 0;
  for (const o of manifest.objects) {
    const c = current.get(key(o));
    if (!c) continue;
    replaced++;
    // Changed since the backup: another size, or written after it. Its current version is what the restore discards.
    if (c.size !== o.size || (c.lastModified !== null && c.lastModified > manifest.timings.startedAt)) changed.push(key(o));
  }
  return {
    objects: manifest.totals.objects,
    bytes: manifest.totals.bytes,
    buckets: manifest.buckets,
    backedUpAt: manifest.timings.startedAt,
    missingBuckets: manifest.buckets.filter((b) => !buckets.includes(b)),
    broughtBack: manifest.objects.length - replaced,
    replaced,
    changedSince: { count: changed.length, sample: changed.slice(0, SAMPLE) },
    keptNotInBackup: now.filter((o) => !archived.has(key(o))).length,
  };
}

export interface StorageRestoreResult {
  objects: number;
  bytes: number;
  createdBuckets: string[];
  /** Objects that are not in the target as backed up after the upload (missing, another size, other bytes). */
  mismatches: string[];
}

/**
 * Uploads every object of the archive into `target`: the archive's file checked against its manifest
 * first, decrypted as a stream (never whole on disk or in memory), each tar entry checked against the
 * manifest's SHA-256; missing buckets created private; afterwards every object listed and its size checked.
 */
export async function uploadStorageArchive(args: {
  archive: string;
  manifest: StorageManifest;
  identities: string[];
  target: StorageSource;
  signal?: AbortSignal;
  onProgress?: (p: StorageProgress) => void;
}): Promise<StorageRestoreResult> {
  const { archive, manifest, identities, target, signal } = args;
  const { sha256: actual } = await sha256File(archive);
  if (actual !== manifest.archive.ciphertextSha256) {
    throw new WardenError('CONFLICT', `${archive} is not the Storage archive this run recorded (SHA-256 ${actual}, recorded ${manifest.archive.ciphertextSha256}). Nothing was uploaded.`);
  }
  const have = await target.bucketIds(signal);
  const createdBuckets = manifest.buckets.filter((b) => !have.includes(b));
  for (const b of createdBuckets) await target.createBucket(b, signal);

  const expected = new Map(manifest.objects.map((o) => [key(o), o]));
  const mismatches: string[] = [];
  const progress = { phase: 'uploading' as const, objectsDone: 0, objectsTotal: manifest.objects.length, bytesDone: 0, bytesTotal: manifest.totals.bytes, resumed: 0 };
  args.onProgress?.(progress);
  const uploads = new Set<Promise<void>>();
  let failed: unknown = null;
  const track = (upload: Promise<void>, size: number) => {
    const tracked: Promise<void> = upload
      .then(() => {
        progress.objectsDone++;
        progress.bytesDone += size;
        args.onProgress?.({ ...progress });
      })
      .catch((error: unknown) => void (failed ??= error))
      .finally(() => uploads.delete(tracked));
    uploads.add(tracked);
  };
  const settle = async (atMost: number) => {
    while (uploads.size > atMost) await Promise.race(uploads);
    if (failed) throw failed;
  };

  const extract = tarExtract();
  const reading = pipeline(createReadStream(archive), ageDecryptStream(identities), extract, { signal });
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      const o = expected.get(name);
      if (!o) throw new WardenError('CONFLICT', `The archive holds ${name}, which its manifest does not list: it is not the archive this run wrote. Nothing more was uploaded.`);
      expected.delete(name);
      const hash = new HashStream();
      if (o.size <= SMALL_OBJECT) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry.pipe(hash)) chunks.push(chunk as Buffer);
        if (hash.sha256 !== o.sha256) throw new WardenError('CONFLICT', `${name} in the archive does not match its manifest (SHA-256). Nothing more was uploaded.`);
        track(target.upload(o, Buffer.concat(chunks), signal), o.size);
        await settle(PARALLEL_UPLOADS - 1);
      } else {
        await settle(0);
        track(target.upload(o, entry.pipe(hash), signal), o.size);
        await settle(0);
        if (hash.sha256 !== o.sha256) mismatches.push(`${name}: the uploaded bytes do not match the manifest (SHA-256)`);
      }
    }
    await reading;
    await settle(0);
  } catch (error) {
    extract.destroy();
    await Promise.allSettled([reading, ...uploads]);
    throw error;
  }
  for (const name of expected.keys()) mismatches.push(`${name}: listed in the manifest, missing from the archive`);

  // What the target holds now, object by object.
  const { objects: now } = await target.inventory(have.concat(createdBuckets).filter((b) => !manifest.buckets.includes(b)), signal);
  const current = new Map(now.map((o) => [key(o), o]));
  for (const o of manifest.objects) {
    const c = current.get(key(o));
    if (!c) mismatches.push(`${key(o)}: missing after the upload`);
    else if (c.size !== o.size) mismatches.push(`${key(o)}: ${c.size} bytes after the upload, the backup has ${o.size}`);
  }
  return { objects: manifest.objects.length, bytes: manifest.totals.bytes, createdBuckets, mismatches };
}
