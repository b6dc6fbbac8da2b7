import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The Electron binary cannot be fetched here, so packaging cannot run: its configuration is checked as
// data — against electron-builder's own schema, and for the fuses the security checklist requires.
const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  build: Record<string, unknown> & { electronFuses: Record<string, boolean>; icon: string };
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const scheme = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as {
  properties: Record<string, unknown>;
  definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
};

describe('packaging configuration', () => {
  it('names only options electron-builder knows', () => {
    expect(Object.keys(pkg.build).filter((k) => !(k in scheme.properties))).toEqual([]);
    expect(Object.keys(pkg.build.electronFuses).filter((k) => !(k in scheme.definitions.FuseOptionsV1.properties))).toEqual([]);
  });

  it('flips the fuses: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect; ASAR only and integrity-checked', () => {
    expect(pkg.build.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(pkg.build.asar).toBe(true);
  });

  it('builds Linux AppImage and deb, macOS dmg and Windows nsis from the bundled output, with the app icon', () => {
    expect(pkg.build).toMatchObject({ linux: { target: ['AppImage', 'deb'] }, mac: { target: ['dmg'] }, win: { target: ['nsis'] } });
    expect(pkg.build.files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**']));
    const icon = readFileSync(join(root, pkg.build.icon));
    expect(icon.subarray(1, 4).toString()).toBe('PNG');
    expect([icon.readUInt32BE(16), icon.readUInt32BE(20)]).toEqual([512, 512]);
    expect(pkg.scripts.package).toBe('electron-vite build && electron-builder --publish never');
  });

  it('uses a supported Electron (45 or newer)', () => {
    expect(Number(/\d+/.exec(pkg.devDependencies.electron!)![0])).toBeGreaterThanOrEqual(45);
  });
});
