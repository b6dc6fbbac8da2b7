import { z } from 'zod';
import { auditEntrySchema, chainVerdictSchema } from './audit';
import { backupNameSchema, backupRequestSchema, backupResultSchema } from './backup';
import type { IpcMethod } from './methods';
import { platformAttestationSchema, platformCheckRequestSchema, platformEvidenceSchema, supabaseLookupSchema } from './platform';
import { connectionReportSchema, projectIdSchema, projectInputSchema, projectPatchSchema, projectViewSchema } from './project';
import { restorePreviewSchema, restoreRecordSchema } from './restore';
import { runViewSchema } from './runs';
import { evidenceSchemas } from './evidence';
import { settingsPatchSchema, settingsViewSchema } from './settings';
import { reviewResultSchema } from './review';
import { statusReportSchema, statusRequestSchema } from './status';
import { storageBackupResultSchema } from './storage';
import { agentKeySchema, signatureVerdictSchema, signOffRequestSchema, signOffSchema } from './signoff';
import { rehearsalReportSchema, rehearsalTargetSchema, verifyReportSchema } from './verify';

/**
 * The operations catalog: every use case once — its input and output schemas, what it does, whether it
 * changes a run (the app then announces runChanged around it), whether it is a cancellable activity and
 * which lock it holds, what it writes to the audit trail, and its door in each shell. From it come the
 * IPC contract and router, the preload API, the CLI's commands, flag parsing and help
 * (src-main/operations runs the handlers for both shells). Adding an operation is one entry here plus
 * its handler in src-main/operations/handlers.ts.
 */
export interface Operation {
  summary: string;
  input: z.ZodType;
  output: z.ZodType;
  /** The CLI command that is its door, or null with the reason the CLI has none. */
  cli: CliDoor | null;
  noCli?: string;
  /** Its input names a run (runId) that it changes. */
  changesRun?: true;
  /**
   * A long activity: at most one per lock (backups per project, checks per run), stopped by the app's
   * Cancel, the CLI's Ctrl-C / SIGTERM or a `cancel` from another process, removing what it made.
   */
  activity?: ActivityLock;
  /** It cancels the activity holding this lock. */
  cancels?: ActivityLock;
  /** Audit actions the core writes for it. */
  audit?: readonly string[];
}

export interface ActivityLock {
  lock: 'backup' | 'check' | 'restore' | 'storage';
  /** The input field that names what is locked. */
  key: 'projectId' | 'runId' | 'targetProjectId';
}

/**
 * One command-line value and the input field it fills. Its type (number, list, switch, nullable) is read
 * from the operation's input schema, which then validates the whole input exactly as for the app.
 */
export interface CliField {
  /** The input field, as a dotted path (request.migrationWindow.start). */
  to: string;
  /** Placeholder in the usage line. */
  meta?: string;
  /** A project named by its name or id; the CLI passes its id. */
  project?: true;
  /** Where the value comes from instead of the argument: a secret on standard input, a JSON file, a path. */
  read?: 'stdin-secret' | 'json-file' | 'text-file' | 'path' | 'identity-file';
  /** A switch that puts this value in the field (--send → mode "send", --clear-recipients → []). */
  value?: unknown;
  /** Fields set along with it (--staging also sets target.kind to "project"). */
  with?: Record<string, unknown>;
  /** The flag only makes sense with this other flag. */
  requires?: string;
  /** Goes to the call, not the input: CLI-only material that never crosses IPC (an identity file). */
  call?: true;
}

export interface CliDoor {
  command: string;
  /** Positional arguments in order. */
  args?: readonly (CliField & { name: string })[];
  flags?: Readonly<Record<string, CliField>>;
}

const none = z.undefined();
const byId = z.object({ id: projectIdSchema }).strict();
const runId = z.uuid({ message: 'must be a run id (UUID), as "backup" and "runs list" print it' });
const byRun = z.object({ runId }).strict();
/** A folder: in the app one the user picked in this session (main keeps the list and refuses any other). */
const folder = z.string().min(1).max(4096);

const projectArg = (to: 'id' | 'projectId') => ({ name: 'project', to, project: true }) as const;
const runArg = { name: 'run', to: 'runId' } as const;
const projectFlags = (prefix: '' | 'changes.') =>
  ({
    name: { to: `${prefix}name`, meta: 'NAME' },
    env: { to: `${prefix}environment`, meta: 'production|staging|development|local' },
    host: { to: `${prefix}host`, meta: 'HOST' },
    port: { to: `${prefix}port`, meta: 'PORT' },
    db: { to: `${prefix}database`, meta: 'DATABASE' },
    user: { to: `${prefix}user`, meta: 'USER' },
    sslmode: { to: `${prefix}sslmode`, meta: 'MODE' },
    'ca-file': { to: `${prefix}sslRootCert`, meta: 'CA.crt', read: 'text-file' },
    'tools-dir': { to: `${prefix}pgToolsDir`, meta: 'DIR|none' },
    'supabase-ref': { to: `${prefix}supabaseRef`, meta: 'REF' },
    'expected-table': { to: `${prefix}expectedTables`, meta: 'TABLE' },
    'exclude-schema': { to: `${prefix}excludeSchemas`, meta: 'SCHEMA' },
    'exclude-bucket': { to: `${prefix}excludeBuckets`, meta: 'BUCKET' },
    'api-url': { to: `${prefix}apiUrl`, meta: 'URL|none' },
    recipient: { to: `${prefix}extraRecipients`, meta: 'age1…' },
    'sample-checks': { to: `${prefix}sampleChecks`, meta: 'FILE.json', read: 'json-file' },
    'password-stdin': { to: `${prefix}secrets.dbPassword`, read: 'stdin-secret' },
    'service-role-key-stdin': { to: `${prefix}secrets.serviceRoleKey`, read: 'stdin-secret' },
  }) as const satisfies Record<string, CliField>;
/** The signer's own SSH key: a private key file (ssh-keygen reads it) or a key in ssh-agent. */
const signerFlags = (prefix: '' | 'request.') =>
  ({
    'ssh-key': { to: `${prefix}keyFile`, meta: 'PRIVATE-KEY', read: 'path' },
    'agent-key': { to: `${prefix}agentKey`, meta: 'SHA256:…' },
  }) as const satisfies Record<string, CliField>;
const windowFlags = (to: 'request' | 'attestation') =>
  ({
    plan: { to: `${to}.plan`, meta: 'pro|team|enterprise' },
    'window-start': { to: `${to}.migrationWindow.start`, meta: 'ISO' },
    'window-end': { to: `${to}.migrationWindow.end`, meta: 'ISO' },
  }) as const satisfies Record<string, CliField>;

/** A cancel's answer: true once the work has stopped and removed what it made, false when none was running. */
const cancelled = z.boolean();

/** A production restore's second person: the run's verifier by name, or an override with its reason. */
const secondPerson = {
  confirmedBy: z.string().trim().min(2).max(120).optional(),
  overrideReason: z.string().trim().min(10, 'must say why, in at least 10 characters').max(2000).optional(),
};
const secondPersonFlags = {
  'confirmed-by': { to: 'confirmedBy', meta: '"VERIFIER NAME"' },
  override: { to: 'overrideReason', meta: '"REASON"' },
} as const satisfies Record<string, CliField>;

export const operations = {
  listProjects: { summary: 'list the project profiles', input: none, output: z.array(projectViewSchema), cli: { command: 'project list' } },
  getProject: { summary: 'show one project profile (secrets only as "stored in keychain")', input: byId, output: projectViewSchema, cli: { command: 'project show', args: [projectArg('id')] } },
  createProject: {
    summary: 'add a database profile; secrets go to the OS keychain',
    input: projectInputSchema,
    output: projectViewSchema,
    cli: { command: 'project add', flags: projectFlags('') },
    audit: ['project.created'],
  },
  updateProject: {
    summary: 'change a profile: connection, expected tables, excluded schemas, sample checks, extra recipients, secrets ("none" clears the Supabase ref)',
    input: z.object({ id: projectIdSchema, changes: projectPatchSchema }).strict(),
    output: projectViewSchema,
    cli: {
      command: 'project edit',
      args: [projectArg('id')],
      flags: {
        ...projectFlags('changes.'),
        'clear-expected-tables': { to: 'changes.expectedTables', value: [] },
        'clear-exclude-schemas': { to: 'changes.excludeSchemas', value: [] },
        'clear-exclude-buckets': { to: 'changes.excludeBuckets', value: [] },
        'clear-recipients': { to: 'changes.extraRecipients', value: [] },
        'clear-sample-checks': { to: 'changes.sampleChecks', value: [] },
        'system-ca': { to: 'changes.sslRootCert', value: null },
      },
    },
    audit: ['project.updated'],
  },
  deleteProject: {
    summary: 'remove a profile and its secrets from the keychain (repeat its name to confirm)',
    input: z.object({ id: projectIdSchema, confirmName: z.string().max(200) }).strict(),
    output: z.null(),
    cli: { command: 'project remove', args: [projectArg('id')], flags: { confirm: { to: 'confirmName', meta: 'NAME' } } },
    audit: ['project.deleted'],
  },
  testConnection: {
    summary: 'connect, report server version, size, public tables and whether the PostgreSQL tools here fit it; --confirm-tables makes the public tables the expected list',
    input: z.object({ id: projectIdSchema, confirmTables: z.boolean().default(false) }).strict(),
    output: connectionReportSchema,
    cli: { command: 'project test', args: [projectArg('id')], flags: { 'confirm-tables': { to: 'confirmTables', value: true } } },
    audit: ['project.connection-tested', 'project.expected-tables-confirmed'],
  },
  exportRecoveryKey: {
    summary: 'escrow: write the project’s recovery key (its age identity) as a key file (0600) or a printable page into a folder outside the data directory',
    input: z.object({ projectId: projectIdSchema, folder, format: z.enum(['identity-file', 'paper']).default('identity-file') }).strict(),
    output: z.object({ file: z.string(), recipient: z.string() }),
    cli: {
      command: 'key export',
      args: [projectArg('projectId')],
      flags: { out: { to: 'folder', meta: 'DIR', read: 'path' }, paper: { to: 'format', value: 'paper' } },
    },
    audit: ['key.exported'],
  },
  importRecoveryKey: {
    summary: 'put an escrowed recovery key back into this workstation’s keychain (only the project’s own key is accepted)',
    input: z.object({ projectId: projectIdSchema, identity: z.string().min(1).max(10_000) }).strict(),
    output: z.object({ recipient: z.string() }),
    cli: { command: 'key import', args: [projectArg('projectId')], flags: { 'key-stdin': { to: 'identity', read: 'stdin-secret' } } },
    audit: ['key.imported', 'key.import-refused'],
  },
  getStatus: {
    summary:
      'state at a glance: per project the last verified backup, the newest run’s next step, warnings, and the retention watch — exits 1 when a run’s migration window is no longer covered by its platform backup (for cron or CI)',
    input: statusRequestSchema.optional(),
    output: statusReportSchema,
    cli: { command: 'status', flags: { project: { to: 'projectId', meta: 'PROJECT', project: true }, at: { to: 'at', meta: 'ISO' } } },
  },
  listRuns: {
    summary: 'list backup runs, newest first',
    input: z.object({ projectId: projectIdSchema.optional() }).strict(),
    output: z.array(runViewSchema),
    cli: { command: 'runs list', flags: { project: { to: 'projectId', meta: 'PROJECT', project: true } } },
  },
  getRun: { summary: 'show a run: its checklist with each item’s state and evidence', input: byRun, output: runViewSchema, cli: { command: 'runs show', args: [runArg] } },
  pickFolder: {
    summary: 'native folder picker',
    input: z.object({ purpose: z.enum(['backup', 'export', 'review']) }).strict(),
    output: z.string().nullable(),
    cli: null,
    noCli: 'the command line takes folder paths as arguments',
  },
  pickFile: {
    summary: 'native file picker (an SSH private key is passed to ssh-keygen by its path, never read by the app)',
    input: z.object({ purpose: z.enum(['ssh-key', 'backup-file']) }).strict(),
    output: z.string().nullable(),
    cli: null,
    noCli: 'the command line takes file paths as arguments',
  },
  startBackup: {
    summary: 'encrypted backup with manifest, exact row counts, roles and hashes',
    input: z
      .object({
        projectId: projectIdSchema,
        name: backupNameSchema.optional(),
        description: z.string().max(2000).default(''),
        extraRecipients: backupRequestSchema.shape.extraRecipients,
        acknowledgeSingleKey: backupRequestSchema.shape.acknowledgeSingleKey,
        jobs: backupRequestSchema.shape.jobs,
        outputDir: folder,
      })
      .strict(),
    output: backupResultSchema
      .pick({ runId: true, backupId: true, dumpFile: true, manifestFile: true })
      .extend({ publicTables: z.number(), rows: z.number(), ciphertextBytes: z.number(), ciphertextSha256: z.string() }),
    cli: {
      command: 'backup',
      args: [projectArg('projectId')],
      flags: {
        out: { to: 'outputDir', meta: 'DIR', read: 'path' },
        name: { to: 'name', meta: 'NAME' },
        description: { to: 'description', meta: 'TEXT' },
        recipient: { to: 'extraRecipients', meta: 'age1…' },
        'acknowledge-single-key': { to: 'acknowledgeSingleKey', value: true },
        jobs: { to: 'jobs', meta: 'N' },
      },
    },
    activity: { lock: 'backup', key: 'projectId' },
    audit: ['backup.started', 'backup.single-key-acknowledged', 'backup.completed', 'backup.failed', 'backup.cancelled'],
  },
  cancelBackup: {
    summary: 'cancel a running backup of a project, whichever process runs it (Ctrl-C or SIGTERM cancels the command itself)',
    input: z.object({ projectId: projectIdSchema }).strict(),
    output: cancelled,
    cli: { command: 'cancel backup', args: [projectArg('projectId')] },
    cancels: { lock: 'backup', key: 'projectId' },
    audit: ['cancel.requested'],
  },
  checkIntegrity: {
    summary: 'integrity check: hashes, full decrypt, archive listing, expected tables',
    input: byRun,
    output: verifyReportSchema,
    cli: { command: 'verify', args: [runArg], flags: { identity: { to: 'identities', meta: 'FILE', read: 'identity-file', call: true } } },
    changesRun: true,
    activity: { lock: 'check', key: 'runId' },
    audit: ['verify.passed', 'verify.failed', 'verify.cancelled'],
  },
  checkRecovery: {
    summary: 'prove the backup opens without this workstation: a full decryption with a key the operator brings (the escrowed recovery key or a break-glass key), never the keychain’s',
    input: z.object({ runId, key: z.string().min(1).max(20_000) }).strict(),
    output: evidenceSchemas.recovery,
    cli: { command: 'recovery check', args: [runArg], flags: { key: { to: 'key', meta: 'KEY-FILE', read: 'text-file' } } },
    changesRun: true,
    activity: { lock: 'check', key: 'runId' },
    audit: ['recovery.passed', 'recovery.failed', 'recovery.cancelled'],
  },
  cancelCheck: {
    summary: 'cancel a running integrity check, recovery check or rehearsal of a run, whichever process runs it',
    input: byRun,
    output: cancelled,
    cli: { command: 'cancel check', args: [runArg] },
    cancels: { lock: 'check', key: 'runId' },
    audit: ['cancel.requested'],
  },
  rehearse: {
    summary: 'restore into a sandboxed scratch PostgreSQL (or a staging project) and compare with the manifest',
    input: z.object({ runId, amcheck: z.boolean().default(false), target: rehearsalTargetSchema.default({ kind: 'embedded' }) }).strict(),
    output: rehearsalReportSchema,
    cli: {
      command: 'rehearse',
      args: [runArg],
      flags: {
        amcheck: { to: 'amcheck', value: true },
        staging: { to: 'target.projectId', meta: 'PROJECT', project: true, with: { 'target.kind': 'project' } },
        'confirm-clean': { to: 'target.confirmClean', meta: 'DATABASE', requires: 'staging' },
        identity: { to: 'identities', meta: 'FILE', read: 'identity-file', call: true },
      },
    },
    changesRun: true,
    activity: { lock: 'check', key: 'runId' },
    audit: ['rehearsal.started', 'rehearsal.passed', 'rehearsal.partial', 'rehearsal.failed', 'rehearsal.cancelled', 'rehearsal.refused'],
  },
  previewRestore: {
    summary: 'before a rollback: the exact target (host, database, server version) and, per table, rows now vs in the backup and rows newer than it — what a restore would discard',
    input: z.object({ runId, targetProjectId: projectIdSchema }).strict(),
    output: restorePreviewSchema,
    cli: { command: 'restore preview', args: [runArg], flags: { target: { to: 'targetProjectId', meta: 'PROJECT', project: true } } },
  },
  restore: {
    summary: 'roll back: restore a verified backup into a project after a verified safety backup of it, then check every table; production needs the run’s verifier or an override',
    input: z
      .object({
        runId,
        targetProjectId: projectIdSchema,
        confirmDatabase: z.string().max(200),
        /** Also upload the run's Storage archive again (after a safety backup of the target's Storage). */
        withStorage: z.boolean().default(false),
        ...secondPerson,
      })
      .strict(),
    output: restoreRecordSchema,
    cli: {
      command: 'restore',
      args: [runArg],
      flags: {
        target: { to: 'targetProjectId', meta: 'PROJECT', project: true },
        'confirm-database': { to: 'confirmDatabase', meta: 'DATABASE' },
        'with-storage': { to: 'withStorage' },
        ...secondPersonFlags,
        identity: { to: 'identities', meta: 'FILE', read: 'identity-file', call: true },
      },
    },
    changesRun: true,
    activity: { lock: 'restore', key: 'targetProjectId' },
    audit: ['restore.requested', 'restore.refused', 'restore.started', 'restore.completed', 'restore.verified', 'restore.partial', 'restore.partially-restored', 'restore.failed', 'restore.cancelled'],
  },
  restorePlatform: {
    summary: 'platform rollback: Supabase point-in-time recovery of the whole project to the backup’s moment, after the typed project ref and the two-person rule',
    input: z
      .object({
        runId,
        confirmRef: z.string().max(40),
        ...secondPerson,
      })
      .strict(),
    output: z.object({ ref: z.string(), recoveryTime: z.string(), requestedAt: z.string() }),
    cli: {
      command: 'restore platform',
      args: [runArg],
      flags: { 'confirm-ref': { to: 'confirmRef', meta: 'REF' }, ...secondPersonFlags },
    },
    changesRun: true,
    audit: ['pitr.refused', 'pitr.requested', 'pitr.started', 'pitr.failed'],
  },
  cancelRestore: {
    summary: 'cancel a running restore into a project, in whichever phase and process it is',
    input: z.object({ targetProjectId: projectIdSchema }).strict(),
    output: cancelled,
    cli: { command: 'cancel restore', args: [{ name: 'target', to: 'targetProjectId', project: true }] },
    cancels: { lock: 'restore', key: 'targetProjectId' },
    audit: ['cancel.requested'],
  },
  checkPlatform: {
    summary: 'read the Supabase platform backup and its expiry (Management API)',
    input: z.object({ runId, request: platformCheckRequestSchema }).strict(),
    output: platformEvidenceSchema,
    cli: { command: 'platform check', args: [runArg], flags: windowFlags('request') },
    changesRun: true,
    audit: ['platform.checked'],
  },
  attestPlatform: {
    summary: 'attest the platform backup seen in the dashboard',
    input: z.object({ runId, attestation: platformAttestationSchema }).strict(),
    output: platformEvidenceSchema,
    cli: {
      command: 'platform attest',
      args: [runArg],
      flags: {
        'backup-id': { to: 'attestation.backupId', meta: 'ID' },
        status: { to: 'attestation.status', meta: 'COMPLETED' },
        'inserted-at': { to: 'attestation.insertedAt', meta: 'ISO' },
        ...windowFlags('attestation'),
        by: { to: 'attestation.attestedBy', meta: 'NAME' },
        note: { to: 'attestation.note', meta: 'TEXT' },
      },
    },
    changesRun: true,
    audit: ['platform.attested'],
  },
  signOff: {
    summary: 'sign off as creator or (a different person) verifier',
    input: z.object({ runId, request: signOffRequestSchema }).strict(),
    output: signOffSchema,
    cli: {
      command: 'signoff',
      args: [runArg],
      flags: {
        role: { to: 'request.role', meta: 'creator|verifier' },
        name: { to: 'request.name', meta: '"FULL NAME"' },
        ...signerFlags('request.'),
        'review-bundle': { to: 'request.reviewBundle', meta: 'DIR', read: 'path' },
        override: { to: 'request.overrideReason', meta: '"REASON"' },
      },
    },
    changesRun: true,
    audit: ['signoff.creator', 'signoff.verifier', 'signoff.override', 'signoff.refused'],
  },
  backupStorage: {
    summary: 'back up every Supabase Storage object of the run’s project beside its database backup (tar inside age, sealed object manifest); resumes an interrupted one without fetching finished objects again',
    input: byRun,
    output: storageBackupResultSchema,
    cli: { command: 'storage backup', args: [runArg] },
    changesRun: true,
    activity: { lock: 'storage', key: 'runId' },
    audit: ['storage.started', 'storage.completed', 'storage.failed', 'storage.cancelled', 'storage.key-fetched'],
  },
  leaveStorageOut: {
    summary: 'leave Storage out of this run with the reason (e.g. its files are backed up elsewhere): the item passes as attested, the reason goes to the audit trail and the log',
    input: z
      .object({
        runId,
        by: z.string().trim().min(2, 'must be the full name of who decides').max(120),
        reason: z.string().trim().min(10, 'must say why Storage is out of scope, in at least 10 characters').max(2000),
      })
      .strict(),
    output: evidenceSchemas.storage,
    cli: { command: 'storage out-of-scope', args: [runArg], flags: { by: { to: 'by', meta: '"FULL NAME"' }, reason: { to: 'reason', meta: '"REASON"' } } },
    changesRun: true,
    audit: ['storage.out-of-scope'],
  },
  cancelStorage: {
    summary: 'cancel a running Storage backup of a run (finished objects are kept, encrypted, for the next attempt)',
    input: byRun,
    output: cancelled,
    cli: { command: 'cancel storage', args: [runArg] },
    cancels: { lock: 'storage', key: 'runId' },
    audit: ['cancel.requested'],
  },
  listAgentKeys: {
    summary: 'the keys ssh-agent offers for signing (hardware tokens included)',
    input: none,
    output: z.array(agentKeySchema),
    cli: { command: 'keys agent' },
  },
  exportReview: {
    summary: 'write a review bundle (the document the creator signed, their signature) for a verifier on another workstation',
    input: z.object({ runId, folder }).strict(),
    output: z.object({ bundle: z.string() }),
    cli: { command: 'review export', args: [runArg], flags: { out: { to: 'folder', meta: 'DIR', read: 'path' } } },
    audit: ['review.exported'],
  },
  signReview: {
    summary: 'on the verifier’s workstation: check a review bundle and the backup file itself (hash; full decryption with a recipient key), then sign with your own key',
    input: z
      .object({
        bundle: folder,
        backupFile: z.string().min(1).max(4096),
        name: signOffRequestSchema.shape.name,
        keyFile: signOffRequestSchema.shape.keyFile,
        agentKey: signOffRequestSchema.shape.agentKey,
        /** An age identity among the backup's recipients, for the full decryption (optional). */
        identity: z.string().min(1).max(20_000).optional(),
      })
      .strict(),
    output: reviewResultSchema,
    cli: {
      command: 'review sign',
      args: [{ name: 'bundle', to: 'bundle', read: 'path' }],
      flags: { backup: { to: 'backupFile', meta: 'FILE.dump.age', read: 'path' }, name: { to: 'name', meta: '"FULL NAME"' }, ...signerFlags(''), identity: { to: 'identity', meta: 'AGE-KEY-FILE', read: 'text-file' } },
    },
    audit: ['review.signed', 'review.refused'],
  },
  previewLog: {
    summary: 'print the backup log as it would be exported',
    input: byRun,
    output: z.object({ markdown: z.string(), suggestedPath: z.string() }),
    cli: { command: 'log preview', args: [runArg] },
  },
  exportLog: {
    summary: 'write the backup log both people signed into DIR/docs/phase2 (their signatures, the machine attestation, allowed_signers) and verify every signature',
    input: z.object({ runId, folder }).strict(),
    output: z.object({
      markdownFile: z.string(), jsonFile: z.string(), signatureFiles: z.array(z.string()), allowedSignersFile: z.string(), fingerprint: z.string(), markdownSha256: z.string(),
      /** The machine attestation (the installation's signature) verified. */
      verified: z.boolean(),
      /** Each person's signature, verified with ssh-keygen against the allowed_signers written. */
      signatures: z.array(signatureVerdictSchema),
      /** Who signed with which keys, and the audit head at export; machine-attested (.sig). */
      receiptFile: z.string(),
    }),
    cli: { command: 'log export', args: [runArg], flags: { out: { to: 'folder', meta: 'DIR', read: 'path' } } },
    changesRun: true,
    audit: ['log.exported'],
  },
  notifyTeam: {
    summary: 'tell the team: webhook (--send), the message to paste (--message), or confirm it was sent (--confirm)',
    input: z.discriminatedUnion(
      'mode',
      [
        z.object({ mode: z.literal('message'), runId }).strict(),
        z.object({ mode: z.literal('send'), runId }).strict(),
        z.object({ mode: z.literal('confirm'), runId, by: z.string().trim().min(2).max(120), channel: z.string().trim().min(2).max(120) }).strict(),
      ],
      { error: 'must say how to tell the team (send, message or confirm)' },
    ),
    output: z.object({ message: z.string(), status: z.number().nullable() }),
    cli: {
      command: 'notify',
      args: [runArg],
      flags: {
        send: { to: 'mode', value: 'send' },
        message: { to: 'mode', value: 'message' },
        confirm: { to: 'mode', value: 'confirm' },
        by: { to: 'by', meta: 'NAME', requires: 'confirm' },
        channel: { to: 'channel', meta: 'WHERE', requires: 'confirm' },
      },
    },
    changesRun: true,
    audit: ['notify.sent', 'notify.failed', 'notify.attested'],
  },
  listAudit: {
    summary: 'list audit trail entries, one sentence each: oldest first after a sequence number, or newest first; narrowed by run, project, action, time and text',
    input: z
      .object({
        afterSeq: z.number().int().min(0).optional(),
        beforeSeq: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        runId: runId.optional(),
        projectId: projectIdSchema.optional(),
        /** An action (backup.completed) or its family (backup). */
        action: z.string().trim().regex(/^[a-z][a-z-]*(\.[a-z-]+)?$/, 'must be an action such as backup.completed, or a family such as backup').optional(),
        since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
        until: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
        text: z.string().trim().min(1).max(200).optional(),
        newestFirst: z.boolean().optional(),
      })
      .strict(),
    output: z.array(auditEntrySchema),
    cli: {
      command: 'audit list',
      flags: {
        run: { to: 'runId', meta: 'RUN' },
        project: { to: 'projectId', meta: 'PROJECT', project: true },
        action: { to: 'action', meta: 'ACTION|FAMILY' },
        since: { to: 'since', meta: 'ISO' },
        until: { to: 'until', meta: 'ISO' },
        search: { to: 'text', meta: 'TEXT' },
        newest: { to: 'newestFirst', value: true },
        after: { to: 'afterSeq', meta: 'SEQ' },
        before: { to: 'beforeSeq', meta: 'SEQ' },
        limit: { to: 'limit', meta: 'N' },
      },
    },
  },
  verifyAudit: {
    summary: 'check the hash chain of the audit trail (and, with a head, that it still holds the head a signed log recorded)',
    input: z
      .object({ head: z.string().regex(/^\d+:[0-9a-f]{64}$/, 'must be SEQ:HASH as printed in the signed log, e.g. 42:3f1c… (64 hex digits)').optional() })
      .strict()
      .optional(),
    output: chainVerdictSchema,
    cli: { command: 'audit verify', flags: { head: { to: 'head', meta: 'SEQ:HASH' } } },
  },
  exportAudit: {
    summary: 'export the audit trail as CSV or JSON into a folder (a new file, never overwriting one)',
    input: z.object({ format: z.enum(['csv', 'json'], { error: 'must be csv or json' }), folder }).strict(),
    output: z.object({ file: z.string(), entries: z.number() }),
    cli: { command: 'audit export', flags: { format: { to: 'format', meta: 'csv|json' }, out: { to: 'folder', meta: 'DIR', read: 'path' } } },
    audit: ['audit.exported'],
  },
  lookupSupabase: {
    summary: 'read a Supabase project’s connection forms (direct host, session pooler, user, PostgreSQL major) through the Management API, to fill a profile',
    input: z
      .object({
        ref: z.string().trim().regex(/^[a-z]{20}$/, 'must be the 20 lowercase letters of the Supabase project ref'),
        /** Typed for this lookup only (never stored by it); else the stored token of `projectId`. */
        token: z.string().min(1).max(1024).optional(),
        projectId: projectIdSchema.optional(),
      })
      .strict(),
    output: supabaseLookupSchema,
    cli: {
      command: 'supabase lookup',
      args: [{ name: 'ref', to: 'ref' }],
      flags: { 'token-stdin': { to: 'token', read: 'stdin-secret' }, project: { to: 'projectId', meta: 'PROJECT', project: true } },
    },
    audit: ['supabase.looked-up'],
  },
  getSettings: {
    summary: 'show this installation’s settings and every PostgreSQL installation found here (what backups and rehearsals will use)',
    input: none,
    output: settingsViewSchema,
    cli: { command: 'settings show' },
  },
  updateSettings: {
    summary: 'change this installation’s settings: the PostgreSQL tools folder looked in before PATH ("none" to clear)',
    input: settingsPatchSchema.refine((p) => Object.keys(p).length > 0, { message: 'must name at least one setting to change' }),
    output: settingsViewSchema,
    cli: { command: 'settings set', flags: { 'tools-dir': { to: 'pgToolsDir', meta: 'DIR|none' } } },
    audit: ['settings.updated'],
  },
} as const satisfies Record<IpcMethod, Operation>;

export type Operations = typeof operations;

/** Commands only the command line has, and why the app does not need them. */
export const cliOnlyCommands = {
  demo: { summary: 'practice run on an embedded database, no credentials needed', why: 'the practice run for evaluating the tool; the app works on real profiles' },
  'verify-signature': { summary: 'check an exported log against its .sig with the keys of an allowed_signers file (beside it, or the team’s), never a key from the database', why: 'the app verifies each export as it writes it; an auditor checks files later from a shell' },
} as const;

/** The help line of a CLI command, from the catalog. */
export function cliSummary(command: string): string | undefined {
  const op = Object.values(operations).find((o: Operation) => o.cli?.command === command);
  return op?.summary ?? (cliOnlyCommands as Record<string, { summary: string }>)[command]?.summary;
}
