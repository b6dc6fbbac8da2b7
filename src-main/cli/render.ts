import type { IpcOutput, IpcParsedInput } from '../contract/ipc';
import type { IpcMethod } from '../contract/methods';
import { unverifiedSslModes } from '../contract/constants';
import { auditSentence } from '../contract/auditSentence';
import { isFailure } from '../contract/evidence';
import { formatBytes } from '../contract/format';
import type { StatusReport } from '../contract/status';
import type { StorageConsistency } from '../contract/storage';
import type { RestorePreview } from '../contract/restore';
import { rehearsalFindings, rehearsalHeadline } from '../core/rehearse/summary';

/** A CLI door's methods: those the catalog gives a command. */
export type CliMethod = Exclude<IpcMethod, 'pickFolder' | 'pickFile'>;

/** What a command prints for people (--json prints the operation's output itself), and its exit code when not 0. */
type Render<M extends CliMethod> = (value: IpcOutput<M>, input: IpcParsedInput<M>) => string | { text: string; exit: number };

const checksText = (checks: { status: string; title: string; detail: string }[]) =>
  checks.map((c) => `${{ passed: 'PASS', partial: 'PART', failed: 'FAIL' }[c.status] ?? 'SKIP'}  ${c.title}: ${c.detail}`).join('\n');
const warnings = (list: string[]) => list.map((x) => `\nWARNING: ${x}`).join('');
const red = (ok: boolean, text: string) => ({ text, exit: ok ? 0 : 1 });
const settingsText = (s: IpcOutput<'getSettings'>) =>
  [
    `tools folder  ${s.pgToolsDir ?? 'none (PATH and the usual install folders)'}`,
    'found here:',
    ...s.detected.map((d) => `  ${d.tool.padEnd(10)} ${d.version.padEnd(6)} ${d.dir}`),
  ].join('\n');

const hoursText = (h: number) => (h < 48 ? `${Math.round(h)} h` : `${Math.round(h / 24)} days`);

/** Per project: the last verified backup, the newest run and its next step, the watched runs, the warnings. */
export const statusText = (report: StatusReport): string =>
  [
    `Status at ${report.at}: ${report.ok ? 'every watched migration window is covered' : 'PROTECTION AT RISK — see below'}`,
    ...report.projects.flatMap((p) => [
      '',
      `${p.projectName} (${p.environment})`,
      `  last verified backup  ${p.lastVerified ? `${p.lastVerified.name}, taken ${p.lastVerified.takenAt} (${hoursText(p.lastVerified.ageHours)} ago)` : 'none'}`,
      ...(p.current
        ? [
            `  newest run            ${p.current.name}: ${p.current.passed}/${p.current.total} items passed, ${p.current.status}${p.current.gateLeft.length ? `; sign-off waits for ${p.current.gateLeft.join(', ')}` : ''}${p.current.signersLeft.length ? `; to sign: ${p.current.signersLeft.join(', ')}` : ''}`,
            `  next                  ${p.current.next ? `${p.current.next.title} — ${p.current.next.hint}` : 'nothing: every item passed'}`,
          ]
        : ['  newest run            none: start a backup']),
      ...(p.sizes.length ? [`  backup sizes          ${p.sizes.map((b) => formatBytes(b.bytes)).join(' → ')} (oldest to newest)`] : []),
      ...p.watch.map((w) => `  ${w.state.toUpperCase().padEnd(10)} ${w.runName}: window ${w.window.start} – ${w.window.end}; platform backup until ${w.platformBackup.expiresAt}. ${w.reasons.join(' ')}`),
      ...p.warnings.filter((w) => w.kind !== 'protection').map((w) => `  WARNING    ${w.text}`),
    ]),
  ].join('\n');

/** The archive against storage.objects, naming the objects that disagree. */
export const consistencyText = (c: StorageConsistency | null): string[] => {
  if (!c) return ['No storage.objects table in the database backup: nothing to compare the archive with.'];
  if (c.ok) return [`Matches the database: all ${c.rows} storage.objects rows have their file, with the size the row records.`];
  const more = (n: number, shown: number) => (n > shown ? ` (and ${n - shown} more)` : '');
  return [
    `DOES NOT MATCH the database's ${c.rows} storage.objects rows:`,
    ...c.missingFiles.sample.map((o) => `  missing file   ${o.bucket}/${o.path} (the row says ${o.size ?? '?'} bytes)`),
    ...(c.missingFiles.count ? [`  ${c.missingFiles.count} row(s) without a file${more(c.missingFiles.count, c.missingFiles.sample.length)}`] : []),
    ...c.sizeMismatches.sample.map((o) => `  other size     ${o.bucket}/${o.path}: file ${o.fileSize} bytes, row ${o.rowSize}`),
    ...c.filesWithoutRow.sample.map((o) => `  no row         ${o.bucket}/${o.path} (${o.size} bytes)`),
    'Find out why before the migration (a file deleted behind the database, an upload that never finished); the archive holds what Storage had.',
  ];
};

/** Storage in a rollback preview: what uploading the run's archive again (--with-storage) would change. */
const storagePreviewText = (s: RestorePreview['storage']): string[] => {
  if (!s) return [];
  if (!s.preview) return [`Storage: cannot be restored into this target: ${s.unavailable}`];
  const p = s.preview;
  return [
    `Storage (with --with-storage): ${p.objects} objects from ${p.buckets.join(', ')}, backed up ${p.backedUpAt}: ${p.broughtBack} brought back, ${p.replaced} replaced by their backed-up version, ${p.keptNotInBackup} not in the backup left as they are.`,
    ...(p.changedSince.count ? [`  ${p.changedSince.count} changed since the backup lose that change: ${p.changedSince.sample.join(', ')}${p.changedSince.count > p.changedSince.sample.length ? ', …' : ''}`] : []),
    ...(p.missingBuckets.length ? [`  buckets the target lacks, created private: ${p.missingBuckets.join(', ')}`] : []),
  ];
};

export const render: { [M in CliMethod]: Render<M> } = {
  listProjects: (list) => list.map((p) => `${p.name}\t${p.environment}\t${p.user}@${p.host}:${p.port}/${p.database}\t${p.id}`).join('\n') || 'No projects yet.',
  getProject: (p) =>
    [
      `${p.name} (${p.environment}) ${p.id}`,
      `database   ${p.user}@${p.host}:${p.port}/${p.database} (sslmode ${p.sslmode})${p.supabaseRef ? `, Supabase ${p.supabaseRef}` : ''}`,
      `tls        ${unverifiedSslModes.includes(p.sslmode) ? `NOT VERIFIED (sslmode ${p.sslmode}): the server's identity is not checked` : `verified (${p.sslmode}) against ${p.sslRootCert ? 'the profile’s CA certificate' : 'the system’s CAs'}`}`,
      `password   ${p.hasDbPassword ? `stored in keychain for ${p.user}@${p.host}:${p.port}/${p.database}` : 'not set'}; Management API token ${p.hasManagementToken ? 'stored' : 'not set'}`,
      `tables     ${p.expectedTables.length} expected${p.excludeSchemas.length ? `; schemas left out: ${p.excludeSchemas.join(', ')}` : ''}`,
      `checks     ${p.sampleChecks.map((c) => c.name).join(', ') || 'no sample checks'}`,
      `storage    ${p.supabaseRef || p.apiUrl ? `${p.apiUrl ?? `https://${p.supabaseRef}.supabase.co`}; service-role key ${p.hasServiceRoleKey ? 'stored' : p.hasManagementToken ? 'fetched with the token when needed' : 'not set'}${p.excludeBuckets.length ? `; buckets left out: ${p.excludeBuckets.join(', ')}` : ''}` : 'no Supabase project ref or API URL: no Storage'}`,
      `escrow     ${p.keyEscrowedAt ? `recovery key exported ${p.keyEscrowedAt}` : 'NOT ESCROWED: only this keychain holds the recovery key (key export)'}`,
      `key        ${p.ageRecipient ?? 'created with the first backup'}${p.extraRecipients.length ? `; extra recipients: ${p.extraRecipients.join(', ')}` : ''}`,
    ].join('\n'),
  createProject: (view) => `Added project "${view.name}" (${view.id}).`,
  updateProject: (view, { changes }) => `Updated project "${view.name}": ${Object.keys(changes).join(', ')}.`,
  deleteProject: (_none, { confirmName }) => `Removed project "${confirmName}" and its secrets.`,
  testConnection: (r) =>
    [
      `Connected: PostgreSQL ${r.serverVersion}, database ${r.databaseSizeBytes} bytes, ${r.publicTableCount} tables in public${r.ssl ? ', TLS' : ''}.`,
      `Tools here: ${r.tools.map((t) => `${t.tool} ${t.version ?? 'missing'}${t.usable ? '' : ' (does not fit)'}`).join(', ')}.`,
      ...(r.toolAdvice ? [`WARNING: ${r.toolAdvice}`] : []),
      r.tablesConfirmed
        ? `${r.publicTables.length} public tables confirmed as the expected list.`
        : `Public tables: ${r.publicTables.slice(0, 50).join(', ') || 'none'}${r.publicTables.length > 50 ? ` … and ${r.publicTables.length - 50} more` : ''}.\nTo make them the expected list: project test <project> --confirm-tables (or edit it with --expected-table).`,
    ].join('\n'),
  exportRecoveryKey: (r) => `Recovery key of ${r.recipient} written to ${r.file} (readable by you only). Keep it offline: it opens every backup of the project.`,
  importRecoveryKey: (r) => `Recovery key of ${r.recipient} is in this workstation's keychain again.`,
  getStatus: (report) => red(report.ok, statusText(report)),
  listRuns: (runs) =>
    runs.map((r) => `${r.startedAt}  ${r.status.padEnd(11)} ${r.items.filter((i) => i.state === 'passed').length}/${r.items.length}  ${r.projectName} / ${r.name}  ${r.id}`).join('\n') || 'No runs yet.',
  getRun: (r) =>
    [
      `${r.name} (${r.projectName}) — ${r.status}, started ${r.startedAt} by ${r.createdBy}${r.error ? `: ${r.error}` : ''}`,
      ...(r.backupFile ? [`backup ${r.backupFile}`] : []),
      ...r.items.map((i) => `${i.state.padEnd(8)} ${i.title}${i.evidence && isFailure(i.evidence) ? ` — ${i.evidence.error}` : i.attestedBy ? ` — attested by ${i.attestedBy}` : ''}`),
      ...r.signOffs.map(
        (s) =>
          `signed   ${s.role} ${s.name} (${s.osUser}) ${s.signedAt}${s.principal ? `, ${s.principal} key ${s.fingerprint}` : ''}${s.checkedOn === 'another workstation' ? ', checked on another workstation' : ''}${s.overrideReason ? ` — override: ${s.overrideReason}` : ''}`,
      ),
      ...(r.durations.length ? [`took     ${r.durations.map((d) => `${d.key} ${(d.ms / 1000).toFixed(1)} s`).join(', ')}`] : []),
    ].join('\n'),
  cancelBackup: (stopped) => (stopped ? 'The backup has stopped and removed its partial files; its run says cancelled.' : 'No backup of this project was running.'),
  cancelCheck: (stopped) => (stopped ? 'The check has stopped and removed what it made (decrypted copy, scratch server); its item says cancelled.' : 'No integrity check, recovery check or rehearsal of this run was running.'),
  cancelRestore: (stopped) =>
    stopped ? 'The restore has stopped and removed its decrypted copy. Look at the target with "runs show": if it was changed, the safety backup is the way back.' : 'No restore into this project was running.',
  cancelStorage: (stopped) => (stopped ? 'The Storage backup has stopped; finished objects are kept, encrypted: running it again resumes.' : 'No Storage backup of this run was running.'),
  startBackup: (r) => `Backup written: ${r.dumpFile}\nrun ${r.runId}\n${r.publicTables} public tables, ${r.rows} rows, ${r.ciphertextBytes} bytes, sha256 ${r.ciphertextSha256}`,
  checkIntegrity: (report) => red(report.ok, `${checksText(report.checks)}\n${report.ok ? 'Integrity verified.' : 'Integrity check FAILED.'}`),
  rehearse: (report) => {
    const findings = rehearsalFindings(report);
    return red(
      report.ok,
      `${checksText(report.checks)}${findings.length ? `\n\n${findings.map((x) => `- ${x}`).join('\n')}` : ''}\n\n${rehearsalHeadline(report)}${report.isolation ? `\nIsolation: ${report.isolation}.` : ''}`,
    );
  },
  previewRestore: (p) =>
    [
      `Target: ${p.target.projectName} (${p.target.environment}) ${p.target.endpoint}, PostgreSQL ${p.target.serverVersion}`,
      `Backup taken ${p.backupTakenAt}. A restore discards every change made there since:`,
      ...p.tables
        .filter((t) => t.rowsNow !== t.rowsInBackup || (t.rowsAfterBackup ?? 0) > 0)
        .map((t) => `  ${t.table}: ${t.rowsNow ?? 'missing'} rows now, ${t.rowsInBackup ?? '?'} in the backup${t.rowsAfterBackup ? `; ${t.rowsAfterBackup} newer than the backup (${t.newestColumn} up to ${t.newestNow})` : ''}`),
      `Totals: ${p.totals.rowsNow} rows now, ${p.totals.rowsInBackup} in the backup, ${p.totals.rowsAfterBackup} newer than the backup.`,
      ...(p.notInBackup.length ? [`Not in the backup (left as they are): ${p.notInBackup.join(', ')}`] : []),
      ...storagePreviewText(p.storage),
      p.needsSecondPerson ? `Production: confirm with --confirmed-by "${p.verifier ?? 'the run’s verifier'}" or --override "REASON".` : '',
      `Restore: restore <run> --target ${p.target.projectName} --confirm-database ${p.target.database}${p.storage?.preview ? ' [--with-storage]' : ''}${p.needsSecondPerson ? ' --confirmed-by …' : ''}`,
    ].filter(Boolean).join('\n'),
  restore: (r) =>
    red(
      r.state === 'restored',
      [
        r.state === 'restored' ? `Restored and verified: ${r.verified?.tables} tables, ${r.verified?.rows} rows as in the backup.` : `Restore ${r.state.toUpperCase()}: ${r.error ?? ''}`,
        ...(r.verified?.storage ? [`Storage: ${r.verified.storage.objects} objects uploaded again${r.verified.storage.createdBuckets.length ? `; buckets created private (check their settings): ${r.verified.storage.createdBuckets.join(', ')}` : ''}.`] : []),
        ...(r.verified?.mismatches ?? []).map((m) => `  ${m}`),
        `Safety backup of what was replaced: ${r.safetyFile ?? 'none'} (run ${r.safetyRunId ?? '—'})`,
      ].join('\n'),
    ),
  restorePlatform: (r) => `Supabase accepted the point-in-time recovery of ${r.ref} to ${r.recoveryTime} (requested ${r.requestedAt}). Follow it in the Dashboard; the project is unavailable while it runs.`,
  checkRecovery: (e) => `The backup opens without this workstation: decrypted in full with the ${e.keyKind} (${e.recipient}), ${e.plaintextSha256 ? `archive SHA-256 ${e.plaintextSha256}` : `file SHA-256 ${e.ciphertextSha256}, every chunk authenticated,`} as recorded.`,
  checkPlatform: (e) =>
    [
      `Platform backup ${e.backupId} (${e.backupStatus}, taken ${e.insertedAt}) expires ${e.expiresAt}: ${e.retentionDays}-day retention from ${e.retentionSource ?? 'the plan table'}${e.pitrDays ? `; point-in-time recovery add-on ${e.pitrDays} days` : ''}.`,
      ...(e.postgresEngine != null ? [`Supabase runs PostgreSQL ${e.postgresEngine} (postgres_engine).`] : []),
      ...(e.authUsers ? [`Auth users: ${e.authUsers.live} in Supabase Auth now, ${e.authUsers.inBackup ?? 'none'} in the backup's auth.users.`] : []),
      ...(e.services ? [`Services: ${e.services.map((s) => `${s.name} ${s.status}`).join(', ')}.`] : []),
    ].join('\n') + warnings(e.warnings),
  attestPlatform: (e) => `Platform backup ${e.backupId} attested by ${e.attestedBy}; expires ${e.expiresAt}.${warnings(e.warnings)}`,
  signOff: (s) =>
    `Signed as ${s.role}: ${s.name} (${s.osUser}) at ${s.signedAt}, principal ${s.principal}, key ${s.fingerprint}` +
    `${s.checkedOn === 'another workstation' ? ', from the review bundle checked on another workstation' : ''}.`,
  leaveStorageOut: (e) => (e.scope === 'out-of-scope' ? `Storage left out of this run by ${e.by} (${e.objectRows} storage.objects rows); the reason is in the audit trail and the log.` : 'Storage settled.'),
  backupStorage: (r) =>
    red(
      r.consistency?.ok !== false,
      [
        `Storage backed up: ${r.objects} objects, ${formatBytes(r.bytes)} from ${r.buckets.length} bucket(s) (${r.buckets.join(', ') || 'none'})${r.resumed ? `; ${r.resumed} fetched by an earlier attempt, not downloaded again` : ''}.`,
        `Archive: ${r.archiveFile} (SHA-256 ${r.ciphertextSha256}); opens with: age -d -i KEY ${r.archiveFile} | tar -t`,
        ...consistencyText(r.consistency),
      ].join('\n'),
    ),
  listAgentKeys: (keys) => keys.map((k) => `${k.fingerprint}\t${k.publicKey.split(' ')[0]}\t${k.comment}`).join('\n') || 'ssh-agent holds no keys: add yours with ssh-add.',
  exportReview: (r) => `Review bundle: ${r.bundle}\nGive it to the verifier with the backup file; they run "review sign", then you run "signoff --role verifier --review-bundle ${r.bundle}".`,
  signReview: (r) =>
    [
      `Creator ${r.creator.name} (${r.creator.principal}, key ${r.creator.fingerprint}): compare this fingerprint with the creator before trusting it.`,
      checksText(r.checks),
      `Signed as ${r.principal} with ${r.fingerprint}. Send the bundle back to the creator.`,
    ].join('\n'),
  previewLog: (p) => p.markdown,
  exportLog: (r) => {
    const ok = r.verified && r.signatures.length === 2 && r.signatures.every((s) => s.ok);
    return red(
      ok,
      [
        `Signed log: ${r.markdownFile}`,
        ...r.signatures.map((s) => `${s.role.padEnd(9)} ${s.ok ? `good signature by ${s.principal} (${s.fingerprint})` : `BAD: ${s.reason}`}`),
        `machine   ${r.verified ? 'attested' : 'attestation does NOT verify'} by this installation (${r.fingerprint}) — not a person's signature`,
        `allowed_signers: ${r.allowedSignersFile}`,
        `receipt: ${r.receiptFile} (who signed with which keys, the audit head at export)`,
      ].join('\n'),
    );
  },
  notifyTeam: (r, input) =>
    input.mode === 'send' ? `Webhook answered ${r.status}; team notified.` : input.mode === 'confirm' ? 'Notification recorded as sent.' : r.message,
  listAudit: (entries) => entries.map((e) => `${e.seq}\t${e.at}\t${e.action}\t${auditSentence(e)}${e.runId ? `\trun ${e.runId}` : ''}`).join('\n') || 'No entries.',
  verifyAudit: (v) => red(v.ok, v.ok ? `Audit chain intact: ${v.rows} entries, head ${v.headHash}.` : `Audit chain BROKEN at entry ${v.firstBadSeq}: ${v.reason}.`),
  exportAudit: (r) => `Wrote ${r.entries} entries to ${r.file}.`,
  lookupSupabase: (l) =>
    [
      `${l.name} (${l.ref}, ${l.region}), PostgreSQL ${l.postgresMajor ?? 'unknown'}`,
      `direct         ${l.direct.user}@${l.direct.host}:${l.direct.port}/${l.direct.database}  (IPv6 only unless the project has the IPv4 add-on)`,
      l.sessionPooler ? `session pooler ${l.sessionPooler.user}@${l.sessionPooler.host}:${l.sessionPooler.port}/${l.sessionPooler.database}  (IPv4; never port 6543 for backups)` : 'session pooler none',
      `add it:        project add --name NAME --env production --supabase-ref ${l.ref} --host ${(l.sessionPooler ?? l.direct).host} --port 5432 --user ${(l.sessionPooler ?? l.direct).user} --ca-file prod-ca-2021.crt --password-stdin`,
    ].join('\n'),
  getSettings: (s) => settingsText(s),
  updateSettings: (s) => `Saved.\n${settingsText(s)}`,
};
