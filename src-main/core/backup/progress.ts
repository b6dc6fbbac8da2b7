import type { BackupProgress } from '../../contract/backup';

/**
 * Turns pg_dump's "dumping contents of table X" lines into a fraction and an ETA: a table is done
 * when the next one starts, and tables weigh what they occupy on disk.
 */
export class ProgressTracker {
  private readonly sizes = new Map<string, number>();
  private readonly totalBytes: number;
  private readonly started = performance.now();
  private doneBytes = 0;
  private current: string | null = null;
  private tablesDone = 0;
  private lastEmit = 0;
  phase: BackupProgress['phase'] = 'preparing';
  bytesDumped = 0;
  bytesWritten = 0;

  constructor(
    tables: readonly { schema: string; name: string; bytes: number }[],
    private readonly emit: (p: BackupProgress) => void,
    private readonly intervalMs = 250,
  ) {
    for (const t of tables) this.sizes.set(`${t.schema}.${t.name}`, t.bytes);
    this.totalBytes = Math.max(1, [...this.sizes.values()].reduce((a, b) => a + b, 0));
  }

  tableStarted(qualified: string): void {
    if (this.current !== null) this.finishCurrent();
    this.current = qualified;
    this.report(true);
  }

  tablesFinished(): void {
    if (this.current !== null) this.finishCurrent();
    this.current = null;
  }

  private finishCurrent(): void {
    this.doneBytes += this.sizes.get(this.current!) ?? 0;
    this.tablesDone++;
  }

  /** Emits at most every intervalMs unless forced (phase changes, table changes). */
  report(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    const elapsedMs = Math.round(now - this.started);
    const fraction = this.phase === 'finalizing' ? 1 : Math.min(0.99, this.doneBytes / this.totalBytes);
    this.emit({
      phase: this.phase,
      bytesDumped: this.bytesDumped,
      bytesWritten: this.bytesWritten,
      currentTable: this.current,
      tablesDone: this.tablesDone,
      tablesTotal: this.sizes.size,
      fraction,
      elapsedMs,
      etaMs: fraction >= 0.02 && fraction < 1 ? Math.round((elapsedMs * (1 - fraction)) / fraction) : null,
    });
  }
}
