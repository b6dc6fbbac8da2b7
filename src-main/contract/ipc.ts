import { z } from 'zod';
import { auditEntrySchema, chainVerdictSchema } from './audit';
import type { Result } from './errors';
import type { IpcMethod } from './methods';
import {
  connectionReportSchema,
  projectIdSchema,
  projectInputSchema,
  projectPatchSchema,
  projectViewSchema,
} from './project';

const none = z.undefined();
const byId = z.object({ id: projectIdSchema }).strict();

/**
 * The one IPC contract. Main validates every input against it; outputs are parsed too, which strips
 * any field the schema does not name, so nothing unlisted (a secret) can leave the main process.
 */
export const ipcContract = {
  listProjects: { input: none, output: z.array(projectViewSchema) },
  getProject: { input: byId, output: projectViewSchema },
  createProject: { input: projectInputSchema, output: projectViewSchema },
  updateProject: { input: z.object({ id: projectIdSchema, changes: projectPatchSchema }).strict(), output: projectViewSchema },
  deleteProject: { input: byId, output: z.null() },
  testConnection: { input: byId, output: connectionReportSchema },
  listAudit: {
    input: z
      .object({
        afterSeq: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        runId: z.string().uuid().optional(),
      })
      .strict(),
    output: z.array(auditEntrySchema),
  },
  verifyAudit: { input: none, output: chainVerdictSchema },
} satisfies Record<IpcMethod, { input: z.ZodType; output: z.ZodType }>;

export type IpcInput<M extends IpcMethod> = z.input<(typeof ipcContract)[M]['input']>;
export type IpcParsedInput<M extends IpcMethod> = z.output<(typeof ipcContract)[M]['input']>;
export type IpcOutput<M extends IpcMethod> = z.output<(typeof ipcContract)[M]['output']>;

/** What the preload exposes as window.warden: one named function per method. */
export type WardenApi = {
  [M in IpcMethod]: IpcInput<M> extends undefined
    ? () => Promise<Result<IpcOutput<M>>>
    : (input: IpcInput<M>) => Promise<Result<IpcOutput<M>>>;
};
