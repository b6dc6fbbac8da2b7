import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * What an auditor runs: `ssh-keygen -Y verify` of file against a signature, trusting allowed_signers. By
 * default the machine attestation (file.sig, signed by the backup-warden@… principal).
 */
export function sshVerify(file: string, allowedSigners: string, principal = machinePrincipal(allowedSigners), signature = `${file}.sig`): SpawnSyncReturns<string> {
  return spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', 'backup-warden-log', '-s', signature], { input: readFileSync(file), encoding: 'utf8' });
}

const machinePrincipal = (allowedSigners: string) =>
  readFileSync(allowedSigners, 'utf8').split('\n').find((l) => l.startsWith('backup-warden@'))!.split(' ')[0]!;
