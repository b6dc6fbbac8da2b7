import { isAbsolute, resolve, sep } from 'node:path';
import type { IpcEvent } from '../../contract/methods';
import { ipcEventContract, type IpcEventPayload } from '../../contract/ipc';
import { WardenError } from '../../core/errors';
import type { Warden } from '../../core/warden';
import { bindOperations } from '../../operations/runtime';
import type { IpcHandlers } from './router';

/** What differs between app shells: the Electron app shows a native dialog and sends to its window; the test bridge does neither. */
export interface ShellServices {
  pickFolder(purpose: 'backup' | 'export' | 'review'): Promise<string | null>;
  pickFile(purpose: 'ssh-key' | 'backup-file'): Promise<string | null>;
  emit<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void;
}

/**
 * The catalog's operations as the app runs them. The renderer may only name folders and files the user
 * picked through the pickers in this session: it never chooses an arbitrary path.
 */
export function createHandlers(warden: Warden, services: ShellServices): IpcHandlers {
  const picked = new Set<string>();
  const pickedFiles = new Set<string>();
  return bindOperations(warden, {
    // Resolved before the check, so "<picked>/../../etc" is judged as the /etc it names.
    folder: (path) => {
      const folder = resolve(path);
      if (!isAbsolute(path) || ![...picked].some((p) => folder === p || folder.startsWith(p + sep))) {
        throw new WardenError('FORBIDDEN', 'Choose the folder with the folder picker first.');
      }
      return folder;
    },
    file: (path) => {
      if (!isAbsolute(path) || !pickedFiles.has(resolve(path))) throw new WardenError('FORBIDDEN', 'Choose the file with the file picker first.');
      return resolve(path);
    },
    pickFolder: async (purpose) => {
      const folder = await services.pickFolder(purpose);
      if (folder) picked.add(resolve(folder));
      return folder;
    },
    pickFile: async (purpose) => {
      const file = await services.pickFile(purpose);
      if (file) pickedFiles.add(resolve(file));
      return file;
    },
    // Events leave main parsed against the contract too, so a field it does not name never reaches the page.
    emit: (event, payload) => services.emit(event, ipcEventContract[event].parse(payload) as IpcEventPayload<typeof event>),
  });
}
