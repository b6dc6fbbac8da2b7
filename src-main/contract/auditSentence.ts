import type { AuditEntry } from './audit';
import { formatBytes } from './format';

// One sentence per audit entry, for people: "Bob Verifier signed as verifier". The entry's details stay
// what they are (hash-chained, exported unchanged); this only reads them. Details are whatever a version of
// Backup Warden wrote, so every field is read defensively and a missing one leaves the sentence shorter.

type Details = Record<string, unknown>;
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(text).filter(Boolean) : []);
const seconds = (ms: unknown) => (typeof ms === 'number' ? ` in ${(ms / 1000).toFixed(1)} s` : '');
const because = (v: unknown) => (text(v) ? `: ${text(v)}` : '');
const named = (v: unknown, fallback = '') => (text(v) ? ` "${text(v)}"` : fallback);
const who = (d: Details, actor: string, field = 'name') => text(d[field]) || actor;

const sentences: Record<string, (d: Details, actor: string) => string> = {
  'project.created': (d, a) => `${a} added the project${named(d.name)}${text(d.environment) ? ` (${text(d.environment)})` : ''}`,
  'project.updated': (_, a) => `${a} edited the project profile`,
  'project.deleted': (d, a) => `${a} removed the project${named(d.name)} and its secrets`,
  'project.connection-tested': (d, a) => (d.ok === false ? `${a} tested the connection, which failed${because(d.error)}` : `${a} tested the connection${text(d.serverVersion) ? `: PostgreSQL ${text(d.serverVersion).split(' ')[0]}` : ''}`),
  'project.endpoint-changed': (d, a) => `${a} pointed the profile at another database (${text(d.before)} → ${text(d.after)}); its password was asked again`,
  'project.password-bound': (d) => `The database password was bound to ${text(d.endpoint) || 'its endpoint'}`,
  'project.password-withheld': (d) => `The password was withheld: the profile names ${text(d.profileNames) || 'another database'}, not ${text(d.enteredFor) || 'the one it was entered for'}`,
  'project.tls-unverified': (d, a) => `${a} chose a connection whose server is not verified (sslmode ${text(d.sslmode)})`,
  'project.backup-key-created': () => 'A backup key was made for the project',
  'project.expected-tables-confirmed': (d, a) => `${a} confirmed ${text(d.count)} expected tables`,
  'key.exported': (d, a) => `${a} exported the recovery key for escrow (${d.format === 'paper' ? 'paper form' : 'key file'})`,
  'key.imported': (_, a) => `${a} imported the recovery key into this keychain`,
  'key.import-refused': () => "A recovery key import was refused: it is not this project's key",
  'supabase.looked-up': (d, a) => `${a} read Supabase project ${text(d.ref)}'s connection forms`,
  'backup.started': (d, a) => `${a} started the backup${named(d.name)}`,
  'backup.completed': (d) => `The backup was written and encrypted${typeof d.ciphertextBytes === 'number' ? ` (${formatBytes(d.ciphertextBytes)})` : ''}`,
  'backup.failed': (d) => `The backup failed${because(d.error)}`,
  'backup.cancelled': () => 'The backup was cancelled; its partial file was removed',
  'backup.interrupted': () => 'A backup was found interrupted (the app had stopped) and cleaned up',
  'backup.single-key-acknowledged': (_, a) => `${a} acknowledged that only this workstation's key opens the backup`,
  'verify.passed': (d) => `The integrity check passed${seconds(d.durationMs)}`,
  'verify.failed': (d) => `The integrity check failed${list(d.failed).length ? `: ${list(d.failed).join('; ')}` : because(d.error)}`,
  'verify.cancelled': () => 'The integrity check was cancelled',
  'verify.interrupted': () => 'An integrity check was found interrupted and cleaned up',
  'recovery.passed': (d) => `The backup opened without this workstation, with ${text(d.keyKind) || 'a key the operator gave'}`,
  'recovery.failed': (d) => `The backup did not open without this workstation${because(d.error)}`,
  'recovery.cancelled': () => 'The recovery check was cancelled',
  'recovery.interrupted': () => 'A recovery check was found interrupted and cleaned up',
  'rehearsal.started': (d) => `A restore rehearsal started${text(d.target) ? ` into ${text(d.target)}` : ''}`,
  'rehearsal.passed': (d) => `The restore rehearsal passed${typeof d.rtoMs === 'number' ? ` (RTO ${(d.rtoMs / 1000).toFixed(1)} s)` : ''}`,
  'rehearsal.partial': () => 'The restore rehearsal was partial: part of the backup could not be restored',
  'rehearsal.failed': (d) => `The restore rehearsal failed${list(d.failed).length ? `: ${list(d.failed).join('; ')}` : because(d.error)}`,
  'rehearsal.cancelled': () => 'The restore rehearsal was cancelled; its scratch server and decrypted copy were removed',
  'rehearsal.refused': (d) => `A rehearsal was refused${because(d.reason)}`,
  'rehearsal.interrupted': () => 'A rehearsal was found interrupted and cleaned up',
  'platform.checked': (d) => `The platform backup${named(d.backupId)} was checked through the Management API${list(d.warnings).length ? `, with ${list(d.warnings).length} warning(s)` : ''}`,
  'platform.attested': (d, a) => `${who(d, a, 'attestedBy')} attested the platform backup${named(d.backupId)}`,
  'storage.started': (d) => `The Storage backup started${typeof d.objects === 'number' ? ` (${d.objects} objects)` : ''}`,
  'storage.completed': (d) => `The Storage objects were backed up${typeof d.objects === 'number' ? ` (${d.objects} objects)` : ''}`,
  'storage.failed': (d) => `The Storage backup failed${because(d.error)}`,
  'storage.cancelled': () => 'The Storage backup was cancelled (it resumes where it stopped)',
  'storage.interrupted': () => 'A Storage backup was found interrupted (it resumes where it stopped)',
  'storage.out-of-scope': (d, a) => `${who(d, a, 'by')} left Storage out of this run${because(d.reason)}`,
  'storage.key-fetched': () => 'The service-role key was fetched through the Management API',
  'signoff.creator': (d, a) => `${who(d, a)} signed as creator`,
  'signoff.verifier': (d, a) => `${who(d, a)} signed as verifier`,
  'signoff.override': (d, a) => `${who(d, a)} signed although items were not green${because(d.reason)}`,
  'signoff.refused': (d, a) => `${who(d, a)}'s sign-off as ${text(d.role) || 'signer'} was refused${because(d.reason)}`,
  'review.exported': (_, a) => `${a} exported a review bundle for the verifier`,
  'review.signed': (d) => `The verifier signed the review bundle${text(d.verifier) ? ` as ${text(d.verifier)}` : ''}`,
  'review.refused': (d) => `A review bundle was refused${because(d.reason)}`,
  'signing-key.created': () => "The workstation's log-signing key was created",
  'signing-key.adopted': () => "The workstation's log-signing key was taken over from an earlier install",
  'log.exported': (_, a) => `${a} exported the signed backup log`,
  'notify.sent': () => 'The team was notified (webhook)',
  'notify.failed': (d) => `Notifying the team failed${because(d.error)}`,
  'notify.attested': (d, a) => `${who(d, a, 'by')} told the team${text(d.channel) ? ` (${text(d.channel)})` : ''}`,
  'restore.requested': (d, a) => `${a} asked to restore this backup${text(d.confirmedBy) ? `, confirmed by ${text(d.confirmedBy)}` : text(d.overrideReason) ? `, without a second person${because(d.overrideReason)}` : ''}`,
  'restore.refused': (d) => `A restore was refused${because(d.reason)}`,
  'restore.started': (d) => `A restore started${text(d.target) ? ` into ${text(d.target)}` : ''}`,
  'restore.storage-uploaded': (d) => `Storage objects were uploaded again${typeof d.objects === 'number' ? ` (${d.objects})` : ''}`,
  'restore.completed': () => 'The restore finished',
  'restore.verified': () => 'The restore was verified against the backup: all as in the backup',
  'restore.partial': (d) => `The restore finished, but not everything is as in the backup${because(d.error)}`,
  'restore.partially-restored': (d) => `The restore stopped after the target was changed: it is not the backup now; the safety backup is the way back${because(d.error)}`,
  'restore.failed': (d) => `The restore failed${because(d.error)}`,
  'restore.cancelled': () => 'The restore was cancelled',
  'restore.interrupted': () => 'A restore was found interrupted and cleaned up',
  'cancel.requested': (d, a) =>
    `${a} asked the ${({ verify: 'integrity check', storage: 'Storage backup' } as Record<string, string>)[text(d.kind)] ?? (text(d.kind) || 'work')} running in process ${text(d.pid)}${text(d.host) ? ` on ${text(d.host)}` : ''} to stop`,
  'pitr.requested': (d, a) => `${a} asked Supabase for a point-in-time restore of ${text(d.ref)} to ${text(d.recoveryTime)}`,
  'pitr.refused': (d) => `A point-in-time restore was refused${because(d.reason)}`,
  'pitr.started': (d) => `Supabase started the point-in-time restore of ${text(d.ref)}`,
  'pitr.failed': (d) => `The point-in-time restore request failed${because(d.error)}`,
  'audit.exported': (d, a) => `${a} exported the audit trail${text(d.format) ? ` as ${text(d.format).toUpperCase()}` : ''}`,
  'settings.updated': (_, a) => `${a} changed the settings`,
  'secret.leftover-removed': () => 'Files holding a secret, left by a crash, were removed',
  'evidence.recorded': () => 'Evidence was recorded for a checklist item',
  'artifact.recorded': () => 'A file of the run was recorded with its hash',
};

/** Every action this version writes a sentence for. */
export const describedAuditActions: ReadonlySet<string> = new Set(Object.keys(sentences));

/** One sentence for people; the action itself when this version does not know it. */
export function auditSentence(entry: Pick<AuditEntry, 'action' | 'actor' | 'details'>): string {
  const sentence = sentences[entry.action];
  return sentence ? sentence(entry.details, entry.actor) : `${entry.actor}: ${entry.action.replace(/[.-]/g, ' ')}`;
}
