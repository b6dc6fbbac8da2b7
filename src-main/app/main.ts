import { app, dialog } from 'electron';
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
    warden = openWarden({ dataDir: app.getPath('userData') });
    hardenSession();
    registerIpc(
      createIpcRouter(createHandlers(warden), createSenderCheck(rendererEntry), (method, error) => {
        console.error(`[ipc] ${method}: ${toErrorShape(error).message}`);
      }),
    );
    createMainWindow();
  })
  .catch((error: unknown) => {
    dialog.showErrorBox('Backup Warden could not start', toErrorShape(error).message);
    app.exit(1);
  });

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => warden?.close());
