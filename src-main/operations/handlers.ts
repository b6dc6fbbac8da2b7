import { sep } from 'node:path';
import type { IpcEvent, IpcMethod } from '../contract/methods';
import type { IpcEventPayload, IpcOutput, IpcParsedInput } from '../contract/ipc';
import { renderAuditExport } from '../core/audit/auditExport';
import { detectPgTools } from '../core/pgtools/discovery';
import { WardenError } from '../core/errors';
import { listRunViews, runView } from '../core/runs/runView';
import { statusReport } from '../core/watch/projectStatus';
import { writeFileAtomic } from '../core/util/atomicFile';
import type { Warden } from '../core/warden';
import { identitiesIn } from '../core/crypto/identityText';
import { listAgentKeys, signerKey } from '../core/signoff/personalKeys';

/** What differs between the shells (app, CLI), given to every handler. */
export interface Shell {
  /** The shell's rule for folders: the app takes only folders picked in this session, the CLI any it is given. */
  folder(path: string): string;
  /** The same rule for files (an SSH key, a backup file to review). */
  file(path: string): string;
  /** The app's native folder picker; the CLI has none. */
  pickFolder(purpose: 'backup' | 'export' | 'review'): Promise<string | null>;
  pickFile(purpose: 'ssh-key' | 'backup-file'): Promise<string | null>;
  /** The app sends events to its window; the CLI shows backup progress. */
  emit<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void;
}

/** One call's own context: the runtime's cancel signal, and CLI-only material that never crosses IPC. */
export interface Call {
  signal: AbortSignal;
  /** age identities the operator gave to open the backup (CLI --identity), instead of the keychain's key. */
  identities?: string[];
  /** Cancels the activity holding a lock, in this process or another; true once it has stopped, false when none ran (src-main/operations/runtime). */
  cancel(lock: 'backup' | 'check' | 'restore' | 'storage', key: string): Promise<boolean>;
}

export type OperationHandlers = {
  [M in IpcMethod]: (input: IpcParsedInput<M>, call: Call) => Promise<IpcOutput<M>> | IpcOutput<M>;
};

/** Each operation of the catalog on the core, once, for both shells. */
export function operationHandlers(warden: Warden, shell: Shell): OperationHandlers {
  const { projects, audit } = warden;
  // A cancel naming an unknown run or project is an error (NOT_FOUND), not "nothing was running".
  const known = { run: (id: string) => warden.runs.get(id), project: (id: string) => projects.get(id) };
  return {
    listProjects: () => projects.list(),
    getProject: ({ id }) => projects.get(id),
    createProject: (input) => projects.create(input),
    updateProject: ({ id, changes }) => projects.update(id, changes),
    deleteProject: async ({ id, confirmName }) => {
      const project = projects.get(id);
      if (confirmName !== project.name) {
        throw new WardenError('VALIDATION', `Removing "${project.name}" deletes its profile and its secrets from the keychain: repeat its name exactly to confirm ("${project.name}").`);
      }
      await projects.remove(id);
      return null;
    },
    testConnection: ({ id, confirmTables }) => projects.testConnection(id, { confirmTables }),
    exportRecoveryKey: ({ projectId, folder, format }) => warden.keyEscrow.export(projectId, shell.folder(folder), format),
    importRecoveryKey: ({ projectId, identity }) => warden.keyEscrow.import(projectId, identity),
    getStatus: (input) => statusReport(warden, input?.at ? new Date(input.at) : new Date(), input?.projectId),
    listRuns: ({ projectId }) => listRunViews(warden, projectId),
    getRun: ({ runId }) => runView(warden, runId),
    pickFolder: ({ purpose }) => shell.pickFolder(purpose),
    pickFile: ({ purpose }) => shell.pickFile(purpose),
    startBackup: async ({ projectId, name, description, extraRecipients, acknowledgeSingleKey, jobs, outputDir }, { signal }) => {
      let runId: string | undefined;
      try {
        const r = await warden.backups.run(
          { projectId, name, description, extraRecipients, acknowledgeSingleKey, jobs },
          {
            outputDir: shell.folder(outputDir),
            signal,
            onStarted: (id) => {
              runId = id;
              shell.emit('runChanged', { runId: id });
            },
            onProgress: (progress) => runId && shell.emit('backupProgress', { projectId, runId, progress }),
          },
        );
        const { totals, files } = r.manifest;
        return {
          runId: r.runId, backupId: r.backupId, dumpFile: r.dumpFile, manifestFile: r.manifestFile,
          publicTables: totals.publicTables, rows: totals.rows, ciphertextBytes: files.dump.ciphertextBytes, ciphertextSha256: files.dump.ciphertextSha256,
        };
      } finally {
        if (runId) shell.emit('runChanged', { runId });
      }
    },
    cancelBackup: ({ projectId }, call) => (known.project(projectId), call.cancel('backup', projectId)),
    checkIntegrity: ({ runId }, { signal, identities }) => warden.integrity.verify(runId, { signal, identities, onProgress: (progress) => shell.emit('checkProgress', { runId, progress }) }),
    rehearse: ({ runId, amcheck, target }, { signal, identities }) => warden.rehearsal.rehearse(runId, { amcheck, target, signal, identities, onProgress: (progress) => shell.emit('checkProgress', { runId, progress }) }),
    checkRecovery: ({ runId, key }, { signal }) => warden.recovery.check(runId, key, signal),
    cancelCheck: ({ runId }, call) => (known.run(runId), call.cancel('check', runId)),
    previewRestore: ({ runId, targetProjectId }, { signal }) => warden.rollback.preview(runId, targetProjectId, signal),
    // Each phase (safety backup, restoring, verifying) shows in the run view as it begins.
    restore: ({ runId, ...request }, { signal, identities }) =>
      warden.rollback.restore(runId, request, { signal, identities, onPhase: () => shell.emit('runChanged', { runId }), onStorageProgress: (progress) => shell.emit('storageProgress', { runId, progress }) }),
    restorePlatform: ({ runId, ...request }) => warden.rollback.restorePlatform(runId, request),
    cancelRestore: ({ targetProjectId }, call) => (known.project(targetProjectId), call.cancel('restore', targetProjectId)),
    checkPlatform: ({ runId, request }) => warden.platform.check(runId, request),
    attestPlatform: ({ runId, attestation }) => warden.platform.attest(runId, attestation),
    signOff: ({ runId, request }, { signal }) =>
      warden.signOffs.signOff(
        runId,
        {
          ...request,
          ...(request.keyFile !== undefined ? { keyFile: shell.file(request.keyFile) } : {}),
          ...(request.reviewBundle !== undefined ? { reviewBundle: shell.folder(request.reviewBundle) } : {}),
        },
        undefined,
        signal,
      ),
    backupStorage: ({ runId }, { signal }) => warden.storage.backup(runId, { signal, onProgress: (progress) => shell.emit('storageProgress', { runId, progress }) }),
    leaveStorageOut: ({ runId, by, reason }) => warden.storage.outOfScope(runId, by, reason),
    cancelStorage: ({ runId }, call) => (known.run(runId), call.cancel('storage', runId)),
    listAgentKeys: () => listAgentKeys(),
    exportReview: ({ runId, folder }) => warden.reviews.exportBundle(runId, shell.folder(folder)),
    signReview: ({ bundle, backupFile, name, keyFile, agentKey, identity }, { signal }) =>
      warden.reviews.signBundle(
        { bundle: shell.folder(bundle), backupFile: shell.file(backupFile), name, key: signerKey(keyFile === undefined ? undefined : shell.file(keyFile), agentKey), identities: identity === undefined ? undefined : identitiesIn(identity) },
        signal,
      ),
    previewLog: ({ runId }) => warden.exports.preview(runId),
    exportLog: async ({ runId, folder }) => {
      const r = await warden.exports.export(runId, shell.folder(folder));
      return { ...r, verified: warden.exports.verifyExport(r.markdownFile).ok };
    },
    notifyTeam: async (input) => {
      if (input.mode === 'send') {
        const { status } = await warden.notify.send(input.runId);
        return { message: warden.notify.message(input.runId), status };
      }
      if (input.mode === 'confirm') warden.notify.confirmSent(input.runId, input.by, input.channel);
      return { message: warden.notify.message(input.runId), status: null };
    },
    listAudit: (query) => audit.list(query),
    verifyAudit: (input) => {
      const head = input?.head?.split(':');
      return head ? audit.verifyAgainst({ seq: Number(head[0]), hash: head[1]! }) : audit.verify();
    },
    exportAudit: ({ format, folder }) => {
      const { text, entries } = renderAuditExport(audit, format);
      // A new file each time, written whole then renamed: never through an existing file or link.
      const file = `${shell.folder(folder)}${sep}backup-warden-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
      writeFileAtomic(file, text);
      audit.append({ actor: warden.actor, action: 'audit.exported', details: { file, format, entries } });
      return { file, entries };
    },
    lookupSupabase: ({ ref, token, projectId }) => warden.platform.lookup(ref, { token, projectId }),
    getSettings: () => settingsView(warden.settings.get()),
    updateSettings: (patch) => settingsView(warden.settings.update(patch)),
  };
}

/** The settings with every PostgreSQL installation found, the tools folder first. */
async function settingsView(settings: { pgToolsDir: string | null }) {
  return { ...settings, detected: await detectPgTools(settings.pgToolsDir ? [settings.pgToolsDir] : []) };
}
