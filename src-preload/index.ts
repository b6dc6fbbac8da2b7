import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcChannel, ipcEventChannel, ipcEvents, ipcEventSubscriber, ipcMethods } from '../src-main/contract/methods';
import type { WardenApi } from '../src-main/contract/ipc';

// Named functions only: the page never gets ipcRenderer itself, nor a way to pick a channel.
const methods = Object.fromEntries(ipcMethods.map((method) => [method, (input?: unknown) => ipcRenderer.invoke(ipcChannel(method), input)]));

// One subscription function per event (onBackupProgress, onRunChanged); each returns its unsubscribe.
const subscriptions = Object.fromEntries(
  ipcEvents.map((event) => [
    ipcEventSubscriber(event),
    (listener: (payload: unknown) => void) => {
      const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(ipcEventChannel(event), handler);
      return () => ipcRenderer.removeListener(ipcEventChannel(event), handler);
    },
  ]),
);

contextBridge.exposeInMainWorld('warden', { ...methods, ...subscriptions } as unknown as WardenApi);
