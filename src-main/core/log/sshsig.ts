// SSH signatures (OpenSSH PROTOCOL.sshsig) with Ed25519 from node:crypto, so auditors check exported
// logs with the stock `ssh-keygen -Y verify` and nobody needs our software to trust them.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const LOG_NAMESPACE = 'backup-warden-log';
const MAGIC = Buffer.from('SSHSIG');
const HASH = 'sha512';
const KEY_TYPE = 'ssh-ed25519';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sshString = (data: Buffer | string): Buffer => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([u32(bytes.length), bytes]);
};

/** The wire-format public key blob: string "ssh-ed25519", string key (32 bytes). */
export function ed25519PublicBlob(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('not an Ed25519 public key');
  return Buffer.concat([sshString(KEY_TYPE), sshString(Buffer.from(jwk.x, 'base64url'))]);
}

/** `ssh-ed25519 AAAA… comment`, as in authorized_keys. */
export function openSshPublicKey(publicKey: KeyObject, comment = ''): string {
  return `${KEY_TYPE} ${ed25519PublicBlob(publicKey).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** SHA256:… of a wire-format public key blob, as ssh-keygen -l prints it. */
export const blobFingerprint = (blob: Buffer): string => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

/** SHA256:… as ssh-keygen -l prints it. */
export function fingerprint(publicKey: KeyObject): string {
  return blobFingerprint(ed25519PublicBlob(publicKey));
}

/** One allowed_signers line: who may sign, for which namespace, with which key. */
export function allowedSignersLine(principal: string, publicKey: KeyObject): string {
  return `${principal} namespaces="${LOG_NAMESPACE}" ${openSshPublicKey(publicKey)}`;
}

function signedData(namespace: string, message: Buffer, hash: string = HASH): Buffer {
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hash), sshString(createHash(hash).update(message).digest())]);
}

/** Signs the exact bytes of message; returns the armored signature (the .sig file content). */
export function signSshsig(message: Buffer, privateKey: KeyObject, namespace = LOG_NAMESPACE): string {
  const publicKey = createPublicKey(privateKey);
  const signature = sign(null, signedData(namespace, message), privateKey);
  const blob = Buffer.concat([
    MAGIC,
    u32(1),
    sshString(ed25519PublicBlob(publicKey)),
    sshString(namespace),
    sshString(''),
    sshString(HASH),
    sshString(Buffer.concat([sshString(KEY_TYPE), sshString(signature)])),
  ]);
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN SSH SIGNATURE-----', ...lines, '-----END SSH SIGNATURE-----', ''].join('\n');
}

export type SshsigVerdict = { ok: true; fingerprint: string } | { ok: false; reason: string };

/**
 * Verifies an armored SSHSIG over message against the trusted public key (the one in allowed_signers):
 * namespace, hash, key and signature must all check out.
 */
export function verifySshsig(message: Buffer, armored: string, trustedKey: KeyObject, namespace = LOG_NAMESPACE): SshsigVerdict {
  let reader: Reader;
  try {
    const body = armored.replace(/-----(BEGIN|END) SSH SIGNATURE-----/g, '').replace(/\s+/g, '');
    reader = new Reader(Buffer.from(body, 'base64'));
    if (!reader.bytes(6).equals(MAGIC)) return { ok: false, reason: 'not an SSH signature' };
    if (reader.u32() !== 1) return { ok: false, reason: 'unsupported signature version' };
    const publicBlob = reader.string();
    const ns = reader.string().toString();
    reader.string(); // reserved
    const hash = reader.string().toString();
    const sigBlob = new Reader(reader.string());
    if (ns !== namespace) return { ok: false, reason: `signature namespace is "${ns}", expected "${namespace}"` };
    if (hash !== 'sha512' && hash !== 'sha256') return { ok: false, reason: `unsupported hash ${hash}` };
    if (!publicBlob.equals(ed25519PublicBlob(trustedKey))) return { ok: false, reason: 'signed with a key that is not the trusted signing key' };
    if (sigBlob.string().toString() !== KEY_TYPE) return { ok: false, reason: 'not an Ed25519 signature' };
    const signature = sigBlob.string();
    if (!verify(null, signedData(ns, message, hash), trustedKey, signature)) return { ok: false, reason: 'signature does not match the content: the file was changed after signing' };
    return { ok: true, fingerprint: fingerprint(trustedKey) };
  } catch {
    return { ok: false, reason: 'the signature file is malformed' };
  }
}

/** Parses an `ssh-ed25519 AAAA…` public key (e.g. from an allowed_signers line). */
export function parseOpenSshPublicKey(line: string): KeyObject {
  const b64 = line.trim().split(/\s+/).find((part) => part.startsWith('AAAA'));
  if (!b64) throw new Error('no ssh-ed25519 key found');
  const r = new Reader(Buffer.from(b64, 'base64'));
  if (r.string().toString() !== KEY_TYPE) throw new Error('not an ssh-ed25519 key');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: r.string().toString('base64url') }, format: 'jwk' });
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error('short read');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u32(): number {
    return this.bytes(4).readUInt32BE();
  }
  string(): Buffer {
    return this.bytes(this.u32());
  }
}
