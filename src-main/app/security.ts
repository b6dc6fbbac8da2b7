// Electron-free security policy, so it is unit-tested under Node. main.ts applies it.
import { resolve, sep } from 'node:path';

/** The renderer is served through a custom protocol of its own, never file:// (which would reach every local file). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'warden';
export const APP_ENTRY = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The file an app:// request names inside the renderer folder; null for another host or a path that leaves the folder. */
export function rendererFileFor(url: string, rendererDir: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  const root = resolve(rendererDir);
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  return file.startsWith(root + sep) && !path.includes('\0') ? file : null;
}

/** Content Security Policy for the renderer: only our own bundled code, no inline script, no remote anything. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** The renderer's own origin: app://warden, or the dev server in development. */
export function createSenderCheck(rendererEntry: { appEntry?: string; devServerUrl?: string }): (url: string) => boolean {
  return (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (rendererEntry.appEntry) {
      // A non-special scheme has no URL origin in Node: compare scheme and host.
      const entry = new URL(rendererEntry.appEntry);
      if (parsed.protocol === entry.protocol && parsed.host === entry.host && parsed.username === '' && parsed.port === '') return true;
    }
    if (rendererEntry.devServerUrl) {
      if (parsed.origin === new URL(rendererEntry.devServerUrl).origin) return true;
    }
    return false;
  };
}

/** External links the UI may open in the system browser: https to documentation hosts only. */
const EXTERNAL_HOSTS = new Set(['supabase.com', 'www.postgresql.org', 'github.com', 'age-encryption.org']);

export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && EXTERNAL_HOSTS.has(parsed.hostname);
  } catch {
    return false;
  }
}
