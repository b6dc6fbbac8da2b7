import { Decrypter, Encrypter } from 'age-encryption';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicFile';
import { identityFor, recipientFor } from './x25519Keys';

// Small files beside a backup that only its recipients may read (the roles, the full manifest):
// age-encrypted in one piece in this process, written atomically.

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

export async function sealText(text: string, recipients: string[], finalPath: string): Promise<{ plaintextSha256: string; ciphertextSha256: string }> {
  const encrypter = new Encrypter();
  for (const r of recipients) encrypter.addRecipient(recipientFor(r));
  const ciphertext = await encrypter.encrypt(text);
  writeFileAtomic(finalPath, ciphertext);
  return { plaintextSha256: sha256(text), ciphertextSha256: sha256(ciphertext) };
}

export async function openSealedText(path: string, identities: string[]): Promise<string> {
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identityFor(identity));
  return decrypter.decrypt(readFileSync(path), 'text');
}
