/**
 * PostgreSQL's client tools write a log line in pieces, each a write of its own: "pg_restore:", " ", a level
 * ("error: ", "warning: ", …; none for progress), then the message and its newline in one. With parallel
 * jobs their processes share stderr, so one process's pieces can fall between another's: "pg_restore: error: "
 * may stand before the leader's "finished item …", the error's message arriving on the next line bare.
 */
const PIECE = /^(?:pg_dump:|pg_restore:|error: |warning: |detail: |hint: |\s)/;

/** A stderr line without the pieces in front of its message, and how many error and warning levels were among them. */
export function logLine(line: string): { message: string; errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (let piece = PIECE.exec(line); piece; piece = PIECE.exec(line)) {
    if (piece[0] === 'error: ') errors++;
    if (piece[0] === 'warning: ') warnings++;
    line = line.slice(piece[0].length);
  }
  return { message: line.trim(), errors, warnings };
}
