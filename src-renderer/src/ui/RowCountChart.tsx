const ROW = 15;
const LABEL = 230;
const W = 640;
const BAR = W - LABEL - 70;

/** Bar length for a row count on a log scale: 10 rows and 10 million both stay readable. */
const length = (n: number, max: number) => (n <= 0 ? 0 : Math.max(2, (Math.log10(n + 1) / Math.log10(max + 1)) * BAR));

/**
 * The rehearsal's comparison as a picture: per table the rows in the backup (grey) over the rows restored
 * (green, red where they differ, with the difference written beside it). The table under it has the exact numbers.
 */
export function RowCountChart({ tables }: { tables: { table: string; expected: number | null; restored: number | null }[] }) {
  const max = Math.max(1, ...tables.flatMap((t) => [t.expected ?? 0, t.restored ?? 0]));
  const differing = tables.filter((t) => t.expected !== t.restored);
  const label = differing.length
    ? `Row counts of ${tables.length} tables, backup against restored: ${differing.length} differ (${differing.map((t) => t.table).join(', ')}).`
    : `Row counts of ${tables.length} tables, backup against restored: all equal.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${tables.length * ROW + 18}`} width="100%" role="img" aria-label={label}>
        <text x={0} y={10} className="tl-label">
          Rows per table: in the backup (grey), restored (green; red where they differ). Log scale.
        </text>
        {tables.map((t, i) => {
          const y = 16 + i * ROW;
          const equal = t.expected === t.restored;
          const diff = (t.restored ?? 0) - (t.expected ?? 0);
          return (
            <g key={t.table}>
              <text x={LABEL - 6} y={y + 10} textAnchor="end" className={equal ? 'tl-row' : 'tl-row tl-bad'}>
                {t.table.length > 34 ? `${t.table.slice(0, 33)}…` : t.table}
              </text>
              <rect x={LABEL} y={y + 1} width={length(t.expected ?? 0, max)} height={5} className="bar-expected" />
              <rect x={LABEL} y={y + 7} width={length(t.restored ?? 0, max)} height={5} className={equal ? 'bar-restored' : 'bar-restored tl-bar-bad'} />
              {!equal && (
                <text x={LABEL + Math.max(length(t.expected ?? 0, max), length(t.restored ?? 0, max)) + 6} y={y + 11} className="tl-label tl-bad">
                  {t.restored === null ? 'missing' : `${diff > 0 ? '+' : '−'}${Math.abs(diff).toLocaleString()}`}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className={differing.length ? 'report bad' : 'muted small'}>{label}</figcaption>
    </figure>
  );
}
