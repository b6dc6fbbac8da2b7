import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAgentKeys, signWithPersonalKey } from '../../src-main/core/signoff/personalKeys';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { attestRecentPlatformBackup, practiceProject } from '../helpers/practice';
import { personalKey } from '../helpers/sshKeys';
import { sshVerify } from '../helpers/sshVerify';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Two workstations: the creator's (data dir A) and the verifier's (data dir B, its own audit trail),
// joined only by the review bundle folder and the backup file.
const alice = personalKey('alice');
const bob = personalKey('bob');
const out = tempDir('bw-review-out-');
const transfer = tempDir('bw-review-transfer-');
const agentDir = tempDir('bw-review-agent-');
let a: ReturnType<typeof openTestWarden>;
let b: ReturnType<typeof openTestWarden>;
let cluster: ScratchCluster;
let runId: string;
let dumpFile: string;
let escrowIdentity: string;
let agent: ChildProcess;
const savedSock = process.env.SSH_AUTH_SOCK;

beforeAll(async () => {
  a = openTestWarden('alice');
  b = openTestWarden('bob');
  let projectId: string;
  ({ cluster, projectId } = await practiceProject(a.warden, 1));
  const backup = await a.warden.backups.run({ projectId, name: 'pre-migration' }, { outputDir: out.dir });
  ({ runId, dumpFile } = backup);
  a.warden.storage.outOfScope(runId, 'Alice Creator', 'Storage files are synced to our S3 archive nightly.');
  expect((await a.warden.integrity.verify(runId)).ok).toBe(true);
  expect((await a.warden.rehearsal.rehearse(runId)).ok).toBe(true);
  attestRecentPlatformBackup(a.warden, runId);
  escrowIdentity = readFileSync((await a.warden.keyEscrow.export(projectId, transfer.dir, 'identity-file')).file, 'utf8');
  await a.warden.signOffs.signOff(runId, { role: 'creator', name: 'Alice Creator', keyFile: alice.keyFile });
  // Bob's key lives in his ssh-agent (as a hardware token's would), not in a file this app reads.
  const sock = join(agentDir.dir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  process.env.SSH_AUTH_SOCK = sock;
  execFileSync('ssh-add', ['-q', bob.keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
}, 240_000);

afterAll(async () => {
  process.env.SSH_AUTH_SOCK = savedSock;
  agent?.kill();
  a?.close();
  b?.close();
  await cluster?.stop();
  for (const d of [out, transfer, agentDir]) d.cleanup();
});

describe('review bundle: a verifier on another workstation', () => {
  let bundle: string;

  it('the creator exports the signed document for the verifier; the agent offers the verifier’s key', async () => {
    ({ bundle } = a.warden.reviews.exportBundle(runId, transfer.dir));
    expect(readdirSync(bundle).sort()).toEqual(['allowed_signers', 'backup-log.json', 'backup-log.md', 'backup-log.md.creator.sig', 'review.json']);
    expect(sshVerify(join(bundle, 'backup-log.md'), join(bundle, 'allowed_signers'), 'alice.creator', join(bundle, 'backup-log.md.creator.sig')).status).toBe(0);
    expect(await listAgentKeys()).toEqual([expect.objectContaining({ fingerprint: bob.fingerprint, comment: 'bob' })]);
  });

  it('checks the backup file itself before signing: another file is refused, nothing signed, and on record there', async () => {
    const other = join(transfer.dir, 'other.dump.age');
    writeFileSync(other, readFileSync(dumpFile).subarray(0, 1000));
    await expect(b.warden.reviews.signBundle({ bundle, backupFile: other, name: 'Bob Verifier', key: { agentKey: bob.fingerprint } })).rejects.toThrow(/Not signed: Backup file matches the signed hash — SHA-256 [0-9a-f]{64}, the document states/);
    expect(existsSync(join(bundle, 'backup-log.md.verifier.sig'))).toBe(false);
    expect(b.warden.audit.list().map((e) => e.action)).toContain('review.refused');
  });

  it('refuses the creator’s own key on the second workstation too', async () => {
    const copy = join(transfer.dir, 'copy.dump.age');
    copyFileSync(dumpFile, copy);
    await expect(b.warden.reviews.signBundle({ bundle, backupFile: copy, name: 'Bob Verifier', key: { keyFile: alice.keyFile } })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('the creator’s key') });
  });

  it('with the file matching and a recipient key decrypting it in full, the verifier signs with the agent key', async () => {
    const copy = join(transfer.dir, 'copy.dump.age');
    const result = await b.warden.reviews.signBundle({ bundle, backupFile: copy, name: 'Bob Verifier', key: { agentKey: bob.fingerprint }, identities: [escrowIdentity.trim().split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!] });
    expect(result.checks.map((c) => [c.key, c.status])).toEqual([['creator-signature', 'passed'], ['ciphertext-sha256', 'passed'], ['decrypt', 'passed']]);
    expect(result).toMatchObject({ principal: 'bob.verifier', fingerprint: bob.fingerprint, creator: { principal: 'alice.creator', fingerprint: alice.fingerprint } });
    expect(b.warden.audit.list().at(-1)).toMatchObject({ action: 'review.signed', details: { reviewedRunId: runId, verifier: 'bob.verifier' } });
  });

  it('a bundle whose document was edited does not become a sign-off', async () => {
    const second = tempDir('bw-review-edited-');
    try {
      const edited = join(second.dir, 'bundle');
      execFileSync('cp', ['-r', bundle, edited]);
      writeFileSync(join(edited, 'backup-log.md'), readFileSync(join(edited, 'backup-log.md'), 'utf8').replace('Alice Creator', 'Alice Kreator'));
      await expect(a.warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Verifier', reviewBundle: edited })).rejects.toThrow(/not this run's signed document/);
    } finally {
      second.cleanup();
    }
  });

  it('back on the first workstation, the verifier’s sign-off comes from the bundle; the export carries both signatures', async () => {
    const v = await a.warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Verifier', reviewBundle: bundle });
    expect(v).toMatchObject({ principal: 'bob.verifier', fingerprint: bob.fingerprint, checkedOn: 'another workstation' });
    const exported = await a.warden.exports.export(runId, out.dir);
    expect(exported.signatures.map((s) => [s.principal, s.ok])).toEqual([['alice.creator', true], ['bob.verifier', true]]);
    for (const [who, role] of [['alice.creator', 'creator'], ['bob.verifier', 'verifier']] as const) {
      expect(sshVerify(exported.markdownFile, exported.allowedSignersFile, who, `${exported.markdownFile}.${role}.sig`).status).toBe(0);
    }
  });
});

describe('personal keys', () => {
  it('a passphrase-protected key file is not prompted for where nobody sees it: the advice is ssh-agent', async () => {
    const locked = personalKey('carol', { passphrase: 'correct horse battery staple' });
    await expect(signWithPersonalKey(Buffer.from('x'), { keyFile: locked.keyFile })).rejects.toMatchObject({ code: 'AUTH', message: expect.stringContaining('add it to ssh-agent (ssh-add)') });
  });

  it('ECDSA and RSA keys sign too (ssh-keygen does the work, whatever the key type)', async () => {
    for (const type of ['ecdsa', 'rsa'] as const) {
      const key = personalKey(`dave-${type}`, { type });
      expect((await signWithPersonalKey(Buffer.from('x'), { keyFile: key.keyFile })).fingerprint).toBe(key.fingerprint);
    }
  });
});
