import { describe, expect, it } from 'vitest';
import { groupRestoreErrors } from '../../src-main/core/rehearse/restoreErrors';
import { restoreList } from '../../src-main/core/rehearse/restoreList';

// What pg_restore --list prints (PostgreSQL 15), with a schema whose name tries to look like another entry.
const toc = [
  ';',
  '; Archive created at 2026-11-25 12:00:00 UTC',
  ';',
  '5; 2615 16483 SCHEMA - auth supabase_admin',
  '6; 2615 16500 SCHEMA - extensions supabase_admin',
  '7; 2615 16777 SCHEMA - extensions 2615 16500 evil postgres',
  '2; 3079 16390 EXTENSION - pgcrypto ',
  '3801; 0 0 COMMENT - EXTENSION pgcrypto ',
  '3; 3079 16401 EXTENSION - uuid-ossp ',
  '3802; 0 0 COMMENT - EXTENSION "uuid-ossp" ',
  '4012; 3466 16999 EVENT TRIGGER - pgrst_ddl_watch supabase_admin',
  '3900; 0 0 ACL extensions FUNCTION gen_random_uuid() supabase_admin',
  '3901; 0 0 ACL public TABLE users postgres',
  '3902; 0 0 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES supabase_admin',
  '3903; 0 0 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES postgres',
  '220; 1259 16600 TABLE public users postgres',
].join('\n');

describe('restore list', () => {
  it('comments out exactly the entries the restore prepared itself, by catalog id, plus event triggers and grants on extension objects', () => {
    const { list, skipped } = restoreList(toc, {
      schemaOids: [16500],
      extensions: [{ oid: 16390, name: 'pgcrypto' }, { oid: 16401, name: 'uuid-ossp' }],
      eventTriggers: true,
      extensionMembers: ['extensions.gen_random_uuid'],
    });
    const commented = list.split('\n').filter((l) => /^;\d/.test(l));
    expect(commented).toEqual([
      ';6; 2615 16500 SCHEMA - extensions supabase_admin',
      ';2; 3079 16390 EXTENSION - pgcrypto ',
      ';3801; 0 0 COMMENT - EXTENSION pgcrypto ',
      ';3; 3079 16401 EXTENSION - uuid-ossp ',
      ';3802; 0 0 COMMENT - EXTENSION "uuid-ossp" ',
      ';4012; 3466 16999 EVENT TRIGGER - pgrst_ddl_watch supabase_admin',
      ';3900; 0 0 ACL extensions FUNCTION gen_random_uuid() supabase_admin',
    ]);
    // The hostile schema named like another entry is not matched; the user's own table and grants stay.
    expect(list).toContain('\n7; 2615 16777 SCHEMA - extensions 2615 16500 evil postgres\n');
    expect(list).toContain('\n3901; 0 0 ACL public TABLE users postgres\n');
    expect(skipped).toHaveLength(7);
  });

  it('into a database we do not control, only the restoring role’s default privileges are set', () => {
    const { list } = restoreList(toc, { schemaOids: [], extensions: [], eventTriggers: true, extensionMembers: [], defaultAclsOnlyFor: 'postgres' });
    expect(list).toContain('\n;3902; 0 0 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES supabase_admin\n');
    expect(list).toContain('\n3903; 0 0 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES postgres\n');
  });
});

describe('restore errors', () => {
  it('groups pg_restore errors by cause, counts them and keeps the failing statement', () => {
    const stderr = [
      'pg_restore: error: could not execute query: ERROR:  must be superuser or a member of the pg_execute_server_program role to COPY to or from an external program',
      'HINT:  Anyone can COPY to stdout or from stdin.',
      'CONTEXT:  SQL statement "COPY (SELECT 1) TO PROGRAM \'touch /tmp/x\'"',
      'Command was: CREATE INDEX hostile_index_expr ON public.hostile_index USING btree (public.pwn_immutable(\'index\'::text));',
      'pg_restore: error: COPY failed for table "hostile_check": ERROR:  permission denied for function pg_read_file',
      'pg_restore: error: could not execute query: ERROR:  type "extensions.citext" does not exist',
      'LINE 3:     email extensions.citext NOT NULL',
      'Command was: CREATE TABLE public.newsletter_subscribers (',
      'pg_restore: error: could not execute query: ERROR:  relation "public.newsletter_subscribers" does not exist',
      'Command was: ALTER TABLE public.newsletter_subscribers OWNER TO postgres;',
      'pg_restore: error: could not execute query: ERROR:  role "reporting" does not exist',
      'pg_restore: error: could not execute query: ERROR:  deadlock detected',
      'pg_restore: warning: errors ignored on restore: 6',
    ].join('\n');
    const groups = groupRestoreErrors(stderr);
    expect(groups.map((g) => [g.kind, g.count])).toEqual([
      ['refused', 2],
      ['missing-extension', 1],
      ['missing-role', 1],
      ['missing-object', 1],
      ['other', 1],
    ]);
    expect(groups[0]!.examples[0]).toBe(
      'must be superuser or a member of the pg_execute_server_program role to COPY to or from an external program — in: CREATE INDEX hostile_index_expr ON public.hostile_index USING btree (public.pwn_immutable(\'index\'::text));',
    );
    expect(groups[0]!.title).toBe('Refused: needs superuser or a privilege the restore never has');
    expect(groups[0]!.action).toMatch(/investigate it before the migration/);
    expect(groups.find((g) => g.kind === 'missing-extension')!.action).toMatch(/Install the extension/);
  });

  it('parallel jobs: prefixes and messages of several processes interleaved on shared stderr are put back together', () => {
    // Each process writes "pg_restore:", " ", "error: " and its message in separate writes; these are the orders seen.
    const stderr = [
      'pg_restore: launching item 4036 ACL SEQUENCE login_attempts_id_seq',
      'pg_restore: from TOC entry 4040; 0 0 ACL public TABLE newsletter_subscribers postgres',
      'pg_restore: error: finished item 4036 ACL SEQUENCE login_attempts_id_seq',
      'could not execute query: ERROR:  relation "public.newsletter_subscribers" does not exist',
      'Command was: GRANT ALL ON TABLE public.newsletter_subscribers TO anon;',
      'pg_restore: pg_restore: error: processing item 4041 ACL TABLE users',
      'could not execute query: ERROR:  type "extensions.citext" does not exist',
      'LINE 3:     email extensions.citext NOT NULL',
      'Command was: CREATE TABLE public.newsletter_subscribers (',
      'pg_restore:pg_restore:  error: launching item 4050 INDEX users_pkey',
      'could not execute query: ERROR:  must be owner of table users',
      'pg_restore: finished main parallel loop',
      'pg_restore: warning: errors ignored on restore: 3',
    ].join('\n');
    const groups = groupRestoreErrors(stderr);
    expect(groups.map((g) => [g.kind, g.count])).toEqual([['refused', 1], ['missing-extension', 1], ['missing-object', 1]]);
    expect(groups.find((g) => g.kind === 'missing-object')!.examples).toEqual([
      'relation "public.newsletter_subscribers" does not exist (ACL public TABLE newsletter_subscribers postgres) — in: GRANT ALL ON TABLE public.newsletter_subscribers TO anon;',
    ]);
  });

  it("a failed statement's text is never taken for an error's message, even past the examples kept", () => {
    const six = Array.from({ length: 6 }, (_, i) => [`pg_restore: error: could not execute query: ERROR:  role "r${i}" does not exist`, `Command was: GRANT x TO r${i};`]).flat();
    const groups = groupRestoreErrors([...six.slice(0, -1), 'pg_restore: error: ', six.at(-1)!, 'could not execute query: ERROR:  deadlock detected'].join('\n'));
    expect(groups.map((g) => [g.kind, g.count])).toEqual([['missing-role', 6], ['other', 1]]);
    expect(groups[1]!.examples).toEqual(['deadlock detected']);
  });

  it('an error whose message cannot be found is still counted', () => {
    const groups = groupRestoreErrors(['pg_restore: error: ', 'pg_restore: finished item 4036 ACL SEQUENCE s'].join('\n'));
    expect(groups.map((g) => [g.kind, g.count])).toEqual([['other', 1]]);
  });

  it('a clean restore has no groups', () => {
    expect(groupRestoreErrors('')).toEqual([]);
  });
});
