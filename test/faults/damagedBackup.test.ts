import { generateX25519Identity } from 'age-encryption';
import { copyFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src-main/contract/verify';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { withCorruptedFile } from '../helpers/corrupt';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Damaged, swapped and wrongly keyed backup files: the integrity check fails and says why.
const t = openTestWarden('alice');
const { warden } = t;
const out = tempDir('bw-damaged-');
let cluster: ScratchCluster;
let first: { runId: string; dumpFile: string };
let second: { runId: string; dumpFile: string };

const statusOf = (report: VerifyReport) => Object.fromEntries(report.checks.map((c) => [c.key, c.status]));
const detailOf = (report: VerifyReport, key: string) => report.checks.find((c) => c.key === key)!.detail;

beforeAll(async () => {
  let projectId: string;
  ({ cluster, projectId } = await practiceProject(warden));
  first = await warden.backups.run({ projectId, name: 'first' }, { outputDir: out.dir });
  // Production moves on between the two backups, so the second archive differs from the first even
  // when both start within the same second (pg_dump's header has a one-second clock).
  const client = new pg.Client({ ...cluster.target, database: 'practice' });
  await client.connect();
  await client.query(`INSERT INTO public.security_settings (key, value) VALUES ('between_backups', '{}')`);
  await client.end();
  second = await warden.backups.run({ projectId, name: 'second' }, { outputDir: out.dir });
});

afterAll(async () => {
  t.close();
  out.cleanup();
  await cluster?.stop();
});

describe('damaged backup files', () => {
  it('one flipped byte: ciphertext hash and authenticated decryption fail, named in the report and the audit trail', async () => {
    const report = await withCorruptedFile(
      first.dumpFile,
      (file) => {
        const bytes = readFileSync(file);
        bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
        writeFileSync(file, bytes);
      },
      () => warden.integrity.verify(first.runId),
    );
    expect(report.ok).toBe(false);
    expect(statusOf(report)).toMatchObject({ 'file-present': 'passed', 'ciphertext-sha256': 'failed', decrypt: 'failed', 'archive-readable': 'not-run' });
    // manifest@4 records no digest of the decrypted archive: the file's determines it.
    expect(statusOf(report)).not.toHaveProperty('plaintext-sha256');
    expect(detailOf(report, 'ciphertext-sha256')).toMatch(/the file's bytes changed since the backup/);
    expect(detailOf(report, 'decrypt')).toMatch(/the file was altered/);
    expect(warden.runs.items(first.runId).find((i) => i.key === 'integrity')!.state).toBe('failed');
    expect(warden.audit.list({ runId: first.runId }).at(-1)).toMatchObject({ action: 'verify.failed', details: { failed: expect.arrayContaining([expect.stringMatching(/^ciphertext-sha256: /)]) } });
  });

  it('a truncated file: size, hash and decryption fail', async () => {
    const report = await withCorruptedFile(
      first.dumpFile,
      (file) => truncateSync(file, Math.floor(readFileSync(file).length / 2)),
      () => warden.integrity.verify(first.runId),
    );
    expect(statusOf(report)).toMatchObject({ 'file-present': 'failed', 'ciphertext-sha256': 'failed', decrypt: 'failed' });
    expect(detailOf(report, 'file-present')).toMatch(/truncated, extended or replaced/);
  });

  it('the wrong key: the file is intact but cannot be opened, and the report names the recipients', async () => {
    const report = await warden.integrity.verify(first.runId, { identities: [await generateX25519Identity()] });
    expect(statusOf(report)).toMatchObject({ 'ciphertext-sha256': 'passed', decrypt: 'failed' });
    expect(detailOf(report, 'decrypt')).toMatch(/None of the keys used matches the backup's recipients \(age1/);
  });

  it('swapped files: another backup under this name (same key, valid archive) is still refused', async () => {
    const saved = `${first.dumpFile}.orig`;
    renameSync(first.dumpFile, saved);
    copyFileSync(second.dumpFile, first.dumpFile);
    try {
      const report = await warden.integrity.verify(first.runId);
      expect(report.ok).toBe(false);
      expect(statusOf(report)).toMatchObject({ 'ciphertext-sha256': 'failed', decrypt: 'passed' });
      expect(detailOf(report, 'ciphertext-sha256')).toMatch(/the file's bytes changed since the backup/);
      // A rehearsal refuses it before anything is restored.
      await expect(warden.rehearsal.rehearse(first.runId)).rejects.toThrow(/is not the recorded backup: its SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}\. Nothing was restored/);
    } finally {
      renameSync(saved, first.dumpFile);
    }
    expect((await warden.integrity.verify(first.runId)).ok).toBe(true);
  });

  it('swapped manifests: the plain one or the encrypted one of another backup is named, each on its own', async () => {
    for (const [suffix, key, reason] of [
      ['.manifest.json', 'manifest-match', /differs from the manifest recorded when the backup was made: it was edited or belongs to another backup/],
      ['.manifest.json.age', 'sealed-manifest', /differs from the manifest recorded when the backup was made/],
    ] as const) {
      const mine = first.dumpFile.replace(/\.dump\.age$/, suffix);
      const saved = `${mine}.orig`;
      renameSync(mine, saved);
      copyFileSync(second.dumpFile.replace(/\.dump\.age$/, suffix), mine);
      try {
        const report = await warden.integrity.verify(first.runId);
        expect(Object.entries(statusOf(report)).filter(([, s]) => s !== 'passed')).toEqual([[key, 'failed']]);
        expect(detailOf(report, key)).toMatch(reason);
      } finally {
        renameSync(saved, mine);
      }
    }
    expect((await warden.integrity.verify(first.runId)).ok).toBe(true);
  });
});
