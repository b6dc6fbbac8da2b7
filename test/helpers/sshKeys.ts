import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A person's own SSH key as ssh-keygen makes it (no passphrase unless given): the file they sign with. */
export interface PersonalKey {
  keyFile: string;
  publicKey: string;
  fingerprint: string;
}

const dir = mkdtempSync(join(tmpdir(), 'bw-people-keys-'));
// Per test file (vitest's forks end by signal, without an 'exit' event).
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export function personalKey(name: string, options: { type?: 'ed25519' | 'ecdsa' | 'rsa'; passphrase?: string } = {}): PersonalKey {
  const keyFile = join(dir, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  execFileSync('ssh-keygen', ['-q', '-t', options.type ?? 'ed25519', '-N', options.passphrase ?? '', '-C', name, '-f', keyFile]);
  const publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { keyFile, publicKey, fingerprint };
}

/** The two people of the two-person rule, each with their own key. */
export const creatorKey = (): PersonalKey => personalKey('alice');
export const verifierKey = (): PersonalKey => personalKey('bob');
