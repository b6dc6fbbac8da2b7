import { logLine } from '../pgtools/logLine';

/**
 * How far pg_restore is, from its --verbose lines: a table's data counts once pg_restore reports it
 * finished (parallel jobs: "finished item N TABLE DATA …", matched to the table through the archive's
 * list), or, with one job, once the next table's data starts. Tables weigh what they occupy on disk, as
 * the manifest recorded. Only a gauge: the indexes built afterwards are not in it.
 */
export function restoreProgress(toc: string, tables: readonly { schema: string; name: string; bytes: number }[], jobs: number, onFraction: (fraction: number) => void): (line: string) => void {
  const bytes = new Map(tables.map((t) => [`${t.schema}.${t.name}`, t.bytes]));
  const total = Math.max(1, [...bytes.values()].reduce((a, b) => a + b, 0));
  const byId = new Map<string, string>();
  for (const m of toc.matchAll(/^(\d+); \d+ \d+ TABLE DATA (\S+) (\S+) /gm)) byId.set(m[1]!, `${m[2]}.${m[3]}`);
  const done = new Set<string>();
  let current: string | null = null;
  let doneBytes = 0;
  const finish = (table: string | undefined | null) => {
    if (!table || done.has(table)) return;
    done.add(table);
    doneBytes += bytes.get(table) ?? 0;
    onFraction(Math.min(1, doneBytes / total));
  };
  return (line) => {
    const { message } = logLine(line);
    const finished = /^finished item (\d+) TABLE DATA /.exec(message);
    if (finished) return finish(byId.get(finished[1]!));
    const starting = /^processing data for table "([^"]+)"/.exec(message);
    if (starting) {
      // With one job the tables come one after another: the previous one is done when the next starts.
      if (jobs === 1) finish(current);
      current = starting[1]!;
    }
  };
}
