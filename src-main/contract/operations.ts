import type { IpcMethod } from './methods';

/**
 * The operations catalog: every use case once — what it does, whether it changes a run (the app then
 * announces runChanged around it), whether it can be cancelled, what it writes to the audit trail, and
 * its door in each shell. The app's IPC router and the CLI are checked against it (test/unit/operations),
 * the app derives its run announcements from it, and the CLI's help text comes from it.
 */
export interface Operation {
  summary: string;
  /** The CLI command that is its door, or null with the reason the CLI has none. */
  cli: string | null;
  noCli?: string;
  /** Its input names a run (runId) that it changes. */
  changesRun?: true;
  /** Stopped by the app's Cancel or the CLI's Ctrl-C / SIGTERM, removing what it made. */
  cancellable?: true;
  /** Audit actions the core writes for it. */
  audit?: readonly string[];
}

export const operations = {
  listProjects: { summary: 'list the project profiles', cli: 'project list' },
  getProject: { summary: 'show one project profile (secrets only as "stored in keychain")', cli: 'project show' },
  createProject: { summary: 'add a database profile; secrets go to the OS keychain', cli: 'project add', audit: ['project.created'] },
  updateProject: { summary: 'change a profile: connection, expected tables, excluded schemas, sample checks, extra recipients, secrets', cli: 'project edit', audit: ['project.updated'] },
  deleteProject: { summary: 'remove a profile and its secrets from the keychain', cli: 'project remove', audit: ['project.deleted'] },
  testConnection: { summary: 'connect and report server version, size and table count', cli: 'project test', audit: ['project.connection-tested'] },
  listRuns: { summary: 'list backup runs, newest first', cli: 'runs list' },
  getRun: { summary: 'show a run: its checklist with each item’s state and evidence', cli: 'runs show' },
  pickFolder: { summary: 'native folder picker', cli: null, noCli: 'the command line takes folder paths as arguments' },
  startBackup: {
    summary: 'encrypted backup with manifest, exact row counts, roles and hashes',
    cli: 'backup',
    cancellable: true,
    audit: ['backup.started', 'backup.completed', 'backup.failed', 'backup.cancelled'],
  },
  cancelBackup: { summary: 'cancel a running backup', cli: null, noCli: 'Ctrl-C or SIGTERM cancels the running command' },
  checkIntegrity: {
    summary: 'integrity check: hashes, full decrypt, archive listing, expected tables',
    cli: 'verify',
    changesRun: true,
    cancellable: true,
    audit: ['verify.passed', 'verify.failed', 'verify.cancelled'],
  },
  cancelCheck: { summary: 'cancel a running integrity check or rehearsal', cli: null, noCli: 'Ctrl-C or SIGTERM cancels the running command' },
  rehearse: {
    summary: 'restore into a sandboxed scratch PostgreSQL (or a staging project) and compare with the manifest',
    cli: 'rehearse',
    changesRun: true,
    cancellable: true,
    audit: ['rehearsal.started', 'rehearsal.passed', 'rehearsal.partial', 'rehearsal.failed', 'rehearsal.cancelled', 'rehearsal.refused'],
  },
  checkPlatform: { summary: 'read the Supabase platform backup and its expiry (Management API)', cli: 'platform check', changesRun: true, audit: ['platform.checked'] },
  attestPlatform: { summary: 'attest the platform backup seen in the dashboard', cli: 'platform attest', changesRun: true, audit: ['platform.attested'] },
  signOff: { summary: 'sign off as creator or (a different person) verifier', cli: 'signoff', changesRun: true, audit: ['signoff.creator', 'signoff.integrity', 'signoff.override', 'signoff.refused'] },
  previewLog: { summary: 'print the backup log as it would be exported', cli: 'log preview' },
  exportLog: { summary: 'write the signed backup log (SSH signature) into DIR/docs/phase2', cli: 'log export', changesRun: true, audit: ['log.exported'] },
  notifyTeam: { summary: 'tell the team: webhook, the message to paste, or confirm it was sent', cli: 'notify', changesRun: true, audit: ['notify.sent', 'notify.failed', 'notify.attested'] },
  listAudit: { summary: 'list audit trail entries', cli: 'audit list' },
  verifyAudit: { summary: 'check the hash chain of the audit trail (and, with --head, that it still holds the head a signed log recorded)', cli: 'audit verify' },
  exportAudit: { summary: 'export the audit trail as CSV or JSON', cli: 'audit export', audit: ['audit.exported'] },
} as const satisfies Record<IpcMethod, Operation>;

/** Commands only the command line has, and why the app does not need them. */
export const cliOnlyCommands = {
  demo: { summary: 'practice run on an embedded database, no credentials needed', why: 'the practice run for evaluating the tool; the app works on real profiles' },
  'verify-signature': { summary: 'check an exported log against its .sig', why: 'the app verifies each export as it writes it; an auditor checks files later from a shell' },
} as const;

/** The help line of a CLI command, from the catalog. */
export function cliSummary(command: string): string | undefined {
  const op = Object.values(operations).find((o: Operation) => o.cli === command);
  return op?.summary ?? (cliOnlyCommands as Record<string, { summary: string }>)[command]?.summary;
}
