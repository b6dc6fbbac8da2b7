import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { randomUUID } from 'node:crypto';
import {
  projectIdSchema,
  projectInputSchema,
  projectPatchSchema,
  type ConnectionReport,
  type ProjectFields,
  type ProjectView,
} from '../../contract/project';
import { unverifiedSslModes, unverifiedTlsWarning } from '../../contract/constants';
import type { AuditTrail } from '../audit/auditTrail';
import type { Db } from '../db/database';
import { WardenError } from '../errors';
import { describeTarget, type PgTarget } from '../pg/connect';
import { registerSecret } from '../util/redact';
import { parseOrThrow } from '../util/validation';
import { secretRef, type SecretKind, type SecretStore } from '../vault/vault';
import { checkToolsDir } from '../pgtools/discovery';
import type { SettingsStore } from '../settings/settingsStore';
import { testConnection } from './connectionTest';

interface ProjectRow {
  id: string;
  name: string;
  environment: ProjectView['environment'];
  supabase_ref: string | null;
  db_host: string;
  db_port: number;
  db_name: string;
  db_user: string;
  sslmode: ProjectView['sslmode'];
  ssl_root_cert: string | null;
  pg_tools_dir: string | null;
  key_escrowed_at: string | null;
  storage_bucket: string | null;
  expected_tables: string;
  extra_recipients: string;
  exclude_schemas: string;
  exclude_buckets: string;
  api_url: string | null;
  sample_checks: string;
  age_recipient: string | null;
  age_identity_ref: string | null;
  db_password_ref: string | null;
  management_token_ref: string | null;
  notify_webhook_ref: string | null;
  service_role_key_ref: string | null;
  created_at: string;
  updated_at: string;
}

type SecretChanges = { dbPassword?: string | null; managementToken?: string | null; notifyWebhook?: string | null; serviceRoleKey?: string | null };
type SecretRefs = { dbPasswordRef: string | null; managementTokenRef: string | null; notifyWebhookRef: string | null; serviceRoleKeyRef: string | null };
const SECRET_FIELDS = [
  ['dbPassword', 'db-password', 'db_password_ref', 'dbPasswordRef'],
  ['managementToken', 'management-token', 'management_token_ref', 'managementTokenRef'],
  ['notifyWebhook', 'notify-webhook', 'notify_webhook_ref', 'notifyWebhookRef'],
  ['serviceRoleKey', 'service-role-key', 'service_role_key_ref', 'serviceRoleKeyRef'],
] as const satisfies readonly (readonly [keyof SecretChanges, SecretKind, keyof ProjectRow, keyof SecretRefs])[];

/** Project profiles: non-secret fields in SQLite, secrets in the vault, every change in the audit trail. */
export class ProjectService {
  constructor(
    private readonly db: Db,
    private readonly vault: SecretStore,
    private readonly audit: AuditTrail,
    private readonly actor: string,
    private readonly settings: SettingsStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(): ProjectView[] {
    return (this.db.prepare('SELECT * FROM projects ORDER BY name').all() as ProjectRow[]).map(toView);
  }

  get(id: string): ProjectView {
    return toView(this.row(id));
  }

  async create(raw: unknown): Promise<ProjectView> {
    const { secrets, ...fields } = parseOrThrow(projectInputSchema, raw, 'project profile');
    this.assertNameFree(fields.name);
    if (fields.pgToolsDir) checkToolsDir(fields.pgToolsDir);
    const id = randomUUID();
    const at = this.now().toISOString();
    const refs = await this.applySecrets(id, secrets, {}, endpointOf(fields));
    try {
      this.db
        .prepare(
          `INSERT INTO projects (id, name, environment, supabase_ref, db_host, db_port, db_name, db_user, sslmode, ssl_root_cert, pg_tools_dir,
             storage_bucket, expected_tables, extra_recipients, exclude_schemas, exclude_buckets, api_url, sample_checks, db_password_ref,
             management_token_ref, notify_webhook_ref, service_role_key_ref, created_at, updated_at)
           VALUES (@id, @name, @environment, @supabaseRef, @host, @port, @database, @user, @sslmode, @sslRootCert, @pgToolsDir, @storageBucket,
             @expectedTables, @extraRecipients, @excludeSchemas, @excludeBuckets, @apiUrl, @sampleChecks, @dbPasswordRef, @managementTokenRef,
             @notifyWebhookRef, @serviceRoleKeyRef, @at, @at)`,
        )
        .run({ id, at, ...toColumns(fields), ...refs });
    } catch (error) {
      // The row is the only thing that points at the secrets: without it they must not linger in the keychain.
      await this.dropSecrets(id);
      throw error;
    }
    this.audit.append({
      actor: this.actor,
      action: 'project.created',
      projectId: id,
      details: { ...auditFields(fields), secretsSet: secretNames(secrets) },
    });
    this.auditUnverifiedTls(id, fields.sslmode);
    return this.get(id);
  }

  async update(id: string, raw: unknown): Promise<ProjectView> {
    const current = this.row(id);
    const { secrets, ...changes } = parseOrThrow(projectPatchSchema, raw, 'project changes');
    if (changes.name !== undefined && changes.name.toLowerCase() !== current.name.toLowerCase()) this.assertNameFree(changes.name);
    if (changes.pgToolsDir) checkToolsDir(changes.pgToolsDir);
    const merged: ProjectFields = { ...fieldsOf(current), ...stripUndefined(changes) };
    const before = endpointOf(fieldsOf(current));
    const after = endpointOf(merged);
    // The password is bound to the endpoint it was entered for: a new endpoint needs it again.
    if (before !== after && current.db_password_ref && secrets?.dbPassword === undefined) {
      throw new WardenError(
        'VALIDATION',
        `Changing the database endpoint from ${before} to ${after} needs the database password again: the stored one was entered for ${before} and is never sent anywhere else. Give the password with the change.`,
      );
    }
    const refs = await this.applySecrets(
      id,
      secrets ?? {},
      { dbPasswordRef: current.db_password_ref, managementTokenRef: current.management_token_ref, notifyWebhookRef: current.notify_webhook_ref, serviceRoleKeyRef: current.service_role_key_ref },
      after,
    );
    this.db
      .prepare(
        `UPDATE projects SET name=@name, environment=@environment, supabase_ref=@supabaseRef, db_host=@host, db_port=@port,
           db_name=@database, db_user=@user, sslmode=@sslmode, ssl_root_cert=@sslRootCert, pg_tools_dir=@pgToolsDir, storage_bucket=@storageBucket, expected_tables=@expectedTables,
           extra_recipients=@extraRecipients, exclude_schemas=@excludeSchemas, exclude_buckets=@excludeBuckets, api_url=@apiUrl, sample_checks=@sampleChecks,
           db_password_ref=@dbPasswordRef, management_token_ref=@managementTokenRef, notify_webhook_ref=@notifyWebhookRef, service_role_key_ref=@serviceRoleKeyRef,
           updated_at=@at WHERE id=@id`,
      )
      .run({ id, at: this.now().toISOString(), ...toColumns(merged), ...refs });
    this.audit.append({
      actor: this.actor,
      action: 'project.updated',
      projectId: id,
      details: {
        changed: auditFields(stripUndefined(changes)),
        secretsSet: secretNames(secrets ?? {}, (v) => typeof v === 'string'),
        secretsRemoved: secretNames(secrets ?? {}, (v) => v === null),
      },
    });
    if (before !== after) this.audit.append({ actor: this.actor, action: 'project.endpoint-changed', projectId: id, details: { before, after } });
    if (changes.sslmode !== undefined && changes.sslmode !== current.sslmode) this.auditUnverifiedTls(id, changes.sslmode);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const row = this.row(id);
    const runs = (this.db.prepare('SELECT count(*) AS n FROM runs WHERE project_id = ?').get(id) as { n: number }).n;
    if (runs > 0) {
      throw new WardenError('CONFLICT', `Project "${row.name}" has ${runs} backup run(s) on record; it cannot be deleted while its history is kept.`);
    }
    await this.dropSecrets(id);
    await this.vault.delete(secretRef(id, 'age-identity'));
    this.db.prepare('DELETE FROM projects WHERE id = ?').run(id);
    this.audit.append({ actor: this.actor, action: 'project.deleted', projectId: id, details: { name: row.name } });
  }

  /** For core use only (backup, connection test): the profile with its password from the vault. */
  async target(id: string): Promise<PgTarget> {
    const row = this.row(id);
    return {
      host: row.db_host, port: row.db_port, database: row.db_name, user: row.db_user,
      password: await this.dbPassword(row),
      sslmode: row.sslmode, sslRootCert: row.ssl_root_cert,
    };
  }

  /**
   * The database password, only for the endpoint it was entered for. It is kept in the keychain with
   * that endpoint, so a profile whose host, port, database or user changed behind the app's back (one
   * SQLite UPDATE) never sends it to the new place.
   */
  private async dbPassword(row: ProjectRow): Promise<string | null> {
    const stored = await this.readSecret(row, 'db_password_ref', 'database password');
    if (stored === null) return null;
    const endpoint = endpointOf(fieldsOf(row));
    const bound = parseBoundPassword(stored);
    if (!bound) {
      // Stored before passwords were bound (issue 13): bound now to the endpoint the profile names.
      await this.vault.set(row.db_password_ref!, JSON.stringify({ endpoint, password: stored }));
      this.audit.append({ actor: this.actor, action: 'project.password-bound', projectId: row.id, details: { endpoint } });
      return stored;
    }
    registerSecret(bound.password);
    if (bound.endpoint !== endpoint) {
      this.audit.append({ actor: this.actor, action: 'project.password-withheld', projectId: row.id, details: { enteredFor: bound.endpoint, profileNames: endpoint } });
      throw new WardenError(
        'FORBIDDEN',
        `The database password of project "${row.name}" was entered for ${bound.endpoint}, but the profile now names ${endpoint}; it is not sent there. ` +
          'If the change is yours, enter the password again in the project settings (CLI: project edit --password-stdin).',
      );
    }
    return bound.password;
  }

  /** A profile that does not verify the server is the operator's explicit choice, and on record. */
  private auditUnverifiedTls(id: string, sslmode: ProjectFields['sslmode']): void {
    if (unverifiedSslModes.includes(sslmode)) {
      this.audit.append({ actor: this.actor, action: 'project.tls-unverified', projectId: id, details: { sslmode, warning: unverifiedTlsWarning } });
    }
  }

  /** Where to look first for this project's PostgreSQL tools: its own folder, then the installation's. */
  toolDirs(id: string): string[] {
    return [this.row(id).pg_tools_dir, this.settings.get().pgToolsDir].filter((d): d is string => d !== null);
  }

  /** For core use only: the Management API token, or null when none is set. */
  managementToken(id: string): Promise<string | null> {
    return this.readSecret(this.row(id), 'management_token_ref', 'Management API token');
  }

  /** For core use only: the team notification webhook URL, or null when none is set. */
  notifyWebhook(id: string): Promise<string | null> {
    return this.readSecret(this.row(id), 'notify_webhook_ref', 'notification webhook');
  }

  /** The Supabase service-role key, for Storage; null when none is stored. */
  serviceRoleKey(id: string): Promise<string | null> {
    return this.readSecret(this.row(id), 'service_role_key_ref', 'service-role key');
  }

  private async readSecret(row: ProjectRow, column: 'db_password_ref' | 'management_token_ref' | 'notify_webhook_ref' | 'service_role_key_ref', label: string): Promise<string | null> {
    const ref = row[column];
    if (!ref) return null;
    const value = await this.vault.get(ref);
    if (value === null) throw new WardenError('NOT_FOUND', `The ${label} of project "${row.name}" is missing from the keychain. Enter it again in the project's settings.`);
    return value;
  }

  /**
   * The project's backup key pair: identity in the keychain, recipient in SQLite. Backups create it on
   * first use; verify and restore pass create: false, since a new key could not open an old backup.
   */
  async backupKey(id: string, options: { create: boolean } = { create: true }): Promise<{ recipient: string; identity: string }> {
    const row = this.row(id);
    if (row.age_identity_ref && row.age_recipient) {
      const identity = await this.vault.get(row.age_identity_ref);
      if (identity === null) {
        throw new WardenError(
          'NOT_FOUND',
          `The backup key of project "${row.name}" is missing from the keychain. Backups encrypted to it open only with an extra recipient's key; restore the key from its escrow copy before backing up again.`,
        );
      }
      return { recipient: row.age_recipient, identity };
    }
    if (!options.create) {
      throw new WardenError('NOT_FOUND', `Project "${row.name}" has no backup key yet, so it has no backups to open.`);
    }
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const ref = secretRef(id, 'age-identity');
    await this.vault.set(ref, identity);
    this.db.prepare('UPDATE projects SET age_recipient = ?, age_identity_ref = ? WHERE id = ?').run(recipient, ref, id);
    this.audit.append({ actor: this.actor, action: 'project.backup-key-created', projectId: id, details: { recipient } });
    return { recipient, identity };
  }

  /** Tests the connection; with confirmTables, the public tables it found become the expected list (the operator's confirmation, audited). */
  async testConnection(id: string, options: { confirmTables?: boolean } = {}): Promise<ConnectionReport> {
    const target = await this.target(id);
    try {
      const found = await testConnection(target, this.toolDirs(id));
      const { publicTables, tools, ...facts } = found;
      this.audit.append({ actor: this.actor, action: 'project.connection-tested', projectId: id, details: { ok: true, ...facts, tools: tools.map((t) => `${t.tool} ${t.version ?? 'missing'}${t.usable ? '' : ' (does not fit)'}`) } });
      if (options.confirmTables) {
        if (!publicTables.length) throw new WardenError('VALIDATION', 'The database has no tables in public to confirm as the expected list.');
        this.db.prepare('UPDATE projects SET expected_tables = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(publicTables), this.now().toISOString(), id);
        this.audit.append({ actor: this.actor, action: 'project.expected-tables-confirmed', projectId: id, details: { count: publicTables.length, from: describeTarget(target), tables: publicTables } });
      }
      return { ...found, tablesConfirmed: options.confirmTables === true };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.audit.append({ actor: this.actor, action: 'project.connection-tested', projectId: id, details: { ok: false, error: message } });
      throw error;
    }
  }

  private row(id: string): ProjectRow {
    parseOrThrow(projectIdSchema, id, 'project id');
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) throw new WardenError('NOT_FOUND', `No project with id ${id}. It may have been deleted; reload the project list.`);
    return row;
  }

  private assertNameFree(name: string): void {
    if (this.db.prepare('SELECT 1 FROM projects WHERE name = ? COLLATE NOCASE').get(name)) {
      throw new WardenError('CONFLICT', `A project named "${name}" already exists. Choose another name.`);
    }
  }

  /** Writes/removes secrets in the vault and returns the references the row should hold. */
  private async applySecrets(id: string, secrets: SecretChanges, current: Partial<SecretRefs>, endpoint: string): Promise<SecretRefs> {
    const out: SecretRefs = { dbPasswordRef: null, managementTokenRef: null, notifyWebhookRef: null, serviceRoleKeyRef: null, ...current };
    for (const [field, kind, , key] of SECRET_FIELDS) {
      const value = secrets[field];
      if (typeof value === 'string') {
        await this.vault.set(secretRef(id, kind), field === 'dbPassword' ? JSON.stringify({ endpoint, password: value }) : value);
        out[key] = secretRef(id, kind);
      } else if (value === null) {
        await this.vault.delete(secretRef(id, kind));
        out[key] = null;
      }
    }
    return out;
  }

  private async dropSecrets(id: string): Promise<void> {
    for (const [, kind] of SECRET_FIELDS) await this.vault.delete(secretRef(id, kind));
  }
}

/** The endpoint a database password belongs to. */
const endpointOf = (f: Pick<ProjectFields, 'host' | 'port' | 'database' | 'user'>): string => describeTarget(f);

function parseBoundPassword(stored: string): { endpoint: string; password: string } | null {
  if (!stored.startsWith('{')) return null;
  try {
    const v = JSON.parse(stored) as { endpoint?: unknown; password?: unknown };
    return typeof v.endpoint === 'string' && typeof v.password === 'string' ? { endpoint: v.endpoint, password: v.password } : null;
  } catch {
    return null;
  }
}

function toView(row: ProjectRow): ProjectView {
  return {
    id: row.id,
    ...fieldsOf(row),
    ageRecipient: row.age_recipient,
    keyEscrowedAt: row.key_escrowed_at,
    hasDbPassword: row.db_password_ref !== null,
    hasManagementToken: row.management_token_ref !== null,
    hasServiceRoleKey: row.service_role_key_ref !== null,
    hasNotifyWebhook: row.notify_webhook_ref !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function fieldsOf(row: ProjectRow): ProjectFields {
  return {
    name: row.name,
    environment: row.environment,
    supabaseRef: row.supabase_ref,
    host: row.db_host,
    port: row.db_port,
    database: row.db_name,
    user: row.db_user,
    sslmode: row.sslmode,
    sslRootCert: row.ssl_root_cert,
    pgToolsDir: row.pg_tools_dir,
    storageBucket: row.storage_bucket,
    expectedTables: JSON.parse(row.expected_tables) as string[],
    extraRecipients: JSON.parse(row.extra_recipients) as string[],
    excludeSchemas: JSON.parse(row.exclude_schemas) as string[],
    excludeBuckets: JSON.parse(row.exclude_buckets) as string[],
    apiUrl: row.api_url,
    sampleChecks: JSON.parse(row.sample_checks) as ProjectFields['sampleChecks'],
  };
}

/** Fields as SQLite stores them: lists as JSON text. */
function toColumns(fields: ProjectFields): Record<string, unknown> {
  return {
    ...fields,
    expectedTables: JSON.stringify(fields.expectedTables),
    extraRecipients: JSON.stringify(fields.extraRecipients),
    excludeSchemas: JSON.stringify(fields.excludeSchemas),
    excludeBuckets: JSON.stringify(fields.excludeBuckets),
    sampleChecks: JSON.stringify(fields.sampleChecks),
  };
}

/** The audit keeps what changed, but the long table list only as a count. */
function auditFields(fields: Partial<ProjectFields>): Record<string, unknown> {
  const { expectedTables, ...rest } = fields;
  return expectedTables === undefined ? rest : { ...rest, expectedTableCount: expectedTables.length };
}

function secretNames(secrets: SecretChanges, keep: (v: string | null | undefined) => boolean = (v) => typeof v === 'string'): string[] {
  return SECRET_FIELDS.filter(([field]) => keep(secrets[field])).map(([, kind]) => kind);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
