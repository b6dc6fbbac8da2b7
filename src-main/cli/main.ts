#!/usr/bin/env -S node --max-semi-space-size=2 --initial-old-space-size=64
// backup-warden: the command-line shell over the same core as the desktop app. Its work streams through
// many short-lived 64 KiB buffers: a small young generation frees them early, and keeps resident memory
// of a large backup or Storage archive flat and low (~180 MiB instead of ~210 MiB peak, measured). Its
// live heap is small (~18 MB): V8 set the next full collection at a small multiple of it, so what a long
// stream promotes started one every ~0.3 s — 47–65 in a 5 GiB practice backup, ~1.2 of this process's
// 4.0–4.5 CPU-s. A floor of 64 MB under that limit leaves one or two (measured: 2.8–3.1 CPU-s, peak RSS
// 152–156 MiB against 158–170; README, Benchmarks).
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../core/dataDir';
import type { ErrorCode } from '../contract/errors';
import { toErrorShape } from '../core/errors';
import { describeRecovered } from '../core/runs/activities';
import { openWarden } from '../core/warden';
import { cliSummary } from '../contract/operations';
import { commands, type Command, type Flags } from './commands';
import { Output } from './output';

/**
 * Exit codes: 0 done, 1 the work failed (or a check came out red), 2 the command line was wrong,
 * 11 busy (another backup, check or restore holds the lock it needs: try again later, as restic's 11),
 * 130 cancelled (Ctrl-C, SIGTERM).
 */
const USAGE_ERROR = 2;
const BUSY = 11;
const CANCELLED = 130;
const exitCodeOf: Partial<Record<ErrorCode, number>> = { VALIDATION: USAGE_ERROR, BUSY, CANCELLED };

/**
 * Ctrl-C and SIGTERM cancel the running command: its work stops and removes what it made (decrypted
 * copies, scratch servers, passfiles, partial files) before the process exits. A second one exits at once.
 */
function cancelOnSignals(out: Output): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(CANCELLED);
    out.note(`${signal}: cancelling, removing temporary files and servers… (again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
const GLOBAL = { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

function usage(): string {
  return [
    'Usage: backup-warden <command> [options]   (global: --data-dir DIR, --json, --help)',
    '',
    ...Object.entries(commands).flatMap(([name, c]) => [`  ${c.usage}`, `      ${cliSummary(name)}`]),
    '',
    'Runs are named by the id that "backup" prints. Secrets are read from standard input (--password-stdin), never from arguments.',
  ].join('\n');
}

/** The command named by the first one or two positional words; flag values are not mistaken for words. */
function findCommand(argv: string[]): { name: string; command: Command } | { words: string[] } {
  const allOptions = Object.assign({}, GLOBAL, ...Object.values(commands).map((c) => c.options)) as Record<string, { type: 'string' | 'boolean' }>;
  const { positionals } = parseArgs({ args: argv, options: allOptions, allowPositionals: true, strict: false });
  for (const name of [positionals.slice(0, 2).join(' '), positionals[0] ?? '']) {
    if (name && Object.hasOwn(commands, name)) return { name, command: commands[name]! };
  }
  return { words: positionals.slice(0, 2) };
}

function usageError(message: string, command?: Command): number {
  process.stderr.write(`error: ${message}\n${command ? `usage: backup-warden ${command.usage}` : 'Run "backup-warden --help" for the list of commands.'}\n`);
  return USAGE_ERROR;
}

export async function main(argv: string[]): Promise<number> {
  const help = argv.includes('--help') || argv.includes('-h');
  const found = findCommand(argv);
  if ('words' in found) {
    if (help || found.words.length === 0) {
      (help ? process.stdout : process.stderr).write(usage() + '\n');
      return help ? 0 : USAGE_ERROR;
    }
    return usageError(`unknown command "${found.words.join(' ')}".`);
  }
  const { name, command } = found;
  if (help) {
    process.stdout.write(`usage: backup-warden ${command.usage}\n${cliSummary(name)}\n`);
    return 0;
  }
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...command.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    return usageError((error as Error).message, command);
  }
  const args = parsed.positionals.slice(name.split(' ').length);
  if (args.length !== command.positionals) {
    return usageError(`"${name}" takes ${command.positionals} argument(s), got ${args.length}${args.length ? ` (${args.join(' ')})` : ''}.`, command);
  }
  const json = parsed.values.json === true;
  const out = new Output(json);
  const signal = cancelOnSignals(out);
  try {
    if (command.standalone) return (await command.run(null, args, parsed.values, out, signal)) ?? 0;
    const warden = openWarden({ dataDir: typeof parsed.values['data-dir'] === 'string' ? parsed.values['data-dir'] : defaultDataDir() });
    for (const r of warden.recovered) out.note(`note: ${describeRecovered(r)}; marked so in the audit trail.`);
    try {
      return (await command.run(warden, args, parsed.values, out, signal)) ?? 0;
    } finally {
      warden.close();
    }
  } catch (error) {
    const shape = toErrorShape(error);
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: shape }) + '\n');
    process.stderr.write(`error (${shape.code}): ${shape.message}\n`);
    return exitCodeOf[shape.code] ?? 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${toErrorShape(error).message}\n`);
    process.exit(1);
  },
);
