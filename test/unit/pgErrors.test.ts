import { describe, expect, it } from 'vitest';
import { describePgError } from '../../src-main/core/pg/connect';

const target = { host: 'db.example.com', port: 5432, database: 'postgres', user: 'postgres', password: 'x', sslmode: 'verify-full' as const, sslRootCert: null };

// A session that died under the app fails its next query with node-postgres' own words, not a SQLSTATE.
describe('errors of a session that ended', () => {
  it.each(['Client has encountered a connection error and is not queryable', 'Connection terminated unexpectedly', 'Connection terminated'])('"%s" says the server ended the session', (message) => {
    expect(describePgError(new Error(message), target as never)).toMatchObject({ code: 'CONNECTION', message: expect.stringMatching(/^The server at .* ended the session \(/) });
  });

  it('anything else stays a plain "could not use"', () => {
    expect(describePgError(new Error('something odd'), target as never).message).toMatch(/^Could not use postgres@db\.example\.com:5432\/postgres: something odd/);
  });
});
