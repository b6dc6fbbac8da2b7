import { startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import { practiceApiContentOf, startPracticeStorage, type PracticeStorage } from '../../src-main/core/practice/practiceStorage';
import { withPgClient } from '../../src-main/core/pg/connect';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import type { Warden } from '../../src-main/core/warden';
import { practiceExpectedTables } from '../../src-main/contract/constants';

/** An offline break-glass age key's public half, as production projects carry one. */
export const PRACTICE_BREAK_GLASS = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

/**
 * A server playing a Supabase project (supabase_admin the superuser, postgres demoted) holding the
 * practice database, its Storage API serving the files its storage.objects rows describe, and a project
 * in `warden` that connects as postgres, as on Supabase. The Storage server stops with the process.
 */
export async function practiceProject(warden: Warden, targetBytes = 40e6): Promise<{ cluster: ScratchCluster; projectId: string; storage: PracticeStorage }> {
  const { cluster, source } = await startPracticeServer({ targetBytes });
  const content = await withPgClient(source, practiceApiContentOf);
  const storage = await startPracticeStorage(content.objects, { authUsers: content.authUsers });
  const project = await warden.projects.create({
    name: `Practice ${Math.random().toString(36).slice(2, 8)}`,
    environment: 'production',
    host: source.host,
    port: source.port,
    database: source.database,
    user: source.user,
    sslmode: 'disable',
    expectedTables: [...practiceExpectedTables],
    // As a careful production setup has: a break-glass key kept offline (its identity is not needed here).
    extraRecipients: [PRACTICE_BREAK_GLASS],
    apiUrl: storage.url,
    secrets: { dbPassword: source.password, serviceRoleKey: storage.serviceKey },
  });
  return { cluster, projectId: project.id, storage };
}

/** A platform backup attested as taken an hour ago, the migration window an hour from now: prerequisites green. */
export function attestRecentPlatformBackup(warden: Warden, runId: string, attestedBy = 'Alice Creator'): void {
  const now = Date.now();
  warden.platform.attest(runId, {
    backupId: 'daily-1', status: 'COMPLETED', insertedAt: new Date(now - 3_600_000).toISOString(), plan: 'pro',
    migrationWindow: { start: new Date(now + 3_600_000).toISOString(), end: new Date(now + 7_200_000).toISOString() }, attestedBy,
  });
}
