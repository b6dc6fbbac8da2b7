import type { StorageManifest, StorageProgress, StorageRestorePreview } from '../../contract/storage';
import { objectKey as key, readStorageArchive } from './storageArchive';
import type { StorageSource } from './storageSource';

// The way back for Storage: a run's archive uploaded again into a project's Storage with supabase-js
// (upsert: each object replaced by its backed-up version). A restore never deletes: objects uploaded
// after the backup stay, and the preview says how many.

const SAMPLE = 20;
/** Up to this size an object is read whole from the archive, so its upload can be retried and run beside others. */
const SMALL_OBJECT = 4 * 1024 * 1024;
const PARALLEL_UPLOADS = 4;

/** What uploading the archive into `target` would change, from the archive's manifest and the target's listing now. */
export async function storageRestorePreview(target: StorageSource, manifest: StorageManifest, signal?: AbortSignal): Promise<StorageRestorePreview> {
  const buckets = await target.bucketIds(signal);
  const now = await target.objectsIn(manifest.buckets.filter((b) => buckets.includes(b)), signal);
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
  /** Objects that are not in the target as backed up after the upload (missing, another size). */
  mismatches: string[];
}

/**
 * Uploads every object of the archive into `target` as it is read (readStorageArchive: checked against the
 * manifest, never whole on disk or in memory); missing buckets are created private; afterwards every
 * object is listed and its size compared.
 */
export async function uploadStorageArchive(args: {
  archive: string;
  manifest: StorageManifest;
  identities: string[];
  target: StorageSource;
  signal?: AbortSignal;
  onProgress?: (p: StorageProgress) => void;
}): Promise<StorageRestoreResult> {
  const { manifest, target, signal } = args;
  const have = await target.bucketIds(signal);
  const createdBuckets = manifest.buckets.filter((b) => !have.includes(b));
  for (const b of createdBuckets) await target.createBucket(b, signal);

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

  let missing: string[];
  try {
    missing = await readStorageArchive({
      ...args,
      onEntry: async (o, bytes) => {
        if (o.size <= SMALL_OBJECT) {
          // Read whole (and checked) before the upload starts: a damaged object is never uploaded.
          const chunks: Buffer[] = [];
          for await (const chunk of bytes) chunks.push(chunk as Buffer);
          track(target.upload(o, Buffer.concat(chunks), signal), o.size);
          await settle(PARALLEL_UPLOADS - 1);
        } else {
          // Streamed: bytes that turn out wrong fail the stream, and with it the upload.
          await settle(0);
          track(target.upload(o, bytes, signal), o.size);
          await settle(0);
        }
      },
    });
    await settle(0);
  } catch (error) {
    await Promise.allSettled(uploads);
    throw error;
  }
  const mismatches = missing.map((name) => `${name}: listed in the manifest, missing from the archive`);
  const now = await target.objectsIn(manifest.buckets, signal);
  const current = new Map(now.map((o) => [key(o), o]));
  for (const o of manifest.objects) {
    const c = current.get(key(o));
    if (!c) mismatches.push(`${key(o)}: missing after the upload`);
    else if (c.size !== o.size) mismatches.push(`${key(o)}: ${c.size} bytes after the upload, the backup has ${o.size}`);
  }
  return { objects: manifest.objects.length, bytes: manifest.totals.bytes, createdBuckets, mismatches };
}
