import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { WardenError } from '../errors';
import { blobFingerprint, LOG_NAMESPACE } from '../log/sshsig';
import { redact } from '../util/redact';
import { spawnTool, toolFailure } from '../util/runTool';

// A person's own SSH key signs the log: a key file, or a key held by ssh-agent (hardware tokens work
// through the agent). The stock ssh-keygen does the signing and verifying, so any key type OpenSSH
// knows works and the private key never enters this process.

/** Which key a signer presents: a private key file, or the SHA256 fingerprint of a key in ssh-agent. */
export type SignerKey = { keyFile: string } | { agentKey: string };

/** Exactly one of a key file and an agent key, as the operator gave them. */
export function signerKey(keyFile: string | undefined, agentKey: string | undefined): SignerKey {
  if ((keyFile === undefined) === (agentKey === undefined)) throw new WardenError('VALIDATION', 'Sign with your own SSH key: give either a private key file or an ssh-agent key (its SHA256 fingerprint), not both.');
  return keyFile !== undefined ? { keyFile } : { agentKey: agentKey! };
}

export interface AgentKey {
  publicKey: string;
  fingerprint: string;
  comment: string;
}

export interface PersonalSignature {
  /** The armored SSHSIG (the .sig file). */
  signature: string;
  /** `type base64` of the key that made it, read from the signature itself. */
  publicKey: string;
  fingerprint: string;
}

/** Names typed by people: case and spacing do not make a second person. */
export const samePerson = (a: string, b: string): boolean => a.trim().replace(/\s+/g, ' ').toLowerCase() === b.trim().replace(/\s+/g, ' ').toLowerCase();

/** allowed_signers principals cannot hold spaces: "Alice Operator" signs as alice.operator. */
export function principalFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '');
  return slug || 'signer';
}

/** SHA256:… of an `type base64` public key, as ssh-keygen -l prints it. */
export const publicKeyFingerprint = (publicKey: string): string => blobFingerprint(Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64'));

/** The signer's public key as it travels inside an SSHSIG (so nobody has to be asked for it separately). */
export function signaturePublicKey(armored: string): { publicKey: string; fingerprint: string } {
  const body = Buffer.from(armored.replace(/-----(BEGIN|END) SSH SIGNATURE-----/g, '').replace(/\s+/g, ''), 'base64');
  if (body.subarray(0, 6).toString() !== 'SSHSIG' || body.length < 14) throw new WardenError('VALIDATION', 'This is not an SSH signature (-----BEGIN SSH SIGNATURE-----).');
  const length = body.readUInt32BE(10);
  const blob = body.subarray(14, 14 + length);
  if (blob.length !== length || length < 4) throw new WardenError('VALIDATION', 'The SSH signature is cut short.');
  const type = blob.subarray(4, 4 + blob.readUInt32BE(0)).toString();
  return { publicKey: `${type} ${blob.toString('base64')}`, fingerprint: blobFingerprint(blob) };
}

/** A private directory for the files ssh-keygen needs (public keys, signatures: nothing secret). */
function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-sshsig-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function sshKeygen(args: string[], input: Buffer | null, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // No terminal: a passphrase prompt fails at once (the advice is ssh-agent) instead of waiting unseen.
  const tool = spawnTool('ssh-keygen', args, { env, stdin: input ? 'pipe' : 'ignore', timeoutMs: 120_000, signal, noTerminal: true });
  const out: Buffer[] = [];
  tool.stdout!.on('data', (b: Buffer) => out.push(b));
  tool.stdin?.on('error', () => undefined); // a tool that exits early closes its input: its exit code says why
  tool.stdin?.end(input);
  const exit = await tool.exited;
  if (exit.spawnError || exit.cancelled) throw toolFailure('ssh-keygen', exit);
  return { code: exit.code, stdout: Buffer.concat(out).toString('utf8'), stderr: exit.stderr };
}

/** Only what ssh-keygen needs: no secrets of ours, and the agent socket only when the agent signs. */
const toolEnv = (agent: boolean): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...(agent && process.env.SSH_AUTH_SOCK ? { SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK } : {}),
});

function needAgent(): void {
  if (!process.env.SSH_AUTH_SOCK) {
    throw new WardenError('NOT_FOUND', 'No ssh-agent is reachable (SSH_AUTH_SOCK is not set). Start one and add your key (ssh-add), or choose your private key file instead.');
  }
}

/** The keys ssh-agent offers (`ssh-add -L`): what a signer may pick in the app. */
export async function listAgentKeys(): Promise<AgentKey[]> {
  needAgent();
  const tool = spawnTool('ssh-add', ['-L'], { env: toolEnv(true), timeoutMs: 30_000 });
  const out: Buffer[] = [];
  tool.stdout!.on('data', (b: Buffer) => out.push(b));
  const exit = await tool.exited;
  if (exit.spawnError) throw toolFailure('ssh-add', exit);
  const text = Buffer.concat(out).toString('utf8');
  if (exit.code === 1 && /no identities/i.test(text + exit.stderr)) return [];
  if (exit.code !== 0) throw new WardenError('CONNECTION', `ssh-agent did not answer (${redact(exit.stderr.trim()) || `ssh-add exited with code ${exit.code}`}). Check that the agent is running, or choose your private key file instead.`);
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length >= 2)
    .map(([type, b64, ...comment]) => ({ publicKey: `${type} ${b64}`, fingerprint: blobFingerprint(Buffer.from(b64!, 'base64')), comment: comment.join(' ') }));
}

/** Signs message with the signer's own key through ssh-keygen -Y sign. */
export async function signWithPersonalKey(message: Buffer, key: SignerKey, signal?: AbortSignal): Promise<PersonalSignature> {
  return withScratch(async (dir) => {
    let keyArg: string;
    if ('keyFile' in key) {
      if (!isAbsolute(key.keyFile)) throw new WardenError('VALIDATION', `The key file must be an absolute path (got ${key.keyFile}).`);
      try {
        if (!statSync(key.keyFile).isFile()) throw new Error('not a file');
      } catch {
        throw new WardenError('NOT_FOUND', `No private key file at ${key.keyFile}. Choose your SSH private key (e.g. ~/.ssh/id_ed25519), or a key in ssh-agent.`);
      }
      keyArg = key.keyFile;
    } else {
      needAgent();
      const agentKey = (await listAgentKeys()).find((k) => k.fingerprint === key.agentKey);
      if (!agentKey) throw new WardenError('NOT_FOUND', `ssh-agent holds no key ${key.agentKey}. Add it (ssh-add) or pick one the agent lists.`);
      keyArg = join(dir, 'signer.pub');
      writeFileSync(keyArg, agentKey.publicKey + '\n', { mode: 0o600 });
    }
    const result = await sshKeygen(['-Y', 'sign', '-n', LOG_NAMESPACE, '-f', keyArg], message, toolEnv('agentKey' in key), signal);
    if (result.code !== 0 || !result.stdout.includes('BEGIN SSH SIGNATURE')) {
      const said = redact(result.stderr.replace(/Signing data on standard input\n?/g, '').replace(/Enter passphrase[^:]*:\s*/g, '').trim());
      if (/passphrase/i.test(result.stderr)) {
        throw new WardenError('AUTH', `The key ${'keyFile' in key ? key.keyFile : key.agentKey} is protected by a passphrase that cannot be asked for here: add it to ssh-agent (ssh-add) and sign with the agent key.`);
      }
      throw new WardenError('AUTH', `ssh-keygen could not sign with ${'keyFile' in key ? key.keyFile : `the agent key ${key.agentKey}`}: ${said || `exit code ${result.code}`}.`);
    }
    return { signature: result.stdout, ...signaturePublicKey(result.stdout) };
  });
}

export type SignatureVerdict = { ok: true; principal: string; fingerprint: string } | { ok: false; principal: string; reason: string };

/** `ssh-keygen -Y verify` of one principal's signature over message, against an allowed_signers text. */
export async function verifyPersonalSignature(message: Buffer, signature: string, principal: string, allowedSigners: string): Promise<SignatureVerdict> {
  return withScratch(async (dir) => {
    writeFileSync(join(dir, 'allowed_signers'), allowedSigners);
    writeFileSync(join(dir, 'message.sig'), signature);
    const result = await sshKeygen(['-Y', 'verify', '-f', join(dir, 'allowed_signers'), '-I', principal, '-n', LOG_NAMESPACE, '-s', join(dir, 'message.sig')], message, toolEnv(false));
    if (result.code === 0) return { ok: true, principal, fingerprint: /(SHA256:[A-Za-z0-9+/]+)/.exec(result.stdout + result.stderr)?.[1] ?? '' };
    const said = (result.stderr + result.stdout).trim().split('\n').at(-1) ?? '';
    return { ok: false, principal, reason: said || `ssh-keygen -Y verify exited with code ${result.code}` };
  });
}

/** One allowed_signers line for a person's key. */
export const personalSignerLine = (principal: string, publicKey: string): string => `${principal} namespaces="${LOG_NAMESPACE}" ${publicKey}`;
