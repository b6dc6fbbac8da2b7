import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditSentence, describedAuditActions } from '../../src-main/contract/auditSentence';
import { operations } from '../../src-main/contract/operations';

// Every action the core writes reads as a sentence in the app and the CLI: found in the source (literal
// actions) and in the catalog, plus those built from a state or a role.
const root = join(import.meta.dirname, '../../src-main');
const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
const written = new Set<string>();
for (const file of [...sources(join(root, 'core')), ...sources(join(root, 'operations'))]) {
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:action: |\blog\(|this\.log\([^)]*?)'([a-z]+\.[a-z-]+)'/g)) written.add(m[1]!);
}
const templated = [
  ...['passed', 'partial', 'failed'].map((o) => `rehearsal.${o}`),
  ...['creator', 'verifier'].map((r) => `signoff.${r}`),
  ...['partially-restored', 'failed', 'cancelled'].map((s) => `restore.${s}`),
  ...['backup', 'verify', 'rehearsal', 'recovery', 'restore', 'storage'].map((k) => `${k}.interrupted`),
  ...['failed', 'cancelled'].flatMap((o) => ['verify', 'rehearsal', 'recovery', 'storage'].map((k) => `${k}.${o}`)),
];

describe('audit sentences', () => {
  it('the source scan finds the actions (so the next check means something)', () => {
    expect(written.size).toBeGreaterThan(40);
    expect(written).toContain('backup.completed');
    expect(written).toContain('platform.attested');
  });

  it('has a sentence for every action the core writes', () => {
    const catalog = Object.values(operations).flatMap((o) => ('audit' in o && o.audit ? [...o.audit] : []));
    const missing = [...new Set([...written, ...catalog, ...templated])].filter((a) => !describedAuditActions.has(a));
    expect(missing).toEqual([]);
  });

  it.each([
    [{ action: 'signoff.verifier', actor: 'bob', details: { name: 'Bob Verifier', osUser: 'bob' } }, 'Bob Verifier signed as verifier'],
    [{ action: 'backup.completed', actor: 'alice', details: { ciphertextBytes: 7_753_931 } }, 'The backup was written and encrypted (7.4 MiB)'],
    [{ action: 'storage.out-of-scope', actor: 'alice', details: { by: 'Alice Creator', reason: 'synced to S3 nightly' } }, 'Alice Creator left Storage out of this run: synced to S3 nightly'],
    [{ action: 'signoff.refused', actor: 'alice', details: { role: 'verifier', name: 'ALICE CREATOR', reason: 'verifier is the creator' } }, "ALICE CREATOR's sign-off as verifier was refused: verifier is the creator"],
    // Details of another shape (an older version, a hand-made row) shorten the sentence, never break it.
    [{ action: 'backup.completed', actor: 'alice', details: { ciphertextBytes: 'lots' } }, 'The backup was written and encrypted'],
    [{ action: 'rehearsal.passed', actor: 'alice', details: { rtoMs: 12_550 } }, 'The restore rehearsal passed (RTO 12.6 s)'],
    [{ action: 'something.new-here', actor: 'carol', details: {} }, 'carol: something new here'],
  ])('%j reads "%s"', (entry, sentence) => {
    expect(auditSentence(entry)).toBe(sentence);
  });
});
