// Bundles the CLI for `npx backup-warden`: out/cli/backup-warden.js with its workers beside it
// (core/util/worker.ts starts <name>.js from the directory of the running bundle). The benchmark bundles
// its child the same way, so that it measures what ships: build-cli.mjs <outdir> <name>=<entry>.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const [outdir = 'out/cli', main = 'backup-warden=src-main/cli/main.ts'] = process.argv.slice(2);
const [name, entry] = main.split('=');
await build({
  entryPoints: { [name]: entry, ageWorker: 'src-main/core/crypto/ageWorker.ts', hashWorker: 'src-main/core/crypto/hashWorker.ts' },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Native addons (and pg's optional native binding) stay in node_modules; the rest is inlined. Node's module
  // loader opening the 257 files of node_modules one by one took 80 ms of the 290 ms every command spent
  // starting (`--help`, 6 runs each, interleaved).
  external: ['better-sqlite3', 'keytar', 'pg-native'],
  // The inlined CommonJS packages require Node's built-ins.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
// Run as an executable, so the node flags on its #! line apply (npm's bin shim does the same).
chmodSync(join(outdir, `${name}.js`), 0o755);
