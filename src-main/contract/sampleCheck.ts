import { z } from 'zod';

const qualifiedTable = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}\.[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be schema.table with plain identifiers');

/**
 * A sample query, structured so no raw SQL crosses IPC: count rows of a table, optionally where one
 * column equals a value, and compare with an expectation. Core compiles it with quoted identifiers
 * and a bound parameter, inside a read-only transaction.
 */
export const sampleCheckSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    table: qualifiedTable,
    where: z
      .object({ column: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain column name'), equals: z.union([z.string().max(500), z.number(), z.boolean()]) })
      .strict()
      .optional(),
    expect: z.object({ op: z.enum(['=', '>=', '<=']), rows: z.number().int().min(0) }).strict(),
  })
  .strict();
export type SampleCheck = z.infer<typeof sampleCheckSchema>;
