import type { WatchedRun } from '../../../src-main/contract/status';

const W = 640;
const ROW = 26;
const LEFT = 130;
const RIGHT = 96; // room for the expiry label
const TOP = 22;

const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/**
 * One watched run on a time axis: the platform backup from taken to expiry, the local backup, the
 * migration window as a band, and now. The part of the window the platform backup no longer covers is
 * red and labelled, so an overlap shows at a glance; the sentence under it says the same in words.
 */
export function RetentionTimeline({ run, at }: { run: WatchedRun; at: string }) {
  const taken = Date.parse(run.platformBackup.takenAt);
  const expires = Date.parse(run.platformBackup.expiresAt);
  const start = Date.parse(run.window.start);
  const end = Date.parse(run.window.end);
  const now = Date.parse(at);
  const local = run.localBackup ? Date.parse(run.localBackup.takenAt) : null;
  const from = Math.min(taken, now, local ?? taken);
  const to = Math.max(expires, end, now);
  const pad = (to - from) * 0.04;
  const x = (t: number) => LEFT + ((t - from + pad) / (to - from + 2 * pad)) * (W - LEFT - RIGHT);
  const rows = 3;
  const height = TOP + rows * ROW + 24;
  const uncovered = expires < end ? { from: Math.max(expires, start), to: end } : null;
  const covered = run.state === 'protected';
  const label = `${run.runName}: platform backup from ${when(run.platformBackup.takenAt)} until ${when(run.platformBackup.expiresAt)}; migration window ${when(run.window.start)} to ${when(run.window.end)}; ${
    covered ? 'the window is covered' : run.state === 'lapsed' ? 'protection has lapsed' : 'the platform backup expires before the window ends'
  }.`;
  return (
    <figure className="timeline">
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={label} width="100%">
        {/* The migration window as a band behind everything. */}
        <rect x={x(start)} y={TOP - 6} width={Math.max(2, x(end) - x(start))} height={rows * ROW + 6} className="tl-window" />
        <text x={x(start)} y={TOP - 9} className="tl-label">
          migration window
        </text>
        {uncovered && uncovered.to > uncovered.from && (
          <>
            <rect x={x(uncovered.from)} y={TOP - 6} width={Math.max(2, x(uncovered.to) - x(uncovered.from))} height={rows * ROW + 6} className="tl-uncovered" />
            <text x={x(uncovered.to) - 4} y={TOP + rows * ROW + 14} textAnchor="end" className="tl-label tl-bad">
              not covered by the platform backup
            </text>
          </>
        )}
        <text x={8} y={TOP + ROW * 0.5 + 4} className="tl-row">
          Platform backup
        </text>
        <rect x={x(taken)} y={TOP + 5} width={Math.max(2, x(expires) - x(taken))} height={ROW - 10} rx={4} className={covered ? 'tl-bar' : 'tl-bar tl-bar-bad'} />
        <text x={x(expires) + 4} y={TOP + ROW * 0.5 + 4} className="tl-label">
          expires {day(expires)}
        </text>
        <text x={8} y={TOP + ROW * 1.5 + 4} className="tl-row">
          Local backup
        </text>
        {local !== null ? (
          <>
            <path d={`M ${x(local)} ${TOP + ROW + 5} l 7 8 l -7 8 l -7 -8 z`} className={run.localBackup!.present ? 'tl-local' : 'tl-local tl-bar-bad'} />
            <text x={x(local) + 10} y={TOP + ROW * 1.5 + 4} className="tl-label">
              {run.localBackup!.present ? `taken ${day(local)}, kept` : 'file gone'}
            </text>
          </>
        ) : (
          <text x={LEFT} y={TOP + ROW * 1.5 + 4} className="tl-label">
            none yet
          </text>
        )}
        <text x={8} y={TOP + ROW * 2.5 + 4} className="tl-row">
          Now
        </text>
        <line x1={x(now)} x2={x(now)} y1={TOP - 6} y2={TOP + rows * ROW} className="tl-now" />
        <text x={x(now) + 4} y={TOP + ROW * 2.5 + 4} className="tl-label">
          {day(now)}
        </text>
      </svg>
      <figcaption className={covered ? 'report good' : 'report bad'}>
        <strong>{covered ? 'Covered.' : run.state === 'lapsed' ? 'Protection lapsed.' : 'At risk.'}</strong> {run.reasons.join(' ')}
      </figcaption>
    </figure>
  );
}
