import { createHash, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { PlatformEvidence } from '../../contract/platform';
import type { RehearsalReport, VerifyReport } from '../../contract/verify';
import type { AuditTrail } from '../audit/auditTrail';
import { checkFacts } from '../audit/factChain';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import type { ProjectService } from '../projects/projectService';
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { writeFileAtomic } from '../util/atomicFile';
import { renderLogJson, renderLogMarkdown, suggestedLogPath, type LogData } from './backupLog';
import type { SignOffService } from '../signoff/signoffService';
import type { SigningKeyStore } from './signingKey';
import { LOG_NAMESPACE, parseOpenSshPublicKey, signSshsig, verifySshsig, type SshsigVerdict } from './sshsig';

export interface ExportResult {
  markdownFile: string;
  jsonFile: string;
  signatureFiles: string[];
  allowedSignersFile: string;
  fingerprint: string;
  markdownSha256: string;
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

  /** The log as it would be exported now, for preview; changes nothing. */
  preview(runId: string): { markdown: string; json: string; suggestedPath: string } {
    const data = this.collect(runId);
    return { markdown: renderLogMarkdown(data), json: renderLogJson(data), suggestedPath: suggestedLogPath(data.generatedAt) };
  }

  /** Writes <folder>/docs/phase2/production-backup-log-<date>.{md,json} with .sig files and allowed_signers. */
  async export(runId: string, folder: string): Promise<ExportResult> {
    const { runs, audit, signOffs, signingKey, actor } = this.deps;
    if (!isAbsolute(folder) || !existsSync(folder)) throw new WardenError('VALIDATION', `Export folder ${folder} must be an existing absolute path.`);
    this.checkEvidence(runId);
    const roles = signOffs.list(runId).map((s) => s.role);
    if (!roles.includes('creator') || !roles.includes('verifier')) {
      throw new WardenError('CONFLICT', 'The log is exported after both sign-offs (creator and a different verifier), so that it carries them.');
    }
    const identity = await signingKey.identity();
    runs.setItem(runId, 'log', 'passed', { renderedAt: this.now().toISOString() });
    const data = this.collect(runId);
    const markdown = Buffer.from(renderLogMarkdown(data));
    const json = Buffer.from(renderLogJson(data));
    const markdownFile = join(folder, suggestedLogPath(data.generatedAt));
    const jsonFile = markdownFile.replace(/\.md$/, '.json');
    const allowedSignersFile = join(dirname(markdownFile), 'allowed_signers');
    exportFolder(folder, dirname(markdownFile));
    // Meant for the team's repository: readable by all, on purpose (nothing secret is in them).
    writeFileAtomic(markdownFile, markdown, 0o644);
    writeFileAtomic(jsonFile, json, 0o644);
    writeFileAtomic(`${markdownFile}.sig`, signSshsig(markdown, identity.privateKey), 0o644);
    writeFileAtomic(`${jsonFile}.sig`, signSshsig(json, identity.privateKey), 0o644);
    if (!existsSync(allowedSignersFile)) writeFileAtomic(allowedSignersFile, identity.allowedSigners + '\n', 0o644);
    const markdownSha256 = createHash('sha256').update(markdown).digest('hex');
    const run = runs.get(runId);
    this.deps.artifacts.addLog(runId, markdownFile, markdown.length, markdownSha256);
    audit.append({ actor, action: 'log.exported', projectId: run.project_id, runId, details: { markdownFile, jsonFile, markdownSha256, signer: identity.principal, fingerprint: identity.fingerprint } });
    return { markdownFile, jsonFile, signatureFiles: [`${markdownFile}.sig`, `${jsonFile}.sig`], allowedSignersFile, fingerprint: identity.fingerprint, markdownSha256 };
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

  private collect(runId: string): LogData {
    const { projects, runs, signOffs } = this.deps;
    this.checkEvidence(runId);
    const run = runs.get(runId);
    const backup = this.deps.artifacts.backup(runId);
    const items = runs.items(runId);
    const evidence = <T>(key: string): T | null => (items.find((i) => i.key === key)?.evidence as T | null) ?? null;
    const integrity = evidence<VerifyReport>('integrity');
    const rehearsal = evidence<RehearsalReport>('rehearsal');
    if (!integrity?.checks || !rehearsal?.checks) {
      throw new WardenError('CONFLICT', 'The log is filled from evidence: run the integrity check and the restore rehearsal first.');
    }
    return {
      generatedAt: this.now().toISOString(),
      project: projects.get(run.project_id),
      run,
      dumpPath: backup.path,
      manifest: backup.manifest,
      items,
      integrity,
      rehearsal,
      platform: evidence<{ platform?: PlatformEvidence }>('prerequisites')?.platform ?? null,
      signOffs: signOffs.list(runId),
      auditHead: this.deps.audit.head(),
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
