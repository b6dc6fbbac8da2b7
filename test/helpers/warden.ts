import { randomUUID } from 'node:crypto';
import { KeychainVault } from '../../src-main/core/vault/vault';
import { openWarden, type Warden } from '../../src-main/core/warden';
import { tempDir } from './tmp';

/** A core on a temp data dir with the real keychain, under a service name unique to this test file. */
/** `sharedKeychain`: the app's own service name in the test session's throwaway keyring, so a CLI child process on the same data dir finds the secrets. */
export function openTestWarden(actor = 'tester', options: { managementApiUrl?: string; sharedKeychain?: boolean } = {}): { warden: Warden; vault: KeychainVault; service: string; dataDir: string; close: () => void } {
  const { dir, cleanup } = tempDir('bw-warden-');
  const service = options.sharedKeychain ? 'Backup Warden' : `Backup Warden test ${randomUUID()}`;
  const vault = new KeychainVault(service);
  const warden = openWarden({ dataDir: dir, vault, actor, managementApiUrl: options.managementApiUrl });
  return {
    warden,
    vault,
    service,
    dataDir: dir,
    close: () => {
      warden.close();
      cleanup();
    },
  };
}
