import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../src-main/core/util/redact';
import { APP_ENTRY, CONTENT_SECURITY_POLICY, createSenderCheck, isAllowedExternalUrl, rendererFileFor } from '../../src-main/app/security';

describe('redact', () => {
  it.each([
    ['postgresql://postgres:hunter22@db.x.supabase.co:5432/postgres', 'postgresql://postgres:[redacted]@db.x.supabase.co:5432/postgres'],
    ['host=db port=5432 password=hunter22 user=postgres', 'host=db port=5432 password=[redacted] user=postgres'],
    ["password='with spaces' sslmode=require", 'password=[redacted] sslmode=require'],
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [redacted]'],
    ['a sbp_0123456789abcdef0123456789 leaked', 'a [redacted] leaked'],
  ])('redacts %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('scrubs any registered secret value wherever it appears', () => {
    registerSecret('Zebra-Crossing-42');
    expect(redact('pg_dump: error: connection failed: "Zebra-Crossing-42" rejected')).toBe('pg_dump: error: connection failed: "[redacted]" rejected');
  });
});

describe('renderer security policy', () => {
  it('allows no inline script, eval or remote source', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('trusts only the renderer entry (app://warden or the dev server origin)', () => {
    const check = createSenderCheck({ appEntry: APP_ENTRY, devServerUrl: 'http://localhost:5173/' });
    expect(check('app://warden/index.html')).toBe(true);
    expect(check('app://warden/index.html#/audit')).toBe(true);
    expect(check('http://localhost:5173/some/route')).toBe(true);
    expect(check('file:///app/out/renderer/index.html')).toBe(false);
    expect(check('file:///tmp/evil.html')).toBe(false);
    expect(check('app://evil/index.html')).toBe(false);
    expect(check('app://user@warden/index.html')).toBe(false);
    expect(check('http://localhost:5174/')).toBe(false);
    expect(check('https://localhost:5173/')).toBe(false);
    expect(check('not a url')).toBe(false);
  });

  it('serves only files inside the renderer folder on app://warden', () => {
    const root = '/opt/backup-warden/out/renderer';
    expect(rendererFileFor('app://warden/index.html', root)).toBe(`${root}/index.html`);
    expect(rendererFileFor('app://warden/', root)).toBe(`${root}/index.html`);
    expect(rendererFileFor('app://warden/assets/index-abc.js?v=1', root)).toBe(`${root}/assets/index-abc.js`);
    // The URL parser folds dot segments, plain or percent-encoded, before the path is read: they stay inside.
    expect(rendererFileFor('app://warden/../../etc/passwd', root)).toBe(`${root}/etc/passwd`);
    expect(rendererFileFor('app://warden/%2e%2e/%2e%2e/etc/passwd', root)).toBe(`${root}/etc/passwd`);
    for (const bad of ['app://warden/..%2f..%2fetc%2fpasswd', 'app://warden/%2F..%2F..%2Fetc%2Fpasswd', 'app://evil/index.html', 'file:///etc/passwd', 'app://warden/%E0%A4%A', 'not a url']) {
      expect(rendererFileFor(bad, root), bad).toBeNull();
    }
  });

  it('opens only https links to vetted documentation hosts', () => {
    expect(isAllowedExternalUrl('https://supabase.com/docs/guides/platform/backups')).toBe(true);
    expect(isAllowedExternalUrl('http://supabase.com/')).toBe(false);
    expect(isAllowedExternalUrl('https://supabase.com.evil.io/')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@supabase.com/')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false);
  });
});
