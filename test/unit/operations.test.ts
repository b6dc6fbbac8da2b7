import { describe, expect, it } from 'vitest';
import { ipcContract } from '../../src-main/contract/ipc';
import { ipcMethods } from '../../src-main/contract/methods';
import { cliOnlyCommands, cliSummary, operations, type Operation } from '../../src-main/contract/operations';
import { createHandlers } from '../../src-main/app/ipc/handlers';
import { commands } from '../../src-main/cli/commands';
import { buildInput, fieldShape, parseInput } from '../../src-main/cli/flags';
import { runCli } from '../helpers/cli';
import { openTestWarden } from '../helpers/warden';

const catalog: [string, Operation][] = Object.entries(operations);
const t = openTestWarden();
const handlers = createHandlers(t.warden, { pickFolder: async () => null, pickFile: async () => null, emit: () => undefined });

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
      else expect(Object.keys(commands), method).toContain(op.cli.command);
    }
    const doors = new Set(catalog.map(([, op]) => op.cli?.command));
    expect(Object.keys(commands).filter((c) => !doors.has(c) && !(c in cliOnlyCommands))).toEqual([]);
    expect(Object.keys(cliOnlyCommands).filter((c) => !(c in commands))).toEqual([]);
  });

  it('every CLI flag and argument fills a field of its operation’s input schema, which validates what the CLI builds', async () => {
    for (const [method, op] of catalog) {
      for (const field of [...(op.cli?.args ?? []), ...Object.values(op.cli?.flags ?? {})]) {
        if (!field.call) expect(() => fieldShape(op.input, field.to), `${method} ${field.to}`).not.toThrow();
      }
    }
    const door = operations.attestPlatform.cli;
    const runId = '00000000-0000-4000-8000-000000000000';
    const flags = { 'backup-id': 'daily-1', status: 'COMPLETED', 'inserted-at': '2026-11-25T10:00:00Z', plan: 'pro', 'window-start': '2026-11-26T10:00:00Z', 'window-end': '2026-11-26T12:00:00Z', by: 'Alice Creator' };
    const built = await buildInput(door, operations.attestPlatform.input, flags, [runId], { project: () => 'x', stdinSecret: async () => 'x' });
    // The same object the app sends over IPC.
    expect(parseInput(door, operations.attestPlatform.input, built.input)).toEqual(operations.attestPlatform.input.parse({
      runId,
      attestation: { backupId: 'daily-1', status: 'COMPLETED', insertedAt: '2026-11-25T10:00:00Z', plan: 'pro', migrationWindow: { start: '2026-11-26T10:00:00Z', end: '2026-11-26T12:00:00Z' }, attestedBy: 'Alice Creator' },
    }));
    // Numbers, lists and switches follow the schema; errors name the flag.
    const edit = operations.updateProject.cli;
    const patch = await buildInput(edit, operations.updateProject.input, { port: '6543', 'expected-table': ['a', 'b'], 'clear-recipients': true }, ['P'], { project: () => 'p-id', stdinSecret: async () => 's' });
    expect(patch.input).toEqual({ id: 'p-id', changes: { port: 6543, expectedTables: ['a', 'b'], extraRecipients: [] } });
    const bad = await buildInput(edit, operations.updateProject.input, { port: 'abc' }, ['P'], { project: () => '00000000-0000-4000-8000-000000000000', stdinSecret: async () => 's' });
    expect(() => parseInput(edit, operations.updateProject.input, bad.input)).toThrow(/^Invalid project edit: --port must be a number$/);
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
