// Child process for the benchmark: one operation through the real core, figures as JSON on stdout.
//   child.js backup   <dataDir> <service> <projectId> <outputDir> <name> [jobs]
//   child.js verify   <dataDir> <service> <runId>
//   child.js rehearse <dataDir> <service> <runId>
import { KeychainVault } from '../../src-main/core/vault/vault';
import { openWarden } from '../../src-main/core/warden';

const [op, dataDir, service, ...rest] = process.argv.slice(2) as [string, string, string, ...string[]];
const warden = openWarden({ dataDir, vault: new KeychainVault(service), actor: 'bench' });
try {
  let figures: Record<string, unknown>;
  if (op === 'backup') {
    const [projectId, outputDir, name, jobs = '1'] = rest as [string, string, string, string?];
    const result = await warden.backups.run({ projectId, name, jobs: Number(jobs) }, { outputDir });
    figures = { runId: result.runId, ciphertextBytes: result.manifest.files.dump.ciphertextBytes, stream: result.manifest.dump.stream, rows: result.manifest.totals.rows, ...result.manifest.timings };
  } else if (op === 'verify') {
    const report = await warden.integrity.verify(rest[0]!);
    if (!report.ok) throw new Error(`verify failed: ${JSON.stringify(report.checks.filter((c) => c.status !== 'passed'))}`);
    figures = { durationMs: report.durationMs };
  } else if (op === 'rehearse') {
    const report = await warden.rehearsal.rehearse(rest[0]!);
    if (!report.ok) throw new Error(`rehearsal failed: ${JSON.stringify(report.checks.filter((c) => c.status !== 'passed'))}`);
    figures = { ...report.timings, isolation: report.isolation };
  } else {
    throw new Error(`unknown operation ${op}`);
  }
  process.stdout.write(JSON.stringify(figures));
} finally {
  warden.close();
}
