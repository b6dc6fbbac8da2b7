import { z } from 'zod';
import { checklistItems } from './checklist';

/**
 * The retention watch of one run: is the migration window still covered by the platform backup and the
 * local one? protected — both outlive the window; at-risk — the platform backup expires before the window
 * ends; lapsed — it expired already, or the local backup file is gone, while the window is still ahead or open.
 */
export const protectionStateSchema = z.enum(['protected', 'at-risk', 'lapsed']);
export type ProtectionState = z.infer<typeof protectionStateSchema>;

export const watchedRunSchema = z.object({
  runId: z.string(),
  runName: z.string(),
  window: z.object({ start: z.string(), end: z.string() }),
  /** The platform backup the prerequisites check recorded: when taken and when it expires. */
  platformBackup: z.object({ id: z.string(), takenAt: z.string(), expiresAt: z.string(), retentionDays: z.number() }),
  /** This run's local (encrypted) backup: when it was taken, and whether its file is still there. */
  localBackup: z.object({ takenAt: z.string(), present: z.boolean() }).nullable(),
  state: protectionStateSchema,
  /** Why, in words, with what to do. */
  reasons: z.array(z.string()),
});
export type WatchedRun = z.infer<typeof watchedRunSchema>;

export const statusWarningSchema = z.object({
  kind: z.enum(['no-backup', 'backup-older-than-window', 'protection', 'platform-expiry', 'key-not-escrowed', 'rehearsal-partial', 'run-failed']),
  text: z.string(),
});
export type StatusWarning = z.infer<typeof statusWarningSchema>;

const checklistKey = z.enum(checklistItems.map((i) => i.key) as [(typeof checklistItems)[number]['key'], ...(typeof checklistItems)[number]['key'][]]);

export const projectStatusSchema = z.object({
  projectId: z.string(),
  projectName: z.string(),
  environment: z.string(),
  /** The newest run whose backup passed the integrity check. */
  lastVerified: z.object({ runId: z.string(), name: z.string(), takenAt: z.string(), ageHours: z.number() }).nullable(),
  /** The newest run: how far its checklist is, what the sign-off still waits for, and its next step. */
  current: z
    .object({
      runId: z.string(),
      name: z.string(),
      status: z.string(),
      passed: z.number().int(),
      total: z.number().int(),
      /** Titles of sign-off gate items that are not green yet. */
      gateLeft: z.array(z.string()),
      /** Who still has to sign: the operator who made it, the verifier. */
      signersLeft: z.array(z.enum(['creator', 'verifier'])),
      /** The first item not passed yet, in checklist order; null when every item passed. */
      next: z.object({ key: checklistKey, title: z.string(), state: z.string(), hint: z.string() }).nullable(),
    })
    .nullable(),
  watch: z.array(watchedRunSchema),
  /** The encrypted size of each backup of the project (the latest 12), oldest first: growth at a glance. */
  sizes: z.array(z.object({ runId: z.string(), name: z.string(), takenAt: z.string(), bytes: z.number() })),
  warnings: z.array(statusWarningSchema),
  /** The one next action for the project. */
  next: z.object({ action: z.enum(['start-backup', 'open-run']), label: z.string(), runId: z.string().nullable() }),
});
export type ProjectStatus = z.infer<typeof projectStatusSchema>;

export const statusReportSchema = z.object({
  /** The moment the report describes (now, or the time asked for). */
  at: z.string(),
  /** False when any watched run is at risk or lapsed: `backup-warden status` then exits 1. */
  ok: z.boolean(),
  projects: z.array(projectStatusSchema),
});
export type StatusReport = z.infer<typeof statusReportSchema>;

export const statusRequestSchema = z
  .object({
    projectId: z.string().optional(),
    /** Judge protection as of this moment instead of now (ISO 8601): "is the run still covered on Friday?". */
    at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-11-27T18:00:00Z' }).optional(),
  })
  .strict();
