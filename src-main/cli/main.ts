#!/usr/bin/env node
// backup-warden: the command-line shell over the same core as the desktop app.
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../core/dataDir';
import { toErrorShape, WardenError } from '../core/errors';
import { openWarden } from '../core/warden';
import { commands, type Flags } from './commands';
import { runDemo } from './demo';
import { Output } from './output';

const GLOBAL = { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

function usage(): string {
  return [
    'Usage: backup-warden <command> [options]   (global: --data-dir DIR, --json, --help)',
    '',
    ...Object.values(commands).map((c) => `  backup-warden ${c.usage}`),
    '  backup-warden demo [--out DIR]            practice run on an embedded database, no credentials',
    '',
    'Secrets are read from standard input (--password-stdin), never from arguments.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [words.slice(0, 2).join(' '), words[0] ?? ''].find((n) => n in commands || n === 'demo');
  if (!name || argv.includes('--help') || argv.includes('-h')) {
    (name ? process.stdout : process.stderr).write(usage() + '\n');
    return name || argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  const command = name === 'demo' ? null : commands[name]!;
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...GLOBAL, ...(command?.options ?? { out: { type: 'string' } }) },
      allowPositionals: true,
      strict: true,
    }) as { values: Flags; positionals: string[] };
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\nusage: backup-warden ${command?.usage ?? 'demo [--out DIR]'}\n`);
    return 2;
  }
  const args = parsed.positionals.slice(name.split(' ').length);
  const expected = command?.positionals ?? 0;
  if (args.length !== expected) {
    process.stderr.write(`error: "${name}" takes ${expected} argument(s), got ${args.length}${args.length ? ` (${args.join(' ')})` : ''}\nusage: backup-warden ${command?.usage ?? 'demo [--out DIR]'}\n`);
    return 2;
  }
  const out = new Output(parsed.values.json === true);
  try {
    if (!command) return await runDemo(typeof parsed.values.out === 'string' ? parsed.values.out : 'demo-output', out);
    const warden = openWarden({ dataDir: typeof parsed.values['data-dir'] === 'string' ? parsed.values['data-dir'] : defaultDataDir() });
    try {
      await command.run(warden, args, parsed.values, out);
    } finally {
      warden.close();
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const shape = toErrorShape(error);
    if (parsed.values.json) process.stdout.write(JSON.stringify({ ok: false, error: shape }) + '\n');
    process.stderr.write(`\nerror (${shape.code}): ${shape.message}\n`);
    return error instanceof WardenError && error.code === 'VALIDATION' ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${toErrorShape(error).message}\n`);
    process.exit(1);
  },
);
