import type { z } from 'zod';
import { WardenError } from '../errors';

/** Parses with a schema; on failure throws VALIDATION naming each bad field and what it must be. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new WardenError('VALIDATION', `Invalid ${what}: ${describeIssues(result.error.issues)}`);
}

/** One phrase per issue; `label` may name a field as its caller knows it (a CLI flag). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], label: (path: PropertyKey[]) => string | undefined = () => undefined): string {
  return issues
    .slice(0, 10)
    .map((issue) => {
      const field = label(issue.path) ?? (issue.path.length ? issue.path.map(String).join('.') : 'value');
      const message =
        issue.code === 'unrecognized_keys'
          ? `has unknown field(s) ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')
            ? issue.message.endsWith('received undefined')
              ? 'is required'
              : `must be a ${issue.expected}`
            : issue.message;
      return `${field} ${message}`;
    })
    .join('; ');
}
