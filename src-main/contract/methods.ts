// The names of the preload API, free of zod so the sandboxed preload bundle stays tiny.
export const ipcMethods = [
  'listProjects',
  'getProject',
  'createProject',
  'updateProject',
  'deleteProject',
  'testConnection',
  'exportRecoveryKey',
  'importRecoveryKey',
  'getStatus',
  'listRuns',
  'getRun',
  'pickFolder',
  'pickFile',
  'startBackup',
  'cancelBackup',
  'checkIntegrity',
  'checkRecovery',
  'cancelCheck',
  'rehearse',
  'previewRestore',
  'restore',
  'restorePlatform',
  'cancelRestore',
  'checkPlatform',
  'attestPlatform',
  'backupStorage',
  'cancelStorage',
  'leaveStorageOut',
  'signOff',
  'listAgentKeys',
  'exportReview',
  'signReview',
  'previewLog',
  'exportLog',
  'notifyTeam',
  'listAudit',
  'verifyAudit',
  'exportAudit',
  'lookupSupabase',
  'getSettings',
  'updateSettings',
] as const;
export type IpcMethod = (typeof ipcMethods)[number];

export const ipcChannel = (method: IpcMethod): string => `warden:${method}`;

/** Main → renderer events. */
export const ipcEvents = ['backupProgress', 'storageProgress', 'checkProgress', 'runChanged'] as const;
export type IpcEvent = (typeof ipcEvents)[number];
export const ipcEventChannel = (event: IpcEvent): string => `warden-event:${event}`;
/** The preload's subscription function for an event: backupProgress → onBackupProgress. */
export const ipcEventSubscriber = (event: IpcEvent): string => `on${event[0]!.toUpperCase()}${event.slice(1)}`;
