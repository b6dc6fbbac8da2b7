import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { reviewCheckSchema, type ReviewCheck, type ReviewResult } from '../../contract/review';
import type { AuditTrail } from '../audit/auditTrail';
import { decryptAndHash } from '../crypto/decryptPass';
import { sha256File } from '../crypto/hashStream';
import { WardenError } from '../errors';
import type { ArtifactStore } from '../runs/artifactStore';
import { writeFileAtomic } from '../util/atomicFile';
import { parseOrThrow } from '../util/validation';
import { personalSignerLine, principalFor, samePerson, signaturePublicKey, signWithPersonalKey, verifyPersonalSignature, type PersonalSignature, type SignerKey } from './personalKeys';
import type { SignOffService } from './signoffService';

// A review bundle carries the creator's signed document to a verifier on another workstation, whose
// Backup Warden checks the backup file itself and adds the verifier's signature; the bundle then comes
// back and the first workstation records the verifier's sign-off from it.

const FILES = { document: 'backup-log.md', facts: 'backup-log.json', creatorSig: 'backup-log.md.creator.sig', verifierSig: 'backup-log.md.verifier.sig', signers: 'allowed_signers', review: 'review.json', verifier: 'verifier.json' } as const;

const reviewSchema = z.object({
  format: z.literal('backup-warden/review@1'),
  runId: z.string(),
  backupName: z.string(),
  creator: z.object({ name: z.string(), principal: z.string(), fingerprint: z.string() }),
});
const verifierSchema = z.object({
  format: z.literal('backup-warden/review-signature@1'),
  name: z.string().min(2).max(120),
  osUser: z.string(),
  signedAt: z.string(),
  checks: z.array(reviewCheckSchema),
});

/** A regular file inside the bundle (never through a link someone planted there). */
function bundleFile(bundle: string, name: string): Buffer {
  const path = join(bundle, name);
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    throw new WardenError('NOT_FOUND', `The review bundle ${bundle} has no ${name}. Use the folder Backup Warden wrote with "Export review bundle".`);
  }
  if (!stat.isFile()) throw new WardenError('FORBIDDEN', `${path} is not a regular file: a review bundle holds plain files only.`);
  return readFileSync(path);
}

/** A bundle's JSON file, refused with its name when it is not what Backup Warden wrote. */
function bundleJson<S extends z.ZodType>(bundle: string, name: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(bundleFile(bundle, name).toString('utf8'));
  } catch (error) {
    if (error instanceof WardenError) throw error;
    throw new WardenError('VALIDATION', `${join(bundle, name)} is not JSON: use the review bundle as Backup Warden wrote it.`);
  }
  return parseOrThrow(schema, value, `${name} in the review bundle`);
}

function checkBundleFolder(bundle: string): void {
  if (!isAbsolute(bundle)) throw new WardenError('VALIDATION', `The review bundle must be an absolute folder path (got ${bundle}).`);
  const stat = (() => {
    try {
      return lstatSync(bundle);
    } catch {
      throw new WardenError('NOT_FOUND', `No review bundle folder at ${bundle}.`);
    }
  })();
  if (!stat.isDirectory()) throw new WardenError('FORBIDDEN', `${bundle} is not a real folder (a link or a file): choose the review bundle folder itself.`);
}

/** The document's own statement of a field (the creator signed it), e.g. "SHA-256 (encrypted file)". */
function documentField(markdown: string, field: string): string {
  const value = optionalField(markdown, field);
  if (!value) throw new WardenError('VALIDATION', `The signed document states no "${field}": this is not a Backup Warden backup log.`);
  return value;
}

/** A row only some documents hold (the archive's digest: backups before manifest@4). */
const optionalField = (markdown: string, field: string): string | undefined =>
  new RegExp(`^\\| ${field.replace(/[()]/g, '\\$&')} \\| ([^|]+) \\|$`, 'm').exec(markdown)?.[1]?.trim();

interface Deps {
  audit: AuditTrail;
  signOffs: SignOffService;
  artifacts: ArtifactStore;
  actor: string;
}

export class ReviewService {
  constructor(
    private readonly deps: Deps,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Writes <folder>/review-<run> with the creator's signed document, for a verifier elsewhere. */
  exportBundle(runId: string, folder: string): { bundle: string } {
    const { signOffs, artifacts, audit, actor } = this.deps;
    const document = signOffs.currentDocument(runId);
    const creator = signOffs.signatures(runId).find((s) => s.role === 'creator')!;
    const creatorView = signOffs.list(runId).find((s) => s.role === 'creator')!;
    const backup = artifacts.backup(runId);
    const bundle = join(folder, `review-${backup.manifest.name}`);
    try {
      mkdirSync(bundle, { mode: 0o755 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new WardenError('CONFLICT', `${bundle} already exists: move it away or choose another folder.`);
      throw error;
    }
    const review: z.infer<typeof reviewSchema> = {
      format: 'backup-warden/review@1', runId, backupName: backup.manifest.name,
      creator: { name: creatorView.name, principal: creator.principal, fingerprint: creatorView.fingerprint! },
    };
    writeFileAtomic(join(bundle, FILES.document), document.markdown, 0o644);
    // The same facts as data (manifest, integrity and rehearsal evidence), for the verifier to read.
    writeFileAtomic(join(bundle, FILES.facts), document.json, 0o644);
    writeFileAtomic(join(bundle, FILES.creatorSig), creator.signature, 0o644);
    writeFileAtomic(join(bundle, FILES.signers), personalSignerLine(creator.principal, creator.publicKey) + '\n', 0o644);
    writeFileAtomic(join(bundle, FILES.review), JSON.stringify(review, null, 2) + '\n', 0o644);
    audit.append({ actor, action: 'review.exported', projectId: backup.projectId, runId, details: { bundle } });
    return { bundle };
  }

  /**
   * On the verifier's workstation: checks the creator's signature, the backup file against the hashes the
   * signed document states (and, with a recipient key, decrypts it in full), then signs the document with
   * the verifier's own key. Nothing is signed unless every check passed.
   */
  async signBundle(input: { bundle: string; backupFile: string; name: string; key: SignerKey; identities?: string[] }, signal?: AbortSignal): Promise<ReviewResult> {
    const { audit, actor } = this.deps;
    checkBundleFolder(input.bundle);
    const markdown = bundleFile(input.bundle, FILES.document);
    const review = bundleJson(input.bundle, FILES.review, reviewSchema);
    const checks: ReviewCheck[] = [];
    const creatorVerdict = await verifyPersonalSignature(markdown, bundleFile(input.bundle, FILES.creatorSig).toString('utf8'), review.creator.principal, bundleFile(input.bundle, FILES.signers).toString('utf8'));
    checks.push({
      key: 'creator-signature', title: `Creator’s signature (${review.creator.name})`, status: creatorVerdict.ok ? 'passed' : 'failed',
      detail: creatorVerdict.ok ? `good signature by ${review.creator.principal} with ${creatorVerdict.fingerprint}: compare this fingerprint with the creator` : creatorVerdict.reason,
      numbers: {},
    });
    const text = markdown.toString('utf8');
    const cipher = await sha256File(input.backupFile).catch(() => {
      throw new WardenError('NOT_FOUND', `Cannot read the backup file ${input.backupFile}: choose the .dump.age file the document names ("${review.backupName}").`);
    });
    const expected = documentField(text, 'SHA-256 (encrypted file)');
    checks.push({ key: 'ciphertext-sha256', title: 'Backup file matches the signed hash', status: cipher.sha256 === expected ? 'passed' : 'failed', detail: `SHA-256 ${cipher.sha256}${cipher.sha256 === expected ? '' : `, the document states ${expected}`}`, numbers: {} });
    if (input.identities?.length) {
      // The file's digest (checked above) determines what it decrypts to; older documents state the archive's as well.
      const archive = optionalField(text, 'SHA-256 (archive)');
      const pass = await decryptAndHash(input.backupFile, input.identities, { plaintextSha256: archive }, new Writable({ write: (_c, _e, cb) => cb() }), signal);
      const ok = pass.plaintext !== null && pass.plaintext.sha256 === (archive ?? null);
      const detail = !pass.plaintext
        ? `could not decrypt: ${(pass.decryptError as Error).message}`
        : archive === undefined ? `${pass.plaintext.bytes} bytes, every chunk authenticated` : `archive SHA-256 ${pass.plaintext.sha256}${ok ? '' : `, the document states ${archive}`}`;
      checks.push({ key: 'decrypt', title: 'Decrypted in full with the verifier’s key', status: ok ? 'passed' : 'failed', detail, numbers: {} });
    } else {
      checks.push({ key: 'decrypt', title: 'Decrypted in full with the verifier’s key', status: 'not-run', detail: 'no recipient key given: only the file’s hash was checked', numbers: {} });
    }
    const failed = checks.filter((c) => c.status === 'failed');
    const base = { reviewedRunId: review.runId, backupName: review.backupName, creator: review.creator.principal, checks: checks.map((c) => `${c.key}: ${c.status}`) };
    if (failed.length) {
      audit.append({ actor, action: 'review.refused', details: base });
      throw new WardenError('CONFLICT', `Not signed: ${failed.map((c) => `${c.title} — ${c.detail}`).join('; ')}.`);
    }
    if (samePerson(review.creator.name, input.name)) {
      throw new WardenError('FORBIDDEN', `The verifier must be a different person from the creator (${review.creator.name}).`);
    }
    const signed: PersonalSignature = await signWithPersonalKey(markdown, input.key, signal);
    if (signed.fingerprint === review.creator.fingerprint) {
      audit.append({ actor, action: 'review.refused', details: { ...base, reason: 'same key as the creator', fingerprint: signed.fingerprint } });
      throw new WardenError('FORBIDDEN', `That is the creator’s key (${signed.fingerprint}). Two people means two keys: sign with your own.`);
    }
    const response: z.infer<typeof verifierSchema> = { format: 'backup-warden/review-signature@1', name: input.name, osUser: userInfo().username, signedAt: this.now().toISOString(), checks };
    writeFileAtomic(join(input.bundle, FILES.verifierSig), signed.signature, 0o644);
    writeFileAtomic(join(input.bundle, FILES.verifier), JSON.stringify(response, null, 2) + '\n', 0o644);
    audit.append({ actor, action: 'review.signed', details: { ...base, verifier: principalFor(input.name), fingerprint: signed.fingerprint } });
    return { creator: { ...review.creator }, backupName: review.backupName, checks, principal: principalFor(input.name), fingerprint: signed.fingerprint };
  }
}

/**
 * Back on the creator's workstation: the verifier's signature from a bundle, checked to be over exactly
 * this run's document (with the key the signature carries; the two-keys rule is the sign-off's).
 */
export async function readVerifierResponse(bundle: string, document: string): Promise<{ name: string; osUser: string; signature: PersonalSignature }> {
  checkBundleFolder(bundle);
  if (!bundleFile(bundle, FILES.document).equals(Buffer.from(document))) {
    throw new WardenError('CONFLICT', `The document in ${bundle} is not this run's signed document: use the bundle exported for this run.`);
  }
  const response = bundleJson(bundle, FILES.verifier, verifierSchema);
  const signature = bundleFile(bundle, FILES.verifierSig).toString('utf8');
  const key = signaturePublicKey(signature);
  const principal = principalFor(response.name);
  const verdict = await verifyPersonalSignature(Buffer.from(document), signature, principal, personalSignerLine(principal, key.publicKey) + '\n');
  if (!verdict.ok) throw new WardenError('TAMPERED', `The verifier's signature in ${bundle} does not match this run's document (${verdict.reason}).`);
  return { name: response.name, osUser: response.osUser, signature: { signature, ...key } };
}
