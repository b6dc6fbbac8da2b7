import { buildPracticeDatabase } from '../../src-main/core/practice/practiceDatabase';
import { startScratchCluster, type ScratchCluster } from '../../src-main/core/rehearse/scratchCluster';
import type { Warden } from '../../src-main/core/warden';

/** A scratch cluster holding a Supabase-shaped practice database, and a project in `warden` pointing at it. */
export async function practiceProject(warden: Warden, targetBytes = 40e6): Promise<{ cluster: ScratchCluster; projectId: string }> {
  const cluster = await startScratchCluster();
  await buildPracticeDatabase(cluster.target, 'practice', { targetBytes });
  const project = await warden.projects.create({
    name: `Practice ${Math.random().toString(36).slice(2, 8)}`,
    environment: 'production',
    host: cluster.target.host,
    port: cluster.target.port,
    database: 'practice',
    user: cluster.target.user,
    sslmode: 'disable',
    secrets: { dbPassword: cluster.target.password },
  });
  return { cluster, projectId: project.id };
}
