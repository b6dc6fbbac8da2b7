import { contextBridge, ipcRenderer } from 'electron';
import { ipcChannel, ipcMethods } from '../src-main/contract/methods';
import type { WardenApi } from '../src-main/contract/ipc';

// Named functions only: the page never gets ipcRenderer itself, nor a way to pick a channel.
const api = Object.fromEntries(
  ipcMethods.map((method) => [method, (input?: unknown) => ipcRenderer.invoke(ipcChannel(method), input)]),
) as WardenApi;

contextBridge.exposeInMainWorld('warden', api);
