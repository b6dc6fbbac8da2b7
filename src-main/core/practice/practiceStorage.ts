import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';

/**
 * A local Supabase Storage API for the practice project (demo, tests, benchmarks): the documented routes
 * and shapes supabase-js uses — GET/POST /storage/v1/bucket, POST /storage/v1/object/list/{bucket}
 * ({prefix, limit, offset}: folders as entries with id null, files with metadata.size/mimetype),
 * GET /storage/v1/object/{bucket}/{path}, POST|PUT /storage/v1/object/{bucket}/{path} (uploads, x-upsert);
 * and Auth's GET /auth/v1/admin/users (page, per_page; the total in x-total-count).
 * Seeded objects are generated from their path as they stream (a 200 MB object costs no memory);
 * uploads land in a private temp folder, removed on close.
 */
export interface PracticeObject {
  bucket: string;
  path: string;
  size: number;
  contentType?: string;
}

export interface PracticeStorageHooks {
  /** Answers a request for `key` ("bucket/path", "list", "buckets") itself, e.g. with an error; true when it did. */
  intercept?(key: string, res: ServerResponse): boolean;
  /** Drops the connection of a download of `key` after this many bytes. */
  cutAfter?(key: string): number | undefined;
}

export interface PracticeStorage {
  url: string;
  serviceKey: string;
  /** The objects Storage holds now (seeded and uploaded), in no particular order. */
  objects(): PracticeObject[];
  /** Completed downloads per "bucket/path". */
  downloads: Map<string, number>;
  /** Uploads received per "bucket/path". */
  uploads: Map<string, number>;
  /** SHA-256 of the object's bytes as Storage would serve them now; null when there is no such object. */
  sha256(bucket: string, path: string): Promise<string | null>;
  /** Deletes an object (as a user or a migration would). */
  remove(bucket: string, path: string): void;
  close(): Promise<void>;
}

const BLOCK = 64 * 1024;
const STAMP = '2026-11-20T10:00:00.000Z';

/** The bytes of a seeded object: blocks derived from its path, so anyone can recompute them. */
export function practiceObjectBlock(o: Pick<PracticeObject, 'bucket' | 'path'>, index: number): Buffer {
  const seed = createHash('sha256').update(`${o.bucket}/${o.path}#${index}`).digest();
  const block = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += seed.length) seed.copy(block, i);
  return block;
}

export function practiceObjectSha256(o: PracticeObject): string {
  const hash = createHash('sha256');
  for (let i = 0, left = o.size; left > 0; i++, left -= BLOCK) hash.update(left >= BLOCK ? practiceObjectBlock(o, i) : practiceObjectBlock(o, i).subarray(0, left));
  return hash.digest('hex');
}

/** What the practice database says its project's API holds: the files its storage.objects rows describe, and its Auth users. */
export async function practiceApiContentOf(client: pg.Client): Promise<{ objects: PracticeObject[]; authUsers: number }> {
  const { rows } = await client.query<{ bucket: string; path: string; size: string; type: string | null }>(
    `SELECT bucket_id AS bucket, name AS path, (metadata->>'size')::bigint AS size, metadata->>'mimetype' AS type FROM storage.objects ORDER BY 1, 2`,
  );
  const users = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM auth.users');
  return { objects: rows.map((r) => ({ bucket: r.bucket, path: r.path, size: Number(r.size), contentType: r.type ?? undefined })), authUsers: users.rows[0]!.n };
}

interface Held extends PracticeObject {
  /** Where an uploaded object's bytes are; seeded objects have none (generated). */
  file?: string;
  updatedAt: string;
}

export async function startPracticeStorage(seed: PracticeObject[], options: { serviceKey?: string; hooks?: PracticeStorageHooks; authUsers?: number } = {}): Promise<PracticeStorage> {
  const serviceKey = options.serviceKey ?? `sb_secret_practice${randomBytes(16).toString('hex')}`;
  const hooks = options.hooks ?? {};
  // Made at the first upload: a server that is only read (most of them) leaves no folder behind.
  let uploadsDir: string | null = null;
  const held = new Map<string, Held>(seed.map((o) => [`${o.bucket}/${o.path}`, { ...o, updatedAt: STAMP }]));
  const buckets = new Set(seed.map((o) => o.bucket));
  const downloads = new Map<string, number>();
  const uploads = new Map<string, number>();
  let uploadSeq = 0;
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const notFound = (res: ServerResponse, what: string) => json(res, 400, { statusCode: '404', error: 'not_found', message: what });
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  };
  const objectPath = (raw: string) => raw.split('/').map(decodeURIComponent).join('/');
  /** An object's bytes, block by block: generated for seeded ones, read back for uploads. */
  async function* bytesOf(o: Held): AsyncGenerator<Buffer> {
    if (o.file) {
      for await (const chunk of createReadStream(o.file, { highWaterMark: BLOCK })) yield chunk as Buffer;
      return;
    }
    for (let i = 0, left = o.size; left > 0; i++, left -= BLOCK) yield left >= BLOCK ? practiceObjectBlock(o, i) : practiceObjectBlock(o, i).subarray(0, left);
  }

  const server = createServer((req, res) => {
    void (async () => {
      if (req.headers.authorization !== `Bearer ${serviceKey}` || req.headers.apikey !== serviceKey) return json(res, 403, { statusCode: '403', error: 'Unauthorized', message: 'invalid signature' });
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/auth/v1/admin/users') {
        // One page of generated users, with GoTrue's pagination headers (supabase-js reads the total only beside a Link).
        const total = options.authUsers ?? 0;
        const page = Math.max(1, Number(url.searchParams.get('page') || 1));
        const perPage = Math.max(1, Number(url.searchParams.get('per_page') || 50));
        const users = Array.from({ length: Math.max(0, Math.min(perPage, total - (page - 1) * perPage)) }, (_, i) => ({ id: createHash('md5').update(`user${(page - 1) * perPage + i}`).digest('hex'), aud: 'authenticated' }));
        const last = Math.max(1, Math.ceil(total / perPage));
        const link = [...(page < last ? [`</admin/users?page=${page + 1}&per_page=${perPage}>; rel="next"`] : []), `</admin/users?page=${last}&per_page=${perPage}>; rel="last"`].join(', ');
        res.writeHead(200, { 'Content-Type': 'application/json', 'x-total-count': String(total), link }).end(JSON.stringify({ users, aud: 'authenticated' }));
        return;
      }
      if (url.pathname === '/storage/v1/bucket') {
        if (hooks.intercept?.('buckets', res)) return;
        if (req.method === 'POST') {
          const id = String((await readBody(req)).id ?? '');
          if (!id) return json(res, 400, { statusCode: '400', error: 'invalid', message: 'bucket id is required' });
          if (buckets.has(id)) return json(res, 400, { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' });
          buckets.add(id);
          return json(res, 200, { name: id });
        }
        return json(res, 200, [...buckets].sort().map((id) => ({ id, name: id, owner: '', public: false, created_at: STAMP, updated_at: STAMP, file_size_limit: null, allowed_mime_types: null })));
      }
      const list = /^\/storage\/v1\/object\/list\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'POST' && list) {
        if (hooks.intercept?.('list', res)) return;
        const body = (await readBody(req)) as { prefix?: string; limit?: number; offset?: number };
        const bucket = decodeURIComponent(list[1]!);
        const prefix = body.prefix ? `${body.prefix.replace(/\/+$/, '')}/` : '';
        const entries = new Map<string, unknown>();
        for (const o of [...held.values()].filter((x) => x.bucket === bucket && x.path.startsWith(prefix))) {
          const [name, ...rest] = o.path.slice(prefix.length).split('/');
          if (rest.length) entries.set(name!, { name, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null });
          else
            entries.set(name!, {
              name, id: createHash('md5').update(`${bucket}/${o.path}`).digest('hex'), updated_at: o.updatedAt, created_at: o.updatedAt, last_accessed_at: o.updatedAt,
              metadata: { eTag: '"x"', size: o.size, mimetype: o.contentType ?? 'application/octet-stream', cacheControl: 'max-age=3600', lastModified: o.updatedAt, contentLength: o.size, httpStatusCode: 200 },
            });
        }
        const sorted = [...entries.keys()].sort().map((k) => entries.get(k));
        const offset = body.offset ?? 0;
        return json(res, 200, sorted.slice(offset, offset + (body.limit ?? 100)));
      }
      const route = /^\/storage\/v1\/object\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (!route) return json(res, 404, { statusCode: '404', error: 'not_found', message: `no route ${req.method} ${url.pathname}` });
      const bucket = decodeURIComponent(route[1]!);
      const path = objectPath(route[2]!);
      const key = `${bucket}/${path}`;
      if (req.method === 'POST' || req.method === 'PUT') {
        if (!buckets.has(bucket)) return notFound(res, 'Bucket not found');
        if (hooks.intercept?.(key, res)) return;
        const exists = held.has(key);
        if (req.method === 'POST' && exists && req.headers['x-upsert'] !== 'true') return json(res, 400, { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' });
        if (req.method === 'PUT' && !exists) return notFound(res, 'Object not found');
        uploadsDir ??= mkdtempSync(join(tmpdir(), 'bw-practice-storage-'));
        const file = join(uploadsDir, `${++uploadSeq}`);
        await pipeline(req, createWriteStream(file));
        const size = statSync(file).size;
        const before = held.get(key);
        if (before?.file) rmSync(before.file, { force: true });
        held.set(key, { bucket, path, size, contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), file, updatedAt: new Date().toISOString() });
        uploads.set(key, (uploads.get(key) ?? 0) + 1);
        return json(res, 200, { Id: createHash('md5').update(key).digest('hex'), Key: key });
      }
      if (req.method !== 'GET') return json(res, 405, { statusCode: '405', error: 'method', message: `${req.method} not allowed` });
      const o = held.get(key);
      if (!o) return notFound(res, 'Object not found');
      if (hooks.intercept?.(key, res)) return;
      res.writeHead(200, { 'Content-Type': o.contentType ?? 'application/octet-stream', 'Content-Length': String(o.size) });
      const cut = hooks.cutAfter?.(key);
      let sent = 0;
      for await (const chunk of bytesOf(o)) {
        const block = cut !== undefined && sent + chunk.length > cut ? chunk.subarray(0, cut - sent) : chunk;
        if (!res.write(block)) await new Promise((r) => res.once('drain', r));
        sent += block.length;
        if (cut !== undefined && sent >= cut) return res.destroy(); // the connection drops mid-object
      }
      res.end();
      downloads.set(key, (downloads.get(key) ?? 0) + 1);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A practice server never keeps its process alive on its own.
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serviceKey,
    objects: () => [...held.values()].map(({ bucket, path, size, contentType }) => ({ bucket, path, size, contentType })),
    downloads,
    uploads,
    sha256: async (bucket, path) => {
      const o = held.get(`${bucket}/${path}`);
      if (!o) return null;
      const hash = createHash('sha256');
      for await (const chunk of bytesOf(o)) hash.update(chunk);
      return hash.digest('hex');
    },
    remove: (bucket, path) => {
      const o = held.get(`${bucket}/${path}`);
      if (o?.file) rmSync(o.file, { force: true });
      held.delete(`${bucket}/${path}`);
    },
    close: async () => {
      // supabase-js keeps its sockets alive: they would hold close() open (and the uploads folder with it).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (uploadsDir) rmSync(uploadsDir, { recursive: true, force: true });
    },
  };
}
