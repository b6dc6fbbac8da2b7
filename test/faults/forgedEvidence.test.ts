import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/core/db/database';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { startFakeSupabase, type FakeSupabase } from '../helpers/fakeSupabase';
import { attestRecentPlatformBackup, practiceProject } from '../helpers/practice';
import { creatorKey, verifierKey } from '../helpers/sshKeys';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Evidence forged behind the app's back (the tables the log is built from, edited with SQLite), one OS
// account posing as both people, and text typed to inject Markdown or Slack formatting.
const token = 'sbp_forge0123456789abcdef0123456789abcd';
const alice = creatorKey();
const bob = verifierKey();
const out = tempDir('bw-forged-');
let api: FakeSupabase;
let t: ReturnType<typeof openTestWarden>;
let cluster: ScratchCluster;
let runId: string;
const injectedDescription = 'Baseline\n# Approved by the CTO\n[details](https://evil.example) <img src=x onerror=alert(1)> | forged | cell |';
const injectedVerifier = '<!channel> Bob <https://evil.example|click>';

beforeAll(async () => {
  api = await startFakeSupabase(token);
  t = openTestWarden('alice', { managementApiUrl: api.url });
  let projectId: string;
  ({ cluster, projectId } = await practiceProject(t.warden, 1));
  await t.warden.projects.update(projectId, { secrets: { notifyWebhook: `${api.url}/hook` } });
  runId = (await t.warden.backups.run({ projectId, name: 'forgery-target', description: injectedDescription }, { outputDir: out.dir })).runId;
  expect((await t.warden.storage.backup(runId)).consistency?.ok).toBe(true);
  expect((await t.warden.integrity.verify(runId)).ok).toBe(true);
  expect((await t.warden.rehearsal.rehearse(runId)).ok).toBe(true);
  attestRecentPlatformBackup(t.warden, runId);
  await t.warden.signOffs.signOff(runId, { role: 'creator', name: 'Alice Creator', keyFile: alice.keyFile });
}, 240_000);

afterAll(async () => {
  t?.close();
  out.cleanup();
  await api?.close();
  await cluster?.stop();
});

describe('two people, two keys', () => {
  it('one OS account signing as verifier with the creator’s key is refused, and on record; a second key is accepted', async () => {
    await expect(t.warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Verifier', keyFile: alice.keyFile })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Two people means two keys') });
    expect(t.warden.audit.list({ runId }).filter((e) => e.action === 'signoff.refused').at(-1)!.details).toMatchObject({ reason: 'same key as the creator', fingerprint: alice.fingerprint });
    expect(t.warden.signOffs.list(runId).map((s) => s.role)).toEqual(['creator']);
    await t.warden.signOffs.signOff(runId, { role: 'verifier', name: injectedVerifier, keyFile: bob.keyFile });
  });
});

describe('text people type stays text', () => {
  it('a run description with Markdown comes out inert in the signed log; a signer name with Slack mentions and links comes out inert in the webhook message', async () => {
    const exported = await t.warden.exports.export(runId, out.dir);
    const md = readFileSync(exported.markdownFile, 'utf8');
    const purpose = md.slice(md.indexOf('## Purpose'), md.indexOf('## Retention'));
    expect(purpose).toContain('Baseline \\# Approved by the CTO \\[details\\](https://evil.example) \\<img src=x onerror=alert(1)\\> \\| forged \\| cell \\|');
    expect(md).not.toMatch(/^# Approved/m);
    expect(await t.warden.notify.send(runId)).toEqual({ status: 200 });
    const text = (JSON.parse(api.webhookBodies.at(-1)!) as { text: string }).text;
    expect(text).toContain('verified by &lt;!channel&gt; Bob &lt;https://evil.example|click&gt;');
    expect(text).not.toMatch(/<!channel>|<https:/);
  });
});


describe("forged evidence: the log states only what the audit chain vouches for", () => {
  // Each forgery is one sqlite3 statement by someone with the operator's account; the chain stays "intact".
  const forgeries: [string, string, string, RegExp][] = [
    ['checklist evidence edited', `UPDATE checklist_items SET evidence = json_set(evidence, '$.totals.rowsRestored', 999999) WHERE run_id = @run AND key = 'rehearsal'`, `UPDATE checklist_items SET evidence = (SELECT evidence FROM forged_item) WHERE run_id = @run AND key = 'rehearsal'`, /checklist item "Restore rehearsed" differs from what audit entry \d+ recorded/],
    ['a sign-off name edited', `UPDATE signoffs SET name = 'Carol Auditor' WHERE run_id = @run AND role = 'verifier'`, `UPDATE signoffs SET name = (SELECT name FROM forged_verifier) WHERE run_id = @run AND role = 'verifier'`, /verifier sign-off \(Carol Auditor\) differs from what audit entry \d+ recorded/],
    ['a sign-off deleted', `DELETE FROM signoffs WHERE run_id = @run AND role = 'creator'`, `INSERT INTO signoffs SELECT * FROM forged_keep`, /sign-off creator recorded in audit entry \d+ is missing from the database/],
    ['an artifact hash edited', `UPDATE artifacts SET sha256_cipher = '${'0'.repeat(64)}' WHERE run_id = @run AND kind = 'backup'`, `UPDATE artifacts SET sha256_cipher = (SELECT sha FROM forged_sha) WHERE run_id = @run AND kind = 'backup'`, /backup artifact .* differs from what audit entry \d+ recorded/],
    ['the run description edited', `UPDATE runs SET description = 'Approved by the CTO' WHERE id = @run`, `UPDATE runs SET description = (SELECT description FROM forged_run) WHERE id = @run`, /run record differs/],
  ];

  it.each(forgeries)('%s with sqlite3: preview and export refuse, naming it; put back, the log previews again', async (_what, forge, undo, named) => {
    const sql = (text: string) => {
      const db = openDatabase(join(t.dataDir, 'warden.sqlite'));
      try {
        db.exec(`CREATE TABLE IF NOT EXISTS forged_keep AS SELECT * FROM signoffs WHERE run_id = '${runId}' AND role = 'creator'`);
        db.exec(`CREATE TABLE IF NOT EXISTS forged_verifier AS SELECT name FROM signoffs WHERE run_id = '${runId}' AND role = 'verifier'`);
        db.exec(`CREATE TABLE IF NOT EXISTS forged_run AS SELECT description FROM runs WHERE id = '${runId}'`);
        db.exec(`CREATE TABLE IF NOT EXISTS forged_item AS SELECT evidence FROM checklist_items WHERE run_id = '${runId}' AND key = 'rehearsal'`);
        db.exec(`CREATE TABLE IF NOT EXISTS forged_sha AS SELECT sha256_cipher AS sha FROM artifacts WHERE run_id = '${runId}' AND kind = 'backup'`);
        db.prepare(text).run({ run: runId });
      } finally {
        db.close();
      }
    };
    expect(() => t.warden.exports.preview(runId)).not.toThrow();
    sql(forge);
    try {
      expect(t.warden.audit.verify().ok).toBe(true);
      expect(() => t.warden.exports.preview(runId)).toThrow(named);
      await expect(t.warden.exports.export(runId, out.dir)).rejects.toMatchObject({ code: 'TAMPERED', message: expect.stringMatching(named) });
    } finally {
      sql(undo);
    }
    expect(() => t.warden.exports.preview(runId)).not.toThrow();
  });
});
