import type { z } from 'zod';
import { WardenError } from '../errors';

/** Parses with a schema; on failure throws VALIDATION naming each bad field and what it must be. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new WardenError('VALIDATION', `Invalid ${what}: ${describeIssues(result.error.issues)}`);
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((issue) => {
      const field = issue.path.length ? issue.path.map(String).join('.') : 'value';
      const message =
        issue.code === 'unrecognized_keys'
          ? `has unknown field(s) ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')
            ? `is missing or not a ${issue.expected}`
            : issue.message;
      return `${field} ${message}`;
    })
    .join('; ');
}
