import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { auditToCsv, auditToJson } from '../core/audit/auditExport';
import { WardenError } from '../core/errors';
import { startPracticeServer } from '../core/practice/practiceDatabase';
import { practiceApiContentOf, startPracticeStorage } from '../core/practice/practiceStorage';
import { withPgClient } from '../core/pg/connect';
import { rehearsalHeadline } from '../core/rehearse/summary';
import { makeFolders } from '../core/util/makeFolders';
import { KeychainVault } from '../core/vault/vault';
import { openWarden } from '../core/warden';
import type { Output } from './output';
import { practiceExpectedTables } from '../contract/constants';
import { identitiesIn } from '../core/crypto/identityText';

const MARKER = '.backup-warden-demo';
const PRACTICE_BYTES = 60e6;

/**
 * The practice run: an embedded PostgreSQL with a Supabase-shaped database, taken through the whole
 * checklist — backup, verify, rehearse, platform attestation, two sign-offs, signed log, notification,
 * audit export — into outDir. Needs no credentials; uses the keychain like the real thing.
 */
export async function runDemo(outArg: string, out: Output): Promise<number> {
  const outDir = resolve(outArg);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!existsSync(join(outDir, MARKER))) throw new WardenError('CONFLICT', `${outDir} exists and is not a previous demo output; choose another --out folder.`);
    rmSync(outDir, { recursive: true, force: true });
  }
  makeFolders(join(outDir, 'backups'));
  writeFileSync(join(outDir, MARKER), 'Created by `backup-warden demo`; safe to delete.\n');

  const step = (text: string) => out.note(`• ${text}`);
  step('Starting an embedded PostgreSQL and building a Supabase-shaped practice database…');
  // The practice run keeps its secrets under a keychain service of its own; a new run starts it clean.
  const vault = new KeychainVault('Backup Warden practice');
  await vault.clearService();
  const { cluster, source, built } = await startPracticeServer({ targetBytes: PRACTICE_BYTES });
  // Its API: a local Storage serving the files the database's storage.objects rows describe, and Auth's user count.
  const content = await withPgClient(source, practiceApiContentOf);
  const storage = await startPracticeStorage(content.objects, { authUsers: content.authUsers });
  const warden = openWarden({ dataDir: join(outDir, 'data'), vault, actor: 'practice-operator' });
  try {
    // As on Supabase: the project connects as postgres, which is not a superuser.
    const project = await warden.projects.create({
      name: 'Practice production', environment: 'production', host: source.host, port: source.port,
      database: source.database, user: source.user, sslmode: 'disable', secrets: { dbPassword: source.password, serviceRoleKey: storage.serviceKey },
      apiUrl: storage.url,
      expectedTables: [...practiceExpectedTables],
      sampleChecks: [
        { name: 'students exist', table: 'public.users', where: { column: 'role', equals: 'student' }, expect: { op: '>=', rows: 1 } },
        { name: 'four subscription plans', table: 'public.subscription_plans', expect: { op: '=', rows: 4 } },
      ],
    });
    const connection = await warden.projects.testConnection(project.id);
    step('Escrowing the recovery key (the backups must open without this workstation)…');
    mkdirSync(join(outDir, 'escrow'), { mode: 0o700 });
    const escrow = await warden.keyEscrow.export(project.id, join(outDir, 'escrow'), 'identity-file');

    step('Backing up (pg_dump → age encryption → hashes, exact row counts)…');
    const backup = await warden.backups.run(
      { projectId: project.id, description: 'Practice baseline before a schema migration' },
      { outputDir: join(outDir, 'backups'), onProgress: (p) => out.progress(p) },
    );
    const runId = backup.runId;
    step('Backing up Storage objects beside it (supabase-js → tar inside age), checked against the storage.objects rows of the backup…');
    const stored = await warden.storage.backup(runId);
    step('Verifying integrity (hashes, full decrypt, pg_restore --list, expected tables)…');
    const integrity = await warden.integrity.verify(runId);
    step('Opening the backup with the escrowed key file alone (not this keychain)…');
    await warden.recovery.check(runId, readFileSync(escrow.file, 'utf8'));
    step('Rehearsing the restore into a scratch PostgreSQL (counts, fingerprints, sample checks, amcheck)…');
    const rehearsal = await warden.rehearsal.rehearse(runId, { amcheck: true });
    const now = Date.now();
    warden.platform.attest(runId, {
      backupId: 'practice-daily', status: 'COMPLETED', insertedAt: new Date(now - 3_600_000).toISOString(), plan: 'pro',
      migrationWindow: { start: new Date(now + 3_600_000).toISOString(), end: new Date(now + 4 * 3_600_000).toISOString() },
      attestedBy: 'Practice Creator', note: 'Practice run: no Supabase project, the platform backup is attested',
    });
    step('Two-person sign-off, each with their own SSH key (practice keys made here); the verifier works from a review bundle on a second data folder…');
    const people = practiceKeys(join(outDir, 'people'));
    await warden.signOffs.signOff(runId, { role: 'creator', name: 'Practice Creator', keyFile: people.creator });
    const { bundle } = warden.reviews.exportBundle(runId, outDir);
    const verifierDesk = openWarden({ dataDir: join(outDir, 'verifier-workstation'), vault, actor: 'practice-verifier' });
    try {
      await verifierDesk.reviews.signBundle({ bundle, backupFile: backup.dumpFile, name: 'Practice Verifier', key: { keyFile: people.verifier }, identities: identitiesIn(readFileSync(escrow.file, 'utf8')) });
    } finally {
      verifierDesk.close();
    }
    await warden.signOffs.signOff(runId, { role: 'verifier', name: 'Practice Verifier', reviewBundle: bundle });
    const exported = await warden.exports.export(runId, outDir);
    warden.notify.confirmSent(runId, 'Practice Creator', 'practice console');
    writeFileSync(join(outDir, 'team-message.txt'), warden.notify.message(runId) + '\n');
    const entries = warden.audit.list({ limit: Number.MAX_SAFE_INTEGER });
    const chain = warden.audit.verify();
    writeFileSync(join(outDir, 'audit.csv'), auditToCsv(entries));
    writeFileSync(join(outDir, 'audit.json'), auditToJson(entries, chain));

    const inApp = warden.exports.verifyExport(exported.markdownFile);
    // What an auditor runs, for each person's signature.
    const ssh = exported.signatures.map((p) => ({
      ...p,
      run: spawnSync('ssh-keygen', ['-Y', 'verify', '-f', exported.allowedSignersFile, '-I', p.principal, '-n', 'backup-warden-log', '-s', `${exported.markdownFile}.${p.role}.sig`], { input: readFileSync(exported.markdownFile), encoding: 'utf8' }),
    }));
    const sshOk = ssh.length === 2 && ssh.every((p) => !p.run.error && p.run.status === 0);
    const sshVerdict = ssh.map((p) => `${p.principal} ${p.run.status === 0 ? 'good' : `FAILED: ${p.run.stderr.trim()}`}`).join(', ');
    const items = warden.runs.items(runId);
    const m = backup.manifest;
    const summary = {
      database: `${connection.serverVersion}, ${(built.databaseSizeBytes / 1048576).toFixed(1)} MiB, ${connection.publicTableCount} public tables`,
      backup: `${backup.dumpFile} (${(m.files.dump.ciphertextBytes / 1048576).toFixed(1)} MiB, ${m.totals.rows} rows)`,
      escrow: `${escrow.file} (the recovery key; keep such a copy offline)`,
      storage: `${stored.archiveFile} (${stored.objects} objects, ${(stored.bytes / 1048576).toFixed(1)} MiB from ${stored.buckets.join(', ')}; ${stored.consistency?.ok ? 'matches the database' : 'DOES NOT MATCH the database'})`,
      integrity: integrity.ok ? 'passed' : 'FAILED',
      rehearsal: rehearsalHeadline(rehearsal),
      isolation: rehearsal.isolation,
      checklist: items.map((i) => `${i.key}=${i.state}`).join(' '),
      log: exported.markdownFile,
      signatures: `ssh-keygen -Y verify: ${sshVerdict}; machine attestation ${inApp.ok ? 'good' : 'BAD'}`,
      audit: `${chain.ok ? 'chain intact' : 'chain BROKEN'}, ${entries.length} entries → audit.csv, audit.json`,
      'check it': `ssh-keygen -Y verify -f ${exported.allowedSignersFile} -I practice.creator -n backup-warden-log -s ${exported.markdownFile}.creator.sig < ${exported.markdownFile}`,
    };
    const ok = integrity.ok && rehearsal.ok && inApp.ok && chain.ok && items.every((i) => i.state === 'passed') && sshOk;
    out.result({ ok, outDir, runId, ...summary }, [`\nPractice run ${ok ? 'complete' : 'FAILED'} → ${outDir}`, ...Object.entries(summary).map(([k, v]) => `  ${k.padEnd(10)} ${v}`)].join('\n'));
    return ok ? 0 : 1;
  } finally {
    warden.close();
    await storage.close();
    await cluster.stop();
  }
}

/** Two throwaway SSH keys for the practice's two people (real signers bring their own, or use ssh-agent). */
function practiceKeys(dir: string): { creator: string; verifier: string } {
  mkdirSync(dir, { mode: 0o700 });
  const make = (who: string) => {
    const file = join(dir, `practice-${who}`);
    const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `practice ${who}`, '-f', file]);
    if (made.error || made.status !== 0) throw new WardenError('TOOL_MISSING', 'ssh-keygen (OpenSSH) is needed to make the practice signing keys: install openssh-client.');
    return file;
  };
  return { creator: make('creator'), verifier: make('verifier') };
}
