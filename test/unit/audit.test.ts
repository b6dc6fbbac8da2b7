import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src-main/core/audit/auditTrail';
import { openDatabase, type Db } from '../../src-main/core/db/database';
import { registerSecret } from '../../src-main/core/util/redact';
import { tempDir } from '../helpers/tmp';

let dir: string;
let cleanup: () => void;
let file: string;
let db: Db;
let audit: AuditTrail;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'warden.sqlite');
  db = openDatabase(file);
  audit = new AuditTrail(db);
});
afterEach(() => {
  if (db.open) db.close();
  cleanup();
});

function appendSome(n: number): void {
  for (let i = 1; i <= n; i++) audit.append({ actor: 'alice', action: 'test.step', details: { step: i, marker: `MARK${String(i).padStart(4, '0')}` } });
}

/** Out-of-band edits as an attacker with the file would make them: a second connection, triggers dropped. */
function tamper(sql: string, ...params: unknown[]): void {
  db.close();
  const raw = new Database(file);
  raw.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  raw.prepare(sql).run(...params);
  raw.close();
  db = openDatabase(file);
  audit = new AuditTrail(db);
}

describe('audit trail', () => {
  it('chains rows: each links to the previous hash and the chain verifies', () => {
    appendSome(5);
    const rows = audit.list();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect(audit.verify()).toEqual({ ok: true, rows: 5, headHash: rows[4]!.hash });
  });

  it('rejects UPDATE and DELETE through the triggers', () => {
    appendSome(2);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1").run()).toThrow(/append-only: UPDATE/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only: DELETE/);
    expect(audit.verify().ok).toBe(true);
  });

  it('catches a byte edited directly in the SQLite file and names the row', () => {
    appendSome(6);
    db.close(); // checkpoints the WAL into the main file
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('MARK0004'));
    expect(at).toBeGreaterThan(0);
    bytes.write('MARK9999', at); // same length: the page stays a valid SQLite page
    writeFileSync(file, bytes);
    db = openDatabase(file);
    audit = new AuditTrail(db);
    const verdict = audit.verify();
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(verdict.ok === false && verdict.reason).toMatch(/row 4 was altered/);
  });

  it('catches a deleted row', () => {
    appendSome(5);
    tamper('DELETE FROM audit_log WHERE seq = 3');
    expect(audit.verify()).toMatchObject({ ok: false, firstBadSeq: 4, reason: expect.stringMatching(/row 3 is missing/) });
  });

  it('catches reordered rows (contents swapped between two positions)', () => {
    appendSome(5);
    const [r2, r3] = [audit.list()[1]!, audit.list()[2]!];
    tamper('UPDATE audit_log SET details = ? WHERE seq = 2', JSON.stringify(r3.details));
    tamper('UPDATE audit_log SET details = ? WHERE seq = 3', JSON.stringify(r2.details));
    expect(audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('catches a row whose hash was recomputed but whose successor still links to the old one', () => {
    appendSome(4);
    tamper("UPDATE audit_log SET actor = 'mallory', hash = ? WHERE seq = 2", 'f'.repeat(64));
    expect(audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('refuses to write a known secret into a row', () => {
    registerSecret('hunter2-super-secret');
    expect(() => audit.append({ actor: 'alice', action: 'oops', details: { dsn: 'postgres://u:hunter2-super-secret@h/db' } })).toThrow(
      /Refused to write a secret/,
    );
    expect(audit.list()).toHaveLength(0);
  });

  it('keeps one chain under many rapid appends', () => {
    for (let i = 0; i < 2000; i++) audit.append({ actor: 'bot', action: 'burst', details: { i } });
    expect(audit.verify()).toMatchObject({ ok: true, rows: 2000 });
  });
});

describe('audit trail queries', () => {
  it('narrows by project, action family or exact action, time and text, and pages newest first', () => {
    let clock = Date.parse('2026-11-20T10:00:00Z');
    const timed = new AuditTrail(db, () => new Date((clock += 3_600_000)));
    const add = (action: string, projectId: string | null, details: Record<string, unknown>) => timed.append({ actor: 'alice', action, projectId, details });
    add('backup.started', 'p1', { name: 'first' }); // 11:00
    add('backup.completed', 'p1', {}); // 12:00
    add('signoff.verifier', 'p1', { name: 'Bob Verifier' }); // 13:00
    add('backup.started', 'p2', { name: 'other' }); // 14:00
    add('backupx.odd', 'p2', {}); // 15:00 — not of the backup family
    const actions = (q: Parameters<AuditTrail['list']>[0]) => timed.list(q).map((e) => e.action);
    expect(actions({ projectId: 'p1' })).toEqual(['backup.started', 'backup.completed', 'signoff.verifier']);
    expect(actions({ action: 'backup' })).toEqual(['backup.started', 'backup.completed', 'backup.started']);
    expect(actions({ action: 'backup.completed' })).toEqual(['backup.completed']);
    expect(actions({ since: '2026-11-20T12:00:00Z', until: '2026-11-20T14:00:00+00:00' })).toEqual(['backup.completed', 'signoff.verifier', 'backup.started']);
    expect(actions({ text: 'BOB' })).toEqual(['signoff.verifier']);
    const newest = timed.list({ newestFirst: true, limit: 2 });
    expect(newest.map((e) => e.action)).toEqual(['backupx.odd', 'backup.started']);
    expect(actions({ newestFirst: true, beforeSeq: newest.at(-1)!.seq, limit: 2 })).toEqual(['signoff.verifier', 'backup.completed']);
  });
});
