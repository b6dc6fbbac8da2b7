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
    const known = this.setting(PUBLIC);
    let pem = await vault.get(ref);
    if (known && pem === null) {
      throw new WardenError('NOT_FOUND', 'The log-signing key is missing from the keychain. Restore it, or reset the signing key (auditors will then need the new allowed_signers line).');
    }
    let created = false;
    if (pem === null) {
      pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await vault.set(ref, pem);
      created = true;
    }
    const privateKey = createPrivateKey(pem);
    const publicKey = createPublicKey(privateKey);
    const line = openSshPublicKey(publicKey);
    if (known === null) {
      // New, or already in the keychain from another data directory of this user (a reset app, the CLI
      // with --data-dir): either way this is the installation's key, so auditors keep one allowed_signers line.
      const principal = `backup-warden@${hostname()}`;
      db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?), (?, ?)').run(PUBLIC, line, PRINCIPAL, principal);
      audit.append({ actor, action: created ? 'signing-key.created' : 'signing-key.adopted', details: { principal, fingerprint: fingerprint(publicKey), publicKey: line } });
    } else if (known !== line) {
      throw new WardenError(
        'CONFLICT',
        `The log-signing key in the keychain (${fingerprint(publicKey)}) is not the one this installation recorded (${fingerprint(parseOpenSshPublicKey(known))}). ` +
          'Restore the original key to the keychain; signing with another key would break verification of earlier logs.',
      );
    }
    const principal = this.setting(PRINCIPAL)!;
    return { privateKey, publicKey, principal, fingerprint: fingerprint(publicKey), allowedSigners: allowedSignersLine(principal, publicKey) };
  }

  private setting(key: string): string | null {
    return (this.deps.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }
}
