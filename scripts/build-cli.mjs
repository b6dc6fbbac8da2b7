// Bundles the CLI for `npx backup-warden`: out/cli/backup-warden.js with its worker beside it
// (core/util/worker.ts starts <name>.js from the directory of the running bundle).
import { build } from 'esbuild';

await build({
  entryPoints: { 'backup-warden': 'src-main/cli/main.ts', ageWorker: 'src-main/core/crypto/ageWorker.ts' },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
