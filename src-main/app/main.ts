import { app, dialog, Notification, type BrowserWindow } from 'electron';
import { defaultDataDir } from '../core/dataDir';
import { describeRecovered } from '../core/runs/activities';
import { openWarden, type Warden } from '../core/warden';
import { toErrorShape } from '../core/errors';
import { protectionAlert, statusReport } from '../core/watch/projectStatus';
import { createHandlers } from './ipc/handlers';
import { registerIpc } from './ipc/register';
import { createIpcRouter } from './ipc/router';
import { installMenu } from './menu';
import { createSenderCheck } from './security';
import { createShellServices } from './shellServices';
import { createMainWindow, hardenSession, registerAppScheme, rendererEntry, serveRenderer } from './window';

app.enableSandbox();
registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

let warden: Warden | undefined;

app
  .whenReady()
  .then(() => {
    warden = openWarden({ dataDir: defaultDataDir() });
    hardenSession();
    serveRenderer();
    installMenu();
    // Filled in once the window exists; the shell's callbacks only run after that.
    const main: { window?: BrowserWindow } = {};
    const shell = createShellServices(() => main.window);
    registerIpc(
      createIpcRouter(createHandlers(warden, shell), createSenderCheck(rendererEntry), (method, error) => {
        console.error(`[ipc] ${method}: ${toErrorShape(error).message}`);
      }),
    );
    // Handlers first, then the window: the page may call them as soon as it loads.
    main.window = createMainWindow();
    watchRetention(warden);
    if (warden.recovered.length) {
      // Tell the operator at once; the runs and the audit trail carry the details.
      const lines = warden.recovered.map((r) => `• ${describeRecovered(r)}`);
      void dialog.showMessageBox(main.window, {
        type: 'warning',
        title: 'Interrupted work found',
        message: 'Backup Warden was stopped while it worked. This was cleaned up and marked in the audit trail:',
        detail: lines.join('\n'),
      });
    }
  })
  .catch((error: unknown) => {
    dialog.showErrorBox('Backup Warden could not start', toErrorShape(error).message);
    app.exit(1);
  });

/**
 * The retention watch, on every start and hourly while the app runs: a desktop notification when a
 * migration window is no longer covered by its platform backup (again only when that changes).
 */
function watchRetention(core: Warden): void {
  let shown = '';
  const check = () => {
    try {
      const alert = protectionAlert(statusReport(core, new Date()));
      if (alert && alert.body !== shown && Notification.isSupported()) new Notification(alert).show();
      shown = alert?.body ?? '';
    } catch (error) {
      // The dashboard shows the same state; a failed check must not take the app down.
      console.error(`[retention watch] ${toErrorShape(error).message}`);
    }
  };
  check();
  setInterval(check, 3_600_000).unref();
}

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => warden?.close());
