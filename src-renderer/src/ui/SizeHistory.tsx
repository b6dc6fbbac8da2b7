import type { ProjectStatus } from '../../../src-main/contract/status';
import { formatBytes } from '../../../src-main/contract/format';

const W = 320;
const H = 56;

/** The project's backups by size, oldest to newest: a sudden jump or drop is worth a look before a migration. */
export function SizeHistory({ sizes }: { sizes: ProjectStatus['sizes'] }) {
  if (sizes.length < 2) return null;
  const max = Math.max(...sizes.map((s) => s.bytes));
  const step = W / sizes.length;
  const first = sizes[0]!;
  const last = sizes.at(-1)!;
  const label = `Backup sizes, ${sizes.length} backups from ${first.name} (${formatBytes(first.bytes)}) to ${last.name} (${formatBytes(last.bytes)}).`;
  return (
    <figure className="chart size-history">
      <svg viewBox={`0 0 ${W} ${H + 14}`} width={W} role="img" aria-label={label}>
        {sizes.map((s, i) => {
          const h = Math.max(2, (s.bytes / max) * H);
          return (
            <rect key={s.runId} x={i * step + 2} y={H - h} width={step - 4} height={h} className={i === sizes.length - 1 ? 'bar-restored' : 'bar-expected'}>
              <title>{`${s.name}: ${formatBytes(s.bytes)}, ${new Date(s.takenAt).toLocaleString()}`}</title>
            </rect>
          );
        })}
        <text x={0} y={H + 12} className="tl-label">
          {formatBytes(first.bytes)}
        </text>
        <text x={W} y={H + 12} textAnchor="end" className="tl-label">
          {formatBytes(last.bytes)} (newest)
        </text>
      </svg>
      <figcaption className="muted small">Backup size, last {sizes.length} backups</figcaption>
    </figure>
  );
}
