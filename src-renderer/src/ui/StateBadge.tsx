const labels: Record<string, string> = {
  pending: 'pending',
  running: 'running',
  passed: 'passed',
  partial: 'partial — not green',
  failed: 'failed',
  skipped: 'skipped',
  succeeded: 'succeeded',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

/** A run's or an item's state as a coloured word: colour is never the only signal. */
export function StateBadge({ state }: { state: string }) {
  return <span className={`state state-${state}`}>{labels[state] ?? state}</span>;
}
