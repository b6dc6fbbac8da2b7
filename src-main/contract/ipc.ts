import { z } from 'zod';
import { auditEntrySchema, chainVerdictSchema } from './audit';
import { backupNameSchema, backupRequestSchema, backupResultSchema } from './backup';
import type { Result } from './errors';
import type { IpcEvent, IpcMethod } from './methods';
import { platformAttestationSchema, platformCheckRequestSchema, platformEvidenceSchema } from './platform';
import {
  connectionReportSchema,
  projectIdSchema,
  projectInputSchema,
  projectPatchSchema,
  projectViewSchema,
} from './project';
import { backupProgressEventSchema, runChangedEventSchema, runViewSchema } from './runs';
import { signOffRequestSchema, signOffSchema } from './signoff';
import { rehearsalReportSchema, rehearsalTargetSchema, verifyReportSchema } from './verify';

const none = z.undefined();
const byId = z.object({ id: projectIdSchema }).strict();
const runId = z.uuid({ message: 'must be a run id (UUID)' });
const byRun = z.object({ runId }).strict();
/** A folder the user picked in this session (main keeps the list and refuses any other). */
const folder = z.string().min(1).max(4096);

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
  listRuns: { input: z.object({ projectId: projectIdSchema.optional() }).strict(), output: z.array(runViewSchema) },
  getRun: { input: byRun, output: runViewSchema },
  pickFolder: { input: z.object({ purpose: z.enum(['backup', 'export']) }).strict(), output: z.string().nullable() },
  startBackup: {
    input: z
      .object({
        projectId: projectIdSchema,
        name: backupNameSchema.optional(),
        description: z.string().max(2000).default(''),
        extraRecipients: backupRequestSchema.shape.extraRecipients,
        outputDir: folder,
      })
      .strict(),
    output: backupResultSchema.pick({ runId: true, backupId: true, dumpFile: true, manifestFile: true }),
  },
  cancelBackup: { input: z.object({ projectId: projectIdSchema }).strict(), output: z.boolean() },
  checkIntegrity: { input: byRun, output: verifyReportSchema },
  /** Cancels the integrity check or rehearsal running on a run; true when one was running. */
  cancelCheck: { input: byRun, output: z.boolean() },
  rehearse: {
    input: z.object({ runId, amcheck: z.boolean().default(false), target: rehearsalTargetSchema.default({ kind: 'embedded' }) }).strict(),
    output: rehearsalReportSchema,
  },
  checkPlatform: { input: z.object({ runId, request: platformCheckRequestSchema }).strict(), output: platformEvidenceSchema },
  attestPlatform: { input: z.object({ runId, attestation: platformAttestationSchema }).strict(), output: platformEvidenceSchema },
  signOff: {
    input: z.object({ runId, request: signOffRequestSchema }).strict(),
    output: signOffSchema,
  },
  previewLog: { input: byRun, output: z.object({ markdown: z.string(), suggestedPath: z.string() }) },
  exportLog: {
    input: z.object({ runId, folder }).strict(),
    output: z.object({ markdownFile: z.string(), jsonFile: z.string(), signatureFiles: z.array(z.string()), allowedSignersFile: z.string(), fingerprint: z.string(), markdownSha256: z.string(), verified: z.boolean() }),
  },
  notifyTeam: {
    input: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('message'), runId }).strict(),
      z.object({ mode: z.literal('send'), runId }).strict(),
      z.object({ mode: z.literal('confirm'), runId, by: z.string().trim().min(2).max(120), channel: z.string().trim().min(2).max(120) }).strict(),
    ]),
    output: z.object({ message: z.string(), status: z.number().nullable() }),
  },
  listAudit: {
    input: z
      .object({
        afterSeq: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        runId: runId.optional(),
      })
      .strict(),
    output: z.array(auditEntrySchema),
  },
  verifyAudit: { input: none, output: chainVerdictSchema },
  exportAudit: { input: z.object({ format: z.enum(['csv', 'json']), folder }).strict(), output: z.object({ file: z.string(), entries: z.number() }) },
} satisfies Record<IpcMethod, { input: z.ZodType; output: z.ZodType }>;

export const ipcEventContract = {
  backupProgress: backupProgressEventSchema,
  runChanged: runChangedEventSchema,
} satisfies Record<IpcEvent, z.ZodType>;

export type IpcInput<M extends IpcMethod> = z.input<(typeof ipcContract)[M]['input']>;
export type IpcParsedInput<M extends IpcMethod> = z.output<(typeof ipcContract)[M]['input']>;
export type IpcOutput<M extends IpcMethod> = z.output<(typeof ipcContract)[M]['output']>;
export type IpcEventPayload<E extends IpcEvent> = z.output<(typeof ipcEventContract)[E]>;

/** What the preload exposes as window.warden: one named function per method, and one subscription per event. */
export type WardenApi = {
  [M in IpcMethod]: IpcInput<M> extends undefined
    ? () => Promise<Result<IpcOutput<M>>>
    : (input: IpcInput<M>) => Promise<Result<IpcOutput<M>>>;
} & {
  // One subscription per event, named as ipcEventSubscriber names it (backupProgress → onBackupProgress); returns its unsubscribe.
  [E in IpcEvent as `on${Capitalize<E>}`]: (listener: (event: IpcEventPayload<E>) => void) => () => void;
};
