import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * TEST ONLY. A local Supabase Storage API with the documented routes and shapes supabase-js uses:
 * GET /storage/v1/bucket, POST /storage/v1/object/list/{bucket} ({prefix, limit, offset, sortBy}:
 * folders as entries with id null, files with metadata.size/mimetype), GET /storage/v1/object/{bucket}/{path}.
 * Object bytes are generated from their path as they stream (a 200 MB object costs no memory here).
 * Faults on demand: 429 (with Retry-After) or 503 answers, and downloads cut off mid-stream.
 */
export interface FakeObject {
  bucket: string;
  path: string;
  size: number;
  contentType?: string;
}

export interface FakeStorage {
  url: string;
  serviceKey: string;
  objects: FakeObject[];
  /** Completed downloads per "bucket/path". */
  downloads: Map<string, number>;
  /** Answers the next n requests for "bucket/path" (or "list" / "buckets") with this status. */
  failNext(key: string, status: number, times?: number): void;
  /** Cuts the next download of "bucket/path" off after this many bytes. */
  cutNext(key: string, afterBytes: number): void;
  close(): Promise<void>;
}

const BLOCK = 64 * 1024;

/** The bytes of an object: blocks derived from its path, so any test can recompute them. */
export function objectBlock(o: Pick<FakeObject, 'bucket' | 'path'>, index: number): Buffer {
  const seed = createHash('sha256').update(`${o.bucket}/${o.path}#${index}`).digest();
  const block = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += seed.length) seed.copy(block, i);
  return block;
}

export function objectSha256(o: FakeObject): string {
  const hash = createHash('sha256');
  for (let i = 0, left = o.size; left > 0; i++, left -= BLOCK) hash.update(left >= BLOCK ? objectBlock(o, i) : objectBlock(o, i).subarray(0, left));
  return hash.digest('hex');
}

export async function startFakeStorage(objects: FakeObject[], serviceKey = 'sb_secret_fakeservicerolekey0123456789abcdef'): Promise<FakeStorage> {
  const downloads = new Map<string, number>();
  const failures = new Map<string, { status: number; times: number }>();
  const cuts = new Map<string, number>();
  const fail = (key: string, res: ServerResponse): boolean => {
    const f = failures.get(key);
    if (!f || f.times <= 0) return false;
    f.times--;
    res.writeHead(f.status, { 'Content-Type': 'application/json', ...(f.status === 429 ? { 'Retry-After': '0' } : {}) }).end(JSON.stringify({ statusCode: String(f.status), error: 'fault', message: `injected ${f.status}` }));
    return true;
  };
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const stamp = '2026-11-20T10:00:00.000Z';

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (req.headers.authorization !== `Bearer ${serviceKey}` || req.headers.apikey !== serviceKey) return json(res, 403, { statusCode: '403', error: 'Unauthorized', message: 'invalid signature' });
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/storage/v1/bucket') {
        if (fail('buckets', res)) return;
        const ids = [...new Set(objects.map((o) => o.bucket))].sort();
        return json(res, 200, ids.map((id) => ({ id, name: id, owner: '', public: false, created_at: stamp, updated_at: stamp, file_size_limit: null, allowed_mime_types: null })));
      }
      const list = /^\/storage\/v1\/object\/list\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'POST' && list) {
        if (fail('list', res)) return;
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prefix?: string; limit?: number; offset?: number };
        const bucket = decodeURIComponent(list[1]!);
        const prefix = body.prefix ? `${body.prefix.replace(/\/+$/, '')}/` : '';
        const entries = new Map<string, unknown>();
        for (const o of objects.filter((x) => x.bucket === bucket && x.path.startsWith(prefix))) {
          const [name, ...rest] = o.path.slice(prefix.length).split('/');
          if (rest.length) entries.set(name!, { name, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null });
          else
            entries.set(name!, {
              name, id: createHash('md5').update(`${bucket}/${o.path}`).digest('hex'), updated_at: stamp, created_at: stamp, last_accessed_at: stamp,
              metadata: { eTag: '"x"', size: o.size, mimetype: o.contentType ?? 'application/octet-stream', cacheControl: 'max-age=3600', lastModified: stamp, contentLength: o.size, httpStatusCode: 200 },
            });
        }
        const sorted = [...entries.keys()].sort().map((k) => entries.get(k));
        const offset = body.offset ?? 0;
        return json(res, 200, sorted.slice(offset, offset + (body.limit ?? 100)));
      }
      const get = /^\/storage\/v1\/object\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (req.method === 'GET' && get) {
        const bucket = decodeURIComponent(get[1]!);
        const path = get[2]!.split('/').map(decodeURIComponent).join('/');
        const key = `${bucket}/${path}`;
        const o = objects.find((x) => x.bucket === bucket && x.path === path);
        if (!o) return json(res, 400, { statusCode: '404', error: 'not_found', message: 'Object not found' });
        if (fail(key, res)) return;
        res.writeHead(200, { 'Content-Type': o.contentType ?? 'application/octet-stream', 'Content-Length': String(o.size) });
        const cut = cuts.get(key);
        cuts.delete(key);
        let sent = 0;
        for (let i = 0; sent < o.size; i++) {
          let block = objectBlock(o, i).subarray(0, Math.min(BLOCK, o.size - sent));
          if (cut !== undefined && sent + block.length > cut) block = block.subarray(0, cut - sent);
          if (!res.write(block)) await new Promise((r) => res.once('drain', r));
          sent += block.length;
          if (cut !== undefined && sent >= cut) return res.destroy(); // the connection drops mid-object
        }
        res.end();
        downloads.set(key, (downloads.get(key) ?? 0) + 1);
        return;
      }
      json(res, 404, { statusCode: '404', error: 'not_found', message: `no route ${req.method} ${url.pathname}` });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serviceKey,
    objects,
    downloads,
    failNext: (key, status, times = 1) => failures.set(key, { status, times }),
    cutNext: (key, afterBytes) => cuts.set(key, afterBytes),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
