// Layering is enforced here, not by convention:
//  - src-renderer runs in a sandboxed page: no Node built-ins, no Electron, no main-process code.
//  - src-main/core is plain Node so the CLI and the tests run it without Electron.
//  - src-main/contract is shared by main, preload and renderer: zod only.
//  - src-main/operations runs the operations catalog for both shells: no Electron, no app or cli import.
//  - inside core: the Warden (the composition root) is imported by no core module; runs/ knows neither the
//    Warden nor rehearse/; rehearse/ does not depend on the practice fixtures; Supabase's platform facts live
//    in supabase/, which depends on nothing else in core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativeOrServerPackages = ['better-sqlite3', 'keytar', 'pg', 'age-encryption'];
// The modules of src-main/core, as seen from one of its folders.
const coreSiblings = readdirSync(join(import.meta.dirname, 'src-main/core')).map((name) => name.replace(/\.ts$/, ''));

const restrict = (paths, patterns, why, regexes = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message: why })),
      patterns: [...patterns.map((group) => ({ group: [group], message: why })), ...regexes.map((regex) => ({ regex, message: why }))],
    },
  ],
});

const oneProcessLayer = {
  selector: 'ImportDeclaration[source.value=/^(node:)?child_process$/]',
  message: 'External tools start through the one process layer, core/util/runTool.ts (spawnTool, runTool): argument arrays, no shell, signals, redacted failures.',
};
const oneArtifactOwner = {
  selector: 'Literal[value=/\\bartifacts\\b/], TemplateElement[value.raw=/\\bartifacts\\b/]',
  message: 'The artifacts table has one owner: use core/runs/artifactStore.ts (ArtifactStore).',
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'demo-output/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: restrict(
      [...nodeBuiltins, 'electron', ...nativeOrServerPackages],
      ['**/src-main/core/**', '**/src-main/app/**', '**/src-main/cli/**', '**/src-preload/**'],
      'src-renderer is a sandboxed web page: reach the main process only through window.warden (the preload API).',
    ),
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: restrict(
      ['electron'],
      ['electron/*', '**/app/**', '**/cli/**', '**/src-renderer/**', '**/warden'],
      'src-main/core is plain Node: it must not depend on Electron or on a shell (app, cli); only the shells compose the Warden.',
    ),
  },
  {
    // One owner per resource inside core: external tools start only through the process layer; the
    // artifacts table is written and read only by its store.
    files: ['src-main/core/**/*.ts'],
    ignores: ['src-main/core/util/runTool.ts', 'src-main/core/runs/artifactStore.ts', 'src-main/core/db/migrations/**'],
    rules: { 'no-restricted-syntax': ['error', oneProcessLayer, oneArtifactOwner] },
  },
  {
    files: ['src-main/core/runs/artifactStore.ts', 'src-main/core/db/migrations/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', oneProcessLayer] },
  },
  {
    files: ['src-main/core/runs/**/*.ts'],
    rules: restrict(
      ['electron'],
      ['electron/*', '**/app/**', '**/cli/**', '**/src-renderer/**', '**/warden', '**/rehearse/**'],
      'core/runs keeps runs, checklist and activities: it must not depend on the Warden or on rehearse/ (pass what it needs in).',
    ),
  },
  {
    files: ['src-main/core/rehearse/**/*.ts'],
    rules: restrict(
      ['electron'],
      ['electron/*', '**/app/**', '**/cli/**', '**/src-renderer/**', '**/warden', '**/practice/**'],
      'core/rehearse restores production backups: it must not depend on the Warden or on the practice fixtures (Supabase facts come from core/supabase).',
    ),
  },
  {
    files: ['src-main/core/supabase/**/*.ts'],
    rules: restrict(
      ['electron'],
      ['electron/*', '**/app/**', '**/cli/**', '**/src-renderer/**'],
      "core/supabase holds the platform's facts as data: it depends on nothing else in core.",
      [`^\\.\\./(${coreSiblings.filter((f) => f !== 'supabase').join('|')})(/|$)`],
    ),
  },
  {
    // The operations run the catalog on the core for both shells: plain Node, and no shell of their own.
    files: ['src-main/operations/**/*.ts'],
    rules: restrict(
      ['electron'],
      ['electron/*', '**/app/**', '**/cli/**', '**/src-renderer/**'],
      'src-main/operations is shared by the app and the CLI: it must not depend on Electron or on either shell (they give it a Shell).',
    ),
  },
  {
    files: ['src-main/contract/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, 'electron', ...nativeOrServerPackages],
      ['**/core/**', '**/app/**', '**/cli/**'],
      'The IPC contract is shared with the sandboxed preload and the renderer: zod schemas and types only.',
    ),
  },
  {
    files: ['src-preload/**/*.ts'],
    rules: restrict(
      nodeBuiltins.filter((m) => m !== 'electron'),
      ['**/src-main/core/**', '**/src-main/app/**', '**/src-main/cli/**'],
      'The preload is sandboxed: it may use electron (contextBridge, ipcRenderer) and the contract only.',
    ),
  },
);
