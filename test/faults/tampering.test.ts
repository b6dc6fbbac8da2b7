import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedSignersLine, signSshsig, verifySshsig } from '../../src-main/core/log/sshsig';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Tampering at rest: the audit trail edited in the SQLite file behind the app's back (triggers dropped
// first, as an attacker with file access would), and exported logs or signatures changed after signing.
const work = tempDir('bw-tamper-');
const pristine = join(work.dir, 'pristine.sqlite');
let pristineHead: { seq: number; hash: string };

beforeAll(async () => {
  const t = openTestWarden('alice');
  const p = await t.warden.projects.create({ name: 'Tamper target', environment: 'production', host: 'db.example.com', port: 5432, database: 'postgres', user: 'postgres' });
  for (const name of ['Renamed once', 'Renamed twice', 'Renamed thrice']) await t.warden.projects.update(p.id, { name });
  pristineHead = t.warden.audit.head()!;
  expect(pristineHead.seq).toBe(4);
  t.warden.close(); // checkpoints the WAL into the file
  copyFileSync(join(t.dataDir, 'warden.sqlite'), pristine);
  t.close();
});

afterAll(() => work.cleanup());

describe('tampered audit trail: `backup-warden audit verify` pinpoints the first bad row', () => {
  it.each([
    ['an edited row', `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET details = replace(details, 'Renamed once', 'Renamed ONCE') WHERE seq = 2;`, 2, 'row 2 was altered: its content does not match its hash'],
    ['a deleted row', `DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3;`, 4, 'row 3 is missing: the chain jumps from row 2 to row 4'],
    [
      'two rows swapped',
      `DROP TRIGGER audit_log_no_update; CREATE TEMP TABLE s AS SELECT * FROM audit_log WHERE seq IN (2, 3);
       UPDATE audit_log SET (at, actor, action, project_id, run_id, details, prev_hash, hash) = (SELECT at, actor, action, project_id, run_id, details, prev_hash, 'x' || hash FROM s WHERE s.seq = 5 - audit_log.seq) WHERE seq IN (2, 3);
       UPDATE audit_log SET hash = substr(hash, 2) WHERE seq IN (2, 3);`,
      2,
      'row 2 does not link to row 1 (prev_hash differs)',
    ],
    ['the last row removed', `DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log);`, null, null],
  ])('%s', async (_label, sql, badRow, reason) => {
    const dataDir = join(work.dir, `data-${Math.random().toString(36).slice(2)}`);
    execFileSync('mkdir', ['-p', dataDir]);
    copyFileSync(pristine, join(dataDir, 'warden.sqlite'));
    execFileSync('sqlite3', [join(dataDir, 'warden.sqlite'), sql]);
    const r = await runCli(['audit', 'verify'], { dataDir });
    // The untampered head, as a signed log would carry it, is caught too wherever the chain is broken.
    if (badRow !== null) expect((await runCli(['audit', 'verify', '--head', `4:${pristineHead.hash}`], { dataDir })).code).toBe(1);
    if (badRow === null) {
      // A chain cannot see its own tail cut off; the head a signed log recorded can.
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Audit chain intact: 3 entries, head [0-9a-f]{64}\./);
      const cut = await runCli(['audit', 'verify', '--head', `4:${pristineHead.hash}`], { dataDir });
      expect(cut.code).toBe(1);
      expect(cut.stdout.trim()).toBe('Audit chain BROKEN at entry 4: entry 4 recorded in the signed log is missing: the trail was cut after entry 3.');
      return;
    }
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout.trim()).toBe(`Audit chain BROKEN at entry ${badRow}: ${reason}.`);
  });
});

describe('tampered exported log or signature: in-app and `ssh-keygen -Y verify` both refuse it', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const log = Buffer.from('# Production Backup Log\n\n| Table count | 31 |\n| Verified by | Bob Reviewer |\n');
  const signature = signSshsig(log, privateKey);
  const allowed = join(work.dir, 'allowed_signers');
  writeFileSync(allowed, allowedSignersLine('backup-warden@test', publicKey) + '\n');
  const other = generateKeyPairSync('ed25519');

  const sshKeygen = (message: Buffer, sig: string) => {
    const sigFile = join(work.dir, `log-${Math.random().toString(36).slice(2)}.md.sig`);
    writeFileSync(sigFile, sig);
    return spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'backup-warden@test', '-n', 'backup-warden-log', '-s', sigFile], { input: message, encoding: 'utf8' });
  };
  /** Flips one bit in the last byte of the Ed25519 signature itself (the end of the armored blob). */
  const flipSignatureByte = (armored: string) => {
    const lines = armored.trim().split('\n');
    const blob = Buffer.from(lines.slice(1, -1).join(''), 'base64');
    blob[blob.length - 1]! ^= 0x01;
    return [lines[0], ...(blob.toString('base64').match(/.{1,70}/g) ?? []), lines.at(-1), ''].join('\n');
  };

  it('the untouched log verifies (the checks below can fail for the right reason)', () => {
    expect(verifySshsig(log, signature, publicKey)).toMatchObject({ ok: true });
    expect(sshKeygen(log, signature).status).toBe(0);
  });

  it.each([
    ['one character of the log changed', Buffer.from(log.toString().replace('31', '32')), signature, 'signature does not match the content: the file was changed after signing'],
    ['a byte of the signature changed', log, flipSignatureByte(signature), 'signature does not match the content: the file was changed after signing'],
    ['the signature of another file', log, signSshsig(Buffer.from('another log'), privateKey), 'signature does not match the content: the file was changed after signing'],
    ['a signature by another key', log, signSshsig(log, other.privateKey), 'signed with a key that is not the trusted signing key'],
    ['a signature under another namespace', log, signSshsig(log, privateKey, 'file'), 'signature namespace is "file", expected "backup-warden-log"'],
    ['a truncated signature', log, signature.slice(0, Math.floor(signature.length / 2)), 'the signature file is malformed'],
  ])('%s', (_label, message, sig, reason) => {
    const verdict = verifySshsig(message, sig, publicKey);
    expect(verdict.ok).toBe(false);
    expect(verdict).toMatchObject({ reason });
    expect(sshKeygen(message, sig).status).not.toBe(0);
  });

  it('reading the files back from disk changes nothing: a tampered file on disk is refused the same way', () => {
    const file = join(work.dir, 'log.md');
    writeFileSync(file, log);
    writeFileSync(`${file}.sig`, signature);
    writeFileSync(file, readFileSync(file, 'utf8').replace('Bob', 'Rob'));
    expect(verifySshsig(readFileSync(file), readFileSync(`${file}.sig`, 'utf8'), publicKey)).toMatchObject({ ok: false, reason: expect.stringContaining('changed after signing') });
  });
});
