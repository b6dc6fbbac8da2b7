import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the app database lives; the Electron app and the CLI share it. BACKUP_WARDEN_DATA overrides. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.BACKUP_WARDEN_DATA) return env.BACKUP_WARDEN_DATA;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Backup Warden');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Backup Warden');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Backup Warden');
}

/** Where files the app can always make again are kept (pristine scratch clusters): the platform's cache folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Backup Warden', 'Cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'Backup Warden');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'Backup Warden');
}
