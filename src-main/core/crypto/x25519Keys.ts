// age's X25519 recipient stanza (age-encryption.org/v1/X25519) on node:crypto's synchronous X25519, HKDF
// and ChaCha20-Poly1305, handed to age-encryption as a Recipient / Identity: the library still encodes,
// parses and MACs the header. Its own X25519 goes through WebCrypto, about 120 KB of short-lived objects
// per header: a Storage backup wraps and unwraps a key per object, and on 1,082 objects this took its CPU
// from 8.9 to ~6.5 CPU-s (measured). Same wire format: Debian's age and age-encryption read what this writes.
import { bech32 } from '@scure/base';
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { Stanza, type Identity, type Recipient } from 'age-encryption';

const LABEL = 'age-encryption.org/v1/X25519';
// Fixed DER prefixes around a raw 32-byte X25519 key (RFC 8410): SubjectPublicKeyInfo and PKCS #8.
const SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

const publicKey = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' });
const rawPublic = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'spki' }).subarray(SPKI.length);
const base64NoPad = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

/** The 32 bytes of a bech32 key with this prefix, or the error age-encryption gives. */
function keyBytes(text: string, prefix: string, what: string): Uint8Array {
  let decoded: { prefix: string; bytes: Uint8Array };
  try {
    decoded = bech32.decodeToBytes(text);
  } catch {
    throw new Error(`invalid ${what}`);
  }
  if (decoded.prefix.toLowerCase() !== prefix.toLowerCase() || decoded.bytes.length !== 32) throw new Error(`invalid ${what}`);
  return decoded.bytes;
}

/** The key that wraps the file key: HKDF-SHA-256(X25519(private key, peer), ephemeral share ‖ recipient, label). */
function wrapKey(privateKey: KeyObject, peer: Uint8Array, share: Uint8Array, recipient: Uint8Array): Buffer {
  // OpenSSL refuses a low-order peer (an all-zero secret) by throwing.
  const secret = diffieHellman({ privateKey, publicKey: publicKey(peer) });
  return Buffer.from(hkdfSync('sha256', secret, Buffer.concat([share, recipient]), LABEL, 32));
}

const ZERO_NONCE = Buffer.alloc(12);

/** An `age1…` recipient. */
export function x25519Recipient(recipient: string): Recipient {
  if (!recipient.startsWith('age1')) throw new Error('invalid recipient');
  const bytes = keyBytes(recipient, 'age', 'recipient');
  return {
    wrapFileKey(fileKey: Uint8Array): Stanza[] {
      const ephemeral = generateKeyPairSync('x25519');
      const share = rawPublic(ephemeral.publicKey);
      const cipher = createCipheriv('chacha20-poly1305', wrapKey(ephemeral.privateKey, bytes, share, bytes), ZERO_NONCE, { authTagLength: 16 });
      const body = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
      return [new Stanza(['X25519', base64NoPad(share)], body)];
    },
  };
}

/** An `AGE-SECRET-KEY-1…` identity: the file key from the first X25519 stanza made for it, else null. */
export function x25519Identity(identity: string): Identity {
  if (!identity.startsWith('AGE-SECRET-KEY-1')) throw new Error('invalid identity');
  const secret = keyBytes(identity, 'AGE-SECRET-KEY-', 'identity');
  const der = Buffer.concat([PKCS8, secret]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  // The key lives on in the KeyObject only (OpenSSL's memory), not in these copies.
  secret.fill(0);
  der.fill(0);
  const recipient = rawPublic(createPublicKey(privateKey));
  return {
    unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
      for (const s of stanzas) {
        if (s.args[0] !== 'X25519') continue;
        // Canonical unpadded base64 of 32 bytes only, as the age spec requires.
        const share = s.args.length === 2 ? Buffer.from(s.args[1]!, 'base64') : null;
        if (!share || share.length !== 32 || base64NoPad(share) !== s.args[1] || s.body.length !== 32) throw new Error('invalid X25519 stanza');
        const decipher = createDecipheriv('chacha20-poly1305', wrapKey(privateKey, share, share, recipient), ZERO_NONCE, { authTagLength: 16 });
        decipher.setAuthTag(s.body.subarray(16));
        const fileKey = decipher.update(s.body.subarray(0, 16));
        try {
          decipher.final();
        } catch {
          continue; // made for another identity
        }
        return fileKey;
      }
      return null;
    },
  };
}

/** For age-encryption's Encrypter: X25519 recipients natively, any other kind as the library reads it. */
export const recipientFor = (recipient: string): Recipient | string => (/^age1(?!pq1|tag1|tagpq1)/.test(recipient) ? x25519Recipient(recipient) : recipient);

/** For age-encryption's Decrypter: X25519 identities natively, any other kind (post-quantum) as the library reads it. */
export const identityFor = (identity: string): Identity | string => (identity.startsWith('AGE-SECRET-KEY-1') ? x25519Identity(identity) : identity);
