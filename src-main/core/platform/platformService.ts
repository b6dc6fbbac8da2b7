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
import type { ArtifactStore } from '../runs/artifactStore';
import type { RunStore } from '../runs/runStore';
import { toolsFor } from '../pgtools/discovery';
import { liveAuthUsers } from '../supabase/client';
import { redact, registerSecret } from '../util/redact';
import { parseOrThrow } from '../util/validation';
import { ManagementApi } from './managementApi';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A daily backup is due every 24 h; older than this, the last one was missed. */
const MAX_BACKUP_AGE_HOURS = 26;

/** When a platform backup taken at insertedAt expires, and what that means for the migration window. */
export function retentionWarnings(
  backup: { status: string; insertedAt: string },
  retentionDays: number,
  window: { start: string; end: string },
  projectStatus: string | null,
  now: Date = new Date(),
): { expiresAt: string; warnings: string[] } {
  const expires = Date.parse(backup.insertedAt) + retentionDays * DAY;
  const warnings: string[] = [];
  if (backup.status !== 'COMPLETED') warnings.push(`The platform backup's status is ${backup.status}, not COMPLETED.`);
  const age = now.getTime() - Date.parse(backup.insertedAt);
  if (age > MAX_BACKUP_AGE_HOURS * HOUR) {
    warnings.push(
      `The newest platform backup was taken ${new Date(backup.insertedAt).toISOString()}, ${Math.floor(age / HOUR)} h ago: a daily backup is due every 24 h, so at least one was missed. ` +
        'Look in Dashboard → Database → Backups before the migration; until a fresh one exists, the local encrypted copy is the newest restore point.',
    );
  }
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
    private readonly deps: { audit: AuditTrail; projects: ProjectService; runs: RunStore; artifacts: ArtifactStore; actor: string },
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
    const retention = await this.retention(api, info, request);
    const retentionDays = retention.days;
    const engine = Number.parseInt(info.database?.postgres_engine ?? '', 10);
    const postgresEngine = Number.isFinite(engine) ? engine : null;
    const authUsers = await this.authUsers(runId, project);
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
      postgresEngine,
      retentionSource: retention.source,
      pitrDays: retention.pitrDays,
      ...(authUsers.counts ? { authUsers: authUsers.counts } : {}),
    };
    // The tools follow the platform's major, not only the server seen through a connection.
    if (postgresEngine !== null) {
      const { advice } = await toolsFor(postgresEngine, projects.toolDirs(project.id));
      if (advice) evidence.warnings.push(`Supabase runs this project on PostgreSQL ${postgresEngine} (postgres_engine). ${advice}`);
    }
    if (authUsers.counts) {
      const { inBackup, live } = authUsers.counts;
      if (inBackup === null && live > 0) {
        evidence.warnings.push(`Supabase Auth has ${live} users, but the backup holds no auth.users table: its users would not come back. Back up with the auth schema included.`);
      } else if (inBackup !== null && Math.abs(live - inBackup) > Math.max(10, live * 0.1)) {
        evidence.warnings.push(`Supabase Auth has ${live} users now, the backup's auth.users ${inBackup}: more than 10% apart. Find out why (users deleted or imported since the backup, or another project) before the migration.`);
      }
    }
    for (const s of health.filter((x) => !x.healthy)) {
      evidence.warnings.push(`Supabase reports its ${s.name} service ${s.status}${s.error ? ` (${redact(s.error).slice(0, 200)})` : ''}: wait until it is healthy before the migration, and check again.`);
    }
    runs.setItem(runId, 'prerequisites', evidence.warnings.length ? 'failed' : 'passed', { platform: evidence });
    this.log(run.project_id, runId, 'platform.checked', { ...evidence, ok: evidence.warnings.length === 0, ...(authUsers.unreadable ? { authUsersUnreadable: authUsers.unreadable } : {}) });
    return evidence;
  }

  /**
   * Daily-backup retention from the organization's entitlement (backup.retention_days) where the token may
   * read it, else the plan table; a retention the operator gave wins. The PITR add-on's window (pitr_N), if any.
   */
  private async retention(api: ManagementApi, info: { ref: string; organization_slug?: string }, request: { plan: keyof typeof defaultRetentionDays; retentionDays?: number }): Promise<{ days: number; source: string; pitrDays: number | null }> {
    const plan = `the plan table (${request.plan}: ${defaultRetentionDays[request.plan]} days)`;
    let result = request.retentionDays !== undefined ? { days: request.retentionDays, source: 'given by the operator' } : { days: defaultRetentionDays[request.plan], source: plan };
    if (request.retentionDays === undefined) {
      try {
        if (!info.organization_slug) throw new Error('the project names no organization');
        const e = (await api.entitlements(info.organization_slug, info.ref)).entitlements.find((x) => x.feature.key === 'backup.retention_days');
        if (e?.hasAccess && e.config?.value) result = { days: e.config.value, source: `the organization's entitlement backup.retention_days` };
        else result = { days: result.days, source: `${plan}; the organization's backup.retention_days entitlement grants none` };
      } catch (error) {
        result = { days: result.days, source: `${plan}; entitlements not readable (${redact(error instanceof Error ? error.message : String(error)).slice(0, 160)})` };
      }
    }
    let pitrDays: number | null = null;
    try {
      const variant = (await api.addons(info.ref)).selected_addons.find((a) => a.type === 'pitr')?.variant.id ?? '';
      pitrDays = /^pitr_(\d+)$/.test(variant) ? Number(variant.slice(5)) : null;
    } catch {
      pitrDays = null; // add-ons not readable with this token: the backups listing's pitr_enabled still says whether PITR is on
    }
    return { ...result, pitrDays };
  }

  /** auth.users in the run's backup against Supabase Auth's live total: only with a backup and a stored service-role key. */
  private async authUsers(runId: string, project: { id: string; supabaseRef: string | null; apiUrl: string | null }): Promise<{ counts?: { inBackup: number | null; live: number }; unreadable?: string }> {
    const manifest = this.deps.artifacts.findBackup(runId)?.manifest;
    if (!manifest) return {};
    const key = await this.deps.projects.serviceRoleKey(project.id);
    if (!key) return {};
    try {
      const live = await liveAuthUsers(project.apiUrl ?? `https://${project.supabaseRef}.supabase.co`, key);
      return { counts: { inBackup: manifest.tables.find((t) => t.schema === 'auth' && t.name === 'users')?.rows ?? null, live } };
    } catch (error) {
      return { unreadable: redact(error instanceof Error ? error.message : String(error)).slice(0, 200) };
    }
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
