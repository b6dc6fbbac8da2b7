import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { StorageObjectFacts } from '../../contract/storage';
import { cancelledError, WardenError } from '../errors';
import { retryDelay } from '../platform/managementApi';
import { serviceClient } from '../supabase/client';
import { redact } from '../util/redact';

// A Supabase project's Storage through supabase-js, with the service-role key: every bucket, every
// object (folders listed recursively, pages of PAGE), each object opened as a stream. 429 and 5xx answers
// are retried with back-off; anything else is an error that says what to do.

const PAGE = 1000;

export interface StorageSourceOptions {
  /** What the errors tell the operator to run again (default: the backup, which resumes). */
  work?: 'backup' | 'restore';
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
}

type StorageClient = ReturnType<typeof serviceClient>['storage'];
interface ListedEntry {
  name: string;
  id: string | null;
  updated_at?: string | null;
  metadata?: { size?: number; mimetype?: string; lastModified?: string } | null;
}

/** The HTTP status a supabase-js storage error carries, when it has one. */
const statusOf = (error: unknown): number | null => {
  const e = error as { status?: unknown; statusCode?: unknown } | null;
  const s = Number(e?.status ?? e?.statusCode);
  return Number.isFinite(s) && s > 0 ? s : null;
};
const retryable = (error: unknown) => {
  const status = statusOf(error);
  return status === null || status === 429 || status >= 500;
};

export class StorageSource {
  private readonly storage: StorageClient;

  constructor(
    readonly apiUrl: string,
    serviceRoleKey: string,
    private readonly options: StorageSourceOptions = {},
  ) {
    this.storage = serviceClient(apiUrl, serviceRoleKey).storage;
  }

  async bucketIds(signal?: AbortSignal): Promise<string[]> {
    const listed = await this.retrying('list the buckets', async () => {
      const { data, error } = await this.storage.listBuckets();
      if (error) throw error;
      return data;
    }, signal);
    return listed.map((b) => b.id).sort();
  }

  /** A bucket the restore needs and the target lacks: created private (its settings were not backed up). */
  createBucket(id: string, signal?: AbortSignal): Promise<void> {
    return this.retrying(`create the bucket ${id}`, async () => {
      const { error } = await this.storage.createBucket(id, { public: false });
      if (error) throw error;
    }, signal);
  }

  /**
   * Uploads an object, replacing what is there (upsert). A Buffer is sent again after a 429/5xx; a stream
   * (a large object read from the archive as it is decrypted) can be sent only once.
   */
  upload(object: Pick<StorageObjectFacts, 'bucket' | 'path' | 'contentType'>, body: Buffer | Readable, signal?: AbortSignal): Promise<void> {
    const send = async () => {
      const payload = Buffer.isBuffer(body) ? body : (Readable.toWeb(body) as unknown as ReadableStream);
      const { error } = await this.storage.from(object.bucket).upload(object.path, payload, { upsert: true, contentType: object.contentType ?? 'application/octet-stream' });
      if (error) throw error;
    };
    const what = `upload ${object.bucket}/${object.path}`;
    if (Buffer.isBuffer(body)) return this.retrying(what, send, signal);
    return send().catch((error: unknown) => {
      throw signal?.aborted ? cancelledError(this.work, error) : describe(what, error, this.apiUrl, 1, this.options.work);
    });
  }

  private get work(): string {
    return this.options.work === 'restore' ? 'The Storage restore' : 'The Storage backup';
  }

  /** Every bucket and every object in it, sorted by bucket and path; excluded buckets are skipped. */
  async inventory(exclude: readonly string[], signal?: AbortSignal): Promise<{ buckets: string[]; objects: StorageObjectFacts[] }> {
    const buckets = (await this.bucketIds(signal)).filter((id) => !exclude.includes(id));
    return { buckets, objects: await this.objectsIn(buckets, signal) };
  }

  /** Every object in these buckets, sorted by bucket and path. */
  async objectsIn(buckets: readonly string[], signal?: AbortSignal): Promise<StorageObjectFacts[]> {
    const objects: StorageObjectFacts[] = [];
    for (const bucket of buckets) await this.listFolder(bucket, '', objects, signal);
    return objects.sort((a, b) => (a.bucket === b.bucket ? (a.path < b.path ? -1 : 1) : a.bucket < b.bucket ? -1 : 1));
  }

  private async listFolder(bucket: string, prefix: string, into: StorageObjectFacts[], signal?: AbortSignal): Promise<void> {
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.retrying(`list ${bucket}/${prefix}`, async (attempt) => {
        const { data, error } = await this.storage.from(bucket).list(prefix, { limit: PAGE, offset, sortBy: { column: 'name', order: 'asc' } }, { signal: attempt });
        if (error) throw error;
        return data as ListedEntry[];
      }, signal);
      for (const entry of page) {
        const path = prefix ? `${prefix}/${entry.name}` : entry.name;
        // Folders have no id: their objects are listed under their prefix.
        if (entry.id === null) await this.listFolder(bucket, path, into, signal);
        else into.push({ bucket, path, size: entry.metadata?.size ?? 0, contentType: entry.metadata?.mimetype ?? null, lastModified: entry.metadata?.lastModified ?? entry.updated_at ?? null });
      }
      if (page.length < PAGE) return;
    }
  }

  /** The object's bytes as a stream (never the whole object in memory). */
  open(object: StorageObjectFacts, signal?: AbortSignal): Promise<Readable> {
    return this.retrying(`download ${object.bucket}/${object.path}`, async (attempt) => {
      const { data, error } = await this.storage.from(object.bucket).download(object.path, {}, { signal: attempt }).asStream();
      if (error) throw error;
      return Readable.fromWeb(data as WebReadableStream<Uint8Array>, { highWaterMark: 64 * 1024 });
    }, signal);
  }

  /**
   * Runs fn again after 429/5xx/network failures, waiting as the answer asks (or with exponential back-off).
   * Each attempt gets a signal of its own, tied to `signal` only while it runs: fetch keeps a listener on
   * the signal it is given until the request is garbage-collected, so one long-lived signal handed to every
   * request of a large bucket gathers thousands.
   */
  async retrying<T>(what: string, fn: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const maxRetries = this.options.maxRetries ?? 5;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 0; ; attempt++) {
      const own = signal && new AbortController();
      const follow = () => own?.abort(signal?.reason);
      if (signal?.aborted) follow();
      signal?.addEventListener('abort', follow, { once: true });
      try {
        return await fn(own?.signal);
      } catch (error) {
        if (signal?.aborted) throw cancelledError(this.work, error);
        if (!retryable(error) || attempt >= maxRetries) throw describe(what, error, this.apiUrl, attempt + 1, this.options.work);
        await sleep(retryDelay(null, attempt) / 4);
      } finally {
        signal?.removeEventListener('abort', follow);
      }
    }
  }
}

function describe(what: string, error: unknown, apiUrl: string, attempts: number, work: StorageSourceOptions['work'] = 'backup'): WardenError {
  const again = work === 'backup' ? 'run the Storage backup again: finished objects are not downloaded twice' : 'restore again: every object is uploaded again, replacing what is there';
  const status = statusOf(error);
  const said = redact(error instanceof Error ? error.message : String(error)).slice(0, 300);
  if (status === 401 || status === 403) {
    return new WardenError('AUTH', `Supabase Storage refused to ${what} (${status}: ${said}). Check the project's service-role key (Dashboard → Project Settings → API Keys) and save it again.`);
  }
  if (status === 404) return new WardenError('NOT_FOUND', `Supabase Storage could not ${what} (404: ${said}); it may have been deleted meanwhile: ${again}.`);
  return new WardenError('CONNECTION', `Could not ${what} from ${apiUrl} after ${attempts} attempt(s) (${status ?? 'no answer'}: ${said}). Check the network and ${again}.`, { cause: error });
}
