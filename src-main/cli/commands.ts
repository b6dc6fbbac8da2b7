import { resolve as resolvePath } from 'node:path';
import type { ProjectView } from '../contract/project';
import type { IpcMethod } from '../contract/methods';
import { operations, type CliDoor, type Operation } from '../contract/operations';
import { WardenError } from '../core/errors';
import type { Warden } from '../core/warden';
import { bindOperations } from '../operations/runtime';
import { runDemo } from './demo';
import { buildInput, parseArgsOptions, parseInput, usageLine } from './flags';
import type { Output } from './output';
import { render, type CliMethod } from './render';

export type Flags = Record<string, string | boolean | string[] | undefined>;
/** A command's help line comes from the operations catalog (contract/operations). */
interface CommandBase {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  positionals: number;
}
/**
 * A command runs on the core the CLI opened, or (standalone) sets up its own. It returns its exit code;
 * nothing means 0. `signal` aborts on Ctrl-C or SIGTERM: long work stops and removes what it made.
 */
export type Command =
  | (CommandBase & { standalone?: false; run(w: Warden, args: string[], flags: Flags, out: Output, signal: AbortSignal): Promise<number | void> })
  | (CommandBase & { standalone: true; run(w: null, args: string[], flags: Flags, out: Output, signal: AbortSignal): Promise<number | void> });

async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) throw new WardenError('VALIDATION', `Pipe the ${what} on standard input (it is never taken from the command line, where other users could see it).`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!value) throw new WardenError('VALIDATION', `No ${what} arrived on standard input.`);
  return value;
}

export function findProject(w: Warden, key: string): ProjectView {
  const all = w.projects.list();
  const match = all.find((p) => p.id === key) ?? all.find((p) => p.name.toLowerCase() === key.toLowerCase());
  if (!match) throw new WardenError('NOT_FOUND', `No project "${key}". Known projects: ${all.map((p) => p.name).join(', ') || 'none yet (add one with "project add")'}.`);
  return match;
}

/**
 * An operation's command, derived from its catalog entry: flags parsed into its input, validated by its
 * input schema, run through the same handlers and runtime as the app, printed by its renderer.
 */
function operationCommand(method: CliMethod, door: CliDoor, op: Operation): Command {
  return {
    usage: usageLine(door, op.input),
    options: parseArgsOptions(door, op.input),
    positionals: door.args?.length ?? 0,
    async run(w, args, flags, out, signal) {
      const built = await buildInput(door, op.input, flags, args, { project: (key) => findProject(w, key).id, stdinSecret: readStdin });
      const input = parseInput(door, op.input, built.input);
      const bound = bindOperations(w, {
        folder: (path) => path,
        file: (path) => path,
        pickFolder: () => Promise.reject(new WardenError('VALIDATION', 'The command line takes folders as arguments.')),
        pickFile: () => Promise.reject(new WardenError('VALIDATION', 'The command line takes files as arguments.')),
        emit: (event, payload) => {
          if (event === 'backupProgress') out.progress((payload as { progress: Parameters<Output['progress']>[0] }).progress);
          if (event === 'storageProgress') out.storageProgress((payload as { progress: Parameters<Output['storageProgress']>[0] }).progress);
          if (event === 'checkProgress') out.checkProgress((payload as { progress: Parameters<Output['checkProgress']>[0] }).progress);
        },
      });
      const value = await (bound[method] as (i: unknown, e: unknown) => Promise<unknown>)(input, { signal, ...built.extra });
      const shown = (render[method] as (v: unknown, i: unknown) => string | { text: string; exit: number })(value, input);
      const { text, exit } = typeof shown === 'string' ? { text: shown, exit: 0 } : shown;
      out.result(value, text);
      return exit;
    },
  };
}

const doors = Object.fromEntries(
  Object.entries(operations as Record<IpcMethod, Operation>).flatMap(([method, op]) =>
    op.cli ? [[op.cli.command, operationCommand(method as CliMethod, op.cli, op)]] : [],
  ),
);

/** The commands only the command line has (contract/operations: cliOnlyCommands). */
const cliOnly: Record<string, Command> = {
  'verify-signature': {
    usage: 'verify-signature <file> [--sig FILE] [--allowed-signers FILE]',
    options: { sig: { type: 'string' }, 'allowed-signers': { type: 'string' } },
    positionals: 1,
    async run(w, [file], f, out) {
      // Trusts the allowed_signers beside the file, or the one the team keeps (--allowed-signers); never this database.
      const allowedSignersFile = typeof f['allowed-signers'] === 'string' ? resolvePath(f['allowed-signers']) : undefined;
      const v = w.exports.verifyExport(resolvePath(file!), { signatureFile: typeof f.sig === 'string' ? resolvePath(f.sig) : undefined, allowedSignersFile });
      // The people's signatures beside it (.creator.sig, .verifier.sig), each checked by ssh-keygen.
      const people = typeof f.sig === 'string' ? [] : await w.exports.verifySigners(resolvePath(file!), allowedSignersFile);
      const lines = [
        v.ok ? `Good signature (${v.fingerprint}): the machine attestation of the installation that exported it.` : `BAD signature: ${v.reason}.`,
        ...people.map((p) => `${p.role.padEnd(9)} ${p.ok ? `good signature by ${p.principal} (${p.fingerprint})` : `BAD: ${p.reason}`}`),
      ];
      out.result({ ...v, signatures: people }, lines.join('\n'));
      return v.ok && people.every((p) => p.ok) ? 0 : 1;
    },
  },
  demo: {
    usage: 'demo [--out DIR]',
    options: { out: { type: 'string' } },
    positionals: 0,
    standalone: true,
    run: (_w, _a, f, out) => runDemo(typeof f.out === 'string' ? f.out : 'demo-output', out),
  },
};

export const commands: Record<string, Command> = { ...doors, ...cliOnly };
