import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditToCsv, auditToJson } from '../../src-main/core/audit/auditExport';
import { openDatabase } from '../../src-main/core/db/database';
import { openSshPublicKey, signSshsig } from '../../src-main/core/log/sshsig';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { hoursAgo, startFakeSupabase, type FakeSupabase } from '../helpers/fakeSupabase';
import { startPracticeStorage, type PracticeStorage } from '../../src-main/core/practice/practiceStorage';
import { practiceProject } from '../helpers/practice';
import { sshVerify } from '../helpers/sshVerify';
import { creatorKey, verifierKey } from '../helpers/sshKeys';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';
import { testPgMajor } from '../helpers/pgMatrix';

const token = 'sbp_secret0123456789abcdef0123456789abcd';
let api: FakeSupabase;
let t: ReturnType<typeof openTestWarden>;
const out = tempDir('bw-report-');
let cluster: ScratchCluster;
let projectId: string;
let practiceApi: PracticeStorage;
// The escrow copy lives apart from what the export writes (those files are searched for secrets below).
const safe = tempDir('bw-escrow-safe-');
let runId: string;
let webhook: string;
const alice = creatorKey();
const bob = verifierKey();
// The migration window: tonight, as the team planned it; the platform backup attested was taken this morning.
const window = { start: new Date(Date.now() + 6 * 3_600_000).toISOString(), end: new Date(Date.now() + 10 * 3_600_000).toISOString() };
const attestedAt = hoursAgo(5);


function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

beforeAll(async () => {
  api = await startFakeSupabase(token);
  t = openTestWarden('alice');
  // Point the core at the fake API.
  t.warden.close();
  const { openWarden } = await import('../../src-main/core/warden');
  const { KeychainVault } = await import('../../src-main/core/vault/vault');
  t.warden = openWarden({ dataDir: t.dataDir, vault: new KeychainVault(t.service), actor: 'alice', managementApiUrl: api.url });
  ({ cluster, projectId, storage: practiceApi } = await practiceProject(t.warden, 1));
  webhook = `${api.url}/hook`;
  await t.warden.projects.update(projectId, { supabaseRef: 'abcdefghijklmnopqrst', secrets: { managementToken: token, notifyWebhook: webhook } });
  const backup = await t.warden.backups.run({ projectId, name: 'pre-migration-baseline-2026-11-24', description: 'Baseline before the forum schema migration' }, { outputDir: out.dir });
  runId = backup.runId;
  expect((await t.warden.storage.backup(runId)).consistency?.ok).toBe(true);
  expect((await t.warden.integrity.verify(runId)).ok).toBe(true);
  // The backup opens without this workstation: checked with the escrowed key file's text.
  const escrow = await t.warden.keyEscrow.export(projectId, safe.dir, 'identity-file');
  expect(await t.warden.recovery.check(runId, readFileSync(escrow.file, 'utf8'))).toMatchObject({ keyKind: 'escrowed recovery key' });
  expect((await t.warden.rehearsal.rehearse(runId)).ok).toBe(true);
});

afterAll(async () => {
  t.close();
  out.cleanup();
  safe.cleanup();
  await api.close();
  await cluster?.stop();
});

describe('platform backup', () => {
  it('reads the latest COMPLETED platform backup and its expiry from the Management API', async () => {
    const evidence = await t.warden.platform.check(runId, { plan: 'pro', migrationWindow: window });
    const taken = api.backups[1]!.inserted_at;
    expect(evidence).toMatchObject({
      mode: 'verified', backupId: '102', backupStatus: 'COMPLETED', retentionDays: 7, expiresAt: new Date(Date.parse(taken) + 7 * 86_400_000).toISOString(), warnings: [], pitrEnabled: false, projectStatus: 'ACTIVE_HEALTHY',
      postgresEngine: 15, retentionSource: 'the organization\'s entitlement backup.retention_days', pitrDays: null,
    });
    // Auth's users, live, against the backup's auth.users: the same project, the same count.
    const inBackup = t.warden.artifacts.backup(runId).manifest.tables.find((x) => x.schema === 'auth' && x.name === 'users')!.rows;
    expect(evidence.authUsers).toEqual({ inBackup, live: inBackup });
    expect(evidence.services?.map((s) => `${s.name}:${s.status}`)).toEqual(['auth:ACTIVE_HEALTHY', 'db:ACTIVE_HEALTHY', 'pooler:ACTIVE_HEALTHY', 'storage:ACTIVE_HEALTHY']);
    expect(t.warden.runs.items(runId).find((i) => i.key === 'prerequisites')).toMatchObject({ state: 'passed', mode: 'verified' });
  });

  it('warns when the platform backup expires inside the migration window', async () => {
    const expires = Date.parse(api.backups[1]!.inserted_at) + 7 * 86_400_000;
    const late = { start: new Date(expires - 7 * 3_600_000).toISOString(), end: new Date(expires + 5 * 3_600_000).toISOString() };
    const evidence = await t.warden.platform.check(runId, { plan: 'pro', migrationWindow: late });
    expect(evidence.warnings).toEqual([expect.stringContaining(`expires on ${new Date(expires).toISOString()} (7-day retention), during the migration window`)]);
    expect(t.warden.runs.items(runId).find((i) => i.key === 'prerequisites')!.state).toBe('failed');
    // Team plan keeps 14 days: no warning.
    expect((await t.warden.platform.check(runId, { plan: 'team', migrationWindow: late, retentionDays: 14 })).warnings).toEqual([]);
  });

  it('takes retention from the organization’s entitlement (the plan table only where it cannot be read) and the PITR add-on’s window', async () => {
    // The organization grants 7 days whatever plan the operator picked: the entitlement is what Supabase keeps.
    expect(await t.warden.platform.check(runId, { plan: 'team', migrationWindow: window })).toMatchObject({ retentionDays: 7, retentionSource: 'the organization\'s entitlement backup.retention_days' });
    const as = async (ref: string) => {
      await t.warden.projects.update(projectId, { supabaseRef: ref });
      try {
        return await t.warden.platform.check(runId, { plan: 'team', migrationWindow: window });
      } finally {
        await t.warden.projects.update(projectId, { supabaseRef: 'abcdefghijklmnopqrst' });
      }
    };
    expect(await as('teamaaaaaaaaaaaaaaaa')).toMatchObject({ retentionDays: 14, retentionSource: 'the organization\'s entitlement backup.retention_days' });
    const noEntitlements = await as('noentaaaaaaaaaaaaaaa');
    expect(noEntitlements).toMatchObject({ retentionDays: 14 });
    expect(noEntitlements.retentionSource).toMatch(/^the plan table \(team: 14 days\); entitlements not readable \(.*403.*\)/);
    expect(await as('pitraaaaaaaaaaaaaaaa')).toMatchObject({ pitrEnabled: true, pitrDays: 7 });
  });

  it('warns when the newest platform backup is older than a day (a daily backup was missed), when the tools do not fit the platform’s PostgreSQL, and when Auth’s users do not match the backup', async () => {
    const saved = api.backups;
    api.backups = [{ id: 201, is_physical_backup: true, status: 'COMPLETED', inserted_at: hoursAgo(30) }];
    try {
      const stale = await t.warden.platform.check(runId, { plan: 'pro', migrationWindow: window });
      expect(stale.warnings).toEqual([expect.stringMatching(/^The newest platform backup was taken \S+, 30 h ago: a daily backup is due every 24 h, so at least one was missed/)]);
      expect(t.warden.runs.items(runId).find((i) => i.key === 'prerequisites')!.state).toBe('failed');
    } finally {
      api.backups = saved;
    }
    await t.warden.projects.update(projectId, { supabaseRef: 'futureaaaaaaaaaaaaaa' });
    try {
      const engine = await t.warden.platform.check(runId, { plan: 'pro', migrationWindow: window });
      expect(engine.postgresEngine).toBe(99);
      expect(engine.warnings).toEqual([expect.stringContaining('Supabase runs this project on PostgreSQL 99 (postgres_engine). The server runs PostgreSQL 99: backup and rehearsal need 99 or newer of pg_dump')]);
    } finally {
      await t.warden.projects.update(projectId, { supabaseRef: 'abcdefghijklmnopqrst' });
    }
    const project = t.warden.projects.get(projectId);
    const elsewhere = await startPracticeStorage([], { authUsers: 5000 });
    await t.warden.projects.update(projectId, { apiUrl: elsewhere.url, secrets: { serviceRoleKey: elsewhere.serviceKey } });
    try {
      const auth = await t.warden.platform.check(runId, { plan: 'pro', migrationWindow: window });
      expect(auth.authUsers).toMatchObject({ live: 5000 });
      expect(auth.warnings).toEqual([expect.stringMatching(/^Supabase Auth has 5000 users now, the backup's auth.users \d+: more than 10% apart/)]);
    } finally {
      await t.warden.projects.update(projectId, { apiUrl: project.apiUrl, secrets: { serviceRoleKey: practiceApi.serviceKey } });
      await elsewhere.close();
    }
  });

  it('names an unhealthy Supabase service as a reason not to start the migration', async () => {
    await t.warden.projects.update(projectId, { supabaseRef: 'unhealthyaaaaaaaaaaa' });
    try {
      const evidence = await t.warden.platform.check(runId, { plan: 'team', migrationWindow: window });
      expect(evidence.services).toContainEqual({ name: 'storage', healthy: false, status: 'UNHEALTHY' });
      expect(evidence.warnings).toEqual([expect.stringContaining('Supabase reports its storage service UNHEALTHY (storage is not responding): wait until it is healthy')]);
      expect(t.warden.runs.items(runId).find((i) => i.key === 'prerequisites')!.state).toBe('failed');
    } finally {
      await t.warden.projects.update(projectId, { supabaseRef: 'abcdefghijklmnopqrst' });
    }
  });

  it('accepts an operator attestation where no token is available, marked attested', () => {
    const evidence = t.warden.platform.attest(runId, { backupId: 'daily-this-morning', status: 'COMPLETED', insertedAt: attestedAt, plan: 'pro', migrationWindow: window, attestedBy: 'Alice Operator', note: 'Seen in Dashboard → Database → Backups' });
    expect(evidence).toMatchObject({ mode: 'attested', attestedBy: 'Alice Operator', warnings: [] });
    expect(t.warden.runs.items(runId).find((i) => i.key === 'prerequisites')).toMatchObject({ state: 'passed', mode: 'attested', attestedBy: 'Alice Operator' });
  });
});

describe('two-person sign-off, each with their own key', () => {
  it('is refused while an acceptance item is red, unless overridden with a reason (audited)', async () => {
    const second = await t.warden.backups.run({ projectId, name: 'unverified' }, { outputDir: out.dir });
    const keyFile = alice.keyFile;
    await expect(t.warden.signOffs.signOff(second.runId, { role: 'creator', name: 'Alice Operator', keyFile })).rejects.toThrow(/Sign-off is blocked: "Prerequisites checked" is pending, "Storage objects backed up" is pending, "Integrity verified" is pending, "Restore rehearsed" is pending/);
    await expect(t.warden.signOffs.signOff(second.runId, { role: 'creator', name: 'Alice Operator', keyFile, overrideReason: 'short' })).rejects.toThrow(/at least 10 characters/);
    const s = await t.warden.signOffs.signOff(second.runId, { role: 'creator', name: 'Alice Operator', keyFile, overrideReason: 'Emergency hotfix; rehearsal scheduled right after' });
    expect(s.overrideReason).toMatch(/Emergency/);
    expect(t.warden.audit.list({ runId: second.runId }).map((e) => e.action)).toEqual(expect.arrayContaining(['signoff.refused', 'signoff.override', 'signoff.creator']));
  });

  it('needs a key: a typed name alone signs nothing', async () => {
    await expect(t.warden.signOffs.signOff(runId, { role: 'creator', name: 'Alice Operator' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('Sign with your own SSH key') });
  });

  it('refuses the same person or the same key as verifier, then accepts a different person with a different key', async () => {
    t.warden.platform.attest(runId, { backupId: 'daily-this-morning', status: 'COMPLETED', insertedAt: attestedAt, plan: 'pro', migrationWindow: window, attestedBy: 'Alice Operator', note: 'Seen in the dashboard' });
    await expect(t.warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Reviewer', keyFile: bob.keyFile })).rejects.toThrow(/The creator signs first/);
    const c = await t.warden.signOffs.signOff(runId, { role: 'creator', name: 'Alice Operator', keyFile: alice.keyFile });
    expect(c).toMatchObject({ principal: 'alice.operator', fingerprint: alice.fingerprint });
    await expect(t.warden.signOffs.signOff(runId, { role: 'verifier', name: '  alice   operator ', keyFile: bob.keyFile })).rejects.toThrow(/must be a different person from the creator \(Alice Operator\)/);
    // One OS account, two typed names, one key: refused, and on record.
    await expect(t.warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Reviewer', keyFile: alice.keyFile })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`signed with the creator’s key (${alice.fingerprint})`) });
    expect(t.warden.audit.list({ runId }).filter((e) => e.action === 'signoff.refused').at(-1)!.details).toMatchObject({ reason: 'same key as the creator' });
    const v = await t.warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Reviewer', keyFile: bob.keyFile }, 'bob');
    expect(v).toMatchObject({ role: 'verifier', name: 'Bob Reviewer', osUser: 'bob', overrideReason: null, principal: 'bob.reviewer', fingerprint: bob.fingerprint, checkedOn: 'this workstation' });
    expect(t.warden.runs.items(runId).find((i) => i.key === 'sign-off')).toMatchObject({ state: 'passed', mode: 'attested', attestedBy: 'Alice Operator / Bob Reviewer' });
  });
});

describe('signed export', () => {
  let exported: Awaited<ReturnType<typeof t.warden.exports.export>>;
  let principal: string;

  beforeAll(async () => {
    exported = await t.warden.exports.export(runId, out.dir);
    principal = readFileSync(exported.allowedSignersFile, 'utf8').split('\n').find((l) => l.startsWith('backup-warden@'))!.split(' ')[0]!;
  });

  it('writes the log where the seed suggests, with every section filled from evidence', () => {
    expect(exported.markdownFile).toBe(join(out.dir, `docs/phase2/production-backup-log-${new Date().toISOString().slice(0, 10)}.md`));
    const md = readFileSync(exported.markdownFile, 'utf8');
    for (const section of ['## Backup Information', '## Verification', '## Purpose', '## Retention', '## Rollback Plan', '## Notes', '## Acceptance Criteria', '## Sign-off']) expect(md).toContain(section);
    const manifest = t.warden.runs.items(runId).find((i) => i.key === 'backup')!.evidence as { ciphertextSha256: string; plaintextSha256?: string; rows: number; file: string };
    expect(md).toContain('| Backup name | pre-migration-baseline-2026-11-24 |');
    expect(md).toContain(`| SHA-256 (encrypted file) | ${manifest.ciphertextSha256} |`);
    // Since manifest@4 the file's digest alone: it determines what the file decrypts to.
    expect(manifest.plaintextSha256).toBeUndefined();
    expect(md).not.toContain('| SHA-256 (archive) |');
    expect(md).toContain(`| Record count | ${manifest.rows.toLocaleString('en-US')} rows`);
    expect(md).toContain('| Table count | 31 in public (project expects 31)');
    expect(md).toContain(`| Local copy location | ${manifest.file} |`);
    expect(md).toContain(`| Platform backup ID | daily-this-morning (COMPLETED, ${attestedAt}, attested) |`);
    expect(md).toMatch(/- \[x\] Download tested: the local encrypted copy was decrypted in full/);
    expect(md).toContain(`- [x] Restoration confirmed: restored into embedded PostgreSQL ${testPgMajor}`);
    expect(md).toContain('Baseline before the forum schema migration.');
    expect(md).toMatch(/\| Created by \| Alice Operator \| alice\.operator \| \S+ \| \d{4}-.* \| `\.creator\.sig` \|/);
    expect(md).toContain('| Verified by | a different person, with a different key |');
    expect(md).toMatch(/\| 3 \| Storage objects backed up \| PASSED \| verified by Backup Warden/);
    expect(md).toMatch(/\| 5 \| Backup opens without this workstation \| PASSED \|/);
    expect(md).toMatch(/\| 9 \| Team notified \| AFTER EXPORT \|/);
    // Storage: what the archive holds, and that it matches the storage.objects rows of the database backup.
    expect(md).toMatch(/\| Storage objects \| 324 objects, [\d.]+ [KM]iB from avatars, exports in \S+\.storage\.tar\.age \(tar inside age; SHA-256 [0-9a-f]{64}\) \|/);
    expect(md).toContain('- [x] Storage matches the database: all 324 storage.objects rows of the backup\'s snapshot have their file in the archive');
    // The guide's rollback plan: point, cost, both paths, who decides.
    const plan = md.slice(md.indexOf('## Rollback Plan'), md.indexOf('## Notes'));
    expect(plan).toContain('- Restoration will lose any data created after the backup timestamp');
    expect(plan).toContain(`Platform path: restore the platform backup daily-this-morning taken ${attestedAt}`);
    expect(plan).toMatch(new RegExp(`- Local path: \`backup-warden restore ${runId} --target "[^"]+" --confirm-database \\S+\``));
    expect(plan).toContain('.RECOVERY.md` beside the backup');
    expect(plan).toContain('Authorised by: Alice Operator (creator) with the verifier whose signature accompanies this log');
    // The audit head it records is the anchor that catches a trail cut short later.
    const [, seq, hash] = /Audit trail head when this log was made: entry (\d+), hash ([0-9a-f]{64})\./.exec(md)!;
    expect(t.warden.audit.verifyAgainst({ seq: Number(seq), hash: hash! })).toMatchObject({ ok: true });
    expect(t.warden.audit.verifyAgainst({ seq: Number(seq), hash: '0'.repeat(64) })).toMatchObject({ ok: false, reason: expect.stringContaining('the trail was rewritten') });
    for (const placeholder of ['undefined', 'null', 'NaN', 'TODO', 'TBD', '{{', '[object Object]']) expect(md).not.toContain(placeholder);
  });

  it('writes the log 0644 (it is meant for a repository) into real folders only: a symlinked docs folder is refused, nothing is written through it', async () => {
    for (const f of [exported.markdownFile, ...exported.signatureFiles, exported.allowedSignersFile]) expect([f, statSync(f).mode & 0o777]).toEqual([f, 0o644]);
    expect(statSync(join(out.dir, 'docs', 'phase2')).mode & 0o777).toBe(0o755);
    const elsewhere = tempDir('bw-elsewhere-');
    const repo = tempDir('bw-repo-');
    try {
      symlinkSync(elsewhere.dir, join(repo.dir, 'docs'));
      await expect(t.warden.exports.export(runId, repo.dir)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`${join(repo.dir, 'docs')} is a symbolic link`) });
      expect(readdirSync(elsewhere.dir)).toEqual([]);
    } finally {
      elsewhere.cleanup();
      repo.cleanup();
    }
  });

  it('verifies with the system ssh-keygen -Y verify, and fails after a one-character edit', () => {
    for (const file of [exported.markdownFile, exported.jsonFile]) {
      const good = sshVerify(file, exported.allowedSignersFile, principal);
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toContain(`Good "backup-warden-log" signature for ${principal} with ED25519 key ${exported.fingerprint}`);
    }
    expect(t.warden.exports.verifyExport(exported.markdownFile)).toEqual({ ok: true, fingerprint: exported.fingerprint });

    const original = readFileSync(exported.markdownFile, 'utf8');
    try {
      writeFileSync(exported.markdownFile, original.replace('31 in public', '32 in public'));
      expect(sshVerify(exported.markdownFile, exported.allowedSignersFile, principal).status).not.toBe(0);
      expect(t.warden.exports.verifyExport(exported.markdownFile)).toMatchObject({ ok: false, reason: expect.stringContaining('changed after signing') });
    } finally {
      writeFileSync(exported.markdownFile, original);
    }
  });

  it('carries both people’s signatures: ssh-keygen -Y verify checks each principal, and a one-byte edit fails both', async () => {
    expect(exported.signatures).toEqual([
      { role: 'creator', principal: 'alice.operator', ok: true, fingerprint: alice.fingerprint, reason: null },
      { role: 'verifier', principal: 'bob.reviewer', ok: true, fingerprint: bob.fingerprint, reason: null },
    ]);
    const signers = readFileSync(exported.allowedSignersFile, 'utf8');
    expect(signers).toContain(`alice.operator namespaces="backup-warden-log" ${alice.publicKey}`);
    expect(signers).toContain(`bob.reviewer namespaces="backup-warden-log" ${bob.publicKey}`);
    expect(signers).toMatch(/# machine attestation .*\nbackup-warden@\S+ namespaces="backup-warden-log" ssh-ed25519 /);
    for (const [who, key, role] of [['alice.operator', alice, 'creator'], ['bob.reviewer', bob, 'verifier']] as const) {
      const good = sshVerify(exported.markdownFile, exported.allowedSignersFile, who, `${exported.markdownFile}.${role}.sig`);
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toContain(`Good "backup-warden-log" signature for ${who} with ED25519 key ${key.fingerprint}`);
      // Each signature speaks for its own principal only.
      expect(sshVerify(exported.markdownFile, exported.allowedSignersFile, who === 'alice.operator' ? 'bob.reviewer' : 'alice.operator', `${exported.markdownFile}.${role}.sig`).status).not.toBe(0);
    }
    const original = readFileSync(exported.markdownFile);
    try {
      const edited = Buffer.from(original);
      edited[edited.indexOf('31 in public')] = '4'.charCodeAt(0);
      writeFileSync(exported.markdownFile, edited);
      for (const [who, role] of [['alice.operator', 'creator'], ['bob.reviewer', 'verifier']] as const) {
        expect(sshVerify(exported.markdownFile, exported.allowedSignersFile, who, `${exported.markdownFile}.${role}.sig`).status).not.toBe(0);
      }
      expect((await t.warden.exports.verifySigners(exported.markdownFile)).map((v) => [v.principal, v.ok])).toEqual([['alice.operator', false], ['bob.reviewer', false]]);
    } finally {
      writeFileSync(exported.markdownFile, original);
    }
    expect((await t.warden.exports.verifySigners(exported.markdownFile)).every((v) => v.ok)).toBe(true);
  });

  it('the export receipt names both people and their keys (the frozen document cannot name the verifier) and anchors the trail’s head, machine-attested', () => {
    const receipt = JSON.parse(readFileSync(exported.receiptFile, 'utf8')) as { signers: { role: string; name: string; fingerprint: string }[]; auditHead: { seq: number; hash: string } };
    expect(receipt.signers.map((s) => [s.role, s.name, s.fingerprint])).toEqual([['creator', 'Alice Operator', alice.fingerprint], ['verifier', 'Bob Reviewer', bob.fingerprint]]);
    expect(t.warden.audit.verifyAgainst(receipt.auditHead)).toMatchObject({ ok: true });
    const ssh = sshVerify(exported.receiptFile, exported.allowedSignersFile);
    expect(ssh.status, ssh.stderr).toBe(0);
  });

  it('a signature under another namespace or key is rejected', () => {
    const sig = readFileSync(`${exported.markdownFile}.sig`, 'utf8');
    const wrongNs = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', exported.allowedSignersFile, '-I', principal, '-n', 'file', '-s', `${exported.markdownFile}.sig`], { input: readFileSync(exported.markdownFile) });
    expect(wrongNs.status).not.toBe(0);
    writeFileSync(`${exported.markdownFile}.sig`, sig.replace(/^(-----BEGIN SSH SIGNATURE-----\n)(.)/, (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A')));
    try {
      expect(t.warden.exports.verifyExport(exported.markdownFile).ok).toBe(false);
    } finally {
      writeFileSync(`${exported.markdownFile}.sig`, sig);
    }
  });

  it('in-app verification trusts the allowed_signers file, not the database: a swapped public key does not make a forged log pass', () => {
    const attacker = generateKeyPairSync('ed25519');
    const original = readFileSync(exported.markdownFile);
    const forged = Buffer.from(original.toString('utf8').replace('31 in public', '32 in public'));
    const forgedFile = join(dirname(exported.markdownFile), 'forged.md');
    writeFileSync(forgedFile, forged);
    writeFileSync(`${forgedFile}.sig`, signSshsig(forged, attacker.privateKey));
    // One SQLite UPDATE puts the attacker's public key where the installation's was.
    const db = openDatabase(join(t.dataDir, 'warden.sqlite'));
    db.prepare(`UPDATE settings SET value = ? WHERE key = 'log-signing.public-key'`).run(openSshPublicKey(attacker.publicKey));
    db.close();
    try {
      expect(t.warden.exports.verifyExport(forgedFile)).toMatchObject({ ok: false, reason: expect.stringContaining('does not name') });
      expect(t.warden.exports.verifyExport(exported.markdownFile)).toEqual({ ok: true, fingerprint: exported.fingerprint });
      // The team's own allowed_signers, kept elsewhere, decides the same.
      const teamCopy = join(out.dir, 'team-allowed-signers');
      writeFileSync(teamCopy, readFileSync(exported.allowedSignersFile));
      expect(t.warden.exports.verifyExport(forgedFile, { allowedSignersFile: teamCopy }).ok).toBe(false);
    } finally {
      rmSync(forgedFile, { force: true });
      rmSync(`${forgedFile}.sig`, { force: true });
    }
  });

  it('notifies the team through the webhook with a summary and no secrets', async () => {
    expect(await t.warden.notify.send(runId)).toEqual({ status: 200 });
    const body = JSON.parse(api.webhookBodies.at(-1)!) as { text: string };
    expect(body.text).toMatch(/is verified and signed off/);
    expect(body.text).toContain(`Created by Alice Operator (key ${alice.fingerprint}), verified by Bob Reviewer (key ${bob.fingerprint})`);
    // The trail's head leaves the database with the message, and checks out against the trail.
    const [, seq, hash] = /Audit trail head: entry (\d+), ([0-9a-f]{64})/.exec(body.text)!;
    expect(t.warden.audit.verifyAgainst({ seq: Number(seq), hash: hash! })).toMatchObject({ ok: true });
    expect(t.warden.runs.items(runId).find((i) => i.key === 'notify')!.state).toBe('passed');
    // Every item green: the run is complete.
    expect(t.warden.runs.items(runId).map((i) => i.state)).toEqual(Array(9).fill('passed'));
    expect(t.warden.runs.get(runId)).toMatchObject({ status: 'succeeded', finished_at: expect.any(String) });
  });

  it('exports the audit trail as CSV and JSON, chain intact', () => {
    const entries = t.warden.audit.list({ limit: 10_000 });
    const csv = auditToCsv(entries);
    expect(csv.split('\r\n')[0]).toBe('seq,at,actor,action,projectId,runId,details,prevHash,hash');
    expect(csv.trim().split('\r\n')).toHaveLength(entries.length + 1);
    const json = JSON.parse(auditToJson(entries, t.warden.audit.verify())) as { chain: { ok: boolean }; entries: unknown[] };
    expect(json.chain.ok).toBe(true);
    writeFileSync(join(out.dir, 'audit.csv'), csv);
    writeFileSync(join(out.dir, 'audit.json'), JSON.stringify(json));
  });

  it('no secret appears in any produced file, the audit trail or the notification', async () => {
    const key = await t.warden.projects.backupKey(projectId, { create: false });
    const secrets = [cluster.target.password, token, webhook, key.identity];
    const haystacks = [
      ...allFiles(out.dir).filter((f) => !f.endsWith('.age')).map((f) => [f, readFileSync(f, 'utf8')] as const),
      ['audit rows', JSON.stringify(t.warden.audit.list({ limit: 10_000 }))] as const,
      ['webhook bodies', api.webhookBodies.join('\n')] as const,
      ['sqlite', execFileSync('sqlite3', [join(t.dataDir, 'warden.sqlite'), '.dump'], { encoding: 'utf8' })] as const,
    ];
    expect(haystacks.length).toBeGreaterThan(8);
    for (const [where, text] of haystacks) for (const secret of secrets) expect(text.includes(secret), `${secret.slice(0, 6)}… in ${where}`).toBe(false);
  });
});

