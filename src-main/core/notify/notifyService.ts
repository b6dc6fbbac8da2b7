import type { AuditTrail } from '../audit/auditTrail';
import { WardenError } from '../errors';
import type { ProjectService } from '../projects/projectService';
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { redact } from '../util/redact';
import type { SignOffService } from '../signoff/signoffService';
import { slackText } from '../util/inertText';

/** Tells the team the backup is verified and signed: through the project's webhook, or as a message to paste. */
export class NotifyService {
  constructor(private readonly deps: { audit: AuditTrail; projects: ProjectService; runs: RunStore; artifacts: ArtifactStore; signOffs: SignOffService; actor: string }) {}

  /** The summary; built from recorded facts only, so it carries no secret. */
  message(runId: string): string {
    const { projects, runs, signOffs } = this.deps;
    const run = runs.get(runId);
    const project = projects.get(run.project_id);
    const { manifest } = this.deps.artifacts.backup(runId);
    const items = runs.items(runId);
    const signed = signOffs.list(runId);
    const state = (key: string) => items.find((i) => i.key === key)?.state ?? 'pending';
    const by = (role: string) => {
      const s = signed.find((x) => x.role === role);
      return s ? `${s.name}${s.fingerprint ? ` (key ${s.fingerprint})` : ''}` : 'not signed';
    };
    // The trail's head leaves the database with the message: whoever keeps it can later check the trail against it.
    const head = this.deps.audit.head();
    return [
      `Backup Warden: pre-migration backup of ${project.name} (${project.environment}) is ${items.filter((i) => i.key !== 'notify').every((i) => i.state === 'passed') ? 'verified and signed off' : 'NOT fully verified'}.`,
      `Backup "${manifest.name}" ${manifest.timings.finishedAt}: ${manifest.totals.publicTables} public tables, ${manifest.totals.rows.toLocaleString('en-US')} rows, SHA-256 ${manifest.files.dump.ciphertextSha256.slice(0, 16)}…`,
      `Integrity: ${state('integrity')}. Restore rehearsal: ${state('rehearsal')}. Created by ${by('creator')}, verified by ${by('verifier')}.`,
      ...(head ? [`Audit trail head: entry ${head.seq}, ${head.hash} (keep this line; \`backup-warden audit verify --head ${head.seq}:${head.hash}\` checks the trail still holds it).`] : []),
    ].join('\n');
  }

  /** POSTs Slack-compatible JSON ({"text": …}) to the project's webhook; the item passes on a 2xx answer. */
  async send(runId: string): Promise<{ status: number }> {
    const { projects, runs, audit, actor } = this.deps;
    const run = runs.get(runId);
    const url = await projects.notifyWebhook(run.project_id);
    if (!url) throw new WardenError('NOT_FOUND', 'This project has no notification webhook. Add one in the project settings, or copy the message and confirm that you sent it.');
    // The webhook renders Slack formatting: names and text from people stay text (no <!channel>, no links).
    const text = slackText(this.message(runId));
    let status: number;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text }), signal: AbortSignal.timeout(15_000) });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      audit.append({ actor, action: 'notify.failed', projectId: run.project_id, runId, details: { error: redact(error instanceof Error ? error.message : String(error)) } });
      throw new WardenError('CONNECTION', 'Could not reach the notification webhook. Check the network, or copy the message and confirm that you sent it.', { cause: error });
    }
    const ok = status >= 200 && status < 300;
    runs.setItem(runId, 'notify', ok ? 'passed' : 'failed', { channel: 'webhook', status, message: text });
    audit.append({ actor, action: ok ? 'notify.sent' : 'notify.failed', projectId: run.project_id, runId, details: { channel: 'webhook', status } });
    if (!ok) throw new WardenError('CONNECTION', `The notification webhook answered ${status}. Check the webhook in the project settings, or copy the message and confirm that you sent it.`);
    return { status };
  }

  /** The operator sent the message some other way (chat, e-mail) and says so. */
  confirmSent(runId: string, by: string, channel: string): void {
    const { runs, audit, actor } = this.deps;
    const run = runs.get(runId);
    runs.attestItem(runId, 'notify', by, `sent via ${channel}`, { channel, message: this.message(runId) });
    audit.append({ actor, action: 'notify.attested', projectId: run.project_id, runId, details: { by, channel } });
  }
}
