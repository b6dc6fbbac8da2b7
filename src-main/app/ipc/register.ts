import { ipcMain } from 'electron';
import { ipcChannel, ipcMethods } from '../../contract/methods';
import type { IpcDispatch } from './router';

/** Binds each contract method to ipcMain.handle; the sender frame's URL goes to the router's check. */
export function registerIpc(dispatch: IpcDispatch): void {
  for (const method of ipcMethods) {
    ipcMain.handle(ipcChannel(method), (event, payload: unknown) => dispatch(method, payload, event.senderFrame?.url));
  }
}
