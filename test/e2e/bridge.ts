import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { createHandlers, type ShellServices } from '../../src-main/app/ipc/handlers';
import { createIpcRouter } from '../../src-main/app/ipc/router';
import { CONTENT_SECURITY_POLICY, createSenderCheck } from '../../src-main/app/security';
import { ipcEvents, ipcEventSubscriber, ipcMethods } from '../../src-main/contract/methods';
import type { Warden } from '../../src-main/core/warden';

/**
 * TEST ONLY. Serves the built renderer on loopback and carries the preload API over HTTP to the real
 * IPC router and core, so Debian's Chromium can drive the app where no Electron binary exists.
 * Random port, random token; the page gets the token through an init script, never from the server.
 * Events (backup progress) go out as Server-Sent Events.
 */
export interface Bridge {
  url: string;
  /** What window.warden needs in the page: pass to page.addInitScript(installWardenShim, bridge.shim). */
  shim: { token: string; methods: string[]; events: [event: string, subscriber: string][] };
  /** Folders the "folder picker" hands out, in order; null answers as a cancelled dialog. */
  nextFolders: (string | null)[];
  /** Files the "file picker" hands out, in order. */
  nextFiles: (string | null)[];
  close(): Promise<void>;
}

const rendererDir = join(import.meta.dirname, '../../out/renderer');
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export async function startBridge(warden: Warden): Promise<Bridge> {
  statSync(join(rendererDir, 'index.html')); // fails clearly when the renderer was not built
  const token = randomBytes(24).toString('hex');
  const nextFolders: (string | null)[] = [];
  const nextFiles: (string | null)[] = [];
  const streams = new Set<ServerResponse>();
  const shell: ShellServices = {
    pickFolder: async () => nextFolders.shift() ?? null,
    pickFile: async () => nextFiles.shift() ?? null,
    emit: (event, payload) => {
      for (const s of streams) s.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    },
  };
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dispatch = createIpcRouter(createHandlers(warden, shell), createSenderCheck({ devServerUrl: origin }));
  const tokenOk = (given: string | null | undefined) => typeof given === 'string' && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'POST' && url.pathname.startsWith('/ipc/')) {
      if (!tokenOk(req.headers['x-bridge-token'] as string | undefined) || req.headers.origin !== origin) return void res.writeHead(403).end();
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { payload?: unknown };
      const result = await dispatch(url.pathname.slice('/ipc/'.length), body.payload, `${origin}/index.html`);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      if (!tokenOk(url.searchParams.get('token'))) return void res.writeHead(403).end();
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method !== 'GET') return void res.writeHead(405).end();
    // Browsers ask for it on their own; the Electron window never does.
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    const file = normalize(join(rendererDir, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname)));
    if (!file.startsWith(rendererDir + sep)) return void res.writeHead(404).end();
    try {
      const data = readFileSync(file);
      // The same policy the Electron shell sets as a header: the page runs under the real CSP.
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CONTENT_SECURITY_POLICY }).end(data);
    } catch {
      res.writeHead(404).end();
    }
  }

  return {
    url: `${origin}/`,
    shim: { token, methods: [...ipcMethods], events: ipcEvents.map((e) => [e, ipcEventSubscriber(e)]) },
    nextFolders,
    nextFiles,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Runs in the page before its scripts (page.addInitScript): defines window.warden with the same named
 * functions as the preload. Self-contained, because Playwright sends its source text to the browser.
 */
export function installWardenShim({ token, methods, events }: { token: string; methods: string[]; events: [string, string][] }): void {
  const call = async (method: string, input: unknown) => {
    const response = await fetch(`/ipc/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Bridge-Token': token }, body: JSON.stringify({ payload: input }) });
    return (await response.json()) as unknown;
  };
  let source: EventSource | null = null;
  const api: Record<string, unknown> = Object.fromEntries(methods.map((m) => [m, (input?: unknown) => call(m, input)]));
  for (const [event, subscriber] of events) {
    api[subscriber] = (listener: (payload: unknown) => void) => {
      source ??= new EventSource(`/events?token=${token}`);
      const handler = (e: unknown) => listener(JSON.parse((e as { data: string }).data));
      source.addEventListener(event, handler);
      return () => source?.removeEventListener(event, handler);
    };
  }
  Object.defineProperty(globalThis, 'warden', { value: Object.freeze(api), writable: false });
}
