import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { secretRef } from '../../src-main/core/vault/vault';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Issue 14, key escrow: the backups of a project must open without this workstation. The recovery key
// goes to a file (or a printed page) kept elsewhere; with the keychain's copy gone, that file alone
// verifies and restores; importing it puts it back. A production backup that only this keychain could
// open needs an explicit, recorded acknowledgement.
const t = openTestWarden('alice');
const { warden } = t;
const out = tempDir('bw-escrow-');
const safe = join(out.dir, 'usb-stick');
let cluster: ScratchCluster;
let projectId: string;

beforeAll(async () => {
  ({ cluster, projectId } = await practiceProject(warden));
  mkdirSync(safe);
});

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
});

describe('recovery key escrow', () => {
  it('a production backup only this keychain could open is refused until escrow, a break-glass key or a recorded acknowledgement', async () => {
    await warden.projects.update(projectId, { extraRecipients: [] });
    await expect(warden.backups.run({ projectId, name: 'single-key' }, { outputDir: out.dir })).rejects.toMatchObject({
      code: 'FORBIDDEN', message: expect.stringContaining("Only this workstation's keychain could open a backup of production"),
    });
    expect(warden.runs.list(projectId)).toEqual([]);
    const acknowledged = await warden.backups.run({ projectId, name: 'acknowledged', acknowledgeSingleKey: true }, { outputDir: out.dir });
    expect(warden.audit.list({ runId: acknowledged.runId }).map((e) => e.action)).toContain('backup.single-key-acknowledged');
  });

  it('exports the key as a 0600 key file and a printable page, never into the data folder and never over an existing file', async () => {
    await expect(warden.keyEscrow.export(projectId, t.dataDir, 'identity-file')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(warden.keyEscrow.export(projectId, join(t.dataDir, 'sub', '..'), 'identity-file')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const file = await warden.keyEscrow.export(projectId, safe, 'identity-file');
    const paper = await warden.keyEscrow.export(projectId, safe, 'paper');
    const key = await warden.projects.backupKey(projectId);
    expect(file.recipient).toBe(key.recipient);
    for (const f of [file.file, paper.file]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readFileSync(file.file, 'utf8')).toContain(`\n${key.identity}\n`);
    expect(readFileSync(paper.file, 'utf8').replace(/<[^>]+>/g, '').replace(/\s/g, '')).toContain(key.identity);
    await expect(warden.keyEscrow.export(projectId, safe, 'identity-file')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(warden.projects.get(projectId).keyEscrowedAt).not.toBeNull();
    expect(JSON.stringify(warden.audit.list())).not.toContain(key.identity);
  });

  it('with the keychain’s copy gone, the escrow file alone verifies and restores the backup; importing it puts it back', async () => {
    // Escrowed: no acknowledgement needed any more.
    const backup = await warden.backups.run({ projectId, name: 'escrowed' }, { outputDir: out.dir });
    const escrowFile = join(safe, readdirSync(safe).find((f) => f.endsWith('-recovery-key.txt'))!);
    const identities = readFileSync(escrowFile, 'utf8').split('\n').filter((l) => l.startsWith('AGE-SECRET-KEY-'));
    await t.vault.delete(secretRef(projectId, 'age-identity'));
    // This workstation lost its key: verifying with the keychain fails, with the escrow file it passes.
    await expect(warden.integrity.verify(backup.runId)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('missing from the keychain') });
    expect((await warden.integrity.verify(backup.runId, { identities })).ok).toBe(true);
    // And it restores (into a staging database owned by the restoring role).
    const admin = new pg.Client({ ...cluster.target, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE ROLE escrow_owner LOGIN PASSWORD '${cluster.target.password}'`);
    await admin.query('CREATE DATABASE escrow_target OWNER escrow_owner');
    await admin.end();
    const ext = new pg.Client({ ...cluster.target, database: 'escrow_target' });
    await ext.connect();
    await ext.query('CREATE SCHEMA extensions AUTHORIZATION escrow_owner; CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions');
    await ext.end();
    const target = await warden.projects.create({
      name: 'Escrow target', environment: 'staging', host: cluster.target.host, port: cluster.target.port,
      database: 'escrow_target', user: 'escrow_owner', sslmode: 'disable', secrets: { dbPassword: cluster.target.password },
    });
    const restored = await warden.rollback.restore(backup.runId, { targetProjectId: target.id, confirmDatabase: 'escrow_target' }, { identities });
    expect(restored).toMatchObject({ state: 'restored', verified: { mismatches: [] } });
    // Back into the keychain: only the project's own key is accepted.
    await expect(warden.keyEscrow.import(projectId, await generateX25519Identity())).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Nothing was changed') });
    await expect(warden.keyEscrow.import(projectId, identities[0]!.slice(0, -1) + (identities[0]!.endsWith('Q') ? 'P' : 'Q'))).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await warden.keyEscrow.import(projectId, readFileSync(escrowFile, 'utf8'))).toEqual({ recipient: warden.projects.get(projectId).ageRecipient });
    expect((await warden.integrity.verify(backup.runId)).ok).toBe(true);
    expect(warden.audit.list().map((e) => e.action)).toEqual(expect.arrayContaining(['key.exported', 'key.imported']));
  });

  it('the checklist item "opens without this workstation" passes only with a key the operator brings that is among the recipients', async () => {
    const breakGlass = await generateX25519Identity();
    const backup = await warden.backups.run({ projectId, name: 'with-break-glass', extraRecipients: [await identityToRecipient(breakGlass)] }, { outputDir: out.dir });
    await expect(warden.recovery.check(backup.runId, `# some other key\n${await generateX25519Identity()}\n`)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining("None of the given keys is among the backup's recipients") });
    expect(warden.runs.items(backup.runId).find((i) => i.key === 'recovery')).toMatchObject({ state: 'failed' });
    await expect(warden.recovery.check(backup.runId, 'not a key')).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await warden.recovery.check(backup.runId, breakGlass)).toMatchObject({ keyKind: 'break-glass key', ciphertextSha256: backup.manifest.files.dump.ciphertextSha256, bytes: backup.manifest.files.dump.plaintextBytes });
    expect(warden.runs.items(backup.runId).find((i) => i.key === 'recovery')).toMatchObject({ state: 'passed' });
    expect(JSON.stringify(warden.audit.list())).not.toContain(breakGlass);
  });
});
