import type { CheckProgress } from '../../contract/runs';

/**
 * Progress of a check made of phases of known weight (decrypting, restoring, comparing): one overall
 * fraction and an estimate of the time left from the pace so far. Phase changes are sent at once, the
 * rest at most every intervalMs.
 */
export class PhasedProgress {
  private readonly started = performance.now();
  private readonly total: number;
  private index = -1;
  private within = 0;
  private lastEmit = 0;

  constructor(
    private readonly activity: CheckProgress['activity'],
    private readonly phases: readonly { name: string; weight: number }[],
    private readonly emit: (p: CheckProgress) => void,
    private readonly intervalMs = 250,
  ) {
    this.total = phases.reduce((sum, p) => sum + p.weight, 0) || 1;
  }

  /** Enters the phase of that name (phases not in the list are ignored). */
  phase(name: string): void {
    const index = this.phases.findIndex((p) => p.name === name);
    if (index < 0) return;
    this.index = index;
    this.within = 0;
    this.send(true);
  }

  /** How far the current phase is, 0 to 1. */
  advance(fraction: number): void {
    const before = this.within;
    this.within = Math.min(1, Math.max(this.within, fraction));
    // A phase's end is always told, however soon after the last report.
    this.send(this.within === 1 && before < 1);
  }

  private send(force: boolean): void {
    const now = performance.now();
    if (this.index < 0 || (!force && now - this.lastEmit < this.intervalMs)) return;
    this.lastEmit = now;
    const done = this.phases.slice(0, this.index).reduce((sum, p) => sum + p.weight, 0) + this.phases[this.index]!.weight * this.within;
    const fraction = Math.min(0.99, done / this.total);
    const elapsedMs = Math.round(now - this.started);
    this.emit({
      activity: this.activity,
      phase: this.phases[this.index]!.name,
      step: this.index + 1,
      steps: this.phases.length,
      fraction,
      elapsedMs,
      etaMs: fraction >= 0.03 ? Math.round((elapsedMs * (1 - fraction)) / fraction) : null,
    });
  }
}
