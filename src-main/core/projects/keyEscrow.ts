import { identityToRecipient } from 'age-encryption';
import { writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { AuditTrail } from '../audit/auditTrail';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { registerSecret } from '../util/redact';
import { secretRef, type SecretStore } from '../vault/vault';
import type { ProjectService } from './projectService';
import { identitiesIn } from '../crypto/identityText';

const IDENTITY = /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/;

/**
 * The project's recovery key (the age identity its backups are encrypted to) kept somewhere other than
 * this workstation's keychain: exported to a file or a printable page the operator puts in a safe, and
 * imported back onto a new workstation. The key never passes through the renderer.
 */
export class KeyEscrow {
  constructor(private readonly deps: { db: Db; vault: SecretStore; audit: AuditTrail; projects: ProjectService; actor: string; dataDir: string; now?: () => Date }) {}

  /** Writes the key as an age identity file (0600, a new file) or a printable page, into a folder outside the data directory. */
  async export(projectId: string, folder: string, format: 'identity-file' | 'paper'): Promise<{ file: string; recipient: string }> {
    const { projects, audit, actor, db } = this.deps;
    const project = projects.get(projectId);
    const dir = resolve(folder);
    const inside = relative(resolve(this.deps.dataDir), dir);
    if (inside === '' || (!inside.startsWith('..') && !inside.startsWith(sep) && !/^[A-Za-z]:/.test(inside))) {
      throw new WardenError('FORBIDDEN', 'The recovery key is never written into Backup Warden’s data folder: an escrow copy belongs somewhere else (removable media, a password manager, a safe). Choose another folder.');
    }
    // Escrow comes first on a new project: the key is made now if no backup made it yet.
    const { identity, recipient } = await projects.backupKey(projectId);
    const at = (this.deps.now ?? (() => new Date()))().toISOString();
    const base = `${project.name.replace(/[^\p{L}\p{N}._-]+/gu, '-')}-recovery-key`;
    const file = join(dir, format === 'paper' ? `${base}.html` : `${base}.txt`);
    const text = format === 'paper' ? paperForm(project.name, project.id, recipient, identity, at) : identityFile(project.name, project.id, recipient, identity, at);
    try {
      // A new file only (never through an existing file or link), readable by this account alone.
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new WardenError(code === 'EEXIST' ? 'CONFLICT' : 'VALIDATION', code === 'EEXIST' ? `${file} already exists; an escrow copy is never overwritten. Choose another folder.` : `Cannot write ${file} (${code ?? 'error'}).`);
    }
    db.prepare('UPDATE projects SET key_escrowed_at = ? WHERE id = ?').run(at, projectId);
    audit.append({ actor, action: 'key.exported', projectId, details: { file, format, recipient } });
    return { file, recipient };
  }

  /** Puts an escrowed key back into this workstation's keychain; only the project's own key is accepted. */
  async import(projectId: string, text: string): Promise<{ recipient: string }> {
    const { projects, vault, audit, actor, db } = this.deps;
    const project = projects.get(projectId);
    const [identity] = identitiesIn(text);
    if (!identity || !IDENTITY.test(identity)) throw new WardenError('VALIDATION', 'No age identity found: give the recovery key file (a line starting with AGE-SECRET-KEY-1).');
    registerSecret(identity);
    const recipient = await identityToRecipient(identity).catch(() => {
      throw new WardenError('VALIDATION', 'That is not a valid age identity (its checksum does not match): check the key file or the typed key.');
    });
    if (project.ageRecipient && recipient !== project.ageRecipient) {
      audit.append({ actor, action: 'key.import-refused', projectId, details: { offered: recipient, expected: project.ageRecipient } });
      throw new WardenError('FORBIDDEN', `That key belongs to ${recipient}, not to project "${project.name}" (${project.ageRecipient}). Nothing was changed.`);
    }
    const ref = secretRef(projectId, 'age-identity');
    await vault.set(ref, identity);
    db.prepare('UPDATE projects SET age_recipient = ?, age_identity_ref = ? WHERE id = ?').run(recipient, ref, projectId);
    audit.append({ actor, action: 'key.imported', projectId, details: { recipient } });
    return { recipient };
  }
}

function identityFile(name: string, id: string, recipient: string, identity: string, at: string): string {
  return [
    `# Backup Warden recovery key of project "${name}" (${id}), exported ${at}.`,
    '# Anyone holding this file can read every backup of the project: keep it offline, like a safe key.',
    `# public key: ${recipient}`,
    '# Restore without Backup Warden: age -d -i THIS-FILE backup.dump.age | pg_restore --dbname …',
    identity,
    '',
  ].join('\n');
}

function paperForm(name: string, id: string, recipient: string, identity: string, at: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const groups = identity.match(/.{1,8}/g)!.join(' ');
  return `<!doctype html><meta charset="utf-8"><title>Recovery key — ${esc(name)}</title>
<style>body{font-family:sans-serif;max-width:42rem;margin:2rem auto}pre{font-size:1.3rem;line-height:1.8;border:2px solid #000;padding:1rem;white-space:pre-wrap;word-break:break-all}</style>
<h1>Backup Warden recovery key</h1>
<p>Project <strong>${esc(name)}</strong> (${esc(id)}), printed ${esc(at)}. Anyone holding this page can read every backup of the project: keep it in a safe.</p>
<p>Public key: <code>${esc(recipient)}</code></p>
<pre>${esc(groups)}</pre>
<p>To use it, type it without spaces as one line into a file, then: <code>age -d -i FILE backup.dump.age | pg_restore --dbname …</code>, or import it in Backup Warden (project → Import recovery key).</p>
`;
}
