// The names of the preload API, free of zod so the sandboxed preload bundle stays tiny.
export const ipcMethods = [
  'listProjects',
  'getProject',
  'createProject',
  'updateProject',
  'deleteProject',
  'testConnection',
  'listAudit',
  'verifyAudit',
] as const;
export type IpcMethod = (typeof ipcMethods)[number];

export const ipcChannel = (method: IpcMethod): string => `warden:${method}`;
