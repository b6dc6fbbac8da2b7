import type { BackupProgress } from '../contract/backup';
import type { CheckProgress } from '../contract/runs';
import { formatBytes } from '../contract/format';
import type { StorageProgress } from '../contract/storage';

/** Prints results as text for people or JSON for scripts, and progress only where someone watches. */
export class Output {
  constructor(
    private readonly json: boolean,
    private readonly tty = process.stderr.isTTY === true,
  ) {}

  /** A progress line is on the terminal: cleared before anything else is printed. */
  private lineOpen = false;

  result(value: unknown, text: string): void {
    this.closeLine();
    process.stdout.write(this.json ? JSON.stringify(value, null, 2) + '\n' : text.endsWith('\n') ? text : text + '\n');
  }

  progress(p: BackupProgress): void {
    if (this.json || !this.tty) return;
    const pct = Math.round(p.fraction * 100);
    const eta = p.etaMs === null ? '' : `, about ${Math.ceil(p.etaMs / 1000)} s left`;
    const table = p.currentTable ? ` ${p.currentTable}` : '';
    // Until the backup has read the tables (pg_dump starts first) there is no total to show.
    const tables = p.tablesTotal ? `, ${p.tablesDone}/${p.tablesTotal} tables` : '';
    process.stderr.write(`\r\x1b[2K${p.phase} ${pct}% ${formatBytes(p.bytesDumped)} dumped${tables}${eta}${table}`);
    if (p.phase === 'finalizing') process.stderr.write('\n');
  }

  storageProgress(p: StorageProgress): void {
    if (this.json || !this.tty) return;
    process.stderr.write(`\r\x1b[2K${p.phase} ${p.objectsDone}/${p.objectsTotal} objects, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}${p.resumed ? ` (${p.resumed} from an earlier attempt)` : ''}`);
    if (p.phase === 'archiving') process.stderr.write('\n');
  }

  checkProgress(p: CheckProgress): void {
    if (this.json || !this.tty) return;
    const eta = p.etaMs === null ? '' : `, about ${Math.ceil(p.etaMs / 1000)} s left`;
    process.stderr.write(`\r\x1b[2K${p.activity} step ${p.step}/${p.steps}: ${p.phase} — ${Math.round(p.fraction * 100)}%${eta}`);
    this.lineOpen = true;
  }

  private closeLine(): void {
    if (this.lineOpen) process.stderr.write('\r\x1b[2K');
    this.lineOpen = false;
  }

  note(text: string): void {
    this.closeLine();
    if (!this.json) process.stderr.write(text + '\n');
  }
}
