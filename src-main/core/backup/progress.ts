import type { BackupProgress } from '../../contract/backup';

/**
 * Turns pg_dump's "dumping contents of table X" lines into a fraction and an ETA: a table is done
 * when the next one starts, and tables weigh what they occupy on disk. pg_dump starts before the tables
 * are read: the sizes come with sizeTables(), and tables finished before then count once they do.
 */
export class ProgressTracker {
  private sizes = new Map<string, number>();
  private totalBytes = 1;
  private readonly started = performance.now();
  private readonly done: string[] = [];
  private current: string | null = null;
  private lastEmit = 0;
  phase: BackupProgress['phase'] = 'preparing';
  bytesDumped = 0;
  bytesWritten = 0;

  constructor(
    private readonly emit: (p: BackupProgress) => void,
    private readonly intervalMs = 250,
  ) {}

  sizeTables(tables: readonly { schema: string; name: string; bytes: number }[]): void {
    this.sizes = new Map(tables.map((t) => [`${t.schema}.${t.name}`, t.bytes]));
    this.totalBytes = Math.max(1, [...this.sizes.values()].reduce((a, b) => a + b, 0));
  }

  tableStarted(qualified: string): void {
    if (this.current !== null) this.done.push(this.current);
    this.current = qualified;
    this.report(true);
  }

  tablesFinished(): void {
    if (this.current !== null) this.done.push(this.current);
    this.current = null;
  }

  /** Emits at most every intervalMs unless forced (phase changes, table changes). */
  report(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    const elapsedMs = Math.round(now - this.started);
    const doneBytes = this.done.reduce((sum, table) => sum + (this.sizes.get(table) ?? 0), 0);
    const fraction = this.phase === 'finalizing' ? 1 : Math.min(0.99, doneBytes / this.totalBytes);
    this.emit({
      phase: this.phase,
      bytesDumped: this.bytesDumped,
      bytesWritten: this.bytesWritten,
      currentTable: this.current,
      tablesDone: this.done.length,
      tablesTotal: this.sizes.size,
      fraction,
      elapsedMs,
      etaMs: fraction >= 0.02 && fraction < 1 ? Math.round((elapsedMs * (1 - fraction)) / fraction) : null,
    });
  }
}
