import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import { openExternal } from './window';

/** A small menu: no reload or developer tools in a packaged build, help links through the vetted opener. */
export function installMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [{ role: process.platform === 'darwin' ? 'close' : 'quit' }] },
    { role: 'editMenu' },
    { label: 'View', submenu: [...(app.isPackaged ? [] : [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }]), { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }] },
    {
      role: 'help',
      submenu: [
        { label: 'Supabase backups', click: () => openExternal('https://supabase.com/docs/guides/platform/backups') },
        { label: 'pg_dump reference', click: () => openExternal('https://www.postgresql.org/docs/current/app-pgdump.html') },
        { label: 'age file encryption', click: () => openExternal('https://age-encryption.org/') },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
