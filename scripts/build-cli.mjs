// Bundles the CLI for `npx backup-warden`: out/cli/backup-warden.js with its worker beside it
// (core/util/worker.ts starts <name>.js from the directory of the running bundle).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

await build({
  entryPoints: { 'backup-warden': 'src-main/cli/main.ts', ageWorker: 'src-main/core/crypto/ageWorker.ts', hashWorker: 'src-main/core/crypto/hashWorker.ts' },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
// Run as an executable, so the node flags on its #! line apply (npm's bin shim does the same).
chmodSync('out/cli/backup-warden.js', 0o755);
