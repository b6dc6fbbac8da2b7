import { identityToRecipient } from 'age-encryption';
import { Writable } from 'node:stream';
import type { Evidence } from '../../contract/evidence';
import type { AuditTrail } from '../audit/auditTrail';
import { decryptAndHash } from '../crypto/decryptPass';
import { WardenError } from '../errors';
import type { ProjectService } from '../projects/projectService';
import type { ActivityStore } from '../runs/activities';
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { redact, registerSecret } from '../util/redact';
import { identitiesIn } from '../crypto/identityText';

/**
 * "The backup opens without this workstation": a full, authenticated decryption of the backup with a key
 * the operator brings (the escrowed recovery key file, or a break-glass identity), never the keychain's.
 * Nothing is written: the plaintext is hashed and compared with the manifest, then dropped.
 */
export class RecoveryCheck {
  constructor(private readonly deps: { audit: AuditTrail; projects: ProjectService; runs: RunStore; activities: ActivityStore; artifacts: ArtifactStore; actor: string }) {}

  async check(runId: string, keyText: string, signal?: AbortSignal): Promise<Evidence<'recovery'>> {
    const { audit, runs, actor } = this.deps;
    const backup = this.deps.artifacts.backup(runId);
    const log = (action: string, details: Record<string, unknown>) => audit.append({ actor, action, projectId: backup.projectId, runId, details });
    const identities = identitiesIn(keyText);
    if (!identities.length) throw new WardenError('VALIDATION', 'No age identity in what was given: choose the recovery key file (or a break-glass key file), with a line starting with AGE-SECRET-KEY-1.');
    for (const i of identities) registerSecret(i);
    const recipients = await Promise.all(identities.map((i) => identityToRecipient(i).catch(() => null)));
    const project = this.deps.projects.get(backup.projectId);
    const matching = recipients.find((r): r is string => r !== null && backup.manifest.encryption.recipients.includes(r));
    return this.deps.activities.run({ kind: 'recovery', projectId: backup.projectId, runId, item: 'recovery', what: 'The recovery check', signal, audit: 'recovery' }, async ({ signal }) => {
      if (!matching) throw new WardenError('FORBIDDEN', `None of the given keys is among the backup's recipients (${backup.manifest.encryption.recipients.join(', ')}): this key would not open it.`);
      const recorded = backup.manifest.files.dump;
      const pass = await decryptAndHash(backup.path, identities, recorded, new Writable({ write: (_chunk, _enc, done) => done() }), signal);
      if (pass.ciphertext.sha256 !== recorded.ciphertextSha256) throw new WardenError('CONFLICT', 'The backup file is not the recorded one (its SHA-256 differs). Run the integrity check.');
      if (!pass.plaintext) throw new WardenError('CONFLICT', `The backup did not decrypt with that key: ${redact(String((pass.decryptError as Error)?.message ?? pass.decryptError))}. Run the integrity check.`);
      if (recorded.plaintextSha256 !== undefined && pass.plaintext.sha256 !== recorded.plaintextSha256) throw new WardenError('CONFLICT', 'The backup decrypted, but not to the recorded archive (its SHA-256 differs). Run the integrity check.');
      const evidence: Evidence<'recovery'> = {
        keyKind: matching === project.ageRecipient ? 'escrowed recovery key' : 'break-glass key',
        recipient: matching,
        ciphertextSha256: pass.ciphertext.sha256,
        ...(pass.plaintext.sha256 !== null && { plaintextSha256: pass.plaintext.sha256 }),
        bytes: pass.plaintext.bytes,
        checkedAt: new Date().toISOString(),
      };
      runs.setItem(runId, 'recovery', 'passed', evidence);
      log('recovery.passed', { keyKind: evidence.keyKind, recipient: matching });
      return evidence;
    });
  }
}
