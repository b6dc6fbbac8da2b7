import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import { startFakeStorage, type FakeStorage } from '../helpers/fakeStorage';
import { startFakeSupabase, type FakeSupabase } from '../helpers/fakeSupabase';
import { practiceProject } from '../helpers/practice';
import { tempDir } from '../helpers/tmp';
import { openTestWarden } from '../helpers/warden';

// Without a stored service-role key, the Storage backup fetches it once with the Management API token
// (GET …/api-keys?reveal=true), keeps it in the keychain, and never asks again.
const token = 'sbp_storagekey0123456789abcdef012345678';
const out = tempDir('bw-storage-key-');
let supabase: FakeSupabase;
let storage: FakeStorage;
let t: ReturnType<typeof openTestWarden>;
let cluster: ScratchCluster;
let projectId: string;

beforeAll(async () => {
  supabase = await startFakeSupabase(token);
  storage = await startFakeStorage([{ bucket: 'avatars', path: 'u1.png', size: 1200 }, { bucket: 'documents', path: 'a/b/c.pdf', size: 3400 }]);
  supabase.serviceRoleKey = storage.serviceKey;
  t = openTestWarden('alice', { managementApiUrl: supabase.url });
  ({ cluster, projectId } = await practiceProject(t.warden, 1));
  await t.warden.projects.update(projectId, { supabaseRef: 'abcdefghijklmnopqrst', apiUrl: storage.url, secrets: { managementToken: token, serviceRoleKey: null } });
}, 120_000);

afterAll(async () => {
  t?.close();
  out.cleanup();
  await supabase?.close();
  await storage?.close();
  await cluster?.stop();
});

describe('the service-role key', () => {
  it('is fetched once with the token, kept in the keychain, and used from there the next time', async () => {
    expect(t.warden.projects.get(projectId).hasServiceRoleKey).toBe(false);
    const first = await t.warden.backups.run({ projectId, name: 'first' }, { outputDir: out.dir });
    expect(await t.warden.storage.backup(first.runId)).toMatchObject({ objects: 2, buckets: ['avatars', 'documents'] });
    expect(t.warden.projects.get(projectId).hasServiceRoleKey).toBe(true);
    expect(t.warden.audit.list({ runId: first.runId }).map((e) => e.action)).toContain('storage.key-fetched');
    const reveals = () => supabase.requests.filter((r) => r.path.endsWith('/api-keys?reveal=true')).length;
    expect(reveals()).toBe(1);
    const second = await t.warden.backups.run({ projectId, name: 'second' }, { outputDir: out.dir });
    await t.warden.storage.backup(second.runId);
    expect(reveals()).toBe(1);
    // The key itself is in no audit row.
    expect(JSON.stringify(t.warden.audit.list({ limit: 10_000 }))).not.toContain(storage.serviceKey);
  });
});
