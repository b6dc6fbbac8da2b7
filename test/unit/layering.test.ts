import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleHits(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('layering lint rule', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'src-renderer/src/x.ts'],
    ["import path from 'path';", 'src-renderer/src/x.tsx'],
    ["import { ipcRenderer } from 'electron';", 'src-renderer/src/x.ts'],
    ["import Database from 'better-sqlite3';", 'src-renderer/src/x.ts'],
    ["import { openWarden } from '../../src-main/core/warden';", 'src-renderer/src/x.ts'],
    ["import { app } from 'electron';", 'src-main/core/backup/x.ts'],
    ["import { createMainWindow } from '../app/window';", 'src-main/core/x.ts'],
    ["import { readFileSync } from 'node:fs';", 'src-main/contract/x.ts'],
    ["import { openWarden } from '../src-main/core/warden';", 'src-preload/x.ts'],
    ["import type { Warden } from '../warden';", 'src-main/core/backup/x.ts'],
    ["import type { Warden } from '../warden';", 'src-main/core/runs/x.ts'],
    ["import { removeOrphanedCluster } from '../rehearse/scratchCluster';", 'src-main/core/runs/x.ts'],
    ["import { appSql } from '../practice/supabaseShape';", 'src-main/core/rehearse/x.ts'],
    ["import { withPgClient } from '../pg/connect';", 'src-main/core/supabase/x.ts'],
    ["import { redact } from '../util/redact';", 'src-main/core/supabase/x.ts'],
    ["import { spawn } from 'node:child_process';", 'src-main/core/backup/x.ts'],
    ["import { execFile } from 'child_process';", 'src-main/core/rehearse/x.ts'],
    ["const sql = `SELECT path FROM artifacts WHERE run_id = ?`;", 'src-main/core/backup/x.ts'],
    ["const sql = 'DELETE FROM artifacts';", 'src-main/core/log/x.ts'],
    ["import { dialog } from 'electron';", 'src-main/operations/x.ts'],
    ["import { render } from '../cli/render';", 'src-main/operations/x.ts'],
    ["import { createHandlers } from '../app/ipc/handlers';", 'src-main/operations/x.ts'],
  ])('forbids %s in %s', async (code, file) => {
    expect(await ruleHits(`${code}\nexport const used = 1;`, file)).toHaveLength(1);
  });

  it.each([
    ["import { useState } from 'react';", 'src-renderer/src/x.tsx'],
    ["import type { ProjectView } from '../../src-main/contract/project';", 'src-renderer/src/x.ts'],
    ["import { readFileSync } from 'node:fs';", 'src-main/core/x.ts'],
    ["import { app } from 'electron';", 'src-main/app/x.ts'],
    ["import { contextBridge } from 'electron';", 'src-preload/x.ts'],
    ["import { isReservedRole } from '../supabase/platformRoles';", 'src-main/core/rehearse/x.ts'],
    ["import { PLATFORM_ROLES } from '../supabase/platformRoles';", 'src-main/core/practice/x.ts'],
    ["import type { RunStore } from './runStore';", 'src-main/core/runs/x.ts'],
    ["import { removeOrphanedCluster } from '../pgtools/postmaster';", 'src-main/core/runs/x.ts'],
    ["import { PLATFORM_ROLES } from './platformRoles';", 'src-main/core/supabase/x.ts'],
    ["import { openWarden } from '../core/warden';", 'src-main/cli/x.ts'],
    ["import type { Warden } from '../core/warden';", 'src-main/operations/x.ts'],
    ["import { spawn } from 'node:child_process';", 'src-main/core/util/runTool.ts'],
    ["const sql = `SELECT path FROM artifacts WHERE run_id = ?`;", 'src-main/core/runs/artifactStore.ts'],
  ])('allows %s in %s', async (code, file) => {
    expect(await ruleHits(`${code}\nexport const used = 1;`, file)).toEqual([]);
  });
});
