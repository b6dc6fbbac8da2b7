import type { RestoreErrorGroup } from '../../contract/verify';
import { logLine } from '../pgtools/logLine';
import { redact } from '../util/redact';

type Kind = RestoreErrorGroup['kind'];

const KINDS: { kind: Kind; test: RegExp; title: string; action: string }[] = [
  {
    kind: 'refused',
    test: /must be superuser|permission denied|must be (a )?member of|must be owner|must have admin option|only superusers?|pg_execute_server_program|pg_read_server_files|pg_write_server_files/i,
    title: 'Refused: needs superuser or a privilege the restore never has',
    action:
      'The restore runs without superuser rights and without access to server programs or files, so this content cannot run here. ' +
      'If it is in production on purpose (a platform object), rehearse on a staging target; if nobody knows why it is there, investigate it before the migration.',
  },
  {
    kind: 'missing-extension',
    test: /type "[^"]+" does not exist|extension "[^"]+" (is not available|does not exist)|could not open extension control file|(operator class|access method|operator) .* does not exist/i,
    title: 'Needs an extension this server lacks',
    action: 'Install the extension (see Extensions for the package), or rehearse on a staging target that has it.',
  },
  {
    kind: 'missing-role',
    test: /role "[^"]+" does not exist/i,
    title: 'Refers to a role that is not here',
    action: 'Create the role on the target (the restoring role may not create roles), or back up again so the roles are captured with the backup.',
  },
  {
    kind: 'missing-object',
    test: /(relation|function|schema|table) .* does not exist/i,
    title: 'Refers to an object that was not restored',
    action: 'Usually a consequence of an error above (a refused object or a missing extension): resolve that one first.',
  },
  {
    kind: 'other',
    test: /./,
    title: 'Other errors',
    action: 'Read the first lines below, fix the cause on the rehearsal target, and rehearse again.',
  },
];

/** pg_restore's own progress and info messages (PostgreSQL 15–17): never the text of an error, wherever an error's prefix fell. */
const INFO =
  /^(?:connecting to (?:database for restore|new database )|creating \S+ "|(?:disabling|enabling) triggers for |entering (?:main parallel loop|restore_toc_entries_)|executing \S+ |finished (?:item \d+ |main parallel loop)|implied data-only restore|launching item \d+ |processing |reducing dependencies for \d+|restoring large object with OID \d+|restored \d+ large objects?$|skipping item \d+ |transferring dependency \d+ )/;

/**
 * Groups pg_restore's stderr by cause: one group per kind, with a count, the action that resolves it
 * and the first few messages. Each "error: " level is one error; its message is the next line that is
 * not pg_restore's own progress (the same line, unless parallel jobs interleaved their pieces: logLine),
 * and its ERROR text decides the kind.
 */
export function groupRestoreErrors(stderr: string): RestoreErrorGroup[] {
  const groups = new Map<Kind, RestoreErrorGroup>();
  const add = (spec: (typeof KINDS)[number], example: string) => {
    const group = groups.get(spec.kind) ?? { kind: spec.kind, title: spec.title, action: spec.action, count: 0, examples: [] };
    groups.set(spec.kind, group);
    group.count++;
    return group.examples.length < 5 ? { group, index: group.examples.push(redact(example).slice(0, 400)) - 1 } : null;
  };
  let context = '';
  let last: { group: RestoreErrorGroup; index: number } | null = null;
  /** Errors whose prefix was written and whose message is still to come. */
  let pending = 0;
  for (const raw of stderr.split('\n')) {
    const { message: line, errors, warnings } = logLine(raw);
    pending += errors;
    const command = /^Command was: (.*)$/.exec(line);
    if (command) {
      // The statement that failed, shortened: enough to find the object in production. Never an error's message itself.
      if (last) last.group.examples[last.index] += ` — in: ${redact(command[1]!).slice(0, 160)}`;
      last = null;
      continue;
    }
    const toc = /^from TOC entry \d+; \d+ \d+ (.*)$/.exec(line);
    if (toc) {
      context = toc[1]!.trim();
      continue;
    }
    // Not a message of an error: progress, a warning of its own, or the lines that follow a message (HINT, LINE, CONTEXT).
    if (!line || pending === 0 || INFO.test(line) || (warnings > 0 && errors === 0)) continue;
    pending--;
    const message = line.replace(/^could not execute query: /, '').replace(/ERROR:\s+/, '');
    last = add(KINDS.find((k) => k.test.test(message))!, context ? `${message} (${context})` : message);
    context = '';
  }
  // Counted by their prefixes: an error whose message never came is still an error.
  for (; pending > 0; pending--) add(KINDS.find((k) => k.kind === 'other')!, 'pg_restore reported an error whose message could not be told apart from its other output');
  return KINDS.map((k) => groups.get(k.kind)).filter((g): g is RestoreErrorGroup => g !== undefined);
}

export const describeErrorGroups = (groups: readonly RestoreErrorGroup[]): string =>
  groups.map((g) => `${g.title}: ${g.count} (${g.action}) First: ${g.examples[0] ?? ''}`).join(' | ');
