import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/core/db/database';
import { secretRef } from '../../src-main/core/vault/vault';
import { openTestWarden } from '../helpers/warden';

const t = openTestWarden('alice');
const { projects, audit } = t.warden;
const base = { name: 'Acme prod', environment: 'production', host: 'db.abcdefghijklmnopqrst.supabase.co', port: 5432, database: 'postgres', user: 'postgres' };
const password = 'Pa55-word-that-must-stay-secret';
const token = 'sbp_0123456789abcdef0123456789abcdef01234567';

const lookup = (ref: string): string | null => {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', t.service, 'account', ref], { encoding: 'utf8' });
  } catch {
    return null; // secret-tool exits 1 when nothing matches
  }
};

afterAll(async () => {
  for (const p of projects.list()) await projects.remove(p.id);
  t.close();
});

describe('project profiles', () => {
  it('creates a project: fields in SQLite, secrets only in the keychain', async () => {
    const view = await projects.create({ ...base, secrets: { dbPassword: password, managementToken: token } });
    expect(view).toMatchObject({ name: 'Acme prod', sslmode: 'verify-full', sslRootCert: null, hasDbPassword: true, hasManagementToken: true });
    expect(JSON.stringify(view)).not.toContain(password);
    // The password is kept with the endpoint it was entered for.
    expect(JSON.parse(lookup(secretRef(view.id, 'db-password'))!)).toEqual({ endpoint: `postgres@${base.host}:5432/postgres`, password });
    expect(lookup(secretRef(view.id, 'management-token'))).toBe(token);
    const db = openDatabase(join(t.dataDir, 'warden.sqlite'));
    const row = db.prepare('SELECT * FROM projects WHERE id = ?').get(view.id);
    db.close();
    expect(JSON.stringify(row)).not.toContain(password);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row).toMatchObject({ db_password_ref: secretRef(view.id, 'db-password') });
    expect((await projects.target(view.id)).password).toBe(password);
  });

  it('refuses a duplicate name (case-insensitive) with CONFLICT', async () => {
    await expect(projects.create({ ...base, name: 'ACME PROD' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already exists') });
  });

  it('updates only the given fields; null removes a secret', async () => {
    const [p] = projects.list();
    const updated = await projects.update(p!.id, { port: 6543, secrets: { dbPassword: password, managementToken: null } });
    expect(updated).toMatchObject({ port: 6543, host: base.host, sslmode: 'verify-full', hasDbPassword: true, hasManagementToken: false });
    expect(updated.expectedTables).toEqual([]); // none until confirmed from the live database
    expect(lookup(secretRef(p!.id, 'management-token'))).toBeNull();
  });

  it('rejects invalid changes with the field named and leaves the project unchanged', async () => {
    const [p] = projects.list();
    await expect(projects.update(p!.id, { port: 99999 })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('port must be between 1 and 65535') });
    expect(projects.get(p!.id).port).toBe(6543);
  });

  it('reports an unknown id as NOT_FOUND and a malformed one as VALIDATION', () => {
    expect(() => projects.get('5b0c3a4e-1f2a-4c1e-9a63-1b2d3c4e5f60')).toThrow(/No project with id/);
    expect(() => projects.get("1' OR '1'='1")).toThrow(/Invalid project id/);
  });

  it('records every change in the audit trail without any secret', () => {
    const rows = audit.list();
    expect(rows.map((r) => r.action)).toEqual(['project.created', 'project.updated', 'project.endpoint-changed']);
    expect(rows[0]!.details).toMatchObject({ secretsSet: ['db-password', 'management-token'], expectedTableCount: 0 });
    expect(rows[1]!.details).toMatchObject({ changed: { port: 6543 }, secretsSet: ['db-password'], secretsRemoved: ['management-token'] });
    expect(rows[2]!.details).toEqual({ before: `postgres@${base.host}:5432/postgres`, after: `postgres@${base.host}:6543/postgres` });
    const all = JSON.stringify(rows);
    expect(all).not.toContain(password);
    expect(all).not.toContain(token);
    expect(audit.verify().ok).toBe(true);
  });

  it('deletes a project and its keychain entries', async () => {
    const view = await projects.create({ ...base, name: 'Throwaway', secrets: { dbPassword: 'another-secret-1' } });
    await projects.remove(view.id);
    expect(lookup(secretRef(view.id, 'db-password'))).toBeNull();
    expect(() => projects.get(view.id)).toThrow(/No project/);
  });
});
