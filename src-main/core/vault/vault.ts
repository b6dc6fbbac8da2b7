import type * as KeytarModule from 'keytar';
import { WardenError } from '../errors';
import { redact, registerSecret } from '../util/redact';

/** What the core needs from a secret store. The only production implementation is the OS keychain. */
export interface SecretStore {
  get(ref: string): Promise<string | null>;
  set(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<boolean>;
}

export type SecretKind = 'db-password' | 'management-token' | 'age-identity' | 'notify-webhook' | 'service-role-key';

/** Keychain account name for one secret of one project; this reference is what SQLite stores. */
export function secretRef(projectId: string, kind: SecretKind): string {
  return `project/${projectId}/${kind}`;
}

/** Secrets of the installation rather than of a project (the log-signing key). */
export const installationSecretRef = (name: 'log-signing-key'): string => `installation/${name}`;

type Keytar = typeof KeytarModule;

/**
 * Secrets in the OS keychain through keytar (Secret Service on Linux, Keychain on macOS, Credential
 * Manager on Windows). There is deliberately no plaintext fallback: without a keychain, every call
 * fails with VAULT_UNAVAILABLE and says what to do.
 */
export class KeychainVault implements SecretStore {
  private keytar: Promise<Keytar> | undefined;

  constructor(private readonly service = 'Backup Warden') {}

  async get(ref: string): Promise<string | null> {
    const value = await this.call('read', (k) => k.getPassword(this.service, ref));
    if (value !== null) registerSecret(value);
    return value;
  }

  async set(ref: string, value: string): Promise<void> {
    registerSecret(value);
    await this.call('store', (k) => k.setPassword(this.service, ref, value));
  }

  async delete(ref: string): Promise<boolean> {
    return this.call('delete', (k) => k.deletePassword(this.service, ref));
  }

  /** Deletes every secret of this service; for throwaway services only (the practice demo starts clean). */
  async clearService(): Promise<number> {
    const all = await this.call('list', (k) => k.findCredentials(this.service));
    for (const { account } of all) await this.delete(account);
    return all.length;
  }

  private async call<T>(verb: string, op: (k: Keytar) => Promise<T>): Promise<T> {
    let keytar: Keytar;
    try {
      this.keytar ??= import('keytar').then((m) => (m as unknown as { default?: Keytar }).default ?? m);
      keytar = await this.keytar;
    } catch (error) {
      this.keytar = undefined;
      throw unavailable(verb, error);
    }
    try {
      return await op(keytar);
    } catch (error) {
      throw unavailable(verb, error);
    }
  }
}

function unavailable(verb: string, error: unknown): WardenError {
  const reason = redact(error instanceof Error ? error.message : String(error));
  return new WardenError(
    'VAULT_UNAVAILABLE',
    `Could not ${verb} a secret because the OS keychain is not available (${reason}). ` +
      'Backup Warden keeps credentials only in the keychain and never falls back to plaintext. ' +
      'Start and unlock your keyring (GNOME Keyring or KWallet via Secret Service on Linux, Keychain on macOS, ' +
      'Credential Manager on Windows), then try again.',
    { cause: error },
  );
}
