import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp';

// The thin Electron shell, driven through Playwright's _electron where an Electron binary exists.
// Here its download is blocked, so this is skipped with the reason in the test's name; everything
// behind the shell (router, core, renderer) is covered by the other tests under plain Node and Chromium.
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown as string;
    return existsSync(path) ? path : null;
  } catch {
    return null; // "Electron failed to install correctly": no binary in node_modules/electron/dist
  }
}

const binary = electronBinary();
const why = binary ? '' : ' (skipped: no Electron binary on this machine; its install step downloads one, which this network blocks)';
if (!binary) console.warn(`Electron shell smoke test${why}`);
// Made by the test itself: a skipped file runs no afterAll, which would leave the folder behind.
let data: ReturnType<typeof tempDir> | undefined;
let app: ElectronApplication | undefined;

afterAll(async () => {
  await app?.close();
  data?.cleanup();
});

describe('Electron shell', () => {
  it.skipIf(!binary)(`opens one hardened window whose page reaches the core only through window.warden${why}`, async () => {
    data = tempDir('bw-electron-');
    app = await _electron.launch({
      executablePath: binary!,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), join(import.meta.dirname, '../../out/main/index.js')],
      env: { ...process.env, BACKUP_WARDEN_DATA: data.dir },
    });
    const page = await app.firstWindow();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();

    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

    const surface = await page.evaluate(async () => {
      const w = globalThis as unknown as { warden: Record<string, (...a: unknown[]) => Promise<unknown>>; require?: unknown; process?: unknown };
      return { keys: Object.keys(w.warden), require: typeof w.require, process: typeof w.process, projects: await w.warden.listProjects!() };
    });
    expect(surface.keys).toContain('startBackup');
    expect(surface.keys).not.toContain('invoke');
    expect(surface).toMatchObject({ require: 'undefined', process: 'undefined', projects: { ok: true, value: [] } });

    // Sandbox, context isolation and no Node integration, as the page sees them; navigation and new windows refused.
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => (globalThis as unknown as { open: (u: string) => unknown }).open('https://example.com/') === null)).toBe(true);
  });
});
