import { userInfo } from 'node:os';
import { signOffGate, signOffRequestSchema, type SignOff, type SignOffRequest } from '../../contract/signoff';
import type { AuditTrail } from '../audit/auditTrail';
import { factsDetail, type LabelledFact } from '../audit/factChain';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import type { RunStore } from '../runs/runStore';
import { parseOrThrow } from '../util/validation';

const samePerson = (a: string, b: string) => a.trim().replace(/\s+/g, ' ').toLowerCase() === b.trim().replace(/\s+/g, ' ').toLowerCase();

/** Two-person sign-off: the creator, then a different verifier, each only once the evidence is green. */
export class SignOffService {
  constructor(
    private readonly deps: { db: Db; audit: AuditTrail; runs: RunStore; actor: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(runId: string): SignOff[] {
    return (this.deps.db.prepare('SELECT * FROM signoffs WHERE run_id = ? ORDER BY signed_at').all(runId) as {
      role: SignOff['role'];
      name: string;
      os_user: string;
      signed_at: string;
      override_reason: string | null;
    }[]).map((r) => ({ role: r.role, name: r.name, osUser: r.os_user, signedAt: r.signed_at, overrideReason: r.override_reason }));
  }

  /** The sign-off rows as they are now, to check against the chain. */
  facts(runId: string): LabelledFact[] {
    return this.list(runId).map((s) => ({ kind: 'signoff', key: s.role, label: `${s.role} sign-off (${s.name})`, value: s }));
  }

  signOff(runId: string, raw: SignOffRequest, osUser = userInfo().username): SignOff {
    const { audit, runs, db } = this.deps;
    const request = parseOrThrow(signOffRequestSchema, raw, 'sign-off');
    const run = runs.get(runId);
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor: this.deps.actor, action, projectId: run.project_id, runId, details });
    const existing = this.list(runId);
    if (existing.some((s) => s.role === request.role)) throw new WardenError('CONFLICT', `This run already has a ${request.role} sign-off.`);
    const creator = existing.find((s) => s.role === 'creator');
    if (request.role === 'verifier') {
      if (!creator) throw new WardenError('CONFLICT', 'The creator signs first; the verifier signs after checking the creator’s evidence.');
      if (samePerson(creator.name, request.name)) {
        log('signoff.refused', { role: request.role, name: request.name, osUser, reason: 'verifier is the creator' });
        throw new WardenError('FORBIDDEN', `The verifier must be a different person from the creator (${creator.name}). Ask a second person to verify.`);
      }
    }

    const items = runs.items(runId);
    const red = signOffGate.map((key) => items.find((i) => i.key === key)!).filter((i) => i.state !== 'passed');
    if (red.length && !request.overrideReason) {
      log('signoff.refused', { role: request.role, name: request.name, osUser, reason: 'acceptance items not green', items: red.map((i) => `${i.key}: ${i.state}`) });
      throw new WardenError(
        'CONFLICT',
        `Sign-off is blocked: ${red.map((i) => `"${i.title}" is ${i.state}`).join(', ')}. Resolve them, or sign with an explicit override and a reason (kept in the audit trail).`,
      );
    }
    const signOff: SignOff = { role: request.role, name: request.name, osUser, signedAt: this.now().toISOString(), overrideReason: red.length ? request.overrideReason! : null };
    db.transaction(() => {
      db.prepare('INSERT INTO signoffs (run_id, role, name, os_user, signed_at, override_reason) VALUES (?, ?, ?, ?, ?, ?)').run(
        runId, signOff.role, signOff.name, signOff.osUser, signOff.signedAt, signOff.overrideReason,
      );
      if (signOff.overrideReason) log('signoff.override', { role: signOff.role, name: signOff.name, osUser, reason: signOff.overrideReason, items: red.map((i) => `${i.key}: ${i.state}`) });
      log(`signoff.${signOff.role}`, { name: signOff.name, osUser, ...factsDetail([{ kind: 'signoff', key: signOff.role, value: signOff }]) });
      if (signOff.role === 'verifier') {
        runs.attestItem(runId, 'sign-off', `${creator!.name} / ${signOff.name}`, signOff.overrideReason ?? '', { creator: creator!, verifier: signOff });
      } else {
        runs.setItem(runId, 'sign-off', 'running', { creator: signOff });
      }
    })();
    return signOff;
  }
}
