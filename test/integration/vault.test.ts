import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KeychainVault, secretRef } from '../../src-main/core/vault/vault';

const service = `Backup Warden vault test ${randomUUID()}`;
const vault = new KeychainVault(service);
const ref = secretRef(randomUUID(), 'db-password');

describe('KeychainVault on the real Secret Service', () => {
  afterAll(async () => {
    await vault.delete(ref);
  });

  it('stores, reads back, replaces and deletes a secret', async () => {
    const secret = `pw-${randomUUID()}-ünïcødé`;
    await vault.set(ref, secret);
    expect(await vault.get(ref)).toBe(secret);
    await vault.set(ref, secret + '2');
    expect(await vault.get(ref)).toBe(secret + '2');
    expect(await vault.delete(ref)).toBe(true);
    expect(await vault.get(ref)).toBeNull();
    expect(await vault.delete(ref)).toBe(false);
  });

  it('puts the secret in the keyring itself, where other Secret Service clients see it', async () => {
    const secret = `pw-${randomUUID()}`;
    await vault.set(ref, secret);
    // keytar stores attributes service/account: look the item up with libsecret's own CLI.
    const seen = execFileSync('secret-tool', ['lookup', 'service', service, 'account', ref], { encoding: 'utf8' });
    expect(seen).toBe(secret);
  });

  it('fails with VAULT_UNAVAILABLE and no plaintext fallback when no keychain is reachable', () => {
    const script = `
      import { KeychainVault } from './src-main/core/vault/vault.ts';
      const v = new KeychainVault('Backup Warden unavailable test');
      try { await v.set('project/x/db-password', 'never-stored-anywhere'); console.log('STORED'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    const line = child.stdout.trim().split('\n').pop()!;
    expect(line).not.toBe('STORED');
    const error = JSON.parse(line) as { code: string; message: string };
    expect(error.code).toBe('VAULT_UNAVAILABLE');
    expect(error.message).toMatch(/keychain is not available/);
    expect(error.message).toMatch(/never falls back to plaintext/);
    expect(error.message).not.toContain('never-stored-anywhere');
  });
});
