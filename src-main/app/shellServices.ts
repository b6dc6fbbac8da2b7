import { BrowserWindow, dialog } from 'electron';
import { ipcEventChannel } from '../contract/methods';
import type { ShellServices } from './ipc/handlers';

const titles = {
  backup: 'Folder for the encrypted backup',
  export: 'Folder to export the signed log or the review bundle into (e.g. your repository)',
  review: 'Review bundle folder (review-…)',
} as const;
const fileTitles = {
  'ssh-key': 'Your SSH private key (ssh-keygen signs with it; Backup Warden never reads it)',
  'backup-file': 'The backup file to review (.dump.age)',
} as const;

/** The Electron side of what handlers need from a shell: the native folder picker, and events to the window. */
export function createShellServices(mainWindow: () => BrowserWindow | undefined): ShellServices {
  return {
    async pickFolder(purpose) {
      const options: Electron.OpenDialogOptions = { title: titles[purpose], properties: ['openDirectory', 'createDirectory'] };
      const parent = BrowserWindow.getFocusedWindow() ?? mainWindow();
      const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
    async pickFile(purpose) {
      const options: Electron.OpenDialogOptions = { title: fileTitles[purpose], properties: ['openFile', 'showHiddenFiles'] };
      const parent = BrowserWindow.getFocusedWindow() ?? mainWindow();
      const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
    emit(event, payload) {
      const win = mainWindow();
      if (win && !win.isDestroyed()) win.webContents.send(ipcEventChannel(event), payload);
    },
  };
}
