import { describe, expect, it } from 'vitest';
import { projectInputSchema, projectPatchSchema } from '../../src-main/contract/project';
import type { WardenError } from '../../src-main/core/errors';
import { parseOrThrow } from '../../src-main/core/util/validation';

const valid = { name: 'Acme production', environment: 'production', host: 'db.abcdefghijklmnopqrst.supabase.co', port: 5432, database: 'postgres', user: 'postgres' };

function errorFor(input: unknown): WardenError {
  try {
    parseOrThrow(projectInputSchema, input, 'project profile');
  } catch (error) {
    return error as WardenError;
  }
  throw new Error('expected a validation error');
}

describe('project profile validation', () => {
  it('accepts a valid profile and fills defaults (sslmode verify-full against the system’s CAs, no expected tables until confirmed)', () => {
    const parsed = parseOrThrow(projectInputSchema, valid, 'project profile');
    expect(parsed).toMatchObject({ sslmode: 'verify-full', sslRootCert: null });
    expect(parsed.expectedTables).toEqual([]);
    expect(parsed.secrets).toEqual({});
  });

  it.each([
    [{ sslRootCert: 'not a certificate' }, 'sslRootCert must be PEM text'],
    [{ port: 70000 }, 'port must be between 1 and 65535'],
    [{ port: 0 }, 'port must be between 1 and 65535'],
    [{ port: '5432' }, 'port must be a number'],
    [{ port: 54.5 }, 'port must be a whole number'],
    [{ host: 'postgres://db.example.com:5432' }, 'host must be a hostname'],
    [{ host: 'bad host' }, 'host must be a hostname'],
    [{ host: '999.1.1.1' }, 'host must be a hostname'],
    [{ sslmode: 'sometimes' }, 'sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full'],
    [{ environment: 'prod' }, 'environment must be one of production'],
    [{ name: '' }, 'name is required'],
    [{ name: '../../etc/passwd' }, 'name may contain letters, digits'],
    [{ name: 'x'.repeat(65) }, 'name must be at most 64 characters'],
    [{ supabaseRef: 'ABC' }, 'supabaseRef must be the 20 lowercase letters'],
    [{ database: 'db; DROP DATABASE x' }, 'database must be a database name'],
    [{ expectedTables: ['users', 'users; DROP TABLE users'] }, 'expectedTables.1 must be a plain table name'],
    [{ expectedTables: ['users', 'users'] }, 'expectedTables lists a table more than once'],
    [{ colour: 'blue' }, 'has unknown field(s) colour'],
    [{ secrets: { dbPassword: '' } }, 'secrets.dbPassword must not be empty'],
  ])('rejects %j with a message naming the field', (change, message) => {
    const error = errorFor({ ...valid, ...change });
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toContain('Invalid project profile:');
    expect(error.message).toContain(message);
  });

  it('names a missing required field', () => {
    const { host: _host, ...rest } = valid;
    expect(errorFor(rest).message).toContain('host is required');
  });

  it('accepts IPv4, IPv6 and unicode names', () => {
    for (const host of ['10.0.0.5', '::1', 'fe80::1', 'localhost']) expect(() => parseOrThrow(projectInputSchema, { ...valid, host }, 'p')).not.toThrow();
    expect(parseOrThrow(projectInputSchema, { ...valid, name: 'Zürich prod (ñ)' }, 'p').name).toBe('Zürich prod (ñ)');
  });

  it('a patch changes only what it names (no defaults slip in)', () => {
    expect(parseOrThrow(projectPatchSchema, { port: 6543 }, 'changes')).toEqual({ port: 6543 });
  });
});
