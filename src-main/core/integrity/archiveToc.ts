/** One line of `pg_restore --list`: "3421; 0 16530 TABLE DATA public users postgres". */
export interface TocEntry {
  type: string;
  schema: string;
  name: string;
}

const TYPES = ['TABLE DATA', 'SEQUENCE SET', 'FK CONSTRAINT', 'ROW SECURITY', 'TABLE', 'INDEX', 'CONSTRAINT', 'POLICY', 'SCHEMA', 'EXTENSION', 'FUNCTION', 'SEQUENCE', 'DEFAULT', 'TRIGGER', 'VIEW', 'COMMENT', 'ACL'];

export function parseToc(listing: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of listing.split('\n')) {
    const m = /^\d+; \d+ \d+ (.*)$/.exec(line);
    if (!m) continue;
    const rest = m[1]!;
    const type = TYPES.find((t) => rest.startsWith(t + ' '));
    if (!type) continue;
    const [schema = '', name = ''] = rest.slice(type.length + 1).split(' ');
    entries.push({ type, schema, name });
  }
  return entries;
}
