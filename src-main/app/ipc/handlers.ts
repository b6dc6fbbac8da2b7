import type { Warden } from '../../core/warden';
import type { IpcHandlers } from './router';

/** Each IPC method mapped onto the core: no logic here beyond picking the call. */
export function createHandlers(warden: Warden): IpcHandlers {
  const { projects, audit } = warden;
  return {
    listProjects: () => projects.list(),
    getProject: ({ id }) => projects.get(id),
    createProject: (input) => projects.create(input),
    updateProject: ({ id, changes }) => projects.update(id, changes),
    deleteProject: async ({ id }) => {
      await projects.remove(id);
      return null;
    },
    testConnection: ({ id }) => projects.testConnection(id),
    listAudit: (query) => audit.list(query),
    verifyAudit: () => audit.verify(),
  };
}
