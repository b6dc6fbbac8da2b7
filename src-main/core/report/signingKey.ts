import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditTrail } from '../audit/auditTrail';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { installationSecretRef, type SecretStore } from '../vault/vault';
import { allowedSignersLine, fingerprint, openSshPublicKey, parseOpenSshPublicKey } from './sshsig';

const PUBLIC = 'log-signing.public-key';
const PRINCIPAL = 'log-signing.principal';

export interface SigningIdentity {
  privateKey: KeyObject;
  publicKey: KeyObject;
  principal: string;
  fingerprint: string;
  allowedSigners: string;
}

/**
 * The installation's Ed25519 log-signing key: private half in the keychain, public half and principal
 * in settings. Created on first export, then reused so auditors keep one allowed_signers line.
 */
export class SigningKeyStore {
  constructor(
    private readonly deps: { db: Db; vault: SecretStore; audit: AuditTrail; actor: string },
  ) {}

  /** The trusted public key, for verification; null before the first export. */
  publicKey(): { key: KeyObject; principal: string } | null {
    const line = this.setting(PUBLIC);
    return line ? { key: parseOpenSshPublicKey(line), principal: this.setting(PRINCIPAL) ?? 'backup-warden' } : null;
  }

  async identity(): Promise<SigningIdentity> {
    const { db, vault, audit, actor } = this.deps;
    const ref = installationSecretRef('log-signing-key');
    const known = this.publicKey();
    let pem = await vault.get(ref);
    if (known && pem === null) {
      throw new WardenError('NOT_FOUND', 'The log-signing key is missing from the keychain. Restore it, or reset the signing key (auditors will then need the new allowed_signers line).');
    }
    if (pem === null) {
      const pair = generateKeyPairSync('ed25519');
      pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await vault.set(ref, pem);
      const principal = `backup-warden@${hostname()}`;
      db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?), (?, ?)').run(PUBLIC, openSshPublicKey(pair.publicKey), PRINCIPAL, principal);
      audit.append({ actor, action: 'signing-key.created', details: { principal, fingerprint: fingerprint(pair.publicKey), publicKey: openSshPublicKey(pair.publicKey) } });
    }
    const privateKey = createPrivateKey(pem);
    const publicKey = createPublicKey(privateKey);
    const principal = this.setting(PRINCIPAL)!;
    return { privateKey, publicKey, principal, fingerprint: fingerprint(publicKey), allowedSigners: allowedSignersLine(principal, publicKey) };
  }

  private setting(key: string): string | null {
    return (this.deps.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }
}
