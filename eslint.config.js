// Layering is enforced here, not by convention:
//  - src-renderer runs in a sandboxed page: no Node built-ins, no Electron, no main-process code.
//  - src-main/core is plain Node so the CLI and the tests run it without Electron.
//  - src-main/contract is shared by main, preload and renderer: zod only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativeOrServerPackages = ['better-sqlite3', 'keytar', 'pg', 'age-encryption'];

const restrict = (paths, patterns, why) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message: why })),
      patterns: patterns.map((group) => ({ group: [group], message: why })),
    },
  ],
});

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
      ['electron/*', '**/app/**', '**/cli/**', '**/src-renderer/**'],
      'src-main/core is plain Node: it must not depend on Electron or on a shell (app, cli).',
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
