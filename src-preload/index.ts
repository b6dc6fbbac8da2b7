import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcChannel, ipcEventChannel, ipcMethods } from '../src-main/contract/methods';
import type { IpcEventPayload, WardenApi } from '../src-main/contract/ipc';

// Named functions only: the page never gets ipcRenderer itself, nor a way to pick a channel.
const methods = Object.fromEntries(ipcMethods.map((method) => [method, (input?: unknown) => ipcRenderer.invoke(ipcChannel(method), input)]));

const api = {
  ...methods,
  onBackupProgress(listener: (event: IpcEventPayload<'backupProgress'>) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: IpcEventPayload<'backupProgress'>) => listener(payload);
    ipcRenderer.on(ipcEventChannel('backupProgress'), handler);
    return () => ipcRenderer.removeListener(ipcEventChannel('backupProgress'), handler);
  },
} as unknown as WardenApi;

contextBridge.exposeInMainWorld('warden', api);
