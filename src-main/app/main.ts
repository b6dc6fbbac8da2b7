import { app, BrowserWindow, dialog } from 'electron';
import { ipcEventChannel } from '../contract/methods';
import { defaultDataDir } from '../core/dataDir';
import { openWarden, type Warden } from '../core/warden';
import { toErrorShape } from '../core/errors';
import { createHandlers } from './ipc/handlers';
import { registerIpc } from './ipc/register';
import { createIpcRouter } from './ipc/router';
import { createSenderCheck } from './security';
import { createMainWindow, hardenSession, rendererEntry } from './window';

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

let warden: Warden | undefined;

app
  .whenReady()
  .then(() => {
    warden = openWarden({ dataDir: defaultDataDir() });
    hardenSession();
    // Filled in once the window exists; the shell's callbacks only run after that.
    const main: { window?: BrowserWindow } = {};
    const shell = {
      pickFolder: async (purpose: 'backup' | 'export') => {
        const title = purpose === 'backup' ? 'Folder for the encrypted backup' : 'Folder to export the signed log into (e.g. your repository)';
        const parent = BrowserWindow.getFocusedWindow() ?? main.window;
        const options = { title, properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
        const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
        return picked.canceled ? null : (picked.filePaths[0] ?? null);
      },
      emit: (event: 'backupProgress', payload: unknown) => {
        if (main.window && !main.window.isDestroyed()) main.window.webContents.send(ipcEventChannel(event), payload);
      },
    };
    registerIpc(
      createIpcRouter(createHandlers(warden, shell), createSenderCheck(rendererEntry), (method, error) => {
        console.error(`[ipc] ${method}: ${toErrorShape(error).message}`);
      }),
    );
    // Handlers first, then the window: the page may call them as soon as it loads.
    main.window = createMainWindow();
  })
  .catch((error: unknown) => {
    dialog.showErrorBox('Backup Warden could not start', toErrorShape(error).message);
    app.exit(1);
  });

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => warden?.close());
