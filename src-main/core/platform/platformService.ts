import {
  defaultRetentionDays,
  platformAttestationSchema,
  platformCheckRequestSchema,
  type PlatformAttestation,
  type PlatformCheckRequest,
  type PlatformEvidence,
  type SupabaseLookup,
} from '../../contract/platform';
import type { AuditTrail } from '../audit/auditTrail';
import { WardenError } from '../errors';
import type { ProjectService } from '../projects/projectService';
import type { RunStore } from '../runs/runStore';
import { redact, registerSecret } from '../util/redact';
import { parseOrThrow } from '../util/validation';
import { ManagementApi } from './managementApi';

const DAY = 86_400_000;

/** When a platform backup taken at insertedAt expires, and what that means for the migration window. */
export function retentionWarnings(
  backup: { status: string; insertedAt: string },
  retentionDays: number,
  window: { start: string; end: string },
  projectStatus: string | null,
): { expiresAt: string; warnings: string[] } {
  const expires = Date.parse(backup.insertedAt) + retentionDays * DAY;
  const warnings: string[] = [];
  if (backup.status !== 'COMPLETED') warnings.push(`The platform backup's status is ${backup.status}, not COMPLETED.`);
  if (expires <= Date.parse(window.end)) {
    warnings.push(
      `The platform backup expires on ${new Date(expires).toISOString()} (${retentionDays}-day retention), ${expires < Date.parse(window.start) ? 'before' : 'during'} the migration window ` +
        `(${window.start} – ${window.end}). Take a newer platform backup or move the window; until then the local encrypted copy is the only fallback.`,
    );
  }
  if (projectStatus !== null && projectStatus !== 'ACTIVE_HEALTHY') warnings.push(`The Supabase project's status is ${projectStatus}, not ACTIVE_HEALTHY.`);
  return { expiresAt: new Date(expires).toISOString(), warnings };
}

/**
 * The platform side of the prerequisites: Supabase's own daily backup. Read through the Management
 * API where a token allows it (evidence "verified"), otherwise vouched for by the operator ("attested").
 */
export class PlatformService {
  constructor(
    private readonly deps: { audit: AuditTrail; projects: ProjectService; runs: RunStore; actor: string },
    private readonly apiBaseUrl?: string,
  ) {}

  /**
   * A Supabase project's connection forms (direct host, session pooler) and PostgreSQL major, to fill a
   * profile with. The token is the one typed for this lookup, or the project's stored one; it is used
   * for these two requests only and never stored here.
   */
  async lookup(ref: string, auth: { token?: string; projectId?: string }): Promise<SupabaseLookup> {
    const token = auth.token ?? (auth.projectId ? await this.deps.projects.managementToken(auth.projectId) : null);
    if (!token) throw new WardenError('VALIDATION', 'Give a Management API token (Supabase dashboard → Account → Access Tokens) to look the project up.');
    registerSecret(token);
    const api = new ManagementApi({ baseUrl: this.apiBaseUrl, token });
    const [info, poolers] = await Promise.all([api.getProject(ref), api.listPoolers(ref)]);
    const primary = poolers.find((p) => p.database_type === 'PRIMARY') ?? poolers[0];
    const engine = Number.parseInt(info.database?.postgres_engine ?? info.database?.version ?? '', 10);
    this.deps.audit.append({ actor: this.deps.actor, action: 'supabase.looked-up', projectId: auth.projectId ?? null, details: { ref, region: info.region, postgresMajor: Number.isFinite(engine) ? engine : null } });
    return {
      ref: info.ref,
      name: info.name,
      region: info.region,
      postgresMajor: Number.isFinite(engine) ? engine : null,
      direct: { host: info.database?.host ?? `db.${ref}.supabase.co`, port: 5432, database: 'postgres', user: 'postgres' },
      // Session mode is the pooler host on port 5432; the API reports the configured (often transaction-mode) port.
      sessionPooler: primary ? { host: primary.db_host, port: 5432, database: primary.db_name, user: primary.db_user } : null,
    };
  }

  async check(runId: string, raw: PlatformCheckRequest): Promise<PlatformEvidence> {
    const { projects, runs } = this.deps;
    const request = parseOrThrow(platformCheckRequestSchema, raw, 'platform check');
    const run = runs.get(runId);
    const project = projects.get(run.project_id);
    if (!project.supabaseRef) {
      throw new WardenError('VALIDATION', `Project "${project.name}" has no Supabase project ref. Add it in the project settings, or attest the platform backup by hand.`);
    }
    const token = await projects.managementToken(project.id);
    if (!token) {
      throw new WardenError('NOT_FOUND', `Project "${project.name}" has no Management API token. Add one in the project settings, or attest the platform backup by hand.`);
    }
    const api = new ManagementApi({ baseUrl: this.apiBaseUrl, token });
    const info = await api.getProject(project.supabaseRef);
    const list = await api.listBackups(project.supabaseRef);
    const health = await api.health(project.supabaseRef);
    const latest = list.backups.filter((b) => b.status === 'COMPLETED').sort((a, b) => Date.parse(b.inserted_at) - Date.parse(a.inserted_at))[0];
    if (!latest) {
      const evidence = { source: 'management-api', projectRef: info.ref, backups: list.backups.length, pitrEnabled: list.pitr_enabled };
      const error = `Supabase lists no COMPLETED backup for project ${info.ref} (${list.backups.length} backups in other states). Wait for the daily backup or take one in the dashboard, then check again.`;
      runs.setItem(runId, 'prerequisites', 'failed', { error });
      this.log(run.project_id, runId, 'platform.checked', { ...evidence, ok: false });
      throw new WardenError('NOT_FOUND', error);
    }
    const retentionDays = request.retentionDays ?? defaultRetentionDays[request.plan];
    const evidence: PlatformEvidence = {
      mode: 'verified',
      source: 'management-api',
      projectRef: info.ref,
      projectStatus: info.status,
      postgres: info.database?.version ?? null,
      backupId: String(latest.id ?? latest.inserted_at),
      backupStatus: latest.status,
      insertedAt: new Date(latest.inserted_at).toISOString(),
      physical: latest.is_physical_backup,
      pitrEnabled: list.pitr_enabled,
      retentionDays,
      migrationWindow: request.migrationWindow,
      ...retentionWarnings({ status: latest.status, insertedAt: latest.inserted_at }, retentionDays, request.migrationWindow, info.status),
      services: health.map(({ name, healthy, status }) => ({ name, healthy, status })),
    };
    for (const s of health.filter((x) => !x.healthy)) {
      evidence.warnings.push(`Supabase reports its ${s.name} service ${s.status}${s.error ? ` (${redact(s.error).slice(0, 200)})` : ''}: wait until it is healthy before the migration, and check again.`);
    }
    runs.setItem(runId, 'prerequisites', evidence.warnings.length ? 'failed' : 'passed', { platform: evidence });
    this.log(run.project_id, runId, 'platform.checked', { ...evidence, ok: evidence.warnings.length === 0 });
    return evidence;
  }

  /** Without a token or permission: the operator states the platform backup, and the evidence says so. */
  attest(runId: string, raw: PlatformAttestation): PlatformEvidence {
    const { runs } = this.deps;
    const a = parseOrThrow(platformAttestationSchema, raw, 'platform backup attestation');
    const run = runs.get(runId);
    const retentionDays = a.retentionDays ?? defaultRetentionDays[a.plan];
    const evidence: PlatformEvidence = {
      mode: 'attested',
      source: 'operator',
      projectRef: null,
      projectStatus: null,
      postgres: null,
      backupId: a.backupId,
      backupStatus: a.status,
      insertedAt: new Date(a.insertedAt).toISOString(),
      physical: null,
      pitrEnabled: null,
      retentionDays,
      migrationWindow: a.migrationWindow,
      attestedBy: a.attestedBy,
      note: a.note,
      ...retentionWarnings({ status: a.status, insertedAt: a.insertedAt }, retentionDays, a.migrationWindow, null),
    };
    if (evidence.warnings.length) runs.setItem(runId, 'prerequisites', 'failed', { platform: evidence });
    else runs.attestItem(runId, 'prerequisites', a.attestedBy, a.note, { platform: evidence });
    this.log(run.project_id, runId, 'platform.attested', { ...evidence, ok: evidence.warnings.length === 0 });
    return evidence;
  }

  private log(projectId: string, runId: string, action: string, details: Record<string, unknown>): void {
    this.deps.audit.append({ actor: this.deps.actor, action, projectId, runId, details });
  }
}
