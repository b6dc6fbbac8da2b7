/** Catalog ids (pg_class oids of the system catalogs) that TOC lines carry for schemas and extensions. */
const PG_NAMESPACE = 2615;
const PG_EXTENSION = 3079;

/** What the restore prepares itself and pg_restore must therefore leave out. */
export interface TocSkips {
  /** Source oids of schemas created beforehand (owner and privileges from the catalog facts). */
  schemaOids: number[];
  /** Source oids and names of extensions installed beforehand, or deliberately not installed. */
  extensions: { oid: number; name: string }[];
  /** Event triggers only a superuser may create: left out, and the report says so. */
  eventTriggers: boolean;
  /**
   * Objects of the extensions installed beforehand ("schema.name"): they belong to the server's
   * superuser, so the dump's privileges on them cannot be granted by the restoring role.
   */
  extensionMembers: string[];
  /** Restoring without owners into a database we do not control: other roles' default privileges are theirs to set. */
  defaultAclsOnlyFor?: string;
}

/**
 * Rewrites `pg_restore --list` output into a list for `pg_restore -L`, with the entries the restore
 * handles itself commented out. TOC lines identify objects by catalog id and oid ("2615 16385"), so a
 * hostile object name cannot make another entry match; pg_restore prints names on one line.
 */
export function restoreList(toc: string, skips: TocSkips): { list: string; skipped: string[] } {
  const ids = new Set([...skips.schemaOids.map((oid) => `${PG_NAMESPACE} ${oid}`), ...skips.extensions.map((e) => `${PG_EXTENSION} ${e.oid}`)]);
  // pg_dump quotes names that are not plain lower-case identifiers ("uuid-ossp").
  const comments = new Set(skips.extensions.flatMap((e) => [`COMMENT - EXTENSION ${e.name}`, `COMMENT - EXTENSION "${e.name.replace(/"/g, '""')}"`]));
  const members = new Set(skips.extensionMembers);
  const skipped: string[] = [];
  const list = toc
    .split('\n')
    .map((line) => {
      const entry = /^(\d+); (\d+ \d+) (.*)$/.exec(line);
      if (!entry) return line;
      const [, , catalogId, rest] = entry as unknown as [string, string, string, string];
      const acl = /^ACL (\S+) (?:FUNCTION|PROCEDURE|AGGREGATE|TABLE|SEQUENCE|TYPE|DOMAIN) ([^(\s]+)/.exec(rest);
      const skip =
        ids.has(catalogId) ||
        comments.has(rest.trimEnd()) ||
        (skips.eventTriggers && rest.startsWith('EVENT TRIGGER ')) ||
        (acl !== null && members.has(`${acl[1]}.${acl[2]}`)) ||
        (skips.defaultAclsOnlyFor !== undefined && rest.startsWith('DEFAULT ACL ') && rest.trimEnd().split(' ').at(-1) !== skips.defaultAclsOnlyFor);
      if (!skip) return line;
      skipped.push(rest.trimEnd());
      return `;${line}`;
    })
    .join('\n');
  return { list, skipped };
}
