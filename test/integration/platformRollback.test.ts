import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { startFakeSupabase, type FakeSupabase } from '../helpers/fakeSupabase';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';
import { creatorKey, verifierKey } from '../helpers/sshKeys';

// Issue 14, platform rollback: Supabase's point-in-time recovery to the backup's moment, requested
// through the Management API only after the typed project ref and the two-person rule, with the API's
// refusals said plainly. The API is a local server speaking its documented shapes.
const token = 'sbp_pitr0123456789abcdef0123456789abcdef';
const out = tempDir('bw-pitr-');
let api: FakeSupabase;
let t: ReturnType<typeof openTestWarden>;
let cluster: ScratchCluster;
let projectId: string;
let runId: string;
const posts = () => api.requests.filter((r) => r.method === 'POST');

beforeAll(async () => {
  api = await startFakeSupabase(token);
  t = openTestWarden('alice', { managementApiUrl: api.url });
  ({ cluster, projectId } = await practiceProject(t.warden));
  await t.warden.projects.update(projectId, { supabaseRef: 'pitraaaaaaaaaaaaaaaa', secrets: { managementToken: token } });
  runId = (await t.warden.backups.run({ projectId, name: 'before-migration' }, { outputDir: out.dir })).runId;
  t.warden.storage.outOfScope(runId, 'Alice Creator', 'Platform rollback brings back the database, not Storage: out of scope here.');
  await t.warden.integrity.verify(runId);
  await t.warden.rehearsal.rehearse(runId);
  await t.warden.platform.check(runId, { plan: 'pro', migrationWindow: { start: new Date(Date.now() + 3_600_000).toISOString(), end: new Date(Date.now() + 7_200_000).toISOString() } });
  await t.warden.signOffs.signOff(runId, { role: 'creator', name: 'Alice Creator', keyFile: creatorKey().keyFile });
  await t.warden.signOffs.signOff(runId, { role: 'verifier', name: 'Bob Verifier', keyFile: verifierKey().keyFile });
}, 240_000);

afterAll(async () => {
  t?.close();
  out.cleanup();
  await api?.close();
  await cluster?.stop();
});

describe('platform rollback (point-in-time recovery)', () => {
  it('asks Supabase for nothing until the project ref is typed and the verifier confirms', async () => {
    const { rollback } = t.warden;
    await expect(rollback.restorePlatform(runId, { confirmRef: 'pitraaaaaaaaaaaaaaab', confirmedBy: 'Bob Verifier' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('type its project ref "pitraaaaaaaaaaaaaaaa" exactly') });
    await expect(rollback.restorePlatform(runId, { confirmRef: 'pitraaaaaaaaaaaaaaaa' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('needs a second person') });
    await expect(rollback.restorePlatform(runId, { confirmRef: 'pitraaaaaaaaaaaaaaaa', confirmedBy: 'Alice Creator' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(posts()).toEqual([]);
    const result = await rollback.restorePlatform(runId, { confirmRef: 'pitraaaaaaaaaaaaaaaa', confirmedBy: 'Bob Verifier' });
    const takenAt = t.warden.artifacts.backup(runId).manifest.timings.startedAt;
    expect(result).toMatchObject({ ref: 'pitraaaaaaaaaaaaaaaa', recoveryTime: new Date(takenAt).toISOString() });
    expect(api.pitrRequests).toEqual([{ ref: 'pitraaaaaaaaaaaaaaaa', body: { recovery_time_target_unix: Math.floor(Date.parse(takenAt) / 1000) } }]);
    expect(posts().at(-1)).toMatchObject({ path: '/v1/projects/pitraaaaaaaaaaaaaaaa/database/backups/restore-pitr', authorization: `Bearer ${token}` });
    expect(t.warden.audit.list({ runId }).slice(-5).map((e) => e.action)).toEqual(['pitr.refused', 'pitr.refused', 'pitr.refused', 'pitr.requested', 'pitr.started']);
  });

  it('without PITR on the project, says which platform backup to restore in the Dashboard; an API refusal is shown as Supabase said it', async () => {
    await t.warden.projects.update(projectId, { supabaseRef: 'nopitraaaaaaaaaaaaaa' });
    const before = posts().length;
    const refused = await t.warden.rollback.restorePlatform(runId, { confirmRef: 'nopitraaaaaaaaaaaaaa', confirmedBy: 'Bob Verifier' }).catch((e: Error & { code: string }) => e);
    expect(refused).toMatchObject({ code: 'CONFLICT' });
    expect((refused as Error).message).toBe('Point-in-time recovery is not enabled on Supabase project nopitraaaaaaaaaaaaaa. Restore in the Dashboard instead: Database → Backups → Scheduled backups → backup 102 → Restore.');
    expect(posts().length).toBe(before);
    await t.warden.projects.update(projectId, { supabaseRef: 'pitrgoneaaaaaaaaaaaa' });
    await expect(t.warden.rollback.restorePlatform(runId, { confirmRef: 'pitrgoneaaaaaaaaaaaa', confirmedBy: 'Bob Verifier' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'The Supabase Management API refused POST /v1/projects/pitrgoneaaaaaaaaaaaa/database/backups/restore-pitr (400): PITR is not enabled for this project.',
    });
    expect(t.warden.audit.list({ runId }).at(-1)).toMatchObject({ action: 'pitr.failed' });
    expect(JSON.stringify(t.warden.audit.list())).not.toContain(token);
  });
});
