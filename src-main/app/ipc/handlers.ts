import { isAbsolute, resolve, sep } from 'node:path';
import { ipcMethods, type IpcEvent, type IpcMethod } from '../../contract/methods';
import { operations, type Operation } from '../../contract/operations';
import { ipcEventContract, type IpcEventPayload } from '../../contract/ipc';
import { renderAuditExport } from '../../core/audit/auditExport';
import { WardenError } from '../../core/errors';
import { listRunViews, runView } from '../../core/runs/runView';
import { writeFileAtomic } from '../../core/util/atomicFile';
import type { Warden } from '../../core/warden';
import type { IpcHandlers } from './router';

/** What differs between shells: the Electron app shows a native dialog and sends to its window; the test bridge does neither. */
export interface ShellServices {
  pickFolder(purpose: 'backup' | 'export'): Promise<string | null>;
  emit<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void;
}

/**
 * Each IPC method mapped onto the core. The renderer may only name folders the user picked through
 * pickFolder in this session: it never chooses an arbitrary path.
 */
export function createHandlers(warden: Warden, shell: ShellServices): IpcHandlers {
  const { projects, audit } = warden;
  // Events leave main parsed against the contract too, so a field it does not name never reaches the page.
  const emit = <E extends IpcEvent>(event: E, payload: IpcEventPayload<E>) => shell.emit(event, ipcEventContract[event].parse(payload) as IpcEventPayload<E>);
  /**
   * Runs an action on a run and tells views of it to reload: once right away (long checks have marked
   * their item running by their first await) and once when the action ends, however it ends.
   */
  const changing = async <T>(runId: string, action: () => Promise<T> | T): Promise<T> => {
    const pending = (async () => action())(); // runs up to its first await right here
    emit('runChanged', { runId });
    try {
      return await pending;
    } finally {
      emit('runChanged', { runId });
    }
  };
  const picked = new Set<string>();
  const running = new Map<string, AbortController>();
  // The integrity check or rehearsal running on a run, so the UI can cancel it.
  const checking = new Map<string, AbortController>();
  const cancellable = <T,>(runId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    if (checking.has(runId)) throw new WardenError('CONFLICT', 'A check is already running on this backup. Wait for it to finish or cancel it first.');
    const controller = new AbortController();
    checking.set(runId, controller);
    return work(controller.signal).finally(() => checking.delete(runId));
  };
  // Resolved before the check, so "<picked>/../../etc" is judged as the /etc it names.
  const pickedFolder = (path: string): string => {
    const folder = resolve(path);
    if (!isAbsolute(path) || ![...picked].some((p) => folder === p || folder.startsWith(p + sep))) {
      throw new WardenError('FORBIDDEN', 'Choose the folder with the folder picker first.');
    }
    return folder;
  };
  const handlers: IpcHandlers = {
    listProjects: () => projects.list(),
    getProject: ({ id }) => projects.get(id),
    createProject: (input) => projects.create(input),
    updateProject: ({ id, changes }) => projects.update(id, changes),
    deleteProject: async ({ id }) => {
      await projects.remove(id);
      return null;
    },
    testConnection: ({ id }) => projects.testConnection(id),
    listRuns: ({ projectId }) => listRunViews(warden, projectId),
    getRun: ({ runId }) => runView(warden, runId),
    pickFolder: async ({ purpose }) => {
      const folder = await shell.pickFolder(purpose);
      if (folder) picked.add(resolve(folder));
      return folder;
    },
    startBackup: async ({ projectId, name, description, extraRecipients, outputDir }) => {
      // Refused here too, so the first backup's cancel handle is never replaced by a second request.
      if (running.has(projectId)) throw new WardenError('CONFLICT', 'A backup of this project is already running. Wait for it to finish or cancel it first.');
      const controller = new AbortController();
      running.set(projectId, controller);
      let runId: string | undefined;
      try {
        const r = await warden.backups.run(
          { projectId, name, description, extraRecipients },
          {
            outputDir: pickedFolder(outputDir),
            signal: controller.signal,
            onStarted: (id) => {
              runId = id;
              emit('runChanged', { runId: id });
            },
            onProgress: (progress) => runId && emit('backupProgress', { projectId, runId, progress }),
          },
        );
        return { runId: r.runId, backupId: r.backupId, dumpFile: r.dumpFile, manifestFile: r.manifestFile };
      } finally {
        if (running.get(projectId) === controller) running.delete(projectId);
        if (runId) emit('runChanged', { runId });
      }
    },
    cancelBackup: ({ projectId }) => {
      const controller = running.get(projectId);
      controller?.abort();
      return controller !== undefined;
    },
    checkIntegrity: ({ runId }) => cancellable(runId, (signal) => warden.integrity.verify(runId, { signal })),
    rehearse: ({ runId, amcheck, target }) => cancellable(runId, (signal) => warden.rehearsal.rehearse(runId, { amcheck, target, signal })),
    cancelCheck: ({ runId }) => {
      const controller = checking.get(runId);
      controller?.abort();
      return controller !== undefined;
    },
    checkPlatform: ({ runId, request }) => warden.platform.check(runId, request),
    attestPlatform: ({ runId, attestation }) => warden.platform.attest(runId, attestation),
    signOff: ({ runId, request }) => warden.signOffs.signOff(runId, request),
    previewLog: ({ runId }) => warden.exports.preview(runId),
    exportLog: async ({ runId, folder }) => {
      const r = await warden.exports.export(runId, pickedFolder(folder));
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
    verifyAudit: () => audit.verify(),
    exportAudit: ({ format, folder }) => {
      const { text, entries } = renderAuditExport(audit, format);
      const file = `${pickedFolder(folder)}${sep}backup-warden-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
      writeFileAtomic(file, text);
      audit.append({ actor: warden.actor, action: 'audit.exported', details: { file, format, entries } });
      return { file, entries };
    },
  };
  // The catalog says which operations change a run: their views are told to reload around them.
  for (const method of ipcMethods) {
    if (!(operations[method] as Operation).changesRun) continue;
    const handle = handlers[method] as (input: { runId: string }) => unknown;
    (handlers as Record<IpcMethod, unknown>)[method] = (input: { runId: string }) => changing(input.runId, () => handle(input));
  }
  return handlers;
}
