// Child process for the benchmark: one backup through the real core, result as JSON on stdout.
import { KeychainVault } from '../../src-main/core/vault/vault';
import { openWarden } from '../../src-main/core/warden';

const [dataDir, service, projectId, outputDir, name] = process.argv.slice(2) as [string, string, string, string, string];
const warden = openWarden({ dataDir, vault: new KeychainVault(service), actor: 'bench' });
try {
  const result = await warden.backups.run({ projectId, name }, { outputDir });
  process.stdout.write(JSON.stringify({ ciphertextBytes: result.manifest.files.dump.ciphertextBytes, plaintextBytes: result.manifest.files.dump.plaintextBytes, rows: result.manifest.totals.rows, ...result.manifest.timings }));
} finally {
  warden.close();
}
