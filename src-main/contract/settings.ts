import { z } from 'zod';

/** An absolute folder path (the main process checks that it holds PostgreSQL tools). */
export const toolsDirSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(4096, 'must be at most 4096 characters')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), { message: 'must be an absolute folder path, such as /usr/lib/postgresql/17/bin' });

export const settingsSchema = z.object({
  /** Where to look first for pg_dump, pg_restore, initdb… (PATH and the usual install folders after it); null: discovery only. */
  pgToolsDir: z.string().nullable(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const settingsPatchSchema = z.object({ pgToolsDir: toolsDirSchema.nullable().optional() }).strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const detectedToolSchema = z.object({ tool: z.string(), version: z.string(), dir: z.string() });
export const settingsViewSchema = settingsSchema.extend({
  /** Every PostgreSQL installation found here, newest first, for the operator to see what will be used. */
  detected: z.array(detectedToolSchema),
});
