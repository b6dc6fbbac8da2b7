import { createHash, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { PlatformEvidence } from '../../contract/platform';
import type { RehearsalReport, VerifyReport } from '../../contract/verify';
import type { AuditTrail } from '../audit/auditTrail';
import { checkFacts } from '../audit/factChain';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import type { ProjectService } from '../projects/projectService';
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { replaceFileAtomic, writeFileAtomic } from '../util/atomicFile';
import { renderLogJson, renderLogMarkdown, suggestedLogPath, type LogData } from './backupLog';
import type { SignatureVerdictView } from '../../contract/signoff';
import { personalSignerLine, signaturePublicKey, verifyPersonalSignature } from '../signoff/personalKeys';
import type { DocumentSigner, SignOffService } from '../signoff/signoffService';
import type { SigningKeyStore } from './signingKey';
import { LOG_NAMESPACE, parseOpenSshPublicKey, signSshsig, verifySshsig, type SshsigVerdict } from './sshsig';

export interface ExportResult {
  markdownFile: string;
  jsonFile: string;
  signatureFiles: string[];
  allowedSignersFile: string;
  /** The installation's key: its signature is the machine attestation, not a person's. */
  fingerprint: string;
  markdownSha256: string;
  /** Each person's signature as ssh-keygen -Y verify judged it against the allowed_signers written. */
  signatures: SignatureVerdictView[];
  /** Who signed, with which keys, and the audit trail's head at export (machine-attested): an anchor outside the database. */
  receiptFile: string;
}

interface Deps {
  db: Db;
  audit: AuditTrail;
  projects: ProjectService;
  runs: RunStore;
  artifacts: ArtifactStore;
  signOffs: SignOffService;
  signingKey: SigningKeyStore;
  actor: string;
}

/** Fills in the backup log from evidence, signs the exact exported bytes (SSHSIG) and verifies exports. */
export class ExportService {
  constructor(
    private readonly deps: Deps,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The log as it would be exported: the document the creator signed, or before that as it reads now. Changes nothing. */
  preview(runId: string): { markdown: string; json: string; suggestedPath: string } {
    this.checkEvidence(runId);
    if (this.deps.signOffs.document(runId)) {
      const doc = this.deps.signOffs.currentDocument(runId);
      return { markdown: doc.markdown, json: doc.json, suggestedPath: suggestedLogPath(doc.generatedAt) };
    }
    const data = this.collect(runId, this.now().toISOString(), null, this.deps.audit.head());
    return { markdown: renderLogMarkdown(data), json: renderLogJson(data), suggestedPath: suggestedLogPath(data.generatedAt) };
  }

  /** The review document as this creator signs it, from the run's chain-checked evidence. */
  compose(runId: string, creator: DocumentSigner, auditHead: { seq: number; hash: string } | null): { markdown: string; json: string } {
    const { name, osUser, signedAt, overrideReason, principal } = creator;
    this.checkEvidence(runId);
    const data = this.collect(runId, signedAt, { name, osUser, signedAt, overrideReason, principal }, auditHead);
    return { markdown: renderLogMarkdown(data), json: renderLogJson(data) };
  }

  /**
   * Writes <folder>/docs/phase2/production-backup-log-<date>.{md,json}: the document both people signed,
   * their .creator.sig and .verifier.sig, the installation's .sig (machine attestation) and an
   * allowed_signers naming all of them; then checks every signature as an auditor would.
   */
  async export(runId: string, folder: string): Promise<ExportResult> {
    const { runs, audit, signOffs, signingKey, actor } = this.deps;
    if (!isAbsolute(folder) || !existsSync(folder)) throw new WardenError('VALIDATION', `Export folder ${folder} must be an existing absolute path.`);
    this.checkEvidence(runId);
    const people = signOffs.signatures(runId);
    const creator = people.find((s) => s.role === 'creator');
    const verifier = people.find((s) => s.role === 'verifier');
    if (!creator || !verifier) {
      throw new WardenError('CONFLICT', 'The log is exported after both people signed it with their own keys (creator, then a different verifier), so that it carries both signatures.');
    }
    const doc = signOffs.currentDocument(runId);
    const identity = await signingKey.identity();
    runs.setItem(runId, 'log', 'passed', { renderedAt: doc.generatedAt });
    const markdown = Buffer.from(doc.markdown);
    const json = Buffer.from(doc.json);
    const markdownFile = join(folder, suggestedLogPath(doc.generatedAt));
    const jsonFile = markdownFile.replace(/\.md$/, '.json');
    const allowedSignersFile = join(dirname(markdownFile), 'allowed_signers');
    exportFolder(folder, dirname(markdownFile));
    // Meant for the team's repository: readable by all, on purpose (nothing secret is in them).
    writeFileAtomic(markdownFile, markdown, 0o644);
    writeFileAtomic(jsonFile, json, 0o644);
    writeFileAtomic(`${markdownFile}.sig`, signSshsig(markdown, identity.privateKey), 0o644);
    writeFileAtomic(`${jsonFile}.sig`, signSshsig(json, identity.privateKey), 0o644);
    for (const p of people) writeFileAtomic(`${markdownFile}.${p.role}.sig`, p.signature, 0o644);
    mergeAllowedSigners(allowedSignersFile, [
      ...people.map((p) => personalSignerLine(p.principal, p.publicKey)),
      `# machine attestation (the Backup Warden installation that exported the log, not a person):`,
      identity.allowedSigners,
    ]);
    const signatures = await this.verifySigners(markdownFile, allowedSignersFile);
    const markdownSha256 = createHash('sha256').update(markdown).digest('hex');
    // The receipt names the verifier (the frozen document cannot) and carries the trail's head at export.
    const head = audit.head();
    const receiptFile = markdownFile.replace(/\.md$/, '.receipt.json');
    const receipt = Buffer.from(
      JSON.stringify(
        {
          format: 'backup-warden/export-receipt@1',
          runId,
          exportedAt: this.now().toISOString(),
          document: { file: basename(markdownFile), sha256: markdownSha256 },
          signers: signOffs.list(runId).map(({ role, name, principal, fingerprint, signedAt, checkedOn, overrideReason }) => ({ role, name, principal, fingerprint, signedAt, checkedOn, overrideReason })),
          auditHead: head,
          check: head ? `backup-warden audit verify --head ${head.seq}:${head.hash}` : null,
        },
        null,
        2,
      ) + '\n',
    );
    writeFileAtomic(receiptFile, receipt, 0o644);
    writeFileAtomic(`${receiptFile}.sig`, signSshsig(receipt, identity.privateKey), 0o644);
    const run = runs.get(runId);
    this.deps.artifacts.addLog(runId, markdownFile, markdown.length, markdownSha256);
    audit.append({
      actor, action: 'log.exported', projectId: run.project_id, runId,
      details: { markdownFile, jsonFile, receiptFile, markdownSha256, signers: people.map((p) => `${p.role}: ${p.principal}`), machine: identity.principal, fingerprint: identity.fingerprint, auditHead: head ? `${head.seq}:${head.hash}` : null },
    });
    return {
      markdownFile, jsonFile, signatureFiles: [`${markdownFile}.sig`, `${jsonFile}.sig`, ...people.map((p) => `${markdownFile}.${p.role}.sig`), `${receiptFile}.sig`],
      allowedSignersFile, fingerprint: identity.fingerprint, markdownSha256, signatures, receiptFile,
    };
  }

  /** Each person's signature beside an exported log (.creator.sig, .verifier.sig), checked with ssh-keygen -Y verify. */
  async verifySigners(file: string, allowedSignersFile = join(dirname(file), 'allowed_signers')): Promise<SignatureVerdictView[]> {
    let signers: string;
    try {
      signers = readFileSync(allowedSignersFile, 'utf8');
    } catch {
      return [];
    }
    const message = readFileSync(file);
    const verdicts: SignatureVerdictView[] = [];
    for (const role of ['creator', 'verifier'] as const) {
      let signature: string;
      try {
        signature = readFileSync(`${file}.${role}.sig`, 'utf8');
      } catch {
        verdicts.push({ role, principal: '', ok: false, fingerprint: null, reason: `no ${role} signature (${file}.${role}.sig)` });
        continue;
      }
      const principal = principalOfSignature(signature, signers);
      if (!principal) {
        verdicts.push({ role, principal: '', ok: false, fingerprint: null, reason: `signed with a key that ${allowedSignersFile} does not name` });
        continue;
      }
      const v = await verifyPersonalSignature(message, signature, principal, signers);
      verdicts.push(v.ok ? { role, principal, ok: true, fingerprint: v.fingerprint, reason: null } : { role, principal, ok: false, fingerprint: null, reason: v.reason });
    }
    return verdicts;
  }

  /**
   * Checks an exported file against its .sig with the keys an allowed_signers file names for the log's
   * namespace — the one shipped beside the export, or one the team keeps — never a key read from this
   * database (which anyone who can edit it could swap).
   */
  verifyExport(file: string, options: { signatureFile?: string; allowedSignersFile?: string } = {}): SshsigVerdict {
    const signatureFile = options.signatureFile ?? `${file}.sig`;
    const allowedSignersFile = options.allowedSignersFile ?? join(dirname(file), 'allowed_signers');
    let message: Buffer;
    let signature: string;
    let signers: string;
    try {
      [message, signature, signers] = [readFileSync(file), readFileSync(signatureFile, 'utf8'), readFileSync(allowedSignersFile, 'utf8')];
    } catch (error) {
      return { ok: false, reason: `cannot read ${(error as NodeJS.ErrnoException).path ?? file}` };
    }
    const keys = trustedKeys(signers);
    if (!keys.length) return { ok: false, reason: `${allowedSignersFile} names no key for the ${LOG_NAMESPACE} namespace` };
    const verdicts = keys.map((key) => verifySshsig(message, signature, key));
    return verdicts.find((v) => v.ok) ?? verdicts.find((v) => !v.ok && !v.reason.startsWith('signed with a key')) ?? { ok: false, reason: `signed with a key that ${allowedSignersFile} does not name` };
  }

  /** Only what the intact chain vouches for reaches the log: the trail, then every row the log is built from. */
  private checkEvidence(runId: string): void {
    const { audit, runs, artifacts, signOffs, db } = this.deps;
    const chain = audit.verify();
    if (!chain.ok) throw new WardenError('TAMPERED', `The audit trail is broken (${chain.reason}), so the evidence it vouches for cannot be trusted: the log is not exported. Run \`backup-warden audit verify\` and keep the database for investigation.`);
    checkFacts(db, runId, [...runs.facts(runId), ...signOffs.facts(runId), ...artifacts.facts(runId)]);
  }

  /** The log's data; after checkEvidence. */
  private collect(runId: string, generatedAt: string, creator: DocumentSigner | null, auditHead: { seq: number; hash: string } | null): LogData {
    const { projects, runs } = this.deps;
    const run = runs.get(runId);
    const backup = this.deps.artifacts.backup(runId);
    const items = runs.items(runId);
    const evidence = <T>(key: string): T | null => (items.find((i) => i.key === key)?.evidence as T | null) ?? null;
    // Absent until run (a failure's evidence has no checks): the log then says NOT RUN, and only an override signs it.
    const report = <T extends { checks?: unknown }>(key: string): T | null => (evidence<T>(key)?.checks ? evidence<T>(key) : null);
    const integrity = report<VerifyReport>('integrity');
    const rehearsal = report<RehearsalReport>('rehearsal');
    return {
      generatedAt,
      project: projects.get(run.project_id),
      run,
      dumpPath: backup.path,
      manifest: backup.manifest,
      items,
      integrity,
      rehearsal,
      platform: evidence<{ platform?: PlatformEvidence }>('prerequisites')?.platform ?? null,
      creator,
      auditHead,
    };
  }
}

/** Creates docs/phase2 under the chosen folder (0755, on purpose), refusing any part of it that is a symbolic link. */
function exportFolder(root: string, dir: string): void {
  let at = root;
  for (const part of relative(root, dir).split(sep)) {
    at = join(at, part);
    let stat;
    try {
      stat = lstatSync(at);
    } catch {
      mkdirSync(at, { mode: 0o755 });
      if (process.platform !== 'win32') chmodSync(at, 0o755);
      continue;
    }
    if (stat.isSymbolicLink() || !stat.isDirectory()) {
      throw new WardenError('FORBIDDEN', `${at} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: the log is written only into real folders under the one chosen. Remove it or choose another folder.`);
    }
  }
}

/** The principal an allowed_signers line gives the key inside this signature. */
function principalOfSignature(signature: string, signers: string): string | null {
  const { publicKey } = signaturePublicKey(signature);
  for (const line of signers.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    if (line.includes(` ${publicKey.split(' ')[1]}`)) return line.split(/\s+/)[0]!;
  }
  return null;
}

/**
 * allowed_signers is shared by every log in the folder (as teams keep one): new lines are added, none
 * removed, through a fresh file renamed into place — never through a link.
 */
function mergeAllowedSigners(file: string, lines: string[]): void {
  let existing = '';
  try {
    const stat = lstatSync(file);
    if (!stat.isFile()) throw new WardenError('FORBIDDEN', `${file} is not a regular file (a link?): the signers are written only into a real file. Remove it and export again.`);
    existing = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const have = new Set(existing.split('\n').map((l) => l.trim()));
  const added = lines.filter((l) => !have.has(l));
  if (!added.length) return;
  replaceFileAtomic(file, (existing && !existing.endsWith('\n') ? existing + '\n' : existing) + added.join('\n') + '\n', 0o644);
}

/** The keys of an allowed_signers file that may sign logs: lines without a namespaces option, or naming ours. */
function trustedKeys(text: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const namespaces = /namespaces="([^"]*)"/.exec(line)?.[1];
    if (namespaces !== undefined && !namespaces.split(',').includes(LOG_NAMESPACE)) continue;
    try {
      keys.push(parseOpenSshPublicKey(line));
    } catch {
      // not an Ed25519 key line: not one of ours
    }
  }
  return keys;
}
