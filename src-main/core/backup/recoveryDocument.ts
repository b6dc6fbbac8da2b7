import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { Manifest } from '../../contract/backup';

// Names in a backup come from production and may be written by an attacker: every identifier is
// double-quoted, every literal single-quoted, and the here-documents end with a random marker that no
// name contains, so the commands below do exactly what they say whatever the names are.
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const qualified = (schema: string, name: string) => `${ident(schema)}.${ident(name)}`;

/** The sealed half of the recovery document, beside the backup. */
export const recoveryDetailsFile = (dumpFile: string): string => dumpFile.replace(/\.dump\.age$/, '.RECOVERY-DETAILS.md.age');

/**
 * How to restore a backup with only standard tools (age, PostgreSQL's client tools) and no Backup Warden,
 * then check it, in two halves: `<name>.RECOVERY.md` in plain text names nothing of production (the file,
 * its hashes, its recipients, how to open the rest); `<name>.RECOVERY-DETAILS.md.age`, sealed to the
 * backup's recipients, names the database, its roles and tables. Their shell blocks run as written, with
 * the variables they name set (test/integration/recoveryDocument.test.ts follows them literally).
 */
export function recoveryDocument(manifest: Manifest, dumpFile: string): { plain: string; details: string } {
  const file = basename(dumpFile);
  const plain = file.replace(/\.age$/, '');
  const sealed = basename(recoveryDetailsFile(dumpFile));
  const opened = sealed.replace(/\.age$/, '');
  const major = Math.floor(manifest.server.versionNum / 10_000);
  const directory = manifest.dump.format === 'directory';
  const body = [manifest.tables.map((t) => `${t.schema}.${t.name}`).join('\n'), ...(manifest.catalog?.roles ?? []), ...(manifest.catalog?.extensions ?? []).map((e) => e.schema)].join('\n');
  let marker = '';
  do marker = `BW_${randomBytes(6).toString('hex').toUpperCase()}`;
  while (body.includes(marker));

  // Created without login or rights where missing (on Supabase they exist): policies and grants name them.
  const roles = (manifest.catalog?.roles ?? []).filter((r) => !r.startsWith('pg_'));
  const extensions = manifest.catalog?.extensions ?? [];
  const counted = manifest.tables.filter((t) => t.rows !== null);
  const prepare = [
    ...roles.map((r) => `DO $do$ BEGIN CREATE ROLE ${ident(r)} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $do$;`),
    ...[...new Set(extensions.map((e) => e.schema))].map((s) => `CREATE SCHEMA IF NOT EXISTS ${ident(s)};`),
    ...extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${ident(e.name)} WITH SCHEMA ${ident(e.schema)};`),
    ...[...new Set(extensions.map((e) => e.schema))].map((s) => `GRANT USAGE, CREATE ON SCHEMA ${ident(s)} TO :"owner";`),
  ];
  const check = counted.length
    ? [
        'SELECT t, n, expected FROM (',
        counted
          .map((t) => `  SELECT ${literal(`${t.schema}.${t.name}`)} AS t, (SELECT count(*) FROM ${qualified(t.schema, t.name)}) AS n, ${t.rows}::bigint AS expected`)
          .join('\n  UNION ALL\n'),
        ') AS c WHERE n IS DISTINCT FROM expected;',
      ]
    : ['SELECT 1 WHERE false;'];
  const variables = [
    '```',
    'RECOVERY_KEY=/path/to/recovery-key.txt   # the age identity file',
    'BACKUP_DIR=/path/to/folder/with/the/backup',
    'WORK=/path/to/a/private/folder            # decrypted files go here: delete them afterwards',
    'PGHOST=… PGPORT=5432 TARGET_DB=…',
    'ADMIN_USER=…                             # may create roles and extensions (on Supabase: postgres)',
    'OWNER=…                                  # owns TARGET_DB, not a superuser; restores the data',
    '# passwords: ~/.pgpass or PGPASSWORD, as usual for psql',
    '```',
  ];
  const intro = [
    `# Recovery of backup "${manifest.name}" without Backup Warden`,
    '',
    `Backup \`${file}\`, taken ${manifest.timings.startedAt} with pg_dump ${manifest.tools.pgDump}.`,
    `Encrypted with age to: ${manifest.encryption.recipients.join(', ')}. The recovery key (Backup Warden: "Export recovery key")`,
    'or a break-glass key among those opens it. What it holds — the database, its roles and tables — is named only in',
    `\`${sealed}\`, sealed to the same keys.`,
    '',
    `You need \`age\`${manifest.dump.stream === 'zstd' ? ', `zstd`' : ''}${directory ? ', `tar`' : ''}, and PostgreSQL's client tools (\`psql\`, \`pg_restore\`) of major ${manifest.tools.pgDump.split('.')[0]} or newer, and a server on PostgreSQL ${major} or newer`,
    'with an empty database owned by a role that is **not** a superuser (the backup holds functions written in production:',
    'run them with no more rights than that database needs). Set these variables, then run the blocks in order:',
    '',
    ...variables,
    '',
    '## 1. The file is the one that was backed up',
    '',
    '```sh',
    `echo "${manifest.files.dump.ciphertextSha256}  $BACKUP_DIR/${file}" | sha256sum -c -`,
    '```',
    '',
    '## 2. Open the details',
    '',
    '```sh',
    `age -d -i "$RECOVERY_KEY" -o "$WORK/${opened}" "$BACKUP_DIR/${sealed}"`,
    '```',
    '',
    `Then follow \`$WORK/${opened}\` (steps 3 to 5, the same variables); its last step deletes it again.`,
    '',
  ].join('\n');
  const details = [
    `# Recovery of backup "${manifest.name}": details`,
    '',
    `Backup \`${file}\` of \`${manifest.source.user}@${manifest.source.host}:${manifest.source.port}/${manifest.source.database}\` (PostgreSQL ${manifest.server.version}),`,
    `taken ${manifest.timings.startedAt} with pg_dump ${manifest.tools.pgDump}: ${manifest.totals.tables} tables, ${manifest.totals.rows} rows.`,
    'Steps 1 and 2 are in the plain recovery document beside the backup; the variables are the same:',
    '',
    ...variables,
    '',
    '## 3. Roles and extensions the backup refers to (as the administrator)',
    '',
    '```sh',
    `psql -v ON_ERROR_STOP=1 -v owner="$OWNER" -h "$PGHOST" -p "$PGPORT" -U "$ADMIN_USER" -d "$TARGET_DB" <<'${marker}'`,
    ...(prepare.length ? prepare : ['SELECT 1;']),
    marker,
    '```',
    '',
    '## 4. Decrypt and restore (as the owner)',
    '',
    'pg_restore may report errors for what only a superuser may create (event triggers, some grants);',
    'step 5 tells whether the data is complete.',
    '',
    '```sh',
    ...(directory ? unpackSteps(manifest, file, plain) : manifest.dump.stream === 'zstd'
      ? [
          // The decrypted file is a zstd stream of the archive (compressed outside pg_dump, on every core).
          `age -d -i "$RECOVERY_KEY" -o "$WORK/${plain}.zst" "$BACKUP_DIR/${file}"`,
          ...archiveCheck(manifest, `$WORK/${plain}.zst`),
          `zstd -d -q --rm -o "$WORK/${plain}" "$WORK/${plain}.zst"`,
        ]
      : [`age -d -i "$RECOVERY_KEY" -o "$WORK/${plain}" "$BACKUP_DIR/${file}"`, ...archiveCheck(manifest, `$WORK/${plain}`)]),
    `pg_restore${directory ? ` --jobs=${manifest.dump.jobs}` : ''} --no-owner --no-privileges -h "$PGHOST" -p "$PGPORT" -U "$OWNER" -d "$TARGET_DB" "$WORK/${plain}" || echo "pg_restore reported errors (above); step 5 checks the data"`,
    `rm -${directory ? 'rf' : 'f'} "$WORK/${plain}"`,
    '```',
    '',
    `## 5. Every table holds the rows the backup recorded (${counted.length} tables, ${manifest.totals.rows} rows)`,
    '',
    'Prints nothing when everything matches; otherwise each table that differs, with its count and the expected one. Then this document is deleted.',
    '',
    '```sh',
    `psql -v ON_ERROR_STOP=1 -At -h "$PGHOST" -p "$PGPORT" -U "$OWNER" -d "$TARGET_DB" <<'${marker}'`,
    ...check,
    marker,
    `rm -f "$WORK/${opened}"`,
    '```',
    '',
  ].join('\n');
  return { plain: intro, details };
}

/**
 * The decrypted archive's digest, where the manifest records one (before @4). Step 1 checked the file's,
 * which determines it: age authenticates every chunk, and zstd -d checks its frames' checksums.
 */
function archiveCheck(manifest: Manifest, path: string): string[] {
  return manifest.files.dump.plaintextSha256 ? [`echo "${manifest.files.dump.plaintextSha256}  ${path}" | sha256sum -c -`] : [];
}

/** A parallel backup's decrypted file is a tar (of a zstd stream) of pg_dump's directory archive: unpacked into $WORK/<plain>. */
function unpackSteps(manifest: Manifest, file: string, plain: string): string[] {
  const tar = `${plain}.tar${manifest.dump.stream === 'zstd' ? '.zst' : ''}`;
  return [
    `age -d -i "$RECOVERY_KEY" -o "$WORK/${tar}" "$BACKUP_DIR/${file}"`,
    ...archiveCheck(manifest, `$WORK/${tar}`),
    `mkdir -m 700 "$WORK/${plain}"`,
    manifest.dump.stream === 'zstd' ? `zstd -d -q -c "$WORK/${tar}" | tar -x -f - -C "$WORK/${plain}"` : `tar -x -f "$WORK/${tar}" -C "$WORK/${plain}"`,
    `rm -f "$WORK/${tar}"`,
  ];
}
