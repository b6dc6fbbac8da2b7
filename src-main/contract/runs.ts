import { z } from 'zod';
import { backupProgressSchema, progressPace } from './backup';
import { storageConsistencySchema, storageProgressSchema } from './storage';
import type { ChecklistKey } from './checklist';
import { itemEvidenceSchema } from './evidence';
import { signOffSchema } from './signoff';
import { restoreRecordSchema } from './restore';

export const itemStateSchema = z.enum(['pending', 'running', 'passed', 'partial', 'failed', 'skipped']);

const itemBase = z.object({
  title: z.string(),
  mode: z.enum(['verified', 'attested']),
  state: itemStateSchema,
  attestedBy: z.string().nullable(),
  attestedAt: z.string().nullable(),
  note: z.string().nullable(),
  updatedAt: z.string(),
});
const itemView = <K extends ChecklistKey>(key: K) => itemBase.extend({ key: z.literal(key), evidence: itemEvidenceSchema(key) });

/** One checklist item with its typed evidence: a union discriminated by the item's key. */
export const checklistItemViewSchema = z.discriminatedUnion('key', [
  itemView('prerequisites'),
  itemView('backup'),
  itemView('storage'),
  itemView('integrity'),
  itemView('recovery'),
  itemView('log'),
  itemView('rehearsal'),
  itemView('sign-off'),
  itemView('notify'),
]);
export type ChecklistItemView = z.infer<typeof checklistItemViewSchema>;
export type ItemView<K extends ChecklistKey> = Extract<ChecklistItemView, { key: K }>;

export const runViewSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
  createdBy: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  items: z.array(checklistItemViewSchema),
  signOffs: z.array(signOffSchema),
  backupFile: z.string().nullable(),
  /** The run's Storage backup, once written: the archive and what it holds. */
  storage: z
    .object({ archiveFile: z.string(), buckets: z.array(z.string()), excludedBuckets: z.array(z.string()), objects: z.number().int(), bytes: z.number(), ciphertextSha256: z.string(), finishedAt: z.string(), consistency: storageConsistencySchema.nullable() })
    .nullable(),
  /** How long each timed step took, in checklist order (steps not done or not timed are absent). */
  durations: z.array(z.object({ key: z.enum(['backup', 'storage', 'integrity', 'rehearsal']), ms: z.number() })),
  /** Restores of this run's backup into a project (rollbacks), oldest first. */
  restores: z.array(restoreRecordSchema),
});
export type RunView = z.infer<typeof runViewSchema>;

/** A long check (integrity, rehearsal) as it runs: its phase, how far overall, and an estimate of what is left. */
export const checkProgressSchema = progressPace.extend({
  activity: z.enum(['integrity', 'rehearsal']),
  phase: z.string(),
  step: z.number().int(),
  steps: z.number().int(),
});
export type CheckProgress = z.infer<typeof checkProgressSchema>;
export const checkProgressEventSchema = z.object({ runId: z.string(), progress: checkProgressSchema });

export const backupProgressEventSchema = z.object({ projectId: z.string(), runId: z.string(), progress: backupProgressSchema });
export const storageProgressEventSchema = z.object({ runId: z.string(), progress: storageProgressSchema });
/** A run's state changed (an action started or finished): views of it reload. */
export const runChangedEventSchema = z.object({ runId: z.string() });
