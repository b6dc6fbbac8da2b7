import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { PlatformEvidence } from '../../contract/platform';
import type { RehearsalReport, VerifyReport } from '../../contract/verify';
import type { AuditTrail } from '../audit/auditTrail';
import { WardenError } from '../errors';
import type { ProjectService } from '../projects/projectService';
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { writeFileAtomic } from '../util/atomicFile';
import { renderLogJson, renderLogMarkdown, suggestedLogPath, type LogData } from './backupLog';
import type { SignOffService } from '../signoff/signoffService';
import type { SigningKeyStore } from './signingKey';
import { signSshsig, verifySshsig, type SshsigVerdict } from './sshsig';

export interface ExportResult {
  markdownFile: string;
  jsonFile: string;
  signatureFiles: string[];
  allowedSignersFile: string;
  fingerprint: string;
  markdownSha256: string;
}

interface Deps {
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

  /** Checks an exported file against its .sig with this installation's signing key. */
  verifyExport(file: string, signatureFile = `${file}.sig`): SshsigVerdict {
    const trusted = this.deps.signingKey.publicKey();
    if (!trusted) return { ok: false, reason: 'this installation has not signed any log yet, so it has no key to check against' };
    try {
      return verifySshsig(readFileSync(file), readFileSync(signatureFile, 'utf8'), trusted.key);
    } catch (error) {
      return { ok: false, reason: `cannot read ${(error as NodeJS.ErrnoException).path ?? file}` };
    }
  }

  private collect(runId: string): LogData {
    const { projects, runs, signOffs } = this.deps;
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
