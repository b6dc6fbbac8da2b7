import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runViewSchema } from '../../src-main/contract/runs';
import { openDatabase } from '../../src-main/core/db/database';
import { runView } from '../../src-main/core/runs/runView';
import { openTestWarden } from '../helpers/warden';

const t = openTestWarden();
afterAll(() => t.close());

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));

describe('typed checklist evidence', () => {
  it('crosses the boundary typed per item; evidence an older version stored in another shape says so instead of breaking the view', async () => {
    const project = await t.warden.projects.create({ name: 'Evidence', environment: 'staging', host: 'db.example.com', port: 5432, database: 'postgres', user: 'postgres', sslmode: 'require' });
    const run = t.warden.runs.create(project.id, 'typed', '', 'tester');
    t.warden.runs.setItem(run.id, 'integrity', 'failed', { error: 'The integrity check was cancelled by the operator.' });
    t.warden.runs.setItem(run.id, 'log', 'passed', { renderedAt: '2026-11-25T12:00:00.000Z' });
    // A rehearsal report of an earlier format (no outcome, totals, restore errors): written as that version did.
    const db = openDatabase(join(t.dataDir, 'warden.sqlite'));
    db.prepare(`UPDATE checklist_items SET state = 'passed', evidence = ? WHERE run_id = ? AND key = 'rehearsal'`).run(
      JSON.stringify({ runId: run.id, ok: true, target: 'embedded PostgreSQL 15 on port 5433', checks: [], tables: [], timings: { rtoMs: 1 } }),
      run.id,
    );
    db.close();
    const view = runViewSchema.parse(runView(t.warden, run.id));
    const byKey = Object.fromEntries(view.items.map((i) => [i.key, i.evidence]));
    expect(byKey.integrity).toEqual({ error: 'The integrity check was cancelled by the operator.' });
    expect(byKey.log).toEqual({ renderedAt: '2026-11-25T12:00:00.000Z' });
    expect(byKey.rehearsal).toEqual({ error: expect.stringContaining('recorded by an older version of Backup Warden in another shape') });
    expect(byKey.backup).toBeNull();
  });

  it('the renderer never casts evidence', () => {
    const casts = files('src-renderer/src').filter((f) => /evidence\)?\s+as\s/.test(readFileSync(f, 'utf8')));
    expect(casts).toEqual([]);
  });
});
