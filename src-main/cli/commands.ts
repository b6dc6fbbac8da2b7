import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProjectView } from '../contract/project';
import { renderAuditExport } from '../core/audit/auditExport';
import { WardenError } from '../core/errors';
import { rehearsalFindings, rehearsalHeadline } from '../core/rehearse/summary';
import type { Warden } from '../core/warden';
import { isFailure } from '../contract/evidence';
import { listRunViews, runView } from '../core/runs/runView';
import { runDemo } from './demo';
import type { Output } from './output';

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

const str = (flags: Flags, name: string, required = true): string | undefined => {
  const v = flags[name];
  if (typeof v === 'string' && v.length) return v;
  if (required) throw new WardenError('VALIDATION', `--${name} is required.`);
  return undefined;
};

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
  const identities = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!identities.length) throw new WardenError('VALIDATION', `${file} holds no age identity (a line starting with AGE-SECRET-KEY-).`);
  return identities;
}

const checksText = (checks: { status: string; title: string; detail: string }[]) =>
  checks.map((c) => `${{ passed: 'PASS', partial: 'PART', failed: 'FAIL' }[c.status] ?? 'SKIP'}  ${c.title}: ${c.detail}`).join('\n');

export const commands: Record<string, Command> = {
  'project add': {
    usage: 'project add --name N --env production|staging|development|local --host H [--port 5432] [--db postgres] [--user postgres] [--sslmode require] [--supabase-ref REF] [--password-stdin]',
    options: { name: { type: 'string' }, env: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, db: { type: 'string' }, user: { type: 'string' }, sslmode: { type: 'string' }, 'supabase-ref': { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    positionals: 0,
    async run(w, _args, f, out) {
      const port = Number(str(f, 'port', false) ?? 5432);
      const view = await w.projects.create({
        name: str(f, 'name'),
        environment: str(f, 'env'),
        host: str(f, 'host'),
        port: Number.isInteger(port) ? port : str(f, 'port'),
        database: str(f, 'db', false) ?? 'postgres',
        user: str(f, 'user', false) ?? 'postgres',
        sslmode: str(f, 'sslmode', false) ?? 'require',
        supabaseRef: str(f, 'supabase-ref', false) ?? null,
        secrets: f['password-stdin'] ? { dbPassword: await readStdin('database password') } : {},
      });
      out.result(view, `Added project "${view.name}" (${view.id}).`);
    },
  },
  'project list': {
    usage: 'project list',
    options: {},
    positionals: 0,
    async run(w, _a, _f, out) {
      const list = w.projects.list();
      out.result(list, list.map((p) => `${p.name}\t${p.environment}\t${p.user}@${p.host}:${p.port}/${p.database}\t${p.id}`).join('\n') || 'No projects yet.');
    },
  },
  'project test': {
    usage: 'project test <project>',
    options: {},
    positionals: 1,
    async run(w, [key], _f, out) {
      const r = await w.projects.testConnection(findProject(w, key!).id);
      out.result(r, `Connected: PostgreSQL ${r.serverVersion}, database ${r.databaseSizeBytes} bytes, ${r.publicTableCount} tables in public${r.ssl ? ', TLS' : ''}.`);
    },
  },
  'project show': {
    usage: 'project show <project>',
    options: {},
    positionals: 1,
    async run(w, [key], _f, out) {
      const p = findProject(w, key!);
      out.result(p, [
        `${p.name} (${p.environment}) ${p.id}`,
        `database   ${p.user}@${p.host}:${p.port}/${p.database} (sslmode ${p.sslmode})${p.supabaseRef ? `, Supabase ${p.supabaseRef}` : ''}`,
        `password   ${p.hasDbPassword ? 'stored in keychain' : 'not set'}; Management API token ${p.hasManagementToken ? 'stored' : 'not set'}`,
        `tables     ${p.expectedTables.length} expected${p.excludeSchemas.length ? `; schemas left out: ${p.excludeSchemas.join(', ')}` : ''}`,
        `checks     ${p.sampleChecks.map((c) => c.name).join(', ') || 'no sample checks'}`,
        `key        ${p.ageRecipient ?? 'created with the first backup'}${p.extraRecipients.length ? `; extra recipients: ${p.extraRecipients.join(', ')}` : ''}`,
      ].join('\n'));
    },
  },
  'project edit': {
    usage:
      'project edit <project> [--name N] [--env E] [--host H] [--port P] [--db D] [--user U] [--sslmode M] [--supabase-ref REF|none] ' +
      '[--expected-table T]… [--exclude-schema S]… [--recipient age1…]… [--sample-checks FILE.json] [--clear expected-tables|exclude-schemas|recipients|sample-checks]… [--password-stdin]',
    options: {
      name: { type: 'string' }, env: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, db: { type: 'string' }, user: { type: 'string' },
      sslmode: { type: 'string' }, 'supabase-ref': { type: 'string' }, 'expected-table': { type: 'string', multiple: true }, 'exclude-schema': { type: 'string', multiple: true },
      recipient: { type: 'string', multiple: true }, 'sample-checks': { type: 'string' }, clear: { type: 'string', multiple: true }, 'password-stdin': { type: 'boolean' },
    },
    positionals: 1,
    async run(w, [key], f, out) {
      const project = findProject(w, key!);
      const list = (flag: string, cleared: string): string[] | undefined => ((f.clear as string[] | undefined)?.includes(cleared) ? [] : (f[flag] as string[] | undefined));
      for (const c of (f.clear as string[] | undefined) ?? []) {
        if (!['expected-tables', 'exclude-schemas', 'recipients', 'sample-checks'].includes(c)) throw new WardenError('VALIDATION', `--clear takes expected-tables, exclude-schemas, recipients or sample-checks (got "${c}").`);
      }
      const port = str(f, 'port', false);
      const ref = str(f, 'supabase-ref', false);
      const checksFile = str(f, 'sample-checks', false);
      const patch = Object.fromEntries(
        Object.entries({
          name: str(f, 'name', false),
          environment: str(f, 'env', false),
          host: str(f, 'host', false),
          port: port === undefined ? undefined : Number.isInteger(Number(port)) ? Number(port) : port,
          database: str(f, 'db', false),
          user: str(f, 'user', false),
          sslmode: str(f, 'sslmode', false),
          supabaseRef: ref === undefined ? undefined : ref === 'none' ? null : ref,
          expectedTables: list('expected-table', 'expected-tables'),
          excludeSchemas: list('exclude-schema', 'exclude-schemas'),
          extraRecipients: list('recipient', 'recipients'),
          sampleChecks: (f.clear as string[] | undefined)?.includes('sample-checks') ? [] : checksFile === undefined ? undefined : readJsonFile(checksFile, 'sample checks'),
          secrets: f['password-stdin'] ? { dbPassword: await readStdin('database password') } : undefined,
        }).filter(([, v]) => v !== undefined),
      );
      if (Object.keys(patch).length === 0) throw new WardenError('VALIDATION', 'Nothing to change: give at least one option (see --help).');
      const view = await w.projects.update(project.id, patch);
      out.result(view, `Updated project "${view.name}": ${Object.keys(patch).join(', ')}.`);
    },
  },
  'project remove': {
    usage: 'project remove <project> --confirm NAME',
    options: { confirm: { type: 'string' } },
    positionals: 1,
    async run(w, [key], f, out) {
      const project = findProject(w, key!);
      if (str(f, 'confirm', false) !== project.name) {
        throw new WardenError('VALIDATION', `Removing "${project.name}" deletes its profile and its secrets from the keychain: repeat its name exactly with --confirm "${project.name}".`);
      }
      await w.projects.remove(project.id);
      out.result({ removed: project.id }, `Removed project "${project.name}" and its secrets.`);
    },
  },
  'runs list': {
    usage: 'runs list [--project P]',
    options: { project: { type: 'string' } },
    positionals: 0,
    async run(w, _a, f, out) {
      const key = str(f, 'project', false);
      const runs = listRunViews(w, key === undefined ? undefined : findProject(w, key).id);
      out.result(
        runs,
        runs.map((r) => `${r.startedAt}  ${r.status.padEnd(11)} ${r.items.filter((i) => i.state === 'passed').length}/${r.items.length}  ${r.projectName} / ${r.name}  ${r.id}`).join('\n') || 'No runs yet.',
      );
    },
  },
  'runs show': {
    usage: 'runs show <run>',
    options: {},
    positionals: 1,
    async run(w, [runId], _f, out) {
      const r = runView(w, runId!);
      out.result(r, [
        `${r.name} (${r.projectName}) — ${r.status}, started ${r.startedAt} by ${r.createdBy}${r.error ? `: ${r.error}` : ''}`,
        ...(r.backupFile ? [`backup ${r.backupFile}`] : []),
        ...r.items.map((i) => `${i.state.padEnd(8)} ${i.title}${i.evidence && isFailure(i.evidence) ? ` — ${i.evidence.error}` : i.attestedBy ? ` — attested by ${i.attestedBy}` : ''}`),
        ...r.signOffs.map((s) => `signed   ${s.role} ${s.name} (${s.osUser}) ${s.signedAt}${s.overrideReason ? ` — override: ${s.overrideReason}` : ''}`),
      ].join('\n'));
    },
  },
  backup: {
    usage: 'backup <project> --out DIR [--name NAME] [--description TEXT] [--recipient age1… (repeatable)]',
    options: { out: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, recipient: { type: 'string', multiple: true } },
    positionals: 1,
    async run(w, [key], f, out, signal) {
      const r = await w.backups.run(
        { projectId: findProject(w, key!).id, name: str(f, 'name', false), description: str(f, 'description', false) ?? '', extraRecipients: (f.recipient as string[] | undefined) ?? [] },
        { outputDir: resolve(str(f, 'out')!), onProgress: (p) => out.progress(p), signal },
      );
      const m = r.manifest;
      out.result(r, `Backup written: ${r.dumpFile}\nrun ${r.runId}\n${m.totals.publicTables} public tables, ${m.totals.rows} rows, ${m.files.dump.ciphertextBytes} bytes, sha256 ${m.files.dump.ciphertextSha256}`);
    },
  },
  verify: {
    usage: 'verify <run> [--identity FILE]',
    options: { identity: { type: 'string' } },
    positionals: 1,
    async run(w, [runId], f, out, signal) {
      const identityFile = str(f, 'identity', false);
      const identities = identityFile ? readIdentities(identityFile) : undefined;
      const report = await w.integrity.verify(runId!, { identities, signal });
      out.result(report, `${checksText(report.checks)}\n${report.ok ? 'Integrity verified.' : 'Integrity check FAILED.'}`);
      return report.ok ? 0 : 1;
    },
  },
  rehearse: {
    usage: 'rehearse <run> [--amcheck] [--staging <project> [--confirm-clean <database>]]',
    options: { amcheck: { type: 'boolean' }, staging: { type: 'string' }, 'confirm-clean': { type: 'string' } },
    positionals: 1,
    async run(w, [runId], f, out, signal) {
      const staging = str(f, 'staging', false);
      const confirmClean = str(f, 'confirm-clean', false);
      if (confirmClean !== undefined && staging === undefined) throw new WardenError('VALIDATION', '--confirm-clean goes with --staging <project>.');
      const target = staging === undefined ? { kind: 'embedded' as const } : { kind: 'project' as const, projectId: findProject(w, staging).id, ...(confirmClean !== undefined ? { confirmClean } : {}) };
      const report = await w.rehearsal.rehearse(runId!, { amcheck: f.amcheck === true, target, signal });
      const findings = rehearsalFindings(report);
      out.result(report, `${checksText(report.checks)}${findings.length ? `\n\n${findings.map((x) => `- ${x}`).join('\n')}` : ''}\n\n${rehearsalHeadline(report)}${report.isolation ? `\nIsolation: ${report.isolation}.` : ''}`);
      return report.ok ? 0 : 1;
    },
  },
  'platform check': {
    usage: 'platform check <run> --plan pro|team|enterprise --window-start ISO --window-end ISO',
    options: { plan: { type: 'string' }, 'window-start': { type: 'string' }, 'window-end': { type: 'string' } },
    positionals: 1,
    async run(w, [runId], f, out) {
      const e = await w.platform.check(runId!, { plan: str(f, 'plan') as 'pro', migrationWindow: { start: str(f, 'window-start')!, end: str(f, 'window-end')! } });
      out.result(e, `Platform backup ${e.backupId} (${e.backupStatus}) expires ${e.expiresAt}.${e.warnings.map((x) => `\nWARNING: ${x}`).join('')}`);
    },
  },
  'platform attest': {
    usage: 'platform attest <run> --backup-id ID --status COMPLETED --inserted-at ISO --plan pro --window-start ISO --window-end ISO --by NAME [--note TEXT]',
    options: { 'backup-id': { type: 'string' }, status: { type: 'string' }, 'inserted-at': { type: 'string' }, plan: { type: 'string' }, 'window-start': { type: 'string' }, 'window-end': { type: 'string' }, by: { type: 'string' }, note: { type: 'string' } },
    positionals: 1,
    async run(w, [runId], f, out) {
      const e = w.platform.attest(runId!, {
        backupId: str(f, 'backup-id')!, status: str(f, 'status') as 'COMPLETED', insertedAt: str(f, 'inserted-at')!, plan: str(f, 'plan') as 'pro',
        migrationWindow: { start: str(f, 'window-start')!, end: str(f, 'window-end')! }, attestedBy: str(f, 'by')!, note: str(f, 'note', false) ?? '',
      });
      out.result(e, `Platform backup ${e.backupId} attested by ${e.attestedBy}; expires ${e.expiresAt}.${e.warnings.map((x) => `\nWARNING: ${x}`).join('')}`);
    },
  },
  signoff: {
    usage: 'signoff <run> --role creator|verifier --name "FULL NAME" [--override "REASON"]',
    options: { role: { type: 'string' }, name: { type: 'string' }, override: { type: 'string' } },
    positionals: 1,
    async run(w, [runId], f, out) {
      const s = w.signOffs.signOff(runId!, { role: str(f, 'role') as 'creator', name: str(f, 'name')!, overrideReason: str(f, 'override', false) });
      out.result(s, `Signed as ${s.role}: ${s.name} (${s.osUser}) at ${s.signedAt}.`);
    },
  },
  'log preview': {
    usage: 'log preview <run>',
    options: {},
    positionals: 1,
    async run(w, [runId], _f, out) {
      const p = w.exports.preview(runId!);
      out.result(p, p.markdown);
    },
  },
  'log export': {
    usage: 'log export <run> --out DIR',
    options: { out: { type: 'string' } },
    positionals: 1,
    async run(w, [runId], f, out) {
      const r = await w.exports.export(runId!, resolve(str(f, 'out')!));
      out.result(r, `Signed log: ${r.markdownFile}\nSignature: ${r.signatureFiles[0]}\nallowed_signers: ${r.allowedSignersFile}\nKey: ${r.fingerprint}`);
    },
  },
  'verify-signature': {
    usage: 'verify-signature <file> [--sig FILE]',
    options: { sig: { type: 'string' } },
    positionals: 1,
    async run(w, [file], f, out) {
      const v = w.exports.verifyExport(resolve(file!), str(f, 'sig', false));
      out.result(v, v.ok ? `Good signature (${v.fingerprint}).` : `BAD signature: ${v.reason}.`);
      return v.ok ? 0 : 1;
    },
  },
  notify: {
    usage: 'notify <run> (--send | --message | --confirm --by NAME --channel WHERE)',
    options: { send: { type: 'boolean' }, message: { type: 'boolean' }, confirm: { type: 'boolean' }, by: { type: 'string' }, channel: { type: 'string' } },
    positionals: 1,
    async run(w, [runId], f, out) {
      if (f.send) {
        const r = await w.notify.send(runId!);
        return out.result(r, `Webhook answered ${r.status}; team notified.`);
      }
      if (f.confirm) {
        w.notify.confirmSent(runId!, str(f, 'by')!, str(f, 'channel')!);
        return out.result({ ok: true }, 'Notification recorded as sent.');
      }
      if (!f.message) throw new WardenError('VALIDATION', 'Choose --send, --message or --confirm.');
      const text = w.notify.message(runId!);
      out.result({ message: text }, text);
    },
  },
  'audit list': {
    usage: 'audit list [--run RUN] [--after SEQ] [--limit N]',
    options: { run: { type: 'string' }, after: { type: 'string' }, limit: { type: 'string' } },
    positionals: 0,
    async run(w, _a, f, out) {
      const number = (flag: string) => {
        const v = str(f, flag, false);
        if (v !== undefined && !/^\d+$/.test(v)) throw new WardenError('VALIDATION', `--${flag} must be a whole number.`);
        return v === undefined ? undefined : Number(v);
      };
      const entries = w.audit.list({ runId: str(f, 'run', false), afterSeq: number('after'), limit: number('limit') ?? 100 });
      out.result(entries, entries.map((e) => `${e.seq}\t${e.at}\t${e.actor}\t${e.action}${e.runId ? `\trun ${e.runId}` : ''}`).join('\n') || 'No entries.');
    },
  },
  'audit verify': {
    usage: 'audit verify [--head SEQ:HASH]',
    options: { head: { type: 'string' } },
    positionals: 0,
    async run(w, _a, f, out) {
      const head = str(f, 'head', false);
      let v;
      if (head) {
        const m = /^(\d+):([0-9a-f]{64})$/.exec(head);
        if (!m) throw new WardenError('VALIDATION', '--head must be SEQ:HASH as printed in the signed log, e.g. 42:3f1c… (64 hex digits).');
        v = w.audit.verifyAgainst({ seq: Number(m[1]), hash: m[2]! });
      } else v = w.audit.verify();
      out.result(v, v.ok ? `Audit chain intact: ${v.rows} entries, head ${v.headHash}.` : `Audit chain BROKEN at entry ${v.firstBadSeq}: ${v.reason}.`);
      return v.ok ? 0 : 1;
    },
  },
  'audit export': {
    usage: 'audit export --format csv|json [--out FILE]',
    options: { format: { type: 'string' }, out: { type: 'string' } },
    positionals: 0,
    async run(w, _a, f, out) {
      const format = str(f, 'format');
      if (format !== 'csv' && format !== 'json') throw new WardenError('VALIDATION', '--format must be csv or json.');
      const { text, entries } = renderAuditExport(w.audit, format);
      const file = str(f, 'out', false);
      if (file) {
        writeFileSync(resolve(file), text, { mode: 0o600 });
        out.note(`Wrote ${entries} entries to ${resolve(file)}.`);
      } else process.stdout.write(text);
      // As in the app: who took the trail out, where and how much.
      w.audit.append({ actor: w.actor, action: 'audit.exported', details: { file: file ? resolve(file) : 'standard output', format, entries } });
    },
  },
  demo: {
    usage: 'demo [--out DIR]',
    options: { out: { type: 'string' } },
    positionals: 0,
    standalone: true,
    run: (_w, _a, f, out) => runDemo(str(f, 'out', false) ?? 'demo-output', out),
  },
};
