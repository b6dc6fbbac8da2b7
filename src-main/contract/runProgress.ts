import { signOffGate } from './constants';
import type { RunView } from './runs';

/**
 * How far a run is: items passed, the first item not passed (the next step), the sign-off gate's items
 * not green yet, and who still has to sign. One reading for the dashboard (core) and the run view.
 */
export function runProgress(run: Pick<RunView, 'items' | 'signOffs'>) {
  const signed = new Set(run.signOffs.map((s) => s.role));
  return {
    passed: run.items.filter((i) => i.state === 'passed').length,
    total: run.items.length,
    next: run.items.find((i) => i.state !== 'passed') ?? null,
    gateLeft: run.items.filter((i) => (signOffGate as readonly string[]).includes(i.key) && i.state !== 'passed'),
    signersLeft: (['creator', 'verifier'] as const).filter((r) => !signed.has(r)),
  };
}
