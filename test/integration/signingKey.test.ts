import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src-main/core/audit/auditTrail';
import { openDatabase, type Db } from '../../src-main/core/db/database';
import { SigningKeyStore } from '../../src-main/core/log/signingKey';
import { installationSecretRef, KeychainVault } from '../../src-main/core/vault/vault';
import { tempDir } from '../helpers/tmp';

// One log-signing key per installation (OS user and keychain), whichever data directory signs.
const vault = new KeychainVault(`Backup Warden signing test ${randomUUID()}`);
const dirs = tempDir('bw-signing-');
const opened: Db[] = [];
const storeIn = (name: string) => {
  const db = openDatabase(join(dirs.dir, name, 'warden.sqlite'));
  opened.push(db);
  return { db, store: new SigningKeyStore({ db, vault, audit: new AuditTrail(db), actor: 'tester' }) };
};

afterAll(async () => {
  for (const db of opened) db.close();
  await vault.clearService();
  dirs.cleanup();
});

describe('log-signing key', () => {
  it('is created once; a second data directory adopts it from the keychain and verifies with it', async () => {
    const a = storeIn('a');
    const first = await a.store.identity();
    expect(new AuditTrail(a.db).list().map((e) => e.action)).toEqual(['signing-key.created']);
    expect(first.allowedSigners).toMatch(/^backup-warden@\S+ namespaces="backup-warden-log" ssh-ed25519 /);

    const b = storeIn('b');
    expect(b.store.publicKey()).toBeNull();
    const second = await b.store.identity();
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.allowedSigners).toBe(first.allowedSigners);
    expect(b.store.publicKey()!.key.export({ format: 'jwk' })).toEqual(first.publicKey.export({ format: 'jwk' }));
    expect(new AuditTrail(b.db).list().map((e) => e.action)).toEqual(['signing-key.adopted']);
  });

  it('refuses to sign when the keychain holds another key than the one recorded', async () => {
    const a = storeIn('c');
    await a.store.identity();
    const original = (await vault.get(installationSecretRef('log-signing-key')))!;
    await vault.delete(installationSecretRef('log-signing-key'));
    await storeIn('d').store.identity(); // another data directory creates a new key
    await expect(a.store.identity()).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/^The log-signing key in the keychain \(SHA256:.+\) is not the one this installation recorded \(SHA256:.+\)\. Restore the original key/) });
    await vault.set(installationSecretRef('log-signing-key'), original);
    await expect(a.store.identity()).resolves.toMatchObject({ principal: expect.stringMatching(/^backup-warden@/) });
  });

  it('says so when the recorded key is missing from the keychain', async () => {
    const a = storeIn('e');
    await a.store.identity();
    await vault.delete(installationSecretRef('log-signing-key'));
    await expect(a.store.identity()).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('missing from the keychain') });
  });
});
