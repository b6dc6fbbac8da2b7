import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleHits(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
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
  ])('forbids %s in %s', async (code, file) => {
    expect(await ruleHits(`${code}\nexport const used = 1;`, file)).toHaveLength(1);
  });

  it.each([
    ["import { useState } from 'react';", 'src-renderer/src/x.tsx'],
    ["import type { ProjectView } from '../../src-main/contract/project';", 'src-renderer/src/x.ts'],
    ["import { readFileSync } from 'node:fs';", 'src-main/core/x.ts'],
    ["import { app } from 'electron';", 'src-main/app/x.ts'],
    ["import { contextBridge } from 'electron';", 'src-preload/x.ts'],
  ])('allows %s in %s', async (code, file) => {
    expect(await ruleHits(`${code}\nexport const used = 1;`, file)).toEqual([]);
  });
});
