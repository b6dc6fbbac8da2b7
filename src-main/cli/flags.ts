import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { CliDoor, CliField } from '../contract/operations';
import { WardenError } from '../core/errors';
import { describeIssues } from '../core/util/validation';
import { identitiesIn } from '../core/crypto/identityText';

// CLI flags from the catalog: each flag names the input field it fills, and that field's schema says
// how to read the text (a number, a repeatable list, a switch, "none" for null). The whole input is then
// validated by the operation's own schema, as for the app, with errors naming flags instead of fields.

interface FieldShape {
  kind: 'string' | 'number' | 'boolean' | 'array' | 'other';
  required: boolean;
  nullable: boolean;
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; element?: z.ZodType; in?: z.ZodType };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The shape of the field at `path` (a.b.c) in an input schema; unions are searched option by option. */
export function fieldShape(schema: z.ZodType, path: string): FieldShape {
  const walk = (s: z.ZodType, keys: string[], required: boolean, nullable: boolean): FieldShape | null => {
    const def = defOf(s);
    switch (def.type) {
      case 'optional':
      case 'default':
        return walk(def.innerType!, keys, false, nullable);
      case 'nullable':
        return walk(def.innerType!, keys, required, true);
      case 'pipe':
        return walk(def.in!, keys, required, nullable);
      case 'union':
        for (const option of def.options!) {
          const found = walk(option, keys, required, nullable);
          if (found) return found;
        }
        return null;
      case 'object': {
        if (!keys.length) return { kind: 'other', required, nullable };
        const child = def.shape![keys[0]!];
        return child ? walk(child, keys.slice(1), required, nullable) : null;
      }
      default:
        if (keys.length) return null;
        return { kind: def.type === 'string' || def.type === 'number' || def.type === 'boolean' || def.type === 'array' ? def.type : 'other', required, nullable };
    }
  };
  const found = walk(schema, path.split('.'), true, false);
  if (!found) throw new Error(`catalog: ${path} is not a field of the operation's input`);
  return found;
}

/** A flag that takes no value: a fixed value, or a secret read from standard input. */
const isSwitch = (field: CliField, shape: FieldShape) => field.value !== undefined || field.read === 'stdin-secret' || shape.kind === 'boolean';

export function parseArgsOptions(door: CliDoor, input: z.ZodType): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  return Object.fromEntries(
    Object.entries(door.flags ?? {}).map(([flag, field]) => {
      const shape = field.call ? { kind: 'array' as const, required: false, nullable: false } : fieldShape(input, field.to);
      if (isSwitch(field, shape)) return [flag, { type: 'boolean' as const }];
      return [flag, { type: 'string' as const, ...(shape.kind === 'array' && !field.read ? { multiple: true } : {}) }];
    }),
  );
}

export function usageLine(door: CliDoor, input: z.ZodType): string {
  const flags = Object.entries(door.flags ?? {}).map(([flag, field]) => {
    const shape = field.call ? { kind: 'other' as const, required: false, nullable: false } : fieldShape(input, field.to);
    const text = isSwitch(field, shape) ? `--${flag}` : `--${flag} ${field.meta ?? 'VALUE'}${shape.kind === 'array' && !field.read ? '…' : ''}`;
    return shape.required && !isSwitch(field, shape) ? text : `[${text}]`;
  });
  return [door.command, ...(door.args ?? []).map((a) => `<${a.name}>`), ...flags].join(' ');
}

export interface CliReaders {
  /** A project's id from its name or id. */
  project(key: string): string;
  /** A secret from standard input, never from the command line. */
  stdinSecret(what: string): Promise<string>;
}

/** The operation's input and the call's CLI-only extras, from the parsed command line. */
export async function buildInput(
  door: CliDoor,
  input: z.ZodType,
  values: Record<string, string | boolean | string[] | undefined>,
  positionals: string[],
  readers: CliReaders,
): Promise<{ input: unknown; extra: Record<string, unknown> }> {
  const built: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  const set = (target: Record<string, unknown>, path: string, value: unknown) => {
    const keys = path.split('.');
    let node = target;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys.at(-1)!] = value;
  };
  const get = (target: Record<string, unknown>, path: string): unknown => path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], target);
  const read = async (field: CliField, text: string | boolean | string[], label: string): Promise<unknown> => {
    if (field.value !== undefined) return field.value;
    if (field.read === 'stdin-secret') return readers.stdinSecret(label);
    const shape = field.call ? null : fieldShape(input, field.to);
    const one = (t: string): unknown => {
      if (field.project) return readers.project(t);
      if (field.read === 'path') return resolve(t);
      if (field.read === 'json-file') return readJsonFile(t, label);
      if (field.read === 'text-file') return readTextFile(t, label);
      if (field.read === 'identity-file') return readIdentities(t);
      if (shape?.nullable && t === 'none') return null;
      // Left as text when it is not a number: the schema then says what the field must be.
      if (shape?.kind === 'number' && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
      return t;
    };
    return Array.isArray(text) ? text.map(one) : typeof text === 'string' ? one(text) : text;
  };
  // Required groups exist even when no flag fills them, so the schema judges their content ("changes" of an edit).
  for (const field of Object.values(door.flags ?? {})) {
    const keys = field.to.split('.');
    for (let n = 1; n < keys.length && !field.call; n++) {
      const path = keys.slice(0, n).join('.');
      const shape = fieldShape(input, path);
      if (shape.required && shape.kind === 'other' && get(built, path) === undefined) set(built, path, {});
    }
  }
  for (const [i, arg] of (door.args ?? []).entries()) set(built, arg.to, await read(arg, positionals[i]!, arg.name));
  // Standard input holds one secret: a second would read nothing.
  const fromStdin = Object.entries(door.flags ?? {}).filter(([flag, f]) => f.read === 'stdin-secret' && values[flag] !== undefined && values[flag] !== false);
  if (fromStdin.length > 1) throw new WardenError('VALIDATION', `Only one secret can come from standard input per command: give ${fromStdin.map(([f]) => `--${f}`).join(' and ')} in separate commands (project edit).`);
  for (const [flag, field] of Object.entries(door.flags ?? {})) {
    const given = values[flag];
    if (given === undefined || given === false) continue;
    if (field.requires && values[field.requires] === undefined) throw new WardenError('VALIDATION', `--${flag} goes with --${field.requires}.`);
    set(field.call ? extra : built, field.to, await read(field, given, flag === 'password-stdin' ? 'database password' : flag));
    for (const [path, value] of Object.entries(field.with ?? {})) set(built, path, value);
  }
  // An operation without input (project list) takes none.
  const noInput = Object.keys(built).length === 0 && input.safeParse(undefined).success;
  return { input: noInput ? undefined : built, extra };
}

/** Validates with the operation's schema; a failure names the flags (or arguments) that fill the bad fields. */
export function parseInput(door: CliDoor, schema: z.ZodType, built: unknown): unknown {
  const result = schema.safeParse(built);
  if (result.success) return result.data;
  const names = new Map<string, string[]>();
  for (const a of door.args ?? []) names.set(a.to, [`<${a.name}>`]);
  // Flags that take the value name the field; fixed-value switches only where none does (--send, --message, --confirm).
  const flags = Object.entries(door.flags ?? {}).filter(([, f]) => !f.call);
  const valued = flags.filter(([, f]) => f.value === undefined);
  const add = (to: string, name: string) => names.set(to, [...(names.get(to) ?? []), name]);
  for (const [flag, field] of valued) add(field.to, `--${flag}`);
  for (const [flag, field] of flags) if (field.value !== undefined && !valued.some(([, f]) => f.to === field.to)) add(field.to, `--${flag}`);
  // The flag filling the field or the nearest field above it: --expected-table value 2, not changes.expectedTables.1.
  const label = (path: PropertyKey[]) => {
    if (!path.length) return `"${door.command}"`;
    for (let n = path.length; n > 0; n--) {
      const flag = names.get(path.slice(0, n).map(String).join('.'));
      if (flag) return [flag.join(' or '), ...path.slice(n).map((k) => (typeof k === 'number' ? `value ${k + 1}` : String(k)))].join(' ');
    }
    return undefined;
  };
  throw new WardenError('VALIDATION', `Invalid ${door.command}: ${describeIssues(result.error.issues, label)}`);
}

function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new WardenError('VALIDATION', `Cannot read the ${what} file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new WardenError('VALIDATION', `Cannot read the ${what} from ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Give a JSON file.`);
  }
}

/** age identities from a key file (age-keygen output: comments and AGE-SECRET-KEY-1… lines). */
function readIdentities(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WardenError('VALIDATION', `Cannot read the identity file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}). Give the path of an age key file.`);
  }
  const identities = identitiesIn(text);
  if (!identities.length) throw new WardenError('VALIDATION', `${file} holds no age identity (a line starting with AGE-SECRET-KEY-).`);
  return identities;
}
