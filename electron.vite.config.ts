import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      // Native modules and pg stay external: they are loaded from node_modules at run time.
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src-main/app/main.ts'),
          // Worker threads are separate entries, started by core/util/worker.ts from beside index.js.
          ageWorker: resolve(import.meta.dirname, 'src-main/core/crypto/ageWorker.ts'),
          hashWorker: resolve(import.meta.dirname, 'src-main/core/crypto/hashWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads cannot be ES modules; bundle everything (zod-free) into one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src-renderer'),
    // React's automatic JSX runtime via esbuild; no plugin injects inline scripts, so the strict CSP holds in dev too.
    esbuild: { jsx: 'automatic' },
    build: { rollupOptions: { input: resolve(import.meta.dirname, 'src-renderer/index.html') } },
  },
});
