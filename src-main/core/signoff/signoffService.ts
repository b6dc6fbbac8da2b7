import { userInfo } from 'node:os';
import { signOffGate, signOffRequestSchema, type SignOff, type SignOffRequest } from '../../contract/signoff';
import type { AuditTrail } from '../audit/auditTrail';

type AuditHead = { seq: number; hash: string };
import { factsDetail, type LabelledFact } from '../audit/factChain';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import type { SigningKeyStore } from '../log/signingKey';
import { fingerprint as machineFingerprint } from '../log/sshsig';
import type { RunStore } from '../runs/runStore';
import { parseOrThrow } from '../util/validation';
import { principalFor, publicKeyFingerprint as fingerprintOf, samePerson, signWithPersonalKey, type PersonalSignature } from './personalKeys';
import { readVerifierResponse } from './reviewBundle';


/** The log as the creator signed it; the verifier signs these same bytes. */
export interface ReviewDocument {
  generatedAt: string;
  /** The audit head the document states, as it stated it. */
  auditHead: AuditHead | null;
  markdown: string;
  json: string;
}

/** The creator's part of the document: what a re-render needs to reproduce it byte for byte. */
export type DocumentSigner = Pick<SignOff, 'name' | 'osUser' | 'signedAt' | 'overrideReason'> & { principal: string };

interface Deps {
  db: Db;
  audit: AuditTrail;
  runs: RunStore;
  signingKey: SigningKeyStore;
  actor: string;
  /** Renders the log from the run's (chain-checked) evidence as signed by this creator, stating this audit head. */
  compose(runId: string, creator: DocumentSigner, auditHead: AuditHead | null): { markdown: string; json: string };
}

interface SignOffRow {
  role: SignOff['role'];
  name: string;
  os_user: string;
  signed_at: string;
  override_reason: string | null;
  principal: string | null;
  public_key: string | null;
  signature: string | null;
  checked_on: SignOff['checkedOn'];
}

/**
 * Two-person sign-off, each person with their own SSH key: the creator signs the log, frozen then as the
 * review document; a different person with a different key verifies and signs the same bytes — here, or
 * on another workstation through a review bundle. Both only on green evidence, unless overridden.
 */
export class SignOffService {
  constructor(
    private readonly deps: Deps,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(runId: string): SignOff[] {
    return this.rows(runId).map((r) => ({
      role: r.role, name: r.name, osUser: r.os_user, signedAt: r.signed_at, overrideReason: r.override_reason,
      principal: r.principal, fingerprint: r.public_key ? fingerprintOf(r.public_key) : null, checkedOn: r.checked_on,
    }));
  }

  /** Each signer's key and signature over the review document, for the export. */
  signatures(runId: string): { role: SignOff['role']; principal: string; publicKey: string; signature: string }[] {
    return this.rows(runId).flatMap((r) => (r.principal && r.public_key && r.signature ? [{ role: r.role, principal: r.principal, publicKey: r.public_key, signature: r.signature }] : []));
  }

  /** The review document frozen when the creator signed; null before. */
  document(runId: string): ReviewDocument | null {
    const row = this.deps.db.prepare('SELECT generated_at, markdown, json, audit_head FROM review_documents WHERE run_id = ?').get(runId) as
      | { generated_at: string; markdown: string; json: string; audit_head: string | null }
      | undefined;
    if (!row) return null;
    const [seq, hash] = row.audit_head?.split(':') ?? [];
    return { generatedAt: row.generated_at, markdown: row.markdown, json: row.json, auditHead: seq && hash ? { seq: Number(seq), hash } : null };
  }

  /**
   * The document as the evidence renders it now must be the one the creator signed: a check run again
   * after signing (or a row changed) makes the signatures speak about something else.
   */
  currentDocument(runId: string): ReviewDocument {
    const doc = this.document(runId);
    const creator = this.rows(runId).find((r) => r.role === 'creator');
    if (!doc || !creator?.principal) throw new WardenError('CONFLICT', 'The creator has not signed this run with a personal key yet: sign as creator first.');
    const now = this.deps.compose(runId, { name: creator.name, osUser: creator.os_user, signedAt: creator.signed_at, overrideReason: creator.override_reason, principal: creator.principal }, doc.auditHead);
    if (now.markdown !== doc.markdown || now.json !== doc.json) {
      throw new WardenError('CONFLICT', `The evidence changed after ${creator.name} signed (a check was run again): the signed document no longer states it. Run a new backup run, or keep the evidence as it was signed.`);
    }
    return doc;
  }

  /** The rows the log is built from, to check against the chain. */
  facts(runId: string): LabelledFact[] {
    const doc = this.document(runId);
    return [
      ...this.rows(runId).map((s) => ({ kind: 'signoff' as const, key: s.role, label: `${s.role} sign-off (${s.name})`, value: s })),
      ...(doc ? [{ kind: 'review' as const, key: runId, label: 'review document the creator signed', value: doc }] : []),
    ];
  }

  async signOff(runId: string, raw: SignOffRequest, osUser = userInfo().username, signal?: AbortSignal): Promise<SignOff> {
    const { audit, runs, db } = this.deps;
    const request = parseOrThrow(signOffRequestSchema, raw, 'sign-off');
    const run = runs.get(runId);
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor: this.deps.actor, action, projectId: run.project_id, runId, details });
    const keys = [request.keyFile, request.agentKey, request.reviewBundle].filter((k) => k !== undefined).length;
    if (keys !== 1) throw new WardenError('VALIDATION', 'Sign with your own SSH key: give exactly one of a key file, an ssh-agent key, or (verifier only) a review bundle signed on another workstation.');
    if (request.reviewBundle !== undefined && request.role === 'creator') throw new WardenError('VALIDATION', 'A review bundle carries the verifier’s signature; the creator signs here with a key file or an ssh-agent key.');
    const existing = this.list(runId);
    if (existing.some((s) => s.role === request.role)) throw new WardenError('CONFLICT', `This run already has a ${request.role} sign-off.`);
    const creator = this.rows(runId).find((s) => s.role === 'creator');
    if (request.role === 'verifier') {
      if (!creator) throw new WardenError('CONFLICT', 'The creator signs first; the verifier signs after checking the creator’s evidence.');
      if (samePerson(creator.name, request.name)) {
        log('signoff.refused', { role: request.role, name: request.name, osUser, reason: 'verifier is the creator' });
        throw new WardenError('FORBIDDEN', `The verifier must be a different person from the creator (${creator.name}). Ask a second person to verify.`);
      }
    }

    const items = runs.items(runId);
    // Runs made before an item joined the checklist do not have it.
    const red = items.filter((i) => (signOffGate as readonly string[]).includes(i.key) && i.state !== 'passed');
    if (red.length && !request.overrideReason) {
      log('signoff.refused', { role: request.role, name: request.name, osUser, reason: 'acceptance items not green', items: red.map((i) => `${i.key}: ${i.state}`) });
      throw new WardenError(
        'CONFLICT',
        `Sign-off is blocked: ${red.map((i) => `"${i.title}" is ${i.state}`).join(', ')}. Resolve them, or sign with an explicit override and a reason (kept in the audit trail).`,
      );
    }
    const signOff: SignOff = {
      role: request.role, name: request.name, osUser, signedAt: this.now().toISOString(), overrideReason: red.length ? request.overrideReason! : null,
      principal: principalFor(request.name), fingerprint: null, checkedOn: request.role === 'verifier' ? (request.reviewBundle ? 'another workstation' : 'this workstation') : null,
    };

    // The document both people sign: rendered now for the creator, the frozen one (still current) for the verifier.
    const document: ReviewDocument =
      request.role === 'creator'
        ? (() => {
            const auditHead = audit.head();
            return { generatedAt: signOff.signedAt, auditHead, ...this.deps.compose(runId, { ...signOff, principal: signOff.principal! }, auditHead) };
          })()
        : this.currentDocument(runId);
    let signed: PersonalSignature;
    if (request.reviewBundle !== undefined) {
      const response = await readVerifierResponse(request.reviewBundle, document.markdown);
      if (!samePerson(response.name, request.name)) throw new WardenError('VALIDATION', `The review bundle was signed by ${response.name}, not ${request.name}: sign off under the name the verifier used.`);
      signed = response.signature;
      signOff.osUser = response.osUser;
    } else {
      signed = await signWithPersonalKey(Buffer.from(document.markdown), request.keyFile !== undefined ? { keyFile: request.keyFile } : { agentKey: request.agentKey! }, signal);
    }
    signOff.fingerprint = signed.fingerprint;
    const refuseKey = (reason: string, message: string) => {
      log('signoff.refused', { role: request.role, name: request.name, osUser, reason, fingerprint: signed.fingerprint });
      throw new WardenError('FORBIDDEN', message);
    };
    const machine = this.deps.signingKey.publicKey();
    if (machine && machineFingerprint(machine.key) === signed.fingerprint) refuseKey('installation key', 'That is this installation’s machine key, not a person’s: sign with your own SSH key.');
    if (creator?.public_key && fingerprintOf(creator.public_key) === signed.fingerprint) {
      refuseKey('same key as the creator', `The verifier signed with the creator’s key (${signed.fingerprint}). Two people means two keys: the verifier signs with their own.`);
    }

    db.transaction(() => {
      db.prepare(
        'INSERT INTO signoffs (run_id, role, name, os_user, signed_at, override_reason, principal, public_key, signature, checked_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(runId, signOff.role, signOff.name, signOff.osUser, signOff.signedAt, signOff.overrideReason, signOff.principal, signed.publicKey, signed.signature, signOff.checkedOn);
      if (request.role === 'creator') {
        const head = document.auditHead ? `${document.auditHead.seq}:${document.auditHead.hash}` : null;
        db.prepare('INSERT INTO review_documents (run_id, generated_at, markdown, json, audit_head) VALUES (?, ?, ?, ?, ?)').run(runId, document.generatedAt, document.markdown, document.json, head);
      }
      if (signOff.overrideReason) log('signoff.override', { role: signOff.role, name: signOff.name, osUser, reason: signOff.overrideReason, items: red.map((i) => `${i.key}: ${i.state}`) });
      log(`signoff.${signOff.role}`, {
        name: signOff.name, osUser: signOff.osUser, principal: signOff.principal, fingerprint: signed.fingerprint, checkedOn: signOff.checkedOn,
        // The head the signed document states: the trail can later be checked against it (audit verify --head).
        auditHead: document.auditHead ? `${document.auditHead.seq}:${document.auditHead.hash}` : null,
        ...factsDetail(this.facts(runId).filter((f) => f.key === signOff.role || f.kind === 'review')),
      });
      if (signOff.role === 'verifier') {
        const first = this.list(runId).find((s) => s.role === 'creator')!;
        runs.attestItem(runId, 'sign-off', `${first.name} / ${signOff.name}`, signOff.overrideReason ?? '', { creator: first, verifier: signOff });
      } else {
        runs.setItem(runId, 'sign-off', 'running', { creator: signOff });
      }
    })();
    return signOff;
  }

  private rows(runId: string): SignOffRow[] {
    return this.deps.db.prepare('SELECT * FROM signoffs WHERE run_id = ? ORDER BY signed_at').all(runId) as SignOffRow[];
  }
}
