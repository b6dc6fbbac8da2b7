import { describe, expect, it } from 'vitest';
import { ipcContract } from '../../src-main/contract/ipc';
import { ipcMethods } from '../../src-main/contract/methods';
import { cliOnlyCommands, cliSummary, operations, type Operation } from '../../src-main/contract/operations';
import { createHandlers } from '../../src-main/app/ipc/handlers';
import { commands } from '../../src-main/cli/commands';
import { runCli } from '../helpers/cli';
import { openTestWarden } from '../helpers/warden';

const catalog: [string, Operation][] = Object.entries(operations);
const t = openTestWarden();
const handlers = createHandlers(t.warden, { pickFolder: async () => null, emit: () => undefined });

describe('operations catalog', () => {
  it('names every IPC method once, and the IPC contract and the app handle exactly those', () => {
    expect(Object.keys(operations).sort()).toEqual([...ipcMethods].sort());
    expect(Object.keys(ipcContract).sort()).toEqual([...ipcMethods].sort());
    expect(Object.keys(handlers).sort()).toEqual([...ipcMethods].sort());
    t.close();
  });

  it('every IPC method has its CLI command, or says why the command line has none; every CLI command is an operation’s door or a declared CLI-only one', () => {
    for (const [method, op] of catalog) {
      if (op.cli === null) expect(op.noCli?.length ?? 0, method).toBeGreaterThan(20);
      else expect(Object.keys(commands), method).toContain(op.cli);
    }
    const doors = new Set(catalog.map(([, op]) => op.cli));
    expect(Object.keys(commands).filter((c) => !doors.has(c) && !(c in cliOnlyCommands))).toEqual([]);
    expect(Object.keys(cliOnlyCommands).filter((c) => !(c in commands))).toEqual([]);
  });

  it('operations that change a run take its runId', () => {
    for (const [method] of catalog.filter(([, o]) => o.changesRun)) {
      const shape = (ipcContract[method as keyof typeof ipcContract].input as unknown as { shape?: Record<string, unknown>; options?: { shape: Record<string, unknown> }[] });
      const shapes = shape.shape ? [shape.shape] : (shape.options ?? []).map((o) => o.shape);
      expect(shapes.length, method).toBeGreaterThan(0);
      for (const s of shapes) expect(Object.keys(s), method).toContain('runId');
    }
  });

  it('the CLI’s help comes from the catalog', async () => {
    const help = await runCli(['--help']);
    for (const name of Object.keys(commands)) expect(help.stdout).toContain(`      ${cliSummary(name)}`);
    expect((await runCli(['runs', 'show', '--help'])).stdout).toContain(operations.getRun.summary);
  });
});
