import { randomUUID } from 'node:crypto';
import { KeychainVault } from '../../src-main/core/vault/vault';
import { openWarden, type Warden } from '../../src-main/core/warden';
import { tempDir } from './tmp';

/** A core on a temp data dir with the real keychain, under a service name unique to this test file. */
export function openTestWarden(actor = 'tester', options: { managementApiUrl?: string } = {}): { warden: Warden; vault: KeychainVault; service: string; dataDir: string; close: () => void } {
  const { dir, cleanup } = tempDir('bw-warden-');
  const service = `Backup Warden test ${randomUUID()}`;
  const vault = new KeychainVault(service);
  const warden = openWarden({ dataDir: dir, vault, actor, ...options });
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
