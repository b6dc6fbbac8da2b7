import { checklistItems } from '../../../src-main/contract/checklist';
import type { RunView } from '../../../src-main/contract/runs';

const W = 520;
const ROW = 18;
const LABEL = 190;

const took = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/** How long each timed step of the run took: where the migration's preparation time goes. */
export function StepDurations({ durations }: { durations: RunView['durations'] }) {
  if (!durations.length) return null;
  const max = Math.max(...durations.map((d) => d.ms));
  const title = (key: string) => checklistItems.find((i) => i.key === key)?.title ?? key;
  const label = `Time per step: ${durations.map((d) => `${title(d.key)} ${took(d.ms)}`).join(', ')}.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${durations.length * ROW}`} width={W} role="img" aria-label={label}>
        {durations.map((d, i) => (
          <g key={d.key}>
            <text x={LABEL - 6} y={i * ROW + 13} textAnchor="end" className="tl-row">
              {title(d.key)}
            </text>
            <rect x={LABEL} y={i * ROW + 4} width={Math.max(2, (d.ms / max) * (W - LABEL - 80))} height={11} rx={2} className="tl-local" />
            <text x={LABEL + Math.max(2, (d.ms / max) * (W - LABEL - 80)) + 6} y={i * ROW + 13} className="tl-label">
              {took(d.ms)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="muted small">Time per step of this run</figcaption>
    </figure>
  );
}
