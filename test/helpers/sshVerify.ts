import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * What an auditor runs: `ssh-keygen -Y verify` of file against file.sig, trusting allowed_signers. The
 * principal defaults to the one allowed_signers names (its first word).
 */
export function sshVerify(file: string, allowedSigners: string, principal = readFileSync(allowedSigners, 'utf8').split(' ')[0]!): SpawnSyncReturns<string> {
  return spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', 'backup-warden-log', '-s', `${file}.sig`], { input: readFileSync(file), encoding: 'utf8' });
}
