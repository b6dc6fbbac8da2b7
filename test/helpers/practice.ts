import { startPracticeServer } from '../../src-main/core/practice/practiceDatabase';
import type { ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import type { Warden } from '../../src-main/core/warden';
import { practiceExpectedTables } from '../../src-main/contract/constants';

/**
 * A server playing a Supabase project (supabase_admin the superuser, postgres demoted) holding the
 * practice database, and a project in `warden` that connects as postgres, as on Supabase.
 */
export async function practiceProject(warden: Warden, targetBytes = 40e6): Promise<{ cluster: ScratchCluster; projectId: string }> {
  const { cluster, source } = await startPracticeServer({ targetBytes });
  const project = await warden.projects.create({
    name: `Practice ${Math.random().toString(36).slice(2, 8)}`,
    environment: 'production',
    host: source.host,
    port: source.port,
    database: source.database,
    user: source.user,
    sslmode: 'disable',
    expectedTables: [...practiceExpectedTables],
    secrets: { dbPassword: source.password },
  });
  return { cluster, projectId: project.id };
}
