// Electron-free security policy, so it is unit-tested under Node. main.ts applies it.

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

/** The renderer's own origin: the packaged file, or the dev server in development. */
export function createSenderCheck(rendererEntry: { fileUrl?: string; devServerUrl?: string }): (url: string) => boolean {
  return (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (rendererEntry.fileUrl) {
      const entry = new URL(rendererEntry.fileUrl);
      if (parsed.protocol === 'file:' && parsed.pathname === entry.pathname) return true;
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
